//! L2 penalty / weight decay on the weight matrices (biases excluded), default λ = 0.01.
//!
//! - coupled: loss += λ/2 · Σ‖W‖² (the gradient λ·W then passes through the optimizer, so
//!   Adam rescales it);
//! - decoupled (Loshchilov & Hutter, AdamW): after each optimizer step W ← W − lr·λ·W,
//!   independent of the optimizer's gradient scaling.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use super::{Regularizer, StepContext};
use crate::engine::config::{PenaltyMode, WeightPenaltyConfig};
use crate::engine::model::MultimodalNet;
use crate::engine::model::params::{scale_weights, squared_weight_norm};

/// L2 penalty (coupled) or weight decay (decoupled).
pub struct WeightPenalty {
    mode: PenaltyMode,
    lambda: f64,
}

impl WeightPenalty {
    /// From its configuration.
    pub fn new(config: &WeightPenaltyConfig) -> Self {
        Self { mode: config.mode, lambda: config.lambda }
    }
}

impl Regularizer for WeightPenalty {
    fn name(&self) -> &'static str {
        "weight_penalty"
    }

    fn extra_loss(&mut self, model: &MultimodalNet, ctx: &mut StepContext) -> Option<Tensor<1>> {
        (self.mode == PenaltyMode::Coupled).then(|| squared_weight_norm(model, ctx.device) * (self.lambda / 2.0))
    }

    fn after_step(&mut self, model: MultimodalNet, ctx: &mut StepContext) -> MultimodalNet {
        match self.mode {
            PenaltyMode::Decoupled => scale_weights(model, 1.0 - ctx.learning_rate * self.lambda),
            PenaltyMode::Coupled => model,
        }
    }

    fn state(&self) -> Value {
        json!({ "mode": self.mode, "lambda": self.lambda })
    }
}
