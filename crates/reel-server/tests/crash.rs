//! Kill -9 the server with jobs queued and running, restart it on the same data folder: every
//! job ends completed or failed, none is lost or stuck.
//!
//! The server runs in a child process: this test binary re-runs itself with only the ignored
//! `child_server` test selected and `REEL_CHILD_SERVER` set, so no extra binary is needed.

mod common;
use common::*;
use serde_json::json;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[test]
#[ignore = "runs only as the child process of kill_9_then_restart"]
fn child_server() {
    let Ok(spec) = std::env::var("REEL_CHILD_SERVER") else {
        return;
    };
    let spec: serde_json::Value = serde_json::from_str(&spec).unwrap();
    let data = Path::new(spec["data"].as_str().unwrap()).to_path_buf();
    let addr_file = data.join("addr.txt");
    let cfg = test_config(json!({}));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let server = reel_server::Server::bind(cfg, "127.0.0.1:0", &data)
            .await
            .unwrap();
        let tmp = addr_file.with_extension("tmp");
        std::fs::write(&tmp, server.local_addr().unwrap().to_string()).unwrap();
        std::fs::rename(&tmp, &addr_file).unwrap();
        server.run().await.unwrap();
    });
}

/// Kills the child server however the test ends, so a failed assertion leaves no server behind.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_child(data: &Path) -> (Killed, std::net::SocketAddr) {
    let addr_file = data.join("addr.txt");
    let _ = std::fs::remove_file(&addr_file);
    let child = Killed(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "child_server",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("REEL_CHILD_SERVER", json!({"data": data}).to_string())
            .env("REEL_MODEL", tiny_bundle())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the child server"),
    );
    let start = Instant::now();
    loop {
        if let Ok(s) = std::fs::read_to_string(&addr_file) {
            return (child, s.trim().parse().unwrap());
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "child server never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kill_9_then_restart() {
    let data = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_child(data.path());
    let mut ids = Vec::new();
    // One slow job that will be running at the kill, then quick ones left queued behind it.
    let slow = post_multipart(
        addr,
        "/v1/videos",
        None,
        &[
            Part::Text("prompt", "a slow ball"),
            Part::Text("model", "slow"),
            Part::Text("seconds", "1"),
            Part::Text("size", "64x64"),
        ],
    );
    assert_eq!(slow.status, 200);
    ids.push(slow.json()["id"].as_str().unwrap().to_string());
    for i in 0..3 {
        let r = post_multipart(
            addr,
            "/v1/videos",
            None,
            &[
                Part::Text("prompt", &format!("a red ball {i}")),
                Part::Text("seconds", "1"),
                Part::Text("size", "64x64"),
            ],
        );
        assert_eq!(r.status, 200);
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    wait_for(addr, &ids[0], None, |v| v["status"] == "in_progress");
    assert_eq!(
        get(addr, &format!("/v1/videos/{}", ids[1]), None).json()["status"],
        "queued"
    );
    child.0.kill().unwrap(); // SIGKILL on Unix
    child.0.wait().unwrap();

    let (child, addr) = spawn_child(data.path());
    let interrupted = get(addr, &format!("/v1/videos/{}", ids[0]), None).json();
    assert_eq!(interrupted["status"], "failed", "{interrupted}");
    assert_eq!(interrupted["error"]["code"], "server_interrupted");
    for id in &ids[1..] {
        let v = wait_finished(addr, id, None);
        assert_eq!(
            v["status"], "completed",
            "queued jobs resume after the restart: {v}"
        );
    }
    let all = get(addr, "/v1/videos?limit=100", None).json();
    assert_eq!(
        all["data"].as_array().unwrap().len(),
        ids.len(),
        "no job lost"
    );
    drop(child);
}
