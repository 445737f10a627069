//! Prompt moderation, invisible watermark and C2PA provenance.

pub mod moderation;

pub use moderation::{check, Category, ModerationError, Policy, Verdict};
pub mod provenance;
pub mod watermark;
