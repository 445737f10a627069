//! A small pre-norm transformer encoder over word tokens, trained together with Reel's own DiT.

use super::{words::WordTokenizer, TextEncoder};
use crate::nn::{LayerNorm, Linear};
use crate::ops;
use candle_core::{Device, Result, Tensor, D};
use candle_nn::{Init, VarBuilder};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TinyTextConfig {
    pub dim: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    pub ffn_dim: usize,
    /// Start every residual branch's output projection at zero, so an untrained encoder passes
    /// each word (plus its position) straight through its final norm. With the default random
    /// projections the branches start ~50× larger than the 0.02-scale embeddings, every token's
    /// output becomes one caption-wide mixture, and training locks onto whatever word matters
    /// most everywhere (the background colour) while the object's words stay invisible.
    #[serde(default)]
    pub zero_init_residuals: bool,
}

struct Layer {
    norm1: LayerNorm,
    qkv: Linear,
    out: Linear,
    norm2: LayerNorm,
    ffn_in: Linear,
    ffn_out: Linear,
}

pub struct TinyTextEncoder {
    cfg: TinyTextConfig,
    tokenizer: WordTokenizer,
    embed: Tensor,
    pos: Tensor,
    layers: Vec<Layer>,
    norm: LayerNorm,
    device: Device,
}

impl TinyTextEncoder {
    pub fn new(cfg: &TinyTextConfig, tokenizer: WordTokenizer, vb: VarBuilder) -> Result<Self> {
        if cfg.num_heads == 0 || !cfg.dim.is_multiple_of(cfg.num_heads) {
            candle_core::bail!(
                "text encoder dim {} is not divisible by {} heads",
                cfg.dim,
                cfg.num_heads
            );
        }
        let d = cfg.dim;
        let emb_init = Init::Randn {
            mean: 0.0,
            stdev: 0.02,
        };
        let embed = vb.get_with_hints((tokenizer.vocab_size(), d), "embed.weight", emb_init)?;
        let pos = vb.get_with_hints((tokenizer.max_len, d), "pos_embed", emb_init)?;
        let residual_out = |i: usize, o: usize, vb: VarBuilder| {
            if cfg.zero_init_residuals {
                Linear::zeros(i, o, vb)
            } else {
                Linear::new(i, o, true, vb)
            }
        };
        let layers = (0..cfg.num_layers)
            .map(|i| {
                let vb = vb.pp(format!("layers.{i}"));
                Ok(Layer {
                    norm1: LayerNorm::new(d, 1e-5, vb.pp("norm1"))?,
                    qkv: Linear::new(d, 3 * d, true, vb.pp("qkv"))?,
                    out: residual_out(d, d, vb.pp("out"))?,
                    norm2: LayerNorm::new(d, 1e-5, vb.pp("norm2"))?,
                    ffn_in: Linear::new(d, cfg.ffn_dim, true, vb.pp("ffn_in"))?,
                    ffn_out: residual_out(cfg.ffn_dim, d, vb.pp("ffn_out"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            cfg: cfg.clone(),
            tokenizer,
            embed,
            pos,
            layers,
            norm: LayerNorm::new(d, 1e-5, vb.pp("norm"))?,
            device: vb.device().clone(),
        })
    }

    pub fn tokenizer(&self) -> &WordTokenizer {
        &self.tokenizer
    }

    /// Token ids `[B, S]` and a keep-mask `[B, S]` (1 for real tokens).
    fn batch(&self, prompts: &[&str]) -> Result<(Tensor, Tensor)> {
        let s = self.tokenizer.max_len;
        let mut ids = Vec::with_capacity(prompts.len() * s);
        let mut keep = Vec::with_capacity(prompts.len() * s);
        for p in prompts {
            let (tok, len) = self.tokenizer.encode(p);
            ids.extend(tok);
            keep.extend((0..s).map(|i| if i < len { 1f32 } else { 0f32 }));
        }
        Ok((
            Tensor::from_vec(ids, (prompts.len(), s), &self.device)?,
            Tensor::from_vec(keep, (prompts.len(), s), &self.device)?,
        ))
    }
}

impl TextEncoder for TinyTextEncoder {
    fn encode(&self, prompts: &[&str]) -> Result<Tensor> {
        let (b, s, d) = (prompts.len(), self.tokenizer.max_len, self.cfg.dim);
        let heads = self.cfg.num_heads;
        let (ids, keep) = self.batch(prompts)?;
        let mut h = self
            .embed
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((b, s, d))?
            .broadcast_add(&self.pos.unsqueeze(0)?)?;
        // Padded keys get a large negative score so attention ignores them.
        let key_bias = ((keep.clone() - 1.0)? * 1e9)?.reshape((b, 1, 1, s))?;
        for layer in &self.layers {
            let n = layer.norm1.forward(&h)?;
            let qkv = layer
                .qkv
                .forward(&n)?
                .reshape((b, s, 3, heads, d / heads))?;
            let part = |i: usize| {
                qkv.narrow(2, i, 1)?
                    .squeeze(2)?
                    .transpose(1, 2)?
                    .contiguous()
            };
            let (q, k, v) = (part(0)?, part(1)?, part(2)?);
            let scale = 1.0 / ((d / heads) as f64).sqrt();
            let a = ops::attention_with_bias(&q, &k, &v, scale, Some(&key_bias))?;
            let a = a.transpose(1, 2)?.contiguous()?.reshape((b, s, d))?;
            h = (h + layer.out.forward(&a)?)?;
            let n = layer.norm2.forward(&h)?;
            h = (&h
                + layer
                    .ffn_out
                    .forward(&ops::gelu_tanh(&layer.ffn_in.forward(&n)?)?)?)?;
        }
        // Zero the padded rows, as the Wan pipeline does with T5 outputs.
        self.norm
            .forward(&h)?
            .broadcast_mul(&keep.unsqueeze(D::Minus1)?)
    }

    fn dim(&self) -> usize {
        self.cfg.dim
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::seeded_var_builder;
    use candle_nn::VarMap;

    #[test]
    fn padding_rows_are_zero_and_prompts_differ() -> Result<()> {
        let cfg = TinyTextConfig {
            dim: 16,
            num_layers: 2,
            num_heads: 2,
            ffn_dim: 32,
            zero_init_residuals: false,
        };
        let enc = TinyTextEncoder::new(
            &cfg,
            WordTokenizer::default_vocab(12),
            seeded_var_builder(&VarMap::new(), 3, &Device::Cpu),
        )?;
        let out = enc.encode(&["a red ball", "a blue box moves left"])?;
        assert_eq!(out.dims(), &[2, 12, 16]);
        // "a red ball" is 3 words + EOS: rows 4.. are zero.
        let pad = out
            .get(0)?
            .narrow(0, 4, 8)?
            .abs()?
            .max_all()?
            .to_scalar::<f32>()?;
        assert_eq!(pad, 0.0);
        let real = out
            .get(0)?
            .narrow(0, 0, 4)?
            .abs()?
            .max_all()?
            .to_scalar::<f32>()?;
        assert!(real > 0.1);
        // Padding does not leak into real tokens: the same prompt alone gives the same rows.
        let alone = enc.encode(&["a red ball"])?;
        let diff = (alone.get(0)? - out.get(0)?)?
            .abs()?
            .max_all()?
            .to_scalar::<f32>()?;
        assert!(diff < 1e-5);
        Ok(())
    }

    /// Encodings of two prompts that differ in one word, and which rows changed.
    fn changed_rows(zero_init_residuals: bool) -> Result<Vec<bool>> {
        let cfg = TinyTextConfig {
            dim: 16,
            num_layers: 2,
            num_heads: 2,
            ffn_dim: 32,
            zero_init_residuals,
        };
        let enc = TinyTextEncoder::new(
            &cfg,
            WordTokenizer::default_vocab(12),
            seeded_var_builder(&VarMap::new(), 5, &Device::Cpu),
        )?;
        let out = enc.encode(&[
            "a red ball on a black background",
            "a green ball on a black background",
        ])?;
        let d = (out.get(0)? - out.get(1)?)?
            .abs()?
            .max_keepdim(1)?
            .squeeze(1)?;
        Ok(d.to_vec1::<f32>()?.iter().map(|&v| v > 1e-4).collect())
    }

    #[test]
    fn zero_init_residuals_keep_each_word_in_its_own_row() -> Result<()> {
        // Untrained, the encoder is then its final norm over word + position: changing the
        // colour word changes that row only, so every word reaches the DiT distinctly.
        let rows = changed_rows(true)?;
        assert!(rows[1], "the changed word's row did not change");
        assert_eq!(rows.iter().filter(|&&c| c).count(), 1, "{rows:?}");
        // With random residual projections every row mixes the whole caption.
        assert!(changed_rows(false)?.iter().take(8).all(|&c| c));
        Ok(())
    }
}
