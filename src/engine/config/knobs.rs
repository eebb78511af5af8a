//! The table of every setting (burn-free): path, label, help text with its formula and
//! default, range, linear or log scale, live or structural, and the setting it depends on.
//!
//! From this one table come: the range checks of [`ExperimentConfig::validate`], the line
//! between live changes and restarts ([`ExperimentConfig::take_live`]), the page's controls
//! and the configuration as text ([`encode`], [`decode`]). Each method adds its own rows
//! ([`crate::engine::methods::MethodSettings::knobs`]). A test checks that every setting of the
//! configuration has exactly one row.

use serde_json::Value;

use crate::engine::methods::MethodsConfig;
use super::{ConfigError, ExperimentConfig, MFEAT_VIEWS};

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
    fn new(path: impl Into<String>, label: impl Into<String>, help: impl Into<String>, kind: KnobKind) -> Self {
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
        let mut root = serde_json::to_value(config).expect("config serializes");
        *super::json_slot(&mut root, &self.path)? = value;
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
        let root = serde_json::to_value(config).expect("config serializes");
        if let Some(reason) = self.disabled_because(&root) {
            return Some(reason.to_string());
        }
        if self.kind != KnobKind::Toggle || self.get(&root) != Value::Bool(false) {
            return None;
        }
        match self.set(config, Value::Bool(true)).and_then(|on| on.validate()) {
            Ok(()) => None,
            Err(e) => Some(e.0),
        }
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

fn pointer(path: &str) -> String {
    format!("/{}", path.replace('.', "/"))
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every knob of `config`, in page order: data (with a row set per synthetic modality),
/// model, training, each method, metrics, test hooks.
pub fn table(config: &ExperimentConfig) -> Vec<Knob> {
    let synthetic = ("data.source", "synthetic", "choose a synthetic dataset");
    let mut rows = vec![
        Knob::choice("data.source", "dataset", "synthetic: generated from the knobs below; mfeat: UCI handwritten digits, six feature views (default synthetic).", &["synthetic", "mfeat"]),
        Knob::choice("data.variant", "synthetic variant",
            "independent: each modality shows the class through its own class means; shortcut: one modality shows the class on the training split only; interaction: the label is the sum of one latent code per modality modulo the classes, so each alone is at chance.",
            &["independent", "shortcut", "interaction"])
            .needs(synthetic.0, synthetic.1, synthetic.2),
        Knob::count("data.classes", "classes", "Number of classes of the synthetic data (default 4; mfeat has 10).", 2, 64)
            .needs(synthetic.0, synthetic.1, synthetic.2),
        Knob::count("data.train_size", "training samples",
            "Samples the model trains on; a further 10 % of the training split is drawn and held out as V (for Gradient-Blending). Fewer samples overfit sooner (default 400).", 10, 200_000)
            .log(),
        Knob::number("data.label_noise", "label noise",
            "Probability that a training label is replaced by a uniformly random class. Memorising these is pure overfitting (default 0).", 0.0, 1.0)
            .step(0.05),
        Knob::count("data.val_size", "validation samples", "Size of the validation split, on which L^V, the gap and OGR are measured (default 200).", 10, 100_000)
            .log()
            .advanced(),
        Knob::count("data.test_size", "test samples", "Size of the test split, used only for the best checkpoint's test accuracy (default 200).", 0, 100_000)
            .advanced(),
        Knob::number("data.holdout_fraction", "held-out fraction V",
            "Fraction of the training split held out as V for Gradient-Blending's weight estimation, removed from every run so that runs compare on identical data (default 0.1).", 0.0, 0.5)
            .step(0.05)
            .advanced(),
    ];
    let names: Vec<String> = config.data.synthetic.iter().map(|m| m.name.clone()).collect();
    rows.push(
        Knob::new("data.shortcut_modality", "shortcut modality", "The modality that shows the class on the training split only (variant shortcut; default b).",
            KnobKind::Choice(names.clone()))
            .needs("data.variant", "shortcut", "choose the shortcut variant")
            .advanced(),
    );
    for (i, name) in names.iter().enumerate() {
        let path = |field: &str| format!("data.synthetic.{i}.{field}");
        let needs = |knob: Knob| knob.needs(synthetic.0, synthetic.1, synthetic.2);
        rows.extend([
            needs(Knob::number(path("signal"), format!("{name}: signal"),
                "Scale of this modality's class means: higher makes the class easier to read from this modality alone (default 1).", 0.0, 100.0)
                .step(0.05)),
            needs(Knob::number(path("noise"), format!("{name}: noise"), "Standard deviation of the Gaussian noise on every feature of this modality (default 1).", 0.0, 100.0)
                .step(0.05)),
            needs(Knob::count(path("dim"), format!("{name}: features"), "Number of features of this modality (default 16).", 1, 4096).log().advanced()),
            needs(Knob::count(path("informative"), format!("{name}: informative features"),
                "How many of the features carry the class signal; the rest are nuisance noise (default all).", 1, 4096).log().advanced()),
            needs(Knob::new(path("name"), format!("{name}: name"), "The modality's name in charts and the output (\"fused\" is reserved).", KnobKind::Name).advanced()),
        ]);
    }
    rows.push(
        Knob::new("data.views", "mfeat views", "The feature views used as modalities, one to four (fou 76, fac 216, kar 64, pix 240, zer 47, mor 6 features).",
            KnobKind::Subset { options: MFEAT_VIEWS.iter().map(|(n, _)| n.to_string()).collect(), min: 1, max: 4 })
            .needs("data.source", "mfeat", "choose the mfeat dataset"),
    );
    rows.push(
        Knob::new("modalities", "modalities in use",
            "Train on these modalities only (none ticked = all). One alone trains a unimodal model on identical data; its fused head is then that modality's own head.",
            KnobKind::Subset { options: config.source_modality_names(), min: 0, max: 4 })
            .advanced(),
    );
    rows.extend([
        Knob::choice("model.fusion", "fusion",
            "How the embeddings combine: concat [z_a; z_b], sum z_a + z_b, gated Σ g_m z_m with a learned softmax gate, tfn W·vec(⊗_m [z_m; 1]) (every product of features: multiplicative interactions, d_out·Π(d_m+1) weights) or lmf, its rank-r factorisation Σ_i λ_i ⊙_m ([z_m; 1]·W_m⁽ⁱ⁾) with r·Σ(d_m+1)·d_out weights; d_out = the encoder width (default concat).",
            &["concat", "sum", "gated", "lmf", "tfn"]),
        Knob::count("model.rank", "LMF rank r",
            "Rank of the low-rank fusion: r modality-specific factors per modality (default 4; the paper's grid 1, 4, 8, 16). LMF is smaller than TFN only while r ≪ Π(d_m+1)/Σ(d_m+1).", 1, 64)
            .needs("model.fusion", "lmf", "choose the lmf fusion"),
        Knob::count("model.fusion_hidden", "fused head hidden units",
            "0 = a linear fused head (additive across modalities: it cannot learn an interaction); more = one hidden ReLU layer (default 0).", 0, 4096)
            .step(16.0),
        Knob::count("model.encoder_width", "encoder width", "Units per encoder layer; also each modality's embedding size (default 64).", 1, 1024).log(),
        Knob::count("model.encoder_depth", "encoder depth", "Linear + ReLU layers per modality encoder (default 2).", 1, 8),
        Knob::choice("train.optimizer", "optimizer",
            "Adam rescales every gradient; SGD with momentum follows it directly. Weight decay is the L2 method (default adam).", &["adam", "sgd"]),
        Knob::number("train.learning_rate", "learning rate", "Step size of the optimizer (default 0.001).", 1e-7, 10.0).log().live(),
        Knob::number("train.momentum", "SGD momentum", "Momentum of SGD (default 0.9).", 0.0, 0.999)
            .step(0.01)
            .needs("train.optimizer", "sgd", "choose the SGD optimizer")
            .advanced(),
        Knob::count("train.batch_size", "batch size", "Samples per optimizer step (default 64).", 1, 4096).log(),
        Knob::count("train.epochs", "epochs", "Run length in passes over the training split (default 100).", 1, 100_000).log().live(),
        Knob::count("train.eval_every", "evaluate every (steps, 0 = epoch)",
            "Optimizer steps between evaluations (default 0: one epoch). OGR compares consecutive evaluations, so it grows with this interval.", 0, 1_000_000)
            .live(),
        Knob::count("train.seed", "seed", "Seed of everything random: data, initial weights, batch order, masks (default 1). Another seed is another draw of the same experiment.", 0, u32::MAX as usize),
    ]);
    rows.extend(MethodsConfig::knobs());
    rows.extend([
        Knob::number("metrics.epsilon_ogr", "ε_ogr", "OGR = |ΔO/ΔG| is null (a break in the chart) when |ΔG| < ε_ogr (default 1e-4).", 0.0, 1.0)
            .live()
            .advanced(),
        Knob::number("metrics.shapley_share_min", "Shapley share threshold",
            "The Shapley share φ_m / Σ_k φ_k is null when |Σ_k φ_k| is below this (default 1e-3).", 0.0, 1.0)
            .live()
            .advanced(),
        Knob::new("debug.nan_at_step", "poison the loss at step", "Test hook: the training loss becomes NaN at this step (null: never).", KnobKind::OptionalStep)
            .live(),
    ]);
    rows
}

/// Checks every knob's value in `config`.
pub fn check_all(config: &ExperimentConfig) -> Result<(), ConfigError> {
    let root = serde_json::to_value(config).expect("config serializes");
    table(config).iter().try_for_each(|knob| knob.check(&knob.get(&root)))
}

/// The `path=value` assignments (as `--set` and [`ExperimentConfig::with_override`] read
/// them) of every knob whose value differs from `base`, in table order: applied to `base`
/// they give `config`.
pub fn assignments(base: &ExperimentConfig, config: &ExperimentConfig) -> Vec<(String, String)> {
    let (from, to) = (serde_json::to_value(base).expect("serializes"), serde_json::to_value(config).expect("serializes"));
    let mut parts = Vec::new();
    let shape_changed = base.data.synthetic.len() != config.data.synthetic.len();
    if shape_changed {
        // A different number of synthetic modalities: the whole list, then nothing per row.
        parts.push(("data.synthetic".to_string(), to["data"]["synthetic"].to_string()));
    }
    for knob in table(config) {
        let value = knob.get(&to);
        if !(shape_changed && knob.path.starts_with("data.synthetic.")) && knob.get(&from) != value {
            parts.push((knob.path, value_text(&value)));
        }
    }
    parts
}

/// One setting that differs between two configurations, as the A/B panel lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// The knob's path (`train.learning_rate`), as `--set` writes it.
    pub path: String,
    /// The knob's label ("learning rate"), or the path where no single knob names it.
    pub label: String,
    /// Its value in the first configuration (as `--set` writes it).
    pub from: String,
    /// Its value in the second.
    pub to: String,
}

/// Every knob whose value differs between `a` and `b`, in table order (b's table: a knob that
/// only one of them has, such as a third modality's row, is listed with "–" on the other side).
pub fn differences(a: &ExperimentConfig, b: &ExperimentConfig) -> Vec<Difference> {
    let (from, to) = (serde_json::to_value(a).expect("serializes"), serde_json::to_value(b).expect("serializes"));
    let mut rows = table(b);
    for knob in table(a) {
        if !rows.iter().any(|k| k.path == knob.path) {
            rows.push(knob);
        }
    }
    let text = |knob: &Knob, root: &Value| match root.pointer(&pointer(&knob.path)) {
        None => "–".to_string(),
        // A subset with none ticked means all of them ("modalities in use").
        Some(Value::Array(items)) if items.is_empty() && matches!(knob.kind, KnobKind::Subset { .. }) => "all".to_string(),
        Some(value) => value_text(value),
    };
    rows.iter()
        .filter(|knob| knob.get(&from) != knob.get(&to))
        .map(|knob| Difference { path: knob.path.clone(), label: knob.label.clone(), from: text(knob, &from), to: text(knob, &to) })
        .collect()
}

/// `config` as text: the [`assignments`] joined by `&`, values percent-encoded where
/// needed. [`decode`] on the same base gives `config` back.
pub fn encode(base: &ExperimentConfig, config: &ExperimentConfig) -> String {
    assignments(base, config).iter().map(|(path, value)| format!("{path}={}", escape(value))).collect::<Vec<_>>().join("&")
}

/// The configuration that [`encode`] described, from `base`, validated.
pub fn decode(base: &ExperimentConfig, text: &str) -> Result<ExperimentConfig, ConfigError> {
    let mut config = base.clone();
    for part in text.split('&').filter(|p| !p.is_empty()) {
        let (path, value) = part.split_once('=').ok_or_else(|| ConfigError(format!("{part}: expected path=value")))?;
        config = config.with_override(&format!("{path}={}", unescape(value)?))?;
    }
    config.validate()?;
    Ok(config)
}

/// A value as `with_override` reads it back: plain words and numbers as they are, lists of
/// plain names comma-separated, anything else as JSON.
fn value_text(value: &Value) -> String {
    let plain = |s: &str| !s.is_empty() && !s.contains(',') && serde_json::from_str::<Value>(s).is_err() && s.trim() == s;
    match value {
        Value::String(s) if plain(s) => s.clone(),
        Value::Array(items) if !items.is_empty() && items.iter().all(|i| i.as_str().is_some_and(plain)) => {
            items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")
        }
        other => other.to_string(),
    }
}

/// `text` with every byte but letters, digits and `.-_,:` percent-encoded.
pub fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b',' | b':' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The text [`escape`] encoded; a bad `%`-escape or bytes that are not UTF-8 are an error.
pub fn unescape(text: &str) -> Result<String, ConfigError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            out.push(hex.ok_or_else(|| ConfigError(format!("{text}: a bad %-escape")))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ConfigError(format!("{text}: not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::presets::{PRESETS, preset};

    #[test]
    fn differences_name_each_changed_knob_with_both_values() {
        let a = preset("imbalance").unwrap();
        assert!(differences(&a, &a).is_empty());
        let b = a.with_override("train.learning_rate=0.01").unwrap().with_override("methods.ogm_ge.enabled=true").unwrap();
        let listed = differences(&a, &b);
        let lr = listed.iter().find(|d| d.label == "learning rate").expect("the learning rate is listed");
        assert_eq!((lr.from.as_str(), lr.to.as_str()), ("0.001", "0.01"));
        assert_eq!(listed.len(), 2, "{listed:?}");
        let alone = differences(&a, &a.with_override("modalities=a").unwrap());
        assert_eq!((alone[0].label.as_str(), alone[0].from.as_str(), alone[0].to.as_str()), ("modalities in use", "all", "a"), "none ticked is all");
        let mut three = a.clone();
        three.data.synthetic.push(crate::engine::config::SyntheticModality { name: "c".into(), ..Default::default() });
        let listed = differences(&a, &three);
        assert!(listed.iter().any(|d| d.from == "–" && d.to == "c"), "a row only B has shows – for A: {listed:?}");
        assert!(differences(&three, &a).iter().any(|d| d.from == "c" && d.to == "–"), "and the other way round");
    }

    /// Every path to a leaf of the configuration (lists of names count as one leaf).
    fn leaves(value: &Value, path: String, out: &mut Vec<String>) {
        let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| leaves(v, join(k), out)),
            Value::Array(items) if items.iter().any(Value::is_object) => {
                items.iter().enumerate().for_each(|(i, v)| leaves(v, join(&i.to_string()), out))
            }
            _ => out.push(path),
        }
    }

    fn configs() -> Vec<ExperimentConfig> {
        PRESETS.iter().map(|p| (p.build)()).chain([ExperimentConfig::default()]).collect()
    }

    #[test]
    fn every_setting_has_exactly_one_knob() {
        for config in configs() {
            let mut paths = Vec::new();
            leaves(&serde_json::to_value(&config).unwrap(), String::new(), &mut paths);
            let mut knobs: Vec<String> = table(&config).into_iter().map(|k| k.path).collect();
            let count = knobs.len();
            knobs.sort();
            knobs.dedup();
            assert_eq!(knobs.len(), count, "a path has two knobs");
            paths.sort();
            assert_eq!(knobs, paths, "knob paths vs configuration leaves");
        }
    }

    #[test]
    fn every_method_contributes_knobs_in_its_own_section() {
        let rows = MethodsConfig::knobs();
        for name in MethodsConfig::NAMES {
            let own: Vec<&Knob> = rows.iter().filter(|k| k.section == Section::Method(name)).collect();
            assert!(own.iter().any(|k| k.path == format!("methods.{name}.enabled") && k.kind == KnobKind::Toggle), "{name}");
            assert!(own.iter().all(|k| k.path.starts_with(&format!("methods.{name}.")) && k.live), "{name}");
        }
    }

    #[test]
    fn text_round_trips_every_knob_of_every_preset() {
        let mut checked = 0;
        for base in configs() {
            assert_eq!(encode(&base, &base), "", "nothing changed, nothing written");
            let root = serde_json::to_value(&base).unwrap();
            for knob in table(&base) {
                let changed = knob.set(&base, knob.another_value(&knob.get(&root))).unwrap();
                if changed.validate().is_err() {
                    continue; // a relation between fields (informative ≤ features, mfeat's 2000 samples)
                }
                let text = encode(&base, &changed);
                assert!(text.starts_with(&format!("{}=", knob.path)), "{text}");
                assert_eq!(decode(&base, &text).unwrap(), changed, "{text}");
                checked += 1;
            }
        }
        assert!(checked > 150, "only {checked} changes were valid");
        // Several changes at once, names with reserved characters and a new modality count.
        let base = ExperimentConfig::default();
        let mut changed = base.with_override("train.learning_rate=0.0025").unwrap().with_override("modalities=b").unwrap();
        changed.data.synthetic[1].name = "b & c=1%".into();
        changed.modalities = vec!["b & c=1%".into()];
        changed.data.shortcut_modality = "b & c=1%".into();
        changed.data.synthetic.push(crate::engine::config::SyntheticModality { name: "third, odd".into(), ..Default::default() });
        let text = encode(&base, &changed);
        assert!(!text.contains(' ') && text.matches('&').count() >= 2, "{text}");
        assert_eq!(decode(&base, &text).unwrap(), changed, "{text}");
    }

    #[test]
    fn a_value_out_of_its_knobs_range_is_refused_naming_it() {
        let base = preset("imbalance").unwrap();
        for (assignment, says) in [
            ("train.learning_rate=20", "use a number from 0.0000001 to 10"),
            ("model.encoder_depth=9", "use a whole number from 1 to 8"),
            ("data.label_noise=1.5", "use a number from 0 to 1"),
            ("modalities=a,a", "named twice"),
            ("methods.early_stopping.patience=0", "use a whole number from 1 to 10000"),
        ] {
            let err = base.with_override(assignment).map(|c| c.validate());
            let message = match err {
                Ok(Err(e)) | Err(e) => e.0,
                Ok(Ok(())) => panic!("{assignment} was accepted"),
            };
            let path = assignment.split('=').next().unwrap();
            assert!(message.contains(path) && message.contains(says), "{assignment}: {message}");
        }
    }

    #[test]
    fn a_knob_is_disabled_with_its_reason_while_its_dependency_is_off() {
        let config = serde_json::to_value(ExperimentConfig::default()).unwrap();
        let rows = table(&ExperimentConfig::default());
        let find = |path: &str| rows.iter().find(|k| k.path == path).unwrap();
        assert_eq!(find("methods.fusion_dropout.p").disabled_because(&config), Some("turn on dropout on the fused layer"));
        assert_eq!(find("data.views").disabled_because(&config), Some("choose the mfeat dataset"));
        assert_eq!(find("train.learning_rate").disabled_because(&config), None);
        let on = serde_json::to_value(ExperimentConfig::default().with_override("methods.fusion_dropout.enabled=true").unwrap()).unwrap();
        assert_eq!(find("methods.fusion_dropout.p").disabled_because(&on), None);
    }

    #[test]
    fn a_toggle_is_unavailable_while_turning_it_on_would_be_refused() {
        // Gradient-Blending needs V: with no held-out part its toggle says why, whatever
        // validation says; with V it is available, and an enabled toggle never is blocked.
        let without_v = ExperimentConfig::default().with_override("data.holdout_fraction=0").unwrap();
        let rows = table(&without_v);
        let toggle = rows.iter().find(|k| k.path == "methods.gradient_blending.enabled").unwrap();
        let refused = toggle.set(&without_v, Value::Bool(true)).unwrap().validate().unwrap_err();
        assert_eq!(toggle.unavailable(&without_v), Some(refused.0));
        assert_eq!(toggle.unavailable(&ExperimentConfig::default()), None);
        let p = rows.iter().find(|k| k.path == "methods.fusion_dropout.p").unwrap();
        assert_eq!(p.unavailable(&without_v).as_deref(), Some("turn on dropout on the fused layer"), "a dependency comes first");
    }
}
