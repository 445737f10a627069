//! The linear detail path of Reel's toy VAEs (`VaeConfig::detail_channels`).
//!
//! A small VAE trained from scratch within minutes learns next to nothing beyond the colour path
//! (models/README.md), so the shapes inside a latent cell need their own path: each cell's pixels
//! minus the cell's mean colour form one vector (frame 0 alone: 3·cs·cs values; later cells:
//! 3·ct·cs·cs), projected on `k` fixed basis vectors (principal components fitted to training
//! clips) into latent channels 3..3+k; the decoder adds the basis patterns weighted by those
//! channels back. The networks learn only what is left.

use super::{cell_colours, spread_cells};
use candle_core::{Result, Tensor};

/// The two bases, `[3·cs·cs, k]` for frame 0 and `[3·ct·cs·cs, k]` for the later cells.
#[derive(Debug, Clone)]
pub struct DetailBasis {
    pub first: Tensor,
    pub group: Tensor,
}

/// Each latent cell's pixels minus the cell's mean colour, one row per cell: frame-0 rows
/// `[B·h·w, 3·cs·cs]` and, for `T > 1`, later rows `[B·n·h·w, 3·ct·cs·cs]` (row order
/// batch, latent frame, y, x; column order channel, frame, y, x).
pub fn cell_residual_rows(
    video: &Tensor,
    cs: usize,
    ct: usize,
) -> Result<(Tensor, Option<Tensor>)> {
    let (b, c, t, h, w) = video.dims5()?;
    let mean = spread_cells(&cell_colours(video, cs, ct)?, cs, ct, true)?;
    let res = (video - mean)?;
    let rows = |x: &Tensor, n: usize, g: usize| -> Result<Tensor> {
        x.reshape(vec![b, c, n, g, h / cs, cs, w / cs, cs])?
            .permute(vec![0, 2, 4, 6, 1, 3, 5, 7])?
            .contiguous()?
            .reshape((b * n * (h / cs) * (w / cs), c * g * cs * cs))
    };
    let first = rows(&res.narrow(2, 0, 1)?, 1, 1)?;
    let rest = if t > 1 {
        Some(rows(&res.narrow(2, 1, t - 1)?, (t - 1) / ct, ct)?)
    } else {
        None
    };
    Ok((first, rest))
}

impl DetailBasis {
    pub fn channels(&self) -> Result<usize> {
        self.first.dim(1)
    }

    /// Video `[B, 3, T, H, W]` → detail coefficients `[B, k, 1 + (T−1)/ct, H/cs, W/cs]`.
    pub fn encode(&self, video: &Tensor, cs: usize, ct: usize) -> Result<Tensor> {
        let (b, _, _, h, w) = video.dims5()?;
        let (h, w) = (h / cs, w / cs);
        let k = self.channels()?;
        let (first, rest) = cell_residual_rows(video, cs, ct)?;
        let coeffs = |rows: &Tensor, basis: &Tensor| -> Result<Tensor> {
            let n = rows.dim(0)? / (b * h * w);
            rows.matmul(basis)?
                .reshape((b, n, h, w, k))?
                .permute((0, 4, 1, 2, 3))?
                .contiguous()
        };
        let head = coeffs(&first, &self.first)?;
        match rest {
            Some(r) => Tensor::cat(&[&head, &coeffs(&r, &self.group)?], 2),
            None => Ok(head),
        }
    }

    /// Detail coefficients `[B, k, T', h, w]` → the pixels they stand for `[B, 3, T, H, W]`;
    /// with `from_frame0` the first latent frame is frame 0 (one frame), otherwise every latent
    /// frame covers `ct` frames.
    pub fn decode(&self, d: &Tensor, cs: usize, ct: usize, from_frame0: bool) -> Result<Tensor> {
        let (b, k, t, h, w) = d.dims5()?;
        let spread = |x: &Tensor, basis: &Tensor, g: usize| -> Result<Tensor> {
            let n = x.dim(2)?;
            let c = basis.dim(0)? / (g * cs * cs);
            x.permute((0, 2, 3, 4, 1))?
                .contiguous()?
                .reshape((b * n * h * w, k))?
                .matmul(&basis.t()?)?
                .reshape(vec![b, n, h, w, c, g, cs, cs])?
                .permute(vec![0, 4, 1, 5, 2, 6, 3, 7])?
                .contiguous()?
                .reshape((b, c, n * g, h * cs, w * cs))
        };
        if !from_frame0 {
            return spread(d, &self.group, ct);
        }
        let first = spread(&d.narrow(2, 0, 1)?, &self.first, 1)?;
        if t == 1 {
            return Ok(first);
        }
        Tensor::cat(
            &[&first, &spread(&d.narrow(2, 1, t - 1)?, &self.group, ct)?],
            2,
        )
    }
}
