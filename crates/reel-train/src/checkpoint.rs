//! Checkpoints: one safetensors file holding every parameter, AdamW moment and EMA tensor of both
//! stages plus a JSON record (config, stage, step, latent statistics, checksum) stored as a u8
//! tensor. Written to a temporary name and renamed, so a kill never leaves a half-written file.

use crate::config::TrainConfig;
use anyhow::{bail, Context, Result};
use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

pub const CHECKPOINT_FILE: &str = "checkpoint.safetensors";
const META: &str = "__meta__";
const FORMAT: &str = "reel-train-checkpoint-1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Vae,
    Dit,
    /// The optional decoder stage (`TrainConfig::decoder`).
    Decoder,
    Done,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Meta {
    pub format: String,
    pub config: TrainConfig,
    pub stage: Stage,
    /// Steps done within `stage`.
    pub step: usize,
    pub vae_adam_t: u64,
    pub dit_adam_t: u64,
    /// Per-channel latent mean and std, once the VAE stage is done.
    pub latent_stats: Option<(Vec<f64>, Vec<f64>)>,
    /// Wall time spent training so far, across resumes.
    pub elapsed_secs: f64,
    /// SHA-256 over every tensor's name, shape and bytes (sorted by name).
    pub checksum: String,
}

fn checksum(tensors: &HashMap<String, Tensor>) -> Result<String> {
    let mut names: Vec<&String> = tensors.keys().filter(|k| *k != META).collect();
    names.sort();
    let mut h = Sha256::new();
    for n in names {
        let t = &tensors[n];
        h.update(n.as_bytes());
        h.update(format!("{:?}", t.dims()).as_bytes());
        let v = t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
        for x in v {
            h.update(x.to_le_bytes());
        }
    }
    Ok(hex::encode(h.finalize()))
}

/// Writes `tensors` and `meta` (its checksum filled in) to `dir/checkpoint.safetensors` atomically.
pub fn save(dir: &Path, mut tensors: HashMap<String, Tensor>, mut meta: Meta) -> Result<()> {
    meta.format = FORMAT.into();
    meta.checksum = checksum(&tensors)?;
    let json = serde_json::to_vec(&meta)?;
    let n = json.len();
    tensors.insert(META.into(), Tensor::from_vec(json, n, &Device::Cpu)?);
    let path = dir.join(CHECKPOINT_FILE);
    let tmp = dir.join(format!(".{CHECKPOINT_FILE}.tmp"));
    candle_core::safetensors::save(&tensors, &tmp)
        .with_context(|| format!("cannot write checkpoint {}", tmp.display()))?;
    std::fs::rename(&tmp, &path)
        .with_context(|| format!("cannot move checkpoint into place at {}", path.display()))?;
    Ok(())
}

/// Reads and verifies a checkpoint: format, checksum. Never modifies anything on disk.
pub fn load(path: &Path, dev: &Device) -> Result<(HashMap<String, Tensor>, Meta)> {
    if !path.is_file() {
        bail!("no checkpoint at {}", path.display());
    }
    let bad = || format!("checkpoint {} is truncated or corrupt", path.display());
    let mut tensors = candle_core::safetensors::load(path, dev).with_context(bad)?;
    let meta_t = tensors.remove(META).with_context(|| {
        format!(
            "{} is not a Reel training checkpoint (no record)",
            path.display()
        )
    })?;
    let bytes = meta_t.to_vec1::<u8>().with_context(bad)?;
    let meta: Meta = serde_json::from_slice(&bytes).with_context(bad)?;
    if meta.format != FORMAT {
        bail!(
            "{} has checkpoint format {:?}, expected {FORMAT:?}",
            path.display(),
            meta.format
        );
    }
    let sum = checksum(&tensors)?;
    if sum != meta.checksum {
        bail!("{}: checksum mismatch (the file is corrupt)", bad());
    }
    Ok((tensors, meta))
}
