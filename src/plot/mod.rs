//! Charts drawn from plain engine data with plotters, generic over the drawing backend (a
//! `<canvas>` in the browser, SVG in native tests). Nothing here knows about tensors.
//!
//! [`series`] turns an evaluation history into named series (one colour per modality
//! everywhere, `fused` in slate; training curves lighter than validation), with
//! TensorBoard's debiased-EMA smoothing, breaks where a value is undefined (OGR) and
//! downsampling past ~1,500 points. [`chart`] draws one [`series::ChartSpec`].

pub mod chart;
pub mod series;

pub use chart::{draw_chart, run_charts_svg};
pub use series::{ChartKind, ChartSpec, RunLines, Series, chart_from_history, chart_with_runs, fusion_size_chart, heads};
