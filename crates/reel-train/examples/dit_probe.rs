//! `cargo run --release -p reel-train --example dit_probe -- CONFIG MODEL_DIR [clips]` — how well
//! a bundle's DiT recovers clean latents from one noisy step: for several σ, x_t = (1−σ)·x0 + σ·ε
//! on latents of fresh clips, x0 estimate = x_t − σ·v, and the fraction of the latents' variance
//! it explains (R², per channel group). A DiT that explains little at small σ cannot remove the
//! last noise, whatever the sampler does.

use anyhow::Result;
use candle_core::{Device, Tensor};
use reel_diffusion::VideoModel;
use reel_train::data::randn;

mod common;

fn r2(est: &Tensor, x0: &Tensor) -> Result<f32> {
    let err = (est - x0)?.sqr()?.mean_all()?.to_scalar::<f32>()?;
    let var = x0
        .broadcast_sub(&x0.mean_all()?)?
        .sqr()?
        .mean_all()?
        .to_scalar::<f32>()?;
    Ok(1.0 - err / var.max(1e-12))
}

fn main() -> Result<()> {
    let probe = common::Probe::from_args("dit_probe")?;
    let (mut rng, batch) = probe.fresh_clips(98)?;
    let (bundle, dev) = (&probe.bundle, Device::Cpu);
    let (x0, per_frame) = probe.latents(&batch)?;
    let (b, c, t, h, w) = x0.dims5()?;
    let refs: Vec<&str> = batch.captions.iter().map(String::as_str).collect();
    let ctx = bundle.encode_prompts(&refs)?;
    let noise = randn(&mut rng, x0.dims(), &dev)?;
    let pred = bundle.prediction();
    println!(
        "latents {b}×{c}×{t}×{h}×{w}; R² of the one-step x0 estimate (1 = perfect, 0 = the mean)"
    );
    println!("sigma   colour ch 0-2   other ch   all");
    // 0.999 is where the sampler starts: only the caption tells the clip there.
    for sigma in [0.999f32, 0.95, 0.8, 0.6, 0.4, 0.2, 0.1, 0.05] {
        let x_t = ((&x0 * (1.0 - sigma) as f64)? + (&noise * sigma as f64)?)?;
        let ts = Tensor::full(sigma * 1000.0, (b, t * per_frame), &dev)?;
        let out = bundle
            .transformer_at(sigma as f64)
            .forward(&x_t, &ts, &ctx, None)?;
        let v = pred.velocity(&out, &x_t, sigma as f64)?;
        // The sampler passes one timestep per clip when no token is pinned; it must mean the same.
        let per_clip = Tensor::full(sigma * 1000.0, (b,), &dev)?;
        let out_clip = bundle
            .transformer_at(sigma as f64)
            .forward(&x_t, &per_clip, &ctx, None)?;
        let v_clip = pred.velocity(&out_clip, &x_t, sigma as f64)?;
        let gap = reel_models::ops::max_abs_diff(&v, &v_clip)?;
        if gap > 1e-3 {
            println!("  σ {sigma}: per-clip and per-token timesteps differ by {gap}");
        }
        let est = (&x_t - (v * sigma as f64)?)?;
        let head = r2(&est.narrow(1, 0, 3)?, &x0.narrow(1, 0, 3)?)?;
        let rest = if c > 3 {
            r2(&est.narrow(1, 3, c - 3)?, &x0.narrow(1, 3, c - 3)?)?
        } else {
            f32::NAN
        };
        // R² hides what is left per cell: the colour error in the DiT's units, against that
        // of taking x_t itself as the estimate (what a denoiser must beat at small σ).
        let rms = |a: &Tensor, b: &Tensor| -> Result<f32> {
            Ok((a - b)?.sqr()?.mean_all()?.to_scalar::<f32>()?.sqrt())
        };
        println!(
            "{sigma:<7} {head:>12.3} {rest:>10.3} {:>6.3}   colour rms error {:.3} (x_t: {:.3})",
            r2(&est, &x0)?,
            rms(&est.narrow(1, 0, 3)?, &x0.narrow(1, 0, 3)?)?,
            rms(&x_t.narrow(1, 0, 3)?, &x0.narrow(1, 0, 3)?)?
        );
    }
    Ok(())
}
