//! Scheduler parity with diffusers (fixtures written by scripts/make_wan_fixtures.py) and closed-form checks.

use std::collections::HashMap;
use std::path::PathBuf;

use candle_core::{DType, Device, Tensor};
use reel_diffusion::schedulers::{
    build_scheduler, scale_noise, FlowMatchEulerScheduler, Scheduler, SolverKind, UniPcScheduler,
};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/wan")
}

struct Fixture {
    tensors: HashMap<String, Tensor>,
    manifest: serde_json::Value,
}

fn load() -> Fixture {
    let dir = fixture_dir();
    let tensors = candle_core::safetensors::load(dir.join("schedulers.safetensors"), &Device::Cpu)
        .expect("tests/fixtures/wan/schedulers.safetensors (run scripts/make_wan_fixtures.py)");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("schedulers.json")).unwrap())
            .unwrap();
    Fixture { tensors, manifest }
}

fn vec_f32(t: &Tensor) -> Vec<f32> {
    t.to_dtype(DType::F32)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap()
}

fn kind_of(s: &str) -> SolverKind {
    s.parse().unwrap()
}

/// Distance in units in the last place between two finite f32 values.
fn ulps(a: f32, b: f32) -> u64 {
    let key = |x: f32| {
        let i = x.to_bits() as i32;
        if i < 0 {
            i64::from(i32::MIN) - i64::from(i)
        } else {
            i64::from(i)
        }
    };
    (key(a) - key(b)).unsigned_abs()
}

/// Euler must be bit-exact. UniPC: torch evaluates ln/expm1 of the solver coefficients with its vectorised
/// (Sleef) kernels, which differ from the correctly rounded libm by 1 ulp on about a quarter of the inputs,
/// so the trajectory may differ by f32 rounding; an algorithmic mistake is orders of magnitude larger.
fn close(kind: SolverKind, got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    if kind == SolverKind::Euler {
        let worst = got
            .iter()
            .zip(want)
            .map(|(&a, &b)| ulps(a, b))
            .max()
            .unwrap();
        assert_eq!(worst, 0, "{what}: differs by up to {worst} ulp");
    } else {
        for (j, (&a, &b)) in got.iter().zip(want).enumerate() {
            let tol = 4.0 * f32::EPSILON * b.abs().max(1.0);
            assert!((a - b).abs() <= tol, "{what}: element {j}: {a} vs {b}");
        }
    }
}

#[test]
fn tables_match_diffusers_bit_exactly() {
    let fx = load();
    let tables = fx.manifest["tables"].as_array().unwrap();
    assert!(tables.len() >= 10);
    for t in tables {
        let key = t["key"].as_str().unwrap();
        let steps = t["steps"].as_u64().unwrap() as usize;
        let shift = t["shift"].as_f64().unwrap();
        let sched = build_scheduler(kind_of(t["kind"].as_str().unwrap()), steps, shift).unwrap();
        let want_sigmas = vec_f32(&fx.tensors[&format!("{key}.sigmas")]);
        assert_eq!(sched.sigmas().len(), steps + 1, "{key}");
        for (i, (a, b)) in sched.sigmas().iter().zip(&want_sigmas).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "{key} sigma[{i}]: {a} vs {b}");
        }
        let ts = &fx.tensors[&format!("{key}.timesteps")];
        let want_ts: Vec<f64> = match ts.dtype() {
            DType::I64 => ts
                .to_vec1::<i64>()
                .unwrap()
                .into_iter()
                .map(|v| v as f64)
                .collect(),
            DType::F32 => ts
                .to_vec1::<f32>()
                .unwrap()
                .into_iter()
                .map(f64::from)
                .collect(),
            other => panic!("{key}: unexpected timestep dtype {other:?}"),
        };
        assert_eq!(sched.timesteps(), &want_ts[..], "{key} timesteps");
    }
}

#[test]
fn trajectories_match_diffusers() {
    let fx = load();
    let x0 = &fx.tensors["traj.x0"];
    let p = vec_f32(&fx.tensors["traj.p"]);
    let q = vec_f32(&fx.tensors["traj.q"]);
    let trajs = fx.manifest["trajectories"].as_array().unwrap();
    assert!(trajs.len() >= 4);
    for t in trajs {
        let key = t["key"].as_str().unwrap();
        let steps = t["steps"].as_u64().unwrap() as usize;
        let shift = t["shift"].as_f64().unwrap();
        let begin = t["begin_index"].as_u64().unwrap() as usize;
        let kind = kind_of(t["kind"].as_str().unwrap());
        let mut sched = build_scheduler(kind, steps, shift).unwrap();

        if begin > 0 {
            sched.set_begin_index(begin);
        }
        let xs = &fx.tensors[&format!("{key}.x")];
        let vs = &fx.tensors[&format!("{key}.v")];
        assert_eq!(xs.dim(0).unwrap(), steps - begin + 1);
        let mut x = x0.clone();
        for (k, i) in (begin..steps).enumerate() {
            assert_eq!(sched.step_index(), i);
            // Recompute the fake model in Rust: (x − p·1.25) + q·σ_i, and check it against the record,
            // so the trajectory is driven by an independent evaluation of the same closed form.
            let sigma = sched.sigmas()[i];
            let xv = vec_f32(&x);
            let v: Vec<f32> = xv
                .iter()
                .zip(p.iter().zip(&q))
                .map(|(&x, (&p, &q))| (x - p * 1.25f32) + q * sigma)
                .collect();
            let want_v = vec_f32(&vs.get(k).unwrap());
            close(kind, &v, &want_v, &format!("{key}: velocity at step {i}"));
            let v = Tensor::from_vec(v, x.shape(), &Device::Cpu).unwrap();
            x = sched.step(&v, &x).unwrap();
            let got = vec_f32(&x);
            let want = vec_f32(&xs.get(k + 1).unwrap());
            close(kind, &got, &want, &format!("{key}: x after step {i}"));
        }
        assert!(
            sched.step(&x, &x).is_err(),
            "{key}: stepping past the end must fail"
        );
    }
}

/// Gaussian-to-point flow: x_σ = (1−σ)·p + σ·n. Its exact velocity is d x/dσ = n − p, and eliminating n,
/// v(x, σ) = (x − p)/σ. Any consistent solver must carry x_σ along the straight line and end on p.
fn run_point_flow(sched: &mut dyn Scheduler, p: &[f32], n: &[f32]) -> (Vec<f32>, f32) {
    let s0 = sched.sigmas()[sched.step_index()];
    let start: Vec<f32> = p
        .iter()
        .zip(n)
        .map(|(&p, &n)| (1.0 - s0) * p + s0 * n)
        .collect();
    let shape = (p.len(),);
    let mut x = Tensor::from_vec(start, shape, &Device::Cpu).unwrap();
    let mut worst_path = 0f32;
    while sched.step_index() < sched.num_steps() {
        let sigma = sched.sigmas()[sched.step_index()];
        let xv = vec_f32(&x);
        // Compare with the straight line at this σ (the path must stay on it).
        for ((&x, &p), &n) in xv.iter().zip(p).zip(n) {
            worst_path = worst_path.max((x - ((1.0 - sigma) * p + sigma * n)).abs());
        }
        let v: Vec<f32> = xv.iter().zip(p).map(|(&x, &p)| (x - p) / sigma).collect();
        let v = Tensor::from_vec(v, shape, &Device::Cpu).unwrap();
        x = sched.step(&v, &x).unwrap();
    }
    (vec_f32(&x), worst_path)
}

fn point_and_noise() -> (Vec<f32>, Vec<f32>) {
    let p: Vec<f32> = (0..64).map(|i| ((i as f32) * 0.37).sin() * 2.0).collect();
    let n: Vec<f32> = (0..64)
        .map(|i| ((i as f32) * 1.91 + 0.3).cos() * 1.5)
        .collect();
    (p, n)
}

#[test]
fn euler_lands_on_the_point() {
    let (p, n) = point_and_noise();
    for (steps, shift) in [(1, 1.0), (4, 3.0), (20, 5.0)] {
        let mut s = FlowMatchEulerScheduler::new(steps, shift).unwrap();
        let (end, path) = run_point_flow(&mut s, &p, &n);
        let err = end
            .iter()
            .zip(&p)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(err < 1e-5, "euler steps {steps}: end error {err}");
        assert!(
            path < 1e-5,
            "euler steps {steps}: left the straight path by {path}"
        );
        let mut s = FlowMatchEulerScheduler::plain(steps, shift).unwrap();
        let (end, _) = run_point_flow(&mut s, &p, &n);
        let err = end
            .iter()
            .zip(&p)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(err < 1e-5, "plain euler steps {steps}: end error {err}");
    }
}

#[test]
fn unipc_lands_on_the_point() {
    let (p, n) = point_and_noise();
    for (steps, shift) in [(1, 3.0), (2, 3.0), (8, 3.0), (25, 5.0)] {
        let mut s = UniPcScheduler::new(steps, shift).unwrap();
        let (end, path) = run_point_flow(&mut s, &p, &n);
        let err = end
            .iter()
            .zip(&p)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(err < 1e-5, "unipc steps {steps}: end error {err}");
        assert!(
            path < 1e-4,
            "unipc steps {steps}: left the straight path by {path}"
        );
    }
    // Starting part-way (video-to-video) still ends on the point.
    let mut s = UniPcScheduler::new(10, 3.0).unwrap();
    s.set_begin_index(4);
    let (end, _) = run_point_flow(&mut s, &p, &n);
    let err = end
        .iter()
        .zip(&p)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(err < 1e-5, "unipc from step 4: end error {err}");
}

#[test]
fn scale_noise_is_the_forward_flow() {
    let x0 = Tensor::new(&[1.0f32, -2.0, 0.5], &Device::Cpu).unwrap();
    let noise = Tensor::new(&[0.0f32, 1.0, -1.0], &Device::Cpu).unwrap();
    let got = vec_f32(&scale_noise(&x0, 0.25, &noise).unwrap());
    assert_eq!(got, vec![0.75, -1.25, 0.125]);
    assert_eq!(
        vec_f32(&FlowMatchEulerScheduler::scale_noise(&x0, 1.0, &noise).unwrap()),
        vec![0.0, 1.0, -1.0]
    );
    let bad = Tensor::new(&[1.0f32], &Device::Cpu).unwrap();
    assert!(scale_noise(&x0, 0.5, &bad).is_err());
}

#[test]
fn bad_inputs_are_errors() {
    for kind in SolverKind::ALL {
        let err = build_scheduler(kind, 0, 3.0)
            .err()
            .expect("steps = 0 must fail");
        assert!(err.to_string().contains("at least 1"), "{err}");
        assert!(build_scheduler(kind, 4, f64::NAN).is_err());
        assert!(build_scheduler(kind, 4, -1.0).is_err());
        assert_eq!(kind.to_string().parse::<SolverKind>().unwrap(), kind);
    }
    let err = "dpm++".parse::<SolverKind>().unwrap_err().to_string();
    assert!(
        err.contains("dpm++") && err.contains("euler") && err.contains("unipc"),
        "{err}"
    );
    assert_eq!("UniPC".parse::<SolverKind>().unwrap(), SolverKind::UniPc);

    let mut s = build_scheduler(SolverKind::UniPc, 2, 3.0).unwrap();
    let a = Tensor::zeros((2, 3), DType::F32, &Device::Cpu).unwrap();
    let b = Tensor::zeros((3, 2), DType::F32, &Device::Cpu).unwrap();
    assert!(s.step(&a, &b).is_err(), "shape mismatch must fail");
    assert!(FlowMatchEulerScheduler::from_sigmas(vec![0.5, 0.9, 0.0]).is_err());
    assert!(FlowMatchEulerScheduler::from_sigmas(vec![1.0]).is_err());
}
