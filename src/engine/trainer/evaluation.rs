//! One evaluation: every clean metric of docs/methods.md ("Metrics") computed on the device,
//! packed with the weight snapshot and the methods' scalars, read back once, then the
//! schedule hooks.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde_json::Map;

use crate::engine::config::{FUSED, MissingAs};
use crate::engine::data::Dataset;
use crate::engine::data::batcher::{Batch, batch_from_split, tensor_from_matrix};
use crate::engine::data::split::{Matrix, streams};
use crate::engine::rng::HostRng;
use crate::engine::metrics::contribution::{shapley, shares};
use crate::engine::metrics::ogr::{gap, ogr};
use crate::engine::metrics::{Contribution, Evaluation, Event, HeadMetrics};
use crate::engine::model::loss::{accuracy, cross_entropy};
use crate::engine::model::params::{flatten_parameters, load_parameters};
use crate::engine::model::MultimodalNet;
use crate::engine::readback::read_evaluation;
use crate::engine::methods::ScheduleAction;

use super::run::{ResumePoint, RunStatus, Trainer};
use super::step::Accumulators;

/// The fixed evaluation sets on the plain device.
pub(super) struct EvalSets {
    pub(super) train_subset: Batch,
    pub(super) val: Batch,
    /// V, Gradient-Blending's estimation set (`None` when it has no rows).
    pub(super) holdout: Option<Batch>,
    /// The test split, when it has rows (only the fused head's accuracy is measured on it).
    pub(super) test: Option<Batch>,
    /// Per modality, what stands in for its validation inputs when it is missing
    /// (`metrics.missing_as`): `[val rows, d_m]`; empty with one modality.
    pub(super) missing: Vec<Tensor<2>>,
}

impl EvalSets {
    /// T′, the validation and the test split, uploaded once, and the stand-ins for a missing
    /// modality: each feature's training mean, or Gaussian noise with the training mean and
    /// standard deviation drawn from `seed`'s own stream (the same at every evaluation).
    pub(super) fn new(data: &Dataset, missing_as: MissingAs, seed: u64, device: &Device) -> Self {
        let rows = data.val.len();
        let mut rng = HostRng::new(seed, streams::MISSING);
        let missing = match data.modality_names.len() {
            0 | 1 => Vec::new(),
            _ => data
                .train
                .modalities
                .iter()
                .map(|train| {
                    let (mean, std) = train.column_moments();
                    let mut values = Vec::with_capacity(rows * train.cols);
                    for _ in 0..rows {
                        for (m, s) in mean.iter().zip(&std) {
                            values.push(match missing_as {
                                MissingAs::Mean => *m,
                                MissingAs::Noise => m + s * rng.normal() as f32,
                            });
                        }
                    }
                    tensor_from_matrix(&Matrix { rows, cols: train.cols, values }, device)
                })
                .collect(),
        };
        Self {
            train_subset: batch_from_split(&data.train, Some(&data.train_subset), data.classes, device),
            val: batch_from_split(&data.val, None, data.classes, device),
            holdout: (!data.holdout.is_empty()).then(|| batch_from_split(&data.holdout, None, data.classes, device)),
            test: (!data.test.is_empty()).then(|| batch_from_split(&data.test, None, data.classes, device)),
            missing,
        }
    }
}

struct PackLayout {
    modalities: usize,
    steps: usize,
    /// Where v(S) of the 2^M subsets begin.
    subsets_at: usize,
    /// The fused head's test accuracy, when there is a test split.
    test_acc_at: Option<usize>,
    /// Where the M split-head accuracies begin, when the head splits.
    split_at: Option<usize>,
    /// Where the fused head's M accuracies with one modality missing begin (M ≥ 2).
    missing_at: Option<usize>,
    /// The training-loss sum, followed by the M gradient-norm sums.
    loss_sum_at: usize,
    /// Where the methods' device scalars begin in the packed values.
    method_scalars_start: usize,
    /// How many scalars each active method added, in method order.
    method_scalar_counts: Vec<usize>,
}

impl Trainer {
    /// Evaluates every head on T′ and the validation split, the Shapley values and the
    /// gradient shares, reads them back once (with the weight snapshot), updates the history
    /// and applies the schedule hooks. Returns the new checkpoint; its `methods` object is
    /// each method's state after this evaluation (schedule and read-back scalars included).
    pub async fn evaluate(&mut self) -> Result<Evaluation, String> {
        let model = self.model.valid();
        let modalities = self.data.modality_names.len();
        let method_scalars: Vec<Vec<Tensor<1>>> = self.methods.iter_mut().map(|m| m.device_scalars()).collect();
        let (packed, layout) = self.packed_metrics(&model, modalities, method_scalars);
        let weights = flatten_parameters(&model);
        let readout = read_evaluation(packed, weights).await?;
        let values: Vec<f64> = readout.metrics.iter().map(|&v| v as f64).collect();
        let mut at = layout.method_scalars_start;
        for (method, &count) in self.methods.iter_mut().zip(&layout.method_scalar_counts) {
            method.read_scalars(&values[at..at + count]);
            at += count;
            self.pending_events.extend(method.events());
        }
        let evaluation = self.evaluation_from_values(&values, &layout);
        self.last_weights = readout.weights;
        self.resume_point =
            ResumePoint { step: self.step, cursor: self.cursor, epoch_order: self.epoch_order.clone() };
        self.accumulators = Accumulators::new(modalities, &self.compute.evaluation());
        // The re-measurement after a backend switch is a check of the restored snapshot, not
        // a new checkpoint for the schedule (early stopping saw this step already).
        let mut evaluation = if std::mem::take(&mut self.resume_check_due) { evaluation } else { self.apply_schedule(evaluation) };
        evaluation.methods = self.methods.iter().map(|m| (m.name().to_string(), m.state())).collect();
        self.history.push(evaluation.clone());
        Ok(evaluation)
    }

    fn packed_metrics(&self, model: &MultimodalNet, modalities: usize, method_scalars: Vec<Vec<Tensor<1>>>) -> (Tensor<1>, PackLayout) {
        let sets = &self.eval_sets;
        let train = model.forward(&sets.train_subset.inputs);
        let val = model.forward(&sets.val.inputs);
        let mut scalars: Vec<Tensor<1>> = Vec::new();
        let heads_train = std::iter::once(train.fused.clone()).chain(train.unimodal.iter().cloned());
        let heads_val = std::iter::once(val.fused.clone()).chain(val.unimodal.iter().cloned());
        for (t, v) in heads_train.zip(heads_val) {
            scalars.push(cross_entropy(t.clone(), sets.train_subset.targets.clone()));
            scalars.push(accuracy(t, sets.train_subset.targets.clone()));
            scalars.push(cross_entropy(v.clone(), sets.val.targets.clone()));
            scalars.push(accuracy(v, sets.val.targets.clone()));
        }
        let means: Vec<Tensor<2>> = train.embeddings.iter().map(|z| z.clone().mean_dim(0)).collect();
        let subsets_at = scalars.len();
        for subset in 0..(1usize << modalities) {
            let present: Vec<bool> = (0..modalities).map(|m| subset & (1 << m) != 0).collect();
            let logits = model.fused_with_mask(&val.embeddings, &present, &means);
            scalars.push(accuracy(logits, sets.val.targets.clone()));
        }
        let test_acc_at = sets.test.as_ref().map(|test| {
            scalars.push(accuracy(model.forward(&test.inputs).fused, test.targets.clone()));
            scalars.len() - 1
        });
        let split_at = model.split_logits(&val.embeddings).map(|split| {
            let at = scalars.len();
            scalars.extend(split.into_iter().map(|s| accuracy(s, sets.val.targets.clone())));
            at
        });
        // The fused head with each modality missing: its validation inputs replaced by their
        // stand-in and encoded again, the other embeddings as the validation pass made them.
        let missing_at = (!sets.missing.is_empty()).then(|| {
            let at = scalars.len();
            for (m, stand_in) in sets.missing.iter().enumerate() {
                let mut embeddings = val.embeddings.clone();
                embeddings[m] = model.encoders[m].forward(stand_in.clone());
                scalars.push(accuracy(model.classify(model.fuse(&embeddings)), sets.val.targets.clone()));
            }
            at
        });
        let acc = &self.accumulators;
        let loss_sum_at = scalars.len();
        scalars.push(acc.loss_sum.clone());
        scalars.extend(acc.grad_norm_sums.iter().cloned());
        let method_scalars_start = scalars.len();
        let method_scalar_counts = method_scalars.iter().map(Vec::len).collect();
        scalars.extend(method_scalars.into_iter().flatten());
        let layout = PackLayout { modalities, steps: acc.steps, subsets_at, test_acc_at, split_at, missing_at, loss_sum_at, method_scalars_start, method_scalar_counts };
        (Tensor::cat(scalars, 0), layout)
    }

    /// Every head's metrics from the packed values; OGR against `previous`.
    fn head_metrics(&self, values: &[f64], layout: &PackLayout, previous: Option<&Evaluation>) -> Vec<(String, HeadMetrics)> {
        let names = std::iter::once(FUSED.to_string()).chain(self.data.modality_names.iter().cloned());
        names
            .enumerate()
            .map(|(h, name)| {
                let [train_loss, train_acc, val_loss, val_acc] = [0, 1, 2, 3].map(|k| values[4 * h + k]);
                let ogr = previous
                    .and_then(|p| p.head(&name))
                    .and_then(|p| ogr((p.train_loss, p.val_loss), (train_loss, val_loss), self.config.metrics.epsilon_ogr));
                let test_acc = if h == 0 { layout.test_acc_at.map(|at| values[at]) } else { None };
                let missing = match (h, layout.missing_at) {
                    (0, Some(at)) => self.data.modality_names.iter().enumerate().map(|(m, n)| (n.clone(), values[at + m])).collect(),
                    _ => Vec::new(),
                };
                let metrics = HeadMetrics { train_loss, val_loss, train_acc, val_acc, test_acc, gap: gap(val_loss, train_loss), ogr, missing };
                (name, metrics)
            })
            .collect()
    }

    /// The current weights measured now, every head, without recording anything (no
    /// history, schedule, event or snapshot): a check of what the model holds, e.g. the
    /// checkpoint early stopping restored. One asynchronous readback.
    pub async fn measure(&self) -> Result<Vec<(String, HeadMetrics)>, String> {
        let model = self.model.valid();
        let (packed, layout) = self.packed_metrics(&model, self.data.modality_names.len(), Vec::new());
        let readout = read_evaluation(packed, flatten_parameters(&model)).await?;
        let values: Vec<f64> = readout.metrics.iter().map(|&v| v as f64).collect();
        Ok(self.head_metrics(&values, &layout, None))
    }

    fn evaluation_from_values(&mut self, values: &[f64], layout: &PackLayout) -> Evaluation {
        let m = layout.modalities;
        let heads = self.head_metrics(values, layout, self.history.latest());
        let subset_values = &values[layout.subsets_at..layout.subsets_at + (1 << m)];
        let loss_sum = values[layout.loss_sum_at];
        let grad_sums = &values[layout.loss_sum_at + 1..layout.method_scalars_start];
        let phi = shapley(subset_values, m);
        let phi_shares = shares(&phi, self.config.metrics.shapley_share_min);
        let grad_shares = if layout.steps > 0 { shares(grad_sums, 1e-12) } else { vec![None; m] };
        let contribution = self
            .data
            .modality_names
            .iter()
            .enumerate()
            .map(|(k, name)| {
                let entry = Contribution {
                    probe_acc: heads[k + 1].1.val_acc,
                    split_acc: layout.split_at.map(|at| values[at + k]),
                    shapley: phi[k],
                    shapley_share: phi_shares[k],
                    grad_share: grad_shares[k],
                };
                (name.clone(), entry)
            })
            .collect();
        if !loss_sum.is_finite() || !heads[0].1.val_loss.is_finite() {
            self.status = RunStatus::Diverged;
            let (from_step, to_step) = (self.resume_point.step, self.step);
            let what = format!("the loss became NaN or infinite between steps {from_step} and {to_step}");
            let suggestion = match self.config.debug.nan_at_step {
                Some(poisoned) if (from_step + 1..=to_step).contains(&poisoned) => {
                    format!("{what} (the test hook debug.nan_at_step poisoned step {poisoned})")
                }
                _ => format!("{what}; lower the learning rate (now {}) and reset", self.config.train.learning_rate),
            };
            self.pending_events.push(Event::Divergence { from_step, to_step, suggestion });
        }
        Evaluation {
            step: self.step,
            epoch: self.step as f64 / self.steps_per_epoch as f64,
            heads,
            contribution,
            methods: Map::new(),
            events: std::mem::take(&mut self.pending_events),
        }
    }

    fn apply_schedule(&mut self, mut evaluation: Evaluation) -> Evaluation {
        if self.status == RunStatus::Training {
            for method in self.methods.iter_mut() {
                if let ScheduleAction::StopAndRestore { weights, event } = method.after_evaluation(&evaluation, &self.last_weights) {
                    self.model = load_parameters(self.model.clone(), &weights);
                    self.last_weights = weights;
                    evaluation.events.push(event);
                    self.status = RunStatus::EarlyStopped;
                    break;
                }
            }
        }
        if self.status == RunStatus::Training && self.step >= self.total_steps {
            self.status = RunStatus::Finished;
        }
        evaluation
    }
}
