//! The marks events put on every chart (early stop, divergence, live change, backend switch),
//! with labels short enough for a small chart.


/// The first clause of `what`, at most [`MARK_LABEL_CHARS`] characters (cut with "…"):
/// a mark's label on a small chart.
fn short_label(what: &str) -> String {
    let first = what.split(';').next().unwrap_or(what).trim();
    match first.char_indices().nth(MARK_LABEL_CHARS - 1) {
        Some((cut, _)) => format!("{}…", &first[..cut]),
        None => first.to_string(),
    }
}

/// Longest mark label, in characters.
const MARK_LABEL_CHARS: usize = 32;

/// The marks an event at `step` puts on every chart: early stopping marks both the
/// checkpoint it restored and the step where it stopped; a live change of a setting, a
/// divergence and a device switch mark their step.
pub(super) fn event_marks(step: usize, event: &crate::engine::metrics::Event) -> Vec<(f64, String)> {
    use crate::engine::metrics::Event;
    let at = step as f64;
    match event {
        Event::Divergence { .. } => vec![(at, "diverged".into())],
        Event::DeviceSwitch { backend, .. } => vec![(at, format!("→ {backend}"))],
        Event::LiveChange { what } => vec![(at, short_label(what))],
        Event::Method(event) => event.shown(step).marks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_change_marks_its_step_with_its_first_clause() {
        let what = "learning rate 0.001 → 0.01; Gradient-Blending on";
        let marks = event_marks(12, &crate::engine::metrics::Event::LiveChange { what: what.into() });
        assert_eq!(marks, vec![(12.0, "learning rate 0.001 → 0.01".to_string())]);
        let long = "evaluate every (steps, 0 = epoch) 0 → 2";
        assert_eq!(short_label(long), "evaluate every (steps, 0 = epoc…", "31 characters and the ellipsis");
        assert_eq!(short_label("epochs 100 → 200"), "epochs 100 → 200");
    }
}
