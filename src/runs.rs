//! Pinned runs (burn-free): what the page keeps of a run to draw it beside later ones (its
//! name, preset, configuration, modalities and evaluations), and their store, one versioned
//! JSON text that the page keeps in the browser's `localStorage` under [`STORE_KEY`].
//!
//! The store holds at most [`MAX_RUNS`] runs and [`MAX_BYTES`] of text, refusing a pin that
//! would pass either with a message. Reading it never fails: a text that is not the store,
//! a store of another version, or a run that does not read is dropped, and each drop is
//! named in a message, while the runs that read are kept.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::engine::config::ExperimentConfig;
use crate::engine::metrics::{Evaluation, History};

/// The `localStorage` key of the store.
pub const STORE_KEY: &str = "modalscope.pinned-runs";

/// The store's schema version.
pub const STORE_VERSION: u64 = 1;

/// Most runs kept.
pub const MAX_RUNS: usize = 10;

/// Most bytes of store text kept (the UTF-8 length of its JSON): 2 MB.
pub const MAX_BYTES: usize = 2_000_000;

/// Most evaluations a pinned run keeps: older ones are thinned evenly, the first and last kept
/// (about a chart's width of points; a run of the page's presets has 40 to 100).
pub const MAX_EVALUATIONS: usize = 250;

/// A run kept to draw beside the current one.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PinnedRun {
    /// A number no other run of the store has (the legend's and the tests' handle).
    pub id: u64,
    /// The name in legends and tooltips (the user can change it).
    pub name: String,
    /// Whether its lines are drawn.
    pub shown: bool,
    /// The preset the page had chosen.
    pub preset: String,
    /// The configuration it ran.
    pub config: ExperimentConfig,
    /// Its modality names, in order.
    pub modalities: Vec<String>,
    /// Its evaluations (at most [`MAX_EVALUATIONS`]), oldest first.
    pub evaluations: Vec<Evaluation>,
}

impl PinnedRun {
    /// A run of `evaluations` (thinned to [`MAX_EVALUATIONS`]); its id and name are the
    /// store's to give ([`Pins::pin`]).
    pub fn new(preset: String, config: ExperimentConfig, modalities: Vec<String>, evaluations: &[Evaluation]) -> Self {
        PinnedRun { id: 0, name: String::new(), shown: true, preset, config, modalities, evaluations: thinned(evaluations, MAX_EVALUATIONS) }
    }

    /// Its evaluations as a [`History`] that keeps them all (for its downloads).
    pub fn history(&self) -> History {
        let mut history = History::with_capacity(self.evaluations.len() + 1);
        self.evaluations.iter().cloned().for_each(|e| history.push(e));
        history
    }

    /// A file name for its downloads: the name's letters, digits and dashes, then `extension`.
    pub fn file_name(&self, extension: &str) -> String {
        let stem: String = self.name.chars().map(|c| if c.is_alphanumeric() { c } else { '-' }).collect();
        let stem = stem.trim_matches('-');
        format!("pinned-{}.{extension}", if stem.is_empty() { "run" } else { stem })
    }
}

/// At most `max` of `evaluations`, evenly spaced, the first and the last always among them.
fn thinned(evaluations: &[Evaluation], max: usize) -> Vec<Evaluation> {
    let n = evaluations.len();
    if n <= max || max < 2 {
        return evaluations.to_vec();
    }
    // Index i·(n−1)/(max−1) for i = 0..max: strictly increasing, 0 first and n−1 last.
    (0..max).map(|i| evaluations[i * (n - 1) / (max - 1)].clone()).collect()
}

/// The pinned runs, in the order they were pinned.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pins {
    runs: Vec<PinnedRun>,
}

impl Pins {
    /// The runs, oldest first.
    pub fn runs(&self) -> &[PinnedRun] {
        &self.runs
    }

    /// The store as `localStorage` keeps it: `{"version": 1, "runs": [...]}`.
    pub fn to_text(&self) -> String {
        json!({ "version": STORE_VERSION, "runs": self.runs }).to_string()
    }

    /// The store `text` holds (`None`: no store yet), and a message for each part dropped:
    /// a text that is not JSON, another version, a run that does not read, runs past
    /// [`MAX_RUNS`] or a text over [`MAX_BYTES`] (its newest runs then go first).
    pub fn from_text(text: Option<&str>) -> (Pins, Vec<String>) {
        let Some(text) = text else { return (Pins::default(), Vec::new()) };
        let value: Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(e) => return (Pins::default(), vec![format!("the pinned runs could not be read ({e}) and were dropped")]),
        };
        match value.get("version").and_then(Value::as_u64) {
            Some(STORE_VERSION) => {}
            other => {
                let which = other.map(|v| format!("version {v}")).unwrap_or_else(|| "no version".into());
                return (Pins::default(), vec![format!("the pinned runs were stored as {which}, which this page does not read: dropped")]);
            }
        }
        let mut messages = Vec::new();
        let mut pins = Pins::default();
        let entries = value.get("runs").and_then(Value::as_array).cloned().unwrap_or_default();
        for (i, entry) in entries.into_iter().enumerate() {
            let name = entry.get("name").and_then(Value::as_str).map(|n| format!("“{}”", n.chars().take(40).collect::<String>()));
            let named = name.unwrap_or_else(|| format!("number {}", i + 1));
            match serde_json::from_value::<PinnedRun>(entry) {
                Ok(_) if pins.runs.len() == MAX_RUNS => messages.push(format!("pinned run {named} is past the limit of {MAX_RUNS} runs: dropped")),
                Ok(run) if pins.runs.iter().any(|r| r.id == run.id) => messages.push(format!("pinned run {named} repeats another's id: dropped")),
                Ok(run) => pins.runs.push(run),
                Err(e) => messages.push(format!("pinned run {named} could not be read ({e}): dropped")),
            }
        }
        while pins.to_text().len() > MAX_BYTES {
            let dropped = pins.runs.pop().expect("an empty store is small");
            messages.push(format!("pinned run “{}” took the store over {} MB: dropped", dropped.name, MAX_BYTES / 1_000_000));
        }
        (pins, messages)
    }

    /// Pins `run`, giving it a new id and, if it has none, the name "run N"; refused with a
    /// message when the store would pass [`MAX_RUNS`] or [`MAX_BYTES`].
    pub fn pin(&mut self, mut run: PinnedRun) -> Result<u64, String> {
        if self.runs.len() >= MAX_RUNS {
            return Err(format!("{MAX_RUNS} runs are pinned already, the most this page keeps: delete one to pin another"));
        }
        run.id = self.runs.iter().map(|r| r.id).max().map_or(1, |id| id + 1);
        if run.name.trim().is_empty() {
            let taken = |n: usize| self.runs.iter().any(|r| r.name == format!("run {n}"));
            let n = (self.runs.len() + 1..).find(|n| !taken(*n)).expect("a free number");
            run.name = format!("run {n}");
        }
        let mut next = self.clone();
        next.runs.push(run);
        let bytes = next.to_text().len();
        if bytes > MAX_BYTES {
            return Err(format!(
                "this run would take the pinned runs to {:.1} MB, over the {} MB this page keeps: delete one to pin it",
                bytes as f64 / 1e6,
                MAX_BYTES / 1_000_000
            ));
        }
        let id = next.runs.last().expect("just pushed").id;
        *self = next;
        Ok(id)
    }

    /// The run `id`.
    pub fn get(&self, id: u64) -> Option<&PinnedRun> {
        self.runs.iter().find(|r| r.id == id)
    }

    /// The run `id`, to change (rename, show or hide).
    pub fn get_mut(&mut self, id: u64) -> Option<&mut PinnedRun> {
        self.runs.iter_mut().find(|r| r.id == id)
    }

    /// Deletes the run `id`.
    pub fn remove(&mut self, id: u64) {
        self.runs.retain(|r| r.id != id);
    }
}

/// An A/B comparison's outcome for the run's main heads, at the last step both runs
/// evaluated: "At step 160: fused val acc A 62 % → B 57 % (−5 points); a's probe A 81 % →
/// B 80 % (−1 point)." (the differences of the rounded percentages, so the words add up);
/// `None` before they share a step.
pub fn ab_outcome(a: &[Evaluation], b: &[Evaluation]) -> Option<String> {
    let (a_end, b_end) = b.iter().rev().find_map(|e| a.iter().rfind(|x| x.step == e.step).map(|x| (x, e)))?;
    let trained = crate::plot::unimodal_heads_trained(std::slice::from_ref(b_end));
    let parts: Vec<String> = b_end
        .heads
        .iter()
        .filter_map(|(name, head)| {
            let before = a_end.head(name)?;
            if !(before.val_acc.is_finite() && head.val_acc.is_finite()) {
                return Some(format!("{name}: undefined (a diverged run)"));
            }
            let (from, to) = ((before.val_acc * 100.0).round() as i64, (head.val_acc * 100.0).round() as i64);
            let change = to - from;
            let sign = match change {
                0 => "±",
                c if c > 0 => "+",
                _ => "−",
            };
            let unit = if change.abs() == 1 { "point" } else { "points" };
            let who = if name == "fused" { "fused val acc".to_string() } else { crate::plot::head_label(name, trained) };
            Some(format!("{who} A {from} % → B {to} % ({sign}{} {unit})", change.abs()))
        })
        .collect();
    (!parts.is_empty()).then(|| format!("At step {}: {}.", b_end.step, parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ab_outcome_reads_each_main_head_at_the_last_common_step() {
        use crate::engine::metrics::HeadMetrics;
        let at = |step: usize, fused: f64, a: f64| Evaluation {
            step,
            epoch: 0.0,
            heads: [("fused", fused), ("a", a)].map(|(n, acc)| (n.to_string(), HeadMetrics { train_loss: 1.0, val_loss: 1.0, train_acc: acc, val_acc: acc, test_acc: None, gap: 0.0, ogr: None, missing: Vec::new() })).to_vec(),
            contribution: Vec::new(),
            methods: Default::default(),
            events: Vec::new(),
        };
        let a = [at(0, 0.25, 0.25), at(160, 0.621, 0.806), at(200, 0.9, 0.9)];
        let b = [at(0, 0.25, 0.25), at(160, 0.574, 0.814)];
        assert_eq!(ab_outcome(&a, &b).as_deref(), Some("At step 160: fused val acc A 62 % → B 57 % (−5 points); a's probe A 81 % → B 81 % (±0 points)."));
        assert_eq!(ab_outcome(&a[..1], &[at(0, 0.25, 0.26)]).as_deref(), Some("At step 0: fused val acc A 25 % → B 25 % (±0 points); a's probe A 25 % → B 26 % (+1 point)."));
        assert_eq!(ab_outcome(&a[2..], &b), None, "no common step yet");
    }
    use crate::engine::metrics::HeadMetrics;

    fn evaluation(step: usize, loss: f64) -> Evaluation {
        let head = HeadMetrics { train_loss: loss, val_loss: loss + 0.1, train_acc: 0.5, val_acc: 0.4, test_acc: None, gap: 0.1, ogr: None, missing: Vec::new() };
        Evaluation { step, epoch: step as f64 / 10.0, heads: vec![("fused".into(), head.clone()), ("a".into(), head)], contribution: vec![], methods: Default::default(), events: vec![] }
    }

    fn run(points: usize) -> PinnedRun {
        let evaluations: Vec<_> = (0..points).map(|i| evaluation(i * 10, 1.0 / (i + 1) as f64)).collect();
        PinnedRun::new("imbalance".into(), ExperimentConfig::default(), vec!["a".into()], &evaluations)
    }

    #[test]
    fn pinned_runs_survive_the_store_text() {
        let mut pins = Pins::default();
        let first = pins.pin(run(30)).unwrap();
        let second = pins.pin(PinnedRun { name: "lr 0.01".into(), ..run(5) }).unwrap();
        assert_ne!(first, second);
        pins.get_mut(first).unwrap().shown = false;
        let (back, messages) = Pins::from_text(Some(&pins.to_text()));
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(back, pins);
        assert_eq!(back.runs()[0].name, "run 1");
        assert_eq!(back.runs()[1].name, "lr 0.01");
        assert_eq!(Pins::from_text(None), (Pins::default(), vec![]));
    }

    #[test]
    fn a_corrupt_run_is_dropped_with_a_message_and_the_others_kept() {
        let mut pins = Pins::default();
        pins.pin(run(3)).unwrap();
        pins.pin(run(4)).unwrap();
        let mut value: Value = serde_json::from_str(&pins.to_text()).unwrap();
        value["runs"][0]["evaluations"] = json!("not a list");
        let (back, messages) = Pins::from_text(Some(&value.to_string()));
        assert_eq!(back.runs().len(), 1);
        assert_eq!(back.runs()[0].name, "run 2");
        assert_eq!(messages.len(), 1);
        assert!(messages[0].contains("“run 1”") && messages[0].contains("dropped"), "{}", messages[0]);
        let (none, said) = Pins::from_text(Some("{\"version\": 1, \"runs\": [tru"));
        assert!(none.runs().is_empty() && said[0].contains("could not be read"), "{said:?}");
        let (none, said) = Pins::from_text(Some("{\"version\": 9, \"runs\": []}"));
        assert!(none.runs().is_empty() && said[0].contains("version 9"), "{said:?}");
    }

    #[test]
    fn the_store_refuses_an_eleventh_run_and_more_than_2_mb() {
        let mut pins = Pins::default();
        for _ in 0..MAX_RUNS {
            pins.pin(run(2)).unwrap();
        }
        let refused = pins.pin(run(2)).unwrap_err();
        assert!(refused.contains("10 runs"), "{refused}");
        assert_eq!(pins.runs().len(), MAX_RUNS);
        pins.remove(pins.runs()[0].id);
        assert_eq!(pins.runs().len(), MAX_RUNS - 1);
        assert!(pins.pin(run(2)).is_ok(), "a delete makes room");
        // A few large runs (250 evaluations of a long name each) pass 2 MB.
        let mut pins = Pins::default();
        let big = |n: usize| {
            let mut r = run(300);
            r.evaluations.iter_mut().for_each(|e| e.heads.iter_mut().for_each(|h| h.0 = format!("{}{}", h.0, "x".repeat(400))));
            PinnedRun { name: format!("big {n}"), ..r }
        };
        let refused = (0..MAX_RUNS).find_map(|n| pins.pin(big(n)).err()).expect("2 MB is reached before 10 runs");
        assert!(refused.contains("over the 2 MB"), "{refused}");
        assert!(pins.to_text().len() <= MAX_BYTES);
    }

    #[test]
    fn a_pinned_run_keeps_at_most_250_evaluations_first_and_last_among_them() {
        let r = run(1000);
        assert_eq!(r.evaluations.len(), MAX_EVALUATIONS);
        assert_eq!(r.evaluations.first().unwrap().step, 0);
        assert_eq!(r.evaluations.last().unwrap().step, 9990);
        assert!(r.evaluations.windows(2).all(|w| w[0].step < w[1].step));
        assert_eq!(run(12).evaluations.len(), 12);
        assert_eq!(run(12).history().to_jsonl().lines().count(), 12);
        assert_eq!(run(12).history().to_csv().lines().count(), 13, "a header and a row per evaluation");
        assert_eq!(PinnedRun { name: "lr 0.01 / b".into(), ..run(1) }.file_name("csv"), "pinned-lr-0-01---b.csv");
    }
}
