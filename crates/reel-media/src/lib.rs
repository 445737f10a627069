//! Video type; MP4/H.264, GIF, PNG, Y4M in and out; resize, crop and frame-rate resampling.

mod video;

pub use video::{Frame, Video};
