//! Gradient-Blending (Wang, Tran, Feiszli, CVPR 2020): every head's loss weighted by its
//! estimated generalization per overfitting on a held-out part V. Its folder: `settings`,
//! `chart` (the stacked weights), `story` (its preset and card), `hooks` (the estimation runs
//! and the weighted loss).

pub mod chart;
pub mod settings;
pub mod story;

#[cfg(feature = "engine")]
pub mod hooks;

pub use settings::GradientBlendingConfig;

use crate::engine::methods::kit::about::{About, Part, no_events};

/// The kind of its event: an estimate of the blend weights, read back with an evaluation.
pub const ESTIMATE: &str = "gblend-estimate";

/// Its registration.
pub const ABOUT: About = About {
    key: GradientBlendingConfig::NAME,
    presets: &[story::PRESET],
    stories: &[story::STORY],
    chart: Some(&chart::CHART),
    refuses: &[],
    trains_unimodal_heads: true,
    acts_on: &[(Part::FusedHead, "G-Blend weight"), (Part::UnimodalHeads, "G-Blend weight, trained")],
    owns_layers: false,
    events: no_events,
};
