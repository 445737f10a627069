//! UMT5 encoder (transformers `UMT5EncoderModel`, WAN.md §4) and the Wan pipeline's text path:
//! prompt cleaning, SentencePiece tokenisation from `tokenizer.json`, padding to a fixed length
//! with EOS, the masked encoder, and zeroing of the padded rows.
//!
//! Differences from T5 that matter: every layer owns its relative-position bias table, scores are
//! not scaled by 1/sqrt(d), the FFN is gated `gelu_new`, and the norm is RMS-style without centring.

use std::path::Path;

use anyhow::Context;
use candle_core::{bail, DType, Device, Result, Tensor, D};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};
use tokenizers::{
    PaddingDirection, PaddingParams, PaddingStrategy, Tokenizer, TruncationDirection,
    TruncationParams, TruncationStrategy,
};

use crate::ops;
use crate::text::TextEncoder;

/// Text length the Wan pipelines use (`max_sequence_length=512`).
pub const WAN_TEXT_LEN: usize = 512;

/// Encoder configuration; field names are transformers' `UMT5Config` keys (`config.json`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Umt5Config {
    pub vocab_size: usize,
    pub d_model: usize,
    pub d_kv: usize,
    pub d_ff: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    #[serde(default = "default_buckets")]
    pub relative_attention_num_buckets: usize,
    #[serde(default = "default_max_distance")]
    pub relative_attention_max_distance: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_epsilon: f64,
    #[serde(default = "default_ffn")]
    pub feed_forward_proj: String,
    #[serde(default)]
    pub pad_token_id: u32,
    #[serde(default = "default_eos")]
    pub eos_token_id: u32,
}

fn default_buckets() -> usize {
    32
}
fn default_max_distance() -> usize {
    128
}
fn default_eps() -> f64 {
    1e-6
}
fn default_ffn() -> String {
    "gated-gelu".into()
}
fn default_eos() -> u32 {
    1
}

impl Umt5Config {
    /// `google/umt5-xxl` encoder as used by every Wan model (WAN.md §1.3).
    pub fn umt5_xxl() -> Self {
        Self {
            vocab_size: 256384,
            d_model: 4096,
            d_kv: 64,
            d_ff: 10240,
            num_layers: 24,
            num_heads: 64,
            relative_attention_num_buckets: 32,
            relative_attention_max_distance: 128,
            layer_norm_epsilon: 1e-6,
            feed_forward_proj: "gated-gelu".into(),
            pad_token_id: 0,
            eos_token_id: 1,
        }
    }

    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let cfg: Self = serde_json::from_str(text).context("parsing UMT5 config.json")?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        if self.d_model == 0 || self.num_heads == 0 || self.d_kv == 0 || self.num_layers == 0 {
            anyhow::bail!("UMT5 config needs d_model, num_heads, d_kv and num_layers > 0");
        }
        // Only the gated tanh-GELU FFN is what UMT5 checkpoints ship; others would silently differ.
        if self.feed_forward_proj != "gated-gelu" {
            anyhow::bail!(
                "UMT5 feed_forward_proj {:?} is not supported (only \"gated-gelu\")",
                self.feed_forward_proj
            );
        }
        if self.relative_attention_num_buckets < 4 || self.relative_attention_max_distance == 0 {
            anyhow::bail!("UMT5 relative attention needs >= 4 buckets and a positive max distance");
        }
        Ok(())
    }

    fn inner_dim(&self) -> usize {
        self.num_heads * self.d_kv
    }
}

/// Bidirectional T5 bucket of `rel = key_pos − query_pos`, computed in f32 as transformers does.
pub fn relative_position_bucket(rel: i64, num_buckets: usize, max_distance: usize) -> usize {
    let half = num_buckets / 2;
    let mut bucket = if rel > 0 { half } else { 0 };
    let n = rel.unsigned_abs() as usize;
    let max_exact = half / 2;
    if n < max_exact {
        bucket += n;
    } else {
        // Evaluated only for n >= max_exact, so log never sees 0.
        let scale = ((max_distance as f64) / (max_exact as f64)).ln() as f32;
        let v = ((n as f32) / (max_exact as f32)).ln() / scale * ((half - max_exact) as f32);
        bucket += (max_exact + v as usize).min(half - 1);
    }
    bucket
}

fn rms(x: &Tensor, w: &Tensor, eps: f64) -> Result<Tensor> {
    ops::rms_norm(x, w, eps)
}

struct Block {
    norm1: Tensor,
    q: Tensor,
    k: Tensor,
    v: Tensor,
    o: Tensor,
    rel_bias: Tensor,
    norm2: Tensor,
    wi_0: Tensor,
    wi_1: Tensor,
    wo: Tensor,
}

impl Block {
    fn new(cfg: &Umt5Config, vb: VarBuilder) -> Result<Self> {
        let (d, inner) = (cfg.d_model, cfg.inner_dim());
        let a = vb.pp("layer.0");
        let sa = a.pp("SelfAttention");
        let f = vb.pp("layer.1");
        let ff = f.pp("DenseReluDense");
        Ok(Self {
            norm1: a.get(d, "layer_norm.weight")?,
            q: sa.get((inner, d), "q.weight")?,
            k: sa.get((inner, d), "k.weight")?,
            v: sa.get((inner, d), "v.weight")?,
            o: sa.get((d, inner), "o.weight")?,
            rel_bias: sa.get(
                (cfg.relative_attention_num_buckets, cfg.num_heads),
                "relative_attention_bias.weight",
            )?,
            norm2: f.get(d, "layer_norm.weight")?,
            wi_0: ff.get((cfg.d_ff, d), "wi_0.weight")?,
            wi_1: ff.get((cfg.d_ff, d), "wi_1.weight")?,
            wo: ff.get((d, cfg.d_ff), "wo.weight")?,
        })
    }

    /// `buckets`: `[L·L]` u32 bucket ids; `mask_bias`: `[B, 1, 1, L]` (0 or f32::MIN).
    fn forward(
        &self,
        h: &Tensor,
        buckets: &Tensor,
        mask_bias: &Tensor,
        cfg: &Umt5Config,
    ) -> Result<Tensor> {
        let (b, l, _) = h.dims3()?;
        let (nh, dk) = (cfg.num_heads, cfg.d_kv);
        let n = rms(h, &self.norm1, cfg.layer_norm_epsilon)?;
        let heads = |w: &Tensor| -> Result<Tensor> {
            ops::linear(&n, w, None)?
                .reshape((b, l, nh, dk))?
                .transpose(1, 2)?
                .contiguous()
        };
        let (q, k, v) = (heads(&self.q)?, heads(&self.k)?, heads(&self.v)?);
        // This layer's own bias table: [L·L, heads] → [1, heads, L, L].
        let bias = self
            .rel_bias
            .index_select(buckets, 0)?
            .reshape((l, l, nh))?
            .permute((2, 0, 1))?
            .unsqueeze(0)?;
        let bias = bias.broadcast_add(mask_bias)?;
        let scores = q.matmul(&k.t()?.contiguous()?)?.broadcast_add(&bias)?;
        let attn = ops::softmax_last_dim(&scores)?.matmul(&v)?;
        let attn = attn.transpose(1, 2)?.reshape((b, l, nh * dk))?;
        let h = (h + ops::linear(&attn, &self.o, None)?)?;
        let n = rms(&h, &self.norm2, cfg.layer_norm_epsilon)?;
        let gate = ops::gelu_tanh(&ops::linear(&n, &self.wi_0, None)?)?;
        let up = ops::linear(&n, &self.wi_1, None)?;
        h + ops::linear(&(gate * up)?, &self.wo, None)?
    }
}

/// The UMT5 encoder stack; weights in transformers' names (`shared.weight`, `encoder.block.{i}…`).
pub struct Umt5Encoder {
    embed: Tensor,
    blocks: Vec<Block>,
    final_norm: Tensor,
    cfg: Umt5Config,
}

impl Umt5Encoder {
    pub fn new(cfg: &Umt5Config, vb: VarBuilder) -> Result<Self> {
        let embed_shape = (cfg.vocab_size, cfg.d_model);
        // `shared` and `encoder.embed_tokens` are tied; checkpoints may store either one.
        let embed = if vb.contains_tensor("shared.weight")
            || !vb.contains_tensor("encoder.embed_tokens.weight")
        {
            vb.get(embed_shape, "shared.weight")?
        } else {
            vb.get(embed_shape, "encoder.embed_tokens.weight")?
        };
        let enc = vb.pp("encoder");
        let blocks = (0..cfg.num_layers)
            .map(|i| Block::new(cfg, enc.pp(format!("block.{i}"))))
            .collect::<Result<Vec<_>>>()?;
        let final_norm = enc.get(cfg.d_model, "final_layer_norm.weight")?;
        Ok(Self {
            embed,
            blocks,
            final_norm,
            cfg: cfg.clone(),
        })
    }

    pub fn config(&self) -> &Umt5Config {
        &self.cfg
    }

    pub fn device(&self) -> &Device {
        self.embed.device()
    }

    /// `ids`, `mask`: `[B, L]` (any integer dtype; mask 1 = real token). Returns the
    /// `last_hidden_state` `[B, L, d_model]` in f32 (padded rows are *not* zeroed here).
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, l) = ids.dims2()?;
        if mask.dims() != [b, l] {
            bail!(
                "UMT5 attention mask shape {:?} does not match ids {:?}",
                mask.dims(),
                ids.dims()
            );
        }
        let ids = ids.to_dtype(DType::U32)?;
        let max_id = ids.flatten_all()?.max(0)?.to_scalar::<u32>()? as usize;
        if max_id >= self.cfg.vocab_size {
            bail!(
                "token id {max_id} is outside the UMT5 vocabulary ({} entries)",
                self.cfg.vocab_size
            );
        }
        let dev = self.embed.device();
        let mut h =
            self.embed
                .index_select(&ids.flatten_all()?, 0)?
                .reshape((b, l, self.cfg.d_model))?;
        h = ops::to_f32(&h)?;
        let buckets: Vec<u32> = (0..l)
            .flat_map(|qi| {
                (0..l).map(move |ki| {
                    relative_position_bucket(
                        ki as i64 - qi as i64,
                        self.cfg.relative_attention_num_buckets,
                        self.cfg.relative_attention_max_distance,
                    ) as u32
                })
            })
            .collect();
        let buckets = Tensor::from_vec(buckets, l * l, dev)?;
        // Padded keys get the most negative f32, as transformers' extended mask does.
        let keep = mask.to_dtype(DType::F32)?;
        let mask_bias =
            ((keep.ones_like()? - keep)? * f64::from(f32::MIN))?.reshape((b, 1, 1, l))?;
        for block in &self.blocks {
            h = block.forward(&h, &buckets, &mask_bias, &self.cfg)?;
        }
        rms(&h, &self.final_norm, self.cfg.layer_norm_epsilon)
    }
}

/// The Wan pipeline's `prompt_clean`: html-unescape twice, collapse whitespace runs, strip.
///
/// The reference first runs `ftfy.fix_text` (mojibake repair, quote/ligature normalisation, …),
/// which is not reproduced; prompts that ftfy would change can tokenize differently. The HTML
/// unescaping covers numeric references and the common named entities, not all 2 231 of HTML5.
pub fn clean_prompt(text: &str) -> String {
    let text = html_unescape(&html_unescape(text));
    // Python's `\s` on str also matches the ASCII separators 0x1c–0x1f, which Rust's
    // `char::is_whitespace` does not.
    let is_space = |c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c);
    text.split(is_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

const NAMED_ENTITIES: &[(&str, &str)] = &[
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("nbsp", "\u{a0}"),
    ("copy", "©"),
    ("reg", "®"),
    ("trade", "™"),
    ("hellip", "…"),
    ("mdash", "—"),
    ("ndash", "–"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("laquo", "«"),
    ("raquo", "»"),
    ("deg", "°"),
    ("times", "×"),
    ("middot", "·"),
    ("euro", "€"),
    ("pound", "£"),
    ("yen", "¥"),
    ("cent", "¢"),
    ("sect", "§"),
    ("para", "¶"),
    ("bull", "•"),
];

/// Python's cp1252 remapping of numeric references 0x80–0x9f (`html.unescape` does this).
fn cp1252(n: u32) -> Option<char> {
    const TABLE: [u32; 32] = [
        0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8d, 0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013,
        0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
    ];
    if (0x80..=0x9f).contains(&n) {
        char::from_u32(TABLE[(n - 0x80) as usize])
    } else {
        None
    }
}

/// One pass of HTML character-reference decoding (`html.unescape`).
pub fn html_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if let Some((decoded, used)) = decode_reference(rest) {
            out.push_str(&decoded);
            rest = &rest[used..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Decodes a reference at the start of `s` (which begins with '&'); returns text and bytes used.
fn decode_reference(s: &str) -> Option<(String, usize)> {
    let body = &s[1..];
    if let Some(num) = body.strip_prefix('#') {
        let (digits, radix, skip) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 3),
            None => (num, 10, 2),
        };
        let len = digits.chars().take_while(|c| c.is_digit(radix)).count();
        if len == 0 {
            return None;
        }
        let n = u32::from_str_radix(&digits[..len], radix).unwrap_or(u32::MAX);
        let semi = digits[len..].starts_with(';') as usize;
        let c = if let Some(c) = cp1252(n) {
            c
        } else if n == 0 || (0xd800..=0xdfff).contains(&n) || n > 0x10ffff {
            '\u{fffd}'
        } else {
            char::from_u32(n).unwrap_or('\u{fffd}')
        };
        return Some((c.to_string(), skip + len + semi));
    }
    NAMED_ENTITIES.iter().find_map(|(name, val)| {
        body.strip_prefix(name)
            .and_then(|r| r.strip_prefix(';'))
            .map(|_| (val.to_string(), name.len() + 2))
    })
}

/// Tokenizer set up the way the Wan pipeline calls it: EOS appended (by the file's post-processor),
/// truncated and padded to exactly `max_length`.
pub struct Umt5Tokenizer {
    inner: Tokenizer,
    max_length: usize,
}

impl Umt5Tokenizer {
    pub fn from_file(path: &Path, max_length: usize, pad_id: u32) -> anyhow::Result<Self> {
        let mut inner = Tokenizer::from_file(path)
            .map_err(|e| anyhow::anyhow!("reading tokenizer {}: {e}", path.display()))?;
        let pad_token = inner.id_to_token(pad_id).with_context(|| {
            format!(
                "{}: pad id {pad_id} is not in the vocabulary",
                path.display()
            )
        })?;
        inner
            .with_truncation(Some(TruncationParams {
                max_length,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        inner.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::Fixed(max_length),
            direction: PaddingDirection::Right,
            pad_to_multiple_of: None,
            pad_id,
            pad_type_id: 0,
            pad_token,
        }));
        Ok(Self { inner, max_length })
    }

    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// `(ids, mask)` as `[B, max_length]` u32 tensors; prompts are tokenized as given.
    pub fn tokenize(&self, prompts: &[&str], dev: &Device) -> anyhow::Result<(Tensor, Tensor)> {
        let mut ids = Vec::with_capacity(prompts.len() * self.max_length);
        let mut mask = Vec::with_capacity(prompts.len() * self.max_length);
        for p in prompts {
            let enc = self
                .inner
                .encode(*p, true)
                .map_err(|e| anyhow::anyhow!("tokenizing {p:?}: {e}"))?;
            anyhow::ensure!(
                enc.get_ids().len() == self.max_length,
                "tokenizer returned {} tokens for {p:?}, expected {}",
                enc.get_ids().len(),
                self.max_length
            );
            ids.extend_from_slice(enc.get_ids());
            mask.extend_from_slice(enc.get_attention_mask());
        }
        let shape = (prompts.len(), self.max_length);
        Ok((
            Tensor::from_vec(ids, shape, dev)?,
            Tensor::from_vec(mask, shape, dev)?,
        ))
    }
}

/// Tokenizer + encoder: Wan's `_get_t5_prompt_embeds`.
pub struct Umt5TextEncoder {
    pub model: Umt5Encoder,
    pub tokenizer: Umt5Tokenizer,
}

impl Umt5TextEncoder {
    pub fn new(model: Umt5Encoder, tokenizer: Umt5Tokenizer) -> Self {
        Self { model, tokenizer }
    }

    /// Embeddings of prompts taken verbatim (no cleaning), padded rows zeroed: `[B, max_length, d]`.
    pub fn encode_raw(&self, prompts: &[&str]) -> anyhow::Result<Tensor> {
        let (ids, mask) = self.tokenizer.tokenize(prompts, self.model.device())?;
        let h = self.model.forward(&ids, &mask)?;
        // The pipeline keeps `u[:seq_len]` and appends zero rows; masking is the same thing.
        Ok(h.broadcast_mul(&mask.to_dtype(DType::F32)?.unsqueeze(D::Minus1)?)?)
    }
}

impl TextEncoder for Umt5TextEncoder {
    /// Cleans each prompt as the Wan pipeline does (see [`clean_prompt`]), then [`Self::encode_raw`].
    fn encode(&self, prompts: &[&str]) -> Result<Tensor> {
        let cleaned: Vec<String> = prompts.iter().map(|p| clean_prompt(p)).collect();
        let refs: Vec<&str> = cleaned.iter().map(String::as_str).collect();
        self.encode_raw(&refs)
            .map_err(|e| candle_core::Error::Msg(format!("UMT5 text encoder: {e:#}")))
    }

    fn dim(&self) -> usize {
        self.model.cfg.d_model
    }
}
