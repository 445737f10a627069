//! Every mode through the one Timeline, end to end on a random tiny bundle. These check the
//! mechanics (inputs kept exactly, lengths, recorded requests); quality is measured on the
//! embedded model.

mod common;
use common::{fails, frames, ok, p, reel, setup};

use std::path::Path;

#[test]
fn extend_forward_and_backward_keep_the_original_frames() {
    let dir = tempfile::tempdir().unwrap();
    let (model, src) = setup(dir.path());
    let original = frames(&src);
    let fwd = p(dir.path(), "fwd/");
    ok(&reel(&[
        "extend",
        &src,
        "--seconds",
        "1",
        "--model",
        &model,
        "--steps",
        "2",
        "-q",
        "-o",
        &fwd,
    ]));
    let out = frames(&fwd);
    assert_eq!(out.len(), 9 + 8); // 1 s at the source's 8 fps
    assert_eq!(&out[..9], &original[..]);
    let back = p(dir.path(), "back/");
    ok(&reel(&[
        "extend",
        &src,
        "--seconds",
        "1",
        "--backward",
        "--model",
        &model,
        "--steps",
        "2",
        "-q",
        "-o",
        &back,
    ]));
    let out = frames(&back);
    assert_eq!(out.len(), 17);
    assert_eq!(&out[8..], &original[..]);
}

#[test]
fn stitch_keeps_both_clips_and_long_videos_use_windows() {
    let dir = tempfile::tempdir().unwrap();
    let (model, src) = setup(dir.path());
    let a = frames(&src);
    let out = p(dir.path(), "st/");
    ok(&reel(&[
        "stitch",
        &src,
        &src,
        "--seconds",
        "1",
        "--model",
        &model,
        "--steps",
        "2",
        "-q",
        "-o",
        &out,
    ]));
    let s = frames(&out);
    assert_eq!(s.len(), 9 + 8 + 9);
    assert_eq!(&s[..9], &a[..]);
    assert_eq!(&s[17..], &a[..]);
    // 41 frames with a 17-frame model window, a keyframe at the end, and a loop.
    let long = p(dir.path(), "long/");
    let key = p(dir.path(), "key.png");
    a[4].save(&key).unwrap();
    ok(&reel(&[
        "generate",
        "a ball",
        "--model",
        &model,
        "--frames",
        "41",
        "--size",
        "32x32",
        "--steps",
        "2",
        "--keyframe",
        &format!("40:{key}"),
        "--loop",
        "-q",
        "-o",
        &long,
    ]));
    let l = frames(&long);
    assert_eq!(l.len(), 41);
    assert_eq!(l[40], a[4]);
}

#[test]
fn storyboard_loop_and_remix() {
    let dir = tempfile::tempdir().unwrap();
    let (model, _) = setup(dir.path());
    let story = p(dir.path(), "story.mp4");
    ok(&reel(&[
        "generate",
        "x",
        "--model",
        &model,
        "--seconds",
        "4",
        "--size",
        "32x32",
        "--steps",
        "2",
        "--shot",
        "0-2s: a red ball moves right",
        "--shot",
        "2-4s: a red ball moves left",
        "-q",
        "-o",
        &story,
    ]));
    assert_eq!(reel_media::probe(Path::new(&story)).unwrap().frames, 32);
    let meta = reel_media::read_metadata(Path::new(&story))
        .unwrap()
        .unwrap();
    assert!(meta.contains("moves left"));

    // Remix with nothing changed reproduces the same frames; a new prompt is recorded.
    let lossless = p(dir.path(), "l/");
    ok(&reel(&[
        "generate",
        "a blue box",
        "--model",
        &model,
        "--frames",
        "5",
        "--size",
        "32x32",
        "--steps",
        "2",
        "--seed",
        "3",
        "-q",
        "-o",
        &lossless,
    ]));
    let again = p(dir.path(), "again/");
    ok(&reel(&["remix", &lossless, "-q", "-o", &again]));
    assert_eq!(frames(&lossless), frames(&again));
    let green = p(dir.path(), "green/");
    ok(&reel(&[
        "remix",
        &lossless,
        "--prompt",
        "a green box",
        "-q",
        "-o",
        &green,
    ]));
    let rec = std::fs::read_to_string(format!("{green}request.json")).unwrap();
    assert!(
        rec.contains("a green box") && rec.contains("\"seed\": 3"),
        "{rec}"
    );

    let looped = p(dir.path(), "loop/");
    ok(&reel(&[
        "generate", "a ball", "--model", &model, "--frames", "17", "--size", "32x32", "--steps",
        "2", "--loop", "-q", "-o", &looped,
    ]));
    assert_eq!(frames(&looped).len(), 17);
}

#[test]
fn bad_mode_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (model, src) = setup(dir.path());
    let out = p(dir.path(), "o.mp4");
    let junk = p(dir.path(), "junk.mp4");
    std::fs::write(&junk, b"not a video at all").unwrap();
    fails(
        &reel(&[
            "extend",
            &junk,
            "--seconds",
            "1",
            "--prompt",
            "x",
            "--model",
            &model,
            "-o",
            &out,
        ]),
        &["junk.mp4"],
    );
    let key = p(dir.path(), "k.png");
    frames(&src)[0].save(&key).unwrap();
    fails(
        &reel(&[
            "generate",
            "x",
            "--model",
            &model,
            "--frames",
            "9",
            "--keyframe",
            &format!("20:{key}"),
            "-o",
            &out,
        ]),
        &["outside"],
    );
    fails(
        &reel(&[
            "generate",
            "x",
            "--model",
            &model,
            "--seconds",
            "4",
            "--shot",
            "0-3s: a",
            "--shot",
            "2-4s: b",
            "-o",
            &out,
        ]),
        &["overlap"],
    );
    fails(
        &reel(&[
            "edit",
            &src,
            "--prompt",
            "x",
            "--strength",
            "1.5",
            "--model",
            &model,
            "-o",
            &out,
        ]),
        &["strength"],
    );
    fails(
        &reel(&[
            "generate", "x", "--model", &model, "--frames", "6", "--loop", "-o", &out,
        ]),
        &["loop"],
    );
    fails(
        &reel(&[
            "generate", "x", "--model", &model, "--image", &key, "--size", "16x16", "--fit", "pad",
            "-o", &out,
        ]),
        &["k.png"],
    );
}
