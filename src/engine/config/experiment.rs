//! The whole experiment (data, model, training, methods, metric constants, test hooks), its
//! validation, and how it is layered: a preset, a config file, `--set` overrides, live changes.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::data::{DataConfig, DataSource, SyntheticModality};
use super::error::{ConfigError, check_count, invalid, with_hint};
use super::model::{FusionKind, ModelConfig, TFN_MAX_WEIGHTS, TensorFusionSize};
use super::paths::{current_path, current_tables, json_slot, merge_json};
use super::train::TrainConfig;
use super::knobs;
use crate::engine::methods::MethodsConfig;

/// Version of the configuration and output schema written by the CLI and the exports.
pub const SCHEMA_VERSION: u32 = 4;

/// The head name reserved for the fused model; no modality may be called this.
pub const FUSED: &str = "fused";

/// The whole experiment: data, model, training and methods.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ExperimentConfig {
    /// The dataset and its knobs.
    pub data: DataConfig,
    /// The network: encoders, fusion and heads.
    pub model: ModelConfig,
    /// Optimizer, batch size, run length and evaluation interval.
    pub train: TrainConfig,
    /// The training methods (regularizers, loss weighting, gradient modulation, early
    /// stopping), each off unless enabled. Read from `regularizers` too, its name before
    /// schema version 3.
    #[serde(alias = "regularizers")]
    pub methods: MethodsConfig,
    /// Constants of the derived metrics (docs/methods.md, "Metrics").
    pub metrics: MetricsConfig,
    /// Modalities in use, by name; empty means all of them. One name trains a unimodal model
    /// on identical data (its `fused` head is then that modality's own head).
    pub modalities: Vec<String>,
    /// Test hooks for fault paths; all off by default.
    pub debug: DebugConfig,
}

/// The named constants of the derived metrics (docs/methods.md: every constant is a field).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// OGR is null when the validation-loss change |ΔG| is below this (default 1e-4).
    pub epsilon_ogr: f64,
    /// The Shapley share φ_m / Σ_k φ_k is null when |Σ_k φ_k| is below this (default 1e-3).
    pub shapley_share_min: f64,
    /// What replaces a modality's input when the fused head is measured with it missing
    /// (`heads.fused.missing.<m>`; default its training mean).
    pub missing_as: MissingAs,
}

/// What stands in for a missing modality's input at test time.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum MissingAs {
    /// Its training mean, feature by feature (the sensor is off: nothing is known).
    #[default]
    Mean,
    /// Gaussian noise with each feature's training mean and standard deviation, drawn once
    /// per run from the seed (the sensor is broken: it sends plausible garbage).
    Noise,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self { epsilon_ogr: crate::engine::metrics::ogr::EPSILON_OGR, shapley_share_min: 1e-3, missing_as: MissingAs::Mean }
    }
}

/// Test hooks that make fault paths reachable (a user never needs them). All off by default.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DebugConfig {
    /// Poison the training loss with NaN at this optimizer step (1 = the first step), so
    /// that divergence handling can be tested; `None` (the default) never does.
    pub nan_at_step: Option<usize>,
}

impl ExperimentConfig {
    /// Copies the live settings of `from` into `self`: the values of every knob marked live
    /// in the knob table ([`knobs::table`]: the learning rate, the run length, the
    /// evaluation interval, every method's settings, the metric constants, the test hooks).
    /// Everything else is structural (changing it restarts the run). The table is the one
    /// place that draws the line ([`ExperimentConfig::same_structure`] derives from it).
    pub fn take_live(&mut self, from: &ExperimentConfig) {
        let source = serde_json::to_value(from).expect("config serializes");
        let mut target = serde_json::to_value(&*self).expect("config serializes");
        for knob in knobs::table(from).iter().filter(|k| k.live) {
            if let (Ok(slot), value) = (json_slot(&mut target, &knob.path), knob.get(&source)) {
                *slot = value;
            }
        }
        *self = serde_json::from_value(target).expect("live values of a valid config deserialize");
    }

    /// True when `self` and `other` differ only in live settings ([`Self::take_live`]).
    pub fn same_structure(&self, other: &ExperimentConfig) -> bool {
        let mut live_changed = self.clone();
        live_changed.take_live(other);
        live_changed == *other
    }

    /// The configuration with what the data source fixes filled in (mfeat has 10 classes,
    /// whatever `data.classes` said), so that what is echoed is what runs.
    pub fn normalised(mut self) -> Self {
        if self.data.source == DataSource::Mfeat {
            self.data.classes = 10;
        }
        self
    }

    /// Parses a JSON configuration (missing keys take their defaults; unknown keys are errors).
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        serde_json::from_str(text).map_err(|e| ConfigError(with_hint(format!("invalid JSON config: {e}"))))
    }

    /// Parses a TOML configuration (missing keys take their defaults; unknown keys are errors).
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(with_hint(format!("invalid TOML config: {}", e.message()))))
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("config serializes")
    }

    /// TOML text.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("config serializes to TOML")
    }

    /// Merges a partial configuration (already parsed as a JSON value) onto this one; keys in
    /// `patch` win, nested tables merge key by key.
    pub fn merged_with(&self, patch: &Value) -> Result<Self, ConfigError> {
        let mut base = serde_json::to_value(self).expect("config serializes");
        merge_json(&mut base, &current_tables(patch));
        serde_json::from_value(base).map_err(|e| ConfigError(format!("invalid config: {e}")))
    }

    /// Applies one `key.path=value` override. The value is read as JSON where it parses
    /// (numbers, booleans, lists), else as a string; a string given for a list becomes the
    /// comma-separated list of its parts.
    pub fn with_override(&self, assignment: &str) -> Result<Self, ConfigError> {
        let (path, raw) = assignment.split_once('=').ok_or_else(|| {
            ConfigError(format!("--set {assignment}: expected key.path=value, for example train.learning_rate=0.01"))
        })?;
        let path = current_path(path.trim());
        let path = path.as_str();
        let mut root = serde_json::to_value(self).expect("config serializes");
        let slot = json_slot(&mut root, path)?;
        let parsed: Value = serde_json::from_str(raw.trim()).unwrap_or_else(|_| Value::String(raw.trim().to_string()));
        if parsed.as_object().is_some_and(|table| table.is_empty()) {
            // An empty table would reset every field under the path to its default, silently.
            return Err(ConfigError(format!("--set {path}={}: an empty table sets nothing; set its fields one by one ({path}.<field>=value)", raw.trim())));
        }
        *slot = match (&*slot, parsed) {
            (Value::Array(_), Value::String(list)) => Value::Array(
                list.split(',').filter(|s| !s.is_empty()).map(|s| Value::String(s.trim().to_string())).collect(),
            ),
            (_, value) => value,
        };
        serde_json::from_value(root).map_err(|e| ConfigError(with_hint(format!("{path} = {}: {e}", raw.trim()))))
    }

    /// Optimizer steps per epoch for a training split of `train_rows` samples.
    pub fn steps_per_epoch(&self, train_rows: usize) -> usize {
        train_rows.div_ceil(self.train.batch_size.max(1)).max(1)
    }

    /// Optimizer steps between evaluations.
    pub fn eval_interval(&self, train_rows: usize) -> usize {
        match self.train.eval_every {
            0 => self.steps_per_epoch(train_rows),
            n => n,
        }
    }

    /// Optimizer steps in the whole run (`data.train_size` samples are trained on).
    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch(self.data.train_size) * self.train.epochs
    }

    /// Evaluations in the whole run: one at step 0, one every interval and one at the end.
    pub fn evaluations_in_run(&self) -> usize {
        self.total_steps().div_ceil(self.eval_interval(self.data.train_size)) + 1
    }

    /// The same experiment at another size (the benchmarks' knobs): batch size, encoder
    /// width, and the number of synthetic modalities (the last one repeated under the names
    /// c, d, … to grow, the last ones dropped to shrink). `None` keeps a size.
    pub fn with_shape(&self, batch_size: Option<usize>, width: Option<usize>, modalities: Option<usize>) -> Result<Self, ConfigError> {
        let mut config = self.clone();
        if let Some(batch) = batch_size {
            config.train.batch_size = batch;
        }
        if let Some(width) = width {
            config.model.encoder_width = width;
        }
        if let Some(count) = modalities {
            if config.data.source != DataSource::Synthetic {
                return Err(ConfigError("the number of modalities can be set for synthetic data only".into()));
            }
            let last = config.data.synthetic.last().cloned().unwrap_or_default();
            config.data.synthetic.truncate(count);
            while config.data.synthetic.len() < count {
                let name = ((b'a' + config.data.synthetic.len() as u8) as char).to_string();
                config.data.synthetic.push(SyntheticModality { name, ..last.clone() });
            }
            config.modalities.clear();
        }
        config.validate()?;
        Ok(config)
    }

    /// How many modalities the run trains on (`modalities`, or all the source provides).
    pub fn modalities_in_use(&self) -> usize {
        if self.modalities.is_empty() { self.source_modality_names().len() } else { self.modalities.len() }
    }

    /// Names of the modalities the data source provides, in order.
    pub fn source_modality_names(&self) -> Vec<String> {
        match self.data.source {
            DataSource::Synthetic => self.data.synthetic.iter().map(|m| m.name.clone()).collect(),
            DataSource::Mfeat => self.data.views.clone(),
        }
    }

    /// Checks every value once, at the boundary. The error names the field, the value given
    /// and what is allowed.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // The modalities first: the knob rows (the shortcut modality's choices among them)
        // are made from their names, and would blame a setting that is not at fault.
        let d = &self.data;
        if d.source == DataSource::Synthetic && d.synthetic.is_empty() {
            return Err(ConfigError("data.synthetic lists no modality: give two to four (each a table with name, dim, informative, signal, noise)".into()));
        }
        let names = self.source_modality_names();
        for (i, name) in names.iter().enumerate() {
            if name == FUSED {
                return Err(invalid("modality name", name, "\"fused\" is reserved for the fused head; choose another name"));
            }
            if names[..i].contains(name) {
                return Err(ConfigError(format!("two modalities are named {name:?}: names must be distinct")));
            }
        }
        knobs::check_all(self)?;
        match d.source {
            DataSource::Synthetic => {
                check_count("data.synthetic (number of modalities)", d.synthetic.len(), 2, 4)?;
                for (i, m) in d.synthetic.iter().enumerate() {
                    check_count(&format!("data.synthetic.{i}.informative"), m.informative, 1, m.dim)?;
                }
            }
            DataSource::Mfeat => {
                let total = d.drawn_train_rows() + d.val_size + d.test_size;
                if total > 2000 {
                    return Err(invalid("data.train_size + V + val_size + test_size", total, "mfeat has 2000 samples"));
                }
            }
        }
        if self.model.fusion == FusionKind::Tfn {
            let modalities = self.modalities_in_use();
            let width = self.model.encoder_width;
            let weights = TensorFusionSize::new(modalities, width, 1).tfn - width as u64;
            if weights > TFN_MAX_WEIGHTS {
                return Err(ConfigError(format!(
                    "model.fusion = tfn needs a weight of d_out·Π_m(d_m+1) = {width}·{}^{modalities} = {weights} parameters, more than the limit 2^24 = {TFN_MAX_WEIGHTS}: use lmf (rank r: r·{modalities}·{}·{width} + r + {width}), fewer modalities or a smaller encoder width",
                    width + 1,
                    width + 1
                )));
            }
        }
        self.methods.validate(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid_and_round_trips_json_and_toml() {
        let config = ExperimentConfig::default();
        config.validate().unwrap();
        assert_eq!(ExperimentConfig::from_json(&config.to_json()).unwrap(), config);
        assert_eq!(ExperimentConfig::from_toml(&config.to_toml()).unwrap(), config);
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        let err = ExperimentConfig::from_json(r#"{"train": {"lr": 0.1}}"#).unwrap_err();
        assert!(err.0.contains("lr"), "{err}");
        let err = ExperimentConfig::default().with_override("train.lr=0.1").unwrap_err();
        assert!(err.0.contains("unknown key `lr`") && err.0.contains("learning_rate"), "{err}");
    }

    #[test]
    fn weight_decay_has_one_switch_the_l2_method() {
        // The optimizer has no weight decay of its own (it was ignored with Adam and could
        // stack with the L2 method); an old config is refused with where the setting went.
        for err in [
            ExperimentConfig::default().with_override("train.weight_decay=0.01").unwrap_err(),
            ExperimentConfig::from_json(r#"{"train": {"weight_decay": 0.01}}"#).unwrap_err(),
            ExperimentConfig::from_toml("[train]\nweight_decay = 0.01").unwrap_err(),
            ExperimentConfig::default().with_override("train.optimizer=adamw").unwrap_err(),
        ] {
            assert!(err.0.contains("methods.weight_penalty"), "{err}");
        }
    }

    #[test]
    fn train_size_is_what_remains_after_the_held_out_part() {
        let data = DataConfig { train_size: 200, ..Default::default() };
        assert_eq!((data.holdout_rows(), data.drawn_train_rows()), (22, 222));
        let none = DataConfig { holdout_fraction: 0.0, ..data };
        assert_eq!(none.drawn_train_rows(), 200);
    }

    #[test]
    fn overrides_parse_numbers_strings_and_lists() {
        let c = ExperimentConfig::default()
            .with_override("train.learning_rate=0.01").unwrap()
            .with_override("model.fusion=sum").unwrap()
            .with_override("modalities=a").unwrap()
            .with_override("data.synthetic.1.signal=0.5").unwrap();
        assert_eq!(c.train.learning_rate, 0.01);
        assert_eq!(c.model.fusion, FusionKind::Sum);
        assert_eq!(c.modalities, vec!["a".to_string()]);
        assert_eq!(c.data.synthetic[1].signal, 0.5);
    }

    #[test]
    fn validation_names_field_value_and_range() {
        let c = ExperimentConfig::default().with_override("methods.fusion_dropout.p=1.5").unwrap();
        let err = c.validate().unwrap_err().0;
        assert!(err.contains("methods.fusion_dropout.p") && err.contains("1.5") && err.contains("0.95"), "{err}");
        let c = ExperimentConfig::default().with_override("data.synthetic.0.name=fused").unwrap();
        assert!(c.validate().unwrap_err().0.contains("reserved"));
    }

    #[test]
    fn nan_hook_is_off_by_default_and_validated() {
        assert_eq!(ExperimentConfig::default().debug.nan_at_step, None);
        let c = ExperimentConfig::default().with_override("debug.nan_at_step=7").unwrap();
        assert_eq!(c.debug.nan_at_step, Some(7));
        c.validate().unwrap();
        assert_eq!(ExperimentConfig::from_toml(&c.to_toml()).unwrap(), c);
        let err = ExperimentConfig::default().with_override("debug.nan_at_step=0").unwrap().validate().unwrap_err().0;
        assert!(err.contains("debug.nan_at_step = 0"), "{err}");
    }

    #[test]
    fn the_live_split_is_one_list() {
        let base = ExperimentConfig::default();
        for live in ["train.learning_rate=0.01", "train.epochs=3", "train.eval_every=2", "methods.fusion_dropout.enabled=true", "metrics.epsilon_ogr=0.01", "debug.nan_at_step=3"] {
            let changed = base.with_override(live).unwrap();
            assert!(base.same_structure(&changed), "{live} is live");
            let mut copy = base.clone();
            copy.take_live(&changed);
            assert_eq!(copy, changed, "{live} is copied by take_live");
        }
        for structural in ["train.seed=2", "train.batch_size=32", "train.optimizer=sgd", "model.fusion=sum", "data.label_noise=0.1", "modalities=a"] {
            assert!(!base.same_structure(&base.with_override(structural).unwrap()), "{structural} restarts the run");
        }
    }

    #[test]
    fn partial_files_merge_onto_a_base() {
        let patch: Value = toml::from_str("[train]\nepochs = 7\n").unwrap();
        let c = ExperimentConfig::default().merged_with(&patch).unwrap();
        assert_eq!(c.train.epochs, 7);
        assert_eq!(c.train.batch_size, 64);
    }
}
