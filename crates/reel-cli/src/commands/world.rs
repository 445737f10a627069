//! `reel world`: draw toy-world clips (random or from a caption) and the fixed evaluation prompts.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use reel_world::{
    caption, parse_prompt, render, sample_scene, scene_from_spec, CaptionStyle, RenderSpec,
    SceneSampler,
};

#[derive(clap::Args, Debug)]
#[command(about = "The procedural toy world the embedded model is trained on")]
pub struct WorldArgs {
    #[command(subcommand)]
    pub command: WorldCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum WorldCommand {
    /// Render clips with their captions (a `.json` and a `.txt` sidecar next to each clip).
    Sample(SampleArgs),
    /// Write the fixed evaluation prompt set, one prompt per line.
    Prompts(PromptsArgs),
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  reel world sample --count 100 --seed 1 --out clips/\n  \
    reel world sample --caption \"a red ball bounces between the walls on a black background\" --out ball.mp4"
)]
pub struct SampleArgs {
    /// Draw the clips from this caption (unspecified attributes are random) instead of at random.
    #[arg(long)]
    pub caption: Option<String>,
    /// Seed; clip i uses stream i of this seed, so a set is reproducible and extendable.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, default_value_t = 1)]
    pub count: usize,
    #[arg(long, default_value_t = 64)]
    pub width: u32,
    #[arg(long, default_value_t = 64)]
    pub height: u32,
    #[arg(long, default_value_t = 17)]
    pub frames: usize,
    #[arg(long, default_value_t = 8.0)]
    pub fps: f64,
    /// A file (.mp4, .gif, .y4m) for one clip, or a directory for several.
    #[arg(long)]
    pub out: PathBuf,
    /// Container for clips written into a directory: mp4, gif or y4m (y4m is lossless).
    #[arg(long, default_value = "mp4")]
    pub format: String,
    /// Fraction of random clips whose caption is canonical (the rest use varied phrasing).
    #[arg(long, default_value_t = 1.0)]
    pub canonical: f64,
    /// Probability of two objects (random clips).
    #[arg(long)]
    pub two_objects: Option<f64>,
    /// Probability of a pillar (random clips).
    #[arg(long)]
    pub pillar: Option<f64>,
    /// Probability of a camera pan (random clips).
    #[arg(long)]
    pub pan: Option<f64>,
    /// How far start positions range: 1 anywhere, towards 0 each object at its slot.
    #[arg(long)]
    pub layout_spread: Option<f32>,
}

#[derive(clap::Args, Debug)]
pub struct PromptsArgs {
    #[arg(long, default_value_t = 240)]
    pub count: usize,
    /// Defaults to the model card's seed.
    #[arg(long, default_value_t = reel_world::EVAL_PROMPT_SEED)]
    pub seed: u64,
    /// Output file; standard output if omitted.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: WorldArgs) -> Result<()> {
    match args.command {
        WorldCommand::Sample(a) => sample(a),
        WorldCommand::Prompts(a) => prompts(a),
    }
}

fn is_video_file(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("mp4" | "m4v" | "gif" | "y4m")
    )
}

fn sample(a: SampleArgs) -> Result<()> {
    let spec = RenderSpec {
        width: a.width,
        height: a.height,
        frames: a.frames,
        fps: a.fps,
    };
    spec.validate()?;
    if a.count == 0 {
        bail!("--count must be at least 1");
    }
    if !(0.0..=1.0).contains(&a.canonical) {
        bail!("--canonical must be in [0, 1], got {}", a.canonical);
    }
    let fmt = a.format.to_ascii_lowercase();
    if !matches!(fmt.as_str(), "mp4" | "gif" | "y4m") {
        bail!("--format must be mp4, gif or y4m, got `{}`", a.format);
    }
    let mut sampler = SceneSampler {
        duration: (((a.frames.max(2) - 1) as f64) / a.fps) as f32,
        aspect: a.width as f32 / a.height as f32,
        ..SceneSampler::default()
    };
    if let Some(p) = a.two_objects {
        sampler.two_objects = p;
    }
    if let Some(p) = a.pillar {
        sampler.pillar = p;
    }
    if let Some(p) = a.pan {
        sampler.pan = p;
    }
    if let Some(s) = a.layout_spread {
        sampler.layout_spread = s;
    }
    sampler.validate()?;
    let wanted = match &a.caption {
        Some(c) => Some(parse_prompt(c).with_context(|| format!("caption `{c}`"))?),
        None => None,
    };
    let single_file = a.count == 1 && is_video_file(&a.out);
    if a.count > 1 && is_video_file(&a.out) {
        bail!(
            "--out {} is a file but --count is {}; give a directory",
            a.out.display(),
            a.count
        );
    }
    if !single_file {
        std::fs::create_dir_all(&a.out)
            .with_context(|| format!("cannot create directory {}", a.out.display()))?;
    }
    for i in 0..a.count {
        let mut rng = reel_world::world_rng(a.seed, i as u64);
        let (scene, text) = match &wanted {
            Some(w) => {
                let scene = scene_from_spec(w, &sampler, &mut rng)?;
                // Keep the user's wording: it is what the clip is meant to show.
                (scene, a.caption.clone().unwrap_or_default())
            }
            None => {
                let scene = sample_scene(&mut rng, &sampler);
                let style = CaptionStyle::choose(&mut rng, a.canonical);
                let text = caption(&scene, &style);
                (scene, text)
            }
        };
        let video = render(&scene, &spec);
        let path = if single_file {
            a.out.clone()
        } else {
            a.out.join(format!("clip_{i:05}.{fmt}"))
        };
        let record = serde_json::json!({
            "caption": text,
            "canonical_caption": caption(&scene, &CaptionStyle::canonical()),
            "seed": a.seed,
            "index": i,
            "render": spec,
            "scene": scene,
        });
        let opts = reel_media::WriteOptions::default().with_metadata(record.to_string());
        reel_media::write_video(&video, &path, &opts)
            .with_context(|| format!("cannot write {}", path.display()))?;
        std::fs::write(
            path.with_extension("json"),
            serde_json::to_string_pretty(&record)?,
        )
        .with_context(|| format!("cannot write the sidecar of {}", path.display()))?;
        std::fs::write(path.with_extension("txt"), format!("{text}\n"))
            .with_context(|| format!("cannot write the sidecar of {}", path.display()))?;
        if a.count <= 20 {
            println!("{}\t{}", path.display(), text);
        }
    }
    if a.count > 20 {
        println!("wrote {} clips to {}", a.count, a.out.display());
    }
    Ok(())
}

fn prompts(a: PromptsArgs) -> Result<()> {
    if a.count == 0 {
        bail!("--count must be at least 1");
    }
    let text = reel_world::eval_prompt_set(a.count, a.seed).join("\n") + "\n";
    match a.out {
        Some(p) => {
            std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => print!("{text}"),
    }
    Ok(())
}
