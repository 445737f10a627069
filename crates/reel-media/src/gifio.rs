//! Animated GIF: writing with the `gif` crate, reading through `image` (which composites frame
//! rectangles and disposal), and a small block scanner for headers and comments.

use std::collections::HashMap;

use anyhow::{anyhow, bail, Result};
use image::AnimationDecoder;

use crate::fsutil::snap_fps;
use crate::{Frame, Video};

/// Comment extensions starting with this carry the request record.
pub const META_PREFIX: &[u8] = b"reel:request=";

/// Per-frame delays in centiseconds whose running sum tracks i/fps, so the average rate is exact
/// over the clip even when 100/fps is not an integer. GIF players clamp delays under 2 cs.
pub fn delays_cs(n: usize, fps: f64) -> Vec<u16> {
    let at = |i: usize| (i as f64 * 100.0 / fps).round() as i64;
    (0..n)
        .map(|i| (at(i + 1) - at(i)).clamp(2, u16::MAX as i64) as u16)
        .collect()
}

fn exact_palette(frame: &Frame) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut index: HashMap<[u8; 3], u8> = HashMap::new();
    let mut palette = Vec::new();
    let mut pixels = Vec::with_capacity((frame.width() * frame.height()) as usize);
    for p in frame.pixels() {
        let next = index.len();
        let i = match index.get(&p.0) {
            Some(i) => *i,
            None => {
                if next == 256 {
                    return None;
                }
                index.insert(p.0, next as u8);
                palette.extend_from_slice(&p.0);
                next as u8
            }
        };
        pixels.push(i);
    }
    Some((palette, pixels))
}

pub fn encode(video: &Video, metadata: Option<&str>) -> Result<Vec<u8>> {
    let (w, h) = (video.width(), video.height());
    if w > u16::MAX as u32 || h > u16::MAX as u32 {
        bail!("GIF frames are at most 65535x65535, got {w}x{h}");
    }
    let mut out = Vec::new();
    {
        let err = |e: gif::EncodingError| anyhow!("GIF encoding failed: {e}");
        let mut enc = gif::Encoder::new(&mut out, w as u16, h as u16, &[]).map_err(err)?;
        enc.set_repeat(gif::Repeat::Infinite).map_err(err)?;
        if let Some(m) = metadata {
            let mut payload = META_PREFIX.to_vec();
            payload.extend_from_slice(m.as_bytes());
            enc.write_raw_extension(gif::Extension::Comment.into(), &[&payload])
                .map_err(err)?;
        }
        let delays = delays_cs(video.len(), video.fps);
        for (frame, delay) in video.frames.iter().zip(delays) {
            // Up to 256 colours the frame is stored exactly; beyond that NeuQuant picks a palette.
            let mut gf = match exact_palette(frame) {
                Some((palette, pixels)) => {
                    let mut f =
                        gif::Frame::from_palette_pixels(w as u16, h as u16, pixels, palette, None);
                    f.dispose = gif::DisposalMethod::Keep;
                    f
                }
                None => gif::Frame::from_rgb_speed(w as u16, h as u16, frame.as_raw(), 3),
            };
            gf.delay = delay;
            enc.write_frame(&gf).map_err(err)?;
        }
    }
    Ok(out)
}

/// What the block scanner finds without decoding pixels.
pub struct GifScan {
    pub width: u32,
    pub height: u32,
    pub delays_cs: Vec<u16>,
    pub comments: Vec<Vec<u8>>,
}

pub fn scan(data: &[u8]) -> Result<GifScan> {
    if data.len() < 13 || !(data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a")) {
        bail!("not a GIF file");
    }
    let u16le = |i: usize| u16::from_le_bytes([data[i], data[i + 1]]);
    let width = u16le(6) as u32;
    let height = u16le(8) as u32;
    let packed = data[10];
    let mut pos = 13;
    if packed & 0x80 != 0 {
        pos += 3 << ((packed & 7) + 1);
    }
    let truncated = || anyhow!("GIF is truncated");
    // Skips a run of data sub-blocks, returning their concatenated bytes.
    let sub_blocks = |pos: &mut usize| -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        loop {
            let n = *data.get(*pos).ok_or_else(truncated)? as usize;
            *pos += 1;
            if n == 0 {
                return Ok(bytes);
            }
            bytes.extend_from_slice(data.get(*pos..*pos + n).ok_or_else(truncated)?);
            *pos += n;
        }
    };
    let mut scan = GifScan {
        width,
        height,
        delays_cs: Vec::new(),
        comments: Vec::new(),
    };
    let mut pending_delay = 0u16;
    loop {
        match *data.get(pos).ok_or_else(truncated)? {
            0x21 => {
                let label = *data.get(pos + 1).ok_or_else(truncated)?;
                pos += 2;
                let body = sub_blocks(&mut pos)?;
                match label {
                    0xF9 if body.len() >= 4 => {
                        pending_delay = u16::from_le_bytes([body[1], body[2]])
                    }
                    0xFE => scan.comments.push(body),
                    _ => {}
                }
            }
            0x2C => {
                let desc = data.get(pos + 1..pos + 10).ok_or_else(truncated)?;
                let lp = desc[8];
                pos += 10;
                if lp & 0x80 != 0 {
                    pos += 3 << ((lp & 7) + 1);
                }
                pos += 1; // LZW minimum code size
                sub_blocks(&mut pos)?;
                scan.delays_cs.push(pending_delay);
                pending_delay = 0;
            }
            0x3B => break,
            b => bail!("GIF is corrupt: unexpected block 0x{b:02X} at byte {pos}"),
        }
    }
    if scan.delays_cs.is_empty() {
        bail!("GIF has no frames");
    }
    Ok(scan)
}

/// Browsers show delays of 0 or 1 cs as 10 cs; follow them so the rate matches what people see.
fn effective_delay(d: u16) -> u64 {
    if d <= 1 {
        10
    } else {
        d as u64
    }
}

pub fn fps_from_delays(delays: &[u16]) -> f64 {
    let total: u64 = delays.iter().map(|d| effective_delay(*d)).sum();
    snap_fps(delays.len() as u64, total, 100.0, 1.0)
}

pub fn read_metadata(data: &[u8]) -> Result<Option<String>> {
    let scan = scan(data)?;
    for c in scan.comments {
        if let Some(rest) = c.strip_prefix(META_PREFIX) {
            return String::from_utf8(rest.to_vec())
                .map(Some)
                .map_err(|_| anyhow!("GIF metadata comment is not UTF-8"));
        }
    }
    Ok(None)
}

pub fn decode(data: &[u8]) -> Result<Video> {
    let scan = scan(data)?;
    let dec = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(data))
        .map_err(|e| anyhow!("cannot decode GIF: {e}"))?;
    let frames = dec
        .into_frames()
        .collect_frames()
        .map_err(|e| anyhow!("cannot decode GIF: {e}"))?;
    if frames.is_empty() {
        bail!("GIF has no frames");
    }
    let mut delays = Vec::with_capacity(frames.len());
    let mut out = Vec::with_capacity(frames.len());
    for f in frames {
        let (num, den) = f.delay().numer_denom_ms();
        let cs = (num as f64 / den.max(1) as f64 / 10.0).round();
        delays.push(cs.clamp(0.0, u16::MAX as f64) as u16);
        // Transparent areas (nothing drawn yet) become black.
        let rgba = f.into_buffer();
        let mut rgb = Frame::new(rgba.width(), rgba.height());
        for (d, s) in rgb.pixels_mut().zip(rgba.pixels()) {
            let a = s[3] as u32;
            for c in 0..3 {
                d[c] = ((s[c] as u32 * a + 127) / 255) as u8;
            }
        }
        out.push(rgb);
    }
    let _ = scan;
    Video::new(out, fps_from_delays(&delays))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_average_to_the_rate() {
        let d = delays_cs(17, 8.0);
        let total: u32 = d.iter().map(|x| *x as u32).sum();
        assert_eq!(total, 213); // round(17 * 12.5)
        assert!(d.iter().all(|x| *x == 12 || *x == 13));
        assert_eq!(fps_from_delays(&d), 8.0);
        assert_eq!(fps_from_delays(&delays_cs(10, 25.0)), 25.0);
    }

    #[test]
    fn scanner_rejects_truncation() {
        let f = Frame::from_pixel(8, 8, image::Rgb([10, 20, 30]));
        let v = Video::new(vec![f; 3], 10.0).unwrap();
        let bytes = encode(&v, Some("{}")).unwrap();
        let s = scan(&bytes).unwrap();
        assert_eq!(s.delays_cs, [10, 10, 10]);
        for cut in [5, 20, bytes.len() / 2, bytes.len() - 1] {
            assert!(scan(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }
}
