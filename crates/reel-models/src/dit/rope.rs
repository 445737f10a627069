//! 3-axis rotary position embedding over (frame, row, column), Wan layout (WAN.md §2.7, §10.1).
//!
//! head_dim is split unevenly: h and w get `2·(hd/6)` each, t gets the rest; angles are computed
//! in f64 and rounded to f32 once; pairs are interleaved `(2j, 2j+1)`.

use candle_core::{Device, Result, Tensor, D};

/// Sizes of the (t, h, w) parts of a head dimension.
pub fn axis_dims(head_dim: usize) -> [usize; 3] {
    let hw = 2 * (head_dim / 6);
    [head_dim - 2 * hw, hw, hw]
}

/// Rotation angles for one axis of size `dim` at integer position `pos`: `pos / 10000^(2j/dim)`.
pub fn axis_angles(pos: usize, dim: usize) -> Vec<f64> {
    (0..dim / 2)
        .map(|j| {
            let inv = 1.0 / 10000f64.powf((2 * j) as f64 / dim as f64);
            pos as f64 * inv
        })
        .collect()
}

/// cos and sin tables `[L, head_dim/2]` for a token grid of `f × h × w` (f-major order).
pub fn rope_tables(
    head_dim: usize,
    grid: (usize, usize, usize),
    dev: &Device,
) -> Result<(Tensor, Tensor)> {
    let [dt, dh, dw] = axis_dims(head_dim);
    let (f, h, w) = grid;
    let half = head_dim / 2;
    let mut cos = Vec::with_capacity(f * h * w * half);
    let mut sin = Vec::with_capacity(f * h * w * half);
    let (at, ah, aw): (Vec<_>, Vec<_>, Vec<_>) = (
        (0..f).map(|p| axis_angles(p, dt)).collect(),
        (0..h).map(|p| axis_angles(p, dh)).collect(),
        (0..w).map(|p| axis_angles(p, dw)).collect(),
    );
    for fi in 0..f {
        for hi in 0..h {
            for wi in 0..w {
                for a in at[fi].iter().chain(&ah[hi]).chain(&aw[wi]) {
                    cos.push(a.cos() as f32);
                    sin.push(a.sin() as f32);
                }
            }
        }
    }
    let l = f * h * w;
    Ok((
        Tensor::from_vec(cos, (l, half), dev)?,
        Tensor::from_vec(sin, (l, half), dev)?,
    ))
}

/// Rotates interleaved pairs of `x: [B, heads, L, hd]` by the tables `[L, hd/2]`.
pub fn apply_rope(x: &Tensor, cos: &Tensor, sin: &Tensor) -> Result<Tensor> {
    // The fused rotation only in training (see `ops::use_fused`).
    if x.track_op() && crate::fused::supported(x) {
        return crate::fused::rope(x, cos, sin);
    }
    let (b, nh, l, hd) = x.dims4()?;
    let pairs = x.reshape((b, nh, l, hd / 2, 2))?;
    let x0 = pairs.narrow(D::Minus1, 0, 1)?.squeeze(D::Minus1)?;
    let x1 = pairs.narrow(D::Minus1, 1, 1)?.squeeze(D::Minus1)?;
    let c = cos.reshape((1, 1, l, hd / 2))?;
    let s = sin.reshape((1, 1, l, hd / 2))?;
    let r0 = (x0.broadcast_mul(&c)? - x1.broadcast_mul(&s)?)?;
    let r1 = (x0.broadcast_mul(&s)? + x1.broadcast_mul(&c)?)?;
    Tensor::stack(&[r0, r1], D::Minus1)?.reshape((b, nh, l, hd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_matches_wan() {
        assert_eq!(axis_dims(128), [44, 42, 42]);
        assert_eq!(axis_dims(16), [8, 4, 4]);
        assert_eq!(axis_dims(64), [24, 20, 20]);
    }

    #[test]
    fn angles_closed_form() {
        // dim 4: inv = [1, 1/100]; position 3 → [3, 0.03].
        let a = axis_angles(3, 4);
        assert_eq!(a.len(), 2);
        assert!((a[0] - 3.0).abs() < 1e-15 && (a[1] - 0.03).abs() < 1e-15);
    }

    #[test]
    fn tables_concatenate_axes_in_t_h_w_order() -> Result<()> {
        let dev = Device::Cpu;
        // hd 16 → t 8 (4 angles), h 4 (2), w 4 (2). Token (f=1, h=2, w=3) in a 2×3×4 grid.
        let (cos, _) = rope_tables(16, (2, 3, 4), &dev)?;
        let idx = (1 * 3 + 2) * 4 + 3;
        let row = cos.get(idx)?.to_vec1::<f32>()?;
        let mut expect = axis_angles(1, 8);
        expect.extend(axis_angles(2, 4));
        expect.extend(axis_angles(3, 4));
        for (r, e) in row.iter().zip(&expect) {
            assert!((r - e.cos() as f32).abs() < 1e-7);
        }
        Ok(())
    }

    #[test]
    fn rotation_of_a_unit_pair() -> Result<()> {
        let dev = Device::Cpu;
        // One token, hd 2: rotate (1, 0) by 90° → (0, 1); (0, 1) by 90° → (-1, 0).
        let x = Tensor::new(&[1f32, 0.0, 0.0, 1.0], &dev)?.reshape((1, 2, 1, 2))?;
        let cos = Tensor::new(&[[0f32]], &dev)?;
        let sin = Tensor::new(&[[1f32]], &dev)?;
        let y = apply_rope(&x, &cos, &sin)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        assert_eq!(y, vec![0.0, 1.0, -1.0, 0.0]);
        // Rotation keeps the norm and is undone by the opposite angle.
        let (c, s) = rope_tables(16, (3, 2, 2), &dev)?;
        let x = Tensor::randn(0f32, 1.0, (1, 2, 12, 16), &dev)?;
        let y = apply_rope(&x, &c, &s)?;
        let back = apply_rope(&y, &c, &s.neg()?)?;
        let err = (back - &x)?.abs()?.max_all()?.to_scalar::<f32>()?;
        assert!(err < 1e-5);
        Ok(())
    }
}
