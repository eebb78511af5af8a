//! What each preset is for, in a lecturer's words: the claim, what to watch, a verdict
//! computed from the run, and one or two settings to try next. Plain data (burn-free): the
//! page shows it as the story card under the preset selector, and `tests/stories.rs` checks
//! that every verdict holds when the preset is trained to its end.
//!
//! A verdict reads the run's latest evaluation only (validation split, the metrics of
//! METHODS.md), so it means the same in the page and in the CLI's `metrics.jsonl`.

use crate::engine::metrics::Evaluation;

/// A setting to try next: a button on the story card.
pub struct Try {
    /// The button's label.
    pub label: &'static str,
    /// What to expect, in one sentence.
    pub expect: &'static str,
    /// `key.path=value` overrides applied to the current configuration (the CLI's `--set`).
    pub settings: &'static [&'static str],
}

/// A verdict on the claim, from the run's latest evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The figures that decide it, in words ("fused 49 % < a's probe 62 %").
    pub figures: String,
    /// Whether the figures show what the claim says.
    pub holds: bool,
}

/// The story of one preset.
pub struct Story {
    /// The preset's name.
    pub preset: &'static str,
    /// What the preset shows, in one or two sentences.
    pub claim: &'static str,
    /// Which chart and which lines to watch.
    pub watch: &'static str,
    /// The claim checked on the run's latest evaluation; `None` when the run lacks what it
    /// reads (another set of modalities, say).
    pub verdict: fn(&Evaluation) -> Option<Verdict>,
    /// Settings to try next.
    pub tries: &'static [Try],
}

/// A percentage with no decimals.
fn pct(value: f64) -> String {
    format!("{:.0} %", value * 100.0)
}

/// The validation accuracy of head `name` (the fused head or a modality's probe).
fn val_acc(e: &Evaluation, name: &str) -> Option<f64> {
    e.head(name).map(|h| h.val_acc)
}

/// A modality's probe accuracy (its unimodal head on validation).
fn probe(e: &Evaluation, name: &str) -> Option<f64> {
    e.contribution.iter().find(|(n, _)| n == name).map(|(_, c)| c.probe_acc)
}

fn imbalance(e: &Evaluation) -> Option<Verdict> {
    let (fused, train, a) = (e.fused().val_acc, e.fused().train_acc, probe(e, "a")?);
    probe(e, "b")?;
    Some(Verdict {
        figures: format!("fused {} on validation (train {}) < a's probe {}", pct(fused), pct(train), pct(a)),
        holds: fused < a && train - fused > 0.2,
    })
}

fn gradient_blending(e: &Evaluation) -> Option<Verdict> {
    let (a, fused) = (val_acc(e, "a")?, e.fused().val_acc);
    let on = e.methods.contains_key("gradient_blending");
    let off = if on { "" } else { " (Gradient-Blending is off)" };
    Some(Verdict { figures: format!("head a {} > fused head {}{off}", pct(a), pct(fused)), holds: on && a > fused + 0.1 })
}

/// b's split head is what OGM-GE moves most (0.45 ± 0.08 → 0.62 ± 0.10 over five seeds,
/// naive → OGM-GE, in the CLI); its probe moves less (0.72 → 0.76).
fn ogm_ge(e: &Evaluation) -> Option<Verdict> {
    let b = probe(e, "b")?;
    let split = |name: &str| e.contribution.iter().find(|(n, _)| n == name).and_then(|(_, c)| c.split_acc);
    let (split_a, split_b) = (split("a")?, split("b")?);
    let on = e.methods.contains_key("ogm_ge");
    let off = if on { "" } else { " (OGM-GE is off)" };
    Some(Verdict {
        figures: format!("b's split head {} and probe {}, a's split head {}{off}", pct(split_b), pct(b), pct(split_a)),
        holds: on && split_b > 0.55 && b > 0.7,
    })
}

fn shortcut(e: &Evaluation) -> Option<Verdict> {
    let b = e.head("b")?;
    let fused = e.fused();
    Some(Verdict {
        figures: format!("b's probe: train {} vs validation {}; fused gap {:+.2}", pct(b.train_acc), pct(b.val_acc), fused.gap),
        holds: b.train_acc > 0.9 && b.val_acc < 0.4 && fused.gap > 1.0,
    })
}

fn interaction(e: &Evaluation) -> Option<Verdict> {
    let (a, b, fused) = (probe(e, "a")?, probe(e, "b")?, e.fused().val_acc);
    Some(Verdict {
        figures: format!("fused {}, probes a {} and b {} (chance 50 %)", pct(fused), pct(a), pct(b)),
        holds: fused > 0.8 && (a - 0.5).abs() < 0.1 && (b - 0.5).abs() < 0.1,
    })
}

fn tensor_fusion(e: &Evaluation) -> Option<Verdict> {
    let (a, b, fused) = (probe(e, "a")?, probe(e, "b")?, e.fused().val_acc);
    Some(Verdict {
        figures: format!("fused {} with a linear head, probes a {} and b {} (chance 50 %)", pct(fused), pct(a), pct(b)),
        holds: fused > 0.85,
    })
}

fn balanced(e: &Evaluation) -> Option<Verdict> {
    let shares: Vec<f64> = e.contribution.iter().filter_map(|(_, c)| c.shapley_share).collect();
    let (a, b) = (probe(e, "a")?, probe(e, "b")?);
    let [sa, sb] = shares[..] else { return None };
    Some(Verdict {
        figures: format!("Shapley shares a {} and b {}; fused {} > probes a {} and b {}", pct(sa), pct(sb), pct(e.fused().val_acc), pct(a), pct(b)),
        holds: (sa - 0.5).abs() < 0.2 && e.fused().val_acc > a.max(b),
    })
}

fn mfeat(e: &Evaluation) -> Option<Verdict> {
    let (fou, mor, fused) = (probe(e, "fou")?, probe(e, "mor")?, e.fused().val_acc);
    Some(Verdict {
        figures: format!("fused {} > probes fou {} and mor {} (chance 10 %)", pct(fused), pct(fou), pct(mor)),
        holds: fused > fou.max(mor),
    })
}

/// Every preset's story, in menu order.
pub const STORIES: &[Story] = &[
    Story {
        preset: "imbalance",
        claim: "Training both modalities together ends below the strong modality on its own. The wide, noisy modality b lets the fused model memorise the 200 training samples before it has learned the strong, narrow a.",
        watch: "Accuracy: the fused validation line (solid black) stalls far below its training line, and below a's probe (solid blue); Gap: the fused gap climbs.",
        verdict: imbalance,
        tries: &[
            Try { label: "Train a alone", expect: "The same data with modality a only: its validation accuracy ends above the fused model's.", settings: &["modalities=a"] },
            Try { label: "Turn on Gradient-Blending", expect: "Each head's loss weighted by how well it generalizes on the held-out part V: the weights chart gives a almost all of the weight at first.", settings: &["regularizers.gradient_blending.enabled=true"] },
        ],
    },
    Story {
        preset: "gradient-blending",
        claim: "Gradient-Blending weights each head's loss by its estimated generalization per overfitting on a held-out part V. The strong modality's head ends far above the fused head, which still leans on the overfitting modality.",
        watch: "Gradient-Blending weights: a gets almost all of the weight in the first estimates (later ones turn uniform once no head's held-out loss falls); Accuracy: head a's validation line (solid blue) far above the fused one (solid black).",
        verdict: gradient_blending,
        tries: &[Try { label: "Turn Gradient-Blending off", expect: "Back to naive joint training: the unimodal heads become probes that no longer train the encoders; the fused head is what predicts.", settings: &["regularizers.gradient_blending.enabled=false"] }],
    },
    Story {
        preset: "ogm-ge",
        claim: "Modality a fits the training data within a few steps and starves the weaker but useful b. OGM-GE slows a's encoder while a leads (k_a < 1), so b's encoder keeps learning.",
        watch: "OGM-GE: ρ_a above 1 and k_a (dashed blue) below 1 in the first half; Contribution: b's probe (light vermillion) keeps rising. The verdict reads b's split head, the b part of the fused head's logits.",
        verdict: ogm_ge,
        tries: &[Try { label: "Turn OGM-GE off", expect: "Naive training with the same SGD: b's split head ends near 50 % and its probe lower.", settings: &["regularizers.ogm_ge.enabled=false"] }],
    },
    Story {
        preset: "shortcut",
        claim: "Modality b carries the class on the training split only (a shortcut). The fused model learns it, and its validation loss climbs while its training loss falls.",
        watch: "Accuracy: b's training line near 100 % while its validation line stays near chance (25 %); Gap: the fused gap grows past 1.",
        verdict: shortcut,
        tries: &[Try { label: "Train a alone", expect: "Without the shortcut the validation accuracy rises from chance to about 80 %.", settings: &["modalities=a"] }],
    },
    Story {
        preset: "interaction",
        claim: "The label is a XOR of the two modalities: each alone says nothing. A fused head with a hidden layer learns it; an additive late fusion (concat with a linear head) cannot.",
        watch: "Accuracy: the fused validation line climbs towards 100 % while both probes stay at chance (50 %).",
        verdict: interaction,
        tries: &[Try { label: "Use a linear fused head", expect: "concat + a linear head is a sum of per-modality terms: the fused accuracy stays near chance.", settings: &["model.fusion_hidden=0"] }],
    },
    Story {
        preset: "lmf",
        claim: "Low-rank multimodal fusion multiplies the modalities' factors, so even a linear head learns the XOR, with an eighth of tensor fusion's parameters.",
        watch: "Accuracy: the fused validation line climbs above 85 %; Fusion parameters: LMF at rank 4 against TFN's line.",
        verdict: tensor_fusion,
        tries: &[
            Try { label: "Concat instead", expect: "An additive fusion with the same linear head stays near chance.", settings: &["model.fusion=concat"] },
            Try { label: "Rank 1", expect: "A single rank is enough for this XOR: the accuracy barely moves, the parameters fall by four.", settings: &["model.rank=1"] },
        ],
    },
    Story {
        preset: "tfn",
        claim: "Tensor fusion takes every product of a feature of a with a feature of b, so the XOR is linear in them: a linear head learns it.",
        watch: "Accuracy: the fused validation line climbs above 85 %; Fusion parameters: TFN's count against LMF's by rank.",
        verdict: tensor_fusion,
        tries: &[Try { label: "Low-rank fusion instead", expect: "LMF at rank 4 learns it as well with an eighth of the parameters.", settings: &["model.fusion=lmf"] }],
    },
    Story {
        preset: "balanced",
        claim: "Two equally informative modalities: the easy case. Each contributes about half of the fused accuracy, and together they beat either alone.",
        watch: "Contribution: the two Shapley shares stay near 50 %; Accuracy: the fused validation line above both probes.",
        verdict: balanced,
        tries: &[Try { label: "Weaken b", expect: "With a quarter of its signal, b's Shapley share falls and a carries the model.", settings: &["data.synthetic.1.signal=0.15"] }],
    },
    Story {
        preset: "mfeat-fou-mor",
        claim: "Real data: UCI handwritten digits seen through two feature views, Fourier coefficients (76) and morphological features (6). Together they beat either view's probe.",
        watch: "Accuracy: the fused validation line above both probes; Contribution: fou's Shapley share is the larger.",
        verdict: mfeat,
        tries: &[Try { label: "Add the pixel view", expect: "A third view (240 pixel averages): the fused accuracy rises to about 98 %, and pix takes most of the Shapley share.", settings: &["data.views=fou,mor,pix"] }],
    },
];

/// The story of the preset called `name`.
pub fn story(name: &str) -> Option<&'static Story> {
    STORIES.iter().find(|s| s.preset == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::presets::{PRESETS, preset};

    #[test]
    fn every_preset_has_a_story_whose_tries_apply() {
        for p in PRESETS {
            let story = story(p.name).unwrap_or_else(|| panic!("{} has no story", p.name));
            assert!(!story.tries.is_empty() && story.tries.len() <= 2, "{}: one or two tries", p.name);
            for t in story.tries {
                let config = t.settings.iter().try_fold(preset(p.name).unwrap(), |c, s| c.with_override(s));
                config.unwrap_or_else(|e| panic!("{}: {}: {e}", p.name, t.label)).validate().unwrap();
            }
        }
        assert_eq!(STORIES.len(), PRESETS.len());
    }
}
