//! A run's state: its configuration, data, model, optimizer, methods and where it stands,
//! and the changes it takes while it runs (live settings, another device).

use burn::optim::ModuleOptimizer;
use burn::tensor::Device;

use crate::engine::config::ExperimentConfig;
use crate::engine::config::knobs::{KnobKind, differences};
use crate::engine::data::Dataset;
use crate::engine::data::split::streams;
use crate::engine::device::ComputeDevice;
use crate::engine::metrics::{Evaluation, Event, History};
use crate::engine::model::params::load_parameters;
use crate::engine::model::optimizer::optimizer_for;
use crate::engine::model::MultimodalNet;
use crate::engine::model::fusion::Fusion;
use crate::engine::methods::{self, Method, ModelShape};
use crate::engine::rng::HostRng;

use super::evaluation::EvalSets;
use super::step::Accumulators;

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

/// Where the host-side state of the run stood at the last evaluation (its step is the last
/// evaluation's step): what a backend switch rewinds to, with that evaluation's weights.
#[derive(Clone)]
pub(super) struct ResumePoint {
    pub(super) step: usize,
    pub(super) cursor: usize,
    pub(super) epoch_order: Vec<usize>,
}

/// Trains one configuration on one device.
pub struct Trainer {
    pub(super) config: ExperimentConfig,
    pub(super) compute: ComputeDevice,
    pub(super) device: Device,
    pub(super) data: Dataset,
    pub(super) model: MultimodalNet,
    pub(super) optimizer: ModuleOptimizer,
    pub(super) methods: Vec<Box<dyn Method>>,
    pub(super) eval_sets: EvalSets,
    pub(super) epoch_order: Vec<usize>,
    pub(super) cursor: usize,
    pub(super) step: usize,
    pub(super) steps_per_epoch: usize,
    pub(super) total_steps: usize,
    pub(super) accumulators: Accumulators,
    pub(super) history: History,
    pub(super) pending_events: Vec<Event>,
    pub(super) last_weights: Vec<f32>,
    pub(super) resume_point: ResumePoint,
    pub(super) resume_check_due: bool,
    pub(super) status: RunStatus,
}

/// The run's network at its initial weights, with the layers its methods own.
fn build_model(config: &ExperimentConfig, data: &Dataset, methods: &mut [Box<dyn Method>], device: &Device) -> MultimodalNet {
    let model = MultimodalNet::new(&config.model, &data.dims(), data.classes, config.train.seed, device);
    let modalities = data.modality_names.len();
    let shape = ModelShape {
        modalities,
        width: config.model.encoder_width,
        fused_width: Fusion::output_width(&config.model, modalities, data.classes),
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
    pub(super) fn with_methods(config: ExperimentConfig, data: Dataset, compute: ComputeDevice, mut methods: Vec<Box<dyn Method>>) -> Self {
        let device = compute.training();
        let plain = compute.evaluation();
        let model = build_model(&config, &data, &mut methods, &device);
        let steps_per_epoch = config.steps_per_epoch(data.train.len());
        let eval_sets = EvalSets::new(&data, config.metrics.missing_as, config.train.seed, &plain);
        let modalities = data.modality_names.len();
        let epoch_order = HostRng::new(config.train.seed, streams::BATCHES).permutation(data.train.len());
        Self {
            optimizer: optimizer_for(&config, &methods::optimizer_settings(&methods)),
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
        let methods_changed = new.methods != old.methods;
        let mut changes = live_change_words(old, new);
        self.config.take_live(live);
        if methods_changed {
            let asked = methods::optimizer_settings(&self.methods);
            self.methods = methods::reconfigure_all(std::mem::take(&mut self.methods), &self.config.methods);
            let now = methods::optimizer_settings(&self.methods);
            if now != asked {
                // What the methods ask of the optimizer itself changed (its own weight decay):
                // a new one, whose momentum starts again.
                self.optimizer = optimizer_for(&self.config, &now);
                changes.push("optimizer rebuilt for its weight decay (its momentum starts again)".into());
            }
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
        self.eval_sets = EvalSets::new(&self.data, self.config.metrics.missing_as, self.config.train.seed, &plain);
        self.accumulators = Accumulators::new(self.data.modality_names.len(), &plain);
        self.optimizer = optimizer_for(&self.config, &methods::optimizer_settings(&self.methods));
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
}

/// A live change in words, as its chart mark and `metrics.jsonl` event say it: each knob
/// that changed by its label, a switch as "on"/"off" ("Gradient-Blending on"), any other
/// value as "from → to" ("learning rate 0.001 → 0.002"), in the knob table's order.
fn live_change_words(old: &ExperimentConfig, new: &ExperimentConfig) -> Vec<String> {
    let switches: Vec<String> = crate::engine::config::knobs::table(new).into_iter().filter(|k| matches!(k.kind, KnobKind::Toggle)).map(|k| k.path).collect();
    let mut words: Vec<String> = differences(old, new)
        .into_iter()
        .map(|d| match (switches.contains(&d.path), d.to.as_str()) {
            (true, "true") => format!("{} on", d.label),
            (true, "false") => format!("{} off", d.label),
            _ => format!("{} {} → {}", d.label, d.from, d.to),
        })
        .collect();
    // Every live setting is a knob (the metrics' constants and the test hooks too); a
    // difference no knob shows is still said.
    if words.is_empty() && old != new {
        words.push("settings without a control changed".into());
    }
    words
}
