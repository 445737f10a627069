//! Causal 3-D video VAE in the Wan2.1 layout (WAN.md §3) and the Wan2.2 residual, patchified
//! layout (§3.2, `is_residual`), with diffusers `AutoencoderKLWan` weight names so a diffusers
//! `vae/diffusion_pytorch_model.safetensors` loads directly.
//!
//! Video `[B, 3, 1+c_t·k, H, W]` in [-1, 1] ⇄ latents `[B, z, 1+k, H/c_s, W/c_s]` with
//! `c_t = 2^(temporal down stages)`, `c_s = patch · 2^(down stages)` (4 and 8 for Wan2.1, 4 and
//! 16 for Wan2.2).
//! Decoding exists in a whole-sequence form and a chunked form that carries one small cache per
//! causal conv, so memory does not grow with video length; the two agree (tests).

mod blocks;
mod config;
mod detail;
mod glide;
mod residual;
#[cfg(test)]
mod tests;

pub use blocks::{
    AttentionBlock, FeatCache, MidBlock, Resample, ResampleMode, ResidualBlock, RmsNorm,
};
pub use config::{ColourInterpolation, VaeConfig, WAN21_LATENTS_MEAN, WAN21_LATENTS_STD};
pub use glide::{glide_cells, motion_glide};
pub use residual::{patchify, unpatchify, AvgDown3d, DupUp3d, ResidualDownBlock, ResidualUpBlock};

use anyhow::{bail, Context};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

use crate::conv3d::CausalConv3d;
use blocks::{cconv, run_conv};
pub use detail::{cell_residual_rows, DetailBasis};

/// One entry of the encoder's flat `down_blocks` list.
#[derive(Debug, Clone)]
enum DownLayer {
    Res(ResidualBlock),
    Attn(AttentionBlock),
    Resample(Resample),
    /// Wan2.2: a whole stage with its `AvgDown3D` shortcut.
    Stage(ResidualDownBlock),
}

/// `Encoder3d`: conv_in → flat down_blocks → mid_block → norm_out, SiLU → conv_out (2·z channels).
#[derive(Debug, Clone)]
pub struct Encoder {
    conv_in: CausalConv3d,
    down_blocks: Vec<DownLayer>,
    mid_block: MidBlock,
    norm_out: RmsNorm,
    conv_out: CausalConv3d,
}

impl Encoder {
    pub fn new(cfg: &VaeConfig, vb: VarBuilder) -> candle_core::Result<Self> {
        let dims = cfg.encoder_dims();
        let conv_in = cconv(cfg.in_channels, dims[0], 3, 1, vb.pp("conv_in"))?;
        let vbd = vb.pp("down_blocks");
        let mut down_blocks = Vec::new();
        let mut scale = 1.0f64;
        let stages = cfg.dim_mult.len();
        for i in 0..stages {
            if cfg.is_residual {
                // Stage i is one module `down_blocks.{i}` (resnets, downsampler).
                let down = i + 1 != stages;
                down_blocks.push(DownLayer::Stage(ResidualDownBlock::new(
                    dims[i],
                    dims[i + 1],
                    cfg.num_res_blocks,
                    down && cfg.temperal_downsample[i],
                    down,
                    vbd.pp(i),
                )?));
                continue;
            }
            let (mut in_dim, out_dim) = (dims[i], dims[i + 1]);
            for _ in 0..cfg.num_res_blocks {
                let n = down_blocks.len();
                down_blocks.push(DownLayer::Res(ResidualBlock::new(
                    in_dim,
                    out_dim,
                    vbd.pp(n),
                )?));
                if cfg.attn_scales.contains(&scale) {
                    let n = down_blocks.len();
                    down_blocks.push(DownLayer::Attn(AttentionBlock::new(out_dim, vbd.pp(n))?));
                }
                in_dim = out_dim;
            }
            if i + 1 != stages {
                let mode = if cfg.temperal_downsample[i] {
                    ResampleMode::Down3d
                } else {
                    ResampleMode::Down2d
                };
                let n = down_blocks.len();
                down_blocks.push(DownLayer::Resample(Resample::new(
                    out_dim,
                    out_dim,
                    mode,
                    vbd.pp(n),
                )?));
                scale /= 2.0;
            }
        }
        let top = dims[stages];
        Ok(Self {
            conv_in,
            down_blocks,
            mid_block: MidBlock::new(top, vb.pp("mid_block"))?,
            norm_out: RmsNorm::new(top, 3, vb.pp("norm_out"))?,
            conv_out: cconv(top, 2 * cfg.z_dim, 3, 1, vb.pp("conv_out"))?,
        })
    }

    /// Whole-sequence form.
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mut x = self.conv_in.forward(x)?;
        for layer in &self.down_blocks {
            x = match layer {
                DownLayer::Res(r) => r.forward(&x, None)?,
                DownLayer::Attn(a) => a.forward(&x)?,
                DownLayer::Resample(r) => r.forward(&x, None)?,
                DownLayer::Stage(s) => s.forward(&x)?,
            };
        }
        let x = self.mid_block.forward(&x, None)?;
        let x = self.norm_out.forward(&x)?.silu()?;
        self.conv_out.forward(&x)
    }
}

/// One decoder stage: `num_res_blocks + 1` resblocks and an optional upsampler (Wan2.1), or a
/// residual stage with its `DupUp3D` shortcut (Wan2.2).
#[derive(Debug, Clone)]
enum UpBlock {
    Plain {
        resnets: Vec<ResidualBlock>,
        upsampler: Option<Resample>,
    },
    Residual(ResidualUpBlock),
}

/// `Decoder3d`: conv_in → mid_block → up_blocks → norm_out, SiLU → conv_out.
#[derive(Debug, Clone)]
pub struct Decoder {
    conv_in: CausalConv3d,
    mid_block: MidBlock,
    up_blocks: Vec<UpBlock>,
    norm_out: RmsNorm,
    conv_out: CausalConv3d,
}

impl Decoder {
    pub fn new(cfg: &VaeConfig, vb: VarBuilder) -> candle_core::Result<Self> {
        let stages = cfg.dim_mult.len();
        let dims = cfg.decoder_dims();
        let temperal_upsample: Vec<bool> = cfg.temperal_downsample.iter().rev().copied().collect();
        let conv_in = cconv(cfg.z_dim, dims[0], 3, 1, vb.pp("conv_in"))?;
        let mid_block = MidBlock::new(dims[0], vb.pp("mid_block"))?;
        let mut up_blocks = Vec::with_capacity(stages);
        for i in 0..stages {
            let vbs = vb.pp("up_blocks").pp(i);
            if cfg.is_residual {
                // Upsamplers keep their width, so stage inputs are not halved.
                let up = i + 1 != stages;
                up_blocks.push(UpBlock::Residual(ResidualUpBlock::new(
                    dims[i],
                    dims[i + 1],
                    cfg.num_res_blocks,
                    up && temperal_upsample[i],
                    up,
                    vbs,
                )?));
                continue;
            }
            // Every stage after the first receives the previous upsampler's halved channels.
            let mut in_dim = if i > 0 { dims[i] / 2 } else { dims[i] };
            let out_dim = dims[i + 1];
            let mut resnets = Vec::with_capacity(cfg.num_res_blocks + 1);
            for r in 0..=cfg.num_res_blocks {
                resnets.push(ResidualBlock::new(
                    in_dim,
                    out_dim,
                    vbs.pp("resnets").pp(r),
                )?);
                in_dim = out_dim;
            }
            let upsampler = if i + 1 != stages {
                let mode = if temperal_upsample[i] {
                    ResampleMode::Up3d
                } else {
                    ResampleMode::Up2d
                };
                Some(Resample::new(
                    out_dim,
                    out_dim / 2,
                    mode,
                    vbs.pp("upsamplers.0"),
                )?)
            } else {
                None
            };
            up_blocks.push(UpBlock::Plain { resnets, upsampler });
        }
        let last = dims[stages];
        Ok(Self {
            conv_in,
            mid_block,
            up_blocks,
            norm_out: RmsNorm::new(last, 3, vb.pp("norm_out"))?,
            conv_out: cconv(last, cfg.out_channels, 3, 1, vb.pp("conv_out"))?,
        })
    }

    /// Whole-sequence form (`cache = None`), or one chunk of a chunked run (chunks in order,
    /// the first starting at latent frame 0, `cache` rewound by the caller).
    pub fn forward(
        &self,
        x: &Tensor,
        mut cache: Option<&mut FeatCache>,
    ) -> candle_core::Result<Tensor> {
        let mut x = run_conv(&self.conv_in, x, cache.as_deref_mut())?;
        x = self.mid_block.forward(&x, cache.as_deref_mut())?;
        for block in &self.up_blocks {
            match block {
                UpBlock::Plain { resnets, upsampler } => {
                    for r in resnets {
                        x = r.forward(&x, cache.as_deref_mut())?;
                    }
                    if let Some(up) = upsampler {
                        x = up.forward(&x, cache.as_deref_mut())?;
                    }
                }
                UpBlock::Residual(b) => x = b.forward(&x, cache.as_deref_mut())?,
            }
        }
        let x = self.norm_out.forward(&x)?.silu()?;
        run_conv(&self.conv_out, &x, cache)
    }
}

/// The Wan causal video VAE (`AutoencoderKLWan`, Wan2.1 or Wan2.2 layout).
#[derive(Debug, Clone)]
pub struct Vae {
    cfg: VaeConfig,
    encoder: Encoder,
    quant_conv: CausalConv3d,
    post_quant_conv: CausalConv3d,
    decoder: Decoder,
    latents_mean: Tensor,
    latents_std: Tensor,
    detail: Option<DetailBasis>,
}

/// Weight names of the detail path's bases (`detail_channels`).
pub const DETAIL_FIRST: &str = "detail_basis.first";
pub const DETAIL_GROUP: &str = "detail_basis.group";

impl Vae {
    /// Builds the VAE from `cfg`, reading (or, with a `VarMap`, creating) diffusers-named
    /// weights: `encoder.*`, `quant_conv.*`, `post_quant_conv.*`, `decoder.*`.
    pub fn new(cfg: &VaeConfig, vb: VarBuilder) -> anyhow::Result<Self> {
        cfg.validate()?;
        let z = cfg.z_dim;
        let encoder = Encoder::new(cfg, vb.pp("encoder")).context("VAE encoder weights")?;
        let decoder = Decoder::new(cfg, vb.pp("decoder")).context("VAE decoder weights")?;
        let quant_conv = cconv(2 * z, 2 * z, 1, 0, vb.pp("quant_conv")).context("VAE weights")?;
        let post_quant_conv = cconv(z, z, 1, 0, vb.pp("post_quant_conv")).context("VAE weights")?;
        let dev = vb.device();
        let stat = |v: &[f64]| -> candle_core::Result<Tensor> {
            Tensor::from_iter(v.iter().map(|&x| x as f32), dev)?.reshape((1, z, 1, 1, 1))
        };
        let detail = if cfg.detail_channels > 0 {
            // Zero until fitted (a training run sets them before its first step).
            let (k, cs, ct) = (
                cfg.detail_channels,
                cfg.spatial_compression(),
                cfg.temporal_compression(),
            );
            let zero = candle_nn::Init::Const(0.0);
            Some(DetailBasis {
                first: vb
                    .get_with_hints((3 * cs * cs, k), DETAIL_FIRST, zero)
                    .context("VAE detail basis")?,
                group: vb
                    .get_with_hints((3 * ct * cs * cs, k), DETAIL_GROUP, zero)
                    .context("VAE detail basis")?,
            })
        } else {
            None
        };
        Ok(Self {
            cfg: cfg.clone(),
            encoder,
            quant_conv,
            post_quant_conv,
            decoder,
            latents_mean: stat(&cfg.latents_mean)?,
            latents_std: stat(&cfg.latents_std)?,
            detail,
        })
    }

    pub fn config(&self) -> &VaeConfig {
        &self.cfg
    }

    /// The detail path's bases (`detail_channels` > 0).
    pub fn detail_basis(&self) -> Option<&DetailBasis> {
        self.detail.as_ref()
    }

    pub fn device(&self) -> &Device {
        self.latents_mean.device()
    }

    /// Checks a video `[B, C, T, H, W]` against the encoder's requirements.
    fn check_video(&self, x: &Tensor) -> anyhow::Result<()> {
        let dims = x.dims();
        if dims.len() != 5 {
            bail!("VAE encode: expected a [B, C, T, H, W] video tensor, got shape {dims:?}");
        }
        let (c, t, h, w) = (dims[1], dims[2], dims[3], dims[4]);
        if c != self.cfg.video_in_channels() {
            bail!(
                "VAE encode: video has {c} channels, the VAE expects {}",
                self.cfg.video_in_channels()
            );
        }
        let ct = self.cfg.temporal_compression();
        if t == 0 || (t - 1) % ct != 0 {
            bail!(
                "VAE encode: frame count must be 1 + {ct}·k (1, {}, {}, …), got {t}",
                1 + ct,
                1 + 2 * ct
            );
        }
        let cs = self.cfg.spatial_compression();
        if h == 0 || w == 0 || h % cs != 0 || w % cs != 0 {
            bail!("VAE encode: height and width must be positive multiples of {cs}, got {h}×{w}");
        }
        if x.dtype() != DType::F32 {
            bail!("VAE encode: expected f32 video, got {:?}", x.dtype());
        }
        Ok(())
    }

    /// Raw encoder output split into (mu, logvar), each `[B, z, 1+(T−1)/c_t, H/c_s, W/c_s]`.
    pub fn encode_dist(&self, video: &Tensor) -> anyhow::Result<(Tensor, Tensor)> {
        self.check_video(video)?;
        let h = self.encoder.forward(&patchify(video, self.cfg.patch())?)?;
        let h = self.quant_conv.forward(&h)?;
        let z = self.cfg.z_dim;
        let mu = h.narrow(1, 0, z)?;
        let (cs, ct) = (
            self.cfg.spatial_compression(),
            self.cfg.temporal_compression(),
        );
        let mu = if self.cfg.colour_skip {
            let used = self.cfg.colour_channels();
            let colours = phase_colours(video, cs, ct, self.cfg.colour_phases)?;
            let mut parts = vec![(mu.narrow(1, 0, used)? + colours)?];
            let mut used = used;
            if let Some(d) = &self.detail {
                let k = self.cfg.detail_channels;
                parts.push((mu.narrow(1, 3, k)? + d.encode(video, cs, ct)?)?);
                used += k;
            }
            if used < z {
                parts.push(mu.narrow(1, used, z - used)?);
            }
            Tensor::cat(&parts, 1)?
        } else {
            mu
        };
        Ok((mu, h.narrow(1, z, z)?))
    }

    /// Video `[B, C, T, H, W]` in [-1, 1] → un-normalised latent mean (what pipelines use).
    pub fn encode(&self, video: &Tensor) -> anyhow::Result<Tensor> {
        Ok(self.encode_dist(video)?.0)
    }

    /// `(mu − mean) / std` per channel: the latents the DiT sees.
    pub fn normalize(&self, mu: &Tensor) -> anyhow::Result<Tensor> {
        self.check_latents(mu, "normalize")?;
        Ok(mu
            .broadcast_sub(&self.latents_mean)?
            .broadcast_div(&self.latents_std)?)
    }

    /// `z · std + mean` per channel: inverse of [`normalize`](Self::normalize).
    pub fn denormalize(&self, z: &Tensor) -> anyhow::Result<Tensor> {
        self.check_latents(z, "denormalize")?;
        Ok(z.broadcast_mul(&self.latents_std)?
            .broadcast_add(&self.latents_mean)?)
    }

    fn check_latents(&self, z: &Tensor, what: &str) -> anyhow::Result<()> {
        let dims = z.dims();
        if dims.len() != 5 || dims[1] != self.cfg.z_dim || dims[2] == 0 {
            bail!(
                "VAE {what}: expected latents [B, {}, T, h, w] with T ≥ 1, got shape {dims:?}",
                self.cfg.z_dim
            );
        }
        if z.dtype() != DType::F32 {
            bail!("VAE {what}: expected f32 latents, got {:?}", z.dtype());
        }
        Ok(())
    }

    fn finish(&self, x: Tensor) -> anyhow::Result<Tensor> {
        let x = unpatchify(&x, self.cfg.patch())?;
        Ok(if self.cfg.clip_output {
            x.clamp(-1f32, 1f32)?
        } else {
            x
        })
    }

    /// Un-normalised latents `[B, z, T', h, w]` → video `[B, C, 1+c_t·(T'−1), c_s·h, c_s·w]`
    /// (clamped to [-1, 1] when `clip_output`), whole-sequence form.
    pub fn decode(&self, z: &Tensor) -> anyhow::Result<Tensor> {
        self.check_latents(z, "decode")?;
        let x = self.post_quant_conv.forward(z)?;
        let out = self.with_colour(self.decoder.forward(&x, None)?, z, 0, z.dim(2)?)?;
        self.finish(out)
    }

    /// Adds the colour channels (0–2, or 0..3·`colour_phases`) spread over their cells and
    /// frames to the decoder output of latent frames `start..start + n` of `z` (`colour_skip`).
    /// Latent frame 0 stands for one video frame.
    fn with_colour(
        &self,
        out: Tensor,
        z: &Tensor,
        start: usize,
        n: usize,
    ) -> anyhow::Result<Tensor> {
        if !self.cfg.colour_skip {
            return Ok(out);
        }
        let (cs, ct) = (
            self.cfg.spatial_compression(),
            self.cfg.temporal_compression(),
        );
        let colours = z.narrow(1, 0, self.cfg.colour_channels())?;
        let skip = match self.cfg.colour_interpolation {
            ColourInterpolation::None => {
                let phases = self.cfg.colour_phases;
                spread_phases(&colours.narrow(2, start, n)?, cs, ct, phases, start == 0)?
            }
            // Per video frame already: spread over the cells' pixels only.
            ColourInterpolation::Linear => {
                spread_cells(&glide_cells(&colours, ct, start, n)?, cs, 1, false)?
            }
            ColourInterpolation::Motion => motion_glide(&colours, cs, ct, start, n)?,
        };
        let out = (out + skip)?;
        Ok(match &self.detail {
            Some(d) => {
                let k = self.cfg.detail_channels;
                let zc = z.narrow(2, start, n)?;
                (out + d.decode(&zc.narrow(1, 3, k)?, cs, ct, start == 0)?)?
            }
            None => out,
        })
    }

    /// As [`decode`](Self::decode), `latent_frames_per_chunk` latent frames at a time, handing
    /// each chunk of video frames to `sink` in order; memory stays bounded by the chunk size.
    pub fn decode_stream(
        &self,
        z: &Tensor,
        latent_frames_per_chunk: usize,
        mut sink: impl FnMut(Tensor) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.check_latents(z, "decode")?;
        if latent_frames_per_chunk == 0 {
            bail!("VAE decode: latent_frames_per_chunk must be at least 1");
        }
        let t = z.dim(2)?;
        let mut cache = FeatCache::new();
        let mut start = 0;
        while start < t {
            let n = latent_frames_per_chunk.min(t - start);
            let zc = z.narrow(2, start, n)?;
            let chunk = self.post_quant_conv.forward(&zc)?;
            cache.rewind();
            let out = self.decoder.forward(&chunk, Some(&mut cache))?;
            let out = self.with_colour(out, z, start, n)?;
            sink(self.finish(out)?)?;
            start += n;
        }
        Ok(())
    }

    /// Chunked decode collected into one tensor; equals [`decode`](Self::decode).
    pub fn decode_chunked(
        &self,
        z: &Tensor,
        latent_frames_per_chunk: usize,
    ) -> anyhow::Result<Tensor> {
        let mut parts = Vec::new();
        self.decode_stream(z, latent_frames_per_chunk, |x| {
            parts.push(x);
            Ok(())
        })?;
        Ok(Tensor::cat(&parts, 2)?)
    }
}

/// `[B, C, T, H, W]` → the mean of each latent cell `[B, C, 1 + (T−1)/ct, H/cs, W/cs]`: frame 0
/// alone, then groups of `ct` frames (the causal VAE's time grouping), `cs`×`cs` pixels.
pub fn cell_colours(video: &Tensor, cs: usize, ct: usize) -> candle_core::Result<Tensor> {
    phase_colours(video, cs, ct, 1)
}

/// As [`cell_colours`], each group of `ct` frames split into `phases` consecutive sub-groups:
/// `[B, phases·C, 1 + (T−1)/ct, H/cs, W/cs]`, phase-major (channels `j·C..(j+1)·C` are
/// sub-group `j`). Latent frame 0 stands for one frame, so every phase holds its colours.
pub fn phase_colours(
    video: &Tensor,
    cs: usize,
    ct: usize,
    phases: usize,
) -> candle_core::Result<Tensor> {
    let (b, c, t, h, w) = video.dims5()?;
    if phases == 0 || !ct.is_multiple_of(phases) {
        candle_core::bail!("colour phases ({phases}) must divide the time grouping ({ct})");
    }
    let first = video
        .narrow(2, 0, 1)?
        .reshape(vec![b, c, 1, h / cs, cs, w / cs, cs])?
        .mean(6)?
        .mean(4)?;
    let first = Tensor::cat(&vec![&first; phases], 1)?;
    if t == 1 {
        return Ok(first);
    }
    let n = (t - 1) / ct;
    // Batch and channels share one axis: candle's kernels take at most 8 dimensions.
    let rest = video
        .narrow(2, 1, t - 1)?
        .reshape(vec![b * c, n, phases, ct / phases, h / cs, cs, w / cs, cs])?
        .mean(7)?
        .mean(5)?
        .mean(3)? // [b·c, n, phases, h/cs, w/cs]
        .reshape((b, c, n, phases, h / cs, w / cs))?
        .permute((0, 3, 1, 2, 4, 5))?
        .contiguous()?
        .reshape((b, phases * c, n, h / cs, w / cs))?;
    Tensor::cat(&[&first, &rest], 2)
}

/// Inverse layout of [`cell_colours`]: each latent cell's value repeated over its pixels and
/// frames; with `from_frame0` the first latent frame covers one frame, otherwise `ct`.
pub fn spread_cells(
    cells: &Tensor,
    cs: usize,
    ct: usize,
    from_frame0: bool,
) -> candle_core::Result<Tensor> {
    spread_phases(cells, cs, ct, 1, from_frame0)
}

/// Inverse layout of [`phase_colours`]: each phase's value repeated over its sub-group's
/// frames and the cell's pixels. Latent frame 0 (with `from_frame0`) gets the phases' mean.
pub fn spread_phases(
    cells: &Tensor,
    cs: usize,
    ct: usize,
    phases: usize,
    from_frame0: bool,
) -> candle_core::Result<Tensor> {
    let (b, pc, t, h, w) = cells.dims5()?;
    if phases == 0 || !ct.is_multiple_of(phases) || !pc.is_multiple_of(phases) {
        candle_core::bail!(
            "colour phases ({phases}) must divide the time grouping ({ct}) and the channels ({pc})"
        );
    }
    let c = pc / phases;
    let sub = ct / phases;
    // Batch and channels share one axis: candle's kernels take at most 8 dimensions.
    let spread = |x: &Tensor, n: usize| {
        x.reshape((b, phases, c, n, h, w))?
            .permute((0, 2, 3, 1, 4, 5))?
            .reshape(vec![b * c, n, phases, 1, h, 1, w, 1])?
            .broadcast_as(vec![b * c, n, phases, sub, h, cs, w, cs])?
            .contiguous()?
            .reshape((b, c, n * ct, h * cs, w * cs))
    };
    if !from_frame0 {
        return spread(cells, t);
    }
    let first = cells
        .narrow(2, 0, 1)?
        .reshape((b, phases, c, 1, h, w))?
        .mean(1)?
        .reshape(vec![b, c, 1, h, 1, w, 1])?
        .broadcast_as(vec![b, c, 1, h, cs, w, cs])?
        .contiguous()?
        .reshape((b, c, 1, h * cs, w * cs))?;
    if t == 1 {
        return Ok(first);
    }
    let rest = spread(&cells.narrow(2, 1, t - 1)?, t - 1)?;
    Tensor::cat(&[&first, &rest], 2)
}
