//! The DiT stage's pool of encoded clips. Each training size has its own pool; before DiT step
//! `j` the pool of size `e` replaces clips `P + j·r … P + j·r + r − 1` (slot = index mod `P`),
//! and clip `k` of size `e` is a pure function of (seed, e, k). So the pool's content at any step
//! is known without replaying the run, and a resumed run rebuilds exactly the pool it had.

use crate::config::{ClipSize, TrainConfig};
use crate::data::{clip_batch, step_rng};
use anyhow::Result;
use candle_core::{Device, Tensor};
use rand::seq::index::sample;
use rand::Rng;
use reel_models::vae::Vae;

/// Stage ids of `step_rng` for pool clips (one per size entry, after the training stages).
const POOL_STAGE: u64 = 16;
/// Clips encoded per VAE call when filling.
const ENCODE_CHUNK: usize = 8;

struct SizePool {
    size: ClipSize,
    entry: usize,
    capacity: usize,
    refresh: usize,
    /// Normalised latents `[1, C, T, h, w]` and captions, by slot.
    latents: Vec<Tensor>,
    captions: Vec<String>,
}

pub struct LatentPools {
    pools: Vec<SizePool>,
    weights: Vec<f64>,
}

/// One clip of a pool: rendered from its own generator, so any clip can be made alone.
fn render_clip(
    cfg: &TrainConfig,
    entry: usize,
    index: usize,
    size: ClipSize,
    dev: &Device,
) -> Result<(Tensor, String)> {
    let mut rng = step_rng(cfg.seed, POOL_STAGE + entry as u64, index);
    let b = clip_batch(cfg, &mut rng, 1, size, dev)?;
    Ok((b.video, b.captions.into_iter().next().unwrap_or_default()))
}

/// Encodes clips `indices` of one size entry to normalised latents.
fn encode_clips(
    cfg: &TrainConfig,
    vae: &Vae,
    entry: usize,
    size: ClipSize,
    indices: &[usize],
) -> Result<Vec<(Tensor, String)>> {
    let mut out = Vec::with_capacity(indices.len());
    for chunk in indices.chunks(ENCODE_CHUNK) {
        let clips = chunk
            .iter()
            .map(|&k| render_clip(cfg, entry, k, size, vae.device()))
            .collect::<Result<Vec<_>>>()?;
        let videos: Vec<&Tensor> = clips.iter().map(|(v, _)| v).collect();
        let z = vae
            .normalize(&vae.encode(&Tensor::cat(&videos, 0)?)?)?
            .detach();
        for (i, (_, caption)) in clips.into_iter().enumerate() {
            out.push((z.narrow(0, i, 1)?, caption));
        }
    }
    Ok(out)
}

impl LatentPools {
    /// The pools as they are right before DiT step `step` (the refresh of `step` not yet done).
    pub fn at_step(cfg: &TrainConfig, vae: &Vae, step: usize) -> Result<Self> {
        let sizes = &cfg.data.sizes;
        let total: f64 = sizes.iter().map(|s| s.weight).sum();
        let batch = cfg.dit.optim.batch;
        let mut pools = Vec::with_capacity(sizes.len());
        for (entry, &size) in sizes.iter().enumerate() {
            let share = size.weight / total;
            let (capacity, refresh) = if cfg.dit.pool.clips == 0 {
                (batch, batch)
            } else {
                let cap = ((cfg.dit.pool.clips as f64 * share).round() as usize).max(batch);
                let r = ((cfg.dit.pool.refresh as f64 * share).ceil() as usize).clamp(1, cap);
                (cap, r)
            };
            // Slot i holds the newest index ≡ i (mod capacity) among those assigned so far.
            let assigned = capacity + step * refresh;
            let indices: Vec<usize> = (0..capacity)
                .map(|i| i + capacity * ((assigned - 1 - i) / capacity))
                .collect();
            let (latents, captions) = encode_clips(cfg, vae, entry, size, &indices)?
                .into_iter()
                .unzip();
            pools.push(SizePool {
                size,
                entry,
                capacity,
                refresh,
                latents,
                captions,
            });
        }
        Ok(Self {
            pools,
            weights: sizes.iter().map(|s| s.weight).collect(),
        })
    }

    /// Replaces the clips that step `step` brings in (call once per step, in order).
    pub fn refresh(&mut self, cfg: &TrainConfig, vae: &Vae, step: usize) -> Result<()> {
        for p in &mut self.pools {
            let first = p.capacity + step * p.refresh;
            let indices: Vec<usize> = (first..first + p.refresh).collect();
            for (k, (z, caption)) in indices
                .iter()
                .zip(encode_clips(cfg, vae, p.entry, p.size, &indices)?)
            {
                p.latents[k % p.capacity] = z;
                p.captions[k % p.capacity] = caption;
            }
        }
        Ok(())
    }

    /// `n` distinct clips of one size entry (drawn by weight): latents `[n, C, T, h, w]`,
    /// captions, and the entry (whose overrides apply to the batch).
    pub fn batch<R: Rng>(&self, rng: &mut R, n: usize) -> Result<(Tensor, Vec<String>, ClipSize)> {
        let total: f64 = self.weights.iter().sum();
        let mut u = rng.random::<f64>() * total;
        let mut which = self.pools.len() - 1;
        for (i, w) in self.weights.iter().enumerate() {
            if u < *w {
                which = i;
                break;
            }
            u -= w;
        }
        let p = &self.pools[which];
        let picks = sample(rng, p.capacity, n.min(p.capacity)).into_vec();
        let z: Vec<&Tensor> = picks.iter().map(|&i| &p.latents[i]).collect();
        let captions = picks.iter().map(|&i| p.captions[i].clone()).collect();
        Ok((Tensor::cat(&z, 0)?, captions, p.size))
    }
}
