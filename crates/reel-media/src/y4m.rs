//! YUV4MPEG2 (.y4m): uncompressed planar Y'CbCr with a text header.
//!
//! Written as 4:4:4 10-bit by default, which round-trips 8-bit RGB exactly (see `color`);
//! 4:2:0 and 4:4:4 at 8 bits are available. Read: 4:2:0, 4:2:2, 4:4:4 (and mono) at 8–16 bits.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use crate::color::{rgb_to_yuv, yuv_to_rgb, Matrix, Range, Subsampling, YuvPlanes};
use crate::fsutil::{percent_decode, percent_encode};
use crate::Video;

pub const MAGIC: &[u8] = b"YUV4MPEG2";
/// Header tag (after the `X` prefix) carrying the %-encoded request record.
const META_TAG: &str = "REEL_REQUEST=";
/// Longest header line we accept (files from other writers may carry long records).
const MAX_HEADER: usize = 16 << 20;
/// Longest header line, newline included, that ffmpeg's Y4M reader takes (`Y4M_LINE_MAX`); a
/// longer one makes it refuse the whole file ("Header too large").
pub const Y4M_HEADER_LIMIT: usize = 256;

/// Sample layout of a Y4M file we write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Y4mLayout {
    /// 4:2:0, 8 bits (`C420jpeg`), the most widely readable.
    C420,
    /// 4:4:4, 8 bits (`C444`); RGB round trip within ±2 levels.
    C444,
    /// 4:4:4, 10 bits (`C444p10`); RGB round trip is exact.
    #[default]
    C444p10,
}

impl Y4mLayout {
    fn parts(self) -> (Subsampling, u32, &'static str) {
        match self {
            Y4mLayout::C420 => (Subsampling::C420, 8, "420jpeg"),
            Y4mLayout::C444 => (Subsampling::C444, 8, "444"),
            Y4mLayout::C444p10 => (Subsampling::C444, 10, "444p10"),
        }
    }
}

/// fps as a small exact rational when it is one, else to a microsecond-ish precision.
pub fn fps_rational(fps: f64) -> (u64, u64) {
    for q in [1u64, 1001, 2, 3, 4, 5, 6, 8, 10, 12, 16, 100, 1000] {
        let p = (fps * q as f64).round();
        if p >= 1.0 && (p / q as f64 - fps).abs() <= 1e-9 * fps {
            return (p as u64, q);
        }
    }
    let q = 1_000_000u64;
    let p = (fps * q as f64).round().max(1.0) as u64;
    let g = gcd(p, q);
    (p / g, q / g)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

pub fn encode(video: &Video, layout: Y4mLayout, metadata: Option<&str>) -> Result<Vec<u8>> {
    let (sub, depth, tag) = layout.parts();
    let (num, den) = fps_rational(video.fps);
    let mut header = format!(
        "YUV4MPEG2 W{} H{} F{num}:{den} Ip A1:1 C{tag} XCOLORRANGE=LIMITED",
        video.width(),
        video.height()
    );
    if let Some(m) = metadata {
        // The record goes in only while ffmpeg can still read the file; a full request does
        // not fit, and then only the sidecar JSON next to the file holds it.
        let tag = format!(" X{META_TAG}{}", percent_encode(m));
        if header.len() + tag.len() < Y4M_HEADER_LIMIT {
            header.push_str(&tag);
        }
    }
    header.push('\n');
    let mut out = header.into_bytes();
    for f in &video.frames {
        out.extend_from_slice(b"FRAME\n");
        let p = rgb_to_yuv(f, sub, depth, Range::Limited);
        for plane in [&p.y, &p.u, &p.v] {
            if depth == 8 {
                out.extend(plane.iter().map(|s| *s as u8));
            } else {
                for s in plane.iter() {
                    out.extend_from_slice(&s.to_le_bytes());
                }
            }
        }
    }
    Ok(out)
}

/// A parsed stream header.
#[derive(Clone, Debug)]
pub struct Header {
    pub width: usize,
    pub height: usize,
    pub fps: f64,
    pub sub: Subsampling,
    pub mono: bool,
    pub alpha: bool,
    pub depth: u32,
    pub range: Range,
    pub metadata: Option<String>,
}

impl Header {
    pub fn frame_bytes(&self) -> usize {
        let bps = if self.depth > 8 { 2 } else { 1 };
        let luma = self.width * self.height;
        let (cw, ch) = self.sub.chroma_size(self.width, self.height);
        let chroma = if self.mono { 0 } else { 2 * cw * ch };
        let alpha = if self.alpha { luma } else { 0 };
        (luma + chroma + alpha) * bps
    }
}

fn parse_header(line: &[u8]) -> Result<Header> {
    let line = std::str::from_utf8(line).map_err(|_| anyhow!("Y4M header is not text"))?;
    let mut tokens = line.split(' ').filter(|t| !t.is_empty());
    if tokens.next() != Some("YUV4MPEG2") {
        bail!("not a Y4M file (missing YUV4MPEG2 signature)");
    }
    let (mut w, mut h, mut fps) = (None, None, None);
    let mut cs = "420jpeg".to_string();
    let mut range = Range::Limited;
    let mut metadata = None;
    for t in tokens {
        let (k, v) = t.split_at(1);
        match k {
            "W" => {
                w = Some(
                    v.parse::<usize>()
                        .map_err(|_| anyhow!("bad Y4M width '{v}'"))?,
                )
            }
            "H" => {
                h = Some(
                    v.parse::<usize>()
                        .map_err(|_| anyhow!("bad Y4M height '{v}'"))?,
                )
            }
            "F" => {
                let (n, d) = v
                    .split_once(':')
                    .ok_or_else(|| anyhow!("bad Y4M frame rate '{v}'"))?;
                let n: f64 = n.parse().map_err(|_| anyhow!("bad Y4M frame rate '{v}'"))?;
                let d: f64 = d.parse().map_err(|_| anyhow!("bad Y4M frame rate '{v}'"))?;
                if !(n > 0.0 && d > 0.0) {
                    bail!("Y4M frame rate must be positive, got '{v}'");
                }
                fps = Some(n / d);
            }
            "C" => cs = v.to_string(),
            "X" => {
                if let Some(m) = v.strip_prefix(META_TAG) {
                    metadata = Some(percent_decode(m)?);
                } else if v == "COLORRANGE=FULL" {
                    range = Range::Full;
                }
            }
            _ => {} // interlacing, aspect: not needed for decoding
        }
    }
    let width = w.ok_or_else(|| anyhow!("Y4M header has no width"))?;
    let height = h.ok_or_else(|| anyhow!("Y4M header has no height"))?;
    if width == 0 || height == 0 || width > 16384 || height > 16384 {
        bail!("unsupported Y4M frame size {width}x{height}");
    }
    let fps = fps.ok_or_else(|| anyhow!("Y4M header has no frame rate"))?;
    // A bit depth is a trailing `p<digits>` (420p10); `420jpeg`/`420paldv` have none.
    let (base, depth) = match cs.rsplit_once('p') {
        Some((b, d)) if !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()) => (
            b.to_string(),
            d.parse::<u32>()
                .map_err(|_| anyhow!("unsupported Y4M colour space C{cs}"))?,
        ),
        _ => (cs.clone(), 8),
    };
    if !(8..=16).contains(&depth) {
        bail!("unsupported Y4M bit depth {depth} (C{cs})");
    }
    let (sub, mono, alpha) = match base.as_str() {
        "420" | "420jpeg" | "420mpeg2" | "420paldv" => (Subsampling::C420, false, false),
        "422" => (Subsampling::C422, false, false),
        "444" => (Subsampling::C444, false, false),
        "444alpha" => (Subsampling::C444, false, true),
        "mono" => (Subsampling::C444, true, false),
        _ => bail!("unsupported Y4M colour space C{cs} (supported: 420, 422, 444, mono, 8-16 bit)"),
    };
    Ok(Header {
        width,
        height,
        fps,
        sub,
        mono,
        alpha,
        depth,
        range,
        metadata,
    })
}

/// Reads the header line (without the newline) from the start of a stream.
fn read_line(r: &mut impl BufRead, limit: usize, what: &str) -> Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = r
        .by_ref()
        .take(limit as u64 + 1)
        .read_until(b'\n', &mut line)
        .with_context(|| format!("cannot read the {what}"))?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        if line.len() > limit {
            bail!("Y4M {what} is too long");
        }
        bail!("Y4M is truncated inside the {what}");
    }
    line.pop();
    Ok(Some(line))
}

fn check_frame_line(line: &[u8], i: usize) -> Result<()> {
    if !(line == b"FRAME" || line.starts_with(b"FRAME ")) {
        bail!("Y4M is corrupt: frame {i} does not start with FRAME");
    }
    Ok(())
}

pub fn probe(path: &Path) -> Result<(Header, usize)> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = file.metadata()?.len();
    let mut r = BufReader::new(file);
    let line = read_line(&mut r, MAX_HEADER, "header")?.ok_or_else(|| anyhow!("empty file"))?;
    let header = parse_header(&line)?;
    let size = header.frame_bytes() as u64;
    let mut frames = 0;
    while let Some(line) = read_line(&mut r, 4096, "frame header")? {
        check_frame_line(&line, frames)?;
        let pos = r.stream_position()?;
        if pos + size > len {
            bail!("Y4M is truncated: frame {frames} is incomplete");
        }
        r.seek(SeekFrom::Start(pos + size))?;
        frames += 1;
    }
    if frames == 0 {
        bail!("Y4M has no frames");
    }
    Ok((header, frames))
}

pub fn read_metadata(path: &Path) -> Result<Option<String>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut r = BufReader::new(file);
    let line = read_line(&mut r, MAX_HEADER, "header")?.ok_or_else(|| anyhow!("empty file"))?;
    Ok(parse_header(&line)?.metadata)
}

pub fn read(path: &Path) -> Result<Video> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut r = BufReader::new(file);
    let line = read_line(&mut r, MAX_HEADER, "header")?.ok_or_else(|| anyhow!("empty file"))?;
    let h = parse_header(&line)?;
    let bps = if h.depth > 8 { 2 } else { 1 };
    let (cw, ch) = h.sub.chroma_size(h.width, h.height);
    let mut buf = vec![0u8; h.frame_bytes()];
    let mut frames = Vec::new();
    while let Some(line) = read_line(&mut r, 4096, "frame header")? {
        check_frame_line(&line, frames.len())?;
        r.read_exact(&mut buf)
            .map_err(|_| anyhow!("Y4M is truncated: frame {} is incomplete", frames.len()))?;
        let samples = |bytes: &[u8]| -> Vec<u16> {
            if bps == 1 {
                bytes.iter().map(|b| *b as u16).collect()
            } else {
                bytes
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect()
            }
        };
        let ny = h.width * h.height * bps;
        let nc = cw * ch * bps;
        let y = samples(&buf[..ny]);
        let (u, v) = if h.mono {
            let mid = 1u16 << (h.depth - 1);
            (vec![mid; cw * ch], vec![mid; cw * ch])
        } else {
            (
                samples(&buf[ny..ny + nc]),
                samples(&buf[ny + nc..ny + 2 * nc]),
            )
        };
        let planes = YuvPlanes {
            width: h.width,
            height: h.height,
            sub: h.sub,
            depth: h.depth,
            range: h.range,
            matrix: Matrix::Bt601,
            y,
            u,
            v,
        };
        frames.push(yuv_to_rgb(&planes));
    }
    if frames.is_empty() {
        bail!("Y4M has no frames");
    }
    Video::new(frames, h.fps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rationals() {
        assert_eq!(fps_rational(8.0), (8, 1));
        assert_eq!(fps_rational(30000.0 / 1001.0), (30000, 1001));
        assert_eq!(fps_rational(12.5), (25, 2));
        assert_eq!(fps_rational(0.1), (1, 10));
    }

    #[test]
    fn header_parsing() {
        let h = parse_header(b"YUV4MPEG2 W6 H4 F25:1 Ip A0:0 C422p10 XCOLORRANGE=FULL").unwrap();
        assert_eq!(
            (h.width, h.height, h.depth, h.sub),
            (6, 4, 10, Subsampling::C422)
        );
        assert_eq!(h.range, Range::Full);
        assert_eq!(h.frame_bytes(), (24 + 2 * 3 * 4) * 2);
        assert!(parse_header(b"YUV4MPEG2 W6 H4 F25:1 C411").is_err());
        assert!(parse_header(b"YUV4MPEG2 W6 F25:1").is_err());
        assert!(parse_header(b"YUV4MPEG2 W6 H4 F0:1").is_err());
        assert!(parse_header(b"YUV4MPEG W6 H4 F1:1").is_err());
    }
}
