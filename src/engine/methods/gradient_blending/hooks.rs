//! Gradient-Blending (Wang, Tran, Feiszli, *What Makes Training Multi-modal Classification
//! Networks Hard?*, CVPR 2020; docs/methods.md, "Method `gradient_blending`"). The training
//! loss is L = Σ_h w_h · CE_h over each unimodal head (attached: its loss reaches its
//! encoder) and the fused head.
//!
//! The weights are estimated on the held-out part V. For each candidate c ∈ {1..M, fused}:
//! copy the current weights θ, train the copy with a fresh optimizer (same family and
//! learning rate) for n′ epochs of optimizer steps on CE_c alone (the unimodal candidate m
//! trains encoder m and head m; the fused candidate trains encoders, fusion and fused head),
//! with the same seeded batch order for every candidate; measure L^T on T′ and L^V on V of
//! head c before and after; ΔG_c = L^V_before − L^V_after, ΔO_c = O_after − O_before with
//! O = L^V − L^T; raw_c = max(ΔG_c, 0) / max(|ΔO_c|, ε_gb)² (paper rule; MultiBench's code:
//! |L^V_after / O_after²| with O_after clamped to 1e-4 when negative); w = raw / Σ raw.
//! When every raw weight is 0 (no candidate's held-out loss fell) or one is not finite, the
//! previous weights are kept (uniform only at the first estimate), and the estimate's event
//! says so (`kept`): a jump to uniform would be an artefact of the rule, not a finding.
//!
//! Offline: one estimate, when the method starts. Online: an estimate when it starts, again
//! `first_after` epochs later, then every `every` epochs, counted from the epoch it was
//! switched on (a method turned on live at epoch 5 estimates at 5, 8, 10, …). Estimation runs are side work
//! (hook 8): one optimizer step or one measurement per unit, so the page runs them in
//! chunks like training steps; they never move the run's step, batch cursor, random
//! streams or model, and trigger no evaluation. The weights stay on the device (hook 3,
//! never read back to train); ΔG, ΔO and w of each estimate are read back with the next
//! evaluation's packed read and recorded as a `gblend-estimate` event.
//!
//! Deviations, said here and in the UI: the candidates train on clean batches (no other
//! method's transforms); after a backend switch the weights made on the old device are
//! dropped and estimated again from the restored snapshot, and the schedule goes on where it
//! was (its epochs still count from the switch-on).

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor};
use serde_json::{Value, json};

use super::settings::{BlendRule, BlendSchedule, GradientBlendingConfig};
use crate::engine::config::FUSED;
use crate::engine::methods::{LossWeights, Method, MethodsConfig, SideContext, Weight};
use crate::engine::data::batcher::{Batch, batch_from_split};
use crate::engine::data::split::streams;
use crate::engine::metrics::Event;
use crate::engine::model::MultimodalNet;
use crate::engine::model::loss::cross_entropy;
use crate::engine::model::optimizer::optimizer_for;
use crate::engine::rng::HostRng;

/// MultiBench's floor of a negative gap in its rule (a constant of its code).
const MULTIBENCH_MIN_GAP: f64 = 1e-4;

/// A fresh instance (registered by [`crate::for_each_method`]).
pub fn build(c: &MethodsConfig) -> Box<dyn Method> {
    Box::new(GradientBlending::new(&c.gradient_blending))
}

/// The logits of candidate `c` (each modality's head, then the fused head) on `inputs`.
/// (Candidate m: its probe on z_m alone, attached, so only encoder m and head m are used.)
fn candidate_logits(model: &MultimodalNet, candidate: usize, inputs: &[Tensor<2>]) -> Tensor<2> {
    match candidate {
        m if m < inputs.len() => model.probes[m].forward(model.encoders[m].forward(inputs[m].clone())),
        _ => model.classify(model.fuse(&model.embed(inputs))),
    }
}

/// The raw weight of one candidate from its losses before (`t0`, `v0`) and after (`t1`,
/// `v1`) its run: `[1]` device scalars in, `(ΔG, ΔO, raw)` out.
pub fn raw_weight(rule: BlendRule, epsilon: f64, t0: Tensor<1>, v0: Tensor<1>, t1: Tensor<1>, v1: Tensor<1>) -> (Tensor<1>, Tensor<1>, Tensor<1>) {
    let delta_g = v0.clone() - v1.clone();
    let gap_after = v1.clone() - t1;
    let delta_o = gap_after.clone() - (v0 - t0);
    let raw = match rule {
        BlendRule::Paper => delta_g.clone().clamp_min(0.0) / delta_o.clone().abs().clamp_min(epsilon).powf_scalar(2.0),
        BlendRule::Multibench => {
            let gap = gap_after.clone().mask_fill(gap_after.lower_elem(0.0), MULTIBENCH_MIN_GAP);
            (v1 / gap.powf_scalar(2.0)).abs()
        }
    };
    (delta_g, delta_o, raw)
}

/// The weights of an estimate from its raw weights (`[1]` each): w = raw / Σ raw, or the
/// `previous` weights (uniform at the first estimate) when every raw weight is 0 or one is not
/// finite. Also returns a `[1]` flag, 1 when the previous weights were kept. All on the
/// device: nothing is read back.
pub fn blend_weights(raw: &[Tensor<1>], previous: Option<&[Tensor<1>]>) -> (Vec<Tensor<1>>, Tensor<1>) {
    let candidates = raw.len();
    let all = Tensor::cat(raw.to_vec(), 0);
    let finite = all.clone().is_finite();
    let finite_raw = all.mask_fill(finite.clone().bool_not(), 0.0);
    let total = finite_raw.clone().sum();
    let kept = finite.all().bool_not().bool_or(total.clone().lower_equal_elem(0.0)).float();
    let device = total.device();
    let previous = match previous {
        Some(weights) => Tensor::cat(weights.to_vec(), 0),
        None => Tensor::full([candidates], 1.0 / candidates as f64, &device),
    };
    // Where the previous weights are kept, divide by 1 instead of a total of 0.
    let fresh = finite_raw / (total + kept.clone());
    let weights = fresh * kept.clone().neg().add_scalar(1.0) + previous * kept.clone();
    (weights.split(1, 0), kept)
}

/// Where an estimate in progress stands.
enum Phase {
    /// Measure the candidate's losses on the copy before its run.
    Before,
    /// Train the copy (steps done so far).
    Train(usize),
    /// Measure after the run and compute the raw weight.
    After,
}

/// An estimate in progress: the current candidate's copy and its optimizer.
struct Estimate {
    step: usize,
    candidate: usize,
    phase: Phase,
    copy: Option<(MultimodalNet, ModuleOptimizer)>,
    order: Vec<usize>,
    before: Option<(Tensor<1>, Tensor<1>)>,
    delta_g: Vec<Tensor<1>>,
    delta_o: Vec<Tensor<1>>,
    raw: Vec<Tensor<1>>,
}

/// An estimate done on the device, waiting for the next evaluation's readback.
struct Unread {
    step: usize,
    scalars: Vec<Tensor<1>>,
}

/// The last estimate, read back.
#[derive(Clone, Debug, PartialEq)]
struct Read {
    step: usize,
    delta_g: Vec<f64>,
    delta_o: Vec<f64>,
    weights: Vec<f64>,
    /// The previous weights were kept (every raw weight 0, or one not finite).
    kept: bool,
}

/// Gradient-Blending with its estimation state.
pub struct GradientBlending {
    config: GradientBlendingConfig,
    /// w on the training device (modalities, then fused), once estimated.
    weights: Option<Vec<Tensor<1>>>,
    estimate: Option<Estimate>,
    /// Epochs at which the estimates so far started.
    estimated_at_epochs: Vec<usize>,
    /// The epoch of the first estimate, when the method was switched on: the schedule's
    /// origin.
    switched_on_epoch: Option<usize>,
    unread: Vec<Unread>,
    last: Option<Read>,
    events: Vec<Event>,
    names: Vec<String>,
}

impl GradientBlending {
    /// From its configuration, nothing estimated yet.
    pub fn new(config: &GradientBlendingConfig) -> Self {
        Self {
            config: config.clone(),
            weights: None,
            estimate: None,
            estimated_at_epochs: Vec::new(),
            switched_on_epoch: None,
            unread: Vec::new(),
            last: None,
            events: Vec::new(),
            names: Vec::new(),
        }
    }

    /// The epoch at which the next estimate is due (`None`: none is, offline after the
    /// first); 0 when one is due at once (at the switch-on, after a backend switch). Online,
    /// the estimates fall on the epochs on, on + first_after, then every `every` epochs
    /// after that, where on is the switch-on epoch.
    fn next_due_epoch(&self) -> Option<usize> {
        let (Some(on), Some(&last)) = (self.switched_on_epoch, self.estimated_at_epochs.last()) else { return Some(0) };
        // No weights outside an estimate: they were dropped (a backend switch).
        if self.weights.is_none() {
            return Some(0);
        }
        match self.config.schedule {
            BlendSchedule::Offline => None,
            BlendSchedule::Online => {
                let first = on + self.config.first_after;
                let every = self.config.every.max(1);
                Some(if last < first { first } else { first + (last - first) / every * every + every })
            }
        }
    }

    /// The schedule's record of an estimate starting at `epoch`.
    fn record_start(&mut self, epoch: usize) {
        self.switched_on_epoch.get_or_insert(epoch);
        self.estimated_at_epochs.push(epoch);
    }

    fn start(&mut self, ctx: &SideContext) {
        let epoch = ctx.step / ctx.steps_per_epoch;
        let index = self.estimated_at_epochs.len() as u64;
        self.record_start(epoch);
        // One batch order for every candidate of this estimate, on its own stream.
        let order = HostRng::new(ctx.config.train.seed, streams::GBLEND + (index << 8)).permutation(ctx.data.train.len());
        self.names = ctx.data.modality_names.iter().cloned().chain([FUSED.to_string()]).collect();
        self.estimate = Some(Estimate {
            step: ctx.step,
            candidate: 0,
            phase: Phase::Before,
            copy: None,
            order,
            before: None,
            delta_g: Vec::new(),
            delta_o: Vec::new(),
            raw: Vec::new(),
        });
    }

    /// L^T on T′ and L^V on V of candidate `c` of `model` (evaluation mode).
    fn measure(model: &MultimodalNet, candidate: usize, ctx: &SideContext) -> (Tensor<1>, Tensor<1>) {
        let plain = model.valid();
        let holdout = ctx.holdout.expect("validation refuses Gradient-Blending without V");
        let loss = |batch: &Batch| cross_entropy(candidate_logits(&plain, candidate, &batch.inputs), batch.targets.clone());
        (loss(ctx.train_subset), loss(holdout))
    }

    /// One optimizer step of candidate `c`'s copy on CE_c.
    fn train_copy(copy: MultimodalNet, optimizer: &mut ModuleOptimizer, candidate: usize, rows: &[usize], ctx: &SideContext) -> MultimodalNet {
        let batch = batch_from_split(&ctx.data.train, Some(rows), ctx.data.classes, ctx.device);
        let loss = cross_entropy(candidate_logits(&copy, candidate, &batch.inputs), batch.targets);
        let grads = GradientsParams::from_grads(loss.backward(), &copy);
        optimizer.step(ctx.config.train.learning_rate, copy, grads)
    }

    fn finish(&mut self, estimate: Estimate, ctx: &SideContext) {
        let previous: Option<Vec<Tensor<1>>> = self.weights.as_ref().map(|ws| ws.iter().map(|w| w.clone().inner().to_device(&estimate.raw[0].device())).collect());
        let (weights, kept) = blend_weights(&estimate.raw, previous.as_deref());
        self.weights = Some(weights.iter().map(|w| Tensor::from_inner(w.clone()).to_device(ctx.device)).collect());
        let scalars = estimate.delta_g.into_iter().chain(estimate.delta_o).chain(weights).chain([kept]).collect();
        self.unread.push(Unread { step: estimate.step, scalars });
    }
}

impl Method for GradientBlending {
    fn name(&self) -> &'static str {
        GradientBlendingConfig::NAME
    }

    /// New settings apply from the next estimate; the weights and the estimates so far are
    /// kept.
    fn reconfigure(&mut self, config: &MethodsConfig) {
        self.config = config.gradient_blending.clone();
    }

    fn has_side_work(&self, step: usize, steps_per_epoch: usize) -> bool {
        self.estimate.is_some() || self.next_due_epoch().is_some_and(|epoch| step >= epoch * steps_per_epoch)
    }

    fn side_step(&mut self, model: &MultimodalNet, ctx: &mut SideContext) {
        if self.estimate.is_none() {
            self.start(ctx);
        }
        let mut estimate = self.estimate.take().expect("an estimate in progress");
        let c = estimate.candidate;
        let steps = self.config.estimate_epochs * ctx.steps_per_epoch;
        estimate.phase = match estimate.phase {
            Phase::Before => {
                estimate.before = Some(Self::measure(model, c, ctx));
                estimate.copy = Some((model.clone(), optimizer_for(ctx.config, ctx.optimizer)));
                Phase::Train(0)
            }
            Phase::Train(done) => {
                let (copy, mut optimizer) = estimate.copy.take().expect("a copy in training");
                // The run's batching: consecutive batches of the estimate's order, the last
                // one of an epoch shorter; every epoch of n′ goes through the same order.
                let rows = ctx.data.train.len();
                let start = (done % ctx.steps_per_epoch) * ctx.config.train.batch_size;
                let batch = estimate.order[start.min(rows)..(start + ctx.config.train.batch_size).min(rows)].to_vec();
                let copy = Self::train_copy(copy, &mut optimizer, c, &batch, ctx);
                estimate.copy = Some((copy, optimizer));
                if done + 1 >= steps { Phase::After } else { Phase::Train(done + 1) }
            }
            Phase::After => {
                let (copy, _) = estimate.copy.take().expect("a trained copy");
                let (t1, v1) = Self::measure(&copy, c, ctx);
                let (t0, v0) = estimate.before.take().expect("measured before");
                let (delta_g, delta_o, raw) = raw_weight(self.config.rule, self.config.epsilon, t0, v0, t1, v1);
                estimate.delta_g.push(delta_g);
                estimate.delta_o.push(delta_o);
                estimate.raw.push(raw);
                estimate.candidate += 1;
                Phase::Before
            }
        };
        if estimate.candidate == ctx.data.modality_names.len() + 1 {
            self.finish(estimate, ctx);
        } else {
            self.estimate = Some(estimate);
        }
    }

    fn loss_weights(&self, modalities: usize) -> Option<LossWeights> {
        let weights = self.weights.as_ref()?;
        let weight = |w: &Tensor<1>| Weight::Device(Box::new(w.clone()));
        Some(LossWeights { fused: weight(&weights[modalities]), unimodal: weights[..modalities].iter().map(weight).collect(), attached: true })
    }

    fn moved_to(&mut self, _device: &Device) {
        // Tensors of the old device cannot be used (a lost GPU cannot even be read): estimate
        // again from the restored snapshot.
        self.weights = None;
        self.estimate = None;
        self.unread.clear();
    }

    fn device_scalars(&mut self) -> Vec<Tensor<1>> {
        self.unread.iter().flat_map(|u| u.scalars.iter().cloned()).collect()
    }

    fn read_scalars(&mut self, values: &[f64]) {
        let k = self.names.len();
        if self.unread.is_empty() || k == 0 {
            return;
        }
        for (unread, chunk) in std::mem::take(&mut self.unread).into_iter().zip(values.chunks(3 * k + 1)) {
            let read = Read {
                step: unread.step,
                delta_g: chunk[..k].to_vec(),
                delta_o: chunk[k..2 * k].to_vec(),
                weights: chunk[2 * k..3 * k].to_vec(),
                kept: chunk[3 * k] > 0.5,
            };
            self.events.push(Event::method(
                super::ESTIMATE,
                json!({ "step": read.step, "candidates": self.names, "delta_g": read.delta_g, "delta_o": read.delta_o, "weights": read.weights, "kept": read.kept }),
            ));
            self.last = Some(read);
        }
    }

    fn events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    fn state(&self) -> Value {
        let by_name = |values: &[f64]| -> Value { self.names.iter().cloned().zip(values.iter().map(|v| json!(v))).collect::<serde_json::Map<_, _>>().into() };
        json!({
            "schedule": self.config.schedule,
            "rule": self.config.rule,
            "epsilon": self.config.epsilon,
            "estimates": self.estimated_at_epochs.len(),
            "estimated_at_step": self.last.as_ref().map(|r| r.step),
            "weights": self.last.as_ref().map(|r| by_name(&r.weights)),
            "delta_g": self.last.as_ref().map(|r| by_name(&r.delta_g)),
            "delta_o": self.last.as_ref().map(|r| by_name(&r.delta_o)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(v: f64) -> Tensor<1> {
        Tensor::from_data(burn::tensor::TensorData::new(vec![v as f32], [1]), &Device::flex())
    }

    fn value(t: &Tensor<1>) -> f64 {
        t.clone().into_data().try_to_vec::<f32>().unwrap()[0] as f64
    }

    /// (L^T before, L^V before, L^T after, L^V after) of three candidates.
    const RUNS: [(f64, f64, f64, f64); 3] = [(1.0, 1.2, 0.8, 1.0), (1.0, 1.2, 0.5, 1.1), (1.0, 1.0, 0.9, 1.1)];

    fn weights(rule: BlendRule, epsilon: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let out: Vec<_> = RUNS.iter().map(|&(t0, v0, t1, v1)| raw_weight(rule, epsilon, scalar(t0), scalar(v0), scalar(t1), scalar(v1))).collect();
        let raw: Vec<Tensor<1>> = out.iter().map(|o| o.2.clone()).collect();
        let w = blend_weights(&raw, None).0.iter().map(value).collect();
        (out.iter().map(|o| value(&o.0)).collect(), out.iter().map(|o| value(&o.1)).collect(), w)
    }

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5)
    }

    #[test]
    fn the_papers_rule_on_hand_computed_runs() {
        // ΔG = (0.2, 0.1, −0.1); ΔO = ((1.0−0.8) − (1.2−1.0), (1.1−0.5) − 0.2, (1.1−0.9) − 0) = (0, 0.4, 0.2).
        // ε = 0.1: raw = (0.2/0.1², 0.1/0.4², 0) = (20, 0.625, 0); w = (20, 0.625, 0) / 20.625.
        let (dg, d_o, w) = weights(BlendRule::Paper, 0.1);
        assert!(close(&dg, &[0.2, 0.1, -0.1]), "{dg:?}");
        assert!(close(&d_o, &[0.0, 0.4, 0.2]), "{d_o:?}");
        assert!(close(&w, &[20.0 / 20.625, 0.625 / 20.625, 0.0]), "{w:?}");
        // A smaller ε_gb gives the candidate whose gap did not move almost everything.
        let (_, _, w) = weights(BlendRule::Paper, 1e-3);
        assert!(close(&w, &[200_000.0 / 200_000.625, 0.625 / 200_000.625, 0.0]), "{w:?}");
    }

    #[test]
    fn multibenchs_rule_on_the_same_runs() {
        // |L^V after / O after²| with O after = (0.2, 0.6, 0.2): (25, 3.0556, 27.5).
        let (_, _, w) = weights(BlendRule::Multibench, 0.1);
        let raw = [1.0 / 0.04, 1.1 / 0.36, 1.1 / 0.04];
        let total: f64 = raw.iter().sum();
        assert!(close(&w, &raw.map(|r| r / total)), "{w:?}");
        // A negative gap after the run is clamped to 1e-4: its raw weight is L^V / 1e-8.
        let (_, _, raw) = raw_weight(BlendRule::Multibench, 0.1, scalar(1.0), scalar(1.0), scalar(1.2), scalar(1.0));
        assert!((value(&raw) - 1e8).abs() / 1e8 < 1e-5);
    }

    #[test]
    fn an_estimate_without_gain_or_with_a_non_finite_raw_weight_keeps_the_previous_weights() {
        let blend = |raw: [f64; 3], previous: Option<[f64; 3]>| {
            let previous = previous.map(|p| p.map(scalar).to_vec());
            let (w, kept) = blend_weights(&raw.map(scalar), previous.as_deref());
            (w.iter().map(value).collect::<Vec<f64>>(), value(&kept))
        };
        let previous = Some([0.7, 0.1, 0.2]);
        let (w, kept) = blend([2.0, 1.0, 1.0], previous);
        assert!(close(&w, &[0.5, 0.25, 0.25]) && kept == 0.0, "a gain: new weights, {w:?}");
        for raw in [[0.0; 3], [1.0, f64::NAN, 1.0], [f64::INFINITY, 0.0, 1.0]] {
            let (w, kept) = blend(raw, previous);
            assert!(close(&w, &[0.7, 0.1, 0.2]) && kept == 1.0, "{raw:?} keeps the previous weights: {w:?}");
        }
        let (w, kept) = blend([0.0; 3], None);
        assert!(close(&w, &[1.0 / 3.0; 3]) && kept == 1.0, "uniform only at the first estimate: {w:?}");
    }

    #[test]
    fn online_estimates_at_the_start_after_first_after_then_every() {
        let mut g = GradientBlending::new(&GradientBlendingConfig { enabled: true, first_after: 3, every: 2, ..Default::default() });
        let mut due = Vec::new();
        for epoch in 0..10 {
            if g.has_side_work(epoch * 4, 4) {
                due.push(epoch);
                g.record_start(epoch);
                g.weights = Some(Vec::new()); // as the estimate's finish() sets them
            }
        }
        assert_eq!(due, vec![0, 3, 5, 7, 9]);
        let mut offline = GradientBlending::new(&GradientBlendingConfig { enabled: true, schedule: BlendSchedule::Offline, ..Default::default() });
        assert!(offline.has_side_work(0, 4));
        offline.record_start(0);
        offline.weights = Some(Vec::new());
        assert!(!offline.has_side_work(400, 4), "offline estimates once");
    }

    /// Switched on live at epoch 5, the schedule counts from there (5, 8, 10, 12; it was
    /// 5, 6, 8: `first_after` was an absolute epoch). A backend switch at epoch 13 drops the
    /// weights, so an estimate follows at once, and the grid goes on (14, 16), where it used
    /// to restart from the switch.
    #[test]
    fn the_online_schedule_counts_from_the_switch_on_and_survives_a_backend_switch() {
        let mut g = GradientBlending::new(&GradientBlendingConfig { enabled: true, first_after: 3, every: 2, ..Default::default() });
        let mut due = Vec::new();
        for epoch in 5..=16 {
            if epoch == 13 {
                g.moved_to(&Device::flex());
            }
            if g.has_side_work(epoch * 4, 4) {
                due.push(epoch);
                g.record_start(epoch);
                g.weights = Some(Vec::new()); // as the estimate's finish() sets them
            }
        }
        assert_eq!(due, vec![5, 8, 10, 12, 13, 14, 16]);
    }
}
