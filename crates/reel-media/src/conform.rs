//! Bringing inputs to a target size and frame rate; comparison metrics.

use std::fmt;
use std::str::FromStr;

use anyhow::{anyhow, bail, Result};
use image::imageops::{self, FilterType};

use crate::{Frame, Video};

/// How a frame of another aspect ratio or size is brought to the target size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FitMode {
    /// Scale to fit inside the target, pad the rest with black (letterbox).
    #[default]
    Fit,
    /// Scale to cover the target, crop the overflow around the centre.
    Fill,
    /// No scaling: centre on a black canvas; an input larger than the target is an error.
    Pad,
}

impl FromStr for FitMode {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "fit" => Ok(FitMode::Fit),
            "fill" => Ok(FitMode::Fill),
            "pad" => Ok(FitMode::Pad),
            _ => Err(anyhow!(
                "unknown fit mode '{s}' (expected fit, fill or pad)"
            )),
        }
    }
}

impl fmt::Display for FitMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FitMode::Fit => "fit",
            FitMode::Fill => "fill",
            FitMode::Pad => "pad",
        })
    }
}

fn centre_on_black(img: &Frame, w: u32, h: u32) -> Frame {
    let mut canvas = Frame::new(w, h);
    let x = (w as i64 - img.width() as i64) / 2;
    let y = (h as i64 - img.height() as i64) / 2;
    imageops::overlay(&mut canvas, img, x, y);
    canvas
}

/// Resizes `frame` to exactly `w`×`h` with the given mode (Lanczos3 filtering when scaling).
pub fn resize_frame(frame: &Frame, w: u32, h: u32, mode: FitMode) -> Result<Frame> {
    if w == 0 || h == 0 {
        bail!("target size must be positive, got {w}x{h}");
    }
    let (iw, ih) = frame.dimensions();
    if iw == 0 || ih == 0 {
        bail!("cannot resize an empty {iw}x{ih} frame");
    }
    if (iw, ih) == (w, h) {
        return Ok(frame.clone());
    }
    let sx = w as f64 / iw as f64;
    let sy = h as f64 / ih as f64;
    Ok(match mode {
        FitMode::Pad => {
            if iw > w || ih > h {
                bail!(
                    "input {iw}x{ih} is larger than the target {w}x{h}; pad mode does not scale \
                     (use fit or fill)"
                );
            }
            centre_on_black(frame, w, h)
        }
        FitMode::Fit => {
            let s = sx.min(sy);
            let nw = ((iw as f64 * s).round() as u32).clamp(1, w);
            let nh = ((ih as f64 * s).round() as u32).clamp(1, h);
            let scaled = imageops::resize(frame, nw, nh, FilterType::Lanczos3);
            centre_on_black(&scaled, w, h)
        }
        FitMode::Fill => {
            let s = sx.max(sy);
            let nw = ((iw as f64 * s).round() as u32).max(w);
            let nh = ((ih as f64 * s).round() as u32).max(h);
            let scaled = imageops::resize(frame, nw, nh, FilterType::Lanczos3);
            imageops::crop_imm(&scaled, (nw - w) / 2, (nh - h) / 2, w, h).to_image()
        }
    })
}

/// Resamples to `fps`, keeping the duration: output frame j shows the source frame on screen at
/// time j/fps (so the first frame is always kept, and 8→16 fps doubles every frame).
pub fn resample_fps(video: &Video, fps: f64) -> Video {
    if !(fps.is_finite() && fps > 0.0) || fps == video.fps {
        return video.clone();
    }
    let n = video.len();
    let out_n = ((n as f64 * fps / video.fps).round() as usize).max(1);
    let frames = (0..out_n)
        .map(|j| {
            // The epsilon keeps exact ratios (16→8: 2j) from landing one frame early.
            let i = (j as f64 * video.fps / fps + 1e-9).floor() as usize;
            video.frames[i.min(n - 1)].clone()
        })
        .collect();
    Video { frames, fps }
}

/// Resizes every frame to `w`×`h` and, if given, resamples to `fps`.
pub fn conform(video: &Video, w: u32, h: u32, mode: FitMode, fps: Option<f64>) -> Result<Video> {
    if let Some(f) = fps {
        if !(f.is_finite() && f > 0.0) {
            bail!("target frame rate must be positive, got {f}");
        }
    }
    let frames = video
        .frames
        .iter()
        .map(|f| resize_frame(f, w, h, mode))
        .collect::<Result<Vec<_>>>()?;
    let resized = Video::new(frames, video.fps)?;
    Ok(match fps {
        Some(f) => resample_fps(&resized, f),
        None => resized,
    })
}

/// Peak signal-to-noise ratio over all RGB samples in dB (peak 255); `inf` for identical frames
/// and NaN when the sizes differ.
pub fn psnr(a: &Frame, b: &Frame) -> f64 {
    if a.dimensions() != b.dimensions() || a.as_raw().is_empty() {
        return f64::NAN;
    }
    let se: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| {
            let d = *x as f64 - *y as f64;
            d * d
        })
        .sum();
    let mse = se / a.as_raw().len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// Mean absolute difference over all RGB samples (0..255); NaN when the sizes differ.
pub fn mean_abs_diff(a: &Frame, b: &Frame) -> f64 {
    if a.dimensions() != b.dimensions() || a.as_raw().is_empty() {
        return f64::NAN;
    }
    let s: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| (*x as f64 - *y as f64).abs())
        .sum();
    s / a.as_raw().len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psnr_closed_form() {
        let a = Frame::from_pixel(4, 4, image::Rgb([100, 100, 100]));
        let b = Frame::from_pixel(4, 4, image::Rgb([110, 100, 100]));
        // MSE = 100/3 → PSNR = 10 log10(255² · 3 / 100).
        let want = 10.0 * (255.0f64 * 255.0 * 3.0 / 100.0).log10();
        assert!((psnr(&a, &b) - want).abs() < 1e-9);
        assert_eq!(psnr(&a, &a), f64::INFINITY);
        assert!((mean_abs_diff(&a, &b) - 10.0 / 3.0).abs() < 1e-12);
        assert!(psnr(&a, &Frame::new(2, 2)).is_nan());
    }

    #[test]
    fn fit_letterboxes_and_fill_crops() {
        // A 40x20 white frame into 20x20: fit gives a 20x10 band centred, fill covers everything.
        let white = Frame::from_pixel(40, 20, image::Rgb([255, 255, 255]));
        let fit = resize_frame(&white, 20, 20, FitMode::Fit).unwrap();
        assert_eq!(fit.dimensions(), (20, 20));
        assert_eq!(fit.get_pixel(10, 2).0, [0, 0, 0]);
        assert_eq!(fit.get_pixel(10, 10).0, [255, 255, 255]);
        let fill = resize_frame(&white, 20, 20, FitMode::Fill).unwrap();
        assert!(fill.pixels().all(|p| p.0 == [255, 255, 255]));
        // Fill crops the centre: a left-half-red frame loses its outer quarter on each side.
        let mut lr = Frame::from_pixel(40, 20, image::Rgb([0, 0, 255]));
        for y in 0..20 {
            for x in 0..20 {
                lr.put_pixel(x, y, image::Rgb([255, 0, 0]));
            }
        }
        let c = resize_frame(&lr, 20, 20, FitMode::Fill).unwrap();
        assert_eq!(c.get_pixel(2, 10).0, [255, 0, 0]);
        assert_eq!(c.get_pixel(17, 10).0, [0, 0, 255]);
    }

    #[test]
    fn pad_centres_without_scaling() {
        let small = Frame::from_pixel(4, 2, image::Rgb([9, 8, 7]));
        let p = resize_frame(&small, 8, 6, FitMode::Pad).unwrap();
        assert_eq!(p.dimensions(), (8, 6));
        assert_eq!(p.get_pixel(2, 2).0, [9, 8, 7]);
        assert_eq!(p.get_pixel(5, 3).0, [9, 8, 7]);
        assert_eq!(p.get_pixel(1, 2).0, [0, 0, 0]);
        assert_eq!(p.get_pixel(2, 1).0, [0, 0, 0]);
        let err = resize_frame(&small, 3, 6, FitMode::Pad).unwrap_err();
        assert!(err.to_string().contains("larger than the target"), "{err}");
    }

    #[test]
    fn fit_mode_parsing() {
        assert_eq!("Fill".parse::<FitMode>().unwrap(), FitMode::Fill);
        assert!("stretch".parse::<FitMode>().is_err());
    }

    #[test]
    fn resampling_keeps_duration() {
        let frames: Vec<Frame> = (0..16u8)
            .map(|i| Frame::from_pixel(2, 2, image::Rgb([i, 0, 0])))
            .collect();
        let v = Video::new(frames, 16.0).unwrap();
        let half = resample_fps(&v, 8.0);
        assert_eq!(half.len(), 8);
        assert_eq!(half.fps, 8.0);
        let idx: Vec<u8> = half.frames.iter().map(|f| f.get_pixel(0, 0)[0]).collect();
        assert_eq!(idx, [0, 2, 4, 6, 8, 10, 12, 14]);
        let double = resample_fps(&v, 32.0);
        assert_eq!(double.len(), 32);
        let idx: Vec<u8> = double.frames.iter().map(|f| f.get_pixel(0, 0)[0]).collect();
        assert_eq!(&idx[..6], [0, 0, 1, 1, 2, 2]);
        assert_eq!(resample_fps(&v, 24.0).len(), 24);
    }
}
