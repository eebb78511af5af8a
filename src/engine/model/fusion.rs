//! Fusion of the modality embeddings into one representation.
//!
//! - `concat`: [z_1; …; z_M] (feature-level fusion), width M·d;
//! - `sum`: Σ_m z_m, width d;
//! - `gated`: g = softmax(W_g [z_1; …; z_M] + b_g) over modalities, Σ_m g_m · z_m, width d;
//! - `tfn`: tensor fusion ([`super::tfn`]), width d;
//! - `lmf`: low-rank multimodal fusion ([`super::lmf`]) at rank `model.rank`, width d;
//! - `early`: the inputs concatenated into one encoder. The encoders are one linear layer
//!   each (z_m = W_m x_m + b_m, so Σ_m z_m = W·[x_1; …; x_M] + b: the first layer of an
//!   encoder of the concatenated inputs, split by modality); the fusion is ReLU(Σ_m z_m)
//!   then the encoder's other `encoder_depth − 1` layers (Linear + ReLU, width d), shared;
//! - `late`: each modality's own classifier on z_m (a hidden ReLU layer of `fusion_hidden`
//!   units when it is > 0, then a linear layer to the classes); the fusion is the mean of
//!   their logits, width = classes, and there is no fused head after it.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, activation::{relu, softmax}};

use super::init::linear_from_rng;
use super::lmf::LowRankFusion;
use super::tfn::TensorFusion;
use crate::engine::config::{FusionKind, ModelConfig};
use crate::engine::rng::HostRng;

/// The fusion layer (parameters for `gated`, `lmf`, `tfn`, `early` with encoder depth > 1, and
/// `late`).
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
    /// `early`: the encoder's layers after the first, shared by the modalities.
    pub shared: Vec<Linear>,
    /// `late`: each modality's classifier, its hidden layer (when `fusion_hidden > 0`) …
    pub late_hidden: Vec<Linear>,
    /// … and its output layer.
    pub late_out: Vec<Linear>,
}

impl Fusion {
    /// The fusion of `modalities` embeddings that `config` describes (`classes`: late
    /// fusion's classifiers'), its weights drawn from `rng`.
    pub fn new(config: &ModelConfig, modalities: usize, classes: usize, rng: &mut HostRng, device: &Device) -> Self {
        let (kind, width) = (config.fusion, config.encoder_width);
        let dims = vec![width; modalities];
        let gate = (kind == FusionKind::Gated).then(|| linear_from_rng(modalities * width, modalities, rng, device));
        let low_rank = (kind == FusionKind::Lmf).then(|| LowRankFusion::new(&dims, width, config.rank, rng, device));
        let tensor = (kind == FusionKind::Tfn).then(|| TensorFusion::new(&dims, width, rng, device));
        let shared = match kind {
            FusionKind::Early => (1..config.encoder_depth).map(|_| linear_from_rng(width, width, rng, device)).collect(),
            _ => Vec::new(),
        };
        let (mut late_hidden, mut late_out) = (Vec::new(), Vec::new());
        if kind == FusionKind::Late {
            for _ in 0..modalities {
                let last_in = match config.fusion_hidden {
                    0 => width,
                    h => {
                        late_hidden.push(linear_from_rng(width, h, rng, device));
                        h
                    }
                };
                late_out.push(linear_from_rng(last_in, classes, rng, device));
            }
        }
        Self { kind, gate, low_rank, tensor, shared, late_hidden, late_out }
    }

    /// Width of the fused representation (`late`: the classes, as it is the fused logits).
    pub fn output_width(config: &ModelConfig, modalities: usize, classes: usize) -> usize {
        match config.fusion {
            FusionKind::Concat => modalities * config.encoder_width,
            FusionKind::Sum | FusionKind::Gated | FusionKind::Lmf | FusionKind::Tfn | FusionKind::Early => config.encoder_width,
            FusionKind::Late => classes,
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
            (FusionKind::Early, ..) => {
                let first = relu(sum(embeddings));
                self.shared.iter().fold(first, |x, layer| relu(layer.forward(x)))
            }
            (FusionKind::Late, ..) => {
                let logits: Vec<Tensor<2>> = embeddings
                    .iter()
                    .enumerate()
                    .map(|(m, z)| {
                        let hidden = match self.late_hidden.get(m) {
                            Some(layer) => relu(layer.forward(z.clone())),
                            None => z.clone(),
                        };
                        self.late_out[m].forward(hidden)
                    })
                    .collect();
                sum(&logits) / embeddings.len() as f64
            }
            _ => sum(embeddings),
        }
    }
}

/// Σ_m of same-shaped tensors.
fn sum(tensors: &[Tensor<2>]) -> Tensor<2> {
    tensors.iter().cloned().reduce(|a, b| a + b).expect("at least one modality")
}
