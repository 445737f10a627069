//! Every endpoint against a live server on a random loopback port, with a tiny random model.

mod common;
use common::*;
use serde_json::{json, Value};

fn create(addr: std::net::SocketAddr, prompt: &str, seconds: &str, size: &str) -> Value {
    let r = post_multipart(
        addr,
        "/v1/videos",
        None,
        &[
            Part::Text("prompt", prompt),
            Part::Text("model", "sora-2"),
            Part::Text("seconds", seconds),
            Part::Text("size", size),
        ],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[test]
fn create_poll_and_download_every_variant() {
    let s = TestServer::start(test_config(json!({})));
    let v = create(
        s.addr,
        "a red ball moves right on a black background",
        "1",
        "720x1280",
    );
    assert_eq!(v["object"], "video");
    assert_eq!(v["status"], "queued");
    assert_eq!(v["model"], "sora-2");
    // 720x1280 onto the tiny model's 64x64 area keeping the aspect ratio, in multiples of 16;
    // 1 s at the model's 8 fps.
    assert_eq!(v["size"], "48x80");
    assert_eq!(v["seconds"], "1");
    assert!(v["id"].as_str().unwrap().starts_with("video_"));
    assert!(v["remixed_from_video_id"].is_null() && v["error"].is_null());
    let id = v["id"].as_str().unwrap().to_string();

    let first = get(s.addr, &format!("/v1/videos/{id}"), None);
    if first.json()["status"] != "completed" {
        assert_eq!(first.header("openai-poll-after-ms"), Some("50"));
    }
    let done = wait_finished(s.addr, &id, None);
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["progress"], 100);
    assert!(done["completed_at"].as_i64().unwrap() >= done["created_at"].as_i64().unwrap());
    assert!(done["expires_at"].as_i64().unwrap() > done["completed_at"].as_i64().unwrap());
    let after = get(s.addr, &format!("/v1/videos/{id}"), None);
    assert_eq!(after.header("openai-poll-after-ms"), None);

    let video = get(s.addr, &format!("/v1/videos/{id}/content"), None);
    assert_eq!(video.status, 200);
    assert_eq!(video.header("content-type"), Some("video/mp4"));
    assert!(is_mp4(&video.body));
    let tmp = tempfile::tempdir().unwrap();
    let path = write_tmp(tmp.path(), "v.mp4", &video.body);
    let decoded = reel_media::read_video(&path).unwrap();
    assert_eq!(decoded.len(), 8);
    assert_eq!((decoded.width(), decoded.height()), (48, 80));
    // The recorded request is the remix source of truth.
    let rec = reel_render::read_request(&path).unwrap();
    assert_eq!(rec.prompt, "a red ball moves right on a black background");

    let thumb = get(
        s.addr,
        &format!("/v1/videos/{id}/content?variant=thumbnail"),
        None,
    );
    assert_eq!(thumb.header("content-type"), Some("image/webp"));
    assert!(is_webp(&thumb.body));
    let t = image::load_from_memory(&thumb.body).unwrap();
    assert_eq!((t.width(), t.height()), (48, 80));

    let sheet = get(
        s.addr,
        &format!("/v1/videos/{id}/content?variant=spritesheet"),
        None,
    );
    assert_eq!(sheet.header("content-type"), Some("image/jpeg"));
    assert!(is_jpeg(&sheet.body));
    let sh = image::load_from_memory(&sheet.body).unwrap();
    // 8 frames in rows of 4.
    assert_eq!((sh.width(), sh.height()), (4 * 48, 2 * 80));

    get(
        s.addr,
        &format!("/v1/videos/{id}/content?variant=poster"),
        None,
    )
    .api_error(400);
}

#[test]
fn image_to_video_by_upload_data_url_and_json() {
    let s = TestServer::start(test_config(json!({})));
    let png = png_bytes(40, 30);
    let r = post_multipart(
        s.addr,
        "/v1/videos",
        None,
        &[
            Part::Text("prompt", "a blue square moves left"),
            Part::Text("seconds", "1"),
            Part::Text("size", "64x48"),
            Part::File("input_reference", "ref.png", "image/png", &png),
        ],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let a = r.json();
    assert_eq!(a["model"], "sora-2", "model defaults to sora-2");
    assert_eq!(a["size"], "64x48");

    use base64::Engine as _;
    let url = format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&png)
    );
    let b = post_json(
        s.addr,
        "/v1/videos",
        None,
        &json!({"prompt": "a green ball falls", "seconds": 1, "size": "64x64",
                "input_reference": {"image_url": url}}),
    );
    assert_eq!(b.status, 200, "{}", String::from_utf8_lossy(&b.body));
    let b = b.json();
    for v in [&a, &b] {
        let id = v["id"].as_str().unwrap();
        let done = wait_finished(s.addr, id, None);
        assert_eq!(done["status"], "completed", "{done}");
        let video = get(s.addr, &format!("/v1/videos/{id}/content"), None);
        let tmp = tempfile::tempdir().unwrap();
        let rec = reel_render::read_request(&write_tmp(tmp.path(), "v.mp4", &video.body)).unwrap();
        assert_eq!(rec.inputs.len(), 1, "the image is the first frame");
        assert_eq!(rec.inputs[0].position, 0);
    }
    // A remote URL is never fetched.
    let e = post_json(
        s.addr,
        "/v1/videos",
        None,
        &json!({"prompt": "x", "input_reference": {"image_url": "http://example.com/a.png"}}),
    )
    .api_error(400);
    assert_eq!(e["param"], "input_reference[image_url]");
}

#[test]
fn list_pages_in_both_orders() {
    let s = TestServer::start(test_config(json!({})));
    let ids: Vec<String> = (0..3)
        .map(|i| {
            create(s.addr, &format!("a red ball number {i}"), "1", "64x64")["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let p1 = get(s.addr, "/v1/videos?limit=2", None).json();
    assert_eq!(p1["object"], "list");
    assert_eq!(p1["has_more"], true);
    let got1: Vec<&str> = p1["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(got1, vec![ids[2].as_str(), ids[1].as_str()], "newest first");
    assert_eq!(p1["first_id"], ids[2].as_str());
    assert_eq!(p1["last_id"], ids[1].as_str());
    let p2 = get(
        s.addr,
        &format!("/v1/videos?limit=2&after={}", ids[1]),
        None,
    )
    .json();
    assert_eq!(p2["has_more"], false);
    assert_eq!(p2["data"][0]["id"], ids[0].as_str());
    assert_eq!(p2["data"].as_array().unwrap().len(), 1);
    let asc = get(s.addr, "/v1/videos?order=asc&limit=10", None).json();
    let got: Vec<&str> = asc["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, ids.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    assert_eq!(
        get(s.addr, "/v1/videos?limit=0", None).api_error(400)["param"],
        "limit"
    );
    assert_eq!(
        get(s.addr, "/v1/videos?order=up", None).api_error(400)["param"],
        "order"
    );
    for id in &ids {
        wait_finished(s.addr, id, None);
    }
}

#[test]
fn delete_cancels_a_running_job() {
    let s = TestServer::start(test_config(json!({})));
    let r = post_multipart(
        s.addr,
        "/v1/videos",
        None,
        &[
            Part::Text("prompt", "a slow red ball"),
            Part::Text("model", "slow"),
            Part::Text("seconds", "1"),
            Part::Text("size", "64x64"),
        ],
    );
    let id = r.json()["id"].as_str().unwrap().to_string();
    wait_for(s.addr, &id, None, |v| {
        v["status"] == "in_progress" && v["progress"].as_i64().unwrap() > 0
    });
    let d = delete(s.addr, &format!("/v1/videos/{id}"), None);
    assert_eq!(d.status, 200);
    assert_eq!(
        d.json(),
        json!({"id": id, "object": "video.deleted", "deleted": true})
    );
    get(s.addr, &format!("/v1/videos/{id}"), None).api_error(404);
    delete(s.addr, &format!("/v1/videos/{id}"), None).api_error(404);
    // The worker is free again: a new job completes, and the cancelled one's files are gone.
    let v = create(s.addr, "a red ball", "1", "64x64");
    let done = wait_finished(s.addr, v["id"].as_str().unwrap(), None);
    assert_eq!(done["status"], "completed");
    assert!(!s.data.path().join("videos").join(&id).exists());
}

#[test]
fn remix_keeps_the_source_settings() {
    let s = TestServer::start(test_config(json!({})));
    let v = create(s.addr, "a red ball moves right", "1", "1280x720");
    let id = v["id"].as_str().unwrap();
    // Not yet completed, or completed: a remix of an unfinished video is refused.
    let early = post_json(
        s.addr,
        &format!("/v1/videos/{id}/remix"),
        None,
        &json!({"prompt": "a blue ball"}),
    );
    if early.status != 200 {
        early.api_error(400);
    }
    wait_finished(s.addr, id, None);
    let r = post_json(
        s.addr,
        &format!("/v1/videos/{id}/remix"),
        None,
        &json!({"prompt": "a blue ball moves right"}),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let rv = r.json();
    assert_eq!(rv["remixed_from_video_id"], id);
    assert_eq!(rv["size"], "80x48");
    let done = wait_finished(s.addr, rv["id"].as_str().unwrap(), None);
    assert_eq!(done["status"], "completed", "{done}");
    let tmp = tempfile::tempdir().unwrap();
    let src = reel_render::read_request(&write_tmp(
        tmp.path(),
        "a.mp4",
        &get(s.addr, &format!("/v1/videos/{id}/content"), None).body,
    ))
    .unwrap();
    let rem = reel_render::read_request(&write_tmp(
        tmp.path(),
        "b.mp4",
        &get(
            s.addr,
            &format!("/v1/videos/{}/content", rv["id"].as_str().unwrap()),
            None,
        )
        .body,
    ))
    .unwrap();
    assert_eq!(rem.prompt, "a blue ball moves right");
    assert_eq!(
        (rem.seed, rem.width, rem.height, rem.frames),
        (src.seed, src.width, src.height, src.frames)
    );
    post_json(
        s.addr,
        "/v1/videos/video_nope/remix",
        None,
        &json!({"prompt": "x"}),
    )
    .api_error(404);
    assert_eq!(
        post_json(s.addr, &format!("/v1/videos/{id}/remix"), None, &json!({})).api_error(400)
            ["param"],
        "prompt"
    );
}

#[test]
fn keys_authenticate_and_separate_owners() {
    let s = TestServer::start(test_config(json!({"api_keys": ["key-a", "key-b"]})));
    let e = get(s.addr, "/v1/videos", None).api_error(401);
    assert_eq!(e["code"], "invalid_api_key");
    get(s.addr, "/v1/videos", Some("wrong")).api_error(401);
    let r = post_multipart(
        s.addr,
        "/v1/videos",
        Some("key-a"),
        &[
            Part::Text("prompt", "a red ball"),
            Part::Text("seconds", "1"),
            Part::Text("size", "64x64"),
        ],
    );
    assert_eq!(r.status, 200);
    let id = r.json()["id"].as_str().unwrap().to_string();
    wait_finished(s.addr, &id, Some("key-a"));
    get(s.addr, &format!("/v1/videos/{id}"), Some("key-b")).api_error(404);
    get(s.addr, &format!("/v1/videos/{id}/content"), Some("key-b")).api_error(404);
    delete(s.addr, &format!("/v1/videos/{id}"), Some("key-b")).api_error(404);
    assert_eq!(
        get(s.addr, "/v1/videos", Some("key-b")).json()["data"],
        json!([])
    );
    assert_eq!(
        get(s.addr, "/v1/videos", Some("key-a")).json()["data"][0]["id"],
        id.as_str()
    );
}

#[test]
fn bad_input_gets_openai_shaped_4xx_and_the_server_keeps_serving() {
    let s = TestServer::start(test_config(json!({"max_upload_bytes": 65536})));
    let a = s.addr;
    // Malformed multipart: a body that does not follow its boundary.
    let ct = mp_header();
    let r = http(
        a,
        "POST",
        "/v1/videos",
        &[(ct.0, &ct.1)],
        b"--nottheboundary\r\ngarbage",
    );
    r.api_error(400);
    let r = http(
        a,
        "POST",
        "/v1/videos",
        &[("Content-Type", "multipart/form-data")],
        b"x",
    );
    r.api_error(400);
    // Oversize upload.
    let big = vec![0u8; 200_000];
    let r = post_multipart(
        a,
        "/v1/videos",
        None,
        &[
            Part::Text("prompt", "x"),
            Part::File("input_reference", "big.png", "image/png", &big),
        ],
    );
    assert_eq!(r.api_error(413)["code"], "request_too_large");
    // An "image" that is not one.
    let r = post_multipart(
        a,
        "/v1/videos",
        None,
        &[
            Part::Text("prompt", "x"),
            Part::File("input_reference", "a.png", "image/png", b"this is text"),
        ],
    );
    assert_eq!(r.api_error(400)["param"], "input_reference");
    // A path in video[id].
    for path in ["../../etc/passwd", "/etc/passwd", "video_../x"] {
        let r = post_multipart(
            a,
            "/v1/videos/edits",
            None,
            &[Part::Text("prompt", "x"), Part::Text("video[id]", path)],
        );
        assert_eq!(r.api_error(400)["param"], "video[id]");
        let r = post_multipart(
            a,
            "/v1/videos/extensions",
            None,
            &[
                Part::Text("prompt", "x"),
                Part::Text("seconds", "4"),
                Part::Text("video[id]", path),
            ],
        );
        assert_eq!(r.api_error(400)["param"], "video[id]");
    }
    post_multipart(
        a,
        "/v1/videos/edits",
        None,
        &[
            Part::Text("prompt", "x"),
            Part::Text("video[id]", "video_unknown1"),
        ],
    )
    .api_error(404);
    // Unknown model, negative / zero / non-numeric / huge seconds, bad size, no prompt.
    let r = post_multipart(
        a,
        "/v1/videos",
        None,
        &[
            Part::Text("prompt", "x"),
            Part::Text("model", "gpt-9-video"),
        ],
    );
    assert_eq!(r.api_error(400)["param"], "model");
    for secs in ["-4", "0", "four", "NaN", "1000"] {
        let r = post_multipart(
            a,
            "/v1/videos",
            None,
            &[Part::Text("prompt", "x"), Part::Text("seconds", secs)],
        );
        assert_eq!(r.api_error(400)["param"], "seconds", "seconds {secs}");
    }
    for size in ["big", "0x720", "-720x1280"] {
        let r = post_multipart(
            a,
            "/v1/videos",
            None,
            &[Part::Text("prompt", "x"), Part::Text("size", size)],
        );
        assert_eq!(r.api_error(400)["param"], "size", "size {size}");
    }
    let r = post_multipart(a, "/v1/videos", None, &[Part::Text("model", "sora-2")]);
    assert_eq!(r.api_error(400)["param"], "prompt");
    // Not JSON, wrong content type, unknown routes and ids.
    http(
        a,
        "POST",
        "/v1/videos",
        &[("Content-Type", "application/json")],
        b"{nope",
    )
    .api_error(400);
    http(
        a,
        "POST",
        "/v1/videos",
        &[("Content-Type", "text/plain")],
        b"hi",
    )
    .api_error(400);
    get(a, "/v1/nothing", None).api_error(404);
    get(a, "/v1/videos/video_0123", None).api_error(404);
    get(a, "/v1/videos/..%2F..%2Fjobs.sqlite/content", None).api_error(404);
    // Moderation answers before any compute.
    let r = post_multipart(
        a,
        "/v1/videos",
        None,
        &[Part::Text("prompt", "behead the prisoner")],
    );
    assert_eq!(r.api_error(400)["code"], "moderation_blocked");
    // Still serving.
    let page = get(a, "/", None);
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("<video"));
    let v = create(a, "a red ball", "1", "64x64");
    assert_eq!(
        wait_finished(a, v["id"].as_str().unwrap(), None)["status"],
        "completed"
    );
}

#[test]
fn a_full_queue_answers_429_with_retry_after() {
    let s = TestServer::start(test_config(json!({"queue_limit": 1})));
    let slow = [
        Part::Text("prompt", "a slow ball"),
        Part::Text("model", "slow"),
        Part::Text("seconds", "1"),
        Part::Text("size", "64x64"),
    ];
    let first = post_multipart(s.addr, "/v1/videos", None, &slow);
    assert_eq!(first.status, 200);
    let r = post_multipart(s.addr, "/v1/videos", None, &slow);
    let e = r.api_error(429);
    assert_eq!(e["code"], "rate_limit_exceeded");
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    let id = first.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        delete(s.addr, &format!("/v1/videos/{id}"), None).status,
        200
    );
    // Room again.
    let v = create(s.addr, "a red ball", "1", "64x64");
    assert_eq!(
        wait_finished(s.addr, v["id"].as_str().unwrap(), None)["status"],
        "completed"
    );
}

#[test]
fn edits_and_extensions_run_on_uploads_and_ids() {
    let s = TestServer::start(test_config(json!({})));
    let v = create(s.addr, "a red ball", "1", "64x64");
    let id = v["id"].as_str().unwrap();
    wait_finished(s.addr, id, None);
    let mp4 = get(s.addr, &format!("/v1/videos/{id}/content"), None).body;
    let tmp = tempfile::tempdir().unwrap();
    let source = reel_media::read_video(&write_tmp(tmp.path(), "src.mp4", &mp4)).unwrap();

    let r = post_multipart(
        s.addr,
        "/v1/videos/edits",
        None,
        &[
            Part::Text("prompt", "a blue ball"),
            Part::File("video", "in.mp4", "video/mp4", &mp4),
        ],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let e = r.json();
    assert!(
        e["remixed_from_video_id"].is_null(),
        "an upload has no source id"
    );
    let done = wait_finished(s.addr, e["id"].as_str().unwrap(), None);
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(
        (done["seconds"].as_str(), done["size"].as_str()),
        (Some("1"), Some("64x64"))
    );

    let r = post_multipart(
        s.addr,
        "/v1/videos/extensions",
        None,
        &[
            Part::Text("prompt", "the ball keeps going"),
            Part::Text("seconds", "1"),
            Part::Text("video[id]", id),
        ],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let x = r.json();
    assert_eq!(x["remixed_from_video_id"], id);
    let xid = x["id"].as_str().unwrap();
    let done = wait_finished(s.addr, xid, None);
    assert_eq!(done["status"], "completed", "{done}");
    // The whole clip comes back: the source's second plus the new one.
    assert_eq!(done["seconds"], "2");
    let ext = get(s.addr, &format!("/v1/videos/{xid}/content"), None).body;
    let ext = reel_media::read_video(&write_tmp(tmp.path(), "ext.mp4", &ext)).unwrap();
    assert_eq!(ext.len(), 2 * source.len());
    // The source frames are kept (up to re-encoding and the watermark).
    let diff: f64 = source.frames[0]
        .as_raw()
        .iter()
        .zip(ext.frames[0].as_raw())
        .map(|(a, b)| (*a as f64 - *b as f64).abs())
        .sum::<f64>()
        / source.frames[0].as_raw().len() as f64;
    assert!(diff < 8.0, "first frame changed by {diff} on average");

    let e = post_multipart(
        s.addr,
        "/v1/videos/edits",
        None,
        &[
            Part::Text("prompt", "x"),
            Part::File("video", "in.mp4", "video/mp4", b"not a video"),
        ],
    )
    .api_error(400);
    assert_eq!(e["param"], "video");
    let e = post_multipart(
        s.addr,
        "/v1/videos/extensions",
        None,
        &[
            Part::Text("prompt", "x"),
            Part::Text("seconds", "-2"),
            Part::Text("video[id]", id),
        ],
    )
    .api_error(400);
    assert_eq!(e["param"], "seconds");
    let e = post_multipart(
        s.addr,
        "/v1/videos/edits",
        None,
        &[
            Part::Text("prompt", "x"),
            Part::Text("strength", "2"),
            Part::Text("video[id]", id),
        ],
    )
    .api_error(400);
    assert_eq!(e["param"], "strength");
    post_multipart(
        s.addr,
        "/v1/videos/edits",
        None,
        &[Part::Text("prompt", "x")],
    )
    .api_error(400);
}

#[test]
fn provenance_checks_find_the_manifest() {
    let s = TestServer::start(test_config(json!({})));
    let v = create(s.addr, "a red ball", "1", "64x64");
    let id = v["id"].as_str().unwrap();
    wait_finished(s.addr, id, None);
    let mp4 = get(s.addr, &format!("/v1/videos/{id}/content"), None).body;
    let r = post_multipart(
        s.addr,
        "/v1/content_provenance_checks",
        None,
        &[Part::File("file", "v.mp4", "video/mp4", &mp4)],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let j = r.json();
    assert_eq!(j["object"], "content_provenance_check");
    assert_eq!(j["results"][0]["type"], "c2pa");
    assert_eq!(j["results"][0]["outcome"], "detected");
    // The invisible mark ties the file to this owner's video, like SynthID's result.
    assert_eq!(j["results"][1]["type"], "reel_watermark");
    assert_eq!(j["results"][1]["outcome"], "detected", "{j}");
    assert_eq!(j["results"][1]["video_id"], id, "{j}");
    assert_eq!(j["results"][1]["model"], v["model"], "{j}");
    assert!(j["results"][1]["generated_at"].as_i64().is_some(), "{j}");
    let r = post_multipart(
        s.addr,
        "/v1/content_provenance_checks",
        None,
        &[Part::File("file", "p.png", "image/png", &png_bytes(16, 16))],
    );
    assert_eq!(r.json()["results"][0]["outcome"], "not_detected");
    let e = post_multipart(
        s.addr,
        "/v1/content_provenance_checks",
        None,
        &[Part::File("file", "t.txt", "text/plain", b"hello")],
    )
    .api_error(400);
    assert_eq!(e["param"], "file");
    post_multipart(
        s.addr,
        "/v1/content_provenance_checks",
        None,
        &[Part::Text("x", "y")],
    )
    .api_error(400);
}

#[test]
fn outputs_expire_and_are_deleted() {
    let s = TestServer::start(test_config(
        json!({"expire_after_secs": 0, "cleanup_interval_secs": 1}),
    ));
    let v = create(s.addr, "a red ball", "1", "64x64");
    let id = v["id"].as_str().unwrap().to_string();
    let dir = s.data.path().join("videos").join(&id);
    let start = std::time::Instant::now();
    loop {
        let r = get(s.addr, &format!("/v1/videos/{id}"), None);
        if r.status == 404 {
            break;
        }
        assert_eq!(r.status, 200);
        assert!(
            start.elapsed().as_secs() < 120,
            "never expired: {}",
            r.json()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!dir.exists(), "files of an expired job are deleted");
}

/// The sha256 of the first-frame input recorded in a completed video.
fn recorded_input_hash(addr: std::net::SocketAddr, id: &str, key: Option<&str>) -> String {
    let done = wait_finished(addr, id, key);
    assert_eq!(done["status"], "completed", "{done}");
    let video = get(addr, &format!("/v1/videos/{id}/content"), key);
    let tmp = tempfile::tempdir().unwrap();
    let rec = reel_render::read_request(&write_tmp(tmp.path(), "v.mp4", &video.body)).unwrap();
    assert_eq!(rec.inputs.len(), 1, "the image is the first frame");
    assert_eq!(rec.inputs[0].position, 0);
    rec.inputs[0].sha256.clone()
}

fn upload_file(
    addr: std::net::SocketAddr,
    key: Option<&str>,
    name: &str,
    bytes: &[u8],
    purpose: &str,
) -> Value {
    let r = post_multipart(
        addr,
        "/v1/files",
        key,
        &[
            Part::File("file", name, "application/octet-stream", bytes),
            Part::Text("purpose", purpose),
        ],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

#[test]
fn files_api_stores_per_key_and_feeds_input_reference() {
    let s = TestServer::start(test_config(json!({"api_keys": ["key-a", "key-b"]})));
    let (a, ka, kb) = (s.addr, Some("key-a"), Some("key-b"));
    let png = png_bytes(40, 30);
    let f = upload_file(a, ka, "ref.png", &png, "vision");
    let fid = f["id"].as_str().unwrap().to_string();
    assert!(fid.starts_with("file-"), "{f}");
    assert_eq!(f["object"], "file");
    assert_eq!(f["bytes"], png.len());
    assert_eq!(f["filename"], "ref.png");
    assert_eq!(f["purpose"], "vision");
    assert_eq!(f["status"], "processed");
    assert!(f["created_at"].as_i64().unwrap() > 0 && f["expires_at"].is_null());
    assert!(s.data.path().join("files").join(&fid).exists());
    assert_eq!(get(a, &format!("/v1/files/{fid}"), ka).json(), f);
    let content = get(a, &format!("/v1/files/{fid}/content"), ka);
    assert_eq!(content.status, 200);
    assert_eq!(content.header("content-type"), Some("image/png"));
    assert_eq!(content.body, png);

    let text = upload_file(a, ka, "notes.txt", b"just some notes", "user_data");
    let tid = text["id"].as_str().unwrap().to_string();
    let all = get(a, "/v1/files", ka).json();
    assert_eq!(all["object"], "list");
    let ids: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![tid.as_str(), fid.as_str()], "newest first");
    let page = get(a, "/v1/files?limit=1", ka).json();
    assert_eq!(
        (page["has_more"].as_bool(), page["last_id"].as_str()),
        (Some(true), Some(tid.as_str()))
    );
    let next = get(a, &format!("/v1/files?limit=1&after={tid}"), ka).json();
    assert_eq!(next["data"][0]["id"], fid.as_str());
    assert_eq!(next["has_more"], false);
    let vision = get(a, "/v1/files?purpose=vision", ka).json();
    assert_eq!(vision["data"].as_array().unwrap().len(), 1);
    assert_eq!(vision["data"][0]["id"], fid.as_str());

    // Another key sees none of it.
    get(a, &format!("/v1/files/{fid}"), kb).api_error(404);
    get(a, &format!("/v1/files/{fid}/content"), kb).api_error(404);
    delete(a, &format!("/v1/files/{fid}"), kb).api_error(404);
    assert_eq!(get(a, "/v1/files", kb).json()["data"], json!([]));
    let e = post_multipart(
        a,
        "/v1/videos",
        kb,
        &[
            Part::Text("prompt", "a blue square"),
            Part::Text("input_reference[file_id]", &fid),
        ],
    )
    .api_error(404);
    assert_eq!(
        (e["param"].as_str(), e["code"].as_str()),
        (Some("input_reference"), Some("not_found"))
    );

    // The owner's file is the first frame, by multipart field and by JSON body, and it is the
    // same image as the same PNG uploaded directly.
    let by_field = post_multipart(
        a,
        "/v1/videos",
        ka,
        &[
            Part::Text("prompt", "a blue square moves left"),
            Part::Text("seconds", "1"),
            Part::Text("size", "64x48"),
            Part::Text("input_reference[file_id]", &fid),
        ],
    );
    assert_eq!(
        by_field.status,
        200,
        "{}",
        String::from_utf8_lossy(&by_field.body)
    );
    let by_json = post_json(
        a,
        "/v1/videos",
        ka,
        &json!({"prompt": "a blue square moves left", "seconds": "1", "size": "64x48",
                "input_reference": {"file_id": fid}}),
    );
    assert_eq!(
        by_json.status,
        200,
        "{}",
        String::from_utf8_lossy(&by_json.body)
    );
    let direct = post_multipart(
        a,
        "/v1/videos",
        ka,
        &[
            Part::Text("prompt", "a blue square moves left"),
            Part::Text("seconds", "1"),
            Part::Text("size", "64x48"),
            Part::File("input_reference", "ref.png", "image/png", &png),
        ],
    );
    let hashes: Vec<String> = [by_field, by_json, direct]
        .iter()
        .map(|r| recorded_input_hash(a, r.json()["id"].as_str().unwrap(), ka))
        .collect();
    assert_eq!(hashes[0], hashes[2]);
    assert_eq!(hashes[1], hashes[2]);

    // A file that is not an image; an unknown id; two references at once.
    let e = post_json(
        a,
        "/v1/videos",
        ka,
        &json!({"prompt": "x", "input_reference": {"file_id": tid}}),
    )
    .api_error(400);
    assert_eq!(
        (e["param"].as_str(), e["code"].as_str()),
        (Some("input_reference"), Some("invalid_value"))
    );
    for unknown in ["file-doesnotexist", "file-../../jobs.sqlite", "video_123"] {
        let e = post_json(
            a,
            "/v1/videos",
            ka,
            &json!({"prompt": "x", "input_reference": {"file_id": unknown}}),
        )
        .api_error(404);
        assert_eq!(e["param"], "input_reference", "{unknown}");
    }
    let e = post_multipart(
        a,
        "/v1/videos",
        ka,
        &[
            Part::Text("prompt", "x"),
            Part::Text("input_reference[file_id]", &fid),
            Part::File("input_reference", "ref.png", "image/png", &png),
        ],
    )
    .api_error(400);
    assert_eq!(e["param"], "input_reference");

    // Delete: gone from the API and the disk; the video made from it keeps its own copy.
    let d = delete(a, &format!("/v1/files/{fid}"), ka);
    assert_eq!(
        d.json(),
        json!({"id": fid, "object": "file", "deleted": true})
    );
    get(a, &format!("/v1/files/{fid}"), ka).api_error(404);
    assert!(!s.data.path().join("files").join(&fid).exists());
    let e = post_json(
        a,
        "/v1/videos",
        ka,
        &json!({"prompt": "x", "input_reference": {"file_id": fid}}),
    )
    .api_error(404);
    assert_eq!(e["param"], "input_reference");
}

#[test]
fn files_api_rejects_bad_uploads() {
    let s = TestServer::start(test_config(json!({"max_upload_bytes": 65536})));
    let a = s.addr;
    let big = vec![7u8; 200_000];
    let r = post_multipart(
        a,
        "/v1/files",
        None,
        &[
            Part::Text("purpose", "user_data"),
            Part::File("file", "big.bin", "application/octet-stream", &big),
        ],
    );
    assert_eq!(r.api_error(413)["code"], "request_too_large");
    let png = png_bytes(8, 8);
    let cases: Vec<(Vec<Part>, &str)> = vec![
        (
            vec![Part::File("file", "a.png", "image/png", &png)],
            "purpose",
        ),
        (
            vec![
                Part::File("file", "a.png", "image/png", &png),
                Part::Text("purpose", "wallpaper"),
            ],
            "purpose",
        ),
        (vec![Part::Text("purpose", "vision")], "file"),
        (
            vec![
                Part::Text("file", "/etc/passwd"),
                Part::Text("purpose", "vision"),
            ],
            "file",
        ),
        (
            vec![
                Part::File("file", "a.png", "image/png", b""),
                Part::Text("purpose", "vision"),
            ],
            "file",
        ),
        (
            vec![
                Part::File("file", "a.png", "image/png", &png),
                Part::Text("purpose", "vision"),
                Part::Text("expires_after[anchor]", "created_at"),
                Part::Text("expires_after[seconds]", "60"),
            ],
            "expires_after[seconds]",
        ),
        (
            vec![
                Part::File("file", "a.png", "image/png", &png),
                Part::Text("purpose", "vision"),
                Part::Text("expires_after[anchor]", "last_used"),
                Part::Text("expires_after[seconds]", "3600"),
            ],
            "expires_after[anchor]",
        ),
    ];
    for (parts, param) in cases {
        let e = post_multipart(a, "/v1/files", None, &parts).api_error(400);
        assert_eq!(e["param"], param, "{e}");
    }
    // Nothing of those was kept.
    assert_eq!(get(a, "/v1/files", None).json()["data"], json!([]));
    let r = post_multipart(
        a,
        "/v1/files",
        None,
        &[
            Part::File("file", "../../dir/a.png", "image/png", &png),
            Part::Text("purpose", "vision"),
            Part::Text("expires_after[anchor]", "created_at"),
            Part::Text("expires_after[seconds]", "3600"),
        ],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let f = r.json();
    assert_eq!(
        f["filename"], "a.png",
        "only the last path component is kept"
    );
    assert_eq!(
        f["expires_at"].as_i64().unwrap(),
        f["created_at"].as_i64().unwrap() + 3600
    );
    get(a, "/v1/files/file-unknown", None).api_error(404);
    get(a, "/v1/files/..%2F..%2Fjobs.sqlite/content", None).api_error(404);
    assert_eq!(
        get(a, "/v1/files?limit=0", None).api_error(400)["param"],
        "limit"
    );
    assert_eq!(
        get(a, "/v1/files?after=file-nope", None).api_error(400)["param"],
        "after"
    );
    // Wrong method on a known route: still OpenAI's shape.
    http(a, "PUT", "/v1/files", &[], b"").api_error(405);
}

/// A short MP4 (moving gradient) for character uploads.
fn small_mp4() -> Vec<u8> {
    let frames = (0..8)
        .map(|t| {
            image::RgbImage::from_fn(32, 32, |x, y| {
                image::Rgb([(x * 8 + t * 10) as u8, (y * 8) as u8, 90])
            })
        })
        .collect();
    let video = reel_media::Video::new(frames, 8.0).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("c.mp4");
    reel_media::write_video(&video, &path, &Default::default()).unwrap();
    std::fs::read(path).unwrap()
}

#[test]
fn characters_are_stored_per_key() {
    let s = TestServer::start(test_config(json!({"api_keys": ["key-a", "key-b"]})));
    let (a, ka, kb) = (s.addr, Some("key-a"), Some("key-b"));
    let mp4 = small_mp4();
    let r = post_multipart(
        a,
        "/v1/videos/characters",
        ka,
        &[
            Part::Text("name", "Red Ball"),
            Part::File("video", "ball.mp4", "video/mp4", &mp4),
        ],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let c = r.json();
    let cid = c["id"].as_str().unwrap().to_string();
    assert!(cid.starts_with("char_"), "{c}");
    assert_eq!(c["name"], "Red Ball");
    assert!(c["created_at"].as_i64().unwrap() > 0);
    let stored = s.data.path().join("characters").join(&cid).join("clip.mp4");
    assert_eq!(std::fs::read(&stored).unwrap(), mp4);
    assert_eq!(
        get(a, &format!("/v1/videos/characters/{cid}"), ka).json(),
        c
    );
    get(a, &format!("/v1/videos/characters/{cid}"), kb).api_error(404);
    get(a, "/v1/videos/characters/char_unknown", ka).api_error(404);
    get(a, "/v1/videos/characters/..%2Fjobs.sqlite", ka).api_error(404);

    let bad: Vec<(Vec<Part>, &str)> = vec![
        (
            vec![Part::File("video", "b.mp4", "video/mp4", &mp4)],
            "name",
        ),
        (
            vec![
                Part::Text("name", "  "),
                Part::File("video", "b.mp4", "video/mp4", &mp4),
            ],
            "name",
        ),
        (vec![Part::Text("name", "Blue")], "video"),
        (
            vec![
                Part::Text("name", "Blue"),
                Part::Text("video", "/etc/passwd"),
            ],
            "video",
        ),
        (
            vec![
                Part::Text("name", "Blue"),
                Part::File("video", "b.mp4", "video/mp4", b"not a video at all"),
            ],
            "video",
        ),
    ];
    for (parts, param) in bad {
        let e = post_multipart(a, "/v1/videos/characters", ka, &parts).api_error(400);
        assert_eq!(e["param"], param, "{e}");
    }
    // Only the good one left a folder behind.
    let dirs = std::fs::read_dir(s.data.path().join("characters"))
        .unwrap()
        .count();
    assert_eq!(dirs, 1);

    delete(a, &format!("/v1/videos/characters/{cid}"), kb).api_error(404);
    let d = delete(a, &format!("/v1/videos/characters/{cid}"), ka);
    assert_eq!(
        d.json(),
        json!({"id": cid, "object": "character.deleted", "deleted": true})
    );
    get(a, &format!("/v1/videos/characters/{cid}"), ka).api_error(404);
    assert!(!stored.exists());
}
