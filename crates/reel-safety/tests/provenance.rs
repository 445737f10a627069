//! C2PA round trips: sign -> valid; with the CA as anchor -> trusted; one flipped media byte ->
//! invalid; unsigned -> none; ffmpeg still decodes signed files.

use std::path::{Path, PathBuf};
use std::process::Command;

use reel_safety::provenance::{
    generate_credentials, sign_file, verify_file, Action, Credentials, ProvenanceClaim,
    SignerConfig, ValidationState,
};

fn claim() -> ProvenanceClaim {
    ProvenanceClaim {
        action: Action::Created,
        ingredient: None,
        model_name: "reel-test".into(),
        model_version: "0.1.0".into(),
        request_hash: "ab".repeat(32),
    }
}

fn signer(dir: &Path) -> (Credentials, SignerConfig) {
    let creds = generate_credentials("Reel Test Org").unwrap();
    creds.write_to(dir).unwrap();
    let cfg = SignerConfig {
        cert_chain_pem: Some(dir.join("chain.pem")),
        private_key_pem: Some(dir.join("key.pem")),
        alg: None,
    };
    (creds, cfg)
}

/// A 32x24 RGB gradient PNG.
fn write_png(path: &Path) {
    let (w, h) = (32u32, 24u32);
    let mut data = Vec::new();
    for y in 0..h {
        for x in 0..w {
            data.extend_from_slice(&[(x * 8) as u8, (y * 10) as u8, 128]);
        }
    }
    let f = std::fs::File::create(path).unwrap();
    let mut enc = png::Encoder::new(f, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut wr = enc.write_header().unwrap();
    wr.write_image_data(&data).unwrap();
}

/// A 3-frame 16x16 GIF.
fn write_gif(path: &Path) {
    let f = std::fs::File::create(path).unwrap();
    let palette: Vec<u8> = (0..=255u8).flat_map(|i| [i, 255 - i, i / 2]).collect();
    let mut enc = gif::Encoder::new(f, 16, 16, &palette).unwrap();
    for k in 0..3u8 {
        let mut frame = gif::Frame::default();
        frame.width = 16;
        frame.height = 16;
        frame.buffer = std::borrow::Cow::Owned(
            (0..256u32)
                .map(|i| ((i as u8).wrapping_mul(7)).wrapping_add(k * 40))
                .collect(),
        );
        enc.write_frame(&frame).unwrap();
    }
}

fn ffmpeg_available() -> bool {
    let ok = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var("REEL_REQUIRE_FFMPEG").as_deref() == Ok("1") {
            panic!("ffmpeg is required (REEL_REQUIRE_FFMPEG=1) but not found");
        }
        println!("skipping: ffmpeg not found");
    }
    ok
}

/// A short H.264 MP4 made by ffmpeg (test pattern, 8 frames).
fn write_mp4(path: &Path) {
    let st = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=8",
            "-frames:v",
            "8",
        ])
        .args([
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
        ])
        .arg(path)
        .status()
        .unwrap();
    assert!(st.success(), "ffmpeg could not write the test MP4");
}

fn ffmpeg_decodes(path: &Path) -> bool {
    Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .is_ok_and(|o| o.status.success() && o.stderr.is_empty())
}

/// Byte offset of the payload of the first top-level MP4 box / PNG chunk with this tag.
fn find_tag(bytes: &[u8], tag: &[u8]) -> usize {
    bytes
        .windows(tag.len())
        .position(|w| w == tag)
        .unwrap_or_else(|| panic!("tag {:?} not found", String::from_utf8_lossy(tag)))
        + tag.len()
}

fn flip(path: &Path, offset: usize) -> PathBuf {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[offset] ^= 0x01;
    let out = path.with_file_name(format!(
        "tampered-{}",
        path.file_name().unwrap().to_str().unwrap()
    ));
    std::fs::write(&out, bytes).unwrap();
    out
}

/// Sign `path`, then check valid / trusted / tampered; `media_offset` finds a media data byte.
fn round_trip(path: &Path, media_offset: impl Fn(&[u8]) -> usize) {
    let dir = path.parent().unwrap().join("keys");
    let (creds, cfg) = signer(&dir);
    let before = std::fs::read(path).unwrap();
    assert_eq!(
        verify_file(path, None).unwrap().state,
        ValidationState::None
    );

    sign_file(path, &claim(), &cfg).unwrap();
    let after = std::fs::read(path).unwrap();
    assert!(after.len() > before.len(), "manifest was not embedded");

    let r = verify_file(path, None).unwrap();
    assert_eq!(r.state, ValidationState::Valid, "{r:?}");
    assert!(r.actions.iter().any(|a| a == "c2pa.created"), "{r:?}");
    assert_eq!(r.model.as_deref(), Some("reel-test 0.1.0"));
    assert_eq!(r.request_hash.as_deref(), Some("ab".repeat(32).as_str()));
    assert_eq!(r.issuer.as_deref(), Some("Reel Test Org"));
    assert!(r.generated_at.is_some());

    let r = verify_file(path, Some(&creds.ca_pem)).unwrap();
    assert_eq!(r.state, ValidationState::Trusted, "{r:?}");

    // A different CA is not an anchor for this signature.
    let other = generate_credentials("Someone Else").unwrap();
    let r = verify_file(path, Some(&other.ca_pem)).unwrap();
    assert_eq!(r.state, ValidationState::Valid, "{r:?}");

    let tampered = flip(path, media_offset(&after));
    let r = verify_file(&tampered, Some(&creds.ca_pem)).unwrap();
    assert_eq!(r.state, ValidationState::Invalid, "{r:?}");
    assert!(!r.failures.is_empty());
}

#[test]
fn png_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.png");
    write_png(&p);
    round_trip(&p, |b| find_tag(b, b"IDAT") + 4);
    if ffmpeg_available() {
        assert!(ffmpeg_decodes(&p), "ffmpeg cannot decode the signed PNG");
    }
}

#[test]
fn gif_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.gif");
    write_gif(&p);
    // The last image's LZW data sits just before the trailer byte.
    round_trip(&p, |b| b.len() - 4);
    if ffmpeg_available() {
        assert!(ffmpeg_decodes(&p), "ffmpeg cannot decode the signed GIF");
    }
}

#[test]
fn mp4_round_trip() {
    if !ffmpeg_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.mp4");
    write_mp4(&p);
    round_trip(&p, |b| find_tag(b, b"mdat") + 64);
    assert!(ffmpeg_decodes(&p), "ffmpeg cannot decode the signed MP4");
}

#[test]
fn edited_file_names_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let (_, cfg) = signer(&dir.path().join("keys"));
    let src = dir.path().join("src.png");
    write_png(&src);
    sign_file(&src, &claim(), &cfg).unwrap();
    let out = dir.path().join("edit.png");
    write_png(&out);
    let mut c = claim();
    c.action = Action::Edited;
    c.ingredient = Some(src.clone());
    sign_file(&out, &c, &cfg).unwrap();
    let r = verify_file(&out, None).unwrap();
    assert_eq!(r.state, ValidationState::Valid, "{r:?}");
    assert!(r.actions.iter().any(|a| a == "c2pa.edited"), "{r:?}");
    assert!(r.actions.iter().any(|a| a == "c2pa.opened"), "{r:?}");

    c.ingredient = None;
    let e = sign_file(&out, &c, &cfg).unwrap_err();
    assert!(format!("{e:#}").contains("ingredient"));
}

#[test]
fn ephemeral_signer_is_valid_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.png");
    write_png(&p);
    sign_file(&p, &claim(), &SignerConfig::default()).unwrap();
    let r = verify_file(&p, None).unwrap();
    assert_eq!(r.state, ValidationState::Valid, "{r:?}");
    assert_eq!(r.issuer.as_deref(), Some("Reel ephemeral signer"));
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("a.txt");
    std::fs::write(&txt, "hello").unwrap();
    let e = sign_file(&txt, &claim(), &SignerConfig::default()).unwrap_err();
    assert!(format!("{e:#}").contains("only .mp4, .png and .gif"));
    let e = verify_file(&dir.path().join("missing.png"), None).unwrap_err();
    assert!(format!("{e:#}").contains("cannot open"));
    let half = SignerConfig {
        cert_chain_pem: Some(dir.path().join("chain.pem")),
        ..Default::default()
    };
    let png = dir.path().join("x.png");
    write_png(&png);
    let e = sign_file(&png, &claim(), &half).unwrap_err();
    assert!(format!("{e:#}").contains("both a certificate chain and a private key"));
}

#[test]
fn request_hash_is_sha256_hex() {
    // SHA-256("abc") from FIPS 180-2.
    assert_eq!(
        reel_safety::provenance::request_hash(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn openai_result_shape() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.png");
    write_png(&p);
    let v = verify_file(&p, None).unwrap().to_openai_result();
    assert_eq!(v["outcome"], "not_detected");
    assert_eq!(v["validation_state"], "not_present");
    let (_, cfg) = signer(&dir.path().join("keys"));
    sign_file(&p, &claim(), &cfg).unwrap();
    let v = verify_file(&p, None).unwrap().to_openai_result();
    assert_eq!(v["type"], "c2pa");
    assert_eq!(v["outcome"], "detected");
    assert_eq!(v["validation_state"], "valid");
    assert_eq!(v["model"], "reel-test 0.1.0");
    assert_eq!(v["issuer"], "Reel Test Org");
}
