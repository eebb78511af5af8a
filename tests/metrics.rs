//! The derived metrics measured through a real session, against what they must be by
//! definition (METHODS.md "Metrics").

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
