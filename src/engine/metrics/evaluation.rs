//! One evaluation checkpoint as plain host data, and its JSON form (the `metrics.jsonl`
//! schema documented in the README).

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value, json};

use crate::engine::config::SCHEMA_VERSION;

/// A number, or `null` read as NaN. JSON has no NaN: serde_json writes a non-finite number
/// (a diverged loss) as `null`, so the page must read it back as NaN, not fail.
fn number_or_nan<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

/// Clean, evaluation-mode metrics of one head at one checkpoint.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct HeadMetrics {
    /// L^T: mean cross-entropy on T′.
    #[serde(deserialize_with = "number_or_nan")]
    pub train_loss: f64,
    /// L^V: mean cross-entropy on the validation split.
    #[serde(deserialize_with = "number_or_nan")]
    pub val_loss: f64,
    /// Accuracy on T′.
    #[serde(deserialize_with = "number_or_nan")]
    pub train_acc: f64,
    /// Accuracy on the validation split.
    #[serde(deserialize_with = "number_or_nan")]
    pub val_acc: f64,
    /// Accuracy on the test split: the fused head only (absent for the others), reported
    /// for the best checkpoint in `summary.json`; never used to choose anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_acc: Option<f64>,
    /// O = L^V − L^T.
    #[serde(deserialize_with = "number_or_nan")]
    pub gap: f64,
    /// |ΔO/ΔG| against the previous checkpoint; `None` at the first one or when |ΔG| < ε.
    pub ogr: Option<f64>,
    /// The fused head only: its validation accuracy with each modality missing at test time
    /// (its input replaced by its training mean, or by noise: `metrics.missing_as`), by
    /// modality, as `heads.fused.missing.<m>`; empty for the other heads and with one
    /// modality (schema 4; absent from older files and pins).
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "by_name")]
    pub missing: Vec<(String, f64)>,
}

impl HeadMetrics {
    /// The fused head's validation accuracy with modality `name` missing, when measured.
    pub fn missing(&self, name: &str) -> Option<f64> {
        self.missing.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

/// `[(name, value)]` as a JSON object `{name: value}`, in order (a `null` read as NaN).
mod by_name {
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(values: &[(String, f64)], serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(values.len()))?;
        for (name, value) in values {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<(String, f64)>, D::Error> {
        let map = serde_json::Map::deserialize(deserializer)?;
        Ok(map.into_iter().map(|(name, v)| (name, v.as_f64().unwrap_or(f64::NAN))).collect())
    }
}

/// Contribution of one modality at one checkpoint.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Contribution {
    /// The modality's probe (its unimodal head) on the validation split.
    #[serde(deserialize_with = "number_or_nan")]
    pub probe_acc: f64,
    /// OGM-GE's split of a linear fused head, s_m = W_m z_m + b/M (concat) or that branch's
    /// output (sum), on the validation split; `None` (null) for the gated, LMF and TFN
    /// fusions or a hidden-layer head, where it is undefined.
    pub split_acc: Option<f64>,
    /// Shapley value of the fused head's validation accuracy.
    #[serde(deserialize_with = "number_or_nan")]
    pub shapley: f64,
    /// φ_m / Σ_k φ_k; `None` when |Σ_k φ_k| < 1e-3.
    pub shapley_share: Option<f64>,
    /// Share of the encoder gradient norm since the last evaluation; `None` before any step.
    pub grad_share: Option<f64>,
}

/// Something that happened to the run.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Event {
    /// The training loss became NaN or infinite somewhere in `(from_step, to_step]`.
    Divergence {
        /// Last step known to be finite.
        from_step: usize,
        /// Step at which the non-finite value was seen.
        to_step: usize,
        /// What to try.
        suggestion: String,
    },
    /// A live parameter changed.
    LiveChange {
        /// What changed, in words.
        what: String,
    },
    /// The run continued on another backend from the last weight snapshot: step, batch
    /// cursor and random streams were rewound to that snapshot's evaluation.
    DeviceSwitch {
        /// The new backend.
        backend: String,
        /// Why.
        reason: String,
        /// The step the run resumed from (the snapshot's).
        resumed_at_step: usize,
    },
    /// A method's own event (early stopping's `early-stop`, Gradient-Blending's
    /// `gblend-estimate`): its kind and its fields, as the method wrote them.
    #[serde(untagged)]
    Method(MethodEvent),
}

/// A method's event: `{"kind": "<kind>", <fields>…}` in the output, the kind first and the
/// fields in the order the method gave them. Non-finite numbers are written as `null`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct MethodEvent {
    /// Its kind, kebab-case, unique among all events (`early-stop`).
    pub kind: String,
    /// Its fields.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

impl MethodEvent {
    /// The number in field `name` (`None` when absent or not a number: a `null` is NaN).
    pub fn number(&self, name: &str) -> Option<f64> {
        match self.fields.get(name)? {
            Value::Null => Some(f64::NAN),
            value => value.as_f64(),
        }
    }

    /// How it shows in the page (marks on the charts, a notice), as the method it belongs to
    /// registered ([`crate::engine::methods::About::events`]).
    pub fn shown(&self, step: usize) -> crate::engine::methods::kit::about::EventShown {
        crate::engine::methods::kit::about::shown(self, step)
    }

    /// The numbers in field `name` (`null` elements are NaN; empty when absent).
    pub fn numbers(&self, name: &str) -> Vec<f64> {
        let values = self.fields.get(name).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        values.iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect()
    }
}

impl Event {
    /// A method's event of `kind` with `fields` (a JSON object; anything else gives no
    /// fields).
    pub fn method(kind: &str, fields: Value) -> Event {
        let fields = match fields {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Event::Method(MethodEvent { kind: kind.to_string(), fields })
    }

    /// The method event of `kind`, if this is one.
    pub fn of_kind(&self, kind: &str) -> Option<&MethodEvent> {
        match self {
            Event::Method(event) if event.kind == kind => Some(event),
            _ => None,
        }
    }
}

/// One checkpoint.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Optimizer steps done.
    pub step: usize,
    /// Epochs done (steps / steps per epoch).
    pub epoch: f64,
    /// `fused` first, then one entry per modality (its probe head).
    pub heads: Vec<(String, HeadMetrics)>,
    /// One entry per modality.
    pub contribution: Vec<(String, Contribution)>,
    /// Each active method's state, by method name.
    pub methods: Map<String, Value>,
    /// What happened since the last checkpoint.
    pub events: Vec<Event>,
}

impl Evaluation {
    /// The named head.
    pub fn head(&self, name: &str) -> Option<&HeadMetrics> {
        self.heads.iter().find(|(n, _)| n == name).map(|(_, h)| h)
    }

    /// The fused head.
    pub fn fused(&self) -> &HeadMetrics {
        &self.heads[0].1
    }

    /// The `metrics.jsonl` object.
    pub fn to_json(&self) -> Value {
        let heads: Map<String, Value> = self.heads.iter().map(|(n, h)| (n.clone(), json!(h))).collect();
        let contribution: Map<String, Value> =
            self.contribution.iter().map(|(n, c)| (n.clone(), json!(c))).collect();
        json!({
            "schema_version": SCHEMA_VERSION,
            "step": self.step,
            "epoch": self.epoch,
            "heads": heads,
            "contribution": contribution,
            "methods": self.methods,
            "events": self.events,
        })
    }
}
