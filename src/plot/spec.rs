//! Everything needed to draw one chart: its lines, scale, marks and note.

use super::kind::ChartKind;
use super::palette::Rgb;

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
