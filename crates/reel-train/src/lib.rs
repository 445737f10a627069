//! Datasets, training loops and checkpoints for Reel's own models.
