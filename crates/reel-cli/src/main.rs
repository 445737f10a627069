//! `reel`: text to video, on the command line.

mod commands;

use clap::{Parser, Subcommand};
use commands::*;

#[derive(Parser)]
#[command(
    name = "reel",
    version,
    about = "Reel: text-to-video with a diffusion transformer, on your own machine",
    after_help = "Examples:
  reel generate \"a red ball bounces between the walls on a black background\" -o out.mp4
  reel generate \"a small blue square moves right on a white background\" --frames 1 -o still.png
  reel init-model --preset tiny --out /tmp/tiny
  reel verify out.mp4
  reel detect out.mp4"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Each subcommand lives in its own file under `commands/`; add a variant and a match arm here.
#[derive(Subcommand)]
enum Command {
    /// Generate a video (or one image) from a prompt.
    Generate(generate::GenerateArgs),
    /// Continue a clip forward (or backward) in time; the clip's frames are kept.
    Extend(modes::ExtendArgs),
    /// Join two clips with a generated transition.
    Stitch(modes::StitchArgs),
    /// Change a video to match a new prompt, keeping its layout (video-to-video).
    Edit(modes::EditArgs),
    /// Re-run a Reel output's recorded request with changes (same seed unless told).
    Remix(modes::RemixArgs),
    /// The toy world: sample captioned clips, or the evaluation prompt set.
    World(world::WorldArgs),
    /// Score videos against their prompts with the toy-world evaluator.
    Eval(eval::EvalArgs),
    /// Serve the OpenAI videos API (and a web page) on local models.
    Serve(serve::ServeArgs),
    /// Train Reel's own model (VAE, text encoder, DiT) from a config file.
    Train(train::TrainArgs),
    /// Write a random-initialised model bundle.
    InitModel(init_model::InitModelArgs),
    /// Check a prompt against the moderation rules.
    Moderate(moderate::ModerateArgs),
    /// Validate a file's C2PA provenance.
    Verify(verify::VerifyArgs),
    /// Look for Reel's invisible watermark.
    Detect(detect::DetectArgs),
}

fn main() {
    reel_models::runtime::tune_allocator();
    let cli = Cli::parse();
    let result: anyhow::Result<()> = match cli.command {
        Command::Generate(a) => generate::run(a),
        Command::InitModel(a) => init_model::run(a),
        Command::Extend(a) => modes::extend(a),
        Command::Stitch(a) => modes::stitch(a),
        Command::Edit(a) => modes::edit(a),
        Command::Remix(a) => modes::remix(a),
        Command::World(a) => world::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Train(a) => train::run(a),
        Command::Moderate(a) => moderate::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Detect(a) => detect::run(a),
    };
    if let Err(err) = result {
        eprintln!("error: {}", commands::describe(&err));
        std::process::exit(commands::exit_code(&err));
    }
}
