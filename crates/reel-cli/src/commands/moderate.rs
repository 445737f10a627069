//! `reel moderate "prompt"`: run the prompt filter and print the verdict (exit code 3 if blocked).

use std::path::PathBuf;

use anyhow::Result;
use reel_safety::moderation::{check, Policy, Verdict};

#[derive(clap::Args, Debug)]
pub struct ModerateArgs {
    /// The prompt to check.
    pub prompt: String,
    /// Moderation policy file (.json or .toml); the built-in default enables every category.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Print the verdict as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ModerateArgs) -> Result<()> {
    let policy = match &args.policy {
        Some(p) => Policy::from_file(p)?,
        None => Policy::default(),
    };
    let verdict = check(&args.prompt, &policy);
    if args.json {
        let v = match &verdict {
            Verdict::Allowed => serde_json::json!({ "blocked": false }),
            Verdict::Blocked {
                category,
                matched,
                explanation,
            } => serde_json::json!({
                "blocked": true,
                "category": category.as_str(),
                "matched": matched,
                "explanation": explanation,
            }),
        };
        println!("{v}");
    } else {
        match &verdict {
            Verdict::Allowed => println!("allowed"),
            Verdict::Blocked {
                category,
                matched,
                explanation,
            } => {
                println!("blocked");
                println!("category:    {category}");
                println!("matched:     {matched}");
                println!("explanation: {explanation}");
            }
        }
    }
    // `commands::exit_code` maps a ModerationError in the chain to exit code 3.
    verdict.into_result().map_err(anyhow::Error::new)
}
