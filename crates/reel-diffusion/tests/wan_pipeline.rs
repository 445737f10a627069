//! End-to-end parity with a 2-step diffusers `WanPipeline` run (UniPC shift 3, CFG 5.0 as two
//! batch-1 forwards) on tiny random weights: from given initial latents and prompt embeddings,
//! the latents after each step and the uint8 frames. The model is loaded as users have it on
//! disk, a diffusers folder or original-layout files, and sampled by Reel's own `generate`.
//! Fixtures: tests/fixtures/wan/pipeline_t2v.* (scripts/make_wan_fixtures.py).

use std::path::Path;

use candle_core::{Device, Tensor};
use reel_diffusion::{generate, GenerateOptions, SamplerSettings, SolverKind, Timeline};
use reel_diffusion::{GuidanceBatching, VideoModel};
use reel_models::wan::testkit::{self, OriginalTransformer};
use reel_models::wan::WanModel;

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    reel_models::ops::max_abs_diff(a, b).unwrap()
}

/// Samples the fixture call with Reel and checks every step and the frames.
fn matches_reference(dir: &Path) {
    let model = WanModel::load(dir, &Device::Cpu).unwrap();
    model.check_samplable().unwrap();
    assert_eq!(model.guidance_batching(), GuidanceBatching::Separate);
    let p = testkit::fixture_manifest("pipeline_t2v").unwrap();
    let call = &p["call"];
    let fx = testkit::fixture_tensors("pipeline_t2v").unwrap();
    let embeds = Tensor::cat(&[&fx["prompt_embeds"], &fx["negative_prompt_embeds"]], 0).unwrap();
    let tl = Timeline::text_to_video(
        "(given as embeddings)",
        call["num_frames"].as_u64().unwrap() as usize,
        16.0,
        call["width"].as_u64().unwrap() as u32,
        call["height"].as_u64().unwrap() as u32,
    );
    let settings = SamplerSettings {
        steps: call["num_inference_steps"].as_u64().unwrap() as usize,
        guidance: call["guidance_scale"].as_f64().unwrap(),
        shift: 3.0,
        solver: SolverKind::UniPc,
        seed: 0,
    };
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

    let want_steps = &fx["latents_step"];
    assert_eq!(g.trace.len(), 2);
    for (i, x) in g.trace.iter().enumerate() {
        let d = max_abs_diff(x, &want_steps.get(i).unwrap());
        assert!(d < 2e-5, "latents after step {i}: max |diff| {d:e}");
    }
    assert!(max_abs_diff(&g.latents, &fx["final_latents"]) < 2e-5);

    // diffusers: (v/2 + 0.5).clamp(0, 1)·255 truncated to uint8, [1, F, H, W, 3].
    let want: Vec<u8> = fx["frames_u8"].flatten_all().unwrap().to_vec1().unwrap();
    let got: Vec<u8> = g
        .video
        .frames
        .iter()
        .flat_map(|f| f.as_raw().clone())
        .collect();
    assert_eq!(got.len(), want.len());
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (*a as i32 - *b as i32).abs())
        .max()
        .unwrap();
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
fn image_conditioned_weights_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    testkit::original_folder(dir.path(), OriginalTransformer::I2v, true, false).unwrap();
    let model = WanModel::load(dir.path(), &Device::Cpu).unwrap();
    let err = format!("{:#}", model.check_samplable().unwrap_err());
    assert!(err.contains("36"), "{err}");
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
