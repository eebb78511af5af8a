//! The experiment configuration: plain serde data that round-trips through JSON, TOML and
//! the URL hash.
//!
//! Every struct rejects unknown keys (`deny_unknown_fields`) and fills missing ones with the
//! defaults of docs/methods.md (`default`), so a config file names only what it changes.
//! Sources are layered in this order: a preset, then a config file, then
//! `--set key.path=value` overrides ([`ExperimentConfig::with_override`]).
//! [`ExperimentConfig::validate`] runs once, at the boundary, and its errors name the field,
//! the value given and what is allowed.

mod data;
mod error;
mod experiment;
pub mod knobs;
mod model;
mod paths;
mod train;

pub use crate::engine::methods::{MethodSettings, MethodsConfig};
pub use data::{DataConfig, DataSource, MFEAT_VIEWS, SyntheticModality, SyntheticVariant};
pub use error::ConfigError;
pub use experiment::{DebugConfig, ExperimentConfig, FUSED, MetricsConfig, MissingAs, SCHEMA_VERSION};
pub use model::{FusionKind, ModelConfig, TFN_MAX_WEIGHTS, TensorFusionSize};
pub(crate) use paths::json_slot;
pub use train::{OptimizerKind, TrainConfig};
