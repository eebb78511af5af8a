//! The settings that differ between two configurations, as the A/B panel and
//! `modalscope compare` list them.

use serde_json::Value;

use crate::engine::config::ExperimentConfig;

use super::knob::{Knob, KnobKind, pointer};
use super::table::table;
use super::text::value_text;

/// One setting that differs between two configurations, as the A/B panel lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// The knob's path (`train.learning_rate`), as `--set` writes it.
    pub path: String,
    /// The knob's label ("learning rate"), or the path where no single knob names it.
    pub label: String,
    /// Its value in the first configuration (as `--set` writes it).
    pub from: String,
    /// Its value in the second.
    pub to: String,
}

/// Every knob whose value differs between `a` and `b`, in table order (b's table: a knob that
/// only one of them has, such as a third modality's row, is listed with "–" on the other side).
pub fn differences(a: &ExperimentConfig, b: &ExperimentConfig) -> Vec<Difference> {
    let (from, to) = (serde_json::to_value(a).expect("serializes"), serde_json::to_value(b).expect("serializes"));
    let mut rows = table(b);
    for knob in table(a) {
        if !rows.iter().any(|k| k.path == knob.path) {
            rows.push(knob);
        }
    }
    let text = |knob: &Knob, root: &Value| match root.pointer(&pointer(&knob.path)) {
        None => "–".to_string(),
        // A subset with none ticked means all of them ("modalities in use").
        Some(Value::Array(items)) if items.is_empty() && matches!(knob.kind, KnobKind::Subset { .. }) => "all".to_string(),
        Some(value) => value_text(value),
    };
    rows.iter()
        .filter(|knob| knob.get(&from) != knob.get(&to))
        .map(|knob| Difference { path: knob.path.clone(), label: knob.label.clone(), from: text(knob, &from), to: text(knob, &to) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::presets::preset;

    #[test]
    fn differences_name_each_changed_knob_with_both_values() {
        let a = preset("imbalance").unwrap();
        assert!(differences(&a, &a).is_empty());
        let b = a.with_override("train.learning_rate=0.01").unwrap().with_override("methods.ogm_ge.enabled=true").unwrap();
        let listed = differences(&a, &b);
        let lr = listed.iter().find(|d| d.label == "learning rate").expect("the learning rate is listed");
        assert_eq!((lr.from.as_str(), lr.to.as_str()), ("0.001", "0.01"));
        assert_eq!(listed.len(), 2, "{listed:?}");
        let alone = differences(&a, &a.with_override("modalities=a").unwrap());
        assert_eq!((alone[0].label.as_str(), alone[0].from.as_str(), alone[0].to.as_str()), ("modalities in use", "all", "a"), "none ticked is all");
        let mut three = a.clone();
        three.data.synthetic.push(crate::engine::config::SyntheticModality { name: "c".into(), ..Default::default() });
        let listed = differences(&a, &three);
        assert!(listed.iter().any(|d| d.from == "–" && d.to == "c"), "a row only B has shows – for A: {listed:?}");
        assert!(differences(&three, &a).iter().any(|d| d.from == "c" && d.to == "–"), "and the other way round");
    }
}
