//! One case of the Wan2.1-T2V-1.3B reference benchmark (issue 3), timed in this process:
//! `dit`: one transformer forward of the published 1.3B configuration on the latent of 17 frames
//! at 256×256 (`[1, 16, 5, 32, 32]`, 512 text rows); `vae`: one Wan2.1 VAE decode of that latent.
//! Random weights (the speed does not depend on them). Prints one JSON line; driven by
//! `scripts/bench_wan_reference.py`, which runs diffusers on the same cases in the same run.

use std::time::Instant;

use anyhow::{bail, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
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

fn main() -> Result<()> {
    reel_models::runtime::tune_allocator();
    let case = std::env::args().nth(1).unwrap_or_default();
    let dev = Device::Cpu;
    let latent = Tensor::randn(0f32, 1f32, (1, 16, 5, 32, 32), &dev)?;
    let vm = VarMap::new();
    let seconds = match case.as_str() {
        "dit" => {
            let cfg = DitConfig::wan21_t2v_1_3b();
            let dit = Dit::new(&cfg, seeded_var_builder(&vm, 1, &dev))?;
            let text = (Tensor::randn(0f32, 1f32, (1, 512, cfg.text_dim), &dev)? * 0.1)?;
            let t = Tensor::new(&[500f32], &dev)?;
            let start = Instant::now();
            let out = dit.forward(&latent, &t, &text, None)?;
            out.to_dtype(DType::F32)?.sum_all()?.to_scalar::<f32>()?;
            start.elapsed().as_secs_f64()
        }
        "vae" => {
            let vae = Vae::new(&VaeConfig::default(), seeded_var_builder(&vm, 2, &dev))?;
            let start = Instant::now();
            let out = vae.decode(&latent)?;
            out.sum_all()?.to_scalar::<f32>()?;
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
