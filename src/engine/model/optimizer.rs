//! The optimizer a configuration asks for (the run's, and the fresh ones of
//! Gradient-Blending's estimation runs).

use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, ModuleOptimizer, SgdConfig};

use crate::engine::config::{ExperimentConfig, OptimizerKind};

/// A fresh optimizer of the configured family (Adam with ε = 1e-8, or SGD with momentum).
pub fn optimizer_for(config: &ExperimentConfig) -> ModuleOptimizer {
    let t = &config.train;
    match t.optimizer {
        OptimizerKind::Adam => AdamConfig::new().with_epsilon(1e-8).init(),
        OptimizerKind::Sgd => SgdConfig::new()
            .with_momentum(Some(MomentumConfig { momentum: t.momentum, dampening: 0.0, nesterov: false }))
            .init(),
    }
}
