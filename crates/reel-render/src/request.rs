//! What a user asks for, and the same request with every default filled in. The resolved form is
//! recorded in each output's metadata and sidecar, so any output can be reproduced or remixed.

use anyhow::{bail, Context, Result};
use reel_models::bundle::Bundle;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A generation request; `None` means "the model's default".
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub prompt: String,
    #[serde(default)]
    pub negative_prompt: Option<String>,
    /// Model directory; `None` = the embedded default.
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
    #[serde(default)]
    pub frames: Option<usize>,
    #[serde(default)]
    pub seconds: Option<f64>,
    #[serde(default)]
    pub fps: Option<f64>,
    #[serde(default)]
    pub steps: Option<usize>,
    #[serde(default)]
    pub guidance: Option<f64>,
    #[serde(default)]
    pub shift: Option<f64>,
    #[serde(default)]
    pub solver: Option<String>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// Still images placed on the timeline: `(frame, path)`; frame 0 is image-to-video.
    #[serde(default)]
    pub keyframes: Vec<(usize, String)>,
    /// How inputs are fitted to the output size: fit, fill or pad.
    #[serde(default)]
    pub fit: Option<String>,
}

/// An input file as recorded: where it was, what it held (hash), where it went on the timeline.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InputRecord {
    pub role: String,
    pub path: String,
    pub sha256: String,
    pub position: usize,
    pub strength: f32,
}

/// A request with every value decided.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Resolved {
    pub prompt: String,
    pub negative_prompt: String,
    pub model: String,
    pub model_version: String,
    pub width: u32,
    pub height: u32,
    pub frames: usize,
    pub fps: f64,
    pub steps: usize,
    pub guidance: f64,
    pub shift: f64,
    pub solver: String,
    pub seed: u64,
    pub fit: String,
    pub inputs: Vec<InputRecord>,
}

pub fn sha256_file(path: &str) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read input {path}"))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

impl Request {
    pub fn resolve(&self, bundle: &Bundle) -> Result<Resolved> {
        let d = &bundle.config.defaults;
        let fps = self.fps.unwrap_or(d.fps);
        if !(fps.is_finite() && fps > 0.0) {
            bail!("fps must be positive, got {fps}");
        }
        let frames = match (self.frames, self.seconds) {
            (Some(_), Some(_)) => bail!("give frames or seconds, not both"),
            (Some(f), None) => f,
            (None, Some(s)) if s.is_finite() && s > 0.0 => (s * fps).round().max(1.0) as usize,
            (None, Some(s)) => bail!("seconds must be positive, got {s}"),
            (None, None) => d.frames,
        };
        if frames == 0 {
            bail!("frames must be at least 1");
        }
        let (width, height) = (
            self.width.unwrap_or(d.width),
            self.height.unwrap_or(d.height),
        );
        let m = bundle.config.size_multiple();
        if width == 0 || height == 0 || width % m != 0 || height % m != 0 {
            bail!("size {width}x{height} is not a positive multiple of {m} for this model");
        }
        let steps = self.steps.unwrap_or(d.steps);
        if steps == 0 {
            bail!("steps must be at least 1");
        }
        let guidance = self.guidance.unwrap_or(d.guidance);
        let shift = self.shift.unwrap_or(d.shift);
        if !(guidance.is_finite() && guidance >= 0.0) || !(shift.is_finite() && shift > 0.0) {
            bail!("guidance must be ≥ 0 and shift > 0 (got {guidance}, {shift})");
        }
        let solver = self.solver.clone().unwrap_or_else(|| d.solver.clone());
        solver.parse::<reel_diffusion::SolverKind>()?;
        let fit = self.fit.clone().unwrap_or_else(|| "fill".into());
        fit.parse::<reel_media::FitMode>()?;
        let mut inputs = Vec::new();
        for (pos, path) in &self.keyframes {
            if *pos >= frames {
                bail!(
                    "keyframe at frame {pos} lies outside the video of {frames} frames (0..{})",
                    frames - 1
                );
            }
            inputs.push(InputRecord {
                role: if *pos == 0 {
                    "image".into()
                } else {
                    "keyframe".into()
                },
                path: path.clone(),
                sha256: sha256_file(path)?,
                position: *pos,
                strength: 1.0,
            });
        }
        Ok(Resolved {
            prompt: self.prompt.clone(),
            negative_prompt: self
                .negative_prompt
                .clone()
                .unwrap_or_else(|| d.negative_prompt.clone()),
            model: self.model.clone().unwrap_or_else(|| "embedded".into()),
            model_version: format!("{} {}", bundle.config.name, bundle.config.version),
            width,
            height,
            frames,
            fps,
            steps,
            guidance,
            shift,
            solver,
            seed: self.seed.unwrap_or(0),
            fit,
            inputs,
        })
    }
}
