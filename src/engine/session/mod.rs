//! The one door to the engine for the web host, the CLI and the tests: a [`Session`] (one
//! run, steered by [`Command`]s, asked by borrowing queries) and a [`RunGroup`] (N sessions
//! trained in turn on identical data, initial weights and batch order: A/B, a sweep).

mod group;
mod run;

pub use group::{GroupOutcome, RunGroup, Turn};
pub use run::{Advance, Command, OnDiverging, Outcome, RunState, Session};
