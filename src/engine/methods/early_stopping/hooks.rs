//! Early stopping on the fused validation loss: stop after `patience` (default 5)
//! evaluations without a new lowest fused L^V, and restore the weights of the best one.

use serde_json::{Value, json};

use super::settings::EarlyStoppingConfig;
use crate::engine::methods::{Method, MethodsConfig, ScheduleAction};
use crate::engine::metrics::{Evaluation, Event};

/// A fresh instance at step 0 (registered by [`crate::for_each_method`]).
pub fn build(c: &MethodsConfig) -> Box<dyn Method> {
    Box::new(EarlyStopping::new(c.early_stopping.patience))
}

/// Patience-based early stopping with restore.
pub struct EarlyStopping {
    patience: usize,
    best: Option<(usize, f64, Vec<f32>)>,
    since_best: usize,
}

impl EarlyStopping {
    /// Stops after `patience` evaluations without improvement.
    pub fn new(patience: usize) -> Self {
        Self { patience, best: None, since_best: 0 }
    }
}

impl Method for EarlyStopping {
    fn name(&self) -> &'static str {
        EarlyStoppingConfig::NAME
    }

    /// A new patience applies to the count so far: the best checkpoint and the evaluations
    /// since it are kept.
    fn reconfigure(&mut self, config: &MethodsConfig) {
        self.patience = config.early_stopping.patience;
    }

    fn after_evaluation(&mut self, evaluation: &Evaluation, weights: &[f32]) -> ScheduleAction {
        let loss = evaluation.fused().val_loss;
        if loss.is_finite() && self.best.as_ref().is_none_or(|(_, best, _)| loss < *best) {
            self.best = Some((evaluation.step, loss, weights.to_vec()));
            self.since_best = 0;
            return ScheduleAction::Continue;
        }
        self.since_best += 1;
        match &self.best {
            Some((best_step, best_val_loss, weights)) if self.since_best >= self.patience => ScheduleAction::StopAndRestore {
                weights: weights.clone(),
                event: Event::method(super::EARLY_STOP, json!({ "best_step": best_step, "best_val_loss": best_val_loss })),
            },
            _ => ScheduleAction::Continue,
        }
    }

    fn state(&self) -> Value {
        json!({
            "patience": self.patience,
            "evaluations_since_best": self.since_best,
            "best_step": self.best.as_ref().map(|(step, _, _)| *step),
        })
    }
}
