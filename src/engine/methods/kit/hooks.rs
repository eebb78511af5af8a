//! The method kit: every training method (regularizers, loss weighting, gradient
//! modulation) is a small struct in its own file that implements [`Method`], overriding only
//! the hooks it uses (DESIGN.md "Hooks"):
//!
//! 1. batch transform ([`Method::transform_batch`]);
//! 2. extra loss terms ([`Method::extra_loss`]), seeing the whole step ([`StepView`]);
//! 3. per-head loss weights and whether the unimodal heads are attached
//!    ([`Method::loss_weights`]);
//! 4. gradient modulation between `backward` and the optimizer step
//!    ([`Method::modulate_gradients`]; [`MultimodalNet::encoder_param_ids`] gives each
//!    encoder's parameters);
//! 5. model structure in training mode ([`Method::transform_embeddings`],
//!    [`Method::transform_fused`]);
//! 6. optimizer side ([`Method::after_step`]);
//! 7. schedule ([`Method::after_evaluation`]);
//! 8. side work between steps that is not a step of the run ([`Method::has_side_work`],
//!    [`Method::side_step`]: Gradient-Blending's estimation runs);
//! 9. the optimizer itself ([`Method::optimizer`]: its own weight decay).
//!
//! Methods may also add device-side scalars to the one packed evaluation readback
//! ([`Method::device_scalars`], read back into [`Method::read_scalars`]). A live change
//! reaches a running method through [`Method::reconfigure`], which keeps its state.
//!
//! The trainer calls every hook of every active method in [`REGISTRY`] order and knows no
//! method by name; one line in [`crate::for_each_method`] adds a method (its folder under
//! `engine::methods`, its hooks in the folder's `hooks.rs`).

use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use serde_json::Value;

use crate::engine::config::ExperimentConfig;
use crate::engine::methods::MethodsConfig;
use crate::engine::data::Dataset;
use crate::engine::data::batcher::Batch;
use crate::engine::metrics::{Evaluation, Event};
use crate::engine::model::MultimodalNet;
use crate::engine::model::optimizer::OptimizerSettings;
use crate::engine::data::split::streams;
use crate::engine::rng::{HostRng, key_id};

/// What side work may use: the run's data and evaluation sets, its configuration and where
/// it stands. Nothing here advances the run.
pub struct SideContext<'a> {
    /// The training device (autodiff).
    pub device: &'a Device,
    /// The run's dataset (training split without V, V, validation, T′ indices).
    pub data: &'a Dataset,
    /// T′ on the evaluation device.
    pub train_subset: &'a Batch,
    /// V on the evaluation device (`None` when `data.holdout_fraction` is 0).
    pub holdout: Option<&'a Batch>,
    /// The run's configuration (optimizer, learning rate, batch size, seed).
    pub config: &'a ExperimentConfig,
    /// Optimizer steps the run has done.
    pub step: usize,
    /// Optimizer steps per epoch of the run.
    pub steps_per_epoch: usize,
    /// What the methods ask of the run's optimizer (a copy's fresh optimizer is built alike).
    pub optimizer: &'a OptimizerSettings,
}

/// The sizes a method needs to build its own layers.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelShape {
    /// Number of modalities.
    pub modalities: usize,
    /// Embedding width of each modality (the encoder width).
    pub width: usize,
    /// Width of the fused representation.
    pub fused_width: usize,
    /// Number of classes.
    pub classes: usize,
}

/// What every hook may use of the current step.
pub struct StepContext<'a> {
    /// The run's seed: each method draws its masks and noise from its own streams
    /// ([`StepContext::stream`]).
    pub seed: u64,
    /// The training device.
    pub device: &'a Device,
    /// Current learning rate.
    pub learning_rate: f64,
    /// Optimizer steps done before this one.
    pub step: usize,
    /// The epoch this step belongs to (0-based).
    pub epoch: usize,
    /// Steps in the run as configured now (live changes of its length included).
    pub total_steps: usize,
    /// True when the unimodal heads are attached this step (their loss reaches the encoders,
    /// hook 3); false when they are detached probes.
    pub heads_attached: bool,
}

impl StepContext<'_> {
    /// The random stream of `purpose` for the method with key `method` at this step, drawn
    /// on the host (the same draws on every backend). It derives from the run's seed, the
    /// method's key, the purpose and the step index alone, so turning another method on,
    /// a rewind or a backend switch never shifts it. Take one stream per purpose per step.
    pub fn stream(&self, method: &str, purpose: u64) -> HostRng {
        HostRng::derived(self.seed, &[streams::MASKS, key_id(method), purpose, self.step as u64])
    }

    /// A `[rows, cols]` tensor of host-drawn values, uploaded.
    pub fn upload(&self, values: Vec<f32>, rows: usize, cols: usize) -> Tensor<2> {
        Tensor::from_data(TensorData::new(values, [rows, cols]), self.device)
    }
}

/// A step context at step 0 of a one-step run, for the methods' unit tests.
#[cfg(test)]
pub fn test_context(seed: u64, device: &Device, learning_rate: f64) -> StepContext<'_> {
    StepContext { seed, device, learning_rate, step: 0, epoch: 0, total_steps: 1, heads_attached: false }
}

/// The forward pass of one training step, for the hooks that need it (after the batch,
/// embedding and fusion transforms).
///
/// # Shapes
/// - `embeddings[m]`: `[batch, width]`; `fused`: `[batch, fused_width]`
/// - `fused_logits`, `unimodal_logits[m]`: `[batch, classes]`
pub struct StepView<'a> {
    /// The (transformed) batch: inputs and targets.
    pub batch: &'a Batch,
    /// z_m after the embedding transforms.
    pub embeddings: &'a [Tensor<2>],
    /// The fused representation after the fusion transforms.
    pub fused: &'a Tensor<2>,
    /// The fused head's logits.
    pub fused_logits: &'a Tensor<2>,
    /// Each unimodal head's logits (on detached embeddings unless the heads are attached).
    pub unimodal_logits: &'a [Tensor<2>],
    /// The step's loss weights, composed over every method ([`LossWeights::compose`]): an
    /// extra term over the heads can weight each head as the clean loss does.
    pub weights: &'a LossWeights,
}

/// A loss weight: a host number, or a device scalar (`[1]`, on the training device) that a
/// method computed there and never read back (Gradient-Blending's estimated weights).
#[derive(Clone, Debug)]
pub enum Weight {
    /// A number known on the host.
    Fixed(f64),
    /// A scalar that lives on the device.
    Device(Box<Tensor<1>>),
}

impl Weight {
    /// The product of two weights: on the host while both are numbers there, else on the
    /// device (a fixed 1 is no operation, so one weight alone stays exactly itself).
    pub fn times(self, other: Weight) -> Weight {
        match (self, other) {
            (Weight::Fixed(a), Weight::Fixed(b)) => Weight::Fixed(a * b),
            (Weight::Fixed(one), w) | (w, Weight::Fixed(one)) if one == 1.0 => w,
            (Weight::Fixed(a), Weight::Device(w)) | (Weight::Device(w), Weight::Fixed(a)) => Weight::Device(Box::new(w.mul_scalar(a))),
            (Weight::Device(a), Weight::Device(b)) => Weight::Device(Box::new(*a * *b)),
        }
    }

    /// `loss` times the weight (no operation for a fixed 1).
    pub fn apply(&self, loss: Tensor<1>) -> Tensor<1> {
        match self {
            Weight::Fixed(w) if *w == 1.0 => loss,
            Weight::Fixed(w) => loss.mul_scalar(*w),
            Weight::Device(w) => loss * (**w).clone(),
        }
    }
}

/// Hook 3: the training loss is `fused · CE(fused) + Σ_m unimodal[m] · CE(head m)`. Every
/// method that sets weights contributes a factor per head ([`LossWeights::compose`]): the
/// weights of Gradient-Blending times a method that halves the clean loss give ½·w_h.
#[derive(Clone, Debug)]
pub struct LossWeights {
    /// Weight of the fused head's loss.
    pub fused: Weight,
    /// Weight of each unimodal head's loss.
    pub unimodal: Vec<Weight>,
    /// Whether the unimodal heads see the encoders' graph (Gradient-Blending) or detached
    /// embeddings (probes that measure without changing the encoders).
    pub attached: bool,
}

impl LossWeights {
    /// The naive baseline: CE(fused) plus detached probes with weight 1 (docs/methods.md,
    /// "The model and its heads").
    pub fn probes(modalities: usize) -> Self {
        Self { fused: Weight::Fixed(1.0), unimodal: vec![Weight::Fixed(1.0); modalities], attached: false }
    }

    /// These weights times `other`'s, head by head; the heads are attached if either
    /// attaches them.
    pub fn compose(self, other: LossWeights) -> LossWeights {
        LossWeights {
            fused: self.fused.times(other.fused),
            unimodal: self.unimodal.into_iter().zip(other.unimodal).map(|(a, b)| a.times(b)).collect(),
            attached: self.attached || other.attached,
        }
    }

    /// The weights of a step: the baseline times every factor the methods give
    /// ([`Method::loss_weights`]), in their order.
    pub fn of_methods(methods: &[Box<dyn Method>], modalities: usize) -> LossWeights {
        methods.iter().filter_map(|m| m.loss_weights(modalities)).fold(LossWeights::probes(modalities), LossWeights::compose)
    }
}

/// What every method in `methods` asks of the optimizer ([`Method::optimizer`]), in their
/// order.
pub fn optimizer_settings(methods: &[Box<dyn Method>]) -> OptimizerSettings {
    let mut settings = OptimizerSettings::default();
    for method in methods {
        method.optimizer(&mut settings);
    }
    settings
}

/// What the schedule hook asks of the trainer.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleAction {
    /// Keep training.
    Continue,
    /// Stop, restoring these weights (a snapshot from an earlier evaluation).
    StopAndRestore {
        /// The weights to restore.
        weights: Vec<f32>,
        /// The event to record.
        event: crate::engine::metrics::Event,
    },
}

/// A training method plugged into the loop. Every hook has a no-op default.
pub trait Method {
    /// Stable name used in the `methods` object of the output (its config key).
    fn name(&self) -> &'static str;

    /// A live change of the settings: take the new values, keep the state (best checkpoint,
    /// patience counter, weights, histories).
    fn reconfigure(&mut self, config: &MethodsConfig);

    /// Trainable layers the method owns (projection heads, ...), built once when the run
    /// starts, their weights drawn from `rng`: the optimizer steps them, snapshots include
    /// them, and hooks find them with [`MultimodalNet::method_layers`]. A method that owns
    /// layers changes the network, so its `enabled` knob must be structural (a test checks).
    fn layers(&mut self, _shape: &ModelShape, _rng: &mut HostRng, _device: &Device) -> Vec<burn::nn::Linear> {
        Vec::new()
    }

    /// Side work (Gradient-Blending's estimation runs on copies of the model): true when the
    /// method has work to do before the run's next step, at optimizer step `step`.
    fn has_side_work(&self, _step: usize, _steps_per_epoch: usize) -> bool {
        false
    }

    /// One unit of side work (one optimizer step of a copy, or one measurement). While any
    /// method has side work the run waits: each unit counts against the caller's chunk, as a
    /// step does (so the page stays responsive), but never advances the run's step, batch
    /// cursor or random streams, changes its model, or triggers an evaluation.
    fn side_step(&mut self, _model: &MultimodalNet, _ctx: &mut SideContext) {}

    /// The run moved to another device (a backend switch, a lost GPU): device state made on
    /// the old one must be dropped or moved.
    fn moved_to(&mut self, _device: &Device) {}

    /// Events to record with the evaluation being read now (after [`Method::read_scalars`]).
    fn events(&mut self) -> Vec<Event> {
        Vec::new()
    }

    /// Hook 1: transform the batch (mixup, noise, ...).
    fn transform_batch(&mut self, batch: Batch, _ctx: &mut StepContext) -> Batch {
        batch
    }

    /// Hook 3: this method's factor on each head's loss weight (`None`: 1 on every head).
    /// The factors of all methods multiply ([`LossWeights::compose`]); a method that
    /// attaches the heads attaches them for all.
    fn loss_weights(&self, _modalities: usize) -> Option<LossWeights> {
        None
    }

    /// Hook 5: transform the embeddings in training mode (modality dropout).
    fn transform_embeddings(&mut self, embeddings: Vec<Tensor<2>>, _ctx: &mut StepContext) -> Vec<Tensor<2>> {
        embeddings
    }

    /// Hook 5: transform the fused representation in training mode (dropout).
    fn transform_fused(&mut self, fused: Tensor<2>, _ctx: &mut StepContext) -> Tensor<2> {
        fused
    }

    /// Hook 2: an extra loss term.
    fn extra_loss(&mut self, _model: &MultimodalNet, _view: &StepView, _ctx: &mut StepContext) -> Option<Tensor<1>> {
        None
    }

    /// Hook 4: change the gradients between `backward` and the optimizer step (the gradient
    /// share of the charts is measured before this).
    fn modulate_gradients(
        &mut self,
        grads: GradientsParams,
        _model: &MultimodalNet,
        _view: &StepView,
        _ctx: &mut StepContext,
    ) -> GradientsParams {
        grads
    }

    /// Hook 9: what this method asks of the optimizer itself (its own weight decay), applied
    /// when the run's optimizer is built: at the start, after a backend switch, and when a
    /// live change changes what the methods ask (the optimizer is then rebuilt, and its
    /// momentum starts again).
    fn optimizer(&self, _settings: &mut OptimizerSettings) {}

    /// Hook 6: change the model after the optimizer step (decoupled weight decay).
    fn after_step(&mut self, model: MultimodalNet, _ctx: &mut StepContext) -> MultimodalNet {
        model
    }

    /// Device-side scalars (`[1]` each, on the evaluation device: `.inner()` of training
    /// tensors) to read back with the next evaluation's packed read; their values come
    /// back, in the same order, to [`Method::read_scalars`].
    fn device_scalars(&mut self) -> Vec<Tensor<1>> {
        Vec::new()
    }

    /// The values of [`Method::device_scalars`], read back with an evaluation.
    fn read_scalars(&mut self, _values: &[f64]) {}

    /// Hook 7: look at an evaluation (with its weight snapshot) and decide whether to go on.
    fn after_evaluation(&mut self, _evaluation: &Evaluation, _weights: &[f32]) -> ScheduleAction {
        ScheduleAction::Continue
    }

    /// The method's state for the `methods` object of the output.
    fn state(&self) -> Value {
        Value::Null
    }
}

/// One registered method: its key, whether a configuration turns it on, and how to build it.
pub struct Registration {
    /// The method's key (config key under `methods`, name in the output).
    pub name: &'static str,
    /// True when the configuration enables the method.
    pub enabled: fn(&MethodsConfig) -> bool,
    /// A fresh instance at step 0.
    pub build: fn(&MethodsConfig) -> Box<dyn Method>,
}

macro_rules! define_registry {
    ($($key:ident: $settings:ident),* $(,)?) => {
        /// Every method, in the order of [`crate::for_each_method`] (hook order).
        pub const REGISTRY: &[Registration] = &[$(Registration {
            name: stringify!($key),
            enabled: |c| crate::engine::methods::MethodSettings::enabled(&c.$key),
            build: crate::engine::methods::$key::hooks::build,
        }),*];
    };
}

crate::for_each_method!(define_registry);

/// `model` with the layers every method in `methods` owns, each method's drawn from its own
/// stream of the run's seed (so that another method's layers never shift them).
pub fn add_method_layers(mut model: MultimodalNet, methods: &mut [Box<dyn Method>], shape: &ModelShape, seed: u64, device: &Device) -> MultimodalNet {
    for method in methods.iter_mut() {
        let mut rng = HostRng::derived(seed, &[streams::METHOD_LAYERS, key_id(method.name())]);
        let layers = method.layers(shape, &mut rng, device);
        model = model.with_method_layers(method.name(), layers);
    }
    model
}

/// The active methods of a configuration, in [`REGISTRY`] order, all fresh.
pub fn from_config(config: &MethodsConfig) -> Vec<Box<dyn Method>> {
    reconfigure_all(Vec::new(), config)
}

/// The active methods of `config`: the running instances of methods that stay on are kept
/// (reconfigured, their state intact), methods turned on are built fresh, methods turned off
/// are dropped.
pub fn reconfigure_all(running: Vec<Box<dyn Method>>, config: &MethodsConfig) -> Vec<Box<dyn Method>> {
    let mut running: Vec<Option<Box<dyn Method>>> = running.into_iter().map(Some).collect();
    REGISTRY
        .iter()
        .filter(|entry| (entry.enabled)(config))
        .map(|entry| {
            let kept = running.iter_mut().find(|m| m.as_ref().is_some_and(|m| m.name() == entry.name)).and_then(Option::take);
            match kept {
                Some(mut method) => {
                    method.reconfigure(config);
                    method
                }
                None => (entry.build)(config),
            }
        })
        .collect()
}
