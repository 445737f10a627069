//! The training run: VAE stage, latent statistics, DiT + text stage, optional decoder stage, export. Each stage's step is
//! one readable function; all randomness of a step comes from (seed, stage, step).

use crate::checkpoint::{self, Meta, Stage, CHECKPOINT_FILE};
use crate::config::{
    ClipSize, ColourInterpolation, DitStage, OptimConfig, PredictionKind, ReconLoss, TrainConfig,
};
use crate::data::{clip_batch, cond_mask, randn, sample_sigma, step_rng};
use crate::optim::{learning_rate, Trainable};
use crate::pool::LatentPools;
use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use indicatif::{ProgressBar, ProgressStyle};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use reel_diffusion::frames::tensor_to_video;
use reel_diffusion::{generate, GenerateOptions, SamplerSettings, Timeline};
use reel_models::bundle::{Bundle, BundleConfig, BundleVars, Prediction};
use reel_models::dit::Dit;
use reel_models::text::{TextEncoder, TinyTextEncoder, WordTokenizer};
use reel_models::vae::{self, Vae};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where the exported bundle goes inside the output directory.
pub const BUNDLE_DIR: &str = "bundle";

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Draw a progress bar (log lines are printed either way unless `quiet`).
    pub progress: bool,
    pub quiet: bool,
    /// Stop after this many optimiser steps in this invocation, writing a checkpoint (as if
    /// killed right after one); used to test resuming.
    pub stop_after: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Outcome {
    /// The exported bundle, when the run finished.
    pub bundle: Option<PathBuf>,
    pub stage: Stage,
    pub step: usize,
    /// Mean loss over the last logged window of each stage.
    pub last_vae_loss: Option<f64>,
    pub last_dit_loss: Option<f64>,
    pub last_decoder_loss: Option<f64>,
    pub elapsed_secs: f64,
}

/// Everything a run holds in memory.
struct Run {
    cfg: TrainConfig,
    arch: BundleConfig,
    tok: WordTokenizer,
    dev: Device,
    vae_vars: VarMap,
    dit_vars: VarMap,
    text_vars: VarMap,
    vae_p: Trainable,
    dit_p: Trainable,
    stage: Stage,
    step: usize,
    stats: Option<(Vec<f64>, Vec<f64>)>,
    elapsed: f64,
}

impl Run {
    fn new(cfg: &TrainConfig, dev: &Device) -> Result<Self> {
        let arch = cfg.bundle_config()?;
        let tok = WordTokenizer::default_vocab(cfg.model.max_text_len);
        let vars = BundleVars::init(&arch, &tok, cfg.seed, dev)?;
        if arch.vae.detail_channels > 0 {
            fit_detail_basis(cfg, &arch, &vars.vae, dev)?;
        }
        let mut vae_p = Trainable::new(&[("vae", &vars.vae)])?;
        vae_p.freeze(|n| n.contains("detail_basis."));
        let dit_p = Trainable::new(&[("dit", &vars.dit), ("text", &vars.text)])?;
        Ok(Self {
            cfg: cfg.clone(),
            arch,
            tok,
            dev: dev.clone(),
            vae_vars: vars.vae,
            dit_vars: vars.dit,
            text_vars: vars.text,
            vae_p,
            dit_p,
            stage: Stage::Vae,
            step: 0,
            stats: None,
            elapsed: 0.0,
        })
    }

    fn meta(&self) -> Meta {
        Meta {
            format: String::new(),
            config: self.cfg.clone(),
            stage: self.stage,
            step: self.step,
            vae_adam_t: self.vae_p.t,
            dit_adam_t: self.dit_p.t,
            latent_stats: self.stats.clone(),
            elapsed_secs: self.elapsed,
            checksum: String::new(),
        }
    }

    fn save_checkpoint(&self, out: &Path) -> Result<()> {
        let mut t = HashMap::new();
        self.vae_p.state_tensors("vae", &mut t);
        self.dit_p.state_tensors("dit", &mut t);
        checkpoint::save(out, t, self.meta())
    }

    /// The architecture with the measured latent statistics (once known).
    fn arch_with_stats(&self) -> BundleConfig {
        let mut a = self.arch.clone();
        if let Some(d) = &self.cfg.decoder {
            if matches!(self.stage, Stage::Decoder | Stage::Done)
                && d.colour_interpolation != ColourInterpolation::None
            {
                a.vae.colour_interpolation = d.colour_interpolation;
            }
        }
        let k = a.vae.detail_channels;
        if let Some((m, s)) = &self.stats {
            a.vae.latents_mean = m.clone();
            a.vae.latents_std = s.clone();
            for std in a.vae.latents_std.iter_mut().skip(3).take(k) {
                *std /= self.cfg.dit.detail_scale;
            }
        }
        a.prediction = match self.cfg.dit.prediction {
            PredictionKind::Velocity => Prediction::Velocity,
            PredictionKind::Sample => Prediction::Sample,
            PredictionKind::Denoiser => {
                // Normalised latents have unit spread, detail channels `detail_scale`.
                let mut data_std = vec![1.0; a.vae.z_dim];
                for s in data_std.iter_mut().skip(3).take(k) {
                    *s = self.cfg.dit.detail_scale;
                }
                Prediction::Denoiser { data_std }
            }
        };
        a
    }

    /// The VAE as exported (EMA weights, statistics, clamped output), without gradients.
    /// Whether the VAE's exported weights are its EMA: the decoder stage's setting once that
    /// stage has restarted the optimiser from them, the VAE stage's before.
    fn vae_ema(&self) -> bool {
        match (&self.cfg.decoder, self.stage) {
            (Some(d), Stage::Done) => d.optim.ema_decay > 0.0,
            (Some(d), Stage::Decoder) if self.step > 0 => d.optim.ema_decay > 0.0,
            _ => self.cfg.vae.optim.ema_decay > 0.0,
        }
    }

    /// The decoder stage trains the decoder only: the encoder side, which defines the latent
    /// space the DiT learned, is kept exactly.
    fn freeze_encoder(&mut self) {
        self.vae_p
            .freeze(|n| n.starts_with("vae.encoder.") || n.starts_with("vae.quant_conv."));
    }

    /// The VAE over the run's trainable variables, for a stage that trains it.
    fn trainable_vae(&self) -> Result<Vae> {
        let mut vcfg = self.arch_with_stats().vae;
        vcfg.clip_output = false; // the clamp would stop gradients at black and white
        Vae::new(
            &vcfg,
            VarBuilder::from_varmap(&self.vae_vars, DType::F32, &self.dev),
        )
    }

    fn frozen_vae(&self) -> Result<Vae> {
        let w = self.vae_p.export("vae", self.vae_ema())?;
        let vb = VarBuilder::from_tensors(w, DType::F32, &self.dev);
        Vae::new(&self.arch_with_stats().vae, vb)
    }

    /// A bundle of the current EMA (or raw) weights, for samples and export.
    fn bundle(&self, dir: &Path) -> Result<Bundle> {
        let config = self.arch_with_stats();
        let ema = self.cfg.dit.optim.ema_decay > 0.0;
        let dit = Dit::new(
            &config.dit,
            VarBuilder::from_tensors(self.dit_p.export("dit", ema)?, DType::F32, &self.dev),
        )?;
        let text = TinyTextEncoder::new(
            &config.text,
            self.tok.clone(),
            VarBuilder::from_tensors(self.dit_p.export("text", ema)?, DType::F32, &self.dev),
        )?;
        Ok(Bundle {
            vae: self.frozen_vae()?,
            config,
            dir: dir.to_path_buf(),
            dit,
            text: Box::new(text),
        })
    }
}

fn to_varmap(w: HashMap<String, Tensor>) -> Result<VarMap> {
    let vm = VarMap::new();
    {
        let mut data = vm.data().lock().unwrap();
        for (k, t) in w {
            data.insert(k, candle_core::Var::from_tensor(&t)?);
        }
    }
    Ok(vm)
}

/// One VAE step: reconstruction (L1 or MSE) of a fresh batch + KL to N(0, 1).
/// Returns (loss, reconstruction loss).
/// `data_step` picks the batch (normally the step itself; fixed in tests).
fn vae_step(run: &mut Run, vae: &Vae, data_step: usize) -> Result<(f64, Option<f64>)> {
    let (cfg, step) = (&run.cfg, run.step);
    let mut rng = step_rng(cfg.seed, 1, data_step);
    // Clips render at the first training size and are cropped to the VAE's (cheaper) size, so
    // objects keep the pixel scale the model will see.
    let crop = ClipSize {
        width: cfg.vae.width,
        height: cfg.vae.height,
        frames: cfg.vae.frames,
        ..cfg.data.sizes[0]
    };
    let video = cropped_clips(cfg, &mut rng, cfg.vae.optim.batch, crop, &run.dev)?;
    let (mu, logvar) = vae.encode_dist(&video)?;
    let logvar = logvar.clamp(-30f32, 20f32)?;
    let z = decoder_input(cfg.vae.latent_noise, &mu, &logvar, &mut rng)?;
    let (recon, with_motion) =
        reconstruction_terms(cfg, &vae.decode(&z)?, &video, cfg.vae.motion_weight)?;
    let kl = (((mu.sqr()? + logvar.exp()?)? - 1.0)? - &logvar)?.mean_all()?;
    let mut loss = (with_motion + (kl * (0.5 * cfg.vae.kl_weight))?)?;
    if cfg.vae.colour_anchor > 0.0 {
        let c = vae.config();
        let (cs, ct) = (c.spatial_compression(), c.temporal_compression());
        let target = vae::phase_colours(&video, cs, ct, c.colour_phases)?;
        let anchor = (mu.narrow(1, 0, 3 * c.colour_phases)? - target)?
            .sqr()?
            .mean_all()?;
        loss = (loss + (anchor * cfg.vae.colour_anchor)?)?;
    }
    let grads = loss.backward()?;
    let o = cfg.vae.optim.clone();
    run.vae_p.step(&grads, learning_rate(&o, step), &o)?;
    if o.ema_decay > 0.0 {
        run.vae_p.update_ema(o.ema_decay)?;
    }
    Ok((
        loss.to_scalar::<f32>()? as f64,
        Some(recon.to_scalar::<f32>()? as f64),
    ))
}

/// `n` clips rendered at the first training size and cropped at random to `crop`'s size (the
/// VAE is convolutional, so crops suffice, and objects keep the pixel scale the model sees).
fn cropped_clips(
    cfg: &TrainConfig,
    rng: &mut ChaCha8Rng,
    n: usize,
    crop: ClipSize,
    dev: &Device,
) -> Result<Tensor> {
    let full = ClipSize {
        frames: crop.frames,
        ..cfg.data.sizes[0]
    };
    let batch = clip_batch(cfg, rng, n, full, dev)?;
    let (w, h) = (crop.width as usize, crop.height as usize);
    let x0 = rng.random_range(0..=full.width as usize - w);
    let y0 = rng.random_range(0..=full.height as usize - h);
    Ok(batch
        .video
        .narrow(3, y0, h)?
        .narrow(4, x0, w)?
        .contiguous()?)
}

/// The latents the decoder learns from. Sampling the learned posterior drowns the small initial
/// means in unit noise and stalls a short run; a fixed small noise (`vae.latent_noise`, or the
/// decoder stage's own `latent_noise`) keeps the decoder robust to imperfect DiT latents instead.
fn decoder_input(
    latent_noise: Option<f64>,
    mu: &Tensor,
    logvar: &Tensor,
    rng: &mut ChaCha8Rng,
) -> Result<Tensor> {
    let eps = randn(rng, mu.dims(), mu.device())?;
    Ok(match latent_noise {
        None => (mu + ((logvar * 0.5)?.exp()? * eps)?)?,
        Some(s) => (mu + (eps * s)?)?,
    })
}

/// `vae.recon` error of `rec` against `video`; objects cover a few percent of the pixels, so
/// pixels far from their frame's mean colour weigh `vae.object_weight` more, keeping them from
/// being ignored in favour of the background.
fn reconstruction_loss(cfg: &TrainConfig, rec: &Tensor, video: &Tensor) -> Result<Tensor> {
    let diff = (rec - video)?;
    let err = match cfg.vae.recon {
        ReconLoss::L1 => diff.abs()?,
        ReconLoss::Mse => diff.sqr()?,
    };
    Ok(if cfg.vae.object_weight > 0.0 {
        let w = object_weights(video, cfg.vae.object_weight)?;
        let total = 3.0 * w.sum_all()?.to_scalar::<f32>()? as f64;
        (err.broadcast_mul(&w)?.sum_all()? / total)?
    } else {
        err.mean_all()?
    })
}

/// The reconstruction loss of `rec`, and that plus `motion_weight` times the same loss on the
/// clips' frame-to-frame changes (which prices a decoder drawing each latent group as a still).
fn reconstruction_terms(
    cfg: &TrainConfig,
    rec: &Tensor,
    video: &Tensor,
    motion_weight: f64,
) -> Result<(Tensor, Tensor)> {
    let recon = reconstruction_loss(cfg, rec, video)?;
    if motion_weight == 0.0 {
        return Ok((recon.clone(), recon));
    }
    let motion = reconstruction_loss(cfg, &frame_changes(rec)?, &frame_changes(video)?)?;
    let total = (&recon + (motion * motion_weight)?)?;
    Ok((recon, total))
}

/// One step of the decoder stage: the decoder reconstructs clips from the frozen encoder's
/// latents (no gradient reaches the encoder). Returns the loss and its reconstruction part.
fn decoder_step(run: &mut Run, vae: &Vae, data_step: usize) -> Result<(f64, Option<f64>)> {
    let cfg = &run.cfg;
    let d = cfg
        .decoder
        .as_ref()
        .context("no decoder stage configured")?;
    let mut rng = step_rng(cfg.seed, DECODER_STAGE, data_step);
    let crop = ClipSize {
        width: d.width,
        height: d.height,
        frames: d.frames,
        ..cfg.data.sizes[0]
    };
    let video = cropped_clips(cfg, &mut rng, d.optim.batch, crop, &run.dev)?;
    let (mu, logvar) = vae.encode_dist(&video)?;
    let (mu, logvar) = (mu.detach(), logvar.clamp(-30f32, 20f32)?.detach());
    let z = decoder_input(
        d.latent_noise.or(cfg.vae.latent_noise),
        &mu,
        &logvar,
        &mut rng,
    )?;
    let (recon, loss) = reconstruction_terms(cfg, &vae.decode(&z)?, &video, d.motion_weight)?;
    let grads = loss.backward()?;
    let o = d.optim.clone();
    run.vae_p.step(&grads, learning_rate(&o, run.step), &o)?;
    if o.ema_decay > 0.0 {
        run.vae_p.update_ema(o.ema_decay)?;
    }
    Ok((
        loss.to_scalar::<f32>()? as f64,
        Some(recon.to_scalar::<f32>()? as f64),
    ))
}

/// Each frame minus the one before it, for a [b, c, t, h, w] clip (t − 1 frames).
fn frame_changes(video: &Tensor) -> Result<Tensor> {
    let t = video.dim(2)?;
    Ok((video.narrow(2, 1, t - 1)? - video.narrow(2, 0, t - 1)?)?)
}

/// Random stream of the decoder stage's steps.
const DECODER_STAGE: u64 = 6;

/// Per-channel mean and std of the (EMA) VAE's latent means over `stats_clips` clips of the
/// first training size; the DiT then sees roughly unit-variance latents.
/// Fits the VAE's detail basis (`detail_channels` > 0) to clips of the first training size:
/// the leading principal components of the latent cells' pixels minus their mean colour
/// (second moments, so the projection reconstructs without an offset). Set in `vars` before
/// the first step and never trained; a function of the seed like everything else.
fn fit_detail_basis(
    cfg: &TrainConfig,
    arch: &BundleConfig,
    vars: &VarMap,
    dev: &Device,
) -> Result<()> {
    let (k, cs, ct) = (
        arch.vae.detail_channels,
        arch.vae.spatial_compression(),
        arch.vae.temporal_compression(),
    );
    let size = cfg.data.sizes[0];
    if size.frames < 1 + ct {
        bail!(
            "fitting the VAE's detail basis needs clips of at least {} frames (data.sizes[0] has {})",
            1 + ct,
            size.frames
        );
    }
    let (d0, d1) = (3 * cs * cs, 3 * ct * cs * cs);
    let mut m0 = vec![0f64; d0 * d0];
    let mut m1 = vec![0f64; d1 * d1];
    let (mut n0, mut n1) = (0usize, 0usize);
    let chunk = 16;
    let mut done = 0;
    while done < cfg.vae.detail_fit_clips {
        let n = chunk.min(cfg.vae.detail_fit_clips - done);
        let mut rng = step_rng(cfg.seed, DETAIL_FIT_STAGE, done);
        let batch = clip_batch(cfg, &mut rng, n, size, dev)?;
        let (first, rest) = vae::cell_residual_rows(&batch.video, cs, ct)?;
        let add = |rows: &Tensor, acc: &mut [f64], count: &mut usize| -> Result<()> {
            let gram = rows.t()?.matmul(rows)?.flatten_all()?.to_vec1::<f32>()?;
            acc.iter_mut().zip(gram).for_each(|(a, g)| *a += g as f64);
            *count += rows.dim(0)?;
            Ok(())
        };
        add(&first, &mut m0, &mut n0)?;
        if let Some(r) = rest {
            add(&r, &mut m1, &mut n1)?;
        }
        done += n;
    }
    let set = |name: &str, m: &mut [f64], count: usize, d: usize| -> Result<f64> {
        m.iter_mut().for_each(|x| *x /= count.max(1) as f64);
        // Symmetrise away f32 rounding of the Gram products.
        for i in 0..d {
            for j in 0..i {
                let avg = 0.5 * (m[i * d + j] + m[j * d + i]);
                m[i * d + j] = avg;
                m[j * d + i] = avg;
            }
        }
        let (basis, held) = crate::pca::leading_components(m, d, k)?;
        let data = vars.data().lock().unwrap();
        let Some(var) = data.get(name) else {
            bail!("the VAE has no {name} weight to fit");
        };
        var.set(&Tensor::from_vec(basis, (d, k), dev)?)?;
        Ok(held)
    };
    let h0 = set(vae::DETAIL_FIRST, &mut m0, n0, d0)?;
    let h1 = set(vae::DETAIL_GROUP, &mut m1, n1, d1)?;
    eprintln!(
        "vae: detail basis of {k} components fitted on {} clips (energy held: frame 0 {:.1}%, later cells {:.1}%)",
        cfg.vae.detail_fit_clips,
        100.0 * h0,
        100.0 * h1
    );
    Ok(())
}

/// Stream of the detail-basis fit's clips (see `step_rng`).
const DETAIL_FIT_STAGE: u64 = 5;

fn latent_stats(run: &Run) -> Result<(Vec<f64>, Vec<f64>)> {
    let vae = run.frozen_vae()?;
    let cfg = &run.cfg;
    let mut rng = step_rng(cfg.seed, 3, 0);
    let (mut sum, mut sq, mut count) = (None::<Tensor>, None::<Tensor>, 0usize);
    let mut left = cfg.vae.stats_clips;
    while left > 0 {
        let n = left.min(cfg.vae.optim.batch);
        left -= n;
        let b = clip_batch(cfg, &mut rng, n, cfg.data.sizes[0], &run.dev)?;
        let mu = vae.encode(&b.video)?; // [B, C, T, h, w]
        let c = mu.dim(1)?;
        let flat = mu.transpose(0, 1)?.contiguous()?.reshape((c, ()))?;
        count += flat.dim(1)?;
        let s = flat.sum(1)?;
        let q = flat.sqr()?.sum(1)?;
        sum = Some(match sum {
            Some(x) => (x + s)?,
            None => s,
        });
        sq = Some(match sq {
            Some(x) => (x + q)?,
            None => q,
        });
    }
    let sum = sum.context("no clips")?.to_vec1::<f32>()?;
    let sq = sq.context("no clips")?.to_vec1::<f32>()?;
    let n = count as f64;
    let mean: Vec<f64> = sum.iter().map(|&s| s as f64 / n).collect();
    let std: Vec<f64> = sq
        .iter()
        .zip(&mean)
        .map(|(&q, &m)| ((q as f64 / n - m * m).max(0.0)).sqrt().max(1e-4))
        .collect();
    Ok((mean, std))
}

/// Per-cell loss weights `1 + weight·d`, d = how far a cell's colour is from its frame's mean
/// colour (mean absolute difference over the 3 colour channels, clamped to 1), shape
/// (b, 1, t, h, w). Objects cover a few percent of a frame; without this their error is lost
/// in the background's. `colour` is (b, 3, t, h, w): pixels for the VAE, the colour-path latent
/// channels for the DiT.
pub(crate) fn object_weights(colour: &Tensor, weight: f64) -> Result<Tensor> {
    let mean = colour.mean_keepdim(4)?.mean_keepdim(3)?;
    let dev = colour
        .broadcast_sub(&mean)?
        .abs()?
        .mean_keepdim(1)?
        .clamp(0f32, 1f32)?;
    Ok(((dev * weight)? + 1.0)?)
}

/// `object_weights` of a latent whose first 3P channels are P phases' cell colours: the largest
/// weight over the phases, so an object moving within a latent group weighs in every cell it
/// passes. P = 1 is `object_weights` of channels 0–2.
pub(crate) fn phase_object_weights(latent: &Tensor, phases: usize, weight: f64) -> Result<Tensor> {
    let mut cells = object_weights(&latent.narrow(1, 0, 3)?, weight)?;
    for p in 1..phases {
        cells = cells.maximum(&object_weights(&latent.narrow(1, 3 * p, 3)?, weight)?)?;
    }
    Ok(cells)
}

/// σ per (sample, latent frame), 0 on the frames given clean, and the captions after dropout:
/// each sample draws one σ, then (with the entry's conditioning probability) a pattern of
/// clean frames, then whether its caption is dropped.
fn noise_levels(
    dc: &DitStage,
    entry: &ClipSize,
    captions: Vec<String>,
    t: usize,
    rng: &mut ChaCha8Rng,
) -> (Vec<f32>, Vec<String>) {
    let p_conditioned = entry.conditioning.unwrap_or(dc.conditioning.probability);
    let mut sig = Vec::with_capacity(captions.len() * t);
    let captions = captions
        .into_iter()
        .map(|caption| {
            let s = sample_sigma(&dc.timesteps, rng) as f32;
            let mask = if rng.random_bool(p_conditioned) {
                cond_mask(&dc.conditioning.patterns, t, rng)
            } else {
                vec![false; t]
            };
            sig.extend(mask.iter().map(|&m| if m { 0.0 } else { s }));
            if rng.random_bool(dc.caption_dropout) {
                String::new()
            } else {
                caption
            }
        })
        .collect();
    (sig, captions)
}

/// One DiT step: flow matching on latents of the frozen VAE, with caption dropout and random
/// clean conditioning frames (timestep 0 on their tokens, excluded from the loss).
fn dit_step(
    run: &mut Run,
    pools: &LatentPools,
    dit: &Dit,
    text: &TinyTextEncoder,
    prediction: &Prediction,
    data_step: usize,
) -> Result<f64> {
    let (cfg, step) = (&run.cfg, run.step);
    let dc = &cfg.dit;
    let mut rng = step_rng(cfg.seed, 2, data_step);
    let (x0, batch_captions, entry) = pools.batch(&mut rng, dc.optim.batch)?;
    let (b, c, t, h, w) = x0.dims5()?;
    let noise = randn(&mut rng, x0.dims(), &run.dev)?;

    let [_, ph, pw] = run.arch.dit.patch_size;
    let per_frame = (h / ph) * (w / pw);
    let (sig, captions) = noise_levels(dc, &entry, batch_captions, t, &mut rng);
    let sig_t = Tensor::from_vec(sig.clone(), (b, 1, t, 1, 1), &run.dev)?;
    let x_t = (x0.broadcast_mul(&(1.0 - &sig_t)?)? + noise.broadcast_mul(&sig_t)?)?;
    let tokens: Vec<f32> = sig
        .iter()
        .flat_map(|&s| std::iter::repeat_n(s * 1000.0, per_frame))
        .collect();
    let timestep = Tensor::from_vec(tokens, (b, t * per_frame), &run.dev)?;
    let keep: Vec<f32> = sig
        .iter()
        .map(|&s| if s > 0.0 { 1.0 } else { 0.0 })
        .collect();
    let kept: f32 = keep.iter().sum();
    let keep = Tensor::from_vec(keep, (b, 1, t, 1, 1), &run.dev)?;

    let refs: Vec<&str> = captions.iter().map(String::as_str).collect();
    let ctx = text.encode(&refs)?;
    let out = dit.forward(&x_t, &timestep, &ctx, None)?;
    let err = match prediction {
        Prediction::Velocity => (out - (noise - &x0)?)?.sqr()?,
        // The velocity error of a clean-latent estimate is its error / σ; capping the weight
        // keeps nearly clean samples from dominating (given-clean frames are masked out anyway).
        clean => {
            let est = clean.clean_estimate(&out, &x_t, &sig_t)?;
            let floor = dc.loss_sigma_floor as f32;
            let w: Vec<f32> = sig.iter().map(|&s| 1.0 / s.max(floor).powi(2)).collect();
            let w = Tensor::from_vec(w, (b, 1, t, 1, 1), &run.dev)?;
            (est - &x0)?.sqr()?.broadcast_mul(&w)?
        }
    };
    let (err, total) = if dc.object_weight > 0.0 {
        // The colour path's channels 0..3P hold the cells' colours (checked with the config).
        let cells = phase_object_weights(&x0, run.arch.vae.colour_phases, dc.object_weight)?
            .broadcast_mul(&keep)?;
        let total = c as f64 * cells.sum_all()?.to_scalar::<f32>()? as f64;
        (err.broadcast_mul(&cells)?, total)
    } else {
        (err.broadcast_mul(&keep)?, kept as f64 * (c * h * w) as f64)
    };
    let loss = (err.sum_all()? / total)?;
    let grads = loss.backward()?;
    let o = dc.optim.clone();
    run.dit_p.step(&grads, learning_rate(&o, step), &o)?;
    if o.ema_decay > 0.0 {
        run.dit_p.update_ema(o.ema_decay)?;
    }
    Ok(loss.to_scalar::<f32>()? as f64)
}

fn write_gif(video: &reel_media::Video, path: &Path) -> Result<()> {
    reel_media::write_video(video, path, &Default::default())
        .with_context(|| format!("cannot write sample {}", path.display()))
}

/// Sample videos of the current DiT weights.
fn dit_samples(run: &Run, out: &Path) -> Result<()> {
    let dir = out.join("samples");
    std::fs::create_dir_all(&dir)?;
    let bundle = run.bundle(out)?;
    let d = &bundle.config.defaults;
    for (i, p) in run.cfg.output.sample_prompts.iter().enumerate() {
        let tl = Timeline::text_to_video(p, d.frames, d.fps, d.width, d.height);
        let settings = SamplerSettings::from_defaults(d, i as u64)?;
        let g = generate(&bundle, &tl, &settings, GenerateOptions::default())?;
        write_gif(&g.video, &dir.join(format!("dit_{:06}_{i}.gif", run.step)))?;
    }
    Ok(())
}

/// A reconstruction of one clip by the current (EMA) VAE, next to the original.
fn vae_samples(run: &Run, out: &Path) -> Result<()> {
    let dir = out.join("samples");
    std::fs::create_dir_all(&dir)?;
    let vae = run.frozen_vae()?;
    let mut rng = step_rng(run.cfg.seed, 4, 0);
    let b = clip_batch(&run.cfg, &mut rng, 1, run.cfg.data.sizes[0], &run.dev)?;
    let rec = vae.decode(&vae.encode(&b.video)?)?;
    let both = Tensor::cat(&[&b.video, &rec], 4)?;
    let v = tensor_to_video(&both, run.cfg.data.fps)?;
    write_gif(&v, &dir.join(format!("vae_{:06}.gif", run.step)))
}

/// Trains (or resumes) the run described by `cfg` into `out`: `out/checkpoint.safetensors`,
/// `out/samples/`, and at the end `out/bundle/` (a loadable Reel bundle of the EMA weights).
pub fn train(cfg: &TrainConfig, out: &Path, resume: bool, opts: &RunOptions) -> Result<Outcome> {
    cfg.validate()?;
    let dev = Device::Cpu;
    let ckpt = out.join(CHECKPOINT_FILE);
    let mut run = if resume {
        let (tensors, meta) = checkpoint::load(&ckpt, &dev)?;
        let theirs = meta.config.bundle_config()?;
        let ours = cfg.bundle_config()?;
        if theirs.dit != ours.dit || theirs.vae != ours.vae || theirs.text != ours.text {
            bail!(
                "{} was made for another architecture than this config describes; \
                 resume with the config it was trained with, or start a new --out",
                ckpt.display()
            );
        }
        // Output settings never change the weights, and settings of a stage not yet started
        // can change without making the run differ from a fresh one with the new config.
        let comparable = |c: &TrainConfig| {
            let mut c = c.clone();
            c.output = Default::default();
            let dit_started = matches!(meta.stage, Stage::Decoder | Stage::Done)
                || (meta.stage == Stage::Dit && meta.step > 0);
            if !dit_started {
                c.dit = cfg.dit.clone();
            }
            // A finished run without a decoder stage may gain one.
            let decoder_started = (meta.stage == Stage::Decoder && meta.step > 0)
                || (meta.stage == Stage::Done && meta.config.decoder.is_some());
            if !decoder_started {
                c.decoder = cfg.decoder.clone();
            }
            c
        };
        if comparable(&meta.config) != comparable(cfg) {
            bail!(
                "the training config differs from the one {} was made with; a resumed run \
                 must use the same config",
                ckpt.display()
            );
        }
        let mut run = Run::new(cfg, &dev)?;
        run.vae_p.load_state("vae", meta.vae_adam_t, &tensors)?;
        run.dit_p.load_state("dit", meta.dit_adam_t, &tensors)?;
        run.stage = meta.stage;
        run.step = meta.step;
        run.stats = meta.latent_stats;
        run.elapsed = meta.elapsed_secs;
        if run.stage == Stage::Done && meta.config.decoder.is_none() && cfg.decoder.is_some() {
            (run.stage, run.step) = (Stage::Decoder, 0);
        }
        run
    } else {
        if ckpt.exists() {
            bail!(
                "{} already holds a checkpoint; pass --resume to continue it, or choose another --out",
                out.display()
            );
        }
        std::fs::create_dir_all(out)
            .with_context(|| format!("cannot create output directory {}", out.display()))?;
        Run::new(cfg, &dev)?
    };
    let mut session = Session {
        opts,
        out,
        started: Instant::now(),
        base_elapsed: run.elapsed,
        steps_done: 0,
    };
    if !resume {
        session.log(format!(
            "reel train: VAE {} params, DiT+text {} params",
            run.vae_p.num_params(),
            run.dit_p.num_params()
        ));
    }
    let mut outcome = Outcome {
        bundle: None,
        stage: run.stage,
        step: run.step,
        last_vae_loss: None,
        last_dit_loss: None,
        last_decoder_loss: None,
        elapsed_secs: run.elapsed,
    };

    // ---- stage 1: VAE ----
    if run.stage == Stage::Vae {
        let vae = run.trainable_vae()?;
        let o = run.cfg.vae.optim.clone();
        let stage = StageLoop {
            name: "vae",
            optim: &o,
            sample: Some(vae_samples),
            export_at_checkpoints: false,
        };
        let end = session.run_stage(&mut run, stage, |run, s| vae_step(run, &vae, s))?;
        outcome.last_vae_loss = end.last_loss;
        if end.stopped {
            return Ok(outcome.stopped_at(&run));
        }
        run.stats = Some(latent_stats(&run)?);
        let (m, s) = run.stats.as_ref().unwrap();
        session.log(format!("latent mean {m:.3?}\nlatent std  {s:.3?}"));
        if run.cfg.output.sample_every > 0 {
            vae_samples(&run, out)?;
        }
        session.next_stage(&mut run, Stage::Dit)?;
    }

    // ---- stage 2: DiT + text encoder on frozen-VAE latents ----
    if run.stage == Stage::Dit {
        let vae = run.frozen_vae()?;
        let dit = Dit::new(
            &run.arch.dit,
            VarBuilder::from_varmap(&run.dit_vars, DType::F32, &run.dev),
        )?;
        let text = TinyTextEncoder::new(
            &run.arch.text,
            run.tok.clone(),
            VarBuilder::from_varmap(&run.text_vars, DType::F32, &run.dev),
        )?;
        let o = run.cfg.dit.optim.clone();
        let prediction = run.arch_with_stats().prediction;
        let t_pool = Instant::now();
        let mut pools = LatentPools::at_step(&run.cfg, &vae, run.step)?;
        session.log(format!(
            "dit: latent pool ready in {:.0}s",
            t_pool.elapsed().as_secs_f64()
        ));
        let stage = StageLoop {
            name: "dit",
            optim: &o,
            sample: Some(dit_samples),
            export_at_checkpoints: true,
        };
        let end = session.run_stage(&mut run, stage, |run, s| {
            pools.refresh(&run.cfg, &vae, s)?;
            Ok((dit_step(run, &pools, &dit, &text, &prediction, s)?, None))
        })?;
        outcome.last_dit_loss = end.last_loss;
        if end.stopped {
            return Ok(outcome.stopped_at(&run));
        }
        let next = if run.cfg.decoder.is_some() {
            Stage::Decoder
        } else {
            Stage::Done
        };
        session.next_stage(&mut run, next)?;
    }

    // ---- stage 3 (optional): the decoder alone on the frozen encoder's latents ----
    if run.stage == Stage::Decoder {
        let o = run
            .cfg
            .decoder
            .as_ref()
            .context("no decoder stage configured")?
            .optim
            .clone();
        if run.step == 0 {
            // From the weights the DiT stage used (the VAE's EMA), with a fresh optimiser.
            let ema = run.vae_ema();
            run.vae_p.restart(ema)?;
        }
        run.freeze_encoder();
        let vae = run.trainable_vae()?;
        let stage = StageLoop {
            name: "decoder",
            optim: &o,
            sample: Some(vae_samples),
            export_at_checkpoints: false,
        };
        let end = session.run_stage(&mut run, stage, |run, s| decoder_step(run, &vae, s))?;
        outcome.last_decoder_loss = end.last_loss;
        if end.stopped {
            return Ok(outcome.stopped_at(&run));
        }
        session.next_stage(&mut run, Stage::Done)?;
    }

    let dir = out.join(BUNDLE_DIR);
    export(&run, &dir)?;
    session.log(format!(
        "reel train: done in {:.0}s; bundle at {}",
        run.elapsed,
        dir.display()
    ));
    outcome.bundle = Some(dir);
    outcome.stage = run.stage;
    outcome.step = run.step;
    outcome.elapsed_secs = run.elapsed;
    Ok(outcome)
}

/// One invocation of `train`: its options, its wall clock and how many steps it has taken.
struct Session<'a> {
    opts: &'a RunOptions,
    out: &'a Path,
    started: Instant,
    /// Training time of the run before this invocation (from the checkpoint).
    base_elapsed: f64,
    steps_done: usize,
}

/// A stage's loop settings: every stage logs, draws a bar, samples and checkpoints alike.
struct StageLoop<'a> {
    name: &'static str,
    optim: &'a OptimConfig,
    /// Writes sample videos every `output.sample_every` steps.
    sample: Option<fn(&Run, &Path) -> Result<()>>,
    /// Also export the bundle at each checkpoint (so a long stage leaves a usable model).
    export_at_checkpoints: bool,
}

struct StageEnd {
    /// Stopped by `stop_after` (the checkpoint is written); the stage is not finished.
    stopped: bool,
    /// Mean loss over the last logged window, if one was logged.
    last_loss: Option<f64>,
}

impl Session<'_> {
    fn log(&self, msg: String) {
        if !self.opts.quiet {
            eprintln!("{msg}");
        }
    }

    fn save(&self, run: &mut Run) -> Result<()> {
        run.elapsed = self.base_elapsed + self.started.elapsed().as_secs_f64();
        run.save_checkpoint(self.out)
    }

    /// Runs the stage's remaining steps from `run.step`. `step(run, data_step)` takes one
    /// optimiser step and returns its loss and, where the stage has one, the reconstruction
    /// part of it.
    fn run_stage(
        &mut self,
        run: &mut Run,
        stage: StageLoop,
        mut step: impl FnMut(&mut Run, usize) -> Result<(f64, Option<f64>)>,
    ) -> Result<StageEnd> {
        let o = stage.optim;
        let pb = if self.opts.progress && !self.opts.quiet {
            ProgressBar::new(o.steps as u64)
        } else {
            ProgressBar::hidden()
        };
        pb.set_style(
            ProgressStyle::with_template(&format!(
                "{} [{{bar:30}}] {{pos}}/{{len}} {{msg}} eta {{eta}}",
                stage.name
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb.set_position(run.step as u64);
        let mut last_loss = None;
        let (mut acc, mut acc_recon, mut n, mut t0) = (0.0, 0.0, 0usize, Instant::now());
        while run.step < o.steps {
            if self.opts.stop_after.is_some_and(|s| self.steps_done >= s) {
                self.save(run)?;
                return Ok(StageEnd {
                    stopped: true,
                    last_loss,
                });
            }
            let data_step = run.step;
            let (loss, recon) = step(run, data_step)?;
            run.step += 1;
            self.steps_done += 1;
            (acc, acc_recon, n) = (acc + loss, acc_recon + recon.unwrap_or(0.0), n + 1);
            let sps = (n * o.batch) as f64 / t0.elapsed().as_secs_f64();
            pb.set_message(format!("loss {loss:.4} {sps:.1} clips/s"));
            pb.inc(1);
            if run.step % run.cfg.output.log_every == 0 || run.step == o.steps {
                last_loss = Some(acc / n as f64);
                let recon = match recon {
                    Some(_) => format!(" recon {:.5}", acc_recon / n as f64),
                    None => String::new(),
                };
                let line = format!(
                    "{} step {}/{} loss {:.5}{recon} lr {:.2e} {sps:.2} clips/s elapsed {:.0}s",
                    stage.name,
                    run.step,
                    o.steps,
                    acc / n as f64,
                    learning_rate(o, run.step - 1),
                    self.base_elapsed + self.started.elapsed().as_secs_f64()
                );
                pb.suspend(|| self.log(line));
                (acc, acc_recon, n, t0) = (0.0, 0.0, 0, Instant::now());
            }
            let every = run.cfg.output.sample_every;
            if let Some(sample) = stage.sample.filter(|_| every > 0 && run.step % every == 0) {
                sample(run, self.out)?;
            }
            if run.step % run.cfg.output.checkpoint_every == 0 {
                self.save(run)?;
                if stage.export_at_checkpoints {
                    export(run, &self.out.join(BUNDLE_DIR))?;
                }
            }
        }
        pb.finish_and_clear();
        Ok(StageEnd {
            stopped: false,
            last_loss,
        })
    }

    /// Moves the run to the start of `next` and checkpoints there.
    fn next_stage(&self, run: &mut Run, next: Stage) -> Result<()> {
        run.stage = next;
        run.step = 0;
        self.save(run)
    }
}

impl Outcome {
    fn stopped_at(mut self, run: &Run) -> Outcome {
        self.stage = run.stage;
        self.step = run.step;
        self.elapsed_secs = run.elapsed;
        self
    }
}

/// Writes the bundle of the run's current (EMA) weights with provenance.
fn export(run: &Run, dir: &Path) -> Result<()> {
    let mut config = run.arch_with_stats();
    config.provenance = Some(serde_json::json!({
        "trained_by": "reel train",
        "training_config": run.cfg,
        "stage": run.stage,
        "dit_steps_done": match run.stage {
            Stage::Vae => 0,
            Stage::Dit => run.step,
            Stage::Decoder | Stage::Done => run.cfg.dit.optim.steps,
        },
        "vae_steps": run.cfg.vae.optim.steps,
        "decoder_steps_done": match (&run.cfg.decoder, run.stage) {
            (None, _) => None,
            (Some(_), Stage::Decoder) => Some(run.step),
            (Some(d), Stage::Done) => Some(d.optim.steps),
            (Some(_), _) => Some(0),
        },
        "train_seconds": run.elapsed.round(),
    }));
    let ve = run.vae_ema();
    let de = run.cfg.dit.optim.ema_decay > 0.0;
    let vars = BundleVars {
        dit: to_varmap(run.dit_p.export("dit", de)?)?,
        vae: to_varmap(run.vae_p.export("vae", ve)?)?,
        text: to_varmap(run.dit_p.export("text", de)?)?,
    };
    vars.save(&config, &run.tok, dir)
}

/// Exports the bundle held by a checkpoint (the best so far, when a run must stop early).
pub fn export_checkpoint(checkpoint_path: &Path, dir: &Path) -> Result<BundleConfig> {
    let dev = Device::Cpu;
    let (tensors, meta) = checkpoint::load(checkpoint_path, &dev)?;
    if meta.stage == Stage::Vae {
        // Still useful: `reel train --eval-model DIR --reconstruction` scores the VAE alone.
        eprintln!(
            "warning: {} is still in the VAE stage (step {}): the exported DiT is untrained",
            checkpoint_path.display(),
            meta.step
        );
    }
    let mut run = Run::new(&meta.config, &dev)?;
    run.vae_p.load_state("vae", meta.vae_adam_t, &tensors)?;
    run.dit_p.load_state("dit", meta.dit_adam_t, &tensors)?;
    run.stage = meta.stage;
    run.step = meta.step;
    run.stats = meta.latent_stats;
    run.elapsed = meta.elapsed_secs;
    export(&run, dir)?;
    Ok(run.arch_with_stats())
}

#[cfg(test)]
mod tests;
