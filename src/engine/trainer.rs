//! The training loop as a step-wise state machine (DESIGN.md "The training loop").
//!
//! [`Trainer::step`] runs optimizer steps and reads nothing back; [`Trainer::evaluate`]
//! computes every clean metric of METHODS.md on the device, packs them with the weight
//! snapshot and reads them back once, asynchronously. The loss of one step is built from
//! the active methods' hooks ([`crate::engine::methods`]): the trainer knows no method by
//! name. Naive baseline (no method sets loss weights): loss = CE(fused), plus the probe
//! heads' CE on detached embeddings (they measure the encoders without changing them).

use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde_json::Map;

use crate::engine::config::{ExperimentConfig, FUSED, MethodsConfig};
use crate::engine::data::Dataset;
use crate::engine::data::batcher::{Batch, batch_from_split};
use crate::engine::data::split::streams;
use crate::engine::device::ComputeDevice;
use crate::engine::metrics::contribution::{shapley, shares};
use crate::engine::metrics::ogr::{gap, ogr};
use crate::engine::metrics::{Contribution, Evaluation, Event, HeadMetrics, History};
use crate::engine::model::loss::{accuracy, cross_entropy};
use crate::engine::model::params::{flatten_parameters, gradient_norm, load_parameters};
use crate::engine::model::optimizer::optimizer_for;
use crate::engine::model::MultimodalNet;
use crate::engine::model::fusion::Fusion;
use crate::engine::readback::read_evaluation;
use crate::engine::methods::{self, LossWeights, Method, ModelShape, ScheduleAction, SideContext, StepContext, StepView};
use crate::engine::rng::HostRng;

/// Where a run stands.
#[derive(Clone, Debug, PartialEq)]
pub enum RunStatus {
    /// More steps to go.
    Training,
    /// All configured epochs done.
    Finished,
    /// Early stopping ended the run (best checkpoint restored).
    EarlyStopped,
    /// The loss became NaN or infinite; the run cannot go on.
    Diverged,
}

/// Device-side sums since the last evaluation (read back with it).
struct Accumulators {
    loss_sum: Tensor<1>,
    grad_norm_sums: Vec<Tensor<1>>,
    steps: usize,
}

impl Accumulators {
    fn new(modalities: usize, device: &Device) -> Self {
        Self {
            loss_sum: Tensor::zeros([1], device),
            grad_norm_sums: (0..modalities).map(|_| Tensor::zeros([1], device)).collect(),
            steps: 0,
        }
    }
}

/// The fixed evaluation sets on the plain device.
struct EvalSets {
    train_subset: Batch,
    val: Batch,
    /// V, Gradient-Blending's estimation set (`None` when it has no rows).
    holdout: Option<Batch>,
    /// The test split, when it has rows (only the fused head's accuracy is measured on it).
    test: Option<Batch>,
}

impl EvalSets {
    /// T′, the validation and the test split, uploaded once.
    fn new(data: &Dataset, device: &Device) -> Self {
        Self {
            train_subset: batch_from_split(&data.train, Some(&data.train_subset), data.classes, device),
            val: batch_from_split(&data.val, None, data.classes, device),
            holdout: (!data.holdout.is_empty()).then(|| batch_from_split(&data.holdout, None, data.classes, device)),
            test: (!data.test.is_empty()).then(|| batch_from_split(&data.test, None, data.classes, device)),
        }
    }
}

/// Where the host-side state of the run stood at the last evaluation (its step is the last
/// evaluation's step): what a backend switch rewinds to, with that evaluation's weights.
#[derive(Clone)]
struct ResumePoint {
    step: usize,
    cursor: usize,
    epoch_order: Vec<usize>,
}

/// Trains one configuration on one device.
pub struct Trainer {
    config: ExperimentConfig,
    compute: ComputeDevice,
    device: Device,
    data: Dataset,
    model: MultimodalNet,
    optimizer: ModuleOptimizer,
    methods: Vec<Box<dyn Method>>,
    eval_sets: EvalSets,
    epoch_order: Vec<usize>,
    cursor: usize,
    step: usize,
    steps_per_epoch: usize,
    total_steps: usize,
    accumulators: Accumulators,
    history: History,
    pending_events: Vec<Event>,
    last_weights: Vec<f32>,
    resume_point: ResumePoint,
    resume_check_due: bool,
    status: RunStatus,
}

/// The run's network at its initial weights, with the layers its methods own.
fn build_model(config: &ExperimentConfig, data: &Dataset, methods: &mut [Box<dyn Method>], device: &Device) -> MultimodalNet {
    let model = MultimodalNet::new(&config.model, &data.dims(), data.classes, config.train.seed, device);
    let modalities = data.modality_names.len();
    let shape = ModelShape {
        modalities,
        width: config.model.encoder_width,
        fused_width: Fusion::output_width(config.model.fusion, modalities, config.model.encoder_width),
        classes: data.classes,
    };
    methods::add_method_layers(model, methods, &shape, config.train.seed, device)
}

impl Trainer {
    /// A trainer at step 0: data and initial weights drawn from the config's seed.
    pub fn new(config: ExperimentConfig, data: Dataset, compute: ComputeDevice) -> Self {
        let methods = methods::from_config(&config.methods);
        Self::with_methods(config, data, compute, methods)
    }

    /// [`Trainer::new`] with these method instances (the layers they own added to the
    /// network).
    fn with_methods(config: ExperimentConfig, data: Dataset, compute: ComputeDevice, mut methods: Vec<Box<dyn Method>>) -> Self {
        let device = compute.training();
        let plain = compute.evaluation();
        let model = build_model(&config, &data, &mut methods, &device);
        let steps_per_epoch = config.steps_per_epoch(data.train.len());
        let eval_sets = EvalSets::new(&data, &plain);
        let modalities = data.modality_names.len();
        let epoch_order = HostRng::new(config.train.seed, streams::BATCHES).permutation(data.train.len());
        Self {
            optimizer: optimizer_for(&config),
            methods,
            resume_point: ResumePoint { step: 0, cursor: 0, epoch_order: epoch_order.clone() },
            resume_check_due: false,
            total_steps: steps_per_epoch * config.train.epochs,
            accumulators: Accumulators::new(modalities, &plain),
            config,
            compute,
            device,
            data,
            model,
            eval_sets,
            epoch_order,
            cursor: 0,
            step: 0,
            steps_per_epoch,
            history: History::default(),
            pending_events: Vec::new(),
            last_weights: Vec::new(),
            status: RunStatus::Training,
        }
    }

    /// The configuration (live parameters included).
    pub fn config(&self) -> &ExperimentConfig {
        &self.config
    }

    /// The dataset.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// The backend in use.
    pub fn compute(&self) -> &ComputeDevice {
        &self.compute
    }

    /// Optimizer steps done.
    pub fn step_count(&self) -> usize {
        self.step
    }

    /// Steps the configured run length takes.
    pub fn total_steps(&self) -> usize {
        self.total_steps
    }

    /// Where the run stands.
    pub fn status(&self) -> &RunStatus {
        &self.status
    }

    /// The bounded history of evaluations.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The evaluation that describes the model as it now stands: after early stopping the
    /// restored best checkpoint (its weights are the model's), otherwise the latest.
    pub fn final_evaluation(&self) -> Option<&Evaluation> {
        match self.status {
            RunStatus::EarlyStopped => self.history.best(),
            _ => self.history.latest(),
        }
    }

    /// The last weight snapshot read back (empty before the first evaluation).
    pub fn last_weights(&self) -> &[f32] {
        &self.last_weights
    }

    /// True while the run can take more steps.
    pub fn is_training(&self) -> bool {
        self.status == RunStatus::Training
    }

    /// True when an evaluation is owed: at step 0, every `eval_every` steps, at the end, and
    /// right after a backend switch (the restored snapshot, evaluated on the new backend).
    pub fn evaluation_due(&self) -> bool {
        let interval = self.config.eval_interval(self.data.train.len());
        self.resume_check_due
            || self.history.latest().is_none()
            || (self.step > self.resume_point.step
                && (self.step - self.resume_point.step >= interval || self.step >= self.total_steps))
    }

    /// Steps left before the next evaluation is due.
    pub fn steps_until_evaluation(&self) -> usize {
        let interval = self.config.eval_interval(self.data.train.len());
        (self.resume_point.step + interval).min(self.total_steps).saturating_sub(self.step)
    }

    /// Changes the live parameters (learning rate, methods and their settings, run length,
    /// evaluation interval); they take effect at the next step, and each change is recorded
    /// as an event. Methods that stay on keep their state ([`Method::reconfigure`]).
    /// Structural settings are not changed here.
    pub fn apply_live(&mut self, live: &ExperimentConfig) {
        let (old, new) = (&self.config, live);
        let mut changes = Vec::new();
        if new.train.learning_rate != old.train.learning_rate {
            changes.push(format!("learning rate {} -> {}", old.train.learning_rate, new.train.learning_rate));
        }
        let methods_changed = new.methods != old.methods;
        if methods_changed {
            let names = |c: &MethodsConfig| c.enabled_names().join(", ");
            changes.push(format!("methods [{}] -> [{}]", names(&old.methods), names(&new.methods)));
        }
        if new.train.epochs != old.train.epochs {
            changes.push(format!("epochs {} -> {}", old.train.epochs, new.train.epochs));
        }
        if new.train.eval_every != old.train.eval_every {
            changes.push(format!("evaluation every {} -> {} steps (0: an epoch)", old.train.eval_every, new.train.eval_every));
        }
        if new.metrics != old.metrics {
            changes.push("metric constants changed".into());
        }
        if new.debug != old.debug {
            changes.push("test hooks changed".into());
        }
        self.config.take_live(live);
        if methods_changed {
            self.methods = methods::reconfigure_all(std::mem::take(&mut self.methods), &self.config.methods);
        }
        self.total_steps = self.steps_per_epoch * self.config.train.epochs;
        if self.status == RunStatus::Finished && self.step < self.total_steps {
            self.status = RunStatus::Training;
        }
        // A run length lowered to or below the current step ends the run here: at once when
        // this step is already evaluated, else at the evaluation that is now due.
        let evaluated_here = self.resume_point.step == self.step && self.history.latest().is_some();
        if self.status == RunStatus::Training && self.step >= self.total_steps && evaluated_here {
            self.status = RunStatus::Finished;
        }
        if !changes.is_empty() {
            self.pending_events.push(Event::LiveChange { what: changes.join("; ") });
        }
    }

    /// Moves the run to another backend and rewinds it to the last evaluation: its weight
    /// snapshot, its step and batch cursor (the methods' random streams derive from the step;
    /// the optimizer state starts afresh). Works after a lost device too, since nothing is read from the old one. The
    /// next evaluation re-measures the snapshot on the new backend, at the same step, and
    /// carries a [`Event::DeviceSwitch`] naming that step; `reason` is recorded with it.
    pub fn switch_device(&mut self, compute: ComputeDevice, reason: &str) {
        let device = compute.training();
        let fresh = build_model(&self.config, &self.data, &mut self.methods, &device);
        self.model = if self.last_weights.is_empty() { fresh } else { load_parameters(fresh, &self.last_weights) };
        for method in self.methods.iter_mut() {
            method.moved_to(&device);
        }
        let plain = compute.evaluation();
        self.eval_sets = EvalSets::new(&self.data, &plain);
        self.accumulators = Accumulators::new(self.data.modality_names.len(), &plain);
        self.optimizer = optimizer_for(&self.config);
        let resume = self.resume_point.clone();
        self.pending_events.push(Event::DeviceSwitch {
            backend: compute.kind.name().into(),
            reason: reason.into(),
            resumed_at_step: resume.step,
        });
        self.step = resume.step;
        self.cursor = resume.cursor;
        self.epoch_order = resume.epoch_order;
        self.resume_check_due = !self.history.points().is_empty();
        if self.status == RunStatus::Finished && self.step < self.total_steps {
            self.status = RunStatus::Training;
        }
        self.device = device;
        self.compute = compute;
    }

    /// Runs up to `n` optimizer steps (fewer at the end of the run or when an evaluation is
    /// due); returns how many ran. Nothing is read back.
    ///
    /// Side work of the methods ([`Method::side_step`]) runs first and counts as steps here
    /// (so that a chunk stays about as long), without advancing the run.
    pub fn step(&mut self, n: usize) -> usize {
        let mut done = 0;
        while done < n && self.is_training() && self.step < self.total_steps && !self.evaluation_due() {
            if !self.side_step() {
                self.train_step();
            }
            done += 1;
        }
        done
    }

    /// One unit of the first method's pending side work; false when no method has any.
    fn side_step(&mut self) -> bool {
        let Some(method) = self.methods.iter_mut().find(|m| m.has_side_work(self.step, self.steps_per_epoch)) else {
            return false;
        };
        let mut ctx = SideContext {
            device: &self.device,
            data: &self.data,
            train_subset: &self.eval_sets.train_subset,
            holdout: self.eval_sets.holdout.as_ref(),
            config: &self.config,
            step: self.step,
            steps_per_epoch: self.steps_per_epoch,
        };
        method.side_step(&self.model, &mut ctx);
        true
    }

    fn next_rows(&mut self) -> Vec<usize> {
        let rows = self.data.train.len();
        if self.cursor >= rows {
            let epoch = (self.step / self.steps_per_epoch) as u64;
            self.epoch_order = HostRng::new(self.config.train.seed, streams::BATCHES + (epoch << 8)).permutation(rows);
            self.cursor = 0;
        }
        let end = (self.cursor + self.config.train.batch_size).min(rows);
        let batch = self.epoch_order[self.cursor..end].to_vec();
        self.cursor = end;
        batch
    }

    fn train_step(&mut self) {
        let rows = self.next_rows();
        let batch = batch_from_split(&self.data.train, Some(&rows), self.data.classes, &self.device);
        let modalities = self.data.modality_names.len();
        let weights = LossWeights::of_methods(&self.methods, modalities);
        let mut ctx = StepContext {
            seed: self.config.train.seed,
            device: &self.device,
            learning_rate: self.config.train.learning_rate,
            step: self.step,
            epoch: self.step / self.steps_per_epoch,
            total_steps: self.total_steps,
            heads_attached: weights.attached,
        };
        let batch = self.methods.iter_mut().fold(batch, |b, m| m.transform_batch(b, &mut ctx));
        let embeddings = self.model.embed(&batch.inputs);
        let unimodal_logits = self.model.probe(&embeddings, !weights.attached);
        let embeddings = self.methods.iter_mut().fold(embeddings, |z, m| m.transform_embeddings(z, &mut ctx));
        let fused = self.methods.iter_mut().fold(self.model.fuse(&embeddings), |h, m| m.transform_fused(h, &mut ctx));
        let fused_logits = self.model.classify(fused.clone());
        let mut loss = weights.fused.apply(cross_entropy(fused_logits.clone(), batch.targets.clone()));
        if self.config.debug.nan_at_step == Some(self.step + 1) {
            loss = loss.mul_scalar(f32::NAN);
        }
        for (logits, weight) in unimodal_logits.iter().zip(&weights.unimodal) {
            loss = loss + weight.apply(cross_entropy(logits.clone(), batch.targets.clone()));
        }
        let view = StepView {
            batch: &batch,
            embeddings: &embeddings,
            fused: &fused,
            fused_logits: &fused_logits,
            unimodal_logits: &unimodal_logits,
            weights: &weights,
        };
        for method in self.methods.iter_mut() {
            if let Some(extra) = method.extra_loss(&self.model, &view, &mut ctx) {
                loss = loss + extra;
            }
        }
        let acc = &mut self.accumulators;
        acc.loss_sum = acc.loss_sum.clone() + loss.clone().detach().inner();
        let mut grads = GradientsParams::from_grads(loss.backward(), &self.model);
        for (m, encoder) in self.model.encoders.iter().enumerate() {
            if let Some(norm) = gradient_norm(encoder, &grads) {
                acc.grad_norm_sums[m] = acc.grad_norm_sums[m].clone() + norm;
            }
        }
        acc.steps += 1;
        for method in self.methods.iter_mut() {
            grads = method.modulate_gradients(grads, &self.model, &view, &mut ctx);
        }
        let model = self.model.clone();
        let mut model = self.optimizer.step(self.config.train.learning_rate, model, grads);
        for method in self.methods.iter_mut() {
            model = method.after_step(model, &mut ctx);
        }
        self.model = model;
        self.step += 1;
    }

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
        let acc = &self.accumulators;
        let loss_sum_at = scalars.len();
        scalars.push(acc.loss_sum.clone());
        scalars.extend(acc.grad_norm_sums.iter().cloned());
        let method_scalars_start = scalars.len();
        let method_scalar_counts = method_scalars.iter().map(Vec::len).collect();
        scalars.extend(method_scalars.into_iter().flatten());
        let layout = PackLayout { modalities, steps: acc.steps, subsets_at, test_acc_at, split_at, loss_sum_at, method_scalars_start, method_scalar_counts };
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
                let metrics = HeadMetrics { train_loss, val_loss, train_acc, val_acc, test_acc, gap: gap(val_loss, train_loss), ogr };
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

struct PackLayout {
    modalities: usize,
    steps: usize,
    /// Where v(S) of the 2^M subsets begin.
    subsets_at: usize,
    /// The fused head's test accuracy, when there is a test split.
    test_acc_at: Option<usize>,
    /// Where the M split-head accuracies begin, when the head splits.
    split_at: Option<usize>,
    /// The training-loss sum, followed by the M gradient-norm sums.
    loss_sum_at: usize,
    /// Where the methods' device scalars begin in the packed values.
    method_scalars_start: usize,
    /// How many scalars each active method added, in method order.
    method_scalar_counts: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::init::linear_from_rng;
    use crate::engine::readback::block_on;
    use burn::nn::Linear;

    /// A method that owns one projection of the first embedding and pulls its output to 0.
    struct Projection;

    impl Method for Projection {
        fn name(&self) -> &'static str {
            "projection"
        }

        fn reconfigure(&mut self, _config: &MethodsConfig) {}

        fn layers(&mut self, shape: &ModelShape, rng: &mut HostRng, device: &Device) -> Vec<Linear> {
            vec![linear_from_rng(shape.width, 3, rng, device)]
        }

        fn extra_loss(&mut self, model: &MultimodalNet, view: &StepView, _ctx: &mut StepContext) -> Option<Tensor<1>> {
            let layer = model.method_layers("projection")[0];
            Some(layer.forward(view.embeddings[0].clone()).powf_scalar(2.0).mean())
        }
    }

    /// Five units of side work at step 0, each an optimizer step of a copy of the model with
    /// its own optimizer (as Gradient-Blending's estimation does), then none.
    struct SideRuns(usize);

    impl Method for SideRuns {
        fn name(&self) -> &'static str {
            "side-runs"
        }

        fn reconfigure(&mut self, _config: &MethodsConfig) {}

        fn has_side_work(&self, step: usize, _steps_per_epoch: usize) -> bool {
            step == 0 && self.0 > 0
        }

        fn side_step(&mut self, model: &MultimodalNet, ctx: &mut SideContext) {
            let mut optimizer = optimizer_for(ctx.config);
            let rows: Vec<usize> = (0..ctx.config.train.batch_size).collect();
            let batch = batch_from_split(&ctx.data.train, Some(&rows), ctx.data.classes, ctx.device);
            let copy = model.clone();
            let loss = cross_entropy(copy.forward(&batch.inputs).fused, batch.targets);
            let grads = GradientsParams::from_grads(loss.backward(), &copy);
            let _trained = optimizer.step(ctx.config.train.learning_rate, copy, grads);
            self.0 -= 1;
        }
    }

    fn run_to(t: &mut Trainer, step: usize) {
        while t.step_count() < step || t.evaluation_due() {
            if t.evaluation_due() {
                block_on(t.evaluate()).unwrap();
            } else {
                t.step(step - t.step_count());
            }
        }
    }

    /// The packed evaluation gives what each split, head and Shapley subset measured on its
    /// own gives (the guard for any batching of the evaluation).
    #[test]
    fn the_packed_evaluation_matches_each_split_and_subset_measured_alone() {
        let config = ExperimentConfig::default().with_shape(None, None, Some(3)).unwrap();
        let data = Dataset::from_config(&config, None).unwrap();
        assert!(!data.test.is_empty(), "the default data has a test split");
        let mut t = Trainer::new(config, data, ComputeDevice::cpu());
        run_to(&mut t, 6);
        let evaluation = block_on(t.evaluate()).unwrap();
        let model = t.model.valid();
        let device = t.compute().evaluation();
        let data = &t.data;
        let scalar = |x: Tensor<1>| block_on(crate::engine::readback::read_evaluation(x.clone(), x)).unwrap().metrics[0] as f64;
        let train = batch_from_split(&data.train, Some(&data.train_subset), data.classes, &device);
        let val = batch_from_split(&data.val, None, data.classes, &device);
        let test = batch_from_split(&data.test, None, data.classes, &device);
        let (on_train, on_val) = (model.forward(&train.inputs), model.forward(&val.inputs));
        let heads_train = std::iter::once(on_train.fused.clone()).chain(on_train.unimodal.clone());
        let heads_val = std::iter::once(on_val.fused.clone()).chain(on_val.unimodal.clone());
        for (((name, got), t_logits), v_logits) in evaluation.heads.iter().zip(heads_train).zip(heads_val) {
            let alone = [
                scalar(cross_entropy(t_logits.clone(), train.targets.clone())),
                scalar(accuracy(t_logits, train.targets.clone())),
                scalar(cross_entropy(v_logits.clone(), val.targets.clone())),
                scalar(accuracy(v_logits, val.targets.clone())),
            ];
            let batched = [got.train_loss, got.train_acc, got.val_loss, got.val_acc];
            for (a, b) in alone.iter().zip(batched) {
                assert!((a - b).abs() <= 1e-5 * a.abs().max(1.0), "{name}: alone {alone:?}, packed {batched:?}");
            }
        }
        let test_alone = scalar(accuracy(model.forward(&test.inputs).fused, test.targets.clone()));
        assert!((evaluation.fused().test_acc.unwrap() - test_alone).abs() < 1e-6);
        let means: Vec<Tensor<2>> = on_train.embeddings.iter().map(|z| z.clone().mean_dim(0)).collect();
        let subsets: Vec<f64> = (0..8usize)
            .map(|s| {
                let present: Vec<bool> = (0..3).map(|m| s & (1 << m) != 0).collect();
                scalar(accuracy(model.fused_with_mask(&on_val.embeddings, &present, &means), val.targets.clone()))
            })
            .collect();
        let phi = shapley(&subsets, 3);
        for ((name, c), alone) in evaluation.contribution.iter().zip(phi) {
            assert!((c.shapley - alone).abs() < 1e-6, "{name}: Shapley packed {}, alone {alone}", c.shapley);
        }
    }

    #[test]
    fn side_work_counts_in_chunks_and_never_moves_the_run() {
        let config = crate::engine::presets::preset("imbalance").unwrap().with_override("methods.modality_dropout.enabled=true").unwrap();
        let data = Dataset::from_config(&config, None).unwrap();
        let mut plain = Trainer::new(config.clone(), data.clone(), ComputeDevice::cpu());
        let mut methods = methods::from_config(&config.methods);
        methods.push(Box::new(SideRuns(5)));
        let mut side = Trainer::with_methods(config, data, ComputeDevice::cpu(), methods);
        block_on(side.evaluate()).unwrap();
        assert_eq!((side.step(3), side.step_count()), (3, 0), "three units of side work, no step of the run");
        assert_eq!((side.step(4), side.step_count()), (4, 2), "the last two units, then two steps");
        run_to(&mut plain, 8);
        run_to(&mut side, 8);
        let (a, b) = (plain.history().latest().unwrap(), side.history().latest().unwrap());
        assert_eq!((a.step, &a.heads), (b.step, &b.heads), "same batches, masks and weights as a run without side work");
        assert_eq!(plain.last_weights, side.last_weights);
    }

    /// Draws fusion-sized noise from its own stream every step and throws it away, and owns a
    /// layer drawn from its own stream that no loss uses: it changes nothing of the run.
    struct Drawer;

    impl Method for Drawer {
        fn name(&self) -> &'static str {
            "drawer"
        }

        fn reconfigure(&mut self, _config: &MethodsConfig) {}

        fn layers(&mut self, shape: &ModelShape, rng: &mut HostRng, device: &Device) -> Vec<Linear> {
            vec![linear_from_rng(shape.width, 5, rng, device)]
        }

        fn transform_fused(&mut self, fused: Tensor<2>, ctx: &mut StepContext) -> Tensor<2> {
            let mut rng = ctx.stream(self.name(), 0);
            let [rows, cols] = fused.dims();
            let drawn: f64 = (0..rows * cols).map(|_| rng.uniform()).sum();
            assert!(drawn > 0.0);
            fused
        }
    }

    /// One random stream per method: modality dropout's masks and the layer Projection owns
    /// are drawn alike with or without a method before them that draws every step and owns a
    /// layer, so the run is the same (with one shared stream, Drawer's draws shifted both).
    #[test]
    fn a_method_that_draws_shifts_no_other_methods_draws() {
        let config = crate::engine::presets::preset("imbalance").unwrap().with_override("methods.modality_dropout.enabled=true").unwrap();
        let data = Dataset::from_config(&config, None).unwrap();
        let run = |drawer: bool| {
            let mut methods: Vec<Box<dyn Method>> = Vec::new();
            if drawer {
                methods.push(Box::new(Drawer));
            }
            methods.extend(methods::from_config(&config.methods));
            methods.push(Box::new(Projection));
            let mut t = Trainer::with_methods(config.clone(), data.clone(), ComputeDevice::cpu(), methods);
            let initial = values(t.model.method_layers("projection")[0]);
            run_to(&mut t, 12);
            (initial, t.history().latest().unwrap().heads.clone())
        };
        let (alone, beside) = (run(false), run(true));
        assert_eq!(alone.0, beside.0, "Projection's initial layer");
        assert_eq!(alone.1, beside.1, "the run at step 12: modality dropout drew the same masks");
    }

    /// Hook 3 with the fused head's weight 2, given on the host or as a device scalar.
    struct FusedWeight(crate::engine::methods::Weight);

    impl Method for FusedWeight {
        fn name(&self) -> &'static str {
            "fused-weight"
        }

        fn reconfigure(&mut self, _config: &MethodsConfig) {}

        fn loss_weights(&self, modalities: usize) -> Option<LossWeights> {
            Some(LossWeights { fused: self.0.clone(), ..LossWeights::probes(modalities) })
        }
    }

    #[test]
    fn a_loss_weight_on_the_device_acts_as_the_same_number_on_the_host() {
        use crate::engine::methods::Weight;
        // SGD: Adam would all but cancel a constant scale of the loss.
        let config = crate::engine::presets::preset("imbalance").unwrap().with_override("train.optimizer=sgd").unwrap();
        let data = Dataset::from_config(&config, None).unwrap();
        let device = ComputeDevice::cpu().training();
        let two = Tensor::<1>::from_data(burn::tensor::TensorData::new(vec![2f32], [1]), &device);
        let run = |weight: Option<Weight>| {
            let methods: Vec<Box<dyn Method>> = weight.into_iter().map(|w| Box::new(FusedWeight(w)) as Box<dyn Method>).collect();
            let mut t = Trainer::with_methods(config.clone(), data.clone(), ComputeDevice::cpu(), methods);
            run_to(&mut t, 8);
            t.history().latest().unwrap().heads.clone()
        };
        let (host, on_device, baseline) = (run(Some(Weight::Fixed(2.0))), run(Some(Weight::Device(Box::new(two)))), run(None));
        for ((name, a), (_, b)) in host.iter().zip(&on_device) {
            assert!((a.val_loss - b.val_loss).abs() < 1e-6 && (a.train_loss - b.train_loss).abs() < 1e-6, "{name}: {a:?} vs {b:?}");
        }
        assert!((host[0].1.train_loss - baseline[0].1.train_loss).abs() > 1e-4, "the weight changes training");
    }

    /// A stand-in for the clean/adversarial split to come: ½ on every head's clean loss.
    struct Halver;

    impl Method for Halver {
        fn name(&self) -> &'static str {
            "halver"
        }

        fn reconfigure(&mut self, _config: &MethodsConfig) {}

        fn loss_weights(&self, modalities: usize) -> Option<LossWeights> {
            use crate::engine::methods::Weight;
            Some(LossWeights { fused: Weight::Fixed(0.5), unimodal: vec![Weight::Fixed(0.5); modalities], attached: false })
        }
    }

    /// What an extra-loss hook was given at each step: the composed weights, read back
    /// (unimodal heads, then fused), and whether the heads were attached.
    type SeenWeights = std::rc::Rc<std::cell::RefCell<Vec<(usize, Vec<f64>, bool)>>>;

    /// Records the composed weights each step's extra-loss hook receives.
    struct WeightSpy(SeenWeights);

    impl Method for WeightSpy {
        fn name(&self) -> &'static str {
            "weight-spy"
        }

        fn reconfigure(&mut self, _config: &MethodsConfig) {}

        fn extra_loss(&mut self, _model: &MultimodalNet, view: &StepView, ctx: &mut StepContext) -> Option<Tensor<1>> {
            use crate::engine::methods::Weight;
            let read = |w: &Weight| match w {
                Weight::Fixed(v) => *v,
                Weight::Device(t) => t.clone().into_data().try_to_vec::<f32>().unwrap()[0] as f64,
            };
            let values = view.weights.unimodal.iter().chain([&view.weights.fused]).map(read).collect();
            self.0.borrow_mut().push((ctx.step, values, view.weights.attached));
            None
        }
    }

    /// Loss weights compose by multiplication per head: Gradient-Blending's estimated w_h
    /// times a method that halves the clean loss give ½·w_h on each head, attached (with the
    /// first method's weights winning, the hook saw w_h).
    #[test]
    fn loss_weights_compose_by_multiplication_per_head() {
        let config = crate::engine::presets::preset("gradient-blending").unwrap();
        let data = Dataset::from_config(&config, None).unwrap();
        let seen = SeenWeights::default();
        let mut methods = methods::from_config(&config.methods);
        methods.push(Box::new(Halver));
        methods.push(Box::new(WeightSpy(seen.clone())));
        let mut t = Trainer::with_methods(config, data, ComputeDevice::cpu(), methods);
        run_to(&mut t, 16);
        let mut checked = 0;
        for evaluation in t.history().points() {
            let blend = &evaluation.methods["gradient_blending"];
            let (Some(weights), Some(at)) = (blend["weights"].as_object(), blend["estimated_at_step"].as_u64()) else { continue };
            let Some((_, given, attached)) = seen.borrow().iter().find(|(step, ..)| *step + 1 == evaluation.step && *step >= at as usize).cloned() else { continue };
            let halved: Vec<f64> = weights.values().map(|w| 0.5 * w.as_f64().unwrap()).collect();
            assert_eq!(given.len(), halved.len(), "{weights:?}");
            for (g, h) in given.iter().zip(&halved) {
                assert!((g - h).abs() < 1e-6, "step {}: given {given:?}, ½·w = {halved:?}", evaluation.step);
            }
            assert!(attached, "Gradient-Blending attaches the heads, whatever the other factor says");
            checked += 1;
        }
        assert!(checked >= 2, "{checked} evaluations after an estimate");
    }

    fn values(layer: &Linear) -> Vec<f32> {
        layer.weight.val().into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn layers_a_method_owns_are_trained_and_in_every_snapshot() {
        let config = crate::engine::presets::preset("imbalance").unwrap();
        let data = Dataset::from_config(&config, None).unwrap();
        let with_projection = || Trainer::with_methods(config.clone(), data.clone(), ComputeDevice::cpu(), vec![Box::new(Projection)]);
        let plain = Trainer::new(config.clone(), data.clone(), ComputeDevice::cpu());
        let mut t = with_projection();
        let before = values(t.model.method_layers("projection")[0]);
        block_on(t.evaluate()).unwrap();
        assert_eq!(t.step(3), 3);
        let after = values(t.model.method_layers("projection")[0]);
        assert_ne!(before, after, "the optimizer steps the method's layer");
        block_on(t.evaluate()).unwrap();
        let count = |m: &MultimodalNet| flatten_parameters(m).dims()[0];
        assert_eq!(t.last_weights.len(), count(&plain.model) + before.len() + 3, "the snapshot holds the layer's weight and bias");
        let restored = load_parameters(with_projection().model, &t.last_weights);
        assert_eq!(values(restored.method_layers("projection")[0]), after, "loading a snapshot restores the layer");
    }
}
