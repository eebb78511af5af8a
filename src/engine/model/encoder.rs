//! Per-modality MLP encoder: `depth` linear layers of `width`, each followed by ReLU.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, activation::relu};

use super::init::linear_from_rng;
use crate::engine::rng::HostRng;

/// An MLP encoder φ_m.
#[derive(Module, Debug)]
pub struct Encoder {
    /// The layers, input first.
    pub layers: Vec<Linear>,
}

impl Encoder {
    /// A `depth`-layer encoder from `d_in` features to `width`.
    pub fn new(d_in: usize, width: usize, depth: usize, rng: &mut HostRng, device: &Device) -> Self {
        let layers = (0..depth)
            .map(|i| linear_from_rng(if i == 0 { d_in } else { width }, width, rng, device))
            .collect();
        Self { layers }
    }

    /// z = φ(x).
    ///
    /// # Shapes
    /// - `input`: `[batch, d_in]`
    /// - output: `[batch, width]`
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        self.layers.iter().fold(input, |x, layer| relu(layer.forward(x)))
    }
}
