//! Gradient-Blending's preset, its story card and the words of its chart.

use crate::engine::config::ExperimentConfig;
use crate::engine::metrics::Evaluation;
use crate::engine::presets::{Preset, imbalance};
use crate::engine::stories::{Story, Try, Verdict, pct, val_acc};

/// The `gradient-blending` preset: `imbalance` with Gradient-Blending (online).
pub const PRESET: Preset = Preset {
    name: "gradient-blending",
    description: "imbalance with Gradient-Blending (online): every head's loss weighted by its estimated generalization per overfitting on V; the strong modality's head recovers",
    build: preset,
};

fn preset() -> ExperimentConfig {
    let mut config = imbalance();
    config.methods.gradient_blending.enabled = true;
    config
}

/// Its story card.
pub const STORY: Story = Story {
    preset: "gradient-blending",
    claim: "Gradient-Blending weights each head's loss by its estimated generalization per overfitting on a held-out part V. The strong modality's head ends far above the fused head, which still leans on the overfitting modality.",
    watch: "Gradient-Blending weights: a gets almost all of the weight in the first estimates (later ones turn uniform once no head's held-out loss falls); Accuracy: head a's validation line (solid blue) far above the fused one (solid black).",
    verdict,
    tries: &[Try { label: "Turn Gradient-Blending off", expect: "Back to naive joint training: the unimodal heads become probes that no longer train the encoders; the fused head is what predicts.", settings: &["methods.gradient_blending.enabled=false"] }],
};

fn verdict(e: &Evaluation) -> Option<Verdict> {
    let (a, fused) = (val_acc(e, "a")?, e.fused().val_acc);
    let on = e.methods.contains_key(super::GradientBlendingConfig::NAME);
    let off = if on { "" } else { " (Gradient-Blending is off)" };
    Some(Verdict { figures: format!("head a {} > fused head {}{off}", pct(a), pct(fused)), holds: on && a > fused + 0.1 })
}

/// One visible sentence under its chart.
pub const CAPTION: &str = "How Gradient-Blending weights each head's loss, from estimate to estimate.";

/// The longer explanation of its chart.
pub const EXPLANATION: &str = "Gradient-Blending's weights w_h of each head's loss, stacked to 1, from each estimate on V to the next (the paper's Fig. 5a). A candidate whose held-out loss falls while its gap barely moves gets most of the weight; when no candidate's held-out loss falls, the blend is uniform.";
