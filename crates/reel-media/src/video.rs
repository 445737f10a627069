//! The one in-memory video type every crate passes around.

use anyhow::{bail, Result};

/// One RGB frame, 8 bits per channel, row-major.
pub type Frame = image::RgbImage;

/// A clip: frames of one size and a frame rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Video {
    pub frames: Vec<Frame>,
    pub fps: f64,
}

impl Video {
    /// Checks that there is at least one frame, all of one size, and a positive frame rate.
    pub fn new(frames: Vec<Frame>, fps: f64) -> Result<Self> {
        let v = Self { frames, fps };
        v.validate()?;
        Ok(v)
    }

    /// One still frame as a clip.
    pub fn still(frame: Frame, fps: f64) -> Result<Self> {
        Self::new(vec![frame], fps)
    }

    /// The checks of [`Video::new`] on an existing value (its fields are public).
    pub fn validate(&self) -> Result<()> {
        let (frames, fps) = (&self.frames, self.fps);
        if frames.is_empty() {
            bail!("a video needs at least one frame");
        }
        if !(fps.is_finite() && fps > 0.0) {
            bail!("frame rate must be positive, got {fps}");
        }
        let (w, h) = frames[0].dimensions();
        if let Some((i, f)) = frames
            .iter()
            .enumerate()
            .find(|(_, f)| f.dimensions() != (w, h))
        {
            bail!(
                "frame {i} is {}x{} but frame 0 is {w}x{h}",
                f.width(),
                f.height()
            );
        }
        if w == 0 || h == 0 {
            bail!("frames are empty ({w}x{h})");
        }
        Ok(())
    }

    pub fn width(&self) -> u32 {
        self.frames[0].width()
    }

    pub fn height(&self) -> u32 {
        self.frames[0].height()
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    pub fn duration_seconds(&self) -> f64 {
        self.frames.len() as f64 / self.fps
    }
}
