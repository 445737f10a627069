//! `cargo run --release -p reel-train --example text_probe -- MODEL_DIR` — does a bundle's text
//! encoder keep the caption's words apart? For pairs of captions that differ in one word (the
//! object's colour, shape, motion, and the background's colour), the cosine similarity of each
//! output row between the two. A healthy encoder changes the changed word's row (and perhaps its
//! neighbours); one that has collapsed onto a caption-wide vector changes every row by the same
//! amount for one kind of word and no row at all for the others.

use anyhow::{bail, Result};
use candle_core::{Device, Tensor};
use reel_diffusion::VideoModel;
use reel_models::bundle::Bundle;
use std::path::PathBuf;

const BASE: &str = "a large red ball moves right on a black background";
const CHANGES: [(&str, &str); 4] = [
    (
        "object colour",
        "a large green ball moves right on a black background",
    ),
    (
        "object shape",
        "a large red square moves right on a black background",
    ),
    ("motion", "a large red ball moves up on a black background"),
    (
        "background",
        "a large red ball moves right on a white background",
    ),
];

fn cosine(a: &Tensor, b: &Tensor) -> Result<f32> {
    let dot = (a * b)?.sum_all()?.to_scalar::<f32>()?;
    let na = a.sqr()?.sum_all()?.to_scalar::<f32>()?.sqrt();
    let nb = b.sqr()?.sum_all()?.to_scalar::<f32>()?.sqrt();
    Ok(dot / (na * nb).max(1e-12))
}

fn main() -> Result<()> {
    reel_models::runtime::tune_allocator();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 1 {
        bail!("usage: cargo run --release -p reel-train --example text_probe -- MODEL_DIR");
    }
    let bundle = Bundle::load(&PathBuf::from(&args[0]), &Device::Cpu)?;
    let words = BASE.split(' ').count() + 1; // the words and EOS; later rows are padding
    println!("cosine similarity per output row, `{BASE}` against one changed word");
    let header: Vec<String> = BASE
        .split(' ')
        .chain(["<eos>"])
        .map(|w| format!("{w:>8.7}"))
        .collect();
    println!("{:<14}{}", "", header.join(""));
    for (what, other) in CHANGES {
        let enc = bundle.encode_prompts(&[BASE, other])?;
        let row = |i: usize, r: usize| enc.get(i)?.get(r);
        let cells = (0..words)
            .map(|r| Ok(format!("{:>8.3}", cosine(&row(0, r)?, &row(1, r)?)?)))
            .collect::<Result<Vec<_>>>()?;
        println!("{what:<14}{}", cells.join(""));
    }
    Ok(())
}
