//! A chart's series from an evaluation history: per head, per modality (contribution) and
//! from a method's chart description.

use super::kind::ChartKind;
use super::marks::event_marks;
use super::palette::{Rgb, head_color};
use super::smoothing::{MAX_POINTS, downsample, smooth};
use super::spec::{ChartSpec, Series};
use crate::engine::methods::Line;
use crate::engine::metrics::{Evaluation, HeadMetrics};

fn head_series(history: &[Evaluation], label: String, color: Rgb, light: bool, value: impl Fn(&Evaluation) -> Option<f64>) -> Series {
    Series { label, color, light, dashed: false, pinned: false, panel: None, points: history.iter().map(|e| (e.step as f64, value(e))).collect() }
}

/// Whether a method on in this run trains the unimodal heads into the encoders
/// ([`crate::engine::methods::About::trains_unimodal_heads`]: Gradient-Blending): they are
/// heads then, not probes.
pub fn unimodal_heads_trained(history: &[Evaluation]) -> bool {
    history.iter().any(|e| e.methods.keys().any(|key| crate::engine::methods::kit::about::about(key).is_some_and(|m| m.trains_unimodal_heads)))
}

/// What the charts call head `name`, in the story cards' words: "fused", "a's probe" (its
/// detached probe) or "head a" (where a method trains the unimodal heads).
pub fn head_label(name: &str, trained: bool) -> String {
    match (name, trained) {
        (crate::engine::config::FUSED, _) => name.to_string(),
        (_, false) => format!("{name}'s probe"),
        (_, true) => format!("head {name}"),
    }
}

/// One line per head: its validation values (solid), or with `train` its values on T′,
/// light and dashed ("fused (train)"): train and validation differ by tint and dash, which a
/// washed-out projector keeps.
fn per_head(history: &[Evaluation], heads: &[String], trained: bool, train: bool, value: fn(&HeadMetrics) -> Option<f64>) -> Vec<Series> {
    heads
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let label = head_label(name, trained) + if train { " (train)" } else { "" };
            Series { dashed: train, ..head_series(history, label, head_color(i), train, |e| e.head(name).and_then(value)) }
        })
        .collect()
}

/// The chart of `kind` from a history. `heads` is `["fused", modality names...]`;
/// `smoothing` is the EMA weight (0 = raw).
pub fn chart_from_history(kind: ChartKind, history: &[Evaluation], heads: &[String], smoothing: f64, log_y: bool) -> ChartSpec {
    let mut note = None;
    let trained = unimodal_heads_trained(history);
    let series = match kind {
        ChartKind::Loss => {
            let mut s = per_head(history, heads, trained, true, |h| Some(h.train_loss));
            s.extend(per_head(history, heads, trained, false, |h| Some(h.val_loss)));
            s
        }
        ChartKind::Gap => per_head(history, heads, trained, false, |h| Some(h.gap)),
        ChartKind::Ogr => {
            let s = per_head(history, heads, trained, false, |h| h.ogr);
            if s.iter().any(|series| series.points.iter().skip(1).any(|(_, v)| v.is_none())) {
                note = Some("Breaks: OGR is undefined where the validation loss barely moved (|ΔG| < 1e-4).".to_string());
            }
            s
        }
        ChartKind::Accuracy => {
            let mut s = per_head(history, heads, trained, true, |h| Some(h.train_acc));
            s.extend(per_head(history, heads, trained, false, |h| Some(h.val_acc)));
            s.extend(missing_series(history, heads));
            s
        }
        ChartKind::Contribution => {
            let (series, said) = contribution_series(history, heads, trained);
            note = said;
            series
        }
        ChartKind::Method(chart) => {
            let drawn = (chart.lines)(history, heads);
            note = Some(drawn.note);
            drawn.lines.into_iter().map(series_of_line).collect()
        }
        // Drawn from the configuration ([`fusion_size_chart`]), not from the history.
        ChartKind::FusionSize => Vec::new(),
    };
    let weight = if kind.stacked() { 0.0 } else { smoothing };
    let series: Vec<Series> = series
        .into_iter()
        .map(|s| Series { points: downsample(smooth(&s.points, weight), MAX_POINTS), ..s })
        .collect();
    let marks = history.iter().flat_map(|e| e.events.iter().flat_map(move |ev| event_marks(e.step, ev))).collect();
    if log_y && series.iter().any(|s| s.points.iter().any(|(_, v)| v.is_some_and(|v| v <= 0.0))) {
        let said = "On the log scale, values ≤ 0 are left out (breaks in the lines).";
        note = Some(note.map(|n| format!("{n} {said}")).unwrap_or_else(|| said.to_string()));
    }
    ChartSpec { kind, series, log_y, smoothing, marks, note, x_range: None }
}

/// The small plot under the Accuracy chart: the fused head's validation accuracy with one
/// modality missing at test time.
pub const MISSING_PANEL: &str = "fused, one modality missing (validation)";

/// Per modality, the fused head's validation accuracy with that modality missing
/// (`heads.fused.missing.<m>`), in its colour, on the [`MISSING_PANEL`] plot; none where the
/// run measured none (one modality, an older file).
fn missing_series(history: &[Evaluation], heads: &[String]) -> Vec<Series> {
    if !history.iter().any(|e| !e.fused().missing.is_empty()) {
        return Vec::new();
    }
    heads
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, name)| {
            let value = |e: &Evaluation| e.heads.first().and_then(|(_, h)| h.missing(name));
            Series { panel: Some(MISSING_PANEL.to_string()), ..head_series(history, format!("fused, {name} missing"), head_color(i), false, value) }
        })
        .collect()
}

/// A method chart's line, drawn in its head's colour.
fn series_of_line(line: Line) -> Series {
    Series { label: line.label, color: head_color(line.head), light: line.light, dashed: line.dashed, pinned: false, panel: None, points: line.points }
}

/// Below this |Σφ| (or with any φ < 0) shares φ_m/Σφ mislead (±25 on `shortcut`, where a
/// modality's φ is negative): the chart shows φ_m itself, in accuracy points.
const SHARE_MIN_TOTAL: f64 = 0.05;

/// Per modality: its probe accuracy (light), its Shapley share φ_m/Σφ, or φ_m itself when
/// any evaluation has |Σφ| < [`SHARE_MIN_TOTAL`] or a negative φ (solid), the accuracy of
/// its split of the fused head where the head has one (light, dashed), and its gradient
/// share (dashed); a note says which Shapley quantity is drawn.
fn contribution_series(history: &[Evaluation], heads: &[String], trained: bool) -> (Vec<Series>, Option<String>) {
    let modalities = &heads[1..];
    let shares_mislead = history.iter().any(|e| {
        let total: f64 = e.contribution.iter().map(|(_, c)| c.shapley).sum();
        !e.contribution.is_empty() && (total.abs() < SHARE_MIN_TOTAL || e.contribution.iter().any(|(_, c)| c.shapley < 0.0))
    });
    // The fused head's split per modality (OGM-GE's s_m), where the run's head has one (a
    // linear concat or sum head).
    let split_heads = history.iter().any(|e| e.contribution.iter().any(|(_, c)| c.split_acc.is_some()));
    let mut series = Vec::new();
    for (k, name) in modalities.iter().enumerate() {
        let color = head_color(k + 1);
        let pick = |f: fn(&crate::engine::metrics::Contribution) -> Option<f64>| {
            move |e: &Evaluation| e.contribution.iter().find(|(n, _)| n == name).and_then(|(_, c)| f(c))
        };
        let panel = Some(name.clone());
        let probe = head_series(history, format!("{} acc", head_label(name, trained)), color, true, pick(|c| Some(c.probe_acc)));
        let shapley = if shares_mislead {
            head_series(history, format!("{name} Shapley φ"), color, false, pick(|c| Some(c.shapley)))
        } else {
            head_series(history, format!("{name} Shapley share"), color, false, pick(|c| c.shapley_share))
        };
        let grad = head_series(history, format!("{name} grad share"), color, false, pick(|c| c.grad_share));
        series.push(Series { panel: panel.clone(), ..probe });
        series.push(Series { panel: panel.clone(), ..shapley });
        if split_heads {
            let split = head_series(history, format!("{name}'s split head acc"), color, true, pick(|c| c.split_acc));
            series.push(Series { dashed: true, panel: panel.clone(), ..split });
        }
        series.push(Series { dashed: true, panel, ..grad });
    }
    let note = shares_mislead.then(|| {
        format!("Shapley φ_m drawn in accuracy points (0.10 = 10 points), not as shares: in this run Σφ came within {SHARE_MIN_TOTAL} of 0 or a φ was negative, where φ_m/Σφ leaves [0, 1].")
    });
    (series, note)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::runs::{RunLines, chart_with_runs};

    #[test]
    fn heads_are_named_as_the_cards_name_them() {
        let head = crate::engine::metrics::HeadMetrics { train_loss: 1.0, val_loss: 1.2, train_acc: 0.5, val_acc: 0.4, test_acc: None, gap: 0.2, ogr: None, missing: Vec::new() };
        let point = |methods: &[&str]| Evaluation {
            step: 0,
            epoch: 0.0,
            heads: vec![("fused".into(), head.clone()), ("a".into(), head.clone())],
            contribution: Vec::new(),
            methods: methods.iter().map(|m| (m.to_string(), serde_json::Value::Null)).collect(),
            events: Vec::new(),
        };
        let heads = ["fused".to_string(), "a".into()];
        let labels = |methods: &[&str]| chart_from_history(ChartKind::Accuracy, &[point(methods)], &heads, 0.0, false).series.into_iter().map(|s| s.label).collect::<Vec<_>>();
        assert_eq!(labels(&[]), ["fused (train)", "a's probe (train)", "fused", "a's probe"]);
        let (detached, trains) = (
            crate::engine::methods::METHODS.iter().find(|m| !m.trains_unimodal_heads).unwrap().key,
            crate::engine::methods::METHODS.iter().find(|m| m.trains_unimodal_heads).unwrap().key,
        );
        assert_eq!(labels(&[detached]), labels(&[]), "a method that leaves the heads detached keeps the probes");
        // Gradient-Blending trains the unimodal heads into the encoders: its card says "head a".
        assert_eq!(labels(&[trains]), ["fused (train)", "head a (train)", "fused", "head a"]);
    }

    #[test]
    fn the_accuracy_chart_draws_a_missing_modality_on_a_small_plot_of_its_own() {
        let head = |missing: Vec<(String, f64)>| crate::engine::metrics::HeadMetrics { train_loss: 1.0, val_loss: 1.2, train_acc: 0.9, val_acc: 0.8, test_acc: None, gap: 0.2, ogr: None, missing };
        let point = |step: usize, a: f64, b: f64| Evaluation {
            step,
            epoch: 0.0,
            heads: vec![("fused".into(), head(vec![("a".into(), a), ("b".into(), b)])), ("a".into(), head(Vec::new())), ("b".into(), head(Vec::new()))],
            contribution: Vec::new(),
            methods: Default::default(),
            events: Vec::new(),
        };
        let heads = ["fused".to_string(), "a".into(), "b".into()];
        let (one, two) = ([point(0, 0.3, 0.5), point(10, 0.4, 0.7)], [point(0, 0.3, 0.5), point(10, 0.2, 0.6)]);
        let spec = chart_from_history(ChartKind::Accuracy, &one, &heads, 0.0, false);
        let missing: Vec<&Series> = spec.series.iter().filter(|s| s.panel.as_deref() == Some(MISSING_PANEL)).collect();
        assert_eq!(missing.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), ["fused, a missing", "fused, b missing"]);
        assert_eq!(missing[1].points, vec![(0.0, Some(0.5)), (10.0, Some(0.7))]);
        assert_eq!(spec.panels(), [MISSING_PANEL], "under the main plot");
        // In A/B, B − A goes to its own small plot, never into the missing one.
        let ab = chart_with_runs(ChartKind::Accuracy, RunLines { name: "", evaluations: &two, heads: &heads }, &[], Some(RunLines { name: "A", evaluations: &one, heads: &heads }), 0.0, false);
        let difference = ab.series.iter().find(|s| s.label == "B − A · fused, a missing").unwrap();
        assert_eq!(difference.panel.as_deref(), Some(crate::plot::runs::DIFFERENCE_PANEL));
        assert!((difference.points[1].1.unwrap() + 0.2).abs() < 1e-12);
        let older = [Evaluation { heads: vec![("fused".into(), head(Vec::new()))], ..point(0, 0.0, 0.0) }];
        assert!(chart_from_history(ChartKind::Accuracy, &older, &heads[..1], 0.0, false).panels().is_empty(), "an older run: no small plot");
    }

    #[test]
    fn contribution_shows_shapley_values_where_shares_would_mislead() {
        use crate::engine::metrics::Contribution;
        let point = |phi: [f64; 2]| Evaluation {
            step: 0,
            epoch: 0.0,
            heads: Vec::new(),
            contribution: ["a", "b"]
                .iter()
                .zip(phi)
                .map(|(n, shapley)| (n.to_string(), Contribution { probe_acc: 0.5, split_acc: None, shapley, shapley_share: Some(shapley / (phi[0] + phi[1])), grad_share: Some(0.5) }))
                .collect(),
            methods: Default::default(),
            events: Vec::new(),
        };
        let heads = ["fused".to_string(), "a".into(), "b".into()];
        let fine = chart_from_history(ChartKind::Contribution, &[point([0.3, 0.1])], &heads, 0.0, false);
        assert_eq!(fine.series[1].label, "a Shapley share");
        assert!((fine.series[1].points[0].1.unwrap() - 0.75).abs() < 1e-12);
        assert!(fine.series[2].dashed && !fine.series[1].dashed, "gradient share dashed");
        assert!(fine.note.is_none());
        // shortcut's run: φ_b < 0 and Σφ near 0, where shares reach ±25.
        let shortcut = chart_from_history(ChartKind::Contribution, &[point([0.3, 0.1]), point([-0.31, 0.32])], &heads, 0.0, false);
        assert_eq!(shortcut.series[1].label, "a Shapley φ");
        assert_eq!(shortcut.series[1].points[1].1, Some(-0.31));
        assert!(shortcut.note.unwrap().contains("accuracy points"));
        // One small chart per modality, each with its three lines.
        assert_eq!(fine.panels(), ["a", "b"]);
        assert!(fine.series.iter().all(|s| s.panel.as_deref() == Some(&s.label[..1])), "each line in its modality's panel");
        assert_eq!(
            fine.text_alternative(),
            "Contribution per modality, latest values at step 0: a's probe acc 0.500, a Shapley share 0.750, a grad share 0.500, b's probe acc 0.500, b Shapley share 0.250, b grad share 0.500."
        );
        // A pinned run's lines go into the panel of their modality, by name; one modality
        // only the pinned run has gets a panel after the current run's.
        let b_only = ["fused".to_string(), "b".into(), "c".into()];
        let pinned_run = [point([0.2, 0.2])];
        let pinned = RunLines { name: "run 1", evaluations: &pinned_run, heads: &b_only };
        let current = RunLines { name: "", evaluations: &[point([0.3, 0.1])], heads: &heads };
        let both = chart_with_runs(ChartKind::Contribution, current, &[pinned], None, 0.0, false);
        assert_eq!(both.panels(), ["a", "b", "c"]);
        let pinned_b = both.series.iter().find(|s| s.label == "run 1 · b Shapley share").expect("the pinned run's b line");
        assert_eq!(pinned_b.panel.as_deref(), Some("b"));
        assert!(!both.text_alternative().contains("run 1"), "the text alternative reads the current run");
    }
}
