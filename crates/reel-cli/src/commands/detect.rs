//! `reel detect FILE`: look for Reel's invisible watermark and print the verdict and payload.

use std::path::PathBuf;

use anyhow::Result;
use reel_safety::watermark::{detect_file, Payload};

#[derive(clap::Args, Debug)]
pub struct DetectArgs {
    /// Video or image to check (MP4, GIF, PNG, Y4M, ...).
    pub file: PathBuf,
    /// Also test whether the mark carries this output id (e.g. `video_…`, from the output's
    /// sidecar JSON). Works on far more clips than reading the payload blind.
    #[arg(long)]
    pub output_id: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DetectArgs) -> Result<()> {
    let candidates: Vec<Payload> = args
        .output_id
        .iter()
        .map(|id| Payload::from_output_id(id))
        .collect();
    let (d, found) = detect_file(&args.file, &candidates)?;
    if args.json {
        let payload = d.payload.map(|p| {
            serde_json::json!({
                "reel_id": format!("{:04x}", p.reel_id),
                "output_id": format!("{:012x}", p.output_id),
            })
        });
        let output_id = args.output_id.as_ref().map(|id| {
            serde_json::json!({
                "id": id,
                "carried": found.is_some(),
                "score": found.as_ref().map(|m| m.score),
            })
        });
        let v = serde_json::json!({
            "detected": d.detected,
            "confidence": d.confidence,
            "score": d.score,
            "scale": d.scale,
            "payload": payload,
            "output_id": output_id,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    if !d.detected {
        println!("watermark: not detected (score {:.2})", d.score);
        return Ok(());
    }
    let payload = match &d.payload {
        Some(p) => format!("payload {p}"),
        None => "payload not readable blind (pass --output-id to test a known id)".to_string(),
    };
    println!(
        "watermark: detected (confidence {:.6}, score {:.2}, scale {}), {payload}",
        d.confidence, d.score, d.scale
    );
    if let Some(id) = &args.output_id {
        match &found {
            Some(m) => println!("output id {id}: carried (score {:.2})", m.score),
            None => println!("output id {id}: not shown by the mark"),
        }
    }
    Ok(())
}
