//! CLIP vision tower (transformers `CLIPVisionModel`) and its image processor, as Wan2.1 I2V/FLF2V
//! use them (WAN.md §1.4, §6.2): the image is resized (shortest edge, bicubic), centre-cropped and
//! normalised; a ViT with pre-LN blocks and a class token turns it into tokens; the pipeline takes
//! the hidden state before the last block (`hidden_states[-2]`, no post-LN).
//!
//! Weights use transformers' names, with or without the `vision_model.` prefix that published
//! `image_encoder/model.safetensors` files carry.

use anyhow::{bail, Context};
use candle_core::{Module, Result, Tensor};
use candle_nn::{Conv2dConfig, VarBuilder};
use serde::Deserialize;
use serde_json::Value;

use crate::nn::{LayerNorm, Linear};
use crate::ops;

fn default_channels() -> usize {
    3
}
fn default_act() -> String {
    "quick_gelu".into()
}
fn default_eps() -> f64 {
    1e-5
}

/// `image_encoder/config.json` (a `CLIPVisionConfig`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ClipVisionConfig {
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub image_size: usize,
    pub patch_size: usize,
    #[serde(default = "default_channels")]
    pub num_channels: usize,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
}

impl ClipVisionConfig {
    /// Reads a `CLIPVisionConfig`, or the `vision_config` of a full `CLIPConfig`.
    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let v: Value = serde_json::from_str(text).context("not valid JSON")?;
        let v = if v.get("vision_config").is_some_and(Value::is_object) {
            v["vision_config"].clone()
        } else {
            v
        };
        let cfg: Self = serde_json::from_value(v).context("not a CLIPVisionConfig")?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// ViT-H/14 at 224² as Wan2.1 I2V ships it (`image_encoder/config.json` of the diffusers repos).
    pub fn vit_h_14() -> Self {
        Self {
            hidden_size: 1280,
            intermediate_size: 5120,
            num_hidden_layers: 32,
            num_attention_heads: 16,
            image_size: 224,
            patch_size: 14,
            num_channels: 3,
            hidden_act: "gelu".into(),
            layer_norm_eps: 1e-5,
        }
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            bail!(
                "hidden_size {} does not split into {} heads",
                self.hidden_size,
                self.num_attention_heads
            );
        }
        if self.patch_size == 0 || !self.image_size.is_multiple_of(self.patch_size) {
            bail!(
                "image_size {} is not a multiple of patch_size {}",
                self.image_size,
                self.patch_size
            );
        }
        if self.num_hidden_layers < 2 {
            bail!("a CLIP tower with fewer than 2 layers has no penultimate hidden state");
        }
        Activation::parse(&self.hidden_act)?;
        Ok(())
    }

    /// Tokens per image: patches plus the class token.
    pub fn num_tokens(&self) -> usize {
        (self.image_size / self.patch_size).pow(2) + 1
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Activation {
    QuickGelu,
    Gelu,
    GeluTanh,
}

impl Activation {
    fn parse(name: &str) -> anyhow::Result<Self> {
        Ok(match name {
            "quick_gelu" => Self::QuickGelu,
            "gelu" => Self::Gelu,
            "gelu_new" | "gelu_pytorch_tanh" => Self::GeluTanh,
            other => bail!(
                "CLIP hidden_act {other:?} is not supported (quick_gelu, gelu, gelu_new, \
                 gelu_pytorch_tanh)"
            ),
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            // x · sigmoid(1.702 x)
            Self::QuickGelu => x * candle_nn::ops::sigmoid(&(x * 1.702)?)?,
            Self::Gelu => ops::gelu_erf(x),
            Self::GeluTanh => ops::gelu_tanh(x),
        }
    }
}

struct Attention {
    q: Linear,
    k: Linear,
    v: Linear,
    out: Linear,
    heads: usize,
}

impl Attention {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (b, l, d) = x.dims3()?;
        let hd = d / self.heads;
        let split = |t: Tensor| t.reshape((b, l, self.heads, hd))?.transpose(1, 2);
        let q = split(self.q.forward(x)?)?;
        let k = split(self.k.forward(x)?)?;
        let v = split(self.v.forward(x)?)?;
        let o = ops::attention(&q, &k, &v, 1.0 / (hd as f64).sqrt())?;
        self.out
            .forward(&o.transpose(1, 2)?.contiguous()?.reshape((b, l, d))?)
    }
}

struct EncoderLayer {
    norm1: LayerNorm,
    attn: Attention,
    norm2: LayerNorm,
    fc1: Linear,
    fc2: Linear,
    act: Activation,
}

impl EncoderLayer {
    fn new(cfg: &ClipVisionConfig, act: Activation, vb: VarBuilder) -> Result<Self> {
        let (d, eps) = (cfg.hidden_size, cfg.layer_norm_eps);
        let a = vb.pp("self_attn");
        Ok(Self {
            norm1: LayerNorm::new(d, eps, vb.pp("layer_norm1"))?,
            attn: Attention {
                q: Linear::new(d, d, true, a.pp("q_proj"))?,
                k: Linear::new(d, d, true, a.pp("k_proj"))?,
                v: Linear::new(d, d, true, a.pp("v_proj"))?,
                out: Linear::new(d, d, true, a.pp("out_proj"))?,
                heads: cfg.num_attention_heads,
            },
            norm2: LayerNorm::new(d, eps, vb.pp("layer_norm2"))?,
            fc1: Linear::new(d, cfg.intermediate_size, true, vb.pp("mlp.fc1"))?,
            fc2: Linear::new(cfg.intermediate_size, d, true, vb.pp("mlp.fc2"))?,
            act,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let x = (x + self.attn.forward(&self.norm1.forward(x)?)?)?;
        let h = self.fc2.forward(
            &self
                .act
                .forward(&self.fc1.forward(&self.norm2.forward(&x)?)?)?,
        )?;
        x + h
    }
}

/// The vision tower up to the last encoder block (the pooled/projected heads are not used by Wan).
pub struct ClipVisionModel {
    cfg: ClipVisionConfig,
    patch: candle_nn::Conv2d,
    class_embedding: Tensor,
    position_embedding: Tensor,
    pre_norm: LayerNorm,
    layers: Vec<EncoderLayer>,
}

impl ClipVisionModel {
    /// `vb` at the tower's root: the `vision_model.` prefix is followed if the weights have it.
    pub fn new(cfg: &ClipVisionConfig, vb: VarBuilder) -> Result<Self> {
        cfg.validate()
            .map_err(|e| candle_core::Error::Msg(format!("{e:#}")))?;
        let act = Activation::parse(&cfg.hidden_act)
            .map_err(|e| candle_core::Error::Msg(format!("{e:#}")))?;
        let vb = if vb.contains_tensor("vision_model.embeddings.class_embedding") {
            vb.pp("vision_model")
        } else {
            vb
        };
        let d = cfg.hidden_size;
        let e = vb.pp("embeddings");
        let pw = e.get(
            (d, cfg.num_channels, cfg.patch_size, cfg.patch_size),
            "patch_embedding.weight",
        )?;
        let patch = candle_nn::Conv2d::new(
            pw,
            None,
            Conv2dConfig {
                stride: cfg.patch_size,
                ..Default::default()
            },
        );
        let layers = (0..cfg.num_hidden_layers)
            .map(|i| EncoderLayer::new(cfg, act, vb.pp(format!("encoder.layers.{i}"))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            patch,
            class_embedding: e.get(d, "class_embedding")?,
            position_embedding: e.get((cfg.num_tokens(), d), "position_embedding.weight")?,
            pre_norm: LayerNorm::new(d, cfg.layer_norm_eps, vb.pp("pre_layrnorm"))?,
            layers,
            cfg: cfg.clone(),
        })
    }

    pub fn config(&self) -> &ClipVisionConfig {
        &self.cfg
    }

    /// The hidden state after the first `layers` encoder blocks (0 = the pre-LN embeddings, as
    /// transformers' `hidden_states[layers]`). `pixel_values: [B, 3, S, S]` → `[B, N, D]`.
    pub fn hidden_state(&self, pixel_values: &Tensor, layers: usize) -> Result<Tensor> {
        let s = self.cfg.image_size;
        match pixel_values.dims() {
            [_, c, h, w] if *c == self.cfg.num_channels && *h == s && *w == s => {}
            dims => candle_core::bail!(
                "CLIP pixel values have shape {dims:?}, expected [B, {}, {s}, {s}]",
                self.cfg.num_channels
            ),
        }
        if layers > self.layers.len() {
            candle_core::bail!(
                "CLIP tower has {} layers, asked for {layers}",
                self.layers.len()
            );
        }
        let b = pixel_values.dim(0)?;
        let d = self.cfg.hidden_size;
        let patches = self
            .patch
            .forward(pixel_values)?
            .flatten_from(2)?
            .transpose(1, 2)?;
        let class = self.class_embedding.reshape((1, 1, d))?.repeat((b, 1, 1))?;
        let x = Tensor::cat(&[&class, &patches], 1)?.broadcast_add(&self.position_embedding)?;
        let mut x = self.pre_norm.forward(&x)?;
        for layer in &self.layers[..layers] {
            x = layer.forward(&x)?;
        }
        Ok(x)
    }

    /// Output of the last block (`last_hidden_state`, no post-LN).
    pub fn forward(&self, pixel_values: &Tensor) -> Result<Tensor> {
        self.hidden_state(pixel_values, self.layers.len())
    }

    /// `hidden_states[-2]`: what the Wan I2V pipeline feeds the transformer.
    pub fn penultimate(&self, pixel_values: &Tensor) -> Result<Tensor> {
        self.hidden_state(pixel_values, self.layers.len() - 1)
    }
}

/// `image_processor/preprocessor_config.json` (`CLIPImageProcessor`). Reel runs the PIL code path
/// (transformers 4's default, and transformers 5's without torchvision): bicubic resize of the
/// 8-bit image in PIL's fixed point, centre crop, rescale, normalise.
#[derive(Clone, Debug, PartialEq)]
pub struct ClipImageProcessor {
    /// Resize so the shorter edge is this (`size.shortest_edge`), or to exactly (h, w).
    pub resize: Option<Resize>,
    /// Centre crop (h, w).
    pub crop: Option<(usize, usize)>,
    pub rescale_factor: Option<f64>,
    /// Per-channel (mean, std) when normalising.
    pub normalize: Option<([f32; 3], [f32; 3])>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Resize {
    ShortestEdge(usize),
    Exact { height: usize, width: usize },
}

/// OpenAI CLIP mean/std (transformers' `OPENAI_CLIP_MEAN` / `OPENAI_CLIP_STD`).
pub const CLIP_MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
#[allow(clippy::excessive_precision)] // the published digits
pub const CLIP_STD: [f32; 3] = [0.268_629_54, 0.261_302_58, 0.275_777_11];

impl ClipImageProcessor {
    /// The transformers defaults for a tower of input size `s` (shortest edge s, crop s×s).
    pub fn for_size(s: usize) -> Self {
        Self {
            resize: Some(Resize::ShortestEdge(s)),
            crop: Some((s, s)),
            rescale_factor: Some(1.0 / 255.0),
            normalize: Some((CLIP_MEAN, CLIP_STD)),
        }
    }

    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let v: Value = serde_json::from_str(text).context("not valid JSON")?;
        let flag = |k: &str| v[k].as_bool().unwrap_or(true);
        if v["resample"].as_u64().is_some_and(|r| r != 3) {
            bail!(
                "image processor resample {} is not supported (3 = bicubic)",
                v["resample"]
            );
        }
        let dim = |x: &Value, k: &str| x[k].as_u64().map(|n| n as usize);
        let resize = if flag("do_resize") {
            let size = &v["size"];
            Some(
                match (
                    dim(size, "shortest_edge"),
                    dim(size, "height"),
                    dim(size, "width"),
                ) {
                    (Some(s), _, _) => Resize::ShortestEdge(s),
                    (None, Some(height), Some(width)) => Resize::Exact { height, width },
                    _ => match size.as_u64() {
                        Some(s) => Resize::ShortestEdge(s as usize),
                        None => bail!("image processor size {size} is not understood"),
                    },
                },
            )
        } else {
            None
        };
        let crop = if flag("do_center_crop") {
            let c = &v["crop_size"];
            Some(match (dim(c, "height"), dim(c, "width"), c.as_u64()) {
                (Some(h), Some(w), _) => (h, w),
                (_, _, Some(s)) => (s as usize, s as usize),
                _ => bail!("image processor crop_size {c} is not understood"),
            })
        } else {
            None
        };
        let triple = |k: &str, d: [f32; 3]| -> anyhow::Result<[f32; 3]> {
            match v[k].as_array() {
                None => Ok(d),
                Some(a) if a.len() == 3 => {
                    let mut out = [0f32; 3];
                    for (o, x) in out.iter_mut().zip(a) {
                        *o = x.as_f64().with_context(|| format!("{k} holds {x}"))? as f32;
                    }
                    Ok(out)
                }
                Some(a) => bail!("{k} has {} values, expected 3", a.len()),
            }
        };
        Ok(Self {
            resize,
            crop,
            rescale_factor: if flag("do_rescale") {
                Some(v["rescale_factor"].as_f64().unwrap_or(1.0 / 255.0))
            } else {
                None
            },
            normalize: if flag("do_normalize") {
                Some((
                    triple("image_mean", CLIP_MEAN)?,
                    triple("image_std", CLIP_STD)?,
                ))
            } else {
                None
            },
        })
    }

    /// Interleaved 8-bit RGB `width × height` → `[1, 3, H', W']` pixel values.
    pub fn preprocess(
        &self,
        rgb: &[u8],
        width: usize,
        height: usize,
        dev: &candle_core::Device,
    ) -> anyhow::Result<Tensor> {
        if width == 0 || height == 0 || rgb.len() != width * height * 3 {
            bail!(
                "image of {width}x{height} needs {} RGB bytes, got {}",
                width * height * 3,
                rgb.len()
            );
        }
        let (mut img, mut w, mut h) = (rgb.to_vec(), width, height);
        if let Some(r) = self.resize {
            let (nh, nw) = match r {
                Resize::Exact { height, width } => (height, width),
                // transformers' get_resize_output_image_size: the long side is truncated.
                Resize::ShortestEdge(s) => {
                    let (short, long) = (w.min(h), w.max(h));
                    let nl = (s as f64 * long as f64 / short as f64) as usize;
                    if w <= h {
                        (nl, s)
                    } else {
                        (s, nl)
                    }
                }
            };
            img = resize_bicubic_u8(&img, w, h, nw, nh)?;
            (w, h) = (nw, nh);
        }
        if let Some((ch, cw)) = self.crop {
            if ch > h || cw > w {
                bail!("centre crop {cw}x{ch} is larger than the resized image {w}x{h}");
            }
            let (top, left) = ((h - ch) / 2, (w - cw) / 2);
            let mut out = Vec::with_capacity(ch * cw * 3);
            for y in top..top + ch {
                out.extend_from_slice(&img[(y * w + left) * 3..(y * w + left + cw) * 3]);
            }
            (img, w, h) = (out, cw, ch);
        }
        let mut data = vec![0f32; 3 * w * h];
        for (p, px) in img.chunks_exact(3).enumerate() {
            for c in 0..3 {
                // numpy: uint8 → f64 · scale → f32, then (x − mean) / std in f32.
                let mut v = match self.rescale_factor {
                    Some(s) => (px[c] as f64 * s) as f32,
                    None => px[c] as f32,
                };
                if let Some((mean, std)) = &self.normalize {
                    v = (v - mean[c]) / std[c];
                }
                data[c * w * h + p] = v;
            }
        }
        Ok(Tensor::from_vec(data, (1, 3, h, w), dev)?)
    }
}

/// PIL's bicubic (a = −0.5) filter.
fn bicubic(x: f64) -> f64 {
    const A: f64 = -0.5;
    let x = x.abs();
    if x < 1.0 {
        ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0
    } else if x < 2.0 {
        (((x - 5.0) * x + 8.0) * x - 4.0) * A
    } else {
        0.0
    }
}

const PRECISION_BITS: u32 = 32 - 8 - 2;

/// PIL's resampling coefficients for one axis, in its 8-bit fixed point: per output pixel the
/// first input index and the integer weights.
fn coefficients(in_size: usize, out_size: usize) -> Vec<(usize, Vec<i64>)> {
    let scale = in_size as f64 / out_size as f64;
    let filterscale = scale.max(1.0);
    let support = 2.0 * filterscale;
    (0..out_size)
        .map(|xx| {
            let center = (xx as f64 + 0.5) * scale;
            let ss = 1.0 / filterscale;
            let xmin = ((center - support + 0.5) as i64).max(0) as usize;
            let xmax = ((center + support + 0.5) as i64).min(in_size as i64) as usize;
            let w: Vec<f64> = (xmin..xmax)
                .map(|x| bicubic((x as f64 - center + 0.5) * ss))
                .collect();
            let total: f64 = w.iter().sum();
            let k = w
                .iter()
                .map(|&c| {
                    let c = if total != 0.0 { c / total } else { c };
                    let f = c * (1i64 << PRECISION_BITS) as f64;
                    if c < 0.0 {
                        (f - 0.5) as i64
                    } else {
                        (f + 0.5) as i64
                    }
                })
                .collect();
            (xmin, k)
        })
        .collect()
}

fn clip8(v: i64) -> u8 {
    (v >> PRECISION_BITS).clamp(0, 255) as u8
}

/// `Image.resize((nw, nh), BICUBIC)` on an 8-bit RGB image: horizontal pass, then vertical, each
/// rounded to 8 bits, as PIL does (an unchanged axis is not resampled).
pub fn resize_bicubic_u8(
    rgb: &[u8],
    w: usize,
    h: usize,
    nw: usize,
    nh: usize,
) -> anyhow::Result<Vec<u8>> {
    if nw == 0 || nh == 0 {
        bail!("cannot resize {w}x{h} to {nw}x{nh}");
    }
    let half = 1i64 << (PRECISION_BITS - 1);
    let mut img = rgb.to_vec();
    let mut cur_w = w;
    if nw != w {
        let k = coefficients(w, nw);
        let mut out = vec![0u8; nw * h * 3];
        for y in 0..h {
            for (xx, (xmin, ws)) in k.iter().enumerate() {
                for c in 0..3 {
                    let mut ss = half;
                    for (j, wt) in ws.iter().enumerate() {
                        ss += img[(y * w + xmin + j) * 3 + c] as i64 * wt;
                    }
                    out[(y * nw + xx) * 3 + c] = clip8(ss);
                }
            }
        }
        img = out;
        cur_w = nw;
    }
    if nh != h {
        let k = coefficients(h, nh);
        let mut out = vec![0u8; cur_w * nh * 3];
        for (yy, (ymin, ws)) in k.iter().enumerate() {
            for x in 0..cur_w {
                for c in 0..3 {
                    let mut ss = half;
                    for (j, wt) in ws.iter().enumerate() {
                        ss += img[((ymin + j) * cur_w + x) * 3 + c] as i64 * wt;
                    }
                    out[(yy * cur_w + x) * 3 + c] = clip8(ss);
                }
            }
        }
        img = out;
    }
    Ok(img)
}

/// Image encoder for Wan I2V: the processor and the tower, giving `hidden_states[-2]`.
pub struct ClipImageEncoder {
    pub processor: ClipImageProcessor,
    pub model: ClipVisionModel,
}

impl ClipImageEncoder {
    /// Penultimate tokens `[N, tokens, D]` for `N` interleaved-RGB images `(bytes, width, height)`.
    pub fn encode(&self, images: &[(&[u8], usize, usize)]) -> anyhow::Result<Tensor> {
        let dev = self.model.position_embedding.device();
        let px = images
            .iter()
            .map(|(rgb, w, h)| self.processor.preprocess(rgb, *w, *h, dev))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let px = Tensor::cat(&px, 0)?;
        let s = self.model.config().image_size;
        if px.dim(2)? != s || px.dim(3)? != s {
            bail!(
                "the image processor makes {}x{} images but the CLIP tower takes {s}x{s}",
                px.dim(3)?,
                px.dim(2)?
            );
        }
        Ok(self.model.penultimate(&px)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resize_to_the_same_size_is_identity_and_constant_stays_constant() {
        let img: Vec<u8> = (0..5 * 4 * 3).map(|i| (i * 7 % 256) as u8).collect();
        assert_eq!(resize_bicubic_u8(&img, 5, 4, 5, 4).unwrap(), img);
        let flat = vec![77u8; 9 * 6 * 3];
        let out = resize_bicubic_u8(&flat, 9, 6, 4, 13).unwrap();
        assert!(out.iter().all(|&v| v == 77));
    }

    #[test]
    fn bad_configs_are_refused() {
        let mut c = ClipVisionConfig::vit_h_14();
        c.hidden_act = "relu6".into();
        assert!(format!("{:#}", c.validate().unwrap_err()).contains("relu6"));
        let mut c = ClipVisionConfig::vit_h_14();
        c.image_size = 225;
        assert!(c.validate().is_err());
        assert!(ClipImageProcessor::from_json(r#"{"resample": 2}"#).is_err());
    }
}
