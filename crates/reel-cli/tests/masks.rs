//! `reel edit --mask`: the masked region is regenerated, everything else is the input exactly,
//! the mask is recorded for remix, and bad masks are clear errors. On a random tiny bundle.

mod common;
use common::{fails, frames, ok, p, reel, setup};

use reel_media::{Video, WriteOptions};
use std::path::Path;

/// White left of `edge`, black from it on.
fn left_mask(w: u32, h: u32, edge: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, _| {
        let v = if x < edge { 255 } else { 0 };
        image::Rgb([v, v, v])
    })
}

fn half(f: &image::RgbImage, right: bool) -> Vec<u8> {
    let mut v = Vec::new();
    for y in 0..f.height() {
        for x in 0..f.width() {
            if (x >= f.width() / 2) == right {
                v.extend_from_slice(&f.get_pixel(x, y).0);
            }
        }
    }
    v
}

fn assert_left_edited(out: &[image::RgbImage], src: &[image::RgbImage]) {
    assert_eq!(out.len(), src.len());
    for (i, (o, s)) in out.iter().zip(src).enumerate() {
        assert_eq!(half(o, true), half(s, true), "frame {i}: right half kept");
        assert_ne!(half(o, false), half(s, false), "frame {i}: left half made");
    }
}

#[test]
fn edit_with_a_mask_changes_only_the_masked_region_and_remixes() {
    let dir = tempfile::tempdir().unwrap();
    let (model, src) = setup(dir.path());
    let original = frames(&src);
    let mask = p(dir.path(), "left.png");
    left_mask(32, 32, 16).save(&mask).unwrap();
    let out = p(dir.path(), "edit/");
    ok(&reel(&[
        "edit",
        &src,
        "a blue ball",
        "--mask",
        &mask,
        "--strength",
        "1",
        "--model",
        &model,
        "--steps",
        "2",
        "-q",
        "-o",
        &out,
    ]));
    let edited = frames(&out);
    assert_left_edited(&edited, &original);
    let rec = std::fs::read_to_string(format!("{out}request.json")).unwrap();
    assert!(
        rec.contains("left.png") && rec.contains("\"mask\""),
        "{rec}"
    );

    // Remix reads the mask back from the record and reproduces the frames.
    let again = p(dir.path(), "again/");
    ok(&reel(&["remix", &out, "-q", "-o", &again]));
    assert_eq!(frames(&again), edited);

    // A per-frame mask video (as lossless Y4M) at a partial strength, prompt via --prompt.
    let masks = p(dir.path(), "masks.y4m");
    let mv = Video::new(vec![left_mask(32, 32, 16); 9], 8.0).unwrap();
    reel_media::write_video(&mv, Path::new(&masks), &WriteOptions::default()).unwrap();
    let out2 = p(dir.path(), "edit2/");
    ok(&reel(&[
        "edit",
        &src,
        "--prompt",
        "a blue ball",
        "--mask",
        &masks,
        "--strength",
        "0.6",
        "--model",
        &model,
        "--steps",
        "2",
        "-q",
        "-o",
        &out2,
    ]));
    assert_left_edited(&frames(&out2), &original);

    // Changing the mask file afterwards makes remix refuse rather than silently differ.
    left_mask(32, 32, 8).save(&mask).unwrap();
    fails(
        &reel(&["remix", &out, "-q", "-o", &p(dir.path(), "r2/")]),
        &["mask", "changed"],
    );
}

#[test]
fn an_all_black_mask_keeps_the_input_and_bad_masks_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (model, src) = setup(dir.path());
    let edit = |mask: &str, strength: &str, out: &str| {
        reel(&[
            "edit",
            &src,
            "a blue ball",
            "--mask",
            mask,
            "--strength",
            strength,
            "--model",
            &model,
            "--steps",
            "2",
            "-q",
            "-o",
            out,
        ])
    };
    let black = p(dir.path(), "black.png");
    image::RgbImage::new(32, 32).save(&black).unwrap();
    let kept = p(dir.path(), "kept/");
    ok(&edit(&black, "1", &kept));
    assert_eq!(frames(&kept), frames(&src));

    let out = p(dir.path(), "o.mp4");
    let junk = p(dir.path(), "junk.png");
    std::fs::write(&junk, b"not an image").unwrap();
    fails(&edit(&junk, "0.5", &out), &["mask", "junk.png"]);
    fails(
        &edit(&p(dir.path(), "missing.png"), "0.5", &out),
        &["missing.png"],
    );
    let tall = p(dir.path(), "tall.png");
    left_mask(16, 32, 8).save(&tall).unwrap();
    fails(&edit(&tall, "0.5", &out), &["tall.png", "16x32", "line up"]);
    let three = p(dir.path(), "three.y4m");
    let mv = Video::new(vec![left_mask(32, 32, 16); 3], 24.0).unwrap();
    reel_media::write_video(&mv, Path::new(&three), &WriteOptions::default()).unwrap();
    fails(&edit(&three, "0.5", &out), &["three.y4m", "3 frames"]);
    let left = p(dir.path(), "left.png");
    left_mask(32, 32, 16).save(&left).unwrap();
    fails(&edit(&left, "0", &out), &["mask", "strength"]);
}
