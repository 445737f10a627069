//! Known frames as extra transformer input channels, as Wan2.1 I2V/FLF2V take them
//! (WAN.md §6.2): the first frame (and for FLF2V the last) placed in an otherwise zero video of
//! the clip's length, VAE-encoded and normalised; a 0/1 mask of the known pixel frames folded into
//! the VAE's temporal compression (`tf` mask channels per latent frame); both concatenated after
//! the latents at every step, while only the latents are denoised. CLIP tokens of the same
//! images go into the transformer's image context.

use crate::frames::frames_to_tensor;
use crate::timeline::Timeline;
use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use reel_media::Frame;
use reel_models::vae::Vae;

/// What an image-conditioned model adds to every transformer call.
#[derive(Clone, Debug)]
pub struct FrameCondition {
    /// `[1, tf + C, T, h, w]`: mask channels then the normalised condition latents.
    pub channels: Tensor,
    /// Image tokens `[N, L, D]` for the transformer's image cross-attention, if it has one.
    pub image: Option<Tensor>,
}

/// The known frames of a Wan I2V/FLF2V timeline: the first, and the last when `allow_last`.
/// Anything else the model was not trained on is refused with the reason.
pub fn first_last_frames(tl: &Timeline, allow_last: bool) -> Result<(Frame, Option<Frame>)> {
    let known = tl.known_at();
    let last = tl.frames - 1;
    let mut first = None;
    let mut end = None;
    for (i, k) in known.iter().enumerate() {
        let Some(k) = k else { continue };
        if k.mask.is_some() {
            bail!(
                "frame {i} is a masked clip; Wan I2V/FLF2V models take whole known frames only \
                 (a first frame, and for FLF2V a last frame)"
            );
        }
        if k.strength < 1.0 {
            bail!(
                "frame {i} is known with strength {}; Wan I2V/FLF2V models condition on exact \
                 frames only (strength 1)",
                k.strength
            );
        }
        if i == 0 {
            first = Some(k.frame.clone());
        } else if i == last && last > 0 {
            if !allow_last {
                bail!(
                    "frame {i} (the last) is known, but this is a Wan image-to-video model \
                     conditioned on the first frame only; first-and-last-frame conditioning \
                     needs a Wan2.1 FLF2V model (its transformer has an image position table)"
                );
            }
            end = Some(k.frame.clone());
        } else {
            bail!(
                "frame {i} is known, but Wan I2V/FLF2V models condition on the first frame (and \
                 FLF2V on the last frame) only, not on frames in the middle"
            );
        }
    }
    let Some(first) = first else {
        bail!(
            "this Wan image-to-video model needs a known first frame (reel generate --image \
             FIRST.png, or --keyframe 0:FIRST.png)"
        );
    };
    Ok((first, end))
}

/// The 0/1 mask channels `[1, tf, T, h, w]` for pixel frames `known` (length `1 + tf·(T−1)`):
/// latent frame 0's channels all repeat pixel frame 0; channel `j` of latent frame `k ≥ 1` is
/// pixel frame `tf·(k−1) + 1 + j` (diffusers' repeat-first-frame, view, transpose).
pub fn mask_channels(
    known: &[bool],
    tf: usize,
    t_lat: usize,
    h: usize,
    w: usize,
    dev: &Device,
) -> Result<Tensor> {
    let full = 1 + tf * (t_lat - 1);
    if known.len() != full {
        bail!(
            "mask of {} pixel frames for {t_lat} latent frames (needs {full})",
            known.len()
        );
    }
    let mut v = Vec::with_capacity(tf * t_lat);
    for j in 0..tf {
        for k in 0..t_lat {
            let frame = if k == 0 { 0 } else { tf * (k - 1) + 1 + j };
            v.push(if known[frame] { 1f32 } else { 0.0 });
        }
    }
    let m = Tensor::from_vec(v, (1, tf, t_lat, 1, 1), dev)?;
    Ok(m.repeat((1, 1, 1, h, w))?)
}

/// `[1, 3, n, H, W]` in [-1, 1]: `frames[i]` where given, zeros elsewhere.
pub fn condition_video(
    frames: &[(usize, &Frame)],
    n: usize,
    width: u32,
    height: u32,
    dev: &Device,
) -> Result<Tensor> {
    let (h, w) = (height as usize, width as usize);
    let mut parts = Vec::new();
    let mut at = 0;
    let mut sorted = frames.to_vec();
    sorted.sort_by_key(|(i, _)| *i);
    for (i, f) in sorted {
        if i >= n || i < at {
            bail!("condition frame {i} is outside 0..{n} or placed twice");
        }
        if i > at {
            parts.push(Tensor::zeros((1, 3, i - at, h, w), DType::F32, dev)?);
        }
        parts.push(frames_to_tensor(std::slice::from_ref(f), dev)?);
        at = i + 1;
    }
    if at < n {
        parts.push(Tensor::zeros((1, 3, n - at, h, w), DType::F32, dev)?);
    }
    Ok(Tensor::cat(&parts, 2)?)
}

/// Mask and condition channels `[1, tf + C, T, h, w]` for frames known at `known` positions of
/// a clip of `1 + tf·(T−1)` frames.
pub fn wan_condition_channels(
    vae: &Vae,
    known: &[(usize, &Frame)],
    t_lat: usize,
    width: u32,
    height: u32,
) -> Result<Tensor> {
    let dev = vae.device().clone();
    let cfg = vae.config();
    let (tf, sf) = (cfg.temporal_compression(), cfg.spatial_compression());
    let full = 1 + tf * (t_lat - 1);
    let video = condition_video(known, full, width, height, &dev)?;
    let mu = vae
        .encode(&video)
        .context("encoding the condition frames")?;
    let latent = vae.normalize(&mu)?;
    let mut flags = vec![false; full];
    for (i, _) in known {
        flags[*i] = true;
    }
    let mask = mask_channels(
        &flags,
        tf,
        t_lat,
        height as usize / sf,
        width as usize / sf,
        &dev,
    )?;
    Ok(Tensor::cat(&[&mask, &latent], 1)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1().unwrap()
    }

    #[test]
    fn first_frame_mask_is_latent_frame_zero() {
        let mut known = vec![false; 9];
        known[0] = true;
        let m = mask_channels(&known, 4, 3, 1, 1, &Device::Cpu).unwrap();
        assert_eq!(m.dims(), &[1, 4, 3, 1, 1]);
        // [channel][latent frame]
        assert_eq!(
            values(&m),
            vec![1., 0., 0., 1., 0., 0., 1., 0., 0., 1., 0., 0.]
        );
    }

    #[test]
    fn first_and_last_mask_marks_the_last_channel_of_the_last_latent_frame() {
        let mut known = vec![false; 9];
        known[0] = true;
        known[8] = true;
        let m = mask_channels(&known, 4, 3, 2, 1, &Device::Cpu).unwrap();
        let v = values(&m.narrow(4, 0, 1).unwrap().narrow(3, 0, 1).unwrap());
        // Pixel frame 8 = 4·(2−1) + 1 + 3: channel 3 of latent frame 2.
        assert_eq!(v, vec![1., 0., 0., 1., 0., 0., 1., 0., 0., 1., 0., 1.]);
        assert!(mask_channels(&known[..8], 4, 3, 1, 1, &Device::Cpu).is_err());
    }

    #[test]
    fn condition_video_holds_the_frames_and_zeros() {
        let a = Frame::from_pixel(2, 2, image::Rgb([255, 0, 255]));
        let b = Frame::from_pixel(2, 2, image::Rgb([0, 255, 0]));
        let v = condition_video(&[(4, &b), (0, &a)], 5, 2, 2, &Device::Cpu).unwrap();
        assert_eq!(v.dims(), &[1, 3, 5, 2, 2]);
        let red: Vec<f32> = values(
            &v.narrow(1, 0, 1)
                .unwrap()
                .narrow(3, 0, 1)
                .unwrap()
                .narrow(4, 0, 1)
                .unwrap(),
        );
        assert_eq!(red, vec![1.0, 0.0, 0.0, 0.0, -1.0]);
        assert!(condition_video(&[(5, &a)], 5, 2, 2, &Device::Cpu).is_err());
    }

    #[test]
    fn only_first_and_last_pinned_frames_are_accepted() {
        let f = Frame::from_pixel(4, 4, image::Rgb([9, 9, 9]));
        let tl = Timeline::text_to_video("x", 9, 16.0, 4, 4);
        let err = first_last_frames(&tl, true).unwrap_err().to_string();
        assert!(err.contains("needs a known first frame"), "{err}");
        let first = tl.clone().with_known(0, vec![f.clone()], 1.0).unwrap();
        assert!(first_last_frames(&first, false).unwrap().1.is_none());
        let both = first.clone().with_known(8, vec![f.clone()], 1.0).unwrap();
        assert!(first_last_frames(&both, true).unwrap().1.is_some());
        let err = first_last_frames(&both, false).unwrap_err().to_string();
        assert!(err.contains("FLF2V"), "{err}");
        let middle = first.clone().with_known(4, vec![f.clone()], 1.0).unwrap();
        let err = first_last_frames(&middle, true).unwrap_err().to_string();
        assert!(err.contains("middle"), "{err}");
        let soft = tl.with_known(0, vec![f], 0.5).unwrap();
        assert!(first_last_frames(&soft, true).is_err());
    }
}
