//! End-to-end parity with a 2-step diffusers `WanPipeline` run (UniPC shift 3, CFG 5.0 as two
//! batch-1 forwards) on tiny random weights: from given initial latents and prompt embeddings,
//! the latents after each step and the uint8 frames. The model is loaded as users have it on
//! disk, a diffusers folder or original-layout files, and sampled by Reel's own `generate`.
//! The same for `WanImageToVideoPipeline` with a first frame (I2V) and a first and last frame
//! (FLF2V), the CLIP image tokens computed by Reel or given.
//! Fixtures: tests/fixtures/wan/pipeline_{t2v,i2v,flf2v}.* (scripts/make_wan_fixtures.py).

use std::path::Path;

use candle_core::{Device, Tensor};
use reel_diffusion::{
    generate, GenerateOptions, Generation, SamplerSettings, SolverKind, Timeline,
};
use reel_diffusion::{GuidanceBatching, VideoModel};
use reel_models::wan::testkit::{self, OriginalTransformer};
use reel_models::wan::WanModel;

/// Largest difference in 8-bit levels between Reel's frames and diffusers' `[1, F, H, W, 3]`
/// uint8 frames (`(v/2 + 0.5).clamp(0, 1)·255` truncated).
fn frames_lsb_diff(video: &reel_media::Video, want: &Tensor) -> i32 {
    let want: Vec<u8> = want.flatten_all().unwrap().to_vec1().unwrap();
    let got: Vec<u8> = video
        .frames
        .iter()
        .flat_map(|f| f.as_raw().clone())
        .collect();
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(&want)
        .map(|(a, b)| (*a as i32 - *b as i32).abs())
        .max()
        .unwrap()
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    reel_models::ops::max_abs_diff(a, b).unwrap()
}

/// Samples the fixture call with Reel and checks every step and the frames.
fn matches_reference(dir: &Path) {
    let model = WanModel::load(dir, &Device::Cpu).unwrap();
    model.check_samplable().unwrap();
    assert_eq!(model.guidance_batching(), GuidanceBatching::Separate);
    let fx = testkit::fixture_tensors("pipeline_t2v").unwrap();
    let g = run_t2v_fixture(&model, |_| {});

    let want_steps = &fx["latents_step"];
    assert_eq!(g.trace.len(), 2);
    for (i, x) in g.trace.iter().enumerate() {
        let d = max_abs_diff(x, &want_steps.get(i).unwrap());
        assert!(d < 2e-5, "latents after step {i}: max |diff| {d:e}");
    }
    assert!(max_abs_diff(&g.latents, &fx["final_latents"]) < 2e-5);

    let worst = frames_lsb_diff(&g.video, &fx["frames_u8"]);
    assert!(worst <= 1, "frames differ by {worst} LSB");
}

#[test]
fn diffusers_folder_samples_like_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    testkit::diffusers_folder(dir.path(), None).unwrap();
    matches_reference(dir.path());
}

#[test]
fn original_layout_files_sample_like_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    // The tiny width hides the head count from the shapes, so the sidecar config is given.
    testkit::original_folder(dir.path(), OriginalTransformer::T2v, true, false).unwrap();
    matches_reference(dir.path());
}

#[test]
fn image_conditioned_weights_need_a_first_frame() {
    let dir = tempfile::tempdir().unwrap();
    testkit::original_folder(dir.path(), OriginalTransformer::I2v, true, false).unwrap();
    let model = WanModel::load(dir.path(), &Device::Cpu).unwrap();
    model.check_samplable().unwrap();
    let tl = Timeline::text_to_video("x", 5, 16.0, 32, 32);
    let err = format!("{:#}", model.frame_condition(&tl, 2, None).unwrap_err());
    assert!(err.contains("first frame"), "{err}");
}

#[test]
fn prompt_embeddings_of_the_wrong_width_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    testkit::diffusers_folder(dir.path(), None).unwrap();
    let model = WanModel::load(dir.path(), &Device::Cpu).unwrap();
    let tl = Timeline::text_to_video("x", 5, 16.0, 32, 32);
    let settings = SamplerSettings {
        steps: 1,
        guidance: 5.0,
        shift: 3.0,
        solver: SolverKind::UniPc,
        seed: 0,
        frame_guidance: 0.0,
        guidance_2: None,
        guidance_interval: None,
    };
    let bad = Tensor::zeros((2, 8, 7), candle_core::DType::F32, &Device::Cpu).unwrap();
    let err = generate(
        &model,
        &tl,
        &settings,
        GenerateOptions {
            prompt_embeds: Some(bad),
            ..Default::default()
        },
    )
    .err()
    .unwrap();
    assert!(format!("{err:#}").contains("[2, S, 24]"), "{err:#}");
}

/// Pixel frames of an `[H, W, 3]` uint8 fixture image.
fn fixture_frame(t: &Tensor) -> reel_media::Frame {
    let (h, w, _) = t.dims3().unwrap();
    let raw: Vec<u8> = t.flatten_all().unwrap().to_vec1().unwrap();
    reel_media::Frame::from_raw(w as u32, h as u32, raw).unwrap()
}

fn padded(e: &Tensor) -> Tensor {
    // The I2V attention reads the last 512 context rows as text (WAN.md §10.7).
    let (b, s, d) = e.dims3().unwrap();
    let z = Tensor::zeros((b, 512 - s, d), candle_core::DType::F32, &Device::Cpu).unwrap();
    Tensor::cat(&[e, &z], 1).unwrap()
}

/// Samples `pipeline_{name}` with Reel (CLIP computed by Reel, or given) and checks every step
/// and the frames.
fn image_pipeline_matches(dir: &Path, name: &str, given_embeds: bool) {
    let model = WanModel::load(dir, &Device::Cpu).unwrap();
    model.check_samplable().unwrap();
    assert_eq!(model.frame_channels(), 20);
    let p = testkit::fixture_manifest(name).unwrap();
    let call = &p["call"];
    let fx = testkit::fixture_tensors(name).unwrap();
    let embeds = Tensor::cat(
        &[
            &padded(&fx["prompt_embeds"]),
            &padded(&fx["negative_prompt_embeds"]),
        ],
        0,
    )
    .unwrap();
    let frames = call["num_frames"].as_u64().unwrap() as usize;
    let mut tl = Timeline::text_to_video(
        "(given as embeddings)",
        frames,
        16.0,
        call["width"].as_u64().unwrap() as u32,
        call["height"].as_u64().unwrap() as u32,
    )
    .with_known(0, vec![fixture_frame(&fx["first_image_u8"])], 1.0)
    .unwrap();
    if let Some(last) = fx.get("last_image_u8") {
        tl = tl
            .with_known(frames - 1, vec![fixture_frame(last)], 1.0)
            .unwrap();
    }
    // Reel's own CLIP tokens match the pipeline's.
    if !given_embeds {
        let cond = model.frame_condition(&tl, 2, None).unwrap().unwrap();
        let d = max_abs_diff(cond.image.as_ref().unwrap(), &fx["image_embeds"]);
        assert!(d < 1e-5, "image embeddings differ by {d:e}");
    }
    let settings = SamplerSettings {
        steps: call["num_inference_steps"].as_u64().unwrap() as usize,
        guidance: call["guidance_scale"].as_f64().unwrap(),
        shift: 3.0,
        solver: SolverKind::UniPc,
        seed: 0,
        frame_guidance: 0.0,
        guidance_2: None,
        guidance_interval: None,
    };
    let g = generate(
        &model,
        &tl,
        &settings,
        GenerateOptions {
            init_latents: Some(fx["latents"].clone()),
            prompt_embeds: Some(embeds),
            image_embeds: given_embeds.then(|| fx["image_embeds"].clone()),
            record_trace: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(g.trace.len(), 2);
    for (i, x) in g.trace.iter().enumerate() {
        let d = max_abs_diff(x, &fx["latents_step"].get(i).unwrap());
        assert!(d < 2e-5, "{name}: latents after step {i}: max |diff| {d:e}");
    }
    let d = max_abs_diff(&g.latents, &fx["final_latents"]);
    assert!(d < 2e-5, "{name}: final latents differ by {d:e}");
    let worst = frames_lsb_diff(&g.video, &fx["frames_u8"]);
    assert!(worst <= 1, "{name}: frames differ by {worst} LSB");
}

#[test]
fn i2v_diffusers_folder_samples_like_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    testkit::i2v_diffusers_folder(dir.path(), false, true).unwrap();
    image_pipeline_matches(dir.path(), "pipeline_i2v", false);
}

#[test]
fn flf2v_diffusers_folder_samples_like_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    testkit::i2v_diffusers_folder(dir.path(), true, true).unwrap();
    image_pipeline_matches(dir.path(), "pipeline_flf2v", false);
}

#[test]
fn i2v_with_given_image_embeddings_and_no_image_encoder() {
    let dir = tempfile::tempdir().unwrap();
    testkit::i2v_diffusers_folder(dir.path(), false, false).unwrap();
    image_pipeline_matches(dir.path(), "pipeline_i2v", true);
}

#[test]
fn i2v_original_layout_with_an_image_encoder_folder() {
    let dir = tempfile::tempdir().unwrap();
    testkit::original_folder(dir.path(), OriginalTransformer::I2v, true, false).unwrap();
    testkit::add_image_encoder(dir.path()).unwrap();
    image_pipeline_matches(dir.path(), "pipeline_i2v", false);
}

fn quick_settings() -> SamplerSettings {
    SamplerSettings {
        steps: 1,
        guidance: 1.0,
        shift: 3.0,
        solver: SolverKind::UniPc,
        seed: 0,
        frame_guidance: 0.0,
        guidance_2: None,
        guidance_interval: None,
    }
}

fn refusal(dir: &Path, tl: &Timeline, image_embeds: Option<Tensor>) -> String {
    let model = WanModel::load(dir, &Device::Cpu).unwrap();
    let err = generate(
        &model,
        tl,
        &quick_settings(),
        GenerateOptions {
            image_embeds,
            ..Default::default()
        },
    )
    .err()
    .expect("refused");
    format!("{err:#}")
}

#[test]
fn unsupported_image_conditions_are_refused_with_a_reason() {
    let fx = testkit::fixture_tensors("pipeline_flf2v").unwrap();
    let (a, b) = (
        fixture_frame(&fx["first_image_u8"]),
        fixture_frame(&fx["last_image_u8"]),
    );
    let i2v = tempfile::tempdir().unwrap();
    testkit::i2v_diffusers_folder(i2v.path(), false, true).unwrap();
    let flf = tempfile::tempdir().unwrap();
    testkit::i2v_diffusers_folder(flf.path(), true, true).unwrap();
    let bare = tempfile::tempdir().unwrap();
    testkit::i2v_diffusers_folder(bare.path(), false, false).unwrap();
    let tl = Timeline::text_to_video("x", 5, 16.0, 32, 32);
    let first = tl.clone().with_known(0, vec![a.clone()], 1.0).unwrap();

    let e = refusal(i2v.path(), &tl, None);
    assert!(e.contains("needs a known first frame"), "{e}");
    let mid = first.clone().with_known(2, vec![b.clone()], 1.0).unwrap();
    let e = refusal(i2v.path(), &mid, None);
    assert!(e.contains("middle"), "{e}");
    let both = first.clone().with_known(4, vec![b.clone()], 1.0).unwrap();
    let e = refusal(i2v.path(), &both, None);
    assert!(e.contains("FLF2V"), "{e}");
    let e = refusal(flf.path(), &first, None);
    assert!(e.contains("last"), "{e}");
    let e = refusal(bare.path(), &first, None);
    assert!(e.contains("--image-embeds"), "{e}");
    let wrong = Tensor::zeros((1, 10, 7), candle_core::DType::F32, &Device::Cpu).unwrap();
    let e = refusal(bare.path(), &first, Some(wrong));
    assert!(e.contains("[1, tokens, 20]"), "{e}");
    // FLF2V needs the last frame at the end of the 1 + 4k grid.
    let six = Timeline::text_to_video("x", 6, 16.0, 32, 32)
        .with_known(0, vec![a.clone()], 1.0)
        .unwrap()
        .with_known(5, vec![b], 1.0)
        .unwrap();
    let e = refusal(flf.path(), &six, None);
    assert!(e.contains("1 + 4·k"), "{e}");
    // Longer than one window: no carried frames for an image-conditioned model.
    let long = Timeline::text_to_video("x", 200, 16.0, 32, 32)
        .with_known(0, vec![a], 1.0)
        .unwrap();
    let e = refusal(i2v.path(), &long, None);
    assert!(e.contains("one window"), "{e}");
}

#[test]
fn text_to_video_weights_take_no_image_embeddings() {
    let dir = tempfile::tempdir().unwrap();
    testkit::diffusers_folder(dir.path(), None).unwrap();
    let tl = Timeline::text_to_video("x", 5, 16.0, 32, 32);
    let e = Tensor::zeros((1, 10, 20), candle_core::DType::F32, &Device::Cpu).unwrap();
    let err = refusal(dir.path(), &tl, Some(e));
    assert!(err.contains("no image condition"), "{err}");
}

/// Wan2.2 TI2V-5B (`expand_timesteps`, residual VAE): samples `pipeline_ti2v` (text-to-video
/// mode) or `pipeline_ti2v_i2v` (first frame known) with Reel and checks the steps and frames.
fn ti2v_matches(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    testkit::ti2v_diffusers_folder(dir.path()).unwrap();
    let model = WanModel::load(dir.path(), &Device::Cpu).unwrap();
    model.check_samplable().unwrap();
    assert!(model.config.expand_timesteps && model.vae.config().is_residual);
    assert!(model.per_token_timesteps());
    assert_eq!(model.frame_channels(), 0);
    assert_eq!(model.size_multiple(), 32);
    let p = testkit::fixture_manifest(name).unwrap();
    let call = &p["call"];
    let fx = testkit::fixture_tensors(name).unwrap();
    let embeds = Tensor::cat(&[&fx["prompt_embeds"], &fx["negative_prompt_embeds"]], 0).unwrap();
    let mut tl = Timeline::text_to_video(
        "(given as embeddings)",
        call["num_frames"].as_u64().unwrap() as usize,
        16.0,
        call["width"].as_u64().unwrap() as u32,
        call["height"].as_u64().unwrap() as u32,
    );
    let image = fx.get("first_image_u8").map(fixture_frame);
    if let Some(f) = &image {
        tl = tl.with_known(0, vec![f.clone()], 1.0).unwrap();
    }
    let settings = SamplerSettings {
        steps: call["num_inference_steps"].as_u64().unwrap() as usize,
        guidance: call["guidance_scale"].as_f64().unwrap(),
        shift: model.defaults().shift,
        solver: SolverKind::UniPc,
        seed: 0,
        frame_guidance: 0.0,
        guidance_2: None,
        guidance_interval: None,
    };
    assert_eq!(settings.shift, 5.0);
    let g = generate(
        &model,
        &tl,
        &settings,
        GenerateOptions {
            init_latents: Some(fx["latents"].clone()),
            prompt_embeds: Some(embeds),
            record_trace: true,
            ..Default::default()
        },
    )
    .unwrap();
    // diffusers keeps stepping its own latents under the conditioned first frame and only
    // overwrites them at the end; Reel writes the frame in before each step. The frames the
    // transformer sees are the same, so compare latent frames 1.. per step, all at the end.
    let from = usize::from(image.is_some());
    let t_lat = fx["latents"].dim(2).unwrap();
    assert_eq!(g.trace.len(), 2);
    for (i, x) in g.trace.iter().enumerate() {
        let want = fx["latents_step"].get(i).unwrap();
        let d = max_abs_diff(
            &x.narrow(2, from, t_lat - from).unwrap(),
            &want.narrow(2, from, t_lat - from).unwrap(),
        );
        assert!(d < 2e-5, "{name}: latents after step {i}: max |diff| {d:e}");
    }
    let d = max_abs_diff(&g.latents, &fx["final_latents"]);
    assert!(d < 2e-5, "{name}: final latents differ by {d:e}");
    let worst = frames_lsb_diff(&g.video, &fx["frames_u8"]);
    assert!(worst <= 1, "{name}: frames differ by {worst} LSB");
    if let Some(f) = image {
        // The first frame is the VAE's rendering of the image, as in diffusers, not a copy.
        assert_ne!(g.video.frames[0].as_raw(), f.as_raw());
    }
}

#[test]
fn ti2v_text_to_video_samples_like_the_reference() {
    ti2v_matches("pipeline_ti2v");
}

#[test]
fn ti2v_image_to_video_samples_like_the_reference() {
    ti2v_matches("pipeline_ti2v_i2v");
}

#[test]
fn ti2v_keeps_pixels_outside_a_mask_while_decoding_pinned_frames() {
    let dir = tempfile::tempdir().unwrap();
    testkit::ti2v_diffusers_folder(dir.path()).unwrap();
    let model = WanModel::load(dir.path(), &Device::Cpu).unwrap();
    assert!(model.decodes_known_frames());
    let fx = testkit::fixture_tensors("pipeline_ti2v_i2v").unwrap();
    let f = fixture_frame(&fx["first_image_u8"]);
    // Left half kept (black), right half sampled (white).
    let mask =
        image::GrayImage::from_fn(32, 32, |x, _| image::Luma([if x < 16 { 0 } else { 255 }]));
    let tl = Timeline::text_to_video("x", 5, 16.0, 32, 32)
        .with_masked_known(0, vec![f.clone(); 5], 0.5, vec![mask])
        .unwrap();
    let g = generate(&model, &tl, &quick_settings(), GenerateOptions::default()).unwrap();
    for frame in &g.video.frames {
        for y in 0..32 {
            for x in 0..16 {
                assert_eq!(frame.get_pixel(x, y), f.get_pixel(x, y));
            }
        }
    }
}

/// A Wan2.2 A14B-style folder: the T2V fixture's transformer as both the high- and the
/// low-noise expert, `boundary_ratio` 0.875 (as Wan2.2-T2V-A14B's model_index.json).
fn two_expert_folder(dir: &Path) {
    testkit::diffusers_folder(dir, None).unwrap();
    let second = dir.join("transformer_2");
    std::fs::create_dir_all(&second).unwrap();
    for e in std::fs::read_dir(dir.join("transformer")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), second.join(e.file_name())).unwrap();
    }
    let index = dir.join("model_index.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&index).unwrap()).unwrap();
    v["transformer_2"] = serde_json::json!(["diffusers", "WanTransformer3DModel"]);
    v["boundary_ratio"] = serde_json::json!(0.875);
    std::fs::write(&index, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// The T2V fixture's call (2 UniPC steps at t = 999 and 750, guidance 5, its initial latents
/// and prompt embeddings) with `adjust`ed settings, the trace recorded.
fn run_t2v_fixture(model: &WanModel, adjust: impl Fn(&mut SamplerSettings)) -> Generation {
    let call = &testkit::fixture_manifest("pipeline_t2v").unwrap()["call"];
    let fx = testkit::fixture_tensors("pipeline_t2v").unwrap();
    let embeds = Tensor::cat(&[&fx["prompt_embeds"], &fx["negative_prompt_embeds"]], 0).unwrap();
    let tl = Timeline::text_to_video(
        "(given as embeddings)",
        call["num_frames"].as_u64().unwrap() as usize,
        16.0,
        call["width"].as_u64().unwrap() as u32,
        call["height"].as_u64().unwrap() as u32,
    );
    let mut settings = SamplerSettings {
        steps: call["num_inference_steps"].as_u64().unwrap() as usize,
        guidance: call["guidance_scale"].as_f64().unwrap(),
        ..quick_settings()
    };
    adjust(&mut settings);
    let opts = GenerateOptions {
        init_latents: Some(fx["latents"].clone()),
        prompt_embeds: Some(embeds),
        record_trace: true,
        ..Default::default()
    };
    generate(model, &tl, &settings, opts).unwrap()
}

/// The latents after each step of [`run_t2v_fixture`].
fn fixture_steps(model: &WanModel, adjust: impl Fn(&mut SamplerSettings)) -> Vec<Tensor> {
    run_t2v_fixture(model, adjust).trace
}

#[test]
fn the_low_noise_stage_takes_guidance_2_and_steps_outside_the_interval_are_unguided() {
    let dir = tempfile::tempdir().unwrap();
    two_expert_folder(dir.path());
    let model = WanModel::load(dir.path(), &Device::Cpu).unwrap();
    assert_eq!(model.guidance_boundary(), Some(875.0));
    let base = fixture_steps(&model, |_| {});
    // Two identical experts, guidance_2 unset (diffusers: = guidance_scale): the reference.
    let fx = testkit::fixture_tensors("pipeline_t2v").unwrap();
    for (i, x) in base.iter().enumerate() {
        let d = max_abs_diff(x, &fx["latents_step"].get(i).unwrap());
        assert!(d < 2e-5, "step {i}: {d:e}");
    }
    // Step 1 (t = 999) is above the boundary, step 2 (t = 750) below it.
    let low = fixture_steps(&model, |s| s.guidance_2 = Some(1.5));
    assert_eq!(max_abs_diff(&low[0], &base[0]), 0.0);
    assert!(max_abs_diff(&low[1], &base[1]) > 1e-4);
    let same = fixture_steps(&model, |s| s.guidance_2 = Some(s.guidance));
    assert_eq!(max_abs_diff(&same[1], &base[1]), 0.0);
    // Guided only at σ ≥ 0.9: the first step (σ = 1) as before, the second (σ = 0.75)
    // conditional alone, as with guidance_2 = 1.
    let interval = fixture_steps(&model, |s| s.guidance_interval = Some([0.9, 1.0]));
    let unguided_low = fixture_steps(&model, |s| s.guidance_2 = Some(1.0));
    assert_eq!(max_abs_diff(&interval[0], &base[0]), 0.0);
    assert_eq!(max_abs_diff(&interval[1], &unguided_low[1]), 0.0);
    assert!(max_abs_diff(&interval[1], &base[1]) > 1e-4);
    // An empty interval is no guidance at all.
    let never = fixture_steps(&model, |s| s.guidance_interval = Some([0.0, 0.0]));
    let plain = fixture_steps(&model, |s| s.guidance = 1.0);
    assert_eq!(max_abs_diff(&never[1], &plain[1]), 0.0);
}
