//! Measured acceptance of every Sora mode (issue 5) on a model: image→video, extend forward and
//! backward (also MP4 in and out), stitch, loop, keyframes (one window and longer), video→video at
//! a low strength with the same prompt and with a new colour word, remix, and a two-shot
//! storyboard.
//!
//! Inputs are the toy world's ground truth: prompt `i` is a scene drawn from
//! `world_rng(prompt_seed, i)` and captioned (canonical for even `i`, a varied style for odd),
//! and its rendered clip supplies the images, clips and keyframes. Every mode is one `Timeline`
//! laid out the way `reel-render` lays out the CLI's requests (a clip at the start for extend,
//! at the end for `--backward`, two clips for stitch, keyframes at positions, a clip with
//! strength `1 − edit strength` for edits, `circular` for loops) and sampled with
//! `reel_diffusion::generate`. Inputs and outputs pass through a PNG sequence on disk, so
//! "untouched" is checked on decoded files, as a user would see them.
//!
//! Each metric is measured per prompt and aggregated over the prompts: continuous values by
//! their median, verdicts as a rate. A prompt where a value cannot be measured (the tracker
//! lost the object) counts against the metric.

use crate::eval::SamplerOverrides;
use anyhow::{bail, Context, Result};
use reel_diffusion::{generate, GenerateOptions, SamplerSettings, Timeline, VideoModel};
use reel_media::{mean_abs_diff, psnr, Frame, Video, WriteOptions};
use reel_world::{
    caption, evaluate, ground_truth, render, sample_scene, world_rng, CaptionStyle, ClipEval,
    Colour, FrameTruth, Motion, RenderSpec, Scene, SceneSampler, EVAL_PROMPT_SEED,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// PSNR reported for identical frames (infinite otherwise; JSON has no infinity).
pub const PSNR_CAP_DB: f64 = 100.0;

/// Floor of a clip's "typical frame-to-frame change" (mean absolute difference, 0–255): a still
/// scene on a flat background changes by ~0 per frame, and any jump would be infinitely larger.
pub const CHANGE_FLOOR: f64 = 1.0;

/// Below this distance (fractions of the canvas) an object counts as not moving between the end
/// of clip A and the start of clip B; a transition then has to stay within
/// [`STILL_TOLERANCE`] of it.
const STILL_DISTANCE: f32 = 0.03;
const STILL_TOLERANCE: f32 = 0.1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModesOptions {
    /// Prompts per mode.
    pub prompts: usize,
    /// Scene/prompt seed; prompt `i` uses `world_rng(prompt_seed, i)`.
    pub prompt_seed: u64,
    /// Noise seed of prompt `i` is `seed + i`, in every mode.
    pub seed: u64,
    /// Overrides of the model's sampling defaults.
    #[serde(flatten)]
    pub sampler: SamplerOverrides,
    /// Overrides of the model's default size and window length (frames; also the longest
    /// stretch sampled at once).
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub frames: Option<usize>,
    /// Edit strength of the video→video runs (the clip is placed with strength 1 − this).
    pub edit_strength: f32,
    /// Keep every input and output (PNG sequences, `p{index}-{mode}-in|out/`) in this folder
    /// instead of a scratch folder that is removed afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<PathBuf>,
}

impl Default for ModesOptions {
    fn default() -> Self {
        Self {
            prompts: 20,
            prompt_seed: EVAL_PROMPT_SEED,
            seed: 0,
            sampler: SamplerOverrides::default(),
            width: None,
            height: None,
            frames: None,
            edit_strength: 0.3,
            keep: None,
        }
    }
}

/// What a metric's aggregate must reach.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    AtLeast(f64),
    AtMost(f64),
}

impl Target {
    pub fn met(self, v: f64) -> bool {
        match self {
            Target::AtLeast(t) => v >= t,
            Target::AtMost(t) => v <= t,
        }
    }

    fn text(self) -> String {
        match self {
            Target::AtLeast(t) => format!(">= {t}"),
            Target::AtMost(t) => format!("<= {t}"),
        }
    }
}

/// How per-prompt values become one number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// Median of the values (a missing value counts as the worst possible).
    Median,
    /// Fraction of prompts where the verdict (1 or 0) holds.
    Rate,
}

/// One row of the table.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Metric {
    pub mode: String,
    pub name: String,
    pub description: String,
    pub aggregate: Aggregate,
    /// The aggregate; `None` when no prompt gave a value (or it is not finite).
    pub value: Option<f64>,
    /// Target of the aggregate (for a median, also what each prompt's value is held to).
    pub target: Option<Target>,
    /// Prompts whose own value meets the per-prompt bar (for medians: the target; for rates:
    /// the verdict).
    pub met: usize,
    pub prompts: usize,
    /// `None` for informational rows without a target.
    pub pass: Option<bool>,
    /// Per prompt, in prompt order (`None`: not measurable).
    pub values: Vec<Option<f64>>,
}

/// One prompt's inputs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PromptCase {
    pub index: usize,
    pub prompt: String,
    /// The same caption with the first object's colour word changed (video→video recolour).
    pub recolour_prompt: String,
    pub seed: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModesReport {
    pub model: String,
    pub options: ModesOptions,
    pub width: u32,
    pub height: u32,
    /// Window length (frames) and the frame rate.
    pub frames: usize,
    pub fps: f64,
    /// Frames of the multi-window keyframe run.
    pub long_frames: usize,
    pub steps: usize,
    pub guidance: f64,
    pub shift: f64,
    pub cases: Vec<PromptCase>,
    pub metrics: Vec<Metric>,
    /// Generations that failed outright, `(mode, prompt index, error)`.
    pub errors: Vec<(String, usize, String)>,
}

impl ModesReport {
    pub fn metric(&self, mode: &str, name: &str) -> Option<&Metric> {
        self.metrics
            .iter()
            .find(|m| m.mode == mode && m.name == name)
    }

    /// Metrics with a target that all pass.
    pub fn all_pass(&self) -> bool {
        self.metrics.iter().all(|m| m.pass != Some(false))
    }

    /// Plain-text table: mode, metric, value, target, prompts meeting it, pass/fail.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{:<14} {:<22} {:>10} {:>10} {:>9}  {}\n",
            "mode", "metric", "value", "target", "met", "result"
        );
        for m in &self.metrics {
            let value = match m.value {
                Some(v) if m.aggregate == Aggregate::Rate => format!("{:.0}%", 100.0 * v),
                Some(v) => format!("{v:.2}"),
                // A median made infinite by prompts where nothing could be measured.
                None => match m.target {
                    Some(Target::AtMost(_)) => "inf".into(),
                    Some(Target::AtLeast(_)) => "-inf".into(),
                    None => "n/a".into(),
                },
            };
            let target = match (m.target, m.aggregate) {
                (Some(Target::AtLeast(t)), Aggregate::Rate) => format!(">= {:.0}%", 100.0 * t),
                (Some(t), _) => t.text(),
                (None, _) => "-".into(),
            };
            let result = match m.pass {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "info",
            };
            s.push_str(&format!(
                "{:<14} {:<22} {:>10} {:>10} {:>9}  {}\n",
                m.mode,
                m.name,
                value,
                target,
                format!("{}/{}", m.met, m.prompts),
                result
            ));
        }
        let with_target = self.metrics.iter().filter(|m| m.pass.is_some()).count();
        let passed = self.metrics.iter().filter(|m| m.pass == Some(true)).count();
        s.push_str(&format!(
            "{passed}/{with_target} targets met over {} prompts ({}x{}, {} frames at {} fps, \
             {} steps); {} generation error(s)\n",
            self.cases.len(),
            self.width,
            self.height,
            self.frames,
            self.fps,
            self.steps,
            self.errors.len()
        ));
        s
    }
}

// ---------- measurements (public so they can be checked on constructed cases) ----------

/// PSNR in dB, identical frames capped at [`PSNR_CAP_DB`]; `None` if the sizes differ.
pub fn psnr_db(a: &Frame, b: &Frame) -> Option<f64> {
    let p = psnr(a, b);
    if p.is_nan() {
        None
    } else {
        Some(p.min(PSNR_CAP_DB))
    }
}

/// Mean PSNR over paired frames (each capped).
pub fn mean_psnr_db(a: &[Frame], b: &[Frame]) -> Option<f64> {
    if a.is_empty() || a.len() != b.len() {
        return None;
    }
    let v: Option<Vec<f64>> = a.iter().zip(b).map(|(x, y)| psnr_db(x, y)).collect();
    v.map(|v| v.iter().sum::<f64>() / v.len() as f64)
}

/// Median mean-absolute-difference between neighbouring frames (0 for fewer than two frames).
pub fn median_change(frames: &[Frame]) -> f64 {
    let d: Vec<f64> = frames
        .windows(2)
        .map(|w| mean_abs_diff(&w[0], &w[1]))
        .collect();
    median(&d).unwrap_or(0.0)
}

/// A jump (mean absolute difference) relative to a typical change, floored at
/// [`CHANGE_FLOOR`]: ≤ 1 means the jump is no larger than the typical change.
pub fn jump_ratio(jump: f64, typical: f64) -> f64 {
    jump / typical.max(CHANGE_FLOOR)
}

/// The jump between frames `at − 1` and `at` of `frames` relative to `typical`.
pub fn seam_ratio(frames: &[Frame], at: usize, typical: f64) -> Option<f64> {
    if at == 0 || at >= frames.len() {
        return None;
    }
    Some(jump_ratio(
        mean_abs_diff(&frames[at - 1], &frames[at]),
        typical,
    ))
}

/// Loop closure: |last − first| relative to the clip's own median neighbouring-frame change.
pub fn loop_ratio(frames: &[Frame]) -> Option<f64> {
    if frames.len() < 2 {
        return None;
    }
    Some(jump_ratio(
        mean_abs_diff(&frames[frames.len() - 1], &frames[0]),
        median_change(frames),
    ))
}

/// Whether `out[start..start + clip.len()]` equals `clip` pixel for pixel.
pub fn frames_identical(out: &[Frame], start: usize, clip: &[Frame]) -> bool {
    start + clip.len() <= out.len() && out[start..start + clip.len()] == *clip
}

/// Does the transition over `gap` (frame indices of `out`) take object `k` from its state at
/// the end of clip A (`truth[gap.start − 1]`) to its state at the start of clip B
/// (`truth[gap.end]`)? `track` is the object's centre per frame (the evaluator's path). Frames
/// where the truth hides the object are skipped; at least two and half of the visible gap
/// frames must have a centre. For an object that moves between the two states, the transition
/// must start nearer A's end state than B's start state and end nearer B's than A's; where the
/// two states coincide (a still object, or a bounce that comes back) every centre must stay
/// within [`STILL_TOLERANCE`] of the true path.
pub fn moves_towards(
    track: &[Option<(f32, f32)>],
    truth: &[FrameTruth],
    k: usize,
    gap: std::ops::Range<usize>,
) -> bool {
    if gap.start == 0
        || gap.end >= truth.len()
        || gap.is_empty()
        || track.len() < gap.end
        || truth.iter().any(|t| t.objects.len() <= k)
    {
        return false;
    }
    let at = |f: usize| (truth[f].objects[k].x, truth[f].objects[k].y);
    let (pa, pb) = (at(gap.start - 1), at(gap.end));
    let visible: Vec<usize> = gap.filter(|&f| truth[f].objects[k].visible).collect();
    let found: Vec<(usize, (f32, f32))> = visible
        .iter()
        .filter_map(|&f| track[f].map(|c| (f, c)))
        .collect();
    if found.len() < 2 || 2 * found.len() < visible.len() {
        return false;
    }
    let d = |p: (f32, f32), q: (f32, f32)| ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt();
    if d(pa, pb) < STILL_DISTANCE {
        return found.iter().all(|&(f, c)| d(c, at(f)) <= STILL_TOLERANCE);
    }
    let (first, last) = (found[0].1, found[found.len() - 1].1);
    d(first, pa) < d(first, pb) && d(last, pb) < d(last, pa)
}

/// Mean distance (fractions of the canvas) between tracked centres and the true ones over
/// `frames`, for every object; `None` if no frame had both.
pub fn centre_error(
    eval: &ClipEval,
    truth: &[FrameTruth],
    frames: std::ops::Range<usize>,
) -> Option<f64> {
    let mut sum = 0.0;
    let mut n = 0usize;
    for (k, o) in eval.objects.iter().enumerate() {
        for f in frames.clone() {
            let (Some(Some(c)), Some(t)) = (o.path.get(f), truth.get(f)) else {
                continue;
            };
            let Some(t) = t.objects.get(k).filter(|t| t.visible) else {
                continue;
            };
            sum += (((c.0 - t.x).powi(2) + (c.1 - t.y).powi(2)) as f64).sqrt();
            n += 1;
        }
    }
    (n > 0).then(|| sum / n as f64)
}

fn median(v: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// 1 if the evaluator scores attribute `attr` (colour, shape, motion, presence…) right for every
/// object, else 0.
fn all_objects(e: &ClipEval, attr: &str) -> f64 {
    let ok = e.objects.iter().all(|o| {
        o.attributes()
            .iter()
            .find(|(n, _)| *n == attr)
            .is_none_or(|(_, a)| a.correct)
    });
    ok as u8 as f64
}

// ---------- the harness ----------

struct Def {
    mode: &'static str,
    name: &'static str,
    description: &'static str,
    aggregate: Aggregate,
    target: Option<Target>,
}

const fn def(
    mode: &'static str,
    name: &'static str,
    aggregate: Aggregate,
    target: Option<Target>,
    description: &'static str,
) -> Def {
    Def {
        mode,
        name,
        description,
        aggregate,
        target,
    }
}

use Aggregate::{Median, Rate};
use Target::{AtLeast, AtMost};

/// Evaluator verdicts are held to this rate.
const VERDICT_RATE: f64 = 0.8;

const DEFS: &[Def] = &[
    def(
        "image2video",
        "first_frame_psnr_db",
        Median,
        Some(AtLeast(30.0)),
        "PSNR of output frame 0 vs the input image (dB, identical = 100)",
    ),
    def(
        "image2video",
        "first_seam_ratio",
        Median,
        None,
        "|frame 1 − frame 0| / the ground-truth clip's median frame change",
    ),
    def(
        "image2video",
        "motion",
        Rate,
        Some(AtLeast(VERDICT_RATE)),
        "evaluator: every object's motion as the prompt says",
    ),
    def(
        "image2video",
        "colour",
        Rate,
        Some(AtLeast(VERDICT_RATE)),
        "evaluator on frames 1.. (the generated ones): every object's colour",
    ),
    def(
        "image2video",
        "shape",
        Rate,
        Some(AtLeast(VERDICT_RATE)),
        "evaluator on frames 1.. (the generated ones): every object's shape",
    ),
    def(
        "extend_fwd",
        "originals_identical",
        Rate,
        Some(AtLeast(1.0)),
        "decoded input frames == output frames (PNG sequence)",
    ),
    def(
        "extend_fwd",
        "seam_ratio",
        Median,
        Some(AtMost(1.0)),
        "seam jump / the input clip's median frame change",
    ),
    def(
        "extend_fwd",
        "colour",
        Rate,
        Some(AtLeast(VERDICT_RATE)),
        "evaluator on the generated frames: every object's colour kept",
    ),
    def(
        "extend_fwd",
        "shape",
        Rate,
        Some(AtLeast(VERDICT_RATE)),
        "evaluator on the generated frames: every object's shape kept",
    ),
    def(
        "extend_fwd",
        "presence",
        Rate,
        None,
        "evaluator on the generated frames: every object present",
    ),
    def(
        "extend_fwd",
        "whole_colour",
        Rate,
        None,
        "evaluator on the whole output (input frames included): colour",
    ),
    def(
        "extend_fwd",
        "whole_shape",
        Rate,
        None,
        "evaluator on the whole output (input frames included): shape",
    ),
    def(
        "extend_bwd",
        "originals_identical",
        Rate,
        Some(AtLeast(1.0)),
        "decoded input frames == output frames (PNG sequence)",
    ),
    def(
        "extend_bwd",
        "seam_ratio",
        Median,
        Some(AtMost(1.0)),
        "seam jump / the input clip's median frame change",
    ),
    def(
        "extend_bwd",
        "colour",
        Rate,
        Some(AtLeast(VERDICT_RATE)),
        "evaluator on the generated frames: every object's colour kept",
    ),
    def(
        "extend_bwd",
        "shape",
        Rate,
        Some(AtLeast(VERDICT_RATE)),
        "evaluator on the generated frames: every object's shape kept",
    ),
    def(
        "extend_bwd",
        "presence",
        Rate,
        None,
        "evaluator on the generated frames: every object present",
    ),
    def(
        "extend_bwd",
        "whole_colour",
        Rate,
        None,
        "evaluator on the whole output (input frames included): colour",
    ),
    def(
        "extend_bwd",
        "whole_shape",
        Rate,
        None,
        "evaluator on the whole output (input frames included): shape",
    ),
    def(
        "stitch",
        "clips_identical",
        Rate,
        Some(AtLeast(1.0)),
        "both decoded input clips == their output frames (PNG sequence)",
    ),
    def(
        "stitch",
        "towards_b",
        Rate,
        Some(AtLeast(VERDICT_RATE)),
        "transition takes every object from A's end state towards B's start state",
    ),
    def(
        "stitch",
        "path_error",
        Median,
        None,
        "tracked centres in the transition vs the true path (fraction of canvas)",
    ),
    def(
        "loop",
        "end_ratio",
        Median,
        Some(AtMost(1.0)),
        "|last − first| / median neighbouring-frame change",
    ),
    def(
        "keyframes",
        "first_psnr_db",
        Median,
        Some(AtLeast(28.0)),
        "one window: PSNR of frame 0 vs its keyframe (dB)",
    ),
    def(
        "keyframes",
        "last_psnr_db",
        Median,
        Some(AtLeast(28.0)),
        "one window: PSNR of the last frame vs its keyframe (dB)",
    ),
    def(
        "keyframes",
        "last_seam_ratio",
        Median,
        None,
        "jump into the last keyframe / the truth clip's median frame change",
    ),
    def(
        "keyframes_long",
        "first_psnr_db",
        Median,
        Some(AtLeast(28.0)),
        "several windows: PSNR of frame 0 vs its keyframe (dB)",
    ),
    def(
        "keyframes_long",
        "last_psnr_db",
        Median,
        Some(AtLeast(28.0)),
        "several windows: PSNR of the last frame vs its keyframe (dB)",
    ),
    def(
        "keyframes_long",
        "last_seam_ratio",
        Median,
        None,
        "jump into the last keyframe / the truth clip's median frame change",
    ),
    def(
        "video2video",
        "layout_centre_error",
        Median,
        Some(AtMost(0.1)),
        "same prompt: tracked centres vs the input's (fraction of canvas)",
    ),
    def(
        "video2video",
        "layout_psnr_db",
        Median,
        None,
        "same prompt: mean PSNR of output vs input frames (dB)",
    ),
    def(
        "video2video",
        "recolour_detected",
        Rate,
        Some(AtLeast(VERDICT_RATE)),
        "new colour word: evaluator finds the first object in the new colour",
    ),
    def(
        "video2video",
        "recolour_centre_error",
        Median,
        None,
        "new colour word: tracked centres vs the input's (fraction of canvas)",
    ),
    def(
        "extend_mp4",
        "originals_psnr_db",
        Median,
        None,
        "MP4 in, MP4 out: PSNR of the output's original frames vs the decoded input (dB)",
    ),
    def(
        "extend_mp4",
        "codec_margin_db",
        Median,
        Some(AtLeast(-1.0)),
        "that PSNR minus the PSNR of the decoded input re-encoded alone (codec noise; dB)",
    ),
    def(
        "text2video",
        "colour",
        Rate,
        None,
        "evaluator: every object's colour (the remix's source clip)",
    ),
    def(
        "text2video",
        "shape",
        Rate,
        None,
        "evaluator: every object's shape",
    ),
    def(
        "text2video",
        "motion",
        Rate,
        None,
        "evaluator: every object's motion",
    ),
    def(
        "remix",
        "same_request_identical",
        Rate,
        Some(AtLeast(1.0)),
        "the same request and seed again reproduces the clip bit for bit",
    ),
    def(
        "remix",
        "recolour_detected",
        Rate,
        Some(AtLeast(VERDICT_RATE)),
        "new colour word, same seed: evaluator finds the first object in the new colour",
    ),
    def(
        "remix",
        "layout_shift",
        Median,
        None,
        "new colour word, same seed: tracked centres vs the source clip's (fraction of canvas)",
    ),
    def(
        "storyboard",
        "consistent",
        Rate,
        Some(AtLeast(VERDICT_RATE)),
        "two shots, the first object's motion changed in the second: every object's colour \
         and shape right in both shots",
    ),
    def(
        "storyboard",
        "shot_motion",
        Rate,
        None,
        "the first object's motion as each shot's prompt says, in both shots",
    ),
    def(
        "storyboard",
        "cut_seam_ratio",
        Median,
        None,
        "jump at the cut / the first shot's median frame change",
    ),
];

/// Per-prompt values keyed by (mode, name).
type Values = BTreeMap<(&'static str, &'static str), f64>;

/// Geometry shared by every prompt.
struct Plan {
    width: u32,
    height: u32,
    frames: usize,
    fps: f64,
    /// Source clip of extend (frames).
    extend_clip: usize,
    /// Clip A and clip B of stitch.
    stitch_a: usize,
    stitch_b: usize,
    long_frames: usize,
}

impl Plan {
    fn new(model: &dyn VideoModel, opts: &ModesOptions) -> Result<Self> {
        let d = model.defaults();
        let (width, height) = (
            opts.width.unwrap_or(d.width),
            opts.height.unwrap_or(d.height),
        );
        let frames = opts.frames.unwrap_or(d.frames);
        if frames < 2 {
            bail!("a window of {frames} frames is too short to measure the modes");
        }
        let m = model.size_multiple();
        if width == 0 || height == 0 || width % m != 0 || height % m != 0 {
            bail!("size {width}x{height} is not a positive multiple of {m} for this model");
        }
        if width < 8 || height < 8 {
            bail!("size {width}x{height} is too small for the evaluator (at least 8x8)");
        }
        // Clip boundaries fall on the VAE's latent frames (1 + tf·k pixel frames).
        let tf = model.vae().config().temporal_compression().max(1);
        // Extend keeps about half a window, stitch a latent frame plus one at each end; both
        // need generated frames in between, and the loop a window of two overlaps.
        let extend_clip = 1 + tf * ((frames - 1) / tf / 2);
        let (stitch_a, stitch_b) = (1 + tf, tf);
        if frames < 2 * (1 + tf) || frames <= stitch_a + stitch_b || extend_clip >= frames {
            bail!(
                "a window of {frames} frames is too short to measure the modes (this model's VAE \
                 compresses time by {tf}; need at least {} frames)",
                (2 * (1 + tf)).max(stitch_a + stitch_b + 1)
            );
        }
        if !(0.0..=1.0).contains(&opts.edit_strength) {
            bail!(
                "edit strength must be within [0, 1], got {}",
                opts.edit_strength
            );
        }
        if opts.prompts == 0 {
            bail!("give at least one prompt");
        }
        Ok(Self {
            width,
            height,
            frames,
            fps: d.fps,
            extend_clip,
            stitch_a,
            stitch_b,
            // Two windows' worth: the sliding windows must carry the last keyframe's pull.
            long_frames: 2 * frames - 1,
        })
    }

    fn spec(&self, frames: usize) -> RenderSpec {
        RenderSpec {
            width: self.width,
            height: self.height,
            frames,
            fps: self.fps,
        }
    }

    fn timeline(&self, prompt: &str, frames: usize) -> Timeline {
        Timeline::text_to_video(prompt, frames, self.fps, self.width, self.height)
    }
}

/// Prompt `i`'s scene, its caption, and the caption with the first object recoloured.
pub fn prompt_case(prompt_seed: u64, i: usize, aspect: f32) -> (Scene, String, Scene, String) {
    let mut rng = world_rng(prompt_seed, i as u64);
    let sampler = SceneSampler {
        aspect,
        ..SceneSampler::default()
    };
    let scene = sample_scene(&mut rng, &sampler);
    let style = if i.is_multiple_of(2) {
        CaptionStyle::canonical()
    } else {
        CaptionStyle::random(&mut rng)
    };
    let prompt = caption(&scene, &style);
    let mut recoloured = scene.clone();
    let taken: Vec<Colour> = scene.objects.iter().map(|o| o.colour).collect();
    let n = Colour::ALL.len();
    let start = Colour::ALL
        .iter()
        .position(|&c| c == scene.objects[0].colour)
        .expect("a palette colour");
    // Step through the palette from a prompt-dependent offset to the first colour that is free.
    let new = (1..n)
        .map(|s| Colour::ALL[(start + s + i) % n])
        .find(|c| !taken.contains(c) && !c.clashes_with(scene.background))
        .expect("the palette has more colours than a scene uses");
    recoloured.objects[0].colour = new;
    let recolour_prompt = caption(&recoloured, &style);
    (scene, prompt, recoloured, recolour_prompt)
}

#[derive(Clone, Copy)]
enum Container {
    PngSequence,
    Mp4,
}

/// The folder of the PNG round trips: a scratch folder removed on drop, or the user's.
struct Scratch {
    dir: PathBuf,
    remove: bool,
    /// Prefix of the current prompt's files.
    prefix: std::cell::RefCell<String>,
}

impl Scratch {
    fn keep(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output folder {}", dir.display()))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            remove: false,
            prefix: Default::default(),
        })
    }

    fn new() -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("reel-modes-eval-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create scratch folder {}", dir.display()))?;
        Ok(Self {
            dir,
            remove: true,
            prefix: Default::default(),
        })
    }

    /// Writes `frames` in `container` and decodes them back, conformed to the size and rate as
    /// `reel-render` conforms inputs (an MP4 is lossy: H.264 at Reel's default quality, as a
    /// user's MP4 would be).
    fn round_trip(
        &self,
        name: &str,
        frames: &[Frame],
        plan: &Plan,
        container: Container,
    ) -> Result<Vec<Frame>> {
        let base = format!("{}{name}", self.prefix.borrow());
        let path = match container {
            Container::PngSequence => {
                let dir = self.dir.join(base);
                if dir.exists() {
                    std::fs::remove_dir_all(&dir)
                        .with_context(|| format!("cannot clear {}", dir.display()))?;
                }
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                dir
            }
            Container::Mp4 => self.dir.join(format!("{base}.mp4")),
        };
        let v = Video::new(frames.to_vec(), plan.fps)?;
        reel_media::write_video(&v, &path, &WriteOptions::default())?;
        let back = reel_media::read_video(&path)?;
        let back = reel_media::conform(
            &back,
            plan.width,
            plan.height,
            reel_media::FitMode::Fill,
            Some(plan.fps),
        )?;
        Ok(back.frames)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.remove {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Runs every mode on `opts.prompts` prompts and measures it; `progress(done, total)` after each
/// generation.
pub fn eval_modes(
    model: &dyn VideoModel,
    opts: &ModesOptions,
    mut progress: impl FnMut(usize, usize),
) -> Result<ModesReport> {
    let plan = Plan::new(model, opts)?;
    let d = model.defaults();
    let base = opts.sampler.settings(&d, 0)?;
    let scratch = match &opts.keep {
        Some(dir) => Scratch::keep(dir)?,
        None => Scratch::new()?,
    };
    let aspect = plan.width as f32 / plan.height as f32;
    const MODES: usize = 12;
    const GENERATIONS: usize = 14;
    let total = GENERATIONS * opts.prompts;
    let mut done = 0;
    let mut cases = Vec::new();
    let mut per_prompt: Vec<Values> = Vec::new();
    let mut errors = Vec::new();
    for i in 0..opts.prompts {
        let (scene, prompt, _, recolour_prompt) = prompt_case(opts.prompt_seed, i, aspect);
        let settings = SamplerSettings {
            seed: opts.seed.wrapping_add(i as u64),
            ..base.clone()
        };
        let case = PromptCase {
            index: i,
            prompt: prompt.clone(),
            recolour_prompt: recolour_prompt.clone(),
            seed: settings.seed,
        };
        let mut values = Values::new();
        *scratch.prefix.borrow_mut() = format!("p{i:03}-");
        let ctx = Ctx {
            model,
            plan: &plan,
            settings: &settings,
            scratch: &scratch,
            scene: &scene,
            prompt: &prompt,
            recolour_prompt: &recolour_prompt,
            edit_strength: opts.edit_strength,
        };
        let modes: [(&str, ModeFn, usize); MODES] = [
            ("image2video", image_to_video, 1),
            ("extend_fwd", extend_forward, 1),
            ("extend_bwd", extend_backward, 1),
            ("extend_mp4", extend_mp4, 1),
            ("stitch", stitch, 1),
            ("loop", looped, 1),
            ("keyframes", keyframes, 1),
            ("keyframes_long", keyframes_long, 1),
            ("video2video", v2v_same, 1),
            ("video2video", v2v_recolour, 1),
            ("remix", remix, 3),
            ("storyboard", storyboard, 1),
        ];
        for (mode, f, generations) in modes {
            if let Err(e) = f(&ctx, &mut values) {
                errors.push((mode.to_string(), i, format!("{e:#}")));
            }
            done += generations;
            progress(done, total);
        }
        cases.push(case);
        per_prompt.push(values);
    }
    let metrics = DEFS
        .iter()
        .map(|def| {
            let values: Vec<Option<f64>> = per_prompt
                .iter()
                .map(|v| {
                    v.get(&(def.mode, def.name))
                        .copied()
                        .filter(|x| !x.is_nan())
                })
                .collect();
            aggregate(def, values)
        })
        .collect();
    Ok(ModesReport {
        model: format!("{} {}", model.name(), model.version()),
        options: opts.clone(),
        width: plan.width,
        height: plan.height,
        frames: plan.frames,
        fps: plan.fps,
        long_frames: plan.long_frames,
        steps: base.steps,
        guidance: base.guidance,
        shift: base.shift,
        cases,
        metrics,
        errors,
    })
}

fn aggregate(def: &Def, values: Vec<Option<f64>>) -> Metric {
    let n = values.len();
    let (value, met) = match def.aggregate {
        Aggregate::Rate => {
            let ok = values.iter().filter(|v| **v == Some(1.0)).count();
            (Some(ok as f64 / n.max(1) as f64), ok)
        }
        Aggregate::Median => {
            // A missing value is the worst case for the target's direction.
            let worst = match def.target {
                Some(AtLeast(_)) => f64::NEG_INFINITY,
                Some(AtMost(_)) => f64::INFINITY,
                None => f64::NAN,
            };
            let filled: Vec<f64> = values.iter().map(|v| v.unwrap_or(worst)).collect();
            let met = match def.target {
                Some(t) => filled.iter().filter(|&&v| t.met(v)).count(),
                None => values.iter().filter(|v| v.is_some()).count(),
            };
            (median(&filled).filter(|v| v.is_finite()), met)
        }
    };
    let pass = def.target.map(|t| value.is_some_and(|v| t.met(v)));
    Metric {
        mode: def.mode.into(),
        name: def.name.into(),
        description: def.description.into(),
        aggregate: def.aggregate,
        value,
        target: def.target,
        met,
        prompts: n,
        pass,
        values,
    }
}

struct Ctx<'a> {
    model: &'a dyn VideoModel,
    plan: &'a Plan,
    settings: &'a SamplerSettings,
    scratch: &'a Scratch,
    scene: &'a Scene,
    prompt: &'a str,
    recolour_prompt: &'a str,
    edit_strength: f32,
}

type ModeFn = fn(&Ctx, &mut Values) -> Result<()>;

impl Ctx<'_> {
    /// The scene's ground-truth clip of `frames` frames, and its per-frame truth.
    fn truth(&self, frames: usize) -> (Vec<Frame>, Vec<FrameTruth>) {
        let spec = self.plan.spec(frames);
        (
            render(self.scene, &spec).frames,
            ground_truth(self.scene, &spec),
        )
    }

    /// Samples a timeline (in windows of the plan's length) and returns the output as decoded
    /// from a lossless file.
    fn run(&self, tl: &Timeline, name: &str) -> Result<Vec<Frame>> {
        self.run_as(tl, name, Container::PngSequence)
    }

    fn run_as(&self, tl: &Timeline, name: &str, container: Container) -> Result<Vec<Frame>> {
        let g = generate(
            self.model,
            tl,
            self.settings,
            GenerateOptions {
                window: Some(self.plan.frames),
                ..Default::default()
            },
        )?;
        if g.video.len() != tl.frames {
            bail!(
                "{name}: the timeline has {} frames but the output {}",
                tl.frames,
                g.video.len()
            );
        }
        self.scratch.round_trip(
            &format!("{name}-out"),
            &g.video.frames,
            self.plan,
            container,
        )
    }

    fn input(&self, name: &str, frames: &[Frame]) -> Result<Vec<Frame>> {
        self.input_as(name, frames, Container::PngSequence)
    }

    fn input_as(&self, name: &str, frames: &[Frame], container: Container) -> Result<Vec<Frame>> {
        self.scratch
            .round_trip(&format!("{name}-in"), frames, self.plan, container)
    }

    fn evaluate(&self, frames: &[Frame], prompt: &str) -> Result<ClipEval> {
        evaluate(&Video::new(frames.to_vec(), self.plan.fps)?, prompt)
    }
}

fn put(v: &mut Values, mode: &'static str, name: &'static str, x: Option<f64>) {
    if let Some(x) = x {
        v.insert((mode, name), x);
    }
}

fn image_to_video(c: &Ctx, v: &mut Values) -> Result<()> {
    const M: &str = "image2video";
    let (truth, _) = c.truth(c.plan.frames);
    let image = c.input(M, &truth[..1])?;
    let tl = c
        .plan
        .timeline(c.prompt, c.plan.frames)
        .with_known(0, image.clone(), 1.0)?;
    let out = c.run(&tl, M)?;
    put(v, M, "first_frame_psnr_db", psnr_db(&out[0], &image[0]));
    put(
        v,
        M,
        "first_seam_ratio",
        seam_ratio(&out, 1, median_change(&truth)),
    );
    // Motion from the whole clip; colour and shape from the generated frames only, since the
    // input image alone would carry those verdicts.
    let e = c.evaluate(&out, c.prompt)?;
    v.insert((M, "motion"), all_objects(&e, "motion"));
    let made = c.evaluate(&out[1..], c.prompt)?;
    for attr in ["colour", "shape"] {
        v.insert((M, attr), all_objects(&made, attr));
    }
    Ok(())
}

/// Extend: a clip of the scene's first (forward) or last (backward) frames, placed at the start
/// or the end of a window, the rest generated.
fn extend(c: &Ctx, v: &mut Values, backward: bool) -> Result<()> {
    let mode = if backward { "extend_bwd" } else { "extend_fwd" };
    let (n, l) = (c.plan.frames, c.plan.extend_clip);
    let (truth, _) = c.truth(n);
    let at = if backward { n - l } else { 0 };
    let clip = c.input(mode, &truth[at..at + l])?;
    let tl = c
        .plan
        .timeline(c.prompt, n)
        .with_known(at, clip.clone(), 1.0)?;
    let out = c.run(&tl, mode)?;
    v.insert(
        (mode, "originals_identical"),
        frames_identical(&out, at, &clip) as u8 as f64,
    );
    let seam = if backward { at } else { l };
    put(
        v,
        mode,
        "seam_ratio",
        seam_ratio(&out, seam, median_change(&clip)),
    );
    // The generated side of the seam must show the same object; on the whole clip the input
    // frames alone would carry the verdicts.
    let made = if backward { 0..at } else { l..n };
    let e = c.evaluate(&out[made], c.prompt)?;
    for attr in ["colour", "shape", "presence"] {
        v.insert((mode, attr), all_objects(&e, attr));
    }
    let whole = c.evaluate(&out, c.prompt)?;
    v.insert((mode, "whole_colour"), all_objects(&whole, "colour"));
    v.insert((mode, "whole_shape"), all_objects(&whole, "shape"));
    Ok(())
}

fn extend_forward(c: &Ctx, v: &mut Values) -> Result<()> {
    extend(c, v, false)
}

fn extend_backward(c: &Ctx, v: &mut Values) -> Result<()> {
    extend(c, v, true)
}

/// Stitch: the scene's first and last frames as clips A and B, the frames between generated.
fn stitch(c: &Ctx, v: &mut Values) -> Result<()> {
    const M: &str = "stitch";
    let n = c.plan.frames;
    let (a_len, b_len) = (c.plan.stitch_a, c.plan.stitch_b);
    let (truth, gt) = c.truth(n);
    let a = c.input("stitch-a", &truth[..a_len])?;
    let b = c.input("stitch-b", &truth[n - b_len..])?;
    let tl = c
        .plan
        .timeline(c.prompt, n)
        .with_known(0, a.clone(), 1.0)?
        .with_known(n - b_len, b.clone(), 1.0)?;
    let out = c.run(&tl, M)?;
    let untouched = frames_identical(&out, 0, &a) && frames_identical(&out, n - b_len, &b);
    v.insert((M, "clips_identical"), untouched as u8 as f64);
    let e = c.evaluate(&out, c.prompt)?;
    let gap = a_len..n - b_len;
    let towards = !e.objects.is_empty()
        && e.objects
            .iter()
            .enumerate()
            .all(|(k, o)| moves_towards(&o.path, &gt, k, gap.clone()));
    v.insert((M, "towards_b"), towards as u8 as f64);
    put(v, M, "path_error", centre_error(&e, &gt, gap));
    Ok(())
}

fn looped(c: &Ctx, v: &mut Values) -> Result<()> {
    const M: &str = "loop";
    let mut tl = c.plan.timeline(c.prompt, c.plan.frames);
    tl.circular = true;
    let out = c.run(&tl, M)?;
    put(v, M, "end_ratio", loop_ratio(&out));
    Ok(())
}

fn keyframes_of(c: &Ctx, v: &mut Values, mode: &'static str, n: usize) -> Result<()> {
    let (truth, _) = c.truth(n);
    let first = c.input(&format!("{mode}-first"), &truth[..1])?;
    let last = c.input(&format!("{mode}-last"), &truth[n - 1..])?;
    let tl = c
        .plan
        .timeline(c.prompt, n)
        .with_known(0, first.clone(), 1.0)?
        .with_known(n - 1, last.clone(), 1.0)?;
    let out = c.run(&tl, mode)?;
    put(v, mode, "first_psnr_db", psnr_db(&out[0], &first[0]));
    put(v, mode, "last_psnr_db", psnr_db(&out[n - 1], &last[0]));
    put(
        v,
        mode,
        "last_seam_ratio",
        seam_ratio(&out, n - 1, median_change(&truth)),
    );
    Ok(())
}

fn keyframes(c: &Ctx, v: &mut Values) -> Result<()> {
    keyframes_of(c, v, "keyframes", c.plan.frames)
}

fn keyframes_long(c: &Ctx, v: &mut Values) -> Result<()> {
    keyframes_of(c, v, "keyframes_long", c.plan.long_frames)
}

/// Video→video: the whole ground-truth clip with strength 1 − edit strength.
fn v2v(c: &Ctx, prompt: &str, name: &str) -> Result<(Vec<Frame>, Vec<Frame>, ClipEval)> {
    let n = c.plan.frames;
    let (truth, _) = c.truth(n);
    let clip = c.input(name, &truth)?;
    let tl = c
        .plan
        .timeline(prompt, n)
        .with_known(0, clip.clone(), 1.0 - c.edit_strength)?;
    let out = c.run(&tl, name)?;
    let e = c.evaluate(&out, prompt)?;
    Ok((clip, out, e))
}

fn v2v_same(c: &Ctx, v: &mut Values) -> Result<()> {
    const M: &str = "video2video";
    let (clip, out, e) = v2v(c, c.prompt, "v2v-same")?;
    let (_, gt) = c.truth(c.plan.frames);
    put(
        v,
        M,
        "layout_centre_error",
        centre_error(&e, &gt, 0..out.len()),
    );
    put(v, M, "layout_psnr_db", mean_psnr_db(&out, &clip));
    Ok(())
}

fn v2v_recolour(c: &Ctx, v: &mut Values) -> Result<()> {
    const M: &str = "video2video";
    let (_, out, e) = v2v(c, c.recolour_prompt, "v2v-recolour")?;
    let (_, gt) = c.truth(c.plan.frames);
    let detected = e
        .objects
        .first()
        .and_then(|o| o.colour.as_ref())
        .is_some_and(|a| a.correct);
    v.insert((M, "recolour_detected"), detected as u8 as f64);
    put(
        v,
        M,
        "recolour_centre_error",
        centre_error(&e, &gt, 0..out.len()),
    );
    Ok(())
}

/// Extend forward with an MP4 in and an MP4 out: the kept frames may differ from the decoded
/// input only by what one more H.264 pass costs those same frames.
fn extend_mp4(c: &Ctx, v: &mut Values) -> Result<()> {
    const M: &str = "extend_mp4";
    let (n, l) = (c.plan.frames, c.plan.extend_clip);
    let (truth, _) = c.truth(n);
    let clip = c.input_as(M, &truth[..l], Container::Mp4)?;
    let tl = c
        .plan
        .timeline(c.prompt, n)
        .with_known(0, clip.clone(), 1.0)?;
    let out = c.run_as(&tl, M, Container::Mp4)?;
    let alone = c.input_as(&format!("{M}-again"), &clip, Container::Mp4)?;
    let kept = mean_psnr_db(&out[..l], &clip);
    let codec = mean_psnr_db(&alone, &clip);
    put(v, M, "originals_psnr_db", kept);
    put(v, M, "codec_margin_db", kept.zip(codec).map(|(k, r)| k - r));
    Ok(())
}

/// Mean distance between the tracked centres of the same objects in two clips (fraction of the
/// canvas), over frames where both are found.
pub fn path_distance(a: &ClipEval, b: &ClipEval) -> Option<f64> {
    let mut sum = 0.0;
    let mut n = 0usize;
    for (oa, ob) in a.objects.iter().zip(&b.objects) {
        for (pa, pb) in oa.path.iter().zip(&ob.path) {
            if let (Some(pa), Some(pb)) = (pa, pb) {
                sum += (((pa.0 - pb.0).powi(2) + (pa.1 - pb.1).powi(2)) as f64).sqrt();
                n += 1;
            }
        }
    }
    (n > 0).then(|| sum / n as f64)
}

/// Remix: text→video, then the same request again (must reproduce it exactly), then the request
/// with the first object's colour word changed and the same seed.
fn remix(c: &Ctx, v: &mut Values) -> Result<()> {
    const M: &str = "remix";
    let tl = c.plan.timeline(c.prompt, c.plan.frames);
    let source = c.run(&tl, "remix-source")?;
    let again = c.run(&tl, "remix-again")?;
    v.insert(
        (M, "same_request_identical"),
        (source == again) as u8 as f64,
    );
    let e = c.evaluate(&source, c.prompt)?;
    for attr in ["colour", "shape", "motion"] {
        v.insert(("text2video", attr), all_objects(&e, attr));
    }
    let recoloured = c.run(
        &c.plan.timeline(c.recolour_prompt, c.plan.frames),
        "remix-recolour",
    )?;
    let r = c.evaluate(&recoloured, c.recolour_prompt)?;
    let detected = r
        .objects
        .first()
        .and_then(|o| o.colour.as_ref())
        .is_some_and(|a| a.correct);
    v.insert((M, "recolour_detected"), detected as u8 as f64);
    put(v, M, "layout_shift", path_distance(&r, &e));
    Ok(())
}

/// A different motion for a storyboard's second shot: the opposite direction, or rightwards.
fn other_motion(m: Motion) -> Motion {
    match m {
        Motion::Left => Motion::Right,
        Motion::Right => Motion::Left,
        Motion::Up => Motion::Down,
        Motion::Down => Motion::Up,
        _ => Motion::Right,
    }
}

/// Storyboard: two shots of one window each; the second shot's caption changes the first
/// object's motion, so the subjects must carry over while what they do changes.
fn storyboard(c: &Ctx, v: &mut Values) -> Result<()> {
    const M: &str = "storyboard";
    let n = c.plan.frames;
    let mut second = c.scene.clone();
    second.objects[0].motion = other_motion(second.objects[0].motion);
    let second_prompt = caption(&second, &CaptionStyle::canonical());
    let tl = c
        .plan
        .timeline(c.prompt, 2 * n)
        .with_segment(0, n, c.prompt)?
        .with_segment(n, 2 * n, &second_prompt)?;
    let out = c.run(&tl, M)?;
    let shots = [
        c.evaluate(&out[..n], c.prompt)?,
        c.evaluate(&out[n..], &second_prompt)?,
    ];
    let consistent = shots
        .iter()
        .all(|e| all_objects(e, "colour") == 1.0 && all_objects(e, "shape") == 1.0);
    v.insert((M, "consistent"), consistent as u8 as f64);
    let moves = shots.iter().all(|e| {
        e.objects
            .first()
            .and_then(|o| o.motion.as_ref())
            .is_some_and(|a| a.correct)
    });
    v.insert((M, "shot_motion"), moves as u8 as f64);
    put(
        v,
        M,
        "cut_seam_ratio",
        seam_ratio(&out, n, median_change(&out[..n])),
    );
    Ok(())
}

/// Writes the report as pretty JSON.
pub fn write_modes_json(report: &ModesReport, path: &Path) -> Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(report)?)
        .with_context(|| format!("cannot write {}", path.display()))
}
