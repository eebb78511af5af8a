//! The derived metrics measured through a real session, against what they must be by
//! definition (docs/methods.md, "Metrics").

mod common;

use common::{advance_to, config, last};
use modalscope::engine::session::Session;

#[test]
fn shapley_of_the_empty_set_is_the_accuracy_of_one_constant_prediction() {
    // v(∅): every embedding replaced by its mean over T′, so every validation sample gets the
    // same fused input and the same predicted class: v(∅) is that class's frequency in the
    // validation split. Efficiency then gives it from the run: v(∅) = v(all) − Σ_m φ_m.
    for (preset, step) in [("imbalance", 8), ("balanced", 14), ("interaction", 20)] {
        let mut s = Session::on_cpu(config(preset, &[]), None).unwrap();
        advance_to(&mut s, step);
        let e = last(&s);
        let phi_sum: f64 = e.contribution.iter().map(|(_, c)| c.shapley).sum();
        let empty = e.fused().val_acc - phi_sum;
        let labels = &s.data().val.labels;
        let frequencies: Vec<f64> = (0..s.data().classes)
            .map(|c| labels.iter().filter(|&&l| l as usize == c).count() as f64 / labels.len() as f64)
            .collect();
        assert!(
            frequencies.iter().any(|f| (f - empty).abs() < 1e-6),
            "{preset}: v(∅) = {empty} is no class frequency of {frequencies:?}"
        );
    }
}

/// The text of docs/methods.md.
fn methods_doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/methods.md")).expect("docs/methods.md")
}

/// The section of `doc` under the heading line `heading`, to the next heading of its level.
fn section(doc: &str, heading: &str) -> Option<String> {
    let level = format!("{} ", heading.split(' ').next().unwrap_or_default());
    let start = doc.lines().position(|l| l == heading)?;
    Some(doc.lines().skip(start + 1).take_while(|l| !l.starts_with(&level)).collect::<Vec<_>>().join("\n"))
}

#[test]
fn docs_methods_md_has_a_section_for_every_method_and_every_metric_key() {
    // Every registered method has `## Method `key``; every metric key a run writes (the top
    // level, a head's, a modality's contribution) has `### Metric `key``; every key a method
    // reports under `methods.<key>` has its own heading or is named in the `**Output.**`
    // paragraph of that method's section.
    // Each method runs alone on `imbalance` long enough to report (Gradient-Blending's first
    // estimate included), and every evaluation's keys are collected.
    use modalscope::engine::methods::REGISTRY;
    use std::collections::BTreeSet;
    let doc = methods_doc();
    let heading = |kind: &str, key: &str| format!("{kind} `{key}`");
    let has_metric = |key: &str| doc.lines().any(|l| l == format!("### {}", heading("Metric", key)));
    let mut missing = BTreeSet::new();
    for entry in REGISTRY {
        let title = format!("## {}", heading("Method", entry.name));
        let Some(text) = section(&doc, &title) else {
            missing.insert(title);
            continue;
        };
        // The section's `**Output.**` paragraph lists the keys under `methods.<key>`.
        let paragraph = text.split("\n\n").find(|p| p.starts_with("**Output.**")).unwrap_or_default();
        let output: BTreeSet<String> =
            paragraph.split(|c: char| !(c.is_alphanumeric() || c == '_')).map(str::to_owned).collect();
        let mut s = Session::on_cpu(config("imbalance", &[&format!("methods.{}.enabled=true", entry.name)]), None).unwrap();
        advance_to(&mut s, 120);
        let evaluations: Vec<_> = s.history().points().iter().map(|e| e.to_json()).collect();
        for json in &evaluations {
            let object = |v: &serde_json::Value| v.as_object().cloned().unwrap_or_default();
            for (key, _) in object(json) {
                if !["schema_version", "heads", "contribution", "methods", "events"].contains(&key.as_str()) && !has_metric(&key) {
                    missing.insert(format!("top-level `{key}`"));
                }
            }
            for group in ["heads", "contribution"] {
                for (_, per_name) in object(&json[group]) {
                    for (key, _) in object(&per_name) {
                        if !has_metric(&key) {
                            missing.insert(format!("{group}.*.`{key}`"));
                        }
                    }
                }
            }
            for (key, _) in object(&json["methods"][entry.name]) {
                if !has_metric(&key) && !output.contains(&key) {
                    missing.insert(format!("methods.{}.`{key}`", entry.name));
                }
            }
        }
        assert!(
            evaluations.iter().any(|e| e["methods"].get(entry.name).is_some()) || entry.name == "early_stopping",
            "{} reported nothing in 120 steps: the test would check none of its keys",
            entry.name
        );
    }
    assert!(missing.is_empty(), "docs/methods.md lacks: {missing:?}");
}
