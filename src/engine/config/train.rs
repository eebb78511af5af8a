//! The optimizer and the run's length, seed and evaluation interval.

use serde::{Deserialize, Serialize};


/// Optimizer family.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum OptimizerKind {
    /// Adam (Kingma & Ba).
    #[default]
    Adam,
    /// SGD with momentum `train.momentum`.
    Sgd,
}

/// Optimization and schedule.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Seed of everything random in the run (data, weights, batches, masks).
    pub seed: u64,
    /// Optimizer family.
    pub optimizer: OptimizerKind,
    /// Learning rate (live).
    pub learning_rate: f64,
    /// SGD momentum.
    pub momentum: f64,
    /// Samples per optimizer step.
    pub batch_size: usize,
    /// Run length in epochs (passes over the training split).
    pub epochs: usize,
    /// Optimizer steps between evaluations; 0 means one epoch.
    pub eval_every: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            optimizer: OptimizerKind::Adam,
            learning_rate: 1e-3,
            momentum: 0.9,
            batch_size: 64,
            epochs: 100,
            eval_every: 0,
        }
    }
}
