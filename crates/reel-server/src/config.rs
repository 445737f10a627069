//! Server configuration: a JSON or TOML file, plus `REEL_API_KEYS` from the environment.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The model names of OpenAI's videos API; each maps to the embedded default unless configured.
pub const SORA_MODELS: &[&str] = &[
    "sora-2",
    "sora-2-pro",
    "sora-2-2025-10-06",
    "sora-2-pro-2025-10-06",
    "sora-2-2025-12-08",
];

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// `host:port`; the CLI's `--listen` overrides it.
    #[serde(default)]
    pub listen: Option<String>,
    /// Where the job database and outputs live; the CLI's `--data` overrides it.
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    /// Jobs generated at once (each uses every core through candle; 1 is right for a CPU).
    #[serde(default = "default_workers")]
    pub workers: usize,
    /// Jobs queued or running (over all keys) before new ones get 429.
    #[serde(default = "default_queue_limit")]
    pub queue_limit: usize,
    /// Seconds after completion (or failure) that a job and its files are deleted.
    #[serde(default = "default_expire")]
    pub expire_after_secs: u64,
    /// How often expired jobs are looked for.
    #[serde(default = "default_cleanup")]
    pub cleanup_interval_secs: u64,
    /// `openai-poll-after-ms` sent while a job is queued or running.
    #[serde(default = "default_poll")]
    pub poll_after_ms: u64,
    /// Largest request body (uploads included).
    #[serde(default = "default_upload")]
    pub max_upload_bytes: usize,
    /// Longest clip a request may ask for.
    #[serde(default = "default_max_seconds")]
    pub max_seconds: f64,
    /// Bearer keys; `REEL_API_KEYS` (comma-separated) adds more. None = loopback only, no auth.
    #[serde(default)]
    pub api_keys: Vec<String>,
    /// Model name → bundle. Sora names not listed here go to `default_model`.
    #[serde(default)]
    pub models: BTreeMap<String, ModelEntry>,
    /// Bundle for the Sora names; unset = the embedded default (`reel_render::default_model_dir`).
    #[serde(default)]
    pub default_model: Option<ModelEntry>,
    /// Moderation policy file (JSON or TOML); unset = the default policy.
    #[serde(default)]
    pub policy: Option<PathBuf>,
}

/// A model bundle and how the server drives it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ModelEntry {
    Path(PathBuf),
    Full(ModelSpec),
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub path: PathBuf,
    /// Denoising steps (default: the bundle's).
    #[serde(default)]
    pub steps: Option<usize>,
    /// Largest frame area in pixels; bigger requested sizes are scaled down keeping the aspect
    /// ratio (default: the bundle's default width × height).
    #[serde(default)]
    pub max_area: Option<u32>,
}

impl ModelEntry {
    pub fn spec(&self) -> ModelSpec {
        match self {
            ModelEntry::Path(p) => ModelSpec {
                path: p.clone(),
                steps: None,
                max_area: None,
            },
            ModelEntry::Full(s) => s.clone(),
        }
    }
}

fn default_workers() -> usize {
    1
}
fn default_queue_limit() -> usize {
    32
}
fn default_expire() -> u64 {
    24 * 3600
}
fn default_cleanup() -> u64 {
    60
}
fn default_poll() -> u64 {
    1000
}
fn default_upload() -> usize {
    64 << 20
}
fn default_max_seconds() -> f64 {
    20.0
}

impl Default for ServerConfig {
    fn default() -> Self {
        serde_json::from_str("{}").expect("empty config parses")
    }
}

impl ServerConfig {
    /// Reads a `.json` or `.toml` file (by extension; other names are tried as JSON then TOML).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read server config {}", path.display()))?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let cfg: Self = match ext.as_str() {
            "json" => serde_json::from_str(&text)
                .with_context(|| format!("{} is not a valid server config", path.display()))?,
            "toml" => toml::from_str(&text)
                .with_context(|| format!("{} is not a valid server config", path.display()))?,
            _ => match serde_json::from_str(&text) {
                Ok(c) => c,
                Err(_) => toml::from_str(&text).with_context(|| {
                    format!("{} is neither JSON nor TOML server config", path.display())
                })?,
            },
        };
        cfg.validate()?;
        Ok(cfg)
    }

    pub fn validate(&self) -> Result<()> {
        if self.workers == 0 {
            bail!("workers must be at least 1");
        }
        if self.queue_limit == 0 {
            bail!("queue_limit must be at least 1");
        }
        if !(self.max_seconds.is_finite() && self.max_seconds > 0.0) {
            bail!("max_seconds must be positive");
        }
        Ok(())
    }

    /// Adds keys from `REEL_API_KEYS` (comma-separated).
    pub fn with_env_keys(mut self) -> Self {
        if let Ok(v) = std::env::var("REEL_API_KEYS") {
            for k in v.split(',').map(str::trim).filter(|k| !k.is_empty()) {
                if !self.api_keys.iter().any(|x| x == k) {
                    self.api_keys.push(k.to_string());
                }
            }
        }
        self
    }

    /// The bundle a model name stands for, or `None` if the name is unknown.
    pub fn model(&self, name: &str) -> Option<ModelSpec> {
        if let Some(e) = self.models.get(name) {
            return Some(e.spec());
        }
        if SORA_MODELS.contains(&name) {
            return Some(match &self.default_model {
                Some(e) => e.spec(),
                None => ModelSpec {
                    path: reel_render::default_model_dir(),
                    steps: None,
                    max_area: None,
                },
            });
        }
        None
    }

    pub fn model_names(&self) -> Vec<String> {
        let mut v: Vec<String> = SORA_MODELS.iter().map(|s| s.to_string()).collect();
        for k in self.models.keys() {
            if !v.contains(k) {
                v.push(k.clone());
            }
        }
        v
    }
}
