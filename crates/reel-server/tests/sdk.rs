//! The official `openai` Python package, unmodified, against a live server (tests/sdk_test.py).
//!
//! The package comes from a virtualenv outside the repository: `$REEL_SDK_VENV`, else
//! `/work/venv-sdk`, else one made in the temp dir with `python3 -m venv` + `pip install openai`.
//! If that cannot be had the test is skipped, unless `REEL_REQUIRE_SDK=1` (CI), where it fails.

mod common;
use common::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

fn has_openai(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import openai"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn sdk_python() -> Result<PathBuf, String> {
    let venv = match std::env::var_os("REEL_SDK_VENV") {
        Some(v) => PathBuf::from(v),
        None if Path::new("/work/venv-sdk/bin/python").exists() => PathBuf::from("/work/venv-sdk"),
        None => std::env::temp_dir().join("reel-sdk-venv"),
    };
    let python = venv.join("bin/python");
    if python.exists() && has_openai(&python) {
        return Ok(python);
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("cannot run python3 -m venv: {e}"))?;
    if !made.status.success() {
        return Err(format!(
            "python3 -m venv {} failed (on Debian: apt-get install python3-venv): {}",
            venv.display(),
            String::from_utf8_lossy(&made.stderr)
        ));
    }
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "-q", "openai"])
        .output()
        .map_err(|e| format!("cannot run pip: {e}"))?;
    if !pip.status.success() || !has_openai(&python) {
        return Err(format!(
            "pip install openai into {} failed: {}",
            venv.display(),
            String::from_utf8_lossy(&pip.stderr)
        ));
    }
    Ok(python)
}

#[test]
fn official_openai_sdk_drives_the_server() {
    let python = match sdk_python() {
        Ok(p) => p,
        Err(e) if std::env::var("REEL_REQUIRE_SDK").as_deref() == Ok("1") => {
            panic!("REEL_REQUIRE_SDK=1 but the openai package is unavailable: {e}")
        }
        Err(e) => {
            eprintln!("skipping the SDK test: {e}");
            return;
        }
    };
    let s = TestServer::start(test_config(
        json!({"api_keys": ["sdk-key", "sdk-key-2"], "queue_limit": 2}),
    ));
    let tmp = tempfile::tempdir().unwrap();
    let png = write_tmp(tmp.path(), "ref.png", &png_bytes(64, 48));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk_test.py");
    let out = Command::new(&python)
        .arg(&script)
        .env("REEL_BASE_URL", format!("http://{}/v1", s.addr))
        .env("REEL_KEY", "sdk-key")
        .env("REEL_KEY_2", "sdk-key-2")
        .env("REEL_REF_PNG", &png)
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_ORG_ID")
        .env_remove("OPENAI_PROJECT_ID")
        .output()
        .expect("run the SDK script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "SDK script failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
