//! `VideoModel`: what the sampling loop needs from a model, so one loop serves Reel's own
//! bundles and published Wan weights alike.

use crate::image_cond::{self, FrameCondition};
use crate::timeline::Timeline;
use anyhow::{bail, Result};
use candle_core::Tensor;
use reel_models::bundle::{Bundle, Conditioning, Prediction, SamplingDefaults};
use reel_models::dit::Dit;
use reel_models::vae::Vae;
use reel_models::wan::WanModel;

/// How classifier-free guidance runs the transformer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuidanceBatching {
    /// Conditional and unconditional as one batch of two (faster on a CPU).
    Joint,
    /// Two batch-1 forwards, exactly as diffusers does, for bit-level parity with it.
    Separate,
}

pub trait VideoModel: Send + Sync {
    fn name(&self) -> String;
    fn version(&self) -> String;
    fn vae(&self) -> &Vae;
    /// Prompt embeddings `[N, S, D]` for `N` prompts.
    fn encode_prompts(&self, prompts: &[&str]) -> Result<Tensor>;
    /// How known frames enter the sampling loop.
    fn conditioning(&self) -> Conditioning;
    /// The transformer that denoises at timestep `t` (0–1000); Wan2.2 A14B switches from its
    /// high-noise to its low-noise expert at the boundary.
    fn transformer_at(&self, t: f64) -> &Dit;
    /// The timestep (0–1000) below which a model's low-noise stage runs, where
    /// `SamplerSettings::guidance_2` applies (Wan2.2 A14B: `boundary_ratio · 1000`).
    fn guidance_boundary(&self) -> Option<f64> {
        None
    }
    fn guidance_batching(&self) -> GuidanceBatching;
    fn defaults(&self) -> SamplingDefaults;
    /// What the transformer outputs (the loop converts it to a velocity).
    fn prediction(&self) -> Prediction {
        Prediction::Velocity
    }
    /// Refuses models whose inputs the loop cannot provide (explains what is missing).
    fn check_samplable(&self) -> Result<()> {
        Ok(())
    }
    /// Transformer input channels beyond the latents (Wan2.1 I2V/FLF2V: mask + condition
    /// latents); 0 when known frames enter through the latents themselves.
    fn frame_channels(&self) -> usize {
        0
    }
    /// For models with `frame_channels() > 0`: the timeline's known frames as those channels
    /// (for `t_lat` latent frames) and image tokens; `image_embeds` replaces the model's own
    /// image encoder.
    fn frame_condition(
        &self,
        _tl: &Timeline,
        _t_lat: usize,
        image_embeds: Option<&Tensor>,
    ) -> Result<Option<FrameCondition>> {
        if image_embeds.is_some() {
            bail!("image embeddings were given, but this model takes no image condition");
        }
        Ok(None)
    }

    /// Every transformer call takes one timestep per token (`[1, L]`), even when all are equal
    /// (Wan2.2 TI2V-5B's `expand_timesteps`, which diffusers always expands).
    fn per_token_timesteps(&self) -> bool {
        false
    }
    /// The decoded video keeps the decoder's rendering of pinned (whole, strength 1) frames
    /// instead of the given pixels, as diffusers' Wan image-to-video pipelines do; otherwise
    /// they are put back exactly. Masked clips are composited either way.
    fn decodes_known_frames(&self) -> bool {
        self.frame_channels() > 0
    }

    fn patch_size(&self) -> [usize; 3] {
        self.transformer_at(1000.0).config().patch_size
    }
    /// Pixel sizes must be multiples of this (VAE compression × patch).
    fn size_multiple(&self) -> u32 {
        let [_, ph, pw] = self.patch_size();
        (self.vae().config().spatial_compression() * ph.max(pw)) as u32
    }
}

impl VideoModel for Bundle {
    fn name(&self) -> String {
        self.config.name.clone()
    }
    fn version(&self) -> String {
        self.config.version.clone()
    }
    fn vae(&self) -> &Vae {
        &self.vae
    }
    fn encode_prompts(&self, prompts: &[&str]) -> Result<Tensor> {
        Ok(self.text.encode(prompts)?)
    }
    fn conditioning(&self) -> Conditioning {
        self.config.conditioning
    }
    fn transformer_at(&self, _t: f64) -> &Dit {
        &self.dit
    }
    fn guidance_batching(&self) -> GuidanceBatching {
        GuidanceBatching::Joint
    }
    fn defaults(&self) -> SamplingDefaults {
        self.config.defaults.clone()
    }
    fn prediction(&self) -> Prediction {
        self.config.prediction.clone()
    }
}

impl VideoModel for WanModel {
    fn name(&self) -> String {
        match &self.config.source {
            reel_models::wan::WanSource::Diffusers { dir } => dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "wan".into()),
            reel_models::wan::WanSource::Original(f) => f
                .transformer
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "wan".into()),
        }
    }
    fn version(&self) -> String {
        self.config.pipeline_class.clone()
    }
    fn vae(&self) -> &Vae {
        &self.vae
    }
    fn encode_prompts(&self, prompts: &[&str]) -> Result<Tensor> {
        Ok(self.text.encode(prompts)?)
    }
    fn conditioning(&self) -> Conditioning {
        // TI2V-5B was trained with per-token timesteps (clean first frame at t = 0); the other
        // text-to-video weights only know whole-clip noise levels, so known frames are re-noised.
        if self.config.expand_timesteps {
            Conditioning::TimestepZero
        } else {
            Conditioning::Renoise
        }
    }
    fn transformer_at(&self, t: f64) -> &Dit {
        match (&self.dit_2, self.guidance_boundary()) {
            (Some(low_noise), Some(b)) if t < b => low_noise,
            _ => &self.dit,
        }
    }
    fn guidance_boundary(&self) -> Option<f64> {
        // diffusers' `boundary_timestep`: `guidance_scale_2` applies below it whenever the
        // pipeline has a `boundary_ratio`.
        self.config
            .boundary_ratio
            .map(|r| r * self.scheduler.num_train_timesteps as f64)
    }
    fn guidance_batching(&self) -> GuidanceBatching {
        GuidanceBatching::Separate
    }
    fn per_token_timesteps(&self) -> bool {
        self.config.expand_timesteps
    }
    fn decodes_known_frames(&self) -> bool {
        // TI2V-5B's image-to-video (WanImageToVideoPipeline with expand_timesteps) decodes the
        // conditioned first frame too; so do the mask-channel I2V/FLF2V models.
        self.config.expand_timesteps || self.frame_channels() > 0
    }
    fn defaults(&self) -> SamplingDefaults {
        // WanPipeline's defaults (WAN.md §1): 480×832, 81 frames, 50 steps, guidance 5, 16 fps.
        let solver = if self.scheduler.class_name.contains("Euler") {
            "euler"
        } else {
            "unipc"
        };
        SamplingDefaults {
            width: 832,
            height: 480,
            frames: 81,
            fps: 16.0,
            steps: 50,
            guidance: 5.0,
            shift: self.scheduler.flow_shift,
            solver: solver.into(),
            negative_prompt: String::new(),
            frame_guidance: 0.0,
            guidance_interval: None,
        }
    }
    fn check_samplable(&self) -> Result<()> {
        let dit = self.dit.config();
        if dit.in_channels != self.vae.config().z_dim && self.frame_channels() == 0 {
            bail!(
                "this Wan transformer takes {} input channels; Reel samples {} (latents) or {} \
                 (latents + mask + image condition, Wan2.1 I2V/FLF2V)",
                dit.in_channels,
                self.vae.config().z_dim,
                2 * self.vae.config().z_dim + self.vae.config().temporal_compression()
            );
        }
        Ok(())
    }
    fn frame_channels(&self) -> usize {
        let vae = self.vae.config();
        let extra = vae.temporal_compression() + vae.z_dim;
        if !self.config.expand_timesteps && self.dit.config().in_channels == vae.z_dim + extra {
            extra
        } else {
            0
        }
    }
    fn frame_condition(
        &self,
        tl: &Timeline,
        t_lat: usize,
        image_embeds: Option<&Tensor>,
    ) -> Result<Option<FrameCondition>> {
        if self.frame_channels() == 0 {
            if image_embeds.is_some() {
                bail!("image embeddings were given, but this Wan model takes no image condition");
            }
            return Ok(None);
        }
        let dit = self.dit.config();
        // FLF2V's transformer has a position table over the two images' tokens.
        let flf2v = dit.pos_embed_seq_len.is_some();
        let (first, last) = image_cond::first_last_frames(tl, flf2v)?;
        let tf = self.vae.config().temporal_compression();
        let full = 1 + tf * (t_lat - 1);
        if flf2v && last.is_none() {
            bail!(
                "this is a Wan2.1 first-and-last-frame (FLF2V) model: it needs a known last \
                 frame too (--keyframe {}:LAST.png)",
                tl.frames - 1
            );
        }
        if last.is_some() && tl.frames != full {
            bail!(
                "first-and-last-frame conditioning needs 1 + {tf}·k frames so that the last \
                 frame ends the VAE's frame grid; {} frames would be sampled as {full} (ask \
                 for {full} or {})",
                tl.frames,
                full - tf
            );
        }
        let mut known = vec![(0, &first)];
        if let Some(l) = &last {
            known.push((full - 1, l));
        }
        let channels =
            image_cond::wan_condition_channels(&self.vae, &known, t_lat, tl.width, tl.height)?;
        let image = match dit.image_dim {
            // Wan2.2 I2V: mask and condition channels only, no image tokens.
            None => {
                if image_embeds.is_some() {
                    bail!("image embeddings were given, but this Wan transformer has no image cross-attention");
                }
                None
            }
            Some(d) => {
                let n = known.len();
                let e = match (image_embeds, &self.image_encoder) {
                    (Some(e), _) => e
                        .to_dtype(candle_core::DType::F32)?
                        .to_device(self.vae.device())?,
                    (None, Some(enc)) => {
                        let imgs: Vec<(&[u8], usize, usize)> = known
                            .iter()
                            .map(|(_, f)| {
                                (
                                    f.as_raw().as_slice(),
                                    f.width() as usize,
                                    f.height() as usize,
                                )
                            })
                            .collect();
                        enc.encode(&imgs)?
                    }
                    (None, None) => bail!(
                        "this Wan image-to-video model needs CLIP image embeddings, and its folder \
                         has no image encoder: add image_encoder/ (transformers CLIPVisionModel: \
                         config.json + model.safetensors, with image_processor/\
                         preprocessor_config.json) or pass precomputed embeddings (reel generate \
                         --image-embeds FILE.safetensors holding image_embeds [{n}, tokens, {d}], \
                         CLIP hidden_states[-2]); the Wan repository's open_clip .pth is not read"
                    ),
                };
                let ok = match (e.dims(), dit.pos_embed_seq_len) {
                    ([b, l, w], None) => *b == n && *w == d && *l > 0,
                    ([b, l, w], Some(p)) => *w == d && *b * *l == p && (*b == n || *b == 1),
                    _ => false,
                };
                if !ok {
                    bail!(
                        "image embeddings have shape {:?}; this model needs [{n}, tokens, {d}] \
                         ({n} image(s){})",
                        e.dims(),
                        dit.pos_embed_seq_len
                            .map(|p| format!(", {p} tokens in all"))
                            .unwrap_or_default()
                    );
                }
                Some(e)
            }
        };
        Ok(Some(FrameCondition { channels, image }))
    }
}
