//! Tensor fusion (Zadeh, Chen, Poria, Cambria, Morency, *Tensor Fusion Network for Multimodal
//! Sentiment Analysis*, EMNLP 2017; MultiBench `fusions/common_fusions.py` `TensorFusion`;
//! docs/methods.md, "Fusions"): out = W · vec(⊗_m [z_m; 1]) + b, W ∈ R^{d_out × Π_m (d_m+1)}.
//! The outer product holds every product of one feature per modality, and through the appended
//! 1s every lower-order term too, so a linear head on it can learn interactions that an
//! additive fusion cannot. Parameters: d_out · Π_m (d_m+1) + d_out; validation refuses more
//! than 2^24 weights. `vec` is row-major with modality 1 the slowest index.
//!
//! The paper follows the product with an MLP; here the fused head ([`super::MultimodalNet`])
//! comes after it, as after every fusion. W starts as PyTorch's default linear layer.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use super::init::linear_from_rng;
use super::lmf::with_one;
use crate::engine::rng::HostRng;

/// The tensor-fusion layer.
#[derive(Module, Debug)]
pub struct TensorFusion {
    /// W and b: `[Π_m (d_m+1)] → [d_out]`.
    pub layer: Linear,
}

impl TensorFusion {
    /// A fusion of embeddings of widths `dims` into `d_out` features.
    pub fn new(dims: &[usize], d_out: usize, rng: &mut HostRng, device: &Device) -> Self {
        let product: usize = dims.iter().map(|d| d + 1).product();
        Self { layer: linear_from_rng(product, d_out, rng, device) }
    }

    /// vec(⊗_m [z_m; 1]) per sample.
    ///
    /// # Shapes
    /// - `embeddings[m]`: `[batch, d_m]` → `[batch, Π_m (d_m+1)]`
    pub fn outer_product(embeddings: &[Tensor<2>]) -> Tensor<2> {
        embeddings
            .iter()
            .map(with_one)
            .reduce(|acc, z| {
                let ([batch, p], [_, q]) = (acc.dims(), z.dims());
                (acc.unsqueeze_dim::<3>(2) * z.unsqueeze_dim::<3>(1)).reshape([batch, p * q])
            })
            .expect("at least one modality")
    }

    /// Fuses the embeddings.
    ///
    /// # Shapes
    /// - `embeddings[m]`: `[batch, d_m]` → `[batch, d_out]`
    pub fn forward(&self, embeddings: &[Tensor<2>]) -> Tensor<2> {
        self.layer.forward(Self::outer_product(embeddings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::lmf::LowRankFusion;
    use burn::module::Param;
    use burn::tensor::{Distribution, TensorData};

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn the_outer_product_of_two_hand_picked_embeddings() {
        // ẑ_a = (2, 1), ẑ_b = (3, −1, 1): vec = (6, −2, 2, 3, −1, 1).
        let device = Device::flex();
        let z = |v: Vec<f32>, d: usize| Tensor::<2>::from_data(TensorData::new(v, [1, d]), &device);
        let product = values(TensorFusion::outer_product(&[z(vec![2.0], 1), z(vec![3.0, -1.0], 2)]));
        assert_eq!(product, vec![6.0, -2.0, 2.0, 3.0, -1.0, 1.0]);
    }

    /// The TFN weight of an LMF: W[(i_1, …, i_M), o] = Σ_r λ_r Π_m W_m[r, i_m, o], b the same.
    fn tfn_from_lmf(lmf: &LowRankFusion, dims: &[usize], d_out: usize, device: &Device) -> TensorFusion {
        let lambda = values(lmf.rank_weights.val());
        let factors: Vec<Vec<f32>> = lmf.factors.iter().map(|f| values(f.val())).collect();
        let rows: usize = dims.iter().map(|d| d + 1).product();
        let mut weight = vec![0f64; rows * d_out];
        for row in 0..rows {
            // Row-major index → (i_1, …, i_M), modality 1 the slowest.
            let mut rest = row;
            let mut index = vec![0; dims.len()];
            for m in (0..dims.len()).rev() {
                index[m] = rest % (dims[m] + 1);
                rest /= dims[m] + 1;
            }
            for o in 0..d_out {
                weight[row * d_out + o] = (0..lambda.len())
                    .map(|r| lambda[r] as f64 * (0..dims.len()).map(|m| factors[m][(r * (dims[m] + 1) + index[m]) * d_out + o] as f64).product::<f64>())
                    .sum();
            }
        }
        let weight: Vec<f32> = weight.into_iter().map(|w| w as f32).collect();
        let bias = values(lmf.bias.val());
        TensorFusion {
            layer: Linear {
                weight: Param::from_data(TensorData::new(weight, [rows, d_out]), device),
                bias: Some(Param::from_data(TensorData::new(bias, [d_out]), device)),
            },
        }
    }

    #[test]
    fn the_tfn_weight_built_from_lmfs_factors_gives_lmfs_outputs() {
        let device = Device::flex();
        for (dims, rank) in [(vec![3, 4], 1), (vec![3, 4], 4), (vec![3, 4], 16), (vec![2, 3, 2], 4)] {
            let mut rng = HostRng::new(7, 0);
            let lmf = LowRankFusion::new(&dims, 5, rank, &mut rng, &device);
            let tfn = tfn_from_lmf(&lmf, &dims, 5, &device);
            let inputs: Vec<Tensor<2>> = dims.iter().map(|&d| Tensor::random([6, d], Distribution::Normal(0.0, 1.0), &device)).collect();
            let (a, b) = (values(lmf.forward(&inputs)), values(tfn.forward(&inputs)));
            let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
            assert!(worst < 1e-5, "dims {dims:?} rank {rank}: largest difference {worst}");
        }
    }

    #[test]
    fn parameter_counts_follow_the_formulas() {
        use crate::engine::config::TensorFusionSize;
        let device = Device::flex();
        for (modalities, width, rank) in [(2, 8, 4), (3, 4, 1)] {
            let dims = vec![width; modalities];
            let mut rng = HostRng::new(1, 0);
            let size = TensorFusionSize::new(modalities, width, rank);
            let lmf = LowRankFusion::new(&dims, width, rank, &mut rng, &device);
            let tfn = TensorFusion::new(&dims, width, &mut rng, &device);
            assert_eq!(lmf.num_params() as u64, size.lmf);
            assert_eq!(tfn.num_params() as u64, size.tfn);
        }
        // docs/methods.md's example ("Fusions"): three 32-d modalities, d_out 32, rank 4.
        assert_eq!(TensorFusionSize::new(3, 32, 4), TensorFusionSize { lmf: 12_708, tfn: 1_150_016 });
    }
}
