//! The toy world: procedural clips, captions and the evaluator that scores generated videos.
//!
//! See `/work/shared/TOYWORLD.md` for the contract and `README.md` for the API in brief.

pub mod caption;
pub mod eval;
pub mod render;
pub mod sample;
pub mod scene;

pub use caption::{
    caption, parse_prompt, BackgroundForm, CaptionStyle, ObjectSpec, SceneSpec, SquareWord,
    VerbForm,
};
pub use eval::{
    eval_prompt_set, evaluate, evaluate_set, Accuracy, AttrResult, ClipEval, ObjectEval, Report,
    EVAL_PROMPT_SEED,
};
pub use render::{render, render_frame};
pub use sample::{sample_scene, scene_from_prompt, scene_from_spec, SceneSampler};
pub use scene::{
    ground_truth, Background, Colour, FrameTruth, Motion, Object, ObjectTruth, Pan, Pillar,
    RenderSpec, Scene, Shape, Size,
};

use rand::Rng;

/// One training example: the scene, a caption of it and the rendered clip.
#[derive(Clone, Debug)]
pub struct Clip {
    pub scene: Scene,
    pub caption: String,
    pub video: reel_media::Video,
}

/// Draws a random scene, captions it (canonical with probability `canonical`, else a random
/// variation) and renders it; what training draws on the fly.
pub fn sample_clip<R: Rng + ?Sized>(
    rng: &mut R,
    sampler: &SceneSampler,
    spec: &RenderSpec,
    canonical: f64,
) -> Clip {
    let scene = sample_scene(rng, sampler);
    let style = if rng.random_bool(canonical.clamp(0.0, 1.0)) {
        CaptionStyle::canonical()
    } else {
        CaptionStyle::random(rng)
    };
    let caption = caption(&scene, &style);
    let video = render(&scene, spec);
    Clip {
        scene,
        caption,
        video,
    }
}
