//! Settings of early stopping (hooks: `hooks.rs` beside it).

use serde::{Deserialize, Serialize};

use crate::engine::methods::MethodSettings;
use crate::engine::config::knobs::Knob;

/// Early stopping on the fused validation loss.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EarlyStoppingConfig {
    /// On or off.
    pub enabled: bool,
    /// Evaluations without a new best fused validation loss before stopping.
    pub patience: usize,
}

impl Default for EarlyStoppingConfig {
    fn default() -> Self {
        Self { enabled: false, patience: 5 }
    }
}

impl MethodSettings for EarlyStoppingConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }

    fn knobs() -> Vec<Knob> {
        let on = "methods.early_stopping.enabled";
        vec![
            Knob::toggle(on, "early stopping",
                "Stop when the fused validation loss has not reached a new low for `patience` evaluations, and restore the weights of the best one. Off by default.")
                .method(Self::NAME),
            Knob::count("methods.early_stopping.patience", "patience",
                "Evaluations without a new lowest fused validation loss before the run stops (default 5).", 1, 10_000)
                .log()
                .method(Self::NAME)
                .needs(on, true, "turn on early stopping"),
        ]
    }
}
