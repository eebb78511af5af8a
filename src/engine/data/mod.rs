//! Datasets as plain host data: per-modality `f32` matrices, labels and splits. No tensors
//! here except in [`batcher`], the only place where host rows become device tensors.

pub mod batcher;
pub mod dataset;
pub mod mfeat;
pub mod split;
pub mod synthetic;

pub use dataset::Dataset;
pub use split::{Matrix, Split};
