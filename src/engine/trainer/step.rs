//! Optimizer steps: the batch order, one step's loss from the methods' hooks, and side work
//! between steps.

use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};

use crate::engine::data::batcher::batch_from_split;
use crate::engine::data::split::streams;
use crate::engine::model::loss::cross_entropy;
use crate::engine::model::params::gradient_norm;
use crate::engine::methods::{self, LossWeights, SideContext, StepContext, StepView};
use crate::engine::rng::HostRng;

use super::run::Trainer;

/// Device-side sums since the last evaluation (read back with it).
pub(super) struct Accumulators {
    pub(super) loss_sum: Tensor<1>,
    pub(super) grad_norm_sums: Vec<Tensor<1>>,
    pub(super) steps: usize,
}

impl Accumulators {
    pub(super) fn new(modalities: usize, device: &Device) -> Self {
        Self {
            loss_sum: Tensor::zeros([1], device),
            grad_norm_sums: (0..modalities).map(|_| Tensor::zeros([1], device)).collect(),
            steps: 0,
        }
    }
}

impl Trainer {
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
        let optimizer = methods::optimizer_settings(&self.methods);
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
            optimizer: &optimizer,
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
}
