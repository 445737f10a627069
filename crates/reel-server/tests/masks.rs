//! `POST /v1/videos/edits` with a `mask` part: only the masked region changes; bad masks are 400s.

mod common;
use common::*;
use serde_json::json;

/// A PNG of `w`×`h`, white left of `edge`.
fn mask_png(w: u32, h: u32, edge: u32) -> Vec<u8> {
    let img = image::GrayImage::from_fn(w, h, |x, _| image::Luma([if x < edge { 255 } else { 0 }]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Mean absolute difference over columns `xs` of every frame.
fn mad(a: &reel_media::Video, b: &reel_media::Video, xs: std::ops::Range<u32>) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for (fa, fb) in a.frames.iter().zip(&b.frames) {
        for y in 0..fa.height() {
            for x in xs.clone() {
                for c in 0..3 {
                    sum += (fa.get_pixel(x, y)[c] as f64 - fb.get_pixel(x, y)[c] as f64).abs();
                    n += 1;
                }
            }
        }
    }
    sum / n as f64
}

#[test]
fn masked_edits_change_only_the_mask_and_bad_masks_are_400() {
    let s = TestServer::start(test_config(json!({})));
    let r = post_multipart(
        s.addr,
        "/v1/videos",
        None,
        &[
            Part::Text("prompt", "a red ball"),
            Part::Text("seconds", "1"),
            Part::Text("size", "64x64"),
        ],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(wait_finished(s.addr, &id, None)["status"], "completed");
    let mp4 = get(s.addr, &format!("/v1/videos/{id}/content"), None).body;
    let tmp = tempfile::tempdir().unwrap();
    let source = reel_media::read_video(&write_tmp(tmp.path(), "src.mp4", &mp4)).unwrap();

    let left = mask_png(64, 64, 32);
    let r = post_multipart(
        s.addr,
        "/v1/videos/edits",
        None,
        &[
            Part::Text("prompt", "a blue ball"),
            Part::Text("strength", "1"),
            Part::Text("video[id]", &id),
            Part::File("mask", "left.png", "image/png", &left),
        ],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let eid = r.json()["id"].as_str().unwrap().to_string();
    let done = wait_finished(s.addr, &eid, None);
    assert_eq!(done["status"], "completed", "{done}");
    let out = get(s.addr, &format!("/v1/videos/{eid}/content"), None).body;
    let out = reel_media::read_video(&write_tmp(tmp.path(), "out.mp4", &out)).unwrap();
    assert_eq!(out.len(), source.len());
    // MP4 in and out: the kept half is the source within codec noise, the masked half is new.
    let (kept, made) = (mad(&out, &source, 36..64), mad(&out, &source, 0..28));
    assert!(
        kept < 4.0 && made > 3.0 * kept,
        "kept {kept:.2}, made {made:.2}"
    );

    let bad = |mask: &[u8], strength: &str| {
        post_multipart(
            s.addr,
            "/v1/videos/edits",
            None,
            &[
                Part::Text("prompt", "x"),
                Part::Text("video[id]", &id),
                Part::Text("strength", strength),
                Part::File("mask", "m.png", "image/png", mask),
            ],
        )
        .api_error(400)
    };
    let e = bad(b"not an image", "0.5");
    assert_eq!(e["param"], "mask", "{e}");
    let e = bad(&mask_png(32, 64, 16), "0.5");
    assert_eq!(e["param"], "mask", "{e}");
    let msg = e["message"].as_str().unwrap();
    assert!(msg.contains("line up") && !msg.contains("/"), "{e}");
    let e = bad(&left, "0");
    assert_eq!(e["param"], "strength", "{e}");
    let e = post_multipart(
        s.addr,
        "/v1/videos/extensions",
        None,
        &[
            Part::Text("prompt", "x"),
            Part::Text("seconds", "1"),
            Part::Text("video[id]", &id),
            Part::File("mask", "m.png", "image/png", &left),
        ],
    )
    .api_error(400);
    assert_eq!(e["param"], "mask", "{e}");
}
