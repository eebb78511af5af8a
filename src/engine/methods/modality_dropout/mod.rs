//! Modality dropout: in training, each sample loses some of its modalities' embeddings (zeroed,
//! never all of them). Its folder: `settings`, `hooks`.

pub mod settings;

#[cfg(feature = "engine")]
pub mod hooks;

pub use settings::ModalityDropoutConfig;

use crate::engine::methods::kit::about::{About, Part, no_events};

/// Its registration.
pub const ABOUT: About = About { key: ModalityDropoutConfig::NAME, presets: &[], stories: &[], chart: None, refuses: &[], owns_layers: false, trains_unimodal_heads: false, acts_on: &[(Part::Inputs, "modality dropout")], events: no_events };
