//! `reel extend`, `reel stitch`, `reel edit`, `reel remix`: Sora's modes as timelines over
//! existing clips. Each builds a `Request` and goes through the same `Engine::run` as `generate`.

use super::generate::run_request;
use anyhow::{bail, Result};
use clap::Args;
use reel_render::{ClipAt, ClipInput, Request};
use std::path::PathBuf;

/// Settings every mode shares.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Output file (.mp4, .gif, .png, .y4m, or a folder ending in / for PNG frames).
    #[arg(short, long, default_value = "out.mp4")]
    pub output: PathBuf,
    /// Model bundle directory (default: the embedded model).
    #[arg(long)]
    pub model: Option<String>,
    #[arg(long)]
    pub steps: Option<usize>,
    #[arg(long)]
    pub guidance: Option<f64>,
    /// Weight of the pinned frames' own guidance term (image, keyframes, extend, stitch; 0 = off;
    /// default: the model's). Pulls the new frames towards the pinned ones; costs one more
    /// forward pass a step.
    #[arg(long)]
    pub frame_guidance: Option<f64>,
    /// Guidance of the low-noise stage (Wan2.2 A14B; default: --guidance).
    #[arg(long = "guidance-2")]
    pub guidance_2: Option<f64>,
    /// Apply guidance only at noise levels LO:HI (default: the model's; 0:1 = every step).
    #[arg(long, value_parser = reel_diffusion::parse_guidance_interval)]
    pub guidance_interval: Option<[f64; 2]>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Frame size WxH (default: the input's size when the model can make it, else the model's).
    #[arg(long)]
    pub size: Option<String>,
    #[arg(long)]
    pub fps: Option<f64>,
    /// How inputs are fitted to the size: fill, fit or pad.
    #[arg(long)]
    pub fit: Option<String>,
    #[arg(long)]
    pub policy: Option<PathBuf>,
    #[arg(long, short)]
    pub quiet: bool,
}

fn base(prompt: &str, c: &Common) -> Result<Request> {
    let (width, height) = match &c.size {
        Some(s) => super::generate::parse_size(s).map(|(w, h)| (Some(w), Some(h)))?,
        None => (None, None),
    };
    Ok(Request {
        prompt: prompt.to_string(),
        model: c.model.clone(),
        width,
        height,
        fps: c.fps,
        steps: c.steps,
        guidance: c.guidance,
        frame_guidance: c.frame_guidance,
        guidance_2: c.guidance_2,
        guidance_interval: c.guidance_interval,
        seed: Some(c.seed),
        fit: c.fit.clone(),
        ..Default::default()
    })
}

/// Runs a mode's request (see `generate::run_request`).
pub fn execute(request: &Request, c: &Common) -> Result<()> {
    run_request(
        request,
        &c.output,
        c.policy.as_ref(),
        c.quiet,
        Default::default(),
    )
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  reel extend in.mp4 --seconds 2 -o longer.mp4\n  reel extend in.mp4 --seconds 1 --backward --prompt \"a red ball moves right\" -o earlier.mp4"
)]
pub struct ExtendArgs {
    /// The clip to extend; its frames are kept as they are.
    pub input: String,
    /// Seconds of new video.
    #[arg(long)]
    pub seconds: f64,
    /// Add the new part before the clip instead of after it.
    #[arg(long)]
    pub backward: bool,
    /// What the new part shows (default: the input's recorded prompt, if any).
    #[arg(long)]
    pub prompt: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

/// The prompt recorded in a Reel output, when the user gave none.
fn prompt_or_recorded(prompt: &Option<String>, input: &str) -> Result<String> {
    if let Some(p) = prompt {
        return Ok(p.clone());
    }
    match reel_render::read_request(std::path::Path::new(input)) {
        Ok(r) => Ok(r.prompt),
        Err(_) => bail!("{input} records no prompt: pass --prompt"),
    }
}

pub fn extend(args: ExtendArgs) -> Result<()> {
    let prompt = prompt_or_recorded(&args.prompt, &args.input)?;
    let mut req = base(&prompt, &args.common)?;
    req.clips = vec![ClipInput {
        path: args.input.clone(),
        at: if args.backward {
            ClipAt::End
        } else {
            ClipAt::Start
        },
        strength: 1.0,
        mask: None,
    }];
    req.new_seconds = Some(args.seconds);
    execute(&req, &args.common)
}

#[derive(Args, Debug)]
#[command(
    after_help = "Example:\n  reel stitch a.mp4 b.mp4 --seconds 1 --prompt \"a red ball moves right\" -o joined.mp4"
)]
pub struct StitchArgs {
    pub first: String,
    pub second: String,
    /// Seconds of generated transition between the two clips.
    #[arg(long, default_value_t = 1.0)]
    pub seconds: f64,
    #[arg(long)]
    pub prompt: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

pub fn stitch(args: StitchArgs) -> Result<()> {
    let prompt = prompt_or_recorded(&args.prompt, &args.first)?;
    let mut req = base(&prompt, &args.common)?;
    req.clips = vec![
        ClipInput {
            path: args.first.clone(),
            at: ClipAt::Start,
            strength: 1.0,
            mask: None,
        },
        ClipInput {
            path: args.second.clone(),
            at: ClipAt::End,
            strength: 1.0,
            mask: None,
        },
    ];
    req.new_seconds = Some(args.seconds);
    execute(&req, &args.common)
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  reel edit in.mp4 \"a blue ball bounces between the walls on a black background\" --strength 0.3 -o blue.mp4
  reel edit in.mp4 \"a green square\" --mask left.png --strength 1 -o inpainted.mp4
  reel edit in.mp4 --prompt \"a red ball\" --mask masks.mp4 --strength 0.6 -o restyled.mp4

A mask is an image (one for all frames) or a video (one mask frame per input frame), fitted like
the input: white may change, black stays exactly the input, grey blends the two (a soft edge).
With a mask, --strength applies inside it only (1 = generate the masked region from scratch).")]
pub struct EditArgs {
    pub input: String,
    /// What the edited video shows (or give it with --prompt).
    #[arg(value_name = "PROMPT")]
    pub prompt_arg: Option<String>,
    /// What the edited video shows.
    #[arg(long, conflicts_with = "prompt_arg")]
    pub prompt: Option<String>,
    /// How much may change: 0 keeps the input, 1 ignores it.
    #[arg(long, default_value_t = 0.5)]
    pub strength: f32,
    /// Where the video may change: an image or a video, white = change, black = keep.
    #[arg(long)]
    pub mask: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

pub fn edit(args: EditArgs) -> Result<()> {
    if !(0.0..=1.0).contains(&args.strength) {
        bail!("strength must be within [0, 1], got {}", args.strength);
    }
    if args.mask.is_some() && args.strength <= 0.0 {
        bail!("with --mask, --strength must be above 0 (it is how much the masked region changes)");
    }
    let Some(prompt) = args.prompt_arg.as_ref().or(args.prompt.as_ref()) else {
        bail!("give the edit's prompt: reel edit IN \"PROMPT\" (or --prompt)");
    };
    let mut req = base(prompt, &args.common)?;
    req.clips = vec![ClipInput {
        path: args.input.clone(),
        at: ClipAt::Start,
        strength: 1.0 - args.strength,
        mask: args.mask.clone(),
    }];
    execute(&req, &args.common)
}

#[derive(Args, Debug)]
#[command(
    after_help = "Example:\n  reel remix out.mp4 --prompt \"a green ball bounces between the walls on a black background\" -o green.mp4"
)]
pub struct RemixArgs {
    /// A Reel output (its request is read from its metadata or sidecar JSON).
    pub input: String,
    /// A new prompt (default: the same).
    #[arg(long)]
    pub prompt: Option<String>,
    /// A new seed (default: the same).
    #[arg(long)]
    pub new_seed: Option<u64>,
    #[arg(long)]
    pub steps: Option<usize>,
    #[arg(short, long, default_value = "remix.mp4")]
    pub output: PathBuf,
    #[arg(long)]
    pub policy: Option<PathBuf>,
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn remix(args: RemixArgs) -> Result<()> {
    let recorded = reel_render::read_request(std::path::Path::new(&args.input))?;
    let mut req = recorded.to_request()?;
    if let Some(p) = &args.prompt {
        req.prompt = p.clone();
    }
    if let Some(s) = args.new_seed {
        req.seed = Some(s);
    }
    if let Some(s) = args.steps {
        req.steps = Some(s);
    }
    let common = Common {
        output: args.output.clone(),
        model: req.model.clone(),
        steps: None,
        guidance: None,
        frame_guidance: None,
        guidance_2: None,
        guidance_interval: None,
        seed: req.seed.unwrap_or(0),
        size: None,
        fps: None,
        fit: None,
        policy: args.policy.clone(),
        quiet: args.quiet,
    };
    execute(&req, &common)
}
