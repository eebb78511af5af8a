//! What each preset is for, in a lecturer's words: the claim, what to watch, a verdict
//! computed from the run, and one or two settings to try next. Plain data (burn-free): the
//! page shows it as the story card under the preset selector, and `tests/stories.rs` checks
//! that every verdict holds when the preset is trained to its end.
//!
//! A verdict reads the run's latest evaluation only (validation split, the metrics of
//! docs/methods.md, "Metrics"), so it means the same in the page and in the CLI's
//! `metrics.jsonl`.

use crate::engine::methods::METHODS;
use crate::engine::metrics::{Contribution, Evaluation};

/// A setting to try next: a button on the story card.
pub struct Try {
    /// The button's label.
    pub label: &'static str,
    /// What to expect, in one sentence.
    pub expect: &'static str,
    /// `key.path=value` overrides applied to the current configuration (the CLI's `--set`).
    pub settings: &'static [&'static str],
    /// The expectation checked on the try's run: its latest evaluation, and the latest of
    /// the preset's own run where the expectation compares with it (`None` when that run
    /// has not been seen; a verdict that needs it is then `None` too).
    pub verdict: fn(&Evaluation, Option<&Evaluation>) -> Option<Verdict>,
}

/// The fused validation accuracy of a run, when it has one.
fn fused_of(e: Option<&Evaluation>) -> Option<f64> {
    e.map(|e| e.fused().val_acc)
}

/// A modality alone (`modalities=<name>`) ends above the fused model of the preset's run.
fn alone_beats_fused(e: &Evaluation, preset: Option<&Evaluation>) -> Option<Verdict> {
    let (alone, fused) = (e.fused().val_acc, fused_of(preset)?);
    let name = e.heads.get(1).map_or("it", |(n, _)| n.as_str());
    Some(Verdict {
        figures: format!("{name} alone {} {} the preset's fused model {}", pct(alone), relation(alone, fused), pct(fused)),
        holds: e.heads.len() == 2 && relation(alone, fused) == ">",
    })
}

/// The fused head ends within 5 points of head a, or above it.
pub fn fused_near_head_a(e: &Evaluation, _: Option<&Evaluation>) -> Option<Verdict> {
    let (a, fused) = (val_acc(e, "a")?, e.fused().val_acc);
    Some(Verdict { figures: format!("fused head {} {} head a {}", pct(fused), relation(fused, a), pct(a)), holds: fused > a - 0.05 })
}

/// Without the shortcut modality, the validation accuracy ends well above chance (70 %+).
fn shortcut_gone(e: &Evaluation, _: Option<&Evaluation>) -> Option<Verdict> {
    let alone = e.fused().val_acc;
    Some(Verdict { figures: format!("validation accuracy {} (chance 25 %)", pct(alone)), holds: e.heads.len() == 2 && alone >= 0.7 })
}

/// The fused accuracy stays near chance (within 10 points of 50 %) on the XOR.
fn near_chance(e: &Evaluation, _: Option<&Evaluation>) -> Option<Verdict> {
    let fused = e.fused().val_acc;
    Some(Verdict { figures: format!("fused {} (chance 50 %)", pct(fused)), holds: (fused - 0.5).abs() < 0.1 })
}

/// The fused model still learns the XOR (above 85 %).
fn learns_xor(e: &Evaluation, _: Option<&Evaluation>) -> Option<Verdict> {
    let fused = e.fused().val_acc;
    Some(Verdict { figures: format!("fused {} (chance 50 %)", pct(fused)), holds: fused > 0.85 })
}

/// The fused accuracy ends within 5 points of the preset's run.
fn barely_moves(e: &Evaluation, preset: Option<&Evaluation>) -> Option<Verdict> {
    let (now, before) = (e.fused().val_acc, fused_of(preset)?);
    Some(Verdict {
        figures: format!("fused {} against the preset's {}", pct(now), pct(before)),
        holds: (now - before).abs() <= 0.05,
    })
}

/// A modality's Shapley value φ_m in the run's latest evaluation: the accuracy points it
/// adds to the fused model (docs/methods.md), as the Contribution chart draws it.
fn shapley(e: &Evaluation, name: &str) -> Option<f64> {
    contribution(e, name).map(|c| c.shapley)
}

/// b's Shapley φ ends below a's and below the preset's run's.
fn b_weakened(e: &Evaluation, preset: Option<&Evaluation>) -> Option<Verdict> {
    let (a, b, before) = (shapley(e, "a")?, shapley(e, "b")?, shapley(preset?, "b")?);
    Some(Verdict {
        figures: format!("Shapley φ a {} and b {} (the preset's b {})", points(a), points(b), points(before)),
        holds: relation(b, a) == "<" && relation(b, before) == "<",
    })
}

/// With the pixel view the fused accuracy reaches 95 %+ and pix has the largest Shapley φ.
fn pixels_lead(e: &Evaluation, _: Option<&Evaluation>) -> Option<Verdict> {
    let pix = shapley(e, "pix")?;
    let leader = e.contribution.iter().all(|(_, c)| c.shapley <= pix);
    let fused = e.fused().val_acc;
    Some(Verdict {
        figures: format!("fused {}; pix's Shapley φ {} ({})", pct(fused), points(pix), if leader { "the largest" } else { "not the largest" }),
        holds: fused >= 0.95 && leader,
    })
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
pub fn pct(value: f64) -> String {
    format!("{:.0} %", value * 100.0)
}

/// Accuracy points with their sign and no decimals ("+23 points"): a Shapley φ.
pub fn points(value: f64) -> String {
    format!("{:+.0} points", value * 100.0)
}

/// The relation between two shares as [`pct`] prints them (whole percents): `<`, `=` or `>`.
/// A verdict prints the relation that holds between its numbers, never the one its claim
/// expects: whether the claim holds is `Verdict::holds`.
pub fn relation(x: f64, y: f64) -> &'static str {
    let (x, y) = ((x * 100.0).round(), (y * 100.0).round());
    if x < y {
        "<"
    } else if x > y {
        ">"
    } else {
        "="
    }
}

/// "fused 71 % < a's probe 77 %, > b's probe 40 %": `fused` against each probe, with the
/// relation that holds.
fn fused_against_probes(fused: f64, probes: &[(&str, f64)]) -> String {
    let each: Vec<String> = probes.iter().map(|(name, p)| format!("{} {name}'s probe {}", relation(fused, *p), pct(*p))).collect();
    format!("fused {} {}", pct(fused), each.join(", "))
}

/// The validation accuracy of head `name` (the fused head or a modality's probe).
pub fn val_acc(e: &Evaluation, name: &str) -> Option<f64> {
    e.head(name).map(|h| h.val_acc)
}

/// A modality's contribution entry.
pub fn contribution<'a>(e: &'a Evaluation, name: &str) -> Option<&'a Contribution> {
    e.contribution.iter().find(|(n, _)| n == name).map(|(_, c)| c)
}

/// A modality's probe accuracy (its unimodal head on validation).
pub fn probe(e: &Evaluation, name: &str) -> Option<f64> {
    contribution(e, name).map(|c| c.probe_acc)
}

fn imbalance(e: &Evaluation) -> Option<Verdict> {
    let (fused, train, a) = (e.fused().val_acc, e.fused().train_acc, probe(e, "a")?);
    probe(e, "b")?;
    Some(Verdict {
        figures: format!("fused {} on validation (train {}) {} a's probe {}", pct(fused), pct(train), relation(fused, a), pct(a)),
        holds: relation(fused, a) == "<" && train - fused > 0.2,
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
    let (a, b) = (probe(e, "a")?, probe(e, "b")?);
    let (pa, pb) = (shapley(e, "a")?, shapley(e, "b")?);
    let (low, high) = (pa.min(pb), pa.max(pb));
    Some(Verdict {
        figures: format!(
            "Shapley φ a {} and b {} (the smaller {} half the larger); {}",
            points(pa),
            points(pb),
            if low >= 0.5 * high { "at least" } else { "under" },
            fused_against_probes(e.fused().val_acc, &[("a", a), ("b", b)])
        ),
        holds: low > 0.0 && low >= 0.5 * high && relation(e.fused().val_acc, a.max(b)) == ">",
    })
}

fn mfeat(e: &Evaluation) -> Option<Verdict> {
    let (fou, mor, fused) = (probe(e, "fou")?, probe(e, "mor")?, e.fused().val_acc);
    let (pf, pm) = (shapley(e, "fou")?, shapley(e, "mor")?);
    Some(Verdict {
        figures: format!(
            "{} (chance 10 %); Shapley φ fou {} {} mor {}",
            fused_against_probes(fused, &[("fou", fou), ("mor", mor)]),
            points(pf),
            relation(pf, pm),
            points(pm)
        ),
        holds: relation(fused, fou.max(mor)) == ">" && relation(pf, pm) == ">",
    })
}

/// The story of every preset that no method brings, in menu order (each method's story
/// cards are in its folder, [`crate::engine::methods::About::stories`]).
const PHENOMENA: &[Story] = &[
    Story {
        preset: "imbalance",
        claim: "Training both modalities together ends below the strong modality on its own. The wide, noisy modality b lets the fused model memorise the 200 training samples before it has learned the strong, narrow a.",
        watch: "Accuracy: the fused validation line (solid black) stalls far below its training line, and below a's probe (solid blue); Gap: the fused gap climbs.",
        verdict: imbalance,
        tries: &[
            Try {
                label: "Train a alone",
                expect: "The same data with modality a only: its validation accuracy ends above the fused model's.",
                settings: &["modalities=a"],
                verdict: alone_beats_fused,
            },
            Try {
                label: "Turn on Gradient-Blending (with SGD)",
                expect: "Each head's loss weighted by how well it generalizes on the held-out part V, trained with SGD (Adam would cancel the weights): the fused head ends near a's head.",
                settings: &["methods.gradient_blending.enabled=true", "train.optimizer=sgd", "train.learning_rate=0.01"],
                verdict: fused_near_head_a,
            },
        ],
    },
    Story {
        preset: "shortcut",
        claim: "Modality b carries the class on the training split only (a shortcut). The fused model learns it, and its validation loss climbs while its training loss falls.",
        watch: "Accuracy: b's training line near 100 % while its validation line stays near chance (25 %); Gap: the fused gap grows past 1.",
        verdict: shortcut,
        tries: &[Try {
            label: "Train a alone",
            expect: "Without the shortcut the validation accuracy rises from chance to about 80 %.",
            settings: &["modalities=a"],
            verdict: shortcut_gone,
        }],
    },
    Story {
        preset: "interaction",
        claim: "The label is a XOR of the two modalities: each alone says nothing. A fused head with a hidden layer learns it; late fusion (each modality's own classifier, their logits averaged) cannot.",
        watch: "Accuracy: the fused validation line climbs towards 100 % while both probes stay at chance (50 %).",
        verdict: interaction,
        tries: &[
            Try {
                label: "Late fusion cannot learn the XOR",
                expect: "Each modality's own classifier sees one input, and the mean of their logits is a sum of per-modality terms: the fused accuracy stays near chance.",
                settings: &["model.fusion=late"],
                verdict: near_chance,
            },
            Try {
                label: "Early fusion",
                expect: "One encoder sees both inputs at once, so its shared layers (and the fused head's hidden layer) combine them: it learns the XOR (above 85 %).",
                settings: &["model.fusion=early"],
                verdict: learns_xor,
            },
        ],
    },
    Story {
        preset: "lmf",
        claim: "Low-rank multimodal fusion multiplies the modalities' factors, so even a linear head learns the XOR, with an eighth of tensor fusion's parameters.",
        watch: "Accuracy: the fused validation line climbs above 85 %; Fusion parameters: LMF at rank 4 against TFN's line.",
        verdict: tensor_fusion,
        tries: &[
            Try { label: "Concat instead", expect: "An additive fusion with the same linear head stays near chance.", settings: &["model.fusion=concat"], verdict: near_chance },
            Try {
                label: "Rank 1",
                expect: "A single rank is enough for this XOR: the accuracy barely moves, the parameters fall by four.",
                settings: &["model.rank=1"],
                verdict: barely_moves,
            },
        ],
    },
    Story {
        preset: "tfn",
        claim: "Tensor fusion takes every product of a feature of a with a feature of b, so the XOR is linear in them: a linear head learns it.",
        watch: "Accuracy: the fused validation line climbs above 85 %; Fusion parameters: TFN's count against LMF's by rank.",
        verdict: tensor_fusion,
        tries: &[Try {
            label: "Low-rank fusion instead",
            expect: "LMF at rank 4 learns it as well with an eighth of the parameters.",
            settings: &["model.fusion=lmf"],
            verdict: learns_xor,
        }],
    },
    Story {
        preset: "balanced",
        claim: "Two equally informative modalities: the easy case. Both add accuracy to the fused model, neither more than twice the other, and together they beat either alone.",
        watch: "Contribution: the two Shapley φ lines (the accuracy points each modality adds) end close together, both above 0; Accuracy: the fused validation line above both probes.",
        verdict: balanced,
        tries: &[Try {
            label: "Weaken b",
            expect: "With a quarter of its signal, b's Shapley φ falls and a carries the model.",
            settings: &["data.synthetic.1.signal=0.15"],
            verdict: b_weakened,
        }],
    },
    Story {
        preset: "mfeat-fou-mor",
        claim: "Real data: UCI handwritten digits seen through two feature views, Fourier coefficients (76) and morphological features (6). Together they beat either view's probe.",
        watch: "Accuracy: the fused validation line above both probes; Contribution: fou's Shapley φ (the accuracy points it adds) is the larger.",
        verdict: mfeat,
        tries: &[Try {
            label: "Add the pixel view",
            expect: "A third view (240 pixel averages): the fused accuracy rises to about 98 %, and pix adds the most (the largest Shapley φ).",
            settings: &["data.views=fou,mor,pix"],
            verdict: pixels_lead,
        }],
    },
];

/// Every preset's story: the phenomena's and the methods'.
pub fn stories() -> impl Iterator<Item = &'static Story> {
    PHENOMENA.iter().chain(METHODS.iter().flat_map(|m| m.stories.iter()))
}

/// The story of the preset called `name`.
pub fn story(name: &str) -> Option<&'static Story> {
    stories().find(|s| s.preset == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::presets::{PRESETS, preset};

    fn evaluation(fused: f64, probes: &[(&str, f64)]) -> Evaluation {
        use crate::engine::metrics::{Contribution, HeadMetrics};
        let head = |val_acc: f64| HeadMetrics { train_loss: 0.1, val_loss: 1.0, train_acc: 1.0, val_acc, test_acc: None, gap: 0.9, ogr: None, missing: Vec::new() };
        let contribution = |probe_acc: f64| Contribution { probe_acc, split_acc: None, shapley: 0.25, shapley_share: Some(0.5), grad_share: None };
        Evaluation {
            step: 1,
            epoch: 1.0,
            heads: std::iter::once(("fused".to_string(), head(fused))).chain(probes.iter().map(|(n, p)| (n.to_string(), head(*p)))).collect(),
            contribution: probes.iter().map(|(n, p)| (n.to_string(), contribution(*p))).collect(),
            methods: Default::default(),
            events: vec![],
        }
    }

    #[test]
    fn a_verdict_prints_the_relation_its_numbers_have_not_the_claimed_one() {
        // The claims expect fused < a (imbalance) and fused > every probe (balanced,
        // mfeat); runs where the numbers go the other way print the other sign and do not
        // hold.
        let v = imbalance(&evaluation(0.41, &[("a", 0.28), ("b", 0.3)])).unwrap();
        assert!(v.figures.contains("(train 100 %) > a's probe 28 %") && !v.holds, "{}", v.figures);
        let v = imbalance(&evaluation(0.49, &[("a", 0.62), ("b", 0.3)])).unwrap();
        assert!(v.figures.contains("(train 100 %) < a's probe 62 %") && v.holds, "{}", v.figures);
        let v = balanced(&evaluation(0.71, &[("a", 0.77), ("b", 0.40)])).unwrap();
        assert!(v.figures.contains("fused 71 % < a's probe 77 %, > b's probe 40 %") && !v.holds, "{}", v.figures);
        let v = mfeat(&evaluation(0.90, &[("fou", 0.90), ("mor", 0.70)])).unwrap();
        assert!(v.figures.contains("fused 90 % = fou's probe 90 %, > mor's probe 70 %"), "{}", v.figures);
        assert_eq!((relation(0.614, 0.606), relation(0.616, 0.606)), ("=", ">"), "at the printed precision");
    }

    #[test]
    fn every_preset_has_a_story_whose_tries_apply() {
        for p in PRESETS.iter() {
            let story = story(p.name).unwrap_or_else(|| panic!("{} has no story", p.name));
            assert!(!story.tries.is_empty() && story.tries.len() <= 2, "{}: one or two tries", p.name);
            for t in story.tries {
                let config = t.settings.iter().try_fold(preset(p.name).unwrap(), |c, s| c.with_override(s));
                config.unwrap_or_else(|e| panic!("{}: {}: {e}", p.name, t.label)).validate().unwrap();
            }
        }
        assert_eq!(stories().count(), PRESETS.len());
    }
}
