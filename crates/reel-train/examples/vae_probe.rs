//! `cargo run --release -p reel-train --example vae_probe -- CONFIG [key=value ...]`
//! — trains only the VAE of CONFIG on fresh clips and prints reconstruction and colour fidelity on
//! a held-out batch, to diagnose VAE learning quickly. Keys: steps, frames, size, batch, lr,
//! noise (fixed latent noise std), opt (reel|candle), clip, b2, every, zinit=1 (residual
//! branches start at zero), anchor=W (colour-anchor loss weight), mode=dec (decoder only, from
//! 4×-pooled RGB latents), skip=1 (a parameter-free colour path: pooled colour added to latent
//! channels 0–2, those channels repeated over their cells added to the output). "chroma" is the mean spread of the RGB channels: 0 for grey frames.

use anyhow::Result;
use candle_core::{DType, Device, Tensor};
use candle_nn::{Optimizer, VarMap};
use reel_models::init::seeded_var_builder;
use reel_models::vae::Vae;
use reel_train::data::{clip_batch, randn, step_rng};
use reel_train::optim::Trainable;
use std::collections::HashMap;
use std::path::PathBuf;

/// Mean over pixels of the spread of the RGB channels (0 for grey).
fn chroma(x: &Tensor) -> Result<f32> {
    let m = x.mean_keepdim(1)?;
    Ok(x.broadcast_sub(&m)?.abs()?.mean_all()?.to_scalar::<f32>()?)
}

fn main() -> Result<()> {
    reel_models::runtime::tune_allocator();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = reel_train::TrainConfig::load(&PathBuf::from(&args[0]))?;
    let kv: HashMap<String, String> = args[1..]
        .iter()
        .filter_map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect();
    let get = |k: &str, d: f64| kv.get(k).map(|v| v.parse().unwrap()).unwrap_or(d);
    let steps = get("steps", 300.0) as usize;
    let frames = get("frames", 1.0) as usize;
    let size = get("size", 40.0) as usize;
    let batch = get("batch", 8.0) as usize;
    let lr = get("lr", 2e-3);
    let noise = get("noise", 0.05);
    let every = get("every", 50.0) as usize;
    let skip = get("skip", 0.0) > 0.0;
    let opt = kv.get("opt").cloned().unwrap_or_else(|| "reel".into());
    let dev = Device::Cpu;
    let mut vcfg = cfg.bundle_config()?.vae;
    vcfg.clip_output = false;
    let vm = VarMap::new();
    let vae = Vae::new(&vcfg, seeded_var_builder(&vm, cfg.seed + 1, &dev))?;
    if get("zinit", 0.0) > 0.0 {
        // Residual branches start as the identity (their last conv zeroed).
        for (name, var) in vm.data().lock().unwrap().iter() {
            if name.contains("conv2.") || name.contains(".proj.") {
                eprintln!("  zero-init {name}");
                var.set(&var.as_tensor().zeros_like()?)?;
            }
        }
    }
    let mut reel_opt = Trainable::new(&[("vae", &vm)])?;
    let mut candle_opt = candle_nn::AdamW::new(
        vm.all_vars(),
        candle_nn::ParamsAdamW {
            lr,
            weight_decay: 0.0,
            ..Default::default()
        },
    )?;
    let mut o = cfg.vae.optim.clone();
    o.lr = lr;
    o.grad_clip = get("clip", o.grad_clip);
    o.beta2 = get("b2", o.beta2);
    let full = cfg.data.sizes[0];
    let crop = |b: Tensor| -> Result<Tensor> {
        Ok(b.narrow(3, 0, size)?.narrow(4, 0, size)?.contiguous()?)
    };
    let held = {
        let mut rng = step_rng(999, 9, 0);
        let s = reel_world_size(full, frames);
        crop(clip_batch(&cfg, &mut rng, 8, s, &dev)?.video)?
    };
    if vcfg.colour_skip {
        // What the parameter-free colour path alone reconstructs: the bar the networks must beat.
        let (cs, ct) = (vcfg.spatial_compression(), vcfg.temporal_compression());
        let cells = reel_models::vae::cell_colours(&held, cs, ct)?;
        let blocky = reel_models::vae::spread_cells(&cells, cs, ct, true)?;
        let mse = (&blocky - &held)?.sqr()?.mean_all()?.to_scalar::<f32>()?;
        eprintln!("colour path alone: held mse {mse:.4}");
    }
    let t0 = std::time::Instant::now();
    let mut acc = 0f64;
    for step in 0..steps {
        let mut rng = step_rng(cfg.seed, 1, step);
        let video =
            crop(clip_batch(&cfg, &mut rng, batch, reel_world_size(full, frames), &dev)?.video)?;
        let mu = if kv.get("mode").map(|m| m == "dec").unwrap_or(false) {
            pooled_latent(&video, vcfg.z_dim)?
        } else {
            vae.encode_dist(&video)?.0
        };
        let mu = if skip {
            add_colour(&mu, &pooled_latent(&video, 3)?)?
        } else {
            mu
        };
        let z = if noise > 0.0 {
            (&mu + (randn(&mut rng, mu.dims(), &dev)? * noise)?)?
        } else {
            mu.clone()
        };
        let rec = vae.decode(&z)?;
        let rec = if skip {
            (rec + upsample_colour(&z)?)?
        } else {
            rec
        };
        let mut loss = (rec - &video)?.sqr()?.mean_all()?;
        let anchor = get("anchor", 0.0);
        if anchor > 0.0 {
            let target = pooled_latent(&video, 3)?;
            let a = (mu.narrow(1, 0, 3)? - target)?.sqr()?.mean_all()?;
            loss = (loss + (a * anchor)?)?;
        }
        let lr_now = lr * ((step + 1) as f64 / 10.0).min(1.0);
        if opt == "candle" {
            candle_opt.set_learning_rate(lr_now);
            candle_opt.backward_step(&loss)?;
        } else {
            let g = loss.backward()?;
            let n = reel_opt.step(&g, lr_now, &o)?;
            if step % every == 0 {
                eprintln!("  step {step} grad norm {n:.3}");
            }
        }
        acc += loss.to_scalar::<f32>()? as f64;
        if (step + 1) % every == 0 {
            let mu = if kv.get("mode").map(|m| m == "dec").unwrap_or(false) {
                pooled_latent(&held, vcfg.z_dim)?
            } else {
                vae.encode_dist(&held)?.0
            };
            let mu = if skip {
                add_colour(&mu, &pooled_latent(&held, 3)?)?
            } else {
                mu
            };
            let rec = vae.decode(&mu)?;
            let rec = if skip {
                (rec + upsample_colour(&mu)?)?
            } else {
                rec
            };
            let mse = (&rec - &held)?.sqr()?.mean_all()?.to_scalar::<f32>()?;
            let zs = mu
                .flatten_all()?
                .sqr()?
                .mean_all()?
                .sqrt()?
                .to_scalar::<f32>()?;
            eprintln!(
                "step {} train {:.4} held mse {:.4} chroma rec/true {:.3}/{:.3} |z| {:.3} {:.0}s",
                step + 1,
                acc / every as f64,
                mse,
                chroma(&rec)?,
                chroma(&held)?,
                zs,
                t0.elapsed().as_secs_f64()
            );
            acc = 0.0;
        }
    }
    Ok(())
}

fn reel_world_size(
    full: reel_train::config::ClipSize,
    frames: usize,
) -> reel_train::config::ClipSize {
    reel_train::config::ClipSize { frames, ..full }
}

/// The frame average-pooled 4× in space as the first 3 latent channels (decoder-only probe).
fn pooled_latent(video: &Tensor, z: usize) -> Result<Tensor> {
    let (b, c, t, h, w) = video.dims5()?;
    let p = video
        .reshape(vec![b, c, t, h / 4, 4, w / 4, 4])?
        .mean(6)?
        .mean(4)?;
    if z == c {
        return Ok(p);
    }
    let zeros = Tensor::zeros((b, z - c, t, h / 4, w / 4), DType::F32, video.device())?;
    Ok(Tensor::cat(&[&p, &zeros], 1)?)
}

/// Adds the pooled colour to latent channels 0–2 (parameter-free colour path, 1-frame probe).
fn add_colour(mu: &Tensor, colour: &Tensor) -> Result<Tensor> {
    let z = mu.dim(1)?;
    let head = (mu.narrow(1, 0, 3)? + colour)?;
    Ok(Tensor::cat(&[&head, &mu.narrow(1, 3, z - 3)?], 1)?)
}

/// Latent channels 0–2 repeated over each 4×4 cell (1-frame probe).
fn upsample_colour(z: &Tensor) -> Result<Tensor> {
    let (b, _, t, h, w) = z.dims5()?;
    Ok(z.narrow(1, 0, 3)?
        .reshape(vec![b, 3, t, h, 1, w, 1])?
        .broadcast_as(vec![b, 3, t, h, 4, w, 4])?
        .contiguous()?
        .reshape((b, 3, t, h * 4, w * 4))?)
}
