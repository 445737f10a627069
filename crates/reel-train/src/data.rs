//! Training data drawn on the fly from the toy world: each batch is a pure function of
//! (seed, stage, step), so a resumed run sees exactly the batches an uninterrupted one would.

use crate::config::{ClipSize, CondPatterns, TimestepSampling, TrainConfig};
use anyhow::Result;
use candle_core::{Device, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reel_diffusion::frames::frames_to_tensor;
use reel_models::init::normal_samples;
use reel_world::{sample_clip, RenderSpec};

/// A generator for one (seed, stage, step): the only source of randomness of that step.
pub fn step_rng(seed: u64, stage: u64, step: usize) -> ChaCha8Rng {
    // SplitMix-style mixing so neighbouring steps get unrelated streams.
    let mut z = seed
        ^ stage.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (step as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ChaCha8Rng::seed_from_u64(z ^ (z >> 31))
}

pub struct Batch {
    /// `[B, 3, T, H, W]` in [-1, 1].
    pub video: Tensor,
    pub captions: Vec<String>,
}

/// `n` random clips of one shape, rendered and captioned.
pub fn clip_batch(
    cfg: &TrainConfig,
    rng: &mut ChaCha8Rng,
    n: usize,
    size: ClipSize,
    dev: &Device,
) -> Result<Batch> {
    let spec = RenderSpec {
        width: size.width,
        height: size.height,
        frames: size.frames,
        fps: cfg.data.fps,
    };
    let mut sampler = cfg.data.sampler.clone();
    sampler.aspect = size.width as f32 / size.height as f32;
    if let Some(spread) = size.layout_spread {
        sampler.layout_spread = spread;
    }
    let mut vids = Vec::with_capacity(n);
    let mut captions = Vec::with_capacity(n);
    for _ in 0..n {
        let clip = sample_clip(rng, &sampler, &spec, cfg.data.canonical_caption);
        vids.push(frames_to_tensor(&clip.video.frames, dev)?);
        captions.push(clip.caption);
    }
    Ok(Batch {
        video: Tensor::cat(&vids, 0)?,
        captions,
    })
}

/// Picks a clip shape by weight.
pub fn pick_size(sizes: &[ClipSize], rng: &mut ChaCha8Rng) -> ClipSize {
    let total: f64 = sizes.iter().map(|s| s.weight).sum();
    let mut u = rng.random::<f64>() * total;
    for s in sizes {
        if u < s.weight {
            return *s;
        }
        u -= s.weight;
    }
    sizes[sizes.len() - 1]
}

/// Standard normal tensor from the step's generator.
pub fn randn(rng: &mut ChaCha8Rng, shape: &[usize], dev: &Device) -> Result<Tensor> {
    let n = shape.iter().product();
    Ok(Tensor::from_vec(normal_samples(rng, n), shape, dev)?)
}

/// A noise level σ ∈ (0, 1) for flow matching.
pub fn sample_sigma(ts: &TimestepSampling, rng: &mut ChaCha8Rng) -> f64 {
    let s = match *ts {
        TimestepSampling::LogitNormal { mean, std } => {
            let n = normal_samples(rng, 1)[0] as f64;
            1.0 / (1.0 + (-(mean + std * n)).exp())
        }
        TimestepSampling::Shifted { shift } => {
            let u: f64 = rng.random();
            shift * u / (1.0 + (shift - 1.0) * u)
        }
    };
    s.clamp(1e-3, 1.0 - 1e-3)
}

/// Which of `t` latent frames are given clean (true), by one of the weighted patterns.
/// At least one frame always stays to be generated.
pub fn cond_mask(p: &CondPatterns, t: usize, rng: &mut ChaCha8Rng) -> Vec<bool> {
    let mut mask = vec![false; t];
    if t < 2 {
        return mask;
    }
    let w = [p.first, p.last, p.first_last, p.prefix, p.suffix, p.random];
    let total: f64 = w.iter().sum();
    let mut u = rng.random::<f64>() * total;
    let mut kind = w.len() - 1;
    for (i, x) in w.iter().enumerate() {
        if u < *x {
            kind = i;
            break;
        }
        u -= x;
    }
    match kind {
        0 => mask[0] = true,
        1 => mask[t - 1] = true,
        2 => {
            mask[0] = true;
            mask[t - 1] = true;
        }
        3 => {
            let k = rng.random_range(1..t);
            mask[..k].iter_mut().for_each(|m| *m = true);
        }
        4 => {
            let k = rng.random_range(1..t);
            mask[t - k..].iter_mut().for_each(|m| *m = true);
        }
        _ => {
            for m in mask.iter_mut() {
                *m = rng.random_bool(0.5);
            }
        }
    }
    if mask.iter().all(|m| *m) {
        let i = rng.random_range(0..t);
        mask[i] = false;
    }
    mask
}
