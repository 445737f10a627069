//! Converts any readable input to any writable output, optionally conforming size and rate.
//! `cargo run -p reel-media --example transcode -- IN OUT [WxH [fit|fill|pad [FPS]]]`

use std::path::Path;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use reel_media::{conform, probe, read_video, write_video, FitMode, WriteOptions};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return Err(anyhow!(
            "usage: transcode IN OUT [WxH [fit|fill|pad [FPS]]]"
        ));
    }
    let t = Instant::now();
    let mut video = read_video(Path::new(&args[0]))?;
    println!(
        "read {}x{} x{} @ {} fps in {:.2}s",
        video.width(),
        video.height(),
        video.len(),
        video.fps,
        t.elapsed().as_secs_f64()
    );
    if let Some(size) = args.get(2) {
        let (w, h) = size.split_once('x').context("size must be WxH")?;
        let mode: FitMode = args.get(3).map_or(Ok(FitMode::Fit), |m| m.parse())?;
        let fps = args.get(4).map(|f| f.parse::<f64>()).transpose()?;
        video = conform(&video, w.parse()?, h.parse()?, mode, fps)?;
    }
    let t = Instant::now();
    write_video(&video, Path::new(&args[1]), &WriteOptions::default())?;
    println!("wrote {} in {:.2}s", args[1], t.elapsed().as_secs_f64());
    println!("{:?}", probe(Path::new(&args[1]))?);
    Ok(())
}
