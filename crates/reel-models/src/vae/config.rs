//! `VaeConfig`: the diffusers `AutoencoderKLWan` `config.json`, defaults = Wan2.1 (WAN.md §1.2).

use serde::{Deserialize, Serialize};

/// How the toy VAE's colour skip fills a latent group's frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColourInterpolation {
    /// Each group's cell colours held over its frames: motion advances once a group.
    #[default]
    None,
    /// Each cell's colour cross-fades from one group's centre frame to the next: smooth, but
    /// an object in between is two faint copies.
    Linear,
    /// Each cell's colour is moved along a displacement matched between neighbouring groups
    /// (`motion_glide`): an object in between is drawn once, at its place in between.
    Motion,
}

/// Wan2.1's published per-channel latent mean (16 channels).
pub const WAN21_LATENTS_MEAN: [f64; 16] = [
    -0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508, 0.4134, -0.0715, 0.5517,
    -0.3632, -0.1922, -0.9497, 0.2503, -0.2921,
];

/// Wan2.1's published per-channel latent standard deviation (16 channels).
pub const WAN21_LATENTS_STD: [f64; 16] = [
    2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743, 3.2687, 2.1526, 2.8652, 1.5579,
    1.6382, 1.1253, 2.8251, 1.9160,
];

fn d_base_dim() -> usize {
    96
}
fn d_z_dim() -> usize {
    16
}
fn d_dim_mult() -> Vec<usize> {
    vec![1, 2, 4, 4]
}
fn d_num_res_blocks() -> usize {
    2
}
fn d_temperal_downsample() -> Vec<bool> {
    vec![false, true, true]
}
fn d_latents_mean() -> Vec<f64> {
    WAN21_LATENTS_MEAN.to_vec()
}
fn d_latents_std() -> Vec<f64> {
    WAN21_LATENTS_STD.to_vec()
}
fn d_channels() -> usize {
    3
}
fn d_true() -> bool {
    true
}
fn d_one() -> usize {
    1
}

fn d_scale_t() -> Option<usize> {
    Some(4)
}
fn d_scale_s() -> Option<usize> {
    Some(8)
}

/// Configuration of the causal video VAE, field names as in diffusers' `AutoencoderKLWan`
/// `config.json` (unknown keys such as `_class_name` are ignored). Every field has the Wan2.1
/// value as its default, so a real Wan2.1 `vae/config.json` parses, and small configs only need
/// the fields they change (plus `latents_mean`/`latents_std` when `z_dim` is not 16).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VaeConfig {
    #[serde(default = "d_base_dim")]
    pub base_dim: usize,
    /// Decoder width; `None` = `base_dim` (Wan2.1).
    #[serde(default)]
    pub decoder_base_dim: Option<usize>,
    #[serde(default = "d_z_dim")]
    pub z_dim: usize,
    #[serde(default = "d_dim_mult")]
    pub dim_mult: Vec<usize>,
    #[serde(default = "d_num_res_blocks")]
    pub num_res_blocks: usize,
    /// Encoder attention after each resblock at these scales (1.0, 0.5, …); empty in Wan.
    #[serde(default)]
    pub attn_scales: Vec<f64>,
    /// Per down stage (one fewer than `dim_mult`): does it halve time too? (diffusers' spelling)
    #[serde(default = "d_temperal_downsample")]
    pub temperal_downsample: Vec<bool>,
    /// Only 0 is meaningful here (no dropout is applied).
    #[serde(default)]
    pub dropout: f64,
    #[serde(default = "d_latents_mean")]
    pub latents_mean: Vec<f64>,
    #[serde(default = "d_latents_std")]
    pub latents_std: Vec<f64>,
    /// Wan2.2 residual layout: stages with `AvgDown3D`/`DupUp3D` shortcuts, upsamplers that keep
    /// their width (WAN.md §3.2).
    #[serde(default)]
    pub is_residual: bool,
    #[serde(default = "d_channels")]
    pub in_channels: usize,
    #[serde(default = "d_channels")]
    pub out_channels: usize,
    /// Wan2.2 pixel-unshuffle patch size (`None`/1 = off); `in_channels`/`out_channels` count
    /// the patchified channels (12 = 3·2·2 for Wan2.2).
    #[serde(default)]
    pub patch_size: Option<usize>,
    /// Clamp the decoded video to [-1, 1].
    #[serde(default = "d_true")]
    pub clip_output: bool,
    /// Reel's toy models only (not a Wan key): a parameter-free colour path. The encoder adds
    /// each latent cell's mean colour to latent channels 0–2 (0..3·`colour_phases`) and the
    /// decoder adds those channels, spread back over their cells, to its output; the networks
    /// learn only the rest. Without it a small VAE trained from scratch loses hue
    /// (models/README.md).
    #[serde(default)]
    pub colour_skip: bool,
    /// Reel's toy models only (needs `colour_skip`): the colour path keeps this many sub-groups
    /// of each latent frame's `temporal_compression` frames apart, 3 channels each (channels
    /// 0..3·phases, phase-major), so the decoder's skip moves with the object inside a group
    /// instead of holding the group's mean still. 1 = one colour per cell and group.
    #[serde(default = "d_one")]
    pub colour_phases: usize,
    /// Reel's toy models only (needs `colour_skip`, one phase): how the decoder's skip fills
    /// the frames between latent groups' centres (see [`ColourInterpolation`]). The latent (what
    /// the encoder and the DiT see) is the same for every choice.
    #[serde(default)]
    pub colour_interpolation: ColourInterpolation,
    /// Reel's toy models only (needs `colour_skip`): a linear detail path. The encoder adds the
    /// projections of each latent cell's pixels (minus the cell's mean colour) on a fitted basis
    /// (`detail_basis.*` weights: principal components of training clips) to latent channels
    /// 3..3 + `detail_channels`, and the decoder adds the basis patterns back.
    #[serde(default)]
    pub detail_channels: usize,
    /// Informational in diffusers; checked against the structure when present.
    #[serde(default = "d_scale_t")]
    pub scale_factor_temporal: Option<usize>,
    #[serde(default = "d_scale_s")]
    pub scale_factor_spatial: Option<usize>,
}

impl Default for VaeConfig {
    /// Wan2.1's VAE.
    fn default() -> Self {
        Self {
            base_dim: d_base_dim(),
            decoder_base_dim: None,
            z_dim: d_z_dim(),
            dim_mult: d_dim_mult(),
            num_res_blocks: d_num_res_blocks(),
            attn_scales: vec![],
            temperal_downsample: d_temperal_downsample(),
            dropout: 0.0,
            latents_mean: d_latents_mean(),
            latents_std: d_latents_std(),
            is_residual: false,
            in_channels: 3,
            out_channels: 3,
            patch_size: None,
            clip_output: true,
            colour_skip: false,
            colour_phases: 1,
            colour_interpolation: ColourInterpolation::None,
            detail_channels: 0,
            scale_factor_temporal: d_scale_t(),
            scale_factor_spatial: d_scale_s(),
        }
    }
}

impl VaeConfig {
    /// Wan2.1's VAE (same as `Default`).
    pub fn wan21() -> Self {
        Self::default()
    }

    /// A small Wan2.1-layout VAE with identity latent statistics (mean 0, std 1).
    pub fn small(
        base_dim: usize,
        z_dim: usize,
        dim_mult: Vec<usize>,
        num_res_blocks: usize,
        temperal_downsample: Vec<bool>,
    ) -> Self {
        let mut cfg = Self {
            base_dim,
            z_dim,
            dim_mult,
            num_res_blocks,
            temperal_downsample,
            latents_mean: vec![0.0; z_dim],
            latents_std: vec![1.0; z_dim],
            ..Self::default()
        };
        cfg.scale_factor_temporal = Some(cfg.temporal_compression());
        cfg.scale_factor_spatial = Some(cfg.spatial_compression());
        cfg
    }

    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let cfg: Self = serde_json::from_str(text)
            .map_err(|e| anyhow::anyhow!("VAE config.json does not parse: {e}"))?;
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn decoder_dim(&self) -> usize {
        self.decoder_base_dim.unwrap_or(self.base_dim)
    }

    /// Pixel-unshuffle factor (1 = none).
    pub fn patch(&self) -> usize {
        self.patch_size.unwrap_or(1).max(1)
    }

    /// Spatial compression: patch × 2^(number of down stages) = patch × 2^(len(dim_mult) − 1).
    pub fn spatial_compression(&self) -> usize {
        self.patch() << self.dim_mult.len().saturating_sub(1)
    }

    /// Colour channels of the video (before patchifying).
    pub fn video_in_channels(&self) -> usize {
        self.in_channels / (self.patch() * self.patch())
    }

    /// Colour channels of the decoded video (after unpatchifying).
    pub fn video_out_channels(&self) -> usize {
        self.out_channels / (self.patch() * self.patch())
    }

    /// Encoder stage widths `[base, base·m0, base·m1, …]`.
    pub fn encoder_dims(&self) -> Vec<usize> {
        let mut dims = vec![self.base_dim];
        dims.extend(self.dim_mult.iter().map(|m| self.base_dim * m));
        dims
    }

    /// Decoder stage widths `[d·m_last] ++ reversed(d·m)`.
    pub fn decoder_dims(&self) -> Vec<usize> {
        let d = self.decoder_dim();
        let mut dims = vec![d * self.dim_mult[self.dim_mult.len() - 1]];
        dims.extend(self.dim_mult.iter().rev().map(|m| d * m));
        dims
    }

    /// Temporal compression: 2^(number of stages that also halve time).
    pub fn temporal_compression(&self) -> usize {
        1 << self.temperal_downsample.iter().filter(|&&b| b).count()
    }

    /// Number of video frames decoded from `latent_frames`: 1 + c_t·(T − 1).
    pub fn video_frames(&self, latent_frames: usize) -> usize {
        if latent_frames == 0 {
            0
        } else {
            1 + self.temporal_compression() * (latent_frames - 1)
        }
    }

    /// Latent channels the colour path fills (0 without `colour_skip`).
    pub fn colour_channels(&self) -> usize {
        if self.colour_skip {
            3 * self.colour_phases
        } else {
            0
        }
    }

    /// Checks that the configuration describes a buildable Wan2.1- or Wan2.2-layout VAE.
    pub fn validate(&self) -> anyhow::Result<()> {
        use anyhow::bail;
        if self.patch_size == Some(0) {
            bail!("VAE config: patch_size must be positive");
        }
        if self.colour_skip
            && (self.in_channels != 3
                || self.out_channels != 3
                || self.patch() != 1
                || self.z_dim < 3)
        {
            bail!("VAE config: colour_skip needs RGB in and out, no patchify and z_dim ≥ 3");
        }
        if self.colour_phases == 0
            || !self
                .temporal_compression()
                .is_multiple_of(self.colour_phases)
        {
            bail!(
                "VAE config: colour_phases ({}) must divide the temporal compression ({})",
                self.colour_phases,
                self.temporal_compression()
            );
        }
        if self.colour_phases > 1
            && (!self.colour_skip
                || self.detail_channels > 0
                || 3 * self.colour_phases > self.z_dim)
        {
            bail!(
                "VAE config: colour_phases ({}) needs colour_skip, no detail_channels and \
                 z_dim ≥ 3·colour_phases (z_dim is {})",
                self.colour_phases,
                self.z_dim
            );
        }
        if self.colour_interpolation != ColourInterpolation::None
            && (!self.colour_skip || self.colour_phases != 1)
        {
            bail!(
                "VAE config: colour_interpolation needs colour_skip with one colour phase \
                 (colour_phases is {})",
                self.colour_phases
            );
        }
        if self.detail_channels > 0 && (!self.colour_skip || 3 + self.detail_channels > self.z_dim)
        {
            bail!(
                "VAE config: detail_channels ({}) needs colour_skip and z_dim ≥ 3 + detail_channels \
                 (z_dim is {})",
                self.detail_channels,
                self.z_dim
            );
        }
        let pp = self.patch() * self.patch();
        if !self.in_channels.is_multiple_of(pp) || !self.out_channels.is_multiple_of(pp) {
            bail!(
                "VAE config: in_channels {} and out_channels {} must be multiples of patch_size² = {pp} \
                 (they count the pixel-unshuffled channels)",
                self.in_channels,
                self.out_channels
            );
        }
        if self.dim_mult.is_empty() || self.dim_mult.contains(&0) {
            bail!(
                "VAE config: dim_mult must be non-empty and positive, got {:?}",
                self.dim_mult
            );
        }
        if self.base_dim == 0 || self.decoder_dim() == 0 || self.z_dim == 0 {
            bail!("VAE config: base_dim, decoder_base_dim and z_dim must be positive");
        }
        if self.in_channels == 0 || self.out_channels == 0 {
            bail!("VAE config: in_channels and out_channels must be positive");
        }
        if self.temperal_downsample.len() + 1 != self.dim_mult.len() {
            bail!(
                "VAE config: temperal_downsample has {} entries, expected len(dim_mult) - 1 = {}",
                self.temperal_downsample.len(),
                self.dim_mult.len() - 1
            );
        }
        if self.is_residual {
            self.validate_residual()?;
        } else {
            // The decoder's upsamplers halve channels: every stage width after the first must be even.
            let dd = self.decoder_dim();
            for &m in &self.dim_mult {
                if self.dim_mult.len() > 1 && !(dd * m).is_multiple_of(2) {
                    bail!(
                        "VAE config: decoder width {dd}×{m} must be even (upsamplers halve channels)"
                    );
                }
            }
        }
        if self.latents_mean.len() != self.z_dim || self.latents_std.len() != self.z_dim {
            bail!(
                "VAE config: latents_mean/latents_std have {}/{} values, expected z_dim = {}",
                self.latents_mean.len(),
                self.latents_std.len(),
                self.z_dim
            );
        }
        if self.latents_std.iter().any(|&s| s == 0.0 || !s.is_finite()) {
            bail!("VAE config: latents_std must be finite and non-zero");
        }
        if let Some(t) = self.scale_factor_temporal {
            if t != self.temporal_compression() {
                bail!(
                    "VAE config: scale_factor_temporal = {t} but temperal_downsample gives {}",
                    self.temporal_compression()
                );
            }
        }
        if let Some(s) = self.scale_factor_spatial {
            if s != self.spatial_compression() {
                bail!(
                    "VAE config: scale_factor_spatial = {s} but dim_mult gives {}",
                    self.spatial_compression()
                );
            }
        }
        Ok(())
    }

    /// The residual layout's shortcuts regroup channels: `AvgDown3D` averages `in·factor/out`
    /// channels, `DupUp3D` repeats each input channel `out·factor/in` times (WAN.md §3.2).
    fn validate_residual(&self) -> anyhow::Result<()> {
        use anyhow::bail;
        if !self.attn_scales.is_empty() {
            bail!("VAE config: attn_scales must be empty with is_residual=true (residual stages have no attention)");
        }
        let stages = self.dim_mult.len();
        let enc = self.encoder_dims();
        for i in 0..stages {
            let down = i + 1 != stages;
            let ft = if down && self.temperal_downsample[i] {
                2
            } else {
                1
            };
            let fs = if down { 2 } else { 1 };
            let (a, b) = (enc[i], enc[i + 1]);
            if (a * ft * fs * fs) % b != 0 {
                bail!(
                    "VAE config: encoder stage {i}: {a} channels × factor {} are not divisible by {b} \
                     (AvgDown3D shortcut)",
                    ft * fs * fs
                );
            }
        }
        let dec = self.decoder_dims();
        let temperal_up: Vec<bool> = self.temperal_downsample.iter().rev().copied().collect();
        for i in 0..stages.saturating_sub(1) {
            let ft = if temperal_up[i] { 2 } else { 1 };
            let (a, b) = (dec[i], dec[i + 1]);
            if (b * ft * 4) % a != 0 {
                bail!(
                    "VAE config: decoder stage {i}: {b} channels × factor {} are not divisible by {a} \
                     (DupUp3D shortcut)",
                    ft * 4
                );
            }
        }
        Ok(())
    }
}
