//! The 64-bit payload (16-bit Reel id + 48-bit output id) and its CRC-protected 80-bit codeword.

use sha2::{Digest, Sha256};
use std::fmt;

/// The Reel id every output of this build carries ("Re" in ASCII).
pub const REEL_ID: u16 = 0x5265;

/// Payload bits (16 + 48) plus a CRC-16 over them.
pub const CODEWORD_BITS: usize = 80;

/// What the watermark carries: who made the clip and which output it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Payload {
    pub reel_id: u16,
    /// Only the low 48 bits are carried.
    pub output_id: u64,
}

impl Payload {
    pub const OUTPUT_ID_MASK: u64 = (1 << 48) - 1;

    /// A payload for an explicit 48-bit id (higher bits are dropped).
    pub fn new(reel_id: u16, output_id: u64) -> Self {
        Self {
            reel_id,
            output_id: output_id & Self::OUTPUT_ID_MASK,
        }
    }

    /// Reel's id plus the first 48 bits of SHA-256 of the output's id string (e.g. `video_…`):
    /// ids are longer than 48 bits, so the mark carries a hash (`watermark::detect_among` tests it).
    pub fn from_output_id(id: &str) -> Self {
        let digest = Sha256::digest(id.as_bytes());
        let mut v = 0u64;
        for b in &digest[..6] {
            v = (v << 8) | u64::from(*b);
        }
        Self::new(REEL_ID, v)
    }

    pub fn to_u64(&self) -> u64 {
        (u64::from(self.reel_id) << 48) | (self.output_id & Self::OUTPUT_ID_MASK)
    }

    pub fn from_u64(v: u64) -> Self {
        Self::new((v >> 48) as u16, v)
    }

    /// The 80 transmitted bits, most significant first: 64 payload bits then CRC-16.
    pub fn to_codeword(&self) -> [bool; CODEWORD_BITS] {
        let v = self.to_u64();
        let crc = crc16(v);
        let mut bits = [false; CODEWORD_BITS];
        for (i, bit) in bits.iter_mut().enumerate().take(64) {
            *bit = (v >> (63 - i)) & 1 == 1;
        }
        for i in 0..16 {
            bits[64 + i] = (crc >> (15 - i)) & 1 == 1;
        }
        bits
    }

    /// The payload if the CRC matches, else `None`.
    pub fn from_codeword(bits: &[bool; CODEWORD_BITS]) -> Option<Self> {
        let mut v = 0u64;
        for &b in &bits[..64] {
            v = (v << 1) | u64::from(b);
        }
        let mut crc = 0u16;
        for &b in &bits[64..] {
            crc = (crc << 1) | u16::from(b);
        }
        (crc16(v) == crc).then(|| Self::from_u64(v))
    }
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "reel-id {:04x} output-id {:012x}",
            self.reel_id, self.output_id
        )
    }
}

/// CRC-16/CCITT-FALSE over the 8 big-endian bytes of `v`.
fn crc16(v: u64) -> u16 {
    let mut crc: u16 = 0xffff;
    for byte in v.to_be_bytes() {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_published_check_value() {
        // The catalogue check value of CRC-16/CCITT-FALSE is 0x29B1 for ASCII "123456789".
        fn crc_bytes(data: &[u8]) -> u16 {
            let mut crc: u16 = 0xffff;
            for &byte in data {
                crc ^= u16::from(byte) << 8;
                for _ in 0..8 {
                    crc = if crc & 0x8000 != 0 {
                        (crc << 1) ^ 0x1021
                    } else {
                        crc << 1
                    };
                }
            }
            crc
        }
        assert_eq!(crc_bytes(b"123456789"), 0x29B1);
        assert_eq!(
            crc16(u64::from_be_bytes(*b"12345678")),
            crc_bytes(b"12345678")
        );
    }

    #[test]
    fn codeword_round_trip_and_single_bit_errors_are_caught() {
        let p = Payload::from_output_id("video_68d7512d07848190b3e45da0ecbebcde");
        assert_eq!(p.reel_id, REEL_ID);
        let bits = p.to_codeword();
        assert_eq!(Payload::from_codeword(&bits), Some(p));
        for i in 0..CODEWORD_BITS {
            let mut b = bits;
            b[i] = !b[i];
            assert_eq!(
                Payload::from_codeword(&b),
                None,
                "flip of bit {i} not caught"
            );
        }
        assert_eq!(
            p,
            Payload::from_output_id("video_68d7512d07848190b3e45da0ecbebcde")
        );
        assert_ne!(p, Payload::from_output_id("video_other"));
    }
}
