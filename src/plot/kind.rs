//! Which chart: the run's charts, each method's chart (described in its folder) and the
//! fusion size.

use crate::engine::config::{ExperimentConfig, FusionKind};
use crate::engine::methods::{METHODS, MethodChart};

/// Which chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// Train (light, dashed) and validation loss per head.
    Loss,
    /// Gap L^V − L^T per head.
    Gap,
    /// OGR per head.
    Ogr,
    /// Train (light, dashed) and validation accuracy per head.
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

    /// The charts `config` draws, in page order.
    pub fn in_use_for(config: &ExperimentConfig) -> Vec<ChartKind> {
        Self::all().into_iter().filter(|k| k.in_use(config)).collect()
    }

    /// Drawn as stacked areas (each series is the running total of the ones before it).
    pub fn stacked(self) -> bool {
        matches!(self, ChartKind::Method(chart) if chart.stacked)
    }

    /// Title.
    pub fn title(self) -> &'static str {
        match self {
            ChartKind::Loss => "Loss (dashed: train T′, solid: validation)",
            ChartKind::Gap => "Gap O = L_val − L_train",
            ChartKind::Ogr => "OGR = |ΔO / ΔG|",
            ChartKind::Accuracy => "Accuracy (dashed: train T′, solid: validation)",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_count_is_the_number_of_charts() {
        // COUNT is counted at compile time (the page's mount stages need a constant); all()
        // lists the charts: the two must agree, and every id is one chart's.
        let all = ChartKind::all();
        assert_eq!(ChartKind::COUNT, all.len());
        assert!(all.iter().all(|k| ChartKind::by_id(k.id()) == Some(*k)));
    }
}
