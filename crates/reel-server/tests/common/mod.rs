//! Test harness: a tiny random model bundle, servers on random loopback ports, and a minimal
//! HTTP/1.1 client (so malformed requests can be sent byte for byte).
#![allow(dead_code)]

use reel_server::{Server, ServerConfig};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// One random "tiny" bundle for the whole test binary.
pub fn tiny_bundle() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("reel-server-test-bundle-{}", std::process::id()));
        if !dir.join("config.json").exists() {
            reel_models::bundle::init_random_bundle("tiny", 7, &dir).expect("tiny bundle");
        }
        dir
    })
    .clone()
}

/// A config with `sora-2` on the tiny bundle (2 steps) and `slow` on it with many steps, so a
/// job stays running long enough to be seen, cancelled or killed.
pub fn test_config(extra: Value) -> ServerConfig {
    let bundle = tiny_bundle();
    let mut cfg = json!({
        "models": {
            "sora-2": {"path": bundle, "steps": 2},
            "slow": {"path": bundle, "steps": 1000},
        },
        "poll_after_ms": 50,
    });
    if let (Value::Object(a), Value::Object(b)) = (&mut cfg, extra) {
        for (k, v) in b {
            a.insert(k, v);
        }
    }
    serde_json::from_value(cfg).expect("test config")
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub data: tempfile::TempDir,
    _rt: tokio::runtime::Runtime,
}

impl TestServer {
    pub fn start(cfg: ServerConfig) -> TestServer {
        let data = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = rt
            .block_on(Server::bind(cfg, "127.0.0.1:0", data.path()))
            .expect("server binds");
        let addr = server.local_addr().unwrap();
        rt.spawn(server.run());
        TestServer {
            addr,
            data,
            _rt: rt,
        }
    }
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Asserts an OpenAI-shaped error with this status; returns `error`.
    pub fn api_error(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        let v = self.json();
        let e = v["error"].clone();
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        assert!(e["type"].is_string(), "{v}");
        assert!(e.get("param").is_some() && e.get("code").is_some(), "{v}");
        e
    }
}

pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) before reading everything; a reset then is fine.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP response: {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
    out
}

pub enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a str, &'a [u8]),
}

pub const BOUNDARY: &str = "reeltestboundary7MA4YWxkTrZu0gW";

pub fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut b = Vec::new();
    for p in parts {
        b.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match p {
            Part::Text(name, value) => {
                b.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File(name, filename, ctype, bytes) => {
                b.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {ctype}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                b.extend_from_slice(bytes);
                b.extend_from_slice(b"\r\n");
            }
        }
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

pub fn mp_header() -> (&'static str, String) {
    (
        "Content-Type",
        format!("multipart/form-data; boundary={BOUNDARY}"),
    )
}

pub fn post_multipart(addr: SocketAddr, path: &str, auth: Option<&str>, parts: &[Part]) -> Resp {
    let ct = mp_header();
    let bearer = auth.map(|k| format!("Bearer {k}"));
    let mut h: Vec<(&str, &str)> = vec![(ct.0, ct.1.as_str())];
    if let Some(b) = &bearer {
        h.push(("Authorization", b));
    }
    http(addr, "POST", path, &h, &multipart(parts))
}

pub fn post_json(addr: SocketAddr, path: &str, auth: Option<&str>, body: &Value) -> Resp {
    let bearer = auth.map(|k| format!("Bearer {k}"));
    let mut h: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
    if let Some(b) = &bearer {
        h.push(("Authorization", b));
    }
    http(addr, "POST", path, &h, body.to_string().as_bytes())
}

pub fn get(addr: SocketAddr, path: &str, auth: Option<&str>) -> Resp {
    let bearer = auth.map(|k| format!("Bearer {k}"));
    let h: Vec<(&str, &str)> = bearer
        .iter()
        .map(|b| ("Authorization", b.as_str()))
        .collect();
    http(addr, "GET", path, &h, b"")
}

pub fn delete(addr: SocketAddr, path: &str, auth: Option<&str>) -> Resp {
    let bearer = auth.map(|k| format!("Bearer {k}"));
    let h: Vec<(&str, &str)> = bearer
        .iter()
        .map(|b| ("Authorization", b.as_str()))
        .collect();
    http(addr, "DELETE", path, &h, b"")
}

/// Polls GET /v1/videos/{id} until `done` holds; panics after 120 s.
pub fn wait_for(
    addr: SocketAddr,
    id: &str,
    auth: Option<&str>,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let start = Instant::now();
    loop {
        let r = get(addr, &format!("/v1/videos/{id}"), auth);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let v = r.json();
        if done(&v) {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting on {v}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn wait_finished(addr: SocketAddr, id: &str, auth: Option<&str>) -> Value {
    wait_for(addr, id, auth, |v| {
        v["status"] == "completed" || v["status"] == "failed"
    })
}

/// A small PNG (gradient), for image-to-video.
pub fn png_bytes(w: u32, h: u32) -> Vec<u8> {
    let img =
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn is_mp4(b: &[u8]) -> bool {
    b.len() > 12 && &b[4..8] == b"ftyp"
}
pub fn is_webp(b: &[u8]) -> bool {
    b.len() > 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP"
}
pub fn is_jpeg(b: &[u8]) -> bool {
    b.starts_with(&[0xFF, 0xD8, 0xFF])
}

pub fn write_tmp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}
