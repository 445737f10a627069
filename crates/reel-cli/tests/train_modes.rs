//! `reel train --eval-model DIR --modes`: the mode-quality harness from the command line.

use std::process::{Command, Output};

fn reel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        .output()
        .expect("run reel")
}

#[test]
fn modes_table_and_json_on_a_tiny_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("tiny");
    let model = model.to_str().unwrap();
    let init = reel(&["init-model", "--preset", "tiny", "--out", model]);
    assert!(init.status.success(), "{:?}", init);
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

    // --modes means nothing without a model to measure.
    let bad = reel(&["train", "--modes"]);
    assert!(!bad.status.success());
    assert!(!String::from_utf8_lossy(&bad.stderr).contains("panicked"));
}
