//! `cargo run --release -p reel-train --example vae_gain -- CONFIG MODEL_DIR [clips]` — how much
//! a bundle's learned VAE networks add over its linear paths: reconstruction error of the full
//! VAE, of the colour path alone (each latent cell's mean colour spread back), and of the colour
//! and detail paths together without the networks.

use anyhow::Result;
use candle_core::Tensor;
use reel_models::vae::{cell_colours, spread_cells};

mod common;

fn mse(a: &Tensor, b: &Tensor) -> Result<f32> {
    Ok((a - b)?.sqr()?.mean_all()?.to_scalar::<f32>()?)
}

fn main() -> Result<()> {
    let probe = common::Probe::from_args("vae_gain")?;
    let (_, batch) = probe.fresh_clips(99)?;
    let bundle = &probe.bundle;
    let x = &batch.video;
    let vae = &bundle.vae;
    let (cs, ct) = (4, 4);
    let z = vae.encode(x)?;
    let full = vae.decode(&z)?;
    let blocky = spread_cells(&cell_colours(x, cs, ct)?, cs, ct, true)?;
    let linear = match vae.detail_basis() {
        Some(d) => (&blocky + d.decode(&d.encode(x, cs, ct)?, cs, ct, true)?)?,
        None => blocky.clone(),
    };
    let std = |t: &Tensor| -> Result<Vec<f32>> {
        let m = t
            .mean_keepdim(4)?
            .mean_keepdim(3)?
            .mean_keepdim(2)?
            .mean_keepdim(0)?;
        Ok(t.broadcast_sub(&m)?
            .sqr()?
            .mean_keepdim(4)?
            .mean_keepdim(3)?
            .mean_keepdim(2)?
            .mean_keepdim(0)?
            .sqrt()?
            .flatten_all()?
            .to_vec1()?)
    };
    println!("latent std per channel {:?}", std(&z)?);
    println!("mse full VAE           {:.5}", mse(&full, x)?);
    println!("mse colour path only   {:.5}", mse(&blocky, x)?);
    println!("mse linear paths only  {:.5}", mse(&linear, x)?);
    println!("mse full vs linear     {:.5}", mse(&full, &linear)?);
    Ok(())
}
