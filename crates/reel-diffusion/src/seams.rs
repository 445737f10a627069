//! Seams between the user's pinned frames and the frames generated next to them.
//!
//! Pinned frames are shown as the user's own pixels, but the generated frames beside them were
//! decoded together with the decoder's rendering of those pinned frames, which differs from the
//! user's pixels by the VAE's reconstruction error (a tint, the decoder's texture). Left alone,
//! that error shows as a jump at every seam. Here each run of generated frames takes on the
//! small, blurred part of the error of the pinned frames that bound it: interpolated linearly between a run's two ends
//! (stitch, keyframes, a loop's closing window), or faded out across the run when only one end is
//! pinned (image→video, extend, a window's carried frames). Frames that are not next to a pinned
//! frame, and the pinned frames themselves (put back exactly), are otherwise untouched.

use reel_media::Frame;

/// The carried error is blurred over a box of radius min(width, height) / this: a tint or the
/// decoder's texture carries over without its pixel pattern.
const BLUR_DIVISOR: usize = 16;

/// Pixels whose error exceeds this many levels in any channel are content the decoder drew
/// differently (an object's outline, an object in another place), not a tint: they carry
/// nothing. Carried, they leave a ghost where the pinned frame's object was and wash out the
/// generated object that overlaps it. Modes, 10 prompts (`models/README.md`): forward /
/// backward seam 5.95 / 3.46 → 5.62 / 3.06 of the clip's own change, loop 2.28 → 2.16; carrying
/// every error gave 4.97 / 3.03 and 1.80, but the object vanished from 4 more of the 10 forward
/// extensions.
const CONTENT_LEVELS: f32 = 24.0;

/// Puts `pinned` frames back into `frames` (the decoder's output, same length) and carries each
/// pinned frame's reconstruction error (`pinned − decoded`, content differences left out,
/// blurred) into the generated runs it bounds. Frames of another size than the decoded ones are
/// put back without a carry.
pub fn put_back_pinned(frames: &mut [Frame], pinned: &[Option<&Frame>]) {
    let n = frames.len().min(pinned.len());
    let residual = |i: usize, frames: &[Frame]| -> Option<Vec<f32>> {
        let user = pinned[i]?;
        let decoded = &frames[i];
        (user.dimensions() == decoded.dimensions()).then(|| {
            let mut r: Vec<f32> = user
                .as_raw()
                .iter()
                .zip(decoded.as_raw())
                .map(|(&u, &d)| u as f32 - d as f32)
                .collect();
            for px in r.chunks_mut(3) {
                if px.iter().any(|v| v.abs() > CONTENT_LEVELS) {
                    px.fill(0.0);
                }
            }
            let (w, h) = (user.width() as usize, user.height() as usize);
            box_blur(&r, w, h, (w.min(h) / BLUR_DIVISOR).max(1))
        })
    };
    let mut i = 0;
    while i < n {
        if pinned[i].is_some() {
            i += 1;
            continue;
        }
        // A generated run a..b, bounded by pinned frames at a − 1 and/or b.
        let a = i;
        let mut b = a;
        while b < n && pinned[b].is_none() {
            b += 1;
        }
        let left = a.checked_sub(1).and_then(|p| residual(p, frames));
        let right = (b < n).then(|| residual(b, frames)).flatten();
        let span = (b - a + 1) as f32;
        for (k, frame) in frames[a..b].iter_mut().enumerate() {
            // Distance-weighted: 1 at a pinned neighbour, falling linearly to the run's far
            // end (to the other pinned frame's weight, or to 0 where nothing is pinned).
            let from_left = (b - a - k) as f32 / span;
            let from_right = (k + 1) as f32 / span;
            let terms: Vec<(&Vec<f32>, f32)> =
                [(left.as_ref(), from_left), (right.as_ref(), from_right)]
                    .into_iter()
                    .filter_map(|(r, w)| r.map(|r| (r, w)))
                    .collect();
            if terms.is_empty() {
                continue;
            }
            for (p, px) in frame.iter_mut().enumerate() {
                let carry: f32 = terms.iter().map(|(r, w)| r[p] * w).sum();
                *px = (*px as f32 + carry).round().clamp(0.0, 255.0) as u8;
            }
        }
        i = b;
    }
    for (frame, user) in frames.iter_mut().zip(pinned) {
        if let Some(user) = user {
            *frame = (*user).clone();
        }
    }
}

/// Box blur of an interleaved RGB plane `w × h` with radius `r` (edges clamped), as two running
/// sums, so the cost does not grow with `r`; `r` = 0 copies.
fn box_blur(v: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    if r == 0 {
        return v.to_vec();
    }
    // One pass along lines of `len` samples `stride` apart, starting at `start(line)`.
    let pass =
        |src: &[f32], lines: usize, len: usize, stride: usize, start: &dyn Fn(usize) -> usize| {
            let mut out = vec![0f32; src.len()];
            let at = |i: isize| i.clamp(0, len as isize - 1) as usize;
            for line in 0..lines {
                let base = start(line);
                for c in 0..3 {
                    let px = |i: usize| src[base + i * stride + c];
                    let mut sum: f32 = (-(r as isize)..=r as isize).map(|k| px(at(k))).sum();
                    for i in 0..len {
                        out[base + i * stride + c] = sum / (2 * r + 1) as f32;
                        sum +=
                            px(at(i as isize + r as isize + 1)) - px(at(i as isize - r as isize));
                    }
                }
            }
            out
        };
    let rows = pass(v, h, w, 3, &|y| y * w * 3);
    pass(&rows, w, h, w * 3, &|x| x * 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn flat(v: u8) -> Frame {
        Frame::from_pixel(4, 4, Rgb([v, v, v]))
    }

    fn level(f: &Frame) -> u8 {
        f.get_pixel(0, 0)[0]
    }

    #[test]
    fn a_decoder_offset_no_longer_jumps_at_the_seam() {
        // The decoder renders everything 20 levels too dark; the user's first frame is pinned.
        let mut frames: Vec<Frame> = (0..5).map(|i| flat(100 + 2 * i)).collect();
        let user = flat(120);
        let pinned = [Some(&user), None, None, None, None];
        put_back_pinned(&mut frames, &pinned);
        let levels: Vec<u8> = frames.iter().map(level).collect();
        // Pinned frame exact; the offset (20) fades out over the run: 20·4/5, 20·3/5, ...
        assert_eq!(levels, vec![120, 118, 116, 114, 112]);
        // Without the carry the seam would jump 120 → 102 (18 levels); now 2, the clip's own step.
        assert_eq!(levels[0] - levels[1], 2);
    }

    #[test]
    fn a_run_between_two_pinned_frames_interpolates_their_errors() {
        let mut frames: Vec<Frame> = vec![flat(50); 5];
        let (a, b) = (flat(60), flat(40)); // errors +10 at the start, −10 at the end
        let pinned = [Some(&a), None, None, None, Some(&b)];
        put_back_pinned(&mut frames, &pinned);
        let levels: Vec<u8> = frames.iter().map(level).collect();
        assert_eq!(levels, vec![60, 55, 50, 45, 40]);
    }

    #[test]
    fn texture_errors_carry_blurred_and_content_differences_not_at_all() {
        // 32×32 frames: blur radius 2 (a 5×5 box); one generated frame, weight 1/2.
        let grey = Frame::from_pixel(32, 32, Rgb([100, 100, 100]));
        let mut user = grey.clone();
        for y in 8..13 {
            for x in 8..13 {
                user.put_pixel(x, y, Rgb([120, 120, 120])); // decoder texture: 20 levels off
            }
        }
        user.put_pixel(20, 20, Rgb([200, 100, 100])); // content: the decoder lost this pixel
        let mut frames = vec![grey.clone(); 2];
        put_back_pinned(&mut frames, &[Some(&user), None]);
        assert_eq!(frames[0], user);
        // Centre of the patch: all 25 cells of the box, 20 × 1/2; a corner, 9 of them.
        assert_eq!(frames[1].get_pixel(10, 10)[0], 110);
        assert_eq!(frames[1].get_pixel(12, 12)[0], 104);
        // Nothing of the 100-level content difference.
        assert_eq!(frames[1].get_pixel(20, 20).0, [100, 100, 100]);
        // A whole-frame tint is carried in full (at the run's weight).
        let mut frames = vec![grey.clone(); 2];
        let user = Frame::from_pixel(32, 32, Rgb([120, 100, 80]));
        put_back_pinned(&mut frames, &[Some(&user), None]);
        assert!(frames[1].pixels().all(|p| p.0 == [110, 100, 90]));
    }

    #[test]
    fn box_blur_matches_a_direct_sum() {
        let (w, h, r) = (7, 5, 2);
        let v: Vec<f32> = (0..w * h * 3).map(|i| ((i * 37) % 101) as f32).collect();
        let fast = box_blur(&v, w, h, r);
        let at = |i: isize, n: usize| i.clamp(0, n as isize - 1) as usize;
        for y in 0..h {
            for x in 0..w {
                for c in 0..3 {
                    let mut sum = 0.0;
                    for dy in -(r as isize)..=r as isize {
                        for dx in -(r as isize)..=r as isize {
                            sum += v[(at(y as isize + dy, h) * w + at(x as isize + dx, w)) * 3 + c];
                        }
                    }
                    let direct = sum / ((2 * r + 1) * (2 * r + 1)) as f32;
                    assert!((fast[(y * w + x) * 3 + c] - direct).abs() < 1e-3);
                }
            }
        }
    }

    #[test]
    fn unpinned_timelines_and_mismatched_sizes_are_left_alone() {
        let mut frames: Vec<Frame> = vec![flat(50); 3];
        put_back_pinned(&mut frames, &[None, None, None]);
        assert!(frames.iter().all(|f| level(f) == 50));
        let big = Frame::from_pixel(8, 8, Rgb([0, 0, 0]));
        put_back_pinned(&mut frames, &[Some(&big), None, None]);
        assert_eq!(frames[0], big);
        assert!(frames[1..].iter().all(|f| level(f) == 50));
    }
}
