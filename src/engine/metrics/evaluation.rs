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

/// [`number_or_nan`] for every element.
fn numbers_or_nan<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
    Ok(Vec::<Option<f64>>::deserialize(deserializer)?.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
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
}

/// Contribution of one modality at one checkpoint.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Contribution {
    /// The modality's probe (its unimodal head) on the validation split.
    #[serde(deserialize_with = "number_or_nan")]
    pub probe_acc: f64,
    /// OGM-GE's split of a linear fused head, s_m = W_m z_m + b/M (concat) or that branch's
    /// output (sum), on the validation split; `None` (null) for the gated fusion or a
    /// hidden-layer head, where it is undefined.
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
    /// Early stopping ended the run and restored the best checkpoint.
    EarlyStop {
        /// Step of the restored checkpoint.
        best_step: usize,
        /// Its fused validation loss.
        #[serde(deserialize_with = "number_or_nan")]
        best_val_loss: f64,
    },
    /// The training loss became NaN or infinite somewhere in `(from_step, to_step]`.
    Divergence {
        /// Last step known to be finite.
        from_step: usize,
        /// Step at which the non-finite value was seen.
        to_step: usize,
        /// What to try.
        suggestion: String,
    },
    /// Gradient-Blending estimated new blend weights (read back with this evaluation).
    GblendEstimate {
        /// The run's step when the estimate was made.
        step: usize,
        /// The candidates, in order: each modality, then "fused".
        candidates: Vec<String>,
        /// ΔG_c = L^V before − L^V after the candidate's run, on V.
        #[serde(deserialize_with = "numbers_or_nan")]
        delta_g: Vec<f64>,
        /// ΔO_c = O after − O before, with O = L^V (on V) − L^T (on T′).
        #[serde(deserialize_with = "numbers_or_nan")]
        delta_o: Vec<f64>,
        /// The normalised blend weights w_c.
        #[serde(deserialize_with = "numbers_or_nan")]
        weights: Vec<f64>,
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
