//! Settings of OGM-GE, on-the-fly gradient modulation with generalization enhancement
//! (hooks: `hooks.rs` beside it).

use serde::{Deserialize, Serialize};

use crate::engine::methods::MethodSettings;
use crate::engine::config::knobs::Knob;
use crate::engine::config::{ConfigError, ExperimentConfig, FusionKind, OptimizerKind};

/// How the coefficient k_m follows the discrepancy ratio ρ_m.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum CoefficientRule {
    /// The current official code: k_m = 1 − tanh(α·ρ_m) when ρ_m > 1, else 1 (a jump from 1
    /// to 1 − tanh(α) as ρ crosses 1).
    #[default]
    Current,
    /// The early official code (commit 65b81b1): k_m = 1 − tanh(α·relu(ρ_m − 1)), continuous.
    Early,
}

/// OGM-GE (Peng et al., CVPR 2022).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OgmGeConfig {
    /// On or off.
    pub enabled: bool,
    /// α, the strength of the modulation.
    pub alpha: f64,
    /// The current official rule or the early one.
    pub rule: CoefficientRule,
    /// GE: add Gaussian noise of each gradient tensor's own standard deviation.
    pub noise: bool,
    /// Modulation runs while step < this fraction of the run's total steps.
    pub active_fraction: f64,
    /// Weight of the exponential moving average of ρ that the chart shows.
    pub ema: f64,
}

impl Default for OgmGeConfig {
    fn default() -> Self {
        Self { enabled: false, alpha: 0.3, rule: CoefficientRule::Current, noise: true, active_fraction: 0.5, ema: 0.9 }
    }
}

impl MethodSettings for OgmGeConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }

    fn knobs() -> Vec<Knob> {
        let on = "methods.ogm_ge.enabled";
        let why = "turn on OGM-GE";
        vec![
            Knob::toggle(on, "OGM-GE",
                "On-the-fly gradient modulation (Peng et al., CVPR 2022): each step, score_m = Σ_i softmax(s_m,i)[y_i] from the split linear head s_m = z_m·W_m + b/M; ρ_m = score_m / mean of the others; the dominant modality's encoder gradients are scaled by k_m = 1 − tanh(α·ρ_m); GE adds noise N(0, std(g)²). Loss is CE(fused) only. Designed with SGD + momentum: Adam largely cancels a constant k. Unlike the official code, every encoder weight matrix is modulated (MLP encoders, as BalanceBenchmark), and a coupled L2 penalty's gradient with it. Off by default.")
                .method(Self::NAME),
            Knob::number("methods.ogm_ge.alpha", "α", "Strength of the modulation in k_m = 1 − tanh(α·ρ_m) (default 0.3, BalanceBenchmark's; the official README uses 0.1 for VGGSound and 0.8 for CREMA-D).", 0.0, 5.0)
                .step(0.05)
                .method(Self::NAME)
                .needs(on, true, why),
            Knob::choice("methods.ogm_ge.rule", "coefficient rule",
                "current: k_m = 1 − tanh(α·ρ_m) when ρ_m > 1, else 1 (the official code today; k jumps at ρ = 1); early: k_m = 1 − tanh(α·relu(ρ_m − 1)), continuous (the official code's first version). Default current.",
                &["current", "early"])
                .method(Self::NAME)
                .needs(on, true, why),
            Knob::toggle("methods.ogm_ge.noise", "GE noise",
                "Generalization enhancement: after scaling, every encoder weight gradient g gets Gaussian noise N(0, (std(g before scaling) + 1e-8)²), on every encoder, also those with k = 1 (default on).")
                .method(Self::NAME)
                .needs(on, true, why),
            Knob::number("methods.ogm_ge.active_fraction", "active for (fraction of the run)",
                "Modulation runs while step < this fraction of the run's total steps (default 0.5: the official code's epochs 0 to 50 of 100).", 0.0, 1.0)
                .step(0.05)
                .method(Self::NAME)
                .needs(on, true, why)
                .advanced(),
            Knob::number("methods.ogm_ge.ema", "ρ EMA weight", "The chart also shows ρ's moving average over steps, ema ← w·ema + (1 − w)·ρ (default 0.9): ρ of one batch is noisy.", 0.0, 0.999)
                .step(0.01)
                .method(Self::NAME)
                .needs(on, true, why)
                .advanced(),
        ]
    }

    fn validate(&self, config: &ExperimentConfig) -> Result<(), ConfigError> {
        let modalities = config.modalities_in_use();
        if modalities < 2 {
            return Err(ConfigError(format!(
                "methods.ogm_ge compares each modality with the others (ρ_m = score_m / the others' mean), so it needs two or more modalities; {modalities} is in use (modalities): train on more, or turn OGM-GE off"
            )));
        }
        let model = &config.model;
        let splits = matches!(model.fusion, FusionKind::Concat | FusionKind::Sum) && model.fusion_hidden == 0;
        if !splits {
            return Err(ConfigError(format!(
                "methods.ogm_ge needs split-head scores, which exist only for a linear head on the concat or sum fusion (model.fusion is {}, model.fusion_hidden is {}): choose concat or sum and hidden width 0",
                serde_json::to_value(model.fusion).expect("serializes").as_str().unwrap_or("?"),
                model.fusion_hidden
            )));
        }
        Ok(())
    }

    fn advice(&self, config: &ExperimentConfig) -> Option<String> {
        (config.train.optimizer == OptimizerKind::Adam).then(|| {
            "OGM-GE runs with Adam: Adam divides each gradient by its own running scale, so a constant k_m largely cancels. The paper uses SGD with momentum 0.9 (train.optimizer = sgd; the ogm-ge preset).".to_string()
        })
    }
}
