//! L2 penalty / weight decay, the one place for weight decay (a loss term, decoupled decay
//! after the optimizer step, or the optimizer's own decay). Its folder: `settings`, `hooks`.

pub mod settings;

#[cfg(feature = "engine")]
pub mod hooks;

pub use settings::WeightPenaltyConfig;

use crate::engine::methods::kit::about::{About, Part, no_events};

/// Its registration.
pub const ABOUT: About = About { key: WeightPenaltyConfig::NAME, presets: &[], stories: &[], chart: None, refuses: &[], owns_layers: false, trains_unimodal_heads: false, acts_on: &[(Part::Weights, "L2 / weight decay")], events: no_events };
