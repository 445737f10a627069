//! `cargo run --release -p reel-train --example train -- CONFIG OUT [--resume] [--stop-after N]`
//! — the training run without the CLI (the CLI's `reel train` calls the same function).

use anyhow::{bail, Result};
use std::path::PathBuf;

fn main() -> Result<()> {
    reel_models::runtime::tune_allocator();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        bail!("usage: train CONFIG OUT [--resume] [--stop-after N]");
    }
    let cfg = reel_train::TrainConfig::load(&PathBuf::from(&args[0]))?;
    let resume = args.iter().any(|a| a == "--resume");
    let stop_after = args
        .iter()
        .position(|a| a == "--stop-after")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse())
        .transpose()?;
    let opts = reel_train::RunOptions {
        progress: false,
        quiet: false,
        stop_after,
    };
    reel_train::train(&cfg, &PathBuf::from(&args[1]), resume, &opts)?;
    Ok(())
}
