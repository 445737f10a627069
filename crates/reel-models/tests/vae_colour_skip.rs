//! The toy VAE's parameter-free colour path (`VaeConfig::colour_skip`), checked against its
//! definition: the same weights with and without it differ exactly by the cell colours.

use anyhow::Result;
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use reel_models::init::seeded_var_builder;
use reel_models::vae::{
    cell_colours, cell_residual_rows, glide_cells, motion_glide, phase_colours, spread_cells,
    spread_phases, ColourInterpolation, DetailBasis, Vae, VaeConfig,
};

fn max_abs(a: &Tensor, b: &Tensor) -> Result<f32> {
    Ok(reel_models::ops::max_abs_diff(a, b)?)
}

/// Two VAEs sharing one set of weights, without and with the colour path.
fn pair() -> Result<(Vae, Vae)> {
    pair_with(4, 1)
}

/// As [`pair`], with `z_dim` latent channels and `phases` colour phases.
fn pair_with(z_dim: usize, phases: usize) -> Result<(Vae, Vae)> {
    let dev = Device::Cpu;
    let mut cfg = VaeConfig::small(4, z_dim, vec![1, 2, 2], 1, vec![true, true]);
    cfg.clip_output = false;
    let vm = VarMap::new();
    let plain = Vae::new(&cfg, seeded_var_builder(&vm, 3, &dev))?;
    cfg.colour_skip = true;
    cfg.colour_phases = phases;
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

/// Identity bases for 2× space, 2× time (frame 0: 12 values a cell, later cells 24): the
/// detail path then carries every pixel, padded with zero columns for frame 0.
fn identity_bases(dev: &Device) -> Result<DetailBasis> {
    let first = Tensor::cat(
        &[
            Tensor::eye(12, DType::F32, dev)?,
            Tensor::zeros((12, 12), DType::F32, dev)?,
        ],
        1,
    )?;
    Ok(DetailBasis {
        first,
        group: Tensor::eye(24, DType::F32, dev)?,
    })
}

#[test]
fn colour_and_detail_paths_with_a_complete_basis_reconstruct_exactly() -> Result<()> {
    let dev = Device::Cpu;
    let video = Tensor::rand(-1f32, 1f32, (2, 3, 5, 6, 8), &dev)?;
    let basis = identity_bases(&dev)?;
    let code = basis.encode(&video, 2, 2)?;
    assert_eq!(code.dims(), &[2, 24, 3, 3, 4]);
    let colours = spread_cells(&cell_colours(&video, 2, 2)?, 2, 2, true)?;
    let back = (colours + basis.decode(&code, 2, 2, true)?)?;
    assert!(max_abs(&back, &video)? < 1e-5);
    // A partial basis reconstructs the orthogonal projection of each cell's residual.
    let part = DetailBasis {
        first: basis.first.narrow(1, 0, 5)?,
        group: basis.group.narrow(1, 0, 5)?,
    };
    // Each cell's code is its residual's projection on the basis columns.
    let (first_rows, rest_rows) = cell_residual_rows(&video, 2, 2)?;
    let rest_rows = rest_rows.expect("5 frames have later cells");
    let code = part.encode(&video, 2, 2)?;
    let as_rows = |c: &Tensor| -> Result<Tensor> {
        let (b, k, n, h, w) = c.dims5()?;
        Ok(c.permute((0, 2, 3, 4, 1))?
            .contiguous()?
            .reshape((b * n * h * w, k))?)
    };
    assert!(
        max_abs(
            &as_rows(&code.narrow(2, 0, 1)?)?,
            &first_rows.narrow(1, 0, 5)?
        )? < 1e-6
    );
    assert!(
        max_abs(
            &as_rows(&code.narrow(2, 1, 2)?)?,
            &rest_rows.narrow(1, 0, 5)?
        )? < 1e-6
    );
    Ok(())
}

#[test]
fn detail_path_adds_its_code_and_its_patterns() -> Result<()> {
    let dev = Device::Cpu;
    let mut cfg = VaeConfig::small(4, 27, vec![1, 2], 1, vec![true]);
    cfg.clip_output = false;
    cfg.colour_skip = true;
    let vm = VarMap::new();
    let colour_only = Vae::new(&cfg, seeded_var_builder(&vm, 5, &dev))?;
    cfg.detail_channels = 24;
    // The bases are weights of their own, zero until fitted.
    Vae::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, &dev))?;
    let basis = identity_bases(&dev)?;
    {
        let data = vm.data().lock().unwrap();
        let first = &data[reel_models::vae::DETAIL_FIRST];
        assert_eq!(first.as_tensor().abs()?.sum_all()?.to_scalar::<f32>()?, 0.0);
        first.set(&basis.first)?;
        data[reel_models::vae::DETAIL_GROUP].set(&basis.group)?;
    }
    let detail = Vae::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, &dev))?;
    let video = Tensor::rand(-1f32, 1f32, (1, 3, 5, 8, 8), &dev)?;
    let (a, _) = colour_only.encode_dist(&video)?;
    let (b, _) = detail.encode_dist(&video)?;
    let added = (b.narrow(1, 3, 24)? - a.narrow(1, 3, 24)?)?;
    assert!(max_abs(&added, &basis.encode(&video, 2, 2)?)? < 1e-5);
    assert_eq!(max_abs(&b.narrow(1, 0, 3)?, &a.narrow(1, 0, 3)?)?, 0.0);

    let z = Tensor::randn(0f32, 1f32, (1, 27, 3, 4, 4), &dev)?;
    let out = (detail.decode(&z)? - colour_only.decode(&z)?)?;
    let expect = basis.decode(&z.narrow(1, 3, 24)?, 2, 2, true)?;
    assert!(max_abs(&out, &expect)? < 1e-5);
    let chunked = detail.decode_chunked(&z, 1)?;
    assert!(max_abs(&chunked, &detail.decode(&z)?)? < 1e-4);
    Ok(())
}

#[test]
fn detail_path_needs_the_colour_path_and_room_in_the_code() {
    let mut cfg = VaeConfig::small(4, 8, vec![1, 2], 1, vec![true]);
    cfg.detail_channels = 5;
    let err = cfg.validate().unwrap_err().to_string();
    assert!(err.contains("detail_channels"), "{err}");
    cfg.colour_skip = true;
    assert!(cfg.validate().is_ok());
    cfg.detail_channels = 6;
    let err = cfg.validate().unwrap_err().to_string();
    assert!(err.contains("z_dim"), "{err}");
}

#[test]
fn phase_colours_average_each_sub_group_of_a_latent_frame() -> Result<()> {
    // 5 frames of 4×4, value = frame index + 100·channel: one cell per frame group.
    let mut v = Vec::new();
    for c in 0..3 {
        for t in 0..5 {
            v.extend(std::iter::repeat_n((t + 100 * c) as f32, 16));
        }
    }
    let video = Tensor::from_vec(v, (1, 3, 5, 4, 4), &Device::Cpu)?;
    let values = |phases: usize| -> Result<Vec<f32>> {
        Ok(phase_colours(&video, 4, 4, phases)?
            .flatten_all()?
            .to_vec1::<f32>()?)
    };
    // [phases·3 channels, 2 latent frames]: frame 0 in every phase, then each sub-group's mean.
    let two = values(2)?;
    assert_eq!(&two[..2], &[0.0, 1.5]); // phase 0, channel 0: frames 1–2
    assert_eq!(&two[6..8], &[0.0, 3.5]); // phase 1, channel 0: frames 3–4
    assert_eq!(&two[2..4], &[100.0, 101.5]); // phase 0, channel 1
    let four = values(4)?;
    for phase in 0..4 {
        assert_eq!(&four[6 * phase..6 * phase + 2], &[0.0, 1.0 + phase as f32]);
    }
    // One phase is the cell colours exactly.
    assert_eq!(
        values(1)?,
        cell_colours(&video, 4, 4)?
            .flatten_all()?
            .to_vec1::<f32>()?
    );
    assert!(phase_colours(&video, 4, 4, 3).is_err());
    Ok(())
}

#[test]
fn spreading_phases_inverts_their_pooling() -> Result<()> {
    let dev = Device::Cpu;
    let video = Tensor::rand(-1f32, 1f32, (2, 3, 9, 8, 12), &dev)?;
    for phases in [1, 2, 4] {
        let cells = phase_colours(&video, 4, 4, phases)?;
        assert_eq!(cells.dims(), &[2, 3 * phases, 3, 2, 3]);
        let spread = spread_phases(&cells, 4, 4, phases, true)?;
        assert_eq!(spread.dims(), &[2, 3, 9, 8, 12]);
        assert!(max_abs(&phase_colours(&spread, 4, 4, phases)?, &cells)? < 1e-6);
        // With 4 phases every frame keeps its own cell means: the skip moves frame by frame.
        if phases == 4 {
            assert!(max_abs(&cell_colours(&spread, 4, 1)?, &cell_colours(&video, 4, 1)?)? < 1e-6);
        }
    }
    let cells = Tensor::randn(0f32, 1f32, (1, 6, 2, 2, 2), &dev)?;
    assert_eq!(
        spread_phases(&cells, 4, 4, 2, false)?.dims(),
        &[1, 3, 8, 8, 8]
    );
    Ok(())
}

#[test]
fn a_phased_colour_path_adds_phase_colours_to_the_code_and_the_output() -> Result<()> {
    let (plain, skip) = pair_with(7, 2)?;
    let dev = Device::Cpu;
    let video = Tensor::rand(-1f32, 1f32, (1, 3, 9, 16, 16), &dev)?;
    let (mu_plain, _) = plain.encode_dist(&video)?;
    let (mu_skip, _) = skip.encode_dist(&video)?;
    let head = (mu_skip.narrow(1, 0, 6)? - mu_plain.narrow(1, 0, 6)?)?;
    assert!(max_abs(&head, &phase_colours(&video, 4, 4, 2)?)? < 1e-5);
    assert_eq!(
        max_abs(&mu_skip.narrow(1, 6, 1)?, &mu_plain.narrow(1, 6, 1)?)?,
        0.0
    );
    let z = Tensor::randn(0f32, 1f32, (1, 7, 3, 4, 4), &dev)?;
    let out = (skip.decode(&z)? - plain.decode(&z)?)?;
    let expect = spread_phases(&z.narrow(1, 0, 6)?, 4, 4, 2, true)?;
    assert!(max_abs(&out, &expect)? < 1e-5);
    let chunked = skip.decode_chunked(&z, 1)?;
    assert!(max_abs(&chunked, &skip.decode(&z)?)? < 1e-4);
    // Training differentiates through both layouts (batch > 1 and a soft-weighted loss).
    let var = candle_core::Var::from_tensor(&Tensor::randn(0f32, 1f32, (2, 7, 3, 4, 4), &dev)?)?;
    let video = Tensor::rand(-1f32, 1f32, (2, 3, 9, 16, 16), &dev)?;
    let loss = ((skip.decode(var.as_tensor())? - &video)?.sqr()?
        + spread_phases(&phase_colours(&video, 4, 4, 2)?, 4, 4, 2, true)?)?
    .mean_all()?;
    let grad = loss.backward()?.get(var.as_tensor()).cloned();
    assert!(grad.is_some_and(|g| g.dims() == [2, 7, 3, 4, 4]));
    Ok(())
}

#[test]
fn colour_phases_must_divide_the_time_grouping_and_fit_the_code() {
    let mut cfg = VaeConfig::small(4, 12, vec![1, 2, 2], 1, vec![true, true]);
    cfg.colour_skip = true;
    cfg.colour_phases = 4;
    assert!(cfg.validate().is_ok());
    for (phases, z_dim, skip, needle) in [
        (3, 12, true, "divide"),
        (0, 12, true, "divide"),
        (4, 11, true, "z_dim"),
        (2, 12, false, "colour_skip"),
    ] {
        cfg.colour_phases = phases;
        cfg.z_dim = z_dim;
        cfg.colour_skip = skip;
        let err = cfg.validate().unwrap_err().to_string();
        assert!(err.contains(needle), "{phases} phases, z {z_dim}: {err}");
    }
}

#[test]
fn gliding_cells_move_linearly_between_group_centres() -> Result<()> {
    let dev = Device::Cpu;
    // Latent frames 0, 1, 2 hold 0, 10, 20: centres at video frames 0, 2.5 and 6.5.
    let cells = Tensor::from_vec(vec![0f32, 10.0, 20.0], (1, 1, 3, 1, 1), &dev)?;
    let got = glide_cells(&cells, 4, 0, 3)?
        .flatten_all()?
        .to_vec1::<f32>()?;
    let want = [0.0, 4.0, 8.0, 11.25, 13.75, 16.25, 18.75, 20.0, 20.0];
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-5, "{got:?}");
    }
    // A chunk gets the frames of its own latent frames, with its neighbours' pull.
    let chunk = glide_cells(&cells, 4, 1, 1)?
        .flatten_all()?
        .to_vec1::<f32>()?;
    assert_eq!(chunk.len(), 4);
    for (g, w) in chunk.iter().zip(&want[1..5]) {
        assert!((g - w).abs() < 1e-5, "{chunk:?}");
    }
    assert!(glide_cells(&cells, 4, 2, 2).is_err());
    // A steady ramp in time (value = frame index) is what the group means glide back to, up to
    // the last group's centre.
    let ramp: Vec<f32> = (0..13).flat_map(|t| vec![t as f32; 16]).collect();
    let video = Tensor::from_vec(ramp, (1, 1, 13, 4, 4), &dev)?;
    let glided = glide_cells(&cell_colours(&video, 4, 4)?, 4, 0, 4)?;
    let got = glided.flatten_all()?.to_vec1::<f32>()?;
    for (t, g) in got.iter().enumerate() {
        let want = (t as f32).min(10.5);
        assert!((g - want).abs() < 1e-5, "frame {t}: {g}");
    }
    Ok(())
}

#[test]
fn a_gliding_colour_path_adds_glided_colours_to_the_output_also_in_chunks() -> Result<()> {
    let dev = Device::Cpu;
    let mut cfg = VaeConfig::small(4, 4, vec![1, 2, 2], 1, vec![true, true]);
    cfg.clip_output = false;
    let vm = VarMap::new();
    let plain = Vae::new(&cfg, seeded_var_builder(&vm, 5, &dev))?;
    cfg.colour_skip = true;
    cfg.colour_interpolation = ColourInterpolation::Linear;
    let glide = Vae::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, &dev))?;
    let z = Tensor::randn(0f32, 1f32, (1, 4, 4, 4, 4), &dev)?;
    let out = (glide.decode(&z)? - plain.decode(&z)?)?;
    let expect = spread_cells(&glide_cells(&z.narrow(1, 0, 3)?, 4, 0, 4)?, 4, 1, false)?;
    assert_eq!(out.dims(), &[1, 3, 13, 16, 16]);
    assert!(max_abs(&out, &expect)? < 1e-5);
    let mut moving = cfg.clone();
    moving.colour_interpolation = ColourInterpolation::Motion;
    let moving = Vae::new(&moving, VarBuilder::from_varmap(&vm, DType::F32, &dev))?;
    let out = (moving.decode(&z)? - plain.decode(&z)?)?;
    assert!(max_abs(&out, &motion_glide(&z.narrow(1, 0, 3)?, 4, 4, 0, 4)?)? < 1e-5);
    for vae in [&glide, &moving] {
        for chunk in [1, 2, 3] {
            let chunked = vae.decode_chunked(&z, chunk)?;
            assert!(
                max_abs(&chunked, &vae.decode(&z)?)? < 1e-4,
                "chunks of {chunk}"
            );
        }
    }
    // The encoder is the held path's: the latent does not change.
    let video = Tensor::rand(-1f32, 1f32, (1, 3, 9, 16, 16), &dev)?;
    let mut held = cfg.clone();
    held.colour_interpolation = ColourInterpolation::None;
    let held = Vae::new(&held, VarBuilder::from_varmap(&vm, DType::F32, &dev))?;
    assert_eq!(max_abs(&glide.encode(&video)?, &held.encode(&video)?)?, 0.0);
    // It needs the colour path with one phase.
    cfg.colour_phases = 2;
    cfg.z_dim = 6;
    assert!(cfg
        .validate()
        .unwrap_err()
        .to_string()
        .contains("colour_interpolation"));
    cfg.colour_phases = 1;
    cfg.colour_skip = false;
    assert!(cfg.validate().is_err());
    Ok(())
}

#[test]
fn a_motion_glide_draws_a_moving_block_once_at_its_place_in_between() -> Result<()> {
    let dev = Device::Cpu;
    // A 3×3-cell block of colour 1 on 0, at cell columns 2–4, 4–6 and 6–8 in latent frames
    // 0, 1, 2 (rows 5–7): two cells a group to the right.
    let (h, w) = (16, 16);
    let mut v = vec![0f32; 3 * h * w];
    for (k, x0) in [2, 4, 6].into_iter().enumerate() {
        for y in 5..8 {
            for x in x0..x0 + 3 {
                v[(k * h + y) * w + x] = 1.0;
            }
        }
    }
    let cells = Tensor::from_vec(v, (1, 1, 3, h, w), &dev)?;
    let video = motion_glide(&cells, 4, 4, 0, 3)?;
    assert_eq!(video.dims(), &[1, 1, 9, 64, 64]);
    let frames = video.squeeze(0)?.squeeze(0)?.to_vec3::<f32>()?;
    // Frame f lies a = (f − 2.5)/4 of the way from latent 1 (centre 2.5, block at pixels 16–27)
    // to latent 2 (centre 6.5); the block is drawn shifted round(4·a·2) px, at full strength.
    for (f, shift) in [(3, 1), (4, 3), (5, 5), (6, 7)] {
        let frame = &frames[f];
        for (y, row) in frame.iter().enumerate() {
            for (x, &value) in row.iter().enumerate() {
                let inside = (20..32).contains(&y) && (16 + shift..28 + shift).contains(&x);
                let want = if inside { 1.0 } else { 0.0 };
                assert!((value - want).abs() < 1e-5, "frame {f} ({y}, {x}): {value}");
            }
        }
    }
    // At a group's centre and after the last one the group itself is drawn (held).
    let held = spread_cells(&cells.narrow(2, 2, 1)?, 4, 1, false)?
        .squeeze(0)?
        .squeeze(0)?;
    for f in [7, 8] {
        let frame = video.squeeze(0)?.squeeze(0)?.narrow(0, f, 1)?;
        assert!(max_abs(&frame, &held)? < 1e-6, "frame {f}");
    }
    // A chunk of the decode sees its neighbours: frames 1–4 alone equal the whole clip's.
    let chunk = motion_glide(&cells, 4, 4, 1, 1)?;
    assert!(max_abs(&chunk, &video.narrow(2, 1, 4)?)? < 1e-6);
    Ok(())
}
