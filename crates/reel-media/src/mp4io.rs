//! MP4 / H.264: encode with openh264, mux fast-start with muxide, demux with the `mp4` crate and
//! decode with openh264 (B-frames included).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use openh264::decoder::{Decoder, DecoderConfig, Flush};
use openh264::encoder::{
    BitRate, Encoder, EncoderConfig, FrameRate, FrameType, IntraFramePeriod, QpRange,
    RateControlMode, VuiConfig,
};
use openh264::formats::{YUVBuffer, YUVSource};
use openh264::OpenH264API;

use crate::color::{rgb_to_yuv, yuv_to_rgb, Matrix, Range, Subsampling, YuvPlanes};
use crate::fsutil::snap_fps;
use crate::h264::sps_colour;
use crate::io::{Quality, WriteOptions};
use crate::{Frame, Video};

/// muxide's fixed media timescale (ticks per second).
const TIMESCALE: f64 = 90_000.0;

/// UUID of the top-level `uuid` box that carries Reel's request record.
pub const REEL_UUID: [u8; 16] = [
    0x5a, 0x3c, 0x9e, 0x1f, 0x7b, 0x2d, 0x4c, 0x8a, 0x9e, 0x61, 0x0d, 0x4f, 0x3b, 0x2a, 0x1c, 0x77,
];

/// Encodes `video` as a fast-start MP4 and returns the bytes.
pub fn encode(video: &Video, opts: &WriteOptions) -> Result<Vec<u8>> {
    let (w, h) = (video.width() as usize, video.height() as usize);
    if w % 2 != 0 || h % 2 != 0 {
        bail!("MP4 (H.264 yuv420p) needs an even width and height, got {w}x{h}");
    }
    if w < 16 || h < 16 {
        bail!("MP4 (H.264) needs at least 16x16 pixels, got {w}x{h}");
    }
    if w > 3840 || h > 3840 || w.min(h) > 2160 {
        bail!("MP4 (H.264 via OpenH264) supports up to 3840x2160, got {w}x{h}");
    }
    let fps = video.fps;
    let mut cfg = EncoderConfig::new()
        // Every input frame must become a sample, or frame count and timing break.
        .skip_frames(false)
        .max_frame_rate(FrameRate::from_hz(fps as f32))
        .vui(VuiConfig::bt601())
        // A keyframe about every two seconds keeps seeking cheap.
        .intra_frame_period(IntraFramePeriod::from_num_frames(
            (2.0 * fps).round().max(1.0) as u32,
        ))
        .num_threads(1);
    cfg = match opts.quality {
        Quality::Qp(qp) => {
            if qp > 51 {
                bail!("H.264 quantiser must be 0..=51, got {qp}");
            }
            // Pinning min = max makes the rate control hold a constant quantiser.
            cfg.rate_control_mode(RateControlMode::Quality)
                .qp(QpRange::new(qp, qp))
                .bitrate(BitRate::from_bps(50_000_000))
        }
        Quality::Bitrate(bps) => {
            if bps < 1000 {
                bail!("bitrate must be at least 1000 bits/s, got {bps}");
            }
            cfg.rate_control_mode(RateControlMode::Bitrate)
                .bitrate(BitRate::from_bps(bps))
        }
    };
    let mut enc = Encoder::with_api_config(OpenH264API::from_source(), cfg)
        .map_err(|e| anyhow!("cannot start the H.264 encoder: {e}"))?;
    // OpenH264 logs warnings to stderr during its lazy initialisation (e.g. that a fixed
    // quantiser disables bitrate control); errors reach us as return codes anyway.
    // SAFETY: TRACE_LEVEL is accepted before initialisation and only reads the u32 we pass.
    unsafe {
        let mut quiet = openh264_sys2::WELS_LOG_QUIET as u32;
        enc.raw_api().set_option(
            openh264_sys2::ENCODER_OPTION_TRACE_LEVEL,
            (&mut quiet as *mut u32).cast(),
        );
    }

    let mut muxer = muxide::api::MuxerBuilder::new(Vec::<u8>::new())
        .video(muxide::api::VideoCodec::H264, w as u32, h as u32, fps)
        .with_fast_start(true)
        .build()
        .map_err(|e| anyhow!("cannot start the MP4 muxer: {e}"))?;

    let mut yuv = vec![0u8; w * h * 3 / 2];
    for (i, frame) in video.frames.iter().enumerate() {
        let p = rgb_to_yuv(frame, Subsampling::C420, 8, Range::Limited);
        let (ny, nc) = (w * h, w * h / 4);
        for (d, s) in yuv[..ny].iter_mut().zip(&p.y) {
            *d = *s as u8;
        }
        for (d, s) in yuv[ny..ny + nc].iter_mut().zip(&p.u) {
            *d = *s as u8;
        }
        for (d, s) in yuv[ny + nc..].iter_mut().zip(&p.v) {
            *d = *s as u8;
        }
        let buf = YUVBuffer::from_vec(yuv.clone(), w, h);
        let bs = enc
            .encode(&buf)
            .map_err(|e| anyhow!("H.264 encoding failed at frame {i}: {e}"))?;
        let key = matches!(bs.frame_type(), FrameType::IDR | FrameType::I);
        let data = bs.to_vec();
        if data.is_empty() {
            bail!("H.264 encoder produced no data for frame {i}");
        }
        // Timestamps from the integer tick grid so the rate is stored as exactly as 90 kHz allows.
        let ticks = (i as f64 * TIMESCALE / fps).round();
        muxer
            .write_video(ticks / TIMESCALE, &data, key)
            .map_err(|e| anyhow!("MP4 muxing failed at frame {i}: {e}"))?;
    }
    muxer
        .finish_in_place()
        .map_err(|e| anyhow!("MP4 muxing failed at the end: {e}"))?;
    let mut bytes = muxer.into_writer();
    if video.len() == 1 {
        // muxide gives a lone sample a 1-tick duration; give it one frame period.
        let dur = (TIMESCALE / fps).round().max(1.0) as u32;
        set_single_sample_duration(&mut bytes, dur)?;
    }
    if let Some(meta) = &opts.metadata {
        append_uuid_box(&mut bytes, meta.as_bytes())?;
    }
    Ok(bytes)
}

fn append_uuid_box(bytes: &mut Vec<u8>, payload: &[u8]) -> Result<()> {
    let size = 8 + 16 + payload.len();
    let size = u32::try_from(size).map_err(|_| anyhow!("metadata too large for an MP4 box"))?;
    // Appended after mdat: chunk offsets in moov stay valid and moov stays in front.
    bytes.extend_from_slice(&size.to_be_bytes());
    bytes.extend_from_slice(b"uuid");
    bytes.extend_from_slice(&REEL_UUID);
    bytes.extend_from_slice(payload);
    Ok(())
}

/// Iterates the boxes in `data`: (type, payload start, payload end).
fn boxes(data: &[u8]) -> Result<Vec<([u8; 4], usize, usize)>> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos + 8 <= data.len() {
        let size32 = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as u64;
        let kind: [u8; 4] = data[pos + 4..pos + 8].try_into().unwrap();
        let (header, size) = match size32 {
            0 => (8u64, (data.len() - pos) as u64),
            1 => {
                if pos + 16 > data.len() {
                    bail!("truncated 64-bit box header");
                }
                (
                    16,
                    u64::from_be_bytes(data[pos + 8..pos + 16].try_into().unwrap()),
                )
            }
            s => (8, s),
        };
        if size < header || pos as u64 + size > data.len() as u64 {
            bail!(
                "box '{}' at byte {pos} claims {size} bytes but only {} remain",
                String::from_utf8_lossy(&kind),
                data.len() - pos
            );
        }
        out.push((kind, pos + header as usize, pos + size as usize));
        pos += size as usize;
    }
    if pos != data.len() {
        bail!("{} stray bytes after the last box", data.len() - pos);
    }
    Ok(out)
}

fn find_box(data: &[u8], kind: &[u8; 4]) -> Result<Option<(usize, usize)>> {
    Ok(boxes(data)?
        .into_iter()
        .find(|(k, _, _)| k == kind)
        .map(|(_, a, b)| (a, b)))
}

/// Rewrites the duration of a one-sample track in stts, mdhd, tkhd, mvhd and elst in place.
fn set_single_sample_duration(bytes: &mut [u8], dur: u32) -> Result<()> {
    let bad = || anyhow!("unexpected MP4 layout from the muxer");
    let (m0, m1) = find_box(bytes, b"moov")?.ok_or_else(bad)?;
    let moov = boxes(&bytes[m0..m1])?;
    let movie_dur = |bytes: &[u8], mvhd0: usize| -> Result<u64> {
        // mvhd v0: version/flags(4) ctime(4) mtime(4) timescale(4) duration(4)
        if bytes[mvhd0] != 0 {
            bail!("unexpected mvhd version");
        }
        let ts = u32::from_be_bytes(bytes[mvhd0 + 12..mvhd0 + 16].try_into().unwrap());
        Ok((dur as u64 * ts as u64 + 45_000) / 90_000)
    };
    let (_, v0, _) = *moov.iter().find(|b| &b.0 == b"mvhd").ok_or_else(bad)?;
    let v0 = m0 + v0;
    let mdur = movie_dur(bytes, v0)? as u32;
    bytes[v0 + 16..v0 + 20].copy_from_slice(&mdur.to_be_bytes());
    for (k, t0, t1) in moov.iter().filter(|b| &b.0 == b"trak") {
        let _ = k;
        let (t0, t1) = (m0 + t0, m0 + t1);
        for (k, a, b) in boxes(&bytes[t0..t1])? {
            let (a, b) = (t0 + a, t0 + b);
            match &k {
                // tkhd v0: vf(4) ctime(4) mtime(4) track_id(4) reserved(4) duration(4)
                b"tkhd" if bytes[a] == 0 => {
                    bytes[a + 20..a + 24].copy_from_slice(&mdur.to_be_bytes())
                }
                b"edts" => {
                    if let Some((e0, _)) = find_box(&bytes[a..b], b"elst")? {
                        let e0 = a + e0;
                        // elst v0 with one entry: vf(4) count(4) segment_duration(4) ...
                        if bytes[e0] == 0 {
                            bytes[e0 + 8..e0 + 12].copy_from_slice(&mdur.to_be_bytes());
                        }
                    }
                }
                b"mdia" => {
                    for (k2, c0, c1) in boxes(&bytes[a..b])? {
                        let (c0, c1) = (a + c0, a + c1);
                        if &k2 == b"mdhd" && bytes[c0] == 0 {
                            bytes[c0 + 16..c0 + 20].copy_from_slice(&dur.to_be_bytes());
                        }
                        if &k2 == b"minf" {
                            let (s0, s1) = find_box(&bytes[c0..c1], b"stbl")?.ok_or_else(bad)?;
                            let (s0, s1) = (c0 + s0, c0 + s1);
                            let (x0, _) = find_box(&bytes[s0..s1], b"stts")?.ok_or_else(bad)?;
                            let x0 = s0 + x0;
                            // stts: vf(4) entry_count(4) [sample_count(4) delta(4)]
                            let n = u32::from_be_bytes(bytes[x0 + 4..x0 + 8].try_into().unwrap());
                            if n != 1 {
                                bail!("expected one stts entry for a one-frame MP4, found {n}");
                            }
                            bytes[x0 + 12..x0 + 16].copy_from_slice(&dur.to_be_bytes());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The request record stored in our `uuid` box, if any (top-level boxes are walked by seeking,
/// so a large mdat is never read).
pub fn read_metadata(path: &Path) -> Result<Option<String>> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let len = file.metadata()?.len();
    check_top_level(&mut file, len)?;
    let mut pos = 0u64;
    while pos < len {
        file.seek(SeekFrom::Start(pos))?;
        let mut h = [0u8; 8];
        file.read_exact(&mut h)?;
        let (size, header) = match u32::from_be_bytes(h[..4].try_into().unwrap()) {
            0 => (len - pos, 8),
            1 => {
                let mut big = [0u8; 8];
                file.read_exact(&mut big)?;
                (u64::from_be_bytes(big), 16)
            }
            s => (s as u64, 8),
        };
        if &h[4..8] == b"uuid" && size >= header + 16 {
            let mut id = [0u8; 16];
            file.read_exact(&mut id)?;
            if id == REEL_UUID {
                let n = usize::try_from(size - header - 16)?;
                let mut payload = vec![0u8; n];
                file.read_exact(&mut payload)?;
                let s = String::from_utf8(payload)
                    .map_err(|_| anyhow!("Reel metadata box is not UTF-8"))?;
                return Ok(Some(s));
            }
        }
        pos += size;
    }
    Ok(None)
}

/// Header facts of the first H.264 track.
pub struct Mp4Header {
    pub width: u32,
    pub height: u32,
    pub frames: u32,
    pub fps: f64,
}

type Reader = mp4::Mp4Reader<BufReader<File>>;

/// Walks the top-level box headers so a truncated file is caught before any sample is read
/// (the `mp4` crate only checks box sizes against the whole file size).
fn check_top_level(file: &mut File, len: u64) -> Result<()> {
    let mut pos = 0u64;
    while pos < len {
        if len - pos < 8 {
            bail!("truncated: {} stray bytes at the end", len - pos);
        }
        file.seek(SeekFrom::Start(pos))?;
        let mut h = [0u8; 16];
        file.read_exact(&mut h[..8])?;
        let kind = String::from_utf8_lossy(&h[4..8]).into_owned();
        let size = match u32::from_be_bytes(h[..4].try_into().unwrap()) {
            0 => len - pos,
            1 => {
                if len - pos < 16 {
                    bail!("truncated inside the header of box '{kind}'");
                }
                file.read_exact(&mut h[8..16])?;
                u64::from_be_bytes(h[8..16].try_into().unwrap())
            }
            s => s as u64,
        };
        if size < 8 {
            bail!("corrupt: box '{kind}' at byte {pos} has size {size}");
        }
        if size > len - pos {
            bail!(
                "truncated: box '{kind}' at byte {pos} needs {size} bytes but the file ends {} bytes later",
                len - pos
            );
        }
        pos += size;
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(())
}

fn open(path: &Path) -> Result<(Reader, u32, Mp4Header)> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata()?.len();
    check_top_level(&mut file, size)?;
    let reader = catch_unwind(AssertUnwindSafe(|| {
        mp4::Mp4Reader::read_header(BufReader::new(file), size)
    }))
    .map_err(|_| anyhow!("the MP4 parser crashed on this file (corrupt?)"))?
    .map_err(|e| anyhow!("not a readable MP4 (truncated or corrupt?): {e}"))?;
    let mut others = Vec::new();
    let mut chosen = None;
    for (id, t) in reader.tracks() {
        let stsd = &t.trak.mdia.minf.stbl.stsd;
        if let Some(avc1) = &stsd.avc1 {
            if chosen.as_ref().is_none_or(|(c, _)| id < c) {
                chosen = Some((*id, avc1.clone()));
            }
        } else if stsd.hev1.is_some() {
            others.push("H.265/HEVC");
        } else if stsd.vp09.is_some() {
            others.push("VP9");
        }
    }
    let Some((track_id, avc1)) = chosen else {
        if others.is_empty() {
            bail!("no video track found (only H.264 is supported)");
        }
        bail!(
            "video codec {} is not supported; only H.264 (avc1) can be decoded",
            others.join(", ")
        );
    };
    let t = &reader.tracks()[&track_id];
    let frames = t.sample_count();
    let ts = t.trak.mdia.mdhd.timescale;
    if ts == 0 {
        bail!("video track has a zero timescale");
    }
    let total: u64 = t
        .trak
        .mdia
        .minf
        .stbl
        .stts
        .entries
        .iter()
        .map(|e| e.sample_count as u64 * e.sample_delta as u64)
        .sum();
    let total = if total > 0 {
        total
    } else {
        t.trak.mdia.mdhd.duration
    };
    if frames == 0 {
        bail!("video track has no samples");
    }
    if total == 0 {
        bail!("video track has zero duration, frame rate unknown");
    }
    let header = Mp4Header {
        width: avc1.width as u32,
        height: avc1.height as u32,
        frames,
        fps: snap_fps(frames as u64, total, ts as f64, 2.0),
    };
    Ok((reader, track_id, header))
}

pub fn probe(path: &Path) -> Result<Mp4Header> {
    open(path).map(|(_, _, h)| h)
}

/// Splits length-prefixed (AVCC) NAL units and re-emits them with Annex B start codes.
fn avcc_to_annexb(sample: &[u8], len_size: usize, out: &mut Vec<u8>) -> Result<()> {
    let mut pos = 0;
    while pos < sample.len() {
        if pos + len_size > sample.len() {
            bail!("truncated NAL length prefix");
        }
        let mut n = 0usize;
        for b in &sample[pos..pos + len_size] {
            n = (n << 8) | *b as usize;
        }
        pos += len_size;
        if n == 0 || pos + n > sample.len() {
            bail!("NAL unit of {n} bytes overruns its sample");
        }
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(&sample[pos..pos + n]);
        pos += n;
    }
    Ok(())
}

fn copy_decoded(img: &impl YUVSource, range: Range, matrix: Matrix) -> Frame {
    let (w, h) = img.dimensions();
    let (sy, su, sv) = img.strides();
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut p = YuvPlanes {
        width: w,
        height: h,
        sub: Subsampling::C420,
        depth: 8,
        range,
        matrix,
        y: Vec::with_capacity(w * h),
        u: Vec::with_capacity(cw * ch),
        v: Vec::with_capacity(cw * ch),
    };
    for r in 0..h {
        p.y.extend(img.y()[r * sy..r * sy + w].iter().map(|&b| b as u16));
    }
    for r in 0..ch {
        p.u.extend(img.u()[r * su..r * su + cw].iter().map(|&b| b as u16));
        p.v.extend(img.v()[r * sv..r * sv + cw].iter().map(|&b| b as u16));
    }
    yuv_to_rgb(&p)
}

pub fn read(path: &Path) -> Result<Video> {
    let (mut reader, track_id, header) = open(path)?;
    let avcc = {
        let t = &reader.tracks()[&track_id];
        t.trak
            .mdia
            .minf
            .stbl
            .stsd
            .avc1
            .as_ref()
            .unwrap()
            .avcc
            .clone()
    };
    let len_size = avcc.length_size_minus_one as usize + 1;
    // Streams declare their matrix and range in the SPS VUI; unsignalled ones are read as BT.601
    // limited range, like ffmpeg does.
    let (range, matrix) = avcc
        .sequence_parameter_sets
        .first()
        .and_then(|s| sps_colour(&s.bytes))
        .unwrap_or((Range::Limited, Matrix::Bt601));
    if len_size == 3 || len_size > 4 {
        bail!("invalid NAL length size {len_size} in avcC");
    }
    // Parameter sets from avcC go in front of the first sample (they need not be in-band).
    let mut params = Vec::new();
    for nal in avcc
        .sequence_parameter_sets
        .iter()
        .chain(&avcc.picture_parameter_sets)
    {
        params.extend_from_slice(&[0, 0, 0, 1]);
        params.extend_from_slice(&nal.bytes);
    }
    // Without per-call flushing the decoder keeps reference frames for reordering, so streams
    // with B-frames come out complete and in display order after flush_remaining().
    let cfg = DecoderConfig::new().flush_after_decode(Flush::NoFlush);
    let mut dec = Decoder::with_api_config(OpenH264API::from_source(), cfg)
        .map_err(|e| anyhow!("cannot start the H.264 decoder: {e}"))?;
    let mut frames = Vec::with_capacity(header.frames as usize);
    let mut annexb = Vec::new();
    for id in 1..=header.frames {
        let sample = catch_unwind(AssertUnwindSafe(|| reader.read_sample(track_id, id)))
            .map_err(|_| anyhow!("the MP4 parser crashed reading sample {id}"))?
            .map_err(|e| anyhow!("cannot read sample {id} (truncated?): {e}"))?
            .ok_or_else(|| anyhow!("sample {id} is missing"))?;
        annexb.clear();
        if id == 1 {
            annexb.extend_from_slice(&params);
        }
        avcc_to_annexb(&sample.bytes, len_size, &mut annexb)
            .with_context(|| format!("sample {id} is corrupt"))?;
        let got = catch_unwind(AssertUnwindSafe(|| -> Result<Option<Frame>> {
            Ok(dec
                .decode(&annexb)
                .map_err(|e| anyhow!("H.264 decoding failed at sample {id}: {e}"))?
                .map(|img| copy_decoded(&img, range, matrix)))
        }))
        .map_err(|_| anyhow!("the H.264 decoder crashed at sample {id}"))??;
        frames.extend(got);
    }
    let rest = catch_unwind(AssertUnwindSafe(|| -> Result<Vec<Frame>> {
        Ok(dec
            .flush_remaining()
            .map_err(|e| anyhow!("H.264 decoding failed while flushing: {e}"))?
            .iter()
            .map(|img| copy_decoded(img, range, matrix))
            .collect())
    }))
    .map_err(|_| anyhow!("the H.264 decoder crashed while flushing"))??;
    frames.extend(rest);
    if frames.len() != header.frames as usize {
        bail!(
            "decoded {} frames but the track has {} samples (corrupt stream?)",
            frames.len(),
            header.frames
        );
    }
    Video::new(frames, header.fps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_sps_declares_bt601_limited() {
        let frames = (0..2u8)
            .map(|i| Frame::from_pixel(32, 32, image::Rgb([i * 50, 100, 200])))
            .collect();
        let v = Video::new(frames, 10.0).unwrap();
        let bytes = encode(&v, &WriteOptions::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.mp4");
        std::fs::write(&path, bytes).unwrap();
        let (reader, id, _) = open(&path).unwrap();
        let sps = reader.tracks()[&id]
            .sequence_parameter_set()
            .unwrap()
            .to_vec();
        assert_eq!(sps_colour(&sps), Some((Range::Limited, Matrix::Bt601)));
    }
}
