//! OGM-GE, on-the-fly gradient modulation with generalization enhancement (Peng et al.,
//! CVPR 2022): the encoder of the modality that leads is slowed while it leads. Its folder:
//! `settings`, `chart` (ρ and k per modality), `story` (its preset and card), `hooks` (the
//! discrepancy ratio and the scaled gradients).

pub mod chart;
pub mod settings;
pub mod story;

#[cfg(feature = "engine")]
pub mod hooks;

pub use settings::OgmGeConfig;

use crate::engine::methods::kit::about::{About, Part, Refusal, no_events};

/// Its registration.
pub const ABOUT: About = About {
    key: OgmGeConfig::NAME,
    presets: &[story::PRESET],
    stories: &[story::STORY],
    chart: Some(&chart::CHART),
    refuses: &[Refusal {
        other: "gradient_blending",
        why: "define different losses (OGM-GE trains on CE(fused) alone, Gradient-Blending on Σ w_h·CE_h)",
    }],
    trains_unimodal_heads: false,
    acts_on: &[(Part::Encoders, "OGM-GE")],
    owns_layers: false,
    events: no_events,
};
