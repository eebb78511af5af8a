//! Dropout on the fused representation (Srivastava et al., JMLR 2014), inverted: in training
//! each unit is kept with probability 1−p and scaled by 1/(1−p); evaluation uses no dropout.
//! Default p = 0.3 (seed 001). The mask is drawn on the host from the run seed so every
//! backend sees the same mask.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use super::{Method, Registration, StepContext};
use crate::engine::config::RegularizerConfig;

/// Registered in [`super::REGISTRY`].
pub const REGISTRATION: Registration = Registration {
    name: "fusion_dropout",
    enabled: |c| c.fusion_dropout.enabled,
    build: |c| Box::new(FusionDropout::new(c.fusion_dropout.p)),
};

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
        REGISTRATION.name
    }

    fn reconfigure(&mut self, config: &RegularizerConfig) {
        self.p = config.fusion_dropout.p;
    }

    fn transform_fused(&mut self, fused: Tensor<2>, ctx: &mut StepContext) -> Tensor<2> {
        let [rows, cols] = fused.dims();
        let scale = (1.0 / (1.0 - self.p)) as f32;
        let mask = (0..rows * cols).map(|_| if ctx.rng.chance(self.p) { 0.0 } else { scale }).collect();
        fused * ctx.upload(mask, rows, cols)
    }

    fn state(&self) -> Value {
        json!({ "p": self.p })
    }
}
