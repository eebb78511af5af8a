//! Settings of the L2 penalty / weight decay (hooks: `hooks.rs` beside it), the
//! one way to ask for weight decay: the optimizers have none but what this method asks of
//! them (mode `optimizer`).

use serde::{Deserialize, Serialize};

use crate::engine::methods::MethodSettings;
use crate::engine::config::knobs::Knob;

/// Coupled L2 penalty, decoupled weight decay, or the optimizer's own decay.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum PenaltyMode {
    /// λ/2 · Σ‖W‖² added to the loss (weights, not biases).
    #[default]
    Coupled,
    /// W ← W − lr · λ · W after each step (AdamW-style, weights, not biases).
    Decoupled,
    /// The optimizer's own decay (torch's `weight_decay`, OGM-GE's recipe): g ← g + λ·θ for
    /// every parameter, biases included, inside the optimizer, after the gradient hooks.
    Optimizer,
}

/// L2 / weight decay.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WeightPenaltyConfig {
    /// On or off.
    pub enabled: bool,
    /// Coupled, decoupled or the optimizer's.
    pub mode: PenaltyMode,
    /// Strength λ.
    pub lambda: f64,
}

impl Default for WeightPenaltyConfig {
    fn default() -> Self {
        Self { enabled: false, mode: PenaltyMode::Coupled, lambda: 0.01 }
    }
}

impl MethodSettings for WeightPenaltyConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }

    fn knobs() -> Vec<Knob> {
        let on = "methods.weight_penalty.enabled";
        let why = "turn on L2 / weight decay";
        vec![
            Knob::toggle(on, "L2 / weight decay",
                "The only weight decay there is (the optimizers have none but what this asks of them). Coupled and decoupled penalise weights, not biases, of the encoders, the fusion and the fused head (the unimodal heads only while Gradient-Blending attaches them; never the probes); optimizer decays every parameter. Off by default.")
                .method(Self::NAME),
            Knob::choice("methods.weight_penalty.mode", "form", 
                "coupled: loss += λ/2·Σ‖W‖², so Adam rescales its gradient; decoupled (AdamW-style): W ← W − lr·λ·W after each step, whatever the optimizer; optimizer: the optimizer's own decay, g ← g + λ·θ on every parameter, biases included, after gradient modulation (torch's weight_decay, as OGM-GE's code uses it; changing it rebuilds the optimizer). Default coupled.",
                &["coupled", "decoupled", "optimizer"])
                .method(Self::NAME)
                .needs(on, true, why),
            Knob::number("methods.weight_penalty.lambda", "λ", "Strength of the penalty or decay (default 0.01).", 1e-6, 10.0)
                .log()
                .method(Self::NAME)
                .needs(on, true, why),
        ]
    }
}
