//! The evaluator: scores a video against its prompt from the pixels alone.
//!
//! Pipeline per clip: background = vote of border pixels over the background palette; every
//! pixel is labelled background / pillar / nearest object colour in CIELAB, keeping a pixel
//! only when it is clearly closer to that colour than to the background (robust to soft,
//! blurry model output); same-label 8-connected components above a minimum area are the
//! detections; prompt objects are matched to detections by colour; then shape, size, motion,
//! bounce, persistence, presence and stability are measured on each object's track.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use reel_media::Video;
use serde::{Deserialize, Serialize};

use crate::caption::{caption, parse_prompt, CaptionStyle, ObjectSpec};
use crate::sample::{sample_scene, SceneSampler};
use crate::scene::*;

/// Seed of the model card's prompt set (`eval_prompt_set(n, EVAL_PROMPT_SEED)`); never used by tests.
pub const EVAL_PROMPT_SEED: u64 = 20_261_122;

/// Bounding-box side (fraction of min(width, height)) between small and large: the geometric
/// mean of the two nominal sides (0.16 and 0.25).
const SIZE_THRESHOLD: f32 = 0.2;

/// One scored attribute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttrResult {
    pub expected: String,
    pub detected: String,
    pub correct: bool,
}

impl AttrResult {
    fn new(expected: impl Into<String>, detected: impl Into<String>, correct: bool) -> Self {
        Self {
            expected: expected.into(),
            detected: detected.into(),
            correct,
        }
    }
    fn eq(expected: &str, detected: &str) -> Self {
        Self::new(expected, detected, expected == detected)
    }
}

/// Measurements and scores for one prompt object. An attribute is `None` when the prompt does
/// not ask for it (unspecified, or bounce/persistence not applicable).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjectEval {
    pub expected: ObjectSpec,
    pub colour: Option<AttrResult>,
    pub shape: Option<AttrResult>,
    pub size: Option<AttrResult>,
    pub motion: Option<AttrResult>,
    pub bounce: Option<AttrResult>,
    pub persistence: Option<AttrResult>,
    pub presence: AttrResult,
    pub stability: AttrResult,
    /// Whether the object travels frame by frame rather than in jumps (scored when it is found
    /// in every frame and travels; see `SMOOTH_SHARE`).
    #[serde(default)]
    pub smoothness: Option<AttrResult>,
    /// Fraction of frames in which the object was found.
    pub detected_fraction: f32,
    /// Centre path (normalised screen coordinates) per frame, `None` where not found.
    pub path: Vec<Option<(f32, f32)>>,
}

impl ObjectEval {
    /// (attribute name, result) for every scored attribute.
    pub fn attributes(&self) -> Vec<(&'static str, &AttrResult)> {
        let mut v = Vec::new();
        for (name, a) in [
            ("colour", &self.colour),
            ("shape", &self.shape),
            ("size", &self.size),
            ("motion", &self.motion),
            ("bounce", &self.bounce),
            ("persistence", &self.persistence),
        ] {
            if let Some(a) = a {
                v.push((name, a));
            }
        }
        v.push(("presence", &self.presence));
        v.push(("stability", &self.stability));
        if let Some(a) = &self.smoothness {
            v.push(("smoothness", a));
        }
        v
    }

    /// Colour, shape, size and motion (those the prompt names) all right.
    pub fn core_correct(&self) -> bool {
        [&self.colour, &self.shape, &self.size, &self.motion]
            .iter()
            .all(|a| a.as_ref().is_none_or(|a| a.correct))
    }
}

/// The evaluation of one clip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClipEval {
    pub prompt: String,
    pub background: Option<AttrResult>,
    pub objects: Vec<ObjectEval>,
}

impl ClipEval {
    /// Background plus colour, shape, size and motion of every object right.
    pub fn core_correct(&self) -> bool {
        self.background.as_ref().is_none_or(|a| a.correct)
            && self.objects.iter().all(ObjectEval::core_correct)
    }
}

// ---------- colour ----------

fn srgb_to_linear(c: u8) -> f32 {
    let c = c as f32 / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

struct LabConverter {
    lin: [f32; 256],
}

impl LabConverter {
    fn new() -> Self {
        let mut lin = [0.0; 256];
        for (i, l) in lin.iter_mut().enumerate() {
            *l = srgb_to_linear(i as u8);
        }
        Self { lin }
    }

    /// CIELAB (D65) of an sRGB colour.
    fn lab(&self, c: [u8; 3]) -> [f32; 3] {
        let (r, g, b) = (
            self.lin[c[0] as usize],
            self.lin[c[1] as usize],
            self.lin[c[2] as usize],
        );
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f32| {
            if t > 0.008_856 {
                t.cbrt()
            } else {
                7.787 * t + 16.0 / 116.0
            }
        };
        let (fx, fy, fz) = (f(x), f(y), f(z));
        [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
    }
}

fn dist(a: [f32; 3], b: [f32; 3]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

const LABEL_BG: u8 = 0;
const LABEL_PILLAR: u8 = 1;
const LABEL_NONE: u8 = 255;
/// Object colour i has label OBJ0 + i.
const OBJ0: u8 = 2;

fn median(v: &mut [f32]) -> f32 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        0.0
    } else {
        v[v.len() / 2]
    }
}

/// One connected same-label region in one frame.
#[derive(Clone, Debug)]
struct Comp {
    label: u8,
    area: usize,
    cx: f32,
    cy: f32,
    x0: u32,
    x1: u32,
    y0: u32,
    y1: u32,
    top: usize,
    lab_sum: [f32; 3],
    /// Shape features of the half-coverage mask (see `refine`).
    fill: f32,
    top_frac: f32,
    side_w: u32,
    side_h: u32,
}

impl Comp {
    fn bw(&self) -> u32 {
        self.side_w
    }
    fn bh(&self) -> u32 {
        self.side_h
    }
    fn mean_lab(&self) -> [f32; 3] {
        let n = self.area as f32;
        [
            self.lab_sum[0] / n,
            self.lab_sum[1] / n,
            self.lab_sum[2] / n,
        ]
    }
    /// Fill ratio of the bounding box (square 1, circle pi/4, triangle 1/2) and the
    /// fraction of pixels in the upper half (triangle 1/4, others 1/2).
    fn shape(&self) -> Shape {
        let (fill, top) = (self.fill, self.top_frac);
        if top < 0.37 || fill < 0.6 {
            Shape::Triangle
        } else if fill >= 0.885 {
            Shape::Square
        } else {
            Shape::Circle
        }
    }
}

/// Re-measures a component on its half-coverage mask: each pixel's coverage is its projection
/// onto the segment from the background colour to the component's mean colour (in RGB, where
/// edges blend), and pixels at >= 50% form the mask. The 50% contour of a blurred edge stays
/// on the edge, so fill ratio and bounding box survive soft output.
fn refine(c: &mut Comp, img: &image::RgbImage, bg: [f32; 3], mean_rgb: [f32; 3]) {
    let (w, h) = img.dimensions();
    let d = [0, 1, 2].map(|k| mean_rgb[k] - bg[k]);
    let dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    if dd < 1.0 {
        return;
    }
    let (x0, x1) = (c.x0.saturating_sub(1), (c.x1 + 1).min(w - 1));
    let (y0, y1) = (c.y0.saturating_sub(1), (c.y1 + 1).min(h - 1));
    let mut pts = Vec::new();
    for y in y0..=y1 {
        for x in x0..=x1 {
            let p = img.get_pixel(x, y).0;
            let a = (0..3).map(|k| (p[k] as f32 - bg[k]) * d[k]).sum::<f32>() / dd;
            // Far past the object colour is something else (another object, the pillar).
            if (0.5..=1.6).contains(&a) {
                pts.push((x, y));
            }
        }
    }
    if pts.len() < 3 {
        return;
    }
    let bx0 = pts.iter().map(|p| p.0).min().unwrap_or(0);
    let bx1 = pts.iter().map(|p| p.0).max().unwrap_or(0);
    let by0 = pts.iter().map(|p| p.1).min().unwrap_or(0);
    let by1 = pts.iter().map(|p| p.1).max().unwrap_or(0);
    c.side_w = bx1 - bx0 + 1;
    c.side_h = by1 - by0 + 1;
    c.fill = pts.len() as f32 / (c.side_w * c.side_h) as f32;
    let mid = (by0 + by1 + 1) as f32 / 2.0;
    c.top_frac = pts.iter().filter(|p| (p.1 as f32 + 0.5) < mid).count() as f32 / pts.len() as f32;
}

struct Frame {
    comps: Vec<Comp>,
    /// Columns that are mostly pillar.
    pillar_cols: Vec<bool>,
}

fn analyse_frame(
    img: &image::RgbImage,
    conv: &LabConverter,
    bg_lab: [f32; 3],
    bg_rgb: [f32; 3],
    obj_labs: &[(u8, [f32; 3])],
    pillar_lab: [f32; 3],
    min_area: usize,
) -> Frame {
    let (w, h) = img.dimensions();
    let n = (w * h) as usize;
    let mut labels = vec![LABEL_BG; n];
    let mut labs = vec![[0.0f32; 3]; n];
    // Small cache: generated and rendered clips repeat few colours.
    let mut last: Option<([u8; 3], u8, [f32; 3])> = None;
    for (i, p) in img.pixels().enumerate() {
        if let Some((c, l, lab)) = last {
            if c == p.0 {
                labels[i] = l;
                labs[i] = lab;
                continue;
            }
        }
        let lab = conv.lab(p.0);
        let d_bg = dist(lab, bg_lab);
        let mut label = LABEL_BG;
        if d_bg >= 12.0 {
            let mut best = (LABEL_PILLAR, dist(lab, pillar_lab));
            for &(l, ref c) in obj_labs {
                let d = dist(lab, *c);
                if d < best.1 {
                    best = (l, d);
                }
            }
            // Keep a pixel only if it is mostly object (over ~60% coverage for a clean edge).
            label = if best.1 < 0.6 * d_bg && best.1 < 45.0 {
                best.0
            } else {
                LABEL_NONE
            };
        }
        labels[i] = label;
        labs[i] = lab;
        last = Some((p.0, label, lab));
    }
    let mut pillar_cols = vec![false; w as usize];
    for (x, pc) in pillar_cols.iter_mut().enumerate() {
        let cnt = (0..h as usize)
            .filter(|&y| labels[y * w as usize + x] == LABEL_PILLAR)
            .count();
        *pc = cnt * 2 >= h as usize;
    }
    // 8-connected components of each object label.
    let mut seen = vec![false; n];
    let mut comps = Vec::new();
    let mut stack = Vec::new();
    let mut members = Vec::new();
    for start in 0..n {
        let l = labels[start];
        if seen[start] || l < OBJ0 || l == LABEL_NONE {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        members.clear();
        while let Some(i) = stack.pop() {
            members.push(i);
            let (x, y) = ((i % w as usize) as i64, (i / w as usize) as i64);
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                        continue;
                    }
                    let j = ny as usize * w as usize + nx as usize;
                    if !seen[j] && labels[j] == l {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        if members.len() < min_area {
            continue;
        }
        let mut c = Comp {
            label: l,
            area: members.len(),
            cx: 0.0,
            cy: 0.0,
            x0: u32::MAX,
            x1: 0,
            y0: u32::MAX,
            y1: 0,
            top: 0,
            lab_sum: [0.0; 3],
            fill: 0.0,
            top_frac: 0.0,
            side_w: 1,
            side_h: 1,
        };
        let mut rgb_sum = [0.0f32; 3];
        for &i in &members {
            let (x, y) = ((i % w as usize) as u32, (i / w as usize) as u32);
            c.cx += x as f32 + 0.5;
            c.cy += y as f32 + 0.5;
            c.x0 = c.x0.min(x);
            c.x1 = c.x1.max(x);
            c.y0 = c.y0.min(y);
            c.y1 = c.y1.max(y);
            let p = img.get_pixel(x, y).0;
            for k in 0..3 {
                c.lab_sum[k] += labs[i][k];
                rgb_sum[k] += p[k] as f32;
            }
        }
        c.cx /= c.area as f32;
        c.cy /= c.area as f32;
        let mid = (c.y0 + c.y1 + 1) as f32 / 2.0;
        c.top = members
            .iter()
            .filter(|&&i| ((i / w as usize) as f32 + 0.5) < mid)
            .count();
        c.side_w = c.x1 - c.x0 + 1;
        c.side_h = c.y1 - c.y0 + 1;
        c.fill = c.area as f32 / (c.side_w * c.side_h) as f32;
        c.top_frac = c.top as f32 / c.area as f32;
        let n = c.area as f32;
        refine(&mut c, img, bg_rgb, rgb_sum.map(|v| v / n));
        comps.push(c);
    }
    Frame { comps, pillar_cols }
}

// ---------- motion ----------

/// Share of an object's path that the largest quarter of its frame-to-frame steps may carry
/// for its motion to count as smooth. A steady path puts about a quarter there, an accelerating
/// fall under half; a video that moves its objects only every fourth frame (a VAE drawing each
/// 4-frame latent group as a still) puts nearly all of it there.
pub const SMOOTH_SHARE: f32 = 0.5;
/// Least path length (in frame sizes) for smoothness to be scored: shorter paths are mostly
/// the tracker's pixel rounding.
const SMOOTH_MIN_TRAVEL: f32 = 0.15;

/// Smoothness from the well-visible centre path `(t, x, y, bottom)`: scored only when every
/// one of `n_frames` frames is in it and the object travels.
fn smoothness(pts: &[(f32, f32, f32, f32)], n_frames: usize) -> Option<AttrResult> {
    if n_frames < 5 || pts.len() != n_frames {
        return None;
    }
    let mut steps: Vec<f32> = pts
        .windows(2)
        .map(|p| (p[1].1 - p[0].1).hypot(p[1].2 - p[0].2))
        .collect();
    let travel: f32 = steps.iter().sum();
    if travel < SMOOTH_MIN_TRAVEL {
        return None;
    }
    steps.sort_by(|a, b| b.total_cmp(a));
    let share = steps[..steps.len().div_ceil(4)].iter().sum::<f32>() / travel;
    Some(AttrResult::new(
        "smooth",
        format!("largest quarter of steps {:.0}% of the path", 100.0 * share),
        share <= SMOOTH_SHARE,
    ))
}

/// Best (excursion before, excursion back after) around any turning point of the series.
fn reversal(xs: &[f32]) -> (f32, f32) {
    let n = xs.len();
    let mut best = (0.0f32, 0.0f32);
    for k in 1..n.saturating_sub(1) {
        let min_b = xs[..=k].iter().copied().fold(f32::INFINITY, f32::min);
        let min_a = xs[k..].iter().copied().fold(f32::INFINITY, f32::min);
        let max_b = xs[..=k].iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let max_a = xs[k..].iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for (b, a) in [
            (xs[k] - min_b, xs[k] - min_a),
            (max_b - xs[k], max_a - xs[k]),
        ] {
            if b.min(a) > best.0.min(best.1) {
                best = (b, a);
            }
        }
    }
    best
}

struct MotionFeatures {
    class: Option<Motion>,
    h_bounce: bool,
    floor_bounce: bool,
}

/// Classifies a world-frame path (t, x, y, bottom) of an object.
fn classify_motion(pts: &[(f32, f32, f32, f32)]) -> MotionFeatures {
    if pts.len() < 3 {
        return MotionFeatures {
            class: None,
            h_bounce: false,
            floor_bounce: false,
        };
    }
    let xs: Vec<f32> = pts.iter().map(|p| p.1).collect();
    let ys: Vec<f32> = pts.iter().map(|p| p.2).collect();
    let range = |v: &[f32]| {
        v.iter().copied().fold(f32::NEG_INFINITY, f32::max)
            - v.iter().copied().fold(f32::INFINITY, f32::min)
    };
    let (xr, yr) = (range(&xs), range(&ys));
    // Fall: a drop, then a rise after a lowest point that is near the floor.
    let floor_bounce = (1..ys.len() - 1).any(|k| {
        let before = ys[..=k].iter().copied().fold(f32::INFINITY, f32::min);
        let after = ys[k..].iter().copied().fold(f32::INFINITY, f32::min);
        ys[k] - before >= 0.12 && ys[k] - after >= 0.03 && pts[k].3 >= 0.85
    });
    let (hb, ha) = reversal(&xs);
    let h_bounce = hb.min(ha) >= 0.07;
    let k = pts.len().min(3);
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    let dx = mean(&xs[xs.len() - k..]) - mean(&xs[..k]);
    let dy = mean(&ys[ys.len() - k..]) - mean(&ys[..k]);
    let class = if floor_bounce && yr > xr {
        Motion::Fall
    } else if h_bounce && xr > yr {
        Motion::Bounce
    } else if xr < 0.06 && yr < 0.06 {
        Motion::Still
    } else if dx.abs() >= dy.abs() {
        if dx > 0.0 {
            Motion::Right
        } else {
            Motion::Left
        }
    } else if dy > 0.0 {
        Motion::Down
    } else {
        Motion::Up
    };
    MotionFeatures {
        class: Some(class),
        h_bounce,
        floor_bounce,
    }
}

fn mode<T: Copy + Ord>(xs: impl IntoIterator<Item = T>) -> Option<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for x in xs {
        *counts.entry(x).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(_, c)| *c).map(|(x, _)| x)
}

// ---------- evaluate ----------

/// Scores a clip against a prompt in the toy-world grammar, from the pixels alone.
pub fn evaluate(video: &Video, prompt: &str) -> Result<ClipEval> {
    let spec = parse_prompt(prompt)?;
    if video.frames.is_empty() {
        bail!("the video has no frames");
    }
    let (w, h) = video.frames[0].dimensions();
    if w < 8 || h < 8 {
        bail!("the video is {w}x{h}; the evaluator needs at least 8x8");
    }
    if video.frames.iter().any(|f| f.dimensions() != (w, h)) {
        bail!("the video's frames differ in size");
    }
    if !(video.fps.is_finite() && video.fps > 0.0) {
        bail!("the video's frame rate must be positive, got {}", video.fps);
    }
    let conv = LabConverter::new();
    let m = w.min(h) as f32;

    // Background: vote of border pixels over the palette; per-frame colour from their median.
    let bg_labs: Vec<[f32; 3]> = Background::ALL.iter().map(|b| conv.lab(b.rgb())).collect();
    let mut votes = vec![0usize; Background::ALL.len()];
    let mut frame_bg = Vec::with_capacity(video.frames.len());
    for img in &video.frames {
        let mut ch: [Vec<f32>; 3] = Default::default();
        let mut push = |x: u32, y: u32| {
            let p = img.get_pixel(x, y).0;
            let lab = conv.lab(p);
            let best = (0..bg_labs.len())
                .min_by(|&a, &b| dist(lab, bg_labs[a]).total_cmp(&dist(lab, bg_labs[b])))
                .unwrap_or(0);
            votes[best] += 1;
            for k in 0..3 {
                ch[k].push(p[k] as f32);
            }
        };
        for x in 0..w {
            push(x, 0);
            push(x, h - 1);
        }
        for y in 1..h - 1 {
            push(0, y);
            push(w - 1, y);
        }
        let med = [
            median(&mut ch[0]).round() as u8,
            median(&mut ch[1]).round() as u8,
            median(&mut ch[2]).round() as u8,
        ];
        frame_bg.push((conv.lab(med), med.map(|v| v as f32)));
    }
    let detected_bg = Background::ALL[(0..votes.len()).max_by_key(|&i| votes[i]).unwrap_or(0)];
    let background = spec
        .background
        .map(|b| AttrResult::eq(b.word(), detected_bg.word()));

    // Object colours that cannot be told from this background are not candidates.
    let pillar_lab = conv.lab(PILLAR_RGB);
    let min_area = ((0.004 * m * m).round() as usize).max(3);
    let frames: Vec<Frame> = video
        .frames
        .iter()
        .zip(&frame_bg)
        .map(|(img, &(bg, bg_rgb))| {
            let obj_labs: Vec<(u8, [f32; 3])> = Colour::ALL
                .iter()
                .enumerate()
                .map(|(i, c)| (OBJ0 + i as u8, conv.lab(c.rgb())))
                .filter(|(_, lab)| dist(*lab, bg) >= 20.0)
                .collect();
            analyse_frame(img, &conv, bg, bg_rgb, &obj_labs, pillar_lab, min_area)
        })
        .collect();
    let colour_label =
        |c: Colour| OBJ0 + Colour::ALL.iter().position(|x| *x == c).unwrap_or(0) as u8;

    // Match prompt objects to colour labels: exact colours first, then the largest unclaimed.
    let total_area = |l: u8| -> usize {
        frames
            .iter()
            .flat_map(|f| f.comps.iter())
            .filter(|c| c.label == l)
            .map(|c| c.area)
            .sum()
    };
    let mut track_label: Vec<Option<u8>> = vec![None; spec.objects.len()];
    for (i, o) in spec.objects.iter().enumerate() {
        if let Some(c) = o.colour {
            if total_area(colour_label(c)) > 0 {
                track_label[i] = Some(colour_label(c));
            }
        }
    }
    for i in 0..spec.objects.len() {
        if track_label[i].is_none() {
            let claimed: Vec<u8> = track_label.iter().flatten().copied().collect();
            let best = (OBJ0..OBJ0 + Colour::ALL.len() as u8)
                .filter(|l| !claimed.contains(l))
                .map(|l| (l, total_area(l)))
                .filter(|(_, a)| *a > 0)
                .max_by_key(|(_, a)| *a);
            track_label[i] = best.map(|(l, _)| l);
        }
    }

    // Per frame, each object takes the largest component of its label not already taken.
    let n_frames = frames.len();
    let mut tracks: Vec<Vec<Option<Comp>>> = vec![vec![None; n_frames]; spec.objects.len()];
    for (f, fr) in frames.iter().enumerate() {
        let mut taken = vec![false; fr.comps.len()];
        for (i, l) in track_label.iter().enumerate() {
            let Some(l) = l else { continue };
            let best = (0..fr.comps.len())
                .filter(|&k| !taken[k] && fr.comps[k].label == *l)
                .max_by_key(|&k| fr.comps[k].area);
            if let Some(k) = best {
                taken[k] = true;
                tracks[i][f] = Some(fr.comps[k].clone());
            }
        }
    }

    let mut objects = Vec::new();
    for (i, o) in spec.objects.iter().enumerate() {
        let track = &tracks[i];
        let detected_colour = track_label[i].map(|l| Colour::ALL[(l - OBJ0) as usize]);
        let det_word = |x: Option<&'static str>| x.unwrap_or("none").to_string();
        let colour = o.colour.map(|c| {
            AttrResult::new(
                c.word(),
                det_word(detected_colour.map(Colour::word)),
                Some(c) == detected_colour,
            )
        });

        let mut areas: Vec<f32> = track.iter().flatten().map(|c| c.area as f32).collect();
        let p90 = if areas.is_empty() {
            0.0
        } else {
            areas.sort_by(|a, b| a.total_cmp(b));
            areas[((areas.len() as f32 * 0.9) as usize).min(areas.len() - 1)]
        };
        // Clear frames: whole object in view (off the border, away from the pillar). A
        // pillar-crossing object may have few; then relax to nearly full-area frames.
        let select = |off_border: bool, off_pillar: bool, min_frac: f32| -> Vec<&Comp> {
            track
                .iter()
                .enumerate()
                .filter_map(|(f, c)| {
                    let c = c.as_ref()?;
                    let pc = &frames[f].pillar_cols;
                    let near_pillar =
                        (c.x0.saturating_sub(2)..=(c.x1 + 2).min(w - 1)).any(|x| pc[x as usize]);
                    let on_border = c.x0 == 0 || c.y0 == 0 || c.x1 == w - 1 || c.y1 == h - 1;
                    let ok = !(off_pillar && near_pillar)
                        && !(off_border && on_border)
                        && c.area as f32 >= min_frac * p90;
                    ok.then_some(c)
                })
                .collect()
        };
        let mut clear = select(true, true, 0.5);
        if clear.len() < 3 {
            clear = select(false, true, 0.85);
        }
        if clear.len() < 3 {
            clear = select(false, false, 0.85);
        }
        let shape_src: Vec<&Comp> = if clear.is_empty() {
            track.iter().flatten().collect()
        } else {
            clear.clone()
        };
        let det_shape = mode(shape_src.iter().map(|c| c.shape()));
        let shape = o.shape.map(|s| {
            AttrResult::new(
                s.word(),
                det_word(det_shape.map(Shape::word)),
                Some(s) == det_shape,
            )
        });
        let mut sides: Vec<f32> = shape_src
            .iter()
            .map(|c| ((c.bw() * c.bh()) as f32).sqrt() / m)
            .collect();
        let det_size = (!sides.is_empty()).then(|| {
            if median(&mut sides) >= SIZE_THRESHOLD {
                Size::Large
            } else {
                Size::Small
            }
        });
        let size = o.size.map(|s| {
            AttrResult::new(
                s.word(),
                det_word(det_size.map(Size::word)),
                Some(s) == det_size,
            )
        });

        // Path in world coordinates (the prompt's pan is undone) from well-visible frames.
        let path: Vec<Option<(f32, f32)>> = track
            .iter()
            .map(|c| c.as_ref().map(|c| (c.cx / w as f32, c.cy / h as f32)))
            .collect();
        let pts: Vec<(f32, f32, f32, f32)> = track
            .iter()
            .enumerate()
            .filter_map(|(f, c)| {
                let c = c.as_ref()?;
                if (c.area as f32) < 0.5 * p90 {
                    return None;
                }
                let t = (f as f64 / video.fps) as f32;
                Some((
                    t,
                    c.cx / w as f32 + camera_x(spec.pan, t),
                    c.cy / h as f32,
                    (c.y1 + 1) as f32 / h as f32,
                ))
            })
            .collect();
        let smoothness = smoothness(&pts, n_frames);
        let mf = classify_motion(&pts);
        let motion = o.motion.map(|mo| {
            AttrResult::new(
                mo.word(),
                det_word(mf.class.map(Motion::word)),
                Some(mo) == mf.class,
            )
        });
        let bounce = match o.motion {
            Some(Motion::Bounce) => Some(AttrResult::new(
                "walls",
                if mf.h_bounce { "walls" } else { "none" },
                mf.h_bounce,
            )),
            Some(Motion::Fall) => Some(AttrResult::new(
                "floor",
                if mf.floor_bounce { "floor" } else { "none" },
                mf.floor_bounce,
            )),
            _ => None,
        };

        // Persistence: visible, then hidden, then visible again with the same shape.
        let persistence = o.behind_pillar.then(|| {
            let state: Vec<u8> = track
                .iter()
                .map(|c| match c {
                    Some(c) if c.area as f32 >= 0.6 * p90 => 2,
                    Some(c) if c.area as f32 >= 0.3 * p90 => 1,
                    _ => 0,
                })
                .collect();
            let first_vis = state.iter().position(|s| *s == 2);
            let hidden =
                first_vis.and_then(|a| state[a..].iter().position(|s| *s == 0).map(|j| a + j));
            let back = hidden.and_then(|j| state[j..].iter().position(|s| *s == 2).map(|k| j + k));
            match (first_vis, hidden, back) {
                (Some(a), Some(j), Some(k)) => {
                    let shape_of = |r: std::ops::Range<usize>| {
                        mode(
                            r.filter(|&f| state[f] == 2)
                                .filter_map(|f| track[f].as_ref().map(Comp::shape)),
                        )
                    };
                    let before = shape_of(a..j);
                    let after = shape_of(k..n_frames);
                    let ok = before.is_some() && before == after;
                    AttrResult::new(
                        "reappears unchanged",
                        if ok {
                            "reappears unchanged"
                        } else {
                            "reappears changed"
                        },
                        ok,
                    )
                }
                (Some(_), Some(_), None) => {
                    AttrResult::new("reappears unchanged", "vanishes", false)
                }
                _ => AttrResult::new("reappears unchanged", "never hidden", false),
            }
        });

        // Presence: found in nearly every frame (behind a pillar: at both ends and half overall).
        let found: Vec<bool> = track
            .iter()
            .map(|c| c.as_ref().is_some_and(|c| c.area as f32 >= 0.3 * p90))
            .collect();
        let frac = found.iter().filter(|b| **b).count() as f32 / n_frames as f32;
        let present = if o.behind_pillar {
            let half = n_frames / 2;
            frac >= 0.5
                && found[..half.max(1)].iter().any(|b| *b)
                && found[half..].iter().any(|b| *b)
        } else {
            frac >= 0.9
        };
        let presence = AttrResult::new(
            "present",
            if present {
                "present".to_string()
            } else {
                format!("present in {:.0}% of frames", 100.0 * frac)
            },
            present,
        );

        // Stability: colour and area of the clear frames vary little.
        let stability = if clear.len() < 2 {
            AttrResult::new("stable", "too few clear frames", false)
        } else {
            let labs: Vec<[f32; 3]> = clear.iter().map(|c| c.mean_lab()).collect();
            let n = labs.len() as f32;
            let mean = [0, 1, 2].map(|k| labs.iter().map(|l| l[k]).sum::<f32>() / n);
            let colour_sd = (labs.iter().map(|l| dist(*l, mean).powi(2)).sum::<f32>() / n).sqrt();
            let a: Vec<f32> = clear.iter().map(|c| c.area as f32).collect();
            let am = a.iter().sum::<f32>() / n;
            let cv = (a.iter().map(|x| (x - am).powi(2)).sum::<f32>() / n).sqrt() / am;
            let ok = colour_sd <= 8.0 && cv <= 0.15;
            AttrResult::new(
                "stable",
                format!("colour sd {colour_sd:.1}, area cv {cv:.2}"),
                ok,
            )
        };

        objects.push(ObjectEval {
            expected: o.clone(),
            colour,
            shape,
            size,
            motion,
            bounce,
            persistence,
            presence,
            stability,
            smoothness,
            detected_fraction: frac,
            path,
        });
    }
    Ok(ClipEval {
        prompt: prompt.to_string(),
        background,
        objects,
    })
}

// ---------- sets ----------

/// Correct out of total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    pub correct: usize,
    pub total: usize,
    pub accuracy: f64,
}

impl Accuracy {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.correct += ok as usize;
        self.accuracy = self.correct as f64 / self.total as f64;
    }
}

/// Per-attribute accuracy over a prompt set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Clips scored.
    pub clips: usize,
    /// Prompts that could not be scored (outside the grammar, bad video), with the reason.
    pub skipped: Vec<(String, String)>,
    /// Attribute -> accuracy over one-object clips.
    pub single: BTreeMap<String, Accuracy>,
    /// Attribute -> accuracy over the objects of two-object clips.
    pub two: BTreeMap<String, Accuracy>,
    /// Two-object clips with background and colour, shape, size and motion of both objects right.
    pub two_all_correct: Accuracy,
    /// One-object clips with background and colour, shape, size and motion right.
    pub single_all_correct: Accuracy,
    pub evals: Vec<ClipEval>,
}

const ATTR_ORDER: [&str; 10] = [
    "background",
    "colour",
    "shape",
    "size",
    "motion",
    "bounce",
    "persistence",
    "presence",
    "stability",
    "smoothness",
];

impl Report {
    pub fn add(&mut self, e: ClipEval) {
        self.clips += 1;
        let two = e.objects.len() >= 2;
        let table = if two { &mut self.two } else { &mut self.single };
        if let Some(b) = &e.background {
            table.entry("background".into()).or_default().add(b.correct);
        }
        for o in &e.objects {
            for (name, a) in o.attributes() {
                table.entry(name.into()).or_default().add(a.correct);
            }
        }
        if two {
            self.two_all_correct.add(e.core_correct());
        } else {
            self.single_all_correct.add(e.core_correct());
        }
        self.evals.push(e);
    }

    /// A plain-text table: attribute, single-object accuracy, two-object accuracy.
    pub fn table(&self) -> String {
        let cell = |a: Option<&Accuracy>| match a {
            Some(a) if a.total > 0 => {
                format!("{:6.1}% ({}/{})", 100.0 * a.accuracy, a.correct, a.total)
            }
            _ => "     -".to_string(),
        };
        let mut s = format!(
            "{:<14} {:<22} {:<22}\n",
            "attribute", "one object", "two objects"
        );
        for name in ATTR_ORDER {
            if self.single.contains_key(name) || self.two.contains_key(name) {
                s.push_str(&format!(
                    "{:<14} {:<22} {:<22}\n",
                    name,
                    cell(self.single.get(name)),
                    cell(self.two.get(name))
                ));
            }
        }
        s.push_str(&format!(
            "{:<14} {:<22} {:<22}\n",
            "all core",
            cell(Some(&self.single_all_correct)),
            cell(Some(&self.two_all_correct))
        ));
        s.push_str(&format!(
            "clips scored: {}, skipped: {}\n",
            self.clips,
            self.skipped.len()
        ));
        s
    }
}

/// Scores every (video, prompt) pair; pairs that cannot be scored are listed in `skipped`.
pub fn evaluate_set(items: &[(Video, String)]) -> Report {
    let mut r = Report::default();
    for (v, p) in items {
        match evaluate(v, p) {
            Ok(e) => r.add(e),
            Err(err) => r.skipped.push((p.clone(), format!("{err:#}"))),
        }
    }
    r
}

/// A fixed, seeded prompt set for the model card: half canonical captions, half varied.
/// The model card uses `EVAL_PROMPT_SEED`.
pub fn eval_prompt_set(n: usize, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sampler = SceneSampler::default();
    (0..n)
        .map(|i| {
            let scene = sample_scene(&mut rng, &sampler);
            let style = if i % 2 == 0 {
                CaptionStyle::canonical()
            } else {
                CaptionStyle::random(&mut rng)
            };
            caption(&scene, &style)
        })
        .collect()
}
