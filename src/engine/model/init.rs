//! Initial weights drawn on the host from the run's seed and uploaded, so that WebGPU and
//! CPU runs, the browser and the CLI start from identical parameters.

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, TensorData};

use crate::engine::rng::HostRng;

/// A linear layer `[d_in] -> [d_out]` with PyTorch's default initialisation: weight and bias
/// uniform in (−k, k), k = 1/√d_in, drawn from `rng`.
pub fn linear_from_rng(d_in: usize, d_out: usize, rng: &mut HostRng, device: &Device) -> Linear {
    let k = 1.0 / (d_in as f64).sqrt();
    let mut draw = |n: usize| -> Vec<f32> { (0..n).map(|_| rng.uniform_range(-k, k) as f32).collect() };
    let weight = draw(d_in * d_out);
    let bias = draw(d_out);
    Linear {
        weight: Param::from_data(TensorData::new(weight, [d_in, d_out]), device),
        bias: Some(Param::from_data(TensorData::new(bias, [d_out]), device)),
    }
}
