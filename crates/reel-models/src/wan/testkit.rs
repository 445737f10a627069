//! Builds Wan model folders from the tiny parity fixtures in `tests/fixtures/wan/`
//! (`scripts/make_wan_fixtures.py`): a diffusers folder and an original-layout folder, as users
//! have them on disk. Tests of every crate that loads or samples a Wan model share these.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use candle_core::{Device, Tensor};
use rand::SeedableRng;
use serde_json::{json, Value};

use super::keys;

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/wan")
}

/// The tensors of `tests/fixtures/wan/{name}.safetensors`.
pub fn fixture_tensors(name: &str) -> Result<HashMap<String, Tensor>> {
    let path = fixture_dir().join(format!("{name}.safetensors"));
    candle_core::safetensors::load(&path, &Device::Cpu)
        .with_context(|| format!("cannot read fixture {}", path.display()))
}

/// The manifest `tests/fixtures/wan/{name}.json` (configs, call arguments, shapes).
pub fn fixture_manifest(name: &str) -> Result<Value> {
    let path = fixture_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read fixture {}", path.display()))?;
    Ok(serde_json::from_str(&text)?)
}

pub fn write_json(path: &Path, v: &Value) -> Result<()> {
    std::fs::create_dir_all(path.parent().context("path without parent")?)?;
    std::fs::write(path, serde_json::to_string_pretty(v)?)?;
    Ok(())
}

pub fn save(path: &Path, t: &HashMap<String, Tensor>) -> Result<()> {
    std::fs::create_dir_all(path.parent().context("path without parent")?)?;
    candle_core::safetensors::save(t, path)?;
    Ok(())
}

/// A UMT5 config of width `d_model` with the fixture tokenizer's vocabulary (96).
pub fn umt5_config(d_model: usize) -> Value {
    json!({
        "vocab_size": 96, "d_model": d_model, "d_kv": 8, "d_ff": 32, "num_layers": 2,
        "num_heads": 2, "relative_attention_num_buckets": 32,
        "relative_attention_max_distance": 128, "layer_norm_epsilon": 1e-6,
        "feed_forward_proj": "gated-gelu", "pad_token_id": 0, "eos_token_id": 1
    })
}

/// Seeded random UMT5 weights of width `d` in transformers names (for loading and sampling
/// tests; the UMT5 numerics have their own fixture).
pub fn random_umt5(d: usize) -> Result<HashMap<String, Tensor>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut r = |shape: &[usize]| -> Result<Tensor> {
        let n = shape.iter().product();
        let v: Vec<f32> = crate::init::normal_samples(&mut rng, n)
            .into_iter()
            .map(|z| 0.3 * z)
            .collect();
        Ok(Tensor::from_vec(v, shape, &Device::Cpu)?)
    };
    let mut t = HashMap::new();
    t.insert("shared.weight".to_string(), r(&[96, d])?);
    for i in 0..2 {
        let p = format!("encoder.block.{i}.layer");
        for n in ["q", "k", "v"] {
            t.insert(format!("{p}.0.SelfAttention.{n}.weight"), r(&[16, d])?);
        }
        t.insert(format!("{p}.0.SelfAttention.o.weight"), r(&[d, 16])?);
        t.insert(
            format!("{p}.0.SelfAttention.relative_attention_bias.weight"),
            r(&[32, 2])?,
        );
        t.insert(format!("{p}.0.layer_norm.weight"), r(&[d])?);
        t.insert(format!("{p}.1.layer_norm.weight"), r(&[d])?);
        t.insert(format!("{p}.1.DenseReluDense.wi_0.weight"), r(&[32, d])?);
        t.insert(format!("{p}.1.DenseReluDense.wi_1.weight"), r(&[32, d])?);
        t.insert(format!("{p}.1.DenseReluDense.wo.weight"), r(&[d, 32])?);
    }
    t.insert("encoder.final_layer_norm.weight".to_string(), r(&[d])?);
    Ok(t)
}

/// The scheduler the fixture pipeline ran: UniPC flow, shift 3.
pub fn scheduler_json() -> Value {
    json!({
        "_class_name": "UniPCMultistepScheduler", "flow_shift": 3.0,
        "prediction_type": "flow_prediction", "use_flow_sigmas": true,
        "num_train_timesteps": 1000, "solver_order": 2, "solver_type": "bh2"
    })
}

pub const SHARD_1: &str = "diffusion_pytorch_model-00001-of-00002.safetensors";
pub const SHARD_2: &str = "diffusion_pytorch_model-00002-of-00002.safetensors";

/// A diffusers folder: T2V transformer in two shards with an index, VAE, UMT5 (width 24),
/// tokenizer, scheduler. `skip` leaves one transformer tensor out of both the shard and the index.
pub fn diffusers_folder(dir: &Path, skip: Option<&str>) -> Result<()> {
    write_json(
        &dir.join("model_index.json"),
        &json!({
            "_class_name": "WanPipeline", "_diffusers_version": "0.42.1",
            "transformer": ["diffusers", "WanTransformer3DModel"],
            "transformer_2": [null, null],
            "vae": ["diffusers", "AutoencoderKLWan"],
            "text_encoder": ["transformers", "UMT5EncoderModel"],
            "tokenizer": ["transformers", "T5TokenizerFast"],
            "scheduler": ["diffusers", "UniPCMultistepScheduler"]
        }),
    )?;
    let mut tcfg = fixture_manifest("transformer_t2v_weights")?["config"].clone();
    tcfg["_class_name"] = json!("WanTransformer3DModel");
    write_json(&dir.join("transformer/config.json"), &tcfg)?;
    let mut names: Vec<(String, Tensor)> = fixture_tensors("transformer_t2v_weights")?
        .into_iter()
        .filter(|(n, _)| Some(n.as_str()) != skip)
        .collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    let half = names.len() / 2;
    let mut weight_map = serde_json::Map::new();
    for (i, part) in [&names[..half], &names[half..]].into_iter().enumerate() {
        let file = [SHARD_1, SHARD_2][i];
        for (n, _) in part {
            weight_map.insert(n.clone(), json!(file));
        }
        save(
            &dir.join("transformer").join(file),
            &part.iter().cloned().collect(),
        )?;
    }
    write_json(
        &dir.join("transformer/diffusion_pytorch_model.safetensors.index.json"),
        &json!({"metadata": {}, "weight_map": weight_map}),
    )?;
    let mut vcfg = fixture_manifest("vae_weights")?["config"].clone();
    vcfg["_class_name"] = json!("AutoencoderKLWan");
    write_json(&dir.join("vae/config.json"), &vcfg)?;
    std::fs::copy(
        fixture_dir().join("vae_weights.safetensors"),
        dir.join("vae/diffusion_pytorch_model.safetensors"),
    )?;
    write_json(&dir.join("text_encoder/config.json"), &umt5_config(24))?;
    save(
        &dir.join("text_encoder/model.safetensors"),
        &random_umt5(24)?,
    )?;
    std::fs::create_dir_all(dir.join("tokenizer"))?;
    std::fs::copy(
        fixture_dir().join("umt5_tokenizer.json"),
        dir.join("tokenizer/tokenizer.json"),
    )?;
    write_json(
        &dir.join("scheduler/scheduler_config.json"),
        &scheduler_json(),
    )?;
    Ok(())
}

/// Which fixture transformer an original-layout folder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OriginalTransformer {
    /// The T2V fixture renamed to original keys (samplable).
    T2v,
    /// The I2V fixture as the script wrote it in original keys (36 input channels).
    I2v,
}

/// Original layout as ComfyUI users have it: one transformer file, `Wan2.1_VAE.safetensors`,
/// `umt5-xxl-enc.safetensors` (Wan names, or transformers names with `hf_text`),
/// `tokenizer.json`; `with_config` adds the transformer's `config.json` sidecar.
pub fn original_folder(
    dir: &Path,
    transformer: OriginalTransformer,
    with_config: bool,
    hf_text: bool,
) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let config = match transformer {
        OriginalTransformer::I2v => {
            std::fs::copy(
                fixture_dir().join("transformer_i2v_original_weights.safetensors"),
                dir.join("wan2.1_i2v_tiny.safetensors"),
            )?;
            fixture_manifest("transformer_i2v_original_weights")?["config"].clone()
        }
        OriginalTransformer::T2v => {
            let renamed: HashMap<String, Tensor> = fixture_tensors("transformer_t2v_weights")?
                .into_iter()
                .map(|(n, t)| (keys::transformer_original(&n), t))
                .collect();
            save(&dir.join("wan2.1_t2v_tiny.safetensors"), &renamed)?;
            fixture_manifest("transformer_t2v_weights")?["config"].clone()
        }
    };
    if with_config {
        write_json(&dir.join("config.json"), &config)?;
    }
    let vcfg = fixture_manifest("vae_weights")?["config"].clone();
    let nrb = vcfg["num_res_blocks"]
        .as_u64()
        .context("vae config without num_res_blocks")? as usize;
    write_json(&dir.join("vae_config.json"), &vcfg)?;
    let vae: HashMap<String, Tensor> = fixture_tensors("vae_weights")?
        .into_iter()
        .map(|(n, t)| (keys::vae_original(&n, nrb), t))
        .collect();
    save(&dir.join("Wan2.1_VAE.safetensors"), &vae)?;
    let t5: HashMap<String, Tensor> = random_umt5(24)?
        .into_iter()
        .map(|(n, t)| {
            if hf_text {
                (n, t)
            } else {
                (keys::umt5_original(&n), t)
            }
        })
        .collect();
    save(&dir.join("umt5-xxl-enc.safetensors"), &t5)?;
    std::fs::copy(
        fixture_dir().join("umt5_tokenizer.json"),
        dir.join("tokenizer.json"),
    )?;
    Ok(())
}

/// Writes the fixture CLIP tower as `image_encoder/` (config.json, model.safetensors) and its
/// processor as `image_processor/preprocessor_config.json`, as the Wan I2V diffusers repos have.
pub fn add_image_encoder(dir: &Path) -> Result<()> {
    let m = fixture_manifest("clip_weights")?;
    write_json(&dir.join("image_encoder/config.json"), &m["config"])?;
    std::fs::copy(
        fixture_dir().join("clip_weights.safetensors"),
        dir.join("image_encoder/model.safetensors"),
    )?;
    write_json(
        &dir.join("image_processor/preprocessor_config.json"),
        &m["preprocessor"],
    )?;
    Ok(())
}

/// A Wan2.1 I2V diffusers folder from the fixtures: the I2V transformer (renamed back to
/// diffusers keys), VAE, UMT5 (width 24), tokenizer, scheduler and, with `image_encoder`, the
/// CLIP tower. `flf2v` makes it the FLF2V variant: the same weights plus the image position
/// table of `pipeline_flf2v`.
pub fn i2v_diffusers_folder(dir: &Path, flf2v: bool, image_encoder: bool) -> Result<()> {
    diffusers_folder(dir, None)?;
    for f in [
        SHARD_1,
        SHARD_2,
        "diffusion_pytorch_model.safetensors.index.json",
    ] {
        std::fs::remove_file(dir.join("transformer").join(f))?;
    }
    let index = json!({
        "_class_name": "WanImageToVideoPipeline", "_diffusers_version": "0.42.1",
        "transformer": ["diffusers", "WanTransformer3DModel"],
        "transformer_2": [null, null],
        "vae": ["diffusers", "AutoencoderKLWan"],
        "text_encoder": ["transformers", "UMT5EncoderModel"],
        "tokenizer": ["transformers", "T5TokenizerFast"],
        "scheduler": ["diffusers", "UniPCMultistepScheduler"],
        "image_encoder": if image_encoder { json!(["transformers", "CLIPVisionModel"]) } else { json!([null, null]) },
        "image_processor": if image_encoder { json!(["transformers", "CLIPImageProcessor"]) } else { json!([null, null]) },
        "boundary_ratio": null, "expand_timesteps": false
    });
    write_json(&dir.join("model_index.json"), &index)?;
    let m = fixture_manifest("transformer_i2v_original_weights")?;
    let to_original = m["diffusers_to_original"]
        .as_object()
        .context("manifest without diffusers_to_original")?;
    let from_original: HashMap<&str, &str> = to_original
        .iter()
        .filter_map(|(d, o)| Some((o.as_str()?, d.as_str())))
        .collect();
    let mut weights: HashMap<String, Tensor> = fixture_tensors("transformer_i2v_original_weights")?
        .into_iter()
        .map(|(n, t)| {
            let d = from_original
                .get(n.as_str())
                .with_context(|| format!("no diffusers name for {n}"))?;
            Ok((d.to_string(), t))
        })
        .collect::<Result<_>>()?;
    let mut cfg = if flf2v {
        let p = fixture_manifest("pipeline_flf2v")?;
        weights.insert(
            "condition_embedder.image_embedder.pos_embed".into(),
            fixture_tensors("pipeline_flf2v")?["pos_embed"].clone(),
        );
        p["transformer_config"].clone()
    } else {
        m["config"].clone()
    };
    cfg["_class_name"] = json!("WanTransformer3DModel");
    write_json(&dir.join("transformer/config.json"), &cfg)?;
    save(
        &dir.join("transformer/diffusion_pytorch_model.safetensors"),
        &weights,
    )?;
    if image_encoder {
        add_image_encoder(dir)?;
    }
    Ok(())
}

/// A Wan2.2 TI2V-5B-shaped diffusers folder from the fixtures: `WanPipeline` with
/// `expand_timesteps`, the T2V fixture transformer (in/out 16 = the tiny VAE's z_dim), the tiny
/// residual VAE of `vae22_weights`, UMT5 (width 24), tokenizer, UniPC with flow_shift 5.
pub fn ti2v_diffusers_folder(dir: &Path) -> Result<()> {
    diffusers_folder(dir, None)?;
    let index = json!({
        "_class_name": "WanPipeline", "_diffusers_version": "0.42.1",
        "transformer": ["diffusers", "WanTransformer3DModel"],
        "transformer_2": [null, null],
        "vae": ["diffusers", "AutoencoderKLWan"],
        "text_encoder": ["transformers", "UMT5EncoderModel"],
        "tokenizer": ["transformers", "T5TokenizerFast"],
        "scheduler": ["diffusers", "UniPCMultistepScheduler"],
        "boundary_ratio": null, "expand_timesteps": true
    });
    write_json(&dir.join("model_index.json"), &index)?;
    let mut vcfg = fixture_manifest("vae22_weights")?["config"].clone();
    vcfg["_class_name"] = json!("AutoencoderKLWan");
    write_json(&dir.join("vae/config.json"), &vcfg)?;
    std::fs::copy(
        fixture_dir().join("vae22_weights.safetensors"),
        dir.join("vae/diffusion_pytorch_model.safetensors"),
    )?;
    let mut sched = scheduler_json();
    sched["flow_shift"] = json!(5.0);
    write_json(&dir.join("scheduler/scheduler_config.json"), &sched)?;
    Ok(())
}
