//! Invisible watermark: a keyed spread-spectrum pattern in the luma of every frame.
//!
//! Design (all parameters below are fixed: changing any of them changes the mark):
//! - The frame plane is tiled by a tile of 16×16 cells. Frames whose shorter side is under 128 px
//!   (the embedded model's 64×64 output) get 4-px cells, so one 64-px tile fits the frame whole;
//!   larger frames get the same tile at twice the size (8-px cells), which H.264 keeps better. Each
//!   cell holds a smooth bump `±A·sin(πx/c)·sin(πy/c)`. A keyed shuffle makes 160 cells *sync* cells
//!   with a fixed keyed sign and the other 96 *data* cells carrying the 80 codeword bits (64 payload
//!   bits + CRC-16; 16 bits get two cells) with a keyed chip sign flipped by the bit. Detection
//!   needs only the sync cells, so they get the larger share. The tile starts half a cell into the
//!   frame (`ORIGIN`), off the 4-pixel grid on which the embedded model's VAE draws its blocks.
//! - Informed embedding: the picture's own statistic in each cell is noise to the detector, and
//!   the embedder knows it, so it takes a share of it back out before spending the rest of the
//!   PSNR budget on the mark (`informed_values`).
//! - The same pattern is added to every frame, along the BT.601 luma weights (G most, B least):
//!   for the RGB error PSNR counts, that moves luma 16% more than an equal R, G, B delta. The
//!   amplitude is fitted per clip: the largest (up to `MAX_AMPLITUDE`) whose rounded and clamped
//!   mark keeps the clip's PSNR ≥ `TARGET_PSNR`, so clamped black or white backgrounds, which
//!   cost nothing for the half of the mark they swallow, buy a stronger mark elsewhere. On 120
//!   64×64 clips after openh264 QP 26 that took detection from 73% to 82% (with the scale
//!   restriction below), the luma weighting to 92%.
//! - Detection high-passes each frame's luma with an edge-aware local mean and clips large
//!   residuals (edges of solid shapes), averages the residuals over frames (evidence grows with the
//!   clip's length, moving content averages out), folds the plane onto one tile (a crop becomes a
//!   cyclic shift), lets FFT correlation with the known pattern propose shifts, and scores each by
//!   a one-sided t-test on the known cells: the sync cells plus the data cells of the fixed Reel id
//!   (192 in all), with the p-value floored at 2^−n for n cells. Cell scales 1, 0.5, 2 and 4 are
//!   tried (the plane is resampled to 4-px cells), which covers 0.5× and 2× resizes of both cell
//!   sizes; only the scales a clip of the received size can hold are tried and counted (a 64×64
//!   clip: scale 1 only). Weighted Bonferroni: `ORIGIN` at each scale (the geometry re-encoding,
//!   brightness, GIF and resizing keep) gets `ORIGIN_SHARE` of the false-alarm budget, the search
//!   over every shift (crops) the rest. Both took 64×64 detection after openh264 QP 26 from 92.5%
//!   to 98.3% and after +10% brightness from 92.5% to 96.7% (WATERMARK.md).
//! - The payload is read at the best shift by the sign of each bit's chip-weighted cell sums and
//!   accepted only if the CRC matches and the Reel id is `REEL_ID` (after trying to flip a few of
//!   the least reliable bits).
//! - A known output id is tested rather than read (`detect_among`): its 64 output-id cells only
//!   have to agree with the mark more than another id's would, which a Rademacher bound on the
//!   agreement tests whatever the picture. On the embedded model's 64×64 outputs that finds the
//!   id on 95% untouched where the blind read gets 11–12%.

mod fft;
mod payload;

pub use payload::{Payload, CODEWORD_BITS, REEL_ID};

use anyhow::{Context, Result};
use reel_media::Video;
use std::path::Path;
use std::sync::OnceLock;

/// Cell side in pixels of the detector's reference geometry (frames under `LARGE_FRAME`).
pub const CELL: usize = 4;
/// Frames whose shorter side is at least this get the pattern at twice the size (8-px cells,
/// 128-px tile): H.264 keeps larger cells better, and such frames have room for several tiles.
pub const LARGE_FRAME: usize = 128;
/// Cells per tile side.
pub const TILE_CELLS: usize = 16;
/// Tile side in pixels: the period of the pattern.
pub const TILE: usize = CELL * TILE_CELLS;
const CELLS: usize = TILE_CELLS * TILE_CELLS;
const SYNC_CELLS: usize = 160;
/// PSNR (dB, over all R, G, B samples of the clip) that `embed` spends: the bump amplitude is the
/// largest whose rounded, clamped mark keeps the clip at or above it (the acceptance asks ≥ 40).
/// Clamped pixels (black or white backgrounds) cost less, so such clips get a stronger mark.
pub const TARGET_PSNR: f64 = 40.05;
/// Ceiling of the per-clip peak luma amplitude (levels), so a mostly clamped clip does not get
/// a mark visible where it is not clamped. Unclamped clips fit near 4.4–5 (4-px cells).
pub const MAX_AMPLITUDE: f32 = 8.0;
/// Keys the layout and signs; a detector without it sees noise.
const KEY: u64 = 0x5265_656c_574d_0001;
const HIGHPASS_RADIUS: usize = 6;
/// Neighbours further than this from a pixel (in luma levels) are not part of its background.
const SIMILAR: f32 = 14.0;
/// Residuals beyond this (edges of shapes, strong texture) are clipped so they cannot swamp the mark.
const RESIDUAL_CLIP: f32 = 10.0;
/// Scales of the received clip relative to the marked one that detection tries.
/// Scale 2 is also where an untouched large frame's 8-px cells are found, scale 4 such a frame
/// upscaled 2×.
const SCALES: [f64; 4] = [1.0, 0.5, 2.0, 4.0];
/// Highest correlation peaks per scale that get the full test.
const CANDIDATE_SHIFTS: usize = 32;
/// Shift (in the detector's 4-px-cell geometry) at which an untouched clip shows the mark: the
/// tile starts half a cell into the frame, so every cell straddles four of the 4×4-pixel blocks
/// that a VAE with 4× spatial compression (the embedded model's) draws on the frame's own grid. On
/// the embedded model's outputs that halves the spread the picture adds to the cells' statistics
/// (stills: 8–10 → 5 mark levels) against cells lying on those blocks.
const ORIGIN: (usize, usize) = (TILE - CELL / 2, TILE - CELL / 2);
/// Bound on the chance that a clip without the mark is called marked: the acceptance's 0.1%. The
/// Bonferroni bound is loose (the shifts' statistics are strongly correlated): 1000 unmarked clips
/// top out near score 2 (see the README), a decade below the threshold.
pub const FALSE_ALARM: f64 = 1e-3;
/// Share of `FALSE_ALARM` spent on the untouched geometry (`ORIGIN` at each scale tried), which
/// re-encoding, brightness changes, GIF conversion and resizing keep; the rest goes to the search
/// over every shift (crops). Weighted Bonferroni: the total stays ≤ `FALSE_ALARM`.
pub const ORIGIN_SHARE: f64 = 0.25;
/// `score` at which a clip is called marked: −log10 of `FALSE_ALARM`.
pub const THRESHOLD: f64 = 3.0;

/// Result of looking for the mark in a clip.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    pub detected: bool,
    /// 1 − the (Bonferroni-bounded) chance that an unmarked clip scores this high; 0 for no evidence.
    pub confidence: f64,
    /// −log10 of that chance (≥ `THRESHOLD` means detected; can be negative).
    pub score: f64,
    /// The decoded payload, only when its CRC checks.
    pub payload: Option<Payload>,
    /// Received / marked size at which the mark was strongest (1, 0.5 or 2; a 64-px clip upscaled
    /// 2× and an untouched 128-px clip look alike, and read as 1).
    pub scale: f64,
}

struct Layout {
    /// ±1 for sync cells, 0 for data cells.
    sync: Vec<f64>,
    /// For data cells, the codeword bit they carry.
    bit: Vec<Option<usize>>,
    /// ±1 spreading sign of data cells.
    chip: Vec<f64>,
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn layout() -> &'static Layout {
    static LAYOUT: OnceLock<Layout> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        let mut state = KEY;
        let mut order: Vec<usize> = (0..CELLS).collect();
        for i in (1..CELLS).rev() {
            let j = (splitmix(&mut state) % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let mut sync = vec![0.0; CELLS];
        let mut bit = vec![None; CELLS];
        let mut chip = vec![0.0; CELLS];
        for (rank, &cell) in order.iter().enumerate() {
            let sign = if splitmix(&mut state) & 1 == 0 {
                1.0
            } else {
                -1.0
            };
            if rank < SYNC_CELLS {
                sync[cell] = sign;
            } else {
                bit[cell] = Some((rank - SYNC_CELLS) % CODEWORD_BITS);
                chip[cell] = sign;
            }
        }
        Layout { sync, bit, chip }
    })
}

/// Bump weights across one cell: zero-free, peaking at the centre, vanishing at the borders.
fn bump() -> [f64; CELL] {
    std::array::from_fn(|i| bump_at(i, CELL))
}

fn bump_at(i: usize, cell: usize) -> f64 {
    (std::f64::consts::PI * (i as f64 + 0.5) / cell as f64).sin()
}

/// Per-channel gain of the mark: the delta goes along the BT.601 luma weights, scaled so that luma
/// moves by the tile value. For a given RGB error (what PSNR measures) that moves luma 16% more
/// than an equal R, G, B delta, and luma is what H.264 keeps best and the detector reads.
fn channel_gain() -> [f32; 3] {
    let n = LUMA.iter().map(|x| x * x).sum::<f32>();
    LUMA.map(|w| w / n)
}

/// BT.601 luma weights of R, G and B.
const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

/// Largest amplitude (up to `cap`) whose rounded, clamped mark keeps the clip's PSNR ≥ `target`.
fn fit_amplitude(video: &Video, unit: &[f32], side: usize, target: f64, cap: f32) -> f32 {
    let mut levels: Vec<f32> = unit.to_vec();
    levels.sort_by(f32::total_cmp);
    levels.dedup();
    let idx: Vec<usize> = unit
        .iter()
        .map(|v| levels.binary_search_by(|l| l.total_cmp(v)).unwrap())
        .collect();
    let mut hist = vec![[[0u64; 256]; 3]; levels.len()];
    let mut n = 0u64;
    for frame in &video.frames {
        let w = frame.width() as usize;
        for (i, px) in frame.as_raw().chunks_exact(3).enumerate() {
            let (x, y) = (i % w, i / w);
            let h = &mut hist[idx[(y % side) * side + x % side]];
            for (k, &c) in px.iter().enumerate() {
                h[k][c as usize] += 1;
            }
            n += 3;
        }
    }
    let mse = |a: f32| -> f64 {
        let mut se = 0f64;
        for (l, hh) in levels.iter().zip(&hist) {
            for (h, gk) in hh.iter().zip(channel_gain()) {
                for (c, &k) in h.iter().enumerate() {
                    if k > 0 {
                        let d = (c as f32 + a * l * gk).round().clamp(0.0, 255.0) - c as f32;
                        se += f64::from(d * d) * k as f64;
                    }
                }
            }
        }
        se / n.max(1) as f64
    };
    let max_mse = 255.0f64 * 255.0 / 10f64.powf(target / 10.0);
    let (mut lo, mut hi) = (0f32, cap);
    if mse(hi) <= max_mse {
        return hi;
    }
    for _ in 0..30 {
        let mid = 0.5 * (lo + hi);
        if mse(mid) <= max_mse {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// A tile of `TILE_CELLS`² cells of `cell` pixels, one bump per cell scaled by `values[cell]`.
fn tile_plane(values: &[f64], cell: usize) -> Vec<f64> {
    let tile = cell * TILE_CELLS;
    let mut out = vec![0.0; tile * tile];
    for y in 0..tile {
        for x in 0..tile {
            let c = (y / cell) * TILE_CELLS + x / cell;
            out[y * tile + x] = values[c] * bump_at(x % cell, cell) * bump_at(y % cell, cell);
        }
    }
    out
}

fn cell_values(payload: &Payload) -> Vec<f64> {
    let l = layout();
    let bits = payload.to_codeword();
    (0..CELLS)
        .map(|c| match l.bit[c] {
            Some(k) => l.chip[c] * if bits[k] { 1.0 } else { -1.0 },
            None => l.sync[c],
        })
        .collect()
}

/// Adds the mark for `payload` to every frame (along the luma weights; rounded and clamped).
pub fn embed(video: &mut Video, payload: &Payload) {
    embed_with(video, payload, true)
}

/// `embed`, with or without the informed embedding (tests compare the two).
fn embed_with(video: &mut Video, payload: &Payload, informed: bool) {
    let Some(first) = video.frames.first() else {
        return;
    };
    let large = first.width().min(first.height()) as usize >= LARGE_FRAME;
    let cell = if large { 2 * CELL } else { CELL };
    let side = cell * TILE_CELLS;
    let signs = cell_values(payload);
    // The tile starts half a cell into the frame (see `ORIGIN`).
    let unit_of = |values: &[f64]| -> Vec<f32> {
        let tile = tile_plane(values, cell);
        let off = side - cell / 2;
        (0..side * side)
            .map(|i| tile[((i / side + off) % side) * side + (i % side + off) % side] as f32)
            .collect()
    };
    let plain = unit_of(&signs);
    let plain_amp = fit_amplitude(video, &plain, side, TARGET_PSNR, MAX_AMPLITUDE);
    let informed = informed
        .then(|| informed_values(video, &signs, plain_amp, large))
        .flatten();
    let (unit, amp) = match informed {
        Some(values) => {
            let unit = unit_of(&values);
            let amp = fit_amplitude(video, &unit, side, TARGET_PSNR, MAX_AMPLITUDE);
            (unit, amp)
        }
        None => (plain, plain_amp),
    };
    let tile: Vec<f32> = unit.iter().map(|v| v * amp).collect();
    let gain = channel_gain();
    for frame in &mut video.frames {
        let w = frame.width() as usize;
        for (i, px) in frame.as_mut().chunks_exact_mut(3).enumerate() {
            let (x, y) = (i % w, i / w);
            let d = tile[(y % side) * side + x % side];
            for (c, k) in px.iter_mut().zip(gain) {
                *c = (f32::from(*c) + d * k).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// Informed embedding (improved spread spectrum): the clip's own picture has a statistic in every
/// cell too, the same in every frame when the picture is still or blocky (the embedded model draws
/// 4×4-pixel blocks on the frame's grid), and it is noise to the detector's t-test. Knowing the
/// picture, the embedder takes a share λ of that statistic back out of each cell and spends the
/// rest of the PSNR budget on the mark. With host spread σ (in mark amplitude units), budget B
/// (the plain mark's amplitude²) and a noise floor n that the transformations add, the detector's
/// t grows as √(B − λ²σ²) / √((1−λ)²σ² + n²); λ maximises that. Returns the cells' values for a
/// unit amplitude (the fitted amplitude then scales mark and cancellation together), or `None`
/// when the picture adds next to nothing.
fn informed_values(video: &Video, signs: &[f64], amp: f32, large: bool) -> Option<Vec<f64>> {
    let amp = f64::from(amp);
    if amp <= 0.0 {
        return None;
    }
    let residual = mean_residual(video, HIGHPASS_RADIUS)?;
    // The detector reads a large frame's 8-px cells at scale 2, as 4-px cells.
    let (folded, counts) = fold(&rescale(&residual, if large { 2.0 } else { 1.0 }));
    let gain = bump_gain();
    let host: Vec<f64> = (0..CELLS)
        .map(|c| {
            let n = cell_count(&counts, c, ORIGIN);
            if n == 0.0 {
                0.0
            } else {
                cell_sum(&folded, c, ORIGIN) / (n * gain)
            }
        })
        .collect();
    let var = host.iter().map(|h| h * h).sum::<f64>() / CELLS as f64;
    if var < 1e-6 {
        return None;
    }
    let budget = amp * amp;
    let floor = INFORMED_NOISE_FLOOR * INFORMED_NOISE_FLOOR;
    let t = |l: f64| {
        let a2 = budget - l * l * var;
        if a2 <= 0.0 {
            0.0
        } else {
            (a2 / ((1.0 - l) * (1.0 - l) * var + floor)).sqrt()
        }
    };
    let lambda = (0..=20)
        .map(|k| k as f64 / 20.0)
        .max_by(|&a, &b| t(a).total_cmp(&t(b)))
        .unwrap_or(0.0);
    if lambda == 0.0 {
        return None;
    }
    let mark = (budget - lambda * lambda * var).sqrt();
    Some(
        signs
            .iter()
            .zip(&host)
            .map(|(s, h)| s - lambda * h / mark)
            .collect(),
    )
}

/// Noise (in mark amplitude levels) that the listed transformations add to a cell's statistic: what
/// the informed embedding does not try to cancel below.
const INFORMED_NOISE_FLOOR: f64 = 1.0;

/// The detector's cell statistic for a unit-amplitude bump on a flat picture, per pixel that the
/// fold summed there: Σ bump² after the high-pass (which takes part of the bump with its local
/// mean). Measured once on the plain pattern over mid-grey.
fn bump_gain() -> f64 {
    static G: OnceLock<f64> = OnceLock::new();
    *G.get_or_init(|| {
        let signs = cell_values(&Payload::new(REEL_ID, 0));
        let unit = tile_plane(&signs, CELL);
        let frame = Plane {
            w: TILE,
            h: TILE,
            data: unit.iter().map(|v| 128.0 + 4.0 * *v as f32).collect(),
        };
        let r = highpass(&box3(&frame), HIGHPASS_RADIUS);
        let (folded, _) = fold(&r);
        let sum: f64 = (0..CELLS)
            .map(|c| signs[c] * cell_sum(&folded, c, (0, 0)))
            .sum();
        sum / (4.0 * CELLS as f64)
    })
}

/// Pixels the fold summed at the centre of `cell`, given `shift`.
fn cell_count(counts: &[u32], cell: usize, shift: (usize, usize)) -> f64 {
    let (cx, cy) = (
        (cell % TILE_CELLS) * CELL + CELL / 2,
        (cell / TILE_CELLS) * CELL + CELL / 2,
    );
    let (x, y) = ((cx + TILE - shift.0) % TILE, (cy + TILE - shift.1) % TILE);
    f64::from(counts[y * TILE + x])
}

/// Reads a media file (MP4, GIF, PNG, Y4M, ...) with `reel_media::read_video` and runs
/// `detect_among` on it.
pub fn detect_file(
    path: impl AsRef<Path>,
    candidates: &[Payload],
) -> Result<(Detection, Option<PayloadMatch>)> {
    let path = path.as_ref();
    let video = reel_media::read_video(path)
        .with_context(|| format!("watermark detection of {}", path.display()))?;
    Ok(detect_among(&video, candidates))
}

/// A single-channel float image.
#[derive(Clone)]
struct Plane {
    w: usize,
    h: usize,
    data: Vec<f32>,
}

/// Luma of one frame (BT.601 weights; the mark moves R, G and B alike).
fn luma(f: &reel_media::Frame) -> Plane {
    let data = f
        .as_raw()
        .chunks_exact(3)
        .map(|px| 0.299 * f32::from(px[0]) + 0.587 * f32::from(px[1]) + 0.114 * f32::from(px[2]))
        .collect();
    Plane {
        w: f.width() as usize,
        h: f.height() as usize,
        data,
    }
}

/// 3×3 box mean (borders average what exists).
fn box3(p: &Plane) -> Plane {
    let (w, h) = (p.w, p.h);
    let mut data = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let (mut s, mut n) = (0f32, 0f32);
            for yy in y.saturating_sub(1)..(y + 2).min(h) {
                for xx in x.saturating_sub(1)..(x + 2).min(w) {
                    s += p.data[yy * w + xx];
                    n += 1.0;
                }
            }
            data[y * w + x] = s / n;
        }
    }
    Plane { w, h, data }
}

/// Mean over all frames of each frame's high-passed luma. Filtering frame by frame (rather than
/// filtering the mean frame) keeps moving shapes sharp, so the mark under and around them counts.
fn mean_residual(video: &Video, radius: usize) -> Option<Plane> {
    let first = video.frames.first()?;
    let (w, h) = (first.width() as usize, first.height() as usize);
    let mut acc = vec![0f32; w * h];
    let mut n = 0;
    for f in &video.frames {
        if (f.width() as usize, f.height() as usize) != (w, h) {
            continue;
        }
        let l = luma(f);
        // A 3×3 box first: dithering (GIF palettes) makes neighbours differ by tens of levels, which
        // would leave the edge-aware mean no similar neighbours; the cells are wider than 3 px,
        // except half-size 4-px cells, which skip it.
        let r = if radius >= HIGHPASS_RADIUS {
            highpass(&box3(&l), radius)
        } else {
            highpass(&l, radius)
        };
        acc.iter_mut().zip(&r.data).for_each(|(a, v)| *a += v);
        n += 1;
    }
    let inv = 1.0 / n as f32;
    acc.iter_mut().for_each(|a| *a *= inv);
    Some(Plane { w, h, data: acc })
}

/// Brings a plane received at `scale` back to the marked clip's scale.
fn rescale(p: &Plane, scale: f64) -> Plane {
    if scale == 1.0 {
        p.clone()
    } else if scale > 2.0 {
        rescale(&rescale(p, 2.0), scale / 2.0)
    } else if scale < 1.0 {
        // Bilinear ×2 upsampling (pixel centres aligned).
        let (w, h) = (p.w * 2, p.h * 2);
        let mut data = vec![0f32; w * h];
        for y in 0..h {
            let sy = ((y as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (p.h - 1) as f32);
            let y0 = sy.floor() as usize;
            let y1 = (y0 + 1).min(p.h - 1);
            let fy = sy - y0 as f32;
            for x in 0..w {
                let sx = ((x as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (p.w - 1) as f32);
                let x0 = sx.floor() as usize;
                let x1 = (x0 + 1).min(p.w - 1);
                let fx = sx - x0 as f32;
                let top = p.data[y0 * p.w + x0] * (1.0 - fx) + p.data[y0 * p.w + x1] * fx;
                let bot = p.data[y1 * p.w + x0] * (1.0 - fx) + p.data[y1 * p.w + x1] * fx;
                data[y * w + x] = top * (1.0 - fy) + bot * fy;
            }
        }
        Plane { w, h, data }
    } else {
        // 2×2 box downsampling.
        let (w, h) = ((p.w / 2).max(1), (p.h / 2).max(1));
        let mut data = vec![0f32; w * h];
        for y in 0..h {
            for x in 0..w {
                let mut s = 0.0;
                let mut n = 0.0;
                for (yy, xx) in [
                    (2 * y, 2 * x),
                    (2 * y, 2 * x + 1),
                    (2 * y + 1, 2 * x),
                    (2 * y + 1, 2 * x + 1),
                ] {
                    if yy < p.h && xx < p.w {
                        s += p.data[yy * p.w + xx];
                        n += 1.0;
                    }
                }
                data[y * w + x] = s / n;
            }
        }
        Plane { w, h, data }
    }
}

/// Residual against an edge-aware local mean, clipped. The mean (a separable sigma filter) only
/// averages neighbours within `SIMILAR` levels of the pixel, so next to the edge of a solid shape the
/// background is estimated from background alone and the residual is the mark, not the edge.
fn highpass(p: &Plane, r: usize) -> Plane {
    let (w, h) = (p.w, p.h);
    let mut horiz = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let c = p.data[y * w + x];
            let (mut s, mut n) = (0f32, 0f32);
            for xx in x.saturating_sub(r)..(x + r + 1).min(w) {
                let v = p.data[y * w + xx];
                if (v - c).abs() < SIMILAR {
                    s += v;
                    n += 1.0;
                }
            }
            horiz[y * w + x] = s / n;
        }
    }
    let mut data = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let c = p.data[y * w + x];
            let (mut s, mut n) = (0f32, 0f32);
            for yy in y.saturating_sub(r)..(y + r + 1).min(h) {
                if (p.data[yy * w + x] - c).abs() < SIMILAR {
                    s += horiz[yy * w + x];
                    n += 1.0;
                }
            }
            data[y * w + x] = (c - s / n).clamp(-RESIDUAL_CLIP, RESIDUAL_CLIP);
        }
    }
    Plane { w, h, data }
}

/// Sums the plane onto one tile (positions modulo the tile side), with how many pixels landed where.
fn fold(p: &Plane) -> (Vec<f64>, Vec<u32>) {
    let mut out = vec![0f64; TILE * TILE];
    let mut counts = vec![0u32; TILE * TILE];
    for y in 0..p.h {
        let row = &p.data[y * p.w..(y + 1) * p.w];
        let base = (y % TILE) * TILE;
        for (x, &v) in row.iter().enumerate() {
            out[base + x % TILE] += f64::from(v);
            counts[base + x % TILE] += 1;
        }
    }
    (out, counts)
}

/// Sign of every cell whose value every Reel mark shares: the sync cells, and the data cells of
/// the 16 Reel-id bits (`REEL_ID` is fixed, so those cells are sync cells too: 192 instead of
/// 160, for the detector only; the embedded pattern is unchanged). 0 for the output-id bits.
fn known_cells() -> &'static Vec<f64> {
    static K: OnceLock<Vec<f64>> = OnceLock::new();
    K.get_or_init(|| {
        let l = layout();
        let id = Payload::new(REEL_ID, 0).to_codeword();
        (0..CELLS)
            .map(|c| match l.bit[c] {
                Some(k) if k < 16 => l.chip[c] * if id[k] { 1.0 } else { -1.0 },
                Some(_) => 0.0,
                None => l.sync[c],
            })
            .collect()
    })
}

fn sync_template() -> &'static Vec<f64> {
    static T: OnceLock<Vec<f64>> = OnceLock::new();
    T.get_or_init(|| tile_plane(known_cells(), CELL))
}

struct Candidate {
    /// log10 of the (weighted Bonferroni) chance that an unmarked clip scores this well here.
    log10_fa: f64,
    /// The same from the unfloored p-value: ranks candidates for reading the payload.
    log10_rank: f64,
    scale: f64,
    shift: (usize, usize),
    folded: Vec<f64>,
    counts: Vec<u32>,
}

/// Bump-weighted sum of the folded tile over the cell that the mark put at `cell`, given `shift`.
fn cell_sum(folded: &[f64], cell: usize, shift: (usize, usize)) -> f64 {
    let b = bump();
    let (cx, cy) = ((cell % TILE_CELLS) * CELL, (cell / TILE_CELLS) * CELL);
    let mut s = 0.0;
    for (j, bj) in b.iter().enumerate() {
        // The mark's pixel p was received at p − shift (the fold is cyclic).
        let y = (cy + j + TILE - shift.1) % TILE;
        for (i, bi) in b.iter().enumerate() {
            let x = (cx + i + TILE - shift.0) % TILE;
            s += folded[y * TILE + x] * bi * bj;
        }
    }
    s
}

/// Whether the clip covered the centre of `cell` at `shift` (small clips fill part of the tile).
fn covered(counts: &[u32], cell: usize, shift: (usize, usize)) -> bool {
    cell_count(counts, cell, shift) > 0.0
}

/// One-sided t-test that the known cells' sums follow their signs: the mean of `sign · sum`
/// against its own spread. Returns log10 of the p-value, unfloored and floored (see the end).
/// Under no mark the keyed signs are independent of the picture, so the statistic is
/// t-distributed whatever the content (with enough cells).
fn sync_log10_p(folded: &[f64], counts: &[u32], shift: (usize, usize)) -> (f64, f64) {
    let known = known_cells();
    // Cells with no residual at all (flat saturated areas: white after a brightness gain) carry
    // no evidence either way; leaving them out does not depend on the keyed signs.
    let v: Vec<f64> = (0..CELLS)
        .filter(|&c| known[c] != 0.0 && covered(counts, c, shift))
        .map(|c| known[c] * cell_sum(folded, c, shift))
        .filter(|v| v.abs() > 1e-3)
        .collect();
    let n = v.len() as f64;
    if v.len() < 8 {
        return (0.0, 0.0);
    }
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    if mean <= 0.0 {
        return (0.0, 0.0);
    }
    let t = if var > 0.0 {
        mean / (var / n).sqrt()
    } else {
        f64::INFINITY
    };
    // The t approximation holds for many cells; with few (a mostly saturated clip) it is far too
    // confident in the tail (n cells all of one sign give t = ∞). Under keyed signs no outcome is
    // rarer than one sign pattern, 2^−n, so that floors the p-value used for the decision; the
    // unfloored one still ranks shifts and candidates for reading the payload.
    let raw = log10_t_tail(t, n - 1.0);
    (raw, raw.max(-n * std::f64::consts::LOG10_2))
}

/// log10 P(T > t) for Student's t with `nu` degrees of freedom, t > 0. With x = √ν·tan θ the
/// density becomes cos^(ν−1) θ on [0, π/2), which Simpson's rule integrates accurately.
fn log10_t_tail(t: f64, nu: f64) -> f64 {
    use std::f64::consts::FRAC_PI_2;
    if !t.is_finite() {
        return -300.0;
    }
    let theta = (t / nu.sqrt()).atan();
    let simpson = |a: f64, b: f64| -> f64 {
        let n = 600;
        let h = (b - a) / n as f64;
        let f = |x: f64| {
            let c = x.cos();
            if c <= 0.0 {
                0.0
            } else {
                ((nu - 1.0) * c.ln()).exp()
            }
        };
        let mut s = f(a) + f(b);
        for i in 1..n {
            s += f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        s * h / 3.0
    };
    let tail = simpson(theta, FRAC_PI_2);
    let total = simpson(0.0, FRAC_PI_2);
    (0.5 * tail / total).max(1e-300).log10()
}

/// Best shift of the mark in a folded tile: the correlation surface with the sync pattern
/// proposes the highest peaks, the t-test scores each.
fn best_shift(folded: &[f64], counts: &[u32]) -> ((f64, f64), (usize, usize)) {
    let corr = fft::cross_correlate(folded, sync_template(), TILE);
    let mut order: Vec<usize> = (0..corr.len()).collect();
    order.select_nth_unstable_by(CANDIDATE_SHIFTS, |&a, &b| corr[b].total_cmp(&corr[a]));
    let mut best = ((0.0, 0.0), (0, 0));
    for &at in &order[..CANDIDATE_SHIFTS] {
        let shift = (at % TILE, at / TILE);
        let lp = sync_log10_p(folded, counts, shift);
        if lp.0 < best.0 .0 {
            best = (lp, shift);
        }
    }
    best
}

/// Bit soft values at a shift: Σ chip · (bump-weighted cell sum), per codeword bit.
fn soft_bits(folded: &[f64], shift: (usize, usize)) -> [f64; CODEWORD_BITS] {
    let l = layout();
    let mut soft = [0f64; CODEWORD_BITS];
    for c in 0..CELLS {
        if let Some(k) = l.bit[c] {
            soft[k] += l.chip[c] * cell_sum(folded, c, shift);
        }
    }
    soft
}

/// Hard decision, then single flips of the 4 least reliable bits, accepted when the CRC checks and
/// the Reel id is this build's. No double flips: CRC-16/CCITT's generator has weight 4, so two real
/// errors plus two "corrective" flips can land on another valid codeword (the bench saw it); with
/// single flips a wrong payload needs three errors completing a weight-4 codeword with one of the
/// four weakest bits.
fn decode(soft: &[f64; CODEWORD_BITS]) -> Option<Payload> {
    let check = |bits: &[bool; CODEWORD_BITS]| {
        Payload::from_codeword(bits).filter(|p| p.reel_id == REEL_ID)
    };
    let bits: [bool; CODEWORD_BITS] = std::array::from_fn(|k| soft[k] > 0.0);
    if let Some(p) = check(&bits) {
        return Some(p);
    }
    let mut weak: Vec<usize> = (0..CODEWORD_BITS).collect();
    weak.sort_by(|&a, &b| soft[a].abs().total_cmp(&soft[b].abs()));
    weak[..4].iter().find_map(|&i| {
        let mut t = bits;
        t[i] = !t[i];
        check(&t)
    })
}

/// Received / marked size, from the cell scale found: a frame that is large at that size was
/// marked with 8-px cells (see `embed`), so its cells count double.
fn marked_scale(video: &Video, cell_scale: f64) -> f64 {
    let side = video
        .frames
        .first()
        .map_or(0, |f| f.width().min(f.height()) as usize);
    // Both readings can fit (a 64-px clip upscaled 2× looks like an untouched 128-px one):
    // then the one nearer to no resize wins.
    let small_fits = (side as f64 / cell_scale) < LARGE_FRAME as f64;
    let large_fits = (2.0 * side as f64 / cell_scale) >= LARGE_FRAME as f64;
    let (small, large) = (cell_scale, cell_scale / 2.0);
    match (small_fits, large_fits) {
        (true, true) if large.ln().abs() < small.ln().abs() => large,
        (true, _) => small,
        _ => large,
    }
}

/// Whether a received clip whose shorter side is `side` can show the mark at cell scale `scale`.
fn scale_possible(side: usize, scale: f64) -> bool {
    let s = side as f64;
    if scale < 1.0 {
        s < 64.0
    } else if scale == 1.0 {
        true
    } else {
        s >= 0.85 * LARGE_FRAME as f64 * scale / 2.0
    }
}

/// Looks for the mark; never fails (a clip without frames is simply not marked).
pub fn detect(video: &Video) -> Detection {
    locate(video).0
}

/// A candidate payload that a detected mark carries.
#[derive(Clone, Debug, PartialEq)]
pub struct PayloadMatch {
    /// Index into the candidates given.
    pub index: usize,
    /// −log10 of the chance (Bonferroni over the candidates) that a mark carrying another payload
    /// agrees this well with the candidate's output-id cells; `THRESHOLD` or more is a match.
    pub score: f64,
}

/// `detect`, then which of `candidates` (say every output id a server made) the mark carries.
/// Reading the payload blind needs all 64 output-id cells right at once, which a 64×64 clip rarely
/// gives (one cell per bit); testing a known payload needs only that its cells agree with the
/// mark more than another payload's would (`output_id_log10_p`), Bonferroni over the candidates.
/// A blind read that names a candidate matches it outright (its CRC is independent evidence).
pub fn detect_among(video: &Video, candidates: &[Payload]) -> (Detection, Option<PayloadMatch>) {
    let (detection, best) = locate(video);
    let Some(best) = best.filter(|_| detection.detected) else {
        return (detection, None);
    };
    let bonferroni = (candidates.len().max(1) as f64).log10();
    let found = candidates
        .iter()
        .enumerate()
        .map(|(index, p)| {
            let score = -output_id_log10_p(&best, p) - bonferroni;
            let read = detection.payload == Some(*p);
            (index, score, read)
        })
        .filter(|&(_, score, read)| read || score >= THRESHOLD)
        .max_by(|a, b| a.2.cmp(&b.2).then(a.1.total_cmp(&b.1)));
    (
        detection,
        found.map(|(index, score, _)| PayloadMatch { index, score }),
    )
}

/// log10 of a bound on the chance that `at`'s output-id cells agree with `payload`'s this well
/// without carrying it. Each output-id bit has one cell, and another payload's bits (a hash) agree
/// with this one's as fair coins, whatever the picture and the mark: so the agreement
/// S = Σ sign·sum is a Rademacher sum over the cells' sums y, and P(S ≥ s) is bounded by
/// Hoeffding, exp(−z²/2), and by Pinelis, (2e³/9)·Q(z), with z = s / √Σy². (The sync cells'
/// t-test is not used here: against a strong mark carrying another payload its variance shrinks
/// with the agreement, and 5000 other ids matched 0.18% of the time at 10^−3.)
fn output_id_log10_p(at: &Candidate, payload: &Payload) -> f64 {
    let l = layout();
    let values = cell_values(payload);
    let (mut agreement, mut energy) = (0.0, 0.0);
    for c in 0..CELLS {
        if l.bit[c].is_some_and(|k| k >= 16) && covered(&at.counts, c, at.shift) {
            let y = cell_sum(&at.folded, c, at.shift);
            agreement += values[c] * y;
            energy += y * y;
        }
    }
    if agreement <= 0.0 || energy <= 0.0 {
        return 0.0;
    }
    let z = agreement / energy.sqrt();
    let hoeffding = -0.5 * z * z * std::f64::consts::LOG10_E;
    let pinelis = (2.0 * 3f64.exp() / 9.0 * 0.5 * erfc(z / std::f64::consts::SQRT_2)).log10();
    hoeffding.min(pinelis).min(0.0)
}

/// Complementary error function (Chebyshev fit, relative error under 1.2·10^−7; Numerical
/// Recipes' `erfcc`).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// `detect`, with the candidate the payload would be read at (the best-ranked one).
fn locate(video: &Video) -> (Detection, Option<Candidate>) {
    let none = Detection {
        detected: false,
        confidence: 0.0,
        score: 0.0,
        payload: None,
        scale: 1.0,
    };
    let Some(residual) = mean_residual(video, HIGHPASS_RADIUS) else {
        return (none, None);
    };
    // A clip received at half scale has half-size cells: a half-size window fits them better.
    let residual_half = mean_residual(video, HIGHPASS_RADIUS / 2).unwrap_or(residual.clone());
    let residual_double = mean_residual(video, HIGHPASS_RADIUS * 2).unwrap_or(residual.clone());
    let side = video
        .frames
        .first()
        .map_or(0, |f| f.width().min(f.height()) as usize);
    // Only the scales a clip of this size can show the mark at are tried (and counted).
    let scales: Vec<f64> = SCALES
        .iter()
        .copied()
        .filter(|&s| scale_possible(side, s))
        .collect();
    // Weighted Bonferroni: the untouched geometry (`ORIGIN` at each scale tried) gets `ORIGIN_SHARE`
    // of the false-alarm budget, the full search over every shift the rest.
    let origin_cost = (scales.len() as f64 / ORIGIN_SHARE).log10();
    let search_cost = ((scales.len() * TILE * TILE) as f64 / (1.0 - ORIGIN_SHARE)).log10();
    let mut cands: Vec<Candidate> = Vec::new();
    for &scale in &scales {
        let r = if scale < 1.0 {
            &residual_half
        } else if scale > 2.0 {
            &residual_double
        } else {
            &residual
        };
        let (folded, counts) = fold(&rescale(r, scale));
        let origin = sync_log10_p(&folded, &counts, ORIGIN);
        let (log10_p, shift) = best_shift(&folded, &counts);
        cands.push(Candidate {
            log10_fa: origin.1 + origin_cost,
            log10_rank: origin.0 + origin_cost,
            scale,
            shift: ORIGIN,
            folded: folded.clone(),
            counts: counts.clone(),
        });
        cands.push(Candidate {
            log10_fa: log10_p.1 + search_cost,
            log10_rank: log10_p.0 + search_cost,
            scale,
            shift,
            folded,
            counts,
        });
    }
    cands.sort_by(|a, b| a.log10_fa.total_cmp(&b.log10_fa));
    let best = &cands[0];
    let detected = best.log10_fa <= FALSE_ALARM.log10();
    let (score, confidence) = (-best.log10_fa, 1.0 - 10f64.powf(best.log10_fa).min(1.0));
    // Floors tie strong candidates: the unfloored p ranks them for the scale and the payload.
    cands.sort_by(|a, b| a.log10_rank.total_cmp(&b.log10_rank));
    let scale = cands[0].scale;
    let payload = if detected {
        cands
            .iter()
            .filter(|c| c.log10_rank <= FALSE_ALARM.log10())
            .find_map(|c| decode(&soft_bits(&c.folded, c.shift)))
    } else {
        None
    };
    let detection = Detection {
        detected,
        confidence,
        score,
        payload,
        scale: marked_scale(video, scale),
    };
    (detection, cands.into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_tail_matches_tabulated_values() {
        // Cauchy (ν = 1): P(T > 1) = 1/4. Tables: ν = 10, t = 2.228 → 0.025; ν = 30, t = 3.385 → 0.001.
        let p = |t: f64, nu: f64| 10f64.powf(log10_t_tail(t, nu));
        assert!((p(1.0, 1.0) - 0.25).abs() < 1e-6);
        assert!((p(2.228_139, 10.0) - 0.025).abs() < 1e-5);
        assert!((p(3.385_185, 30.0) - 0.001).abs() < 1e-6);
        assert!((p(3.460_200, 60.0) / 0.0005 - 1.0).abs() < 1e-3);
        // erfc, which the output-id bound uses: tabulated values.
        assert!((erfc(1.0) / 0.157_299_207_050_285 - 1.0).abs() < 1e-6);
        assert!((erfc(3.0) / 2.209_049_699_858_544e-5 - 1.0).abs() < 1e-6);
        assert!((erfc(-1.0) - (2.0 - 0.157_299_207_050_285)).abs() < 1e-6);
    }

    #[test]
    fn layout_gives_every_bit_a_cell() {
        let l = layout();
        let mut count = [0; CODEWORD_BITS];
        for b in l.bit.iter().flatten() {
            count[*b] += 1;
        }
        assert!(count.iter().all(|&c| c == 1 || c == 2));
        assert_eq!(count.iter().sum::<usize>(), CELLS - SYNC_CELLS);
        assert_eq!(l.sync.iter().filter(|s| **s != 0.0).count(), SYNC_CELLS);
    }

    #[test]
    fn few_cells_cannot_reach_the_threshold_however_well_they_agree() {
        // Only 10 known cells have any residual, all of the marked sign: t = ∞, but under keyed
        // signs that is a 2^-10 event, not a certainty.
        let known = known_cells();
        let mut values = vec![0.0; CELLS];
        for c in (0..CELLS).filter(|&c| known[c] != 0.0).take(10) {
            values[c] = known[c];
        }
        let folded = tile_plane(&values, CELL);
        let counts = vec![1u32; TILE * TILE];
        let lp = sync_log10_p(&folded, &counts, (0, 0)).1;
        assert!((lp + 10.0 * std::f64::consts::LOG10_2).abs() < 1e-9, "{lp}");
        // Even at the untouched geometry, the cheapest hypothesis, that stays below the threshold.
        assert!(-lp - (1.0 / ORIGIN_SHARE).log10() < THRESHOLD);
    }

    #[test]
    fn known_cells_match_every_reel_mark() {
        let known = known_cells();
        assert_eq!(known.iter().filter(|k| **k != 0.0).count(), SYNC_CELLS + 32);
        // Whatever the output id, the marked value of every known cell is its known sign.
        for id in [0u64, 1, 0xffff_ffff_ffff, 0x1234_5678_9abc] {
            let values = cell_values(&Payload::new(REEL_ID, id));
            for (k, v) in known.iter().zip(&values) {
                assert!(*k == 0.0 || k == v);
            }
        }
    }

    fn solid_clip(side: u32, level: u8, frames: usize) -> Video {
        let f = reel_media::Frame::from_raw(side, side, vec![level; (side * side * 3) as usize]);
        Video::new(vec![f.unwrap(); frames], 8.0).unwrap()
    }

    fn psnr(a: &Video, b: &Video) -> f64 {
        let (mut se, mut n) = (0f64, 0f64);
        for (fa, fb) in a.frames.iter().zip(&b.frames) {
            for (x, y) in fa.as_raw().iter().zip(fb.as_raw()) {
                se += (f64::from(*x) - f64::from(*y)).powi(2);
                n += 1.0;
            }
        }
        10.0 * (255.0f64 * 255.0 / (se / n)).log10()
    }

    #[test]
    fn fitted_amplitude_spends_the_psnr_budget_and_no_more() {
        let unit: Vec<f32> = tile_plane(&cell_values(&Payload::new(REEL_ID, 7)), CELL)
            .into_iter()
            .map(|v| v as f32)
            .collect();
        let mut amps = Vec::new();
        for level in [128u8, 0, 255] {
            let orig = solid_clip(64, level, 3);
            let a = fit_amplitude(&orig, &unit, TILE, TARGET_PSNR, MAX_AMPLITUDE);
            let mut v = orig.clone();
            embed(&mut v, &Payload::new(REEL_ID, 7));
            let db = psnr(&orig, &v);
            assert!(db >= TARGET_PSNR, "level {level}: {db:.3} dB");
            // Tight: the fit is the largest amplitude under the bound (or the cap).
            assert!(
                a >= MAX_AMPLITUDE || db < TARGET_PSNR + 0.3,
                "level {level}: {db:.3} dB"
            );
            amps.push(a);
        }
        // Clamped backgrounds swallow half the mark, so they get a stronger one.
        assert!(
            amps[0] > 4.0 && amps[1] > amps[0] && amps[2] > amps[0],
            "{amps:?}"
        );
    }

    /// A 64×64 still of 4×4-pixel grey blocks on the frame's grid, as the embedded model's VAE
    /// draws them (block levels spread ±12 around 128, within the high-pass's similarity range).
    fn mosaic_still(seed: u64) -> Video {
        let mut state = seed;
        let blocks: Vec<u8> = (0..256)
            .map(|_| 116 + (splitmix(&mut state) % 25) as u8)
            .collect();
        let mut raw = Vec::with_capacity(64 * 64 * 3);
        for y in 0..64 {
            for x in 0..64 {
                raw.extend([blocks[(y / 4) * 16 + x / 4]; 3]);
            }
        }
        Video::new(vec![reel_media::Frame::from_raw(64, 64, raw).unwrap()], 8.0).unwrap()
    }

    /// Spread of the picture's own cell statistics (mark amplitude units) at a shift.
    fn host_spread(video: &Video, shift: (usize, usize)) -> f64 {
        let (folded, _) = fold(&mean_residual(video, HIGHPASS_RADIUS).unwrap());
        let v: Vec<f64> = (0..CELLS)
            .map(|c| cell_sum(&folded, c, shift) / bump_gain())
            .collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / v.len() as f64).sqrt()
    }

    #[test]
    fn cells_straddling_the_models_blocks_see_less_of_the_picture() {
        for seed in 1..4 {
            let still = mosaic_still(seed);
            let (on_grid, straddling) = (host_spread(&still, (0, 0)), host_spread(&still, ORIGIN));
            assert!(
                straddling < 0.75 * on_grid,
                "seed {seed}: spread {straddling:.2} at ORIGIN vs {on_grid:.2} on the blocks' grid"
            );
        }
    }

    #[test]
    fn informed_embedding_beats_the_plain_mark_at_the_same_psnr() {
        for seed in 1..4 {
            let orig = mosaic_still(seed);
            let payload = Payload::new(REEL_ID, seed);
            let (mut plain, mut informed) = (orig.clone(), orig.clone());
            embed_with(&mut plain, &payload, false);
            embed_with(&mut informed, &payload, true);
            assert!(psnr(&orig, &informed) >= TARGET_PSNR);
            let (p, i) = (detect(&plain), detect(&informed));
            assert!(
                i.score > p.score + 1.0,
                "seed {seed}: informed score {:.2}, plain {:.2}",
                i.score,
                p.score
            );
        }
    }

    #[test]
    fn a_given_output_id_is_found_where_the_blind_read_fails_and_no_other_id_is() {
        // Block mosaics, like the embedded model's stills: reading the payload blind needs all 64
        // output-id cells right at once; testing a given id needs only their agreement.
        let (mut blind, mut found, mut wrong, mut false_hits) = (0, 0, 0, 0);
        let mut top_wrong = f64::NEG_INFINITY;
        for seed in 0..10 {
            let mut v = mosaic_still(seed);
            let own = Payload::from_output_id(&format!("video_{seed}"));
            embed(&mut v, &own);
            let (d, at) = locate(&v);
            assert!(d.detected, "seed {seed}: score {:.2}", d.score);
            let at = at.expect("a detected mark has a candidate");
            blind += usize::from(d.payload == Some(own));
            found += usize::from(-output_id_log10_p(&at, &own) >= THRESHOLD);
            for j in 0..500 {
                let other = Payload::from_output_id(&format!("video_{seed}_{j}"));
                let score = -output_id_log10_p(&at, &other);
                top_wrong = top_wrong.max(score);
                wrong += 1;
                false_hits += usize::from(score >= THRESHOLD);
            }
        }
        eprintln!("blind {blind}/10, given id {found}/10, other ids {false_hits}/{wrong} (top {top_wrong:.2})");
        assert!(
            found >= 9 && found > blind,
            "given id found in {found}/10, blind {blind}/10"
        );
        // A 10^-3 test over 5000 other ids: about 5 would be expected at the bound itself.
        assert!(false_hits <= 5, "{false_hits} of {wrong} other ids matched");
    }

    #[test]
    fn only_scales_the_received_size_can_hold_are_tried() {
        let tried = |side: usize| -> Vec<f64> {
            SCALES
                .iter()
                .copied()
                .filter(|&s| scale_possible(side, s))
                .collect()
        };
        assert_eq!(tried(64), vec![1.0]);
        assert_eq!(tried(32), vec![1.0, 0.5]);
        assert_eq!(tried(115), vec![1.0, 2.0]);
        assert_eq!(tried(256), vec![1.0, 2.0, 4.0]);
    }

    #[test]
    fn marked_scale_prefers_the_reading_nearest_no_resize() {
        let clip = |side: u32| {
            let f = reel_media::Frame::from_raw(side, side, vec![0; (side * side * 3) as usize]);
            Video::new(vec![f.unwrap()], 8.0).unwrap()
        };
        // A 64-px clip (4-px cells) found at cell scale 1: untouched.
        assert_eq!(marked_scale(&clip(64), 1.0), 1.0);
        // A 256-px clip (8-px cells) found at cell scale 2: untouched.
        assert_eq!(marked_scale(&clip(256), 2.0), 1.0);
        // A 256-px clip halved to 128 px: its 8-px cells are 4 px now.
        assert_eq!(marked_scale(&clip(128), 1.0), 0.5);
        // A 64-px clip halved to 32 px: cell scale 0.5.
        assert_eq!(marked_scale(&clip(32), 0.5), 0.5);
    }
}
