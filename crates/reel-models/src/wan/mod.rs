//! Loading published Wan2.1/2.2 weights: a diffusers folder (`model_index.json`, `transformer/`,
//! `vae/`, `text_encoder/`, `tokenizer/`, `scheduler/`) or original-layout single safetensors files
//! (the names ComfyUI users have). Weights stay memory-mapped; each tensor is read (and converted
//! to f32) only when a layer asks for it, so a sharded 14B transformer is never copied whole.
//!
//! Every failure names the file and, for weights, the tensor (both the stored and the diffusers
//! name when they differ).

pub mod keys;
#[doc(hidden)]
pub mod testkit;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use candle_core::safetensors::MmapedSafetensors;
use candle_core::{DType, Device, Shape, Tensor};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::VarBuilder;
use serde_json::Value;

use crate::clip::{ClipImageEncoder, ClipImageProcessor, ClipVisionConfig, ClipVisionModel};
use crate::dit::{Dit, DitConfig};
use crate::text::TextEncoder;
use crate::umt5::{Umt5Config, Umt5Encoder, Umt5TextEncoder, Umt5Tokenizer, WAN_TEXT_LEN};
use crate::vae::{Vae, VaeConfig};

/// Pipelines whose components this loader understands (`model_index.json` `_class_name`).
pub const KNOWN_PIPELINES: &[&str] = &[
    "WanPipeline",
    "WanImageToVideoPipeline",
    "WanVideoToVideoPipeline",
];

/// How the stored names relate to the diffusers names the models ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLayout {
    Diffusers,
    OriginalTransformer,
    /// Original VAE; the decoder's flat index stride depends on `num_res_blocks`.
    OriginalVae {
        num_res_blocks: usize,
    },
    OriginalUmt5,
}

impl KeyLayout {
    pub fn stored_name(&self, diffusers: &str) -> String {
        match self {
            KeyLayout::Diffusers => diffusers.to_string(),
            KeyLayout::OriginalTransformer => keys::transformer_original(diffusers),
            KeyLayout::OriginalVae { num_res_blocks } => {
                keys::vae_original(diffusers, *num_res_blocks)
            }
            KeyLayout::OriginalUmt5 => keys::umt5_original(diffusers),
        }
    }
}

/// Memory-mapped safetensors files (one or many shards) behind a `VarBuilder`, translating names
/// and reporting the file and tensor on every failure.
pub struct WeightFiles {
    component: String,
    files: Vec<(PathBuf, MmapedSafetensors)>,
    owner: HashMap<String, usize>,
    layout: KeyLayout,
}

impl WeightFiles {
    /// Maps `paths`; a tensor name present in two shards is refused.
    pub fn open(component: &str, paths: &[PathBuf], layout: KeyLayout) -> Result<Self> {
        let mut files = Vec::with_capacity(paths.len());
        let mut owner = HashMap::new();
        for (i, p) in paths.iter().enumerate() {
            if !p.is_file() {
                bail!("{component}: weight file {} is missing", p.display());
            }
            // SAFETY: the files are opened read-only; like every mmap user we rely on nobody
            // truncating them while the model is alive.
            let st = unsafe { MmapedSafetensors::new(p) }
                .with_context(|| format!("{component}: reading {}", p.display()))?;
            for (name, _) in st.tensors() {
                if let Some(prev) = owner.insert(name.clone(), i) {
                    let prev: usize = prev;
                    bail!(
                        "{component}: tensor {name} is stored in both {} and {}",
                        paths[prev].display(),
                        p.display()
                    );
                }
            }
            files.push((p.clone(), st));
        }
        Ok(Self {
            component: component.to_string(),
            files,
            owner,
            layout,
        })
    }

    pub fn contains(&self, stored: &str) -> bool {
        self.owner.contains_key(stored)
    }

    /// Stored shape of a tensor by its stored name.
    pub fn shape_of(&self, stored: &str) -> Option<Vec<usize>> {
        let i = *self.owner.get(stored)?;
        self.files[i].1.get(stored).ok().map(|v| v.shape().to_vec())
    }

    /// All stored names with their shapes.
    pub fn shapes(&self) -> HashMap<String, Vec<usize>> {
        self.owner
            .keys()
            .filter_map(|n| Some((n.clone(), self.shape_of(n)?)))
            .collect()
    }

    fn file_list(&self) -> String {
        self.files
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn describe(&self, name: &str, stored: &str) -> String {
        if name == stored {
            format!("tensor {stored}")
        } else {
            format!("tensor {stored} (diffusers name {name})")
        }
    }

    pub fn into_var_builder(self, dev: &Device) -> VarBuilder<'static> {
        VarBuilder::from_backend(Box::new(self), DType::F32, dev.clone())
    }
}

impl SimpleBackend for WeightFiles {
    fn get(
        &self,
        s: Shape,
        name: &str,
        _: candle_nn::Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        let stored = self.layout.stored_name(name);
        let Some(&i) = self.owner.get(&stored) else {
            return Err(candle_core::Error::Msg(format!(
                "{}: {} is missing from {}",
                self.component,
                self.describe(name, &stored),
                self.file_list()
            )));
        };
        let (path, st) = &self.files[i];
        let got = st.get(&stored)?.shape().to_vec();
        if got != s.dims() {
            return Err(candle_core::Error::Msg(format!(
                "{}: {} in {} has shape {got:?}, the config expects {:?}",
                self.component,
                self.describe(name, &stored),
                path.display(),
                s.dims()
            )));
        }
        st.load(&stored, dev)?.to_dtype(dtype)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
        let stored = self.layout.stored_name(name);
        let Some(&i) = self.owner.get(&stored) else {
            return Err(candle_core::Error::Msg(format!(
                "{}: {} is missing from {}",
                self.component,
                self.describe(name, &stored),
                self.file_list()
            )));
        };
        self.files[i].1.load(&stored, dev)?.to_dtype(dtype)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.contains(&self.layout.stored_name(name))
    }
}

/// Scheduler as configured by `scheduler/scheduler_config.json`.
#[derive(Clone, Debug, PartialEq)]
pub struct SchedulerSettings {
    /// `UniPCMultistepScheduler` or `FlowMatchEulerDiscreteScheduler`.
    pub class_name: String,
    /// UniPC `flow_shift` or Euler `shift`.
    pub flow_shift: f64,
    pub num_train_timesteps: usize,
    /// UniPC only: `solver_type` ("bh1"/"bh2") and `solver_order`.
    pub solver_type: Option<String>,
    pub solver_order: Option<usize>,
    /// The whole file, for settings not lifted into fields.
    pub raw: Value,
}

impl SchedulerSettings {
    /// What the Wan converter writes (WAN.md §1.5): UniPC flow, shift 3, bh2, order 2.
    pub fn wan_default() -> Self {
        Self {
            class_name: "UniPCMultistepScheduler".into(),
            flow_shift: 3.0,
            num_train_timesteps: 1000,
            solver_type: Some("bh2".into()),
            solver_order: Some(2),
            raw: Value::Null,
        }
    }

    pub fn from_json(text: &str, file: &Path) -> Result<Self> {
        let raw: Value = serde_json::from_str(text)
            .with_context(|| format!("{} is not valid JSON", file.display()))?;
        let class = raw["_class_name"].as_str().unwrap_or_default().to_string();
        let f = |k: &str, d: f64| raw[k].as_f64().unwrap_or(d);
        let num_train_timesteps = f("num_train_timesteps", 1000.0) as usize;
        match class.as_str() {
            "UniPCMultistepScheduler" => {
                let pred = raw["prediction_type"].as_str().unwrap_or("epsilon");
                if pred != "flow_prediction" || raw["use_flow_sigmas"].as_bool() != Some(true) {
                    bail!(
                        "{}: UniPC with prediction_type {pred:?} / use_flow_sigmas {} is not a \
                         flow-matching scheduler; Wan needs flow_prediction with use_flow_sigmas",
                        file.display(),
                        raw["use_flow_sigmas"]
                    );
                }
                Ok(Self {
                    flow_shift: f("flow_shift", 1.0),
                    num_train_timesteps,
                    solver_type: Some(raw["solver_type"].as_str().unwrap_or("bh2").into()),
                    solver_order: Some(f("solver_order", 2.0) as usize),
                    class_name: class,
                    raw,
                })
            }
            "FlowMatchEulerDiscreteScheduler" => Ok(Self {
                flow_shift: f("shift", 1.0),
                num_train_timesteps,
                solver_type: None,
                solver_order: None,
                class_name: class,
                raw,
            }),
            "" => bail!("{}: no _class_name", file.display()),
            other => bail!(
                "{}: scheduler class {other:?} is not supported (UniPCMultistepScheduler or \
                 FlowMatchEulerDiscreteScheduler)",
                file.display()
            ),
        }
    }
}

/// Where the weights came from.
#[derive(Clone, Debug, PartialEq)]
pub enum WanSource {
    Diffusers { dir: PathBuf },
    Original(OriginalFiles),
}

/// Everything read from the configuration files.
#[derive(Clone, Debug)]
pub struct WanConfig {
    /// `model_index.json` `_class_name` (original layout: "WanPipeline").
    pub pipeline_class: String,
    pub transformer: DitConfig,
    /// Wan2.2 A14B low-noise expert, used below `boundary_ratio · 1000`.
    pub transformer_2: Option<DitConfig>,
    pub boundary_ratio: Option<f64>,
    /// Wan2.2 TI2V-5B per-token timesteps.
    pub expand_timesteps: bool,
    pub vae: VaeConfig,
    pub text: Umt5Config,
    /// Tokens per prompt (512 in every Wan pipeline).
    pub text_len: usize,
    pub source: WanSource,
}

/// A loaded Wan model: DiT(s), VAE, UMT5 text encoder and scheduler settings.
pub struct WanModel {
    pub dit: Dit,
    pub dit_2: Option<Dit>,
    pub vae: Vae,
    pub text: Box<dyn TextEncoder>,
    pub scheduler: SchedulerSettings,
    pub config: WanConfig,
    /// CLIP image encoder of Wan2.1 I2V/FLF2V (`image_encoder/`, `image_processor/`), when the
    /// model has one on disk; otherwise image embeddings must be given when sampling.
    pub image_encoder: Option<ClipImageEncoder>,
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

fn require_file(path: PathBuf, what: &str) -> Result<PathBuf> {
    if path.is_file() {
        Ok(path)
    } else {
        bail!("{what}: {} is missing", path.display())
    }
}

/// The weight files of a diffusers component folder: a single `{stem}.safetensors` or the shards
/// listed in `{stem}.safetensors.index.json` (every shard checked to exist).
pub fn component_weight_files(dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    let single = dir.join(format!("{stem}.safetensors"));
    let index = dir.join(format!("{stem}.safetensors.index.json"));
    if index.is_file() {
        let v = read_json(&index)?;
        let map = v["weight_map"]
            .as_object()
            .with_context(|| format!("{}: no weight_map", index.display()))?;
        let shards: BTreeSet<&str> = map.values().filter_map(Value::as_str).collect();
        if shards.is_empty() {
            bail!("{}: weight_map lists no shard files", index.display());
        }
        shards
            .into_iter()
            .map(|s| {
                let p = dir.join(s);
                if p.is_file() {
                    Ok(p)
                } else {
                    bail!(
                        "shard {} listed in {} is missing",
                        p.display(),
                        index.display()
                    )
                }
            })
            .collect()
    } else if single.is_file() {
        Ok(vec![single])
    } else {
        bail!(
            "{}: neither {} nor {} exists",
            dir.display(),
            single.display(),
            index.display()
        )
    }
}

fn check_text_fits(
    text: &Umt5Config,
    dit: &DitConfig,
    text_src: &str,
    dit_src: &str,
) -> Result<()> {
    if text.d_model != dit.text_dim {
        bail!(
            "text encoder ({text_src}) has d_model {} but the transformer ({dit_src}) expects \
             text_dim {}; this text encoder does not belong to this transformer",
            text.d_model,
            dit.text_dim
        );
    }
    Ok(())
}

fn load_text(
    cfg: &Umt5Config,
    weights: WeightFiles,
    tokenizer: &Path,
    text_len: usize,
    dev: &Device,
) -> Result<Box<dyn TextEncoder>> {
    let model = Umt5Encoder::new(cfg, weights.into_var_builder(dev))?;
    let tok = Umt5Tokenizer::from_file(tokenizer, text_len, cfg.pad_token_id)?;
    Ok(Box::new(Umt5TextEncoder::new(model, tok)))
}

/// The CLIP image encoder in `root/image_encoder/` (transformers `CLIPVisionModel`: config.json,
/// model.safetensors or shards) with `root/image_processor/preprocessor_config.json` (transformers'
/// CLIP defaults for the tower's size when absent). `None` when the transformer takes no image
/// tokens or the folder has no image encoder.
pub fn load_image_encoder(
    root: &Path,
    dit: &DitConfig,
    dit_src: &str,
    dev: &Device,
) -> Result<Option<ClipImageEncoder>> {
    let Some(image_dim) = dit.image_dim else {
        return Ok(None);
    };
    let edir = root.join("image_encoder");
    let cfg_path = edir.join("config.json");
    if !cfg_path.is_file() {
        return Ok(None);
    }
    let cfg = ClipVisionConfig::from_json(&std::fs::read_to_string(&cfg_path)?)
        .with_context(|| format!("{}", cfg_path.display()))?;
    if cfg.hidden_size != image_dim {
        bail!(
            "image encoder ({}) has hidden_size {} but the transformer ({dit_src}) expects \
             image_dim {image_dim}; this image encoder does not belong to this transformer",
            cfg_path.display(),
            cfg.hidden_size
        );
    }
    let weights = WeightFiles::open(
        "image_encoder",
        &component_weight_files(&edir, "model")?,
        KeyLayout::Diffusers,
    )?;
    let model = ClipVisionModel::new(&cfg, weights.into_var_builder(dev))?;
    let pp = root.join("image_processor/preprocessor_config.json");
    let processor = if pp.is_file() {
        ClipImageProcessor::from_json(&std::fs::read_to_string(&pp)?)
            .with_context(|| format!("{}", pp.display()))?
    } else {
        ClipImageProcessor::for_size(cfg.image_size)
    };
    Ok(Some(ClipImageEncoder { processor, model }))
}

fn dit_config(path: &Path) -> Result<DitConfig> {
    let cfg: DitConfig = serde_json::from_value(read_json(path)?)
        .with_context(|| format!("{}: not a WanTransformer3DModel config", path.display()))?;
    cfg.validate()
        .with_context(|| format!("{}", path.display()))?;
    Ok(cfg)
}

impl WanModel {
    /// Loads a diffusers folder (has `model_index.json`) or a folder of original-layout files.
    pub fn load(path: &Path, dev: &Device) -> Result<Self> {
        if !path.is_dir() {
            bail!("Wan model path {} is not a directory", path.display());
        }
        if path.join("model_index.json").is_file() {
            Self::load_diffusers(path, dev)
        } else {
            let files = OriginalFiles::discover(path)?;
            Self::load_original(&files, dev)
        }
    }

    /// Diffusers layout (`Wan-AI/Wan2.1-T2V-1.3B-Diffusers` and friends).
    pub fn load_diffusers(dir: &Path, dev: &Device) -> Result<Self> {
        let index_path = dir.join("model_index.json");
        let index = read_json(&index_path)?;
        let class = index["_class_name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !KNOWN_PIPELINES.contains(&class.as_str()) {
            bail!(
                "{}: pipeline _class_name {class:?} is not a supported Wan pipeline (known: {})",
                index_path.display(),
                KNOWN_PIPELINES.join(", ")
            );
        }
        let tdir = dir.join("transformer");
        let tcfg_path = require_file(tdir.join("config.json"), "transformer config")?;
        let transformer = dit_config(&tcfg_path)?;
        let traw = read_json(&tcfg_path)?;
        let has_second = index["transformer_2"]
            .as_array()
            .is_some_and(|a| a.iter().any(|v| !v.is_null()));
        let t2dir = dir.join("transformer_2");
        let transformer_2 = if has_second {
            Some(dit_config(&require_file(
                t2dir.join("config.json"),
                "second transformer config",
            )?)?)
        } else {
            None
        };

        let vcfg_path = require_file(dir.join("vae/config.json"), "VAE config")?;
        let vae_cfg = VaeConfig::from_json(&std::fs::read_to_string(&vcfg_path)?)
            .with_context(|| format!("{}", vcfg_path.display()))?;

        let ecfg_path = require_file(dir.join("text_encoder/config.json"), "text encoder config")?;
        let text_cfg = Umt5Config::from_json(&std::fs::read_to_string(&ecfg_path)?)
            .with_context(|| format!("{}", ecfg_path.display()))?;
        check_text_fits(
            &text_cfg,
            &transformer,
            &ecfg_path.display().to_string(),
            &tcfg_path.display().to_string(),
        )?;
        let tokenizer = require_file(dir.join("tokenizer/tokenizer.json"), "tokenizer")
            .context("only tokenizer.json is read (spiece.model alone is not supported)")?;

        let sched_path = require_file(
            dir.join("scheduler/scheduler_config.json"),
            "scheduler config",
        )?;
        let scheduler =
            SchedulerSettings::from_json(&std::fs::read_to_string(&sched_path)?, &sched_path)?;

        // Config checks are done; now map the weights.
        let open = |name: &str, sub: &Path, stem: &str| -> Result<WeightFiles> {
            WeightFiles::open(
                name,
                &component_weight_files(sub, stem)?,
                KeyLayout::Diffusers,
            )
        };
        let dit = Dit::new(
            &transformer,
            open("transformer", &tdir, "diffusion_pytorch_model")?.into_var_builder(dev),
        )?;
        let dit_2 = match &transformer_2 {
            Some(c) => Some(Dit::new(
                c,
                open("transformer_2", &t2dir, "diffusion_pytorch_model")?.into_var_builder(dev),
            )?),
            None => None,
        };
        let vae = Vae::new(
            &vae_cfg,
            open("vae", &dir.join("vae"), "diffusion_pytorch_model")?.into_var_builder(dev),
        )?;
        let text = load_text(
            &text_cfg,
            open("text_encoder", &dir.join("text_encoder"), "model")?,
            &tokenizer,
            WAN_TEXT_LEN,
            dev,
        )?;
        let image_encoder =
            load_image_encoder(dir, &transformer, &tcfg_path.display().to_string(), dev)?;
        Ok(Self {
            image_encoder,
            dit,
            dit_2,
            vae,
            text,
            scheduler,
            config: WanConfig {
                pipeline_class: class,
                transformer,
                transformer_2,
                boundary_ratio: index["boundary_ratio"].as_f64(),
                expand_timesteps: index["expand_timesteps"].as_bool().unwrap_or(false)
                    || traw["expand_timesteps"].as_bool().unwrap_or(false),
                vae: vae_cfg,
                text: text_cfg,
                text_len: WAN_TEXT_LEN,
                source: WanSource::Diffusers {
                    dir: dir.to_path_buf(),
                },
            },
        })
    }

    /// Original-layout single files (names as in the Wan repository / ComfyUI).
    pub fn load_original(files: &OriginalFiles, dev: &Device) -> Result<Self> {
        let tw = WeightFiles::open(
            "transformer",
            std::slice::from_ref(&files.transformer),
            KeyLayout::OriginalTransformer,
        )?;
        let transformer = match &files.transformer_config {
            Some(p) => dit_config(p)?,
            None => infer_transformer_config(&tw.shapes(), 128)
                .with_context(|| format!("{}", files.transformer.display()))?,
        };
        let vae_cfg = match &files.vae_config {
            Some(p) => VaeConfig::from_json(&std::fs::read_to_string(p)?)
                .with_context(|| format!("{}", p.display()))?,
            None => VaeConfig::wan21(),
        };
        let vw = WeightFiles::open(
            "vae",
            std::slice::from_ref(&files.vae),
            KeyLayout::OriginalVae {
                num_res_blocks: vae_cfg.num_res_blocks,
            },
        )?;
        // The original Wan2.2 VAE nests its residual stages under other names, which are not
        // mapped here; its first conv takes 12 pixel-unshuffled channels instead of 3.
        let patchified = vw
            .shape_of("encoder.conv1.weight")
            .is_some_and(|s| s.len() == 5 && s[1] != 3);
        if vae_cfg.is_residual || patchified {
            bail!(
                "{}: this is a Wan2.2 (residual, patchified) VAE in the original key layout, which \
                 Reel does not read; use the diffusers-layout vae/ folder \
                 (vae/config.json + vae/diffusion_pytorch_model.safetensors, e.g. from \
                 Wan-AI/Wan2.2-TI2V-5B-Diffusers) in a diffusers model folder",
                files.vae.display()
            );
        }
        // ComfyUI ships the UMT5 encoder with transformers names; the Wan repository with its own.
        let probe = WeightFiles::open(
            "text_encoder",
            std::slice::from_ref(&files.text_encoder),
            KeyLayout::Diffusers,
        )?;
        let text_layout = if probe.contains("token_embedding.weight") {
            KeyLayout::OriginalUmt5
        } else {
            KeyLayout::Diffusers
        };
        let original_shapes: HashMap<String, Vec<usize>> = probe
            .shapes()
            .into_iter()
            .map(|(n, s)| (keys::umt5_original(&n), s))
            .collect();
        let text_cfg = infer_umt5_config(&original_shapes)
            .with_context(|| format!("{}", files.text_encoder.display()))?;
        let ew = WeightFiles::open(
            "text_encoder",
            std::slice::from_ref(&files.text_encoder),
            text_layout,
        )?;
        check_text_fits(
            &text_cfg,
            &transformer,
            &files.text_encoder.display().to_string(),
            &files.transformer.display().to_string(),
        )?;
        let tokenizer = require_file(files.tokenizer.clone(), "tokenizer")?;
        let scheduler = match &files.scheduler_config {
            Some(p) => SchedulerSettings::from_json(&std::fs::read_to_string(p)?, p)?,
            None => SchedulerSettings::wan_default(),
        };
        let dit = Dit::new(&transformer, tw.into_var_builder(dev))?;
        let vae = Vae::new(&vae_cfg, vw.into_var_builder(dev))?;
        let text = load_text(&text_cfg, ew, &tokenizer, WAN_TEXT_LEN, dev)?;
        // The Wan repository's own CLIP checkpoint (open_clip names) is not read; an
        // `image_encoder/` folder in transformers layout next to the files is.
        let image_encoder = match files.transformer.parent() {
            Some(root) => load_image_encoder(
                root,
                &transformer,
                &files.transformer.display().to_string(),
                dev,
            )?,
            None => None,
        };
        Ok(Self {
            image_encoder,
            dit,
            dit_2: None,
            vae,
            text,
            scheduler,
            config: WanConfig {
                pipeline_class: "WanPipeline".into(),
                transformer,
                transformer_2: None,
                boundary_ratio: None,
                expand_timesteps: false,
                vae: vae_cfg,
                text: text_cfg,
                text_len: WAN_TEXT_LEN,
                source: WanSource::Original(files.clone()),
            },
        })
    }
}

/// Original-layout files. Configs are optional sidecars (diffusers-format JSON); without them the
/// transformer config is read off the tensor shapes (head_dim 128, as in every published Wan),
/// the VAE is Wan2.1's and the scheduler is the converter's UniPC default.
#[derive(Clone, Debug, PartialEq)]
pub struct OriginalFiles {
    pub transformer: PathBuf,
    pub vae: PathBuf,
    pub text_encoder: PathBuf,
    pub tokenizer: PathBuf,
    pub transformer_config: Option<PathBuf>,
    pub vae_config: Option<PathBuf>,
    pub scheduler_config: Option<PathBuf>,
}

impl OriginalFiles {
    /// Finds the files in a folder by their contents: the transformer holds `head.modulation`,
    /// the VAE `decoder.conv1.weight`, the text encoder `token_embedding.weight` (Wan names) or
    /// `encoder.final_layer_norm.weight` (transformers names, as ComfyUI ships it). Sidecars:
    /// `config.json`, `vae_config.json`, `scheduler_config.json`; tokenizer: `tokenizer.json` or
    /// `tokenizer/tokenizer.json`.
    pub fn discover(dir: &Path) -> Result<Self> {
        let mut found: [Vec<PathBuf>; 4] = Default::default();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot list {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "safetensors"))
            .collect();
        entries.sort();
        for p in entries {
            // SAFETY: read-only map used only to list the header.
            let st = unsafe { MmapedSafetensors::new(&p) }
                .with_context(|| format!("reading {}", p.display()))?;
            let names: BTreeSet<String> = st.tensors().into_iter().map(|(n, _)| n).collect();
            for (slot, key) in [
                "head.modulation",
                "decoder.conv1.weight",
                "token_embedding.weight",
                "encoder.final_layer_norm.weight",
            ]
            .iter()
            .enumerate()
            {
                if names.contains(*key) {
                    found[slot].push(p.clone());
                }
            }
        }
        let pick = |slot: usize, what: &str, key: &str| -> Result<PathBuf> {
            match found[slot].as_slice() {
                [one] => Ok(one.clone()),
                [] => bail!(
                    "{}: no model_index.json and no original-layout {what} file (a .safetensors \
                     holding {key})",
                    dir.display()
                ),
                many => bail!(
                    "{}: several {what} files: {}",
                    dir.display(),
                    many.iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        };
        let opt = |name: &str| Some(dir.join(name)).filter(|p| p.is_file());
        let tokenizer = opt("tokenizer.json")
            .or_else(|| opt("tokenizer/tokenizer.json"))
            .with_context(|| {
                format!(
                    "{}: tokenizer.json (or tokenizer/tokenizer.json) is missing",
                    dir.display()
                )
            })?;
        Ok(Self {
            transformer: pick(0, "transformer", "head.modulation")?,
            vae: pick(1, "VAE", "decoder.conv1.weight")?,
            text_encoder: if found[2].is_empty() && !found[3].is_empty() {
                pick(3, "text encoder", "encoder.final_layer_norm.weight")?
            } else {
                pick(2, "text encoder", "token_embedding.weight")?
            },
            tokenizer,
            transformer_config: opt("config.json"),
            vae_config: opt("vae_config.json"),
            scheduler_config: opt("scheduler_config.json"),
        })
    }
}

fn shape<'a>(
    shapes: &'a HashMap<String, Vec<usize>>,
    name: &str,
    rank: usize,
) -> Result<&'a [usize]> {
    let s = shapes
        .get(name)
        .with_context(|| format!("tensor {name} is missing"))?;
    if s.len() != rank {
        bail!("tensor {name} has shape {s:?}, expected rank {rank}");
    }
    Ok(s)
}

/// Transformer config from original-layout tensor shapes. The head count is not stored anywhere,
/// so it is `dim / head_dim`.
pub fn infer_transformer_config(
    shapes: &HashMap<String, Vec<usize>>,
    head_dim: usize,
) -> Result<DitConfig> {
    let pe = shape(shapes, "patch_embedding.weight", 5)?;
    let (dim, in_channels) = (pe[0], pe[1]);
    let patch_size = [pe[2], pe[3], pe[4]];
    if head_dim == 0 || dim % head_dim != 0 {
        bail!(
            "transformer width {dim} is not a multiple of head_dim {head_dim}; the number of heads \
             cannot be read from the weights, so supply a config.json"
        );
    }
    let num_layers = shapes
        .keys()
        .filter_map(|k| k.strip_prefix("blocks.")?.split_once('.'))
        .filter_map(|(i, _)| i.parse::<usize>().ok())
        .max()
        .map_or(0, |m| m + 1);
    let head = shape(shapes, "head.head.weight", 2)?;
    let per_token = patch_size.iter().product::<usize>();
    if head[0] % per_token != 0 {
        bail!(
            "head.head.weight rows {} are not a multiple of the patch volume {per_token}",
            head[0]
        );
    }
    let image_dim = shapes.get("img_emb.proj.0.weight").map(|s| s[0]);
    let added_kv_proj_dim = shapes.get("blocks.0.cross_attn.k_img.weight").map(|s| s[1]);
    let mut cfg = DitConfig::wan21_t2v_1_3b();
    cfg.patch_size = patch_size;
    cfg.num_attention_heads = dim / head_dim;
    cfg.attention_head_dim = head_dim;
    cfg.in_channels = in_channels;
    cfg.out_channels = head[0] / per_token;
    cfg.text_dim = shape(shapes, "text_embedding.0.weight", 2)?[1];
    cfg.freq_dim = shape(shapes, "time_embedding.0.weight", 2)?[1];
    cfg.ffn_dim = shape(shapes, "blocks.0.ffn.0.weight", 2)?[0];
    cfg.num_layers = num_layers;
    cfg.image_dim = image_dim;
    cfg.added_kv_proj_dim = added_kv_proj_dim;
    cfg.pos_embed_seq_len = shapes
        .get("img_emb.emb_pos")
        .and_then(|s| s.get(1).copied());
    cfg.validate()?;
    Ok(cfg)
}

/// UMT5 config from original-layout tensor shapes (everything is recoverable).
pub fn infer_umt5_config(shapes: &HashMap<String, Vec<usize>>) -> Result<Umt5Config> {
    let emb = shape(shapes, "token_embedding.weight", 2)?;
    let bias = shape(shapes, "blocks.0.pos_embedding.embedding.weight", 2)?;
    let q = shape(shapes, "blocks.0.attn.q.weight", 2)?;
    let fc1 = shape(shapes, "blocks.0.ffn.fc1.weight", 2)?;
    let num_layers = shapes
        .keys()
        .filter(|k| k.starts_with("blocks.") && k.ends_with(".attn.q.weight"))
        .count();
    let num_heads = bias[1];
    if num_heads == 0 || q[0] % num_heads != 0 {
        bail!(
            "attention width {} does not split into {num_heads} heads",
            q[0]
        );
    }
    let mut cfg = Umt5Config::umt5_xxl();
    cfg.vocab_size = emb[0];
    cfg.d_model = emb[1];
    cfg.num_heads = num_heads;
    cfg.d_kv = q[0] / num_heads;
    cfg.d_ff = fc1[0];
    cfg.num_layers = num_layers;
    cfg.relative_attention_num_buckets = bias[0];
    cfg.validate()?;
    Ok(cfg)
}
