//! Flow-matching schedulers: shifted sigmas, UniPC (bh2) and Euler, as shipped with Wan (WAN.md §5).
//!
//! Convention (WAN.md §5.3): the model predicts the velocity `v ≈ noise − x0`, `x_t = (1−σ)·x0 + σ·noise`,
//! `x0 = x_t − σ·v`. Sampling walks σ from ≈1 down to 0.
//!
//! The arithmetic mirrors diffusers operation by operation (f64 where it uses numpy float64, f32 where it
//! uses torch f32, IEEE semantics for the σ = 0 last step, MKL's 2×2 solve), so the tables and Euler
//! trajectories match bit for bit. UniPC matches to f32 rounding: torch evaluates `ln`/`expm1` of the
//! scalar coefficients with its vectorised (Sleef) kernels, which are not correctly rounded. Latents are
//! processed as plain `f32` slices to keep control of every operation.

mod euler;
mod unipc;

use std::fmt;
use std::str::FromStr;

use candle_core::{DType, Tensor};

pub use euler::FlowMatchEulerScheduler;
pub use unipc::UniPcScheduler;

/// Number of training timesteps of every Wan checkpoint (`num_train_timesteps`).
pub const NUM_TRAIN_TIMESTEPS: usize = 1000;

/// A flow-matching sampler: given the model's velocity at the current step, produce the next sample.
pub trait Scheduler: Send {
    /// Values passed to the DiT as the timestep, one per step (UniPC: integers 999, …; Euler: floats).
    fn timesteps(&self) -> &[f64];
    /// sigmas, len = steps + 1, last = 0.
    fn sigmas(&self) -> &[f32];
    /// One solver step from the model's velocity prediction at the current step.
    fn step(&mut self, velocity: &Tensor, sample: &Tensor) -> candle_core::Result<Tensor>;
    /// Start at step `i` instead of 0 (video-to-video strength, WAN.md §6.3).
    fn set_begin_index(&mut self, i: usize);
    /// Index of the next step to run.
    fn step_index(&self) -> usize;
    /// Number of inference steps (= `timesteps().len()`).
    fn num_steps(&self) -> usize {
        self.timesteps().len()
    }
    /// σ of the step about to run (0 once all steps are done).
    fn current_sigma(&self) -> f32 {
        let s = self.sigmas();
        s[self.step_index().min(s.len() - 1)]
    }
}

/// Errors of scheduler construction and parsing.
#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error("unknown solver {0:?}; valid solvers: euler, unipc")]
    UnknownSolver(String),
    #[error("number of sampling steps must be at least 1 (got 0)")]
    ZeroSteps,
    #[error("flow shift must be a finite number > 0 (got {0})")]
    BadShift(f64),
    #[error("custom sigma schedule is invalid: {0}")]
    BadSigmas(String),
}

/// Which solver walks the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SolverKind {
    /// diffusers `FlowMatchEulerDiscreteScheduler` (with its double-shift table).
    Euler,
    /// diffusers `UniPCMultistepScheduler` flow variant, the default of Wan checkpoints.
    UniPc,
}

impl SolverKind {
    pub const ALL: [SolverKind; 2] = [SolverKind::Euler, SolverKind::UniPc];

    pub fn name(self) -> &'static str {
        match self {
            SolverKind::Euler => "euler",
            SolverKind::UniPc => "unipc",
        }
    }
}

impl fmt::Display for SolverKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SolverKind {
    type Err = SchedulerError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "euler" => Ok(SolverKind::Euler),
            "unipc" => Ok(SolverKind::UniPc),
            _ => Err(SchedulerError::UnknownSolver(s.to_string())),
        }
    }
}

/// Build a scheduler with the diffusers table for `steps` steps and flow shift `shift`.
pub fn build_scheduler(
    kind: SolverKind,
    steps: usize,
    shift: f64,
) -> anyhow::Result<Box<dyn Scheduler>> {
    Ok(match kind {
        SolverKind::Euler => Box::new(FlowMatchEulerScheduler::new(steps, shift)?),
        SolverKind::UniPc => Box::new(UniPcScheduler::new(steps, shift)?),
    })
}

/// The flow "shift" time warp `shift·s / (1 + (shift−1)·s)`, evaluated in diffusers' (numpy f64) order.
pub fn shift_sigma(s: f64, shift: f64) -> f64 {
    shift * s / (1.0 + (shift - 1.0) * s)
}

/// Forward flow noising `σ·noise + (1−σ)·x0` in f32 (diffusers `scale_noise` / UniPC `add_noise`).
/// The result has `x0`'s dtype.
pub fn scale_noise(x0: &Tensor, sigma: f32, noise: &Tensor) -> candle_core::Result<Tensor> {
    if x0.dims() != noise.dims() {
        candle_core::bail!(
            "scale_noise: sample shape {:?} differs from noise shape {:?}",
            x0.dims(),
            noise.dims()
        );
    }
    let x = to_f32_vec(x0)?;
    let n = to_f32_vec(noise)?;
    let one_minus = 1.0f32 - sigma;
    let out: Vec<f32> = x
        .iter()
        .zip(&n)
        .map(|(&x, &n)| sigma * n + one_minus * x)
        .collect();
    from_f32_vec(out, x0, x0.dtype())
}

/// First step index for video-to-video with `strength` in [0, 1] (diffusers `get_timesteps`):
/// `steps − min(int(steps·strength), steps)`. Strength 1 starts from pure noise (index 0).
pub fn strength_begin_index(steps: usize, strength: f64) -> anyhow::Result<usize> {
    if !(0.0..=1.0).contains(&strength) {
        anyhow::bail!("strength must be within [0, 1] (got {strength})");
    }
    let init = ((steps as f64 * strength) as usize).min(steps);
    Ok(steps - init)
}

/// numpy `linspace(start, stop, num)` (endpoint included) with numpy's exact f64 operation order.
pub(crate) fn np_linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 0 {
        return Vec::new();
    }
    if num == 1 {
        return vec![0.0 * (stop - start) + start];
    }
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut y: Vec<f64> = if step == 0.0 {
        (0..num).map(|i| i as f64 / div * delta + start).collect()
    } else {
        (0..num).map(|i| i as f64 * step + start).collect()
    };
    y[num - 1] = stop;
    y
}

pub(crate) fn check_steps_shift(steps: usize, shift: f64) -> Result<(), SchedulerError> {
    if steps == 0 {
        return Err(SchedulerError::ZeroSteps);
    }
    if !(shift.is_finite() && shift > 0.0) {
        return Err(SchedulerError::BadShift(shift));
    }
    Ok(())
}

pub(crate) fn to_f32_vec(t: &Tensor) -> candle_core::Result<Vec<f32>> {
    t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()
}

pub(crate) fn from_f32_vec(
    v: Vec<f32>,
    like: &Tensor,
    dtype: DType,
) -> candle_core::Result<Tensor> {
    Tensor::from_vec(v, like.shape(), like.device())?.to_dtype(dtype)
}

pub(crate) fn check_step_inputs(
    name: &str,
    velocity: &Tensor,
    sample: &Tensor,
    step_index: usize,
    steps: usize,
) -> candle_core::Result<()> {
    if step_index >= steps {
        candle_core::bail!("{name}: all {steps} steps already taken (step index {step_index})");
    }
    if velocity.dims() != sample.dims() {
        candle_core::bail!(
            "{name}: velocity shape {:?} differs from sample shape {:?}",
            velocity.dims(),
            sample.dims()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_matches_numpy_rules() {
        // Endpoints exact, interior from i·step + start.
        let y = np_linspace(1.0, 0.001, 5);
        assert_eq!(y[0], 1.0);
        assert_eq!(y[4], 0.001);
        let step = (0.001f64 - 1.0) / 4.0;
        assert_eq!(y[2], 2.0 * step + 1.0);
        assert_eq!(np_linspace(3.0, 7.0, 1), vec![3.0]);
    }

    #[test]
    fn shift_is_identity_at_one_and_fixes_endpoints() {
        for s in [0.0, 0.25, 0.5, 1.0] {
            assert_eq!(shift_sigma(s, 1.0), s);
        }
        assert_eq!(shift_sigma(1.0, 3.0), 1.0);
        assert_eq!(shift_sigma(0.0, 5.0), 0.0);
        // shift > 1 moves mass towards high noise.
        assert!(shift_sigma(0.5, 3.0) > 0.5);
        assert!((shift_sigma(0.5, 3.0) - 0.75).abs() < 1e-15);
    }

    #[test]
    fn strength_index() {
        assert_eq!(strength_begin_index(10, 1.0).unwrap(), 0);
        assert_eq!(strength_begin_index(10, 0.0).unwrap(), 10);
        assert_eq!(strength_begin_index(10, 0.75).unwrap(), 3);
        assert!(strength_begin_index(10, 1.5).is_err());
    }
}
