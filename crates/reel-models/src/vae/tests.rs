use super::*;
use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};

fn randn(shape: &[usize]) -> Tensor {
    Tensor::randn(0f32, 1.0, shape, &Device::Cpu).unwrap()
}

fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
    assert_eq!(a.dims(), b.dims());
    (a - b)
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

/// 8× spatial, 4× temporal like Wan2.1, but 4 channels wide.
fn tiny_cfg() -> VaeConfig {
    VaeConfig::small(4, 3, vec![1, 2, 2, 2], 1, vec![false, true, true])
}

fn random_vae(cfg: &VaeConfig) -> (VarMap, Vae) {
    let vm = VarMap::new();
    let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
    let vae = Vae::new(cfg, vb).unwrap();
    (vm, vae)
}

#[test]
fn encode_shapes_and_frame_rules() {
    let (_vm, vae) = random_vae(&tiny_cfg());
    let mu = vae.encode(&randn(&[1, 3, 17, 16, 24])).unwrap();
    assert_eq!(mu.dims(), &[1, 3, 5, 2, 3]);
    let (mu1, logvar1) = vae.encode_dist(&randn(&[2, 3, 1, 8, 8])).unwrap();
    assert_eq!(mu1.dims(), &[2, 3, 1, 1, 1]);
    assert_eq!(logvar1.dims(), &[2, 3, 1, 1, 1]);
    // Frame counts other than 1 + 4k, and sizes not a multiple of 8, are errors.
    for bad in [
        [1, 3, 16, 8, 8],
        [1, 3, 0, 8, 8],
        [1, 3, 5, 12, 8],
        [1, 4, 5, 8, 8],
    ] {
        let err = vae.encode(&randn(&bad)).unwrap_err().to_string();
        assert!(err.contains("VAE encode"), "{err}");
    }
    assert!(vae.encode(&randn(&[3, 5, 8, 8])).is_err());
}

#[test]
fn encoder_is_causal_in_time() {
    // Latent frame 0 depends on video frame 0 only; latent frame 1 on frames 0..=4.
    let (_vm, vae) = random_vae(&tiny_cfg());
    let x = randn(&[1, 3, 9, 8, 8]);
    let mu = vae.encode(&x).unwrap();
    let tail = randn(&[1, 3, 4, 8, 8]);
    let x2 = Tensor::cat(&[x.narrow(2, 0, 5).unwrap(), tail], 2).unwrap();
    let mu2 = vae.encode(&x2).unwrap();
    assert!(max_diff(&mu.narrow(2, 0, 2).unwrap(), &mu2.narrow(2, 0, 2).unwrap()) < 1e-6);
    assert!(max_diff(&mu.narrow(2, 2, 1).unwrap(), &mu2.narrow(2, 2, 1).unwrap()) > 1e-6);
}

#[test]
fn decode_shapes_and_clamp() {
    let (_vm, vae) = random_vae(&tiny_cfg());
    let out = vae.decode(&randn(&[1, 3, 5, 2, 3])).unwrap();
    assert_eq!(out.dims(), &[1, 3, 17, 16, 24]);
    let one = vae
        .decode(&(randn(&[2, 3, 1, 1, 1]) * 50.0).unwrap())
        .unwrap();
    assert_eq!(one.dims(), &[2, 3, 1, 8, 8]);
    for t in [&out, &one] {
        let v: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
        assert!(v.iter().all(|x| (-1.0..=1.0).contains(x)));
    }
    assert!(vae.decode(&randn(&[1, 4, 2, 2, 2])).is_err());
    assert!(vae.decode_chunked(&randn(&[1, 3, 2, 2, 2]), 0).is_err());
}

#[test]
fn chunked_decode_equals_whole_decode() {
    // Two configs: Wan2.1-like structure, and one with a temporal upsampler in the last stage
    // and 2 resblocks per stage.
    let cfgs = [
        tiny_cfg(),
        VaeConfig::small(6, 4, vec![1, 2, 2], 2, vec![true, true]),
    ];
    for cfg in cfgs {
        let (_vm, vae) = random_vae(&cfg);
        let z = randn(&[1, cfg.z_dim, 5, 2, 2]);
        let whole = vae.decode(&z).unwrap();
        assert_eq!(whole.dim(2).unwrap(), cfg.video_frames(5));
        for chunk in [1, 2, 3, 5] {
            let chunked = vae.decode_chunked(&z, chunk).unwrap();
            let d = max_diff(&whole, &chunked);
            assert!(d < 1e-5, "chunk {chunk}: {d}");
        }
    }
}

/// Wan2.2's published `vae/config.json` (Wan-AI/Wan2.2-TI2V-5B-Diffusers, WAN.md §1.2).
const WAN22_CONFIG: &str = r#"{
  "_class_name": "AutoencoderKLWan", "attn_scales": [], "base_dim": 160, "decoder_base_dim": 256,
  "dim_mult": [1, 2, 4, 4], "dropout": 0.0, "in_channels": 12, "is_residual": true,
  "latents_mean": [-0.2289, -0.0052, -0.1323, -0.2339, -0.2799, 0.0174, 0.1838, 0.1557, -0.1382, 0.0542, 0.2813, 0.0891, 0.157, -0.0098, 0.0375, -0.1825, -0.2246, -0.1207, -0.0698, 0.5109, 0.2665, -0.2108, -0.2158, 0.2502, -0.2055, -0.0322, 0.1109, 0.1567, -0.0729, 0.0899, -0.2799, -0.123, -0.0313, -0.1649, 0.0117, 0.0723, -0.2839, -0.2083, -0.052, 0.3748, 0.0152, 0.1957, 0.1433, -0.2944, 0.3573, -0.0548, -0.1681, -0.0667],
  "latents_std": [0.4765, 1.0364, 0.4514, 1.1677, 0.5313, 0.499, 0.4818, 0.5013, 0.8158, 1.0344, 0.5894, 1.0901, 0.6885, 0.6165, 0.8454, 0.4978, 0.5759, 0.3523, 0.7135, 0.6804, 0.5833, 1.4146, 0.8986, 0.5659, 0.7069, 0.5338, 0.4889, 0.4917, 0.4069, 0.4999, 0.6866, 0.4093, 0.5709, 0.6065, 0.6415, 0.4944, 0.5726, 1.2042, 0.5458, 1.6887, 0.3971, 1.06, 0.3943, 0.5537, 0.5444, 0.4089, 0.7468, 0.7744],
  "num_res_blocks": 2, "out_channels": 12, "patch_size": 2, "scale_factor_spatial": 16,
  "scale_factor_temporal": 4, "temperal_downsample": [false, true, true], "z_dim": 48
}"#;

#[test]
fn wan22_config_parses_with_16x_compression() {
    let cfg = VaeConfig::from_json(WAN22_CONFIG).unwrap();
    assert!(cfg.is_residual);
    assert_eq!(
        (cfg.spatial_compression(), cfg.temporal_compression()),
        (16, 4)
    );
    assert_eq!((cfg.video_in_channels(), cfg.video_out_channels()), (3, 3));
    assert_eq!(cfg.encoder_dims(), vec![160, 160, 320, 640, 640]);
    assert_eq!(cfg.decoder_dims(), vec![1024, 1024, 1024, 512, 256]);
    // 8× spatial in the convs alone would contradict scale_factor_spatial = 16.
    let err = VaeConfig::from_json(&WAN22_CONFIG.replace("\"patch_size\": 2", "\"patch_size\": 1"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("scale_factor_spatial"), "{err}");
    // A stage whose AvgDown3D groups do not divide evenly.
    let bad = VaeConfig {
        base_dim: 3,
        dim_mult: vec![1, 2, 5],
        temperal_downsample: vec![false, true],
        scale_factor_spatial: None,
        scale_factor_temporal: None,
        ..tiny_residual_cfg()
    };
    let err = bad.validate().unwrap_err().to_string();
    assert!(err.contains("AvgDown3D"), "{err}");
}

/// Wan2.2's structure (residual stages, patch 2, temporal 4×) at tiny widths, decoder base
/// different from the encoder's.
fn tiny_residual_cfg() -> VaeConfig {
    let mut cfg = VaeConfig::small(3, 4, vec![1, 1, 2, 2], 1, vec![false, true, true]);
    cfg.decoder_base_dim = Some(2);
    cfg.is_residual = true;
    cfg.patch_size = Some(2);
    cfg.in_channels = 12;
    cfg.out_channels = 12;
    cfg.scale_factor_spatial = Some(16);
    cfg
}

#[test]
fn residual_vae_shapes_causality_and_chunking() {
    let cfg = tiny_residual_cfg();
    cfg.validate().unwrap();
    let (vm, vae) = random_vae(&cfg);
    {
        let vars = vm.data().lock().unwrap();
        // diffusers names of the residual layout: stage modules, `downsampler`/`upsampler`.
        for k in [
            "encoder.down_blocks.2.resnets.0.conv_shortcut.weight",
            "encoder.down_blocks.1.downsampler.time_conv.weight",
            "encoder.down_blocks.0.downsampler.resample.1.weight",
            "decoder.up_blocks.0.upsampler.time_conv.weight",
            "decoder.up_blocks.2.upsampler.resample.1.weight",
            "decoder.up_blocks.3.resnets.1.conv2.weight",
        ] {
            assert!(vars.contains_key(k), "missing {k}");
        }
        assert!(!vars.contains_key("decoder.up_blocks.3.upsampler.resample.1.weight"));
        // Upsamplers keep the width (Wan2.1's halve it).
        let w = vars["decoder.up_blocks.1.upsampler.resample.1.weight"]
            .as_tensor()
            .dims()
            .to_vec();
        assert_eq!(w, [4, 4, 3, 3]);
    }
    let x = randn(&[1, 3, 9, 32, 16]);
    let mu = vae.encode(&x).unwrap();
    assert_eq!(mu.dims(), &[1, 4, 3, 2, 1]);
    // Latent frames 0..=1 depend on video frames 0..=4 only.
    let x2 = Tensor::cat(&[x.narrow(2, 0, 5).unwrap(), randn(&[1, 3, 4, 32, 16])], 2).unwrap();
    let mu2 = vae.encode(&x2).unwrap();
    assert!(max_diff(&mu.narrow(2, 0, 2).unwrap(), &mu2.narrow(2, 0, 2).unwrap()) < 1e-6);
    assert!(max_diff(&mu.narrow(2, 2, 1).unwrap(), &mu2.narrow(2, 2, 1).unwrap()) > 1e-6);
    // Sizes must be multiples of 16 now.
    let err = vae
        .encode(&randn(&[1, 3, 5, 24, 16]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("multiples of 16"), "{err}");
    let z = randn(&[1, 4, 4, 1, 2]);
    let whole = vae.decode(&z).unwrap();
    assert_eq!(whole.dims(), &[1, 3, 13, 16, 32]);
    for chunk in [1, 2, 3] {
        let d = max_diff(&whole, &vae.decode_chunked(&z, chunk).unwrap());
        assert!(d < 1e-5, "chunk {chunk}: {d}");
    }
}

#[test]
fn gradients_reach_every_parameter() {
    let cfg = VaeConfig::small(4, 3, vec![1, 2], 1, vec![true]);
    let (vm, vae) = random_vae(&cfg);
    let x = randn(&[2, 3, 3, 8, 8]).tanh().unwrap();
    let (mu, logvar) = vae.encode_dist(&x).unwrap();
    let rec = vae.decode(&mu).unwrap();
    let loss = ((rec - &x).unwrap().sqr().unwrap().mean_all().unwrap()
        + logvar.sqr().unwrap().mean_all().unwrap())
    .unwrap();
    let grads = loss.backward().unwrap();
    let vars = vm.data().lock().unwrap();
    assert!(!vars.is_empty());
    for (name, var) in vars.iter() {
        let g = grads
            .get(var.as_tensor())
            .unwrap_or_else(|| panic!("no gradient for {name}"));
        let v: Vec<f32> = g.flatten_all().unwrap().to_vec1().unwrap();
        assert!(
            v.iter().all(|x| x.is_finite()),
            "non-finite gradient for {name}"
        );
        assert!(v.iter().any(|&x| x != 0.0), "zero gradient for {name}");
    }
}

#[test]
fn normalize_and_denormalize_are_inverse() {
    let mut cfg = tiny_cfg();
    cfg.latents_mean = vec![0.5, -1.25, 2.0];
    cfg.latents_std = vec![2.0, 0.25, 1.5];
    let (_vm, vae) = random_vae(&cfg);
    let mu = randn(&[2, 3, 2, 2, 2]);
    let z = vae.normalize(&mu).unwrap();
    // Closed form for channel 1: (mu + 1.25) / 0.25.
    let want = ((mu.narrow(1, 1, 1).unwrap() + 1.25).unwrap() / 0.25).unwrap();
    assert!(max_diff(&z.narrow(1, 1, 1).unwrap(), &want) < 1e-5);
    assert!(max_diff(&vae.denormalize(&z).unwrap(), &mu) < 1e-5);
    assert!(vae.normalize(&randn(&[2, 4, 2, 2, 2])).is_err());
}

#[test]
fn diffusers_config_parses_with_wan21_defaults() {
    let json = r#"{
      "_class_name": "AutoencoderKLWan", "_diffusers_version": "0.33.0",
      "attn_scales": [], "base_dim": 96, "dim_mult": [1, 2, 4, 4], "dropout": 0.0,
      "latents_mean": [-0.7571,-0.7089,-0.9113,0.1075,-0.1745,0.9653,-0.1517,1.5508,0.4134,-0.0715,0.5517,-0.3632,-0.1922,-0.9497,0.2503,-0.2921],
      "latents_std": [2.8184,1.4541,2.3275,2.6558,1.2196,1.7708,2.6052,2.0743,3.2687,2.1526,2.8652,1.5579,1.6382,1.1253,2.8251,1.916],
      "num_res_blocks": 2, "temperal_downsample": [false, true, true], "z_dim": 16
    }"#;
    let cfg = VaeConfig::from_json(json).unwrap();
    assert_eq!(cfg, VaeConfig::wan21());
    assert_eq!(
        (cfg.spatial_compression(), cfg.temporal_compression()),
        (8, 4)
    );
    assert_eq!(cfg.video_frames(21), 81);
    let cfg = VaeConfig::from_json("{}").unwrap();
    assert_eq!(cfg, VaeConfig::wan21());
    let err = VaeConfig::from_json(r#"{"is_residual": true, "attn_scales": [1.0]}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("is_residual"), "{err}");
    let err = VaeConfig::from_json(r#"{"patch_size": 2}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("patch_size"), "{err}");
    let err = VaeConfig::from_json(r#"{"z_dim": 8}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("latents_mean"), "{err}");
    let err = VaeConfig::from_json(r#"{"temperal_downsample": [true]}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("temperal_downsample"), "{err}");
}

#[test]
fn weight_names_follow_diffusers_layout() {
    // Wan2.1's structure (dim_mult [1,2,4,4], 2 resblocks) at a quarter-width base_dim.
    let cfg = VaeConfig {
        base_dim: 4,
        ..VaeConfig::wan21()
    };
    let (vm, _vae) = random_vae(&cfg);
    let vars = vm.data().lock().unwrap();
    let shape = |k: &str| -> Vec<usize> {
        vars.get(k)
            .unwrap_or_else(|| panic!("missing {k}"))
            .as_tensor()
            .dims()
            .to_vec()
    };
    // Encoder flat list: 0,1 res; 2 down2d; 3 res(4→8) 4 res; 5 down3d; 6 res(8→16) 7; 8 down3d; 9, 10.
    assert_eq!(shape("encoder.conv_in.weight"), [4, 3, 3, 3, 3]);
    assert_eq!(shape("encoder.down_blocks.0.norm1.gamma"), [4, 1, 1, 1]);
    assert_eq!(
        shape("encoder.down_blocks.2.resample.1.weight"),
        [4, 4, 3, 3]
    );
    assert!(!vars.contains_key("encoder.down_blocks.2.time_conv.weight"));
    assert_eq!(
        shape("encoder.down_blocks.3.conv_shortcut.weight"),
        [8, 4, 1, 1, 1]
    );
    assert_eq!(
        shape("encoder.down_blocks.5.time_conv.weight"),
        [8, 8, 3, 1, 1]
    );
    assert_eq!(
        shape("encoder.down_blocks.8.time_conv.weight"),
        [16, 16, 3, 1, 1]
    );
    assert_eq!(
        shape("encoder.down_blocks.10.conv2.weight"),
        [16, 16, 3, 3, 3]
    );
    assert!(!vars.contains_key("encoder.down_blocks.11.conv1.weight"));
    assert_eq!(
        shape("encoder.mid_block.attentions.0.to_qkv.weight"),
        [48, 16, 1, 1]
    );
    assert_eq!(
        shape("encoder.mid_block.attentions.0.norm.gamma"),
        [16, 1, 1]
    );
    assert_eq!(shape("encoder.mid_block.resnets.1.conv1.bias"), [16]);
    assert_eq!(shape("encoder.conv_out.weight"), [32, 16, 3, 3, 3]);
    assert_eq!(shape("quant_conv.weight"), [32, 32, 1, 1, 1]);
    assert_eq!(shape("post_quant_conv.weight"), [16, 16, 1, 1, 1]);
    // Decoder: dims [16, 16, 16, 8, 4].
    assert_eq!(shape("decoder.conv_in.weight"), [16, 16, 3, 3, 3]);
    assert_eq!(
        shape("decoder.mid_block.attentions.0.proj.weight"),
        [16, 16, 1, 1]
    );
    assert_eq!(
        shape("decoder.up_blocks.0.resnets.2.conv2.weight"),
        [16, 16, 3, 3, 3]
    );
    assert_eq!(
        shape("decoder.up_blocks.0.upsamplers.0.time_conv.weight"),
        [32, 16, 3, 1, 1]
    );
    assert_eq!(
        shape("decoder.up_blocks.0.upsamplers.0.resample.1.weight"),
        [8, 16, 3, 3]
    );
    assert_eq!(
        shape("decoder.up_blocks.1.resnets.0.conv_shortcut.weight"),
        [16, 8, 1, 1, 1]
    );
    assert_eq!(
        shape("decoder.up_blocks.1.upsamplers.0.time_conv.weight"),
        [32, 16, 3, 1, 1]
    );
    assert_eq!(
        shape("decoder.up_blocks.2.resnets.0.conv1.weight"),
        [8, 8, 3, 3, 3]
    );
    assert!(!vars.contains_key("decoder.up_blocks.2.upsamplers.0.time_conv.weight"));
    assert_eq!(
        shape("decoder.up_blocks.2.upsamplers.0.resample.1.weight"),
        [4, 8, 3, 3]
    );
    assert!(!vars.contains_key("decoder.up_blocks.3.resnets.0.conv_shortcut.weight"));
    assert_eq!(
        shape("decoder.up_blocks.3.resnets.2.conv1.weight"),
        [4, 4, 3, 3, 3]
    );
    assert!(!vars.contains_key("decoder.up_blocks.3.upsamplers.0.resample.1.weight"));
    assert_eq!(shape("decoder.norm_out.gamma"), [4, 1, 1, 1]);
    assert_eq!(shape("decoder.conv_out.weight"), [3, 4, 3, 3, 3]);
}

/// Wall times for sizing the embedded model's VAE (prints only; run with
/// `cargo test -p reel-models --lib bench_vae -- --ignored --nocapture`).
#[test]
#[ignore]
fn bench_vae() {
    use std::time::Instant;
    for (base, nres) in [(32, 1), (16, 1), (24, 1)] {
        let cfg = VaeConfig::small(base, 16, vec![1, 2, 4, 4], nres, vec![false, true, true]);
        let (vm, vae) = random_vae(&cfg);
        let params: usize = vm.all_vars().iter().map(|v| v.elem_count()).sum();
        let x = randn(&[1, 3, 17, 64, 64]).tanh().unwrap();
        let t = Instant::now();
        let mu = vae.encode(&x).unwrap();
        let te = t.elapsed();
        let t = Instant::now();
        let out = vae.decode(&mu).unwrap();
        let td = t.elapsed();
        let t = Instant::now();
        let _ = vae.decode_chunked(&mu, 1).unwrap();
        let tdc = t.elapsed();
        assert_eq!(out.dims(), x.dims());
        let xb = randn(&[4, 3, 17, 64, 64]).tanh().unwrap();
        let t = Instant::now();
        let (mu, logvar) = vae.encode_dist(&xb).unwrap();
        let rec = vae.decode(&mu).unwrap();
        let loss = ((rec - &xb).unwrap().sqr().unwrap().mean_all().unwrap()
            + logvar.sqr().unwrap().mean_all().unwrap())
        .unwrap();
        let tf = t.elapsed();
        let _g = loss.backward().unwrap();
        let tt = t.elapsed();
        println!(
            "base_dim {base} nres {nres} ({:.2} M params): encode {:.2}s, decode {:.2}s, \
             decode chunked(1) {:.2}s; train step batch 4: forward {:.2}s, forward+backward {:.2}s",
            params as f64 / 1e6,
            te.as_secs_f64(),
            td.as_secs_f64(),
            tdc.as_secs_f64(),
            tf.as_secs_f64(),
            tt.as_secs_f64()
        );
    }
}

#[test]
#[ignore]
fn bench_vae_parts() {
    use crate::conv3d::CausalConv3d;
    use std::time::Instant;
    let x = randn(&[1, 32, 17, 64, 64]);
    let conv = CausalConv3d::from_tensors(randn(&[32, 32, 3, 3, 3]), randn(&[32]), [1; 3], [1; 3])
        .unwrap();
    let vm = VarMap::new();
    let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
    let norm = RmsNorm::new(32, 3, vb).unwrap();
    for _ in 0..2 {
        let t = Instant::now();
        let g = crate::conv3d::Conv3dGeom {
            kernel: [3; 3],
            stride: [1; 3],
            pad: [(2, 0), (1, 1), (1, 1)],
        };
        let cols = crate::conv3d::im2col(&x, &g).unwrap();
        let ti = t.elapsed();
        let t = Instant::now();
        let w = randn(&[32, 32 * 27]);
        let _y = w.broadcast_left(1).unwrap().matmul(&cols).unwrap();
        let tm = t.elapsed();
        let t = Instant::now();
        let _y = conv.forward(&x).unwrap();
        let tc = t.elapsed();
        let t = Instant::now();
        let _y = norm.forward(&x).unwrap();
        let tn = t.elapsed();
        let t = Instant::now();
        let _y = x.silu().unwrap();
        let ts = t.elapsed();
        let t = Instant::now();
        let _y = x.sqr().unwrap().sum_keepdim(1).unwrap();
        let tsum = t.elapsed();
        println!(
            "im2col {ti:?} matmul {tm:?} conv {tc:?} norm {tn:?} (sumsq {tsum:?}) silu {ts:?}"
        );
    }
}

/// Builds a VAE without memory: every weight is a broadcast zero of the asked shape, and the
/// backend counts what was asked for.
#[derive(Default)]
struct CountingBackend {
    params: std::sync::Arc<std::sync::Mutex<Vec<(String, usize)>>>,
}

impl candle_nn::var_builder::SimpleBackend for CountingBackend {
    fn get(
        &self,
        s: candle_core::Shape,
        name: &str,
        _h: candle_nn::Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        self.params
            .lock()
            .unwrap()
            .push((name.to_string(), s.elem_count()));
        Tensor::zeros((), dtype, dev)?.broadcast_as(s)
    }
    fn get_unchecked(&self, name: &str, _: DType, _: &Device) -> candle_core::Result<Tensor> {
        candle_core::bail!("{name}: shape needed")
    }
    fn contains_tensor(&self, _: &str) -> bool {
        true
    }
}

/// (total, encoder, decoder) parameter counts and the number of tensors.
fn count_params(cfg: &VaeConfig) -> (usize, usize, usize, usize) {
    let counter = CountingBackend::default();
    let params = counter.params.clone();
    let vb = VarBuilder::from_backend(Box::new(counter), DType::F32, Device::Cpu);
    Vae::new(cfg, vb).unwrap();
    let p = params.lock().unwrap();
    let sum = |prefix: &str| -> usize {
        p.iter()
            .filter(|(n, _)| n.starts_with(prefix))
            .map(|(_, c)| c)
            .sum()
    };
    (sum(""), sum("encoder."), sum("decoder."), p.len())
}

#[test]
fn published_configs_have_the_published_parameter_counts() {
    // diffusers' AutoencoderKLWan built on the meta device: Wan2.1 126 892 531 parameters
    // (encoder 53 595 872, decoder 73 295 331) in 194 tensors; Wan2.2 704 688 668
    // (149 627 776, 555 049 228) in 196 (WAN.md §1.2: 126.9 M, 704.7 M).
    assert_eq!(
        count_params(&VaeConfig::wan21()),
        (126_892_531, 53_595_872, 73_295_331, 194)
    );
    assert_eq!(
        count_params(&VaeConfig::from_json(WAN22_CONFIG).unwrap()),
        (704_688_668, 149_627_776, 555_049_228, 196)
    );
}
