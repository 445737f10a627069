//! Principal components for the VAE's linear detail path: the leading eigenvectors of a
//! second-moment matrix, by cyclic Jacobi rotations (exact to rounding for the ≤ 192×192
//! symmetric matrices this needs; no linear-algebra dependency).

use anyhow::{bail, Result};

/// Eigenvalues and eigenvectors of the symmetric `n`×`n` matrix `a` (row-major), sorted by
/// decreasing eigenvalue; eigenvector `i` is `vectors[i]`, sign-normalised so that its
/// largest-magnitude entry is positive (a deterministic choice among ±v).
pub fn symmetric_eigen(a: &[f64], n: usize) -> Result<(Vec<f64>, Vec<Vec<f64>>)> {
    if a.len() != n * n {
        bail!("expected a {n}×{n} matrix, got {} values", a.len());
    }
    if a.iter().any(|x| !x.is_finite()) {
        bail!("matrix has non-finite entries");
    }
    for i in 0..n {
        for j in 0..i {
            let (x, y) = (a[i * n + j], a[j * n + i]);
            if (x - y).abs() > 1e-9 * (1.0 + x.abs().max(y.abs())) {
                bail!("matrix is not symmetric at ({i}, {j}): {x} vs {y}");
            }
        }
    }
    let mut m = a.to_vec();
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = m
        .iter()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * n + j] * m[i * n + j])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-14 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                // Rotation that zeroes m[p][q] (Golub & Van Loan's symmetric Schur step).
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| m[j * n + j].total_cmp(&m[i * n + i]));
    let values = order.iter().map(|&i| m[i * n + i]).collect();
    let vectors = order
        .iter()
        .map(|&i| {
            let mut col: Vec<f64> = (0..n).map(|k| v[k * n + i]).collect();
            let big = col
                .iter()
                .copied()
                .max_by(|a, b| a.abs().total_cmp(&b.abs()))
                .unwrap_or(0.0);
            if big < 0.0 {
                col.iter_mut().for_each(|x| *x = -*x);
            }
            col
        })
        .collect();
    Ok((values, vectors))
}

/// The `k` leading eigenvectors of `a` as an `n`×`k` row-major matrix (column `i` = component
/// `i`), and the fraction of the trace they hold.
pub fn leading_components(a: &[f64], n: usize, k: usize) -> Result<(Vec<f32>, f64)> {
    if k == 0 || k > n {
        bail!("cannot take {k} components of a {n}-dimensional space");
    }
    let (values, vectors) = symmetric_eigen(a, n)?;
    let trace: f64 = values.iter().sum();
    let held: f64 = values[..k].iter().sum();
    let mut out = vec![0f32; n * k];
    for (i, vec) in vectors[..k].iter().enumerate() {
        for (r, x) in vec.iter().enumerate() {
            out[r * k + i] = *x as f32;
        }
    }
    Ok((out, if trace > 0.0 { held / trace } else { 0.0 }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_of_known_matrices() -> Result<()> {
        // diag(1, 3, 2) rotated is still {3, 2, 1}; A·v = λ·v for each pair.
        let a = [2.0, 1.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 5.0];
        let (vals, vecs) = symmetric_eigen(&a, 3)?;
        for (want, got) in [5.0, 3.0, 1.0].iter().zip(&vals) {
            assert!((want - got).abs() < 1e-12, "{vals:?}");
        }
        for (l, v) in vals.iter().zip(&vecs) {
            for r in 0..3 {
                let av: f64 = (0..3).map(|c| a[r * 3 + c] * v[c]).sum();
                assert!((av - l * v[r]).abs() < 1e-12);
            }
            let norm: f64 = v.iter().map(|x| x * x).sum();
            assert!((norm - 1.0).abs() < 1e-12);
        }
        // (1, 1)/√2 for 3, sign chosen positive.
        assert!((vecs[1][0] - 0.5f64.sqrt()).abs() < 1e-12 && vecs[1][0] > 0.0);
        assert!(
            symmetric_eigen(&[1.0, 2.0, 0.0, 1.0], 2).is_err(),
            "not symmetric"
        );
        assert!(symmetric_eigen(&[1.0], 2).is_err());
        Ok(())
    }

    #[test]
    fn leading_components_of_a_random_second_moment() -> Result<()> {
        // X has most of its energy along two known orthogonal directions.
        let n = 12;
        let u: Vec<f64> = (0..n).map(|i| if i < 6 { 1.0 } else { 0.0 }).collect();
        let w: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let mut a = vec![0.0; n * n];
        for r in 0..n {
            for c in 0..n {
                a[r * n + c] = 9.0 * u[r] * u[c] / 6.0
                    + 4.0 * w[r] * w[c] / 12.0
                    + if r == c { 0.01 } else { 0.0 };
            }
        }
        let (b, held) = leading_components(&a, n, 2)?;
        let col = |i: usize| (0..n).map(|r| b[r * 2 + i] as f64).collect::<Vec<_>>();
        let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
        let un: Vec<f64> = u.iter().map(|x| x / 6f64.sqrt()).collect();
        let wn: Vec<f64> = w.iter().map(|x| x / 12f64.sqrt()).collect();
        assert!((dot(&col(0), &un).abs() - 1.0).abs() < 1e-5);
        assert!((dot(&col(1), &wn).abs() - 1.0).abs() < 1e-5);
        assert!(held > 0.98 && held < 1.0, "{held}");
        assert!(leading_components(&a, n, 0).is_err() && leading_components(&a, n, 13).is_err());
        Ok(())
    }
}
