//! Video type; MP4/H.264, GIF, PNG, Y4M in and out; resize, crop and frame-rate resampling.
//!
//! Entry points: [`write_video`], [`read_video`], [`read_image`], [`probe`], [`read_metadata`],
//! and [`conform`] / [`resize_frame`] / [`resample_fps`] to bring inputs to a target size and rate.

pub mod color;
mod conform;
mod fsutil;
mod gifio;
mod h264;
mod io;
mod mp4io;
mod pngio;
mod video;
mod y4m;

pub use conform::{conform, mean_abs_diff, psnr, resample_fps, resize_frame, FitMode};
pub use io::{
    input_format, output_format, probe, read_image, read_metadata, read_video, write_video, Format,
    Quality, VideoInfo, WriteOptions, DEFAULT_FPS,
};
pub use pngio::{DEFAULT_PATTERN, SEQUENCE_JSON};
pub use video::{Frame, Video};
pub use y4m::{Y4mLayout, Y4M_HEADER_LIMIT};
