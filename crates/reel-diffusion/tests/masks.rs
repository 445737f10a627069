//! Space-time masks on known clips: the kept region is the input exactly, the masked region is
//! generated, on a random-initialised tiny bundle (VAE ×4 in time, ×8 in space; 2×2 patches).

mod common;
use common::{settings, tiny_bundle};

use reel_diffusion::timeline::{composite, mask_from_frame};
use reel_diffusion::{generate, GenerateOptions, Mask, Timeline};
use reel_media::Frame;
use reel_models::bundle::{Bundle, Conditioning};

/// A moving gradient, different in every frame.
fn clip(n: usize, w: u32, h: u32) -> Vec<Frame> {
    (0..n)
        .map(|i| {
            Frame::from_fn(w, h, |x, y| {
                image::Rgb([
                    (x * 7 + i as u32 * 20) as u8,
                    (y * 13) as u8,
                    (90 + x * y) as u8,
                ])
            })
        })
        .collect()
}

/// White (may change) left of column `edge`, black to the right.
fn left_mask(w: u32, h: u32, edge: u32) -> Mask {
    Mask::from_fn(w, h, |x, _| image::Luma([if x < edge { 255 } else { 0 }]))
}

fn columns(f: &Frame, xs: std::ops::Range<u32>) -> Vec<[u8; 3]> {
    let mut v = Vec::new();
    for y in 0..f.height() {
        for x in xs.clone() {
            v.push(f.get_pixel(x, y).0);
        }
    }
    v
}

fn check_left_edit(b: &Bundle, strength: f32, edge: u32, frames: usize, window: Option<usize>) {
    let (w, h) = (32, 16);
    let input = clip(frames, w, h);
    let tl = Timeline::text_to_video("a blue ball", frames, 8.0, w, h)
        .with_masked_known(0, input.clone(), strength, vec![left_mask(w, h, edge)])
        .unwrap();
    let g = generate(
        b,
        &tl,
        &settings(4),
        GenerateOptions {
            window,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(g.video.len(), frames);
    for (i, (out, inp)) in g.video.frames.iter().zip(&input).enumerate() {
        assert_eq!(
            columns(out, edge..w),
            columns(inp, edge..w),
            "frame {i}: the kept right part must be the input exactly ({:?}, strength {strength})",
            b.config.conditioning
        );
        assert_ne!(
            columns(out, 0..edge),
            columns(inp, 0..edge),
            "frame {i}: the masked left part must be generated"
        );
    }
}

#[test]
fn masked_left_half_is_generated_and_right_half_kept_for_both_conditionings() {
    let (_d, mut b) = tiny_bundle();
    for cond in [Conditioning::TimestepZero, Conditioning::Renoise] {
        b.config.conditioning = cond;
        // Inpainting from scratch, and a video-to-video edit of strength 0.5 in the mask.
        check_left_edit(&b, 0.0, 16, 5, None);
        check_left_edit(&b, 0.5, 16, 5, None);
        // An edge inside a latent cell (x = 12 splits the cell 8..16): exact from the edge on.
        check_left_edit(&b, 0.3, 12, 5, None);
    }
}

#[test]
fn masks_hold_across_sliding_windows() {
    let (_d, b) = tiny_bundle();
    // 17 frames in windows of 13 frames: two windows, the second carrying frames over.
    check_left_edit(&b, 0.0, 16, 17, Some(13));
}

#[test]
fn an_all_black_mask_keeps_the_clip() {
    let (_d, b) = tiny_bundle();
    let input = clip(5, 32, 16);
    let tl = Timeline::text_to_video("x", 5, 8.0, 32, 16)
        .with_masked_known(0, input.clone(), 0.0, vec![Mask::new(32, 16)])
        .unwrap();
    let g = generate(&b, &tl, &settings(1), GenerateOptions::default()).unwrap();
    assert_eq!(g.video.frames, input);
}

#[test]
fn latent_mask_downsampling_closed_form() {
    // 9 frames of 32×16: latent frames {0}, {1..4}, {5..8}; cells of 8×8 pixels, 2 rows × 4.
    let (w, h) = (32, 16);
    let black = Mask::new(w, h);
    let mut dot = black.clone();
    dot.put_pixel(9, 10, image::Luma([1])); // faintest "may change": row 1, column 1
    let mut masks = vec![black.clone(); 9];
    masks[3] = dot;
    let tl = Timeline::text_to_video("x", 9, 8.0, w, h)
        .with_masked_known(0, clip(9, w, h), 0.5, masks)
        .unwrap();
    let keep = tl.latent_keep(3, 4, 8);
    assert_eq!((keep.t, keep.h, keep.w), (3, 2, 4));
    for k in 0..3 {
        for y in 0..2 {
            for x in 0..4 {
                assert_eq!(
                    keep.get(k, y, x),
                    !(k == 1 && y == 1 && x == 1),
                    "{k} {y} {x}"
                );
            }
        }
    }
    assert!(keep.frame_kept(0) && !keep.frame_kept(1) && keep.frame_kept(2));

    // A white half-cell (columns 0..12) makes cells 0 and 1 change in every latent frame; a
    // masked clip covering frames 0..=2 only keeps latent frame 1 (frames 1..=4) where it is
    // black; latent frame 2 (frames 5..=8) knows nothing and is all sampled.
    let tl = Timeline::text_to_video("x", 9, 8.0, w, h)
        .with_masked_known(0, clip(3, w, h), 0.0, vec![left_mask(w, h, 12)])
        .unwrap();
    let keep = tl.latent_keep(3, 4, 8);
    for k in 0..3 {
        for y in 0..2 {
            let row: Vec<bool> = (0..4).map(|x| keep.get(k, y, x)).collect();
            let want = if k == 2 {
                vec![false; 4]
            } else {
                vec![false, false, true, true]
            };
            assert_eq!(row, want, "latent frame {k} row {y}");
        }
    }

    // An unmasked strength-1 keyframe at frame 8 pins its whole latent frame, nothing else.
    let tl = Timeline::text_to_video("x", 9, 8.0, w, h)
        .with_known(8, clip(1, w, h), 1.0)
        .unwrap();
    let keep = tl.latent_keep(3, 4, 8);
    assert!(!keep.frame_kept(0) && !keep.frame_kept(1) && keep.frame_kept(2));
}

#[test]
fn mask_values_snap_and_composite_blends() {
    let f = Frame::from_fn(4, 1, |x, _| {
        let v = [5u8, 100, 250, 0][x as usize];
        image::Rgb([v, v, v])
    });
    let m = mask_from_frame(&f);
    assert_eq!(m.as_raw(), &vec![0, 100, 255, 0]);
    let known = Frame::from_pixel(4, 1, image::Rgb([0, 100, 255]));
    let gen = Frame::from_pixel(4, 1, image::Rgb([255, 0, 255]));
    let out = composite(&known, &gen, &m);
    assert_eq!(out.get_pixel(0, 0).0, [0, 100, 255]);
    // 100/255 of the way: round(255·100/255) = 100, round(100·155/255) = 61.
    assert_eq!(out.get_pixel(1, 0).0, [100, 61, 255]);
    assert_eq!(out.get_pixel(2, 0).0, [255, 0, 255]);
}

#[test]
fn bad_masks_are_refused() {
    let tl = Timeline::text_to_video("x", 5, 8.0, 32, 16);
    let frames = clip(5, 32, 16);
    let err = |r: anyhow::Result<Timeline>| r.expect_err("must fail").to_string();
    let e = err(tl
        .clone()
        .with_masked_known(0, frames.clone(), 0.5, vec![Mask::new(16, 16)]));
    assert!(e.contains("mask is 16x16"), "{e}");
    let e = err(tl
        .clone()
        .with_masked_known(0, frames.clone(), 0.5, vec![Mask::new(32, 16); 2]));
    assert!(e.contains("2 masks"), "{e}");
    let e = err(tl.with_masked_known(0, frames, 1.0, vec![Mask::new(32, 16)]));
    assert!(e.contains("strength below 1"), "{e}");
}
