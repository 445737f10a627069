//! Diffusion Transformer in the Wan2.1 layout (WAN.md §2), readable top to bottom.
//!
//! Latent video `[B, C, F, H, W]` → spacetime patches → blocks of (modulated self-attention with
//! 3-D RoPE, text cross-attention, modulated GELU FFN) → head → unpatchify. Timesteps are per
//! sample `[B]` or per token `[B, L]`; per-token timesteps let known frames sit at t = 0.

pub mod rope;

use crate::nn::{LayerNorm, Linear, RmsNorm};
use crate::ops;
use candle_core::{bail, DType, Result, Tensor, D};
use candle_nn::{Init, VarBuilder};
use serde::{Deserialize, Serialize};

/// Transformer configuration; field names are diffusers' `WanTransformer3DModel` config keys.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DitConfig {
    #[serde(default = "default_patch")]
    pub patch_size: [usize; 3],
    pub num_attention_heads: usize,
    pub attention_head_dim: usize,
    pub in_channels: usize,
    pub out_channels: usize,
    pub text_dim: usize,
    #[serde(default = "default_freq_dim")]
    pub freq_dim: usize,
    pub ffn_dim: usize,
    pub num_layers: usize,
    #[serde(default = "default_true")]
    pub cross_attn_norm: bool,
    #[serde(default = "default_qk_norm")]
    pub qk_norm: Option<String>,
    #[serde(default = "default_eps")]
    pub eps: f64,
    #[serde(default)]
    pub image_dim: Option<usize>,
    #[serde(default)]
    pub added_kv_proj_dim: Option<usize>,
    #[serde(default = "default_rope_max")]
    pub rope_max_seq_len: usize,
    #[serde(default)]
    pub pos_embed_seq_len: Option<usize>,
    /// Reel's own models only (0 = off, as in Wan): frequencies per axis of a fixed sinusoidal
    /// description of where each token sits in the clip (see `position_features`), projected by
    /// a learned linear layer and added to the patch embedding. RoPE alone tells a token only its
    /// offsets to others; on a grid of a few tokens a wall, a floor or the first frame is then
    /// something the model must infer from the edges of its attention.
    #[serde(default)]
    pub position_frequencies: usize,
    /// Reel's own models only (off, as in Wan): cross-attention ignores the text rows that are
    /// exactly zero (the encoder's padding). Unmasked, the padding's identical keys share one
    /// embedded value and, outnumbering a short caption's words several times over, take most
    /// of every query's attention, which a model trained from scratch must first learn to overcome.
    #[serde(default)]
    pub text_mask: bool,
    /// Reel's own models only (off, as in Wan, whose self-attention spans the whole clip):
    /// self-attention alternates between the tokens of one latent frame (even blocks) and the
    /// tokens at one place across the frames (odd blocks), the factorised space-time attention
    /// of video DiTs such as Latte. Over F frames of S tokens it costs F·S·(S + F) scores instead
    /// of (F·S)², which makes finer patches (more tokens a frame) affordable on a CPU.
    #[serde(default)]
    pub factorized_attention: bool,
}

fn default_patch() -> [usize; 3] {
    [1, 2, 2]
}
fn default_freq_dim() -> usize {
    256
}
fn default_true() -> bool {
    true
}
fn default_qk_norm() -> Option<String> {
    Some("rms_norm_across_heads".into())
}
fn default_eps() -> f64 {
    1e-6
}
fn default_rope_max() -> usize {
    1024
}

impl DitConfig {
    pub fn dim(&self) -> usize {
        self.num_attention_heads * self.attention_head_dim
    }

    /// Wan2.1-T2V-1.3B as published.
    pub fn wan21_t2v_1_3b() -> Self {
        Self {
            patch_size: [1, 2, 2],
            num_attention_heads: 12,
            attention_head_dim: 128,
            in_channels: 16,
            out_channels: 16,
            text_dim: 4096,
            freq_dim: 256,
            ffn_dim: 8960,
            num_layers: 30,
            cross_attn_norm: true,
            qk_norm: default_qk_norm(),
            eps: 1e-6,
            image_dim: None,
            added_kv_proj_dim: None,
            rope_max_seq_len: 1024,
            pos_embed_seq_len: None,
            position_frequencies: 0,
            text_mask: false,
            factorized_attention: false,
        }
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        let hd = self.attention_head_dim;
        if self.num_attention_heads == 0 || hd == 0 || self.num_layers == 0 {
            anyhow::bail!("transformer needs at least one layer, one head and a head dimension");
        }
        if !hd.is_multiple_of(2) || rope::axis_dims(hd).iter().any(|d| *d == 0 || d % 2 != 0) {
            anyhow::bail!("attention_head_dim {hd} cannot be split into even (t, h, w) RoPE parts");
        }
        if !self.freq_dim.is_multiple_of(2) || self.freq_dim == 0 {
            anyhow::bail!("freq_dim must be even, got {}", self.freq_dim);
        }
        if self.patch_size.contains(&0) {
            anyhow::bail!(
                "patch_size entries must be positive, got {:?}",
                self.patch_size
            );
        }
        if let Some(q) = &self.qk_norm {
            if q != "rms_norm_across_heads" {
                anyhow::bail!("qk_norm {q:?} is not supported (only rms_norm_across_heads)");
            }
        }
        Ok(())
    }
}

/// Where each token of a `(frames, height, width)` token grid sits, as `[L, 6k + 1]` features
/// (tokens f-major like `patchify`): for each axis the token centre's position as a fraction of
/// the clip, `u = (i + 0.5) / n`, through `sin(π j u), cos(π j u)` for `j = 1..=k`, plus a flag for
/// the first latent frame (the causal VAE's single-frame latent, unlike the later 4-frame ones).
/// Fractions, not indices, so the same weights serve every clip size.
pub fn position_features(
    grid: (usize, usize, usize),
    k: usize,
    dev: &candle_core::Device,
) -> Result<Tensor> {
    let (gf, gh, gw) = grid;
    let axis = |i: usize, n: usize, out: &mut Vec<f32>| {
        let u = (i as f64 + 0.5) / n as f64;
        for j in 1..=k {
            let a = std::f64::consts::PI * j as f64 * u;
            out.push(a.sin() as f32);
            out.push(a.cos() as f32);
        }
    };
    let width = 6 * k + 1;
    let mut v = Vec::with_capacity(gf * gh * gw * width);
    for f in 0..gf {
        for y in 0..gh {
            for x in 0..gw {
                axis(f, gf, &mut v);
                axis(y, gh, &mut v);
                axis(x, gw, &mut v);
                v.push(if f == 0 { 1.0 } else { 0.0 });
            }
        }
    }
    Tensor::from_vec(v, (gf * gh * gw, width), dev)
}

/// Sinusoidal timestep features `[cos | sin]` (flip_sin_to_cos), computed in f32 as diffusers does.
pub fn timestep_features(t: &Tensor, freq_dim: usize) -> Result<Tensor> {
    let half = freq_dim / 2;
    let ln = (10000f64).ln() as f32;
    let freqs: Vec<f32> = (0..half)
        .map(|i| ((-ln * i as f32) / half as f32).exp())
        .collect();
    let freqs = Tensor::from_vec(freqs, (1, half), t.device())?;
    let n = t.elem_count();
    let args = t
        .to_dtype(DType::F32)?
        .reshape((n, 1))?
        .broadcast_mul(&freqs)?;
    Tensor::cat(&[args.cos()?, args.sin()?], 1)
}

/// Which tokens a block's self-attention lets each token see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Span {
    /// Every token of the clip (Wan).
    Clip,
    /// The tokens of the same latent frame.
    Frame,
    /// The tokens at the same place in every latent frame.
    Place,
}

struct SelfAttention {
    to_q: Linear,
    to_k: Linear,
    to_v: Linear,
    to_out: Linear,
    norm_q: RmsNorm,
    norm_k: RmsNorm,
    heads: usize,
    span: Span,
}

impl SelfAttention {
    fn new(dim: usize, heads: usize, eps: f64, span: Span, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            to_q: Linear::new(dim, dim, true, vb.pp("to_q"))?,
            to_k: Linear::new(dim, dim, true, vb.pp("to_k"))?,
            to_v: Linear::new(dim, dim, true, vb.pp("to_v"))?,
            to_out: Linear::new(dim, dim, true, vb.pp("to_out.0"))?,
            norm_q: RmsNorm::new(dim, eps, vb.pp("norm_q"))?,
            norm_k: RmsNorm::new(dim, eps, vb.pp("norm_k"))?,
            heads,
            span,
        })
    }

    /// `grid`: the token grid (frames, height, width) of `x: [B, L, D]`, L in that order.
    fn forward(
        &self,
        x: &Tensor,
        cos: &Tensor,
        sin: &Tensor,
        grid: (usize, usize, usize),
    ) -> Result<Tensor> {
        let q = split_heads(&self.norm_q.forward(&self.to_q.forward(x)?)?, self.heads)?;
        let k = split_heads(&self.norm_k.forward(&self.to_k.forward(x)?)?, self.heads)?;
        let v = split_heads(&self.to_v.forward(x)?, self.heads)?;
        // RoPE on the whole grid first: each token keeps its (t, y, x) whatever the span.
        let (q, k) = (
            rope::apply_rope(&q, cos, sin)?,
            rope::apply_rope(&k, cos, sin)?,
        );
        let (b, h, l, hd) = q.dims4()?;
        let (f, s) = (grid.0, grid.1 * grid.2);
        let scale = 1.0 / (hd as f64).sqrt();
        let a = match self.span {
            Span::Clip => ops::attention(&q, &k, &v, scale)?,
            // [B, H, F·S, d] → [B, H·F, S, d]: one attention per frame.
            Span::Frame => {
                let per_frame = |t: &Tensor| t.reshape((b, h * f, s, hd));
                ops::attention(&per_frame(&q)?, &per_frame(&k)?, &per_frame(&v)?, scale)?
                    .reshape((b, h, l, hd))?
            }
            // [B, H, F, S, d] → [B, H·S, F, d]: one attention per place.
            Span::Place => {
                let per_place = |t: &Tensor| {
                    t.reshape((b, h, f, s, hd))?
                        .transpose(2, 3)?
                        .contiguous()?
                        .reshape((b, h * s, f, hd))
                };
                ops::attention(&per_place(&q)?, &per_place(&k)?, &per_place(&v)?, scale)?
                    .reshape((b, h, s, f, hd))?
                    .transpose(2, 3)?
                    .contiguous()?
                    .reshape((b, h, l, hd))?
            }
        };
        self.to_out.forward(&merge_heads(&a)?)
    }
}

struct CrossAttention {
    to_q: Linear,
    to_k: Linear,
    to_v: Linear,
    to_out: Linear,
    norm_q: RmsNorm,
    norm_k: RmsNorm,
    /// Image-token keys/values (Wan2.1 I2V): same query, separate softmax, outputs added.
    image_kv: Option<(Linear, Linear, RmsNorm)>,
    heads: usize,
}

impl CrossAttention {
    fn new(dim: usize, heads: usize, eps: f64, image: bool, vb: VarBuilder) -> Result<Self> {
        let image_kv = if image {
            Some((
                Linear::new(dim, dim, true, vb.pp("add_k_proj"))?,
                Linear::new(dim, dim, true, vb.pp("add_v_proj"))?,
                RmsNorm::new(dim, eps, vb.pp("norm_added_k"))?,
            ))
        } else {
            None
        };
        Ok(Self {
            to_q: Linear::new(dim, dim, true, vb.pp("to_q"))?,
            to_k: Linear::new(dim, dim, true, vb.pp("to_k"))?,
            to_v: Linear::new(dim, dim, true, vb.pp("to_v"))?,
            to_out: Linear::new(dim, dim, true, vb.pp("to_out.0"))?,
            norm_q: RmsNorm::new(dim, eps, vb.pp("norm_q"))?,
            norm_k: RmsNorm::new(dim, eps, vb.pp("norm_k"))?,
            image_kv,
            heads,
        })
    }

    /// `text_bias`: `[B, 1, 1, S]` added to the text scores (−∞-like on masked rows), or none.
    fn forward(
        &self,
        x: &Tensor,
        text: &Tensor,
        text_bias: Option<&Tensor>,
        image: Option<&Tensor>,
    ) -> Result<Tensor> {
        let q = split_heads(&self.norm_q.forward(&self.to_q.forward(x)?)?, self.heads)?;
        let hd = q.dim(D::Minus1)?;
        let scale = 1.0 / (hd as f64).sqrt();
        let k = split_heads(&self.norm_k.forward(&self.to_k.forward(text)?)?, self.heads)?;
        let v = split_heads(&self.to_v.forward(text)?, self.heads)?;
        let mut a = ops::attention_with_bias(&q, &k, &v, scale, text_bias)?;
        if let (Some((add_k, add_v, norm_k)), Some(img)) = (&self.image_kv, image) {
            let ki = split_heads(&norm_k.forward(&add_k.forward(img)?)?, self.heads)?;
            let vi = split_heads(&add_v.forward(img)?, self.heads)?;
            a = (a + ops::attention(&q, &ki, &vi, scale)?)?;
        }
        self.to_out.forward(&merge_heads(&a)?)
    }
}

/// `[B, L, H·d]` → `[B, H, L, d]`.
fn split_heads(x: &Tensor, heads: usize) -> Result<Tensor> {
    let (b, l, dim) = x.dims3()?;
    x.reshape((b, l, heads, dim / heads))?
        .transpose(1, 2)?
        .contiguous()
}

/// `[B, H, L, d]` → `[B, L, H·d]`.
fn merge_heads(x: &Tensor) -> Result<Tensor> {
    let (b, h, l, d) = x.dims4()?;
    x.transpose(1, 2)?.contiguous()?.reshape((b, l, h * d))
}

/// Splits modulation `[B, n, D]` or `[B, L, n, D]` into n tensors `[B, 1, D]` or `[B, L, D]`.
fn modulation_chunks(table: &Tensor, emb: &Tensor, n: usize) -> Result<Vec<Tensor>> {
    if emb.rank() == 3 {
        let m = ops::add_trailing(emb, table)?; // [B, n, D]
        (0..n).map(|i| m.narrow(1, i, 1)).collect()
    } else {
        let m = ops::add_trailing(emb, table)?; // [B, L, n, D]
        (0..n).map(|i| m.narrow(2, i, 1)?.squeeze(2)).collect()
    }
}

/// `LayerNorm(x) · (1 + scale) + shift`, without affine parameters.
fn modulate(x: &Tensor, shift: &Tensor, scale: &Tensor, eps: f64) -> Result<Tensor> {
    ops::layer_norm_plain(x, eps)?
        .broadcast_mul(&(scale + 1.0)?)?
        .broadcast_add(shift)
}

struct Block {
    scale_shift_table: Tensor,
    attn1: SelfAttention,
    norm2: Option<LayerNorm>,
    attn2: CrossAttention,
    ffn_in: Linear,
    ffn_out: Linear,
    eps: f64,
}

impl Block {
    fn new(cfg: &DitConfig, index: usize, vb: VarBuilder) -> Result<Self> {
        let dim = cfg.dim();
        let heads = cfg.num_attention_heads;
        let span = match (cfg.factorized_attention, index % 2) {
            (false, _) => Span::Clip,
            (true, 0) => Span::Frame,
            (true, _) => Span::Place,
        };
        let table = vb.get_with_hints(
            (1, 6, dim),
            "scale_shift_table",
            Init::Randn {
                mean: 0.0,
                stdev: (dim as f64).powf(-0.5),
            },
        )?;
        Ok(Self {
            scale_shift_table: table,
            attn1: SelfAttention::new(dim, heads, cfg.eps, span, vb.pp("attn1"))?,
            norm2: if cfg.cross_attn_norm {
                Some(LayerNorm::new(dim, cfg.eps, vb.pp("norm2"))?)
            } else {
                None
            },
            attn2: CrossAttention::new(
                dim,
                heads,
                cfg.eps,
                cfg.added_kv_proj_dim.is_some(),
                vb.pp("attn2"),
            )?,
            ffn_in: Linear::new(dim, cfg.ffn_dim, true, vb.pp("ffn.net.0.proj"))?,
            ffn_out: Linear::new(cfg.ffn_dim, dim, true, vb.pp("ffn.net.2"))?,
            eps: cfg.eps,
        })
    }

    fn forward(
        &self,
        x: &Tensor,
        tproj: &Tensor,
        ctx: &Context,
        rope: &(Tensor, Tensor),
        grid: (usize, usize, usize),
    ) -> Result<Tensor> {
        let m = modulation_chunks(&self.scale_shift_table, tproj, 6)?;
        let (shift, scale, gate, c_shift, c_scale, c_gate) =
            (&m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);

        let n = modulate(x, shift, scale, self.eps)?;
        let x = (x + self
            .attn1
            .forward(&n, &rope.0, &rope.1, grid)?
            .broadcast_mul(gate)?)?;

        let n = match &self.norm2 {
            Some(norm) => norm.forward(&x)?,
            None => x.clone(),
        };
        let x = (&x
            + self
                .attn2
                .forward(&n, &ctx.text, ctx.text_bias.as_ref(), ctx.image.as_ref())?)?;

        let n = modulate(&x, c_shift, c_scale, self.eps)?;
        let h = self
            .ffn_out
            .forward(&ops::gelu_tanh(&self.ffn_in.forward(&n)?)?)?;
        x + h.broadcast_mul(c_gate)?
    }
}

/// Embedded conditioning shared by every block.
struct Context {
    text: Tensor,
    text_bias: Option<Tensor>,
    image: Option<Tensor>,
}

/// Wan2.1 I2V image-token projection (CLIP penultimate tokens → model width).
struct ImageEmbedder {
    norm1: LayerNorm,
    proj_in: Linear,
    proj_out: Linear,
    norm2: LayerNorm,
    pos_embed: Option<Tensor>,
}

impl ImageEmbedder {
    fn new(cfg: &DitConfig, image_dim: usize, vb: VarBuilder) -> Result<Self> {
        let pos_embed = match cfg.pos_embed_seq_len {
            Some(n) => Some(vb.get_with_hints((1, n, image_dim), "pos_embed", Init::Const(0.0))?),
            None => None,
        };
        Ok(Self {
            norm1: LayerNorm::new(image_dim, 1e-5, vb.pp("norm1"))?,
            proj_in: Linear::new(image_dim, image_dim, true, vb.pp("ff.net.0.proj"))?,
            proj_out: Linear::new(image_dim, cfg.dim(), true, vb.pp("ff.net.2"))?,
            norm2: LayerNorm::new(cfg.dim(), 1e-5, vb.pp("norm2"))?,
            pos_embed,
        })
    }

    fn forward(&self, image: &Tensor) -> Result<Tensor> {
        let mut x = image.clone();
        if let Some(pos) = &self.pos_embed {
            // FLF2V: the two images' tokens form one sequence with a learned position table.
            let (b, l, d) = x.dims3()?;
            let n = pos.dim(1)?;
            x = x.reshape((b * l / n, n, d))?.broadcast_add(pos)?;
        }
        let h = ops::gelu_erf(&self.proj_in.forward(&self.norm1.forward(&x)?)?)?;
        self.norm2.forward(&self.proj_out.forward(&h)?)
    }
}

/// The transformer.
pub struct Dit {
    cfg: DitConfig,
    patch_weight: Tensor,
    patch_bias: Tensor,
    time_1: Linear,
    time_2: Linear,
    time_proj: Linear,
    text_1: Linear,
    text_2: Linear,
    image: Option<ImageEmbedder>,
    position: Option<Linear>,
    blocks: Vec<Block>,
    head_table: Tensor,
    proj_out: Linear,
}

impl Dit {
    pub fn new(cfg: &DitConfig, vb: VarBuilder) -> Result<Self> {
        cfg.validate()
            .map_err(|e| candle_core::Error::Msg(e.to_string()))?;
        let dim = cfg.dim();
        let [pt, ph, pw] = cfg.patch_size;
        let patch_in = cfg.in_channels * pt * ph * pw;
        let patch_weight = vb.get_with_hints(
            (dim, cfg.in_channels, pt, ph, pw),
            "patch_embedding.weight",
            Init::Randn {
                mean: 0.0,
                stdev: (1.0 / patch_in as f64).sqrt(),
            },
        )?;
        let patch_bias = vb.get_with_hints(dim, "patch_embedding.bias", Init::Const(0.0))?;
        let ce = vb.pp("condition_embedder");
        let image = match cfg.image_dim {
            Some(d) => Some(ImageEmbedder::new(cfg, d, ce.pp("image_embedder"))?),
            None => None,
        };
        let blocks = (0..cfg.num_layers)
            .map(|i| Block::new(cfg, i, vb.pp(format!("blocks.{i}"))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            cfg: cfg.clone(),
            patch_weight,
            patch_bias,
            time_1: Linear::new(cfg.freq_dim, dim, true, ce.pp("time_embedder.linear_1"))?,
            time_2: Linear::new(dim, dim, true, ce.pp("time_embedder.linear_2"))?,
            time_proj: Linear::new(dim, 6 * dim, true, ce.pp("time_proj"))?,
            text_1: Linear::new(cfg.text_dim, dim, true, ce.pp("text_embedder.linear_1"))?,
            text_2: Linear::new(dim, dim, true, ce.pp("text_embedder.linear_2"))?,
            image,
            position: match cfg.position_frequencies {
                0 => None,
                k => Some(Linear::new(6 * k + 1, dim, false, vb.pp("position_proj"))?),
            },
            blocks,
            head_table: vb.get_with_hints(
                (1, 2, dim),
                "scale_shift_table",
                Init::Randn {
                    mean: 0.0,
                    stdev: (dim as f64).powf(-0.5),
                },
            )?,
            // Zero-initialised so an untrained model predicts zero velocity (DiT's adaLN-Zero idea).
            proj_out: Linear::zeros(dim, pt * ph * pw * cfg.out_channels, vb.pp("proj_out"))?,
        })
    }

    pub fn config(&self) -> &DitConfig {
        &self.cfg
    }

    /// Number of tokens for a latent of `(frames, height, width)`.
    pub fn token_grid(&self, f: usize, h: usize, w: usize) -> Result<(usize, usize, usize)> {
        let [pt, ph, pw] = self.cfg.patch_size;
        if !f.is_multiple_of(pt) || !h.is_multiple_of(ph) || !w.is_multiple_of(pw) {
            bail!("latent size {f}×{h}×{w} is not a multiple of the patch {pt}×{ph}×{pw}");
        }
        Ok((f / pt, h / ph, w / pw))
    }

    /// `x: [B, C, F, H, W]` latents; `t: [B]` or per-token `[B, L]`; `text: [B, S, text_dim]`;
    /// `image: [B, N, image_dim]` CLIP tokens for I2V models. Returns `[B, C_out, F, H, W]`.
    pub fn forward(
        &self,
        x: &Tensor,
        t: &Tensor,
        text: &Tensor,
        image: Option<&Tensor>,
    ) -> Result<Tensor> {
        let (b, c, f, h, w) = x.dims5()?;
        if c != self.cfg.in_channels {
            bail!(
                "transformer expects {} input channels, got {c}",
                self.cfg.in_channels
            );
        }
        let grid = self.token_grid(f, h, w)?;
        let l = grid.0 * grid.1 * grid.2;
        let dim = self.cfg.dim();

        // Spacetime patches as one matmul: features ordered (c, kt, kh, kw) like the conv weight.
        let tokens = patchify(x, self.cfg.patch_size)?;
        let pw = self.patch_weight.reshape((dim, tokens.dim(2)?))?;
        let mut hs = ops::linear(&tokens, &pw, Some(&self.patch_bias))?;
        if let Some(proj) = &self.position {
            let feats = position_features(grid, self.cfg.position_frequencies, x.device())?;
            hs = hs.broadcast_add(&proj.forward(&feats)?)?;
        }

        // Timestep embedding: per sample [B, D] or per token [B, L, D].
        let per_token = match t.rank() {
            1 if t.dim(0)? == b => false,
            2 if t.dims() == [b, l] => true,
            _ => bail!(
                "timestep must be [B] or [B, L] = [{b}, {l}], got {:?}",
                t.dims()
            ),
        };
        let feats = timestep_features(t, self.cfg.freq_dim)?;
        let temb = self.time_2.forward(&self.time_1.forward(&feats)?.silu()?)?;
        let tproj = self.time_proj.forward(&temb.silu()?)?;
        let (temb, tproj) = if per_token {
            (temb.reshape((b, l, dim))?, tproj.reshape((b, l, 6, dim))?)
        } else {
            (temb.reshape((b, 1, dim))?, tproj.reshape((b, 6, dim))?)
        };

        let text_bias = if self.cfg.text_mask {
            Some(padding_bias(text)?)
        } else {
            None
        };
        let text = self
            .text_2
            .forward(&ops::gelu_tanh(&self.text_1.forward(text)?)?)?;
        let image = match (&self.image, image) {
            (Some(emb), Some(img)) => Some(emb.forward(img)?),
            (Some(_), None) => bail!("this transformer needs image embeddings (I2V model)"),
            (None, _) => None,
        };
        let ctx = Context {
            text,
            text_bias,
            image,
        };

        let rope = rope::rope_tables(self.cfg.attention_head_dim, grid, x.device())?;
        for block in &self.blocks {
            hs = block.forward(&hs, &tproj, &ctx, &rope, grid)?;
        }

        // Head: modulated by temb itself (not the projected 6-way modulation).
        let temb_n = if per_token { temb.unsqueeze(2)? } else { temb };
        let m = modulation_chunks(&self.head_table, &temb_n, 2)?;
        let hs = modulate(&hs, &m[0], &m[1], self.cfg.eps)?;
        let out = self.proj_out.forward(&hs)?;
        unpatchify(&out, self.cfg.patch_size, self.cfg.out_channels, grid)
    }
}

/// `[B, 1, 1, S]` score bias that hides the all-zero rows of `text: [B, S, D]` (the encoder's
/// padding). A caption with no row at all keeps every row, so attention stays defined.
fn padding_bias(text: &Tensor) -> Result<Tensor> {
    let (b, s, _) = text.dims3()?;
    let real = text.abs()?.sum(D::Minus1)?.gt(0f64)?.to_dtype(DType::F32)?; // [B, S]
    let any = real.max_keepdim(D::Minus1)?; // [B, 1]: 0 if the caption has no row
    let keep = real.broadcast_maximum(&(any.affine(-1.0, 1.0)?))?;
    ((keep - 1.0)? * 1e9)?.reshape((b, 1, 1, s))
}

/// `[B, C, F, H, W]` → `[B, L, C·pt·ph·pw]`, tokens f-major then h then w.
pub fn patchify(x: &Tensor, patch: [usize; 3]) -> Result<Tensor> {
    let (b, c, f, h, w) = x.dims5()?;
    let [pt, ph, pw] = patch;
    let (gf, gh, gw) = (f / pt, h / ph, w / pw);
    x.reshape(vec![b, c, gf, pt, gh, ph, gw, pw])?
        .permute(vec![0, 2, 4, 6, 1, 3, 5, 7])?
        .contiguous()?
        .reshape((b, gf * gh * gw, c * pt * ph * pw))
}

/// `[B, L, pt·ph·pw·C]` (features ordered pt, ph, pw, c) → `[B, C, F, H, W]`.
pub fn unpatchify(
    x: &Tensor,
    patch: [usize; 3],
    channels: usize,
    grid: (usize, usize, usize),
) -> Result<Tensor> {
    let b = x.dim(0)?;
    let [pt, ph, pw] = patch;
    let (gf, gh, gw) = grid;
    x.reshape(vec![b, gf, gh, gw, pt, ph, pw, channels])?
        .permute(vec![0, 7, 1, 4, 2, 5, 3, 6])?
        .contiguous()?
        .reshape((b, channels, gf * pt, gh * ph, gw * pw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::seeded_var_builder;
    use candle_core::Device;
    use candle_nn::VarMap;

    fn tiny() -> DitConfig {
        DitConfig {
            num_attention_heads: 2,
            attention_head_dim: 16,
            in_channels: 4,
            out_channels: 4,
            text_dim: 8,
            freq_dim: 32,
            ffn_dim: 48,
            num_layers: 2,
            ..DitConfig::wan21_t2v_1_3b()
        }
    }

    #[test]
    fn patchify_round_trip() -> Result<()> {
        let dev = Device::Cpu;
        let x = Tensor::arange(0f32, (2 * 3 * 2 * 4 * 6) as f32, &dev)?.reshape((2, 3, 2, 4, 6))?;
        let p = patchify(&x, [1, 2, 2])?;
        assert_eq!(p.dims(), &[2, 2 * 2 * 3, 12]);
        // Token 0 holds channel-major 2×2 pixels of (f0, h0..2, w0..2): features (c, kt, kh, kw).
        let first = p.get(0)?.get(0)?.to_vec1::<f32>()?;
        assert_eq!(&first[..4], &[0., 1., 6., 7.]);
        // unpatchify expects (pt, ph, pw, c) order: permute the features to that order first.
        let (b, l, _) = p.dims3()?;
        let q = p
            .reshape((b, l, 3, 4))?
            .transpose(2, 3)?
            .reshape((b, l, 12))?;
        let back = unpatchify(&q, [1, 2, 2], 3, (2, 2, 3))?;
        assert_eq!(
            back.flatten_all()?.to_vec1::<f32>()?,
            x.flatten_all()?.to_vec1::<f32>()?
        );
        Ok(())
    }

    #[test]
    fn timestep_features_closed_form() -> Result<()> {
        let t = Tensor::new(&[0f32, 10.0], &Device::Cpu)?;
        let e = timestep_features(&t, 4)?.to_vec2::<f32>()?;
        // freqs = [1, 1e-2]; t = 0 → cos 1, sin 0; t = 10 → [cos 10, cos 0.1, sin 10, sin 0.1].
        assert_eq!(e[0], vec![1., 1., 0., 0.]);
        let want = [10f32.cos(), 0.1f32.cos(), 10f32.sin(), 0.1f32.sin()];
        for (a, b) in e[1].iter().zip(want) {
            assert!((a - b).abs() < 1e-6);
        }
        Ok(())
    }

    #[test]
    fn position_features_closed_form() -> Result<()> {
        // Grid 2×1×3, one frequency: per axis sin/cos(π(i+0.5)/n), then the first-frame flag.
        let p = position_features((2, 1, 3), 1, &Device::Cpu)?.to_vec2::<f32>()?;
        assert_eq!(p.len(), 6);
        let sc = |i: usize, n: usize| {
            let a = std::f32::consts::PI * (i as f32 + 0.5) / n as f32;
            [a.sin(), a.cos()]
        };
        // Token 5 = frame 1, row 0, column 2.
        let want: Vec<f32> = [sc(1, 2), sc(0, 1), sc(2, 3)]
            .concat()
            .into_iter()
            .chain([0.0])
            .collect();
        for (a, b) in p[5].iter().zip(&want) {
            assert!((a - b).abs() < 1e-6, "{:?} vs {want:?}", p[5]);
        }
        assert_eq!(p[0][6], 1.0);
        // Fractions, not indices: the centre column of 3 and of 5 tokens get the same features.
        let q = position_features((1, 1, 5), 2, &Device::Cpu)?.to_vec2::<f32>()?;
        let r = position_features((1, 1, 3), 2, &Device::Cpu)?.to_vec2::<f32>()?;
        assert_eq!(q[2], r[1]);
        Ok(())
    }

    #[test]
    fn position_embedding_tells_tokens_apart_and_is_off_for_wan() -> Result<()> {
        let dev = Device::Cpu;
        // Off: no extra weight, and a config without the key (diffusers', older bundles) reads as off.
        let vm = VarMap::new();
        Dit::new(&tiny(), seeded_var_builder(&vm, 0, &dev))?;
        assert!(vm
            .data()
            .lock()
            .unwrap()
            .keys()
            .all(|k| !k.contains("position")));
        let mut json = serde_json::to_value(tiny()).unwrap();
        json.as_object_mut().unwrap().remove("position_frequencies");
        assert_eq!(serde_json::from_value::<DitConfig>(json).unwrap(), tiny());

        // On: the same input in every token gives different outputs per token.
        let cfg = DitConfig {
            position_frequencies: 2,
            ..tiny()
        };
        let back: DitConfig = serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
        assert_eq!(back, cfg);
        let vm = VarMap::new();
        let dit = Dit::new(&cfg, seeded_var_builder(&vm, 0, &dev))?;
        for (name, var) in vm.data().lock().unwrap().iter() {
            if name.starts_with("proj_out") {
                var.set(&Tensor::randn(0f32, 0.1, var.shape(), &dev)?)?;
            }
        }
        let x = Tensor::ones((1, 4, 2, 4, 4), DType::F32, &dev)?;
        let text = Tensor::randn(0f32, 1.0, (1, 5, 8), &dev)?;
        let y = dit.forward(&x, &Tensor::new(&[500f32], &dev)?, &text, None)?;
        // Tokens (patch 2×2) at two corners and in two frames.
        let at = |f: usize, r: usize, c: usize| -> Result<Vec<f32>> {
            y.get(0)?
                .narrow(1, f, 1)?
                .narrow(2, r, 1)?
                .narrow(3, c, 1)?
                .flatten_all()?
                .to_vec1()
        };
        let d =
            |a: Vec<f32>, b: Vec<f32>| a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f32>();
        assert!(d(at(1, 0, 0)?, at(1, 2, 2)?) > 1e-3, "corners look alike");
        assert!(d(at(0, 0, 0)?, at(1, 0, 0)?) > 1e-3, "frames look alike");
        Ok(())
    }

    #[test]
    fn factorized_spans_see_their_frame_or_their_place_only() -> Result<()> {
        let dev = Device::Cpu;
        let (dim, heads, grid) = (32, 2, (3, 2, 2)); // 3 frames of 4 tokens
        let (cos, sin) = rope::rope_tables(dim / heads, grid, &dev)?;
        let x = Tensor::randn(0f32, 1.0, (1, 12, dim), &dev)?;
        // Change one token: frame 1, place 2 (token 1·4 + 2 = 6).
        let bumped = x.slice_assign(
            &[0..1, 6..7, 0..dim],
            &Tensor::ones((1, 1, dim), DType::F32, &dev)?,
        )?;
        let changed = |span: Span| -> Result<Vec<usize>> {
            let vm = VarMap::new();
            let attn =
                SelfAttention::new(dim, heads, 1e-6, span, seeded_var_builder(&vm, 3, &dev))?;
            let d = (attn.forward(&x, &cos, &sin, grid)?
                - attn.forward(&bumped, &cos, &sin, grid)?)?
            .abs()?
            .max(D::Minus1)?
            .flatten_all()?
            .to_vec1::<f32>()?;
            Ok((0..12).filter(|&i| d[i] > 1e-6).collect())
        };
        assert_eq!(changed(Span::Frame)?, vec![4, 5, 6, 7]);
        assert_eq!(changed(Span::Place)?, vec![2, 6, 10]);
        assert_eq!(changed(Span::Clip)?, (0..12).collect::<Vec<_>>());
        // Blocks alternate frame / place; Wan configs (no key) keep whole-clip attention.
        let cfg = DitConfig {
            factorized_attention: true,
            num_layers: 3,
            ..tiny()
        };
        let vm = VarMap::new();
        let dit = Dit::new(&cfg, seeded_var_builder(&vm, 0, &dev))?;
        let spans: Vec<Span> = dit.blocks.iter().map(|b| b.attn1.span).collect();
        assert_eq!(spans, vec![Span::Frame, Span::Place, Span::Frame]);
        let mut json = serde_json::to_value(tiny()).unwrap();
        json.as_object_mut().unwrap().remove("factorized_attention");
        assert!(
            !serde_json::from_value::<DitConfig>(json)
                .unwrap()
                .factorized_attention
        );
        // A factorised DiT runs forward on a multi-frame clip.
        let x = Tensor::randn(0f32, 1.0, (1, 4, 3, 4, 4), &dev)?;
        let out = dit.forward(
            &x,
            &Tensor::new(&[500f32], &dev)?,
            &Tensor::randn(0f32, 1.0, (1, 3, 8), &dev)?,
            None,
        )?;
        assert_eq!(out.dims(), x.dims());
        Ok(())
    }

    #[test]
    fn text_mask_ignores_padding_rows() -> Result<()> {
        let dev = Device::Cpu;
        let x = Tensor::randn(0f32, 1.0, (2, 4, 1, 4, 4), &dev)?;
        let t = Tensor::new(&[700f32, 300.0], &dev)?;
        let words = Tensor::randn(0f32, 1.0, (2, 3, 8), &dev)?;
        // The same captions unpadded (3 rows) and padded to 9 rows.
        let padded = Tensor::cat(&[&words, &Tensor::zeros((2, 6, 8), DType::F32, &dev)?], 1)?;
        // One model per setting (the random output weights are drawn once), run on both.
        let outs = |mask: bool, texts: &[&Tensor]| -> Result<Vec<Tensor>> {
            let cfg = DitConfig {
                text_mask: mask,
                ..tiny()
            };
            let vm = VarMap::new();
            let dit = Dit::new(&cfg, seeded_var_builder(&vm, 0, &dev))?;
            for (name, var) in vm.data().lock().unwrap().iter() {
                if name.starts_with("proj_out") {
                    var.set(&Tensor::randn(0f32, 0.1, var.shape(), &dev)?)?;
                }
            }
            texts
                .iter()
                .map(|t_| dit.forward(&x, &t, t_, None))
                .collect()
        };
        let diff = |a: &Tensor, b: &Tensor| -> Result<f32> {
            (a - b)?.abs()?.max_all()?.to_scalar::<f32>()
        };
        let empty = Tensor::zeros((2, 4, 8), DType::F32, &dev)?;
        let on = outs(true, &[&words, &padded, &empty])?;
        let masked = diff(&on[0], &on[1])?;
        assert!(
            masked < 1e-5,
            "padding changed the masked output by {masked}"
        );
        // A caption with no rows at all still gives finite output (every row kept).
        assert!(on[2]
            .flatten_all()?
            .to_vec1::<f32>()?
            .iter()
            .all(|v| v.is_finite()));
        // Without the mask the padding changes the result (Wan's behaviour, kept by default).
        let off = outs(false, &[&words, &padded])?;
        assert!(diff(&off[0], &off[1])? > 1e-4);
        // Old configs without the key read as off.
        let mut json = serde_json::to_value(tiny()).unwrap();
        json.as_object_mut().unwrap().remove("text_mask");
        assert!(!serde_json::from_value::<DitConfig>(json).unwrap().text_mask);
        Ok(())
    }

    #[test]
    fn forward_shapes_and_per_token_timesteps() -> Result<()> {
        let dev = Device::Cpu;
        let vm = VarMap::new();
        let cfg = tiny();
        let dit = Dit::new(&cfg, seeded_var_builder(&vm, 0, &dev))?;
        // Give proj_out weights so the output is not trivially zero.
        for (name, var) in vm.data().lock().unwrap().iter() {
            if name.starts_with("proj_out") {
                var.set(&Tensor::randn(0f32, 0.1, var.shape(), &dev)?)?;
            }
        }
        let x = Tensor::randn(0f32, 1.0, (1, 4, 3, 4, 6), &dev)?;
        let text = Tensor::randn(0f32, 1.0, (1, 5, 8), &dev)?;
        let t = Tensor::new(&[500f32], &dev)?;
        let y = dit.forward(&x, &t, &text, None)?;
        assert_eq!(y.dims(), &[1, 4, 3, 4, 6]);
        // Per-token timesteps all equal to the per-sample value give the same result.
        let l = 3 * 2 * 3;
        let tt = Tensor::full(500f32, (1, l), &dev)?;
        let y2 = dit.forward(&x, &tt, &text, None)?;
        let diff = (&y - &y2)?.abs()?.max_all()?.to_scalar::<f32>()?;
        assert!(diff < 1e-5, "per-token vs per-sample differ by {diff}");
        // Different per-token timesteps change the output.
        let mut tv = vec![500f32; l];
        tv[0] = 0.0;
        let y3 = dit.forward(&x, &Tensor::from_vec(tv, (1, l), &dev)?, &text, None)?;
        assert!((&y - &y3)?.abs()?.max_all()?.to_scalar::<f32>()? > 1e-4);
        // Sizes that are not multiples of the patch are refused.
        let odd = Tensor::zeros((1, 4, 3, 5, 6), DType::F32, &dev)?;
        assert!(dit.forward(&odd, &t, &text, None).is_err());
        Ok(())
    }
}
