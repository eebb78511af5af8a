//! OGM-GE's preset, its story card and the words of its chart.

use crate::engine::config::{DataConfig, ExperimentConfig, OptimizerKind, TrainConfig};
use crate::engine::metrics::Evaluation;
use crate::engine::presets::{Preset, modality};
use crate::engine::stories::{Story, Try, Verdict, contribution, pct, probe, relation};

/// The `ogm-ge` preset.
pub const PRESET: Preset = Preset {
    name: "ogm-ge",
    description: "a dominant modality (a) fits first and starves the weaker b; OGM-GE (SGD + momentum) slows a's encoder while a leads, and b's probe and split-head accuracy rise",
    build: preset,
};

/// A dominant narrow modality a and a weaker, wider b, trained with SGD + momentum and the
/// paper's weight decay 1e-4 (the optimizer's own, as in its code), OGM-GE with α = 0.8.
fn preset() -> ExperimentConfig {
    let mut config = ExperimentConfig {
        data: DataConfig {
            classes: 4,
            train_size: 400,
            val_size: 200,
            test_size: 200,
            synthetic: vec![modality("a", 16, 8, 2.0, 1.0), modality("b", 32, 32, 0.4, 1.0)],
            ..Default::default()
        },
        train: TrainConfig { epochs: 60, optimizer: OptimizerKind::Sgd, learning_rate: 0.01, ..Default::default() },
        ..Default::default()
    };
    config.methods.ogm_ge.enabled = true;
    config.methods.ogm_ge.alpha = 0.8;
    ["methods.weight_penalty.enabled=true", "methods.weight_penalty.mode=optimizer", "methods.weight_penalty.lambda=1e-4"]
        .iter()
        .try_fold(config, |c, setting| c.with_override(setting))
        .expect("the ogm-ge preset's settings are valid")
}

/// Its story card.
pub const STORY: Story = Story {
    preset: "ogm-ge",
    claim: "Modality a fits the training data within a few steps and starves the weaker but useful b. OGM-GE slows a's encoder while a leads (k_a < 1), so b's encoder keeps learning.",
    watch: "OGM-GE: ρ_a above 1 and k_a (dashed blue) below 1 in the first half; Contribution: b's probe (light vermillion) keeps rising. The verdict reads b's split head, the b part of the fused head's logits.",
    verdict,
    tries: &[Try {
        label: "Turn OGM-GE off",
        expect: "Naive training with the same SGD: b's split head and b's probe both end lower than with OGM-GE.",
        settings: &["methods.ogm_ge.enabled=false"],
        verdict: b_falls_back,
    }],
};

/// b's split head is what OGM-GE moves most (0.45 ± 0.08 → 0.62 ± 0.11 over five seeds,
/// naive → OGM-GE, in the CLI); its probe moves less (0.72 → 0.77). `modalscope stories`
/// on seeds 1–3: b's split head 69, 51 and 53 % with OGM-GE (49, 45 and 46 % without), so
/// the claim is "above half" (chance is 25 %, four classes), not a fixed gain.
fn verdict(e: &Evaluation) -> Option<Verdict> {
    let b = probe(e, "b")?;
    let split = |name: &str| contribution(e, name)?.split_acc;
    let (split_a, split_b) = (split("a")?, split("b")?);
    let on = e.methods.contains_key(super::OgmGeConfig::NAME);
    let off = if on { "" } else { " (OGM-GE is off)" };
    Some(Verdict {
        figures: format!("b's split head {} and probe {}, a's split head {}{off}", pct(split_b), pct(b), pct(split_a)),
        holds: on && relation(split_b, 0.5) == ">" && b > 0.7,
    })
}

/// The try "Turn OGM-GE off": b's split head and b's probe end below the preset's run's.
fn b_falls_back(e: &Evaluation, preset: Option<&Evaluation>) -> Option<Verdict> {
    let (b, before) = (probe(e, "b")?, probe(preset?, "b")?);
    let (split_b, split_before) = (contribution(e, "b")?.split_acc?, contribution(preset?, "b")?.split_acc?);
    let on = e.methods.contains_key(super::OgmGeConfig::NAME);
    Some(Verdict {
        figures: format!(
            "b's split head {} {} the preset's {}; b's probe {} {} the preset's {}{}",
            pct(split_b),
            relation(split_b, split_before),
            pct(split_before),
            pct(b),
            relation(b, before),
            pct(before),
            if on { " (OGM-GE is on)" } else { "" }
        ),
        holds: !on && relation(split_b, split_before) == "<" && relation(b, before) == "<",
    })
}

/// One visible sentence under its chart.
pub const CAPTION: &str = "OGM-GE's discrepancy ratio ρ and the slow-down k of each encoder.";

/// The longer explanation of its chart.
pub const EXPLANATION: &str = "OGM-GE, per modality: ρ_m = score_m / mean of the others' scores (score = Σ over the batch of the split head's softmax at the true class), as a moving average over steps, and the coefficient k_m = 1 − tanh(α·ρ_m) for the leader (1 otherwise), averaged over the steps since the last evaluation. Modulation runs for the first half of the run.";
