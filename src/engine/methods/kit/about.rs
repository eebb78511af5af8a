//! A method's registration (burn-free): what the rest of the program learns about it without
//! naming it. Each method's `mod.rs` declares one [`About`]; [`METHODS`] lists them in
//! registry order, and the presets, the story cards, the charts, the validation of pairs and
//! the charts' event marks read them from there.

use crate::engine::config::ConfigError;
use crate::engine::config::knobs::Knob;
use crate::engine::methods::kit::chart::MethodChart;
use crate::engine::metrics::MethodEvent;
use crate::engine::presets::Preset;
use crate::engine::stories::Story;

/// Another method this one cannot run with, and why (docs/methods.md, "Method `ogm_ge`":
/// where the two losses differ).
pub struct Refusal {
    /// The other method's key.
    pub other: &'static str,
    /// Why, completing "methods.<this> and methods.<other> …".
    pub why: &'static str,
}

/// One method, as the burn-free layers see it.
pub struct About {
    /// The method's key (its folder, its config key under `methods`, its name in the
    /// output).
    pub key: &'static str,
    /// The presets it brings, in menu order; they follow the first preset in the menu (the
    /// phenomenon they address).
    pub presets: &'static [Preset],
    /// The story card of each of its presets.
    pub stories: &'static [Story],
    /// Its chart, drawn while it is on.
    pub chart: Option<&'static MethodChart>,
    /// The methods it cannot run with.
    pub refuses: &'static [Refusal],
    /// It owns trainable layers (`Method::layers`): switching it changes the network, so its
    /// `enabled` knob restarts the run ([`table_rows`]).
    pub owns_layers: bool,
    /// While it is on, the unimodal heads' losses reach the encoders (attached): the charts
    /// and cards call them "head a", not "a's probe".
    pub trains_unimodal_heads: bool,
    /// The parts of the network it acts on, each with a short tag, marked on the page's
    /// model diagram while it is on.
    pub acts_on: &'static [(Part, &'static str)],
    /// How one of its events, recorded with the evaluation of step `step`, shows in the page;
    /// `None` when the event is not its own.
    pub events: fn(event: &MethodEvent, step: usize) -> Option<EventShown>,
}

/// A part of the network, as the page's model diagram draws it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Each modality's input (before its encoder).
    Inputs,
    /// Each modality's encoder.
    Encoders,
    /// The fusion of the embeddings.
    Fusion,
    /// The fused head.
    FusedHead,
    /// Each modality's unimodal head (its probe).
    UnimodalHeads,
    /// Every weight.
    Weights,
}

/// How a method's event shows in the page.
pub struct EventShown {
    /// Marks on every chart: an x value and a short label each.
    pub marks: Vec<(f64, String)>,
    /// A notice to the user, in a sentence.
    pub notice: Option<String>,
}

/// The `events` of a method whose events show nothing beyond its own chart.
pub fn no_events(_event: &MethodEvent, _step: usize) -> Option<EventShown> {
    None
}

macro_rules! define_about {
    ($($key:ident: $settings:ident),* $(,)?) => {
        /// Every method's registration, in registry order.
        pub const METHODS: &[&About] = &[$(&crate::engine::methods::$key::ABOUT),*];
    };
}

crate::for_each_method!(define_about);

/// The method registered as `key`.
pub fn about(key: &str) -> Option<&'static About> {
    METHODS.iter().copied().find(|m| m.key == key)
}

/// The first pair among the methods `enabled` that a registration refuses, as an error that
/// names both and says why.
pub fn refused_pair(enabled: &[&str]) -> Result<(), ConfigError> {
    for method in METHODS.iter().filter(|m| enabled.contains(&m.key)) {
        if let Some(refusal) = method.refuses.iter().find(|r| enabled.contains(&r.other)) {
            return Err(ConfigError(format!("methods.{} and methods.{} {}: turn one off", method.key, refusal.other, refusal.why)));
        }
    }
    Ok(())
}

/// A method's knob rows as the table holds them: the `enabled` switch of a method that owns
/// layers restarts the run (its network changes); every other row applies live.
pub fn table_rows(about: &About, rows: Vec<Knob>) -> Vec<Knob> {
    let switch = format!("methods.{}.enabled", about.key);
    rows.into_iter()
        .map(|mut row| {
            if about.owns_layers && row.path == switch {
                row.live = false;
            }
            row
        })
        .collect()
}

/// How an event of a method shows ([`About::events`] of the method it belongs to); nothing
/// for an event no method claims.
pub fn shown(event: &MethodEvent, step: usize) -> EventShown {
    METHODS.iter().find_map(|m| (m.events)(event, step)).unwrap_or(EventShown { marks: Vec::new(), notice: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_of_a_method_that_owns_layers_restarts_the_run() {
        let rows = || vec![Knob::toggle("methods.m.enabled", "m", "").method("m"), Knob::number("methods.m.x", "x", "", 0.0, 1.0).method("m")];
        let about = |owns_layers| About { key: "m", presets: &[], stories: &[], chart: None, refuses: &[], owns_layers, trains_unimodal_heads: false, acts_on: &[], events: no_events };
        let live = |owns: bool| table_rows(&about(owns), rows()).iter().map(|k| k.live).collect::<Vec<bool>>();
        assert_eq!(live(true), [false, true], "the switch restarts, the other settings stay live");
        assert_eq!(live(false), [true, true]);
    }
}
