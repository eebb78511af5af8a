//! Settings of dropout on the fused representation (hooks: `hooks.rs` beside it).

use serde::{Deserialize, Serialize};

use crate::engine::config::knobs::Knob;
use crate::engine::config::{ConfigError, ExperimentConfig};
use crate::engine::methods::MethodSettings;

/// Dropout on the fused representation.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FusionDropoutConfig {
    /// On or off.
    pub enabled: bool,
    /// Drop probability.
    pub p: f64,
}

impl Default for FusionDropoutConfig {
    fn default() -> Self {
        Self { enabled: false, p: 0.3 }
    }
}

impl MethodSettings for FusionDropoutConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }

    fn validate(&self, config: &ExperimentConfig) -> Result<(), ConfigError> {
        if config.model.fusion.has_fused_head() {
            return Ok(());
        }
        Err(ConfigError(
            "methods.fusion_dropout drops units of the fused representation, and late fusion (model.fusion = late) has none: it averages the modalities' logits. Choose a feature-level fusion, or turn the dropout off".into(),
        ))
    }

    fn knobs() -> Vec<Knob> {
        let on = "methods.fusion_dropout.enabled";
        vec![
            Knob::toggle(on, "dropout on the fused layer",
                "Inverted dropout on the fused representation while training: each unit is zeroed with probability p and the kept ones are scaled by 1/(1−p). Off by default.")
                .method(Self::NAME),
            Knob::number("methods.fusion_dropout.p", "dropout p", "Drop probability of the fused-layer dropout (default 0.3).", 0.0, 0.95)
                .step(0.05)
                .method(Self::NAME)
                .needs(on, true, "turn on dropout on the fused layer"),
        ]
    }
}
