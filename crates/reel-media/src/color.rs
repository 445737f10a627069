//! RGB <-> Y'CbCr (BT.601) conversion with chroma subsampling, 8 to 16 bits per sample.
//!
//! BT.601 is what H.264 streams without colour description and Y4M files are conventionally read
//! as, and our encoder signals it explicitly in the VUI. At 10 bits and 4:4:4 the round trip of
//! 8-bit RGB is exact: the worst-case quantisation error mapped back through the inverse matrix
//! stays below half an 8-bit step (see `ten_bit_444_is_lossless`).

use crate::Frame;

const KR: f64 = 0.299;
const KB: f64 = 0.114;
const KG: f64 = 1.0 - KR - KB;

/// Luma coefficients of the Y'CbCr matrix (H.264 VUI `matrix_coefficients`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Matrix {
    /// BT.601 (codes 5, 6); also what unsignalled streams are read as.
    #[default]
    Bt601,
    /// BT.709 (code 1), usual for HD sources.
    Bt709,
    /// BT.2020 non-constant luminance (code 9).
    Bt2020,
}

impl Matrix {
    /// From the H.264/HEVC `matrix_coefficients` code; unknown codes fall back to BT.601.
    pub fn from_code(code: u8) -> Self {
        match code {
            1 => Matrix::Bt709,
            9 => Matrix::Bt2020,
            _ => Matrix::Bt601,
        }
    }

    fn kr_kb(self) -> (f64, f64) {
        match self {
            Matrix::Bt601 => (KR, KB),
            Matrix::Bt709 => (0.2126, 0.0722),
            Matrix::Bt2020 => (0.2627, 0.0593),
        }
    }
}

/// Chroma subsampling of a Y'CbCr picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subsampling {
    C420,
    C422,
    C444,
}

impl Subsampling {
    /// Chroma plane size for a `w`×`h` picture.
    pub fn chroma_size(self, w: usize, h: usize) -> (usize, usize) {
        match self {
            Subsampling::C420 => (w.div_ceil(2), h.div_ceil(2)),
            Subsampling::C422 => (w.div_ceil(2), h),
            Subsampling::C444 => (w, h),
        }
    }
}

/// Studio ("limited", 16..235 at 8 bits) or full (0..255) quantisation range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    Limited,
    Full,
}

/// Planar Y'CbCr with samples stored as u16 (8..16 bits used).
#[derive(Clone, Debug, PartialEq)]
pub struct YuvPlanes {
    pub width: usize,
    pub height: usize,
    pub sub: Subsampling,
    pub depth: u32,
    pub range: Range,
    /// Used when converting back to RGB; `rgb_to_yuv` always produces BT.601.
    pub matrix: Matrix,
    pub y: Vec<u16>,
    pub u: Vec<u16>,
    pub v: Vec<u16>,
}

/// Scale and offset of luma and chroma for a bit depth and range.
fn quant(depth: u32, range: Range) -> (f64, f64, f64, f64) {
    let k = (1u32 << (depth - 8)) as f64;
    match range {
        // Studio range: Y in [16, 235], C in [16, 240] at 8 bits, scaled by 2^(depth-8).
        Range::Limited => (219.0 * k, 16.0 * k, 224.0 * k, 128.0 * k),
        Range::Full => {
            let max = ((1u32 << depth) - 1) as f64;
            (max, 0.0, max, (1u32 << (depth - 1)) as f64)
        }
    }
}

/// Converts an RGB frame to planar Y'CbCr. Chroma is averaged over each 2×2 (4:2:0) or 2×1
/// (4:2:2) block, i.e. centre-sited.
pub fn rgb_to_yuv(frame: &Frame, sub: Subsampling, depth: u32, range: Range) -> YuvPlanes {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    let (ys, yo, cs, co) = quant(depth, range);
    let max = ((1u32 << depth) - 1) as f64;
    let mut y = vec![0u16; w * h];
    // Full-resolution chroma in normalised units (pb, pr in [-0.5, 0.5]) before subsampling.
    let mut pb = vec![0f64; w * h];
    let mut pr = vec![0f64; w * h];
    for (i, p) in frame.pixels().enumerate() {
        let r = p[0] as f64 / 255.0;
        let g = p[1] as f64 / 255.0;
        let b = p[2] as f64 / 255.0;
        let luma = KR * r + KG * g + KB * b;
        y[i] = (yo + ys * luma).round().clamp(0.0, max) as u16;
        pb[i] = (b - luma) / (2.0 * (1.0 - KB));
        pr[i] = (r - luma) / (2.0 * (1.0 - KR));
    }
    let (cw, ch) = sub.chroma_size(w, h);
    let (fx, fy) = match sub {
        Subsampling::C420 => (2, 2),
        Subsampling::C422 => (2, 1),
        Subsampling::C444 => (1, 1),
    };
    let mut u = vec![0u16; cw * ch];
    let mut v = vec![0u16; cw * ch];
    for cy in 0..ch {
        for cx in 0..cw {
            let (mut sb, mut sr, mut n) = (0.0, 0.0, 0.0);
            for dy in 0..fy {
                for dx in 0..fx {
                    let (x, yy) = (cx * fx + dx, cy * fy + dy);
                    if x < w && yy < h {
                        sb += pb[yy * w + x];
                        sr += pr[yy * w + x];
                        n += 1.0;
                    }
                }
            }
            u[cy * cw + cx] = (co + cs * sb / n).round().clamp(0.0, max) as u16;
            v[cy * cw + cx] = (co + cs * sr / n).round().clamp(0.0, max) as u16;
        }
    }
    YuvPlanes {
        width: w,
        height: h,
        sub,
        depth,
        range,
        matrix: Matrix::Bt601,
        y,
        u,
        v,
    }
}

/// Bilinear sample of a chroma plane at full-resolution pixel (x, y), centre-sited.
fn sample_chroma(
    plane: &[u16],
    cw: usize,
    ch: usize,
    fx: usize,
    fy: usize,
    x: usize,
    y: usize,
) -> f64 {
    let pos = |p: usize, f: usize, n: usize| -> (usize, usize, f64) {
        if f == 1 {
            return (p, p, 0.0);
        }
        // Chroma sample c sits at luma coordinate 2c + 0.5.
        let c = ((p as f64 - 0.5) / 2.0).max(0.0);
        let c0 = (c.floor() as usize).min(n - 1);
        let c1 = (c0 + 1).min(n - 1);
        (c0, c1, c - c0 as f64)
    };
    let (x0, x1, ax) = pos(x, fx, cw);
    let (y0, y1, ay) = pos(y, fy, ch);
    let at = |xx: usize, yy: usize| plane[yy * cw + xx] as f64;
    let top = at(x0, y0) * (1.0 - ax) + at(x1, y0) * ax;
    let bot = at(x0, y1) * (1.0 - ax) + at(x1, y1) * ax;
    top * (1.0 - ay) + bot * ay
}

/// Converts planar Y'CbCr back to RGB, upsampling chroma bilinearly.
pub fn yuv_to_rgb(p: &YuvPlanes) -> Frame {
    let (w, h) = (p.width, p.height);
    let (cw, ch) = p.sub.chroma_size(w, h);
    let (fx, fy) = match p.sub {
        Subsampling::C420 => (2, 2),
        Subsampling::C422 => (2, 1),
        Subsampling::C444 => (1, 1),
    };
    let (ys, yo, cs, co) = quant(p.depth, p.range);
    let (kr, kb) = p.matrix.kr_kb();
    let kg = 1.0 - kr - kb;
    let mut out = Frame::new(w as u32, h as u32);
    for yy in 0..h {
        for x in 0..w {
            let luma = (p.y[yy * w + x] as f64 - yo) / ys;
            let (cb, cr) = if fx == 1 && fy == 1 {
                (p.u[yy * cw + x] as f64, p.v[yy * cw + x] as f64)
            } else {
                (
                    sample_chroma(&p.u, cw, ch, fx, fy, x, yy),
                    sample_chroma(&p.v, cw, ch, fx, fy, x, yy),
                )
            };
            let pb = (cb - co) / cs;
            let pr = (cr - co) / cs;
            let r = luma + 2.0 * (1.0 - kr) * pr;
            let b = luma + 2.0 * (1.0 - kb) * pb;
            let g = (luma - kr * r - kb * b) / kg;
            let to8 = |c: f64| (c * 255.0).round().clamp(0.0, 255.0) as u8;
            out.put_pixel(x as u32, yy as u32, image::Rgb([to8(r), to8(g), to8(b)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_colours_frame() -> Frame {
        // 4096x4096 would be every colour; a strided subset with the extremes keeps it fast.
        let mut f = Frame::new(256, 256);
        for (i, p) in f.pixels_mut().enumerate() {
            let i = i as u32 * 257;
            p.0 = [
                (i & 255) as u8,
                ((i >> 8) & 255) as u8,
                ((i >> 16) as u8).wrapping_mul(37),
            ];
        }
        f.put_pixel(0, 0, image::Rgb([0, 0, 0]));
        f.put_pixel(1, 0, image::Rgb([255, 255, 255]));
        f.put_pixel(2, 0, image::Rgb([255, 0, 0]));
        f.put_pixel(3, 0, image::Rgb([0, 0, 255]));
        f
    }

    #[test]
    fn ten_bit_444_is_lossless() {
        let f = all_colours_frame();
        for range in [Range::Limited, Range::Full] {
            let back = yuv_to_rgb(&rgb_to_yuv(&f, Subsampling::C444, 10, range));
            assert_eq!(back, f, "{range:?}");
        }
    }

    #[test]
    fn eight_bit_444_is_within_two_levels() {
        let f = all_colours_frame();
        let back = yuv_to_rgb(&rgb_to_yuv(&f, Subsampling::C444, 8, Range::Limited));
        let worst = f
            .as_raw()
            .iter()
            .zip(back.as_raw())
            .map(|(a, b)| (*a as i32 - *b as i32).abs())
            .max()
            .unwrap();
        assert!(worst <= 2, "worst error {worst}");
    }

    #[test]
    fn bt709_white_and_red_decode() {
        // BT.709 limited: red is Y = 16 + 219*0.2126 = 62.6, Cr = 240, Cb = 128 - 112*0.2126/0.9278.
        let cb = (128.0 - 112.0 * 0.2126 / (1.0 - 0.0722)) as u16;
        let p = YuvPlanes {
            width: 1,
            height: 1,
            sub: Subsampling::C444,
            depth: 8,
            range: Range::Limited,
            matrix: Matrix::Bt709,
            y: vec![63],
            u: vec![cb],
            v: vec![240],
        };
        let px = yuv_to_rgb(&p).get_pixel(0, 0).0;
        assert!(px[0] >= 253 && px[1] <= 2 && px[2] <= 3, "{px:?}");
        // The same samples read as BT.601 give a visibly different colour.
        let px601 = yuv_to_rgb(&YuvPlanes {
            matrix: Matrix::Bt601,
            ..p
        })
        .get_pixel(0, 0)
        .0;
        assert!(px601[0] < 240, "{px601:?}");
    }

    #[test]
    fn known_values_bt601_limited() {
        let mut f = Frame::new(1, 1);
        f.put_pixel(0, 0, image::Rgb([255, 255, 255]));
        let p = rgb_to_yuv(&f, Subsampling::C444, 8, Range::Limited);
        assert_eq!((p.y[0], p.u[0], p.v[0]), (235, 128, 128));
        f.put_pixel(0, 0, image::Rgb([255, 0, 0]));
        let p = rgb_to_yuv(&f, Subsampling::C444, 8, Range::Limited);
        // Rec.601 red: Y = 16 + 219*0.299 = 81.5, Cr = 240.
        assert_eq!((p.y[0], p.u[0], p.v[0]), (81, 90, 240));
    }
}
