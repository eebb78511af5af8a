//! One row of the knob table: a setting's path, label, help, range and scale, whether it
//! applies live, the method it belongs to and the setting it depends on.

use serde_json::Value;

use crate::engine::config::{ConfigError, ExperimentConfig};

/// How a number knob moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Even steps.
    Linear,
    /// Even steps of log10 (learning rates, strengths).
    Log,
}

/// What kind of value a knob holds.
#[derive(Clone, Debug, PartialEq)]
pub enum KnobKind {
    /// A number from `min` to `max`; whole numbers only when `integer`.
    Number {
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
        /// Granularity of the control (of log10 of the value on a log scale).
        step: f64,
        /// Linear or log.
        scale: Scale,
        /// Whole numbers only.
        integer: bool,
    },
    /// On or off.
    Toggle,
    /// One of these words.
    Choice(Vec<String>),
    /// A list of distinct names drawn from `options`, `min` to `max` of them.
    Subset {
        /// The names allowed.
        options: Vec<String>,
        /// Fewest names.
        min: usize,
        /// Most names.
        max: usize,
    },
    /// A non-empty name.
    Name,
    /// Absent (`null`) or a step number from 1 (test hooks).
    OptionalStep,
}

/// Where a knob sits on the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Section {
    /// The dataset.
    Data,
    /// The network.
    Model,
    /// Optimizer and schedule.
    Training,
    /// One method, by key.
    Method(&'static str),
    /// Constants of the derived metrics.
    Metrics,
    /// Test hooks (not shown on the page).
    Debug,
}

/// A setting another one needs: the knob is disabled, with `reason`, unless the setting at
/// `path` has the value `equals`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dependency {
    /// The path of the setting depended on.
    pub path: String,
    /// The value it must have.
    pub equals: Value,
    /// What to do to enable the knob, shown while it is disabled.
    pub reason: String,
}

/// One setting.
#[derive(Clone, Debug, PartialEq)]
pub struct Knob {
    /// Dotted path in the configuration (`train.learning_rate`, `data.synthetic.0.signal`).
    pub path: String,
    /// Short label.
    pub label: String,
    /// One or two sentences a teacher could read aloud: what it does, formula, default.
    pub help: String,
    /// The kind of value.
    pub kind: KnobKind,
    /// Live: applies at the next step of the running session. Structural: restarts the run.
    pub live: bool,
    /// The setting this one needs.
    pub depends_on: Option<Dependency>,
    /// Where it sits.
    pub section: Section,
    /// Shown under "more settings" rather than up front.
    pub advanced: bool,
}

impl Knob {
    pub(super) fn new(path: impl Into<String>, label: impl Into<String>, help: impl Into<String>, kind: KnobKind) -> Self {
        let path = path.into();
        let section = match path.split('.').next() {
            Some("data") | Some("modalities") => Section::Data,
            Some("model") => Section::Model,
            Some("metrics") => Section::Metrics,
            Some("debug") => Section::Debug,
            _ => Section::Training,
        };
        Self { path, label: label.into(), help: help.into(), kind, live: false, depends_on: None, section, advanced: false }
    }

    /// A real number from `min` to `max` (linear, 100 steps).
    pub fn number(path: impl Into<String>, label: impl Into<String>, help: impl Into<String>, min: f64, max: f64) -> Self {
        Self::new(path, label, help, KnobKind::Number { min, max, step: (max - min) / 100.0, scale: Scale::Linear, integer: false })
    }

    /// A whole number from `min` to `max`.
    pub fn count(path: impl Into<String>, label: impl Into<String>, help: impl Into<String>, min: usize, max: usize) -> Self {
        Self::new(path, label, help, KnobKind::Number { min: min as f64, max: max as f64, step: 1.0, scale: Scale::Linear, integer: true })
    }

    /// On or off.
    pub fn toggle(path: impl Into<String>, label: impl Into<String>, help: impl Into<String>) -> Self {
        Self::new(path, label, help, KnobKind::Toggle)
    }

    /// One of `options`.
    pub fn choice(path: impl Into<String>, label: impl Into<String>, help: impl Into<String>, options: &[&str]) -> Self {
        Self::new(path, label, help, KnobKind::Choice(options.iter().map(|o| o.to_string()).collect()))
    }

    /// On a log scale (steps of a quarter decade; whole numbers keep their rounding).
    pub fn log(mut self) -> Self {
        if let KnobKind::Number { scale, step, .. } = &mut self.kind {
            *scale = Scale::Log;
            *step = 0.05;
        }
        self
    }

    /// The control's granularity.
    pub fn step(mut self, value: f64) -> Self {
        if let KnobKind::Number { step, .. } = &mut self.kind {
            *step = value;
        }
        self
    }

    /// Applies at the next step without restarting the run.
    pub fn live(mut self) -> Self {
        self.live = true;
        self
    }

    /// Shown under "more settings".
    pub fn advanced(mut self) -> Self {
        self.advanced = true;
        self
    }

    /// A method's knob: in that method's section, and live (a method reconfigures, keeping
    /// its state).
    pub fn method(mut self, key: &'static str) -> Self {
        self.section = Section::Method(key);
        self.live = true;
        self
    }

    /// Disabled, saying `reason`, unless the setting at `path` equals `value`.
    pub fn needs(mut self, path: &str, value: impl Into<Value>, reason: &str) -> Self {
        self.depends_on = Some(Dependency { path: path.into(), equals: value.into(), reason: reason.into() });
        self
    }

    /// The knob's value in a configuration (as JSON; `Null` when the path is absent).
    pub fn get(&self, config: &Value) -> Value {
        config.pointer(&pointer(&self.path)).cloned().unwrap_or(Value::Null)
    }

    /// A value of the knob's kind and range other than `current` (for tests and demos;
    /// relations between fields may still refuse it).
    pub fn another_value(&self, current: &Value) -> Value {
        match &self.kind {
            KnobKind::Number { min, max, integer, .. } => {
                let mid = if *integer { ((min + max) / 2.0).round() } else { (min + max) / 2.0 };
                let v = if current.as_f64() == Some(mid) { *min } else { mid };
                if *integer { Value::from(v as u64) } else { Value::from(v) }
            }
            KnobKind::Toggle => Value::Bool(!current.as_bool().unwrap_or(false)),
            KnobKind::Choice(options) => Value::from(options.iter().find(|o| Some(o.as_str()) != current.as_str()).unwrap().as_str()),
            KnobKind::Subset { options, min, .. } => {
                let take = (*min).max(1);
                let first: Vec<Value> = options[..take].iter().map(|o| Value::from(o.as_str())).collect();
                if &Value::Array(first.clone()) == current { options[1..=take].iter().map(|o| Value::from(o.as_str())).collect() } else { Value::Array(first) }
            }
            KnobKind::Name => Value::from(format!("{}x", current.as_str().unwrap_or("m"))),
            KnobKind::OptionalStep => if current.is_null() { Value::from(3) } else { Value::Null },
        }
    }

    /// `config` with this knob set to `value` (not validated: see
    /// [`ExperimentConfig::validate`]).
    pub fn set(&self, config: &ExperimentConfig, value: Value) -> Result<ExperimentConfig, ConfigError> {
        self.set_in(serde_json::to_value(config).expect("config serializes"), value)
    }

    /// [`Self::set`] on the configuration serialized as `root`.
    fn set_in(&self, mut root: Value, value: Value) -> Result<ExperimentConfig, ConfigError> {
        *crate::engine::config::json_slot(&mut root, &self.path)? = value;
        serde_json::from_value(root).map_err(|e| ConfigError(format!("{}: {e}", self.path)))
    }

    /// `None` when the knob is usable in `config`, else why not.
    pub fn disabled_because(&self, config: &Value) -> Option<&str> {
        let dep = self.depends_on.as_ref()?;
        (config.pointer(&pointer(&dep.path)) != Some(&dep.equals)).then_some(dep.reason.as_str())
    }

    /// `None` when the knob can be used in `config`, else why not: the setting it depends on
    /// (as [`Self::disabled_because`]), or, for a toggle that is off, the reason validation
    /// would refuse turning it on (a method that cannot run with this head, or with another
    /// method that is on).
    pub fn unavailable(&self, config: &ExperimentConfig) -> Option<String> {
        self.unavailable_in(&serde_json::to_value(config).expect("config serializes"))
    }

    /// [`Self::unavailable`] of the configuration serialized as `root` (the page serializes
    /// once per change for all its controls).
    pub fn unavailable_in(&self, root: &Value) -> Option<String> {
        if let Some(reason) = self.disabled_because(root) {
            return Some(reason.to_string());
        }
        if self.kind != KnobKind::Toggle || self.get(root) != Value::Bool(false) {
            return None;
        }
        self.set_in(root.clone(), Value::Bool(true)).and_then(|on| on.validate()).err().map(|e| e.0)
    }

    /// Checks a value against the knob's kind and range; the error names the path, the value
    /// and what is allowed.
    pub fn check(&self, value: &Value) -> Result<(), ConfigError> {
        let refuse = |allowed: String| Err(ConfigError(format!("{} = {} is not allowed: {allowed}", self.path, show(value))));
        match &self.kind {
            KnobKind::Number { min, max, integer, .. } => match value.as_f64() {
                Some(v) if v.is_finite() && (*min..=*max).contains(&v) && (!integer || v.fract() == 0.0) => Ok(()),
                _ if *integer => refuse(format!("use a whole number from {min} to {max}")),
                _ => refuse(format!("use a number from {min} to {max}")),
            },
            KnobKind::Toggle => match value {
                Value::Bool(_) => Ok(()),
                _ => refuse("use true or false".into()),
            },
            KnobKind::Choice(options) => match value.as_str() {
                Some(v) if options.iter().any(|o| o == v) => Ok(()),
                _ => refuse(format!("choose from {}", options.join(", "))),
            },
            KnobKind::Subset { options, min, max } => {
                let names: Option<Vec<&str>> = value.as_array().and_then(|items| items.iter().map(Value::as_str).collect());
                let Some(names) = names else { return refuse("use a list of names".into()) };
                if let Some(unknown) = names.iter().find(|n| !options.iter().any(|o| o == *n)) {
                    return refuse(format!("{unknown:?} is not one of {}", options.join(", ")));
                }
                if let Some(twice) = names.iter().enumerate().find(|(i, n)| names[..*i].contains(n)) {
                    return refuse(format!("{:?} is named twice", twice.1));
                }
                if !(*min..=*max).contains(&names.len()) {
                    return refuse(format!("name {min} to {max} of {}", options.join(", ")));
                }
                Ok(())
            }
            KnobKind::Name => match value.as_str() {
                Some(name) if !name.trim().is_empty() => Ok(()),
                _ => refuse("use a non-empty name".into()),
            },
            KnobKind::OptionalStep => match value {
                Value::Null => Ok(()),
                v if v.as_u64().is_some_and(|s| s >= 1) => Ok(()),
                _ => refuse("use null (off) or a step number from 1".into()),
            },
        }
    }
}

pub(super) fn pointer(path: &str) -> String {
    format!("/{}", path.replace('.', "/"))
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
