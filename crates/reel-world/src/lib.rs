//! The toy world: procedural clips, captions and the evaluator that scores generated videos.
