//! # Modalscope
//!
//! Trains small multimodal classifiers live and shows why multimodal training is hard: the
//! train/validation gap, the overfitting-to-generalization ratio (OGR) and each modality's
//! contribution, as training runs.
//!
//! From the top: a [`engine::session::Session`] takes [`engine::session::Command`]s and owns
//! an [`engine::trainer::Trainer`], which trains an [`engine::model::MultimodalNet`] on a
//! [`engine::data::Dataset`] and evaluates it into plain [`engine::metrics::Evaluation`]s;
//! the session hands out [`engine::session::Snapshot`]s that the UI (`ui`, feature `web`)
//! draws with [`plot`] and the CLI (`src/bin/modalscope.rs`, feature `cli`) writes as JSON.
//!
//! Module map:
//! - [`engine`]: tensors, no web. `config`, `data`, `model`, `methods`, `metrics`,
//!   `trainer`, `readback` (the only tensor reads), `device` (burn glue), `session`.
//! - [`plot`]: drawing from plain engine data, generic over plotters backends.
//! - `ui` (feature `web`): leptos components; never touches a tensor.
#![warn(missing_docs)]
#![recursion_limit = "256"]

pub mod engine;
pub mod plot;
#[cfg(feature = "web")]
pub mod ui;
