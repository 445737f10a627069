//! AdamW with inspectable state (so checkpoints can hold it), global-norm clipping, EMA weights and
//! the learning-rate schedule.

use crate::config::{LrSchedule, OptimConfig};
use anyhow::{bail, Result};
use candle_core::{backprop::GradStore, DType, Device, Tensor, Var};
use candle_nn::VarMap;
use std::collections::HashMap;

/// A tensor's values in row-major order, as f32.
fn flat(t: &Tensor) -> Result<Vec<f32>> {
    Ok(t.detach()
        .flatten_all()?
        .to_dtype(DType::F32)?
        .to_vec1::<f32>()?)
}

fn unflat(values: Vec<f32>, shape: &[usize], dev: &Device) -> Result<Tensor> {
    Ok(Tensor::from_vec(values, shape, dev)?)
}

/// The parameters of one stage, sorted by name so every pass over them is in a fixed order.
pub struct Trainable {
    pub names: Vec<String>,
    pub vars: Vec<Var>,
    /// AdamW first and second moments.
    pub m: Vec<Tensor>,
    pub v: Vec<Tensor>,
    /// Optimiser steps taken (bias correction).
    pub t: u64,
    /// Exponential moving average of the weights.
    pub ema: Vec<Tensor>,
    /// Parameters kept as they are (fitted, not trained): saved and exported, never stepped.
    pub frozen: Vec<bool>,
}

impl Trainable {
    /// Collects `(prefix, varmap)` parameters; names become `prefix.name`.
    pub fn new(maps: &[(&str, &VarMap)]) -> Result<Self> {
        let mut all: Vec<(String, Var)> = Vec::new();
        for (prefix, map) in maps {
            for (name, var) in map.data().lock().unwrap().iter() {
                all.push((format!("{prefix}.{name}"), var.clone()));
            }
        }
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let zeros = |v: &Var| v.as_tensor().zeros_like();
        let m = all
            .iter()
            .map(|(_, v)| zeros(v))
            .collect::<candle_core::Result<_>>()?;
        let v2 = all
            .iter()
            .map(|(_, v)| zeros(v))
            .collect::<candle_core::Result<_>>()?;
        let ema = all
            .iter()
            .map(|(_, v)| v.as_tensor().detach().copy())
            .collect::<candle_core::Result<_>>()?;
        let frozen = vec![false; all.len()];
        let (names, vars) = all.into_iter().unzip();
        Ok(Self {
            names,
            vars,
            m,
            v: v2,
            t: 0,
            ema,
            frozen,
        })
    }

    /// Keeps the parameters whose name matches out of every optimiser step.
    pub fn freeze(&mut self, matches: impl Fn(&str) -> bool) {
        for (f, n) in self.frozen.iter_mut().zip(&self.names) {
            *f |= matches(n);
        }
    }

    /// Starts a new optimisation from the exported weights: the parameters become the EMA
    /// weights (when `use_ema`), moments and step count are reset, the EMA restarts there.
    pub fn restart(&mut self, use_ema: bool) -> Result<()> {
        for i in 0..self.vars.len() {
            if use_ema {
                self.vars[i].set(&self.ema[i])?;
            }
            self.ema[i] = self.vars[i].as_tensor().detach().copy()?;
            self.m[i] = self.m[i].zeros_like()?;
            self.v[i] = self.v[i].zeros_like()?;
        }
        self.t = 0;
        Ok(())
    }

    pub fn num_params(&self) -> usize {
        self.vars.iter().map(|v| v.elem_count()).sum()
    }

    /// One AdamW step from `grads` at learning rate `lr`, after clipping the global gradient norm.
    /// Returns the norm before clipping. Parameters without a gradient are left alone.
    pub fn step(&mut self, grads: &GradStore, lr: f64, o: &OptimConfig) -> Result<f64> {
        // Each tensor is updated in one pass over plain slices: as candle ops the update was
        // ~18 passes (and allocations) a parameter, a sizeable share of a small model's step.
        let mut gs: Vec<Option<Vec<f32>>> = Vec::with_capacity(self.vars.len());
        for (v, &frozen) in self.vars.iter().zip(&self.frozen) {
            gs.push(match grads.get(v.as_tensor()) {
                Some(g) if !frozen => Some(flat(g)?),
                _ => None,
            });
        }
        let sq: f64 = gs
            .iter()
            .flatten()
            .flat_map(|g| g.iter())
            .map(|&x| x as f64 * x as f64)
            .sum();
        let norm = sq.sqrt();
        if !norm.is_finite() {
            bail!("gradient norm is {norm}: training diverged (try a lower learning rate)");
        }
        let scale = if o.grad_clip > 0.0 && norm > o.grad_clip {
            o.grad_clip / (norm + 1e-6)
        } else {
            1.0
        };
        self.t += 1;
        let (b1, b2) = (o.beta1, o.beta2);
        let bc1 = (1.0 - b1.powi(self.t as i32)) as f32;
        let bc2 = (1.0 - b2.powi(self.t as i32)) as f32;
        let (b1, b2, scale) = (b1 as f32, b2 as f32, scale as f32);
        let (lr32, decay) = (lr as f32, (1.0 - lr * o.weight_decay) as f32);
        for (i, g) in gs.iter().enumerate() {
            let Some(g) = g else { continue };
            let (mut p, mut m, mut v) = (
                flat(self.vars[i].as_tensor())?,
                flat(&self.m[i])?,
                flat(&self.v[i])?,
            );
            for (((p, m), v), &g) in p.iter_mut().zip(&mut m).zip(&mut v).zip(g) {
                let g = g * scale;
                *m = *m * b1 + g * (1.0 - b1);
                *v = *v * b2 + g * g * (1.0 - b2);
                let upd = (*m / bc1) / ((*v / bc2).sqrt() + 1e-8);
                *p = *p * decay - upd * lr32;
            }
            let (shape, dev) = (self.vars[i].dims().to_vec(), self.vars[i].device().clone());
            self.vars[i].set(&unflat(p, &shape, &dev)?)?;
            self.m[i] = unflat(m, &shape, &dev)?;
            self.v[i] = unflat(v, &shape, &dev)?;
        }
        Ok(norm)
    }

    /// EMA update; the effective decay ramps up (min(decay, (1+t)/(10+t))) so early weights
    /// do not dominate a short run.
    pub fn update_ema(&mut self, decay: f64) -> Result<()> {
        let d = decay.min((1.0 + self.t as f64) / (10.0 + self.t as f64)) as f32;
        for ((e, v), &frozen) in self.ema.iter_mut().zip(&self.vars).zip(&self.frozen) {
            if frozen {
                // Kept exactly (the average of a constant would only add rounding).
                *e = v.as_tensor().detach();
                continue;
            }
            let mut avg = flat(e)?;
            for (a, &x) in avg.iter_mut().zip(&flat(v.as_tensor())?) {
                *a = *a * d + x * (1.0 - d);
            }
            *e = unflat(avg, v.dims(), v.device())?;
        }
        Ok(())
    }

    /// Weights to export: EMA when enabled, else the raw parameters; names without `prefix.`.
    pub fn export(&self, prefix: &str, use_ema: bool) -> Result<HashMap<String, Tensor>> {
        let p = format!("{prefix}.");
        let mut out = HashMap::new();
        for (i, n) in self.names.iter().enumerate() {
            if let Some(rest) = n.strip_prefix(&p) {
                let t = if use_ema {
                    self.ema[i].clone()
                } else {
                    self.vars[i].as_tensor().detach()
                };
                out.insert(rest.to_string(), t);
            }
        }
        Ok(out)
    }

    /// All state as named tensors under `tag` (params, moments, EMA).
    pub fn state_tensors(&self, tag: &str, out: &mut HashMap<String, Tensor>) {
        for (i, n) in self.names.iter().enumerate() {
            out.insert(format!("{tag}/p/{n}"), self.vars[i].as_tensor().detach());
            out.insert(format!("{tag}/m/{n}"), self.m[i].clone());
            out.insert(format!("{tag}/v/{n}"), self.v[i].clone());
            out.insert(format!("{tag}/e/{n}"), self.ema[i].clone());
        }
    }

    /// Restores state written by `state_tensors`; every tensor must be present with its shape.
    pub fn load_state(&mut self, tag: &str, t: u64, src: &HashMap<String, Tensor>) -> Result<()> {
        for (i, n) in self.names.iter().enumerate() {
            let get = |kind: &str| -> Result<Tensor> {
                let key = format!("{tag}/{kind}/{n}");
                let Some(x) = src.get(&key) else {
                    bail!("checkpoint has no tensor {key}: it was made for another architecture");
                };
                if x.dims() != self.vars[i].dims() {
                    bail!(
                        "checkpoint tensor {key} has shape {:?}, this architecture needs {:?}",
                        x.dims(),
                        self.vars[i].dims()
                    );
                }
                Ok(x.clone())
            };
            let (p, m, v, e) = (get("p")?, get("m")?, get("v")?, get("e")?);
            self.vars[i].set(&p)?;
            self.m[i] = m;
            self.v[i] = v;
            self.ema[i] = e;
        }
        let prefix = format!("{tag}/p/");
        let extra = src
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .count()
            .saturating_sub(self.names.len());
        if extra > 0 {
            bail!("checkpoint has {extra} {tag} parameters this architecture lacks: it was made for another architecture");
        }
        self.t = t;
        Ok(())
    }
}

/// Learning rate at `step` (0-based): linear warm-up, then constant or cosine decay.
pub fn learning_rate(o: &OptimConfig, step: usize) -> f64 {
    if step < o.warmup {
        return o.lr * (step + 1) as f64 / o.warmup as f64;
    }
    match o.schedule {
        LrSchedule::Constant => o.lr,
        LrSchedule::Cosine => {
            let span = o.steps.saturating_sub(o.warmup).max(1) as f64;
            let p = ((step - o.warmup) as f64 / span).min(1.0);
            let min = o.lr * o.min_lr_ratio;
            min + 0.5 * (o.lr - min) * (1.0 + (std::f64::consts::PI * p).cos())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_nn::Init;

    fn config(grad_clip: f64, weight_decay: f64) -> OptimConfig {
        serde_json::from_value(serde_json::json!({
            "steps": 10, "batch": 1, "lr": 0.1, "schedule": "constant",
            "grad_clip": grad_clip, "weight_decay": weight_decay, "beta2": 0.999
        }))
        .unwrap()
    }

    /// AdamW in f64, written from the paper's update (Loshchilov & Hutter), for comparison.
    fn reference(p: &mut [f64], m: &mut [f64], v: &mut [f64], g: &[f64], t: i32, o: &OptimConfig) {
        let norm = g.iter().map(|x| x * x).sum::<f64>().sqrt();
        let scale = if o.grad_clip > 0.0 && norm > o.grad_clip {
            o.grad_clip / (norm + 1e-6)
        } else {
            1.0
        };
        for j in 0..p.len() {
            let g = g[j] * scale;
            m[j] = o.beta1 * m[j] + (1.0 - o.beta1) * g;
            v[j] = o.beta2 * v[j] + (1.0 - o.beta2) * g * g;
            let mh = m[j] / (1.0 - o.beta1.powi(t));
            let vh = v[j] / (1.0 - o.beta2.powi(t));
            p[j] = p[j] * (1.0 - o.lr * o.weight_decay) - o.lr * mh / (vh.sqrt() + 1e-8);
        }
    }

    /// Three steps on `loss = Σ c·w²` (gradient `2c·w`) follow the f64 reference, with and
    /// without clipping and weight decay; a frozen parameter never moves; the EMA follows its
    /// ramped decay.
    #[test]
    fn adamw_follows_the_reference_update() -> Result<()> {
        for (clip, wd) in [(0.0, 0.0), (0.5, 0.01)] {
            let o = config(clip, wd);
            let map = VarMap::new();
            let vb = candle_nn::VarBuilder::from_varmap(&map, DType::F32, &Device::Cpu);
            let w = vb.get_with_hints(5, "w", Init::Const(0.0))?;
            let frozen = vb.get_with_hints(2, "z", Init::Const(0.0))?;
            let start = [0.5f32, -1.0, 2.0, 0.0, 3.0];
            map.data().lock().unwrap()["w"].set(&Tensor::new(&start, &Device::Cpu)?)?;
            let c = Tensor::new(&[1f32, 2.0, -0.5, 1.0, 0.25], &Device::Cpu)?;
            let mut tr = Trainable::new(&[("m", &map)])?;
            tr.freeze(|n| n == "m.z");
            let mut p: Vec<f64> = start.iter().map(|&x| x as f64).collect();
            let (mut m, mut v) = (vec![0.0; 5], vec![0.0; 5]);
            let mut ema = p.clone();
            for t in 1..=3 {
                let loss = ((&c * w.sqr()?)?.sum_all()? + frozen.sqr()?.sum_all()?)?;
                let grads = loss.backward()?;
                let g: Vec<f64> = p
                    .iter()
                    .zip(c.to_vec1::<f32>()?)
                    .map(|(p, c)| 2.0 * c as f64 * p)
                    .collect();
                let norm = tr.step(&grads, o.lr, &o)?;
                let want_norm = g.iter().map(|x| x * x).sum::<f64>().sqrt();
                assert!(
                    (norm - want_norm).abs() < 1e-4 * want_norm,
                    "norm {norm} vs {want_norm}"
                );
                reference(&mut p, &mut m, &mut v, &g, t, &o);
                tr.update_ema(0.9)?;
                let d = 0.9f64.min((1.0 + t as f64) / (10.0 + t as f64));
                ema.iter_mut()
                    .zip(&p)
                    .for_each(|(e, &x)| *e = *e * d + x * (1.0 - d));
                let got = w.flatten_all()?.to_vec1::<f32>()?;
                for (a, b) in got.iter().zip(&p) {
                    assert!((*a as f64 - b).abs() < 1e-5, "step {t}: {got:?} vs {p:?}");
                }
                let got_ema = tr.ema[0].to_vec1::<f32>()?;
                for (a, b) in got_ema.iter().zip(&ema) {
                    assert!(
                        (*a as f64 - b).abs() < 1e-5,
                        "ema step {t}: {got_ema:?} vs {ema:?}"
                    );
                }
                assert_eq!(frozen.to_vec1::<f32>()?, vec![0.0, 0.0]);
            }
        }
        Ok(())
    }
}
