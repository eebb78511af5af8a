//! The multimodal network: one encoder per modality (an MLP; one linear layer for early
//! fusion), a fusion, a fused head (none for late fusion) and one probe head per modality.

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
