//! Retrain the moderation classifier and rewrite its committed weights:
//!
//! `cargo run -p reel-safety --release --example train_moderation`
//!
//! Trains on the development sets, held-out sets 1–5 and the templated prompts of
//! `gen_augmented.py` in `testdata/moderation/`, chooses the
//! threshold by cross-validation and prints the cross-validated numbers. Deterministic: the
//! same data and code give the same bytes (checked by the `moderation_sets` tests).
//! `--dry-run EPOCHS LR L2` prints the cross-validated numbers for other settings without
//! writing anything (for choosing them on cross-validation, never on a held-out set).

use std::path::PathBuf;

use anyhow::{Context, Result};
use reel_safety::moderation::classifier::{build_from_dir, TrainConfig};

fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut cfg = TrainConfig::default();
    let dry = args.first().map(String::as_str) == Some("--dry-run");
    if dry {
        let num = |i: usize, what: &str| -> Result<Option<f64>> {
            args.get(i)
                .map(|s| {
                    s.parse::<f64>()
                        .with_context(|| format!("{what}: {s:?} is not a number"))
                })
                .transpose()
        };
        if let Some(v) = num(1, "epochs")? {
            cfg.epochs = v as usize;
        }
        if let Some(v) = num(2, "lr")? {
            cfg.lr = v as f32;
        }
        if let Some(v) = num(3, "l2")? {
            cfg.l2 = v as f32;
        }
        println!("{cfg:?}");
    } else if !args.is_empty() {
        anyhow::bail!("usage: train_moderation [--dry-run EPOCHS LR L2]");
    }
    let (bytes, report) = build_from_dir(&root.join("testdata/moderation"), &cfg)?;
    print!("{report}");
    if !dry {
        let out = root.join("src/moderation/classifier.bin");
        std::fs::write(&out, &bytes)?;
        println!("wrote {} ({} bytes)", out.display(), bytes.len());
    }
    Ok(())
}
