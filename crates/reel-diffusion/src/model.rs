//! `VideoModel`: what the sampling loop needs from a model, so one loop serves Reel's own
//! bundles and published Wan weights alike.

use anyhow::{bail, Result};
use candle_core::Tensor;
use reel_models::bundle::{Bundle, Conditioning, SamplingDefaults};
use reel_models::dit::Dit;
use reel_models::vae::Vae;
use reel_models::wan::WanModel;

/// How classifier-free guidance runs the transformer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuidanceBatching {
    /// Conditional and unconditional as one batch of two (faster on a CPU).
    Joint,
    /// Two batch-1 forwards, exactly as diffusers does, for bit-level parity with it.
    Separate,
}

pub trait VideoModel: Send + Sync {
    fn name(&self) -> String;
    fn version(&self) -> String;
    fn vae(&self) -> &Vae;
    /// Prompt embeddings `[N, S, D]` for `N` prompts.
    fn encode_prompts(&self, prompts: &[&str]) -> Result<Tensor>;
    /// How known frames enter the sampling loop.
    fn conditioning(&self) -> Conditioning;
    /// The transformer that denoises at timestep `t` (0–1000); Wan2.2 A14B switches from its
    /// high-noise to its low-noise expert at the boundary.
    fn transformer_at(&self, t: f64) -> &Dit;
    fn guidance_batching(&self) -> GuidanceBatching;
    fn defaults(&self) -> SamplingDefaults;
    /// Refuses models whose inputs the loop cannot provide (explains what is missing).
    fn check_samplable(&self) -> Result<()> {
        Ok(())
    }

    fn patch_size(&self) -> [usize; 3] {
        self.transformer_at(1000.0).config().patch_size
    }
    /// Pixel sizes must be multiples of this (VAE compression × patch).
    fn size_multiple(&self) -> u32 {
        let [_, ph, pw] = self.patch_size();
        (self.vae().config().spatial_compression() * ph.max(pw)) as u32
    }
}

impl VideoModel for Bundle {
    fn name(&self) -> String {
        self.config.name.clone()
    }
    fn version(&self) -> String {
        self.config.version.clone()
    }
    fn vae(&self) -> &Vae {
        &self.vae
    }
    fn encode_prompts(&self, prompts: &[&str]) -> Result<Tensor> {
        Ok(self.text.encode(prompts)?)
    }
    fn conditioning(&self) -> Conditioning {
        self.config.conditioning
    }
    fn transformer_at(&self, _t: f64) -> &Dit {
        &self.dit
    }
    fn guidance_batching(&self) -> GuidanceBatching {
        GuidanceBatching::Joint
    }
    fn defaults(&self) -> SamplingDefaults {
        self.config.defaults.clone()
    }
}

impl VideoModel for WanModel {
    fn name(&self) -> String {
        match &self.config.source {
            reel_models::wan::WanSource::Diffusers { dir } => dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "wan".into()),
            reel_models::wan::WanSource::Original(f) => f
                .transformer
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "wan".into()),
        }
    }
    fn version(&self) -> String {
        self.config.pipeline_class.clone()
    }
    fn vae(&self) -> &Vae {
        &self.vae
    }
    fn encode_prompts(&self, prompts: &[&str]) -> Result<Tensor> {
        Ok(self.text.encode(prompts)?)
    }
    fn conditioning(&self) -> Conditioning {
        // TI2V-5B was trained with per-token timesteps (clean first frame at t = 0); the other
        // text-to-video weights only know whole-clip noise levels, so known frames are re-noised.
        if self.config.expand_timesteps {
            Conditioning::TimestepZero
        } else {
            Conditioning::Renoise
        }
    }
    fn transformer_at(&self, t: f64) -> &Dit {
        match (&self.dit_2, self.config.boundary_ratio) {
            (Some(low_noise), Some(r)) if t < r * self.scheduler.num_train_timesteps as f64 => {
                low_noise
            }
            _ => &self.dit,
        }
    }
    fn guidance_batching(&self) -> GuidanceBatching {
        GuidanceBatching::Separate
    }
    fn defaults(&self) -> SamplingDefaults {
        // WanPipeline's defaults (WAN.md §1): 480×832, 81 frames, 50 steps, guidance 5, 16 fps.
        let solver = if self.scheduler.class_name.contains("Euler") {
            "euler"
        } else {
            "unipc"
        };
        SamplingDefaults {
            width: 832,
            height: 480,
            frames: 81,
            fps: 16.0,
            steps: 50,
            guidance: 5.0,
            shift: self.scheduler.flow_shift,
            solver: solver.into(),
            negative_prompt: String::new(),
        }
    }
    fn check_samplable(&self) -> Result<()> {
        let dit = self.dit.config();
        if dit.in_channels != self.vae.config().z_dim {
            bail!(
                "this is an image-to-video Wan model ({} input channels: latents + mask + image \
                 condition); Reel samples Wan text-to-video weights (T2V 1.3B/14B, Wan2.2 \
                 T2V-A14B) but not yet the image-conditioning channels of I2V/FLF2V",
                dit.in_channels
            );
        }
        if dit.image_dim.is_some() {
            bail!("this Wan model expects CLIP image embeddings, which Reel does not compute yet");
        }
        Ok(())
    }
}
