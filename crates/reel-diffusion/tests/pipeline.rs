//! End-to-end sampling on a random-initialised tiny bundle.

mod common;
use common::{settings, tiny_bundle};

use candle_core::{Device, Tensor};
use reel_diffusion::pipeline::{guide, latent_frames_for};
use reel_diffusion::{generate, GenerateOptions, Timeline};
use reel_media::Frame;

fn bytes(v: &reel_media::Video) -> Vec<u8> {
    v.frames.iter().flat_map(|f| f.as_raw().clone()).collect()
}

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let (_d, b) = tiny_bundle();
    let tl = Timeline::text_to_video("a red ball moves right", 5, 8.0, 32, 16);
    let a = generate(&b, &tl, &settings(1), GenerateOptions::default()).unwrap();
    let a2 = generate(&b, &tl, &settings(1), GenerateOptions::default()).unwrap();
    let c = generate(&b, &tl, &settings(2), GenerateOptions::default()).unwrap();
    assert_eq!(a.video.len(), 5);
    assert_eq!((a.video.width(), a.video.height()), (32, 16));
    assert_eq!(bytes(&a.video), bytes(&a2.video));
    assert_ne!(bytes(&a.video), bytes(&c.video));
}

#[test]
fn any_length_is_trimmed_and_pinned_frames_are_kept_exactly() {
    let (_d, b) = tiny_bundle();
    assert_eq!(latent_frames_for(17, 4), 5);
    assert_eq!(latent_frames_for(6, 4), 3);
    let first = Frame::from_fn(16, 16, |x, y| {
        image::Rgb([(x * 16) as u8, (y * 16) as u8, 77])
    });
    let tl = Timeline::text_to_video("x", 6, 8.0, 16, 16)
        .with_known(0, vec![first.clone()], 1.0)
        .unwrap();
    let mut steps = Vec::new();
    let mut record = |p: reel_diffusion::Progress| steps.push((p.step, p.total));
    let g = generate(
        &b,
        &tl,
        &settings(3),
        GenerateOptions {
            record_trace: true,
            progress: Some(&mut record),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(g.video.len(), 6);
    assert_eq!(g.video.frames[0], first);
    assert_eq!(g.trace.len(), 3);
    assert_eq!(steps, vec![(1, 3), (2, 3), (3, 3)]);
}

#[test]
fn init_latents_are_used_and_checked() {
    let (_d, b) = tiny_bundle();
    let tl = Timeline::text_to_video("x", 1, 8.0, 16, 16);
    let z = Tensor::zeros((1, 8, 1, 2, 2), candle_core::DType::F32, &Device::Cpu).unwrap();
    let g = generate(
        &b,
        &tl,
        &settings(9),
        GenerateOptions {
            init_latents: Some(z.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    let g2 = generate(
        &b,
        &tl,
        &settings(10),
        GenerateOptions {
            init_latents: Some(z),
            ..Default::default()
        },
    )
    .unwrap();
    // The seed is irrelevant once the starting latents are given.
    assert_eq!(bytes(&g.video), bytes(&g2.video));
    let wrong = Tensor::zeros((1, 8, 2, 2, 2), candle_core::DType::F32, &Device::Cpu).unwrap();
    let err = generate(
        &b,
        &tl,
        &settings(9),
        GenerateOptions {
            init_latents: Some(wrong),
            ..Default::default()
        },
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("initial latents"));
}

#[test]
fn bad_sizes_are_refused() {
    let (_d, b) = tiny_bundle();
    for (w, h, f) in [(30, 16, 5), (16, 16, 0), (0, 16, 1)] {
        let tl = Timeline::text_to_video("x", f, 8.0, w, h);
        assert!(generate(&b, &tl, &settings(1), GenerateOptions::default()).is_err());
    }
}

#[test]
fn guidance_scale_one_is_the_conditional_output() {
    let dev = Device::Cpu;
    let c = Tensor::randn(0f32, 1.0, (2, 3), &dev).unwrap();
    let u = Tensor::randn(0f32, 1.0, (2, 3), &dev).unwrap();
    let g = guide(&c, &u, 1.0).unwrap();
    let err = (g - &c)
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert!(err < 1e-6);
    let g0 = guide(&c, &u, 0.0).unwrap();
    assert_eq!(g0.to_vec2::<f32>().unwrap(), u.to_vec2::<f32>().unwrap());
}

#[test]
fn one_euler_step_from_pure_noise_lands_on_the_models_prediction() {
    // From σ = 1 to 0 in one step, x − v: the clean-latent prediction itself for a `sample`
    // model, noise minus the output for a velocity model.
    let (_d, mut b) = tiny_bundle();
    let dev = Device::Cpu;
    let tl = Timeline::text_to_video("a red ball moves right", 1, 8.0, 16, 16);
    let z = Tensor::randn(0f32, 1.0, (1, 8, 1, 2, 2), &dev).unwrap();
    let one_step = reel_diffusion::SamplerSettings {
        steps: 1,
        guidance: 1.0,
        shift: 1.0,
        solver: reel_diffusion::SolverKind::Euler,
        seed: 0,
        frame_guidance: 0.0,
        guidance_2: None,
        guidance_interval: None,
    };
    let ctx = reel_diffusion::VideoModel::encode_prompts(&b, &["a red ball moves right"]).unwrap();
    let out = b
        .dit
        .forward(&z, &Tensor::new(&[1000f32], &dev).unwrap(), &ctx, None)
        .unwrap();
    let run = |b: &reel_models::bundle::Bundle| {
        let opts = GenerateOptions {
            init_latents: Some(z.clone()),
            ..Default::default()
        };
        generate(b, &tl, &one_step, opts).unwrap().latents
    };
    let diff = |a: &Tensor, b: &Tensor| reel_models::ops::max_abs_diff(a, b).unwrap();
    assert!(diff(&run(&b), &(&z - &out).unwrap()) < 1e-5);
    b.config.prediction = reel_models::bundle::Prediction::Sample;
    assert!(diff(&run(&b), &out) < 1e-5);
}

#[test]
fn frame_guidance_adds_what_the_pinned_frames_change_in_the_conditional_prediction() {
    // One Euler step from σ = 1: the latents are x − v, linear in the prediction, and at σ = 1
    // the pass "without the pinned frames" sees pure noise, which is the text-only timeline's
    // input. So on the unpinned latent frames, frame guidance w must give
    // guided(w) = guided(0) + w·(pinned − text-only), both at guidance 1, whatever the CFG scale.
    // The embedded model: in the random tiny bundle a pinned frame leaves the other latent frames
    // unchanged (measured: identical), so the term would be zero there.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/reel-toy");
    let b = reel_models::bundle::Bundle::load(&dir, &Device::Cpu).unwrap();
    let prompt = "a large red ball moves right on a black background";
    let first = Frame::from_fn(64, 64, |x, y| {
        let inside = (x as i32 - 16).pow(2) + (y as i32 - 26).pow(2) < 64;
        image::Rgb(if inside { [230, 40, 40] } else { [0, 0, 0] })
    });
    let free = Timeline::text_to_video(prompt, 9, 8.0, 64, 64);
    let pinned = free.clone().with_known(0, vec![first], 1.0).unwrap();
    let run = |tl: &Timeline, guidance: f64, frame_guidance: f64| {
        let s = reel_diffusion::SamplerSettings {
            steps: 1,
            guidance,
            shift: 1.0,
            solver: reel_diffusion::SolverKind::Euler,
            seed: 9,
            frame_guidance,
            guidance_2: None,
            guidance_interval: None,
        };
        let lat = generate(&b, tl, &s, GenerateOptions::default())
            .unwrap()
            .latents;
        let t = lat.dim(2).unwrap();
        lat.narrow(2, 1, t - 1).unwrap() // latent frame 0 holds the pinned frame
    };
    let diff = |a: &Tensor, b: &Tensor| reel_models::ops::max_abs_diff(a, b).unwrap();
    let (with, without) = (run(&pinned, 1.0, 0.0), run(&free, 1.0, 0.0));
    let size = diff(&with, &without);
    let term = (with - without).unwrap();
    assert!(size > 0.05, "the pinned frame changes nothing ({size})");
    for guidance in [1.0, 4.0] {
        let base = run(&pinned, guidance, 0.0);
        let w = 2.5;
        let expected = (&base + (&term * w).unwrap()).unwrap();
        let err = diff(&run(&pinned, guidance, w), &expected);
        assert!(
            err < 1e-3 * size.max(1.0),
            "guidance {guidance}: off by {err}"
        );
    }
    // Nothing pinned: nothing to add, the same bytes.
    let (_d, tiny) = tiny_bundle();
    let free = Timeline::text_to_video(prompt, 5, 8.0, 16, 16);
    let s = |w| reel_diffusion::SamplerSettings {
        frame_guidance: w,
        ..settings(4)
    };
    let a = generate(&tiny, &free, &s(0.0), GenerateOptions::default()).unwrap();
    let c = generate(&tiny, &free, &s(3.0), GenerateOptions::default()).unwrap();
    assert_eq!(bytes(&a.video), bytes(&c.video));
}

#[test]
fn bad_guidance_settings_are_refused_before_any_compute() {
    let (_d, b) = tiny_bundle();
    let tl = Timeline::text_to_video("a red ball moves right", 5, 8.0, 16, 16);
    let refused = |s: reel_diffusion::SamplerSettings| {
        format!(
            "{:#}",
            generate(&b, &tl, &s, GenerateOptions::default())
                .err()
                .expect("refused")
        )
    };
    let e = refused(reel_diffusion::SamplerSettings {
        guidance_interval: Some([0.8, 0.2]),
        ..settings(0)
    });
    assert!(e.contains("guidance interval"), "{e}");
    let e = refused(reel_diffusion::SamplerSettings {
        guidance_2: Some(2.0),
        ..settings(0)
    });
    assert!(e.contains("guidance_2") && e.contains("boundary"), "{e}");
    let e = refused(reel_diffusion::SamplerSettings {
        guidance: f64::NAN,
        ..settings(0)
    });
    assert!(e.contains("guidance"), "{e}");
}

#[test]
fn guidance_at_follows_interval_and_low_noise_stage() {
    let s = reel_diffusion::SamplerSettings {
        guidance: 4.0,
        guidance_2: Some(3.0),
        guidance_interval: Some([0.2, 0.9]),
        ..settings(0)
    };
    // Outside the interval: no guidance, whichever stage.
    assert_eq!(s.guidance_at(950.0, 0.95, Some(875.0)), 1.0);
    assert_eq!(s.guidance_at(100.0, 0.1, Some(875.0)), 1.0);
    // Inside: the high-noise stage's scale at and above the boundary, guidance_2 below it.
    assert_eq!(s.guidance_at(875.0, 0.875, Some(875.0)), 4.0);
    assert_eq!(s.guidance_at(874.0, 0.874, Some(875.0)), 3.0);
    // No boundary: one stage.
    assert_eq!(s.guidance_at(500.0, 0.5, None), 4.0);
    for bad in ["0.9:0.2", "1.5:2", "x:1", "0.5", ""] {
        assert!(
            reel_diffusion::parse_guidance_interval(bad).is_err(),
            "{bad}"
        );
    }
    assert_eq!(
        reel_diffusion::parse_guidance_interval(" 0.3 : 0.95").unwrap(),
        [0.3, 0.95]
    );
}
