//! Helpers shared by the CLI's end-to-end tests: run the `reel` binary, check its outcome, and
//! make a random tiny model with a lossless source clip.
#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Command, Output};

pub fn reel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        .output()
        .expect("run reel")
}

pub fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "reel failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Failed without a panic, with every needle in the error output.
pub fn fails(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && !stderr.contains("panicked"),
        "{stderr}"
    );
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in {stderr}");
    }
}

pub fn p(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_string()
}

pub fn frames(path: &str) -> Vec<image::RgbImage> {
    reel_media::read_video(Path::new(path)).unwrap().frames
}

/// A random tiny model and a 9-frame lossless 32×32 source clip made by it.
pub fn setup(dir: &Path) -> (String, String) {
    let model = p(dir, "tiny");
    ok(&reel(&["init-model", "--preset", "tiny", "--out", &model]));
    let src = p(dir, "src/");
    ok(&reel(&[
        "generate",
        "a red ball moves right",
        "--model",
        &model,
        "--frames",
        "9",
        "--size",
        "32x32",
        "--steps",
        "2",
        "-q",
        "-o",
        &src,
    ]));
    (model, src)
}
