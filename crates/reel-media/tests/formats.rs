//! Round trips through every format, probe, metadata, and error handling on bad files.

use std::f64::consts::PI;
use std::fs;
use std::path::Path;

use reel_media::{
    conform, mean_abs_diff, probe, psnr, read_image, read_metadata, read_video, resample_fps,
    resize_frame, write_video, FitMode, Format, Frame, Video, WriteOptions, Y4mLayout,
};

/// Smooth moving colour waves: easy for a codec, but every frame differs.
fn smooth_clip(n: usize, w: u32, h: u32, fps: f64) -> Video {
    let frames = (0..n)
        .map(|t| {
            let t = t as f64;
            Frame::from_fn(w, h, |x, y| {
                let (x, y) = (x as f64, y as f64);
                let r = 128.0 + 90.0 * (2.0 * PI * (x / w as f64 + t / 17.0)).sin();
                let g = 128.0 + 90.0 * (2.0 * PI * y / h as f64 + 0.3 * t).cos();
                let b = 128.0 + 70.0 * (2.0 * PI * (x + y) / 90.0).sin();
                image::Rgb([r as u8, g as u8, b as u8])
            })
        })
        .collect();
    Video::new(frames, fps).unwrap()
}

/// Arbitrary 8-bit content (every value pattern), for lossless formats.
fn noisy_clip(n: usize, w: u32, h: u32, fps: f64) -> Video {
    let mut state = 0x1234_5678u32;
    let frames = (0..n)
        .map(|_| {
            Frame::from_fn(w, h, |_, _| {
                let mut px = [0u8; 3];
                for c in &mut px {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    *c = state as u8;
                }
                image::Rgb(px)
            })
        })
        .collect();
    Video::new(frames, fps).unwrap()
}

fn min_psnr(a: &Video, b: &Video) -> f64 {
    assert_eq!(a.len(), b.len());
    a.frames
        .iter()
        .zip(&b.frames)
        .map(|(x, y)| psnr(x, y))
        .fold(f64::INFINITY, f64::min)
}

fn box_order(bytes: &[u8]) -> Vec<String> {
    let mut pos = 0;
    let mut out = Vec::new();
    while pos + 8 <= bytes.len() {
        let size = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        out.push(String::from_utf8_lossy(&bytes[pos + 4..pos + 8]).into_owned());
        assert!(size >= 8);
        pos += size;
    }
    assert_eq!(pos, bytes.len(), "boxes must tile the file");
    out
}

#[test]
fn mp4_round_trip_17_frames_64px_8fps() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.mp4");
    let src = smooth_clip(17, 64, 64, 8.0);
    write_video(&src, &path, &WriteOptions::default()).unwrap();

    let info = probe(&path).unwrap();
    assert_eq!((info.width, info.height, info.frames), (64, 64, 17));
    assert_eq!(info.fps, 8.0);
    assert_eq!(info.format, Format::Mp4);

    // Fast start: ftyp, then moov, then mdat.
    let order = box_order(&fs::read(&path).unwrap());
    assert_eq!(&order[..3], ["ftyp", "moov", "mdat"], "{order:?}");

    let back = read_video(&path).unwrap();
    assert_eq!(back.len(), 17);
    assert_eq!(back.fps, 8.0);
    assert_eq!((back.width(), back.height()), (64, 64));
    let p = min_psnr(&src, &back);
    assert!(p >= 30.0, "worst frame PSNR {p:.2} dB");
    // Frames come back in order: each decoded frame is closest to its own source frame.
    for (j, d) in back.frames.iter().enumerate() {
        let best = (0..src.len())
            .min_by(|&a, &b| {
                mean_abs_diff(d, &src.frames[a]).total_cmp(&mean_abs_diff(d, &src.frames[b]))
            })
            .unwrap();
        assert_eq!(best, j);
    }
}

#[test]
fn mp4_frame_rates_survive_the_90khz_timescale() {
    let dir = tempfile::tempdir().unwrap();
    for (n, fps) in [(1, 8.0), (5, 7.0), (6, 30000.0 / 1001.0), (4, 24.0)] {
        let path = dir.path().join(format!("r{n}.mp4"));
        write_video(
            &smooth_clip(n, 32, 32, fps),
            &path,
            &WriteOptions::default(),
        )
        .unwrap();
        let info = probe(&path).unwrap();
        assert_eq!(info.frames, n);
        assert_eq!(info.fps, fps, "{n} frames at {fps}");
        assert_eq!(read_video(&path).unwrap().len(), n);
    }
}

#[test]
fn mp4_bitrate_mode_and_bad_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.mp4");
    let opts = WriteOptions {
        quality: reel_media::Quality::Bitrate(400_000),
        ..Default::default()
    };
    write_video(&smooth_clip(4, 48, 32, 10.0), &path, &opts).unwrap();
    assert_eq!(probe(&path).unwrap().frames, 4);
    let odd = smooth_clip(2, 33, 32, 10.0);
    let err = write_video(&odd, &dir.path().join("odd.mp4"), &WriteOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("even width and height") && err.contains("odd.mp4"),
        "{err}"
    );
    assert!(!dir.path().join("odd.mp4").exists());
}

#[test]
fn gif_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    // Few colours: stored exactly.
    let frames: Vec<Frame> = (0..6u8)
        .map(|i| {
            Frame::from_fn(20, 12, |x, y| {
                image::Rgb([(x as u8 / 5) * 60, (y as u8 / 4) * 80, i * 40])
            })
        })
        .collect();
    let src = Video::new(frames, 8.0).unwrap();
    let path = dir.path().join("few.gif");
    write_video(&src, &path, &WriteOptions::default()).unwrap();
    let info = probe(&path).unwrap();
    assert_eq!(
        (info.width, info.height, info.frames, info.fps),
        (20, 12, 6, 8.0)
    );
    assert_eq!(info.format, Format::Gif);
    let back = read_video(&path).unwrap();
    assert_eq!(back.frames, src.frames);
    assert_eq!(back.fps, 8.0);
    // Loops forever: NETSCAPE2.0 application extension with loop count 0.
    let bytes = fs::read(&path).unwrap();
    let at = bytes
        .windows(11)
        .position(|w| w == b"NETSCAPE2.0")
        .expect("loop extension");
    assert_eq!(&bytes[at + 11..at + 15], &[3, 1, 0, 0]);

    // Many colours: quantised but close.
    let smooth = smooth_clip(5, 48, 48, 12.0);
    let path = dir.path().join("smooth.gif");
    write_video(&smooth, &path, &WriteOptions::default()).unwrap();
    let back = read_video(&path).unwrap();
    assert_eq!(back.fps, 12.0);
    let p = min_psnr(&smooth, &back);
    // 256-colour NeuQuant on a three-axis gradient measures ~26.7 dB here.
    assert!(p >= 25.0, "GIF PSNR {p:.2}");
}

#[test]
fn png_single_frame_and_multi_frame_error() {
    let dir = tempfile::tempdir().unwrap();
    let one = noisy_clip(1, 64, 64, 8.0);
    let path = dir.path().join("one.png");
    write_video(&one, &path, &WriteOptions::default()).unwrap();
    assert_eq!(read_image(&path).unwrap(), one.frames[0]);
    let info = probe(&path).unwrap();
    assert_eq!(
        (info.width, info.height, info.frames, info.format),
        (64, 64, 1, Format::Png)
    );
    assert_eq!(read_video(&path).unwrap().frames, one.frames);

    let two = noisy_clip(2, 8, 8, 8.0);
    let bad = dir.path().join("two.png");
    let err = write_video(&two, &bad, &WriteOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("one frame") && err.contains("two.png"),
        "{err}"
    );
    assert!(!bad.exists());
}

#[test]
fn png_sequence_is_bit_exact() {
    let dir = tempfile::tempdir().unwrap();
    let src = noisy_clip(5, 10, 6, 12.5);
    // Folder given with a trailing slash.
    let folder = dir.path().join("seq");
    let with_slash = format!("{}/", folder.display());
    write_video(&src, Path::new(&with_slash), &WriteOptions::default()).unwrap();
    assert!(folder.join("frame_00000.png").is_file());
    assert!(folder.join("frame_00004.png").is_file());
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(folder.join("sequence.json")).unwrap()).unwrap();
    assert_eq!(json["fps"], 12.5);
    assert_eq!(json["frames"], 5);
    let back = read_video(&folder).unwrap();
    assert_eq!(back.frames, src.frames);
    assert_eq!(back.fps, 12.5);
    let info = probe(&folder).unwrap();
    assert_eq!(
        (info.frames, info.width, info.height, info.format),
        (5, 10, 6, Format::PngSequence)
    );

    // Rewriting a shorter clip into the existing folder removes the stale frames.
    let short = noisy_clip(2, 10, 6, 12.5);
    write_video(&short, &folder, &WriteOptions::default()).unwrap();
    assert!(!folder.join("frame_00002.png").exists());
    assert_eq!(read_video(&folder).unwrap().frames, short.frames);

    // Pattern path.
    let pattern = dir.path().join("pat").join("f_%03d.png");
    write_video(&src, &pattern, &WriteOptions::default()).unwrap();
    assert!(dir.path().join("pat/f_004.png").is_file());
    assert_eq!(read_video(&pattern).unwrap().frames, src.frames);
    assert_eq!(
        read_video(&dir.path().join("pat")).unwrap().frames,
        src.frames
    );
}

#[test]
fn y4m_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let src = noisy_clip(3, 14, 10, 30000.0 / 1001.0);
    let p10 = dir.path().join("a.y4m");
    write_video(&src, &p10, &WriteOptions::default()).unwrap();
    let header = fs::read(&p10).unwrap();
    assert!(header.starts_with(b"YUV4MPEG2 W14 H10 F30000:1001 Ip A1:1 C444p10"));
    let back = read_video(&p10).unwrap();
    assert_eq!(back.frames, src.frames, "10-bit 4:4:4 must be lossless");
    assert_eq!(back.fps, 30000.0 / 1001.0);
    let info = probe(&p10).unwrap();
    assert_eq!(
        (info.width, info.height, info.frames, info.format),
        (14, 10, 3, Format::Y4m)
    );

    let p8 = dir.path().join("b.y4m");
    let opts = WriteOptions {
        y4m: Y4mLayout::C444,
        ..Default::default()
    };
    write_video(&src, &p8, &opts).unwrap();
    let back = read_video(&p8).unwrap();
    for (a, b) in src.frames.iter().zip(&back.frames) {
        let worst = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| x.abs_diff(*y))
            .max()
            .unwrap();
        assert!(worst <= 2, "8-bit 4:4:4 error {worst}");
    }

    let smooth = smooth_clip(3, 32, 32, 8.0);
    let p420 = dir.path().join("c.y4m");
    let opts = WriteOptions {
        y4m: Y4mLayout::C420,
        ..Default::default()
    };
    write_video(&smooth, &p420, &opts).unwrap();
    let bytes = fs::read(&p420).unwrap();
    let header_len = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
    assert_eq!(bytes.len() - header_len, 3 * (6 + 32 * 32 * 3 / 2));
    let p = min_psnr(&smooth, &read_video(&p420).unwrap());
    assert!(p >= 35.0, "4:2:0 PSNR {p:.2}");

    // Truncated: last frame incomplete.
    let bytes = fs::read(&p10).unwrap();
    let cut = dir.path().join("cut.y4m");
    fs::write(&cut, &bytes[..bytes.len() - 7]).unwrap();
    let err = read_video(&cut).unwrap_err().to_string();
    assert!(
        err.contains("truncated") && err.contains("cut.y4m"),
        "{err}"
    );
    assert!(probe(&cut).is_err());
}

#[test]
fn metadata_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let meta =
        r#"{"prompt":"a red ball rolls left\nthen stops","seed":42,"note":"100% ünïcode ✓"}"#;
    let opts = WriteOptions::default().with_metadata(meta);
    let clip = smooth_clip(3, 32, 32, 8.0);
    for name in ["m.mp4", "m.gif", "m.y4m", "seq/"] {
        let path = dir.path().join(name);
        write_video(&clip, &path, &opts).unwrap();
        assert_eq!(
            read_metadata(&path).unwrap().as_deref(),
            Some(meta),
            "{name}"
        );
        // The embedded record does not disturb reading.
        assert_eq!(read_video(&path).unwrap().len(), 3, "{name}");
        assert_eq!(probe(&path).unwrap().frames, 3, "{name}");
    }
    let png = dir.path().join("m.png");
    write_video(&smooth_clip(1, 16, 16, 8.0), &png, &opts).unwrap();
    assert_eq!(read_metadata(&png).unwrap().as_deref(), Some(meta));
    // The MP4 record sits after mdat, so moov still comes before mdat.
    let order = box_order(&fs::read(dir.path().join("m.mp4")).unwrap());
    assert_eq!(order, ["ftyp", "moov", "mdat", "uuid"]);

    // Files without a record.
    let plain = dir.path().join("plain.mp4");
    write_video(&clip, &plain, &WriteOptions::default()).unwrap();
    assert_eq!(read_metadata(&plain).unwrap(), None);
    let plain_png = dir.path().join("plain.png");
    write_video(
        &smooth_clip(1, 16, 16, 8.0),
        &plain_png,
        &WriteOptions::default(),
    )
    .unwrap();
    assert_eq!(read_metadata(&plain_png).unwrap(), None);
}

/// A record too long for ffmpeg's 256-byte Y4M header line is left out of the header (the
/// sidecar holds it), so the file stays readable; a short one is kept.
#[test]
fn y4m_headers_stay_within_ffmpegs_line_limit() {
    let dir = tempfile::tempdir().unwrap();
    let clip = smooth_clip(2, 32, 32, 8.0);
    let long = format!(r#"{{"prompt":"{}"}}"#, "a red ball ".repeat(40));
    let path = dir.path().join("long.y4m");
    write_video(&clip, &path, &WriteOptions::default().with_metadata(&long)).unwrap();
    let bytes = fs::read(&path).unwrap();
    let line = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    assert!(line <= reel_media::Y4M_HEADER_LIMIT, "{line} bytes");
    assert_eq!(read_metadata(&path).unwrap(), None);
    assert_eq!(read_video(&path).unwrap().len(), 2);
    let short = r#"{"seed":1}"#;
    write_video(&clip, &path, &WriteOptions::default().with_metadata(short)).unwrap();
    assert_eq!(read_metadata(&path).unwrap().as_deref(), Some(short));
}

#[test]
fn corrupt_and_truncated_inputs_give_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.mp4");
    write_video(
        &smooth_clip(6, 32, 32, 8.0),
        &good,
        &WriteOptions::default(),
    )
    .unwrap();
    let bytes = fs::read(&good).unwrap();
    for cut in [4, 9, 40, bytes.len() / 3, bytes.len() / 2, bytes.len() - 3] {
        let p = dir.path().join(format!("cut{cut}.mp4"));
        fs::write(&p, &bytes[..cut]).unwrap();
        let err = read_video(&p).expect_err("truncated MP4 must not decode");
        assert!(err.to_string().contains(&format!("cut{cut}.mp4")), "{err}");
        assert!(probe(&p).is_err(), "probe of cut at {cut}");
    }
    // Corrupted sample bytes inside mdat (sizes intact).
    let mut flipped = bytes.clone();
    let mdat = flipped.windows(4).position(|w| w == b"mdat").unwrap();
    for b in &mut flipped[mdat + 4..] {
        *b = b.wrapping_mul(31).wrapping_add(7);
    }
    let p = dir.path().join("scrambled.mp4");
    fs::write(&p, &flipped).unwrap();
    assert!(read_video(&p).is_err());

    let mut state = 99u32;
    let garbage: Vec<u8> = (0..5000)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (state >> 16) as u8
        })
        .collect();
    for name in ["garbage.mp4", "garbage.gif", "garbage.png", "garbage.bin"] {
        let p = dir.path().join(name);
        fs::write(&p, &garbage).unwrap();
        let err = read_video(&p).unwrap_err().to_string();
        assert!(err.contains(name), "{err}");
        assert!(probe(&p).is_err());
        assert!(read_metadata(&p).is_err());
    }
    // Right signatures, garbage after.
    for (name, magic) in [
        ("fake.mp4", &b"\0\0\0\x18ftypisom"[..]),
        ("fake.gif", b"GIF89a"),
        ("fake.png", b"\x89PNG\r\n\x1a\n"),
        ("fake.y4m", b"YUV4MPEG2 "),
        ("fake.jpg", b"\xFF\xD8\xFF"),
    ] {
        let p = dir.path().join(name);
        let mut b = magic.to_vec();
        b.extend_from_slice(&garbage);
        fs::write(&p, &b).unwrap();
        assert!(read_video(&p).is_err(), "{name}");
    }
    let empty = dir.path().join("empty.mp4");
    fs::write(&empty, b"").unwrap();
    assert!(read_video(&empty)
        .unwrap_err()
        .to_string()
        .contains("empty"));
    let missing = read_video(&dir.path().join("nope.mp4"))
        .unwrap_err()
        .to_string();
    assert!(missing.contains("does not exist"), "{missing}");
}

#[test]
fn unwritable_paths_and_unknown_formats() {
    let dir = tempfile::tempdir().unwrap();
    let clip = smooth_clip(2, 16, 16, 8.0);
    // A regular file where a directory is needed: cannot be created even as root.
    let blocker = dir.path().join("blocker");
    fs::write(&blocker, b"x").unwrap();
    for name in ["out.mp4", "out.gif", "out.y4m", "seq/"] {
        let p = blocker.join("sub").join(name);
        let err = write_video(&clip, &p, &WriteOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("blocker"), "{err}");
    }
    let err = write_video(&clip, &dir.path().join("out.avi"), &WriteOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(".avi") && err.contains(".mp4") && err.contains(".gif"),
        "{err}"
    );

    // A failed write keeps the existing file intact and leaves no temporary behind.
    let keep = dir.path().join("keep.mp4");
    write_video(&clip, &keep, &WriteOptions::default()).unwrap();
    let before = fs::read(&keep).unwrap();
    assert!(write_video(
        &smooth_clip(2, 17, 16, 8.0),
        &keep,
        &WriteOptions::default()
    )
    .is_err());
    assert_eq!(fs::read(&keep).unwrap(), before);
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.to_string_lossy().starts_with(".reel-tmp")),
        "{names:?}"
    );
}

#[test]
fn stills_read_as_one_frame() {
    let dir = tempfile::tempdir().unwrap();
    let img = smooth_clip(1, 40, 30, 8.0).frames.remove(0);
    let jpg = dir.path().join("a.jpg");
    img.save(&jpg).unwrap();
    let v = read_video(&jpg).unwrap();
    assert_eq!((v.len(), v.width(), v.height()), (1, 40, 30));
    assert!(psnr(&v.frames[0], &img) >= 30.0);
    assert_eq!(probe(&jpg).unwrap().format, Format::Jpeg);

    let webp = dir.path().join("a.webp");
    let mut bytes = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut bytes)
        .encode(img.as_raw(), 40, 30, image::ExtendedColorType::Rgb8)
        .unwrap();
    fs::write(&webp, &bytes).unwrap();
    assert_eq!(read_image(&webp).unwrap(), img);
    // The first frame of a video also serves as an image.
    let mp4 = dir.path().join("v.mp4");
    write_video(&smooth_clip(3, 32, 32, 8.0), &mp4, &WriteOptions::default()).unwrap();
    assert_eq!(read_image(&mp4).unwrap().dimensions(), (32, 32));
}

#[test]
fn conform_sizes_and_rates() {
    let wide = smooth_clip(16, 80, 40, 16.0);
    for mode in [FitMode::Fit, FitMode::Fill] {
        let c = conform(&wide, 64, 48, mode, Some(8.0)).unwrap();
        assert_eq!(
            (c.width(), c.height(), c.len(), c.fps),
            (64, 48, 8, 8.0),
            "{mode}"
        );
    }
    let err = conform(&wide, 64, 48, FitMode::Pad, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("larger"), "{err}");
    let padded = conform(&wide, 96, 64, FitMode::Pad, None).unwrap();
    assert_eq!(
        padded.frames[3].get_pixel(8, 12).0,
        wide.frames[3].get_pixel(0, 0).0
    );
    assert_eq!(padded.frames[3].get_pixel(7, 12).0, [0, 0, 0]);
    assert_eq!(resample_fps(&wide, 8.0).len(), 8);
    assert_eq!(
        resize_frame(&wide.frames[0], 8, 8, FitMode::Fill)
            .unwrap()
            .dimensions(),
        (8, 8)
    );
    assert!(conform(&wide, 0, 8, FitMode::Fit, None).is_err());
    assert!(conform(&wide, 8, 8, FitMode::Fit, Some(0.0)).is_err());
}
