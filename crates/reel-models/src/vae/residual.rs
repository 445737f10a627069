//! The Wan2.2 VAE's residual stages (WAN.md §3.2, `is_residual=True`): every encoder stage adds a
//! parameter-free `AvgDown3D` shortcut (space/time-to-channel, then a mean over channel groups) to
//! its resblocks + downsampler, every decoder stage a `DupUp3D` shortcut (channel repeat, then
//! channel-to-space/time) to its resblocks + upsampler; the video is pixel-unshuffled by the patch
//! size before the encoder and shuffled back after the decoder.

use candle_core::{Result, Tensor};
use candle_nn::VarBuilder;

use super::blocks::{FeatCache, Resample, ResampleMode, ResidualBlock};

/// `[B, C, T, H, W] → [B, C·p·p, T, H/p, W/p]`, channels packed as `(c, pw, ph)` (w before h).
pub fn patchify(x: &Tensor, p: usize) -> Result<Tensor> {
    if p == 1 {
        return Ok(x.clone());
    }
    let (b, c, t, h, w) = x.dims5()?;
    if h % p != 0 || w % p != 0 {
        candle_core::bail!("patchify: {h}×{w} is not divisible by the patch size {p}");
    }
    x.reshape(vec![b, c, t, h / p, p, w / p, p])?
        .permute([0, 1, 6, 4, 2, 3, 5])?
        .contiguous()?
        .reshape((b, c * p * p, t, h / p, w / p))
}

/// Inverse of [`patchify`].
pub fn unpatchify(x: &Tensor, p: usize) -> Result<Tensor> {
    if p == 1 {
        return Ok(x.clone());
    }
    let (b, cpp, f, h, w) = x.dims5()?;
    let c = cpp / (p * p);
    x.reshape(vec![b, c, p, p, f, h, w])?
        .permute([0, 1, 4, 5, 3, 6, 2])?
        .contiguous()?
        .reshape((b, c, f, h * p, w * p))
}

/// `AvgDown3D`: zero-pad time at the front to a multiple of `ft`, fold `ft×fs×fs` blocks into
/// channels (order c, t, h, w), then average consecutive groups down to `out` channels.
#[derive(Debug, Clone)]
pub struct AvgDown3d {
    out: usize,
    ft: usize,
    fs: usize,
}

impl AvgDown3d {
    pub fn new(out: usize, ft: usize, fs: usize) -> Self {
        Self { out, ft, fs }
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (ft, fs) = (self.ft, self.fs);
        let (b, c, t, h, w) = x.dims5()?;
        let pad = (ft - t % ft) % ft;
        let x = if pad > 0 {
            let z = Tensor::zeros((b, c, pad, h, w), x.dtype(), x.device())?;
            Tensor::cat(&[&z, x], 2)?
        } else {
            x.clone()
        };
        let t = t + pad;
        let (t2, h2, w2) = (t / ft, h / fs, w / fs);
        let group = c * ft * fs * fs / self.out;
        x.reshape(vec![b, c, t2, ft, h2, fs, w2, fs])?
            .permute([0, 1, 3, 5, 7, 2, 4, 6])?
            .contiguous()?
            .reshape(vec![b, self.out, group, t2, h2, w2])?
            .mean(2)
    }
}

/// `DupUp3D`: repeat every channel `out·ft·fs²/in` times, unfold the channels into `ft×fs×fs`
/// blocks of time and space; the first chunk (the one holding latent frame 0) drops its first
/// `ft − 1` frames, matching the temporal upsampler that passes frame 0 alone.
#[derive(Debug, Clone)]
pub struct DupUp3d {
    out: usize,
    ft: usize,
    fs: usize,
    repeats: usize,
}

impl DupUp3d {
    pub fn new(inp: usize, out: usize, ft: usize, fs: usize) -> Self {
        Self {
            out,
            ft,
            fs,
            repeats: out * ft * fs * fs / inp,
        }
    }

    pub fn forward(&self, x: &Tensor, first_chunk: bool) -> Result<Tensor> {
        let (ft, fs, r) = (self.ft, self.fs, self.repeats);
        let (b, c, t, h, w) = x.dims5()?;
        let y = x
            .reshape((b, c, 1, t * h * w))?
            .broadcast_as((b, c, r, t * h * w))?
            .contiguous()?
            .reshape(vec![b, self.out, ft, fs, fs, t, h, w])?
            .permute([0, 1, 5, 2, 6, 3, 7, 4])?
            .contiguous()?
            .reshape((b, self.out, t * ft, h * fs, w * fs))?;
        if first_chunk && ft > 1 {
            y.narrow(2, ft - 1, t * ft - (ft - 1))
        } else {
            Ok(y)
        }
    }
}

/// `WanResidualDownBlock`: resblocks (+ downsampler) plus the `AvgDown3D` shortcut of its input.
#[derive(Debug, Clone)]
pub struct ResidualDownBlock {
    resnets: Vec<ResidualBlock>,
    downsampler: Option<Resample>,
    shortcut: AvgDown3d,
}

impl ResidualDownBlock {
    /// `down`: this stage halves space (and time when `temporal`).
    pub fn new(
        in_dim: usize,
        out_dim: usize,
        num_res_blocks: usize,
        temporal: bool,
        down: bool,
        vb: VarBuilder,
    ) -> Result<Self> {
        let mut resnets = Vec::with_capacity(num_res_blocks);
        let mut d = in_dim;
        for r in 0..num_res_blocks {
            resnets.push(ResidualBlock::new(d, out_dim, vb.pp("resnets").pp(r))?);
            d = out_dim;
        }
        let downsampler = if down {
            let mode = if temporal {
                ResampleMode::Down3d
            } else {
                ResampleMode::Down2d
            };
            Some(Resample::new(out_dim, out_dim, mode, vb.pp("downsampler"))?)
        } else {
            None
        };
        let ft = if down && temporal { 2 } else { 1 };
        let fs = if down { 2 } else { 1 };
        Ok(Self {
            resnets,
            downsampler,
            shortcut: AvgDown3d::new(out_dim, ft, fs),
        })
    }

    /// Whole-sequence form.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut y = x.clone();
        for r in &self.resnets {
            y = r.forward(&y, None)?;
        }
        if let Some(d) = &self.downsampler {
            y = d.forward(&y, None)?;
        }
        y + self.shortcut.forward(x)?
    }
}

/// `WanResidualUpBlock`: `num_res_blocks + 1` resblocks, an upsampler that keeps the width, and
/// the `DupUp3D` shortcut of its input (both only when the stage upsamples).
#[derive(Debug, Clone)]
pub struct ResidualUpBlock {
    resnets: Vec<ResidualBlock>,
    upsampler: Option<(Resample, DupUp3d)>,
}

impl ResidualUpBlock {
    pub fn new(
        in_dim: usize,
        out_dim: usize,
        num_res_blocks: usize,
        temporal: bool,
        up: bool,
        vb: VarBuilder,
    ) -> Result<Self> {
        let mut resnets = Vec::with_capacity(num_res_blocks + 1);
        let mut d = in_dim;
        for r in 0..=num_res_blocks {
            resnets.push(ResidualBlock::new(d, out_dim, vb.pp("resnets").pp(r))?);
            d = out_dim;
        }
        let upsampler = if up {
            let mode = if temporal {
                ResampleMode::Up3d
            } else {
                ResampleMode::Up2d
            };
            let ft = if temporal { 2 } else { 1 };
            Some((
                Resample::new(out_dim, out_dim, mode, vb.pp("upsampler"))?,
                DupUp3d::new(in_dim, out_dim, ft, 2),
            ))
        } else {
            None
        };
        Ok(Self { resnets, upsampler })
    }

    /// Whole-sequence form (`cache = None`, which starts at latent frame 0) or one chunk.
    pub fn forward(&self, x: &Tensor, mut cache: Option<&mut FeatCache>) -> Result<Tensor> {
        let first_chunk = cache.as_ref().is_none_or(|c| c.is_first_chunk());
        let mut y = x.clone();
        for r in &self.resnets {
            y = r.forward(&y, cache.as_deref_mut())?;
        }
        match &self.upsampler {
            Some((up, dup)) => up.forward(&y, cache)? + dup.forward(x, first_chunk)?,
            None => Ok(y),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn seq(shape: &[usize]) -> Tensor {
        let n: usize = shape.iter().product();
        Tensor::arange(0f32, n as f32, &Device::Cpu)
            .unwrap()
            .reshape(shape)
            .unwrap()
    }

    #[test]
    fn patchify_packs_c_pw_ph_and_round_trips() {
        let x = seq(&[1, 2, 1, 4, 4]);
        let p = patchify(&x, 2).unwrap();
        assert_eq!(p.dims(), &[1, 8, 1, 2, 2]);
        // Channel c·4 + pw·2 + ph at (y, x) = pixel (2y + ph, 2x + pw) of colour c.
        let v: Vec<f32> = p.flatten_all().unwrap().to_vec1().unwrap();
        let px = |c: usize, y: usize, x: usize| (c * 16 + y * 4 + x) as f32;
        // Channel 1 = (c 0, pw 0, ph 1), position (0, 1) → pixel (1, 2).
        assert_eq!(v[4 + 1], px(0, 1, 2));
        // Channel 6 = (c 1, pw 1, ph 0), position (1, 0) → pixel (2, 1).
        assert_eq!(v[6 * 4 + 2], px(1, 2, 1));
        let back = unpatchify(&p, 2).unwrap();
        let d: f32 = (back - &x)
            .unwrap()
            .abs()
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar()
            .unwrap();
        assert_eq!(d, 0.0);
        assert!(patchify(&seq(&[1, 1, 1, 3, 4]), 2).is_err());
    }

    #[test]
    fn avg_down_pads_time_in_front_and_averages_groups() {
        // One channel, 3 frames of 2×2 → one zero frame in front, then (pad, f0) and (f1, f2)
        // blocks of 2×2×2 values averaged into one output channel.
        let x = seq(&[1, 1, 3, 2, 2]);
        let y = AvgDown3d::new(1, 2, 2).forward(&x).unwrap();
        assert_eq!(y.dims(), &[1, 1, 2, 1, 1]);
        let v: Vec<f32> = y.flatten_all().unwrap().to_vec1().unwrap();
        // Frame 0 = values 0..4 with zeros: (0+1+2+3)/8; frames 1, 2 = 4..12: (4+…+11)/8.
        assert_eq!(v, vec![6.0 / 8.0, 60.0 / 8.0]);
    }

    #[test]
    fn dup_up_repeats_and_drops_the_first_frame_of_the_first_chunk() {
        let x = seq(&[1, 2, 2, 1, 1]); // channels 0, 1; frames 0, 1
        let d = DupUp3d::new(2, 1, 2, 1); // 1 channel × (2 frames) = 2 channels in, repeats 1
        let y = d.forward(&x, false).unwrap();
        // Channel 0 → frame 2t, channel 1 → frame 2t+1.
        assert_eq!(
            y.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            vec![0.0, 2.0, 1.0, 3.0]
        );
        let y = d.forward(&x, true).unwrap();
        assert_eq!(
            y.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            vec![2.0, 1.0, 3.0]
        );
    }
}
