//! f32 parity of the Wan DiT and VAE with tiny random-weight diffusers models
//! (fixtures written by scripts/make_wan_fixtures.py into tests/fixtures/wan/).

use std::collections::HashMap;
use std::path::PathBuf;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
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
    reel_models::ops::max_abs_diff(a, b).unwrap()
}

fn assert_close(got: &Tensor, want: &Tensor, tol: f32, what: &str) {
    let d = max_abs_diff(got, want);
    assert!(d <= tol, "{what}: max |diff| = {d:e} > {tol:e}");
}

fn dit_from(weights: HashMap<String, Tensor>, cfg: &serde_json::Value) -> Dit {
    let cfg: DitConfig = serde_json::from_value(cfg.clone()).expect("transformer config");
    let vb = VarBuilder::from_tensors(weights, DType::F32, &Device::Cpu);
    Dit::new(&cfg, vb).expect("build DiT from fixture weights")
}

#[test]
fn t2v_transformer_matches_diffusers() {
    let m = manifest("transformer_t2v_weights");
    let dit = dit_from(tensors("transformer_t2v_weights"), &m["config"]);
    let io = tensors("transformer_t2v_io");
    let x = &io["hidden_states"];
    let ctx = &io["encoder_hidden_states"];
    for (t, out) in [
        ("timestep", "output"),
        ("timestep_per_token", "output_per_token"),
        ("timestep_float", "output_float"),
    ] {
        let got = dit.forward(x, &io[t], ctx, None).unwrap();
        assert_close(&got, &io[out], 1e-5, out);
    }
}

#[test]
fn i2v_transformer_in_original_layout_matches_diffusers() {
    // The file uses original Wan names; map them back with the manifest's table (written by the
    // fixture script from WAN.md §7.1) so the DiT sees diffusers names.
    let m = manifest("transformer_i2v_original_weights");
    let to_orig = m["diffusers_to_original"].as_object().unwrap();
    let mut orig = tensors("transformer_i2v_original_weights");
    assert_eq!(orig.len(), to_orig.len());
    let weights: HashMap<String, Tensor> = to_orig
        .iter()
        .map(|(d, o)| {
            let t = orig
                .remove(o.as_str().unwrap())
                .unwrap_or_else(|| panic!("missing original key {o}"));
            (d.clone(), t)
        })
        .collect();
    let dit = dit_from(weights, &m["config"]);
    let io = tensors("transformer_i2v_io");
    let got = dit
        .forward(
            &io["hidden_states"],
            &io["timestep"],
            &io["encoder_hidden_states"],
            Some(&io["encoder_hidden_states_image"]),
        )
        .unwrap();
    assert_close(&got, &io["output"], 1e-5, "i2v output");
}

fn tiny_vae() -> Vae {
    let m = manifest("vae_weights");
    let cfg = VaeConfig::from_json(&m["config"].to_string()).expect("vae config");
    let vb = VarBuilder::from_tensors(tensors("vae_weights"), DType::F32, &Device::Cpu);
    Vae::new(&cfg, vb).expect("build VAE from fixture weights")
}

#[test]
fn vae_encode_matches_diffusers() {
    let vae = tiny_vae();
    let io = tensors("vae_io");
    let (mu, logvar) = vae.encode_dist(&io["video"]).unwrap();
    assert_close(&mu, &io["encoded_mu"], 2e-5, "encoded mu");
    let moments = Tensor::cat(&[&mu, &logvar], 1).unwrap();
    assert_close(&moments, &io["encoded_moments"], 2e-5, "encoded moments");
}

#[test]
fn vae_decode_matches_diffusers() {
    let vae = tiny_vae();
    let io = tensors("vae_io");
    let got = vae.decode(&io["latent"]).unwrap();
    assert_close(&got, &io["decoded"], 2e-5, "decoded");
    let got = vae.decode(&io["encoded_mu"]).unwrap();
    assert_close(&got, &io["decoded_mu"], 2e-5, "decoded mu");
}

/// The Wan2.2 layout (`is_residual`, patch 2): residual stages with AvgDown3D/DupUp3D
/// shortcuts, decoder wider than the encoder's base.
fn tiny_vae22() -> Vae {
    let m = manifest("vae22_weights");
    let cfg = VaeConfig::from_json(&m["config"].to_string()).expect("vae22 config");
    assert!(cfg.is_residual && cfg.patch() == 2);
    assert_eq!(cfg.spatial_compression(), 16);
    let weights = tensors("vae22_weights");
    // Every stored tensor is one the model asks for (nothing of the layout left unread).
    let vm = candle_nn::VarMap::new();
    Vae::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu)).unwrap();
    let mut want: Vec<String> = weights.keys().cloned().collect();
    let mut got: Vec<String> = vm.data().lock().unwrap().keys().cloned().collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let vb = VarBuilder::from_tensors(weights, DType::F32, &Device::Cpu);
    Vae::new(&cfg, vb).expect("build Wan2.2 VAE from fixture weights")
}

#[test]
fn vae22_encode_matches_diffusers() {
    let vae = tiny_vae22();
    let io = tensors("vae22_io");
    let (mu, logvar) = vae.encode_dist(&io["video"]).unwrap();
    assert_close(&mu, &io["encoded_mu"], 2e-5, "wan2.2 encoded mu");
    let moments = Tensor::cat(&[&mu, &logvar], 1).unwrap();
    assert_close(
        &moments,
        &io["encoded_moments"],
        2e-5,
        "wan2.2 encoded moments",
    );
}

#[test]
fn vae22_decode_matches_diffusers() {
    let vae = tiny_vae22();
    let io = tensors("vae22_io");
    let z = &io["latent"];
    let got = vae.decode(z).unwrap();
    assert_close(
        &got,
        &io["decoded"],
        2e-5,
        "wan2.2 decoded (whole sequence)",
    );
    // diffusers decodes one latent frame at a time; the chunked form must agree too.
    let got = vae.decode_chunked(z, 1).unwrap();
    assert_close(&got, &io["decoded"], 2e-5, "wan2.2 decoded (chunked)");
}
