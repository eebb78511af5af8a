//! Early stopping on the fused validation loss, restoring the best checkpoint. Its folder:
//! `settings`, `chart` (the marks its stop puts on every chart), `hooks`.

pub mod chart;
pub mod settings;

#[cfg(feature = "engine")]
pub mod hooks;

pub use settings::EarlyStoppingConfig;

use crate::engine::methods::kit::about::{About, Part};

/// The kind of its event: it stopped the run and restored the best checkpoint.
pub const EARLY_STOP: &str = "early-stop";

/// Its registration.
pub const ABOUT: About = About { key: EarlyStoppingConfig::NAME, presets: &[], stories: &[], chart: None, refuses: &[], owns_layers: false, trains_unimodal_heads: false, acts_on: &[(Part::FusedHead, "early stopping on its val loss")], events: chart::shown };
