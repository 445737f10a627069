//! Drawing scenes: attributes at random (with configurable weights) or from a parsed caption,
//! then positions chosen so every motion is clearly visible in the nominal clip.

use anyhow::{bail, Result};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::caption::{ObjectSpec, SceneSpec};
use crate::scene::*;

/// Weights and options for `sample_scene`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SceneSampler {
    /// Probability of a two-object clip.
    pub two_objects: f64,
    /// Probability of a pillar (only when some object moves sideways).
    pub pillar: f64,
    /// Probability of a camera pan.
    pub pan: f64,
    /// Relative weights of still, left, right, up, down, bounce, fall.
    pub motion_weights: [f64; 7],
    /// Relative weights of black, white, gray, blue, green, brown.
    pub background_weights: [f64; 6],
    /// Clip length (seconds) the paths are planned for.
    pub duration: f32,
    /// Width / height of the canvas the paths are planned for.
    pub aspect: f32,
    /// How far start positions range, from 1 (anywhere the motion stays visible) towards 0
    /// (each object at its slot: the centre for one object, upper left and lower right for two,
    /// as far as its motion allows). A smaller model learns a narrower world faster; seeds still
    /// vary the layout within the spread.
    pub layout_spread: f32,
}

impl Default for SceneSampler {
    fn default() -> Self {
        Self {
            two_objects: 0.35,
            pillar: 0.2,
            pan: 0.15,
            motion_weights: [1.0; 7],
            background_weights: [1.0; 6],
            duration: NOMINAL_DURATION,
            aspect: 1.0,
            layout_spread: 1.0,
        }
    }
}

impl SceneSampler {
    pub fn validate(&self) -> Result<()> {
        for (name, p) in [
            ("two_objects", self.two_objects),
            ("pillar", self.pillar),
            ("pan", self.pan),
        ] {
            if !(0.0..=1.0).contains(&p) {
                bail!("sampler probability `{name}` must be in [0, 1], got {p}");
            }
        }
        for (name, w) in [
            ("motion_weights", &self.motion_weights[..]),
            ("background_weights", &self.background_weights[..]),
        ] {
            if w.iter().any(|x| !(x.is_finite() && *x >= 0.0)) || w.iter().sum::<f64>() <= 0.0 {
                bail!("sampler `{name}` must be non-negative with a positive sum, got {w:?}");
            }
        }
        if !(self.duration.is_finite() && self.duration > 0.0) {
            bail!("sampler duration must be positive, got {}", self.duration);
        }
        if !(self.aspect.is_finite() && (0.1..=10.0).contains(&self.aspect)) {
            bail!("sampler aspect must be in [0.1, 10], got {}", self.aspect);
        }
        if !(self.layout_spread > 0.0 && self.layout_spread <= 1.0) {
            bail!(
                "sampler layout_spread must be in (0, 1], got {}",
                self.layout_spread
            );
        }
        Ok(())
    }

    /// A canvas (in arbitrary pixels) with the planned aspect ratio.
    fn canvas(&self) -> (u32, u32) {
        ((512.0 * self.aspect).round().max(1.0) as u32, 512)
    }
}

fn weighted<R: Rng + ?Sized>(rng: &mut R, w: &[f64]) -> usize {
    let total: f64 = w.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (i, x) in w.iter().enumerate() {
        if u < *x {
            return i;
        }
        u -= x;
    }
    w.iter().rposition(|x| *x > 0.0).unwrap_or(0)
}

fn pick<T: Copy, R: Rng + ?Sized>(rng: &mut R, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

/// A random scene. Falls back to the default sampler if `opts` is invalid (call
/// `SceneSampler::validate` first to get the reason).
pub fn sample_scene<R: Rng + ?Sized>(rng: &mut R, opts: &SceneSampler) -> Scene {
    let default;
    let opts = if opts.validate().is_ok() {
        opts
    } else {
        default = SceneSampler::default();
        &default
    };
    let background = Background::ALL[weighted(rng, &opts.background_weights)];
    let n = if rng.random_bool(opts.two_objects) {
        2
    } else {
        1
    };
    let mut objects: Vec<ObjectSpec> = (0..n)
        .map(|_| ObjectSpec {
            motion: Some(Motion::ALL[weighted(rng, &opts.motion_weights)]),
            ..ObjectSpec::default()
        })
        .collect();
    if rng.random_bool(opts.pillar) {
        let movers: Vec<usize> = (0..n)
            .filter(|&i| objects[i].motion.is_some_and(|m| m.is_horizontal()))
            .collect();
        if !movers.is_empty() {
            objects[pick(rng, &movers)].behind_pillar = true;
        }
    }
    let pan = if rng.random_bool(opts.pan) {
        Some(pick(rng, Pan::ALL))
    } else {
        None
    };
    let spec = SceneSpec {
        background: Some(background),
        objects,
        pan,
    };
    // Every field left open above is one `scene_from_spec` can always fill.
    scene_from_spec(&spec, opts, rng).expect("sampled specs are always satisfiable")
}

/// A scene showing what a parsed caption asks for; unspecified attributes are drawn at random.
pub fn scene_from_prompt<R: Rng + ?Sized>(spec: &SceneSpec, rng: &mut R) -> Result<Scene> {
    scene_from_spec(spec, &SceneSampler::default(), rng)
}

/// `scene_from_prompt` with explicit planning options (clip duration, aspect).
pub fn scene_from_spec<R: Rng + ?Sized>(
    spec: &SceneSpec,
    opts: &SceneSampler,
    rng: &mut R,
) -> Result<Scene> {
    opts.validate()?;
    if spec.objects.is_empty() || spec.objects.len() > 2 {
        bail!(
            "a toy-world clip has one or two objects, the prompt asks for {}",
            spec.objects.len()
        );
    }
    if spec.objects.iter().filter(|o| o.behind_pillar).count() > 1 {
        bail!("only one object can pass behind the pillar");
    }
    for o in &spec.objects {
        if o.behind_pillar {
            if let Some(m) = o.motion {
                if !m.is_horizontal() {
                    bail!("an object that {} cannot pass behind a vertical pillar; only left, right and bounce can", m.word());
                }
            }
        }
    }
    let background = match spec.background {
        Some(b) => b,
        None => {
            // Any background that leaves room for the requested colours.
            let ok: Vec<Background> = Background::ALL
                .iter()
                .copied()
                .filter(|b| {
                    spec.objects
                        .iter()
                        .all(|o| o.colour.is_none_or(|c| !c.clashes_with(*b)))
                })
                .collect();
            if ok.is_empty() {
                bail!("no background fits the requested object colours");
            }
            pick(rng, &ok)
        }
    };
    let mut used: Vec<Colour> = spec.objects.iter().filter_map(|o| o.colour).collect();
    let mut objects = Vec::new();
    for o in &spec.objects {
        let colour = match o.colour {
            Some(c) if c.clashes_with(background) => {
                bail!("a {c} object on a {background} background would be invisible")
            }
            Some(c) => c,
            None => {
                // Distinct colours keep the two objects apart for the evaluator.
                let free: Vec<Colour> = Colour::ALL
                    .iter()
                    .copied()
                    .filter(|c| !c.clashes_with(background) && !used.contains(c))
                    .collect();
                let c = pick(rng, &free);
                used.push(c);
                c
            }
        };
        let motion = match o.motion {
            Some(m) => m,
            None if o.behind_pillar => pick(rng, &[Motion::Left, Motion::Right, Motion::Bounce]),
            None => pick(rng, Motion::ALL),
        };
        objects.push(Object {
            shape: o.shape.unwrap_or_else(|| pick(rng, Shape::ALL)),
            colour,
            size: o.size.unwrap_or_else(|| pick(rng, Size::ALL)),
            motion,
            x0: 0.5,
            y0: 0.5,
            dir: 1.0,
            behind_pillar: o.behind_pillar,
        });
    }
    let mut scene = Scene {
        background,
        objects,
        pillar: None,
        pan: spec.pan,
    };
    place(&mut scene, opts, rng);
    Ok(scene)
}

/// A start in [lo, hi]: uniform, then pulled towards `slot` (clamped into the interval) so that
/// only `spread` of the interval's randomness is left. `spread` 1 is the plain uniform draw.
fn start<R: Rng + ?Sized>(rng: &mut R, lo: f32, hi: f32, slot: f32, spread: f32) -> f32 {
    let u = if hi > lo {
        rng.random_range(lo..hi)
    } else {
        0.5 * (lo + hi)
    };
    if spread >= 1.0 || hi <= lo {
        return u;
    }
    let c = slot.clamp(lo, hi);
    c + spread * (u - c)
}

/// Start in [lo, hi] such that start + s*t stays in [lo, hi] for t in [0, dur].
fn linear_start<R: Rng + ?Sized>(
    rng: &mut R,
    (lo, hi): (f32, f32),
    s: f32,
    dur: f32,
    slot: f32,
    spread: f32,
) -> f32 {
    let d = s * dur;
    start(rng, lo - d.min(0.0), hi - d.max(0.0), slot, spread)
}

/// Where object `k` of `n` is drawn towards when the layout spread is below 1.
fn slot(k: usize, n: usize) -> (f32, f32) {
    match (n, k) {
        (1, _) => (0.5, 0.5),
        (_, 0) => (0.3, 0.3),
        _ => (0.7, 0.7),
    }
}

/// Draws positions (and the pillar) until every constraint holds; keeps the best attempt.
/// A narrow layout spread that cannot satisfy the constraints widens over the attempts.
fn place<R: Rng + ?Sized>(scene: &mut Scene, opts: &SceneSampler, rng: &mut R) {
    let (w, h) = opts.canvas();
    let dur = opts.duration;
    let pv = camera_x(scene.pan, 1.0);
    let n = scene.objects.len();
    let mut best: Option<(usize, Scene)> = None;
    const ATTEMPTS: usize = 300;
    for attempt in 0..ATTEMPTS {
        let spread = opts.layout_spread
            + (1.0 - opts.layout_spread) * (attempt as f32 / (ATTEMPTS / 3) as f32).min(1.0);
        for (k, o) in scene.objects.iter_mut().enumerate() {
            let (hx, hy) = half_extents(o.size, w, h);
            let (xs, ys) = ((hx, 1.0 - hx), (hy, 1.0 - hy));
            let (sx, sy) = slot(k, n);
            o.dir = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
            o.x0 = match o.motion {
                Motion::Still | Motion::Up | Motion::Down | Motion::Fall => {
                    linear_start(rng, xs, -pv, dur, sx, spread)
                }
                Motion::Left => linear_start(rng, xs, -LINEAR_SPEED - pv, dur, sx, spread),
                Motion::Right => linear_start(rng, xs, LINEAR_SPEED - pv, dur, sx, spread),
                Motion::Bounce => start(rng, xs.0, xs.1, sx, spread),
            };
            o.y0 = match o.motion {
                Motion::Up => linear_start(rng, ys, -LINEAR_SPEED, dur, sy, spread),
                Motion::Down => linear_start(rng, ys, LINEAR_SPEED, dur, sy, spread),
                // Falls start high: the slot only orders two fallers, the top is the drop.
                Motion::Fall => start(rng, ys.0, 0.3, ys.0, spread),
                _ => start(rng, ys.0, ys.1, sy, spread),
            };
        }
        scene.pillar = None;
        if let Some(k) = scene.objects.iter().position(|o| o.behind_pillar) {
            let t_c = start(rng, 0.3 * dur, 0.7 * dur, 0.5 * dur, 1.0);
            let (x, _) = scene.objects[k].world_pos(t_c, w, h);
            let (hx, _) = half_extents(scene.objects[k].size, w, h);
            scene.pillar = Some(Pillar {
                x,
                width: 2.0 * hx + PILLAR_MARGIN,
            });
        }
        let v = violations(scene, w, h, dur);
        if v == 0 {
            return;
        }
        if best.as_ref().is_none_or(|(bv, _)| v < *bv) {
            best = Some((v, scene.clone()));
        }
    }
    if let Some((_, s)) = best {
        *scene = s;
    }
}

/// Number of broken constraints over the nominal frames (8 fps over `dur`).
fn violations(scene: &Scene, w: u32, h: u32, dur: f32) -> usize {
    let n_frames = (dur * 8.0).round() as usize + 1;
    let times: Vec<f32> = (0..n_frames).map(|i| i as f32 / 8.0).collect();
    let mut bad = 0;
    for (k, o) in scene.objects.iter().enumerate() {
        let (hx, hy) = half_extents(o.size, w, h);
        let mut vis = Vec::with_capacity(times.len());
        for &t in &times {
            let (x, y) = scene.screen_pos(k, t, w, h);
            // Mostly on screen: at most a quarter of the object off the canvas.
            if x < 0.5 * hx || x > 1.0 - 0.5 * hx || y < 0.5 * hy || y > 1.0 - 0.5 * hy {
                bad += 1;
            }
            vis.push(object_truth(scene, k, t, w, h).visible_fraction);
            if let Some((pl, pr)) = scene.pillar_span(t) {
                if pl < 0.02 || pr > 0.98 {
                    bad += 1;
                }
                if !o.behind_pillar && x + hx > pl - 0.02 && x - hx < pr + 0.02 {
                    bad += 1;
                }
            }
        }
        match o.motion {
            Motion::Bounce => {
                // The first wall hit happens well inside the clip, with motion either side.
                let lo = hx;
                let hi = 1.0 - hx;
                let dist = if o.dir > 0.0 { hi - o.x0 } else { o.x0 - lo };
                let t_hit = dist / BOUNCE_SPEED;
                if t_hit < 0.2 * dur || t_hit > 0.7 * dur {
                    bad += 1;
                }
            }
            Motion::Fall => {
                // Lands in the first half, then rises visibly before the end.
                let drop = (1.0 - hy) - o.y0;
                let t_hit = (2.0 * drop / GRAVITY).sqrt();
                if drop < 0.35 || t_hit > 0.5 * dur {
                    bad += 1;
                }
            }
            _ => {}
        }
        if o.behind_pillar {
            let n = vis.len();
            let first_hidden = vis.iter().position(|v| *v <= 0.05);
            let ok = match first_hidden {
                Some(j) => {
                    vis[..j].iter().any(|v| *v >= 0.9)
                        && vis[j..].iter().any(|v| *v >= 0.9)
                        && vis[0] >= 0.5
                        && vis[n - 1] >= 0.5
                }
                None => false,
            };
            if !ok {
                bad += 3;
            }
        }
    }
    if scene.objects.len() == 2 {
        let (a, b) = (&scene.objects[0], &scene.objects[1]);
        let (ax, ay) = half_extents(a.size, w, h);
        let (bx, by) = half_extents(b.size, w, h);
        for &t in &times {
            let (x1, y1) = scene.screen_pos(0, t, w, h);
            let (x2, y2) = scene.screen_pos(1, t, w, h);
            let sep_x = (x1 - x2).abs() - (ax + bx);
            let sep_y = (y1 - y2).abs() - (ay + by);
            if sep_x < 0.03 && sep_y < 0.03 {
                bad += 1;
            }
        }
    }
    bad
}
