//! The training config file: architecture, data and the stages (VAE, then DiT + text, then
//! optionally more training of the VAE decoder alone).
//! Every struct refuses unknown keys, and `validate` refuses sizes the models cannot take.

use anyhow::{bail, Context, Result};
use reel_models::bundle::BundleConfig;
pub use reel_models::vae::ColourInterpolation;
use reel_world::SceneSampler;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Name written into the exported bundle.
    pub name: String,
    /// Seeds initialisation, data, noise and timesteps.
    pub seed: u64,
    pub model: ModelSpec,
    pub data: DataConfig,
    pub vae: VaeStage,
    pub dit: DitStage,
    /// Stage 3 (optional): the VAE decoder trained further, the encoder frozen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoder: Option<DecoderStage>,
    #[serde(default)]
    pub output: OutputConfig,
}

/// A preset architecture with a JSON merge patch of overrides (keys must exist in the preset).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub preset: String,
    #[serde(default)]
    pub overrides: Value,
    /// Tokenizer sequence length (including EOS).
    #[serde(default = "d_max_len")]
    pub max_text_len: usize,
}

fn d_max_len() -> usize {
    48
}

/// One clip shape drawn during training, with a relative weight.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClipSize {
    pub width: u32,
    pub height: u32,
    pub frames: usize,
    #[serde(default = "d_one")]
    pub weight: f64,
    /// This entry's `data.sampler.layout_spread` (default: the sampler's). An entry in a wider
    /// world that is always conditioned teaches the DiT to follow pinned frames where they
    /// disagree with the caption's usual layout, while the other entries keep the narrow world
    /// that teaches captions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout_spread: Option<f32>,
    /// This entry's `dit.conditioning.probability` (default: the DiT's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditioning: Option<f64>,
}

impl ClipSize {
    /// A shape with weight 1 and no per-entry overrides.
    pub fn new(width: u32, height: u32, frames: usize) -> Self {
        Self {
            width,
            height,
            frames,
            weight: 1.0,
            layout_spread: None,
            conditioning: None,
        }
    }
}

fn d_one() -> f64 {
    1.0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    pub fps: f64,
    /// Clip shapes for the DiT stage (one shape per batch, drawn by weight).
    pub sizes: Vec<ClipSize>,
    /// Probability of the canonical caption (else a random variation).
    #[serde(default = "d_canonical")]
    pub canonical_caption: f64,
    #[serde(default)]
    pub sampler: SceneSampler,
}

fn d_canonical() -> f64 {
    0.5
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrSchedule {
    Constant,
    Cosine,
}

/// Optimiser settings shared by both stages (AdamW).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimConfig {
    pub steps: usize,
    pub batch: usize,
    pub lr: f64,
    #[serde(default)]
    pub warmup: usize,
    pub schedule: LrSchedule,
    /// Cosine ends at `lr · min_lr_ratio`.
    #[serde(default = "d_min_lr")]
    pub min_lr_ratio: f64,
    #[serde(default)]
    pub weight_decay: f64,
    #[serde(default = "d_beta1")]
    pub beta1: f64,
    #[serde(default = "d_beta2")]
    pub beta2: f64,
    /// Global gradient-norm clip; 0 = off.
    #[serde(default)]
    pub grad_clip: f64,
    /// EMA decay of the exported weights; 0 = export the raw weights.
    #[serde(default)]
    pub ema_decay: f64,
}

fn d_min_lr() -> f64 {
    0.1
}
fn d_beta1() -> f64 {
    0.9
}
fn d_beta2() -> f64 {
    0.99
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReconLoss {
    L1,
    Mse,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaeStage {
    pub optim: OptimConfig,
    pub width: u32,
    pub height: u32,
    /// Crop of the first data size the VAE trains on (it is convolutional, so crops suffice).
    /// Clip length for VAE training (1 + c_t·k); the causal VAE generalises to longer clips.
    pub frames: usize,
    pub recon: ReconLoss,
    pub kl_weight: f64,
    /// Extra loss weight of pixels far from their frame's mean colour (the objects); 0 = off.
    #[serde(default)]
    pub object_weight: f64,
    /// Weight of the error in frame-to-frame changes (see `DecoderStage::motion_weight`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub motion_weight: f64,
    /// Reconstruct from `mu + latent_noise·ε` instead of sampling the posterior (None).
    #[serde(default)]
    pub latent_noise: Option<f64>,
    /// Weight of a loss pulling the first three latent channels towards the clip's colours,
    /// pooled over each latent cell (space and causal time group); 0 = off. Without it the small
    /// VAE's encoder drops hue: its decoder settles on grey before the code carries colour.
    #[serde(default)]
    pub colour_anchor: f64,
    /// Clips encoded after training to measure the per-channel latent mean and std.
    pub stats_clips: usize,
    /// Clips (of the first `data.sizes` entry) whose cells fit the VAE's detail basis
    /// (`detail_channels` > 0) before the first step.
    #[serde(default = "d_detail_fit_clips")]
    pub detail_fit_clips: usize,
}

/// More training of the VAE decoder on the frozen encoder's latents, after the DiT stage. The
/// encoder (so the latent space the DiT learned) does not change; only how latents become
/// pixels does. The reconstruction loss, object weight and latent noise are `vae`'s.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecoderStage {
    pub optim: OptimConfig,
    /// Crop of the first data size (as `vae.width`/`height`), and clip length (1 + c_t·k).
    pub width: u32,
    pub height: u32,
    pub frames: usize,
    /// Weight of the error in frame-to-frame changes, added to the reconstruction loss. A
    /// causal decoder can fit single frames well while drawing each latent group as a still
    /// (motion at a quarter of the frame rate); this term prices that stutter directly.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub motion_weight: f64,
    /// Switch the decoder's colour skip to this `ColourInterpolation` (`linear`: each cell's
    /// colour cross-fades from one latent group's centre frame to the next; `motion`: it moves
    /// along a matched displacement) for this stage and the exported VAE. The latents do not
    /// change, so the DiT trained before stays valid; the decoder learns the rest against the
    /// new skip.
    #[serde(default, skip_serializing_if = "is_none_interpolation")]
    pub colour_interpolation: ColourInterpolation,
    /// Noise added to the latents the decoder learns from, in place of `vae.latent_noise`:
    /// the DiT's samples carry a residual noise of their own (about 0.07 in the colour
    /// channels), which a decoder trained on cleaner latents draws as blotches and flicker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latent_noise: Option<f64>,
}

fn is_none_interpolation(x: &ColourInterpolation) -> bool {
    *x == ColourInterpolation::None
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

fn d_detail_fit_clips() -> usize {
    128
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TimestepSampling {
    /// σ = sigmoid(mean + std·n), n ~ N(0, 1) (SD3).
    LogitNormal { mean: f64, std: f64 },
    /// σ = shift·u / (1 + (shift−1)·u), u ~ U(0, 1) (the sampler's time warp).
    Shifted { shift: f64 },
}

/// Relative weights of the conditioning-frame patterns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CondPatterns {
    pub first: f64,
    pub last: f64,
    pub first_last: f64,
    pub prefix: f64,
    pub suffix: f64,
    pub random: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditioning {
    /// Probability that a sample has some clean latent frames (timestep 0 on their tokens).
    pub probability: f64,
    pub patterns: CondPatterns,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DitStage {
    pub optim: OptimConfig,
    pub timesteps: TimestepSampling,
    /// Probability of training on the empty caption (for classifier-free guidance).
    pub caption_dropout: f64,
    pub conditioning: Conditioning,
    /// Encoded clips the DiT draws its batches from (default: a fresh batch every step).
    #[serde(default)]
    pub pool: PoolConfig,
    /// Standard deviation of the VAE's detail channels as the DiT sees them (the others are
    /// normalised to 1). Below 1 the DiT's early, uncertain detail comes out as faint texture
    /// instead of full-strength noise, and its loss weighs colour and layout first.
    #[serde(default = "d_one")]
    pub detail_scale: f64,
    /// What the DiT learns to output (`reel_models::bundle::Prediction`): `velocity` (as Wan),
    /// `sample` (the clean latent) or `denoiser` (the clean latent with a skip of `x_t`, gains
    /// from each channel's spread as the DiT sees it), for a DiT narrower than its patch. The
    /// loss is the velocity error either way; for the clean-latent kinds its 1/σ² weight is
    /// capped at σ = `loss_sigma_floor`.
    #[serde(default)]
    pub prediction: PredictionKind,
    /// The σ below which a clean-latent loss stops growing as 1/σ². Small values spend the
    /// gradient on the last, nearly clean steps; larger ones on layout, colour and motion,
    /// which are decided at large σ.
    #[serde(default = "d_sigma_floor")]
    pub loss_sigma_floor: f64,
    /// Extra loss weight of latent cells whose colour (in any of the VAE's colour phases)
    /// differs from their frame's mean (the objects), as `vae.object_weight` does for pixels;
    /// needs the VAE's `colour_skip`. 0 = off.
    #[serde(default)]
    pub object_weight: f64,
}

fn d_sigma_floor() -> f64 {
    0.05
}

/// The DiT stage's choice of `Prediction`; `denoiser` takes its spreads from the latent stats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PredictionKind {
    #[default]
    Velocity,
    Sample,
    Denoiser,
}

/// The DiT stage's latent pool: encoding a clip costs several DiT steps' worth of compute, so
/// clips are encoded once, kept, and replaced a few at a time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolConfig {
    /// Clips held over all sizes (shared by weight); 0 = just one batch, renewed every step.
    #[serde(default)]
    pub clips: usize,
    /// Clips replaced per step over all sizes (at least one per size).
    #[serde(default)]
    pub refresh: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    pub log_every: usize,
    pub checkpoint_every: usize,
    /// Sample videos every N steps (0 = never).
    pub sample_every: usize,
    pub sample_prompts: Vec<String>,
    /// Sampler settings of the exported bundle (width/height/frames default to the first size).
    pub sampling_steps: usize,
    pub guidance: f64,
    pub shift: f64,
    pub solver: String,
    /// The pinned frames' guidance weight (`SamplerSettings::frame_guidance`; 0 = off).
    pub frame_guidance: f64,
    /// Noise levels `[lo, hi]` where guidance applies (`SamplerSettings::guidance_interval`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance_interval: Option<[f64; 2]>,
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self {
            log_every: 25,
            checkpoint_every: 100,
            sample_every: 0,
            sample_prompts: vec![
                "a red ball bounces between the walls on a black background".into()
            ],
            sampling_steps: 20,
            guidance: 4.0,
            shift: 3.0,
            solver: "unipc".into(),
            frame_guidance: 0.0,
            guidance_interval: None,
        }
    }
}

/// RFC 7396 merge patch, refusing keys the base does not have (typos would otherwise vanish).
fn merge(base: &mut Value, patch: &Value, path: &str) -> Result<()> {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                let here = format!("{path}.{k}");
                match b.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v, &here)?,
                    Some(slot) => *slot = v.clone(),
                    None => bail!("model override {here} is not a field of the architecture"),
                }
            }
            Ok(())
        }
        (_, Value::Null) => Ok(()),
        (b, p) => {
            *b = p.clone();
            Ok(())
        }
    }
}

impl TrainConfig {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read training config {}", path.display()))?;
        Self::from_json(&text).with_context(|| format!("training config {}", path.display()))
    }

    pub fn from_json(text: &str) -> Result<Self> {
        let cfg: Self = serde_json::from_str(text).context("does not parse")?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The architecture: preset with overrides, latent statistics still identity.
    pub fn bundle_config(&self) -> Result<BundleConfig> {
        let base = BundleConfig::preset(&self.model.preset)?;
        let mut v = serde_json::to_value(&base)?;
        if !self.model.overrides.is_null() {
            if !self.model.overrides.is_object() {
                bail!("model.overrides must be a JSON object");
            }
            merge(&mut v, &self.model.overrides, "model.overrides")?;
        }
        let mut cfg: BundleConfig =
            serde_json::from_value(v).context("model overrides give an invalid architecture")?;
        let z = cfg.vae.z_dim;
        cfg.vae.latents_mean = vec![0.0; z];
        cfg.vae.latents_std = vec![1.0; z];
        cfg.vae.scale_factor_spatial = Some(cfg.vae.spatial_compression());
        cfg.vae.scale_factor_temporal = Some(cfg.vae.temporal_compression());
        cfg.name = self.name.clone();
        let first = self.data.sizes.first().context("data.sizes is empty")?;
        cfg.defaults.width = first.width;
        cfg.defaults.height = first.height;
        cfg.defaults.frames = first.frames;
        cfg.defaults.fps = self.data.fps;
        cfg.defaults.steps = self.output.sampling_steps;
        cfg.defaults.guidance = self.output.guidance;
        cfg.defaults.shift = self.output.shift;
        cfg.defaults.solver = self.output.solver.clone();
        cfg.defaults.frame_guidance = self.output.frame_guidance;
        cfg.defaults.guidance_interval = self.output.guidance_interval;
        cfg.validate().context("model architecture")?;
        Ok(cfg)
    }

    pub fn validate(&self) -> Result<()> {
        let arch = self.bundle_config()?;
        let m = arch.size_multiple();
        let tf = arch.vae.temporal_compression();
        let pt = arch.dit.patch_size[0];
        if pt != 1 {
            bail!("dit.patch_size[0] must be 1 so frames can be conditioned one by one");
        }
        if self.data.sizes.is_empty() {
            bail!("data.sizes must list at least one clip size");
        }
        let check_size = |what: &str, w: u32, h: u32, f: usize, mult: u32| -> Result<()> {
            if w == 0 || h == 0 || !w.is_multiple_of(mult) || !h.is_multiple_of(mult) {
                bail!("{what}: size {w}x{h} must be a positive multiple of {mult}");
            }
            if f == 0 || !(f - 1).is_multiple_of(tf) {
                bail!(
                    "{what}: frames must be 1 + {tf}·k (1, {}, {}, …), got {f}",
                    1 + tf,
                    1 + 2 * tf
                );
            }
            if w > 1024 || h > 1024 || f > 257 {
                bail!("{what}: {w}x{h}x{f} is larger than training here can handle");
            }
            Ok(())
        };
        for (i, s) in self.data.sizes.iter().enumerate() {
            check_size(&format!("data.sizes[{i}]"), s.width, s.height, s.frames, m)?;
            if !(s.weight.is_finite() && s.weight > 0.0) {
                bail!("data.sizes[{i}].weight must be positive");
            }
            if let Some(spread) = s.layout_spread {
                if !(spread > 0.0 && spread <= 1.0) {
                    bail!("data.sizes[{i}].layout_spread must be in (0, 1], got {spread}");
                }
            }
            if let Some(p) = s.conditioning {
                if !(0.0..=1.0).contains(&p) {
                    bail!("data.sizes[{i}].conditioning must be a probability in [0, 1], got {p}");
                }
            }
        }
        let vs = arch.vae.spatial_compression() as u32;
        if self.vae.colour_anchor > 0.0 && arch.vae.z_dim < 3 {
            bail!("vae.colour_anchor needs z_dim ≥ 3 (it anchors three latent channels)");
        }
        let first = self.data.sizes[0];
        let mut crops = vec![("vae", self.vae.width, self.vae.height, self.vae.frames)];
        let mut motion_weights = vec![("vae", self.vae.motion_weight)];
        if let Some(d) = &self.decoder {
            crops.push(("decoder", d.width, d.height, d.frames));
            motion_weights.push(("decoder", d.motion_weight));
        }
        for (what, w) in motion_weights {
            if !(w.is_finite() && w >= 0.0) {
                bail!("{what}.motion_weight must be a non-negative number, got {w}");
            }
        }
        for (what, w, h, f) in crops {
            check_size(what, w, h, f, vs)?;
            if w > first.width || h > first.height {
                bail!(
                    "{what}: crop {w}x{h} is larger than the first data size {}x{}",
                    first.width,
                    first.height
                );
            }
        }
        if !(self.data.fps.is_finite() && self.data.fps > 0.0) {
            bail!("data.fps must be positive");
        }
        if !(0.0..=1.0).contains(&self.data.canonical_caption) {
            bail!("data.canonical_caption must be in [0, 1]");
        }
        self.data.sampler.validate().context("data.sampler")?;
        let mut optims = vec![("vae", &self.vae.optim), ("dit", &self.dit.optim)];
        if let Some(d) = &self.decoder {
            optims.push(("decoder", &d.optim));
        }
        for (name, o) in optims {
            if o.batch == 0 {
                bail!("{name}.optim.batch must be at least 1");
            }
            if !(o.lr.is_finite() && o.lr > 0.0) {
                bail!("{name}.optim.lr must be positive");
            }
            if !(0.0..1.0).contains(&o.beta1) || !(0.0..1.0).contains(&o.beta2) {
                bail!("{name}.optim betas must be in [0, 1)");
            }
            if !(0.0..1.0).contains(&o.ema_decay) {
                bail!("{name}.optim.ema_decay must be in [0, 1)");
            }
            if !(0.0..=1.0).contains(&o.min_lr_ratio) || o.weight_decay < 0.0 || o.grad_clip < 0.0 {
                bail!("{name}.optim: min_lr_ratio in [0, 1], weight_decay and grad_clip ≥ 0");
            }
        }
        let decoder_noise = self.decoder.as_ref().and_then(|d| d.latent_noise);
        for (name, noise) in [
            ("vae.latent_noise", self.vae.latent_noise),
            ("decoder.latent_noise", decoder_noise),
        ] {
            if noise.is_some_and(|s| !(s.is_finite() && s >= 0.0)) {
                bail!("{name} must be a non-negative number");
            }
        }
        if !(self.vae.colour_anchor.is_finite() && self.vae.colour_anchor >= 0.0) {
            bail!("vae.colour_anchor must be a non-negative number");
        }
        if !(self.vae.object_weight.is_finite() && self.vae.object_weight >= 0.0) {
            bail!("vae.object_weight must be a non-negative number");
        }
        if self.vae.detail_fit_clips == 0 {
            bail!("vae.detail_fit_clips must be at least 1");
        }
        if self.vae.kl_weight < 0.0 || self.vae.stats_clips == 0 {
            bail!("vae.kl_weight must be ≥ 0 and vae.stats_clips ≥ 1");
        }
        match self.dit.timesteps {
            TimestepSampling::LogitNormal { std, .. } if !(std > 0.0) => {
                bail!("dit.timesteps.std must be positive")
            }
            TimestepSampling::Shifted { shift } if !(shift > 0.0) => {
                bail!("dit.timesteps.shift must be positive")
            }
            _ => {}
        }
        if !(self.dit.loss_sigma_floor.is_finite()
            && self.dit.loss_sigma_floor > 0.0
            && self.dit.loss_sigma_floor <= 1.0)
        {
            bail!("dit.loss_sigma_floor must be in (0, 1]");
        }
        if !(self.dit.object_weight.is_finite() && self.dit.object_weight >= 0.0) {
            bail!("dit.object_weight must be a non-negative number");
        }
        if self.dit.object_weight > 0.0 && !arch.vae.colour_skip {
            bail!("dit.object_weight needs the VAE's colour_skip (its first latent channels are the cells' colours)");
        }
        if let Some(d) = self
            .decoder
            .as_ref()
            .filter(|d| d.colour_interpolation != ColourInterpolation::None)
        {
            let mut glide = arch.vae.clone();
            glide.colour_interpolation = d.colour_interpolation;
            glide.validate().context("decoder.colour_interpolation")?;
        }
        if !(self.dit.detail_scale.is_finite() && self.dit.detail_scale > 0.0) {
            bail!("dit.detail_scale must be a positive number");
        }
        if !(0.0..=1.0).contains(&self.dit.caption_dropout)
            || !(0.0..=1.0).contains(&self.dit.conditioning.probability)
        {
            bail!("dit.caption_dropout and dit.conditioning.probability must be in [0, 1]");
        }
        let p = &self.dit.conditioning.patterns;
        let w = [p.first, p.last, p.first_last, p.prefix, p.suffix, p.random];
        if w.iter().any(|x| !(x.is_finite() && *x >= 0.0)) || w.iter().sum::<f64>() <= 0.0 {
            bail!("dit.conditioning.patterns must be non-negative with a positive sum");
        }
        if self.dit.pool.clips > 0 && self.dit.pool.refresh == 0 {
            bail!("dit.pool.refresh must be at least 1 when dit.pool.clips is set");
        }
        if self.dit.pool.clips > 0 && self.dit.pool.clips < self.dit.optim.batch {
            bail!("dit.pool.clips must be at least dit.optim.batch");
        }
        if self.output.log_every == 0 || self.output.checkpoint_every == 0 {
            bail!("output.log_every and output.checkpoint_every must be at least 1");
        }
        self.output
            .solver
            .parse::<reel_diffusion::schedulers::SolverKind>()
            .map_err(|e| anyhow::anyhow!("output.solver: {e}"))?;
        if self.output.sampling_steps == 0 {
            bail!("output.sampling_steps must be at least 1");
        }
        if let Some(i) = self.output.guidance_interval {
            reel_diffusion::check_guidance_interval(i).context("output.guidance_interval")?;
        }
        Ok(())
    }
}
