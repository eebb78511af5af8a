//! The table of every setting (burn-free): path, label, help text with its formula and
//! default, range, linear or log scale, live or structural, and the setting it depends on.
//!
//! From this one table come: the range checks of [`crate::engine::config::ExperimentConfig::validate`], the line
//! between live changes and restarts ([`crate::engine::config::ExperimentConfig::take_live`]), the page's controls
//! and the configuration as text ([`encode`], [`decode`]). Each method adds its own rows
//! ([`crate::engine::methods::MethodSettings::knobs`]). A test checks that every setting of the
//! configuration has exactly one row.

mod differences;
mod knob;
mod table;
mod text;

pub use differences::{Difference, differences};
pub use knob::{Dependency, Knob, KnobKind, Scale, Section};
pub use table::{check_all, table};
pub use text::{assignments, decode, encode, escape, unescape};
