//! # Modalscope
//!
//! Trains small multimodal classifiers live and shows why multimodal training is hard: the
//! train/validation gap, the overfitting-to-generalization ratio (OGR) and each modality's
//! contribution, as training runs.
//!
//! From the top: a [`engine::session::Session`] takes [`engine::session::Command`]s and owns
//! an [`engine::trainer::Trainer`], which trains an [`engine::model::MultimodalNet`] on a
//! [`engine::data::Dataset`] and evaluates it into plain [`engine::metrics::Evaluation`]s;
//! the session is the only door to a run: the web host (`host`) and the CLI
//! (`src/bin/modalscope.rs`, feature `cli`) ask it for the step, the configuration and the
//! history; the host sends evaluations to the UI (`ui`, feature `web`), which draws them with
//! [`plot`], and the CLI writes them as JSON.
//!
//! Module map:
//! - [`engine`]: tensors, no web. `config`, `data`, `model`, `methods`, `metrics`,
//!   `trainer`, `readback` (the only tensor reads), `device` (burn glue), `session`.
//! - [`plot`]: drawing from plain engine data, generic over plotters backends.
//! - [`link`]: the page's whole state as a link's `#` (burn-free).
//! - [`runs`]: pinned runs and their store in the browser (burn-free).
//! - [`protocol`]: the plain messages between the page and the engine host, and the
//!   `SessionHandle` that carries them (burn-free).
//! - `ui` (feature `web`): leptos components; never touches a tensor, talks to the engine
//!   only through the handle. The page's main-thread module (`src/main.rs`) has no burn.
//! - `host` (feature `worker`): owns the `Session` in the engine's Web Worker
//!   (`src/worker.rs`); the only web code that touches burn. `browser` (both): the clock,
//!   yields, fetch and the two ends of the worker link.
//!
//! Features: `engine` (burn: everything that holds a tensor), `cli`, `web` (the page, no
//! burn), `worker` (the engine host in the browser).
#![warn(missing_docs)]
#![recursion_limit = "256"]

#[cfg(feature = "browser")]
pub mod browser;
pub mod engine;
pub mod link;
#[cfg(feature = "worker")]
pub mod host;
pub mod plot;
pub mod protocol;
pub mod runs;
#[cfg(feature = "web")]
pub mod ui;
