//! `reel detect FILE`: look for Reel's invisible watermark and print the verdict and payload.

use std::path::PathBuf;

use anyhow::Result;
use reel_safety::watermark::{detect_file, Payload};

#[derive(clap::Args, Debug)]
pub struct DetectArgs {
    /// Video or image to check (MP4, GIF, PNG, Y4M, ...).
    pub file: PathBuf,
    /// Also say whether the payload belongs to this output id (e.g. `video_…`).
    #[arg(long)]
    pub output_id: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DetectArgs) -> Result<()> {
    let d = detect_file(&args.file)?;
    let matches = |p: &Payload| args.output_id.as_deref().map(|id| p.matches_output_id(id));
    if args.json {
        let payload = d.payload.map(|p| {
            serde_json::json!({
                "reel_id": format!("{:04x}", p.reel_id),
                "output_id": format!("{:012x}", p.output_id),
                "matches_output_id": matches(&p),
            })
        });
        let v = serde_json::json!({
            "detected": d.detected,
            "confidence": d.confidence,
            "score": d.score,
            "scale": d.scale,
            "payload": payload,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    if !d.detected {
        println!("watermark: not detected (score {:.2})", d.score);
        return Ok(());
    }
    let payload = match &d.payload {
        Some(p) => {
            let m = match matches(p) {
                Some(true) => ", matches the given output id",
                Some(false) => ", does NOT match the given output id",
                None => "",
            };
            format!("payload {p}{m}")
        }
        None => "payload unreadable (mark present but too degraded to decode)".to_string(),
    };
    println!(
        "watermark: detected (confidence {:.6}, score {:.2}, scale {}) {payload}",
        d.confidence, d.score, d.scale
    );
    Ok(())
}
