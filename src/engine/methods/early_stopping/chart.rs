//! What early stopping's event shows: a mark at the restored checkpoint and one where the
//! run stopped, on every chart, and a notice that says which weights came back.

use crate::engine::methods::kit::about::EventShown;
use crate::engine::metrics::MethodEvent;

/// Its `early-stop` event, shown.
pub fn shown(event: &MethodEvent, step: usize) -> Option<EventShown> {
    (event.kind == super::EARLY_STOP).then(|| {
        let best = event.number("best_step").unwrap_or(f64::NAN);
        EventShown {
            marks: vec![(best, "best (restored)".into()), (step as f64, "stopped".into())],
            notice: Some(format!("Early stopping: no better validation loss for the patience window; restored the weights of step {best}.")),
        }
    })
}
