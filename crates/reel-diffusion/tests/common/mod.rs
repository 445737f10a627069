//! Shared by the sampling tests: a random-initialised tiny bundle and short sampler settings.
#![allow(dead_code)] // each test file uses its own subset

use candle_core::Device;
use reel_diffusion::{SamplerSettings, SolverKind};
use reel_models::bundle::{init_random_bundle, Bundle};

pub fn tiny_bundle() -> (tempfile::TempDir, Bundle) {
    let dir = tempfile::tempdir().unwrap();
    init_random_bundle("tiny", 5, dir.path()).unwrap();
    let b = Bundle::load(dir.path(), &Device::Cpu).unwrap();
    (dir, b)
}

/// 3 UniPC steps, guidance 3, shift 3.
pub fn settings(seed: u64) -> SamplerSettings {
    SamplerSettings {
        steps: 3,
        guidance: 3.0,
        shift: 3.0,
        solver: SolverKind::UniPc,
        seed,
        frame_guidance: 0.0,
        guidance_2: None,
        guidance_interval: None,
    }
}
