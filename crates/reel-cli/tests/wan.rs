//! `reel generate --model` on Wan weights as users have them on disk (built from the tiny parity
//! fixtures), reproducing a diffusers reference run through the command line:
//! `--init-latents` and `--prompt-embeds` in, `--dump-latents` out.

use std::path::Path;
use std::process::{Command, Output};

use candle_core::{Device, Tensor};
use reel_models::wan::testkit::{self, OriginalTransformer};

fn reel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reel"))
        .args(args)
        .output()
        .expect("run reel")
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    reel_models::ops::max_abs_diff(a, b).unwrap()
}

/// Runs the fixture's call through the CLI and compares the dump with the reference.
/// `reel generate` on a 2-step reference fixture: its initial latents, prompt embeddings and
/// sampler settings, dumping the latents (`with_shift`: pass the fixture's shift 3 explicitly).
fn reference_args(
    model: &Path,
    init: &Path,
    embeds: &Path,
    dump: &Path,
    out: &Path,
    with_shift: bool,
) -> Vec<String> {
    let path = |p: &Path| p.to_str().unwrap().to_string();
    let mut args: Vec<String> = ["generate", "given as embeddings", "--model"]
        .map(String::from)
        .to_vec();
    args.push(path(model));
    args.extend(
        [
            "--size",
            "32x32",
            "--frames",
            "5",
            "--steps",
            "2",
            "--guidance",
            "5",
        ]
        .map(String::from),
    );
    if with_shift {
        args.extend(["--shift", "3"].map(String::from));
    }
    args.extend(["--solver", "unipc", "--init-latents"].map(String::from));
    args.push(path(init));
    args.push("--prompt-embeds".into());
    args.push(path(embeds));
    args.push("--dump-latents".into());
    args.push(path(dump));
    args.push("-o".into());
    args.push(path(out));
    args.push("-q".into());
    args
}

/// Runs `reel` with `args` and compares its `--dump-latents` file with the fixture: latents after
/// each of the 2 steps from latent frame `from` on (2e-5), and the f32 frames in [0, 1]
/// `[1, 3, F, H, W]` against the uint8 `[1, F, H, W, 3]` reference (1 LSB).
fn run_and_compare(
    name: &str,
    args: &[String],
    dump: &Path,
    fx: &std::collections::HashMap<String, Tensor>,
    from: usize,
) {
    let out = reel(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = candle_core::safetensors::load(dump, &Device::Cpu).unwrap();
    for i in 0..2 {
        let want = fx["latents_step"].get(i).unwrap();
        let t = want.dim(2).unwrap() - from;
        let d = max_abs_diff(
            &got[&format!("step_{i:03}")].narrow(2, from, t).unwrap(),
            &want.narrow(2, from, t).unwrap(),
        );
        assert!(d < 2e-5, "{name}: latents after step {i}: max |diff| {d:e}");
    }
    let frames = got["frames"].permute((0, 2, 3, 4, 1)).unwrap();
    let want = fx["frames_u8"].to_dtype(candle_core::DType::F32).unwrap();
    let got_u8 = (frames * 255.0).unwrap().floor().unwrap();
    let worst = max_abs_diff(&got_u8, &want);
    assert!(worst <= 1.0, "{name}: frames differ by {worst} LSB");
}

fn reproduces_reference(model: &Path, work: &Path) {
    let fx = testkit::fixture_tensors("pipeline_t2v").unwrap();
    let init = work.join("init.safetensors");
    let embeds = work.join("embeds.safetensors");
    let dump = work.join("dump.safetensors");
    testkit::save(
        &init,
        &[("latents".to_string(), fx["latents"].clone())].into(),
    )
    .unwrap();
    testkit::save(
        &embeds,
        &[
            ("prompt_embeds".to_string(), fx["prompt_embeds"].clone()),
            (
                "negative_prompt_embeds".to_string(),
                fx["negative_prompt_embeds"].clone(),
            ),
        ]
        .into(),
    )
    .unwrap();
    let out_dir = work.join("frames/");
    let args = reference_args(model, &init, &embeds, &dump, &out_dir, true);
    run_and_compare("t2v", &args, &dump, &fx, 0);
    let pngs = std::fs::read_dir(&out_dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert_eq!(pngs, 5);
}

#[test]
fn diffusers_folder_reproduces_the_reference_run() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("Wan-tiny-Diffusers");
    testkit::diffusers_folder(&model, None).unwrap();
    reproduces_reference(&model, dir.path());
}

#[test]
fn original_files_reproduce_the_reference_run() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("wan-original");
    testkit::original_folder(&model, OriginalTransformer::T2v, true, false).unwrap();
    reproduces_reference(&model, dir.path());
}

#[test]
fn a_broken_wan_folder_is_named_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("wan");
    testkit::diffusers_folder(&model, None).unwrap();
    std::fs::remove_file(model.join("vae/diffusion_pytorch_model.safetensors")).unwrap();
    let out = reel(&[
        "generate",
        "a red ball",
        "--model",
        model.to_str().unwrap(),
        "-o",
        dir.path().join("x.mp4").to_str().unwrap(),
        "-q",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("vae"), "{stderr}");

    // An image-to-video model is refused with the reason, not sampled wrongly.
    let i2v = dir.path().join("i2v");
    testkit::original_folder(&i2v, OriginalTransformer::I2v, true, false).unwrap();
    let out = reel(&[
        "generate",
        "a red ball",
        "--model",
        i2v.to_str().unwrap(),
        "-o",
        dir.path().join("y.mp4").to_str().unwrap(),
        "-q",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("image-to-video"), "{stderr}");
}

/// Writes an `[H, W, 3]` uint8 fixture image as a PNG.
fn write_png(t: &Tensor, path: &Path) {
    let (h, w, _) = t.dims3().unwrap();
    let raw: Vec<u8> = t.flatten_all().unwrap().to_vec1().unwrap();
    image::RgbImage::from_raw(w as u32, h as u32, raw)
        .unwrap()
        .save(path)
        .unwrap();
}

/// Prompt embeddings padded with zero rows to the 512 text tokens the I2V attention expects.
fn save_padded_embeds(fx: &std::collections::HashMap<String, Tensor>, path: &Path) {
    let pad = |e: &Tensor| {
        let (b, s, d) = e.dims3().unwrap();
        let z = Tensor::zeros((b, 512 - s, d), candle_core::DType::F32, &Device::Cpu).unwrap();
        Tensor::cat(&[e, &z], 1).unwrap()
    };
    testkit::save(
        path,
        &[
            ("prompt_embeds".to_string(), pad(&fx["prompt_embeds"])),
            (
                "negative_prompt_embeds".to_string(),
                pad(&fx["negative_prompt_embeds"]),
            ),
        ]
        .into(),
    )
    .unwrap();
}

/// Runs `pipeline_{name}` through `reel generate` with the given image arguments and compares
/// the dumped steps and frames with the reference.
fn image_run_reproduces(name: &str, model: &Path, work: &Path, image_args: &[String]) {
    let fx = testkit::fixture_tensors(name).unwrap();
    let init = work.join("init.safetensors");
    let embeds = work.join("embeds.safetensors");
    let dump = work.join("dump.safetensors");
    testkit::save(
        &init,
        &[("latents".to_string(), fx["latents"].clone())].into(),
    )
    .unwrap();
    save_padded_embeds(&fx, &embeds);
    write_png(&fx["first_image_u8"], &work.join("first.png"));
    if let Some(last) = fx.get("last_image_u8") {
        write_png(last, &work.join("last.png"));
    }
    let mut args = reference_args(model, &init, &embeds, &dump, &work.join("out.mp4"), true);
    args.extend(image_args.iter().cloned());
    run_and_compare(name, &args, &dump, &fx, 0);
}

#[test]
fn i2v_from_an_image_reproduces_the_reference_run() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("Wan-I2V-tiny-Diffusers");
    testkit::i2v_diffusers_folder(&model, false, true).unwrap();
    let first = dir.path().join("first.png");
    image_run_reproduces(
        "pipeline_i2v",
        &model,
        dir.path(),
        &["--image".into(), first.to_str().unwrap().into()],
    );
}

#[test]
fn flf2v_from_two_keyframes_reproduces_the_reference_run() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("Wan-FLF2V-tiny-Diffusers");
    testkit::i2v_diffusers_folder(&model, true, true).unwrap();
    let (first, last) = (dir.path().join("first.png"), dir.path().join("last.png"));
    image_run_reproduces(
        "pipeline_flf2v",
        &model,
        dir.path(),
        &[
            "--keyframe".into(),
            format!("0:{}", first.display()),
            "--keyframe".into(),
            format!("4:{}", last.display()),
        ],
    );
}

#[test]
fn i2v_with_image_embeddings_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("Wan-I2V-no-clip");
    testkit::i2v_diffusers_folder(&model, false, false).unwrap();
    let fx = testkit::fixture_tensors("pipeline_i2v").unwrap();
    let file = dir.path().join("clip.safetensors");
    testkit::save(
        &file,
        &[("image_embeds".to_string(), fx["image_embeds"].clone())].into(),
    )
    .unwrap();
    let first = dir.path().join("first.png");
    image_run_reproduces(
        "pipeline_i2v",
        &model,
        dir.path(),
        &[
            "--image".into(),
            first.to_str().unwrap().into(),
            "--image-embeds".into(),
            file.to_str().unwrap().into(),
        ],
    );
}

#[test]
fn unsupported_keyframes_for_wan_i2v_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("Wan-I2V-tiny-Diffusers");
    testkit::i2v_diffusers_folder(&model, false, true).unwrap();
    let fx = testkit::fixture_tensors("pipeline_i2v").unwrap();
    let png = dir.path().join("a.png");
    write_png(&fx["first_image_u8"], &png);
    let run = |extra: &[String]| {
        let mut args: Vec<String> = [
            "generate",
            "a red ball",
            "--model",
            model.to_str().unwrap(),
            "--size",
            "32x32",
            "--frames",
            "9",
            "--steps",
            "1",
            "-o",
            dir.path().join("x.mp4").to_str().unwrap(),
            "-q",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().cloned());
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = reel(&argv);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "accepted {extra:?}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    };
    let p = png.to_str().unwrap().to_string();
    let e = run(&[
        "--image".into(),
        p.clone(),
        "--keyframe".into(),
        format!("4:{p}"),
    ]);
    assert!(e.contains("middle"), "{e}");
    let e = run(&["--keyframe".into(), format!("8:{p}")]);
    assert!(e.contains("first frame"), "{e}");
    let e = run(&[
        "--image".into(),
        p.clone(),
        "--keyframe".into(),
        format!("8:{p}"),
    ]);
    assert!(e.contains("FLF2V"), "{e}");
}

/// Wan2.2 TI2V-5B (a diffusers folder with `expand_timesteps` and the residual VAE), detected
/// from its config: `pipeline_ti2v` as text-to-video, `pipeline_ti2v_i2v` from `--image`.
fn ti2v_run_reproduces(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("Wan2.2-TI2V-tiny-Diffusers");
    testkit::ti2v_diffusers_folder(&model).unwrap();
    let fx = testkit::fixture_tensors(name).unwrap();
    let work = dir.path();
    let (init, embeds, dump) = (
        work.join("init.safetensors"),
        work.join("embeds.safetensors"),
        work.join("dump.safetensors"),
    );
    testkit::save(
        &init,
        &[("latents".to_string(), fx["latents"].clone())].into(),
    )
    .unwrap();
    testkit::save(
        &embeds,
        &[
            ("prompt_embeds".to_string(), fx["prompt_embeds"].clone()),
            (
                "negative_prompt_embeds".to_string(),
                fx["negative_prompt_embeds"].clone(),
            ),
        ]
        .into(),
    )
    .unwrap();
    let mut args = reference_args(&model, &init, &embeds, &dump, &work.join("out.mp4"), false);
    let image = fx.contains_key("first_image_u8");
    if image {
        let png = work.join("first.png");
        write_png(&fx["first_image_u8"], &png);
        args.extend(["--image".to_string(), png.to_str().unwrap().to_string()]);
    }
    // With a known first frame, diffusers keeps stepping its own latents under it until the
    // end, Reel writes the frame in before each step: compare latent frames 1.. per step.
    run_and_compare(name, &args, &dump, &fx, usize::from(image));
}

#[test]
fn ti2v_text_to_video_reproduces_the_reference_run() {
    // No --shift: the folder's scheduler config (flow_shift 5) is the default.
    ti2v_run_reproduces("pipeline_ti2v");
}

#[test]
fn ti2v_from_an_image_reproduces_the_reference_run() {
    ti2v_run_reproduces("pipeline_ti2v_i2v");
}
