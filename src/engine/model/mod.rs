//! The multimodal network: one MLP encoder per modality, a fusion, a fused head and one
//! probe head per modality.

pub mod classifier;
pub mod encoder;
pub mod fusion;
pub mod init;
pub mod lmf;
pub mod loss;
pub mod optimizer;
pub mod params;
pub mod tfn;

pub use classifier::{Forward, MultimodalNet};
