//! Model bundles: a directory with `config.json`, memory-mapped safetensors per component, and the
//! tokenizer. Reel's own models (the embedded default and `init-model` presets) use this format.

use crate::dit::{Dit, DitConfig};
use crate::init::seeded_var_builder;
use crate::text::{TextEncoder, TinyTextConfig, TinyTextEncoder, WordTokenizer};
use crate::vae::{Vae, VaeConfig};
use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DIT_FILE: &str = "dit.safetensors";
pub const VAE_FILE: &str = "vae.safetensors";
pub const TEXT_FILE: &str = "text.safetensors";
pub const TOKENIZER_FILE: &str = "tokenizer.json";
pub const CONFIG_FILE: &str = "config.json";

/// How known frames condition generation.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Conditioning {
    /// Known latents enter clean, with timestep 0 on their tokens (models trained that way).
    TimestepZero,
    /// Known latents are re-noised to the current level and written back every step.
    Renoise,
}

/// What the transformer's output is. The sampling loop always steps on the velocity.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Prediction {
    /// The flow velocity `noise − x0` (Wan and the other published flow-matching weights).
    #[default]
    Velocity,
    /// The clean latent `x0`. A small transformer whose token is narrower than its patch
    /// (`dim` < patch volume × channels) cannot pass the noise through, so it cannot predict a
    /// velocity, but it can predict the clean latent (Li & He 2025, "Back to Basics: Let
    /// Denoising Generative Models Denoise"); the velocity is then `(x_t − x0) / σ`.
    Sample,
    /// The clean latent as `c_skip·x_t + c_out·output` (Karras et al. 2022's preconditioning,
    /// for `x_t = (1−σ)·x0 + σ·noise`), with `data_std` the spread of each latent channel.
    /// `c_skip` is the best linear denoiser's gain, so what the transformer cannot represent
    /// keeps the least-error linear estimate instead of its mean: at large σ this is the clean-latent
    /// prediction, near σ = 0 it passes `x_t` through.
    Denoiser { data_std: Vec<f64> },
}

impl Prediction {
    /// The clean-latent estimate from the transformer output `out` for `x_t` at noise level
    /// `sigma` (a scalar, or a tensor broadcastable to `out` such as `[B, 1, T, 1, 1]`);
    /// not defined for `Velocity` at σ = 0.
    pub fn clean_estimate(
        &self,
        out: &Tensor,
        x_t: &Tensor,
        sigma: &Tensor,
    ) -> candle_core::Result<Tensor> {
        match self {
            Prediction::Velocity => x_t - out.broadcast_mul(sigma)?,
            Prediction::Sample => Ok(out.clone()),
            Prediction::Denoiser { data_std } => {
                let (c_skip, c_out) = denoiser_gains(data_std, sigma, out.dims().len())?;
                x_t.broadcast_mul(&c_skip)? + out.broadcast_mul(&c_out)?
            }
        }
    }

    /// The velocity at noise level `sigma` of the transformer output `out` for the sample `x_t`.
    pub fn velocity(&self, out: &Tensor, x_t: &Tensor, sigma: f64) -> candle_core::Result<Tensor> {
        if *self == Prediction::Velocity {
            return Ok(out.clone());
        }
        // The sampler never evaluates at σ = 0; the floor only keeps a degenerate schedule finite.
        let sigma = sigma.max(1e-4);
        let s = Tensor::new(&[sigma as f32], out.device())?;
        let x0 = self.clean_estimate(out, x_t, &s)?;
        (x_t - x0)? / sigma
    }

    /// Checks a prediction against the latent channels it will be applied to.
    pub fn validate(&self, channels: usize) -> Result<()> {
        if let Prediction::Denoiser { data_std } = self {
            if data_std.len() != channels {
                bail!(
                    "prediction.denoiser.data_std has {} values for {channels} latent channels",
                    data_std.len()
                );
            }
            if data_std.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
                bail!("prediction.denoiser.data_std must be positive numbers");
            }
        }
        Ok(())
    }
}

/// `c_skip` and `c_out` per channel (dim 1 of a `rank`-dimensional latent) for noise `sigma`.
fn denoiser_gains(
    data_std: &[f64],
    sigma: &Tensor,
    rank: usize,
) -> candle_core::Result<(Tensor, Tensor)> {
    let mut shape = vec![1usize; rank];
    shape[1] = data_std.len();
    let var: Vec<f32> = data_std.iter().map(|s| (s * s) as f32).collect();
    let d2 = Tensor::from_vec(var, shape, sigma.device())?;
    // With keep = 1 − σ: a = keep²·s² + σ², the variance of x_t.
    let keep = sigma.affine(-1.0, 1.0)?;
    let a = keep
        .sqr()?
        .broadcast_mul(&d2)?
        .broadcast_add(&sigma.sqr()?)?;
    let c_skip = keep.broadcast_mul(&d2)?.div(&a)?;
    let c_out = sigma.broadcast_mul(&d2.sqrt()?)?.div(&a.sqrt()?)?;
    Ok((c_skip, c_out))
}

/// What a model generates when the user does not say.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SamplingDefaults {
    pub width: u32,
    pub height: u32,
    pub frames: usize,
    pub fps: f64,
    pub steps: usize,
    pub guidance: f64,
    pub shift: f64,
    pub solver: String,
    #[serde(default)]
    pub negative_prompt: String,
    /// Weight of the pinned frames' own guidance term (`SamplerSettings::frame_guidance`);
    /// 0 in bundles written before it existed.
    #[serde(default)]
    pub frame_guidance: f64,
    /// Noise levels `[lo, hi]` where classifier-free guidance applies
    /// (`SamplerSettings::guidance_interval`); none = every step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance_interval: Option<[f64; 2]>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BundleConfig {
    /// Always "reel-bundle".
    pub format: String,
    pub name: String,
    pub version: String,
    pub dit: DitConfig,
    pub vae: VaeConfig,
    pub text: TinyTextConfig,
    pub conditioning: Conditioning,
    /// What the transformer predicts; bundles written before this field predict the velocity.
    #[serde(default, skip_serializing_if = "is_velocity")]
    pub prediction: Prediction,
    pub defaults: SamplingDefaults,
    /// Free-form notes on how the weights were made (training config, steps, seed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<serde_json::Value>,
}

fn is_velocity(p: &Prediction) -> bool {
    *p == Prediction::Velocity
}

impl BundleConfig {
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "model directory {} has no readable {CONFIG_FILE}",
                dir.display()
            )
        })?;
        let cfg: Self = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid Reel bundle config", path.display()))?;
        cfg.validate()
            .with_context(|| format!("{} is inconsistent", path.display()))?;
        Ok(cfg)
    }

    pub fn validate(&self) -> Result<()> {
        if self.format != "reel-bundle" {
            bail!("format is {:?}, expected \"reel-bundle\"", self.format);
        }
        self.dit.validate()?;
        self.vae.validate()?;
        if self.dit.in_channels != self.vae.z_dim || self.dit.out_channels != self.vae.z_dim {
            bail!(
                "transformer channels {}/{} do not match the VAE latent channels {}",
                self.dit.in_channels,
                self.dit.out_channels,
                self.vae.z_dim
            );
        }
        self.prediction
            .validate(self.vae.z_dim)
            .context("prediction")?;
        if self.dit.text_dim != self.text.dim {
            bail!(
                "transformer text_dim {} does not match the text encoder width {}",
                self.dit.text_dim,
                self.text.dim
            );
        }
        Ok(())
    }

    /// Pixel size granularity: VAE spatial compression × patch size.
    pub fn size_multiple(&self) -> u32 {
        (self.vae.spatial_compression() * self.dit.patch_size[1].max(self.dit.patch_size[2])) as u32
    }

    /// Named random-initialised architectures for `reel init-model`.
    pub fn preset(name: &str) -> Result<Self> {
        let (dit_dim, heads, layers, vae) = match name {
            // Smallest that exercises every part: for tests and smoke runs.
            "tiny" => (
                64,
                2,
                2,
                VaeConfig::small(8, 8, vec![1, 2, 2, 2], 1, vec![false, true, true]),
            ),
            "small" => (
                256,
                4,
                6,
                VaeConfig::small(32, 16, vec![1, 2, 4, 4], 1, vec![false, true, true]),
            ),
            other => bail!("unknown preset {other:?} (known: tiny, small)"),
        };
        let text = TinyTextConfig {
            dim: dit_dim,
            num_layers: 2,
            num_heads: heads,
            ffn_dim: 2 * dit_dim,
            zero_init_residuals: false,
        };
        Ok(Self {
            format: "reel-bundle".into(),
            name: format!("reel-{name}-random"),
            version: "0".into(),
            dit: DitConfig {
                num_attention_heads: heads,
                attention_head_dim: dit_dim / heads,
                in_channels: vae.z_dim,
                out_channels: vae.z_dim,
                text_dim: dit_dim,
                freq_dim: 64,
                ffn_dim: 3 * dit_dim,
                num_layers: layers,
                ..DitConfig::wan21_t2v_1_3b()
            },
            vae,
            text,
            conditioning: Conditioning::TimestepZero,
            prediction: Prediction::Velocity,
            defaults: SamplingDefaults {
                width: 64,
                height: 64,
                frames: 17,
                fps: 8.0,
                steps: 20,
                guidance: 4.0,
                shift: 3.0,
                solver: "unipc".into(),
                negative_prompt: String::new(),
                frame_guidance: 0.0,
                guidance_interval: None,
            },
            provenance: None,
        })
    }
}

/// A loaded model: transformer, VAE and text encoder with their configuration.
pub struct Bundle {
    pub config: BundleConfig,
    pub dir: PathBuf,
    pub dit: Dit,
    pub vae: Vae,
    pub text: Box<dyn TextEncoder>,
}

/// Memory-maps one component's weights, naming the file in every error.
fn mmap_weights(path: &Path, dev: &Device) -> Result<VarBuilder<'static>> {
    if !path.is_file() {
        bail!("missing weights file {}", path.display());
    }
    // Safety: the file is only read; a concurrent writer could change what we see, as with any mmap.
    let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[path], DType::F32, dev) }
        .with_context(|| {
            format!(
                "{} is not a readable safetensors file (truncated or corrupt?)",
                path.display()
            )
        })?;
    Ok(vb)
}

impl Bundle {
    pub fn load(dir: &Path, dev: &Device) -> Result<Self> {
        if !dir.is_dir() {
            bail!("model directory {} does not exist", dir.display());
        }
        let config = BundleConfig::load(dir)?;
        let tokenizer = WordTokenizer::load(&dir.join(TOKENIZER_FILE))?;
        let path = dir.join(DIT_FILE);
        let dit = Dit::new(&config.dit, mmap_weights(&path, dev)?)
            .with_context(|| format!("cannot load the transformer from {}", path.display()))?;
        let path = dir.join(VAE_FILE);
        let vae = Vae::new(&config.vae, mmap_weights(&path, dev)?)
            .with_context(|| format!("cannot load the VAE from {}", path.display()))?;
        let path = dir.join(TEXT_FILE);
        let text = TinyTextEncoder::new(&config.text, tokenizer, mmap_weights(&path, dev)?)
            .with_context(|| format!("cannot load the text encoder from {}", path.display()))?;
        Ok(Self {
            config,
            dir: dir.to_path_buf(),
            dit,
            vae,
            text: Box::new(text),
        })
    }
}

/// Trainable parameters of a bundle's three components.
pub struct BundleVars {
    pub dit: VarMap,
    pub vae: VarMap,
    pub text: VarMap,
}

impl BundleVars {
    /// Creates every parameter from `seed` (deterministically) by building the models once.
    pub fn init(
        config: &BundleConfig,
        tokenizer: &WordTokenizer,
        seed: u64,
        dev: &Device,
    ) -> Result<Self> {
        config.validate()?;
        let vars = Self {
            dit: VarMap::new(),
            vae: VarMap::new(),
            text: VarMap::new(),
        };
        Dit::new(&config.dit, seeded_var_builder(&vars.dit, seed, dev))?;
        Vae::new(
            &config.vae,
            seeded_var_builder(&vars.vae, seed.wrapping_add(1), dev),
        )?;
        TinyTextEncoder::new(
            &config.text,
            tokenizer.clone(),
            seeded_var_builder(&vars.text, seed.wrapping_add(2), dev),
        )?;
        Ok(vars)
    }

    /// Writes a complete bundle directory; each file goes to a temporary name first and is
    /// renamed into place, so an interrupted save never leaves a half-written bundle file.
    pub fn save(&self, config: &BundleConfig, tokenizer: &WordTokenizer, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create model directory {}", dir.display()))?;
        let put = |name: &str, write: &dyn Fn(&Path) -> Result<()>| -> Result<()> {
            let tmp = dir.join(format!(".{name}.tmp"));
            write(&tmp).with_context(|| format!("cannot write {}", dir.join(name).display()))?;
            std::fs::rename(&tmp, dir.join(name))
                .with_context(|| format!("cannot write {}", dir.join(name).display()))
        };
        put(DIT_FILE, &|p| Ok(self.dit.save(p)?))?;
        put(VAE_FILE, &|p| Ok(self.vae.save(p)?))?;
        put(TEXT_FILE, &|p| Ok(self.text.save(p)?))?;
        put(TOKENIZER_FILE, &|p| tokenizer.save(p))?;
        put(CONFIG_FILE, &|p| {
            Ok(std::fs::write(p, serde_json::to_string_pretty(config)?)?)
        })?;
        Ok(())
    }
}

/// Writes a random-initialised bundle of a preset architecture (`reel init-model`).
pub fn init_random_bundle(preset: &str, seed: u64, dir: &Path) -> Result<BundleConfig> {
    let config = BundleConfig::preset(preset)?;
    let tokenizer = WordTokenizer::default_vocab(48);
    let vars = BundleVars::init(&config, &tokenizer, seed, &Device::Cpu)?;
    vars.save(&config, &tokenizer, dir)?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bundle_round_trips_and_bad_bundles_fail_clearly() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("tiny");
        init_random_bundle("tiny", 1, &path)?;
        let b = Bundle::load(&path, &Device::Cpu)?;
        assert_eq!(b.config, BundleConfig::preset("tiny")?);
        assert_eq!(b.config.size_multiple(), 16);

        // Missing directory.
        let err = Bundle::load(&dir.path().join("nope"), &Device::Cpu)
            .err()
            .unwrap();
        assert!(format!("{err:#}").contains("does not exist"));
        // Truncated weights.
        let dit = path.join(DIT_FILE);
        let bytes = std::fs::read(&dit)?;
        std::fs::write(&dit, &bytes[..bytes.len() / 2])?;
        let err = format!("{:#}", Bundle::load(&path, &Device::Cpu).err().unwrap());
        assert!(err.contains("dit.safetensors"), "{err}");
        std::fs::write(&dit, &bytes)?;
        // A tensor of the wrong shape: weights of another architecture.
        let mut cfg = BundleConfig::load(&path)?;
        cfg.dit.ffn_dim += 8;
        std::fs::write(path.join(CONFIG_FILE), serde_json::to_string(&cfg)?)?;
        let err = format!("{:#}", Bundle::load(&path, &Device::Cpu).err().unwrap());
        assert!(
            err.contains("shape") && err.contains("dit.safetensors"),
            "{err}"
        );
        // Unknown preset, corrupt config.
        assert!(BundleConfig::preset("huge").is_err());
        std::fs::write(path.join(CONFIG_FILE), "{not json")?;
        assert!(
            format!("{:#}", Bundle::load(&path, &Device::Cpu).err().unwrap())
                .contains("config.json")
        );
        Ok(())
    }

    #[test]
    fn clean_latent_predictions_become_velocities_that_land_on_their_estimate() -> Result<()> {
        let dev = Device::Cpu;
        let x_t = Tensor::new(&[0.5f32, -1.0, 2.0, 0.25], &dev)?.reshape((1, 2, 1, 1, 2))?;
        let out = Tensor::new(&[0.1f32, 0.3, -0.2, 0.0], &dev)?.reshape((1, 2, 1, 1, 2))?;
        let den = Prediction::Denoiser {
            data_std: vec![1.0, 0.5],
        };
        for p in [Prediction::Sample, den.clone()] {
            for sigma in [1.0, 0.6, 0.05] {
                // x0 = x_t − σ·v must give back the clean estimate, whatever σ.
                let v = p.velocity(&out, &x_t, sigma)?;
                let back = (&x_t - (v * sigma)?)?;
                let s = Tensor::new(&[sigma as f32], &dev)?;
                let est = p.clean_estimate(&out, &x_t, &s)?;
                assert!(crate::ops::max_abs_diff(&back, &est)? < 1e-5);
            }
        }
        // By hand: sample at σ 0.5: (0.5 − 0.1) / 0.5 = 0.8.
        let v = Prediction::Sample.velocity(&out, &x_t, 0.5)?;
        assert!((v.flatten_all()?.to_vec1::<f32>()?[0] - 0.8).abs() < 1e-6);
        // Denoiser, channel 1 (s = 0.5) at σ = 0.5: a = 0.25·0.25 + 0.25 = 0.3125,
        // c_skip = 0.5·0.25 / a = 0.4, c_out = 0.5·0.5 / √a = 0.4472; x_t 2.0, out −0.2.
        let s = Tensor::new(&[0.5f32], &dev)?;
        let est = den
            .clean_estimate(&out, &x_t, &s)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        assert!(
            (est[2] - (0.4 * 2.0 - 0.447_213_6 * 0.2)).abs() < 1e-5,
            "{est:?}"
        );
        // At σ = 1 the denoiser is the scaled prediction; at σ = 0 it passes x_t through.
        let one = den.clean_estimate(&out, &x_t, &Tensor::new(&[1f32], &dev)?)?;
        let scaled = (out.narrow(1, 1, 1)? * 0.5)?;
        assert!(crate::ops::max_abs_diff(&one.narrow(1, 1, 1)?, &scaled)? < 1e-6);
        let zero = den.clean_estimate(&out, &x_t, &Tensor::new(&[0f32], &dev)?)?;
        assert!(crate::ops::max_abs_diff(&zero, &x_t)? < 1e-6);
        // Per-(clip, frame) noise levels broadcast over channels.
        let per = Tensor::new(&[0.5f32, 1.0], &dev)?.reshape((2, 1, 1, 1, 1))?;
        let xx = Tensor::cat(&[&x_t, &x_t], 0)?;
        let oo = Tensor::cat(&[&out, &out], 0)?;
        let both = den.clean_estimate(&oo, &xx, &per)?;
        assert!(crate::ops::max_abs_diff(&both.narrow(0, 1, 1)?, &one)? < 1e-6);
        let same = Prediction::Velocity.velocity(&out, &x_t, 0.5)?;
        assert_eq!(crate::ops::max_abs_diff(&same, &out)?, 0.0);
        Ok(())
    }

    #[test]
    fn prediction_defaults_to_velocity_round_trips_and_is_checked() -> Result<()> {
        let mut cfg = BundleConfig::preset("tiny")?;
        let text = serde_json::to_string(&cfg)?;
        // Bundles written before the field existed still load, as velocity models.
        assert!(!text.contains("prediction"));
        assert_eq!(
            serde_json::from_str::<BundleConfig>(&text)?.prediction,
            Prediction::Velocity
        );
        for p in [
            Prediction::Sample,
            Prediction::Denoiser {
                data_std: vec![0.5; cfg.vae.z_dim],
            },
        ] {
            cfg.prediction = p;
            let text = serde_json::to_string(&cfg)?;
            assert_eq!(serde_json::from_str::<BundleConfig>(&text)?, cfg);
            cfg.validate()?;
        }
        cfg.prediction = Prediction::Denoiser {
            data_std: vec![1.0; 3],
        };
        let err = format!("{:#}", cfg.validate().unwrap_err());
        assert!(err.contains("data_std has 3 values"), "{err}");
        cfg.prediction = Prediction::Denoiser {
            data_std: vec![0.0; cfg.vae.z_dim],
        };
        assert!(format!("{:#}", cfg.validate().unwrap_err()).contains("positive"));
        cfg.prediction = Prediction::Sample;
        let text = serde_json::to_string(&cfg)?;
        assert!(text.contains(r#""prediction":"sample""#), "{text}");
        let bad = text.replace(r#""prediction":"sample""#, r#""prediction":"noise""#);
        let err = serde_json::from_str::<BundleConfig>(&bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("noise"), "{err}");
        Ok(())
    }
}
