//! Format dispatch: write, read, probe and metadata for every supported container.

use std::fmt;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use anyhow::{anyhow, bail, Result};

use crate::pngio::{self, SeqTarget};
use crate::y4m::Y4mLayout;
use crate::{fsutil, gifio, mp4io, y4m, Frame, Video};

/// Frame rate given to inputs that do not record one (still images, bare PNG folders).
pub const DEFAULT_FPS: f64 = 24.0;

/// Output formats we write; the list in error messages.
const WRITABLE: &str = ".mp4, .gif, .png (one frame), .y4m, or a PNG sequence (a folder path \
                        ending in '/', an existing folder, or a pattern like out/frame_%05d.png)";

/// A container/file kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Mp4,
    Gif,
    Png,
    PngSequence,
    Y4m,
    Jpeg,
    Webp,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Mp4 => "mp4",
            Format::Gif => "gif",
            Format::Png => "png",
            Format::PngSequence => "png-sequence",
            Format::Y4m => "y4m",
            Format::Jpeg => "jpeg",
            Format::Webp => "webp",
        })
    }
}

/// H.264 rate control for MP4 output.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Quality {
    /// Constant quantiser 0..=51 (lower is better; ~18–23 is visually near-lossless).
    Qp(u8),
    /// Target average bitrate in bits per second.
    Bitrate(u32),
}

impl Default for Quality {
    fn default() -> Self {
        Quality::Qp(20)
    }
}

/// Options for [`write_video`].
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// Request record (JSON text) embedded in the file so it can be remixed and reproduced.
    pub metadata: Option<String>,
    /// MP4 rate control.
    pub quality: Quality,
    /// Sample layout for `.y4m` (default 4:4:4 10-bit, lossless for RGB).
    pub y4m: Y4mLayout,
}

impl WriteOptions {
    pub fn with_metadata(mut self, json: impl Into<String>) -> Self {
        self.metadata = Some(json.into());
        self
    }
}

/// Header facts of a media file.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoInfo {
    pub width: u32,
    pub height: u32,
    pub frames: usize,
    /// Frames per second; [`DEFAULT_FPS`] for stills and undescribed PNG folders.
    pub fps: f64,
    pub format: Format,
}

fn is_sequence_path(path: &Path) -> bool {
    let s = path.to_string_lossy();
    s.ends_with('/')
        || s.ends_with(std::path::MAIN_SEPARATOR)
        || path.is_dir()
        || pngio::has_pattern(path)
}

/// The format an output path asks for.
pub fn output_format(path: &Path) -> Result<Format> {
    if is_sequence_path(path) {
        return Ok(Format::PngSequence);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("mp4") | Some("m4v") => Ok(Format::Mp4),
        Some("gif") => Ok(Format::Gif),
        Some("png") => Ok(Format::Png),
        Some("y4m") => Ok(Format::Y4m),
        Some(e) => bail!(
            "cannot write {}: unsupported output format '.{e}'; supported: {WRITABLE}",
            path.display()
        ),
        None => bail!(
            "cannot write {}: no file extension; supported: {WRITABLE}",
            path.display()
        ),
    }
}

/// Writes `video` to `path`, choosing the format from the path (see [`output_format`]).
/// Files are written atomically: on error nothing is left behind and an existing file is kept.
pub fn write_video(video: &Video, path: &Path, opts: &WriteOptions) -> Result<()> {
    let format = output_format(path)?;
    video
        .validate()
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
    let meta = opts.metadata.as_deref();
    let bytes = match format {
        Format::PngSequence => {
            let target = SeqTarget::from_path(path)?;
            return pngio::write_sequence(video, &target, meta)
                .map_err(|e| anyhow!("cannot write PNG sequence {}: {e:#}", path.display()));
        }
        Format::Mp4 => mp4io::encode(video, opts),
        Format::Gif => gifio::encode(video, meta),
        Format::Png => {
            if video.len() != 1 {
                bail!(
                    "cannot write {}: a PNG holds one frame but the video has {}; use .mp4, .gif, \
                     .y4m, or a PNG sequence (a folder ending in '/' or a %05d pattern)",
                    path.display(),
                    video.len()
                );
            }
            pngio::encode_png(&video.frames[0], meta)
        }
        Format::Y4m => y4m::encode(video, opts.y4m, meta),
        Format::Jpeg | Format::Webp => unreachable!("not an output format"),
    }
    .map_err(|e| anyhow!("cannot write {}: {e:#}", path.display()))?;
    fsutil::write_atomic(path, &bytes).map_err(|e| anyhow!("{e:#}"))
}

/// Identifies a file by its first bytes.
fn sniff(path: &Path) -> Result<Format> {
    let mut head = [0u8; 12];
    let mut f =
        std::fs::File::open(path).map_err(|e| anyhow!("cannot open {}: {e}", path.display()))?;
    let mut n = 0;
    while n < head.len() {
        let k = f.read(&mut head[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    let h = &head[..n];
    Ok(if h.starts_with(b"\x89PNG\r\n\x1a\n") {
        Format::Png
    } else if h.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Format::Jpeg
    } else if h.len() >= 12 && &h[..4] == b"RIFF" && &h[8..12] == b"WEBP" {
        Format::Webp
    } else if h.starts_with(b"GIF87a") || h.starts_with(b"GIF89a") {
        Format::Gif
    } else if h.starts_with(y4m::MAGIC) {
        Format::Y4m
    } else if h.len() >= 8
        && [b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"]
            .contains(&&h[4..8].try_into().unwrap())
    {
        Format::Mp4
    } else if n == 0 {
        bail!("{} is empty", path.display());
    } else {
        bail!(
            "{} is not a supported media file (expected MP4/H.264, GIF, Y4M, PNG, JPEG or WebP)",
            path.display()
        );
    })
}

/// The format of an existing input (a file by content, or a PNG sequence folder/pattern).
pub fn input_format(path: &Path) -> Result<Format> {
    if path.is_dir() || pngio::has_pattern(path) {
        return Ok(Format::PngSequence);
    }
    if !path.exists() {
        bail!("{} does not exist", path.display());
    }
    sniff(path)
}

fn decode_still(path: &Path) -> Result<Frame> {
    let img = catch_unwind(AssertUnwindSafe(|| -> Result<image::DynamicImage> {
        image::ImageReader::open(path)?
            .with_guessed_format()?
            .decode()
            .map_err(|e| anyhow!("{e}"))
    }))
    .map_err(|_| anyhow!("the image decoder crashed (corrupt file?)"))??;
    if img.color().has_alpha() {
        // Transparent pixels over black, like GIF.
        let rgba = img.to_rgba8();
        let mut rgb = Frame::new(rgba.width(), rgba.height());
        for (d, s) in rgb.pixels_mut().zip(rgba.pixels()) {
            let a = s[3] as u32;
            for c in 0..3 {
                d[c] = ((s[c] as u32 * a + 127) / 255) as u8;
            }
        }
        Ok(rgb)
    } else {
        Ok(img.to_rgb8())
    }
}

fn read_sequence(path: &Path) -> Result<Video> {
    let (files, fps, _) = pngio::sequence_files(path)?;
    if files.is_empty() {
        bail!("no PNG frames found");
    }
    let frames = files
        .iter()
        .map(|f| decode_still(f).map_err(|e| anyhow!("frame {}: {e:#}", f.display())))
        .collect::<Result<Vec<_>>>()?;
    Video::new(frames, fps)
}

/// Decodes a video (MP4/H.264 incl. B-frames, GIF, Y4M, PNG sequence) or a still image (PNG,
/// JPEG, WebP, as one frame at [`DEFAULT_FPS`]) into RGB frames in display order.
pub fn read_video(path: &Path) -> Result<Video> {
    let run = || -> Result<Video> {
        match input_format(path)? {
            Format::Mp4 => mp4io::read(path),
            Format::Gif => gifio::decode(&fsutil::read_all(path)?),
            Format::Y4m => y4m::read(path),
            Format::PngSequence => read_sequence(path),
            Format::Png | Format::Jpeg | Format::Webp => {
                Video::new(vec![decode_still(path)?], DEFAULT_FPS)
            }
        }
    };
    run().map_err(|e| anyhow!("cannot read {}: {e:#}", path.display()))
}

/// Decodes an image; for a video input, its first frame.
pub fn read_image(path: &Path) -> Result<Frame> {
    match input_format(path).map_err(|e| anyhow!("cannot read {}: {e:#}", path.display()))? {
        Format::Png | Format::Jpeg | Format::Webp => {
            decode_still(path).map_err(|e| anyhow!("cannot read {}: {e:#}", path.display()))
        }
        _ => Ok(read_video(path)?.frames.swap_remove(0)),
    }
}

/// Reads size, frame count, rate and format from headers (no pixel decoding, except that a PNG
/// folder without `sequence.json` is sized from its first frame's header).
pub fn probe(path: &Path) -> Result<VideoInfo> {
    let run = || -> Result<VideoInfo> {
        let format = input_format(path)?;
        Ok(match format {
            Format::Mp4 => {
                let h = mp4io::probe(path)?;
                VideoInfo {
                    width: h.width,
                    height: h.height,
                    frames: h.frames as usize,
                    fps: h.fps,
                    format,
                }
            }
            Format::Gif => {
                let s = gifio::scan(&fsutil::read_all(path)?)?;
                VideoInfo {
                    width: s.width,
                    height: s.height,
                    frames: s.delays_cs.len(),
                    fps: gifio::fps_from_delays(&s.delays_cs),
                    format,
                }
            }
            Format::Y4m => {
                let (h, n) = y4m::probe(path)?;
                VideoInfo {
                    width: h.width as u32,
                    height: h.height as u32,
                    frames: n,
                    fps: h.fps,
                    format,
                }
            }
            Format::PngSequence => {
                let (files, fps, _) = pngio::sequence_files(path)?;
                let first = files
                    .first()
                    .ok_or_else(|| anyhow!("no PNG frames found"))?;
                let (width, height) = image::image_dimensions(first)
                    .map_err(|e| anyhow!("frame {}: {e}", first.display()))?;
                VideoInfo {
                    width,
                    height,
                    frames: files.len(),
                    fps,
                    format,
                }
            }
            Format::Png | Format::Jpeg | Format::Webp => {
                let (width, height) = image::ImageReader::open(path)?
                    .with_guessed_format()?
                    .into_dimensions()
                    .map_err(|e| anyhow!("{e}"))?;
                VideoInfo {
                    width,
                    height,
                    frames: 1,
                    fps: DEFAULT_FPS,
                    format,
                }
            }
        })
    };
    run().map_err(|e| anyhow!("cannot probe {}: {e:#}", path.display()))
}

/// The request record embedded by [`write_video`], if the file has one.
pub fn read_metadata(path: &Path) -> Result<Option<String>> {
    let run = || -> Result<Option<String>> {
        match input_format(path)? {
            Format::Mp4 => mp4io::read_metadata(path),
            Format::Png => pngio::read_png_metadata(&fsutil::read_all(path)?),
            Format::Gif => gifio::read_metadata(&fsutil::read_all(path)?),
            Format::Y4m => y4m::read_metadata(path),
            Format::PngSequence => Ok(pngio::sequence_files(path)?.2),
            Format::Jpeg | Format::Webp => Ok(None),
        }
    };
    run().map_err(|e| anyhow!("cannot read metadata of {}: {e:#}", path.display()))
}
