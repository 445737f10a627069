//! Seeded parameter initialisation, so that a random bundle or a training run is reproducible.
//!
//! candle's own `VarMap` draws from an unseeded generator; this backend draws every tensor from
//! a ChaCha stream keyed by (seed, tensor name), so the result does not depend on creation order.

use candle_core::{DType, Device, Result, Shape, Tensor, Var};
use candle_nn::{var_builder::SimpleBackend, Init, VarBuilder, VarMap};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

struct SeededBackend {
    varmap: VarMap,
    seed: u64,
}

fn name_hash(name: &str) -> u64 {
    // FNV-1a: stable across platforms and Rust versions (unlike DefaultHasher).
    name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Standard normal samples by Box–Muller from a seeded stream.
pub fn normal_samples(rng: &mut ChaCha8Rng, n: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(n + 1);
    while out.len() < n {
        let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
        let u2: f64 = rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt();
        let a = std::f64::consts::TAU * u2;
        out.push((r * a.cos()) as f32);
        out.push((r * a.sin()) as f32);
    }
    out.truncate(n);
    out
}

fn init_tensor(shape: &Shape, init: Init, rng: &mut ChaCha8Rng, dev: &Device) -> Result<Tensor> {
    let n = shape.elem_count();
    let values: Vec<f32> = match init {
        Init::Const(c) => vec![c as f32; n],
        Init::Randn { mean, stdev } => normal_samples(rng, n)
            .into_iter()
            .map(|z| (mean + stdev * z as f64) as f32)
            .collect(),
        Init::Uniform { lo, up } => (0..n)
            .map(|_| (lo + (up - lo) * rng.random::<f64>()) as f32)
            .collect(),
        Init::Kaiming { .. } => {
            // Kaiming-normal over fan-in (all dims but the first), as candle's default.
            let fan_in: usize = shape.dims().iter().skip(1).product::<usize>().max(1);
            let std = (2.0f64 / fan_in as f64).sqrt();
            normal_samples(rng, n)
                .into_iter()
                .map(|z| (std * z as f64) as f32)
                .collect()
        }
    };
    Tensor::from_vec(values, shape.clone(), dev)
}

impl SimpleBackend for SeededBackend {
    fn get(&self, s: Shape, name: &str, h: Init, dtype: DType, dev: &Device) -> Result<Tensor> {
        let mut data = self.varmap.data().lock().unwrap();
        if let Some(var) = data.get(name) {
            if var.shape() != &s {
                candle_core::bail!("shape mismatch for {name}: {:?} vs {s:?}", var.shape());
            }
            return Ok(var.as_tensor().clone());
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ name_hash(name));
        let t = init_tensor(&s, h, &mut rng, dev)?.to_dtype(dtype)?;
        let var = Var::from_tensor(&t)?;
        let out = var.as_tensor().clone();
        data.insert(name.to_string(), var);
        Ok(out)
    }

    fn get_unchecked(&self, name: &str, _dtype: DType, _dev: &Device) -> Result<Tensor> {
        match self.varmap.data().lock().unwrap().get(name) {
            Some(v) => Ok(v.as_tensor().clone()),
            None => candle_core::bail!("no variable named {name}"),
        }
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.varmap.data().lock().unwrap().contains_key(name)
    }
}

/// A VarBuilder whose missing variables are created deterministically from `seed` and stored
/// (trainable) in `varmap`.
pub fn seeded_var_builder(varmap: &VarMap, seed: u64, dev: &Device) -> VarBuilder<'static> {
    let backend = SeededBackend {
        varmap: varmap.clone(),
        seed,
    };
    VarBuilder::from_backend(Box::new(backend), DType::F32, dev.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_tensor_regardless_of_order() -> Result<()> {
        let dev = Device::Cpu;
        let (a, b) = (VarMap::new(), VarMap::new());
        let va = seeded_var_builder(&a, 7, &dev);
        let vb = seeded_var_builder(&b, 7, &dev);
        let init = Init::Randn {
            mean: 0.,
            stdev: 1.,
        };
        let x1 = va.get_with_hints((4, 3), "x", init)?;
        let _ = va.get_with_hints((2,), "y", init)?;
        let _ = vb.get_with_hints((2,), "y", init)?;
        let x2 = vb.get_with_hints((4, 3), "x", init)?;
        assert_eq!(x1.to_vec2::<f32>()?, x2.to_vec2::<f32>()?);
        let other =
            seeded_var_builder(&VarMap::new(), 8, &dev).get_with_hints((4, 3), "x", init)?;
        assert_ne!(x1.to_vec2::<f32>()?, other.to_vec2::<f32>()?);
        // Roughly standard normal.
        let many = seeded_var_builder(&VarMap::new(), 1, &dev).get_with_hints(10_000, "z", init)?;
        let mean = many.mean_all()?.to_scalar::<f32>()?;
        let var = many.sqr()?.mean_all()?.to_scalar::<f32>()?;
        assert!(mean.abs() < 0.05 && (var - 1.0).abs() < 0.05);
        Ok(())
    }
}
