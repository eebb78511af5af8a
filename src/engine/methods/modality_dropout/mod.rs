//! Modality dropout: in training, each sample loses some of its modalities' embeddings (zeroed,
//! never all of them). Its folder: `settings`, `story` (its preset: a modality missing at test
//! time), `hooks`.

pub mod settings;
pub mod story;

#[cfg(feature = "engine")]
pub mod hooks;

pub use settings::ModalityDropoutConfig;

use crate::engine::methods::kit::about::{About, Part, no_events};

/// Its registration.
pub const ABOUT: About = About { key: ModalityDropoutConfig::NAME, presets: &[story::PRESET], stories: &[story::STORY], chart: None, refuses: &[], owns_layers: false, trains_unimodal_heads: false, acts_on: &[(Part::Encoders, "modality dropout")], events: no_events };
