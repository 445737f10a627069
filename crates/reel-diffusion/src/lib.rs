//! Flow-matching schedules, solvers, guidance, timelines and the generation pipeline.

pub mod frames;
pub mod noise;
pub mod pipeline;
pub mod schedulers;
pub mod timeline;

pub use pipeline::{generate, GenerateOptions, Generation, Progress, SamplerSettings};
pub use schedulers::SolverKind;
pub use timeline::{Known, Timeline};
