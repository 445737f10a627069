//! Conversions between `Video` frames and the `[B, 3, T, H, W]` tensors in [-1, 1] the VAE uses.

use anyhow::{bail, Result};
use candle_core::{Device, Tensor};
use reel_media::{Frame, Video};

/// Frames → `[1, 3, T, H, W]` in [-1, 1].
pub fn frames_to_tensor(frames: &[Frame], dev: &Device) -> Result<Tensor> {
    let Some(first) = frames.first() else {
        bail!("no frames to encode")
    };
    let (w, h) = first.dimensions();
    let (t, hw) = (frames.len(), (w * h) as usize);
    let mut data = vec![0f32; 3 * t * hw];
    for (fi, f) in frames.iter().enumerate() {
        if f.dimensions() != (w, h) {
            bail!(
                "frame {fi} is {}x{}, expected {w}x{h}",
                f.width(),
                f.height()
            );
        }
        for (p, px) in f.pixels().enumerate() {
            for c in 0..3 {
                data[(c * t + fi) * hw + p] = px[c] as f32 / 127.5 - 1.0;
            }
        }
    }
    Ok(Tensor::from_vec(
        data,
        (1, 3, t, h as usize, w as usize),
        dev,
    )?)
}

/// `[1, 3, T, H, W]` in [-1, 1] → frames, as diffusers' postprocess: `(x/2 + 0.5).clamp(0,1)·255`
/// truncated to u8.
pub fn tensor_to_frames(x: &Tensor) -> Result<Vec<Frame>> {
    let (b, c, t, h, w) = x.dims5()?;
    if b != 1 || c != 3 {
        bail!(
            "expected a [1, 3, T, H, W] video tensor, got {:?}",
            x.dims()
        );
    }
    let data = x.flatten_all()?.to_vec1::<f32>()?;
    let hw = h * w;
    Ok((0..t)
        .map(|fi| {
            Frame::from_fn(w as u32, h as u32, |xx, yy| {
                let p = yy as usize * w + xx as usize;
                let v = |ch: usize| {
                    ((data[(ch * t + fi) * hw + p] / 2.0 + 0.5).clamp(0.0, 1.0) * 255.0) as u8
                };
                image::Rgb([v(0), v(1), v(2)])
            })
        })
        .collect())
}

/// Tensor → video at `fps`.
pub fn tensor_to_video(x: &Tensor, fps: f64) -> Result<Video> {
    Video::new(tensor_to_frames(x)?, fps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_exact_for_u8() -> Result<()> {
        let f = Frame::from_fn(4, 2, |x, y| {
            image::Rgb([(x * 60) as u8, (y * 200) as u8, 255])
        });
        let t = frames_to_tensor(&[f.clone(), f.clone()], &Device::Cpu)?;
        assert_eq!(t.dims(), &[1, 3, 2, 2, 4]);
        // Truncation in postprocess: add half an LSB so it rounds back exactly.
        let back = tensor_to_frames(&(t + 1.0 / 255.0)?)?;
        assert_eq!(back[1], f);
        Ok(())
    }
}
