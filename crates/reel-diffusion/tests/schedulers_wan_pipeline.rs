//! End-to-end parity with a 2-step diffusers `WanPipeline` run (UniPC, CFG 5.0) on tiny random weights:
//! given initial latents and prompt embeddings → latents after each step → uint8 frames.
//! Fixtures: tests/fixtures/wan/pipeline_t2v.* (scripts/make_wan_fixtures.py).

use std::collections::HashMap;
use std::path::PathBuf;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use reel_diffusion::schedulers::{Scheduler, UniPcScheduler};
use reel_models::dit::{Dit, DitConfig};
use reel_models::vae::{Vae, VaeConfig};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/wan")
}

fn tensors(name: &str) -> HashMap<String, Tensor> {
    let path = fixture_dir().join(format!("{name}.safetensors"));
    candle_core::safetensors::load(&path, &Device::Cpu)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn manifest(name: &str) -> serde_json::Value {
    let path = fixture_dir().join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    assert_eq!(a.dims(), b.dims(), "shape mismatch");
    a.sub(b)
        .unwrap()
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

#[test]
fn two_step_cfg_pipeline_matches_diffusers() {
    let dev = Device::Cpu;
    let m = manifest("transformer_t2v_weights");
    let dit_cfg: DitConfig = serde_json::from_value(m["config"].clone()).unwrap();
    let vb = VarBuilder::from_tensors(tensors("transformer_t2v_weights"), DType::F32, &dev);
    let dit = Dit::new(&dit_cfg, vb).unwrap();
    let m = manifest("vae_weights");
    let vae_cfg = VaeConfig::from_json(&m["config"].to_string()).unwrap();
    let vb = VarBuilder::from_tensors(tensors("vae_weights"), DType::F32, &dev);
    let vae = Vae::new(&vae_cfg, vb).unwrap();

    let p = manifest("pipeline_t2v");
    assert_eq!(p["call"]["num_inference_steps"], 2);
    let guidance = p["call"]["guidance_scale"].as_f64().unwrap();
    let fx = tensors("pipeline_t2v");
    let cond_ctx = &fx["prompt_embeds"];
    let uncond_ctx = &fx["negative_prompt_embeds"];
    let want_steps = &fx["latents_step"];

    let mut sched = UniPcScheduler::new(2, 3.0).unwrap();
    let mut x = fx["latents"].clone();
    for i in 0..sched.num_steps() {
        // UniPC timesteps are integers; the DiT sees them as f32.
        let t = Tensor::new(&[sched.timesteps()[i] as f32], &dev).unwrap();
        let cond = dit.forward(&x, &t, cond_ctx, None).unwrap();
        let uncond = dit.forward(&x, &t, uncond_ctx, None).unwrap();
        // uncond + g·(cond − uncond), two separate batch-1 forwards as diffusers does.
        let v = (&uncond + (cond - &uncond).unwrap().affine(guidance, 0.0).unwrap()).unwrap();
        x = sched.step(&v, &x).unwrap();
        let d = max_abs_diff(&x, &want_steps.get(i).unwrap());
        assert!(d < 2e-5, "latents after step {i}: max |diff| {d:e}");
    }
    assert!(max_abs_diff(&x, &fx["final_latents"]) < 2e-5);

    // Decode: z·std + mean, VAE (clamped), then (v/2 + 0.5).clamp(0, 1)·255 truncated to u8.
    let video = vae.decode(&vae.denormalize(&x).unwrap()).unwrap(); // [1, 3, F, H, W]
    let frames = ((video * 0.5).unwrap() + 0.5)
        .unwrap()
        .clamp(0f32, 1f32)
        .unwrap()
        .permute((0, 2, 3, 4, 1)) // [1, F, H, W, 3]
        .unwrap();
    let got: Vec<f32> = frames.flatten_all().unwrap().to_vec1().unwrap();
    let want_u8 = &fx["frames_u8"];
    assert_eq!(frames.dims(), want_u8.dims());
    let want: Vec<u8> = want_u8.flatten_all().unwrap().to_vec1().unwrap();
    let mut worst = 0i32;
    for (g, w) in got.iter().zip(&want) {
        let g = (g * 255.0) as u8; // numpy astype(uint8) truncates
        worst = worst.max((g as i32 - *w as i32).abs());
    }
    assert!(worst <= 1, "frames differ by {worst} LSB");
}
