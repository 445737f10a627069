//! Shared by the probe examples (`dit_probe`, `vae_gain`): their `CONFIG MODEL_DIR [clips]`
//! arguments and fresh toy-world clips at the bundle's default size.

use anyhow::{bail, Context, Result};
use candle_core::Device;
use rand_chacha::ChaCha8Rng;
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
        reel_models::runtime::tune_allocator();
        let args: Vec<String> = std::env::args().skip(1).collect();
        if args.len() < 2 || args.len() > 3 {
            bail!("usage: cargo run --release -p reel-train --example {name} -- CONFIG MODEL_DIR [clips]");
        }
        let cfg = TrainConfig::load(&PathBuf::from(&args[0]))?;
        let bundle = Bundle::load(&PathBuf::from(&args[1]), &Device::Cpu)?;
        let clips = match args.get(2) {
            Some(s) => s
                .parse()
                .with_context(|| format!("clips must be a whole number, got {s:?}"))?,
            None => 8,
        };
        Ok(Self { cfg, bundle, clips })
    }

    /// The rng of a probe's own stream (so probes do not draw the training clips) and a batch
    /// of fresh clips from it at the bundle's default size.
    pub fn fresh_clips(&self, stream: u64) -> Result<(ChaCha8Rng, Batch)> {
        let d = self.bundle.config.defaults.clone();
        let size = ClipSize {
            width: d.width,
            height: d.height,
            frames: d.frames,
            weight: 1.0,
        };
        let mut rng = step_rng(self.cfg.seed, stream, 0);
        let batch = clip_batch(&self.cfg, &mut rng, self.clips, size, &Device::Cpu)?;
        Ok((rng, batch))
    }
}
