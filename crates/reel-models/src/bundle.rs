//! Model bundles: a directory with `config.json`, memory-mapped safetensors per component, and the
//! tokenizer. Reel's own models (the embedded default and `init-model` presets) use this format.

use crate::dit::{Dit, DitConfig};
use crate::init::seeded_var_builder;
use crate::text::{TextEncoder, TinyTextConfig, TinyTextEncoder, WordTokenizer};
use crate::vae::{Vae, VaeConfig};
use anyhow::{bail, Context, Result};
use candle_core::{DType, Device};
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
    pub defaults: SamplingDefaults,
    /// Free-form notes on how the weights were made (training config, steps, seed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<serde_json::Value>,
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
}
