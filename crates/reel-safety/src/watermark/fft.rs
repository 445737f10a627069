//! A small radix-2 complex FFT, enough for cyclic 2-D correlation over one watermark tile.

use std::f64::consts::PI;

#[derive(Clone, Copy, Debug, Default)]
pub struct C64 {
    pub re: f64,
    pub im: f64,
}

impl C64 {
    fn mul(self, o: C64) -> C64 {
        C64 {
            re: self.re * o.re - self.im * o.im,
            im: self.re * o.im + self.im * o.re,
        }
    }
    pub fn conj(self) -> C64 {
        C64 {
            re: self.re,
            im: -self.im,
        }
    }
}

/// In-place FFT of a power-of-two length; `inverse` computes the unnormalised inverse.
fn fft(buf: &mut [C64], inverse: bool) {
    let n = buf.len();
    debug_assert!(n.is_power_of_two());
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            buf.swap(i, j);
        }
    }
    let sign = if inverse { 1.0 } else { -1.0 };
    let mut len = 2;
    while len <= n {
        let ang = sign * 2.0 * PI / len as f64;
        let w_len = C64 {
            re: ang.cos(),
            im: ang.sin(),
        };
        for start in (0..n).step_by(len) {
            let mut w = C64 { re: 1.0, im: 0.0 };
            for k in 0..len / 2 {
                let a = buf[start + k];
                let b = buf[start + k + len / 2].mul(w);
                buf[start + k] = C64 {
                    re: a.re + b.re,
                    im: a.im + b.im,
                };
                buf[start + k + len / 2] = C64 {
                    re: a.re - b.re,
                    im: a.im - b.im,
                };
                w = w.mul(w_len);
            }
        }
        len <<= 1;
    }
}

/// 2-D FFT of an n×n row-major grid (n a power of two).
pub fn fft2(grid: &mut [C64], n: usize, inverse: bool) {
    for row in grid.chunks_mut(n) {
        fft(row, inverse);
    }
    let mut col = vec![C64::default(); n];
    for x in 0..n {
        for y in 0..n {
            col[y] = grid[y * n + x];
        }
        fft(&mut col, inverse);
        for y in 0..n {
            grid[y * n + x] = col[y];
        }
    }
}

/// Cyclic cross-correlation `out[d] = Σ_x a[x] · b[(x + d) mod n]` of two n×n grids.
pub fn cross_correlate(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let to_c = |v: &[f64]| -> Vec<C64> { v.iter().map(|&re| C64 { re, im: 0.0 }).collect() };
    let mut fa = to_c(a);
    let mut fb = to_c(b);
    fft2(&mut fa, n, false);
    fft2(&mut fb, n, false);
    let mut prod: Vec<C64> = fa.iter().zip(&fb).map(|(x, y)| x.conj().mul(*y)).collect();
    fft2(&mut prod, n, true);
    let scale = 1.0 / (n * n) as f64;
    prod.iter().map(|c| c.re * scale).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fft_correlation_matches_the_direct_sum() {
        let n = 8;
        let a: Vec<f64> = (0..n * n).map(|i| ((i * 37 % 11) as f64) - 5.0).collect();
        let b: Vec<f64> = (0..n * n).map(|i| ((i * 13 % 7) as f64) - 3.0).collect();
        let fast = cross_correlate(&a, &b, n);
        for dy in 0..n {
            for dx in 0..n {
                let mut s = 0.0;
                for y in 0..n {
                    for x in 0..n {
                        s += a[y * n + x] * b[((y + dy) % n) * n + (x + dx) % n];
                    }
                }
                assert!((fast[dy * n + dx] - s).abs() < 1e-9, "{dx},{dy}");
            }
        }
    }
}
