//! L2 penalty / weight decay on the weight matrices (biases excluded), default λ = 0.01,
//! of the encoders, the fusion and the fused head, plus the unimodal heads only while they
//! are attached (Gradient-Blending); never the detached probes, whose accuracy must measure
//! the encoders, not the penalty.
//!
//! - coupled: loss += λ/2 · Σ‖W‖² (the gradient λ·W then passes through the optimizer, so
//!   Adam rescales it);
//! - decoupled (Loshchilov & Hutter, AdamW): after each optimizer step W ← W − lr·λ·W,
//!   independent of the optimizer's gradient scaling;
//! - optimizer: the optimizer's own decay (torch's `weight_decay`, which OGM-GE's official
//!   code uses): g ← g + λ·θ inside the optimizer, after gradient modulation, on every
//!   parameter it steps, biases and the probe heads included (hook 9).

use burn::tensor::Tensor;
use serde_json::{Value, json};

use super::settings::{PenaltyMode, WeightPenaltyConfig};
use crate::engine::methods::{Method, MethodsConfig, StepContext, StepView};
use crate::engine::model::MultimodalNet;
use crate::engine::model::optimizer::OptimizerSettings;

/// A fresh instance at step 0 (registered by [`crate::for_each_method`]).
pub fn build(c: &MethodsConfig) -> Box<dyn Method> {
    Box::new(WeightPenalty::new(&c.weight_penalty))
}

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

impl Method for WeightPenalty {
    fn name(&self) -> &'static str {
        WeightPenaltyConfig::NAME
    }

    fn reconfigure(&mut self, config: &MethodsConfig) {
        *self = Self::new(&config.weight_penalty);
    }

    fn extra_loss(&mut self, model: &MultimodalNet, _view: &StepView, ctx: &mut StepContext) -> Option<Tensor<1>> {
        (self.mode == PenaltyMode::Coupled)
            .then(|| model.penalised_weight_norm(ctx.heads_attached, ctx.device) * (self.lambda / 2.0))
    }

    fn after_step(&mut self, model: MultimodalNet, ctx: &mut StepContext) -> MultimodalNet {
        match self.mode {
            PenaltyMode::Decoupled => model.scale_penalised_weights(1.0 - ctx.learning_rate * self.lambda, ctx.heads_attached),
            PenaltyMode::Coupled | PenaltyMode::Optimizer => model,
        }
    }

    fn optimizer(&self, settings: &mut OptimizerSettings) {
        if self.mode == PenaltyMode::Optimizer {
            settings.weight_decay = Some(self.lambda);
        }
    }

    fn state(&self) -> Value {
        json!({ "mode": self.mode, "lambda": self.lambda })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::ModelConfig;
    use crate::engine::model::params::param_ids;
    use burn::tensor::Device;

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    fn square_sum(ts: &[Tensor<2>]) -> f64 {
        ts.iter().flat_map(|t| values(t.clone())).map(|v| (v as f64).powi(2)).sum()
    }

    #[test]
    fn probes_are_never_penalised_attached_heads_are() {
        let device = Device::flex();
        let net = MultimodalNet::new(&ModelConfig { encoder_depth: 1, ..Default::default() }, &[2, 3], 2, 1, &device);
        assert!(param_ids(&net.fusion).is_empty() && net.hidden.is_none(), "concat, linear head: no other weights");
        let body = square_sum(&[net.encoders[0].layers[0].weight.val(), net.encoders[1].layers[0].weight.val(), net.head.as_ref().unwrap().weight.val()]);
        let heads = square_sum(&[net.probes[0].weight.val(), net.probes[1].weight.val()]);
        let norm = |with_heads| net.penalised_weight_norm(with_heads, &device).into_data().try_to_vec::<f32>().unwrap()[0] as f64;
        assert!((norm(false) - body).abs() < 1e-4, "{} vs {body}", norm(false));
        assert!((norm(true) - body - heads).abs() < 1e-4, "{} vs {}", norm(true), body + heads);

        // Decoupled decay with lr · λ = 0.5 halves the penalised weights, not the probes.
        let config = WeightPenaltyConfig { enabled: true, mode: PenaltyMode::Decoupled, lambda: 1.0 };
        let mut ctx = crate::engine::methods::kit::hooks::test_context(1, &device, 0.5);
        let (encoder, probe) = (values(net.encoders[0].layers[0].weight.val()), values(net.probes[0].weight.val()));
        let decayed = WeightPenalty::new(&config).after_step(net, &mut ctx);
        let halved: Vec<f32> = encoder.iter().map(|v| v * 0.5).collect();
        assert!(values(decayed.encoders[0].layers[0].weight.val()).iter().zip(&halved).all(|(a, b)| (a - b).abs() < 1e-7));
        assert_eq!(values(decayed.probes[0].weight.val()), probe, "the probes keep their weights");
    }
}
