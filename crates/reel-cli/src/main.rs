//! `reel`: text to video, on the command line.

mod commands;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "reel",
    version,
    about = "Reel: text-to-video with a diffusion transformer, on your own machine",
    after_help = "Examples:\n  reel generate \"a red ball bounces between the walls on a black background\" -o out.mp4\n  reel generate \"a small blue square moves right on a white background\" --frames 1 -o still.png\n  reel init-model --preset tiny --out /tmp/tiny"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Each subcommand lives in its own file under `commands/`; add a variant and a match arm here.
#[derive(Subcommand)]
enum Command {}

fn main() {
    let cli = Cli::parse();
    let result: anyhow::Result<()> = match cli.command {};
    if let Err(err) = result {
        eprintln!("error: {}", commands::describe(&err));
        std::process::exit(commands::exit_code(&err));
    }
}
