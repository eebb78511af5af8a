//! Low-rank multimodal fusion (Liu, Shen, Lakshminarasimhan, Liang, Zadeh, Morency,
//! *Efficient Low-rank Multimodal Fusion with Modality-Specific Factors*, ACL 2018; official
//! code `Justin1904/Low-rank-Multimodal-Fusion`, model.py; docs/methods.md, "Fusions").
//!
//! With ẑ_m = [z_m; 1]: out = Σ_i λ_i · ⊙_m (ẑ_m · W_m⁽ⁱ⁾) + b, factors W_m⁽ⁱ⁾ ∈
//! R^{(d_m+1)×d_out}, i = 1..r. This is tensor fusion ([`super::tfn`]) with its weight
//! restricted to rank r: W = Σ_i λ_i ⊗_m W_m⁽ⁱ⁾ (a test checks it at ranks 1, 4 and 16).
//! Parameters: r · Σ_m (d_m+1) · d_out + r + d_out.
//!
//! As the official code: factors and λ start Xavier-normal (PyTorch's fans of a 3-D tensor
//! `[r, d+1, d_out]`: fan_in = (d+1)·d_out, fan_out = r·d_out), the bias at zero, every factor
//! is a registered parameter (MultiBench's copy loses them on a GPU: its factors sit in a
//! plain list). Deviations: the 1 is appended (docs/methods.md, "Fusions"), where the
//! official code prepends it (the same function, the factor rows permuted); its
//! `post_fusion_dropout` is never applied in its forward, so there is none here (the dropout
//! method applies to the fused output like any fusion's). The official training gives the
//! factors their own learning rate and puts BatchNorm subnets before the fusion; here one
//! optimizer and learning rate cover every parameter and the run's MLP encoders feed the
//! fusion.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor, TensorData};

use crate::engine::rng::HostRng;

/// `[z; 1]`: the embedding with a constant 1 appended, so every lower-order term (each
/// modality alone, each pair, …) stays inside the product.
///
/// # Shapes
/// - `z`: `[batch, d]` → `[batch, d + 1]`
pub fn with_one(z: &Tensor<2>) -> Tensor<2> {
    let [batch, _] = z.dims();
    Tensor::cat(vec![z.clone(), Tensor::ones([batch, 1], &z.device())], 1)
}

/// Xavier-normal draws: N(0, 2 / (fan_in + fan_out)).
fn xavier_normal(count: usize, fan_in: usize, fan_out: usize, rng: &mut HostRng) -> Vec<f32> {
    let std = (2.0 / (fan_in + fan_out) as f64).sqrt();
    (0..count).map(|_| (rng.normal() * std) as f32).collect()
}

/// The low-rank fusion layer.
#[derive(Module, Debug)]
pub struct LowRankFusion {
    /// W_m, one `[r, d_m + 1, d_out]` tensor per modality.
    pub factors: Vec<Param<Tensor<3>>>,
    /// λ, `[1, r]`.
    pub rank_weights: Param<Tensor<2>>,
    /// b, `[d_out]` (1-D like every bias: L2 and weight decay leave it alone).
    pub bias: Param<Tensor<1>>,
}

impl LowRankFusion {
    /// A fusion of embeddings of widths `dims` into `d_out` features at rank `rank`.
    pub fn new(dims: &[usize], d_out: usize, rank: usize, rng: &mut HostRng, device: &Device) -> Self {
        let factors = dims
            .iter()
            .map(|&d| {
                let values = xavier_normal(rank * (d + 1) * d_out, (d + 1) * d_out, rank * d_out, rng);
                Param::from_data(TensorData::new(values, [rank, d + 1, d_out]), device)
            })
            .collect();
        let rank_weights = Param::from_data(TensorData::new(xavier_normal(rank, rank, 1, rng), [1, rank]), device);
        let bias = Param::from_data(TensorData::new(vec![0f32; d_out], [d_out]), device);
        Self { factors, rank_weights, bias }
    }

    /// Fuses the embeddings.
    ///
    /// # Shapes
    /// - `embeddings[m]`: `[batch, d_m]` → `[batch, d_out]`
    pub fn forward(&self, embeddings: &[Tensor<2>]) -> Tensor<2> {
        let [batch, _] = embeddings[0].dims();
        let [_, rank] = self.rank_weights.dims();
        let product = embeddings
            .iter()
            .zip(&self.factors)
            .map(|(z, factor)| {
                let hat = with_one(z);
                let [_, width] = hat.dims();
                // [r, batch, d+1] · [r, d+1, d_out] → [r, batch, d_out]
                hat.unsqueeze_dim::<3>(0).expand([rank, batch, width]).matmul(factor.val())
            })
            .reduce(|a, b| a * b)
            .expect("at least one modality");
        let [_, _, d_out] = product.dims();
        self.rank_weights.val().matmul(product.reshape([rank, batch * d_out])).reshape([batch, d_out]) + self.bias.val().unsqueeze_dim(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(values: Vec<f32>, shape: [usize; 2]) -> Tensor<2> {
        Tensor::from_data(TensorData::new(values, shape), &Device::flex())
    }

    #[test]
    fn a_hand_computed_rank_two_fusion() {
        // d_a = d_b = 1, d_out = 1, r = 2, one sample z_a = 2, z_b = 3, so ẑ_a = (2, 1),
        // ẑ_b = (3, 1). Factors (rows: z, then the 1): W_a⁽¹⁾ = (0.5, 1), W_a⁽²⁾ = (−1, 0.25);
        // W_b⁽¹⁾ = (2, −1), W_b⁽²⁾ = (0.1, 0.3); λ = (0.7, −2); b = 0.05.
        // Rank 1: (2·0.5 + 1)(3·2 − 1) = 2 · 5 = 10; rank 2: (−2 + 0.25)(0.3 + 0.3) = −1.05.
        // out = 0.7·10 − 2·(−1.05) + 0.05 = 9.15.
        let device = Device::flex();
        let factor = |v: Vec<f32>| Param::from_data(TensorData::new(v, [2, 2, 1]), &device);
        let fusion = LowRankFusion {
            factors: vec![factor(vec![0.5, 1.0, -1.0, 0.25]), factor(vec![2.0, -1.0, 0.1, 0.3])],
            rank_weights: Param::from_data(TensorData::new(vec![0.7f32, -2.0], [1, 2]), &device),
            bias: Param::from_data(TensorData::new(vec![0.05f32], [1]), &device),
        };
        let out = fusion.forward(&[tensor(vec![2.0], [1, 1]), tensor(vec![3.0], [1, 1])]);
        let value = out.into_data().try_to_vec::<f32>().unwrap()[0];
        assert!((value as f64 - 9.15).abs() < 1e-5, "{value}");
    }
}
