//! `reel eval`: score videos against their toy-world prompts, from the pixels alone.
//!
//! Inputs, pick one:
//! - `--video X --prompt "..."`: one clip;
//! - `--prompts FILE`: one pair per line, `VIDEO<TAB>PROMPT` (paths relative to the file's
//!   folder; blank lines and lines starting with `#` are skipped);
//! - `--prompts DIR`: every .mp4/.m4v/.gif/.y4m in DIR with a sidecar of the same stem:
//!   `.txt` (the prompt) or `.json` (its `"prompt"` or `"caption"` field), as `reel world
//!   sample` writes.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use reel_media::Video;

#[derive(clap::Args, Debug)]
#[command(
    about = "Score videos against toy-world prompts (per-attribute accuracy)",
    after_help = "Examples:\n  reel eval --video out.mp4 --prompt \"a red ball bounces between the walls on a black background\"\n  \
        reel eval --prompts clips/ --json report.json\n  reel eval --prompts pairs.tsv"
)]
pub struct EvalArgs {
    /// A `VIDEO<TAB>PROMPT` list file, or a folder of videos with .txt/.json prompt sidecars.
    #[arg(long, conflicts_with_all = ["video", "prompt"])]
    pub prompts: Option<PathBuf>,
    /// One video (with --prompt).
    #[arg(long, requires = "prompt")]
    pub video: Option<PathBuf>,
    #[arg(long, requires = "video")]
    pub prompt: Option<String>,
    /// Write the full report (per-clip results included) as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

fn is_video(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("mp4" | "m4v" | "gif" | "y4m")
    )
}

fn sidecar_prompt(video: &Path) -> Result<Option<String>> {
    let txt = video.with_extension("txt");
    if txt.is_file() {
        let s = std::fs::read_to_string(&txt)
            .with_context(|| format!("cannot read {}", txt.display()))?;
        return Ok(Some(s.trim().to_string()));
    }
    let json = video.with_extension("json");
    if json.is_file() {
        let s = std::fs::read_to_string(&json)
            .with_context(|| format!("cannot read {}", json.display()))?;
        let v: serde_json::Value = serde_json::from_str(&s)
            .with_context(|| format!("{} is not valid JSON", json.display()))?;
        for key in ["prompt", "caption"] {
            if let Some(p) = v.get(key).and_then(|p| p.as_str()) {
                return Ok(Some(p.to_string()));
            }
        }
        bail!("{} has no \"prompt\" or \"caption\" field", json.display());
    }
    Ok(None)
}

/// (video path, prompt) pairs named by the arguments.
fn pairs(args: &EvalArgs) -> Result<Vec<(PathBuf, String)>> {
    if let (Some(v), Some(p)) = (&args.video, &args.prompt) {
        return Ok(vec![(v.clone(), p.clone())]);
    }
    let Some(src) = &args.prompts else {
        bail!("give --video and --prompt, or --prompts FILE|DIR");
    };
    let mut out = Vec::new();
    if src.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(src)
            .with_context(|| format!("cannot list {}", src.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_video(p))
            .collect();
        files.sort();
        for f in files {
            match sidecar_prompt(&f)? {
                Some(p) => out.push((f, p)),
                None => eprintln!(
                    "warning: {} has no .txt or .json prompt; skipped",
                    f.display()
                ),
            }
        }
        if out.is_empty() {
            bail!("{} holds no videos with prompt sidecars", src.display());
        }
    } else {
        let text = std::fs::read_to_string(src)
            .with_context(|| format!("cannot read {}", src.display()))?;
        let base = src.parent().unwrap_or(Path::new("."));
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let Some((v, p)) = line.split_once('\t') else {
                bail!(
                    "{} line {}: expected VIDEO<TAB>PROMPT",
                    src.display(),
                    n + 1
                );
            };
            let v = Path::new(v.trim());
            let v = if v.is_absolute() {
                v.to_path_buf()
            } else {
                base.join(v)
            };
            out.push((v, p.trim().to_string()));
        }
        if out.is_empty() {
            bail!("{} lists no VIDEO<TAB>PROMPT pairs", src.display());
        }
    }
    Ok(out)
}

pub fn run(args: EvalArgs) -> Result<()> {
    let list = pairs(&args)?;
    let mut items: Vec<(Video, String)> = Vec::with_capacity(list.len());
    for (path, prompt) in &list {
        let v = reel_media::read_video(path)
            .with_context(|| format!("cannot read video {}", path.display()))?;
        items.push((v, prompt.clone()));
    }
    let report = reel_world::evaluate_set(&items);
    if list.len() == 1 {
        if let Some(e) = report.evals.first() {
            println!("prompt: {}", e.prompt);
            if let Some(b) = &e.background {
                println!(
                    "  background: expected {}, got {} [{}]",
                    b.expected,
                    b.detected,
                    mark(b.correct)
                );
            }
            for (i, o) in e.objects.iter().enumerate() {
                for (name, a) in o.attributes() {
                    println!(
                        "  object {} {name}: expected {}, got {} [{}]",
                        i + 1,
                        a.expected,
                        a.detected,
                        mark(a.correct)
                    );
                }
            }
        }
    }
    for (p, why) in &report.skipped {
        eprintln!("skipped `{p}`: {why}");
    }
    print!("{}", report.table());
    if let Some(j) = &args.json {
        std::fs::write(j, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", j.display()))?;
    }
    if report.clips == 0 {
        bail!("no clip could be scored (every prompt is outside the toy world's grammar)");
    }
    Ok(())
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "WRONG"
    }
}
