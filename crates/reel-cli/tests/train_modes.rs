//! `reel train --eval-model DIR --modes`: the mode-quality harness from the command line.

use std::process::{Command, Output};

fn reel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        .output()
        .expect("run reel")
}

/// A random tiny bundle in `dir`; returns its path.
fn tiny_bundle(dir: &std::path::Path) -> String {
    let model = dir.join("tiny").to_str().unwrap().to_string();
    let init = reel(&["init-model", "--preset", "tiny", "--out", &model]);
    assert!(init.status.success(), "{:?}", init);
    model
}

#[test]
fn modes_table_and_json_on_a_tiny_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_bundle(dir.path());
    let model = model.as_str();
    let json = dir.path().join("modes.json");
    let out = reel(&[
        "train",
        "--eval-model",
        model,
        "--modes",
        "--prompts",
        "1",
        "--steps",
        "1",
        "--edit-strength",
        "0.5",
        "--guidance-interval",
        "0.2:0.9",
        "--no-progress",
        "--json",
        json.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("extend_fwd     originals_identical"),
        "{table}"
    );
    assert!(table.contains("over 1 prompts"), "{table}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let metrics = doc["metrics"].as_array().unwrap();
    let row = metrics
        .iter()
        .find(|m| m["mode"] == "stitch" && m["name"] == "clips_identical")
        .unwrap();
    assert_eq!(row["value"], 1.0);
    assert_eq!(doc["cases"].as_array().unwrap().len(), 1);
    // The overrides are recorded with the results.
    assert_eq!(doc["options"]["edit_strength"], 0.5);
    assert_eq!(doc["options"]["steps"], 1);
    assert_eq!(
        doc["options"]["guidance_interval"],
        serde_json::json!([0.2, 0.9])
    );

    // --modes means nothing without a model to measure.
    let bad = reel(&["train", "--modes"]);
    assert!(!bad.status.success());
    assert!(!String::from_utf8_lossy(&bad.stderr).contains("panicked"));
}

#[test]
fn eval_model_scores_the_prompt_set_of_the_given_seed() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_bundle(dir.path());
    let model = model.as_str();
    let prompts_scored = |seed: Option<&str>| {
        let json = dir.path().join("eval.json");
        let mut args = vec![
            "train",
            "--eval-model",
            model,
            "--prompts",
            "3",
            "--steps",
            "1",
        ];
        args.extend(["--no-progress", "--json", json.to_str().unwrap()]);
        if let Some(s) = seed {
            args.extend(["--prompt-seed", s]);
        }
        let out = reel(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        doc["evals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["prompt"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    // Without the flag: the model card's set; with it: the set of that seed, for tuning.
    let card = reel_world::eval_prompt_set(3, reel_world::EVAL_PROMPT_SEED);
    assert_eq!(prompts_scored(None), card);
    let tuning = prompts_scored(Some("7"));
    assert_eq!(tuning, reel_world::eval_prompt_set(3, 7));
    assert_ne!(tuning, card);

    // The seed picks prompts for an evaluation; alone it is a usage error.
    let bad = reel(&["train", "--prompt-seed", "7"]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("--eval-model"), "{stderr}");
}
