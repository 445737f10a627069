//! Small numerical building blocks shared by the models.
//!
//! In training (CPU f32) the norms, softmax, GELU, per-channel bias/gain and RoPE run as the fused
//! kernels of `fused` (one pass a direction, with their own backward); without autograd, as
//! candle's kernels or compositions of its ops (GELU keeps the fused forward in both).

use crate::fused;
use candle_core::{DType, Result, Tensor, D};

/// True when `x` takes part in an autograd graph (training), so only differentiable ops may be used.
fn tracks_grad(x: &Tensor) -> bool {
    x.track_op()
}

/// Whether to run the fused kernel: only in training. Without autograd candle's own kernels (and
/// compositions) run on its thread pool, which is faster on a generation's small tensors than
/// the fused kernels' per-call threads (BENCHMARKS.md, "Training step time").
fn use_fused(x: &Tensor) -> bool {
    tracks_grad(x) && fused::supported(x)
}

/// Softmax over the last dimension.
pub fn softmax_last_dim(x: &Tensor) -> Result<Tensor> {
    if use_fused(x) {
        fused::softmax_last_dim(x)
    } else if tracks_grad(x) {
        let max = x.max_keepdim(D::Minus1)?;
        let e = x.broadcast_sub(&max)?.exp()?;
        e.broadcast_div(&e.sum_keepdim(D::Minus1)?)
    } else {
        candle_nn::ops::softmax_last_dim(x)
    }
}

/// LayerNorm over the last dimension without affine parameters: `(x - mean) / sqrt(var + eps)`.
pub fn layer_norm_plain(x: &Tensor, eps: f64) -> Result<Tensor> {
    if use_fused(x) {
        return fused::layer_norm(x, eps);
    }
    let mean = x.mean_keepdim(D::Minus1)?;
    let xc = x.broadcast_sub(&mean)?;
    let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
    xc.broadcast_div(&(var + eps)?.sqrt()?)
}

/// LayerNorm over the last dimension with weight and bias.
pub fn layer_norm(x: &Tensor, weight: &Tensor, bias: &Tensor, eps: f64) -> Result<Tensor> {
    add_trailing(&mul_trailing(&layer_norm_plain(x, eps)?, weight)?, bias)
}

/// `x + b` with `b` (x's trailing shape, e.g. a bias `[D]`) repeated over the leading dimensions;
/// other shapes broadcast as usual.
pub fn add_trailing(x: &Tensor, b: &Tensor) -> Result<Tensor> {
    if (use_fused(x) || use_fused(b)) && fused::supported(x) && fused::fits_trailing(x, b) {
        fused::add_trailing(x, b)
    } else {
        x.broadcast_add(b)
    }
}

/// `x · w` with `w` (x's trailing shape, e.g. a gain `[D]`) repeated over the leading dimensions.
pub fn mul_trailing(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    if (use_fused(x) || use_fused(w)) && fused::supported(x) && fused::fits_trailing(x, w) {
        fused::mul_trailing(x, w)
    } else {
        x.broadcast_mul(w)
    }
}

/// RMSNorm over the last dimension: `x * rsqrt(mean(x^2) + eps) * weight`.
pub fn rms_norm(x: &Tensor, weight: &Tensor, eps: f64) -> Result<Tensor> {
    let normed = if use_fused(x) {
        fused::rms_norm(x, eps)?
    } else {
        let ms = x.sqr()?.mean_keepdim(D::Minus1)?;
        x.broadcast_div(&(ms + eps)?.sqrt()?)?
    };
    mul_trailing(&normed, weight)
}

/// GELU with the tanh approximation (`gelu_new` / `gelu(approximate="tanh")`).
pub fn gelu_tanh(x: &Tensor) -> Result<Tensor> {
    if fused::supported(x) {
        fused::gelu_tanh(x)
    } else {
        x.gelu()
    }
}

/// GELU with the exact erf form.
pub fn gelu_erf(x: &Tensor) -> Result<Tensor> {
    x.gelu_erf()
}

/// Scaled dot-product attention as batched matmuls: `softmax(q kᵀ · scale) v`.
/// `q: [.., Lq, d]`, `k, v: [.., Lk, d]`. Written as plain matmuls because candle's CPU
/// flash-attention is far slower here (DESIGN.md).
pub fn attention(q: &Tensor, k: &Tensor, v: &Tensor, scale: f64) -> Result<Tensor> {
    attention_with_bias(q, k, v, scale, None)
}

/// `softmax(q kᵀ · scale + bias) v`, `bias` broadcast to the scores (e.g. `[B, 1, 1, S]`).
pub fn attention_with_bias(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    scale: f64,
    bias: Option<&Tensor>,
) -> Result<Tensor> {
    let mut scores = (q.contiguous()?.matmul(&k.t()?.contiguous()?)? * scale)?;
    if let Some(bias) = bias {
        scores = scores.broadcast_add(bias)?;
    }
    softmax_last_dim(&scores)?.matmul(&v.contiguous()?)
}

/// A linear layer `x Wᵀ + b` for inputs of any rank (candle's Linear needs matching batch dims).
pub fn linear(x: &Tensor, weight: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
    let dims = x.dims().to_vec();
    let in_dim = *dims.last().unwrap_or(&0);
    let rows: usize = dims[..dims.len() - 1].iter().product();
    let y = x.reshape((rows, in_dim))?.matmul(&weight.t()?)?;
    let y = match bias {
        Some(b) => add_trailing(&y, b)?,
        None => y,
    };
    let mut out = dims;
    *out.last_mut().unwrap() = weight.dim(0)?;
    y.reshape(out)
}

/// Casts to f32 if needed (all CPU compute is f32; DESIGN.md).
pub fn to_f32(x: &Tensor) -> Result<Tensor> {
    if x.dtype() == DType::F32 {
        Ok(x.clone())
    } else {
        x.to_dtype(DType::F32)
    }
}

/// Largest absolute element-wise difference: how parity tests compare with a reference.
pub fn max_abs_diff(a: &Tensor, b: &Tensor) -> Result<f32> {
    if a.dims() != b.dims() {
        candle_core::bail!("shape mismatch: {:?} vs {:?}", a.dims(), b.dims());
    }
    a.sub(b)?.abs()?.flatten_all()?.max(0)?.to_scalar::<f32>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    #[test]
    fn softmax_rows_sum_to_one_and_match_closed_form() -> Result<()> {
        let x = Tensor::new(&[[0f32, (2f32).ln()], [1.0, 1.0]], &Device::Cpu)?;
        let fused = softmax_last_dim(&x)?.to_vec2::<f32>()?;
        assert!((fused[0][0] - 1.0 / 3.0).abs() < 1e-6);
        assert!((fused[0][1] - 2.0 / 3.0).abs() < 1e-6);
        assert!((fused[1][0] - 0.5).abs() < 1e-6);
        // The differentiable path gives the same numbers.
        let v = Var::from_tensor(&x)?;
        let composed = softmax_last_dim(v.as_tensor())?.to_vec2::<f32>()?;
        for (a, b) in fused.iter().flatten().zip(composed.iter().flatten()) {
            assert!((a - b).abs() < 1e-6);
        }
        Ok(())
    }

    #[test]
    fn rms_and_layer_norm_closed_form() -> Result<()> {
        let dev = Device::Cpu;
        let x = Tensor::new(&[[3f32, 4.0]], &dev)?;
        let w = Tensor::new(&[1f32, 2.0], &dev)?;
        // rms = sqrt((9+16)/2) = sqrt(12.5)
        let r = rms_norm(&x, &w, 0.0)?.to_vec2::<f32>()?;
        let s = 12.5f32.sqrt();
        assert!((r[0][0] - 3.0 / s).abs() < 1e-6 && (r[0][1] - 8.0 / s).abs() < 1e-6);
        // mean 3.5, var 0.25 → (-1, 1)
        let l = layer_norm_plain(&x, 0.0)?.to_vec2::<f32>()?;
        assert!((l[0][0] + 1.0).abs() < 1e-5 && (l[0][1] - 1.0).abs() < 1e-5);
        Ok(())
    }

    /// The GELU matches `½x(1 + tanh u)` evaluated in f64, and candle's own (composed) GELU, to
    /// float rounding, from far negative to far positive inputs, with or without autograd.
    #[test]
    fn gelu_matches_the_tanh_form() -> Result<()> {
        let xs: Vec<f32> = (-400..=400).map(|i| i as f32 * 0.05).collect();
        let x = Tensor::new(xs.as_slice(), &Device::Cpu)?;
        let fast = gelu_tanh(&x)?.to_vec1::<f32>()?;
        let tracked = gelu_tanh(Var::from_tensor(&x)?.as_tensor())?.to_vec1::<f32>()?;
        let candle = x.gelu()?.to_vec1::<f32>()?;
        for (((&xi, &f), &t), &c) in xs.iter().zip(&fast).zip(&tracked).zip(&candle) {
            let x64 = xi as f64;
            let u = (2.0 / std::f64::consts::PI).sqrt() * (x64 + 0.044715 * x64.powi(3));
            let want = 0.5 * x64 * (1.0 + u.tanh());
            let tol = 1e-6 * want.abs().max(1.0);
            assert!((f as f64 - want).abs() < tol, "x {xi}: {f} vs {want}");
            assert_eq!(f, t, "x {xi}: tracked and untracked paths differ");
            assert!(
                (f - c).abs() as f64 <= 2.0 * tol,
                "x {xi}: {f} vs candle {c}"
            );
        }
        Ok(())
    }

    #[test]
    fn linear_handles_any_rank() -> Result<()> {
        let dev = Device::Cpu;
        let x = Tensor::ones((2, 3, 4), DType::F32, &dev)?;
        let w = Tensor::ones((5, 4), DType::F32, &dev)?;
        let b = Tensor::new(&[1f32, 0., 0., 0., 0.], &dev)?;
        let y = linear(&x, &w, Some(&b))?;
        assert_eq!(y.dims(), &[2, 3, 5]);
        assert_eq!(
            y.get(1)?.get(2)?.to_vec1::<f32>()?,
            vec![5., 4., 4., 4., 4.]
        );
        Ok(())
    }
}
