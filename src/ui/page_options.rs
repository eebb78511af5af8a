//! What the page's address can ask for, read once at start:
//! - `?set=key.path=value` (repeatable): overrides on the starting preset, exactly as the
//!   CLI's `--set` (validated; a bad one is ignored with a notice naming it);
//! - `?backend=cpu`: start on the CPU backend even where WebGPU is available (the switch
//!   button still offers WebGPU);
//! - `?pace=N` (evaluations per second) or `?pace=max`: the pace to start at, in place of
//!   the preset's default (a run of about 20 s);
//! - `?test-hooks`: lets browser specs reach fault paths (www/boot.js defines
//!   `window.__modalscopeTestHooks`: destroy the GPU device, request a panic). Off unless
//!   named, and it changes nothing else.

use crate::engine::config::ExperimentConfig;

/// The options of the page's address.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageOptions {
    /// `key.path=value` overrides, in the address's order.
    pub overrides: Vec<String>,
    /// Start on the CPU even where WebGPU is available.
    pub prefer_cpu: bool,
    /// The test hooks are on.
    pub test_hooks: bool,
    /// `?pace=`: `Some(None)` as fast as it goes, `Some(Some(n))` n evaluations per second,
    /// `None` the preset's default.
    pub pace: Option<Option<f64>>,
}

impl PageOptions {
    /// Reads the options of a query string (with or without its leading `?`).
    pub fn from_query(query: &str) -> Self {
        let mut options = Self::default();
        for pair in query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = js_sys::decode_uri_component(&value.replace('+', " "))
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_else(|| value.to_string());
            match key {
                "set" => options.overrides.push(value),
                "backend" => options.prefer_cpu = value == "cpu",
                "test-hooks" => options.test_hooks = true,
                "pace" if value == "max" => options.pace = Some(None),
                "pace" => options.pace = value.parse::<f64>().ok().filter(|p| p.is_finite() && *p > 0.0).map(Some),
                _ => {}
            }
        }
        options
    }

    /// The options of the page's own address.
    pub fn from_location() -> Self {
        let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        Self::from_query(&search)
    }

    /// `base` with the overrides applied, each kept only if the result still validates; the
    /// second value lists the refused ones with the reason.
    pub fn configure(&self, base: ExperimentConfig) -> (ExperimentConfig, Vec<String>) {
        let mut refused = Vec::new();
        let config = self.overrides.iter().fold(base, |config, assignment| {
            match config.with_override(assignment).and_then(|c| c.validate().map(|_| c)) {
                Ok(next) => next,
                Err(e) => {
                    refused.push(format!("ignored ?set={assignment}: {e}"));
                    config
                }
            }
        });
        (config, refused)
    }
}
