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

use rand::{Rng, SeedableRng};

/// The generator's random source (so callers need not depend on rand_chacha).
pub use rand_chacha::ChaCha8Rng as WorldRng;

/// Deterministic random source for clip `stream` of a run seeded with `seed`.
pub fn world_rng(seed: u64, stream: u64) -> WorldRng {
    let mut r = WorldRng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

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
    let style = CaptionStyle::choose(rng, canonical);
    let caption = caption(&scene, &style);
    let video = render(&scene, spec);
    Clip {
        scene,
        caption,
        video,
    }
}
