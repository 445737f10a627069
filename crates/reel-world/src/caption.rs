//! Captions in the TOYWORLD.md grammar and its variations, and the parser that reads them back.

use anyhow::{bail, Result};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::scene::*;

/// What a prompt asks of one object; `None` means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectSpec {
    pub shape: Option<Shape>,
    pub colour: Option<Colour>,
    pub size: Option<Size>,
    pub motion: Option<Motion>,
    pub behind_pillar: bool,
}

/// What a prompt asks of a clip. A pan that is not mentioned means no pan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneSpec {
    pub background: Option<Background>,
    pub objects: Vec<ObjectSpec>,
    pub pan: Option<Pan>,
}

impl SceneSpec {
    pub fn has_pillar(&self) -> bool {
        self.objects.iter().any(|o| o.behind_pillar)
    }

    /// The spec a scene satisfies exactly (every attribute fixed).
    pub fn of_scene(scene: &Scene) -> Self {
        Self {
            background: Some(scene.background),
            objects: scene
                .objects
                .iter()
                .map(|o| ObjectSpec {
                    shape: Some(o.shape),
                    colour: Some(o.colour),
                    size: Some(o.size),
                    motion: Some(o.motion),
                    behind_pillar: o.behind_pillar,
                })
                .collect(),
            pan: scene.pan,
        }
    }
}

/// Word used for squares in varied captions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SquareWord {
    Square,
    Box,
    Block,
}

/// Form of the motion phrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VerbForm {
    /// `moves right`, `bounces between the walls`, `falls and bounces on the floor`.
    Canonical,
    /// `moving right`, `bouncing between the walls`, `falling and bouncing on the floor`.
    Moving,
    /// `goes right`, `bouncing`, `falling`.
    Goes,
    /// `slides right`, `bouncing`, `falling`.
    Slides,
}

/// How the background is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BackgroundForm {
    /// `on a black background`
    On,
    /// `over a black background`
    Over,
    /// `, the background is black`
    Is,
}

/// Every choice a caption can vary; `CaptionStyle::canonical()` is the contract's canonical form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptionStyle {
    pub omit_size: bool,
    /// `ball` instead of `circle`.
    pub ball: bool,
    pub square: SquareWord,
    pub verb: VerbForm,
    pub background: BackgroundForm,
    pub sentence_case: bool,
    pub period: bool,
}

impl CaptionStyle {
    pub fn canonical() -> Self {
        Self {
            omit_size: false,
            ball: false,
            square: SquareWord::Square,
            verb: VerbForm::Canonical,
            background: BackgroundForm::On,
            sentence_case: false,
            period: false,
        }
    }

    /// Canonical with probability `canonical`, else a random variation.
    pub fn choose<R: Rng + ?Sized>(rng: &mut R, canonical: f64) -> Self {
        if rng.random_bool(canonical.clamp(0.0, 1.0)) {
            Self::canonical()
        } else {
            Self::random(rng)
        }
    }

    /// A random variation; each choice is independent.
    pub fn random<R: Rng + ?Sized>(rng: &mut R) -> Self {
        Self {
            omit_size: rng.random_bool(0.3),
            ball: rng.random_bool(0.4),
            square: [SquareWord::Square, SquareWord::Box, SquareWord::Block]
                [rng.random_range(0..3)],
            verb: [
                VerbForm::Canonical,
                VerbForm::Moving,
                VerbForm::Goes,
                VerbForm::Slides,
            ][rng.random_range(0..4)],
            background: [BackgroundForm::On, BackgroundForm::Over, BackgroundForm::Is]
                [rng.random_range(0..3)],
            sentence_case: rng.random_bool(0.5),
            period: rng.random_bool(0.5),
        }
    }
}

impl Default for CaptionStyle {
    fn default() -> Self {
        Self::canonical()
    }
}

fn motion_phrase(m: Motion, verb: VerbForm) -> String {
    use VerbForm::*;
    match (m, verb) {
        (Motion::Still, Canonical | Goes | Slides) => "stays still".into(),
        (Motion::Still, Moving) => "staying still".into(),
        (Motion::Bounce, Canonical) => "bounces between the walls".into(),
        (Motion::Bounce, Moving) => "bouncing between the walls".into(),
        (Motion::Bounce, _) => "bouncing".into(),
        (Motion::Fall, Canonical) => "falls and bounces on the floor".into(),
        (Motion::Fall, Moving) => "falling and bouncing on the floor".into(),
        (Motion::Fall, _) => "falling".into(),
        (dir, v) => {
            let verb = match v {
                Canonical => "moves",
                Moving => "moving",
                Goes => "goes",
                Slides => "slides",
            };
            format!("{verb} {}", dir.word())
        }
    }
}

/// Caption of a scene in the given style.
pub fn caption(scene: &Scene, style: &CaptionStyle) -> String {
    let mut parts = Vec::new();
    for o in &scene.objects {
        let noun = match o.shape {
            Shape::Circle if style.ball => "ball",
            Shape::Circle => "circle",
            Shape::Square => match style.square {
                SquareWord::Square => "square",
                SquareWord::Box => "box",
                SquareWord::Block => "block",
            },
            Shape::Triangle => "triangle",
        };
        let mut words = Vec::new();
        if !style.omit_size {
            words.push(o.size.word());
        }
        words.push(o.colour.word());
        words.push(noun);
        let article = if words[0].starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        let mut s = format!(
            "{article} {} {}",
            words.join(" "),
            motion_phrase(o.motion, style.verb)
        );
        if o.behind_pillar {
            s.push_str(", passing behind a pillar");
        }
        parts.push(s);
    }
    let mut text = parts.join(" and ");
    let bg = scene.background.word();
    match style.background {
        BackgroundForm::On => text.push_str(&format!(" on a {bg} background")),
        BackgroundForm::Over => text.push_str(&format!(" over a {bg} background")),
        BackgroundForm::Is => text.push_str(&format!(", the background is {bg}")),
    }
    if let Some(p) = scene.pan {
        text.push_str(&format!(" while the camera pans {}", p.word()));
    }
    if style.sentence_case {
        let mut c = text.chars();
        if let Some(f) = c.next() {
            text = f.to_uppercase().chain(c).collect();
        }
    }
    if style.period {
        text.push('.');
    }
    text
}

fn background_word(w: &str) -> Option<Background> {
    Some(match w {
        "black" => Background::Black,
        "white" => Background::White,
        "gray" | "grey" => Background::Gray,
        "blue" => Background::Blue,
        "green" => Background::Green,
        "brown" => Background::Brown,
        _ => return None,
    })
}

fn colour_word(w: &str) -> Option<Colour> {
    Some(match w {
        "red" => Colour::Red,
        "green" => Colour::Green,
        "blue" => Colour::Blue,
        "yellow" => Colour::Yellow,
        "purple" | "violet" => Colour::Purple,
        "cyan" | "turquoise" => Colour::Cyan,
        "orange" => Colour::Orange,
        "white" => Colour::White,
        _ => return None,
    })
}

fn shape_word(w: &str) -> Option<Shape> {
    Some(match w {
        "circle" | "ball" | "disc" | "disk" | "dot" => Shape::Circle,
        "square" | "box" | "block" | "cube" => Shape::Square,
        "triangle" => Shape::Triangle,
        _ => return None,
    })
}

fn size_word(w: &str) -> Option<Size> {
    Some(match w {
        "small" | "little" | "tiny" => Size::Small,
        "large" | "big" | "huge" => Size::Large,
        _ => return None,
    })
}

fn direction_word(w: &str) -> Option<Motion> {
    Some(match w {
        "left" | "leftwards" => Motion::Left,
        "right" | "rightwards" => Motion::Right,
        "up" | "upwards" => Motion::Up,
        "down" | "downwards" => Motion::Down,
        _ => return None,
    })
}

/// Parses a prompt in the toy-world grammar (and its variations) into what the clip must show.
pub fn parse_prompt(text: &str) -> Result<SceneSpec> {
    let lower = text.to_lowercase();
    let mut toks: Vec<String> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if toks.is_empty() {
        bail!("empty prompt");
    }

    // Camera pan: "... while the camera pans left".
    let mut pan = None;
    if let Some(ci) = toks.iter().position(|t| t == "camera") {
        let dir_at = (ci + 1..toks.len().min(ci + 5)).find(|&j| {
            matches!(
                toks[j].as_str(),
                "left" | "right" | "leftwards" | "rightwards"
            )
        });
        let Some(di) = dir_at else {
            bail!("the prompt mentions the camera but not whether it pans left or right");
        };
        pan = Some(if toks[di].starts_with("left") {
            Pan::Left
        } else {
            Pan::Right
        });
        let mut start = ci;
        if start > 0 && toks[start - 1] == "the" {
            start -= 1;
        }
        if start > 0 && matches!(toks[start - 1].as_str(), "while" | "as" | "and" | "with") {
            start -= 1;
        }
        toks.drain(start..=di);
    }

    // Background: "on/over a X background" or "the background is X".
    let mut background = None;
    if let Some(bi) = toks.iter().position(|t| t == "background") {
        if bi + 2 < toks.len() + 1 && toks.get(bi + 1).map(String::as_str) == Some("is") {
            let Some(w) = toks.get(bi + 2) else {
                bail!("`the background is` is not followed by a colour");
            };
            background = Some(background_word(w).ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown background colour `{w}` (black, white, gray, blue, green or brown)"
                )
            })?);
            let mut start = bi;
            if start > 0 && toks[start - 1] == "the" {
                start -= 1;
            }
            if start > 0 && toks[start - 1] == "and" {
                start -= 1;
            }
            toks.drain(start..=bi + 2);
        } else {
            let Some(w) = bi.checked_sub(1).map(|j| toks[j].clone()) else {
                bail!("`background` is not preceded by a colour");
            };
            background = Some(background_word(&w).ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown background colour `{w}` (black, white, gray, blue, green or brown)"
                )
            })?);
            let mut start = bi - 1;
            if start > 0 && matches!(toks[start - 1].as_str(), "a" | "an" | "the") {
                start -= 1;
            }
            if start > 0
                && matches!(
                    toks[start - 1].as_str(),
                    "on" | "over" | "against" | "in" | "with" | "before"
                )
            {
                start -= 1;
            }
            toks.drain(start..=bi);
        }
    }

    // Objects are joined by "and" followed by an article ("falls and bounces" does not split).
    let mut clauses: Vec<Vec<String>> = vec![Vec::new()];
    for (i, t) in toks.iter().enumerate() {
        let next = toks.get(i + 1).map(String::as_str);
        if t == "and" && matches!(next, Some("a" | "an" | "another" | "one" | "the")) {
            clauses.push(Vec::new());
        } else {
            clauses.last_mut().expect("never empty").push(t.clone());
        }
    }
    let mut objects = Vec::new();
    for clause in &clauses {
        let mut o = ObjectSpec::default();
        let mut any = false;
        let mut fall = false;
        let mut bounce = false;
        let mut still = false;
        let mut dir = None;
        for w in clause {
            let w = w.as_str();
            if let Some(c) = colour_word(w) {
                if o.colour.is_some_and(|p| p != c) {
                    bail!("one object is given two colours in `{}`", clause.join(" "));
                }
                o.colour = Some(c);
                any = true;
            } else if let Some(s) = shape_word(w) {
                if o.shape.is_some_and(|p| p != s) {
                    bail!("one object is given two shapes in `{}`", clause.join(" "));
                }
                o.shape = Some(s);
                any = true;
            } else if let Some(s) = size_word(w) {
                o.size = Some(s);
                any = true;
            } else if w.starts_with("fall") || w.starts_with("drop") || w == "floor" {
                fall = true;
            } else if w.starts_with("bounc") {
                bounce = true;
            } else if matches!(
                w,
                "still" | "stays" | "stay" | "staying" | "stationary" | "motionless"
            ) {
                still = true;
            } else if let Some(d) = direction_word(w) {
                dir.get_or_insert(d);
            } else if w == "pillar" || w == "column" {
                o.behind_pillar = true;
            }
        }
        o.motion = if fall {
            Some(Motion::Fall)
        } else if bounce {
            Some(Motion::Bounce)
        } else if still {
            Some(Motion::Still)
        } else {
            dir
        };
        if o.motion.is_some() || o.behind_pillar {
            any = true;
        }
        if any {
            objects.push(o);
        } else if clause
            .iter()
            .any(|w| !matches!(w.as_str(), "a" | "an" | "the"))
        {
            bail!(
                "`{}` does not describe a toy-world object (a colour, a shape, a size or a motion)",
                clause.join(" ")
            );
        }
    }
    if objects.is_empty() {
        bail!("the prompt describes no toy-world object");
    }
    if objects.len() > 2 {
        bail!(
            "the toy world has at most two objects, the prompt describes {}",
            objects.len()
        );
    }
    Ok(SceneSpec {
        background,
        objects,
        pan,
    })
}
