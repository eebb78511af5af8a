//! Dropout on the fused representation (Srivastava et al., JMLR 2014), inverted: in training
//! each unit is kept with probability 1−p and scaled by 1/(1−p); evaluation uses no dropout.
//! Default p = 0.3 (seed 001). The mask is drawn on the host from the run seed so every
//! backend sees the same mask.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use super::settings::FusionDropoutConfig;
use crate::engine::methods::{Method, MethodsConfig, StepContext};

/// A fresh instance at step 0 (registered by [`crate::for_each_method`]).
pub fn build(c: &MethodsConfig) -> Box<dyn Method> {
    Box::new(FusionDropout::new(c.fusion_dropout.p))
}

/// Inverted dropout with drop probability `p`.
pub struct FusionDropout {
    p: f64,
}

impl FusionDropout {
    /// Dropout with drop probability `p` (0 ≤ p < 1).
    pub fn new(p: f64) -> Self {
        Self { p }
    }
}

impl Method for FusionDropout {
    fn name(&self) -> &'static str {
        FusionDropoutConfig::NAME
    }

    fn reconfigure(&mut self, config: &MethodsConfig) {
        self.p = config.fusion_dropout.p;
    }

    fn transform_fused(&mut self, fused: Tensor<2>, ctx: &mut StepContext) -> Tensor<2> {
        let [rows, cols] = fused.dims();
        let scale = (1.0 / (1.0 - self.p)) as f32;
        let mut rng = ctx.stream(self.name(), 0);
        let mask = (0..rows * cols).map(|_| if rng.chance(self.p) { 0.0 } else { scale }).collect();
        fused * ctx.upload(mask, rows, cols)
    }

    fn state(&self) -> Value {
        json!({ "p": self.p })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn kept_units_are_scaled_by_one_over_one_minus_p() {
        let device = Device::flex();
        let mut ctx = crate::engine::methods::kit::hooks::test_context(1, &device, 0.0);
        let out = FusionDropout::new(0.75).transform_fused(Tensor::ones([50, 40], &device), &mut ctx);
        let values: Vec<f32> = out.into_data().try_to_vec().unwrap();
        assert!(values.iter().all(|&v| v == 0.0 || v == 4.0), "each unit is dropped or scaled by 1/(1−0.75)");
        let kept = values.iter().filter(|&&v| v > 0.0).count() as f64 / values.len() as f64;
        assert!((kept - 0.25).abs() < 0.03, "kept fraction {kept}");
    }
}
