//! `reel verify FILE`: read and validate the file's C2PA manifest.

use std::path::PathBuf;

use anyhow::{Context, Result};
use reel_safety::provenance::verify_file;

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// An MP4, PNG or GIF file.
    pub file: PathBuf,
    /// PEM bundle of trusted root certificates; a valid manifest chaining to one reads as trusted.
    #[arg(long, value_name = "PEM")]
    pub trust_anchors: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: VerifyArgs) -> Result<()> {
    let anchors = match &args.trust_anchors {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read trust anchors {}", p.display()))?,
        ),
        None => None,
    };
    let r = verify_file(&args.file, anchors.as_deref())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    let or_dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    println!("file:         {}", args.file.display());
    println!("validation:   {}", r.state.as_str());
    println!("issuer:       {}", or_dash(&r.issuer));
    println!(
        "actions:      {}",
        if r.actions.is_empty() {
            "-".to_string()
        } else {
            r.actions.join(", ")
        }
    );
    println!("model:        {}", or_dash(&r.model));
    println!("generated_at: {}", or_dash(&r.generated_at));
    if let Some(h) = &r.request_hash {
        println!("request_hash: {h}");
    }
    for f in &r.failures {
        println!("failure:      {f}");
    }
    Ok(())
}
