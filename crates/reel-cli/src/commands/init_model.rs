//! `reel init-model`: a random-initialised bundle, so the whole pipeline runs before training.

use anyhow::{bail, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(
    after_help = "Example:\n  reel init-model --preset tiny --out /tmp/tiny\n  reel generate \"a red ball\" --model /tmp/tiny -o smoke.mp4"
)]
pub struct InitModelArgs {
    /// Architecture: tiny (tests, smoke runs) or small (the embedded model's size).
    #[arg(long, default_value = "tiny")]
    pub preset: String,
    /// Directory to write the bundle into (must not hold a bundle already unless --force).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Replace an existing bundle in --out.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: InitModelArgs) -> Result<()> {
    if args.out.join(reel_models::bundle::CONFIG_FILE).exists() && !args.force {
        bail!(
            "{} already holds a model bundle (use --force to replace it)",
            args.out.display()
        );
    }
    let cfg = reel_models::bundle::init_random_bundle(&args.preset, args.seed, &args.out)?;
    println!(
        "wrote random {} bundle to {} (transformer {}×{} dim, {} layers; VAE z {})",
        args.preset,
        args.out.display(),
        cfg.dit.num_attention_heads,
        cfg.dit.attention_head_dim,
        cfg.dit.num_layers,
        cfg.vae.z_dim
    );
    Ok(())
}
