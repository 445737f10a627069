//! The `Timeline`: what every mode asks of the sampler. A length and frame rate, a prompt, and
//! known frames placed at any positions with a strength. Text-to-video knows nothing; image-to-
//! video knows frame 0; extend, stitch and keyframes know clips or frames elsewhere.

use anyhow::{bail, Result};
use reel_media::Frame;

/// Frames placed on the timeline starting at `start`, each kept with `strength`
/// (1 = exactly, 0 = ignored, in between = denoised from partway).
#[derive(Clone, Debug)]
pub struct Known {
    pub start: usize,
    pub frames: Vec<Frame>,
    pub strength: f32,
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
        });
        Ok(self)
    }

    /// Per pixel frame: the strongest known frame there, if any.
    pub fn known_frames(&self) -> Vec<Option<(&Frame, f32)>> {
        let mut out: Vec<Option<(&Frame, f32)>> = vec![None; self.frames];
        for k in &self.known {
            for (i, f) in k.frames.iter().enumerate() {
                let slot = &mut out[k.start + i];
                if slot.map_or(true, |(_, s)| k.strength >= s) {
                    *slot = Some((f, k.strength));
                }
            }
        }
        out
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
