//! Dropout on the fused representation during training. Its folder: `settings`, `hooks`.

pub mod settings;

#[cfg(feature = "engine")]
pub mod hooks;

pub use settings::FusionDropoutConfig;

use crate::engine::methods::kit::about::{About, Part, no_events};

/// Its registration.
pub const ABOUT: About = About { key: FusionDropoutConfig::NAME, presets: &[], stories: &[], chart: None, refuses: &[], owns_layers: false, trains_unimodal_heads: false, acts_on: &[(Part::Fusion, "dropout")], events: no_events };
