//! Building blocks of the Wan VAE (WAN.md §3): RMS_norm, residual block, per-frame attention,
//! resample (spatial/temporal down and up), and the per-conv feature cache for chunked runs.

use candle_core::{Result, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::conv3d::{conv2d_per_frame, load_conv2d, CausalConv3d};
use crate::ops;

/// Per-conv state carried between temporal chunks: one slot per causal conv (and per temporal
/// upsampler), visited in the same order in every chunk.
#[derive(Debug)]
pub struct FeatCache {
    slots: Vec<Option<Tensor>>,
    pos: usize,
    first: bool,
}

impl Default for FeatCache {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            pos: 0,
            first: true,
        }
    }
}

impl FeatCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Call at the start of every chunk.
    pub fn rewind(&mut self) {
        // Nothing cached yet: this chunk starts at frame 0.
        self.first = self.slots.is_empty();
        self.pos = 0;
    }

    /// Whether the current chunk is the first one (holds frame 0).
    pub fn is_first_chunk(&self) -> bool {
        self.first
    }

    /// The next slot in visiting order (created empty on the first chunk).
    pub fn next_slot(&mut self) -> &mut Option<Tensor> {
        if self.pos == self.slots.len() {
            self.slots.push(None);
        }
        self.pos += 1;
        &mut self.slots[self.pos - 1]
    }
}

/// Runs a causal conv in whole-sequence form (`cache = None`) or chunked form.
pub(crate) fn run_conv(
    conv: &CausalConv3d,
    x: &Tensor,
    cache: Option<&mut FeatCache>,
) -> Result<Tensor> {
    match cache {
        Some(c) if conv.cache_frames() > 0 => conv.forward_cached(x, c.next_slot()),
        _ => conv.forward(x),
    }
}

/// `CausalConv3d` with a cubic kernel `k` and padding `p` in every axis.
pub(crate) fn cconv(
    in_ch: usize,
    out_ch: usize,
    k: usize,
    p: usize,
    vb: VarBuilder,
) -> Result<CausalConv3d> {
    CausalConv3d::new(in_ch, out_ch, [k; 3], [1; 3], [p; 3], vb)
}

/// Wan's `RMS_norm`: `x / max(‖x‖₂ over channels, 1e-12) · sqrt(C) · gamma` — an L2
/// normalisation over dim 1, not an RMSNorm with eps (WAN.md §10 item 9).
#[derive(Debug, Clone)]
pub struct RmsNorm {
    gamma: Tensor,
    channels: usize,
}

impl RmsNorm {
    /// `gamma_shape_tail` = number of trailing 1s in the stored gamma (3 in resblocks/norm_out
    /// `[C,1,1,1]`, 2 in the attention block `[C,1,1]`).
    pub fn new(channels: usize, trailing_ones: usize, vb: VarBuilder) -> Result<Self> {
        let mut shape = vec![channels];
        shape.extend(std::iter::repeat_n(1, trailing_ones));
        let gamma = vb.get_with_hints(shape, "gamma", Init::Const(1.0))?;
        Ok(Self { gamma, channels })
    }

    /// `x: [B, C, ...]`, normalised over dim 1.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let norm = x.sqr()?.sum_keepdim(1)?.sqrt()?.maximum(1e-12)?;
        let mut gshape = vec![1, self.channels];
        gshape.extend(std::iter::repeat_n(1, x.rank() - 2));
        let g = (self.gamma.reshape(gshape)? * (self.channels as f64).sqrt())?;
        x.broadcast_div(&norm)?.broadcast_mul(&g)
    }
}

/// `shortcut(x) + conv2(SiLU(norm2(conv1(SiLU(norm1(x))))))`.
#[derive(Debug, Clone)]
pub struct ResidualBlock {
    norm1: RmsNorm,
    conv1: CausalConv3d,
    norm2: RmsNorm,
    conv2: CausalConv3d,
    shortcut: Option<CausalConv3d>,
}

impl ResidualBlock {
    pub fn new(in_dim: usize, out_dim: usize, vb: VarBuilder) -> Result<Self> {
        let shortcut = if in_dim != out_dim {
            Some(cconv(in_dim, out_dim, 1, 0, vb.pp("conv_shortcut"))?)
        } else {
            None
        };
        Ok(Self {
            norm1: RmsNorm::new(in_dim, 3, vb.pp("norm1"))?,
            conv1: cconv(in_dim, out_dim, 3, 1, vb.pp("conv1"))?,
            norm2: RmsNorm::new(out_dim, 3, vb.pp("norm2"))?,
            conv2: cconv(out_dim, out_dim, 3, 1, vb.pp("conv2"))?,
            shortcut,
        })
    }

    pub fn forward(&self, x: &Tensor, mut cache: Option<&mut FeatCache>) -> Result<Tensor> {
        let h = match &self.shortcut {
            Some(s) => s.forward(x)?,
            None => x.clone(),
        };
        let y = self.norm1.forward(x)?.silu()?;
        let y = run_conv(&self.conv1, &y, cache.as_deref_mut())?;
        let y = self.norm2.forward(&y)?.silu()?;
        let y = run_conv(&self.conv2, &y, cache)?;
        y + h
    }
}

/// Single-head self-attention over the H·W positions of each frame (mid block only).
#[derive(Debug, Clone)]
pub struct AttentionBlock {
    norm: RmsNorm,
    qkv_w: Tensor,
    qkv_b: Tensor,
    proj_w: Tensor,
    proj_b: Tensor,
    channels: usize,
}

impl AttentionBlock {
    pub fn new(channels: usize, vb: VarBuilder) -> Result<Self> {
        let (qkv_w, qkv_b) = load_conv2d(channels, 3 * channels, 1, vb.pp("to_qkv"))?;
        let (proj_w, proj_b) = load_conv2d(channels, channels, 1, vb.pp("proj"))?;
        Ok(Self {
            norm: RmsNorm::new(channels, 2, vb.pp("norm"))?,
            qkv_w,
            qkv_b,
            proj_w,
            proj_b,
            channels,
        })
    }

    /// 1×1 conv over `[B, C, N]` as one matmul.
    fn pointwise(x: &Tensor, w: &Tensor, b: &Tensor) -> Result<Tensor> {
        let (o, c, _, _) = w.dims4()?;
        let bsz = x.dim(0)?;
        w.reshape((o, c))?
            .broadcast_left(bsz)?
            .matmul(x)?
            .broadcast_add(&b.reshape((1, o, 1))?)
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (b, c, t, h, w) = x.dims5()?;
        let n = self.norm.forward(x)?.reshape((b, c, t * h * w))?;
        let qkv = Self::pointwise(&n, &self.qkv_w, &self.qkv_b)?
            .reshape((b, 3 * c, t, h * w))?
            .permute((0, 2, 3, 1))?; // [B, T, HW, 3C]
        let part = |i: usize| -> Result<Tensor> {
            qkv.narrow(3, i * c, c)?
                .contiguous()?
                .reshape((b * t, h * w, c))
        };
        let (q, k, v) = (part(0)?, part(1)?, part(2)?);
        let o = ops::attention(&q, &k, &v, 1.0 / (self.channels as f64).sqrt())?
            .reshape((b, t, h * w, c))?
            .permute((0, 3, 1, 2))? // [B, C, T, HW]
            .contiguous()?
            .reshape((b, c, t * h * w))?;
        let y = Self::pointwise(&o, &self.proj_w, &self.proj_b)?.reshape((b, c, t, h, w))?;
        y + x
    }
}

/// res → attention → res.
#[derive(Debug, Clone)]
pub struct MidBlock {
    res0: ResidualBlock,
    attn: AttentionBlock,
    res1: ResidualBlock,
}

impl MidBlock {
    pub fn new(dim: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            res0: ResidualBlock::new(dim, dim, vb.pp("resnets.0"))?,
            attn: AttentionBlock::new(dim, vb.pp("attentions.0"))?,
            res1: ResidualBlock::new(dim, dim, vb.pp("resnets.1"))?,
        })
    }

    pub fn forward(&self, x: &Tensor, mut cache: Option<&mut FeatCache>) -> Result<Tensor> {
        let x = self.res0.forward(x, cache.as_deref_mut())?;
        let x = self.attn.forward(&x)?;
        self.res1.forward(&x, cache)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResampleMode {
    Down2d,
    Down3d,
    Up2d,
    Up3d,
}

/// Wan's `Resample`: the per-frame conv is `resample.1`, the temporal conv `time_conv`.
#[derive(Debug, Clone)]
pub struct Resample {
    mode: ResampleMode,
    conv_w: Tensor,
    conv_b: Tensor,
    time_conv: Option<CausalConv3d>,
}

/// Nearest ×2 in H and W of `[B, C, T, H, W]` (pixel repeat; differentiable).
fn upsample_nearest2x(x: &Tensor) -> Result<Tensor> {
    let (b, c, t, h, w) = x.dims5()?;
    x.reshape((b * c * t, h, 1, w, 1))?
        .broadcast_as((b * c * t, h, 2, w, 2))?
        .contiguous()?
        .reshape((b, c, t, 2 * h, 2 * w))
}

/// `[B, 2C, T, h, w]` with channel groups (g, c) → `[B, C, 2T, h, w]`, frame 2t+g from group g.
fn interleave_time(x: &Tensor) -> Result<Tensor> {
    let (b, c2, t, h, w) = x.dims5()?;
    let c = c2 / 2;
    x.reshape((b, 2, c, t, h * w))?
        .permute((0, 2, 3, 1, 4))?
        .contiguous()?
        .reshape((b, c, 2 * t, h, w))
}

impl Resample {
    /// `dim` channels in; upsamplers output `out_dim` (Wan2.1: `dim / 2`).
    pub fn new(dim: usize, out_dim: usize, mode: ResampleMode, vb: VarBuilder) -> Result<Self> {
        let (conv_w, conv_b, time_conv) = match mode {
            ResampleMode::Down2d | ResampleMode::Down3d => {
                let (w, b) = load_conv2d(dim, dim, 3, vb.pp("resample.1"))?;
                let tc = if mode == ResampleMode::Down3d {
                    Some(CausalConv3d::new(
                        dim,
                        dim,
                        [3, 1, 1],
                        [2, 1, 1],
                        [0, 0, 0],
                        vb.pp("time_conv"),
                    )?)
                } else {
                    None
                };
                (w, b, tc)
            }
            ResampleMode::Up2d | ResampleMode::Up3d => {
                let (w, b) = load_conv2d(dim, out_dim, 3, vb.pp("resample.1"))?;
                let tc = if mode == ResampleMode::Up3d {
                    Some(CausalConv3d::new(
                        dim,
                        2 * dim,
                        [3, 1, 1],
                        [1, 1, 1],
                        [1, 0, 0],
                        vb.pp("time_conv"),
                    )?)
                } else {
                    None
                };
                (w, b, tc)
            }
        };
        Ok(Self {
            mode,
            conv_w,
            conv_b,
            time_conv,
        })
    }

    pub fn mode(&self) -> ResampleMode {
        self.mode
    }

    fn spatial(&self, x: &Tensor) -> Result<Tensor> {
        match self.mode {
            // Asymmetric zero pad (right/bottom) + stride-2 valid conv (WAN.md §10 item 11).
            ResampleMode::Down2d | ResampleMode::Down3d => {
                conv2d_per_frame(x, &self.conv_w, Some(&self.conv_b), 2, [0, 1, 0, 1])
            }
            ResampleMode::Up2d | ResampleMode::Up3d => conv2d_per_frame(
                &upsample_nearest2x(x)?,
                &self.conv_w,
                Some(&self.conv_b),
                1,
                [1, 1, 1, 1],
            ),
        }
    }

    fn time_conv(&self) -> Result<&CausalConv3d> {
        self.time_conv
            .as_ref()
            .ok_or_else(|| candle_core::Error::Msg("resample: no time_conv".into()))
    }

    /// Whole-sequence form (`cache = None`) or chunked form; chunks must start at frame 0.
    pub fn forward(&self, x: &Tensor, cache: Option<&mut FeatCache>) -> Result<Tensor> {
        match self.mode {
            ResampleMode::Down2d | ResampleMode::Up2d => self.spatial(x),
            ResampleMode::Down3d => {
                if cache.is_some() {
                    candle_core::bail!("resample: chunked temporal downsampling is not supported");
                }
                let y = self.spatial(x)?;
                let t = y.dim(2)?;
                if t % 2 == 0 {
                    candle_core::bail!(
                        "temporal downsample needs an odd number of frames (1 + 2k), got {t}"
                    );
                }
                if t == 1 {
                    return Ok(y);
                }
                // Frame 0 passes alone; then a stride-2 valid conv over all frames (WAN.md §3.1).
                let first = y.narrow(2, 0, 1)?;
                let rest = self.time_conv()?.forward(&y)?;
                Tensor::cat(&[&first, &rest], 2)
            }
            ResampleMode::Up3d => {
                let tc = self.time_conv()?;
                let t = x.dim(2)?;
                let up = match cache {
                    None => {
                        // Frame 0 bypasses the temporal upsampler and is not in its context.
                        let first = x.narrow(2, 0, 1)?;
                        if t == 1 {
                            first
                        } else {
                            let rest = interleave_time(&tc.forward(&x.narrow(2, 1, t - 1)?)?)?;
                            Tensor::cat(&[&first, &rest], 2)?
                        }
                    }
                    Some(c) => {
                        let slot = c.next_slot();
                        if slot.is_none() {
                            // First chunk: holds frame 0; later frames start from zero context.
                            let (b, ch, _, h, w) = x.dims5()?;
                            *slot = Some(Tensor::zeros(
                                (b, ch, tc.cache_frames(), h, w),
                                x.dtype(),
                                x.device(),
                            )?);
                            let first = x.narrow(2, 0, 1)?;
                            if t == 1 {
                                first
                            } else {
                                let rest = tc.forward_cached(&x.narrow(2, 1, t - 1)?, slot)?;
                                Tensor::cat(&[&first, &interleave_time(&rest)?], 2)?
                            }
                        } else {
                            interleave_time(&tc.forward_cached(x, slot)?)?
                        }
                    }
                };
                self.spatial(&up)
            }
        }
    }
}
