//! `cargo run --release -p reel-train --example dit_view -- CONFIG MODEL_DIR OUT.png [clips]` —
//! what a bundle's DiT believes the clip is, as pictures. For each of a few fresh clips (8 by
//! default), one row of every other frame per line, top to bottom:
//! - the clip, and its VAE reconstruction (the ceiling);
//! - the one-step clean estimate from that clip noised to σ = 0.95, 0.8, 0.6, 0.4, 0.2, 0.05
//!   (what the DiT can recover when the layout is given);
//! - the clean estimate along a 20-step Euler run from pure noise (shift 3, no guidance) at
//!   steps 0, 4, 8, 12, 16, 19, and where the run ends (how a sample is actually built).
//!
//! Wrong colours in the first group mean the DiT does not read the caption; objects that are
//! right there but wander, split or blink in the second mean it cannot settle a layout itself.

use anyhow::Result;
use candle_core::{Device, Tensor};
use reel_diffusion::frames::tensor_to_frames;
use reel_diffusion::VideoModel;
use reel_media::{Frame, Video};
use reel_train::data::randn;

mod common;

const ONE_STEP_SIGMAS: [f64; 6] = [0.95, 0.8, 0.6, 0.4, 0.2, 0.05];
const EULER_STEPS: usize = 20;
const SHOWN_STEPS: [usize; 6] = [0, 4, 8, 12, 16, 19];

fn main() -> Result<()> {
    let (probe, extra) = common::Probe::from_args_and("dit_view", &["OUT.png"])?;
    let (mut rng, batch) = probe.fresh_clips(98)?;
    let (bundle, dev) = (&probe.bundle, Device::Cpu);
    let vae = bundle.vae();
    let (x0, per_frame) = probe.latents(&batch)?;
    let (b, _, t, _, _) = x0.dims5()?;
    let tokens = t * per_frame;
    let refs: Vec<&str> = batch.captions.iter().map(String::as_str).collect();
    let ctx = bundle.encode_prompts(&refs)?;
    let pred = bundle.prediction();
    let decode = |z: &Tensor| -> Result<Tensor> { vae.decode(&vae.denormalize(z)?) };
    // x0 estimate and velocity of the DiT at one σ for the whole batch.
    let estimate = |x: &Tensor, sigma: f64| -> Result<(Tensor, Tensor)> {
        let ts = Tensor::full((sigma * 1000.0) as f32, (b, tokens), &dev)?;
        let out = bundle.transformer_at(sigma).forward(x, &ts, &ctx, None)?;
        let v = pred.velocity(&out, x, sigma)?;
        Ok(((x - (&v * sigma)?)?, v))
    };

    let mut rows: Vec<Tensor> = vec![batch.video.clone(), decode(&x0)?];
    let noise = randn(&mut rng, x0.dims(), &dev)?;
    for sigma in ONE_STEP_SIGMAS {
        let x_t = ((&x0 * (1.0 - sigma))? + (&noise * sigma)?)?;
        rows.push(decode(&estimate(&x_t, sigma)?.0)?);
    }
    let shift = 3.0;
    let sigmas: Vec<f64> = (0..=EULER_STEPS)
        .map(|i| {
            let s = 1.0 - i as f64 / EULER_STEPS as f64;
            shift * s / (1.0 + (shift - 1.0) * s)
        })
        .collect();
    let mut x = randn(&mut rng, x0.dims(), &dev)?;
    for i in 0..EULER_STEPS {
        let (est, v) = estimate(&x, sigmas[i])?;
        if SHOWN_STEPS.contains(&i) {
            rows.push(decode(&est)?);
        }
        x = (&x + (v * (sigmas[i + 1] - sigmas[i]))?)?;
    }
    rows.push(decode(&x)?);

    // Sheet: per clip, one line per row above, every other frame side by side.
    let mut lines: Vec<Vec<Frame>> = Vec::new();
    for (clip, caption) in refs.iter().enumerate() {
        println!("clip {clip}: {caption}");
        for row in &rows {
            let frames = tensor_to_frames(&row.narrow(0, clip, 1)?)?;
            lines.push(frames.into_iter().step_by(2).collect());
        }
    }
    let (fw, fh) = (lines[0][0].width(), lines[0][0].height());
    let cols = lines[0].len() as u32;
    let mut sheet = Frame::new(fw * cols, fh * lines.len() as u32);
    for (r, line) in lines.iter().enumerate() {
        for (c, frame) in line.iter().enumerate() {
            for (x, y, p) in frame.enumerate_pixels() {
                sheet.put_pixel(c as u32 * fw + x, r as u32 * fh + y, *p);
            }
        }
    }
    let out = std::path::PathBuf::from(&extra[0]);
    reel_media::write_video(&Video::still(sheet, 1.0)?, &out, &Default::default())?;
    println!(
        "{}: per clip, {} lines (clip, reconstruction, one-step σ {ONE_STEP_SIGMAS:?}, Euler steps {SHOWN_STEPS:?}, result)",
        out.display(),
        rows.len()
    );
    Ok(())
}
