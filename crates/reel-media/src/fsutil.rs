//! Atomic file writes and small helpers shared by the codecs.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};

/// The directory a file at `path` lives in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Creates `dir` (and parents) if missing, with an error naming it.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output directory {}", dir.display()))
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// failure never leaves a half-written file and never destroys an existing one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.is_dir() {
        return Err(anyhow!(
            "cannot write {}: it is an existing directory",
            path.display()
        ));
    }
    let dir = parent_dir(path);
    ensure_dir(&dir).with_context(|| format!("cannot write {}", path.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".reel-tmp-")
        .tempfile_in(&dir)
        .with_context(|| {
            format!(
                "cannot write {}: creating a file in {} failed",
                path.display(),
                dir.display()
            )
        })?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.flush())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

/// Reads a whole file with an error naming it.
pub fn read_all(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Percent-encodes everything but unreserved ASCII, so the text fits a space-separated header.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~:,{}[]\"".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn percent_decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .ok_or_else(|| anyhow!("truncated %-escape in metadata"))?;
            let v = u8::from_str_radix(hex, 16)
                .map_err(|_| anyhow!("bad %-escape '%{hex}' in metadata"))?;
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| anyhow!("metadata is not valid UTF-8"))
}

/// The simplest rational p/q (q from a short list of common denominators) whose frame duration
/// explains a measured total of `total` ticks for `frames` frames within `tol` ticks; otherwise
/// the measured rate. Timescales quantise frame durations, so 8 fps at 100 ticks/s (GIF) or
/// 7 fps at 90 kHz cannot be stored exactly; this recovers the intended rate.
pub fn snap_fps(frames: u64, total: u64, timescale: f64, tol: f64) -> f64 {
    if frames == 0 || total == 0 {
        return 0.0;
    }
    let raw = frames as f64 * timescale / total as f64;
    for q in [1.0, 1001.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 16.0] {
        let p = (raw * q).round();
        if p < 1.0 {
            continue;
        }
        let fps = p / q;
        let expected = frames as f64 * timescale / fps;
        if (expected - total as f64).abs() <= tol {
            return fps;
        }
    }
    raw
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_round_trip() {
        let s = "{\"prompt\": \"a cat % 100\\n\", \"é\": 1}";
        let e = percent_encode(s);
        assert!(!e.contains(' ') && !e.contains('\n'));
        assert_eq!(percent_decode(&e).unwrap(), s);
        assert!(percent_decode("%4").is_err());
        assert!(percent_decode("%ZZ").is_err());
    }

    #[test]
    fn snaps_common_rates() {
        // 17 frames at 8 fps in centiseconds: delays alternate 12/13 for a total of 213.
        assert_eq!(snap_fps(17, 213, 100.0, 1.0), 8.0);
        // 30000/1001 at 90 kHz is exactly 3003 ticks a frame.
        assert_eq!(snap_fps(10, 30030, 90000.0, 2.0), 30000.0 / 1001.0);
        // 24 vs 23.976 are told apart.
        assert_eq!(snap_fps(17, 17 * 3750, 90000.0, 2.0), 24.0);
        // A rate no short rational explains stays as measured.
        let r = snap_fps(3, 100_003, 90000.0, 2.0);
        assert_eq!(r, 3.0 * 90000.0 / 100_003.0);
    }
}
