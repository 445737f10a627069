//! diffusers `UniPCMultistepScheduler`, flow variant, as configured by Wan checkpoints (WAN.md §5.1):
//! `prediction_type="flow_prediction"`, `use_flow_sigmas`, `solver_order=2`, `solver_type="bh2"`,
//! `predict_x0`, `lower_order_final`, `final_sigmas_type="zero"`, corrector on every step.

use candle_core::Tensor;

use super::{
    check_step_inputs, check_steps_shift, from_f32_vec, np_linspace, shift_sigma, to_f32_vec,
    Scheduler, SchedulerError, NUM_TRAIN_TIMESTEPS,
};

const SOLVER_ORDER: usize = 2;

/// UniPC (predictor UniP + corrector UniC, B(h) = expm1(−h)) in the data-prediction flow form.
#[derive(Debug, Clone)]
pub struct UniPcScheduler {
    sigmas: Vec<f32>,
    timesteps: Vec<f64>,
    step_index: usize,
    /// x0 predictions of the last two steps: `[older, newer]`.
    model_outputs: [Option<Vec<f32>>; SOLVER_ORDER],
    /// Sample the previous predictor started from (input of the corrector).
    last_sample: Option<Vec<f32>>,
    lower_order_nums: usize,
    /// Order of the previous predictor, which is also the order of the next corrector.
    this_order: usize,
}

/// α(σ) = 1 − σ, λ(σ) = ln α − ln σ in f32 (σ = 0 gives +inf, as in torch).
fn lambda(sigma: f32) -> f32 {
    (1.0f32 - sigma).ln() - sigma.ln()
}

/// `torch.linalg.solve` of the 2×2 system `[[1, 1], [r, 1]]·ρ = b` in f32, reproducing MKL's
/// `getrf`/`getrs`: partial pivoting, L multiplier `a10·(1/a00)`, and back substitution that multiplies by
/// the reciprocal of each U diagonal (checked bit-exact against torch 2.15 on 132 UniPC systems).
fn solve_2x2(r: f32, b: [f32; 2]) -> [f32; 2] {
    // Row order after pivoting: (pivot row, other row); the pivot is the larger |first column| entry.
    let (d0, l, y0, other) = if r.abs() > 1.0 {
        (r, 1.0f32 / r, b[1], b[0])
    } else {
        (1.0f32, r, b[0], b[1])
    };
    let u11 = 1.0f32 - l * 1.0;
    let y1 = other - l * y0;
    let x1 = y1 * (1.0f32 / u11);
    let x0 = (y0 - 1.0f32 * x1) * (1.0f32 / d0);
    [x0, x1]
}

impl UniPcScheduler {
    pub fn new(steps: usize, shift: f64) -> Result<Self, SchedulerError> {
        check_steps_shift(steps, shift)?;
        let n = NUM_TRAIN_TIMESTEPS as f64;
        // numpy f64: linspace(1, 1/1000, steps+1)[:-1], shifted, σ₀ nudged off 1 so ln(1−σ) is finite.
        let mut s: Vec<f64> = np_linspace(1.0, 1.0 / n, steps + 1);
        s.pop();
        for v in s.iter_mut() {
            *v = shift_sigma(*v, shift);
        }
        let eps = 1e-6;
        if (s[0] - 1.0).abs() < eps {
            s[0] -= eps;
        }
        // int64 cast truncates: 999.999 → 999.
        let timesteps = s.iter().map(|&v| ((v * n) as i64) as f64).collect();
        let mut sigmas: Vec<f32> = s.iter().map(|&v| v as f32).collect();
        sigmas.push(0.0);
        Ok(Self {
            sigmas,
            timesteps,
            step_index: 0,
            model_outputs: [None, None],
            last_sample: None,
            lower_order_nums: 0,
            this_order: 0,
        })
    }

    fn steps(&self) -> usize {
        self.timesteps.len()
    }

    /// Coefficients shared by UniP and UniC between σ_s0 (start) and σ_t (target).
    /// Returns (σ_t/σ_s0, α_t·φ₁, α_t·B_h, h, hh, φ₁, B_h) with the torch f32 operation order.
    fn coeffs(sigma_t: f32, sigma_s0: f32) -> Coeffs {
        let alpha_t = 1.0f32 - sigma_t;
        let h = lambda(sigma_t) - lambda(sigma_s0);
        let hh = -h;
        let h_phi_1 = hh.exp_m1();
        let b_h = hh.exp_m1();
        Coeffs {
            ratio: sigma_t / sigma_s0,
            a_phi: alpha_t * h_phi_1,
            a_b: alpha_t * b_h,
            h,
            hh,
            h_phi_1,
            b_h,
        }
    }

    /// UniP-`order` from the current sample `x` (x0 prediction m0 = newest model output).
    fn predictor(&self, x: &[f32], order: usize) -> Vec<f32> {
        let i = self.step_index;
        let c = Self::coeffs(self.sigmas[i + 1], self.sigmas[i]);
        let m0 = self.model_outputs[1]
            .as_ref()
            .expect("predictor without model output");
        // x_t_ = σ_t/σ_s0·x − (α_t·φ₁)·m0
        let base = x.iter().zip(m0).map(|(&x, &m)| c.ratio * x - c.a_phi * m);
        if order == 2 {
            let m1 = self.model_outputs[0]
                .as_ref()
                .expect("order 2 without history");
            let rk = (lambda(self.sigmas[i - 1]) - lambda(self.sigmas[i])) / c.h;
            // pred_res = 0.5·D1, D1 = (m1 − m0)/rk ; x_t = x_t_ − (α_t·B_h)·pred_res
            base.zip(m1.iter().zip(m0))
                .map(|(xt, (&mi, &m))| {
                    let d1 = (mi - m) / rk;
                    xt - c.a_b * (0.5f32 * d1)
                })
                .collect()
        } else {
            base.collect()
        }
    }

    /// UniC-`order`: corrects `this_sample` (= x at step i) using the fresh x0 prediction `m_t`.
    fn corrector(&self, m_t: &[f32], last: &[f32], order: usize) -> Vec<f32> {
        let i = self.step_index;
        let c = Self::coeffs(self.sigmas[i], self.sigmas[i - 1]);
        let m0 = self.model_outputs[1]
            .as_ref()
            .expect("corrector without model output");
        let base = last
            .iter()
            .zip(m0)
            .map(|(&x, &m)| c.ratio * x - c.a_phi * m);
        if order == 1 {
            // rhos_c = [0.5]; x_t = x_t_ − (α_t·B_h)·(0.5·(m_t − m0))
            base.zip(m_t.iter().zip(m0))
                .map(|(xt, (&mt, &m))| xt - c.a_b * (0.5f32 * (mt - m)))
                .collect()
        } else {
            let m1 = self.model_outputs[0]
                .as_ref()
                .expect("order 2 without history");
            let rk = (lambda(self.sigmas[i - 2]) - lambda(self.sigmas[i - 1])) / c.h;
            let k1 = c.h_phi_1 / c.hh - 1.0f32;
            let b0 = k1 * 1.0f32 / c.b_h;
            let k2 = k1 / c.hh - 0.5f32;
            let b1 = k2 * 2.0f32 / c.b_h;
            let rho = solve_2x2(rk, [b0, b1]);
            base.zip(m_t.iter().zip(m0.iter().zip(m1)))
                .map(|(xt, (&mt, (&m, &mi)))| {
                    let d1 = (mi - m) / rk;
                    let corr = rho[0] * d1;
                    xt - c.a_b * (corr + rho[1] * (mt - m))
                })
                .collect()
        }
    }
}

struct Coeffs {
    ratio: f32,
    a_phi: f32,
    a_b: f32,
    h: f32,
    hh: f32,
    h_phi_1: f32,
    b_h: f32,
}

impl Scheduler for UniPcScheduler {
    fn timesteps(&self) -> &[f64] {
        &self.timesteps
    }

    fn sigmas(&self) -> &[f32] {
        &self.sigmas
    }

    /// Computed in f32; the result takes the sample's dtype (diffusers `x_t.to(x.dtype)`).
    fn step(&mut self, velocity: &Tensor, sample: &Tensor) -> candle_core::Result<Tensor> {
        let i = self.step_index;
        check_step_inputs("UniPC step", velocity, sample, i, self.steps())?;
        let v = to_f32_vec(velocity)?;
        let mut x = to_f32_vec(sample)?;
        if let Some(prev) = &self.model_outputs[1] {
            if prev.len() != x.len() {
                candle_core::bail!(
                    "UniPC step: sample has {} elements but the previous step had {}",
                    x.len(),
                    prev.len()
                );
            }
        }
        // convert_model_output: x0 prediction m = x − σ_i·v
        let sigma = self.sigmas[i];
        let m: Vec<f32> = x.iter().zip(&v).map(|(&x, &v)| x - sigma * v).collect();

        if i > 0 {
            if let Some(last) = &self.last_sample {
                x = self.corrector(&m, last, self.this_order);
            }
        }
        self.model_outputs.swap(0, 1);
        self.model_outputs[1] = Some(m);
        // lower_order_final: the last steps drop to order 1; warm-up limits the order to history.
        let this_order = SOLVER_ORDER
            .min(self.steps() - i)
            .min(self.lower_order_nums + 1);
        self.this_order = this_order;
        let out = self.predictor(&x, this_order);
        self.last_sample = Some(x);
        if self.lower_order_nums < SOLVER_ORDER {
            self.lower_order_nums += 1;
        }
        self.step_index += 1;
        from_f32_vec(out, sample, sample.dtype())
    }

    /// Restart the solver at step `i` (history cleared, as diffusers does after `set_timesteps`).
    fn set_begin_index(&mut self, i: usize) {
        self.step_index = i;
        self.model_outputs = [None, None];
        self.last_sample = None;
        self.lower_order_nums = 0;
        self.this_order = 0;
    }

    fn step_index(&self) -> usize {
        self.step_index
    }
}
