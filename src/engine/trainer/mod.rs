//! The training loop as a step-wise state machine (DESIGN.md "The training loop").
//!
//! [`Trainer::step`] runs optimizer steps and reads nothing back; [`Trainer::evaluate`]
//! computes every clean metric of docs/methods.md ("Metrics") on the device, packs them with
//! the weight snapshot and reads them back once, asynchronously. The loss of one step is built
//! from the active methods' hooks ([`crate::engine::methods`]): the trainer knows no method by
//! name. Naive baseline (no method sets loss weights): loss = CE(fused), plus the probe heads'
//! CE on detached embeddings (they measure the encoders without changing them).

mod evaluation;
mod run;
mod step;

// Compiled in tests only (`#![cfg(test)]` in the file).
mod tests;

pub use run::{RunStatus, Trainer};
