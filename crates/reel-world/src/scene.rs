//! What a clip shows: the attributes fixed by TOYWORLD.md, and the physics that moves them.
//!
//! Everything is in normalised units: x is a fraction of the canvas width, y a fraction of its
//! height (0 at the top), object sizes are fractions of min(width, height), and speeds are
//! fractions of the canvas per second. The same scene therefore renders at any size, length
//! and frame rate.

use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};

/// Half-size (centre to bounding-box edge) of a small object, as a fraction of min(width, height).
pub const SMALL_HALF: f32 = 0.08;
/// Half-size of a large object; (0.125 / 0.08)^2 = 2.44, so large is well over twice the area.
pub const LARGE_HALF: f32 = 0.125;
/// Speed of `left`, `right`, `up`, `down`: 0.6 of the canvas in the nominal 2 s clip.
pub const LINEAR_SPEED: f32 = 0.3;
/// Sideways speed of `bounce`: a full canvas in 2 s, so a wall is always reached.
pub const BOUNCE_SPEED: f32 = 0.5;
/// Gravity of `fall`, canvas heights per second squared: a drop of 0.4-0.75 lands in 0.63-0.87 s.
pub const GRAVITY: f32 = 2.0;
/// Fraction of speed kept at each floor bounce (each bounce lower).
pub const RESTITUTION: f32 = 0.7;
/// Camera pan speed, canvas widths per second.
pub const PAN_SPEED: f32 = 0.06;
/// Extra pillar width beyond the object's own width, so the object is fully hidden for a while.
pub const PILLAR_MARGIN: f32 = 0.06;
/// Clip length the sampler plans paths for (17 frames at 8 fps).
pub const NOMINAL_DURATION: f32 = 2.0;

macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident => $word:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($var),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),*];
            /// The canonical caption word.
            pub fn word(self) -> &'static str {
                match self { $($name::$var => $word),* }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.word())
            }
        }
    };
}

word_enum!(
    /// Solid background colour.
    Background { Black => "black", White => "white", Gray => "gray", Blue => "blue", Green => "green", Brown => "brown" }
);
word_enum!(
    /// Object colour.
    Colour { Red => "red", Green => "green", Blue => "blue", Yellow => "yellow", Purple => "purple", Cyan => "cyan", Orange => "orange", White => "white" }
);
word_enum!(Shape { Circle => "circle", Square => "square", Triangle => "triangle" });
word_enum!(Size { Small => "small", Large => "large" });
word_enum!(
    /// Motion class of one object.
    Motion { Still => "still", Left => "left", Right => "right", Up => "up", Down => "down", Bounce => "bounce", Fall => "fall" }
);
word_enum!(
    /// Direction the camera pans; the scene shifts the other way on screen.
    Pan { Left => "left", Right => "right" }
);

impl Background {
    pub fn rgb(self) -> [u8; 3] {
        match self {
            Background::Black => [0, 0, 0],
            Background::White => [255, 255, 255],
            Background::Gray => [110, 110, 110],
            // Darker than the object colours of the same name so objects stand out on them.
            Background::Blue => [30, 50, 150],
            Background::Green => [30, 115, 40],
            Background::Brown => [110, 70, 35],
        }
    }
}

impl Colour {
    pub fn rgb(self) -> [u8; 3] {
        match self {
            Colour::Red => [230, 40, 40],
            Colour::Green => [60, 210, 60],
            Colour::Blue => [60, 100, 250],
            Colour::Yellow => [245, 225, 40],
            Colour::Purple => [165, 60, 215],
            Colour::Cyan => [40, 225, 225],
            Colour::Orange => [250, 145, 30],
            Colour::White => [245, 245, 245],
        }
    }

    /// The contract forbids an object of the background's colour.
    pub fn clashes_with(self, bg: Background) -> bool {
        self.word() == bg.word()
    }
}

/// Pillar colour: a light gray distinct from the gray background and from white objects.
pub const PILLAR_RGB: [u8; 3] = [170, 170, 170];

impl Size {
    pub fn half(self) -> f32 {
        match self {
            Size::Small => SMALL_HALF,
            Size::Large => LARGE_HALF,
        }
    }
}

impl Motion {
    /// Motions that can carry an object across a vertical pillar.
    pub fn is_horizontal(self) -> bool {
        matches!(self, Motion::Left | Motion::Right | Motion::Bounce)
    }
}

/// One object and its initial state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Object {
    pub shape: Shape,
    pub colour: Colour,
    pub size: Size,
    pub motion: Motion,
    /// World position of the centre at t = 0 (fractions of width / height).
    pub x0: f32,
    pub y0: f32,
    /// +1 or -1: initial sideways direction of `bounce` (ignored by other motions).
    pub dir: f32,
    /// This object's path crosses the pillar (the caption says so).
    pub behind_pillar: bool,
}

/// A gray vertical pillar spanning the full height, drawn in front of the objects.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pillar {
    /// World x of its centre (fraction of width).
    pub x: f32,
    /// Width as a fraction of the canvas width.
    pub width: f32,
}

/// Everything needed to render a clip and to caption it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    pub background: Background,
    pub objects: Vec<Object>,
    pub pillar: Option<Pillar>,
    pub pan: Option<Pan>,
}

/// Size and timing of a rendered clip.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenderSpec {
    pub width: u32,
    pub height: u32,
    pub frames: usize,
    pub fps: f64,
}

impl Default for RenderSpec {
    fn default() -> Self {
        Self {
            width: 64,
            height: 64,
            frames: 17,
            fps: 8.0,
        }
    }
}

impl RenderSpec {
    pub fn validate(&self) -> Result<()> {
        if self.width < 8 || self.height < 8 {
            bail!(
                "clip size {}x{} is too small (need at least 8x8)",
                self.width,
                self.height
            );
        }
        if self.width > 8192 || self.height > 8192 {
            bail!("clip size {}x{} is too large", self.width, self.height);
        }
        if self.frames == 0 {
            bail!("a clip needs at least one frame");
        }
        if !(self.fps.is_finite() && self.fps > 0.0) {
            bail!("frame rate must be positive, got {}", self.fps);
        }
        Ok(())
    }

    /// Time of frame `i` in seconds.
    pub fn time(&self, i: usize) -> f32 {
        (i as f64 / self.fps) as f32
    }
}

/// Half extents of an object in normalised (x, y) units for a canvas of this aspect.
pub fn half_extents(size: Size, width: u32, height: u32) -> (f32, f32) {
    let m = width.min(height) as f32;
    let h = size.half() * m;
    (h / width as f32, h / height as f32)
}

/// Camera x offset at time t (world x minus screen x).
pub fn camera_x(pan: Option<Pan>, t: f32) -> f32 {
    match pan {
        None => 0.0,
        Some(Pan::Right) => PAN_SPEED * t,
        Some(Pan::Left) => -PAN_SPEED * t,
    }
}

/// Position on a segment [lo, hi] of a point moving at speed v and reflecting at the ends.
fn reflect(lo: f32, hi: f32, x0: f32, v: f32, t: f32) -> f32 {
    let len = (hi - lo).max(1e-6);
    let u = (x0 - lo) + v * t;
    let m = u.rem_euclid(2.0 * len);
    lo + if m <= len { m } else { 2.0 * len - m }
}

/// Height of a body dropped from rest at y0 onto a floor, bouncing with RESTITUTION.
fn fall_y(y0: f32, floor: f32, t: f32) -> f32 {
    let g = GRAVITY;
    let (mut y, mut v, mut rem) = (y0.min(floor), 0.0f32, t.max(0.0));
    for _ in 0..64 {
        // Time until the floor: y + v tau + g tau^2 / 2 = floor (y grows downwards).
        let tau = (-v + (v * v + 2.0 * g * (floor - y)).max(0.0).sqrt()) / g;
        if tau >= rem {
            return (y + v * rem + 0.5 * g * rem * rem).min(floor);
        }
        rem -= tau;
        v = -RESTITUTION * (v + g * tau);
        y = floor;
        if v.abs() < 0.05 {
            break;
        }
    }
    floor
}

impl Object {
    /// World position of the centre at time t on a canvas of the given size.
    pub fn world_pos(&self, t: f32, width: u32, height: u32) -> (f32, f32) {
        let (hx, hy) = half_extents(self.size, width, height);
        match self.motion {
            Motion::Still => (self.x0, self.y0),
            Motion::Left => (self.x0 - LINEAR_SPEED * t, self.y0),
            Motion::Right => (self.x0 + LINEAR_SPEED * t, self.y0),
            Motion::Up => (self.x0, self.y0 - LINEAR_SPEED * t),
            Motion::Down => (self.x0, self.y0 + LINEAR_SPEED * t),
            Motion::Bounce => (
                reflect(hx, 1.0 - hx, self.x0, BOUNCE_SPEED * self.dir.signum(), t),
                self.y0,
            ),
            Motion::Fall => (self.x0, fall_y(self.y0, 1.0 - hy, t)),
        }
    }
}

impl Scene {
    /// Screen position (normalised) of object `i` at time t.
    pub fn screen_pos(&self, i: usize, t: f32, width: u32, height: u32) -> (f32, f32) {
        let (x, y) = self.objects[i].world_pos(t, width, height);
        (x - camera_x(self.pan, t), y)
    }

    /// Screen x-interval [left, right] of the pillar at time t.
    pub fn pillar_span(&self, t: f32) -> Option<(f32, f32)> {
        self.pillar.as_ref().map(|p| {
            let c = p.x - camera_x(self.pan, t);
            (c - 0.5 * p.width, c + 0.5 * p.width)
        })
    }
}

/// Ground truth for one object in one frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObjectTruth {
    /// Screen centre of the object's bounding box, normalised (may lie off the canvas).
    pub x: f32,
    pub y: f32,
    /// Fraction of the object's width that is on the canvas and not behind the pillar.
    pub visible_fraction: f32,
    pub visible: bool,
}

/// Ground truth for every object in one frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameTruth {
    pub time: f32,
    pub objects: Vec<ObjectTruth>,
}

/// Per-frame object centres and visibility for a scene rendered with `spec`.
pub fn ground_truth(scene: &Scene, spec: &RenderSpec) -> Vec<FrameTruth> {
    (0..spec.frames)
        .map(|i| {
            let t = spec.time(i);
            let objects = (0..scene.objects.len())
                .map(|k| object_truth(scene, k, t, spec.width, spec.height))
                .collect();
            FrameTruth { time: t, objects }
        })
        .collect()
}

pub(crate) fn object_truth(scene: &Scene, k: usize, t: f32, w: u32, h: u32) -> ObjectTruth {
    let (x, y) = scene.screen_pos(k, t, w, h);
    let (hx, hy) = half_extents(scene.objects[k].size, w, h);
    let (l, r) = (x - hx, x + hx);
    // Width on screen, then minus the part behind the pillar (exact for squares, close for others).
    let on_l = l.max(0.0);
    let on_r = r.min(1.0);
    let mut vis = (on_r - on_l).max(0.0);
    if let Some((pl, pr)) = scene.pillar_span(t) {
        let ol = on_l.max(pl);
        let or = on_r.min(pr);
        vis -= (or - ol).max(0.0);
    }
    let vertical_on = (y + hy).min(1.0) - (y - hy).max(0.0);
    let frac = if vertical_on <= 0.0 {
        0.0
    } else {
        (vis / (2.0 * hx)).clamp(0.0, 1.0)
    };
    ObjectTruth {
        x,
        y,
        visible_fraction: frac,
        visible: frac > 0.02,
    }
}
