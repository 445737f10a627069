//! diffusers `FlowMatchEulerDiscreteScheduler` (WAN.md §5.2), plus a plain single-shift Euler table.

use candle_core::Tensor;

use super::{
    check_step_inputs, check_steps_shift, from_f32_vec, np_linspace, shift_sigma, to_f32_vec,
    Scheduler, SchedulerError, NUM_TRAIN_TIMESTEPS,
};

/// First-order flow Euler: `x_next = x + (σ_{i+1} − σ_i)·v`.
#[derive(Debug, Clone)]
pub struct FlowMatchEulerScheduler {
    sigmas: Vec<f32>,
    timesteps: Vec<f64>,
    step_index: usize,
}

impl FlowMatchEulerScheduler {
    /// The diffusers table, including its quirk: the shift is applied twice (once to the 1000-entry
    /// training table in `__init__`, whose last entry becomes `sigma_min`, and again in `set_timesteps`).
    pub fn new(steps: usize, shift: f64) -> Result<Self, SchedulerError> {
        check_steps_shift(steps, shift)?;
        let n_train = NUM_TRAIN_TIMESTEPS as f32;
        // __init__ (torch f32): σ_train = shift·s/(1+(shift−1)·s), s = t/1000 for t = 1000 … 1;
        // the python-float shift is cast to f32 inside the tensor ops.
        let shift32 = shift as f32;
        let shift_m1_32 = (shift - 1.0) as f32;
        let train = |t: f32| {
            let s = t / n_train;
            shift32 * s / (1.0 + shift_m1_32 * s)
        };
        let sigma_max = train(n_train) as f64;
        let sigma_min = train(1.0) as f64;
        // set_timesteps (numpy f64): linspace over timesteps, /1000, shift again, then cast to f32.
        let n = NUM_TRAIN_TIMESTEPS as f64;
        let ts = np_linspace(sigma_max * n, sigma_min * n, steps);
        let mut sigmas: Vec<f32> = ts
            .iter()
            .map(|&t| shift_sigma(t / n, shift) as f32)
            .collect();
        let timesteps = sigmas.iter().map(|&s| (s * n_train) as f64).collect();
        sigmas.push(0.0);
        Ok(Self {
            sigmas,
            timesteps,
            step_index: 0,
        })
    }

    /// Plain Euler for Reel's own models: σ_i = shift_sigma(1 − i/steps) (shifted once), ending at 0,
    /// timesteps = σ·1000 as floats.
    pub fn plain(steps: usize, shift: f64) -> Result<Self, SchedulerError> {
        check_steps_shift(steps, shift)?;
        let sigmas: Vec<f32> = np_linspace(1.0, 0.0, steps + 1)
            .into_iter()
            .map(|s| shift_sigma(s, shift) as f32)
            .collect();
        Self::from_sigmas(sigmas)
    }

    /// Any decreasing schedule in [0, 1] with the final 0 included (len = steps + 1).
    pub fn from_sigmas(sigmas: Vec<f32>) -> Result<Self, SchedulerError> {
        if sigmas.len() < 2 {
            return Err(SchedulerError::BadSigmas(format!(
                "need at least 2 values (steps + 1), got {}",
                sigmas.len()
            )));
        }
        if sigmas.iter().any(|s| !(0.0..=1.0).contains(s)) {
            return Err(SchedulerError::BadSigmas(
                "values must lie in [0, 1]".to_string(),
            ));
        }
        if sigmas.windows(2).any(|w| w[1] > w[0]) {
            return Err(SchedulerError::BadSigmas(
                "values must not increase".to_string(),
            ));
        }
        let n = NUM_TRAIN_TIMESTEPS as f32;
        let timesteps = sigmas[..sigmas.len() - 1]
            .iter()
            .map(|&s| (s * n) as f64)
            .collect();
        Ok(Self {
            sigmas,
            timesteps,
            step_index: 0,
        })
    }

    /// Forward flow noising `σ·noise + (1−σ)·x0` (diffusers `scale_noise`), for video-to-video starts.
    pub fn scale_noise(x0: &Tensor, sigma: f32, noise: &Tensor) -> candle_core::Result<Tensor> {
        super::scale_noise(x0, sigma, noise)
    }
}

impl Scheduler for FlowMatchEulerScheduler {
    fn timesteps(&self) -> &[f64] {
        &self.timesteps
    }

    fn sigmas(&self) -> &[f32] {
        &self.sigmas
    }

    /// Computed in f32; the result takes the velocity's dtype, as diffusers casts to the model-output dtype.
    fn step(&mut self, velocity: &Tensor, sample: &Tensor) -> candle_core::Result<Tensor> {
        let i = self.step_index;
        check_step_inputs(
            "FlowMatchEuler step",
            velocity,
            sample,
            i,
            self.timesteps.len(),
        )?;
        let dt = self.sigmas[i + 1] - self.sigmas[i];
        let x = to_f32_vec(sample)?;
        let v = to_f32_vec(velocity)?;
        let out: Vec<f32> = x.iter().zip(&v).map(|(&x, &v)| x + dt * v).collect();
        self.step_index += 1;
        from_f32_vec(out, sample, velocity.dtype())
    }

    fn set_begin_index(&mut self, i: usize) {
        self.step_index = i;
    }

    fn step_index(&self) -> usize {
        self.step_index
    }
}
