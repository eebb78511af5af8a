//! Regularizers as plug-ins. Each method is a small struct in its own file that implements
//! [`Regularizer`], overriding only the hooks it uses (DESIGN.md "Hooks"):
//!
//! 1. batch transform ([`Regularizer::transform_batch`]);
//! 2. extra loss terms ([`Regularizer::extra_loss`]);
//! 5. model structure in training mode ([`Regularizer::transform_embeddings`],
//!    [`Regularizer::transform_fused`]);
//! 6. optimizer side ([`Regularizer::after_step`]);
//! 7. schedule ([`Regularizer::after_evaluation`]).
//!
//! The trainer calls every hook of every active method in order and knows no method by name.

pub mod early_stopping;
pub mod fusion_dropout;
pub mod modality_dropout;
pub mod weight_penalty;

use burn::tensor::{Device, Tensor, TensorData};
use serde_json::Value;

use crate::engine::config::RegularizerConfig;
use crate::engine::data::batcher::Batch;
use crate::engine::metrics::Evaluation;
use crate::engine::model::MultimodalNet;
use crate::engine::rng::HostRng;

/// What a hook may use of the current step.
pub struct StepContext<'a> {
    /// Seeded host RNG for masks and noise (same draws on every backend).
    pub rng: &'a mut HostRng,
    /// The training device.
    pub device: &'a Device,
    /// Current learning rate.
    pub learning_rate: f64,
}

impl StepContext<'_> {
    /// A `[rows, cols]` tensor of host-drawn values, uploaded.
    pub fn upload(&self, values: Vec<f32>, rows: usize, cols: usize) -> Tensor<2> {
        Tensor::from_data(TensorData::new(values, [rows, cols]), self.device)
    }
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
pub trait Regularizer {
    /// Stable name used in the `methods` object of the output.
    fn name(&self) -> &'static str;

    /// Hook 1: transform the batch (mixup, noise, ...).
    fn transform_batch(&mut self, batch: Batch, _ctx: &mut StepContext) -> Batch {
        batch
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
    fn extra_loss(&mut self, _model: &MultimodalNet, _ctx: &mut StepContext) -> Option<Tensor<1>> {
        None
    }

    /// Hook 6: change the model after the optimizer step (decoupled weight decay).
    fn after_step(&mut self, model: MultimodalNet, _ctx: &mut StepContext) -> MultimodalNet {
        model
    }

    /// Hook 7: look at an evaluation (with its weight snapshot) and decide whether to go on.
    fn after_evaluation(&mut self, _evaluation: &Evaluation, _weights: &[f32]) -> ScheduleAction {
        ScheduleAction::Continue
    }

    /// The method's state for the `methods` object of the output.
    fn state(&self) -> Value {
        Value::Null
    }
}

/// The active methods of a configuration, in hook order.
pub fn from_config(config: &RegularizerConfig) -> Vec<Box<dyn Regularizer>> {
    let mut methods: Vec<Box<dyn Regularizer>> = Vec::new();
    if config.modality_dropout.enabled {
        methods.push(Box::new(modality_dropout::ModalityDropout::new(config.modality_dropout.p)));
    }
    if config.fusion_dropout.enabled {
        methods.push(Box::new(fusion_dropout::FusionDropout::new(config.fusion_dropout.p)));
    }
    if config.weight_penalty.enabled {
        methods.push(Box::new(weight_penalty::WeightPenalty::new(&config.weight_penalty)));
    }
    if config.early_stopping.enabled {
        methods.push(Box::new(early_stopping::EarlyStopping::new(config.early_stopping.patience)));
    }
    methods
}
