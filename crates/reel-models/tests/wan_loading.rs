//! Loading Wan models from diffusers folders and original-layout files built in a tempdir from
//! the tiny fixtures in tests/fixtures/wan/, and the errors for broken folders.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use reel_models::dit::DitConfig;
use reel_models::wan::testkit::{self, OriginalTransformer};
use reel_models::wan::{infer_transformer_config, keys, WanModel, WanSource};
use serde_json::{json, Value};

fn tensors(name: &str) -> HashMap<String, Tensor> {
    testkit::fixture_tensors(name).unwrap()
}

fn manifest(name: &str) -> Value {
    testkit::fixture_manifest(name).unwrap()
}

fn write_json(path: &Path, v: &Value) {
    testkit::write_json(path, v).unwrap()
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    reel_models::ops::max_abs_diff(a, b).unwrap()
}

fn diffusers_folder(dir: &Path, skip: Option<&str>) {
    testkit::diffusers_folder(dir, skip).unwrap()
}

fn load_err(dir: &Path) -> String {
    match WanModel::load(dir, &Device::Cpu) {
        Ok(_) => panic!("loading {} should fail", dir.display()),
        Err(e) => format!("{e:#}"),
    }
}

fn assert_mentions(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "error {msg:?} does not mention {p:?}");
    }
}

/// Checks the loaded pieces against the diffusers reference outputs.
fn check_vae(model: &WanModel) {
    let io = tensors("vae_io");
    let got = model.vae.decode(&io["latent"]).unwrap();
    let d = max_abs_diff(&got, &io["decoded"]);
    assert!(d <= 2e-5, "VAE decode max |diff| {d:e}");
}

fn check_text(model: &WanModel) {
    assert_eq!(model.text.dim(), 24);
    let emb = model.text.encode(&["A cat walks on the grass."]).unwrap();
    assert_eq!(emb.dims(), [1, 512, 24]);
    // Real tokens (from the fixture's reference tokenization) are non-zero rows, the rest zero.
    let n_real = tensors("umt5_io")["attention_mask"]
        .get(0)
        .unwrap()
        .to_dtype(candle_core::DType::F32)
        .unwrap()
        .sum_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap() as usize;
    let rows = emb
        .abs()
        .unwrap()
        .sum(2)
        .unwrap()
        .get(0)
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    assert!(rows[..n_real].iter().all(|r| *r > 0.0));
    assert!(rows[n_real..].iter().all(|r| *r == 0.0));
}

#[test]
fn diffusers_folder_with_shards_loads_and_matches_reference() {
    let tmp = tempfile::tempdir().unwrap();
    diffusers_folder(tmp.path(), None);
    let model = WanModel::load(tmp.path(), &Device::Cpu).unwrap();
    let io = tensors("transformer_t2v_io");
    let got = model
        .dit
        .forward(
            &io["hidden_states"],
            &io["timestep"],
            &io["encoder_hidden_states"],
            None,
        )
        .unwrap();
    let d = max_abs_diff(&got, &io["output"]);
    assert!(d <= 1e-5, "transformer max |diff| {d:e}");
    check_vae(&model);
    check_text(&model);
    assert!(model.dit_2.is_none());
    assert_eq!(model.scheduler.class_name, "UniPCMultistepScheduler");
    assert_eq!(model.scheduler.flow_shift, 3.0);
    assert_eq!(model.scheduler.solver_type.as_deref(), Some("bh2"));
    assert_eq!(model.config.pipeline_class, "WanPipeline");
    assert_eq!(model.config.text_len, 512);
    assert!(matches!(model.config.source, WanSource::Diffusers { .. }));
}

#[test]
fn unknown_pipeline_class_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    diffusers_folder(tmp.path(), None);
    let p = tmp.path().join("model_index.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v["_class_name"] = json!("WanAnimatePipeline");
    write_json(&p, &v);
    assert_mentions(
        &load_err(tmp.path()),
        &["WanAnimatePipeline", "model_index.json"],
    );
}

#[test]
fn missing_files_are_named() {
    let shard_2 = format!("transformer/{}", testkit::SHARD_2);
    for (remove, expect) in [
        (
            "vae/diffusion_pytorch_model.safetensors",
            "diffusion_pytorch_model.safetensors",
        ),
        ("vae/config.json", "vae/config.json"),
        ("tokenizer/tokenizer.json", "tokenizer/tokenizer.json"),
        ("scheduler/scheduler_config.json", "scheduler_config.json"),
        ("text_encoder/model.safetensors", "text_encoder"),
        (shard_2.as_str(), testkit::SHARD_2),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        diffusers_folder(tmp.path(), None);
        std::fs::remove_file(tmp.path().join(remove)).unwrap();
        let msg = load_err(tmp.path());
        assert_mentions(&msg, &[expect]);
        assert!(msg.contains("missing") || msg.contains("exists"), "{msg}");
    }
}

#[test]
fn missing_tensor_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    diffusers_folder(tmp.path(), Some("proj_out.weight"));
    assert_mentions(
        &load_err(tmp.path()),
        &[
            "transformer",
            "proj_out.weight",
            "missing",
            testkit::SHARD_1,
        ],
    );
}

#[test]
fn shape_mismatch_names_file_and_tensor() {
    let tmp = tempfile::tempdir().unwrap();
    diffusers_folder(tmp.path(), None);
    let p = tmp.path().join("transformer/config.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v["ffn_dim"] = json!(48);
    write_json(&p, &v);
    // blocks.0.* sorts into the first shard.
    assert_mentions(
        &load_err(tmp.path()),
        &[
            "blocks.0.ffn.net.0.proj.weight",
            testkit::SHARD_1,
            "[64, 32]",
            "[48, 32]",
        ],
    );
}

#[test]
fn text_encoder_that_does_not_fit_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    diffusers_folder(tmp.path(), None);
    write_json(
        &tmp.path().join("text_encoder/config.json"),
        &testkit::umt5_config(16),
    );
    std::fs::copy(
        testkit::fixture_dir().join("umt5_weights.safetensors"),
        tmp.path().join("text_encoder/model.safetensors"),
    )
    .unwrap();
    assert_mentions(
        &load_err(tmp.path()),
        &["d_model 16", "text_dim 24", "text_encoder/config.json"],
    );
}

/// Original layout with the I2V fixture transformer.
fn original_folder(dir: &Path, with_config: bool) {
    original_folder_with(dir, with_config, false)
}

fn original_folder_with(dir: &Path, with_config: bool, hf_text: bool) {
    testkit::original_folder(dir, OriginalTransformer::I2v, with_config, hf_text).unwrap()
}

#[test]
fn original_layout_files_load_and_match_reference() {
    let tmp = tempfile::tempdir().unwrap();
    original_folder(tmp.path(), true);
    let model = WanModel::load(tmp.path(), &Device::Cpu).unwrap();
    let io = tensors("transformer_i2v_io");
    let got = model
        .dit
        .forward(
            &io["hidden_states"],
            &io["timestep"],
            &io["encoder_hidden_states"],
            Some(&io["encoder_hidden_states_image"]),
        )
        .unwrap();
    let d = max_abs_diff(&got, &io["output"]);
    assert!(
        d <= 1e-5,
        "I2V transformer (original keys) max |diff| {d:e}"
    );
    check_vae(&model);
    check_text(&model);
    assert!(matches!(model.config.source, WanSource::Original(_)));
    // No scheduler file: the converter's default.
    assert_eq!(model.scheduler.flow_shift, 3.0);
    assert_eq!(model.config.text.num_layers, 2);
    assert_eq!(model.config.text.d_kv, 8);
}

#[test]
fn original_folder_accepts_a_transformers_named_text_encoder() {
    let tmp = tempfile::tempdir().unwrap();
    original_folder_with(tmp.path(), true, true);
    let model = WanModel::load(tmp.path(), &Device::Cpu).unwrap();
    check_text(&model);
    assert_eq!(model.config.text.d_model, 24);
}

#[test]
fn second_expert_and_boundary_are_loaded() {
    let tmp = tempfile::tempdir().unwrap();
    diffusers_folder(tmp.path(), None);
    let t2 = tmp.path().join("transformer_2");
    std::fs::create_dir_all(&t2).unwrap();
    for e in std::fs::read_dir(tmp.path().join("transformer")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), t2.join(e.file_name())).unwrap();
    }
    let p = tmp.path().join("model_index.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v["transformer_2"] = json!(["diffusers", "WanTransformer3DModel"]);
    v["boundary_ratio"] = json!(0.875);
    write_json(&p, &v);
    let model = WanModel::load(tmp.path(), &Device::Cpu).unwrap();
    assert_eq!(model.config.boundary_ratio, Some(0.875));
    let io = tensors("transformer_t2v_io");
    let dit_2 = model.dit_2.as_ref().expect("second expert");
    let got = dit_2
        .forward(
            &io["hidden_states"],
            &io["timestep"],
            &io["encoder_hidden_states"],
            None,
        )
        .unwrap();
    assert!(max_abs_diff(&got, &io["output"]) <= 1e-5);
    // A declared but absent second expert is named.
    std::fs::remove_file(t2.join("config.json")).unwrap();
    assert_mentions(
        &load_err(tmp.path()),
        &["transformer_2/config.json", "missing"],
    );
}

#[test]
fn original_transformer_config_is_read_from_shapes() {
    let m = manifest("transformer_i2v_original_weights");
    let want: DitConfig = serde_json::from_value(m["config"].clone()).unwrap();
    let shapes: HashMap<String, Vec<usize>> = tensors("transformer_i2v_original_weights")
        .into_iter()
        .map(|(n, t)| (n, t.dims().to_vec()))
        .collect();
    let got = infer_transformer_config(&shapes, want.attention_head_dim).unwrap();
    assert_eq!(got, want);
    // Without a config.json the published head_dim 128 is assumed; width 32 cannot fit it.
    let tmp = tempfile::tempdir().unwrap();
    original_folder(tmp.path(), false);
    assert_mentions(&load_err(tmp.path()), &["head_dim 128", "config.json"]);
}

#[test]
fn original_folder_missing_pieces_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    original_folder(tmp.path(), true);
    std::fs::remove_file(tmp.path().join("Wan2.1_VAE.safetensors")).unwrap();
    assert_mentions(&load_err(tmp.path()), &["VAE", "decoder.conv1.weight"]);
    let tmp = tempfile::tempdir().unwrap();
    original_folder(tmp.path(), true);
    std::fs::remove_file(tmp.path().join("tokenizer.json")).unwrap();
    assert_mentions(&load_err(tmp.path()), &["tokenizer.json"]);
}

#[test]
fn transformer_rename_matches_the_fixture_table() {
    let m = manifest("transformer_i2v_original_weights");
    let table = m["diffusers_to_original"].as_object().unwrap();
    assert_eq!(table.len(), 87);
    for (d, o) in table {
        assert_eq!(keys::transformer_original(d), o.as_str().unwrap(), "{d}");
    }
}

#[test]
fn vae_and_umt5_renames_follow_wan_md() {
    // Rows of WAN.md §7.2 for the published VAE (num_res_blocks 2, stride 4).
    for (d, o) in [
        ("encoder.conv_in.weight", "encoder.conv1.weight"),
        ("decoder.conv_in.bias", "decoder.conv1.bias"),
        (
            "encoder.down_blocks.4.norm1.gamma",
            "encoder.downsamples.4.residual.0.gamma",
        ),
        (
            "encoder.down_blocks.4.conv2.weight",
            "encoder.downsamples.4.residual.6.weight",
        ),
        (
            "encoder.down_blocks.2.resample.1.weight",
            "encoder.downsamples.2.resample.1.weight",
        ),
        (
            "encoder.mid_block.resnets.1.conv1.bias",
            "encoder.middle.2.residual.2.bias",
        ),
        (
            "decoder.mid_block.attentions.0.to_qkv.weight",
            "decoder.middle.1.to_qkv.weight",
        ),
        ("decoder.norm_out.gamma", "decoder.head.0.gamma"),
        ("encoder.conv_out.weight", "encoder.head.2.weight"),
        ("quant_conv.weight", "conv1.weight"),
        ("post_quant_conv.bias", "conv2.bias"),
        (
            "decoder.up_blocks.1.resnets.0.conv_shortcut.weight",
            "decoder.upsamples.4.shortcut.weight",
        ),
        (
            "decoder.up_blocks.3.resnets.2.norm2.gamma",
            "decoder.upsamples.14.residual.3.gamma",
        ),
        (
            "decoder.up_blocks.2.upsamplers.0.time_conv.bias",
            "decoder.upsamples.11.time_conv.bias",
        ),
        (
            "decoder.up_blocks.0.upsamplers.0.resample.1.weight",
            "decoder.upsamples.3.resample.1.weight",
        ),
    ] {
        assert_eq!(keys::vae_original(d, 2), o, "{d}");
    }
    // num_res_blocks 1 → stride 3.
    assert_eq!(
        keys::vae_original("decoder.up_blocks.2.resnets.1.conv1.weight", 1),
        "decoder.upsamples.7.residual.2.weight"
    );
    for (d, o) in [
        ("shared.weight", "token_embedding.weight"),
        (
            "encoder.block.3.layer.0.SelfAttention.q.weight",
            "blocks.3.attn.q.weight",
        ),
        (
            "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
            "blocks.0.pos_embedding.embedding.weight",
        ),
        (
            "encoder.block.1.layer.1.DenseReluDense.wi_0.weight",
            "blocks.1.ffn.gate.0.weight",
        ),
        (
            "encoder.block.1.layer.1.DenseReluDense.wo.weight",
            "blocks.1.ffn.fc2.weight",
        ),
        (
            "encoder.block.2.layer.1.layer_norm.weight",
            "blocks.2.norm2.weight",
        ),
        ("encoder.final_layer_norm.weight", "norm.weight"),
    ] {
        assert_eq!(keys::umt5_original(d), o, "{d}");
    }
}

#[test]
fn ti2v_diffusers_folder_loads_the_residual_vae() {
    let tmp = tempfile::tempdir().unwrap();
    testkit::ti2v_diffusers_folder(tmp.path()).unwrap();
    let model = WanModel::load(tmp.path(), &Device::Cpu).unwrap();
    assert!(model.config.expand_timesteps);
    let vae = model.vae.config();
    assert!(vae.is_residual);
    assert_eq!(vae.spatial_compression(), 16);
    let io = tensors("vae22_io");
    let d = max_abs_diff(&model.vae.decode(&io["latent"]).unwrap(), &io["decoded"]);
    assert!(d <= 2e-5, "Wan2.2 VAE decode max |diff| {d:e}");
}

#[test]
fn original_layout_wan22_vae_is_refused_with_the_reason() {
    // With a sidecar config saying so.
    let tmp = tempfile::tempdir().unwrap();
    original_folder(tmp.path(), true);
    write_json(
        &tmp.path().join("vae_config.json"),
        &manifest("vae22_weights")["config"],
    );
    assert_mentions(
        &load_err(tmp.path()),
        &["Wan2.2", "original key layout", "diffusers-layout vae/"],
    );
    // Without one: the first conv takes 12 pixel-unshuffled channels.
    let tmp = tempfile::tempdir().unwrap();
    original_folder(tmp.path(), true);
    std::fs::remove_file(tmp.path().join("vae_config.json")).unwrap();
    let z = |s: &[usize]| Tensor::zeros(s, candle_core::DType::F32, &Device::Cpu).unwrap();
    testkit::save(
        &tmp.path().join("Wan2.1_VAE.safetensors"),
        &[
            ("encoder.conv1.weight".to_string(), z(&[160, 12, 3, 3, 3])),
            ("decoder.conv1.weight".to_string(), z(&[1024, 48, 3, 3, 3])),
        ]
        .into(),
    )
    .unwrap();
    assert_mentions(
        &load_err(tmp.path()),
        &["Wan2.1_VAE.safetensors", "Wan2.2", "original key layout"],
    );
}
