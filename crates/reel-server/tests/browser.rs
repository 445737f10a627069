//! Headless Chromium loads the page, submits a prompt (via `?prompt=`, which the page's own
//! script submits through the form), and the result plays: the page marks
//! `<body data-played=ID>` once the <video> element's currentTime has advanced.
//!
//! Needs Debian's `chromium` (`/usr/bin/chromium` or `$REEL_CHROMIUM`); skipped without it unless
//! `REEL_REQUIRE_BROWSER=1`.

mod common;
use common::*;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let p = std::env::var_os("REEL_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    p.exists().then_some(p)
}

#[test]
fn page_generates_and_plays_a_video() {
    let Some(chrome) = chromium() else {
        assert!(
            std::env::var("REEL_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "REEL_REQUIRE_BROWSER=1 but chromium is not installed (apt-get install chromium)"
        );
        eprintln!("skipping the browser test: no chromium");
        return;
    };
    let s = TestServer::start(test_config(json!({})));
    let profile = tempfile::tempdir().unwrap();
    let url = format!(
        "http://{}/?prompt=a%20red%20ball%20moves%20right&seconds=2",
        s.addr
    );
    let out = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--autoplay-policy=no-user-gesture-required",
            "--virtual-time-budget=60000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(&url)
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&out.stdout);
    let created = dom
        .split("data-created=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| {
            panic!(
                "the page never created a video:\n{dom}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    assert!(
        dom.contains(&format!("data-played=\"{created}\"")),
        "the video {created} did not play:\n{dom}"
    );
    let v = get(s.addr, &format!("/v1/videos/{created}"), None).json();
    assert_eq!(v["status"], "completed");
}
