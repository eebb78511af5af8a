//! Settings of Gradient-Blending (hooks: `hooks.rs` beside it).

use serde::{Deserialize, Serialize};

use crate::engine::methods::MethodSettings;
use crate::engine::config::{ConfigError, ExperimentConfig, OptimizerKind};
use crate::engine::config::knobs::Knob;

/// When the blend weights are estimated.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum BlendSchedule {
    /// Once, from the initial weights, kept fixed (the paper's Algorithm 2).
    Offline,
    /// At the start, then again after `first_after` epochs and every `every` epochs after
    /// that (super-epochs, the paper's Algorithm 3).
    #[default]
    Online,
}

/// How a candidate's raw weight is computed from its estimation run.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum BlendRule {
    /// The paper's: max(ΔG, 0) / max(|ΔO|, ε_gb)².
    #[default]
    Paper,
    /// MultiBench's code: |L^V / O²| after the run, O = L^V − L^T clamped to 1e-4 when negative
    /// (a high held-out loss gets a high weight: not the paper's gain).
    Multibench,
}

/// Gradient-Blending (Wang, Tran, Feiszli, CVPR 2020).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GradientBlendingConfig {
    /// On or off.
    pub enabled: bool,
    /// Offline or online.
    pub schedule: BlendSchedule,
    /// The paper's rule or MultiBench's.
    pub rule: BlendRule,
    /// ε_gb: the floor of |ΔO| in the paper's rule.
    pub epsilon: f64,
    /// Online: the first re-estimate after this many epochs.
    pub first_after: usize,
    /// Online: then every this many epochs.
    pub every: usize,
    /// n′: epochs of optimizer steps each candidate trains for an estimate.
    pub estimate_epochs: usize,
}

impl Default for GradientBlendingConfig {
    fn default() -> Self {
        Self { enabled: false, schedule: BlendSchedule::Online, rule: BlendRule::Paper, epsilon: 1e-3, first_after: 3, every: 2, estimate_epochs: 1 }
    }
}

impl MethodSettings for GradientBlendingConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }

    fn knobs() -> Vec<Knob> {
        let on = "methods.gradient_blending.enabled";
        let why = "turn on Gradient-Blending";
        let online = "methods.gradient_blending.schedule";
        vec![
            Knob::toggle(on, "Gradient-Blending",
                "Train with L = Σ_h w_h·CE_h over the fused head and every unimodal head (attached), w estimated on the held-out part V: each candidate trains a copy for one epoch, raw = max(ΔG,0)/max(|ΔO|,ε)², w = raw/Σraw (Wang et al., CVPR 2020). Off by default.")
                .method(Self::NAME),
            Knob::choice(online, "estimate", "offline: once from the initial weights; online: at the start, after `first after` epochs, then every `every` epochs (default online).",
                &["offline", "online"])
                .method(Self::NAME)
                .needs(on, true, why),
            Knob::choice("methods.gradient_blending.rule", "weight rule",
                "paper: max(ΔG,0)/max(|ΔO|,ε_gb)²; multibench: MultiBench's code, |L^V/O²| after the run with O clamped to 1e-4 (a variant that rewards a high held-out loss; default paper).",
                &["paper", "multibench"])
                .method(Self::NAME)
                .needs(on, true, why),
            Knob::number("methods.gradient_blending.epsilon", "ε_gb",
                "Floor of |ΔO| in the paper's rule: when a candidate's gap barely moves, ε_gb decides its weight (default 1e-3).", 1e-6, 1.0)
                .log()
                .method(Self::NAME)
                .needs(on, true, why),
            Knob::count("methods.gradient_blending.first_after", "first re-estimate after (epochs)", "Online: epochs before the first re-estimate (default 3).", 1, 1000)
                .method(Self::NAME)
                .needs(online, "online", "choose the online schedule")
                .advanced(),
            Knob::count("methods.gradient_blending.every", "then every (epochs)", "Online: epochs between later re-estimates (default 2).", 1, 1000)
                .method(Self::NAME)
                .needs(online, "online", "choose the online schedule")
                .advanced(),
            Knob::count("methods.gradient_blending.estimate_epochs", "n′ (epochs per candidate)",
                "Epochs of optimizer steps each candidate trains for one estimate (default 1).", 1, 20)
                .method(Self::NAME)
                .needs(on, true, why)
                .advanced(),
        ]
    }

    fn validate(&self, config: &ExperimentConfig) -> Result<(), ConfigError> {
        let data = &config.data;
        if data.holdout_rows() == 0 {
            let why = if data.holdout_fraction == 0.0 {
                "data.holdout_fraction is 0 (use 0.1)".to_string()
            } else {
                format!(
                    "with data.train_size = {} and data.holdout_fraction = {}, V rounds to 0 rows (train_size · f / (1 − f) = {:.2}): raise either",
                    data.train_size,
                    data.holdout_fraction,
                    data.train_size as f64 * data.holdout_fraction as f64 / (1.0 - data.holdout_fraction as f64)
                )
            };
            return Err(ConfigError(format!("methods.gradient_blending needs a held-out part V to estimate its weights: {why}")));
        }
        Ok(())
    }

    fn advice(&self, config: &ExperimentConfig) -> Option<String> {
        (config.train.optimizer == OptimizerKind::Adam).then(|| {
            "Gradient-Blending runs with Adam: Adam divides each gradient by its own running scale, so a constant weight w_h on a head that only its own loss reaches largely cancels, and the blend hardly acts. Its preset uses SGD with momentum 0.9 (train.optimizer = sgd; the gradient-blending preset).".to_string()
        })
    }
}
