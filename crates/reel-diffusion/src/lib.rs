//! Flow-matching schedules, solvers, guidance, timelines and the generation pipeline.

pub mod schedulers;
