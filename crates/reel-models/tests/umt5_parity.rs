//! f32 parity of the UMT5 text path with a tiny random-weight transformers `UMT5EncoderModel`
//! (fixtures written by scripts/make_wan_fixtures.py into tests/fixtures/wan/).

use std::path::PathBuf;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use reel_models::text::TextEncoder;
use reel_models::umt5::{
    clean_prompt, html_unescape, relative_position_bucket, Umt5Config, Umt5Encoder,
    Umt5TextEncoder, Umt5Tokenizer,
};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/wan")
}

fn manifest(name: &str) -> serde_json::Value {
    let path = fixture_dir().join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    reel_models::ops::max_abs_diff(a, b).unwrap()
}

fn io() -> std::collections::HashMap<String, Tensor> {
    candle_core::safetensors::load(fixture_dir().join("umt5_io.safetensors"), &Device::Cpu).unwrap()
}

fn encoder() -> (Umt5TextEncoder, Vec<String>) {
    let m = manifest("umt5_io");
    let cfg: Umt5Config = serde_json::from_value(m["config"].clone()).unwrap();
    cfg.validate().unwrap();
    let weights = fixture_dir().join("umt5_weights.safetensors");
    let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[weights], DType::F32, &Device::Cpu) }
        .unwrap();
    let model = Umt5Encoder::new(&cfg, vb).unwrap();
    let max_len = m["max_length"].as_u64().unwrap() as usize;
    let tok = Umt5Tokenizer::from_file(
        &fixture_dir().join("umt5_tokenizer.json"),
        max_len,
        cfg.pad_token_id,
    )
    .unwrap();
    let prompts = m["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    (Umt5TextEncoder::new(model, tok), prompts)
}

#[test]
fn tokenizer_matches_transformers_ids_and_mask() {
    let (enc, prompts) = encoder();
    let refs: Vec<&str> = prompts.iter().map(String::as_str).collect();
    let (ids, mask) = enc.tokenizer.tokenize(&refs, &Device::Cpu).unwrap();
    let io = io();
    let want_ids = io["input_ids"].to_dtype(DType::I64).unwrap();
    let want_mask = io["attention_mask"].to_dtype(DType::I64).unwrap();
    assert_eq!(
        ids.to_dtype(DType::I64).unwrap().to_vec2::<i64>().unwrap(),
        want_ids.to_vec2::<i64>().unwrap()
    );
    assert_eq!(
        mask.to_dtype(DType::I64).unwrap().to_vec2::<i64>().unwrap(),
        want_mask.to_vec2::<i64>().unwrap()
    );
    // The empty prompt is a lone EOS (id 1) followed by padding (id 0).
    let empty = want_ids.get(1).unwrap().to_vec1::<i64>().unwrap();
    assert_eq!(empty[0], 1);
    assert!(empty[1..].iter().all(|&i| i == 0));
}

#[test]
fn encoder_matches_transformers_last_hidden_state() {
    let (enc, _) = encoder();
    let io = io();
    let got = enc
        .model
        .forward(&io["input_ids"], &io["attention_mask"])
        .unwrap();
    // Padded rows of last_hidden_state are real (if meaningless) values in the reference too.
    let d = max_abs_diff(&got, &io["last_hidden_state"]);
    assert!(d <= 1e-5, "last_hidden_state max |diff| = {d:e}");
}

#[test]
fn prompt_embeds_match_pipeline_with_zeroed_padding() {
    let (enc, prompts) = encoder();
    let refs: Vec<&str> = prompts.iter().map(String::as_str).collect();
    let got = enc.encode_raw(&refs).unwrap();
    let want = &io()["prompt_embeds"];
    let d = max_abs_diff(&got, want);
    assert!(d <= 1e-5, "prompt_embeds max |diff| = {d:e}");
    // The fixture prompts are already clean, so the trait's cleaning path gives the same result.
    let via_trait = enc.encode(&refs).unwrap();
    assert_eq!(max_abs_diff(&via_trait, &got), 0.0);
    assert_eq!(enc.dim(), 16);
    // Rows past each prompt's length are exactly zero.
    let mask = io()["attention_mask"]
        .to_dtype(DType::F32)
        .unwrap()
        .to_vec2::<f32>()
        .unwrap();
    let rows = got.abs().unwrap().sum(2).unwrap().to_vec2::<f32>().unwrap();
    for (b, (m, r)) in mask.iter().zip(&rows).enumerate() {
        for (i, (mi, ri)) in m.iter().zip(r).enumerate() {
            if *mi == 0.0 {
                assert_eq!(*ri, 0.0, "prompt {b} row {i} not zeroed");
            } else {
                assert!(*ri > 0.0, "prompt {b} row {i} unexpectedly zero");
            }
        }
    }
}

#[test]
fn messy_prompt_is_cleaned_before_tokenizing() {
    let (enc, prompts) = encoder();
    let messy = format!("  \t{}\n\n  ", prompts[0].replace(' ', "   "));
    let a = enc.encode(&[messy.as_str()]).unwrap();
    let b = enc.encode_raw(&[prompts[0].as_str()]).unwrap();
    assert_eq!(max_abs_diff(&a, &b), 0.0);
}

#[test]
fn clean_prompt_follows_the_pipeline_rules() {
    assert_eq!(clean_prompt("  a\t\tb \n c  "), "a b c");
    // Double unescape: "&amp;lt;" → "&lt;" → "<".
    assert_eq!(clean_prompt("x &amp;lt; y"), "x < y");
    assert_eq!(html_unescape("&#65;&#x42;&#x43 &quot;q&quot;"), "ABC \"q\"");
    // Python maps numeric references 0x80–0x9f through cp1252 and NUL to U+FFFD.
    assert_eq!(html_unescape("&#150;&#0;"), "\u{2013}\u{fffd}");
    // Unknown or malformed references stay as written.
    assert_eq!(html_unescape("AT&T &bogus; &#;"), "AT&T &bogus; &#;");
    assert_eq!(clean_prompt("a&nbsp;b"), "a b");
    assert_eq!(clean_prompt(""), "");
}

#[test]
fn relative_buckets_follow_the_t5_formula() {
    // Exact region: |rel| < 8, keys after the query offset by 16.
    assert_eq!(relative_position_bucket(0, 32, 128), 0);
    assert_eq!(relative_position_bucket(-7, 32, 128), 7);
    assert_eq!(relative_position_bucket(3, 32, 128), 19);
    // Log region: 8 + floor(ln(n/8)/ln(16)·8), capped at 15.
    assert_eq!(relative_position_bucket(-8, 32, 128), 8);
    assert_eq!(relative_position_bucket(-16, 32, 128), 10); // ln2/ln16·8 = 2
    assert_eq!(relative_position_bucket(-32, 32, 128), 12);
    assert_eq!(relative_position_bucket(-127, 32, 128), 15);
    assert_eq!(relative_position_bucket(500, 32, 128), 31);
}
