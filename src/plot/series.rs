//! Series for the charts, built from the evaluation history.

use crate::engine::config::{ExperimentConfig, FusionKind, TFN_MAX_WEIGHTS, TensorFusionSize};
use crate::engine::methods::{Line, METHODS, MethodChart};
use crate::engine::metrics::{Evaluation, HeadMetrics, thousands};

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

/// Colour of the fused head: Okabe–Ito's black.
pub const FUSED_COLOR: Rgb = (0, 0, 0);

/// One colour per modality, by index, the same in every chart: the Okabe–Ito palette
/// (blue, vermillion, bluish green, reddish purple, orange, sky blue), which colour-blind
/// viewers tell apart and which survives a washed-out projector. Yellow is left out: it
/// vanishes on white.
pub const MODALITY_COLORS: [Rgb; 6] =
    [(0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167), (230, 159, 0), (86, 180, 233)];

/// Points kept per series before downsampling.
pub const MAX_POINTS: usize = 1500;

/// The colour of head `index` (0 = fused, k = modality k−1).
pub fn head_color(index: usize) -> Rgb {
    if index == 0 { FUSED_COLOR } else { MODALITY_COLORS[(index - 1) % MODALITY_COLORS.len()] }
}

/// The heads a run's charts name: `["fused", modality names…]`.
pub fn heads(modalities: &[String]) -> Vec<String> {
    std::iter::once("fused".to_string()).chain(modalities.iter().cloned()).collect()
}

/// One line: `None` values are breaks.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// Stroke colour.
    pub color: Rgb,
    /// Drawn lighter (training curves, pinned runs).
    pub light: bool,
    /// Drawn dashed (a second quantity of the same modality in one chart; B − A).
    pub dashed: bool,
    /// Drawn thin and light: a pinned run.
    pub pinned: bool,
    /// The small chart it is drawn in, by name (the contribution chart draws one per
    /// modality); `None`: the chart's one plot.
    pub panel: Option<String>,
    /// (step, value) pairs.
    pub points: Vec<(f64, Option<f64>)>,
}

/// Which chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// Train (light) and validation loss per head.
    Loss,
    /// Gap L^V − L^T per head.
    Gap,
    /// OGR per head.
    Ogr,
    /// Train (light) and validation accuracy per head.
    Accuracy,
    /// Per modality: probe accuracy, Shapley value and gradient share.
    Contribution,
    /// A method's own chart, drawn while the method is on (Gradient-Blending's weights,
    /// OGM-GE's ρ and k), described in its folder.
    Method(&'static MethodChart),
    /// The parameters of LMF against its rank, TFN's as a line (from the configuration).
    FusionSize,
}

impl ChartKind {
    /// The charts of every run, in page order before the methods' charts.
    const RUN: [ChartKind; 5] = [ChartKind::Loss, ChartKind::Gap, ChartKind::Ogr, ChartKind::Accuracy, ChartKind::Contribution];

    /// How many charts the page has.
    pub const COUNT: usize = Self::RUN.len() + method_chart_count() + 1;

    /// Every chart, in page order: the run's, the methods' (in registry order), the fusion
    /// size.
    pub fn all() -> Vec<ChartKind> {
        let methods = METHODS.iter().filter_map(|m| m.chart).map(ChartKind::Method);
        Self::RUN.into_iter().chain(methods).chain([ChartKind::FusionSize]).collect()
    }

    /// The chart whose id is `id`.
    pub fn by_id(id: &str) -> Option<ChartKind> {
        Self::all().into_iter().find(|k| k.id() == id)
    }

    /// What the x axis counts.
    pub fn x_name(self) -> &'static str {
        if self == ChartKind::FusionSize { "rank" } else { "step" }
    }

    /// What the y axis shows, as its title.
    pub fn y_name(self) -> &'static str {
        match self {
            ChartKind::Loss => "cross-entropy",
            ChartKind::Gap => "L_val − L_train",
            ChartKind::Ogr => "|ΔO / ΔG|",
            ChartKind::Accuracy => "accuracy",
            ChartKind::Contribution => "share, accuracy",
            ChartKind::Method(chart) => chart.y_name,
            ChartKind::FusionSize => "parameters",
        }
    }

    /// Whether the chart starts on a log scale: OGR, whose spikes (a near-zero ΔG) flatten a
    /// linear axis, and the parameter counts.
    pub fn log_by_default(self) -> bool {
        matches!(self, ChartKind::Ogr | ChartKind::FusionSize)
    }

    /// Whether the chart has something to show for `config`: a method's chart only while
    /// that method is on, the fusion-size chart only for LMF and TFN.
    pub fn in_use(self, config: &ExperimentConfig) -> bool {
        match self {
            ChartKind::Method(chart) => config.methods.enabled_names().contains(&chart.method),
            ChartKind::FusionSize => matches!(config.model.fusion, FusionKind::Lmf | FusionKind::Tfn),
            _ => true,
        }
    }

    /// Drawn as stacked areas (each series is the running total of the ones before it).
    pub fn stacked(self) -> bool {
        matches!(self, ChartKind::Method(chart) if chart.stacked)
    }

    /// Title.
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::Loss => "Loss (light: train T′, solid: validation)",
            ChartKind::Gap => "Gap O = L_val − L_train",
            ChartKind::Ogr => "OGR = |ΔO / ΔG|",
            ChartKind::Accuracy => "Accuracy (light: train, solid: validation)",
            ChartKind::Contribution => "Contribution per modality",
            ChartKind::Method(chart) => chart.title,
            ChartKind::FusionSize => "Fusion parameters: LMF by rank vs TFN (log)",
        }
    }

    /// Stable id for test hooks and file names.
    pub fn id(self) -> &'static str {
        match self {
            ChartKind::Loss => "loss",
            ChartKind::Gap => "gap",
            ChartKind::Ogr => "ogr",
            ChartKind::Accuracy => "accuracy",
            ChartKind::Contribution => "contribution",
            ChartKind::Method(chart) => chart.id,
            ChartKind::FusionSize => "fusion-size",
        }
    }
}

/// Everything needed to draw one chart.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSpec {
    /// Which chart.
    pub kind: ChartKind,
    /// The lines.
    pub series: Vec<Series>,
    /// Plot the y axis on a log scale (non-positive values become breaks).
    pub log_y: bool,
    /// The EMA weight the series were smoothed with.
    pub smoothing: f64,
    /// Steps where something happened (early stop, divergence), with a short label.
    pub marks: Vec<(f64, String)>,
    /// A note under the chart (e.g. why OGR has breaks).
    pub note: Option<String>,
    /// The x range to draw (the whole run, so that every chart shares it); `None` fits the
    /// points.
    pub x_range: Option<(f64, f64)>,
    /// Draw the legend inside the plot (SVG exports); the page lists the series outside it.
    pub legend_inside: bool,
}

impl ChartSpec {
    /// The names of its small charts, in the order their first series come (the current
    /// run's first); empty for a chart of one plot.
    pub fn panels(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for name in self.series.iter().filter_map(|s| s.panel.as_deref()) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// The chart in words, for a screen reader (its canvas' label): its title and each line's
    /// latest value, pinned runs left out ("Loss, latest values at step 400: fused train
    /// 0.012, …").
    pub fn text_alternative(&self) -> String {
        let latest: Vec<(f64, String)> = self
            .series
            .iter()
            .filter(|s| !s.pinned)
            .filter_map(|s| s.points.iter().rev().find_map(|&(x, v)| v.map(|v| (x, format!("{} {}", s.label, short_number(v))))))
            .collect();
        let Some(at) = latest.iter().map(|(x, _)| *x).reduce(f64::max) else {
            return format!("{}: no values yet.", self.kind.title());
        };
        let values: Vec<String> = latest.into_iter().map(|(_, text)| text).collect();
        format!("{}, latest values at {} {at}: {}.", self.kind.title(), self.kind.x_name(), values.join(", "))
    }
}

/// A value with three significant digits, as a screen reader should say it: 0.0123, 1.5,
/// 270464, 1.2e-5.
fn short_number(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e6) {
        return format!("{v:.1e}");
    }
    let decimals = if v == 0.0 { 0 } else { (2.0 - v.abs().log10().floor()).max(0.0) as usize };
    format!("{v:.decimals$}")
}

/// TensorBoard's debiased EMA: for each finite y, last = last·w + (1−w)·y and the plotted
/// value is last / (1 − wⁿ), n the number of finite points so far; other points pass through.
pub fn smooth(points: &[(f64, Option<f64>)], weight: f64) -> Vec<(f64, Option<f64>)> {
    let mut last = 0.0;
    let mut count = 0;
    points
        .iter()
        .map(|&(x, y)| match y {
            Some(v) if v.is_finite() && weight > 0.0 => {
                last = last * weight + (1.0 - weight) * v;
                count += 1;
                (x, Some(last / (1.0 - weight.powi(count))))
            }
            other => (x, other),
        })
        .collect()
}

/// Keeps at most `max` points by taking every k-th (always keeping the last one).
pub fn downsample(points: Vec<(f64, Option<f64>)>, max: usize) -> Vec<(f64, Option<f64>)> {
    if points.len() <= max {
        return points;
    }
    let stride = points.len().div_ceil(max);
    let last = *points.last().expect("non-empty");
    let mut kept: Vec<_> = points.into_iter().step_by(stride).collect();
    if kept.last() != Some(&last) {
        kept.push(last);
    }
    kept
}

fn head_series(history: &[Evaluation], label: String, color: Rgb, light: bool, value: impl Fn(&Evaluation) -> Option<f64>) -> Series {
    Series { label, color, light, dashed: false, pinned: false, panel: None, points: history.iter().map(|e| (e.step as f64, value(e))).collect() }
}

fn per_head(history: &[Evaluation], heads: &[String], suffix: &str, light: bool, value: fn(&HeadMetrics) -> Option<f64>) -> Vec<Series> {
    heads
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let label = if suffix.is_empty() { name.clone() } else { format!("{name} {suffix}") };
            head_series(history, label, head_color(i), light, |e| e.head(name).and_then(value))
        })
        .collect()
}

/// The chart of `kind` from a history. `heads` is `["fused", modality names...]`;
/// `smoothing` is the EMA weight (0 = raw).
pub fn chart_from_history(kind: ChartKind, history: &[Evaluation], heads: &[String], smoothing: f64, log_y: bool) -> ChartSpec {
    let mut note = None;
    let series = match kind {
        ChartKind::Loss => {
            let mut s = per_head(history, heads, "train", true, |h| Some(h.train_loss));
            s.extend(per_head(history, heads, "val", false, |h| Some(h.val_loss)));
            s
        }
        ChartKind::Gap => per_head(history, heads, "", false, |h| Some(h.gap)),
        ChartKind::Ogr => {
            let s = per_head(history, heads, "", false, |h| h.ogr);
            if s.iter().any(|series| series.points.iter().skip(1).any(|(_, v)| v.is_none())) {
                note = Some("Breaks: OGR is undefined where the validation loss barely moved (|ΔG| < 1e-4).".to_string());
            }
            s
        }
        ChartKind::Accuracy => {
            let mut s = per_head(history, heads, "train", true, |h| Some(h.train_acc));
            s.extend(per_head(history, heads, "val", false, |h| Some(h.val_acc)));
            s
        }
        ChartKind::Contribution => {
            let (series, said) = contribution_series(history, heads);
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
    ChartSpec { kind, series, log_y, smoothing, marks, note, x_range: None, legend_inside: true }
}

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
///   evaluated, named "B − A · <line>".
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
            let mut lines: Vec<Series> = a_lines.iter().map(|s| Series { label: format!("A · {}", s.label), light: true, ..s.clone() }).collect();
            for b in &b_lines {
                lines.push(Series { label: format!("B · {}", b.label), ..b.clone() });
            }
            for b in &b_lines {
                if let Some(a) = a_lines.iter().find(|a| a.label == b.label) {
                    let points = difference(&b.points, &a.points);
                    lines.push(Series { label: format!("B − A · {}", b.label), dashed: true, points, ..b.clone() });
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

/// A method chart's line, drawn in its head's colour.
fn series_of_line(line: Line) -> Series {
    Series { label: line.label, color: head_color(line.head), light: line.light, dashed: line.dashed, pinned: false, panel: None, points: line.points }
}

/// How many of the methods have a chart.
const fn method_chart_count() -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < METHODS.len() {
        if METHODS[i].chart.is_some() {
            count += 1;
        }
        i += 1;
    }
    count
}

/// The highest rank the chart shows (the rank knob's largest value).
const MAX_RANK: usize = 64;

/// LMF's parameter count r·Σ_m(d_m+1)·d_out + r + d_out for r = 1..64 and TFN's
/// d_out·Π_m(d_m+1) + d_out as a flat line, for the modalities and width of `config`, on a
/// log scale; the rank in use marked when the fusion is LMF; both counts side by side in the
/// note.
pub fn fusion_size_chart(config: &ExperimentConfig) -> ChartSpec {
    let (modalities, width, rank) = (config.modalities_in_use(), config.model.encoder_width, config.model.rank);
    let size = |r: usize| TensorFusionSize::new(modalities, width, r);
    let lmf = (1..=MAX_RANK).map(|r| (r as f64, Some(size(r).lmf as f64))).collect();
    let tfn = size(1).tfn;
    let tfn_fits = tfn - width as u64 <= TFN_MAX_WEIGHTS;
    let mut series = vec![Series { label: "LMF".into(), color: MODALITY_COLORS[0], light: false, dashed: false, pinned: false, panel: None, points: lmf }];
    if tfn_fits {
        let line = vec![(1.0, Some(tfn as f64)), (MAX_RANK as f64, Some(tfn as f64))];
        series.push(Series { label: "TFN".into(), color: FUSED_COLOR, light: false, dashed: false, pinned: false, panel: None, points: line });
    }
    let tfn_said = if tfn_fits { thousands(tfn) } else { format!("{} (over the 2^24 limit: refused)", thousands(tfn)) };
    let in_use = match config.model.fusion {
        FusionKind::Lmf => format!("in use: LMF at rank {rank}, {:.1} % of TFN", 100.0 * size(rank).lmf as f64 / tfn as f64),
        FusionKind::Tfn => "in use: TFN".to_string(),
        other => format!("in use: {} (no fusion weights of this kind)", serde_json::to_value(other).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()),
    };
    let note = format!("{modalities} modalities of width {width}, d_out {width}: LMF (r = {rank}) {} · TFN {tfn_said} parameters; {in_use}.", thousands(size(rank).lmf));
    let marks = if config.model.fusion == FusionKind::Lmf { vec![(rank as f64, format!("r = {rank}"))] } else { Vec::new() };
    ChartSpec { kind: ChartKind::FusionSize, series, log_y: true, smoothing: 0.0, marks, note: Some(note), x_range: None, legend_inside: true }
}

/// Below this |Σφ| (or with any φ < 0) shares φ_m/Σφ mislead (±25 on `shortcut`, where a
/// modality's φ is negative): the chart shows φ_m itself, in accuracy points.
const SHARE_MIN_TOTAL: f64 = 0.05;

/// Per modality: its probe accuracy (light), its Shapley share φ_m/Σφ, or φ_m itself when
/// any evaluation has |Σφ| < [`SHARE_MIN_TOTAL`] or a negative φ (solid), and its gradient
/// share (dashed); a note says which Shapley quantity is drawn.
fn contribution_series(history: &[Evaluation], heads: &[String]) -> (Vec<Series>, Option<String>) {
    let modalities = &heads[1..];
    let shares_mislead = history.iter().any(|e| {
        let total: f64 = e.contribution.iter().map(|(_, c)| c.shapley).sum();
        !e.contribution.is_empty() && (total.abs() < SHARE_MIN_TOTAL || e.contribution.iter().any(|(_, c)| c.shapley < 0.0))
    });
    let mut series = Vec::new();
    for (k, name) in modalities.iter().enumerate() {
        let color = head_color(k + 1);
        let pick = |f: fn(&crate::engine::metrics::Contribution) -> Option<f64>| {
            move |e: &Evaluation| e.contribution.iter().find(|(n, _)| n == name).and_then(|(_, c)| f(c))
        };
        let panel = Some(name.clone());
        let probe = head_series(history, format!("{name} probe acc"), color, true, pick(|c| Some(c.probe_acc)));
        let shapley = if shares_mislead {
            head_series(history, format!("{name} Shapley φ"), color, false, pick(|c| Some(c.shapley)))
        } else {
            head_series(history, format!("{name} Shapley share"), color, false, pick(|c| c.shapley_share))
        };
        let grad = head_series(history, format!("{name} grad share"), color, false, pick(|c| c.grad_share));
        series.push(Series { panel: panel.clone(), ..probe });
        series.push(Series { panel: panel.clone(), ..shapley });
        series.push(Series { dashed: true, panel, ..grad });
    }
    let note = shares_mislead.then(|| {
        format!("Shapley φ_m drawn in accuracy points (0.10 = 10 points), not as shares: in this run Σφ came within {SHARE_MIN_TOTAL} of 0 or a φ was negative, where φ_m/Σφ leaves [0, 1].")
    });
    (series, note)
}

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
fn event_marks(step: usize, event: &crate::engine::metrics::Event) -> Vec<(f64, String)> {
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
    fn smoothing_is_debiased_and_passes_non_finite_points() {
        let raw = vec![(0.0, Some(1.0)), (1.0, None), (2.0, Some(2.0))];
        let s = smooth(&raw, 0.6);
        assert_eq!(s[0].1, Some(1.0), "first point unbiased");
        assert_eq!(s[1].1, None);
        // last = 0.4 after one point; then 0.4·0.6 + 0.4·2 = 1.04; /(1 − 0.36) = 1.625.
        assert!((s[2].1.unwrap() - 1.625).abs() < 1e-12);
        assert_eq!(smooth(&raw, 0.0), raw);
    }

    #[test]
    fn a_live_change_marks_its_step_with_its_first_clause() {
        let what = "methods [] -> [fusion_dropout, modality_dropout, weight_penalty]; learning rate 0.001 -> 0.01";
        let marks = event_marks(12, &crate::engine::metrics::Event::LiveChange { what: what.into() });
        assert_eq!(marks, vec![(12.0, "methods [] -> [fusion_dropout, …".to_string())], "31 characters and the ellipsis");
        assert_eq!(short_label("epochs 100 -> 200"), "epochs 100 -> 200");
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
            "Contribution per modality, latest values at step 0: a probe acc 0.500, a Shapley share 0.750, a grad share 0.500, b probe acc 0.500, b Shapley share 0.250, b grad share 0.500."
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

    fn run_of(losses: &[f64]) -> Vec<Evaluation> {
        losses
            .iter()
            .enumerate()
            .map(|(i, &loss)| {
                let head = HeadMetrics { train_loss: loss, val_loss: loss + 0.5, train_acc: 0.5, val_acc: 0.4, test_acc: None, gap: 0.5, ogr: None };
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
        assert_eq!(labels, ["fused train", "a train", "fused val", "a val", "run 1 · fused val", "run 1 · a val"]);
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
        assert_eq!(labels, ["A · fused val", "A · a val", "B · fused val", "B · a val", "B − A · fused val", "B − A · a val"]);
        assert!(spec.series[0].light && !spec.series[2].light && spec.series[4].dashed);
        assert_eq!(spec.series[4].points, vec![(0.0, Some(0.0)), (10.0, Some(-0.25))], "only the steps both evaluated");
        assert_eq!(difference(&[(0.0, Some(1.0)), (1.0, None)], &[(0.0, None), (1.0, Some(2.0))]), vec![(0.0, None), (1.0, None)]);
    }

    #[test]
    fn downsampling_bounds_points_and_keeps_the_last() {
        let points: Vec<_> = (0..5000).map(|i| (i as f64, Some(i as f64))).collect();
        let kept = downsample(points, 1500);
        assert!(kept.len() <= 1501);
        assert_eq!(kept.last().unwrap().0, 4999.0);
    }
}
