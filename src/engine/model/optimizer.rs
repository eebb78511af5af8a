//! The optimizer a configuration asks for (the run's, and the fresh ones of
//! Gradient-Blending's estimation runs).

use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, ModuleOptimizer, SgdConfig};

use crate::engine::config::{ExperimentConfig, OptimizerKind};

/// What the methods ask of the optimizer itself ([`crate::engine::methods::Method::optimizer`]),
/// beyond the configuration's family, learning rate and momentum.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct OptimizerSettings {
    /// The optimizer's own weight decay λ (torch's `weight_decay`): g ← g + λ·θ for every
    /// parameter it steps, biases included, inside the optimizer, after the gradient hooks.
    pub weight_decay: Option<f64>,
}

/// A fresh optimizer of the configured family (Adam with ε = 1e-8, or SGD with momentum),
/// with what the methods ask of it.
pub fn optimizer_for(config: &ExperimentConfig, settings: &OptimizerSettings) -> ModuleOptimizer {
    let t = &config.train;
    let decay = settings.weight_decay.map(|penalty| WeightDecayConfig { penalty: penalty as f32 });
    match t.optimizer {
        OptimizerKind::Adam => AdamConfig::new().with_epsilon(1e-8).with_weight_decay(decay).init(),
        OptimizerKind::Sgd => SgdConfig::new()
            .with_momentum(Some(MomentumConfig { momentum: t.momentum, dampening: 0.0, nesterov: false }))
            .with_weight_decay(decay)
            .init(),
    }
}
