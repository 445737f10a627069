//! PNG stills and PNG sequences (a folder of `frame_00000.png`… plus `sequence.json`).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::fsutil::{ensure_dir, read_all, write_atomic};
use crate::{Frame, Video};

/// PNG text keyword holding the request record.
pub const META_KEY: &str = "reel:request";
/// Name of the JSON file written next to a PNG sequence.
pub const SEQUENCE_JSON: &str = "sequence.json";
/// File name pattern used when the target is a folder.
pub const DEFAULT_PATTERN: &str = "frame_%05d.png";

/// Encodes one RGB frame as PNG, with the request record in an iTXt chunk.
pub fn encode_png(frame: &Frame, metadata: Option<&str>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, frame.width(), frame.height());
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        if let Some(m) = metadata {
            enc.add_itxt_chunk(META_KEY.to_string(), m.to_string())
                .map_err(|e| anyhow!("cannot add PNG metadata: {e}"))?;
        }
        let mut w = enc
            .write_header()
            .map_err(|e| anyhow!("PNG encoding failed: {e}"))?;
        w.write_image_data(frame.as_raw())
            .map_err(|e| anyhow!("PNG encoding failed: {e}"))?;
        w.finish()
            .map_err(|e| anyhow!("PNG encoding failed: {e}"))?;
    }
    Ok(out)
}

/// The request record in a PNG's text chunks (iTXt, tEXt or zTXt), if any.
pub fn read_png_metadata(data: &[u8]) -> Result<Option<String>> {
    let dec = png::Decoder::new(std::io::Cursor::new(data));
    let reader = dec
        .read_info()
        .map_err(|e| anyhow!("not a readable PNG: {e}"))?;
    let info = reader.info();
    for c in &info.utf8_text {
        if c.keyword == META_KEY {
            return c
                .get_text()
                .map(Some)
                .map_err(|e| anyhow!("bad PNG text chunk: {e}"));
        }
    }
    for c in &info.uncompressed_latin1_text {
        if c.keyword == META_KEY {
            return Ok(Some(c.text.clone()));
        }
    }
    for c in &info.compressed_latin1_text {
        if c.keyword == META_KEY {
            return c
                .get_text()
                .map(Some)
                .map_err(|e| anyhow!("bad PNG text chunk: {e}"));
        }
    }
    Ok(None)
}

/// Where a sequence lives: folder and `printf`-style file pattern with one `%0Nd`.
#[derive(Clone, Debug, PartialEq)]
pub struct SeqTarget {
    pub dir: PathBuf,
    pub pattern: String,
}

/// Parses `%0Nd` / `%d` out of a file name pattern: (prefix, width, suffix).
pub fn split_pattern(pattern: &str) -> Option<(String, usize, String)> {
    let start = pattern.find('%')?;
    let rest = &pattern[start + 1..];
    let end = rest.find('d')?;
    let spec = &rest[..end];
    if !spec.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let width = if spec.is_empty() {
        0
    } else {
        spec.parse().ok()?
    };
    let suffix = &rest[end + 1..];
    if suffix.contains('%') {
        return None;
    }
    Some((pattern[..start].to_string(), width, suffix.to_string()))
}

pub fn has_pattern(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| split_pattern(n).is_some())
}

fn format_name(pattern: &str, i: usize) -> String {
    let (pre, width, suf) = split_pattern(pattern).expect("pattern checked by caller");
    format!("{pre}{i:0width$}{suf}")
}

impl SeqTarget {
    /// A folder (`out/` or an existing directory) or a pattern path (`out/f_%04d.png`).
    pub fn from_path(path: &Path) -> Result<Self> {
        if has_pattern(path) {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            if !name.to_ascii_lowercase().ends_with(".png") {
                bail!(
                    "frame pattern {} must end in .png (PNG sequence)",
                    path.display()
                );
            }
            return Ok(Self {
                dir: crate::fsutil::parent_dir(path),
                pattern: name,
            });
        }
        Ok(Self {
            dir: path.to_path_buf(),
            pattern: DEFAULT_PATTERN.to_string(),
        })
    }

    pub fn frame_path(&self, i: usize) -> PathBuf {
        self.dir.join(format_name(&self.pattern, i))
    }
}

/// Contents of `sequence.json`.
#[derive(Serialize, Deserialize, Debug)]
pub struct SequenceInfo {
    pub format: String,
    pub pattern: String,
    pub frames: usize,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
}

pub fn write_sequence(video: &Video, target: &SeqTarget, metadata: Option<&str>) -> Result<()> {
    if target.dir.exists() && !target.dir.is_dir() {
        bail!(
            "cannot write a PNG sequence into {}: it is a file, not a folder",
            target.dir.display()
        );
    }
    ensure_dir(&target.dir)?;
    // Encode everything first so a codec error leaves the folder untouched.
    let encoded: Vec<Vec<u8>> = video
        .frames
        .iter()
        .map(|f| encode_png(f, None))
        .collect::<Result<_>>()?;
    for (i, bytes) in encoded.iter().enumerate() {
        write_atomic(&target.frame_path(i), bytes)?;
    }
    // Frames left over from an earlier, longer sequence with the same pattern would be read back
    // by tools that glob the folder; remove them.
    let mut i = video.len();
    loop {
        let p = target.frame_path(i);
        if !p.is_file() {
            break;
        }
        fs::remove_file(&p)
            .with_context(|| format!("cannot remove stale frame {}", p.display()))?;
        i += 1;
    }
    let info = SequenceInfo {
        format: "reel-png-sequence".into(),
        pattern: target.pattern.clone(),
        frames: video.len(),
        width: video.width(),
        height: video.height(),
        fps: video.fps,
        metadata: metadata.map(str::to_string),
    };
    let json = serde_json::to_vec_pretty(&info)?;
    write_atomic(&target.dir.join(SEQUENCE_JSON), &json)
}

pub fn read_sequence_info(dir: &Path) -> Result<Option<SequenceInfo>> {
    let p = dir.join(SEQUENCE_JSON);
    if !p.is_file() {
        return Ok(None);
    }
    let bytes = read_all(&p)?;
    let info: SequenceInfo = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a valid sequence description", p.display()))?;
    if split_pattern(&info.pattern).is_none() || info.pattern.contains('/') {
        bail!("{}: bad frame pattern '{}'", p.display(), info.pattern);
    }
    Ok(Some(info))
}

/// Frame rate assumed for a folder of PNGs without `sequence.json`.
pub const DEFAULT_SEQUENCE_FPS: f64 = 24.0;

/// Resolves the frame files of a sequence and its frame rate (and metadata, if recorded).
pub fn sequence_files(path: &Path) -> Result<(Vec<PathBuf>, f64, Option<String>)> {
    if has_pattern(path) {
        let target = SeqTarget::from_path(path)?;
        let info = read_sequence_info(&target.dir)?;
        let files = numbered_files(&target)?;
        let fps = info
            .as_ref()
            .filter(|i| i.pattern == target.pattern)
            .map_or(DEFAULT_SEQUENCE_FPS, |i| i.fps);
        return Ok((files, fps, info.and_then(|i| i.metadata)));
    }
    if !path.is_dir() {
        bail!("{} is not a folder of PNG frames", path.display());
    }
    if let Some(info) = read_sequence_info(path)? {
        let target = SeqTarget {
            dir: path.to_path_buf(),
            pattern: info.pattern.clone(),
        };
        let files: Vec<PathBuf> = (0..info.frames).map(|i| target.frame_path(i)).collect();
        if let Some(missing) = files.iter().find(|f| !f.is_file()) {
            bail!(
                "PNG sequence {} lists {} frames but {} is missing",
                path.display(),
                info.frames,
                missing.display()
            );
        }
        return Ok((files, info.fps, info.metadata));
    }
    // No description: every *.png in the folder, in natural (numeric-aware) order.
    let mut files: Vec<PathBuf> = fs::read_dir(path)
        .with_context(|| format!("cannot list {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| e.eq_ignore_ascii_case("png"))
        })
        .collect();
    files.sort_by_key(|p| natural_key(&p.file_name().unwrap().to_string_lossy()));
    Ok((files, DEFAULT_SEQUENCE_FPS, None))
}

/// Files matching the pattern, from 0 (or 1) upward until the first gap.
fn numbered_files(target: &SeqTarget) -> Result<Vec<PathBuf>> {
    let start = if target.frame_path(0).is_file() { 0 } else { 1 };
    let mut files = Vec::new();
    let mut i = start;
    while target.frame_path(i).is_file() {
        files.push(target.frame_path(i));
        i += 1;
    }
    Ok(files)
}

/// Splits a name into text and number runs so that "f2" sorts before "f10".
fn natural_key(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut num = c.to_digit(10).unwrap() as u64;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                num = num.saturating_mul(10).saturating_add(d as u64);
                chars.next();
            }
            out.push((std::mem::take(&mut text), num));
        } else {
            text.push(c);
        }
    }
    out.push((text, u64::MAX));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert_eq!(
            split_pattern("f_%04d.png"),
            Some(("f_".into(), 4, ".png".into()))
        );
        assert_eq!(split_pattern("%d.png"), Some(("".into(), 0, ".png".into())));
        assert_eq!(split_pattern("f_%s.png"), None);
        assert_eq!(split_pattern("plain.png"), None);
        assert_eq!(format_name("f_%04d.png", 7), "f_0007.png");
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["f10.png", "f2.png", "f1.png"];
        v.sort_by_key(|s| natural_key(s));
        assert_eq!(v, ["f1.png", "f2.png", "f10.png"]);
    }
}
