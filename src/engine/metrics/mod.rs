//! Metrics computed on the host from one evaluation's readback (docs/methods.md, "Metrics").

pub mod contribution;
pub mod diverging;
pub mod evaluation;
pub mod history;
pub mod numbers;
pub mod ogr;

pub use evaluation::{Contribution, Evaluation, Event, HeadMetrics, MethodEvent};
pub use diverging::diverging;
pub use history::History;
pub use numbers::thousands;
