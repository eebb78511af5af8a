//! The teaching phenomena appear, on fixed seeds, at sizes that run in seconds.

mod common;
use common::*;

#[test]
fn imbalance_naive_joint_training_ends_below_the_strong_modality_alone() {
    for seed in 1..=3 {
        let s = format!("train.seed={seed}");
        let joint = last(&train(config("imbalance", &[&s]))).fused().val_acc;
        let strong = last(&train(config("imbalance", &[&s, "modalities=a"]))).fused().val_acc;
        let weak = last(&train(config("imbalance", &[&s, "modalities=b"]))).fused().val_acc;
        assert!(joint < strong, "seed {seed}: joint {joint} should be below a alone {strong}");
        assert!(weak < strong, "seed {seed}: b alone {weak} should be below a alone {strong}");
    }
}

#[test]
fn imbalance_joint_model_overfits_more_than_the_strong_modality_alone() {
    let joint = last(&train(config("imbalance", &[])));
    let strong = last(&train(config("imbalance", &["modalities=a"])));
    assert!(joint.fused().train_loss < strong.fused().train_loss, "lower training error");
    assert!(joint.fused().val_loss > strong.fused().val_loss, "higher validation error");
}

#[test]
fn interaction_unimodal_heads_stay_near_chance_while_fused_learns() {
    let eval = last(&train(config("interaction", &[])));
    for name in ["a", "b"] {
        let acc = eval.head(name).unwrap().val_acc;
        assert!((acc - 0.5).abs() < 0.1, "{name} probe at {acc}, chance is 0.5");
    }
    assert!(eval.fused().val_acc > 0.8, "hidden-layer fused head learns it: {}", eval.fused().val_acc);
}

#[test]
fn interaction_needs_more_than_an_additive_fusion() {
    // A linear head on concat, and late fusion (its logits a mean of per-modality ones), are
    // sums of per-modality terms; early fusion's shared layers see both inputs.
    for (settings, learns) in [("model.fusion_hidden=0", false), ("model.fusion=late", false), ("model.fusion=early", true)] {
        let acc = last(&train(config("interaction", &[settings]))).fused().val_acc;
        assert_eq!(acc > 0.85, learns, "{settings}: fused {acc}");
        assert!(learns || acc < 0.65, "{settings}: fused {acc} stays near chance");
    }
}

#[test]
fn shortcut_modality_agrees_with_train_labels_not_validation() {
    let eval = last(&train(config("shortcut", &[])));
    let b = eval.head("b").unwrap();
    assert!(b.train_acc > 0.9, "shortcut fits training labels: {}", b.train_acc);
    assert!(b.val_acc < 0.4, "and not validation (chance 0.25): {}", b.val_acc);
    assert!(eval.fused().gap > 1.0, "the fused gap grows: {}", eval.fused().gap);
}

#[test]
fn shapley_values_add_up_to_the_full_minus_empty_accuracy() {
    // Σ φ_m = v(all) − v(∅); v(all) is the fused accuracy, so v(∅) = fused acc − Σ φ. With
    // every modality absent (each replaced by its mean embedding) every sample gets the same
    // input, so the fused head predicts one class for all: v(∅) is that class's share of the
    // validation split.
    let session = train(config("balanced", &["train.epochs=5"]));
    let eval = last(&session);
    let sum: f64 = eval.contribution.iter().map(|(_, c)| c.shapley).sum();
    let empty = eval.fused().val_acc - sum;
    let labels = &session.data().val.labels;
    let shares: Vec<f64> = (0..session.data().classes as u32).map(|c| labels.iter().filter(|&&l| l == c).count() as f64 / labels.len() as f64).collect();
    assert!(shares.iter().any(|share| (share - empty).abs() < 1e-5), "v(∅) = {empty} is no class's share of validation {shares:?}");
    let shares: f64 = eval.contribution.iter().filter_map(|(_, c)| c.grad_share).sum();
    assert!((shares - 1.0).abs() < 1e-9, "gradient shares sum to 1: {shares}");
}

#[test]
fn mfeat_views_train_above_chance() {
    let eval = last(&train(config("mfeat-fou-mor", &["train.epochs=10"])));
    assert!(eval.fused().val_acc > 0.6, "ten classes, chance 0.1: {}", eval.fused().val_acc);
}

#[test]
fn same_seed_same_run() {
    let a = last(&train(config("balanced", &["train.epochs=3"])));
    let b = last(&train(config("balanced", &["train.epochs=3"])));
    assert_eq!(a, b);
}

#[test]
fn divergence_stops_the_run_and_names_the_step_range() {
    // Nothing a user can set makes this small ReLU network's loss non-finite (it dies
    // instead), so the `debug.nan_at_step` hook poisons the loss at step 8: evaluations come
    // every epoch (7 steps), so the range is (7, 14].
    use modalscope::engine::{metrics::Event, session::RunState};
    let session = train(config("balanced", &["train.epochs=5", "debug.nan_at_step=8"]));
    assert_eq!(session.state(), RunState::Diverged);
    let events: Vec<Event> = session.history().points().iter().flat_map(|e| e.events.clone()).collect();
    let range = events.iter().find_map(|e| match e {
        Event::Divergence { from_step, to_step, .. } => Some((*from_step, *to_step)),
        _ => None,
    });
    assert_eq!(range, Some((7, 14)), "{events:?}");
    assert_eq!(session.step(), 14, "stopped at the evaluation that saw the NaN");
    let before = &session.history().points()[1];
    assert!(before.fused().val_loss.is_finite(), "the checkpoint before the poisoned step is intact");
}
