//! The `reel` binary end to end on a random-initialised tiny bundle.

use std::path::Path;
use std::process::{Command, Output};

fn reel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        .output()
        .expect("run reel")
}

fn ok(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "reel failed: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A failure with a one-line error and no panic.
fn fails(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "expected failure, got success: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    let err_lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(err_lines.len(), 1, "expected one error line: {stderr}");
    assert!(err_lines[0].contains(needle), "{needle:?} not in {stderr}");
}

fn tiny(dir: &Path) -> String {
    let model = dir.join("tiny");
    ok(&reel(&[
        "init-model",
        "--preset",
        "tiny",
        "--out",
        model.to_str().unwrap(),
    ]));
    model.to_str().unwrap().to_string()
}

#[test]
fn generates_mp4_with_size_frames_and_rate_and_a_png_still() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny(dir.path());
    let mp4 = dir.path().join("out.mp4");
    let summary = ok(&reel(&[
        "generate",
        "a red ball bounces between the walls on a black background",
        "--model",
        &model,
        "--frames",
        "17",
        "--size",
        "64x64",
        "--fps",
        "8",
        "--steps",
        "3",
        "-q",
        "-o",
        mp4.to_str().unwrap(),
    ]));
    assert!(summary.contains("17 frame(s) at 8 fps"), "{summary}");
    let info = reel_media::probe(&mp4).unwrap();
    assert_eq!((info.width, info.height, info.frames), (64, 64, 17));
    assert!((info.fps - 8.0).abs() < 1e-9, "fps {}", info.fps);
    assert_eq!(reel_media::read_video(&mp4).unwrap().len(), 17);
    // The request is recorded for remixing.
    let meta = reel_media::read_metadata(&mp4).unwrap().expect("metadata");
    assert!(meta.contains("bounces between the walls"));

    let png = dir.path().join("still.png");
    ok(&reel(&[
        "generate",
        "a blue square",
        "--model",
        &model,
        "--frames",
        "1",
        "--steps",
        "2",
        "--guidance-interval",
        "0.3:0.95",
        "-q",
        "-o",
        png.to_str().unwrap(),
    ]));
    let img = reel_media::read_image(&png).unwrap();
    assert_eq!(img.dimensions(), (64, 64));
    let meta = reel_media::read_metadata(&png).unwrap().expect("metadata");
    let record: serde_json::Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(
        record["guidance_interval"],
        serde_json::json!([0.3, 0.95]),
        "{meta}"
    );
}

#[test]
fn same_seed_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny(dir.path());
    let run = |seed: &str, name: &str| {
        let p = dir.path().join(name);
        ok(&reel(&[
            "generate",
            "a ball",
            "--model",
            &model,
            "--frames",
            "5",
            "--steps",
            "2",
            "--seed",
            seed,
            "-q",
            "-o",
            p.to_str().unwrap(),
        ]));
        reel_media::read_video(&p)
            .unwrap()
            .frames
            .iter()
            .flat_map(|f| f.as_raw().clone())
            .collect::<Vec<u8>>()
    };
    // PNG sequences are lossless, so the frames compare exactly.
    assert_eq!(run("4", "a/"), run("4", "b/"));
    assert_ne!(run("4", "c/"), run("5", "d/"));
}

#[test]
fn bad_input_gets_one_clear_line_and_nonzero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny(dir.path());
    let out = dir.path().join("x.mp4");
    let out = out.to_str().unwrap();
    fails(
        &reel(&["generate", "x", "--model", "/no/such/model", "-o", out]),
        "does not exist",
    );
    fails(
        &reel(&[
            "generate", "x", "--model", &model, "--size", "60x64", "-o", out,
        ]),
        "multiple of 16",
    );
    fails(
        &reel(&[
            "generate", "x", "--model", &model, "--frames", "0", "-o", out,
        ]),
        "at least 1",
    );
    fails(
        &reel(&[
            "generate", "x", "--model", &model, "--solver", "heun", "-o", out,
        ]),
        "unknown solver",
    );
    fails(
        &reel(&[
            "generate",
            "x",
            "--model",
            &model,
            "--frame-guidance=-1",
            "-o",
            out,
        ]),
        "frame guidance must be ≥ 0",
    );
    fails(
        &reel(&[
            "generate",
            "x",
            "--model",
            &model,
            "--guidance-interval",
            "0.9:0.2",
            "-o",
            out,
        ]),
        "guidance interval",
    );
    // Reel's own models have one stage: guidance_2 has nothing to apply to.
    fails(
        &reel(&[
            "generate",
            "x",
            "--model",
            &model,
            "--guidance-2",
            "2",
            "-o",
            out,
        ]),
        "guidance_2",
    );
    fails(
        &reel(&[
            "generate",
            "x",
            "--model",
            &model,
            "-o",
            "/proc/forbidden/x.mp4",
        ]),
        "/proc/forbidden",
    );
    fails(
        &reel(&[
            "generate",
            "x",
            "--model",
            &model,
            "-o",
            dir.path().join("x.avi").to_str().unwrap(),
        ]),
        "x.avi",
    );

    // Corrupt model directories: truncated weights, a wrong-shape tensor, a broken config.
    let dit = Path::new(&model).join("dit.safetensors");
    let bytes = std::fs::read(&dit).unwrap();
    std::fs::write(&dit, &bytes[..bytes.len() / 3]).unwrap();
    fails(
        &reel(&["generate", "x", "--model", &model, "-o", out]),
        "dit.safetensors",
    );
    std::fs::write(&dit, &bytes).unwrap();
    let cfg_path = Path::new(&model).join("config.json");
    let cfg = std::fs::read_to_string(&cfg_path).unwrap();
    std::fs::write(
        &cfg_path,
        cfg.replace("\"ffn_dim\": 192", "\"ffn_dim\": 200"),
    )
    .unwrap();
    fails(
        &reel(&["generate", "x", "--model", &model, "-o", out]),
        "shape",
    );
    std::fs::write(&cfg_path, "{").unwrap();
    fails(
        &reel(&["generate", "x", "--model", &model, "-o", out]),
        "config.json",
    );
    assert!(
        !Path::new(out).exists(),
        "a failed run must not leave an output"
    );
}

/// The README's first command, on the embedded model with no other argument, and `reel detect`
/// on what it wrote: the mark is found and carries the output id from the sidecar, not another.
#[test]
fn the_default_model_makes_a_marked_mp4_that_detect_ties_to_its_output_id() {
    let dir = tempfile::tempdir().unwrap();
    let mp4 = dir.path().join("out.mp4");
    let mp4 = mp4.to_str().unwrap();
    ok(&reel(&[
        "generate",
        "a red ball bounces between the walls on a black background",
        "-q",
        "-o",
        mp4,
    ]));
    let info = reel_media::probe(std::path::Path::new(mp4)).unwrap();
    assert!(info.width >= 64 && info.height >= 64 && info.frames >= 17);
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{mp4}.json")).unwrap()).unwrap();
    let id = sidecar["output_id"].as_str().expect("sidecar output_id");
    let check = |candidates: &[&str]| -> serde_json::Value {
        let mut args = vec!["detect", mp4, "--json"];
        for c in candidates {
            args.extend(["--output-id", c]);
        }
        serde_json::from_str(&ok(&reel(&args))).unwrap()
    };
    let own = check(&[id]);
    assert_eq!(own["detected"], true, "{own}");
    assert_eq!(own["output_id"]["carried"], id, "{own}");
    let other = check(&["video_someone_else"]);
    assert_eq!(other["detected"], true, "{other}");
    assert_eq!(
        other["output_id"]["carried"],
        serde_json::Value::Null,
        "{other}"
    );
    // Which of several outputs is it?
    let among = check(&["video_a", id, "video_b"]);
    assert_eq!(among["output_id"]["tested"], 3, "{among}");
    assert_eq!(among["output_id"]["carried"], id, "{among}");
    // Without an id: the verdict alone, in words.
    let text = ok(&reel(&["detect", mp4]));
    assert!(text.starts_with("watermark: detected"), "{text}");
    fails(
        &reel(&["detect", dir.path().join("missing.mp4").to_str().unwrap()]),
        "missing.mp4",
    );
}
