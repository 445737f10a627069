//! Datasets, training loops and checkpoints for Reel's own models.
//!
//! `train(config, out, resume, opts)` runs the VAE stage, measures latent statistics, runs the
//! DiT + text-encoder stage and exports a bundle; `eval_model` scores a bundle with the toy
//! world's evaluator.

pub mod checkpoint;
pub mod config;
pub mod data;
pub mod eval;
pub mod modes_eval;
pub mod optim;
pub mod pca;
pub mod pool;
pub mod train;

pub use checkpoint::{Stage, CHECKPOINT_FILE};
pub use config::TrainConfig;
pub use eval::{eval_model, eval_reconstruction, EvalOptions, SamplerOverrides};
pub use train::{export_checkpoint, train, Outcome, RunOptions, BUNDLE_DIR};
