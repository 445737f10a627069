//! Timelines longer than one window, storyboards and loops, as overlapping windows of the one
//! sampling loop. Each window after the first starts with the last frames already made, pinned,
//! so subjects carry over; a loop is closed by re-making the end of the clip with its own first
//! frames pinned after the end. Windows are cut on the VAE's latent-frame grid (1 + 4k frames) so
//! pinned frames always fill whole latent frames.

use crate::model::VideoModel;
use crate::pipeline::{generate_window, GenerateOptions, Generation, Progress, SamplerSettings};
use crate::timeline::Timeline;
use anyhow::{bail, Result};
use reel_media::{Frame, Video};

/// One window's place on the timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowPlan {
    pub start: usize,
    pub end: usize,
    /// Frames appended after `end`, pinned to the clip's first frames (loop closing).
    pub wrap: usize,
    /// Frames at the start already made by an earlier window, pinned.
    pub carried: usize,
}

/// Cuts `n` frames into windows of at most `window` frames that overlap by `1 + tf` frames,
/// ending early at prompt-segment boundaries so each window has one prompt; plus a closing window
/// for loops.
pub fn plan_windows(
    n: usize,
    window: usize,
    tf: usize,
    cuts: &[usize],
    circular: bool,
) -> Result<Vec<WindowPlan>> {
    let overlap = 1 + tf;
    if window < 2 * overlap {
        bail!("window of {window} frames is too short to overlap by {overlap}");
    }
    let mut plans = Vec::new();
    let mut start = 0;
    loop {
        let carried = if start == 0 { 0 } else { overlap };
        let mut end = (start + window).min(n);
        if let Some(&cut) = cuts.iter().find(|&&c| c > start + carried && c < end) {
            end = cut;
        }
        plans.push(WindowPlan {
            start,
            end,
            wrap: 0,
            carried,
        });
        if end >= n {
            break;
        }
        start = end - overlap;
    }
    if circular {
        if n < 2 * overlap {
            bail!("a loop needs at least {} frames, got {n}", 2 * overlap);
        }
        // Longest 1 + tf·k window that fits: the last `tf` frames are the clip's first ones.
        let mut total = 1 + tf * ((window - 1) / tf);
        while total - tf > n {
            total -= tf;
        }
        let start = n + tf - total;
        if n - start <= overlap {
            bail!("a loop of {n} frames is too short for this model's window");
        }
        plans.push(WindowPlan {
            start,
            end: n,
            wrap: tf,
            carried: overlap,
        });
    }
    Ok(plans)
}

/// The prompt for frames starting at `frame`: the covering segment's, else the timeline's.
fn prompt_at(tl: &Timeline, frame: usize) -> &str {
    tl.prompts
        .iter()
        .find(|s| s.start <= frame && frame < s.end)
        .map_or(tl.prompt.as_str(), |s| s.text.as_str())
}

/// Samples a timeline of any length; one window when it fits, otherwise overlapping windows.
pub fn generate(
    model: &dyn VideoModel,
    tl: &Timeline,
    settings: &SamplerSettings,
    mut opts: GenerateOptions,
) -> Result<Generation> {
    tl.validate()?;
    let window = opts.window.unwrap_or(model.defaults().frames);
    if tl.frames <= window && !tl.circular && tl.prompts.is_empty() {
        return generate_window(model, tl, settings, opts);
    }
    if opts.init_latents.is_some() {
        bail!("initial latents can only be given for a timeline that fits in one window");
    }
    if model.frame_channels() > 0 {
        bail!(
            "this image-conditioned model samples one window of at most {window} frames (its \
             first/last frame condition cannot carry frames over from a previous window); \
             {} frames, storyboards and loops are not supported with it",
            tl.frames
        );
    }
    let tf = model.vae().config().temporal_compression();
    let cuts: Vec<usize> = tl.prompts.iter().flat_map(|s| [s.start, s.end]).collect();
    let plans = plan_windows(tl.frames, window, tf, &cuts, tl.circular)?;
    let steps_per_window = settings.steps;
    let total = steps_per_window * plans.len();
    let mut made: Vec<Option<Frame>> = vec![None; tl.frames];
    let mut last = None;
    for (wi, plan) in plans.iter().enumerate() {
        let len = plan.end - plan.start + plan.wrap;
        let first_new = plan.start + plan.carried;
        let mut wtl = Timeline::text_to_video(
            prompt_at(tl, first_new.min(tl.frames - 1)),
            len,
            tl.fps,
            tl.width,
            tl.height,
        );
        wtl.negative_prompt = tl.negative_prompt.clone();
        // The user's own known frames that fall in this window keep their strength and mask.
        for k in &tl.known {
            for (i, f) in k.frames.iter().enumerate() {
                let at = k.start + i;
                if at >= plan.start && at < plan.end {
                    let frames = vec![f.clone()];
                    wtl = match &k.mask {
                        Some(m) => wtl.with_masked_known(
                            at - plan.start,
                            frames,
                            k.strength,
                            vec![m[i].clone()],
                        )?,
                        None => wtl.with_known(at - plan.start, frames, k.strength)?,
                    };
                }
            }
        }
        // Frames made by earlier windows are pinned.
        for at in plan.start..plan.start + plan.carried {
            let f = made[at]
                .clone()
                .expect("carried frames were made by an earlier window");
            wtl = wtl.with_known(at - plan.start, vec![f], 1.0)?;
        }
        for j in 0..plan.wrap {
            let f = made[j].clone().expect("a loop closes after the first pass");
            wtl = wtl.with_known(plan.end - plan.start + j, vec![f], 1.0)?;
        }
        let mut wsettings = settings.clone();
        wsettings.seed = settings.seed.wrapping_add(wi as u64);
        let mut forward = |p: Progress| {
            if let Some(cb) = opts.progress.as_mut() {
                cb(Progress {
                    step: wi * steps_per_window + p.step.min(steps_per_window),
                    total,
                });
            }
        };
        let g = generate_window(
            model,
            &wtl,
            &wsettings,
            GenerateOptions {
                init_latents: None,
                record_trace: opts.record_trace,
                progress: Some(&mut forward),
                cancel: opts.cancel,
                window: None,
                prompt_embeds: None,
                image_embeds: None,
            },
        )?;
        for (i, f) in g
            .video
            .frames
            .iter()
            .take(plan.end - plan.start)
            .enumerate()
        {
            made[plan.start + i] = Some(f.clone());
        }
        last = Some(g);
    }
    let last = last.expect("at least one window");
    let frames: Vec<Frame> = made
        .into_iter()
        .map(|f| f.expect("every frame is made"))
        .collect();
    Ok(Generation {
        video: Video::new(frames, tl.fps)?,
        latents: last.latents,
        trace: last.trace,
        decoded: None,
        prompt_embeds: last.prompt_embeds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_overlap_on_the_latent_grid() -> Result<()> {
        let p = plan_windows(41, 17, 4, &[], false)?;
        let spans: Vec<(usize, usize)> = p.iter().map(|w| (w.start, w.end)).collect();
        assert_eq!(spans, vec![(0, 17), (12, 29), (24, 41)]);
        assert!(p[1..].iter().all(|w| w.carried == 5));
        // Shot boundaries end windows early.
        let p = plan_windows(32, 17, 4, &[16], false)?;
        assert_eq!(
            p.iter().map(|w| (w.start, w.end)).collect::<Vec<_>>(),
            vec![(0, 16), (11, 28), (23, 32)]
        );
        Ok(())
    }

    #[test]
    fn loop_closing_window_is_one_plus_four_k_long() -> Result<()> {
        for n in [10, 13, 17, 30] {
            let p = plan_windows(n, 17, 4, &[], true)?;
            let close = p.last().unwrap();
            let len = close.end - close.start + close.wrap;
            assert_eq!((len - 1) % 4, 0, "n {n}: {close:?}");
            assert!(len <= 17 && close.end == n && close.wrap == 4);
            assert!(close.end - close.start > close.carried);
        }
        assert!(plan_windows(9, 17, 4, &[], true).is_err());
        Ok(())
    }
}
