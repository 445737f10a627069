//! DiT, causal video VAE and text encoders; configs, bundles and weight loading.
//!
//! Model files follow candle-transformers' shape: a `Config`, `new(cfg, vb)`, `forward`.

pub mod bundle;
pub mod clip;
pub mod conv3d;
pub mod dit;
pub mod fused;
pub mod init;
pub mod nn;
pub mod ops;
pub mod runtime;
pub mod text;
pub mod umt5;
pub mod vae;
pub mod wan;
