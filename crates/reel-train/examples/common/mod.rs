//! Shared by the probe examples (`dit_probe`, `dit_view`, `vae_gain`): their `CONFIG MODEL_DIR [clips]`
//! arguments and fresh toy-world clips at the bundle's default size.

// Each example compiles this module on its own and uses part of it.
#![allow(dead_code)]

use anyhow::{bail, Context, Result};
use candle_core::{Device, Tensor};
use rand_chacha::ChaCha8Rng;
use reel_diffusion::VideoModel;
use reel_models::bundle::Bundle;
use reel_train::config::ClipSize;
use reel_train::data::{clip_batch, step_rng, Batch};
use reel_train::TrainConfig;
use std::path::PathBuf;

pub struct Probe {
    pub cfg: TrainConfig,
    pub bundle: Bundle,
    pub clips: usize,
}

impl Probe {
    /// Reads `CONFIG MODEL_DIR [clips]` (8 clips by default); `name` is the example's, for the usage line.
    pub fn from_args(name: &str) -> Result<Self> {
        Ok(Self::from_args_and(name, &[])?.0)
    }

    /// As `from_args`, with required arguments named `extra` between MODEL_DIR and `[clips]`.
    pub fn from_args_and(name: &str, extra: &[&str]) -> Result<(Self, Vec<String>)> {
        reel_models::runtime::tune_allocator();
        let args: Vec<String> = std::env::args().skip(1).collect();
        let fixed = 2 + extra.len();
        if args.len() < fixed || args.len() > fixed + 1 {
            bail!(
                "usage: cargo run --release -p reel-train --example {name} -- CONFIG MODEL_DIR {}[clips]",
                extra.iter().map(|e| format!("{e} ")).collect::<String>()
            );
        }
        let cfg = TrainConfig::load(&PathBuf::from(&args[0]))?;
        let bundle = Bundle::load(&PathBuf::from(&args[1]), &Device::Cpu)?;
        let clips = match args.get(fixed) {
            Some(s) => s
                .parse()
                .with_context(|| format!("clips must be a whole number, got {s:?}"))?,
            None => 8,
        };
        Ok((Self { cfg, bundle, clips }, args[2..fixed].to_vec()))
    }

    /// The DiT's view of a batch: its normalised latents and tokens per latent frame.
    pub fn latents(&self, batch: &Batch) -> Result<(Tensor, usize)> {
        let vae = self.bundle.vae();
        let x0 = vae.normalize(&vae.encode(&batch.video)?)?;
        let (_, _, _, h, w) = x0.dims5()?;
        let [_, ph, pw] = self.bundle.config.dit.patch_size;
        Ok((x0, (h / ph) * (w / pw)))
    }

    /// The rng of a probe's own stream (so probes do not draw the training clips) and a batch
    /// of fresh clips from it at the bundle's default size.
    pub fn fresh_clips(&self, stream: u64) -> Result<(ChaCha8Rng, Batch)> {
        let d = self.bundle.config.defaults.clone();
        let size = ClipSize::new(d.width, d.height, d.frames);
        let mut rng = step_rng(self.cfg.seed, stream, 0);
        let batch = clip_batch(&self.cfg, &mut rng, self.clips, size, &Device::Cpu)?;
        Ok((rng, batch))
    }
}
