//! The training methods: one folder per method, each one place to read and one place to
//! change (STYLE.md "One concept per file"):
//!
//! - `mod.rs`: its registration ([`kit::About`]: presets, stories, chart, pair refusals,
//!   event marks), burn-free;
//! - `settings.rs`: its serde settings, defaults, knob rows and validation, burn-free;
//! - `chart.rs`: the series of its chart, described for the plot layer ([`kit::MethodChart`]),
//!   burn-free;
//! - `story.rs`: its presets, their story cards and verdicts, its chart's caption and
//!   explanation, burn-free;
//! - `hooks.rs` (feature `engine`): the [`kit::hooks::Method`] it plugs into the training loop.
//!
//! The kit (`kit/`) holds what every method shares. The list below is the one place that
//! names every method: one line adds a method to the configuration, the validation, the CLI,
//! the page's controls, charts and presets, and the training loop. No code outside a
//! method's folder names its key or its settings type (`tests/architecture.rs`).

pub mod kit;

/// Every method: `key: settings type`, in hook order (the registration). The key names the
/// method everywhere: its folder, the configuration (`methods.<key>`), the output's
/// `methods` object and the page's knob paths.
#[doc(hidden)]
#[macro_export]
macro_rules! for_each_method {
    ($callback:ident) => {
        $callback! {
            modality_dropout: ModalityDropoutConfig,
            fusion_dropout: FusionDropoutConfig,
            weight_penalty: WeightPenaltyConfig,
            gradient_blending: GradientBlendingConfig,
            ogm_ge: OgmGeConfig,
            early_stopping: EarlyStoppingConfig,
        }
    };
}

/// Declares every method's folder.
macro_rules! declare_methods {
    ($($key:ident: $settings:ident),* $(,)?) => {
        $(pub mod $key;)*
    };
}

crate::for_each_method!(declare_methods);

pub use kit::about::{About, METHODS};
pub use kit::chart::{ChartLines, Line, MethodChart};
pub use kit::settings::{MethodSettings, MethodsConfig};
#[cfg(feature = "engine")]
pub use kit::hooks::*;
