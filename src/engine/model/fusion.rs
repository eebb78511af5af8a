//! Fusion of the modality embeddings into one representation.
//!
//! - `concat`: [z_1; …; z_M] (late fusion), width M·d;
//! - `sum`: Σ_m z_m, width d;
//! - `gated`: g = softmax(W_g [z_1; …; z_M] + b_g) over modalities, Σ_m g_m · z_m, width d;
//! - `tfn`: tensor fusion ([`super::tfn`]), width d;
//! - `lmf`: low-rank multimodal fusion ([`super::lmf`]) at rank `model.rank`, width d.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, activation::softmax};

use super::init::linear_from_rng;
use super::lmf::LowRankFusion;
use super::tfn::TensorFusion;
use crate::engine::config::FusionKind;
use crate::engine::rng::HostRng;

/// The fusion layer (parameters for `gated`, `lmf` and `tfn`).
#[derive(Module, Debug)]
pub struct Fusion {
    /// Which fusion.
    #[module(skip)]
    pub kind: FusionKind,
    /// Gate for `gated`: `[M·d] -> [M]`.
    pub gate: Option<Linear>,
    /// The low-rank fusion for `lmf`.
    pub low_rank: Option<LowRankFusion>,
    /// The tensor fusion for `tfn`.
    pub tensor: Option<TensorFusion>,
}

impl Fusion {
    /// A fusion of `modalities` embeddings of width `width` (`rank`: LMF's).
    pub fn new(kind: FusionKind, modalities: usize, width: usize, rank: usize, rng: &mut HostRng, device: &Device) -> Self {
        let dims = vec![width; modalities];
        let gate = (kind == FusionKind::Gated).then(|| linear_from_rng(modalities * width, modalities, rng, device));
        let low_rank = (kind == FusionKind::Lmf).then(|| LowRankFusion::new(&dims, width, rank, rng, device));
        let tensor = (kind == FusionKind::Tfn).then(|| TensorFusion::new(&dims, width, rng, device));
        Self { kind, gate, low_rank, tensor }
    }

    /// Width of the fused representation.
    pub fn output_width(kind: FusionKind, modalities: usize, width: usize) -> usize {
        match kind {
            FusionKind::Concat => modalities * width,
            FusionKind::Sum | FusionKind::Gated | FusionKind::Lmf | FusionKind::Tfn => width,
        }
    }

    /// Fuses the embeddings.
    ///
    /// # Shapes
    /// - `embeddings[m]`: `[batch, d]`
    /// - output: `[batch, output_width]`
    pub fn forward(&self, embeddings: &[Tensor<2>]) -> Tensor<2> {
        match (self.kind, &self.gate, &self.low_rank, &self.tensor) {
            (FusionKind::Concat, ..) => Tensor::cat(embeddings.to_vec(), 1),
            (FusionKind::Gated, Some(gate), ..) => {
                let weights = softmax(gate.forward(Tensor::cat(embeddings.to_vec(), 1)), 1);
                embeddings
                    .iter()
                    .enumerate()
                    .map(|(m, z)| z.clone() * weights.clone().narrow(1, m, 1))
                    .reduce(|a, b| a + b)
                    .expect("at least one modality")
            }
            (FusionKind::Lmf, _, Some(low_rank), _) => low_rank.forward(embeddings),
            (FusionKind::Tfn, .., Some(tensor)) => tensor.forward(embeddings),
            _ => embeddings.iter().cloned().reduce(|a, b| a + b).expect("at least one modality"),
        }
    }
}
