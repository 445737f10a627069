//! Row-wise CPU f32 kernels that carry their own backward pass: LayerNorm and RMSNorm without
//! affine parameters, softmax over the last dimension, and tanh-GELU.
//!
//! Composed from candle's element-wise ops, each of these is 5–10 passes over the tensor forward
//! and as many again backward (candle's GELU backward alone goes through libm `tanh` and `powf`),
//! and those passes, not the matmuls, were most of a DiT training step. Here each direction is
//! one pass over the rows, split across threads. Second derivatives are not supported: the
//! backward kernels themselves do not track gradients. `ops` uses them in training; a
//! generation's tensors are small enough that candle's pooled threads do better.

use crate::conv3d::par_planes;
use candle_core::{bail, CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};

const SQRT_2_OVER_PI: f32 = 0.797_884_6;
const GELU_CUBIC: f32 = 0.044715;

/// Whether `x` can take the fused path: f32 on the CPU (any layout; kernels make it contiguous).
pub fn supported(x: &Tensor) -> bool {
    x.device().is_cpu() && x.dtype() == candle_core::DType::F32
}

fn f32_data<'a>(storage: &'a CpuStorage, layout: &Layout, op: &str) -> Result<&'a [f32]> {
    let CpuStorage::F32(v) = storage else {
        bail!("{op}: f32 only");
    };
    let Some((start, end)) = layout.contiguous_offsets() else {
        bail!("{op}: input must be contiguous");
    };
    Ok(&v[start..end])
}

fn last_dim(layout: &Layout) -> usize {
    layout.shape().dims().last().copied().unwrap_or(1).max(1)
}

/// `out[row] = f(x[row], out[row])` for every row of length `n`, rows split across threads.
fn map_rows(x: &[f32], n: usize, f: impl Fn(&[f32], &mut [f32]) + Sync) -> Vec<f32> {
    let mut out = vec![0f32; x.len()];
    par_planes(&mut out, n, |row, o| f(&x[row * n..(row + 1) * n], o));
    out
}

/// Like `map_rows` with a second input of the same shape (the incoming gradient).
fn map_rows2(
    x: &[f32],
    g: &[f32],
    n: usize,
    f: impl Fn(&[f32], &[f32], &mut [f32]) + Sync,
) -> Vec<f32> {
    let mut out = vec![0f32; x.len()];
    par_planes(&mut out, n, |row, o| {
        f(&x[row * n..(row + 1) * n], &g[row * n..(row + 1) * n], o)
    });
    out
}

/// A kernel's output: `map_rows` over `s` with rows of length `n`, shaped like the input.
fn rows_output(
    s: &CpuStorage,
    l: &Layout,
    op: &str,
    n: usize,
    f: impl Fn(&[f32], &mut [f32]) + Sync,
) -> Result<(CpuStorage, Shape)> {
    let out = map_rows(f32_data(s, l, op)?, n, f);
    Ok((CpuStorage::F32(out), l.shape().clone()))
}

/// A backward kernel's output: `map_rows2` over the last-dimension rows of two inputs.
fn rows_output2(
    (s1, l1): (&CpuStorage, &Layout),
    (s2, l2): (&CpuStorage, &Layout),
    op: &str,
    f: impl Fn(&[f32], &[f32], &mut [f32]) + Sync,
) -> Result<(CpuStorage, Shape)> {
    let (a, b) = (f32_data(s1, l1, op)?, f32_data(s2, l2, op)?);
    let out = map_rows2(a, b, last_dim(l1), f);
    Ok((CpuStorage::F32(out), l1.shape().clone()))
}

fn run1(x: &Tensor, op: impl CustomOp1 + Send + Sync + 'static) -> Result<Tensor> {
    x.contiguous()?.apply_op1(op)
}

fn run2_no_bwd(a: &Tensor, b: &Tensor, op: &impl CustomOp2) -> Result<Tensor> {
    if a.dims() != b.dims() {
        bail!(
            "{}: shape mismatch {:?} vs {:?}",
            op.name(),
            a.dims(),
            b.dims()
        );
    }
    a.contiguous()?.apply_op2_no_bwd(&b.contiguous()?, op)
}

/// Mean and `1 / sqrt(var + eps)` of one row.
fn row_moments(r: &[f32], eps: f32) -> (f32, f32) {
    let n = r.len() as f32;
    let mean = r.iter().sum::<f32>() / n;
    let var = r.iter().map(|&v| (v - mean) * (v - mean)).sum::<f32>() / n;
    (mean, 1.0 / (var + eps).sqrt())
}

/// `1 / sqrt(mean(x²) + eps)` of one row.
fn row_inv_rms(r: &[f32], eps: f32) -> f32 {
    let ms = r.iter().map(|&v| v * v).sum::<f32>() / r.len() as f32;
    1.0 / (ms + eps).sqrt()
}

// ---- LayerNorm ----

/// `(x − mean) / sqrt(var + eps)` over the last dimension.
pub fn layer_norm(x: &Tensor, eps: f64) -> Result<Tensor> {
    run1(x, LayerNorm { eps: eps as f32 })
}

struct LayerNorm {
    eps: f32,
}

impl CustomOp1 for LayerNorm {
    fn name(&self) -> &'static str {
        "fused_layer_norm"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        rows_output(s, l, self.name(), last_dim(l), |r, o| {
            let (mean, inv) = row_moments(r, self.eps);
            for (o, &v) in o.iter_mut().zip(r) {
                *o = (v - mean) * inv;
            }
        })
    }

    fn bwd(&self, x: &Tensor, _y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(run2_no_bwd(x, g, &LayerNormGrad { eps: self.eps })?))
    }
}

/// `dx = inv · (g − mean(g) − y · mean(g·y))` with `y` recomputed from `x`.
struct LayerNormGrad {
    eps: f32,
}

impl CustomOp2 for LayerNormGrad {
    fn name(&self) -> &'static str {
        "fused_layer_norm_grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        rows_output2((s1, l1), (s2, l2), self.name(), |r, gr, o| {
            let n = r.len();
            let (mean, inv) = row_moments(r, self.eps);
            let (mut g_mean, mut gy_mean) = (0f32, 0f32);
            for (&v, &gv) in r.iter().zip(gr) {
                g_mean += gv;
                gy_mean += gv * (v - mean) * inv;
            }
            g_mean /= n as f32;
            gy_mean /= n as f32;
            for ((o, &v), &gv) in o.iter_mut().zip(r).zip(gr) {
                *o = inv * (gv - g_mean - (v - mean) * inv * gy_mean);
            }
        })
    }
}

// ---- RMSNorm ----

/// `x / sqrt(mean(x²) + eps)` over the last dimension.
pub fn rms_norm(x: &Tensor, eps: f64) -> Result<Tensor> {
    run1(x, RmsNorm { eps: eps as f32 })
}

struct RmsNorm {
    eps: f32,
}

impl CustomOp1 for RmsNorm {
    fn name(&self) -> &'static str {
        "fused_rms_norm"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        rows_output(s, l, self.name(), last_dim(l), |r, o| {
            let inv = row_inv_rms(r, self.eps);
            for (o, &v) in o.iter_mut().zip(r) {
                *o = v * inv;
            }
        })
    }

    fn bwd(&self, x: &Tensor, _y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(run2_no_bwd(x, g, &RmsNormGrad { eps: self.eps })?))
    }
}

/// `dx = inv · (g − y · mean(g·y))`, `y = x · inv`.
struct RmsNormGrad {
    eps: f32,
}

impl CustomOp2 for RmsNormGrad {
    fn name(&self) -> &'static str {
        "fused_rms_norm_grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        rows_output2((s1, l1), (s2, l2), self.name(), |r, gr, o| {
            let n = r.len();
            let inv = row_inv_rms(r, self.eps);
            let gy_mean = r.iter().zip(gr).map(|(&v, &gv)| gv * v).sum::<f32>() * inv / n as f32;
            for ((o, &v), &gv) in o.iter_mut().zip(r).zip(gr) {
                *o = inv * (gv - v * inv * gy_mean);
            }
        })
    }
}

// ---- softmax ----

/// Softmax over the last dimension.
pub fn softmax_last_dim(x: &Tensor) -> Result<Tensor> {
    run1(x, Softmax)
}

struct Softmax;

impl CustomOp1 for Softmax {
    fn name(&self) -> &'static str {
        "fused_softmax"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        rows_output(s, l, self.name(), last_dim(l), |r, o| {
            let max = r.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0f32;
            for (o, &v) in o.iter_mut().zip(r) {
                *o = (v - max).exp();
                sum += *o;
            }
            let inv = 1.0 / sum;
            o.iter_mut().for_each(|o| *o *= inv);
        })
    }

    fn bwd(&self, _x: &Tensor, y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(run2_no_bwd(y, g, &SoftmaxGrad)?))
    }
}

/// `dx = y · (g − Σ g·y)`.
struct SoftmaxGrad;

impl CustomOp2 for SoftmaxGrad {
    fn name(&self) -> &'static str {
        "fused_softmax_grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        rows_output2((s1, l1), (s2, l2), self.name(), |yr, gr, o| {
            let dot = yr.iter().zip(gr).map(|(&a, &b)| a * b).sum::<f32>();
            for ((o, &yv), &gv) in o.iter_mut().zip(yr).zip(gr) {
                *o = yv * (gv - dot);
            }
        })
    }
}

// ---- GELU (tanh form) ----

/// GELU with the tanh approximation, computed as `x·σ(2u)` (which equals `½x(1 + tanh u)` for
/// `u = √(2/π)(x + 0.044715x³)`): one `exp` an element instead of libm's `tanh`.
pub fn gelu_tanh(x: &Tensor) -> Result<Tensor> {
    // A generation's activations are small: there the calling thread alone is faster.
    run1(
        x,
        GeluTanh {
            split: x.track_op(),
        },
    )
}

/// `σ(2u)` and `u'(x)` at `x`.
#[inline]
fn gelu_parts(x: f32) -> (f32, f32) {
    let u = SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x);
    let sig = 1.0 / (1.0 + (-2.0 * u).exp());
    (sig, SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_CUBIC * x * x))
}

struct GeluTanh {
    split: bool,
}

impl CustomOp1 for GeluTanh {
    fn name(&self) -> &'static str {
        "fused_gelu_tanh"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let x = f32_data(s, l, self.name())?;
        let out = if self.split {
            map_rows(x, last_dim(l), |r, o| {
                for (o, &v) in o.iter_mut().zip(r) {
                    *o = v * gelu_parts(v).0;
                }
            })
        } else {
            x.iter().map(|&v| v * gelu_parts(v).0).collect()
        };
        Ok((CpuStorage::F32(out), l.shape().clone()))
    }

    fn bwd(&self, x: &Tensor, _y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(run2_no_bwd(x, g, &GeluTanhGrad)?))
    }
}

/// `d/dx x·σ(2u) = σ + x · 2σ(1 − σ) · u'`.
struct GeluTanhGrad;

impl CustomOp2 for GeluTanhGrad {
    fn name(&self) -> &'static str {
        "fused_gelu_tanh_grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        rows_output2((s1, l1), (s2, l2), self.name(), |r, gr, o| {
            for ((o, &v), &gv) in o.iter_mut().zip(r).zip(gr) {
                let (sig, du) = gelu_parts(v);
                *o = gv * (sig + v * 2.0 * sig * (1.0 - sig) * du);
            }
        })
    }
}

// ---- per-channel bias and gain ----

/// `x + b`, `b` repeated over `x`'s leading dimensions (`b` has `x`'s trailing elements, e.g. a
/// bias `[D]` on `[B, L, D]`). candle's broadcast add gets `b`'s gradient from a strided
/// reduction that was a fifth of a training step; here it is one pass of column sums.
pub fn add_trailing(x: &Tensor, b: &Tensor) -> Result<Tensor> {
    check_trailing(x, b, "add_trailing")?;
    x.contiguous()?.apply_op2(&b.contiguous()?, AddTrailing)
}

/// `x · w`, `w` repeated over `x`'s leading dimensions (a per-channel gain).
pub fn mul_trailing(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    check_trailing(x, w, "mul_trailing")?;
    x.contiguous()?.apply_op2(&w.contiguous()?, MulTrailing)
}

/// Whether `b`'s elements are exactly `x`'s trailing block (`b` repeats over the rest).
pub fn fits_trailing(x: &Tensor, b: &Tensor) -> bool {
    let k = b.elem_count();
    let mut tail = 1;
    for &d in x.dims().iter().rev() {
        if tail >= k {
            break;
        }
        tail *= d;
    }
    k > 0
        && tail == k
        && b.dims()
            .iter()
            .rev()
            .zip(x.dims().iter().rev())
            .all(|(a, b)| a == b || *a == 1)
}

fn check_trailing(x: &Tensor, b: &Tensor, op: &str) -> Result<()> {
    if !fits_trailing(x, b) {
        bail!(
            "{op}: {:?} is not the trailing shape of {:?}",
            b.dims(),
            x.dims()
        );
    }
    Ok(())
}

/// Sums of `x`'s rows of length `k` (optionally of `x · y` element-wise): `[k]`.
fn column_sums(x: &[f32], y: Option<&[f32]>, k: usize) -> Vec<f32> {
    let mut acc = vec![0f32; k];
    for (r, row) in x.chunks(k).enumerate() {
        match y {
            Some(y) => {
                for ((a, &v), &w) in acc.iter_mut().zip(row).zip(&y[r * k..(r + 1) * k]) {
                    *a += v * w;
                }
            }
            None => acc.iter_mut().zip(row).for_each(|(a, &v)| *a += v),
        }
    }
    acc
}

fn trailing_fwd(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    op: &str,
    f: impl Fn(f32, f32) -> f32 + Sync,
) -> Result<(CpuStorage, Shape)> {
    let b = f32_data(s2, l2, op)?;
    rows_output(s1, l1, op, b.len(), |r, o| {
        for ((o, &v), &c) in o.iter_mut().zip(r).zip(b) {
            *o = f(v, c);
        }
    })
}

struct AddTrailing;

impl CustomOp2 for AddTrailing {
    fn name(&self) -> &'static str {
        "fused_add_trailing"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        trailing_fwd(s1, l1, s2, l2, self.name(), |v, c| v + c)
    }

    fn bwd(
        &self,
        _x: &Tensor,
        b: &Tensor,
        _y: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let g = g.contiguous()?;
        let gv = g.flatten_all()?.to_vec1::<f32>()?;
        let gb = column_sums(&gv, None, b.elem_count());
        Ok((Some(g), Some(Tensor::from_vec(gb, b.shape(), b.device())?)))
    }
}

struct MulTrailing;

impl CustomOp2 for MulTrailing {
    fn name(&self) -> &'static str {
        "fused_mul_trailing"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        trailing_fwd(s1, l1, s2, l2, self.name(), |v, c| v * c)
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _y: &Tensor,
        g: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let g = g.contiguous()?;
        let gx = g.apply_op2_no_bwd(&w.contiguous()?, &MulTrailing)?;
        let (gv, xv) = (
            g.flatten_all()?.to_vec1::<f32>()?,
            x.flatten_all()?.to_vec1::<f32>()?,
        );
        let gw = column_sums(&gv, Some(&xv), w.elem_count());
        Ok((Some(gx), Some(Tensor::from_vec(gw, w.shape(), w.device())?)))
    }
}

// ---- rotary position embedding ----

/// Rotates the interleaved pairs `(x[2i], x[2i+1])` of every row `l` of `x: [.., L, 2·half]` by
/// the angle whose cosine and sine are `cos[l, i]`, `sin[l, i]` (tables `[L, half]`). The
/// backward pass is the same rotation by the opposite angle.
pub fn rope(x: &Tensor, cos: &Tensor, sin: &Tensor) -> Result<Tensor> {
    let dims = x.dims();
    let (l, hd) = match dims {
        [.., l, hd] => (*l, *hd),
        _ => bail!("rope: input of rank {} has no [L, D] rows", dims.len()),
    };
    if hd % 2 != 0 || cos.dims() != [l, hd / 2] || sin.dims() != [l, hd / 2] {
        bail!(
            "rope: tables {:?} / {:?} do not fit input {dims:?}",
            cos.dims(),
            sin.dims()
        );
    }
    let table = |t: &Tensor| -> Result<Vec<f32>> {
        t.to_dtype(candle_core::DType::F32)?
            .flatten_all()?
            .to_vec1()
    };
    run1(
        x,
        Rope {
            cos: table(cos)?,
            sin: table(sin)?,
        },
    )
}

struct Rope {
    cos: Vec<f32>,
    sin: Vec<f32>,
}

impl CustomOp1 for Rope {
    fn name(&self) -> &'static str {
        "fused_rope"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let hd = last_dim(l);
        // One "row" is a head's whole [L, hd] plane: the tables index its rows.
        rows_output(s, l, self.name(), self.cos.len() * 2, |p, o| {
            for (row, (pr, or)) in p.chunks(hd).zip(o.chunks_mut(hd)).enumerate() {
                let (c, sn) = (&self.cos[row * hd / 2..], &self.sin[row * hd / 2..]);
                for i in 0..hd / 2 {
                    let (x0, x1) = (pr[2 * i], pr[2 * i + 1]);
                    or[2 * i] = x0 * c[i] - x1 * sn[i];
                    or[2 * i + 1] = x0 * sn[i] + x1 * c[i];
                }
            }
        })
    }

    fn bwd(&self, _x: &Tensor, _y: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
        let back = Rope {
            cos: self.cos.clone(),
            sin: self.sin.iter().map(|v| -v).collect(),
        };
        Ok(Some(g.contiguous()?.apply_op1_no_bwd(&back)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var, D};

    /// The composed candle ops each fused kernel replaces: the independent reference.
    fn composed(kind: &str, x: &Tensor) -> Result<Tensor> {
        match kind {
            "layer_norm" => {
                let xc = x.broadcast_sub(&x.mean_keepdim(D::Minus1)?)?;
                let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
                xc.broadcast_div(&(var + 1e-6)?.sqrt()?)
            }
            "rms_norm" => {
                let ms = x.sqr()?.mean_keepdim(D::Minus1)?;
                x.broadcast_div(&(ms + 1e-6)?.sqrt()?)
            }
            "softmax" => {
                let e = x.broadcast_sub(&x.max_keepdim(D::Minus1)?)?.exp()?;
                e.broadcast_div(&e.sum_keepdim(D::Minus1)?)
            }
            _ => x.gelu(),
        }
    }

    fn fused(kind: &str, x: &Tensor) -> Result<Tensor> {
        match kind {
            "layer_norm" => layer_norm(x, 1e-6),
            "rms_norm" => rms_norm(x, 1e-6),
            "softmax" => softmax_last_dim(x),
            _ => gelu_tanh(x),
        }
    }

    /// Forward values and input gradients (of a random weighted sum of the outputs) agree with
    /// candle's composed, autograd-differentiated ops, on rows long enough to split across
    /// threads and on a transposed (non-contiguous) input.
    #[test]
    fn fused_ops_match_composed_ops_and_their_gradients() -> Result<()> {
        let dev = Device::Cpu;
        for kind in ["layer_norm", "rms_norm", "softmax", "gelu"] {
            for (shape, transpose) in [
                ((3usize, 7usize), false),
                ((700, 96), false),
                ((40, 33), true),
            ] {
                let base = (Tensor::randn(0f32, 1.5, shape, &dev)? + 0.3)?;
                let x = Var::from_tensor(&if transpose { base.t()? } else { base })?;
                let w = Tensor::randn(0f32, 1.0, x.dims(), &dev)?;
                let (yf, yc) = (fused(kind, x.as_tensor())?, composed(kind, x.as_tensor())?);
                let fwd = crate::ops::max_abs_diff(&yf, &yc)?;
                assert!(fwd < 2e-5, "{kind} {shape:?}: forward differs by {fwd}");
                let gf = (yf * &w)?.sum_all()?.backward()?;
                let gc = (yc * &w)?.sum_all()?.backward()?;
                let (gf, gc) = (
                    gf.get(x.as_tensor()).unwrap(),
                    gc.get(x.as_tensor()).unwrap(),
                );
                let scale = gc.abs()?.max_all()?.to_scalar::<f32>()?.max(1.0);
                let bwd = crate::ops::max_abs_diff(gf, gc)? / scale;
                assert!(
                    bwd < 5e-5,
                    "{kind} {shape:?}: gradient differs by {bwd} (relative)"
                );
            }
        }
        Ok(())
    }

    /// Per-channel bias and gain match candle's broadcast ops, forward and for both inputs'
    /// gradients, for a `[D]` and a two-dimensional trailing operand; other shapes are refused.
    #[test]
    fn trailing_bias_and_gain_match_broadcast_ops() -> Result<()> {
        let dev = Device::Cpu;
        for (xs, bs) in [
            (vec![300usize, 70], vec![70usize]),
            (vec![4, 3, 6, 5], vec![6, 5]),
        ] {
            let x = Var::from_tensor(&Tensor::randn(0f32, 1.0, xs.as_slice(), &dev)?)?;
            let b = Var::from_tensor(&Tensor::randn(0f32, 1.0, bs.as_slice(), &dev)?)?;
            let w = Tensor::randn(0f32, 1.0, xs.as_slice(), &dev)?;
            for mul in [false, true] {
                let (f, c) = if mul {
                    (mul_trailing(&x, &b)?, x.broadcast_mul(&b)?)
                } else {
                    (add_trailing(&x, &b)?, x.broadcast_add(&b)?)
                };
                assert!(crate::ops::max_abs_diff(&f, &c)? < 1e-6);
                let gf = (f * &w)?.sum_all()?.backward()?;
                let gc = (c * &w)?.sum_all()?.backward()?;
                for v in [x.as_tensor(), b.as_tensor()] {
                    let d = crate::ops::max_abs_diff(gf.get(v).unwrap(), gc.get(v).unwrap())?;
                    assert!(d < 1e-3, "mul {mul} {xs:?} {bs:?}: gradient differs by {d}");
                }
            }
        }
        let x = Tensor::zeros((4, 6), candle_core::DType::F32, &dev)?;
        for bad in [vec![4usize], vec![2, 6], vec![12]] {
            let b = Tensor::zeros(bad.as_slice(), candle_core::DType::F32, &dev)?;
            assert!(add_trailing(&x, &b).is_err(), "{bad:?} accepted");
        }
        Ok(())
    }

    /// RoPE matches the composed rotation (narrow, broadcast products, stack) forward and in its
    /// input gradient; a rotation keeps each pair's length.
    #[test]
    fn rope_matches_the_composed_rotation() -> Result<()> {
        let dev = Device::Cpu;
        let (b, h, l, hd) = (2usize, 3usize, 40usize, 16usize);
        let angles = Tensor::randn(0f32, 2.0, (l, hd / 2), &dev)?;
        let (cos, sin) = (angles.cos()?, angles.sin()?);
        let x = Var::from_tensor(&Tensor::randn(0f32, 1.0, (b, h, l, hd), &dev)?)?;
        let pairs = x.reshape((b, h, l, hd / 2, 2))?;
        let x0 = pairs.narrow(D::Minus1, 0, 1)?.squeeze(D::Minus1)?;
        let x1 = pairs.narrow(D::Minus1, 1, 1)?.squeeze(D::Minus1)?;
        let (c, s) = (
            cos.reshape((1, 1, l, hd / 2))?,
            sin.reshape((1, 1, l, hd / 2))?,
        );
        let r0 = (x0.broadcast_mul(&c)? - x1.broadcast_mul(&s)?)?;
        let r1 = (x0.broadcast_mul(&s)? + x1.broadcast_mul(&c)?)?;
        let composed = Tensor::stack(&[r0, r1], D::Minus1)?.reshape((b, h, l, hd))?;
        let fused = rope(x.as_tensor(), &cos, &sin)?;
        assert!(crate::ops::max_abs_diff(&fused, &composed)? < 1e-6);
        let norm = |t: &Tensor| -> Result<f32> { t.sqr()?.sum_all()?.to_scalar::<f32>() };
        assert!((norm(&fused)? - norm(x.as_tensor())?).abs() < 1e-3 * norm(x.as_tensor())?);
        let w = Tensor::randn(0f32, 1.0, (b, h, l, hd), &dev)?;
        let gf = (fused * &w)?.sum_all()?.backward()?;
        let gc = (composed * &w)?.sum_all()?.backward()?;
        let d = crate::ops::max_abs_diff(
            gf.get(x.as_tensor()).unwrap(),
            gc.get(x.as_tensor()).unwrap(),
        )?;
        assert!(d < 1e-5, "gradient differs by {d}");
        assert!(rope(x.as_tensor(), &cos.narrow(0, 0, l - 1)?, &sin).is_err());
        Ok(())
    }

    /// Closed forms: a constant row normalises to zero with zero gradient; softmax of equal
    /// scores is uniform; GELU's slope is ½ at 0 and → 1 / 0 far right / left.
    #[test]
    fn fused_ops_closed_form_cases() -> Result<()> {
        let dev = Device::Cpu;
        let c = Var::from_tensor(&Tensor::full(2.5f32, (2, 8), &dev)?)?;
        let y = layer_norm(c.as_tensor(), 1e-5)?;
        assert_eq!(y.abs()?.max_all()?.to_scalar::<f32>()?, 0.0);
        let s = softmax_last_dim(c.as_tensor())?.to_vec2::<f32>()?;
        assert!(s.iter().flatten().all(|&v| (v - 0.125).abs() < 1e-7));
        let x = Var::from_tensor(&Tensor::new(&[0f32, 12.0, -12.0], &dev)?)?;
        let g = gelu_tanh(x.as_tensor())?.sum_all()?.backward()?;
        let slope = g.get(x.as_tensor()).unwrap().to_vec1::<f32>()?;
        assert!((slope[0] - 0.5).abs() < 1e-6 && (slope[1] - 1.0).abs() < 1e-6);
        assert!(slope[2].abs() < 1e-6, "{slope:?}");
        Ok(())
    }
}
