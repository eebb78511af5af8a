//! Other runs beside the current one: pinned runs (thin, named) and A/B (A light, B solid,
//! B − A dashed).

use super::from_history::chart_from_history;
use super::kind::ChartKind;
use super::spec::{ChartSpec, Series};
use crate::engine::metrics::Evaluation;

/// A run's evaluations and heads (`["fused", modality names…]`), named for a legend.
#[derive(Clone, Copy, Debug)]
pub struct RunLines<'a> {
    /// The name its lines carry ("run 1", "A").
    pub name: &'a str,
    /// Its evaluations, oldest first.
    pub evaluations: &'a [Evaluation],
    /// `["fused", modality names…]`.
    pub heads: &'a [String],
}

/// The lines that stand for a run beside another: the solid ones (validation curves, gap,
/// OGR, Shapley values, ρ's EMA), not its training curves, probes or gradient shares.
fn primary_lines(spec: ChartSpec) -> Vec<Series> {
    spec.series.into_iter().filter(|s| !s.light && !s.dashed && !s.pinned).collect()
}

/// Whether two runs' lines are the same quantity of the same head: equal labels, or a
/// modality's head named "head a" in one run (a method trains it) and "a's probe" in the
/// other.
fn same_line(a: &str, b: &str) -> bool {
    let probe = |label: &str| match label.strip_prefix("head ") {
        Some(rest) => {
            let (name, tail) = rest.split_once(' ').map_or((rest, ""), |(n, t)| (n, t));
            format!("{name}'s probe{}{tail}", if tail.is_empty() { "" } else { " " })
        }
        None => label.to_string(),
    };
    probe(a) == probe(b)
}

/// The small plot under a chart that draws A/B's B − A lines.
pub const DIFFERENCE_PANEL: &str = "B − A";

/// `b − a` at the steps both have a value (a `None` where either is undefined).
pub fn difference(b: &[(f64, Option<f64>)], a: &[(f64, Option<f64>)]) -> Vec<(f64, Option<f64>)> {
    b.iter()
        .filter_map(|&(x, vb)| a.iter().find(|(xa, _)| *xa == x).map(|&(_, va)| (x, vb.zip(va).map(|(b, a)| b - a))))
        .collect()
}

/// The chart of `kind` for the current run with other runs beside it:
/// - each pinned run's [`primary_lines`], thin and light, named "<pin> · <line>";
/// - in an A/B comparison (`a` given; the current run is B): the primary lines of A (light)
///   and of B, named "A · <line>" and "B · <line>", and B − A (dashed) at the steps both
///   evaluated, named "B − A · <line>", on a small plot of its own range under the chart
///   ([`DIFFERENCE_PANEL`]; in the contribution chart's own small plots, in its modality's).
///
/// The stacked blend chart shows the current run alone (stacks of several runs would hide
/// each other), and says so when there are others. Marks are the current run's.
pub fn chart_with_runs(kind: ChartKind, current: RunLines, pinned: &[RunLines], a: Option<RunLines>, smoothing: f64, log_y: bool) -> ChartSpec {
    let spec = chart_from_history(kind, current.evaluations, current.heads, smoothing, log_y);
    if kind.stacked() {
        let note = (a.is_some() || !pinned.is_empty()).then(|| "Pinned runs and A/B's A are not drawn on this stacked chart: it shows the current run.".to_string());
        return ChartSpec { note: spec.note.or(note), ..spec };
    }
    let other = |run: &RunLines| chart_from_history(kind, run.evaluations, run.heads, smoothing, log_y);
    let mut series = match a {
        None => spec.series.clone(),
        Some(a) => {
            let a_lines = primary_lines(other(&a));
            let b_lines = primary_lines(spec.clone());
            let main_plot = spec.series.iter().any(|s| s.panel.is_none());
            let mut lines: Vec<Series> = a_lines.iter().map(|s| Series { label: format!("A · {}", s.label), light: true, ..s.clone() }).collect();
            for b in &b_lines {
                lines.push(Series { label: format!("B · {}", b.label), ..b.clone() });
            }
            for b in &b_lines {
                if let Some(a) = a_lines.iter().find(|a| same_line(&a.label, &b.label)) {
                    let points = difference(&b.points, &a.points);
                    // On a small plot of its own under the chart where the chart has a main plot;
                    // in the contribution chart's own small plots, in its modality's.
                    let panel = if main_plot { Some(DIFFERENCE_PANEL.to_string()) } else { b.panel.clone() };
                    lines.push(Series { label: format!("B − A · {}", b.label), dashed: true, points, panel, ..b.clone() });
                }
            }
            lines
        }
    };
    for run in pinned {
        series.extend(primary_lines(other(run)).into_iter().map(|s| Series { label: format!("{} · {}", run.name, s.label), pinned: true, ..s }));
    }
    ChartSpec { series, ..spec }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::metrics::HeadMetrics;

    fn run_of(losses: &[f64]) -> Vec<Evaluation> {
        losses
            .iter()
            .enumerate()
            .map(|(i, &loss)| {
                let head = HeadMetrics { train_loss: loss, val_loss: loss + 0.5, train_acc: 0.5, val_acc: 0.4, test_acc: None, gap: 0.5, ogr: None, missing: Vec::new() };
                Evaluation { step: i * 10, epoch: i as f64, heads: vec![("fused".into(), head.clone()), ("a".into(), head)], contribution: vec![], methods: Default::default(), events: vec![] }
            })
            .collect()
    }

    #[test]
    fn pinned_runs_add_their_validation_lines_thin_and_named() {
        let heads = ["fused".to_string(), "a".into()];
        let (now, then) = (run_of(&[1.0, 0.8]), run_of(&[2.0, 1.5, 1.0]));
        let current = RunLines { name: "", evaluations: &now, heads: &heads };
        let pin = RunLines { name: "run 1", evaluations: &then, heads: &heads };
        let spec = chart_with_runs(ChartKind::Loss, current, &[pin], None, 0.0, false);
        let labels: Vec<&str> = spec.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["fused (train)", "a's probe (train)", "fused", "a's probe", "run 1 · fused", "run 1 · a's probe"]);
        assert!(spec.series[0].dashed && spec.series[0].light && !spec.series[2].dashed && !spec.series[2].light, "train dashed and light, validation solid");
        let pinned = &spec.series[4];
        assert!(pinned.pinned && !pinned.dashed);
        assert_eq!(pinned.points, vec![(0.0, Some(2.5)), (10.0, Some(2.0)), (20.0, Some(1.5))]);
        let blend = chart_with_runs(ChartKind::by_id("blend").unwrap(), current, &[pin], None, 0.0, false);
        assert!(blend.series.iter().all(|s| !s.pinned), "no pinned stacks");
    }

    #[test]
    fn ab_draws_a_light_b_solid_and_b_minus_a_dashed_at_common_steps() {
        let heads = ["fused".to_string(), "a".into()];
        let (b, a) = (run_of(&[1.0, 0.5]), run_of(&[1.0, 0.75, 0.7]));
        let spec = chart_with_runs(
            ChartKind::Loss,
            RunLines { name: "", evaluations: &b, heads: &heads },
            &[],
            Some(RunLines { name: "A", evaluations: &a, heads: &heads }),
            0.0,
            false,
        );
        let labels: Vec<&str> = spec.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["A · fused", "A · a's probe", "B · fused", "B · a's probe", "B − A · fused", "B − A · a's probe"]);
        assert!(spec.series[0].light && !spec.series[2].light && spec.series[4].dashed);
        assert_eq!(spec.panels(), [DIFFERENCE_PANEL], "B − A on a plot of its own under the chart");
        // A head trained by a method in one run and a probe in the other: still one line.
        assert!(same_line("head a", "a's probe") && same_line("a's probe acc", "head a acc") && !same_line("head a", "b's probe"));
        assert!(spec.series[..4].iter().all(|s| s.panel.is_none()));
        assert_eq!(spec.series[4].points, vec![(0.0, Some(0.0)), (10.0, Some(-0.25))], "only the steps both evaluated");
        assert_eq!(difference(&[(0.0, Some(1.0)), (1.0, None)], &[(0.0, None), (1.0, Some(2.0))]), vec![(0.0, None), (1.0, None)]);
    }
}
