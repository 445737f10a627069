//! 3-D convolution for candle (which has none) as im2col + one matmul, and the causal
//! `CausalConv3d` of the Wan VAE (WAN.md §3: time padded `2·p_t` frames at the front only).
//!
//! On CPU the im2col gather (with zero padding and stride folded in) is a custom op whose
//! backward pass is the matching col2im scatter-add, so the convolution trains with candle's
//! autograd: the weights get their gradient from the matmul, the input from col2im. On other
//! devices the same columns are built from plain differentiable tensor ops (slower, same maths).

use candle_core::{CpuStorage, CustomOp1, Device, Layout, Result, Shape, Tensor, WithDType};
use candle_nn::{Init, VarBuilder};

/// Geometry of one 3-D convolution: kernel, stride and (front, back) zero padding for each of
/// (T, H, W).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv3dGeom {
    pub kernel: [usize; 3],
    pub stride: [usize; 3],
    pub pad: [(usize, usize); 3],
}

impl Conv3dGeom {
    /// Output size along each of (T, H, W) for an input of size `input`; an error when the
    /// padded input is shorter than the kernel.
    pub fn out_dims(&self, input: [usize; 3]) -> Result<[usize; 3]> {
        let mut out = [0; 3];
        for d in 0..3 {
            let padded = input[d] + self.pad[d].0 + self.pad[d].1;
            if self.stride[d] == 0 || self.kernel[d] == 0 {
                candle_core::bail!("conv3d: kernel and stride must be positive ({self:?})");
            }
            if padded < self.kernel[d] {
                candle_core::bail!(
                    "conv3d: input {:?} (padded along dim {d} to {padded}) is smaller than the kernel {:?}",
                    input,
                    self.kernel
                );
            }
            out[d] = (padded - self.kernel[d]) / self.stride[d] + 1;
        }
        Ok(out)
    }

    fn taps(&self) -> usize {
        self.kernel.iter().product()
    }
}

/// im2col: `[B, C, T, H, W]` → `[B, C·kt·kh·kw, To·Ho·Wo]`, rows ordered (c, dt, dh, dw) like a
/// flattened `[O, C, kt, kh, kw]` weight.
struct Im2Col {
    geom: Conv3dGeom,
}

/// col2im, the adjoint of [`Im2Col`]: scatter-adds columns back into an input of `dims`.
struct Col2Im {
    geom: Conv3dGeom,
    /// The input shape `[B, C, T, H, W]` the columns came from.
    dims: [usize; 5],
}

/// Valid output index range `[lo, hi)` along one axis for kernel offset `k`: the outputs whose
/// input position `o·s + k − pad` lies inside `[0, n)`.
fn valid_range(n: usize, out: usize, s: usize, k: usize, pad: usize) -> (usize, usize) {
    let lo = pad.saturating_sub(k).div_ceil(s).min(out);
    let hi = if n + pad > k {
        (n + pad - k).div_ceil(s).min(out)
    } else {
        0
    };
    (lo, hi.max(lo))
}

/// Runs `f(plane_index, plane)` over the `plane_len`-sized chunks of `dst`, split across threads.
pub(crate) fn par_planes<T: Send>(
    dst: &mut [T],
    plane_len: usize,
    f: impl Fn(usize, &mut [T]) + Sync,
) {
    let n_planes = dst.len().checked_div(plane_len).unwrap_or(0);
    let threads = candle_core::utils::get_num_threads().clamp(1, n_planes.max(1));
    // Thread start-up costs ~tens of µs: only worth it for large copies.
    if threads == 1 || dst.len() < 1 << 16 {
        for (i, p) in dst.chunks_mut(plane_len.max(1)).enumerate() {
            f(i, p);
        }
        return;
    }
    let per = n_planes.div_ceil(threads);
    std::thread::scope(|scope| {
        for (ti, part) in dst.chunks_mut(per * plane_len).enumerate() {
            let f = &f;
            scope.spawn(move || {
                for (i, p) in part.chunks_mut(plane_len).enumerate() {
                    f(ti * per + i, p);
                }
            });
        }
    });
}

fn im2col_kernel<T: WithDType>(src: &[T], dims: [usize; 5], g: &Conv3dGeom) -> Result<Vec<T>> {
    let [b, c, t, h, w] = dims;
    let [ot, oh, ow] = g.out_dims([t, h, w])?;
    let [kt, kh, kw] = g.kernel;
    let [st, sh, sw] = g.stride;
    let n = ot * oh * ow;
    let kk = g.taps();
    let zero = T::from_f64(0.0);
    let mut dst = vec![zero; b * c * kk * n];
    let in_plane = t * h * w;
    par_planes(&mut dst, kk * n, |plane, out| {
        let src = &src[plane * in_plane..(plane + 1) * in_plane];
        for dt in 0..kt {
            let (tlo, thi) = valid_range(t, ot, st, dt, g.pad[0].0);
            for dh in 0..kh {
                let (hlo, hhi) = valid_range(h, oh, sh, dh, g.pad[1].0);
                for dw in 0..kw {
                    let (wlo, whi) = valid_range(w, ow, sw, dw, g.pad[2].0);
                    let row = &mut out[((dt * kh + dh) * kw + dw) * n..][..n];
                    // `row` starts zeroed: only the in-range part is written.
                    for to in tlo..thi {
                        let ti = to * st + dt - g.pad[0].0;
                        for ho in hlo..hhi {
                            let hi = ho * sh + dh - g.pad[1].0;
                            let src_row = &src[(ti * h + hi) * w..][..w];
                            let dst_row = &mut row[(to * oh + ho) * ow..][..ow];
                            if sw == 1 {
                                let wi0 = wlo + dw - g.pad[2].0;
                                dst_row[wlo..whi].copy_from_slice(&src_row[wi0..wi0 + whi - wlo]);
                            } else {
                                for wo in wlo..whi {
                                    dst_row[wo] = src_row[wo * sw + dw - g.pad[2].0];
                                }
                            }
                        }
                    }
                }
            }
        }
    });
    Ok(dst)
}

fn col2im_kernel<T: WithDType>(cols: &[T], dims: [usize; 5], g: &Conv3dGeom) -> Result<Vec<T>> {
    let [b, c, t, h, w] = dims;
    let [ot, oh, ow] = g.out_dims([t, h, w])?;
    let [kt, kh, kw] = g.kernel;
    let [st, sh, sw] = g.stride;
    let n = ot * oh * ow;
    let kk = g.taps();
    let mut dst = vec![T::from_f64(0.0); b * c * t * h * w];
    par_planes(&mut dst, t * h * w, |plane, out| {
        let cols = &cols[plane * kk * n..(plane + 1) * kk * n];
        for dt in 0..kt {
            let (tlo, thi) = valid_range(t, ot, st, dt, g.pad[0].0);
            for dh in 0..kh {
                let (hlo, hhi) = valid_range(h, oh, sh, dh, g.pad[1].0);
                for dw in 0..kw {
                    let (wlo, whi) = valid_range(w, ow, sw, dw, g.pad[2].0);
                    let row = &cols[((dt * kh + dh) * kw + dw) * n..][..n];
                    for to in tlo..thi {
                        let ti = to * st + dt - g.pad[0].0;
                        for ho in hlo..hhi {
                            let hi = ho * sh + dh - g.pad[1].0;
                            let dst_row = &mut out[(ti * h + hi) * w..][..w];
                            let src_row = &row[(to * oh + ho) * ow..][..ow];
                            for wo in wlo..whi {
                                dst_row[wo * sw + dw - g.pad[2].0] += src_row[wo];
                            }
                        }
                    }
                }
            }
        }
    });
    Ok(dst)
}

fn contiguous_slice<'a, T>(data: &'a [T], layout: &Layout, what: &str) -> Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("{what}: input must be contiguous"),
    }
}

fn dims5(shape: &Shape, what: &str) -> Result<[usize; 5]> {
    match shape.dims() {
        &[b, c, t, h, w] => Ok([b, c, t, h, w]),
        d => candle_core::bail!("{what}: expected a [B, C, T, H, W] tensor, got shape {d:?}"),
    }
}

impl CustomOp1 for Im2Col {
    fn name(&self) -> &'static str {
        "im2col3d"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let dims = dims5(layout.shape(), "im2col3d")?;
        let [ot, oh, ow] = self.geom.out_dims([dims[2], dims[3], dims[4]])?;
        let shape = Shape::from((dims[0], dims[1] * self.geom.taps(), ot * oh * ow));
        let out = match storage {
            CpuStorage::F32(v) => CpuStorage::F32(im2col_kernel(
                contiguous_slice(v, layout, "im2col3d")?,
                dims,
                &self.geom,
            )?),
            CpuStorage::F64(v) => CpuStorage::F64(im2col_kernel(
                contiguous_slice(v, layout, "im2col3d")?,
                dims,
                &self.geom,
            )?),
            _ => candle_core::bail!("conv3d: only f32 and f64 are supported"),
        };
        Ok((out, shape))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let dims = dims5(arg.shape(), "im2col3d backward")?;
        let op = Col2Im {
            geom: self.geom,
            dims,
        };
        Ok(Some(grad_res.contiguous()?.apply_op1(op)?))
    }
}

impl CustomOp1 for Col2Im {
    fn name(&self) -> &'static str {
        "col2im3d"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let [b, c, t, h, w] = self.dims;
        let [ot, oh, ow] = self.geom.out_dims([t, h, w])?;
        let expect = [b, c * self.geom.taps(), ot * oh * ow];
        if layout.shape().dims() != expect {
            candle_core::bail!(
                "col2im3d: columns of shape {:?}, expected {expect:?}",
                layout.shape().dims()
            );
        }
        let out = match storage {
            CpuStorage::F32(v) => CpuStorage::F32(col2im_kernel(
                contiguous_slice(v, layout, "col2im3d")?,
                self.dims,
                &self.geom,
            )?),
            CpuStorage::F64(v) => CpuStorage::F64(col2im_kernel(
                contiguous_slice(v, layout, "col2im3d")?,
                self.dims,
                &self.geom,
            )?),
            _ => candle_core::bail!("conv3d: only f32 and f64 are supported"),
        };
        Ok((out, Shape::from(self.dims.to_vec())))
    }

    fn bwd(&self, _arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(
            grad_res
                .contiguous()?
                .apply_op1(Im2Col { geom: self.geom })?,
        ))
    }
}

/// Takes every `s`-th element of `x` along `dim`, starting at 0, keeping `len` elements.
fn strided_take(x: &Tensor, dim: usize, s: usize, len: usize) -> Result<Tensor> {
    if s == 1 {
        return x.narrow(dim, 0, len);
    }
    // Pad to len·s, fold the stride into a new axis and keep offset 0 (all differentiable).
    let have = x.dim(dim)?;
    let x = if have < len * s {
        x.pad_with_zeros(dim, 0, len * s - have)?
    } else {
        x.narrow(dim, 0, len * s)?
    };
    let mut shape = x.dims().to_vec();
    shape[dim] = len;
    shape.insert(dim + 1, s);
    x.reshape(shape)?.narrow(dim + 1, 0, 1)?.squeeze(dim + 1)
}

/// im2col from plain tensor ops (pad, narrow, stack): the device-independent path, also the
/// reference the CPU custom op is tested against.
pub fn im2col_generic(x: &Tensor, g: &Conv3dGeom) -> Result<Tensor> {
    let [b, c, t, h, w] = dims5(x.shape(), "im2col3d")?;
    let out = g.out_dims([t, h, w])?;
    let mut x = x.clone();
    for d in 0..3 {
        x = x.pad_with_zeros(2 + d, g.pad[d].0, g.pad[d].1)?;
    }
    let mut taps = Vec::with_capacity(g.taps());
    for dt in 0..g.kernel[0] {
        let xt = strided_take(&x.narrow(2, dt, x.dim(2)? - dt)?, 2, g.stride[0], out[0])?;
        for dh in 0..g.kernel[1] {
            let xh = strided_take(&xt.narrow(3, dh, xt.dim(3)? - dh)?, 3, g.stride[1], out[1])?;
            for dw in 0..g.kernel[2] {
                let xw = strided_take(&xh.narrow(4, dw, xh.dim(4)? - dw)?, 4, g.stride[2], out[2])?;
                taps.push(xw);
            }
        }
    }
    // [B, C, taps, To, Ho, Wo] → rows (c, tap).
    Tensor::stack(&taps, 2)?.reshape((b, c * g.taps(), out.iter().product::<usize>()))
}

/// im2col `[B, C, T, H, W]` → `[B, C·kt·kh·kw, To·Ho·Wo]` (differentiable).
pub fn im2col(x: &Tensor, g: &Conv3dGeom) -> Result<Tensor> {
    match x.device() {
        Device::Cpu => x.contiguous()?.apply_op1(Im2Col { geom: *g }),
        _ => im2col_generic(x, g),
    }
}

/// Inference form of a stride-1 convolution with bias, without a column matrix: for each kernel
/// tap, one matmul of that tap's `[O, C]` weights with the zero-padded input shifted by the tap's
/// offset, accumulated in place. On the flattened padded volume a tap's shift is a pointer
/// offset, so no 27× larger column matrix is written and read back (its gather was a third of a
/// VAE decode). Outputs at the padded positions past each row's end are computed and dropped
/// (about 6 % extra work at 64 wide). Forward only: no gradient.
struct ShiftedConv {
    geom: Conv3dGeom,
}

impl ShiftedConv {
    fn run(&self, x: &[f32], dims: [usize; 5], weight: &[f32], bias: &[f32]) -> Result<Vec<f32>> {
        let [b, c, t, h, w] = dims;
        let g = &self.geom;
        let [ot, oh, ow] = g.out_dims([t, h, w])?;
        let [kt, kh, kw] = g.kernel;
        let o = bias.len();
        let taps = g.taps();
        let (tp, hp, wp) = (
            t + g.pad[0].0 + g.pad[0].1,
            h + g.pad[1].0 + g.pad[1].1,
            w + g.pad[2].0 + g.pad[2].1,
        );
        let padded_len = tp * hp * wp;
        // Virtual outputs 0..span cover every valid one; the last tap then reads the last
        // padded element, never past it.
        let span = ((ot - 1) * hp + (oh - 1)) * wp + ow;
        let threads = candle_core::utils::get_num_threads();
        let parallelism = if threads > 1 {
            gemm::Parallelism::Rayon(threads)
        } else {
            gemm::Parallelism::None
        };
        let mut xp = vec![0f32; c * padded_len];
        let mut virt = vec![0f32; o * span];
        let mut out = Vec::with_capacity(b * o * ot * oh * ow);
        for item in 0..b {
            let src = &x[item * c * t * h * w..][..c * t * h * w];
            for ch in 0..c {
                for ti in 0..t {
                    for hi in 0..h {
                        let from = &src[((ch * t + ti) * h + hi) * w..][..w];
                        let at =
                            ((ch * tp + ti + g.pad[0].0) * hp + hi + g.pad[1].0) * wp + g.pad[2].0;
                        xp[at..at + w].copy_from_slice(from);
                    }
                }
            }
            for dt in 0..kt {
                for dh in 0..kh {
                    for dw in 0..kw {
                        let tap = (dt * kh + dh) * kw + dw;
                        let shift = (dt * hp + dh) * wp + dw;
                        // SAFETY: lhs is the tap's column of the `[O, C, taps]` weight (o < O,
                        // ch < C); rhs reads xp[ch·padded_len + shift + j] for j < span, and
                        // shift + span ≤ padded_len by the choice of span; dst is `[O, span]`.
                        unsafe {
                            gemm::gemm(
                                o,
                                span,
                                c,
                                virt.as_mut_ptr(),
                                1,
                                span as isize,
                                tap > 0,
                                weight.as_ptr().add(tap),
                                taps as isize,
                                (c * taps) as isize,
                                xp.as_ptr().add(shift),
                                1,
                                padded_len as isize,
                                1.0,
                                1.0,
                                false,
                                false,
                                false,
                                parallelism,
                            );
                        }
                    }
                }
            }
            for (oc, row) in virt.chunks(span).enumerate() {
                for to in 0..ot {
                    for ho in 0..oh {
                        let from = &row[(to * hp + ho) * wp..][..ow];
                        out.extend(from.iter().map(|v| v + bias[oc]));
                    }
                }
            }
        }
        Ok(out)
    }
}

impl candle_core::CustomOp3 for ShiftedConv {
    fn name(&self) -> &'static str {
        "conv3d_shifted"
    }

    fn cpu_fwd(
        &self,
        xs: &CpuStorage,
        xl: &Layout,
        ws: &CpuStorage,
        wl: &Layout,
        bs: &CpuStorage,
        bl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let dims = dims5(xl.shape(), "conv3d_shifted")?;
        let (o, [ot, oh, ow]) = (
            bl.shape().elem_count(),
            self.geom.out_dims([dims[2], dims[3], dims[4]])?,
        );
        let (CpuStorage::F32(x), CpuStorage::F32(wt), CpuStorage::F32(bias)) = (xs, ws, bs) else {
            candle_core::bail!("conv3d_shifted: f32 only");
        };
        let out = self.run(
            contiguous_slice(x, xl, "conv3d_shifted")?,
            dims,
            contiguous_slice(wt, wl, "conv3d_shifted weight")?,
            contiguous_slice(bias, bl, "conv3d_shifted bias")?,
        )?;
        Ok((CpuStorage::F32(out), Shape::from((dims[0], o, ot, oh, ow))))
    }
}

/// The bias, when [`ShiftedConv`] serves this call: CPU f32, stride 1, more than one tap, a
/// bias, and no tensor that autograd tracks (inference).
fn shifted_conv_bias<'a>(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&'a Tensor>,
    g: &Conv3dGeom,
) -> Option<&'a Tensor> {
    let bias = bias?;
    let applies = x.device().is_cpu()
        && x.dtype() == candle_core::DType::F32
        && weight.dtype() == candle_core::DType::F32
        && bias.dtype() == candle_core::DType::F32
        && g.stride == [1, 1, 1]
        && g.taps() > 1
        && !(x.track_op() || weight.track_op() || bias.track_op());
    applies.then_some(bias)
}

/// Largest im2col matrix built at once (f32 elements; 24 MiB, under glibc's mmap threshold as
/// set by `runtime::tune_allocator`).
const MAX_COLUMN_FLOATS: usize = 6 << 20;

/// Plain 3-D convolution (cross-correlation, like torch) of `x: [B, C, T, H, W]` with
/// `weight: [O, C, kt, kh, kw]` and optional `bias: [O]`; differentiable.
pub fn conv3d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    g: &Conv3dGeom,
) -> Result<Tensor> {
    let [b, c, t, h, w] = dims5(x.shape(), "conv3d")?;
    let (o, wc, kt, kh, kw) = weight.dims5()?;
    if wc != c || [kt, kh, kw] != g.kernel {
        candle_core::bail!(
            "conv3d: weight {:?} does not fit input channels {c} and kernel {:?}",
            weight.dims(),
            g.kernel
        );
    }
    let [ot, oh, ow] = g.out_dims([t, h, w])?;
    if let Some(bias) = shifted_conv_bias(x, weight, bias, g) {
        return x.contiguous()?.apply_op3(
            &weight.contiguous()?,
            &bias.contiguous()?,
            ShiftedConv { geom: *g },
        );
    }
    let cols = c * g.taps() * ot * oh * ow;
    if b > 1 && g.taps() > 1 && b * cols > MAX_COLUMN_FLOATS {
        // A whole batch's column matrix can reach hundreds of MB; glibc maps and unmaps blocks
        // that large on every call (page faults cost more than the matmul). Per-sample chunks
        // stay in the reusable heap.
        let per = (MAX_COLUMN_FLOATS / cols).max(1);
        let mut parts = Vec::with_capacity(b.div_ceil(per));
        let mut start = 0;
        while start < b {
            let n = per.min(b - start);
            parts.push(conv3d(&x.narrow(0, start, n)?, weight, bias, g)?);
            start += n;
        }
        return Tensor::cat(&parts, 0);
    }
    let wmat = weight.reshape((o, c * g.taps()))?;
    let y = if g.taps() == 1 && g.stride == [1, 1, 1] && g.pad == [(0, 0); 3] {
        // 1×1×1: the input already is its column matrix.
        wmat.broadcast_left(b)?
            .matmul(&x.reshape((b, c, t * h * w))?)?
    } else {
        wmat.broadcast_left(b)?.matmul(&im2col(x, g)?)?
    };
    let y = match bias {
        Some(bias) => y.broadcast_add(&bias.reshape((1, o, 1))?)?,
        None => y,
    };
    y.reshape((b, o, ot, oh, ow))
}

/// torch's default Conv init bound `1/sqrt(fan_in)` (kaiming-uniform with a = √5).
fn uniform_init(fan_in: usize) -> Init {
    let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
    Init::Uniform {
        lo: -bound,
        up: bound,
    }
}

/// A 3-D convolution whose time axis is causal: `2·p_t` zero frames in front, none behind,
/// symmetric zero padding in H and W (Wan's `CausalConv3d`). Weight `[O, C, kt, kh, kw]`, bias `[O]`.
#[derive(Debug, Clone)]
pub struct CausalConv3d {
    weight: Tensor,
    bias: Tensor,
    stride: [usize; 3],
    /// Frames of causal context in front (`2·p_t`).
    time_pad: usize,
    /// Symmetric spatial padding (p_h, p_w).
    spatial_pad: [usize; 2],
}

impl CausalConv3d {
    /// Loads `{vb}.weight` `[out, in, kernel...]` and `{vb}.bias` `[out]`.
    pub fn new(
        in_ch: usize,
        out_ch: usize,
        kernel: [usize; 3],
        stride: [usize; 3],
        padding: [usize; 3],
        vb: VarBuilder,
    ) -> Result<Self> {
        let fan_in = in_ch * kernel.iter().product::<usize>();
        let weight = vb.get_with_hints(
            (out_ch, in_ch, kernel[0], kernel[1], kernel[2]),
            "weight",
            uniform_init(fan_in),
        )?;
        let bias = vb.get_with_hints(out_ch, "bias", uniform_init(fan_in))?;
        Self::from_tensors(weight, bias, stride, padding)
    }

    /// Builds the conv from given tensors (weight `[O, C, kt, kh, kw]`, bias `[O]`).
    pub fn from_tensors(
        weight: Tensor,
        bias: Tensor,
        stride: [usize; 3],
        padding: [usize; 3],
    ) -> Result<Self> {
        let (o, _, _, _, _) = weight.dims5()?;
        if bias.dims() != [o] {
            candle_core::bail!(
                "CausalConv3d: bias shape {:?} does not match {o} output channels",
                bias.dims()
            );
        }
        Ok(Self {
            weight,
            bias,
            stride,
            time_pad: 2 * padding[0],
            spatial_pad: [padding[1], padding[2]],
        })
    }

    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    pub fn bias(&self) -> &Tensor {
        &self.bias
    }

    /// Number of previous input frames a chunk needs as context (the causal front pad).
    pub fn cache_frames(&self) -> usize {
        self.time_pad
    }

    fn geom(&self, front: usize) -> Result<Conv3dGeom> {
        let (_, _, kt, kh, kw) = self.weight.dims5()?;
        Ok(Conv3dGeom {
            kernel: [kt, kh, kw],
            stride: self.stride,
            pad: [
                (front, 0),
                (self.spatial_pad[0], self.spatial_pad[0]),
                (self.spatial_pad[1], self.spatial_pad[1]),
            ],
        })
    }

    /// Whole-sequence form: zero frames in front.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        conv3d(
            x,
            &self.weight,
            Some(&self.bias),
            &self.geom(self.time_pad)?,
        )
    }

    /// Chunked form: `cache` holds the last `cache_frames()` input frames of the previous chunk
    /// (`None` = start of the sequence, i.e. zeros) and is updated for the next chunk. Running
    /// all chunks in order equals [`forward`](Self::forward) on their concatenation (stride 1 in time).
    pub fn forward_cached(&self, x: &Tensor, cache: &mut Option<Tensor>) -> Result<Tensor> {
        if self.time_pad == 0 {
            return self.forward(x);
        }
        if self.stride[0] != 1 {
            candle_core::bail!("CausalConv3d::forward_cached needs stride 1 in time");
        }
        let ctx = match cache.take() {
            Some(c) => {
                if c.dim(2)? != self.time_pad {
                    candle_core::bail!(
                        "CausalConv3d: cache has {} frames, expected {}",
                        c.dim(2)?,
                        self.time_pad
                    );
                }
                c
            }
            None => {
                let (b, c, _, h, w) = x.dims5()?;
                Tensor::zeros((b, c, self.time_pad, h, w), x.dtype(), x.device())?
            }
        };
        let full = Tensor::cat(&[&ctx, x], 2)?;
        let len = full.dim(2)?;
        // Detach: the cache carries values into the next chunk, not a gradient path.
        *cache = Some(
            full.narrow(2, len - self.time_pad, self.time_pad)?
                .detach()
                .contiguous()?,
        );
        conv3d(&full, &self.weight, Some(&self.bias), &self.geom(0)?)
    }
}

/// A per-frame 2-D convolution over `[B, C, T, H, W]` with weight `[O, C, kh, kw]` (a torch
/// Conv2d applied to every frame), as a `(1, kh, kw)` 3-D conv. `pad` = (top, bottom, left, right).
pub fn conv2d_per_frame(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: usize,
    pad: [usize; 4],
) -> Result<Tensor> {
    let (o, c, kh, kw) = weight.dims4()?;
    let w5 = weight.reshape((o, c, 1, kh, kw))?;
    let g = Conv3dGeom {
        kernel: [1, kh, kw],
        stride: [1, stride, stride],
        pad: [(0, 0), (pad[0], pad[1]), (pad[2], pad[3])],
    };
    conv3d(x, &w5, bias, &g)
}

/// Loads a Conv2d weight `[out, in, k, k]` + bias with torch's default init for fresh models.
pub fn load_conv2d(
    in_ch: usize,
    out_ch: usize,
    k: usize,
    vb: VarBuilder,
) -> Result<(Tensor, Tensor)> {
    let init = uniform_init(in_ch * k * k);
    let w = vb.get_with_hints((out_ch, in_ch, k, k), "weight", init)?;
    let b = vb.get_with_hints(out_ch, "bias", init)?;
    Ok((w, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Var};

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

    /// Direct convolution by definition, in f64 loops: the independent reference.
    fn naive_conv3d(x: &Tensor, w: &Tensor, b: &Tensor, g: &Conv3dGeom) -> Tensor {
        let (bn, c, t, h, wd) = x.dims5().unwrap();
        let (o, _, kt, kh, kw) = w.dims5().unwrap();
        let xv: Vec<f32> = x.flatten_all().unwrap().to_vec1().unwrap();
        let wv: Vec<f32> = w.flatten_all().unwrap().to_vec1().unwrap();
        let bv: Vec<f32> = b.to_vec1().unwrap();
        let [ot, oh, ow] = g.out_dims([t, h, wd]).unwrap();
        let mut out = vec![0f32; bn * o * ot * oh * ow];
        for bi in 0..bn {
            for oi in 0..o {
                for to in 0..ot {
                    for ho in 0..oh {
                        for wo in 0..ow {
                            let mut acc = bv[oi] as f64;
                            for ci in 0..c {
                                for dt in 0..kt {
                                    for dh in 0..kh {
                                        for dw in 0..kw {
                                            let ti = (to * g.stride[0] + dt) as isize
                                                - g.pad[0].0 as isize;
                                            let hi = (ho * g.stride[1] + dh) as isize
                                                - g.pad[1].0 as isize;
                                            let wi = (wo * g.stride[2] + dw) as isize
                                                - g.pad[2].0 as isize;
                                            if ti < 0
                                                || hi < 0
                                                || wi < 0
                                                || ti >= t as isize
                                                || hi >= h as isize
                                                || wi >= wd as isize
                                            {
                                                continue;
                                            }
                                            let (ti, hi, wi) =
                                                (ti as usize, hi as usize, wi as usize);
                                            let xs = xv
                                                [(((bi * c + ci) * t + ti) * h + hi) * wd + wi]
                                                as f64;
                                            let ws = wv
                                                [(((oi * c + ci) * kt + dt) * kh + dh) * kw + dw]
                                                as f64;
                                            acc += xs * ws;
                                        }
                                    }
                                }
                            }
                            out[(((bi * o + oi) * ot + to) * oh + ho) * ow + wo] = acc as f32;
                        }
                    }
                }
            }
        }
        Tensor::from_vec(out, (bn, o, ot, oh, ow), &Device::Cpu).unwrap()
    }

    fn geoms() -> Vec<Conv3dGeom> {
        vec![
            // Causal 3×3×3 (Wan CausalConv3d k=3, p=1).
            Conv3dGeom {
                kernel: [3, 3, 3],
                stride: [1, 1, 1],
                pad: [(2, 0), (1, 1), (1, 1)],
            },
            // Spatial downsample: (0,1) pads, stride 2.
            Conv3dGeom {
                kernel: [1, 3, 3],
                stride: [1, 2, 2],
                pad: [(0, 0), (0, 1), (0, 1)],
            },
            // Temporal downsample: stride 2 valid in time.
            Conv3dGeom {
                kernel: [3, 1, 1],
                stride: [2, 1, 1],
                pad: [(0, 0), (0, 0), (0, 0)],
            },
            // Odd mix: non-square kernel, stride 3, asymmetric pads larger than the kernel reach.
            Conv3dGeom {
                kernel: [2, 3, 2],
                stride: [2, 3, 1],
                pad: [(1, 2), (3, 0), (0, 2)],
            },
            // Per-frame 3×3 (the resample convs).
            Conv3dGeom {
                kernel: [1, 3, 3],
                stride: [1, 1, 1],
                pad: [(0, 0), (1, 1), (1, 1)],
            },
            // The odd mix at stride 1.
            Conv3dGeom {
                kernel: [2, 3, 2],
                stride: [1, 1, 1],
                pad: [(1, 2), (3, 0), (0, 2)],
            },
        ]
    }

    /// Stride-1 convolutions take the shifted-matmul path in inference and im2col when autograd
    /// tracks the input; both match the direct convolution.
    #[test]
    fn both_stride_one_paths_match_direct_convolution() {
        for g in geoms().into_iter().filter(|g| g.stride == [1, 1, 1]) {
            let x = randn(&[2, 3, 7, 6, 5]);
            let w = randn(&[4, 3, g.kernel[0], g.kernel[1], g.kernel[2]]);
            let b = randn(&[4]);
            let want = naive_conv3d(&x, &w, &b, &g);
            assert!(shifted_conv_bias(&x, &w, Some(&b), &g).is_some(), "{g:?}");
            let fast = conv3d(&x, &w, Some(&b), &g).unwrap();
            assert!(
                max_diff(&fast, &want) < 1e-4,
                "shifted path, geometry {g:?}"
            );
            let tracked = Var::from_tensor(&x).unwrap();
            assert!(shifted_conv_bias(tracked.as_tensor(), &w, Some(&b), &g).is_none());
            let slow = conv3d(tracked.as_tensor(), &w, Some(&b), &g).unwrap();
            assert!(max_diff(&slow, &want) < 1e-4, "im2col path, geometry {g:?}");
        }
    }

    #[test]
    fn conv3d_matches_direct_convolution() {
        for g in geoms() {
            let x = randn(&[2, 3, 7, 6, 5]);
            let w = randn(&[4, 3, g.kernel[0], g.kernel[1], g.kernel[2]]);
            let b = randn(&[4]);
            let got = conv3d(&x, &w, Some(&b), &g).unwrap();
            let want = naive_conv3d(&x, &w, &b, &g);
            assert!(max_diff(&got, &want) < 1e-4, "geometry {g:?}");
        }
    }

    #[test]
    fn cpu_im2col_matches_tensor_op_im2col_forward_and_backward() {
        for g in geoms() {
            let x = Var::from_tensor(&randn(&[2, 3, 7, 6, 5])).unwrap();
            let fast = im2col(x.as_tensor(), &g).unwrap();
            let slow = im2col_generic(x.as_tensor(), &g).unwrap();
            assert_eq!(max_diff(&fast, &slow), 0.0, "forward {g:?}");
            // Same loss through both: col2im must equal autograd of pad/narrow/stack.
            let r = randn(fast.dims());
            let gf = (fast * &r).unwrap().sum_all().unwrap().backward().unwrap();
            let gs = (slow * &r).unwrap().sum_all().unwrap().backward().unwrap();
            let (gf, gs) = (gf.get(&x).unwrap(), gs.get(&x).unwrap());
            assert!(max_diff(gf, gs) < 1e-5, "backward {g:?}");
        }
    }

    #[test]
    fn causal_conv_whole_equals_chunked_with_cache() {
        let w = randn(&[5, 3, 3, 3, 3]);
        let b = randn(&[5]);
        let conv = CausalConv3d::from_tensors(w, b, [1, 1, 1], [1, 1, 1]).unwrap();
        assert_eq!(conv.cache_frames(), 2);
        let x = randn(&[2, 3, 9, 6, 4]);
        let whole = conv.forward(&x).unwrap();
        assert_eq!(whole.dims(), &[2, 5, 9, 6, 4]);
        for chunk in [1, 2, 3, 4, 9] {
            let mut cache = None;
            let mut outs = Vec::new();
            let mut s = 0;
            while s < 9 {
                let n = chunk.min(9 - s);
                outs.push(
                    conv.forward_cached(&x.narrow(2, s, n).unwrap(), &mut cache)
                        .unwrap(),
                );
                s += n;
            }
            let chunked = Tensor::cat(&outs, 2).unwrap();
            assert!(max_diff(&whole, &chunked) < 1e-5, "chunk {chunk}");
        }
        // Frame 0's output only sees frame 0 (causality): changing later frames leaves it alone.
        let x2 = Tensor::cat(&[x.narrow(2, 0, 1).unwrap(), randn(&[2, 3, 8, 6, 4])], 2).unwrap();
        let y2 = conv.forward(&x2).unwrap();
        assert!(
            max_diff(
                &whole.narrow(2, 0, 1).unwrap(),
                &y2.narrow(2, 0, 1).unwrap()
            ) < 1e-6
        );
    }

    #[test]
    fn per_frame_conv2d_matches_candle_conv2d() {
        let x = randn(&[2, 4, 3, 8, 10]);
        let w = randn(&[6, 4, 3, 3]);
        let b = randn(&[6]);
        // candle reference: frames folded into the batch.
        let frames = x
            .permute((0, 2, 1, 3, 4))
            .unwrap()
            .contiguous()
            .unwrap()
            .reshape((6, 4, 8, 10))
            .unwrap();
        for (stride, pad) in [(1, 1), (2, 1), (2, 0)] {
            let want = frames
                .conv2d(&w, pad, stride, 1, 1)
                .unwrap()
                .broadcast_add(&b.reshape((1, 6, 1, 1)).unwrap())
                .unwrap();
            let (_, _, oh, ow) = want.dims4().unwrap();
            let want = want
                .reshape((2, 3, 6, oh, ow))
                .unwrap()
                .permute((0, 2, 1, 3, 4))
                .unwrap();
            let got = conv2d_per_frame(&x, &w, Some(&b), stride, [pad; 4]).unwrap();
            assert!(max_diff(&got, &want) < 1e-4, "stride {stride} pad {pad}");
        }
        // Asymmetric (0,1,0,1) pad of the downsampler = pad by one then valid conv.
        let padded = frames
            .pad_with_zeros(2, 0, 1)
            .unwrap()
            .pad_with_zeros(3, 0, 1)
            .unwrap();
        let want = padded
            .conv2d(&w, 0, 2, 1, 1)
            .unwrap()
            .broadcast_add(&b.reshape((1, 6, 1, 1)).unwrap())
            .unwrap()
            .reshape((2, 3, 6, 4, 5))
            .unwrap()
            .permute((0, 2, 1, 3, 4))
            .unwrap();
        let got = conv2d_per_frame(&x, &w, Some(&b), 2, [0, 1, 0, 1]).unwrap();
        assert!(max_diff(&got, &want) < 1e-4);
    }

    #[test]
    fn conv_weight_gradient_matches_finite_difference() {
        let g = geoms()[0];
        let x = randn(&[1, 2, 4, 5, 5]).to_dtype(DType::F64).unwrap();
        let w = Var::from_tensor(&randn(&[3, 2, 3, 3, 3]).to_dtype(DType::F64).unwrap()).unwrap();
        let r = randn(&[1, 3, 4, 5, 5]).to_dtype(DType::F64).unwrap();
        let loss = |w: &Tensor| -> Tensor {
            (conv3d(&x, w, None, &g).unwrap() * &r)
                .unwrap()
                .sum_all()
                .unwrap()
        };
        let grads = loss(w.as_tensor()).backward().unwrap();
        let gw: Vec<f64> = grads
            .get(&w)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let base: Vec<f64> = w.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
        for idx in [0, 17, 40, 53] {
            let eps = 1e-5;
            let mut p = base.clone();
            p[idx] += eps;
            let lp = loss(&Tensor::from_vec(p.clone(), w.shape(), &Device::Cpu).unwrap());
            p[idx] -= 2.0 * eps;
            let lm = loss(&Tensor::from_vec(p, w.shape(), &Device::Cpu).unwrap());
            let fd =
                (lp.to_scalar::<f64>().unwrap() - lm.to_scalar::<f64>().unwrap()) / (2.0 * eps);
            assert!(
                (fd - gw[idx]).abs() < 1e-5 * (1.0 + fd.abs()),
                "w[{idx}]: {fd} vs {}",
                gw[idx]
            );
        }
    }

    #[test]
    fn bad_shapes_are_errors() {
        let w = randn(&[2, 3, 3, 3, 3]);
        let g = geoms()[0];
        assert!(conv3d(&randn(&[1, 4, 3, 4, 4]), &w, None, &g).is_err());
        assert!(conv3d(&randn(&[1, 3, 4, 4]), &w, None, &g).is_err());
        let valid = Conv3dGeom {
            kernel: [3, 3, 3],
            stride: [1, 1, 1],
            pad: [(0, 0); 3],
        };
        assert!(conv3d(&randn(&[1, 3, 2, 4, 4]), &w, None, &valid).is_err());
    }
}
