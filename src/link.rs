//! The page's whole state as the text of a link's `#` (burn-free): the preset, every
//! setting that differs from it (the knob table's codec, [`knobs::assignments`]), the pace,
//! the charts' view settings, the controls a classroom link hides and whether the run plays
//! on open. The page keeps its address's hash equal to [`PageLink::encode`] of what it
//! shows, so that the address bar is always a link to the page as it is.
//!
//! ```text
//! #v=1&preset=imbalance&train.learning_rate=0.01&pace=2&smoothing=0.6&log=ogr&hide=data,model&play=0
//! ```
//!
//! - `v`: the link's schema version, [`LINK_VERSION`]. A link of another version is read as
//!   this one, and what does not fit is ignored and named (version 1 is the first; a future
//!   version that renames a key migrates it here).
//! - `preset`: the preset the settings are relative to (default `imbalance`).
//! - every other `key.path=value`: a setting, exactly as the CLI's `--set`, percent-encoded.
//! - `pace`: evaluations per second, or `max`; absent: the configuration's default pace.
//! - `smoothing`: the charts' EMA weight, 0 to 0.99 (default 0).
//! - `log`: the charts on a log scale, by id, comma-separated (absent: each chart's default).
//! - `hide`: controls hidden for a classroom, from [`HIDEABLE`].
//! - `play=0`: open paused (the page plays on open by default).
//!
//! [`PageLink::decode`] never fails and never panics: each part it cannot read is ignored
//! and named with the reason, and that part keeps its default; [`ignored_message`] says so
//! in at most [`MESSAGE_LIMIT`] characters.

use crate::engine::config::{ExperimentConfig, knobs};
use crate::engine::presets::{default_pace, preset, preset_names};
use crate::plot::ChartKind;

/// The schema version a link carries (`v=`).
pub const LINK_VERSION: u32 = 1;

/// The preset a link without `preset=` starts from (the page's first preset).
pub const DEFAULT_PRESET: &str = "imbalance";

/// Controls a link can hide (`hide=`): the preset selector and the groups of settings.
pub const HIDEABLE: [&str; 5] = ["preset", "data", "model", "training", "methods"];

/// A hash longer than this is not one the page wrote (its longest, every setting changed,
/// is a few kB): it is ignored whole rather than read part by part.
pub const HASH_LIMIT: usize = 16 * 1024;

/// At most this many parts are read; beyond, the rest is ignored.
pub const PARTS_LIMIT: usize = 400;

/// The longest message [`ignored_message`] writes, in characters.
pub const MESSAGE_LIMIT: usize = 200;

/// Smoothing weights a link may carry.
const SMOOTHING: std::ops::RangeInclusive<f64> = 0.0..=0.99;

/// Paces a link may carry, evaluations per second.
const PACE: std::ops::RangeInclusive<f64> = 0.01..=1000.0;

/// Everything a link carries.
#[derive(Clone, Debug, PartialEq)]
pub struct PageLink {
    /// The preset chosen last (its story card shows; settings are relative to it).
    pub preset: String,
    /// The configuration that runs.
    pub config: ExperimentConfig,
    /// Evaluations per second; `None` as fast as the machine goes.
    pub pace: Option<f64>,
    /// The charts' EMA smoothing weight.
    pub smoothing: f64,
    /// Ids of the charts on a log scale ([`ChartKind::id`]), in page order.
    pub log_charts: Vec<String>,
    /// Hidden controls, from [`HIDEABLE`], in its order.
    pub hidden: Vec<String>,
    /// Whether the run plays on open.
    pub play: bool,
}

/// A part of a link that was not used, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Ignored {
    /// The part (or the key), as given.
    pub part: String,
    /// Why it was ignored.
    pub why: String,
}

impl Ignored {
    fn new(part: impl Into<String>, why: impl Into<String>) -> Self {
        Ignored { part: part.into(), why: why.into() }
    }
}

/// The charts on a log scale unless a link says otherwise.
pub fn default_log_charts() -> Vec<String> {
    ChartKind::all().iter().filter(|k| k.log_by_default()).map(|k| k.id().to_string()).collect()
}

/// A preset's configuration as it runs (what its data source fixes filled in).
fn preset_config(name: &str) -> Option<ExperimentConfig> {
    preset(name).map(ExperimentConfig::normalised)
}

impl PageLink {
    /// The page as a preset opens it: its configuration and default pace, no smoothing,
    /// each chart's default scale, nothing hidden, playing.
    pub fn of_preset(name: &str) -> Option<Self> {
        let config = preset_config(name)?;
        Some(PageLink {
            preset: name.to_string(),
            pace: Some(default_pace(&config)),
            config,
            smoothing: 0.0,
            log_charts: default_log_charts(),
            hidden: Vec::new(),
            play: true,
        })
    }

    /// The text after `#`: the version, the preset, then only what differs from the preset's
    /// defaults.
    pub fn encode(&self) -> String {
        let base = preset_config(&self.preset).unwrap_or_default();
        let mut parts = vec![format!("v={LINK_VERSION}"), format!("preset={}", knobs::escape(&self.preset))];
        parts.extend(knobs::assignments(&base, &self.config).into_iter().map(|(path, value)| format!("{path}={}", knobs::escape(&value))));
        if self.pace != Some(default_pace(&self.config)) {
            parts.push(format!("pace={}", self.pace.map(|p| p.to_string()).unwrap_or_else(|| "max".into())));
        }
        if self.smoothing != 0.0 {
            parts.push(format!("smoothing={}", self.smoothing));
        }
        if self.log_charts != default_log_charts() {
            parts.push(format!("log={}", self.log_charts.join(",")));
        }
        if !self.hidden.is_empty() {
            parts.push(format!("hide={}", self.hidden.join(",")));
        }
        if !self.play {
            parts.push("play=0".into());
        }
        parts.join("&")
    }

    /// The page a hash describes (with or without its `#`), and the parts ignored. Whatever
    /// the text, this returns a valid link: a part that cannot be read keeps its default.
    pub fn decode(hash: &str) -> (Self, Vec<Ignored>) {
        let text = hash.strip_prefix('#').unwrap_or(hash);
        let mut ignored = Vec::new();
        if text.len() > HASH_LIMIT {
            ignored.push(Ignored::new(format!("the whole link ({} kB)", text.len() / 1024), format!("longer than any link this page writes ({} kB)", HASH_LIMIT / 1024)));
            return (Self::of_preset(DEFAULT_PRESET).expect("default preset"), ignored);
        }
        let mut parts: Vec<(String, String)> = Vec::new();
        for (i, raw) in text.split('&').filter(|p| !p.is_empty()).enumerate() {
            if i == PARTS_LIMIT {
                ignored.push(Ignored::new(format!("parts beyond the first {PARTS_LIMIT}"), "too many"));
                break;
            }
            let (key, value) = raw.split_once('=').unwrap_or((raw, ""));
            match (knobs::unescape(key), knobs::unescape(value)) {
                (Ok(key), Ok(value)) if !key.is_empty() => parts.push((key, value)),
                (Ok(_), Ok(_)) => ignored.push(Ignored::new(raw, "no name before =")),
                _ => ignored.push(Ignored::new(raw, "bad %-encoding")),
            }
        }
        let take = |name: &str, parts: &mut Vec<(String, String)>| {
            let mut found = None;
            parts.retain(|(k, v)| if k == name { found = Some(v.clone()); false } else { true });
            found
        };
        match take("v", &mut parts) {
            Some(v) if v == LINK_VERSION.to_string() => {}
            Some(v) => ignored.push(Ignored::new(format!("v={v}"), format!("not a version this page knows: read as version {LINK_VERSION}"))),
            None if !parts.is_empty() => ignored.push(Ignored::new("v", format!("missing: read as version {LINK_VERSION}"))),
            None => {}
        }
        let name = take("preset", &mut parts).unwrap_or_else(|| DEFAULT_PRESET.into());
        let mut link = Self::of_preset(&name).unwrap_or_else(|| {
            ignored.push(Ignored::new(format!("preset={name}"), format!("no such preset ({})", preset_names())));
            Self::of_preset(DEFAULT_PRESET).expect("default preset")
        });
        let pace = take("pace", &mut parts);
        let smoothing = take("smoothing", &mut parts);
        let log = take("log", &mut parts);
        let hide = take("hide", &mut parts);
        let play = take("play", &mut parts);
        link.config = configured(link.config.clone(), &parts, &mut ignored);
        link.pace = match pace.as_deref() {
            None => Some(default_pace(&link.config)),
            Some("max") => None,
            Some(text) => Some(number_in(text, PACE).unwrap_or_else(|why| {
                ignored.push(Ignored::new(format!("pace={text}"), why));
                default_pace(&link.config)
            })),
        };
        if let Some(text) = smoothing {
            match number_in(&text, SMOOTHING) {
                Ok(w) => link.smoothing = w,
                Err(why) => ignored.push(Ignored::new(format!("smoothing={text}"), why)),
            }
        }
        if let Some(text) = log {
            let ids: Vec<&str> = ChartKind::all().iter().map(|k| k.id()).collect();
            link.log_charts = names_in(&text, &ids, "log", &mut ignored);
        }
        if let Some(text) = hide {
            link.hidden = names_in(&text, &HIDEABLE, "hide", &mut ignored);
        }
        match play.as_deref() {
            None | Some("1") | Some("true") => {}
            Some("0") | Some("false") => link.play = false,
            Some(other) => ignored.push(Ignored::new(format!("play={other}"), "use 0 or 1")),
        }
        (link, ignored)
    }

    /// The CLI command that trains this configuration: `modalscope run --preset P --set …`
    /// (each value quoted for a POSIX shell).
    pub fn cli_command(&self) -> String {
        let base = preset_config(&self.preset).unwrap_or_default();
        let mut words = vec!["modalscope".to_string(), "run".into(), "--preset".into(), shell_word(&self.preset)];
        for (path, value) in knobs::assignments(&base, &self.config) {
            words.push("--set".into());
            words.push(shell_word(&format!("{path}={value}")));
        }
        words.push("--out".into());
        words.push(shell_word(&format!("runs/{}", self.preset)));
        words.join(" ")
    }
}

/// `base` with the settings `parts` name. Each part the configuration cannot take (an
/// unknown key, a value of the wrong kind) is ignored; if the rest together is refused by
/// validation, they are applied one at a time and each kept only while the result validates.
fn configured(base: ExperimentConfig, parts: &[(String, String)], ignored: &mut Vec<Ignored>) -> ExperimentConfig {
    let mut readable = Vec::new();
    let mut all = base.clone();
    for (key, value) in parts {
        match all.with_override(&format!("{key}={value}")) {
            Ok(next) => {
                all = next;
                readable.push((key, value));
            }
            Err(e) => ignored.push(Ignored::new(format!("{key}={value}"), e.0)),
        }
    }
    if all.validate().is_ok() {
        return all.normalised();
    }
    let mut config = base;
    for (key, value) in readable {
        match config.with_override(&format!("{key}={value}")).and_then(|next| next.validate().map(|_| next)) {
            Ok(next) => config = next,
            Err(e) => ignored.push(Ignored::new(format!("{key}={value}"), e.0)),
        }
    }
    config.normalised()
}

/// `current` with `name` in it (`on`) or out of it, in `known`'s order: how the page turns
/// a chart's log scale or a hidden control on and off, so that a link names them in one
/// order whatever the order of the clicks.
pub fn with_name(known: &[&str], current: &[String], name: &str, on: bool) -> Vec<String> {
    known.iter().filter(|k| if **k == name { on } else { current.iter().any(|c| c == *k) }).map(|k| k.to_string()).collect()
}

/// `text` as a number within `range`, or why not.
fn number_in(text: &str, range: std::ops::RangeInclusive<f64>) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => Err(format!("use a number from {} to {}", range.start(), range.end())),
    }
}

/// The comma-separated names of `text` that are in `known`, in `known`'s order; the others
/// are ignored and named.
fn names_in(text: &str, known: &[&str], key: &str, ignored: &mut Vec<Ignored>) -> Vec<String> {
    let given: Vec<&str> = text.split(',').filter(|s| !s.is_empty()).collect();
    for unknown in given.iter().filter(|g| !known.contains(g)) {
        ignored.push(Ignored::new(format!("{key}={unknown}"), format!("not one of {}", known.join(", "))));
    }
    known.iter().filter(|k| given.contains(k)).map(|k| k.to_string()).collect()
}

/// `word` quoted for a POSIX shell where it needs it.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-=/,:".contains(&b));
    if plain { word.to_string() } else { format!("'{}'", word.replace('\'', "'\\''")) }
}

/// One short sentence naming what a link had that the page ignored (defaults used for it),
/// at most [`MESSAGE_LIMIT`] characters; `None` when nothing was ignored.
pub fn ignored_message(ignored: &[Ignored]) -> Option<String> {
    let cut = |text: &str, most: usize| {
        let printable: String = text.chars().map(|c| if c.is_control() { '·' } else { c }).collect();
        if printable.chars().count() <= most { printable } else { format!("{}…", printable.chars().take(most - 1).collect::<String>()) }
    };
    let first = ignored.first()?;
    let head = "From the link, ignored (defaults used): ";
    let mut text = format!("{head}{} ({})", cut(&first.part, 40), cut(&first.why, 60));
    for (i, item) in ignored.iter().enumerate().skip(1) {
        let next = format!("; {} ({})", cut(&item.part, 30), cut(&item.why, 40));
        let more = format!("; and {} more", ignored.len() - i);
        if text.chars().count() + next.chars().count() + more.chars().count() > MESSAGE_LIMIT - 1 {
            text.push_str(&more);
            break;
        }
        text.push_str(&next);
    }
    text.push('.');
    Some(cut(&text, MESSAGE_LIMIT))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::presets::PRESETS;

    #[test]
    fn a_preset_as_opened_is_its_name_alone() {
        for name in PRESETS.iter().map(|p| p.name) {
            let link = PageLink::of_preset(name).unwrap();
            assert_eq!(link.encode(), format!("v=1&preset={name}"));
            assert_eq!(PageLink::decode(&format!("#{}", link.encode())), (link, vec![]));
        }
        assert_eq!(PageLink::decode(""), (PageLink::of_preset(DEFAULT_PRESET).unwrap(), vec![]), "no hash, no message");
    }

    #[test]
    fn every_part_round_trips() {
        let mut link = PageLink::of_preset("ogm-ge").unwrap();
        link.config = link.config.with_override("train.learning_rate=0.0125").unwrap().with_override("methods.fusion_dropout.enabled=true").unwrap();
        link.pace = None;
        link.smoothing = 0.6;
        link.log_charts = vec!["loss".into()];
        link.hidden = vec!["data".into(), "methods".into()];
        link.play = false;
        let text = link.encode();
        assert!(text.contains("pace=max") && text.contains("play=0") && text.contains("hide=data,methods"), "{text}");
        assert_eq!(PageLink::decode(&text), (link.clone(), vec![]));
        link.log_charts.clear();
        assert!(link.encode().contains("log=&") || link.encode().ends_with("log="), "no chart on log is written");
        assert_eq!(PageLink::decode(&link.encode()).0, link);
    }

    #[test]
    fn an_unreadable_part_is_named_and_the_rest_kept() {
        let (link, ignored) = PageLink::decode("#v=1&preset=balanced&train.learning_rate=0.02&train.lr=3&pace=fast&log=ogr,nope&hide=data,%ZZ&play=maybe");
        assert_eq!(link.preset, "balanced");
        assert_eq!(link.config.train.learning_rate, 0.02);
        assert_eq!(link.pace, Some(default_pace(&link.config)));
        assert_eq!(link.log_charts, vec!["ogr"]);
        assert!(link.hidden.is_empty(), "the bad hide part is dropped whole: {ignored:?}");
        let parts: Vec<&str> = ignored.iter().map(|i| i.part.as_str()).collect();
        assert_eq!(parts, ["hide=data,%ZZ", "train.lr=3", "pace=fast", "log=nope", "play=maybe"]);
        let message = ignored_message(&ignored).unwrap();
        assert!(message.chars().count() <= MESSAGE_LIMIT && message.contains("train.lr=3"), "{message}");
    }

    #[test]
    fn settings_valid_together_are_kept_together() {
        // Fewer features than informative ones is refused: both move together.
        let base = PageLink::of_preset("imbalance").unwrap();
        let mut link = base.clone();
        link.config.data.synthetic[1].dim = 2;
        link.config.data.synthetic[1].informative = 1;
        link.config.validate().unwrap();
        assert!(base.config.with_override("data.synthetic.1.dim=2").unwrap().validate().is_err(), "the smaller width alone is refused");
        assert_eq!(PageLink::decode(&link.encode()), (link, vec![]));
        // A value out of range: the rest stays.
        let (link, ignored) = PageLink::decode("v=1&train.learning_rate=20&train.epochs=7");
        assert_eq!((link.config.train.epochs, link.config.train.learning_rate), (7, base.config.train.learning_rate));
        assert_eq!(ignored.len(), 1, "{ignored:?}");
    }

    #[test]
    fn a_name_turned_on_or_off_keeps_the_known_order() {
        let current = vec!["model".to_string()];
        assert_eq!(with_name(&HIDEABLE, &current, "preset", true), ["preset", "model"]);
        assert_eq!(with_name(&HIDEABLE, &current, "model", false), Vec::<String>::new());
        assert_eq!(with_name(&HIDEABLE, &current, "data", false), ["model"]);
    }

    #[test]
    fn the_cli_command_names_each_changed_setting_quoted() {
        let mut link = PageLink::of_preset("imbalance").unwrap();
        link.config.data.synthetic[1].name = "b's view".into();
        link.config.train.learning_rate = 0.01;
        let command = link.cli_command();
        assert!(command.starts_with("modalscope run --preset imbalance --set 'data.synthetic.1.name=b'\\''s view'"), "{command}");
        assert!(command.contains("--set train.learning_rate=0.01") && command.ends_with("--out runs/imbalance"), "{command}");
    }
}
