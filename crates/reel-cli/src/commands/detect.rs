//! `reel detect FILE`: look for Reel's invisible watermark and print the verdict and payload.

use std::path::PathBuf;

use anyhow::Result;
use reel_safety::watermark::{detect_file, Payload};

#[derive(clap::Args, Debug)]
pub struct DetectArgs {
    /// Video or image to check (MP4, GIF, PNG, Y4M, ...).
    pub file: PathBuf,
    /// Also test whether the mark carries this output id (e.g. `video_…`, from the output's
    /// sidecar JSON); repeat it to ask which of several outputs the file is. Works on far more
    /// clips than reading the payload blind.
    #[arg(long = "output-id", value_name = "ID")]
    pub output_ids: Vec<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DetectArgs) -> Result<()> {
    let candidates: Vec<Payload> = args
        .output_ids
        .iter()
        .map(|id| Payload::from_output_id(id))
        .collect();
    let (d, found) = detect_file(&args.file, &candidates)?;
    let matched = found
        .as_ref()
        .map(|m| (args.output_ids[m.index].as_str(), m.score));
    if args.json {
        let payload = d.payload.map(|p| {
            serde_json::json!({
                "reel_id": format!("{:04x}", p.reel_id),
                "output_id": format!("{:012x}", p.output_id),
            })
        });
        let output_id = (!args.output_ids.is_empty()).then(|| {
            serde_json::json!({
                "tested": args.output_ids.len(),
                "carried": matched.map(|m| m.0),
                "score": matched.map(|m| m.1),
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
        None if args.output_ids.is_empty() => {
            "payload not readable blind (pass --output-id to test a known id)".to_string()
        }
        None => "payload not readable blind".to_string(),
    };
    println!(
        "watermark: detected (confidence {:.6}, score {:.2}, scale {}), {payload}",
        d.confidence, d.score, d.scale
    );
    match (matched, args.output_ids.len()) {
        (Some((id, score)), _) => println!("output id {id}: carried (score {score:.2})"),
        (None, 0) => {}
        (None, 1) => println!("output id {}: not shown by the mark", args.output_ids[0]),
        (None, n) => println!("none of the {n} output ids is shown by the mark"),
    }
    Ok(())
}
