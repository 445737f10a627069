//! Interop with ffmpeg: decoding an x264 stream with B-frames, and ffprobe reading our MP4s.
//! Skipped (with a printed line) when ffmpeg is not installed, unless REEL_REQUIRE_FFMPEG=1.

use std::f64::consts::PI;
use std::path::Path;
use std::process::Command;

use reel_media::{
    mean_abs_diff, probe, psnr, read_video, write_video, Frame, Video, WriteOptions, Y4mLayout,
};

fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("-version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var("REEL_REQUIRE_FFMPEG").as_deref() == Ok("1") {
            panic!("{tool} is not on PATH but REEL_REQUIRE_FFMPEG=1");
        }
        println!("SKIP: {tool} not found on PATH (set REEL_REQUIRE_FFMPEG=1 to make this fail)");
    }
    found
}

/// A smooth background with a bright square that moves 2 px a frame, so frames are distinct
/// and their order is recoverable.
fn moving_square(n: usize) -> Video {
    let frames = (0..n)
        .map(|t| {
            Frame::from_fn(64, 64, |x, y| {
                let sx = 4 + 2 * t as u32;
                if (sx..sx + 10).contains(&x) && (20..30).contains(&y) {
                    return image::Rgb([240, 240, 40]);
                }
                let v = 100.0 + 60.0 * (2.0 * PI * (x as f64 + y as f64) / 64.0).sin();
                image::Rgb([v as u8, 90, (200.0 - v / 2.0) as u8])
            })
        })
        .collect();
    Video::new(frames, 12.0).unwrap()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// ffmpeg reads the Y4M Reel writes even when the request record is far longer than its
/// 256-byte header line (the record then lives in the sidecar only).
#[test]
fn ffmpeg_reads_y4m_written_with_a_long_record() {
    if !have("ffmpeg") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let y4m = dir.path().join("long.y4m");
    let record = format!(r#"{{"prompt":"{}"}}"#, "a red ball bounces ".repeat(30));
    write_video(
        &moving_square(3),
        &y4m,
        &WriteOptions::default().with_metadata(&record),
    )
    .unwrap();
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&y4m)
        .args(["-f", "null", "-"]));
}

#[test]
fn decodes_x264_stream_with_b_frames_in_display_order() {
    if !have("ffmpeg") || !have("ffprobe") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = moving_square(24);
    let y4m = dir.path().join("src.y4m");
    let opts = WriteOptions {
        y4m: Y4mLayout::C420,
        ..Default::default()
    };
    write_video(&src, &y4m, &opts).unwrap();
    let mp4 = dir.path().join("bframes.mp4");
    let encoders = run(Command::new("ffmpeg").args(["-hide_banner", "-encoders"]));
    if !encoders.contains("libx264") {
        if std::env::var("REEL_REQUIRE_FFMPEG").as_deref() == Ok("1") {
            panic!("ffmpeg has no libx264 encoder but REEL_REQUIRE_FFMPEG=1");
        }
        println!("SKIP: ffmpeg lacks libx264");
        return;
    }
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&y4m)
        .args([
            "-c:v", "libx264", "-bf", "2", "-g", "12", "-crf", "16", "-pix_fmt", "yuv420p",
            "-threads", "1",
        ])
        .arg(&mp4));
    // The stream must really contain B-frames, or this test proves nothing.
    let types = run(Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_entries",
            "frame=pict_type",
            "-of",
            "csv=p=0",
        ])
        .arg(&mp4));
    assert!(
        types.lines().any(|l| l.trim() == "B"),
        "no B-frames: {types}"
    );

    let info = probe(&mp4).unwrap();
    assert_eq!(
        (info.width, info.height, info.frames, info.fps),
        (64, 64, 24, 12.0)
    );
    let back = read_video(&mp4).unwrap();
    assert_eq!(back.len(), 24);
    for (j, d) in back.frames.iter().enumerate() {
        let best = (0..src.len())
            .min_by(|&a, &b| {
                mean_abs_diff(d, &src.frames[a]).total_cmp(&mean_abs_diff(d, &src.frames[b]))
            })
            .unwrap();
        assert_eq!(best, j, "decoded frame {j} looks like source frame {best}");
        let p = psnr(d, &src.frames[j]);
        assert!(p >= 30.0, "frame {j}: {p:.2} dB");
    }
}

#[test]
fn honours_bt709_full_range_signalling() {
    if !have("ffmpeg") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = moving_square(6);
    let png = dir.path().join("seq/");
    write_video(&src, &png, &WriteOptions::default()).unwrap();
    let mp4 = dir.path().join("bt709.mp4");
    // RGB frames converted by ffmpeg with the BT.709 matrix to full-range Y'CbCr, and tagged so.
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-framerate", "12", "-i"])
        .arg(dir.path().join("seq/frame_%05d.png"))
        .args([
            "-vf",
            "scale=out_color_matrix=bt709:out_range=full",
            "-pix_fmt",
            "yuvj420p",
            "-c:v",
            "libx264",
            "-crf",
            "12",
            "-colorspace",
            "bt709",
            "-color_primaries",
            "bt709",
            "-color_trc",
            "bt709",
            "-color_range",
            "pc",
            "-threads",
            "1",
        ])
        .arg(&mp4));
    let back = read_video(&mp4).unwrap();
    assert_eq!(back.len(), 6);
    for (j, d) in back.frames.iter().enumerate() {
        // Inside the yellow square and on the background, away from edges whose chroma depends
        // on ffmpeg's subsampling filter. Read as BT.601 limited, these are off by 15+ levels.
        let x = 9 + 2 * j as u32;
        for (px, py) in [(x, 25), (50, 50), (5, 45), (40, 5)] {
            let (a, b) = (d.get_pixel(px, py).0, src.frames[j].get_pixel(px, py).0);
            let err = (0..3).map(|c| a[c].abs_diff(b[c])).max().unwrap();
            assert!(err <= 4, "frame {j} at ({px},{py}): {a:?} vs {b:?}");
        }
        let p = psnr(d, &src.frames[j]);
        assert!(p >= 28.0, "frame {j}: {p:.2} dB");
    }
}

fn ffprobe_stream(path: &Path) -> String {
    run(Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,pix_fmt,width,height,r_frame_rate,nb_read_frames",
            "-of",
            "default=nw=1",
        ])
        .arg(path))
}

#[test]
fn ffprobe_reads_our_mp4() {
    if !have("ffprobe") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mp4 = dir.path().join("ours.mp4");
    let clip = Video::new(moving_square(17).frames, 8.0).unwrap();
    write_video(
        &clip,
        &mp4,
        &WriteOptions::default().with_metadata("{\"seed\":1}"),
    )
    .unwrap();
    let out = ffprobe_stream(&mp4);
    for want in [
        "codec_name=h264",
        "pix_fmt=yuv420p",
        "width=64",
        "height=64",
        "r_frame_rate=8/1",
        "nb_read_frames=17",
    ] {
        assert!(out.lines().any(|l| l == want), "missing {want} in:\n{out}");
    }
}
