//! Per-modality MLP encoder: `depth` linear layers of `width`, each followed by ReLU; or,
//! for early fusion, one linear layer without it (the modality's share of the first layer of
//! an encoder of the concatenated inputs, [`super::fusion`]).

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
    /// No ReLU after the layers (early fusion's linear share of the first layer).
    #[module(skip)]
    pub linear: bool,
}

impl Encoder {
    /// A `depth`-layer encoder from `d_in` features to `width`.
    pub fn new(d_in: usize, width: usize, depth: usize, rng: &mut HostRng, device: &Device) -> Self {
        let layers = (0..depth)
            .map(|i| linear_from_rng(if i == 0 { d_in } else { width }, width, rng, device))
            .collect();
        Self { layers, linear: false }
    }

    /// One linear layer from `d_in` features to `width`, no ReLU (early fusion).
    pub fn linear(d_in: usize, width: usize, rng: &mut HostRng, device: &Device) -> Self {
        Self { layers: vec![linear_from_rng(d_in, width, rng, device)], linear: true }
    }

    /// z = φ(x).
    ///
    /// # Shapes
    /// - `input`: `[batch, d_in]`
    /// - output: `[batch, width]`
    pub fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        self.layers.iter().fold(input, |x, layer| if self.linear { layer.forward(x) } else { relu(layer.forward(x)) })
    }
}
