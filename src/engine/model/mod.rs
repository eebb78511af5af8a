//! The multimodal network: one MLP encoder per modality, a fusion, a fused head and one
//! probe head per modality.

pub mod classifier;
pub mod encoder;
pub mod fusion;
pub mod init;
pub mod loss;
pub mod optimizer;
pub mod params;

pub use classifier::{Forward, MultimodalNet};
