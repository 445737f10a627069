//! The toy VAE's parameter-free colour path (`VaeConfig::colour_skip`), checked against its
//! definition: the same weights with and without it differ exactly by the cell colours.

use anyhow::Result;
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use reel_models::init::seeded_var_builder;
use reel_models::vae::{cell_colours, spread_cells, Vae, VaeConfig};

fn max_abs(a: &Tensor, b: &Tensor) -> Result<f32> {
    Ok(reel_models::ops::max_abs_diff(a, b)?)
}

/// Two VAEs sharing one set of weights, without and with the colour path.
fn pair() -> Result<(Vae, Vae)> {
    let dev = Device::Cpu;
    let mut cfg = VaeConfig::small(4, 4, vec![1, 2, 2], 1, vec![true, true]);
    cfg.clip_output = false;
    let vm = VarMap::new();
    let plain = Vae::new(&cfg, seeded_var_builder(&vm, 3, &dev))?;
    cfg.colour_skip = true;
    let skip = Vae::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, &dev))?;
    Ok((plain, skip))
}

#[test]
fn cell_colours_average_each_latent_cell() -> Result<()> {
    // 5 frames (1 + 4) of 8×8: value = frame index + 10·(x ≥ 4) + 100·channel.
    let mut v = Vec::new();
    for c in 0..3 {
        for t in 0..5 {
            for _y in 0..8 {
                for x in 0..8 {
                    v.push((t + if x >= 4 { 10 } else { 0 } + 100 * c) as f32);
                }
            }
        }
    }
    let video = Tensor::from_vec(v, (1, 3, 5, 8, 8), &Device::Cpu)?;
    let cells = cell_colours(&video, 4, 4)?;
    assert_eq!(cells.dims(), &[1, 3, 2, 2, 2]);
    let got = cells.flatten_all()?.to_vec1::<f32>()?;
    // Channel 0: latent frame 0 is frame 0 alone; latent frame 1 averages frames 1–4 (2.5).
    assert_eq!(&got[..8], &[0.0, 10.0, 0.0, 10.0, 2.5, 12.5, 2.5, 12.5]);
    assert_eq!(got[8], 100.0);
    Ok(())
}

#[test]
fn spreading_cells_inverts_pooling_on_cell_constant_video() -> Result<()> {
    let dev = Device::Cpu;
    let cells = Tensor::randn(0f32, 1f32, (2, 3, 3, 2, 3), &dev)?;
    let video = spread_cells(&cells, 4, 4, true)?;
    assert_eq!(video.dims(), &[2, 3, 9, 8, 12]);
    assert_eq!(max_abs(&cell_colours(&video, 4, 4)?, &cells)?, 0.0);
    // A chunk that does not start at latent frame 0 spreads every latent frame over 4 frames.
    assert_eq!(
        spread_cells(&cells, 4, 4, false)?.dims(),
        &[2, 3, 12, 8, 12]
    );
    Ok(())
}

#[test]
fn colour_path_adds_cell_colours_to_the_code_and_the_output() -> Result<()> {
    let (plain, skip) = pair()?;
    let dev = Device::Cpu;
    let video = Tensor::rand(-1f32, 1f32, (1, 3, 9, 16, 16), &dev)?;
    let colours = cell_colours(&video, 4, 4)?;
    let (mu_plain, _) = plain.encode_dist(&video)?;
    let (mu_skip, _) = skip.encode_dist(&video)?;
    let head = (mu_skip.narrow(1, 0, 3)? - mu_plain.narrow(1, 0, 3)?)?;
    assert!(max_abs(&head, &colours)? < 1e-5);
    assert_eq!(
        max_abs(&mu_skip.narrow(1, 3, 1)?, &mu_plain.narrow(1, 3, 1)?)?,
        0.0
    );

    let z = Tensor::randn(0f32, 1f32, (1, 4, 3, 4, 4), &dev)?;
    let out = (skip.decode(&z)? - plain.decode(&z)?)?;
    let expect = spread_cells(&z.narrow(1, 0, 3)?, 4, 4, true)?;
    assert!(max_abs(&out, &expect)? < 1e-5);
    // The chunked decoder (what generation streams through) adds the same colours.
    let chunked = skip.decode_chunked(&z, 1)?;
    assert!(max_abs(&chunked, &skip.decode(&z)?)? < 1e-4);
    Ok(())
}

#[test]
fn colour_path_needs_rgb_and_three_latent_channels() {
    let mut cfg = VaeConfig::small(4, 2, vec![1, 2], 1, vec![true]);
    cfg.colour_skip = true;
    let err = cfg.validate().unwrap_err().to_string();
    assert!(err.contains("colour_skip"), "{err}");
}
