//! The `Timeline`: what every mode asks of the sampler. A length and frame rate, a prompt, and
//! known frames placed at any positions with a strength. Text-to-video knows nothing; image-to-
//! video knows frame 0; extend, stitch and keyframes know clips or frames elsewhere; a masked
//! clip (video-to-video edit of a region) is known outside its mask and generated inside.

use anyhow::{bail, Result};
use reel_media::Frame;

/// Where a known clip may change, one grey value per pixel: 0 keeps the clip's pixel exactly,
/// 255 generates it, values in between blend the two in the output (a soft edge, if the mask
/// has one; a black-and-white mask gives a hard edge).
pub type Mask = image::GrayImage;

/// Frames placed on the timeline starting at `start`, each kept with `strength`
/// (1 = exactly, 0 = ignored, in between = denoised from partway).
///
/// With a `mask` (one per frame), the frames are kept exactly where the mask is black and
/// `strength` applies only where it is not: there sampling starts from the clip noised to level
/// `1 − strength` (0 = generated from scratch, i.e. inpainting).
#[derive(Clone, Debug)]
pub struct Known {
    pub start: usize,
    pub frames: Vec<Frame>,
    pub strength: f32,
    pub mask: Option<Vec<Mask>>,
}

/// The known frame that wins at one timeline position.
#[derive(Clone, Copy, Debug)]
pub struct KnownAt<'a> {
    pub frame: &'a Frame,
    pub strength: f32,
    pub mask: Option<&'a Mask>,
}

/// Mask values this close to black or white count as black or white: JPEG and H.264 noise, and
/// resampling ringing, would otherwise let a whole "black" region change.
const MASK_SNAP: u8 = 8;

/// A mask from an image: its luma, with near-black and near-white snapped to 0 and 255.
pub fn mask_from_frame(f: &Frame) -> Mask {
    Mask::from_fn(f.width(), f.height(), |x, y| {
        let [r, g, b] = f.get_pixel(x, y).0;
        // BT.601 luma, rounded.
        let l = ((299 * r as u32 + 587 * g as u32 + 114 * b as u32 + 500) / 1000) as u8;
        image::Luma([if l <= MASK_SNAP {
            0
        } else if l >= 255 - MASK_SNAP {
            255
        } else {
            l
        }])
    })
}

/// The output pixel under `mask`: `known` where it is 0, `generated` where it is 255, the
/// rounded linear blend in between.
pub fn composite(known: &Frame, generated: &Frame, mask: &Mask) -> Frame {
    Frame::from_fn(known.width(), known.height(), |x, y| {
        let m = mask.get_pixel(x, y)[0] as u32;
        let (k, g) = (known.get_pixel(x, y), generated.get_pixel(x, y));
        image::Rgb(std::array::from_fn(|c| {
            ((g[c] as u32 * m + k[c] as u32 * (255 - m) + 127) / 255) as u8
        }))
    })
}

/// Which latent cells follow the known content at every step (`true`) and which are sampled,
/// for latent frames `t × h × w`.
#[derive(Clone, Debug, PartialEq)]
pub struct LatentKeep {
    pub t: usize,
    pub h: usize,
    pub w: usize,
    /// Row-major `[t][h][w]`.
    pub keep: Vec<bool>,
}

impl LatentKeep {
    pub fn get(&self, k: usize, y: usize, x: usize) -> bool {
        self.keep[(k * self.h + y) * self.w + x]
    }

    /// Every cell of latent frame `k` is kept.
    pub fn frame_kept(&self, k: usize) -> bool {
        let n = self.h * self.w;
        self.keep[k * n..(k + 1) * n].iter().all(|&b| b)
    }

    pub fn any(&self) -> bool {
        self.keep.iter().any(|&b| b)
    }

    /// The same grid with nothing kept.
    pub fn cleared(mut self) -> Self {
        self.keep.fill(false);
        self
    }
}

/// A prompt for frames `start..end` (storyboard shots).
#[derive(Clone, Debug, PartialEq)]
pub struct PromptSegment {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct Timeline {
    pub frames: usize,
    pub fps: f64,
    pub width: u32,
    pub height: u32,
    pub prompt: String,
    pub negative_prompt: String,
    pub known: Vec<Known>,
    /// Prompts on frame ranges; frames outside every segment use `prompt`.
    pub prompts: Vec<PromptSegment>,
    /// The last frame flows into the first (seamless loop).
    pub circular: bool,
}

impl Timeline {
    /// Nothing known: plain text-to-video (or text-to-image with one frame).
    pub fn text_to_video(prompt: &str, frames: usize, fps: f64, width: u32, height: u32) -> Self {
        Self {
            frames,
            fps,
            width,
            height,
            prompt: prompt.to_string(),
            negative_prompt: String::new(),
            known: Vec::new(),
            prompts: Vec::new(),
            circular: false,
        }
    }

    /// Adds a prompt on frames `start..end`; segments may not overlap.
    pub fn with_segment(mut self, start: usize, end: usize, text: &str) -> Result<Self> {
        if start >= end || end > self.frames {
            bail!(
                "prompt segment {start}..{end} is empty or outside the timeline of {} frames",
                self.frames
            );
        }
        if let Some(o) = self.prompts.iter().find(|s| start < s.end && s.start < end) {
            bail!(
                "prompt segments {}..{} and {start}..{end} overlap",
                o.start,
                o.end
            );
        }
        self.prompts.push(PromptSegment {
            start,
            end,
            text: text.to_string(),
        });
        self.prompts.sort_by_key(|s| s.start);
        Ok(self)
    }

    /// Checks length, frame rate and size are usable.
    pub fn validate(&self) -> Result<()> {
        if self.frames == 0 {
            bail!("the timeline needs at least one frame");
        }
        if !(self.fps.is_finite() && self.fps > 0.0) {
            bail!("frame rate must be positive, got {}", self.fps);
        }
        if self.width == 0 || self.height == 0 {
            bail!(
                "frame size must be positive, got {}x{}",
                self.width,
                self.height
            );
        }
        Ok(())
    }

    /// Places known frames; checks they fit the timeline and the frame size.
    pub fn with_known(mut self, start: usize, frames: Vec<Frame>, strength: f32) -> Result<Self> {
        if !(0.0..=1.0).contains(&strength) {
            bail!("strength must be within [0, 1], got {strength}");
        }
        if frames.is_empty() {
            bail!("known clip at frame {start} has no frames");
        }
        if start + frames.len() > self.frames {
            bail!(
                "known frames {}..{} lie outside the timeline of {} frames",
                start,
                start + frames.len() - 1,
                self.frames
            );
        }
        for f in &frames {
            if f.dimensions() != (self.width, self.height) {
                bail!(
                    "known frame is {}x{} but the timeline is {}x{}",
                    f.width(),
                    f.height(),
                    self.width,
                    self.height
                );
            }
        }
        self.known.push(Known {
            start,
            frames,
            strength,
            mask: None,
        });
        Ok(self)
    }

    /// Places known frames that may change only where `masks` are not black: one mask for all
    /// frames or one per frame, at the timeline's size. `strength` (below 1) is how closely the
    /// masked region follows the frames.
    pub fn with_masked_known(
        self,
        start: usize,
        frames: Vec<Frame>,
        strength: f32,
        masks: Vec<Mask>,
    ) -> Result<Self> {
        if strength >= 1.0 {
            bail!(
                "a masked clip needs a strength below 1, got {strength}: strength is how closely \
                 the masked region follows the clip (an edit of strength s is clip strength 1 − s)"
            );
        }
        let n = frames.len();
        let masks = match masks.len() {
            1 => vec![masks[0].clone(); n],
            m if m == n => masks,
            m => bail!("the clip at frame {start} has {n} frames but {m} masks (give 1 or {n})"),
        };
        for m in &masks {
            if m.dimensions() != (self.width, self.height) {
                bail!(
                    "mask is {}x{} but the timeline is {}x{}",
                    m.width(),
                    m.height(),
                    self.width,
                    self.height
                );
            }
        }
        let mut tl = self.with_known(start, frames, strength)?;
        tl.known.last_mut().expect("just placed").mask = Some(masks);
        Ok(tl)
    }

    /// Per pixel frame: the strongest known frame there (the later one on a tie), if any.
    pub fn known_at(&self) -> Vec<Option<KnownAt<'_>>> {
        let mut out: Vec<Option<KnownAt>> = vec![None; self.frames];
        for k in &self.known {
            for (i, f) in k.frames.iter().enumerate() {
                let slot = &mut out[k.start + i];
                if slot.is_none_or(|o| k.strength >= o.strength) {
                    *slot = Some(KnownAt {
                        frame: f,
                        strength: k.strength,
                        mask: k.mask.as_ref().map(|m| &m[i]),
                    });
                }
            }
        }
        out
    }

    /// Per pixel frame: the strongest known frame there, if any.
    pub fn known_frames(&self) -> Vec<Option<(&Frame, f32)>> {
        self.known_at()
            .into_iter()
            .map(|k| k.map(|k| (k.frame, k.strength)))
            .collect()
    }

    /// The latent cells (`t_lat` frames of a VAE with temporal factor `tf` and spatial factor
    /// `sf`) that follow the known content. A latent frame is pinned if any of its pixel frames
    /// is a strength-1 known frame. A masked frame keeps a cell only if every pixel the cell
    /// covers is black in every masked frame of the span: a latent cell is decoded into all of
    /// those pixels at once, so if any of them may change the whole cell must be sampled (the
    /// kept pixels around it are put back exactly in pixel space afterwards).
    pub fn latent_keep(&self, t_lat: usize, tf: usize, sf: usize) -> LatentKeep {
        let (h, w) = (
            (self.height as usize).div_ceil(sf),
            (self.width as usize).div_ceil(sf),
        );
        let known = self.known_at();
        let mut keep = vec![false; t_lat * h * w];
        for k in 0..t_lat {
            let span: Vec<KnownAt> = latent_frame_span(k, tf)
                .filter_map(|i| known.get(i).copied().flatten())
                .collect();
            let pinned = span.iter().any(|f| f.mask.is_none() && f.strength >= 1.0);
            let masked: Vec<&Mask> = span.iter().filter_map(|f| f.mask).collect();
            if !pinned && masked.is_empty() {
                continue;
            }
            for y in 0..h {
                for x in 0..w {
                    let may_change = masked.iter().any(|m| {
                        (y * sf..((y + 1) * sf).min(m.height() as usize)).any(|py| {
                            (x * sf..((x + 1) * sf).min(m.width() as usize))
                                .any(|px| m.get_pixel(px as u32, py as u32)[0] > 0)
                        })
                    });
                    keep[(k * h + y) * w + x] = !may_change;
                }
            }
        }
        LatentKeep {
            t: t_lat,
            h,
            w,
            keep,
        }
    }

    /// A full-length canvas in which unknown frames hold the nearest known frame (ties go to the
    /// earlier one), so that encoding it gives each known latent frame a plausible context.
    pub fn hold_filled_canvas(&self) -> Option<Vec<Frame>> {
        let known = self.known_frames();
        let positions: Vec<usize> = (0..self.frames).filter(|&i| known[i].is_some()).collect();
        if positions.is_empty() {
            return None;
        }
        Some(
            (0..self.frames)
                .map(|i| {
                    let nearest = *positions
                        .iter()
                        .min_by_key(|&&p| (p as i64 - i as i64).abs())
                        .unwrap();
                    known[nearest].unwrap().0.clone()
                })
                .collect(),
        )
    }
}

/// Pixel frames covered by latent frame `k` of a causal VAE with temporal factor `tf`:
/// latent 0 is pixel 0 alone, latent k ≥ 1 is pixels `tf·(k−1)+1 ..= tf·k`.
pub fn latent_frame_span(k: usize, tf: usize) -> std::ops::RangeInclusive<usize> {
    if k == 0 {
        0..=0
    } else {
        tf * (k - 1) + 1..=tf * k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(v: u8) -> Frame {
        Frame::from_pixel(4, 4, image::Rgb([v, v, v]))
    }

    #[test]
    fn spans_and_hold_fill() -> Result<()> {
        assert_eq!(latent_frame_span(0, 4), 0..=0);
        assert_eq!(latent_frame_span(1, 4), 1..=4);
        assert_eq!(latent_frame_span(4, 4), 13..=16);
        let tl = Timeline::text_to_video("x", 9, 8.0, 4, 4)
            .with_known(0, vec![solid(10)], 1.0)?
            .with_known(8, vec![solid(200)], 1.0)?;
        let canvas = tl.hold_filled_canvas().unwrap();
        let firsts: Vec<u8> = canvas.iter().map(|f| f.get_pixel(0, 0)[0]).collect();
        assert_eq!(firsts, vec![10, 10, 10, 10, 10, 200, 200, 200, 200]);
        Ok(())
    }

    #[test]
    fn segments_may_not_overlap() {
        let tl = Timeline::text_to_video("x", 32, 8.0, 4, 4);
        let tl = tl
            .with_segment(0, 16, "a")
            .unwrap()
            .with_segment(16, 32, "b")
            .unwrap();
        assert!(tl.clone().with_segment(10, 20, "c").is_err());
        assert!(tl.with_segment(30, 40, "c").is_err());
    }

    #[test]
    fn bad_placements_are_refused() {
        let tl = Timeline::text_to_video("x", 5, 8.0, 4, 4);
        assert!(tl.clone().with_known(5, vec![solid(1)], 1.0).is_err());
        assert!(tl.clone().with_known(0, vec![solid(1)], 1.5).is_err());
        assert!(tl
            .clone()
            .with_known(0, vec![Frame::new(8, 8)], 1.0)
            .is_err());
        assert!(tl.with_known(0, vec![], 1.0).is_err());
    }
}
