//! The sampling loop every mode shares: a `Timeline` in, a decoded video out.
//!
//! Known frames are encoded once; pinned ones (strength 1) enter each step clean with timestep 0
//! on their tokens (or re-noised to the current level, for models not trained that way); soft ones
//! (strength < 1) set where sampling starts, as in video-to-video (WAN.md §6.3).
//!
//! A masked clip is known outside its mask only: those latent cells are written back at every
//! step (RePaint-style, so the sampled region sees its surroundings at the current noise level),
//! the cells under the mask are sampled, and in pixel space the clip's own pixels are put back
//! outside the mask at the end.

use crate::frames::{frames_to_tensor, tensor_to_frames};
use crate::model::{GuidanceBatching, VideoModel};
use crate::noise::gaussian;
use crate::schedulers::{build_scheduler, scale_noise, strength_begin_index, SolverKind};
use crate::seams::put_back_pinned;
use crate::timeline::{composite, latent_frame_span, LatentKeep, Timeline};
use anyhow::{bail, Context, Result};
use candle_core::{Device, Tensor};
use reel_media::Video;
use reel_models::bundle::{Conditioning, SamplingDefaults};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone, Debug, PartialEq)]
pub struct SamplerSettings {
    pub steps: usize,
    pub guidance: f64,
    pub shift: f64,
    pub solver: SolverKind,
    pub seed: u64,
    /// Extra weight on what the pinned frames change in the prediction (0 = off), for models
    /// that take pinned frames at timestep 0. Costs one more forward pass a step when frames are
    /// pinned.
    pub frame_guidance: f64,
    /// Guidance scale of the low-noise stage, at timesteps below the model's stage boundary
    /// (diffusers' `guidance_scale_2`, for Wan2.2 A14B's low-noise expert); `None` = `guidance`.
    /// Only for models with such a boundary ([`VideoModel::guidance_boundary`]). Unlike
    /// diffusers, which skips guidance altogether when `guidance_scale` is 1, this applies
    /// `guidance_2` whatever `guidance` is.
    pub guidance_2: Option<f64>,
    /// Noise levels `[lo, hi]` (σ, inclusive) where guidance applies; at the steps outside
    /// it the conditional prediction is used alone, one forward pass instead of two (the
    /// guidance interval of Kynkäänniemi et al. 2024). `None` = every step.
    pub guidance_interval: Option<[f64; 2]>,
}

impl SamplerSettings {
    /// A model's own sampling defaults, with noise seed `seed`.
    pub fn from_defaults(d: &SamplingDefaults, seed: u64) -> Result<Self> {
        Ok(Self {
            steps: d.steps,
            guidance: d.guidance,
            shift: d.shift,
            solver: d.solver.parse()?,
            seed,
            frame_guidance: d.frame_guidance,
            guidance_2: None,
            guidance_interval: d.guidance_interval,
        })
    }

    /// The classifier-free guidance scale of a step at timestep `t` and noise level `sigma`,
    /// for a model whose low-noise stage starts below timestep `boundary`.
    pub fn guidance_at(&self, t: f64, sigma: f64, boundary: Option<f64>) -> f64 {
        if let Some([lo, hi]) = self.guidance_interval {
            if sigma < lo || sigma > hi {
                return 1.0;
            }
        }
        match (self.guidance_2, boundary) {
            (Some(g2), Some(b)) if t < b => g2,
            _ => self.guidance,
        }
    }

    /// Rejects guidance settings this model cannot honour.
    pub fn check_guidance(&self, boundary: Option<f64>) -> Result<()> {
        for (name, g) in [
            ("guidance", Some(self.guidance)),
            ("guidance_2", self.guidance_2),
        ] {
            if let Some(g) = g.filter(|g| !(g.is_finite() && *g >= 0.0)) {
                bail!("{name} must be a finite number ≥ 0, got {g}");
            }
        }
        if self.guidance_2.is_some() && boundary.is_none() {
            bail!(
                "guidance_2 applies below a model's low-noise stage boundary (Wan2.2 A14B's \
                 boundary_ratio); this model has none, use guidance or guidance_interval"
            );
        }
        if let Some(i) = self.guidance_interval {
            check_guidance_interval(i)?;
        }
        Ok(())
    }
}

/// `LO:HI` (command lines) as a guidance interval.
pub fn parse_guidance_interval(s: &str) -> Result<[f64; 2]> {
    let parsed = s
        .split_once(':')
        .and_then(|(a, b)| Some([a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?]));
    match parsed {
        Some(i) if check_guidance_interval(i).is_ok() => Ok(i),
        _ => bail!(
            "guidance interval {s:?} is not LO:HI with noise levels 0 ≤ LO ≤ HI ≤ 1 (e.g. 0.3:0.95)"
        ),
    }
}

/// A guidance interval is two noise levels `0 ≤ lo ≤ hi ≤ 1`.
pub fn check_guidance_interval([lo, hi]: [f64; 2]) -> Result<()> {
    if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo > hi {
        bail!("guidance interval must be two noise levels 0 ≤ lo ≤ hi ≤ 1, got [{lo}, {hi}]");
    }
    Ok(())
}

/// Reported after every denoising step.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub step: usize,
    pub total: usize,
}

#[derive(Default)]
pub struct GenerateOptions<'a> {
    /// Starting noise instead of the seeded one (reproducing an outside reference run).
    pub init_latents: Option<Tensor>,
    /// Prompt and negative-prompt embeddings `[2, S, D]` instead of the model's text encoder
    /// (as diffusers' `prompt_embeds` / `negative_prompt_embeds`).
    pub prompt_embeds: Option<Tensor>,
    /// Keep the latents after every step.
    pub record_trace: bool,
    pub progress: Option<&'a mut dyn FnMut(Progress)>,
    /// Checked between steps; when set, generation stops with an error.
    pub cancel: Option<&'a AtomicBool>,
    /// Image tokens `[N, L, D]` for image-conditioned models (Wan2.1 I2V/FLF2V: CLIP
    /// `hidden_states[-2]` of the first and last frame) instead of the model's image encoder.
    pub image_embeds: Option<Tensor>,
    /// Longest stretch sampled at once (default: the model's default length). Longer timelines,
    /// storyboards and loops are sampled as overlapping windows.
    pub window: Option<usize>,
}

pub struct Generation {
    pub video: Video,
    /// Final latents (normalised), `[1, C, T, h, w]`.
    pub latents: Tensor,
    /// Latents after each step when requested.
    pub trace: Vec<Tensor>,
    /// The VAE's output in [0, 1] before rounding to bytes, `[1, 3, F, H, W]`, when the trace
    /// is requested (for comparing with a reference run's float frames).
    pub decoded: Option<Tensor>,
    /// Prompt and negative-prompt embeddings `[2, S, D]`.
    pub prompt_embeds: Tensor,
}

/// Latent-space picture of a timeline: which latent cells are kept and the encoded content.
struct LatentPlan {
    /// Encoded hold-filled canvas `[1, C, T, h, w]` (normalised), if anything is known.
    known: Option<Tensor>,
    /// Latent cells that follow `known` at every step (whole pinned frames, and masked clips
    /// outside their masks).
    keep: LatentKeep,
    /// Lowest strength below 1 among soft known frames (masked clips included), if any.
    soft_strength: Option<f32>,
}

/// Latent frames needed for `frames` video frames (rounded up to the VAE's 1 + tf·k).
pub fn latent_frames_for(frames: usize, tf: usize) -> usize {
    1 + (frames.saturating_sub(1)).div_ceil(tf)
}

pub fn check_size(model: &dyn VideoModel, width: u32, height: u32, frames: usize) -> Result<()> {
    let m = model.size_multiple();
    if width == 0 || height == 0 || !width.is_multiple_of(m) || !height.is_multiple_of(m) {
        bail!("size {width}x{height} is not a positive multiple of {m} (this model's VAE compression × patch)");
    }
    if frames == 0 {
        bail!("the video needs at least one frame");
    }
    Ok(())
}

fn plan(model: &dyn VideoModel, tl: &Timeline, t_lat: usize, dev: &Device) -> Result<LatentPlan> {
    let vae = model.vae();
    let tf = vae.config().temporal_compression();
    let known = tl.known_frames();
    let keep = tl.latent_keep(t_lat, tf, vae.config().spatial_compression());
    let mut soft_strength: Option<f32> = None;
    for k in 0..t_lat {
        for i in latent_frame_span(k, tf) {
            if let Some(Some((_, s))) = known.get(i) {
                if *s < 1.0 && *s > 0.0 {
                    soft_strength = Some(soft_strength.map_or(*s, |m| m.min(*s)));
                }
            }
        }
    }
    let Some(mut canvas) = tl.hold_filled_canvas() else {
        return Ok(LatentPlan {
            known: None,
            keep,
            soft_strength,
        });
    };
    // The encoder is causal (latent frame k sees pixel frames ≤ tf·k): without soft frames,
    // which start sampling from the whole known clip, only the latent frames up to the last
    // kept one are needed (a single frame for image-to-video); the rest stay zero, never read.
    let n = keep.h * keep.w;
    let needed = if soft_strength.is_some() {
        t_lat
    } else {
        (0..t_lat)
            .rev()
            .find(|&k| keep.keep[k * n..(k + 1) * n].iter().any(|&b| b))
            .map_or(0, |k| k + 1)
    };
    if needed == 0 {
        return Ok(LatentPlan {
            known: None,
            keep,
            soft_strength,
        });
    }
    // Pad to the 1 + tf·(T−1) frames the VAE needs, holding the last frame.
    let full = 1 + tf * (needed - 1);
    while canvas.len() < full {
        canvas.push(canvas[canvas.len() - 1].clone());
    }
    canvas.truncate(full);
    let mu = vae
        .encode(&frames_to_tensor(&canvas, dev)?)
        .context("encoding the known frames")?;
    let mut known = vae.normalize(&mu)?;
    if needed < t_lat {
        let (b, c, _, h, w) = known.dims5()?;
        let rest = Tensor::zeros((b, c, t_lat - needed, h, w), known.dtype(), dev)?;
        known = Tensor::cat(&[&known, &rest], 2)?;
    }
    Ok(LatentPlan {
        known: Some(known),
        keep,
        soft_strength,
    })
}

/// `[1, 1, T, h, w]` of 1.0 where `cell` holds, else 0.0 (broadcast over channels).
fn cell_tensor(
    keep: &LatentKeep,
    cell: impl Fn(usize, usize, usize) -> bool,
    dev: &Device,
) -> Result<Tensor> {
    let mut v = Vec::with_capacity(keep.keep.len());
    for k in 0..keep.t {
        for y in 0..keep.h {
            for x in 0..keep.w {
                v.push(if cell(k, y, x) { 1f32 } else { 0.0 });
            }
        }
    }
    Ok(Tensor::from_vec(v, (1, 1, keep.t, keep.h, keep.w), dev)?)
}

/// `value` where `mask` is 1, `x` where it is 0. With a 0/1 mask this is an exact copy of either
/// side (x·0 + v·1 = v), so pinned latents stay bit-identical.
fn write_cells(x: &Tensor, value: &Tensor, mask: &Tensor) -> Result<Tensor> {
    let inv = (1.0 - mask)?;
    Ok((x.broadcast_mul(&inv)? + value.broadcast_mul(mask)?)?)
}

/// One window: the whole timeline sampled at once (no sliding windows, no loop closing).
pub fn generate_window(
    model: &dyn VideoModel,
    tl: &Timeline,
    settings: &SamplerSettings,
    mut opts: GenerateOptions,
) -> Result<Generation> {
    model.check_samplable()?;
    check_size(model, tl.width, tl.height, tl.frames)?;
    let boundary = model.guidance_boundary();
    settings.check_guidance(boundary)?;
    let vae = model.vae();
    let dev = vae.device().clone();
    let vae_cfg = vae.config();
    let (tf, sf) = (
        vae_cfg.temporal_compression(),
        vae_cfg.spatial_compression(),
    );
    let t_lat = latent_frames_for(tl.frames, tf);
    let shape = [
        1,
        vae_cfg.z_dim,
        t_lat,
        tl.height as usize / sf,
        tl.width as usize / sf,
    ];

    let prompt_embeds = match opts.prompt_embeds.take() {
        Some(e) => {
            let e = e.to_dtype(candle_core::DType::F32)?.to_device(&dev)?;
            let width = model.transformer_at(1000.0).config().text_dim;
            match e.dims() {
                [2, _, d] if *d == width => e,
                dims => bail!(
                    "prompt embeddings have shape {dims:?}; this model needs [2, S, {width}] \
                     (prompt, negative prompt)"
                ),
            }
        }
        None => model.encode_prompts(&[tl.prompt.as_str(), tl.negative_prompt.as_str()])?,
    };
    let (cond, uncond) = (
        prompt_embeds.narrow(0, 0, 1)?,
        prompt_embeds.narrow(0, 1, 1)?,
    );

    let noise = match opts.init_latents.take() {
        Some(x) if x.dims() == shape => x.to_dtype(candle_core::DType::F32)?.to_device(&dev)?,
        Some(x) => bail!(
            "initial latents have shape {:?}, this request needs {:?}",
            x.dims(),
            shape
        ),
        None => gaussian(&shape, settings.seed, &dev)?,
    };

    let mut scheduler = build_scheduler(settings.solver, settings.steps, settings.shift)?;
    // Image-conditioned models take their known frames as extra input channels instead.
    let frame_cond = model.frame_condition(tl, t_lat, opts.image_embeds.as_ref())?;
    let plan = if frame_cond.is_some() {
        LatentPlan {
            known: None,
            keep: tl.latent_keep(t_lat, tf, sf).cleared(),
            soft_strength: None,
        }
    } else {
        plan(model, tl, t_lat, &dev)?
    };
    let mut x = noise.clone();
    if let (Some(known), Some(s)) = (&plan.known, plan.soft_strength) {
        // Soft conditioning: start partway, from the known content noised to that level.
        let begin = strength_begin_index(settings.steps, 1.0 - s as f64)?;
        scheduler.set_begin_index(begin);
        x = scale_noise(known, scheduler.sigmas()[begin], &noise)?;
    }
    let [pt, ph, pw] = model.patch_size();
    let (th, tw) = (shape[3] / ph, shape[4] / pw);
    // A token whose latent cells are all kept can take timestep 0 and the clean latents, for
    // models trained that way; a partly kept token stays at the current level, and its kept
    // cells get the known latents re-noised to that level instead.
    let token_zero: Vec<bool> = if model.conditioning() == Conditioning::TimestepZero {
        (0..t_lat)
            .flat_map(|k| (0..th * tw).map(move |tok| (k, tok / tw, tok % tw)))
            .map(|(k, ty, tx)| {
                (0..ph).all(|dy| (0..pw).all(|dx| plan.keep.get(k, ty * ph + dy, tx * pw + dx)))
            })
            .collect()
    } else {
        vec![false; t_lat * th * tw]
    };
    let any_zero = token_zero.iter().any(|z| *z);
    if any_zero && pt != 1 {
        bail!("frame conditioning needs a temporal patch size of 1, this model has {pt}");
    }
    let per_token = any_zero || model.per_token_timesteps();
    let tokens = t_lat.div_ceil(pt) * th * tw;
    let keep_mask = if plan.keep.any() {
        Some(cell_tensor(
            &plan.keep,
            |k, y, x| plan.keep.get(k, y, x),
            &dev,
        )?)
    } else {
        None
    };
    let clean_mask = if any_zero {
        Some(cell_tensor(
            &plan.keep,
            |k, y, x| token_zero[(k * th + y / ph) * tw + x / pw],
            &dev,
        )?)
    } else {
        None
    };

    let prediction = model.prediction();
    let total = scheduler.timesteps().len() - scheduler.step_index();
    let mut trace = Vec::new();
    for done in 0..total {
        if opts.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            bail!("generation cancelled");
        }
        let i = scheduler.step_index();
        let t = scheduler.timesteps()[i];
        let sigma = scheduler.sigmas()[i];
        if let (Some(known), Some(keep)) = (&plan.known, &keep_mask) {
            let renoised = scale_noise(known, sigma, &noise)?;
            let value = match &clean_mask {
                Some(clean) => write_cells(&renoised, known, clean)?,
                None => renoised,
            };
            x = write_cells(&x, &value, keep)?;
        }
        let timestep = if any_zero {
            let v: Vec<f32> = token_zero
                .iter()
                .map(|&z| if z { 0.0 } else { t as f32 })
                .collect();
            Tensor::from_vec(v, (1, token_zero.len()), &dev)?
        } else if per_token {
            Tensor::from_vec(vec![t as f32; tokens], (1, tokens), &dev)?
        } else {
            Tensor::new(&[t as f32], &dev)?
        };
        let dit = model.transformer_at(t);
        // Only the latents are denoised; the condition channels ride along at every step.
        let (xin, image) = match &frame_cond {
            Some(fc) => (Tensor::cat(&[&x, &fc.channels], 1)?, fc.image.as_ref()),
            None => (x.clone(), None),
        };
        // `cond_out`: the conditional prediction, which frame guidance below reuses.
        let guidance = settings.guidance_at(t, sigma as f64, boundary);
        let (out, cond_out) = if guidance == 1.0 {
            let c = dit.forward(&xin, &timestep, &cond, image)?;
            (c.clone(), c)
        } else if model.guidance_batching() == GuidanceBatching::Joint {
            let xx = Tensor::cat(&[&xin, &xin], 0)?;
            let tt = Tensor::cat(&[&timestep, &timestep], 0)?;
            let ii = match image {
                Some(i) => Some(Tensor::cat(&[i, i], 0)?),
                None => None,
            };
            let out = dit.forward(&xx, &tt, &prompt_embeds, ii.as_ref())?;
            let (c, u) = (out.narrow(0, 0, 1)?, out.narrow(0, 1, 1)?);
            (guide(&c, &u, guidance)?, c)
        } else {
            let c = dit.forward(&xin, &timestep, &cond, image)?;
            let u = dit.forward(&xin, &timestep, &uncond, image)?;
            (guide(&c, &u, guidance)?, c)
        };
        // Frame guidance: both halves of the guidance above see the pinned frames, so they
        // cancel out of `cond − uncond`; add the pinned frames' own direction, the caption's
        // prediction with them minus without them (their cells noised like the rest).
        let out = match (&plan.known, &keep_mask) {
            (Some(known), Some(keep)) if settings.frame_guidance > 0.0 && any_zero => {
                let free_x = write_cells(&x, &scale_noise(known, sigma, &noise)?, keep)?;
                let free_t = Tensor::from_vec(vec![t as f32; tokens], (1, tokens), &dev)?;
                let without = dit.forward(&free_x, &free_t, &cond, image)?;
                (out + ((cond_out - without)? * settings.frame_guidance)?)?
            }
            _ => out,
        };
        // Guidance is linear, so guiding a clean-latent prediction equals guiding its velocity.
        let velocity = prediction.velocity(&out, &x, sigma as f64)?;
        x = scheduler.step(&velocity, &x)?;
        if opts.record_trace {
            trace.push(x.clone());
        }
        if let Some(p) = opts.progress.as_mut() {
            p(Progress {
                step: done + 1,
                total,
            });
        }
    }
    if let (Some(known), Some(keep)) = (&plan.known, &keep_mask) {
        x = write_cells(&x, known, keep)?;
    }

    let mut frames = Vec::with_capacity(tl.frames);
    let z = vae.denormalize(&x)?;
    let mut decoded = Vec::new();
    // Two latent frames at a time keeps decoder memory independent of the video's length.
    vae.decode_stream(&z, 2, |chunk| {
        frames.extend(tensor_to_frames(&chunk)?);
        if opts.record_trace {
            decoded.push(((chunk / 2.0)? + 0.5)?.clamp(0f32, 1f32)?);
        }
        Ok(())
    })?;
    frames.truncate(tl.frames);
    let decoded = if decoded.is_empty() {
        None
    } else {
        let all = Tensor::cat(&decoded, 2)?;
        Some(all.narrow(2, 0, tl.frames.min(all.dim(2)?))?)
    };
    // Pinned frames are the user's own pixels: put them back exactly, carrying their
    // reconstruction error into the generated frames beside them so the seams do not jump;
    // masked ones outside their masks. (Published image-conditioned Wan models decode their
    // pinned frames, as diffusers does.)
    let decode_pinned = model.decodes_known_frames();
    let known = tl.known_at();
    let pinned: Vec<_> = (0..frames.len())
        .map(|i| match known.get(i) {
            Some(Some(k)) if k.mask.is_none() && k.strength >= 1.0 && !decode_pinned => {
                Some(k.frame)
            }
            _ => None,
        })
        .collect();
    put_back_pinned(&mut frames, &pinned);
    // After the carry, so the kept part of a masked frame is the input exactly.
    for (i, k) in known.iter().enumerate().take(frames.len()) {
        if let Some((k, mask)) = k.as_ref().and_then(|k| Some((k, k.mask?))) {
            frames[i] = composite(k.frame, &frames[i], mask);
        }
    }
    Ok(Generation {
        video: Video::new(frames, tl.fps)?,
        latents: x,
        trace,
        decoded,
        prompt_embeds,
    })
}

/// `uncond + g·(cond − uncond)`: classifier-free guidance.
pub fn guide(cond: &Tensor, uncond: &Tensor, scale: f64) -> candle_core::Result<Tensor> {
    uncond + ((cond - uncond)? * scale)?
}
