//! The page's early warning of a diverging run: a fused training loss far above a uniform
//! guess's. The loss need not be non-finite yet (learning rate 1 on `imbalance` reaches
//! about 7,000 at the first evaluation and stays finite). The session acts on it
//! (`engine::session::OnDiverging`): the page pauses, the CLI says so and goes on (or stops
//! with `--stop-on-diverging`); the CLI fails by itself only on a non-finite loss
//! (`Event::Divergence`).

use super::evaluation::Evaluation;

/// A fused training loss above this many times ln K (a uniform guess's loss over K
/// classes) at an evaluation counts as diverging.
pub const DIVERGING_FACTOR: f64 = 10.0;

/// The notice for `now` when its fused training loss has just risen above
/// [`DIVERGING_FACTOR`]·ln K (it was below at `previous`, or `now` is the first
/// evaluation); `None` otherwise, so that a run the user goes on with is not paused at every
/// evaluation while its loss stays high. The sentence says what happened; the session adds
/// what it did about it.
pub fn diverging(previous: Option<&Evaluation>, now: &Evaluation, classes: usize) -> Option<String> {
    let limit = DIVERGING_FACTOR * (classes.max(2) as f64).ln();
    let above = |e: &Evaluation| e.fused().train_loss > limit;
    if !above(now) || previous.is_some_and(above) {
        return None;
    }
    let since = previous.map(|p| format!(" from {} at step {}", loss(p.fused().train_loss), p.step)).unwrap_or_default();
    Some(format!(
        "Diverging: the fused training loss rose{since} to {} at step {}, above 10·ln K = {limit:.1} ({classes} classes).",
        loss(now.fused().train_loss),
        now.step
    ))
}

/// A loss (never negative) with digits enough to read: 1.37, or 7,309 with thousands grouped.
fn loss(value: f64) -> String {
    if value.is_finite() && value >= 100.0 { super::thousands(value.round() as u64) } else { format!("{value:.2}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::metrics::HeadMetrics;

    fn at(step: usize, train_loss: f64) -> Evaluation {
        let head = HeadMetrics { train_loss, val_loss: train_loss, train_acc: 0.0, val_acc: 0.0, test_acc: None, gap: 0.0, ogr: None, missing: Vec::new() };
        Evaluation { step, epoch: 0.0, heads: vec![("fused".into(), head)], contribution: vec![], methods: Default::default(), events: vec![] }
    }

    #[test]
    fn a_loss_crossing_ten_ln_k_is_named_once_with_its_step_range() {
        // K = 4: the limit is 13.86.
        let text = diverging(Some(&at(0, 1.37)), &at(4, 7308.6), 4).expect("crossing the limit");
        assert_eq!(
            text,
            "Diverging: the fused training loss rose from 1.37 at step 0 to 7,309 at step 4, above 10·ln K = 13.9 (4 classes)."
        );
        assert_eq!(diverging(Some(&at(4, 7308.6)), &at(8, 370.0), 4), None, "still above: not again");
        assert_eq!(diverging(Some(&at(8, 1.2)), &at(12, 13.8), 4), None, "below the limit");
        assert!(diverging(None, &at(0, 14.0), 4).is_some(), "a first evaluation above the limit");
    }
}
