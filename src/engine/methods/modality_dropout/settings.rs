//! Settings of modality dropout (hooks: `hooks.rs` beside it).

use serde::{Deserialize, Serialize};

use crate::engine::methods::MethodSettings;
use crate::engine::config::knobs::Knob;

/// Modality dropout on the embeddings.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ModalityDropoutConfig {
    /// On or off.
    pub enabled: bool,
    /// Per-sample probability that one embedding is zeroed.
    pub p: f64,
}

impl Default for ModalityDropoutConfig {
    fn default() -> Self {
        Self { enabled: false, p: 0.2 }
    }
}

impl MethodSettings for ModalityDropoutConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }

    fn knobs() -> Vec<Knob> {
        let on = "methods.modality_dropout.enabled";
        vec![
            Knob::toggle(on, "modality dropout",
                "Per training sample, each modality's embedding is replaced by zeros with probability p (never all of them: redrawn); the kept ones are not rescaled. Off by default.")
                .method(Self::NAME),
            Knob::number("methods.modality_dropout.p", "modality dropout p",
                "Probability that one modality's embedding is zeroed for a sample (default 0.2).", 0.0, 0.95)
                .step(0.05)
                .method(Self::NAME)
                .needs(on, true, "turn on modality dropout"),
        ]
    }
}
