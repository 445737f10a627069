//! One case of the Wan2.1-T2V-1.3B reference benchmark (issue 3), timed in this process:
//! `dit`: one transformer forward of the published 1.3B configuration on the latent of 17 frames
//! at 256×256 (`[1, 16, 5, 32, 32]`, 512 text rows); `vae`: one Wan2.1 VAE decode of that
//! latent, streamed as the pipeline decodes. Random weights (the speed does not depend on them). Prints one JSON line; driven by
//! `scripts/bench_wan_reference.py`, which runs diffusers on the same cases in the same run.

use std::time::Instant;

use anyhow::{bail, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use reel_models::dit::{Dit, DitConfig};
use reel_models::init::seeded_var_builder;
use reel_models::vae::{Vae, VaeConfig};

fn peak_rss_mb() -> f64 {
    // VmHWM: the resident high-water mark of this process.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Random weights as plain tensors, as loaded from safetensors: weights held as trainable `Var`s
/// would make candle keep every activation of the forward for a backward pass.
fn random_weights(
    seed: u64,
    build: impl Fn(VarBuilder) -> Result<()>,
) -> Result<VarBuilder<'static>> {
    let vm = VarMap::new();
    build(seeded_var_builder(&vm, seed, &Device::Cpu))?;
    let tensors = vm
        .data()
        .lock()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_tensor().detach()))
        .collect();
    Ok(VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu))
}

fn main() -> Result<()> {
    reel_models::runtime::tune_allocator();
    let case = std::env::args().nth(1).unwrap_or_default();
    let dev = Device::Cpu;
    let latent = Tensor::randn(0f32, 1f32, (1, 16, 5, 32, 32), &dev)?;
    let seconds = match case.as_str() {
        "dit" => {
            let cfg = DitConfig::wan21_t2v_1_3b();
            let vb = random_weights(1, |vb| Ok(Dit::new(&cfg, vb).map(|_| ())?))?;
            let dit = Dit::new(&cfg, vb)?;
            let text = (Tensor::randn(0f32, 1f32, (1, 512, cfg.text_dim), &dev)? * 0.1)?;
            let t = Tensor::new(&[500f32], &dev)?;
            let start = Instant::now();
            let out = dit.forward(&latent, &t, &text, None)?;
            out.to_dtype(DType::F32)?.sum_all()?.to_scalar::<f32>()?;
            start.elapsed().as_secs_f64()
        }
        "vae" => {
            let cfg = VaeConfig::default();
            let vb = random_weights(2, |vb| Vae::new(&cfg, vb).map(|_| ()))?;
            let vae = Vae::new(&cfg, vb)?;
            // As Reel's pipeline decodes: two latent frames at a time through the causal cache.
            let start = Instant::now();
            let mut frames = 0;
            vae.decode_stream(&latent, 2, |chunk| {
                frames += chunk.dim(2)?;
                chunk.sum_all()?.to_scalar::<f32>()?;
                Ok(())
            })?;
            anyhow::ensure!(frames == 17, "decoded {frames} frames, expected 17");
            start.elapsed().as_secs_f64()
        }
        other => bail!("unknown case {other:?}: expected dit or vae"),
    };
    println!(
        "{{\"impl\": \"reel\", \"case\": \"{case}\", \"dtype\": \"f32\", \"seconds\": {seconds:.3}, \"peak_rss_mb\": {:.0}}}",
        peak_rss_mb()
    );
    Ok(())
}
