//! AdamW with inspectable state (so checkpoints can hold it), global-norm clipping, EMA weights and
//! the learning-rate schedule.

use crate::config::{LrSchedule, OptimConfig};
use anyhow::{bail, Result};
use candle_core::{backprop::GradStore, Tensor, Var};
use candle_nn::VarMap;
use std::collections::HashMap;

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
        let gs: Vec<Option<Tensor>> = self
            .vars
            .iter()
            .zip(&self.frozen)
            .map(|(v, &frozen)| {
                if frozen {
                    None
                } else {
                    grads.get(v.as_tensor()).cloned()
                }
            })
            .collect();
        let mut sq = 0f64;
        for g in gs.iter().flatten() {
            sq += g.sqr()?.sum_all()?.to_scalar::<f32>()? as f64;
        }
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
        let bc1 = 1.0 - b1.powi(self.t as i32);
        let bc2 = 1.0 - b2.powi(self.t as i32);
        for (i, g) in gs.iter().enumerate() {
            let Some(g) = g else { continue };
            let g = (g.detach() * scale)?;
            let m = ((&self.m[i] * b1)? + (&g * (1.0 - b1))?)?;
            let v = ((&self.v[i] * b2)? + (g.sqr()? * (1.0 - b2))?)?;
            let p = self.vars[i].as_tensor().detach();
            let denom = ((&v / bc2)?.sqrt()? + 1e-8)?;
            let upd = ((&m / bc1)? / denom)?;
            let p = ((p * (1.0 - lr * o.weight_decay))? - (upd * lr)?)?;
            self.vars[i].set(&p)?;
            self.m[i] = m;
            self.v[i] = v;
        }
        Ok(norm)
    }

    /// EMA update; the effective decay ramps up (min(decay, (1+t)/(10+t))) so early weights
    /// do not dominate a short run.
    pub fn update_ema(&mut self, decay: f64) -> Result<()> {
        let d = decay.min((1.0 + self.t as f64) / (10.0 + self.t as f64));
        for ((e, v), &frozen) in self.ema.iter_mut().zip(&self.vars).zip(&self.frozen) {
            if frozen {
                // Kept exactly (the average of a constant would only add rounding).
                *e = v.as_tensor().detach();
                continue;
            }
            *e = ((&*e * d)? + (v.as_tensor().detach() * (1.0 - d))?)?;
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
