//! CLIP vision tower and image processor against transformers (`CLIPVisionModel`,
//! `CLIPImageProcessor`, PIL path) on tiny random weights. Fixtures: tests/fixtures/wan/clip_*
//! (scripts/make_wan_fixtures.py).

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use reel_models::clip::{ClipImageEncoder, ClipImageProcessor, ClipVisionConfig, ClipVisionModel};
use reel_models::ops::max_abs_diff;
use reel_models::wan::testkit;

fn load() -> (ClipVisionModel, ClipImageProcessor) {
    let m = testkit::fixture_manifest("clip_weights").unwrap();
    let cfg = ClipVisionConfig::from_json(&m["config"].to_string()).unwrap();
    let w = testkit::fixture_tensors("clip_weights").unwrap();
    let model =
        ClipVisionModel::new(&cfg, VarBuilder::from_tensors(w, DType::F32, &Device::Cpu)).unwrap();
    let proc = ClipImageProcessor::from_json(&m["preprocessor"].to_string()).unwrap();
    (model, proc)
}

fn image() -> (Vec<u8>, usize, usize) {
    let io = testkit::fixture_tensors("clip_io").unwrap();
    let img = &io["image_u8"];
    let (h, w, _) = img.dims3().unwrap();
    (img.flatten_all().unwrap().to_vec1::<u8>().unwrap(), w, h)
}

#[test]
fn processor_matches_transformers() {
    let (_, proc) = load();
    let (rgb, w, h) = image();
    let io = testkit::fixture_tensors("clip_io").unwrap();
    let px = proc.preprocess(&rgb, w, h, &Device::Cpu).unwrap();
    let d = max_abs_diff(&px, &io["pixel_values"]).unwrap();
    assert!(d < 1e-5, "pixel values differ by {d:e}");
}

#[test]
fn hidden_states_match_transformers() {
    let (model, _) = load();
    let io = testkit::fixture_tensors("clip_io").unwrap();
    let px = &io["pixel_values"];
    let d = max_abs_diff(&model.penultimate(px).unwrap(), &io["penultimate"]).unwrap();
    assert!(d < 1e-5, "hidden_states[-2] differs by {d:e}");
    let d = max_abs_diff(&model.forward(px).unwrap(), &io["last_hidden_state"]).unwrap();
    assert!(d < 1e-5, "last_hidden_state differs by {d:e}");
}

#[test]
fn image_to_tokens_end_to_end() {
    let (model, processor) = load();
    let (rgb, w, h) = image();
    let enc = ClipImageEncoder { processor, model };
    let got = enc.encode(&[(&rgb, w, h), (&rgb, w, h)]).unwrap();
    let want = &testkit::fixture_tensors("clip_io").unwrap()["penultimate"];
    assert_eq!(got.dims(), &[2, 10, 20]);
    let want2 = Tensor::cat(&[want, want], 0).unwrap();
    let d = max_abs_diff(&got, &want2).unwrap();
    assert!(d < 1e-5, "tokens differ by {d:e}");
}

#[test]
fn wrong_input_size_is_refused() {
    let (model, _) = load();
    let px = Tensor::zeros((1, 3, 32, 32), DType::F32, &Device::Cpu).unwrap();
    let err = model.penultimate(&px).unwrap_err().to_string();
    assert!(err.contains("[B, 3, 24, 24]"), "{err}");
}
