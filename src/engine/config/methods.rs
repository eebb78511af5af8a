//! The methods' settings (burn-free): one file per method under `methods/` with its serde
//! config, its defaults, its knob rows and any validation beyond its knobs' ranges. The
//! method list below is the one place that names every method: [`crate::for_each_method`]
//! expands it here into [`RegularizerConfig`] and in `engine::methods` into the registry of
//! hooks, so one line adds a method to the config, the validation, the CLI and the page.

use serde::{Deserialize, Serialize};

use super::{ConfigError, ExperimentConfig};
use super::knobs::Knob;

/// Every method: `config key: settings type`. The key names the method everywhere: the
/// config (`regularizers.<key>`), the output's `methods` object, the page's knob paths and
/// the hooks module `engine::methods::<key>`.
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

/// What each method's settings type provides.
pub trait MethodSettings {
    /// True when the settings turn the method on.
    fn enabled(&self) -> bool;

    /// The knob rows of the method, paths under `regularizers.<key>.`.
    fn knobs() -> Vec<Knob>;

    /// Checks beyond the knobs' own ranges (relations with other settings of `config`).
    fn validate(&self, _config: &ExperimentConfig) -> Result<(), ConfigError> {
        Ok(())
    }

    /// A warning about an allowed but questionable combination with other settings of
    /// `config` (OGM-GE with Adam), shown by the page under the method and printed by the CLI.
    fn advice(&self, _config: &ExperimentConfig) -> Option<String> {
        None
    }
}

macro_rules! define_settings {
    ($($key:ident: $settings:ident),* $(,)?) => {
        $(pub mod $key;)*
        $(pub use $key::$settings;)*

        $(impl $settings {
            /// The method's key: its config key and its name in the output.
            pub const NAME: &'static str = stringify!($key);
        })*

        /// The settings of every method, each off by default.
        #[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
        #[serde(deny_unknown_fields, default)]
        pub struct RegularizerConfig {
            $(
                #[doc = concat!("Settings of `", stringify!($key), "`.")]
                pub $key: $settings,
            )*
        }

        impl RegularizerConfig {
            /// Every method's key, in registry order.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($key)),*];

            /// The keys of the methods these settings turn on, in registry order.
            pub fn enabled_names(&self) -> Vec<&'static str> {
                let mut names = Vec::new();
                $(if self.$key.enabled() { names.push(stringify!($key)); })*
                names
            }

            /// Every method's knob rows, in registry order.
            pub fn knobs() -> Vec<Knob> {
                let mut rows = Vec::new();
                $(rows.extend($settings::knobs());)*
                rows
            }

            /// The warnings of every enabled method about `config`, with the method's key.
            pub fn advice(&self, config: &ExperimentConfig) -> Vec<(&'static str, String)> {
                let mut said = Vec::new();
                $(if self.$key.enabled() && let Some(text) = self.$key.advice(config) { said.push((stringify!($key), text)); })*
                said
            }

            /// Every enabled method's own validation against the whole `config`.
            pub fn validate(&self, config: &ExperimentConfig) -> Result<(), ConfigError> {
                $(if self.$key.enabled() { self.$key.validate(config)?; })*
                Ok(())
            }
        }
    };
}

crate::for_each_method!(define_settings);
