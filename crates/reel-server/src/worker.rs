//! The worker pool: threads that take queued jobs from the store and run them through the engine.

use crate::store::Job;
use crate::{fmt_seconds, now, Shared};
use anyhow::{Context, Result};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, RgbImage};
use reel_render::{Request, RunOptions};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub const VIDEO_FILE: &str = "video.mp4";
pub const THUMBNAIL_FILE: &str = "thumbnail.webp";
pub const SPRITESHEET_FILE: &str = "spritesheet.jpg";

/// Frames in a spritesheet, at most (evenly spaced), laid out this many to a row.
const SPRITES: usize = 16;
const SPRITE_COLUMNS: usize = 4;

pub fn spawn_workers(shared: &Arc<Shared>) {
    for i in 0..shared.config.workers {
        let s = shared.clone();
        std::thread::Builder::new()
            .name(format!("reel-worker-{i}"))
            .spawn(move || worker_loop(s))
            .expect("cannot spawn a worker thread");
    }
}

fn worker_loop(shared: Arc<Shared>) {
    loop {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        match shared.store.claim_next() {
            Ok(Some(job)) => run_job(&shared, job),
            Ok(None) => {
                let guard = shared.wake.0.lock().unwrap_or_else(|e| e.into_inner());
                let _ = shared
                    .wake
                    .1
                    .wait_timeout(guard, Duration::from_millis(500));
            }
            Err(e) => {
                eprintln!("reel serve: job store error: {e:#}");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

fn run_job(shared: &Shared, job: Job) {
    let cancel = Arc::new(AtomicBool::new(false));
    shared
        .cancels
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(job.id.clone(), cancel.clone());
    let result = generate(shared, &job, &cancel);
    shared
        .cancels
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&job.id);
    let dir = shared.job_dir(&job.id);
    let t = now();
    let expires = t + shared.config.expire_after_secs as i64;
    let still_there = match result {
        Ok((seconds, size)) => shared.store.complete(&job.id, t, expires, &seconds, &size),
        Err(_) if cancel.load(Ordering::SeqCst) => Ok(false),
        Err(e) => {
            let code = if e
                .chain()
                .any(|c| c.downcast_ref::<reel_safety::ModerationError>().is_some())
            {
                reel_safety::ModerationError::API_CODE
            } else {
                "generation_failed"
            };
            shared
                .store
                .fail(&job.id, t, expires, code, &format!("{e:#}"))
        }
    };
    match still_there {
        // Deleted while running: its files go too.
        Ok(false) => {
            let _ = std::fs::remove_dir_all(&dir);
        }
        Ok(true) => {}
        Err(e) => eprintln!("reel serve: cannot record the end of {}: {e:#}", job.id),
    }
}

/// Runs one job; returns the actual (seconds, size) of the output.
fn generate(shared: &Shared, job: &Job, cancel: &AtomicBool) -> Result<(String, String)> {
    let req: Request = serde_json::from_str(&job.spec).context("stored job is unreadable")?;
    let dir = shared.job_dir(&job.id);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let out = dir.join(VIDEO_FILE);
    let mut last = -1i64;
    let mut on_progress = |p: reel_diffusion::Progress| {
        // 100 is reserved for "completed": the file is not written yet.
        let pct = ((p.step * 100) / p.total.max(1)).min(99) as i64;
        if pct != last {
            last = pct;
            let _ = shared.store.set_progress(&job.id, pct);
        }
    };
    let outcome = shared.engine.run(
        &req,
        &out,
        RunOptions {
            progress: Some(&mut on_progress),
            cancel: Some(cancel),
            output_id: Some(job.id.clone()),
            ..Default::default()
        },
    )?;
    for w in &outcome.warnings {
        eprintln!("reel serve: {}: {w}", job.id);
    }
    let video = reel_media::read_video(&out)?;
    write_thumbnail(&video.frames, &dir.join(THUMBNAIL_FILE))?;
    write_spritesheet(&video.frames, &dir.join(SPRITESHEET_FILE))?;
    Ok((
        fmt_seconds(outcome.frames as f64 / outcome.fps),
        format!("{}x{}", outcome.width, outcome.height),
    ))
}

/// The middle frame as lossless WebP.
pub fn write_thumbnail(frames: &[RgbImage], path: &Path) -> Result<()> {
    let frame = frames
        .get(frames.len() / 2)
        .context("the video has no frames")?;
    let mut bytes = Vec::new();
    WebPEncoder::new_lossless(&mut bytes)
        .encode(
            frame.as_raw(),
            frame.width(),
            frame.height(),
            ExtendedColorType::Rgb8,
        )
        .context("cannot encode the thumbnail")?;
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Up to 16 evenly spaced frames in a grid of 4 columns, as JPEG.
pub fn write_spritesheet(frames: &[RgbImage], path: &Path) -> Result<()> {
    let first = frames.first().context("the video has no frames")?;
    let (w, h) = first.dimensions();
    let n = frames.len().min(SPRITES);
    let cols = n.min(SPRITE_COLUMNS);
    let rows = n.div_ceil(cols);
    let mut sheet = RgbImage::new(w * cols as u32, h * rows as u32);
    for k in 0..n {
        // Spread picks over the whole clip, first and last frame included.
        let idx = if n == 1 {
            0
        } else {
            k * (frames.len() - 1) / (n - 1)
        };
        let (cx, cy) = ((k % cols) as u32 * w, (k / cols) as u32 * h);
        image::imageops::replace(&mut sheet, &frames[idx], cx as i64, cy as i64);
    }
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode(
            sheet.as_raw(),
            sheet.width(),
            sheet.height(),
            ExtendedColorType::Rgb8,
        )
        .context("cannot encode the spritesheet")?;
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
