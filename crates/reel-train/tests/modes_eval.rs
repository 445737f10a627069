//! The mode-quality harness measures what it claims: its metrics on constructed cases with known
//! answers, and a whole run on a tiny random bundle (no thresholds on model quality).

use anyhow::Result;
use candle_core::Device;
use reel_media::{Frame, Video};
use reel_models::bundle::{init_random_bundle, Bundle};
use reel_train::modes_eval::*;
use reel_train::SamplerOverrides;
use reel_world::{
    evaluate, ground_truth, parse_prompt, render, scene_from_spec, world_rng, RenderSpec,
    SceneSampler,
};

fn grey(v: u8) -> Frame {
    Frame::from_raw(16, 16, vec![v; 16 * 16 * 3]).expect("16x16 RGB")
}

#[test]
fn psnr_seams_and_loops_on_known_cases() {
    let a = grey(100);
    let mut b = grey(100);
    b.pixels_mut().for_each(|p| p.0[0] = 110);
    assert_eq!(psnr_db(&a, &a), Some(PSNR_CAP_DB));
    let want = 10.0 * (255.0f64 * 255.0 * 3.0 / 100.0).log10();
    assert!((psnr_db(&a, &b).unwrap() - want).abs() < 1e-9);
    assert_eq!(psnr_db(&a, &Frame::new(8, 8)), None);
    assert_eq!(mean_psnr_db(std::slice::from_ref(&a), &[]), None);

    // A constant clip: no change, a perfect loop.
    let still = vec![grey(40); 6];
    assert_eq!(median_change(&still), 0.0);
    assert_eq!(loop_ratio(&still), Some(0.0));
    // A ramp of 10 per frame: the loop jumps back 30, three typical steps.
    let ramp: Vec<Frame> = [10, 20, 30, 40].map(grey).to_vec();
    assert_eq!(median_change(&ramp), 10.0);
    assert_eq!(loop_ratio(&ramp), Some(3.0));
    assert_eq!(seam_ratio(&ramp, 2, 10.0), Some(1.0));
    // A cut in a still clip: the jump against the floor, since the clip itself never changes.
    let cut: Vec<Frame> = [10, 10, 10, 60, 60].map(grey).to_vec();
    assert_eq!(median_change(&cut), 0.0);
    assert_eq!(seam_ratio(&cut, 3, 0.0), Some(50.0 / CHANGE_FLOOR));
    assert_eq!(seam_ratio(&cut, 0, 1.0), None);
    assert_eq!(seam_ratio(&cut, 5, 1.0), None);

    assert!(frames_identical(&cut, 3, &cut[3..]));
    assert!(!frames_identical(&cut, 2, &cut[3..]));
    assert!(!frames_identical(&cut, 4, &cut[3..]), "runs past the end");
    let mut touched = cut[3..].to_vec();
    touched[1].get_pixel_mut(5, 5).0[2] = 61;
    assert!(!frames_identical(&cut, 3, &touched));
}

#[test]
fn transition_tracking_on_ground_truth() -> Result<()> {
    let prompt = "a large red square moves right on a black background";
    let spec = RenderSpec::default();
    let scene = scene_from_spec(
        &parse_prompt(prompt)?,
        &SceneSampler::default(),
        &mut world_rng(3, 0),
    )?;
    let video = render(&scene, &spec);
    let gt = ground_truth(&scene, &spec);
    let e = evaluate(&video, prompt)?;
    let path = &e.objects[0].path;
    // The true clip moves from A's end to B's start, and its tracked centres are on the path.
    assert!(moves_towards(path, &gt, 0, 5..13));
    assert!(centre_error(&e, &gt, 0..17).unwrap() < 0.02);
    // The same transition played backwards moves away from B.
    let mut reversed = path.clone();
    reversed[5..13].reverse();
    assert!(!moves_towards(&reversed, &gt, 0, 5..13));
    // A lost object cannot be said to move anywhere.
    let mut lost = path.clone();
    lost[5..13].iter_mut().for_each(|c| *c = None);
    assert!(!moves_towards(&lost, &gt, 0, 5..13));
    // An object that stays put at A's end state is not moving towards B.
    let mut stuck = path.clone();
    let hold = path[4];
    stuck[5..13].iter_mut().for_each(|c| *c = hold);
    assert!(!moves_towards(&stuck, &gt, 0, 5..13));
    // The generated side of an extend seam (8 frames) is enough for colour and shape verdicts.
    let half = Video::new(video.frames[9..].to_vec(), video.fps)?;
    let o = &evaluate(&half, prompt)?.objects[0];
    assert!(o.colour.as_ref().unwrap().correct && o.shape.as_ref().unwrap().correct);
    let wrong = evaluate(
        &half,
        "a large blue triangle moves right on a black background",
    )?;
    assert!(!wrong.objects[0].colour.as_ref().unwrap().correct);
    assert!(!wrong.objects[0].shape.as_ref().unwrap().correct);
    // A frozen clip is far from the true path.
    let frozen = Video::new(vec![video.frames[0].clone(); 17], video.fps)?;
    let ef = evaluate(&frozen, prompt)?;
    assert!(centre_error(&ef, &gt, 0..17).unwrap() > 0.1);
    // Path distance: zero to itself; a frozen copy is as far as its centre error says.
    assert_eq!(path_distance(&e, &e), Some(0.0));
    let d = path_distance(&ef, &e).unwrap();
    assert!(
        (d - centre_error(&ef, &gt, 0..17).unwrap()).abs() < 0.02,
        "{d}"
    );
    Ok(())
}

#[test]
fn recolour_prompts_change_only_the_colour() -> Result<()> {
    for i in 0..12 {
        let (scene, prompt, recoloured, new_prompt) = prompt_case(7, i, 1.0);
        assert_ne!(prompt, new_prompt);
        let (a, b) = (parse_prompt(&prompt)?, parse_prompt(&new_prompt)?);
        assert_ne!(a.objects[0].colour, b.objects[0].colour);
        assert_eq!(b.objects[0].colour, Some(recoloured.objects[0].colour));
        assert_eq!(a.objects[0].shape, b.objects[0].shape);
        assert_eq!(a.objects[0].motion, b.objects[0].motion);
        assert_eq!(a.background, b.background);
        assert_eq!(a.objects.len(), b.objects.len());
        assert_eq!(scene.objects[1..], recoloured.objects[1..]);
        // The evaluator tells the two apart on the recoloured scene's own clip.
        let video = render(&recoloured, &RenderSpec::default());
        let colour_ok = |p: &str| -> Result<bool> {
            Ok(evaluate(&video, p)?.objects[0]
                .colour
                .as_ref()
                .is_some_and(|c| c.correct))
        };
        assert!(colour_ok(&new_prompt)?, "{new_prompt}");
        assert!(!colour_ok(&prompt)?, "{prompt}");
    }
    Ok(())
}

fn tiny() -> (tempfile::TempDir, Bundle) {
    let dir = tempfile::tempdir().unwrap();
    init_random_bundle("tiny", 11, dir.path()).unwrap();
    let b = Bundle::load(dir.path(), &Device::Cpu).unwrap();
    (dir, b)
}

fn small_opts(prompts: usize) -> ModesOptions {
    ModesOptions {
        prompts,
        sampler: SamplerOverrides {
            steps: Some(2),
            ..Default::default()
        },
        width: Some(32),
        height: Some(32),
        frames: Some(13),
        ..Default::default()
    }
}

#[test]
fn whole_run_on_a_tiny_random_bundle() -> Result<()> {
    let (_dir, bundle) = tiny();
    let mut calls = Vec::new();
    let r = eval_modes(&bundle, &small_opts(2), |d, t| calls.push((d, t)))?;
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    // 12 modes a prompt, 14 generations (remix makes three clips).
    assert_eq!(calls.len(), 24);
    assert_eq!(calls.last(), Some(&(28, 28)));
    assert_eq!(
        (r.width, r.height, r.frames, r.long_frames),
        (32, 32, 13, 25)
    );
    assert_eq!(r.cases.len(), 2);
    assert_eq!(r.cases[1].seed, 1, "noise seed follows the prompt index");
    for m in &r.metrics {
        assert_eq!(m.values.len(), 2, "{}/{}", m.mode, m.name);
    }
    let get = |mode: &str, name: &str| {
        r.metric(mode, name)
            .unwrap_or_else(|| panic!("{mode}/{name}"))
    };
    // Whatever a random model makes, pinned frames come back exactly through a lossless file.
    for (mode, name) in [
        ("extend_fwd", "originals_identical"),
        ("extend_bwd", "originals_identical"),
        ("stitch", "clips_identical"),
        ("remix", "same_request_identical"),
    ] {
        let m = get(mode, name);
        assert_eq!(m.value, Some(1.0), "{mode}/{name}");
        assert_eq!((m.met, m.pass), (2, Some(true)));
    }
    for (mode, name) in [
        ("image2video", "first_frame_psnr_db"),
        ("keyframes", "first_psnr_db"),
        ("keyframes", "last_psnr_db"),
        ("keyframes_long", "first_psnr_db"),
        ("keyframes_long", "last_psnr_db"),
    ] {
        assert_eq!(get(mode, name).value, Some(PSNR_CAP_DB), "{mode}/{name}");
    }
    // The soft-conditioned edit is not pinned: its PSNR is measured, not capped.
    let layout = get("video2video", "layout_psnr_db");
    assert!(layout
        .values
        .iter()
        .all(|v| v.is_some_and(|p| p > 0.0 && p < PSNR_CAP_DB)));
    // MP4 in and out: the kept frames lose about one more codec pass, measured either way.
    let margin = get("extend_mp4", "codec_margin_db");
    assert!(margin
        .values
        .iter()
        .all(|v| v.is_some_and(|m| m.is_finite() && m.abs() < 20.0)));
    let kept_psnr = get("extend_mp4", "originals_psnr_db");
    assert!(kept_psnr
        .values
        .iter()
        .all(|v| v.is_some_and(|p| p > 25.0 && p < PSNR_CAP_DB)));
    let cut = get("storyboard", "cut_seam_ratio");
    assert!(cut.values.iter().all(|v| v.is_some_and(|x| x >= 0.0)));
    let loop_ratio = get("loop", "end_ratio");
    assert!(loop_ratio
        .values
        .iter()
        .all(|v| v.is_some_and(|x| x >= 0.0 && x.is_finite())));
    // Verdict rows are rates over the prompts.
    for m in r.metrics.iter().filter(|m| m.aggregate == Aggregate::Rate) {
        let ones = m.values.iter().filter(|v| **v == Some(1.0)).count();
        assert_eq!(m.value, Some(ones as f64 / 2.0), "{}/{}", m.mode, m.name);
    }

    let table = r.table();
    for mode in [
        "image2video",
        "extend_fwd",
        "extend_bwd",
        "stitch",
        "loop",
        "keyframes_long",
        "video2video",
        "extend_mp4",
        "remix",
        "storyboard",
    ] {
        assert!(table.contains(mode), "{table}");
    }
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("modes.json");
    write_modes_json(&r, &path)?;
    let back: ModesReport = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    assert_eq!(back.metrics.len(), r.metrics.len());
    assert_eq!(back.cases[0].prompt, r.cases[0].prompt);

    // Same options, same numbers.
    let kept = dir.path().join("kept");
    let again = eval_modes(
        &bundle,
        &ModesOptions {
            keep: Some(kept.clone()),
            ..small_opts(1)
        },
        |_, _| {},
    )?;
    // Kept inputs and outputs are the files that were compared.
    let out = reel_media::read_video(&kept.join("p000-extend_fwd-out"))?;
    let input = reel_media::read_video(&kept.join("p000-extend_fwd-in"))?;
    assert_eq!((out.len(), input.len()), (13, 5));
    assert_eq!(out.frames[..5], input.frames[..]);
    let first =
        |r: &ModesReport| -> Vec<Option<f64>> { r.metrics.iter().map(|m| m.values[0]).collect() };
    assert_eq!(first(&again), first(&r));
    Ok(())
}

#[test]
fn unusable_settings_are_refused() {
    let (_dir, bundle) = tiny();
    let cases = [
        ModesOptions {
            frames: Some(5),
            ..small_opts(1)
        },
        ModesOptions {
            frames: Some(0),
            ..small_opts(1)
        },
        ModesOptions {
            width: Some(24),
            ..small_opts(1)
        },
        ModesOptions {
            edit_strength: 1.5,
            ..small_opts(1)
        },
        ModesOptions {
            sampler: SamplerOverrides {
                steps: Some(0),
                ..Default::default()
            },
            ..small_opts(1)
        },
        small_opts(0),
    ];
    for opts in cases {
        let err = eval_modes(&bundle, &opts, |_, _| {});
        assert!(err.is_err(), "{opts:?} was accepted");
    }
}
