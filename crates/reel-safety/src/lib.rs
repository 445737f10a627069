//! Prompt moderation, invisible watermark and C2PA provenance.
