//! From a request to a finished file: moderation → model → Timeline → sampling → watermark →
//! encoding → provenance. The CLI and the server both call [`Engine::run`], so every output,
//! whichever way it was asked for, is moderated, watermarked, signed and remixable.

mod request;

pub use request::{
    check_mask, ClipAt, ClipInput, InputRecord, LoadedInput, MaskRecord, Request, Resolved, Shot,
    ShotRecord,
};

use anyhow::{bail, Context, Result};
use candle_core::{Device, Tensor};
use reel_diffusion::{generate, GenerateOptions, Progress, SamplerSettings, Timeline, VideoModel};
use reel_media::{Video, WriteOptions};
use reel_models::bundle::Bundle;
use reel_safety::moderation::{enforce, Policy};
use reel_safety::provenance::{self, Action, ProvenanceClaim, SignerConfig};
use reel_safety::watermark::{self, Payload};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

/// Where the embedded default model lives: `$REEL_MODEL`, else `models/reel-toy` of this checkout.
pub fn default_model_dir() -> PathBuf {
    match std::env::var_os("REEL_MODEL") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/reel-toy"),
    }
}

#[derive(Clone, Debug, Default)]
pub struct EngineConfig {
    pub policy: Policy,
    pub signer: SignerConfig,
}

/// Loaded models (cached by directory) and the safety settings every run applies.
pub struct Engine {
    config: EngineConfig,
    device: Device,
    models: Mutex<HashMap<PathBuf, Arc<dyn VideoModel>>>,
}

#[derive(Default)]
pub struct RunOptions<'a> {
    pub progress: Option<&'a mut dyn FnMut(Progress)>,
    pub cancel: Option<&'a AtomicBool>,
    /// Starting latents (safetensors tensor "latents") instead of seeded noise.
    pub init_latents: Option<PathBuf>,
    /// Prompt embeddings (safetensors: "prompt_embeds" `[2, S, D]` as dumped, or `[1, S, D]` with
    /// "negative_prompt_embeds") instead of the model's text encoder.
    pub prompt_embeds: Option<PathBuf>,
    /// CLIP image tokens (safetensors tensor "image_embeds" `[N, L, D]`) for Wan2.1 I2V/FLF2V
    /// instead of the model's image encoder.
    pub image_embeds: Option<PathBuf>,
    /// Write per-step latents, final frames and prompt embeddings here (safetensors).
    pub dump_latents: Option<PathBuf>,
    /// Id carried by the watermark and the provenance record; derived from the request if unset.
    pub output_id: Option<String>,
}

pub struct Outcome {
    pub resolved: Resolved,
    pub path: PathBuf,
    pub output_id: String,
    pub frames: usize,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    /// Things the user should know (e.g. an ephemeral provenance signer).
    pub warnings: Vec<String>,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        Self {
            config,
            device: Device::Cpu,
            models: Mutex::new(HashMap::new()),
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.config.policy
    }

    /// Loads (once) the model a request names, or the embedded default: a Reel bundle directory,
    /// a diffusers Wan folder, or original-layout Wan files (see [`reel_models::wan::WanModel::load`]).
    pub fn model(&self, name: Option<&str>) -> Result<Arc<dyn VideoModel>> {
        let dir = match name {
            Some(n) => PathBuf::from(n),
            None => default_model_dir(),
        };
        if let Some(b) = self.models.lock().unwrap().get(&dir) {
            return Ok(b.clone());
        }
        if name.is_none() && !dir.exists() {
            bail!(
                "the embedded default model is missing at {} (set REEL_MODEL or pass --model)",
                dir.display()
            );
        }
        // Wan first: an original-layout folder may also hold a `config.json` (the transformer's).
        let model: Arc<dyn VideoModel> = if dir.join("model_index.json").is_file()
            || reel_models::wan::OriginalFiles::discover(&dir).is_ok()
        {
            Arc::new(reel_models::wan::WanModel::load(&dir, &self.device)?)
        } else {
            Arc::new(Bundle::load(&dir, &self.device)?)
        };
        model.check_samplable()?;
        self.models.lock().unwrap().insert(dir, model.clone());
        Ok(model)
    }

    /// Moderates, generates, watermarks, writes and signs one output.
    pub fn run(&self, req: &Request, output: &Path, mut opts: RunOptions) -> Result<Outcome> {
        // Moderation comes before any compute.
        enforce(&req.prompt, &self.config.policy)?;
        let model = self.model(req.model.as_deref())?;
        let (resolved, loaded) = req.resolve(model.as_ref())?;
        reel_media::output_format(output)?;
        check_writable(output)?;

        let timeline = timeline_of(&resolved, loaded)?;
        let settings = SamplerSettings {
            steps: resolved.steps,
            guidance: resolved.guidance,
            shift: resolved.shift,
            solver: resolved.solver.parse()?,
            seed: resolved.seed,
            frame_guidance: resolved.frame_guidance,
            guidance_2: resolved.guidance_2,
            guidance_interval: resolved.guidance_interval,
        };
        let init_latents = match &opts.init_latents {
            Some(p) => Some(load_latents(p)?),
            None => None,
        };
        let prompt_embeds = match &opts.prompt_embeds {
            Some(p) => Some(load_prompt_embeds(p)?),
            None => None,
        };
        let image_embeds = match &opts.image_embeds {
            Some(p) => Some(load_image_embeds(p)?),
            None => None,
        };
        let generation = generate(
            model.as_ref(),
            &timeline,
            &settings,
            GenerateOptions {
                init_latents,
                record_trace: opts.dump_latents.is_some(),
                progress: opts.progress.take(),
                cancel: opts.cancel,
                window: None,
                prompt_embeds,
                image_embeds,
            },
        )?;
        if let Some(path) = &opts.dump_latents {
            dump_latents(path, &generation)?;
        }

        let record = serde_json::to_string(&resolved)?;
        let request_hash = provenance::request_hash(record.as_bytes());
        let output_id = opts
            .output_id
            .clone()
            .unwrap_or_else(|| format!("reel_{}", &request_hash[..24]));
        let mut video: Video = generation.video;
        let made = frames_to_mark(&timeline.known_at(), &video.frames);
        if !made.is_empty() {
            let mut part = Video::new(
                made.iter().map(|&i| video.frames[i].clone()).collect(),
                video.fps,
            )?;
            watermark::embed(&mut part, &Payload::from_output_id(&output_id));
            for (&i, f) in made.iter().zip(part.frames) {
                video.frames[i] = f;
            }
            // Outside its mask a masked clip is the user's own pixels too: put them back.
            for (i, k) in timeline.known_at().into_iter().enumerate() {
                if let Some(k) = k {
                    if let Some(mask) = k.mask {
                        video.frames[i] =
                            reel_diffusion::timeline::composite(k.frame, &video.frames[i], mask);
                    }
                }
            }
        }

        reel_media::write_video(
            &video,
            output,
            &WriteOptions::default().with_metadata(record.clone()),
        )?;
        write_sidecar(output, &resolved, &output_id, &request_hash)?;

        let mut warnings = Vec::new();
        if provenance_supported(output) {
            // An output made from a source clip is an edit of it; a start image alone is not.
            let ingredient = resolved
                .inputs
                .iter()
                .find(|i| i.role == "video")
                .map(|i| PathBuf::from(&i.path))
                .filter(|p| p.is_file());
            let claim = ProvenanceClaim {
                action: if ingredient.is_some() {
                    Action::Edited
                } else {
                    Action::Created
                },
                ingredient,
                model_name: model.name(),
                model_version: model.version(),
                request_hash: request_hash.clone(),
            };
            provenance::sign_file(output, &claim, &self.config.signer)
                .with_context(|| format!("cannot sign {}", output.display()))?;
        } else {
            warnings.push(format!(
                "{} carries no C2PA manifest (only MP4, PNG and GIF do); provenance is in the sidecar JSON",
                output.display()
            ));
        }
        Ok(Outcome {
            path: output.to_path_buf(),
            output_id,
            frames: video.len(),
            width: video.width(),
            height: video.height(),
            fps: video.fps,
            resolved,
            warnings,
        })
    }
}

/// The frames the watermark goes on: every frame Reel made. A user's frame kept bit for bit
/// stays untouched, but one the model decoded again (Wan I2V/FLF2V/TI2V condition frames) or
/// generated inside a mask is Reel's output.
fn frames_to_mark(
    known: &[Option<reel_diffusion::timeline::KnownAt>],
    frames: &[reel_media::Frame],
) -> Vec<usize> {
    (0..frames.len())
        .filter(|&i| {
            !matches!(known.get(i), Some(Some(k))
                if k.strength >= 1.0 && *k.frame == frames[i])
        })
        .collect()
}

/// The request's inputs, shots and loop flag on a timeline (the one mechanism behind every mode).
fn timeline_of(r: &Resolved, loaded: Vec<LoadedInput>) -> Result<Timeline> {
    let mut tl = Timeline::text_to_video(&r.prompt, r.frames, r.fps, r.width, r.height);
    tl.negative_prompt = r.negative_prompt.clone();
    tl.circular = r.circular;
    for (input, l) in r.inputs.iter().zip(loaded) {
        tl = match l.mask {
            Some(m) => tl.with_masked_known(input.position, l.frames, input.strength, m)?,
            None => tl.with_known(input.position, l.frames, input.strength)?,
        };
    }
    for s in &r.shots {
        tl = tl.with_segment(s.start, s.end, &s.prompt)?;
    }
    Ok(tl)
}

/// Fails before any compute if the output's folder cannot take a new file.
fn check_writable(output: &Path) -> Result<()> {
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = if output.to_string_lossy().ends_with('/') {
        output.to_path_buf()
    } else {
        parent
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let probe = dir.join(format!(".reel-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .with_context(|| format!("output folder {} is not writable", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

fn provenance_supported(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("mp4" | "png" | "gif")
    )
}

/// `out.mp4` → `out.mp4.json`; for a PNG-sequence folder, `request.json` inside it.
pub fn sidecar_path(output: &Path) -> PathBuf {
    if output.is_dir() || output.to_string_lossy().ends_with('/') {
        output.join("request.json")
    } else {
        let mut s = output.as_os_str().to_owned();
        s.push(".json");
        PathBuf::from(s)
    }
}

fn write_sidecar(output: &Path, resolved: &Resolved, output_id: &str, hash: &str) -> Result<()> {
    let doc = serde_json::json!({
        "reel": env!("CARGO_PKG_VERSION"),
        "output_id": output_id,
        "request_sha256": hash,
        "request": resolved,
    });
    let path = sidecar_path(output);
    std::fs::write(&path, serde_json::to_string_pretty(&doc)?)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Reads the request recorded in a Reel output (its metadata, or its sidecar JSON).
pub fn read_request(path: &Path) -> Result<Resolved> {
    if let Ok(Some(meta)) = reel_media::read_metadata(path) {
        if let Ok(r) = serde_json::from_str::<Resolved>(&meta) {
            return Ok(r);
        }
    }
    let side = sidecar_path(path);
    let text = std::fs::read_to_string(&side).with_context(|| {
        format!(
            "{} has no Reel request in its metadata and no sidecar {}",
            path.display(),
            side.display()
        )
    })?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", side.display()))?;
    serde_json::from_value(doc["request"].clone())
        .with_context(|| format!("{} holds no Reel request", side.display()))
}

fn load_latents(path: &Path) -> Result<Tensor> {
    let tensors = candle_core::safetensors::load(path, &Device::Cpu)
        .with_context(|| format!("cannot read initial latents {}", path.display()))?;
    match tensors.get("latents") {
        Some(t) => Ok(t.clone()),
        None if tensors.len() == 1 => Ok(tensors.into_values().next().unwrap()),
        None => bail!("{} has no tensor named \"latents\"", path.display()),
    }
}

fn load_prompt_embeds(path: &Path) -> Result<Tensor> {
    let tensors = candle_core::safetensors::load(path, &Device::Cpu)
        .with_context(|| format!("cannot read prompt embeddings {}", path.display()))?;
    let Some(cond) = tensors.get("prompt_embeds") else {
        bail!("{} has no tensor named \"prompt_embeds\"", path.display());
    };
    match (cond.dims().first(), tensors.get("negative_prompt_embeds")) {
        (Some(2), None) => Ok(cond.clone()),
        (Some(1), Some(neg)) if neg.dims() == cond.dims() => Ok(Tensor::cat(&[cond, neg], 0)?),
        (_, neg) => bail!(
            "{}: prompt_embeds {:?} with negative_prompt_embeds {:?}; expected [2, S, D] alone \
             or two [1, S, D]",
            path.display(),
            cond.dims(),
            neg.map(|n| n.dims().to_vec())
        ),
    }
}

fn load_image_embeds(path: &Path) -> Result<Tensor> {
    let tensors = candle_core::safetensors::load(path, &Device::Cpu)
        .with_context(|| format!("cannot read image embeddings {}", path.display()))?;
    match tensors.get("image_embeds") {
        Some(e) if e.rank() == 3 => Ok(e.clone()),
        Some(e) => bail!(
            "{}: image_embeds has shape {:?}, expected [images, tokens, width]",
            path.display(),
            e.dims()
        ),
        None => bail!("{} has no tensor named \"image_embeds\"", path.display()),
    }
}

fn dump_latents(path: &Path, g: &reel_diffusion::Generation) -> Result<()> {
    let mut map: HashMap<String, Tensor> = HashMap::new();
    for (i, x) in g.trace.iter().enumerate() {
        map.insert(format!("step_{i:03}"), x.clone());
    }
    map.insert("latents".into(), g.latents.clone());
    map.insert("prompt_embeds".into(), g.prompt_embeds.clone());
    // The decoder's float output; the frames of a windowed run only exist as bytes.
    let frames = match &g.decoded {
        Some(d) => d.clone(),
        None => {
            let f = reel_diffusion::frames::frames_to_tensor(&g.video.frames, &Device::Cpu)?;
            ((f + 1.0)? / 2.0)?
        }
    };
    map.insert("frames".into(), frames);
    candle_core::safetensors::save(&map, path)
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod mark_tests {
    use super::*;
    use reel_diffusion::timeline::KnownAt;
    use reel_media::Frame;

    #[test]
    fn only_frames_kept_bit_for_bit_escape_the_mark() {
        let user = Frame::from_raw(4, 4, vec![10; 48]).unwrap();
        let decoded = Frame::from_raw(4, 4, vec![11; 48]).unwrap();
        let pinned = |f| {
            Some(KnownAt {
                frame: f,
                strength: 1.0,
                mask: None,
            })
        };
        let soft = Some(KnownAt {
            frame: &user,
            strength: 0.7,
            mask: None,
        });
        let known = vec![pinned(&user), pinned(&user), soft, None];
        let frames = vec![user.clone(), decoded.clone(), user.clone(), decoded];
        // Frame 0 is the user's own; frame 1 was pinned but came back changed (a decoded
        // condition frame); frame 2 was only a soft hint; frame 3 is generated.
        assert_eq!(frames_to_mark(&known, &frames), vec![1, 2, 3]);
    }
}
