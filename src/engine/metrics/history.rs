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

    /// The kept points as CSV: one row per evaluation, one column per number of the
    /// `metrics.jsonl` object under its dotted path (`heads.fused.val_loss`,
    /// `contribution.a.shapley`, `methods.ogm_ge.k.0`), in the order the JSON names them;
    /// `events` is the kinds of the evaluation's events, `;`-separated. An empty cell is a
    /// null (an undefined OGR, a share with Σφ near 0) or a number the row lacks.
    pub fn to_csv(&self) -> String {
        let rows: Vec<Vec<(String, String)>> = self.points.iter().map(|e| csv_cells(&e.to_json())).collect();
        let mut columns: Vec<&str> = Vec::new();
        for (name, _) in rows.iter().flatten() {
            if !columns.contains(&name.as_str()) {
                columns.push(name);
            }
        }
        let mut out = columns.join(",");
        out.push('\n');
        for row in &rows {
            let cell = |column: &str| row.iter().find(|(name, _)| name == column).map(|(_, v)| v.as_str()).unwrap_or("");
            out.push_str(&columns.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        out
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

/// The cells of one evaluation's JSON object: every number (and null) under its dotted path,
/// the events as their kinds.
fn csv_cells(evaluation: &serde_json::Value) -> Vec<(String, String)> {
    use serde_json::Value;
    fn walk(value: &Value, path: String, out: &mut Vec<(String, String)>) {
        let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(v, join(k), out)),
            Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| walk(v, join(&i.to_string()), out)),
            Value::Null => out.push((path, String::new())),
            Value::Number(n) => out.push((path, n.to_string())),
            Value::Bool(b) => out.push((path, b.to_string())),
            // Words (a rule's name, a mode) never hold a comma or a quote.
            Value::String(s) => out.push((path, s.replace([',', '"', '\n'], " "))),
        }
    }
    let mut out = Vec::new();
    if let Value::Object(map) = evaluation {
        for (key, value) in map {
            if key == "events" {
                let kinds: Vec<&str> = value.as_array().into_iter().flatten().filter_map(|e| e["kind"].as_str()).collect();
                out.push(("events".to_string(), kinds.join(";")));
            } else {
                walk(value, key.clone(), &mut out);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::metrics::HeadMetrics;

    fn point(step: usize, val_loss: f64) -> Evaluation {
        let head = HeadMetrics { train_loss: 0.0, val_loss, train_acc: 0.0, val_acc: 0.0, test_acc: None, gap: val_loss, ogr: None, missing: Vec::new() };
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

    #[test]
    fn csv_has_a_column_per_number_and_a_row_per_evaluation() {
        let mut history = History::default();
        history.push(point(0, 1.5));
        let mut later = point(7, 0.25);
        later.heads[0].1.ogr = Some(2.0);
        later.events.push(crate::engine::metrics::Event::method("early-stop", serde_json::json!({"best_step": 7, "best_val_loss": 0.25})));
        history.push(later);
        let csv = history.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3, "{csv}");
        let header: Vec<&str> = lines[0].split(',').collect();
        let column = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
        let cell = |row: usize, name: &str| lines[row].split(',').nth(column(name)).unwrap().to_string();
        assert_eq!((cell(1, "step"), cell(2, "step")), ("0".into(), "7".into()));
        assert_eq!((cell(1, "heads.fused.val_loss"), cell(2, "heads.fused.val_loss")), ("1.5".into(), "0.25".into()));
        assert_eq!((cell(1, "heads.fused.ogr"), cell(2, "heads.fused.ogr")), (String::new(), "2.0".into()));
        assert_eq!(cell(2, "events"), "early-stop");
        assert!(lines.iter().all(|l| l.split(',').count() == header.len()), "{csv}");
    }
}
