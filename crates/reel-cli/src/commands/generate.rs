//! `reel generate`: a prompt (and optional images) to a video file.

use anyhow::{bail, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use reel_render::{Engine, EngineConfig, Request, RunOptions};
use reel_safety::moderation::Policy;
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  reel generate \"a red ball bounces between the walls on a black background\" -o out.mp4
  reel generate \"a small blue square moves right on a white background\" --frames 1 -o still.png
  reel generate \"a large green triangle falls and bounces on the floor\" --seconds 4 --seed 7 -o fall.gif
  reel generate \"a red ball moves right\" --image first.png -o animated.mp4
  reel generate \"...\" --model /tmp/tiny --size 64x64 --frames 17 --fps 8 --steps 4 -o smoke.mp4")]
pub struct GenerateArgs {
    /// What the video shows.
    pub prompt: String,
    /// Output file: .mp4, .gif, .png (one frame), .y4m, or a folder ending in / for PNG frames.
    #[arg(short, long, default_value = "out.mp4")]
    pub output: PathBuf,
    /// What the video should not show.
    #[arg(long)]
    pub negative_prompt: Option<String>,
    /// Model: a Reel bundle directory, a diffusers Wan folder (model_index.json), or a folder of
    /// original-layout Wan files (default: the embedded model in models/reel-toy, or $REEL_MODEL).
    #[arg(long)]
    pub model: Option<String>,
    /// Number of frames (any count; the model works in groups of 4 plus one).
    #[arg(long, conflicts_with = "seconds")]
    pub frames: Option<usize>,
    /// Length in seconds (frames = seconds × fps).
    #[arg(long)]
    pub seconds: Option<f64>,
    /// Frame size as WxH, each a multiple of the model's granularity (16 for Reel's models).
    #[arg(long)]
    pub size: Option<String>,
    #[arg(long)]
    pub fps: Option<f64>,
    /// Denoising steps.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Classifier-free guidance scale (1 = off).
    #[arg(long)]
    pub guidance: Option<f64>,
    /// Flow-matching sigma shift.
    #[arg(long)]
    pub shift: Option<f64>,
    /// Weight of the pinned frames' own guidance term (image, keyframes, extend, stitch; 0 = off;
    /// default: the model's). Pulls the new frames towards the pinned ones; costs one more
    /// forward pass a step.
    #[arg(long)]
    pub frame_guidance: Option<f64>,
    /// Guidance scale of the low-noise stage (Wan2.2 A14B's second expert, diffusers'
    /// `guidance_scale_2`; default: --guidance).
    #[arg(long = "guidance-2")]
    pub guidance_2: Option<f64>,
    /// Apply guidance only at noise levels LO:HI (σ from 0 to 1); the other steps take one
    /// forward pass instead of two (default: the model's; 0:1 = every step).
    #[arg(long, value_parser = reel_diffusion::parse_guidance_interval)]
    pub guidance_interval: Option<[f64; 2]>,
    /// Solver: unipc or euler.
    #[arg(long)]
    pub solver: Option<String>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// First frame from an image (image-to-video).
    #[arg(long)]
    pub image: Option<String>,
    /// A still at a frame position, FRAME:PATH (repeatable): `--keyframe 0:a.png --keyframe 16:b.png`.
    #[arg(long = "keyframe")]
    pub keyframes: Vec<String>,
    /// Make a seamless loop: the last frame flows into the first.
    #[arg(long = "loop")]
    pub circular: bool,
    /// A storyboard shot "START-ENDs: prompt" (repeatable), e.g. --shot "0-2s: a red ball moves right".
    #[arg(long = "shot")]
    pub shots: Vec<String>,
    /// How images are fitted to the size: fill (crop), fit (letterbox) or pad.
    #[arg(long)]
    pub fit: Option<String>,
    #[command(flatten)]
    pub reproduce: Reproduce,
    /// Moderation policy file (JSON or TOML).
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `WxH` → (W, H).
pub fn parse_size(s: &str) -> Result<(u32, u32)> {
    let Some((w, h)) = s
        .to_ascii_lowercase()
        .split_once('x')
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
    else {
        bail!("size {s:?} is not WIDTHxHEIGHT (e.g. 64x64)");
    };
    match (w.parse::<u32>(), h.parse::<u32>()) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 => Ok((w, h)),
        _ => bail!("size {s:?} is not WIDTHxHEIGHT with positive whole numbers"),
    }
}

pub fn parse_keyframe(s: &str) -> Result<(usize, String)> {
    match s.split_once(':') {
        Some((f, p)) if !p.is_empty() => match f.trim().parse::<usize>() {
            Ok(f) => Ok((f, p.to_string())),
            Err(_) => bail!("keyframe {s:?}: {f:?} is not a frame number (use FRAME:PATH)"),
        },
        _ => bail!("keyframe {s:?} is not FRAME:PATH"),
    }
}

/// `"0-2s: a red ball"` → a shot from 0 to 2 seconds.
pub fn parse_shot(s: &str) -> Result<reel_render::Shot> {
    let Some((range, prompt)) = s.split_once(':') else {
        bail!("shot {s:?} is not \"START-ENDs: prompt\"");
    };
    let range = range.trim().trim_end_matches('s');
    let parsed = range.split_once('-').map(|(a, b)| {
        (
            a.trim().parse::<f64>(),
            b.trim().trim_end_matches('s').parse::<f64>(),
        )
    });
    match parsed {
        Some((Ok(start), Ok(end))) if start >= 0.0 && end > start && !prompt.trim().is_empty() => {
            Ok(reel_render::Shot {
                start,
                end,
                prompt: prompt.trim().to_string(),
            })
        }
        _ => bail!("shot {s:?} is not \"START-ENDs: prompt\" with START < END"),
    }
}

pub fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("{spinner} step {pos}/{len} [{bar:30}] {per_sec} ETA {eta}")
            .unwrap()
            .progress_chars("=> "),
    );
    pb
}

pub fn engine(policy: Option<&PathBuf>) -> Result<Engine> {
    let policy = match policy {
        Some(p) => Policy::from_file(p)?,
        None => Policy::default(),
    };
    Ok(Engine::new(EngineConfig {
        policy,
        ..Default::default()
    }))
}

pub fn run(args: GenerateArgs) -> Result<()> {
    let (width, height) = match &args.size {
        Some(s) => parse_size(s).map(|(w, h)| (Some(w), Some(h)))?,
        None => (None, None),
    };
    let mut keyframes: Vec<(usize, String)> = Vec::new();
    if let Some(img) = &args.image {
        keyframes.push((0, img.clone()));
    }
    for k in &args.keyframes {
        keyframes.push(parse_keyframe(k)?);
    }
    let request = Request {
        prompt: args.prompt.clone(),
        negative_prompt: args.negative_prompt.clone(),
        model: args.model.clone(),
        width,
        height,
        frames: args.frames,
        seconds: args.seconds,
        fps: args.fps,
        steps: args.steps,
        guidance: args.guidance,
        shift: args.shift,
        frame_guidance: args.frame_guidance,
        guidance_2: args.guidance_2,
        guidance_interval: args.guidance_interval,
        solver: args.solver.clone(),
        seed: Some(args.seed),
        keyframes,
        fit: args.fit.clone(),
        circular: args.circular,
        shots: args
            .shots
            .iter()
            .map(|s| parse_shot(s))
            .collect::<Result<_>>()?,
        ..Default::default()
    };
    run_request(
        &request,
        &args.output,
        args.policy.as_ref(),
        args.quiet,
        args.reproduce.clone(),
    )
}

/// Hooks for checking Reel against a reference run made elsewhere (e.g. diffusers).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Reproduce {
    /// Start from these latents (safetensors, tensor "latents") instead of seeded noise.
    #[arg(long)]
    pub init_latents: Option<PathBuf>,
    /// Use these prompt embeddings instead of the text encoder (safetensors: "prompt_embeds"
    /// [2, S, D] as --dump-latents writes it, or [1, S, D] with "negative_prompt_embeds").
    #[arg(long)]
    pub prompt_embeds: Option<PathBuf>,
    /// CLIP image tokens for Wan2.1 I2V/FLF2V models instead of their image encoder
    /// (safetensors: "image_embeds" [images, tokens, width], CLIP hidden_states[-2] of the first
    /// (and last) frame, as diffusers' `encode_image` gives them).
    #[arg(long)]
    pub image_embeds: Option<PathBuf>,
    /// Write the latents after every step, the final frames and prompt embeddings (safetensors).
    #[arg(long)]
    pub dump_latents: Option<PathBuf>,
}

/// Runs a request through the engine with a progress bar and prints the summary line; every
/// subcommand that makes a video ends here.
pub fn run_request(
    request: &Request,
    output: &std::path::Path,
    policy: Option<&PathBuf>,
    quiet: bool,
    reproduce: Reproduce,
) -> Result<()> {
    let engine = engine(policy)?;
    let pb = progress_bar(quiet);
    let mut on_step = |p: reel_diffusion::Progress| {
        pb.set_length(p.total as u64);
        pb.set_position(p.step as u64);
    };
    let started = std::time::Instant::now();
    let outcome = engine.run(
        request,
        output,
        RunOptions {
            progress: Some(&mut on_step),
            init_latents: reproduce.init_latents,
            prompt_embeds: reproduce.prompt_embeds,
            image_embeds: reproduce.image_embeds,
            dump_latents: reproduce.dump_latents,
            ..Default::default()
        },
    )?;
    pb.finish_and_clear();
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "wrote {} ({}x{}, {} frame(s) at {} fps, {:.2} s of video) in {:.1} s, seed {}",
        outcome.path.display(),
        outcome.width,
        outcome.height,
        outcome.frames,
        outcome.fps,
        outcome.frames as f64 / outcome.fps,
        started.elapsed().as_secs_f64(),
        outcome.resolved.seed
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_keyframes_parse() {
        assert_eq!(parse_size("64x48").unwrap(), (64, 48));
        assert_eq!(parse_size("1280X720").unwrap(), (1280, 720));
        assert!(
            parse_size("64").is_err() && parse_size("0x64").is_err() && parse_size("ax4").is_err()
        );
        assert_eq!(
            parse_keyframe("16:b.png").unwrap(),
            (16, "b.png".to_string())
        );
        assert!(parse_keyframe("x:b.png").is_err() && parse_keyframe("3:").is_err());
        let shot = parse_shot("0-2s: a red ball").unwrap();
        assert_eq!(
            (shot.start, shot.end, shot.prompt.as_str()),
            (0.0, 2.0, "a red ball")
        );
        assert!(parse_shot("2-1s: x").is_err() && parse_shot("0-2s").is_err());
    }
}
