//! Bounded time series of evaluations: memory stays flat however long a run goes.
//!
//! When the history reaches its capacity, every second point of its older half is dropped
//! (the newest half stays at full resolution), so old stretches are decimated progressively.
//! The best checkpoint (lowest fused validation loss) is tracked separately and never lost.

use super::evaluation::Evaluation;

/// Default number of evaluations kept.
pub const DEFAULT_CAPACITY: usize = 2000;

/// Bounded evaluation history.
#[derive(Clone, Debug)]
pub struct History {
    points: Vec<Evaluation>,
    capacity: usize,
    received: usize,
    best: Option<Evaluation>,
    latest: Option<Evaluation>,
}

impl Default for History {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl History {
    /// A history that keeps at most `capacity` (≥ 4) points.
    pub fn with_capacity(capacity: usize) -> Self {
        Self { points: Vec::new(), capacity: capacity.max(4), received: 0, best: None, latest: None }
    }

    /// Appends a checkpoint, decimating the older half when full.
    pub fn push(&mut self, evaluation: Evaluation) {
        let loss = evaluation.fused().val_loss;
        if loss.is_finite() && self.best.as_ref().is_none_or(|b| loss < b.fused().val_loss) {
            self.best = Some(evaluation.clone());
        }
        self.latest = Some(evaluation.clone());
        self.received += 1;
        self.points.push(evaluation);
        if self.points.len() >= self.capacity {
            let half = self.points.len() / 2;
            let newer = self.points.split_off(half);
            self.points = self.points.drain(..).step_by(2).chain(newer).collect();
        }
    }

    /// The kept points, oldest first.
    pub fn points(&self) -> &[Evaluation] {
        &self.points
    }

    /// Evaluations pushed in all, thinned or kept.
    pub fn received(&self) -> usize {
        self.received
    }

    /// The kept points as the CLI's `metrics.jsonl`: one evaluation object per line.
    pub fn to_jsonl(&self) -> String {
        self.points.iter().map(|e| format!("{}\n", e.to_json())).collect()
    }

    /// The checkpoint with the lowest fused validation loss.
    pub fn best(&self) -> Option<&Evaluation> {
        self.best.as_ref()
    }

    /// The newest checkpoint.
    pub fn latest(&self) -> Option<&Evaluation> {
        self.latest.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::metrics::HeadMetrics;

    fn point(step: usize, val_loss: f64) -> Evaluation {
        let head = HeadMetrics { train_loss: 0.0, val_loss, train_acc: 0.0, val_acc: 0.0, test_acc: None, gap: val_loss, ogr: None };
        Evaluation {
            step,
            epoch: 0.0,
            heads: vec![("fused".into(), head)],
            contribution: vec![],
            methods: Default::default(),
            events: vec![],
        }
    }

    #[test]
    fn history_stays_bounded_and_keeps_the_best_and_the_newest() {
        let mut history = History::with_capacity(100);
        for step in 0..10_000 {
            history.push(point(step, if step == 1234 { -1.0 } else { step as f64 }));
        }
        assert!(history.points().len() < 100);
        assert_eq!(history.received(), 10_000);
        assert_eq!(history.best().unwrap().step, 1234);
        assert_eq!(history.points().last().unwrap().step, 9999);
        assert!(history.points().windows(2).all(|w| w[0].step < w[1].step));
    }
}
