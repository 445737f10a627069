//! Flow-matching schedules, solvers, guidance, timelines and the generation pipeline.

pub mod frames;
pub mod image_cond;
pub mod model;
pub mod noise;
pub mod pipeline;
pub mod schedulers;
pub mod seams;
pub mod timeline;
pub mod windows;

pub use image_cond::FrameCondition;
pub use model::{GuidanceBatching, VideoModel};
pub use pipeline::{
    check_guidance_interval, generate_window, parse_guidance_interval, GenerateOptions, Generation,
    Progress, SamplerSettings,
};
pub use schedulers::SolverKind;
pub use timeline::{Known, KnownAt, LatentKeep, Mask, PromptSegment, Timeline};
pub use windows::generate;
