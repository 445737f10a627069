use super::*;
use crate::config::TrainConfig;

/// A tiny but complete configuration: both stages, conditioning, EMA, two clip sizes.
pub(crate) fn tiny_json() -> String {
    r#"{
      "name": "tiny-test", "seed": 7,
      "model": {"preset": "tiny", "overrides": {}, "max_text_len": 24},
      "data": {"fps": 8.0, "sizes": [{"width": 32, "height": 32, "frames": 5},
                                      {"width": 16, "height": 32, "frames": 1, "weight": 0.5}]},
      "vae": {"optim": {"steps": 3, "batch": 2, "lr": 1e-3, "warmup": 1, "schedule": "cosine",
                        "grad_clip": 1.0, "ema_decay": 0.9},
              "width": 16, "height": 16, "frames": 5, "recon": "l1", "kl_weight": 1e-4, "colour_anchor": 0.5,
              "stats_clips": 2},
      "dit": {"optim": {"steps": 4, "batch": 2, "lr": 1e-3, "warmup": 1, "schedule": "constant",
                        "grad_clip": 1.0, "ema_decay": 0.9},
              "timesteps": {"kind": "shifted", "shift": 3.0}, "caption_dropout": 0.2,
              "conditioning": {"probability": 0.5, "patterns": {"first": 1, "last": 1, "first_last": 1,
                               "prefix": 1, "suffix": 1, "random": 1}}},
      "output": {"log_every": 1, "checkpoint_every": 2, "sampling_steps": 2}
    }"#
    .to_string()
}

fn tiny() -> TrainConfig {
    TrainConfig::from_json(&tiny_json()).unwrap()
}

fn quiet() -> RunOptions {
    RunOptions {
        quiet: true,
        ..Default::default()
    }
}

#[test]
fn steps_on_a_fixed_batch_reduce_both_losses() -> Result<()> {
    let mut cfg = tiny();
    cfg.vae.optim.lr = 3e-3;
    cfg.dit.optim.lr = 3e-3;
    cfg.dit.caption_dropout = 0.0;
    let mut run = Run::new(&cfg, &Device::Cpu)?;
    let vae = run.trainable_vae()?;
    let mut losses = Vec::new();
    for _ in 0..12 {
        losses.push(
            vae_step(&mut run, &vae, 0)?
                .1
                .expect("a VAE step reports its reconstruction"),
        );
        run.step += 1;
    }
    assert!(
        losses[11] < 0.8 * losses[0],
        "VAE reconstruction did not improve: {losses:?}"
    );

    let losses = dit_losses_on_one_pool(&mut run, 12)?;
    assert!(
        losses[11] < 0.8 * losses[0],
        "flow-matching loss did not improve: {losses:?}"
    );
    Ok(())
}

/// DiT losses of `steps` steps from step 0, all drawn from the step-0 latent pool.
fn dit_losses_on_one_pool(run: &mut Run, steps: usize) -> Result<Vec<f64>> {
    run.stats = Some(latent_stats(run)?);
    run.step = 0;
    let fvae = run.frozen_vae()?;
    let dit = Dit::new(
        &run.arch.dit,
        VarBuilder::from_varmap(&run.dit_vars, DType::F32, &run.dev),
    )?;
    let text = TinyTextEncoder::new(
        &run.arch.text,
        run.tok.clone(),
        VarBuilder::from_varmap(&run.text_vars, DType::F32, &run.dev),
    )?;
    let pools = crate::pool::LatentPools::at_step(&run.cfg, &fvae, 0)?;
    let prediction = run.arch_with_stats().prediction;
    let mut losses = Vec::new();
    for _ in 0..steps {
        losses.push(dit_step(run, &pools, &dit, &text, &prediction, 0)?);
        run.step += 1;
    }
    Ok(losses)
}

/// 12 DiT steps on one latent pool lower the (finite) loss by at least a fifth.
fn assert_dit_learns(cfg: &TrainConfig, what: &str) -> Result<()> {
    let mut run = Run::new(cfg, &Device::Cpu)?;
    let losses = dit_losses_on_one_pool(&mut run, 12)?;
    assert!(losses.iter().all(|l| l.is_finite()), "{what}: {losses:?}");
    assert!(
        losses[11] < 0.8 * losses[0],
        "{what} loss did not improve: {losses:?}"
    );
    Ok(())
}

#[test]
fn a_clean_latent_predicting_dit_learns_and_is_exported_as_one() -> Result<()> {
    let mut cfg = tiny();
    cfg.dit.optim.lr = 3e-3;
    cfg.dit.caption_dropout = 0.0;
    cfg.dit.prediction = crate::config::PredictionKind::Denoiser;
    assert_dit_learns(&cfg, "clean-latent")?;
    // The bundle must say what its DiT predicts, or the sampler would read x0 as a velocity.
    let dir = tempfile::tempdir()?;
    train(&cfg, dir.path(), false, &quiet())?;
    let bundle = BundleConfig::load(&dir.path().join("bundle"))?;
    // The tiny preset has no detail channels: every channel's spread is 1.
    assert_eq!(
        bundle.prediction,
        Prediction::Denoiser {
            data_std: vec![1.0; bundle.vae.z_dim]
        }
    );
    Ok(())
}

#[test]
fn object_weights_follow_each_cells_distance_from_its_frames_mean_colour() -> Result<()> {
    // One frame of 2×2 cells: three black (−1) cells and one red (1, −1, −1) cell. The frame's
    // mean colour is (−0.5, −1, −1): the red cell is 1.5/3 = 0.5 away, the black ones 0.5/3.
    let mut v = vec![-1f32; 3 * 4];
    v[3] = 1.0;
    let colour = Tensor::from_vec(v, (1, 3, 1, 2, 2), &Device::Cpu)?;
    let w = object_weights(&colour, 4.0)?
        .flatten_all()?
        .to_vec1::<f32>()?;
    let want = [1.0 + 4.0 / 6.0, 1.0 + 4.0 / 6.0, 1.0 + 4.0 / 6.0, 3.0];
    for (got, want) in w.iter().zip(want) {
        assert!((got - want).abs() < 1e-5, "{w:?}");
    }
    // Distances beyond 1 are clamped: a frame of two cells, −1 and 3 on every channel.
    let colour = Tensor::from_vec(
        vec![-1f32, 3.0, -1.0, 3.0, -1.0, 3.0],
        (1, 3, 1, 1, 2),
        &Device::Cpu,
    )?;
    let w = object_weights(&colour, 2.0)?
        .flatten_all()?
        .to_vec1::<f32>()?;
    assert_eq!(w, vec![3.0, 3.0]);
    Ok(())
}

#[test]
fn phase_object_weights_take_each_cells_strongest_phase() -> Result<()> {
    // Two phases of one latent frame with 3 cells, plus one learned channel. Phase 0 holds the
    // object (0.6 on every channel) in cell 0, phase 1 in cell 2; each phase's mean is 0.2, so
    // the object's cell is 0.4 away (weight 1 + 5·0.4 = 3) and the others 0.2 (weight 2).
    let (o, z) = (0.6f32, 0.0f32);
    let mut v = Vec::new();
    for cells in [[o, z, z], [z, z, o]] {
        for _ in 0..3 {
            v.extend(cells);
        }
    }
    v.extend([9.0, 9.0, -9.0]); // a learned channel, ignored
    let latent = Tensor::from_vec(v, (1, 7, 1, 1, 3), &Device::Cpu)?;
    let w = phase_object_weights(&latent, 2, 5.0)?
        .flatten_all()?
        .to_vec1::<f32>()?;
    for (got, want) in w.iter().zip([3.0, 2.0, 3.0]) {
        assert!((got - want).abs() < 1e-5, "{w:?}");
    }
    // One phase is `object_weights` of channels 0–2.
    let one = phase_object_weights(&latent, 1, 3.0)?;
    let direct = object_weights(&latent.narrow(1, 0, 3)?, 3.0)?;
    assert_eq!(
        one.flatten_all()?.to_vec1::<f32>()?,
        direct.flatten_all()?.to_vec1::<f32>()?
    );
    Ok(())
}

#[test]
fn an_object_weighted_clean_latent_dit_with_a_high_sigma_floor_learns() -> Result<()> {
    let mut cfg = TrainConfig::from_json(&tiny_json().replace(
        "\"overrides\": {}",
        "\"overrides\": {\"vae\": {\"colour_skip\": true}}",
    ))?;
    cfg.dit.optim.lr = 3e-3;
    cfg.dit.caption_dropout = 0.0;
    cfg.dit.prediction = crate::config::PredictionKind::Sample;
    cfg.dit.loss_sigma_floor = 0.5;
    cfg.dit.object_weight = 4.0;
    assert_dit_learns(&cfg, "object-weighted")
}

fn file_bytes(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn resume_after_a_kill_continues_bit_identically() -> Result<()> {
    let cfg = tiny();
    let tmp = tempfile::tempdir()?;
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let whole = train(&cfg, &a, false, &quiet())?;
    assert_eq!(whole.stage, Stage::Done);

    // Killed in the VAE stage, then again in the DiT stage, resumed each time.
    let mut o = quiet();
    o.stop_after = Some(2);
    let part = train(&cfg, &b, false, &o)?;
    assert_eq!((part.stage, part.step), (Stage::Vae, 2));
    o.stop_after = Some(3);
    let part = train(&cfg, &b, true, &o)?;
    assert_eq!((part.stage, part.step), (Stage::Dit, 2));
    let rest = train(&cfg, &b, true, &quiet())?;
    assert_eq!(rest.stage, Stage::Done);

    for f in [
        reel_models::bundle::DIT_FILE,
        reel_models::bundle::VAE_FILE,
        reel_models::bundle::TEXT_FILE,
    ] {
        let (x, y) = (
            file_bytes(&a.join(BUNDLE_DIR), f),
            file_bytes(&b.join(BUNDLE_DIR), f),
        );
        assert!(
            x == y,
            "{f} differs between the uninterrupted and the resumed run"
        );
    }
    let (ta, ma) = checkpoint::load(&a.join(CHECKPOINT_FILE), &Device::Cpu)?;
    let (tb, mb) = checkpoint::load(&b.join(CHECKPOINT_FILE), &Device::Cpu)?;
    assert_eq!(ma.checksum, mb.checksum);
    assert_eq!(ta.len(), tb.len());
    assert_eq!(ma.latent_stats, mb.latent_stats);

    // The exported bundle loads and generates.
    let bundle = Bundle::load(&b.join(BUNDLE_DIR), &Device::Cpu)?;
    assert_eq!(bundle.config.vae.latents_std, mb.latent_stats.unwrap().1);
    let tl = Timeline::text_to_video("a red ball on a black background", 5, 8.0, 32, 32);
    let settings = SamplerSettings {
        steps: 2,
        guidance: 2.0,
        shift: 3.0,
        solver: reel_diffusion::SolverKind::Euler,
        seed: 1,
        frame_guidance: 0.0,
        guidance_2: None,
        guidance_interval: None,
    };
    let g = generate(&bundle, &tl, &settings, GenerateOptions::default())?;
    assert_eq!(g.video.frames.len(), 5);

    // A different seed is a different run.
    let mut other = cfg.clone();
    other.seed = 8;
    let c = tmp.path().join("c");
    let mut o = quiet();
    o.stop_after = Some(1);
    train(&other, &c, false, &o)?;
    let (tc, _) = checkpoint::load(&c.join(CHECKPOINT_FILE), &Device::Cpu)?;
    let k = "vae/p/vae.encoder.conv_in.weight";
    assert_ne!(
        tc[k].flatten_all()?.to_vec1::<f32>()?,
        ta[k].flatten_all()?.to_vec1::<f32>()?
    );
    Ok(())
}

#[test]
fn bad_checkpoints_and_mismatched_configs_fail_clearly_without_overwriting() -> Result<()> {
    let cfg = tiny();
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("run");
    let mut o = quiet();
    o.stop_after = Some(1);
    train(&cfg, &out, false, &o)?;
    let ckpt = out.join(CHECKPOINT_FILE);
    let good = std::fs::read(&ckpt)?;

    // A fresh run into a directory that holds a checkpoint.
    let err = format!("{:#}", train(&cfg, &out, false, &o).unwrap_err());
    assert!(err.contains("--resume"), "{err}");
    assert_eq!(std::fs::read(&ckpt)?, good);

    // Another architecture.
    let mut other = cfg.clone();
    other.model.overrides = serde_json::json!({"dit": {"num_layers": 3}});
    let err = format!("{:#}", train(&other, &out, true, &o).unwrap_err());
    assert!(err.contains("another architecture"), "{err}");
    assert_eq!(std::fs::read(&ckpt)?, good);

    // Same architecture, other settings of a stage already started.
    let mut other = cfg.clone();
    other.vae.optim.lr = 0.5;
    let err = format!("{:#}", train(&other, &out, true, &o).unwrap_err());
    assert!(err.contains("config differs"), "{err}");
    assert_eq!(std::fs::read(&ckpt)?, good);

    // Settings of the DiT stage may change only before it starts.
    let mut o2 = quiet();
    o2.stop_after = Some(2);
    let mut later = cfg.clone();
    later.dit.optim.steps = 2;
    later.output.log_every = 5;
    let fresh = tmp.path().join("fresh");
    train(&cfg, &fresh, false, &o2)?;
    o2.stop_after = Some(1);
    let r = train(&cfg, &fresh, true, &o2)?;
    assert_eq!((r.stage, r.step), (Stage::Dit, 0));
    let done = train(&later, &fresh, true, &quiet())?;
    assert_eq!(done.stage, Stage::Done);
    let direct = tmp.path().join("direct");
    train(&later, &direct, false, &quiet())?;
    let f = reel_models::bundle::DIT_FILE;
    assert!(file_bytes(&fresh.join(BUNDLE_DIR), f) == file_bytes(&direct.join(BUNDLE_DIR), f));
    // ... also from a checkpoint of the VAE stage ...
    let in_vae = tmp.path().join("in_vae");
    o2.stop_after = Some(1);
    let r = train(&cfg, &in_vae, false, &o2)?;
    assert_eq!((r.stage, r.step), (Stage::Vae, 1));
    train(&later, &in_vae, true, &quiet())?;
    assert!(file_bytes(&in_vae.join(BUNDLE_DIR), f) == file_bytes(&direct.join(BUNDLE_DIR), f));
    // ... but not once it has taken a step.
    let started = tmp.path().join("started");
    o2.stop_after = Some(4);
    let r = train(&cfg, &started, false, &o2)?;
    assert_eq!((r.stage, r.step), (Stage::Dit, 1));
    let err = format!("{:#}", train(&later, &started, true, &o2).unwrap_err());
    assert!(err.contains("config differs"), "{err}");

    // Truncated.
    std::fs::write(&ckpt, &good[..good.len() / 2])?;
    let err = format!("{:#}", train(&cfg, &out, true, &o).unwrap_err());
    assert!(err.contains("truncated or corrupt"), "{err}");
    assert_eq!(std::fs::read(&ckpt)?.len(), good.len() / 2);

    // One flipped byte in the tensor data.
    let mut bad = good.clone();
    let i = bad.len() - 100;
    bad[i] ^= 0x55;
    std::fs::write(&ckpt, &bad)?;
    let err = format!("{:#}", train(&cfg, &out, true, &o).unwrap_err());
    assert!(err.contains("corrupt"), "{err}");
    assert_eq!(std::fs::read(&ckpt)?, bad);

    // Not a checkpoint at all; no checkpoint.
    std::fs::write(&ckpt, b"hello")?;
    assert!(format!("{:#}", train(&cfg, &out, true, &o).unwrap_err()).contains("corrupt"));
    let err = format!(
        "{:#}",
        train(&cfg, &tmp.path().join("none"), true, &o).unwrap_err()
    );
    assert!(err.contains("no checkpoint"), "{err}");

    // Restored, it resumes.
    std::fs::write(&ckpt, &good)?;
    let r = train(&cfg, &out, true, &o)?;
    assert_eq!((r.stage, r.step), (Stage::Vae, 2));
    Ok(())
}

#[test]
fn config_errors_name_the_problem() {
    let base = tiny_json();
    assert!(TrainConfig::from_json(&base).is_ok());
    // (text replaced in the valid config, its replacement, words the error must contain)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "\"seed\": 7",
            "\"seed\": 7, \"sede\": 1",
            &["unknown field", "sede"],
        ),
        (
            "\"warmup\": 1, \"schedule\": \"constant\"",
            "\"warmpu\": 1, \"schedule\": \"constant\"",
            &["warmpu"],
        ),
        // 40 is not a multiple of VAE 8× · patch 2.
        (
            "\"width\": 32, \"height\": 32, \"frames\": 5}",
            "\"width\": 40, \"height\": 32, \"frames\": 5}",
            &["multiple of 16"],
        ),
        ("\"frames\": 5},", "\"frames\": 6},", &["1 + 4"]),
        (
            "\"batch\": 2, \"lr\": 1e-3, \"warmup\": 1, \"schedule\": \"constant\"",
            "\"batch\": 0, \"lr\": 1e-3, \"warmup\": 1, \"schedule\": \"constant\"",
            &["batch"],
        ),
        (
            "\"overrides\": {}",
            "\"overrides\": {\"dit\": {\"num_layer\": 3}}",
            &["num_layer"],
        ),
        (
            "\"overrides\": {}",
            "\"overrides\": {\"vae\": {\"z_dim\": 4}}",
            &["channels"],
        ),
        (
            "\"width\": 16, \"height\": 16",
            "\"width\": 64, \"height\": 16",
            &["crop"],
        ),
        ("\"shift\": 3.0}", "\"shift\": -1.0}", &["shift"]),
        (
            "\"caption_dropout\": 0.2",
            "\"caption_dropout\": 0.2, \"loss_sigma_floor\": 0",
            &["loss_sigma_floor"],
        ),
        (
            "\"weight\": 0.5}",
            "\"weight\": 0.5, \"layout_spread\": 0}",
            &["data.sizes[1].layout_spread", "(0, 1]"],
        ),
        (
            "\"weight\": 0.5}",
            "\"weight\": 0.5, \"conditioning\": 1.5}",
            &["data.sizes[1].conditioning", "probability"],
        ),
        (
            "\"kl_weight\": 1e-4,",
            "\"kl_weight\": 1e-4, \"motion_weight\": -1,",
            &["vae.motion_weight", "non-negative"],
        ),
        // The tiny preset has no colour path, so there are no cell colours to weight by.
        (
            "\"caption_dropout\": 0.2",
            "\"caption_dropout\": 0.2, \"object_weight\": 2",
            &["object_weight", "colour_skip"],
        ),
    ];
    for (from, to, words) in cases {
        assert!(base.contains(from), "{from} is not in the tiny config");
        let e = format!(
            "{:#}",
            TrainConfig::from_json(&base.replace(from, to)).unwrap_err()
        );
        for word in *words {
            assert!(e.contains(word), "{to}: {e}");
        }
    }
}

#[test]
fn every_parameter_gets_a_gradient() -> Result<()> {
    let cfg = tiny();
    let run = Run::new(&cfg, &Device::Cpu)?;
    let vae = run.trainable_vae()?;
    let x = crate::data::randn(&mut step_rng(1, 1, 1), &[1, 3, 5, 16, 16], &run.dev)?;
    let (mu, _) = vae.encode_dist(&x)?;
    let loss = vae.decode(&mu)?.sqr()?.mean_all()?;
    let grads = loss.backward()?;
    let missing: Vec<&String> = run
        .vae_p
        .names
        .iter()
        .zip(&run.vae_p.vars)
        .filter(|(_, v)| grads.get(v.as_tensor()).is_none())
        .map(|(n, _)| n)
        .collect();
    assert!(missing.is_empty(), "no gradient for {missing:?}");
    Ok(())
}

/// The VAE's analytic gradients (custom conv3d backward included) against central differences.
#[test]
fn vae_gradients_match_finite_differences() -> Result<()> {
    let cfg = tiny();
    let run = Run::new(&cfg, &Device::Cpu)?;
    let vae = run.trainable_vae()?;
    let x = crate::data::randn(&mut step_rng(1, 1, 1), &[1, 3, 5, 16, 16], &run.dev)?;
    let r = crate::data::randn(&mut step_rng(1, 1, 2), &[1, 3, 5, 16, 16], &run.dev)?;
    let f = |vae: &Vae| -> Result<f64> {
        let (mu, _) = vae.encode_dist(&x)?;
        Ok((vae.decode(&mu)? * &r)?.sum_all()?.to_scalar::<f32>()? as f64)
    };
    let (mu, _) = vae.encode_dist(&x)?;
    let loss = (vae.decode(&mu)? * &r)?.sum_all()?;
    let grads = loss.backward()?;
    let mut checked = 0;
    for (k, (n, v)) in run.vae_p.names.iter().zip(&run.vae_p.vars).enumerate() {
        if !n.ends_with("weight") || v.dims().len() < 2 || k % 4 != 0 {
            continue;
        }
        let g = grads
            .get(v.as_tensor())
            .unwrap()
            .flatten_all()?
            .to_vec1::<f32>()?;
        let orig = v.as_tensor().flatten_all()?.to_vec1::<f32>()?;
        let i = orig.len() / 3;
        let eps = 1e-2f32;
        let mut p = orig.clone();
        p[i] += eps;
        v.set(&Tensor::from_vec(p, v.dims(), &run.dev)?)?;
        let lp = f(&vae)?;
        let mut m = orig.clone();
        m[i] -= eps;
        v.set(&Tensor::from_vec(m, v.dims(), &run.dev)?)?;
        let lm = f(&vae)?;
        v.set(&Tensor::from_vec(orig, v.dims(), &run.dev)?)?;
        let fd = (lp - lm) / (2.0 * eps as f64);
        let a = g[i] as f64;
        assert!(
            (a - fd).abs() <= 0.03 * a.abs().max(fd.abs()) + 0.01,
            "{n}: analytic gradient {a} vs finite difference {fd}"
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} weights checked");
    Ok(())
}

#[test]
fn detail_basis_is_fitted_before_training_and_kept_through_it() -> Result<()> {
    let mut cfg = tiny();
    cfg.model.overrides = serde_json::json!({
        "vae": {"z_dim": 6, "colour_skip": true, "detail_channels": 3},
        "dit": {"in_channels": 6, "out_channels": 6}
    });
    cfg.vae.detail_fit_clips = 5;
    cfg.dit.detail_scale = 0.5;
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("run");
    let mut o = quiet();
    o.stop_after = Some(1);
    train(&cfg, &out, false, &o)?;
    let (before, _) = checkpoint::load(&out.join(CHECKPOINT_FILE), &Device::Cpu)?;
    let done = train(&cfg, &out, true, &quiet())?;
    assert_eq!(done.stage, Stage::Done);
    let bundle = Bundle::load(&out.join(BUNDLE_DIR), &Device::Cpu)?;
    // The DiT sees the detail channels at half their measured spread.
    let (_, meta) = checkpoint::load(&out.join(CHECKPOINT_FILE), &Device::Cpu)?;
    let (_, measured) = meta.latent_stats.expect("statistics after the VAE stage");
    let std = &bundle.config.vae.latents_std;
    for c in 0..6 {
        let want = if (3..6).contains(&c) {
            measured[c] * 2.0
        } else {
            measured[c]
        };
        assert!(
            (std[c] - want).abs() < 1e-9,
            "channel {c}: {} vs {want}",
            std[c]
        );
    }
    let basis = bundle.vae.detail_basis().expect("a detail path");
    let (cs, ct) = (
        bundle.config.vae.spatial_compression(),
        bundle.config.vae.temporal_compression(),
    );
    for (b, rows, key) in [
        (&basis.first, 3 * cs * cs, vae::DETAIL_FIRST),
        (&basis.group, 3 * ct * cs * cs, vae::DETAIL_GROUP),
    ] {
        assert_eq!(b.dims(), &[rows, 3]);
        // Orthonormal principal directions ...
        let gram = b.t()?.matmul(b)?;
        let eye = Tensor::eye(3, DType::F32, &Device::Cpu)?;
        assert!(reel_models::ops::max_abs_diff(&gram, &eye)? < 1e-4, "{key}");
        // ... fitted before the first step and never trained.
        let fitted = &before[&format!("vae/p/vae.{key}")];
        assert_eq!(reel_models::ops::max_abs_diff(fitted, b)?, 0.0, "{key}");
    }
    // The fit is a function of the seed: a fresh run fits the same basis.
    let again = tmp.path().join("again");
    train(&cfg, &again, false, &o)?;
    let (other, _) = checkpoint::load(&again.join(CHECKPOINT_FILE), &Device::Cpu)?;
    let key = format!("vae/p/vae.{}", vae::DETAIL_GROUP);
    assert_eq!(
        reel_models::ops::max_abs_diff(&other[&key], &before[&key])?,
        0.0
    );
    Ok(())
}

/// A size entry's `layout_spread` renders exactly the clips of a config whose sampler has that
/// spread, and a different world from the sampler's own.
#[test]
fn a_size_entrys_layout_spread_replaces_the_samplers() -> Result<()> {
    let narrow = {
        let mut c = tiny();
        c.data.sampler.layout_spread = 0.25;
        c
    };
    let wide = {
        let mut c = narrow.clone();
        c.data.sampler.layout_spread = 1.0;
        c
    };
    let size = ClipSize::new(32, 32, 5);
    let render = |cfg: &TrainConfig, size: ClipSize| -> Result<Vec<f32>> {
        let mut rng = step_rng(cfg.seed, 9, 0);
        let b = clip_batch(cfg, &mut rng, 4, size, &Device::Cpu)?;
        Ok(b.video.flatten_all()?.to_vec1()?)
    };
    let overridden = ClipSize {
        layout_spread: Some(1.0),
        ..size
    };
    assert_eq!(render(&narrow, overridden)?, render(&wide, size)?);
    assert_ne!(render(&narrow, overridden)?, render(&narrow, size)?);
    Ok(())
}

/// A size entry's `conditioning` probability replaces the DiT's: 1 conditions every sample
/// (its first frame given clean, σ 0), 0 none; without it the DiT's probability applies.
#[test]
fn a_size_entrys_conditioning_probability_replaces_the_dits() {
    let mut cfg = tiny();
    // Only the first-frame pattern, so a conditioned sample always has a clean frame (the
    // random pattern may pick none).
    let p = &mut cfg.dit.conditioning.patterns;
    (p.last, p.first_last, p.prefix, p.suffix, p.random) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (t, n) = (5, 64);
    let captions = vec!["a red ball".to_string(); n];
    let conditioned = |entry: &ClipSize| -> usize {
        let mut rng = step_rng(cfg.seed, 2, 0);
        let (sig, out) = noise_levels(&cfg.dit, entry, captions.clone(), t, &mut rng);
        assert_eq!((sig.len(), out.len()), (n * t, n));
        sig.chunks(t).filter(|s| s.contains(&0.0)).count()
    };
    let size = ClipSize::new(32, 32, 5);
    let always = ClipSize {
        conditioning: Some(1.0),
        ..size
    };
    let never = ClipSize {
        conditioning: Some(0.0),
        ..size
    };
    assert_eq!(conditioned(&always), n);
    assert_eq!(conditioned(&never), 0);
    // The tiny config's own probability is 0.5.
    let default = conditioned(&size);
    assert!((16..=48).contains(&default), "{default} of {n} conditioned");
}

fn with_decoder_stage(mut cfg: TrainConfig, steps: usize) -> TrainConfig {
    cfg.decoder = Some(crate::config::DecoderStage {
        optim: crate::config::OptimConfig {
            steps,
            ..cfg.vae.optim.clone()
        },
        width: 16,
        height: 16,
        frames: 5,
        motion_weight: 0.0,
        colour_interpolation: ColourInterpolation::None,
        latent_noise: None,
    });
    cfg
}

#[test]
fn a_gliding_decoder_stage_keeps_the_latents_and_exports_the_gliding_skip() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let cfg = TrainConfig::from_json(&tiny_json().replace(
        "\"overrides\": {}",
        "\"overrides\": {\"vae\": {\"colour_skip\": true}}",
    ))?;
    let mut glide = with_decoder_stage(cfg.clone(), 3);
    glide.decoder.as_mut().unwrap().colour_interpolation = ColourInterpolation::Motion;
    let (held, glided) = (tmp.path().join("held"), tmp.path().join("glided"));
    train(&cfg, &held, false, &quiet())?;
    train(&glide, &glided, false, &quiet())?;
    let bundle = BundleConfig::load(&glided.join(BUNDLE_DIR))?;
    assert_eq!(bundle.vae.colour_interpolation, ColourInterpolation::Motion);
    assert_eq!(
        BundleConfig::load(&held.join(BUNDLE_DIR))?
            .vae
            .colour_interpolation,
        ColourInterpolation::None
    );
    // The encoder (what the DiT learned on) is the run's without the stage.
    let (h, g) = (bundle_vae(&held), bundle_vae(&glided));
    for (name, t) in &h {
        if name.starts_with("encoder.") || name.starts_with("quant_conv.") {
            assert!(same(t, &g[name]), "{name} changed");
        }
    }
    // It needs the colour path.
    let mut plain = with_decoder_stage(tiny(), 3);
    plain.decoder.as_mut().unwrap().colour_interpolation = ColourInterpolation::Linear;
    let e = format!("{:#}", plain.validate().unwrap_err());
    assert!(
        e.contains("colour_interpolation") && e.contains("colour_skip"),
        "{e}"
    );
    Ok(())
}

fn bundle_vae(dir: &Path) -> HashMap<String, Tensor> {
    let path = dir.join(BUNDLE_DIR).join(reel_models::bundle::VAE_FILE);
    candle_core::safetensors::load(path, &Device::Cpu).unwrap()
}

fn same(a: &Tensor, b: &Tensor) -> bool {
    let f = |t: &Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    f(a) == f(b)
}

#[test]
fn decoder_steps_lower_the_loss_and_leave_the_encoder_alone() -> Result<()> {
    for motion_weight in [0.0, 1.0] {
        decoder_steps_learn(motion_weight)?;
    }
    Ok(())
}

#[test]
fn the_decoder_stage_learns_from_latents_with_its_own_noise() -> Result<()> {
    // The first step's loss is measured on the noisy latents, before any update.
    let first_loss = |noise: Option<f64>| -> Result<f64> {
        let mut cfg = with_decoder_stage(tiny(), 1);
        cfg.decoder.as_mut().unwrap().latent_noise = noise;
        let mut run = Run::new(&cfg, &Device::Cpu)?;
        run.freeze_encoder();
        let vae = run.trainable_vae()?;
        Ok(decoder_step(&mut run, &vae, 0)?.0)
    };
    let (inherited, clean, noisy) = (
        first_loss(None)?,
        first_loss(Some(0.0))?,
        first_loss(Some(3.0))?,
    );
    assert_eq!(
        tiny().vae.latent_noise,
        None,
        "the tiny preset samples the posterior"
    );
    assert_ne!(inherited, clean);
    assert!(
        noisy > clean,
        "noise 3 did not raise the loss: {noisy} vs {clean}"
    );
    let mut cfg = with_decoder_stage(tiny(), 1);
    cfg.decoder.as_mut().unwrap().latent_noise = Some(-0.1);
    let e = format!("{:#}", cfg.validate().unwrap_err());
    assert!(e.contains("decoder.latent_noise"), "{e}");
    Ok(())
}

fn decoder_steps_learn(motion_weight: f64) -> Result<()> {
    let mut cfg = with_decoder_stage(tiny(), 12);
    cfg.decoder.as_mut().unwrap().optim.lr = 3e-3;
    cfg.decoder.as_mut().unwrap().motion_weight = motion_weight;
    let mut run = Run::new(&cfg, &Device::Cpu)?;
    // Copies: a parameter's tensor shares storage with the variable the optimiser updates.
    let before: HashMap<String, Tensor> = run
        .vae_p
        .export("vae", false)?
        .into_iter()
        .map(|(n, t)| Ok((n, t.copy()?)))
        .collect::<Result<_>>()?;
    run.freeze_encoder();
    let vae = run.trainable_vae()?;
    let mut losses = Vec::new();
    for _ in 0..12 {
        losses.push(decoder_step(&mut run, &vae, 0)?.0);
        run.step += 1;
    }
    assert!(
        losses[11] < 0.8 * losses[0],
        "the decoder did not learn (motion weight {motion_weight}): {losses:?}"
    );
    let after = run.vae_p.export("vae", false)?;
    for (name, t) in &before {
        let kept = same(t, &after[name]);
        if name.starts_with("encoder.") || name.starts_with("quant_conv.") {
            assert!(kept, "{name} changed in the decoder stage");
        }
    }
    assert!(
        before
            .iter()
            .any(|(n, t)| n.starts_with("decoder.") && !same(t, &after[n])),
        "no decoder weight changed"
    );
    Ok(())
}

#[test]
fn a_finished_run_gains_a_decoder_stage_as_if_run_in_one_go() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let (plain, added, direct, killed) = (
        tmp.path().join("plain"),
        tmp.path().join("added"),
        tmp.path().join("direct"),
        tmp.path().join("killed"),
    );
    let cfg = tiny();
    let with = with_decoder_stage(tiny(), 3);
    train(&cfg, &plain, false, &quiet())?;
    train(&cfg, &added, false, &quiet())?;
    let outcome = train(&with, &added, true, &quiet())?;
    assert_eq!(outcome.stage, Stage::Done);
    assert!(outcome.last_decoder_loss.is_some());
    train(&with, &direct, false, &quiet())?;
    // Killed inside the decoder stage (3 VAE + 4 DiT + 1 decoder steps), then resumed.
    let mut o = quiet();
    o.stop_after = Some(8);
    let part = train(&with, &killed, false, &o)?;
    assert_eq!((part.stage, part.step), (Stage::Decoder, 1));
    train(&with, &killed, true, &quiet())?;

    let (p, a) = (bundle_vae(&plain), bundle_vae(&added));
    for (name, t) in &p {
        if name.starts_with("decoder.") || name.starts_with("post_quant_conv.") {
            continue;
        }
        assert!(same(t, &a[name]), "{name} changed in the decoder stage");
    }
    assert!(p
        .iter()
        .any(|(n, t)| n.starts_with("decoder.") && !same(t, &a[n])));
    for f in [reel_models::bundle::VAE_FILE, reel_models::bundle::DIT_FILE] {
        let x = file_bytes(&added.join(BUNDLE_DIR), f);
        assert!(
            x == file_bytes(&direct.join(BUNDLE_DIR), f),
            "{f}: added later ≠ one go"
        );
        assert!(
            x == file_bytes(&killed.join(BUNDLE_DIR), f),
            "{f}: resumed ≠ one go"
        );
    }
    // Once it has run, the decoder stage's settings are fixed.
    let mut other = with_decoder_stage(tiny(), 5);
    other.output = with.output.clone();
    let err = format!("{:#}", train(&other, &added, true, &quiet()).unwrap_err());
    assert!(err.contains("config differs"), "{err}");
    Ok(())
}

#[test]
fn frame_changes_are_each_frame_minus_the_one_before() -> Result<()> {
    // One pixel over four frames: 0, 1, 3, 6 → changes 1, 2, 3; a still clip has none.
    let v = Tensor::from_vec(vec![0f32, 1., 3., 6.], (1, 1, 4, 1, 1), &Device::Cpu)?;
    let d = frame_changes(&v)?;
    assert_eq!(d.dims(), &[1, 1, 3, 1, 1]);
    assert_eq!(d.flatten_all()?.to_vec1::<f32>()?, vec![1., 2., 3.]);
    let still = Tensor::ones((1, 3, 5, 2, 2), DType::F32, &Device::Cpu)?;
    assert_eq!(
        frame_changes(&still)?
            .abs()?
            .sum_all()?
            .to_scalar::<f32>()?,
        0.0
    );
    Ok(())
}

#[test]
fn a_decoder_stage_without_motion_weight_serialises_as_before() -> Result<()> {
    // Checkpoints written before `motion_weight` existed compare their stored config with the
    // resumed one; a zero weight must leave the JSON as it was.
    let cfg = with_decoder_stage(tiny(), 3);
    let json = serde_json::to_value(cfg.decoder.as_ref().unwrap())?;
    assert!(json.get("motion_weight").is_none(), "{json}");
    let mut weighted = cfg.decoder.clone().unwrap();
    weighted.motion_weight = 0.5;
    let json = serde_json::to_value(&weighted)?;
    assert_eq!(json["motion_weight"], 0.5);
    let back: crate::config::DecoderStage = serde_json::from_value(json)?;
    assert_eq!(back, weighted);
    Ok(())
}

#[test]
fn the_motion_term_prices_a_stutter_the_frame_loss_barely_sees() -> Result<()> {
    // The tiny config's loss is plain L1. One pixel moving 0 → 1 → 2, drawn as 0, 0, 2 (held a
    // frame, then caught up): frame error (0 + 1 + 0) / 3, change error (|0 − 1| + |2 − 1|) / 2.
    let cfg = tiny();
    let dev = Device::Cpu;
    let video = Tensor::from_vec(vec![0f32, 1., 2.], (1, 1, 3, 1, 1), &dev)?;
    let rec = Tensor::from_vec(vec![0f32, 0., 2.], (1, 1, 3, 1, 1), &dev)?;
    let (recon, total) = reconstruction_terms(&cfg, &rec, &video, 0.5)?;
    assert!((recon.to_scalar::<f32>()? - 1.0 / 3.0).abs() < 1e-6);
    assert!((total.to_scalar::<f32>()? - (1.0 / 3.0 + 0.5)).abs() < 1e-6);
    let (recon, total) = reconstruction_terms(&cfg, &rec, &video, 0.0)?;
    assert_eq!(recon.to_scalar::<f32>()?, total.to_scalar::<f32>()?);
    let (_, exact) = reconstruction_terms(&cfg, &video, &video, 0.5)?;
    assert_eq!(exact.to_scalar::<f32>()?, 0.0);
    Ok(())
}
