//! How the toy VAE's colour skip fills the frames between latent groups (`ColourInterpolation`).
//!
//! Latent frame 0 is video frame 0; latent frame k ≥ 1 covers frames `ct·(k−1)+1 ..= ct·k`, so
//! its cell colours are the mean over frames centred at `ct·k − (ct−1)/2`. Between two centres
//! a frame sits at a fraction `a` of the way from one group to the next; before the first
//! centre and after the last the nearest group is held.

use candle_core::{Result, Tensor};

/// Centre frame of latent frame `k`.
fn centre(k: usize, ct: usize) -> f32 {
    if k == 0 {
        0.0
    } else {
        (ct * k) as f32 - (ct as f32 - 1.0) / 2.0
    }
}

/// For video frame `f` of a clip with `t` latent frames: the last latent frame `k` whose centre
/// is at or before `f`, and how far `f` is towards `k + 1` (0 when `k` is the last).
fn position(f: usize, t: usize, ct: usize) -> (usize, f32) {
    let f = f as f32;
    let k = (0..t).rev().find(|&k| centre(k, ct) <= f).unwrap_or(0);
    if k + 1 < t {
        (k, (f - centre(k, ct)) / (centre(k + 1, ct) - centre(k, ct)))
    } else {
        (k, 0.0)
    }
}

/// The video frames of latent frames `start..start + n`, checked against the clip's `t`.
fn frames_of(
    t: usize,
    ct: usize,
    start: usize,
    n: usize,
) -> Result<std::ops::RangeInclusive<usize>> {
    if ct == 0 || n == 0 || start + n > t {
        candle_core::bail!(
            "colour glide: latent frames {start}..{} of {t} (ct {ct})",
            start + n
        );
    }
    let first = if start == 0 { 0 } else { ct * (start - 1) + 1 };
    Ok(first..=ct * (start + n - 1))
}

/// Each latent cell's value cross-faded linearly in time between neighbouring groups' centres.
/// `cells` `[B, C, T', h, w]` → `[B, C, F, h, w]` for the F video frames of latent frames
/// `start..start + n` (a chunk of a longer decode gets its neighbours' pull all the same).
pub fn glide_cells(cells: &Tensor, ct: usize, start: usize, n: usize) -> Result<Tensor> {
    let (b, c, t, h, w) = cells.dims5()?;
    let frames = frames_of(t, ct, start, n)?;
    let count = frames.clone().count();
    let mut weights = vec![0f32; count * t];
    for (i, f) in frames.enumerate() {
        let (k, a) = position(f, t, ct);
        weights[i * t + k] = 1.0 - a;
        if a > 0.0 {
            weights[i * t + k + 1] = a;
        }
    }
    let weights = Tensor::from_vec(weights, (count, t), cells.device())?.t()?;
    cells
        .permute((0, 1, 3, 4, 2))?
        .contiguous()?
        .reshape((b * c * h * w, t))?
        .matmul(&weights.contiguous()?)?
        .reshape((b, c, h, w, count))?
        .permute((0, 1, 4, 2, 3))?
        .contiguous()
}

/// A displacement `(dy, dx)` in cells for each cell of a group, row-major.
type Field = Vec<(f32, f32)>;

/// Largest displacement (in cells, each axis) matched between neighbouring groups.
const MAX_SHIFT: isize = 4;
/// Half-side of the block of cells compared when matching (5×5 cells: larger than the toy
/// world's objects, so a uniform interior still sees an edge).
const BLOCK: isize = 2;
/// Cost per squared cell of displacement: where colours match equally well (flat background),
/// the smallest displacement wins.
const SHIFT_PENALTY: f32 = 1e-4;

/// Per cell of `from` (`[C][h][w]` values), the displacement `(dy, dx)` in cells at which `to`
/// shows the same block of colours: integer block matching, then (unless the match is exact) a
/// parabola through the costs either side on each axis for the sub-cell part.
fn match_field(from: &[f32], to: &[f32], c: usize, h: usize, w: usize) -> Field {
    let at = |v: &[f32], ch: usize, y: isize, x: isize| {
        let y = y.clamp(0, h as isize - 1) as usize;
        let x = x.clamp(0, w as isize - 1) as usize;
        v[(ch * h + y) * w + x]
    };
    let cost = |py: isize, px: isize, dy: isize, dx: isize| {
        let mut s = 0f32;
        for qy in -BLOCK..=BLOCK {
            for qx in -BLOCK..=BLOCK {
                for ch in 0..c {
                    let e = at(to, ch, py + qy + dy, px + qx + dx) - at(from, ch, py + qy, px + qx);
                    s += e * e;
                }
            }
        }
        s + SHIFT_PENALTY * (dy * dy + dx * dx) as f32
    };
    let mut field = Vec::with_capacity(h * w);
    for py in 0..h as isize {
        for px in 0..w as isize {
            let mut best = (f32::INFINITY, 0, 0);
            for dy in -MAX_SHIFT..=MAX_SHIFT {
                for dx in -MAX_SHIFT..=MAX_SHIFT {
                    let e = cost(py, px, dy, dx);
                    if e < best.0 {
                        best = (e, dy, dx);
                    }
                }
            }
            let (e0, dy, dx) = best;
            // An exact match (a block moved by whole cells) needs no sub-cell part; the
            // parabola would read the block's own edges as one.
            let exact = e0 <= SHIFT_PENALTY * (1 + dy * dy + dx * dx) as f32;
            let refine = |minus: f32, plus: f32| {
                let curve = minus - 2.0 * e0 + plus;
                if !exact && curve > 1e-12 {
                    (0.5 * (minus - plus) / curve).clamp(-0.5, 0.5)
                } else {
                    0.0
                }
            };
            let sub_y = if dy.abs() < MAX_SHIFT {
                refine(cost(py, px, dy - 1, dx), cost(py, px, dy + 1, dx))
            } else {
                0.0
            };
            let sub_x = if dx.abs() < MAX_SHIFT {
                refine(cost(py, px, dy, dx - 1), cost(py, px, dy, dx + 1))
            } else {
                0.0
            };
            field.push((dy as f32 + sub_y, dx as f32 + sub_x));
        }
    }
    field
}

/// One video frame's sources: for each pixel, the flat `(t, y, x)` index of the cell whose
/// colour lands there when the cells of latent frame `src` move `frac` of their displacement
/// `field`. Cells that move are drawn after (over) cells that stay; pixels nobody lands on
/// (where a moving object was) show latent frame `fill`, which the object has left.
fn splat(
    field: &[(f32, f32)],
    src: usize,
    fill: usize,
    frac: f32,
    (h, w, cs): (usize, usize, usize),
    out: &mut [u32],
) {
    let (hh, ww) = (h * cs, w * cs);
    let index = |t: usize, y: usize, x: usize| ((t * h + y) * w + x) as u32;
    out.fill(u32::MAX);
    let mut order: Vec<usize> = (0..h * w).collect();
    let moved = |p: usize| field[p].0.abs() + field[p].1.abs();
    order.sort_by(|&p, &q| moved(p).total_cmp(&moved(q)));
    for p in order {
        let (cy, cx) = (p / w, p % w);
        let oy = (cs as f32 * frac * field[p].0).round() as isize;
        let ox = (cs as f32 * frac * field[p].1).round() as isize;
        for py in 0..cs {
            for px in 0..cs {
                let y = (cy * cs + py) as isize + oy;
                let x = (cx * cs + px) as isize + ox;
                if (0..hh as isize).contains(&y) && (0..ww as isize).contains(&x) {
                    out[y as usize * ww + x as usize] = index(src, cy, cx);
                }
            }
        }
    }
    for (i, slot) in out.iter_mut().enumerate() {
        if *slot == u32::MAX {
            *slot = index(fill, i / ww / cs, i % ww / cs);
        }
    }
}

/// The colour skip at pixel resolution with each cell moved rather than faded: between the
/// centres of latent frames k and k+1 (fraction `a`), the cells of k are drawn `a` of the way
/// along their displacement matched into k+1, the cells of k+1 `1 − a` of the way back along
/// theirs matched into k, and the two pictures are blended `1 − a : a`. An object that both
/// matches find is drawn once, at its place in between. `cells` `[B, C, T', h, w]` →
/// `[B, C, F, cs·h, cs·w]` for the video frames of latent frames `start..start + n`.
/// Differentiable in the colours (a gather); the displacements are chosen, not learned.
pub fn motion_glide(
    cells: &Tensor,
    cs: usize,
    ct: usize,
    start: usize,
    n: usize,
) -> Result<Tensor> {
    let (b, c, t, h, w) = cells.dims5()?;
    let frames = frames_of(t, ct, start, n)?;
    let count = frames.clone().count();
    let plane = h * cs * w * cs;
    let values = cells.detach().flatten_all()?.to_vec1::<f32>()?;
    let group = |bi: usize, k: usize| -> Vec<f32> {
        (0..c)
            .flat_map(|ch| {
                let o = ((bi * c + ch) * t + k) * h * w;
                values[o..o + h * w].iter().copied()
            })
            .collect()
    };
    let mut ia = vec![0u32; b * count * plane];
    let mut ib = vec![0u32; b * count * plane];
    let mut blend = vec![0f32; count * plane];
    for bi in 0..b {
        // Displacement fields of each neighbouring pair, matched once: (k → k+1, k+1 → k).
        let mut fields: Vec<Option<(Field, Field)>> = vec![None; t];
        for (i, f) in frames.clone().enumerate() {
            let (k, a) = position(f, t, ct);
            let o = (bi * count + i) * plane;
            let (out_a, out_b) = (&mut ia[o..o + plane], &mut ib[o..o + plane]);
            if a == 0.0 {
                let still = vec![(0.0, 0.0); h * w];
                splat(&still, k, k, 0.0, (h, w, cs), out_a);
                out_b.copy_from_slice(out_a);
                continue;
            }
            let (fwd, bwd) = fields[k].get_or_insert_with(|| {
                let (now, next) = (group(bi, k), group(bi, k + 1));
                (
                    match_field(&now, &next, c, h, w),
                    match_field(&next, &now, c, h, w),
                )
            });
            splat(fwd, k, k + 1, a, (h, w, cs), out_a);
            splat(bwd, k + 1, k, 1.0 - a, (h, w, cs), out_b);
            blend[i * plane..(i + 1) * plane].fill(a);
        }
    }
    let dev = cells.device();
    let src = cells.reshape((b, c, t * h * w))?;
    let take = |idx: Vec<u32>| -> Result<Tensor> {
        let idx = Tensor::from_vec(idx, (b, 1, count * plane), dev)?
            .broadcast_as((b, c, count * plane))?
            .contiguous()?;
        src.gather(&idx, 2)
    };
    let (from_now, from_next) = (take(ia)?, take(ib)?);
    let blend = Tensor::from_vec(blend, (1, 1, count * plane), dev)?;
    let mixed = (from_now.broadcast_mul(&(1.0 - &blend)?)? + from_next.broadcast_mul(&blend)?)?;
    mixed.reshape((b, c, count, h * cs, w * cs))
}
