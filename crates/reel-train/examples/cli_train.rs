//! Compiles the CLI's `reel train` subcommand inside this crate, so it can be run before the CLI
//! wires it: `cargo run --release -p reel-train --example cli_train -- --eval-model models/reel-toy`.

#[path = "../../reel-cli/src/commands/train.rs"]
mod train;

use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: train::TrainArgs,
}

fn main() -> anyhow::Result<()> {
    train::run(Cli::parse().args)
}
