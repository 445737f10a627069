//! Text encoders behind one trait. Here: a small word-level tokenizer and transformer encoder for
//! Reel's own models; the UMT5 encoder for Wan weights lives beside it.

mod tiny;
mod words;

pub use tiny::{TinyTextConfig, TinyTextEncoder};
pub use words::WordTokenizer;

use candle_core::{Result, Tensor};

/// Turns prompts into context tokens for cross-attention.
pub trait TextEncoder: Send + Sync {
    /// `[B, S, dim]` context; rows past a prompt's length are zero (Wan's convention).
    fn encode(&self, prompts: &[&str]) -> Result<Tensor>;
    /// Width of each context token.
    fn dim(&self) -> usize;
}
