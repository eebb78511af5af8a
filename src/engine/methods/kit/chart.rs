//! A method's chart, described for the plot layer (burn-free): which lines, from the
//! evaluation history, with a note. The plot layer colours each line by its head and draws
//! it like every other chart, without knowing the method.

use crate::engine::metrics::Evaluation;

/// One line of a method's chart: `None` values are breaks.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Legend label.
    pub label: String,
    /// The head whose colour it takes: 0 the fused head, k the k-th modality (1-based).
    pub head: usize,
    /// Drawn lighter (a raw quantity beside its smoothed one).
    pub light: bool,
    /// Drawn dashed (a second quantity of the same head).
    pub dashed: bool,
    /// (step, value) pairs.
    pub points: Vec<(f64, Option<f64>)>,
}

impl Line {
    /// A solid line of `head` from `value` of each evaluation (`None`: a break).
    pub fn over(history: &[Evaluation], label: String, head: usize, value: impl Fn(&Evaluation) -> Option<f64>) -> Line {
        Line { label, head, light: false, dashed: false, points: history.iter().map(|e| (e.step as f64, value(e))).collect() }
    }
}

/// What a method's chart shows now: its lines and a note under it.
pub struct ChartLines {
    /// The lines, in legend order.
    pub lines: Vec<Line>,
    /// The note under the chart (the last estimate's figures, or why it is empty).
    pub note: String,
}

/// A method's chart.
#[derive(Debug)]
pub struct MethodChart {
    /// The method's key: the chart is in use while the method is on.
    pub method: &'static str,
    /// Its id in the page and in links (`log=`).
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// The name of its y axis.
    pub y_name: &'static str,
    /// One visible sentence under it: what it shows.
    pub caption: &'static str,
    /// The longer explanation, with its formula.
    pub explanation: &'static str,
    /// Its lines are running totals (stacked): drawn unsmoothed.
    pub stacked: bool,
    /// Its lines from a history; `heads` is `["fused", modality names…]`.
    pub lines: fn(history: &[Evaluation], heads: &[String]) -> ChartLines,
}

/// Two charts are the same chart when they have the same id.
impl PartialEq for MethodChart {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for MethodChart {}
