//! What a user asks for, and the same request with every default filled in. The resolved form is
//! recorded in each output's metadata and sidecar, so any output can be reproduced or remixed.

use anyhow::{bail, Context, Result};
use reel_diffusion::Mask;
use reel_diffusion::{SamplerSettings, VideoModel};
use reel_media::{FitMode, Frame, Video};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

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
    /// Weight of the pinned frames' own guidance term (image→video, keyframes, extend, stitch).
    #[serde(default)]
    pub frame_guidance: Option<f64>,
    /// Guidance of the low-noise stage (Wan2.2 A14B); default: `guidance`.
    #[serde(default)]
    pub guidance_2: Option<f64>,
    /// Noise levels `[lo, hi]` where guidance applies; default: the model's.
    #[serde(default)]
    pub guidance_interval: Option<[f64; 2]>,
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
    /// Videos (or images) placed on the timeline: extend, stitch, edit.
    #[serde(default)]
    pub clips: Vec<ClipInput>,
    /// Seconds of new material besides the clips (extend, stitch); the total length follows.
    #[serde(default)]
    pub new_seconds: Option<f64>,
    /// Storyboard: prompts on time ranges in seconds.
    #[serde(default)]
    pub shots: Vec<Shot>,
    /// The last frame flows into the first.
    #[serde(default, rename = "loop")]
    pub circular: bool,
}

/// Where a clip sits on the timeline.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum ClipAt {
    Start,
    End,
    Frame(usize),
}

/// A video or image file placed on the timeline; strength 1 keeps its frames exactly, lower
/// strengths let them change (video-to-video edits use 1 − edit strength).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClipInput {
    pub path: String,
    pub at: ClipAt,
    #[serde(default = "one")]
    pub strength: f32,
    /// Where the clip may change: an image (all frames) or a video (per frame), white = may
    /// change, black = kept exactly; `strength` then applies inside the mask only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask: Option<String>,
}

fn one() -> f32 {
    1.0
}

/// A storyboard shot: `prompt` from `start` to `end` seconds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Shot {
    pub start: f64,
    pub end: f64,
    pub prompt: String,
}

/// A storyboard shot resolved to frames `start..end`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ShotRecord {
    pub start: usize,
    pub end: usize,
    pub prompt: String,
}

/// An input file as recorded: where it was, what it held (hash), where it went on the timeline.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InputRecord {
    pub role: String,
    pub path: String,
    pub sha256: String,
    pub position: usize,
    pub strength: f32,
    /// Frames the input covers on the timeline (1 for an image).
    #[serde(default = "one_frame")]
    pub frames: usize,
    /// The clip's space-time mask, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask: Option<MaskRecord>,
}

/// A mask file as recorded, with its hash like every other input.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MaskRecord {
    pub path: String,
    pub sha256: String,
}

/// An input's frames conformed to the output, and its masks (one per frame) if it has any.
#[derive(Clone, Debug)]
pub struct LoadedInput {
    pub frames: Vec<Frame>,
    pub mask: Option<Vec<Mask>>,
}

fn one_frame() -> usize {
    1
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
    /// 0 in records written before it existed, which is how they were made.
    #[serde(default)]
    pub frame_guidance: f64,
    /// Absent in records written before these existed, which is how they were made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance_2: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance_interval: Option<[f64; 2]>,
    pub solver: String,
    pub seed: u64,
    pub fit: String,
    pub inputs: Vec<InputRecord>,
    #[serde(default)]
    pub shots: Vec<ShotRecord>,
    #[serde(default, rename = "loop")]
    pub circular: bool,
}

/// SHA-256 of an input file; for a PNG-sequence folder, of its files' names and bytes in order.
pub fn sha256_file(path: &str) -> Result<String> {
    let p = Path::new(path);
    let mut h = Sha256::new();
    if p.is_dir() {
        let mut names: Vec<_> = std::fs::read_dir(p)
            .with_context(|| format!("cannot read input folder {path}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.is_file())
            .collect();
        names.sort();
        for f in names {
            h.update(f.file_name().unwrap_or_default().as_encoded_bytes());
            h.update(
                std::fs::read(&f).with_context(|| format!("cannot read input {}", f.display()))?,
            );
        }
    } else {
        h.update(std::fs::read(p).with_context(|| format!("cannot read input {path}"))?);
    }
    Ok(hex::encode(h.finalize()))
}

impl Request {
    /// Decides every value and loads the inputs, conformed to the output's size and frame rate.
    pub fn resolve(&self, model: &dyn VideoModel) -> Result<(Resolved, Vec<LoadedInput>)> {
        let d = &model.defaults();
        let m = model.size_multiple();
        let fit_name = self.fit.clone().unwrap_or_else(|| "fill".into());
        let fit: FitMode = fit_name.parse()?;
        // Decode clips first: an input video sets the frame rate and size unless the user did.
        let mut sources = Vec::new();
        for c in &self.clips {
            if !(0.0..=1.0).contains(&c.strength) {
                bail!(
                    "strength of {} must be within [0, 1], got {}",
                    c.path,
                    c.strength
                );
            }
            let v = reel_media::read_video(Path::new(&c.path))
                .with_context(|| format!("cannot use input {}", c.path))?;
            sources.push(v);
        }
        let fps = self.fps.or(sources.first().map(|v| v.fps)).unwrap_or(d.fps);
        if !(fps.is_finite() && fps > 0.0) {
            bail!("fps must be positive, got {fps}");
        }
        let (width, height) = match (self.width, self.height, sources.first()) {
            (Some(w), Some(h), _) => (w, h),
            (None, None, Some(v)) if v.width() % m == 0 && v.height() % m == 0 => {
                (v.width(), v.height())
            }
            _ => (
                self.width.unwrap_or(d.width),
                self.height.unwrap_or(d.height),
            ),
        };
        if width == 0 || height == 0 || width % m != 0 || height % m != 0 {
            bail!("size {width}x{height} is not a positive multiple of {m} for this model");
        }
        let clips: Vec<Vec<Frame>> = sources
            .iter()
            .zip(&self.clips)
            .map(|(v, c)| {
                reel_media::conform(v, width, height, fit, Some(fps))
                    .map(|v| v.frames)
                    .with_context(|| format!("cannot fit {} to {width}x{height}", c.path))
            })
            .collect::<Result<_>>()?;
        let clip_total: usize = clips.iter().map(Vec::len).sum();
        let frames = match (self.frames, self.seconds, self.new_seconds) {
            (Some(_), Some(_), _) => bail!("give frames or seconds, not both"),
            (Some(f), None, _) => f,
            (None, Some(s), _) if s.is_finite() && s > 0.0 => (s * fps).round().max(1.0) as usize,
            (None, Some(s), _) => bail!("seconds must be positive, got {s}"),
            (None, None, Some(s)) if s.is_finite() && s > 0.0 => {
                clip_total + (s * fps).round().max(1.0) as usize
            }
            (None, None, Some(s)) => bail!("seconds of new material must be positive, got {s}"),
            (None, None, None) if !clips.is_empty() => self
                .clips
                .iter()
                .zip(&clips)
                .map(|(c, f)| match c.at {
                    ClipAt::Frame(n) => n + f.len(),
                    _ => f.len(),
                })
                .max()
                .unwrap_or(d.frames),
            (None, None, None) => d.frames,
        };
        if frames == 0 {
            bail!("frames must be at least 1");
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
        let frame_guidance = self.frame_guidance.unwrap_or(d.frame_guidance);
        if !(frame_guidance.is_finite() && frame_guidance >= 0.0) {
            bail!("frame guidance must be ≥ 0 (got {frame_guidance})");
        }
        let solver = self.solver.clone().unwrap_or_else(|| d.solver.clone());
        let guidance_interval = self.guidance_interval.or(d.guidance_interval);
        SamplerSettings {
            steps,
            guidance,
            shift,
            solver: solver.parse()?,
            seed: 0,
            frame_guidance,
            guidance_2: self.guidance_2,
            guidance_interval,
        }
        .check_guidance(model.guidance_boundary())?;
        // One record for "every step": an interval covering [0, 1] is none at all.
        let guidance_interval = guidance_interval.filter(|&[lo, hi]| !(lo <= 0.0 && hi >= 1.0));

        let mut inputs = Vec::new();
        let mut loaded = Vec::new();
        for ((c, f), src) in self.clips.iter().zip(clips).zip(&sources) {
            let position = match c.at {
                ClipAt::Start => 0,
                ClipAt::End => frames.checked_sub(f.len()).unwrap_or(usize::MAX),
                ClipAt::Frame(n) => n,
            };
            if position == usize::MAX || position + f.len() > frames {
                bail!(
                    "input {} ({} frames) does not fit in a video of {frames} frames",
                    c.path,
                    f.len()
                );
            }
            let (mask, mask_record) = match &c.mask {
                Some(m) => {
                    if c.strength >= 1.0 {
                        bail!(
                            "input {} has a mask but strength 1: give the strength the masked \
                             region follows the clip with, below 1 (an edit of strength s is 1 − s)",
                            c.path
                        );
                    }
                    let masks = load_mask(m, &c.path, src, f.len(), (width, height), fit, fps)?;
                    let record = MaskRecord {
                        path: m.clone(),
                        sha256: sha256_file(m)?,
                    };
                    (Some(masks), Some(record))
                }
                None => (None, None),
            };
            inputs.push(InputRecord {
                role: if f.len() == 1 {
                    "image".into()
                } else {
                    "video".into()
                },
                path: c.path.clone(),
                sha256: sha256_file(&c.path)?,
                position,
                strength: c.strength,
                frames: f.len(),
                mask: mask_record,
            });
            loaded.push(LoadedInput { frames: f, mask });
        }
        for (pos, path) in &self.keyframes {
            if *pos >= frames {
                bail!(
                    "keyframe at frame {pos} lies outside the video of {frames} frames (0..{})",
                    frames - 1
                );
            }
            let image = reel_media::read_image(Path::new(path))
                .with_context(|| format!("cannot use keyframe {path}"))?;
            let image = reel_media::resize_frame(&image, width, height, fit)
                .with_context(|| format!("cannot fit {path} to {width}x{height}"))?;
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
                frames: 1,
                mask: None,
            });
            loaded.push(LoadedInput {
                frames: vec![image],
                mask: None,
            });
        }
        let mut shots = Vec::new();
        for sh in &self.shots {
            if !(sh.start >= 0.0 && sh.end > sh.start) {
                bail!("shot {}-{}s is empty or negative", sh.start, sh.end);
            }
            let (a, b) = (
                (sh.start * fps).round() as usize,
                (sh.end * fps).round() as usize,
            );
            if b > frames {
                bail!(
                    "shot {}-{}s ends after the video ({:.2} s)",
                    sh.start,
                    sh.end,
                    frames as f64 / fps
                );
            }
            shots.push(ShotRecord {
                start: a,
                end: b,
                prompt: sh.prompt.clone(),
            });
        }
        let resolved = Resolved {
            prompt: self.prompt.clone(),
            negative_prompt: self
                .negative_prompt
                .clone()
                .unwrap_or_else(|| d.negative_prompt.clone()),
            model: self.model.clone().unwrap_or_else(|| "embedded".into()),
            model_version: format!("{} {}", model.name(), model.version()),
            width,
            height,
            frames,
            fps,
            steps,
            guidance,
            shift,
            frame_guidance,
            guidance_2: self.guidance_2,
            guidance_interval,
            solver,
            seed: self.seed.unwrap_or(0),
            fit: fit_name,
            inputs,
            shots,
            circular: self.circular,
        };
        Ok((resolved, loaded))
    }
}

/// Checks before any generation that `mask` can serve the clip at `clip` (decodable, same shape,
/// one image or one mask frame per clip frame), the way [`Request::resolve`] will use it.
pub fn check_mask(mask: &str, clip: &str) -> Result<()> {
    let v = reel_media::read_video(Path::new(clip))
        .with_context(|| format!("cannot use input {clip}"))?;
    load_mask(
        mask,
        clip,
        &v,
        v.len(),
        (v.width(), v.height()),
        FitMode::Fill,
        v.fps,
    )
    .map(|_| ())
}

/// Reads a clip's mask and brings it to the clip's frames: an image (or one-frame video) serves
/// every frame; a video is fitted like the clip and resampled to the output's frame rate, and
/// must then have as many frames as the clip.
fn load_mask(
    path: &str,
    clip_path: &str,
    clip: &Video,
    clip_frames: usize,
    (width, height): (u32, u32),
    fit: FitMode,
    fps: f64,
) -> Result<Vec<Mask>> {
    let mut v = reel_media::read_video(Path::new(path))
        .with_context(|| format!("cannot use mask {path}"))?;
    // Fitting crops or letterboxes by aspect ratio: a mask of another shape would not line up
    // with the clip's pixels.
    let aspect = |w: u32, h: u32| w as f64 / h as f64;
    let (ma, ca) = (
        aspect(v.width(), v.height()),
        aspect(clip.width(), clip.height()),
    );
    if (ma / ca - 1.0).abs() > 0.01 {
        bail!(
            "mask {path} is {}x{} but the clip {clip_path} is {}x{}: their shapes differ, so the \
             mask would not line up with the clip",
            v.width(),
            v.height(),
            clip.width(),
            clip.height()
        );
    }
    if v.len() == 1 {
        let f = reel_media::resize_frame(&v.frames[0], width, height, fit)
            .with_context(|| format!("cannot fit mask {path} to {width}x{height}"))?;
        return Ok(vec![reel_diffusion::timeline::mask_from_frame(&f)]);
    }
    let given = v.len();
    // A mask with exactly the clip's frames pairs with them one to one, whatever rate it says.
    if given == clip.len() {
        v.fps = clip.fps;
    }
    let conformed = reel_media::conform(&v, width, height, fit, Some(fps))
        .with_context(|| format!("cannot fit mask {path} to {width}x{height}"))?;
    if conformed.len() != clip_frames {
        bail!(
            "mask {path} has {given} frames at {} fps but the clip {clip_path} has {} frames at \
             {} fps: give one image for all frames, or a video with one mask frame per clip frame",
            v.fps,
            clip.len(),
            clip.fps
        );
    }
    Ok(conformed
        .frames
        .iter()
        .map(reel_diffusion::timeline::mask_from_frame)
        .collect())
}

impl Resolved {
    /// The request that reproduces this output; inputs must still hold what they held.
    pub fn to_request(&self) -> Result<Request> {
        for i in &self.inputs {
            let now = sha256_file(&i.path)?;
            if now != i.sha256 {
                bail!("input {} has changed since this output was made", i.path);
            }
            if let Some(m) = &i.mask {
                if sha256_file(&m.path)? != m.sha256 {
                    bail!("mask {} has changed since this output was made", m.path);
                }
            }
        }
        let fps = self.fps;
        Ok(Request {
            prompt: self.prompt.clone(),
            negative_prompt: Some(self.negative_prompt.clone()),
            model: (self.model != "embedded").then(|| self.model.clone()),
            width: Some(self.width),
            height: Some(self.height),
            frames: Some(self.frames),
            seconds: None,
            fps: Some(fps),
            steps: Some(self.steps),
            guidance: Some(self.guidance),
            shift: Some(self.shift),
            frame_guidance: Some(self.frame_guidance),
            guidance_2: self.guidance_2,
            // No interval recorded: every step was guided, whatever the model's default now is.
            guidance_interval: Some(self.guidance_interval.unwrap_or([0.0, 1.0])),
            solver: Some(self.solver.clone()),
            seed: Some(self.seed),
            keyframes: self
                .inputs
                .iter()
                .filter(|i| {
                    i.role == "keyframe"
                        || (i.role == "image" && i.frames == 1 && i.strength >= 1.0)
                })
                .map(|i| (i.position, i.path.clone()))
                .collect(),
            fit: Some(self.fit.clone()),
            clips: self
                .inputs
                .iter()
                .filter(|i| {
                    !(i.role == "keyframe"
                        || (i.role == "image" && i.frames == 1 && i.strength >= 1.0))
                })
                .map(|i| ClipInput {
                    path: i.path.clone(),
                    at: ClipAt::Frame(i.position),
                    strength: i.strength,
                    mask: i.mask.as_ref().map(|m| m.path.clone()),
                })
                .collect(),
            new_seconds: None,
            shots: self
                .shots
                .iter()
                .map(|s| Shot {
                    start: s.start as f64 / fps,
                    end: s.end as f64 / fps,
                    prompt: s.prompt.clone(),
                })
                .collect(),
            circular: self.circular,
        })
    }
}

#[cfg(test)]
mod guidance_tests {
    use super::*;
    use reel_models::bundle::{init_random_bundle, Bundle};

    #[test]
    fn guidance_settings_are_checked_and_every_step_is_recorded_as_no_interval() {
        let dir = tempfile::tempdir().unwrap();
        init_random_bundle("tiny", 5, dir.path()).unwrap();
        let model = Bundle::load(dir.path(), &candle_core::Device::Cpu).unwrap();
        let req = |interval: Option<[f64; 2]>, g2: Option<f64>| Request {
            prompt: "a red ball".into(),
            guidance_interval: interval,
            guidance_2: g2,
            ..Default::default()
        };
        let resolved = |r: Request| r.resolve(&model).map(|(r, _)| r);
        // Out of range is refused, even when it covers [0, 1].
        let e = format!("{:#}", resolved(req(Some([-0.5, 2.0]), None)).unwrap_err());
        assert!(e.contains("guidance interval"), "{e}");
        let e = format!("{:#}", resolved(req(None, Some(3.0))).unwrap_err());
        assert!(e.contains("guidance_2"), "{e}");
        assert_eq!(
            resolved(req(Some([0.0, 1.0]), None))
                .unwrap()
                .guidance_interval,
            None
        );
        assert_eq!(
            resolved(req(Some([0.2, 0.9]), None))
                .unwrap()
                .guidance_interval,
            Some([0.2, 0.9])
        );
    }
}
