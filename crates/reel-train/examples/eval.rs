//! `cargo run --release -p reel-train --example eval -- [--reconstruction] MODEL_DIR [N] [JSON] [steps] [guidance] [shift] [prompt_seed]`
//! — the model card's evaluation without the CLI (`reel train --eval-model` calls the same code).

use anyhow::{bail, Result};
use std::path::PathBuf;

fn main() -> Result<()> {
    reel_models::runtime::tune_allocator();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `--reconstruction` first: score the VAE's encode→decode of ground-truth clips instead.
    let recon = args.first().is_some_and(|a| a == "--reconstruction");
    if recon {
        args.remove(0);
    }
    if args.is_empty() {
        bail!("usage: eval MODEL_DIR [N] [JSON|-] [steps|-] [guidance|-] [shift|-] [prompt_seed]");
    }
    let bundle =
        reel_models::bundle::Bundle::load(&PathBuf::from(&args[0]), &candle_core::Device::Cpu)?;
    let arg = |i: usize| args.get(i).filter(|s| *s != "-");
    let opts = reel_train::EvalOptions {
        prompts: arg(1).map(|s| s.parse()).transpose()?.unwrap_or(200),
        sampler: reel_train::SamplerOverrides {
            steps: arg(3).map(|s| s.parse()).transpose()?,
            guidance: arg(4).map(|s| s.parse()).transpose()?,
            shift: arg(5).map(|s| s.parse()).transpose()?,
            ..Default::default()
        },
        prompt_seed: arg(6)
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(reel_world::EVAL_PROMPT_SEED),
        ..Default::default()
    };
    let t = std::time::Instant::now();
    let progress = |d: usize, n: usize| {
        if d.is_multiple_of(20) || d == n {
            eprintln!("{d}/{n} {:.0}s", t.elapsed().as_secs_f64());
        }
    };
    let report = if recon {
        reel_train::eval_reconstruction(&bundle, &opts, progress)?
    } else {
        reel_train::eval_model(&bundle, &opts, progress)?
    };
    print!("{}", report.table());
    if let Some(p) = arg(2) {
        std::fs::write(p, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}
