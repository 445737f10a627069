//! Generator, captions and evaluator checked against each other and against corrupted clips.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use reel_media::Video;
use reel_world::*;

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Ground-truth clips: random scenes with a generous pillar/pan/two-object mix.
fn truth_set(n: usize, seed: u64, spec: &RenderSpec) -> Vec<(Scene, String, Video)> {
    let mut r = rng(seed);
    let sampler = SceneSampler {
        two_objects: 0.4,
        pillar: 0.35,
        pan: 0.25,
        ..SceneSampler::default()
    };
    (0..n)
        .map(|i| {
            let scene = sample_scene(&mut r, &sampler);
            let style = if i % 2 == 0 {
                CaptionStyle::canonical()
            } else {
                CaptionStyle::random(&mut r)
            };
            let cap = caption(&scene, &style);
            let video = render(&scene, spec);
            (scene, cap, video)
        })
        .collect()
}

fn check_report(report: &Report, min: f64) {
    let mut failures = Vec::new();
    for (table, name) in [(&report.single, "single"), (&report.two, "two")] {
        for (attr, acc) in table {
            if acc.accuracy < min {
                failures.push(format!("{name}/{attr}: {:.3}", acc.accuracy));
            }
        }
    }
    assert!(report.skipped.is_empty(), "skipped: {:?}", report.skipped);
    if !failures.is_empty() {
        for e in &report.evals {
            for o in &e.objects {
                for (n, a) in o.attributes() {
                    if !a.correct {
                        eprintln!(
                            "{}: {n}: expected {} got {} ({:?})",
                            e.prompt, a.expected, a.detected, o.expected
                        );
                    }
                }
            }
            if let Some(b) = &e.background {
                if !b.correct {
                    eprintln!("{}: background got {}", e.prompt, b.detected);
                }
            }
        }
        panic!("{}\n{failures:?}", report.table());
    }
}

#[test]
fn evaluator_agrees_with_ground_truth_64() {
    let spec = RenderSpec::default();
    let set = truth_set(120, 11, &spec);
    let items: Vec<(Video, String)> = set.into_iter().map(|(_, c, v)| (v, c)).collect();
    let report = evaluate_set(&items);
    eprintln!("{}", report.table());
    check_report(&report, 0.98);
    assert!(report.two_all_correct.total > 20);
    assert!(
        report.single.get("persistence").map_or(0, |a| a.total)
            + report.two.get("persistence").map_or(0, |a| a.total)
            > 10
    );
}
