//! Charts drawn from plain engine data with plotters, generic over the drawing backend (a
//! `<canvas>` in the browser, SVG in native tests). Nothing here knows about tensors.
//!
//! [`from_history`] turns an evaluation history into named series (one colour per modality
//! everywhere, [`palette`]; training curves light and dashed, validation solid), with TensorBoard's
//! debiased-EMA smoothing ([`smoothing`]), breaks where a value is undefined (OGR) and
//! downsampling past ~1,500 points; [`runs`] adds pinned runs and A/B; [`marks`] the events'
//! marks; [`fusion_size`] and the model [`diagram`] are drawn from the configuration. [`chart`] draws one
//! [`spec::ChartSpec`] of a [`kind::ChartKind`].

pub mod chart;
pub mod diagram;
pub mod from_history;
pub mod fusion_size;
pub mod kind;
pub mod marks;
pub mod palette;
pub mod runs;
pub mod smoothing;
pub mod spec;

pub use chart::{draw_chart, run_charts_svg};
pub use from_history::{chart_from_history, head_label, unimodal_heads_trained};
pub use fusion_size::fusion_size_chart;
pub use kind::ChartKind;
pub use palette::{FUSED_COLOR, MODALITY_COLORS, Rgb, head_color, heads};
pub use runs::{RunLines, chart_with_runs};
pub use spec::{ChartSpec, Series};
