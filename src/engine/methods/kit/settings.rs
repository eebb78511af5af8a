//! The methods' settings (burn-free): each method's `settings.rs` holds its serde config, its
//! defaults, its knob rows and any validation beyond its knobs' ranges; the registration
//! ([`crate::for_each_method`]) expands here into [`MethodsConfig`], the settings of
//! every method.

use serde::{Deserialize, Serialize};

use crate::engine::config::knobs::Knob;
use crate::engine::config::{ConfigError, ExperimentConfig};

/// What each method's settings type provides.
pub trait MethodSettings {
    /// True when the settings turn the method on.
    fn enabled(&self) -> bool;

    /// The knob rows of the method, paths under `methods.<key>.`.
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
        $(impl crate::engine::methods::$key::$settings {
            /// The method's key: its config key and its name in the output.
            pub const NAME: &'static str = stringify!($key);
        })*

        /// The settings of every method, each off by default.
        #[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
        #[serde(deny_unknown_fields, default)]
        pub struct MethodsConfig {
            $(
                #[doc = concat!("Settings of `", stringify!($key), "`.")]
                pub $key: crate::engine::methods::$key::$settings,
            )*
        }

        impl MethodsConfig {
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
                $(rows.extend(crate::engine::methods::kit::about::table_rows(&crate::engine::methods::$key::ABOUT, crate::engine::methods::$key::$settings::knobs()));)*
                rows
            }

            /// The warnings of every enabled method about `config`, with the method's key.
            pub fn advice(&self, config: &ExperimentConfig) -> Vec<(&'static str, String)> {
                let mut said = Vec::new();
                $(if self.$key.enabled() && let Some(text) = self.$key.advice(config) { said.push((stringify!($key), text)); })*
                said
            }

            /// Every enabled method's own validation against the whole `config`, then the
            /// pairs the registrations refuse ([`crate::engine::methods::About::refuses`]).
            pub fn validate(&self, config: &ExperimentConfig) -> Result<(), ConfigError> {
                $(if self.$key.enabled() { self.$key.validate(config)?; })*
                crate::engine::methods::kit::about::refused_pair(&self.enabled_names())
            }
        }
    };
}

crate::for_each_method!(define_settings);
