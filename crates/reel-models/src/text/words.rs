//! A small-vocabulary word tokenizer: known words get their own id, unknown words share a few
//! hashed ids, so any prompt tokenizes and the toy world's words are learned exactly.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const PAD: u32 = 0;
pub const EOS: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct WordTokenizer {
    /// Always "reel-words".
    #[serde(rename = "type")]
    pub kind: String,
    pub vocab: Vec<String>,
    /// Ids reserved for unknown words, chosen by a stable hash.
    pub hash_buckets: u32,
    /// Sequence length including EOS; longer prompts are truncated.
    pub max_len: usize,
}

/// Words of the toy world's captions and their variations, plus glue words people use.
const DEFAULT_WORDS: &str =
    "a an the and or with on over in of to at by from into onto behind while is are its it \
    small large big tiny little huge medium \
    red green blue yellow purple cyan orange white black gray grey brown pink violet \
    circle ball disc dot square box block cube triangle shape object objects \
    stays still stationary static rests sits motionless \
    moves moving goes going slides sliding travels drifts heads left right up down upward downward \
    bounces bouncing bounce between walls wall side sides back forth \
    falls falling drops dropping floor ground gravity \
    background backdrop scene camera pans panning pan passing passes pillar column post \
    then slowly quickly fast video clip frame";

impl WordTokenizer {
    pub fn default_vocab(max_len: usize) -> Self {
        Self {
            kind: "reel-words".into(),
            vocab: DEFAULT_WORDS
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            hash_buckets: 32,
            max_len,
        }
    }

    pub fn vocab_size(&self) -> usize {
        2 + self.hash_buckets as usize + self.vocab.len()
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read tokenizer {}", path.display()))?;
        let tok: Self = serde_json::from_str(&text).with_context(|| {
            format!("tokenizer {} is not a reel-words tokenizer", path.display())
        })?;
        if tok.kind != "reel-words" {
            bail!(
                "tokenizer {} has type {:?}, expected \"reel-words\"",
                path.display(),
                tok.kind
            );
        }
        if tok.max_len < 2 {
            bail!(
                "tokenizer {} has max_len {} (needs at least 2)",
                path.display(),
                tok.max_len
            );
        }
        Ok(tok)
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        std::fs::write(path, serde_json::to_string_pretty(self)?)
            .with_context(|| format!("cannot write tokenizer {}", path.display()))
    }

    /// Lower-cased alphanumeric words.
    pub fn words(text: &str) -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.to_lowercase())
            .collect()
    }

    fn id(&self, word: &str) -> u32 {
        match self.vocab.iter().position(|v| v == word) {
            Some(i) => 2 + self.hash_buckets + i as u32,
            None => {
                let h = word.bytes().fold(0x811c_9dc5u32, |h, b| {
                    (h ^ b as u32).wrapping_mul(0x0100_0193)
                });
                2 + h % self.hash_buckets.max(1)
            }
        }
    }

    /// Ids of exactly `max_len` entries (words, EOS, then PAD) and the count of real tokens.
    pub fn encode(&self, text: &str) -> (Vec<u32>, usize) {
        let mut ids: Vec<u32> = Self::words(text).iter().map(|w| self.id(w)).collect();
        ids.truncate(self.max_len - 1);
        ids.push(EOS);
        let len = ids.len();
        ids.resize(self.max_len, PAD);
        (ids, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_words_unique_unknown_hashed_and_padding() {
        let t = WordTokenizer::default_vocab(8);
        let (ids, len) = t.encode("A red Ball, bounces!");
        assert_eq!(len, 5);
        assert_eq!(ids.len(), 8);
        assert_eq!(ids[4], EOS);
        assert!(ids[5..].iter().all(|&i| i == PAD));
        assert_eq!(t.encode("red").0[0], t.encode("RED").0[0]);
        assert_ne!(t.encode("red").0[0], t.encode("blue").0[0]);
        let unk = t.encode("zebra").0[0];
        assert!((2..2 + t.hash_buckets).contains(&unk));
        // Truncation keeps room for EOS.
        let (long, n) = t.encode("a a a a a a a a a a a");
        assert_eq!((long.len(), n, long[7]), (8, 8, EOS));
    }
}
