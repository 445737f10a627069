//! Scores a bundle on the toy world's fixed prompt set: generate each prompt with
//! `reel_diffusion::generate` at the bundle's defaults, then run the evaluator.

use anyhow::{bail, Result};
use reel_diffusion::frames::{frames_to_tensor, tensor_to_video};
use reel_diffusion::{generate, GenerateOptions, SamplerSettings, Timeline};
use reel_models::bundle::{Bundle, SamplingDefaults};
use reel_world::{
    eval_prompt_set, evaluate_set, parse_prompt, render, scene_from_spec, world_rng, RenderSpec,
    Report, SceneSampler, EVAL_PROMPT_SEED,
};
use serde::{Deserialize, Serialize};

/// Overrides of a model's sampling defaults for an evaluation (`None` keeps the default).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SamplerOverrides {
    pub steps: Option<usize>,
    pub guidance: Option<f64>,
    pub shift: Option<f64>,
    #[serde(default)]
    pub frame_guidance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance_interval: Option<[f64; 2]>,
}

impl SamplerOverrides {
    /// The model's defaults `d` with these overrides, noise seed `seed`.
    pub fn settings(&self, d: &SamplingDefaults, seed: u64) -> Result<SamplerSettings> {
        let base = SamplerSettings::from_defaults(d, seed)?;
        let s = SamplerSettings {
            steps: self.steps.unwrap_or(base.steps),
            guidance: self.guidance.unwrap_or(base.guidance),
            shift: self.shift.unwrap_or(base.shift),
            frame_guidance: self.frame_guidance.unwrap_or(base.frame_guidance),
            guidance_interval: self.guidance_interval.or(base.guidance_interval),
            ..base
        };
        if s.steps == 0 {
            bail!("steps must be at least 1");
        }
        Ok(s)
    }
}

#[derive(Clone, Debug)]
pub struct EvalOptions {
    pub prompts: usize,
    /// Prompt-set seed; the model card uses `reel_world::EVAL_PROMPT_SEED`.
    pub prompt_seed: u64,
    pub sampler: SamplerOverrides,
    /// Noise seed of prompt i is `seed + i`.
    pub seed: u64,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self {
            prompts: 200,
            prompt_seed: EVAL_PROMPT_SEED,
            sampler: SamplerOverrides::default(),
            seed: 0,
        }
    }
}

/// Generates and scores `opts.prompts` prompts; `progress(done, total)` after each clip.
pub fn eval_model(
    bundle: &Bundle,
    opts: &EvalOptions,
    mut progress: impl FnMut(usize, usize),
) -> Result<Report> {
    let d = &bundle.config.defaults;
    let prompts = eval_prompt_set(opts.prompts, opts.prompt_seed);
    let mut items = Vec::with_capacity(prompts.len());
    for (i, p) in prompts.iter().enumerate() {
        let tl = Timeline::text_to_video(p, d.frames, d.fps, d.width, d.height);
        let settings = opts.sampler.settings(d, opts.seed + i as u64)?;
        let g = generate(bundle, &tl, &settings, GenerateOptions::default())?;
        items.push((g.video, p.clone()));
        progress(i + 1, prompts.len());
    }
    Ok(evaluate_set(&items))
}

/// The VAE's ceiling: the same prompt set rendered as ground truth by the toy world, passed
/// through the bundle's VAE (encode → decode) and scored. A DiT cannot score higher than this.
pub fn eval_reconstruction(
    bundle: &Bundle,
    opts: &EvalOptions,
    mut progress: impl FnMut(usize, usize),
) -> Result<Report> {
    let d = &bundle.config.defaults;
    let spec = RenderSpec {
        width: d.width,
        height: d.height,
        frames: d.frames,
        fps: d.fps,
    };
    let sampler = SceneSampler {
        aspect: d.width as f32 / d.height as f32,
        ..SceneSampler::default()
    };
    let prompts = eval_prompt_set(opts.prompts, opts.prompt_seed);
    let mut items = Vec::with_capacity(prompts.len());
    for (i, p) in prompts.iter().enumerate() {
        let mut rng = world_rng(opts.seed, i as u64);
        let scene = scene_from_spec(&parse_prompt(p)?, &sampler, &mut rng)?;
        let truth = render(&scene, &spec);
        let x = frames_to_tensor(&truth.frames, bundle.vae.device())?;
        let rec = bundle.vae.decode(&bundle.vae.encode(&x)?)?;
        items.push((tensor_to_video(&rec, d.fps)?, p.clone()));
        progress(i + 1, prompts.len());
    }
    Ok(evaluate_set(&items))
}
