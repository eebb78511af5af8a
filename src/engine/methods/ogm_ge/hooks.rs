//! OGM-GE (Peng, Wei, Deng, Wang, Hu, *Balanced Multimodal Learning via On-the-fly Gradient
//! Modulation*, CVPR 2022; official code `GeWu-Lab/OGM-GE_CVPR2022`, main.py;
//! docs/methods.md, "Method `ogm_ge`").
//!
//! Each training step, from the split linear head s_m = z_m·W_m + b/M
//! ([`MultimodalNet::split_logits`]):
//! - score_m = Σ_i softmax(s_m,i)[y_i] over the batch;
//! - ρ_m = score_m / mean_{k≠m} score_k (for M = 2: ρ_a = score_a/score_b, ρ_b = 1/ρ_a);
//! - k_m = 1 − tanh(α·ρ_m) when ρ_m > 1, else 1 (the current official rule), or
//!   k_m = 1 − tanh(α·relu(ρ_m − 1)) (the early rule, commit 65b81b1);
//! - between backward and the optimizer step (hook 4), every weight matrix gradient g of
//!   encoder m (biases excluded) becomes k_m·g, plus with GE noise ε ~ N(0, (std(g) + 1e-8)²)
//!   drawn per entry, std the unbiased standard deviation of the unscaled g (torch's `std()`),
//!   on every encoder, also those with k = 1;
//! - only while step < `active_fraction` × the run's current total steps.
//!
//! The training loss is CE(fused) only (the unimodal heads stay detached probes).
//!
//! Deviations, said here and in the UI: the official code modulates only 4-D (convolution)
//! kernels; our encoders are MLPs, so every weight matrix is modulated, as BalanceBenchmark
//! does. A coupled L2 penalty (`methods.weight_penalty.mode = "coupled"`) is part of the loss
//! here, so its gradient is modulated with the rest, where SGD's `weight_decay` in the
//! official code is added after the modulation; the `ogm-ge` preset uses the optimizer's own
//! weight decay (`mode = "optimizer"`), which, as in the official code, is not modulated. The noise is drawn on the host from the run's seeded mask stream
//! (the same draws on every backend) and uploaded. With M > 2 we use the mean of the other
//! scores (docs/methods.md, "Method `ogm_ge`"), not BalanceBenchmark's minimum. ρ is computed
//! on the device and never read back to train; the mean ρ, its EMA and the mean k of the steps
//! since the last evaluation are read back with it.

use burn::optim::GradientsParams;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor, TensorData};
use serde_json::{Value, json};

use super::settings::{CoefficientRule, OgmGeConfig};
use crate::engine::methods::{Method, MethodsConfig, StepContext, StepView};
use crate::engine::model::MultimodalNet;
use crate::engine::model::params::map_weight_gradients;

/// A fresh instance (registered by [`crate::for_each_method`]).
pub fn build(c: &MethodsConfig) -> Box<dyn Method> {
    Box::new(OgmGe::new(&c.ogm_ge))
}

/// The batch scores score_m = Σ_i softmax(s_m,i)[y_i], concatenated.
///
/// # Shapes
/// - `split[m]`: `[batch, classes]`; `targets`: `[batch, classes]` one-hot; output `[M]`
pub fn scores(split: &[Tensor<2>], targets: &Tensor<2>) -> Tensor<1> {
    Tensor::cat(split.iter().map(|s| (softmax(s.clone(), 1) * targets.clone()).sum()).collect(), 0)
}

/// ρ_m = score_m / mean_{k≠m} score_k and the coefficients k_m of `rule`.
///
/// # Shapes
/// - `scores`: `[M]`, M ≥ 2; outputs `[M]` each
pub fn coefficients(scores: Tensor<1>, rule: CoefficientRule, alpha: f64) -> (Tensor<1>, Tensor<1>) {
    let others = scores.dims()[0] as f64 - 1.0;
    let rho = scores.clone().mul_scalar(others) / (scores.clone().sum() - scores);
    let k = match rule {
        CoefficientRule::Current => {
            let damped = rho.clone().mul_scalar(alpha).tanh().neg().add_scalar(1.0);
            rho.clone().ones_like().mask_where(rho.clone().greater_elem(1.0), damped)
        }
        CoefficientRule::Early => rho.clone().sub_scalar(1.0).clamp_min(0.0).mul_scalar(alpha).tanh().neg().add_scalar(1.0),
    };
    (rho, k)
}

/// The unbiased standard deviation of every entry of `g`.
///
/// # Shapes
/// - `g`: `[rows, cols]`; output `[1, 1]`
fn entry_std(g: &Tensor<2>) -> Tensor<2> {
    let count = g.shape().num_elements();
    g.clone().reshape([1, count]).var(1).sqrt()
}

/// Sums of the steps modulated since the last evaluation, on the device.
struct Interval {
    rho: Tensor<1>,
    k: Tensor<1>,
    steps: usize,
}

/// What the last evaluation read back (modality order).
#[derive(Clone, Debug, PartialEq)]
struct Read {
    rho: Vec<f64>,
    rho_ema: Vec<f64>,
    k: Vec<f64>,
    steps: usize,
}

/// OGM-GE with its running ρ statistics.
pub struct OgmGe {
    config: OgmGeConfig,
    interval: Option<Interval>,
    /// The EMA of ρ over modulated steps, on the device.
    ema: Option<Tensor<1>>,
    last: Option<Read>,
    modulated_steps: usize,
    /// `modulated_steps` at the last evaluation (a backend switch rewinds to it).
    modulated_at_evaluation: usize,
    /// The next evaluation re-measures the snapshot after a backend switch: it keeps the
    /// last values read (no step ran since).
    rechecking: bool,
    /// The step (exclusive) modulation runs to, as of the last step.
    active_until: Option<usize>,
}

impl OgmGe {
    /// From its configuration, nothing modulated yet.
    pub fn new(config: &OgmGeConfig) -> Self {
        Self { config: config.clone(), interval: None, ema: None, last: None, modulated_steps: 0, modulated_at_evaluation: 0, rechecking: false, active_until: None }
    }

    /// The steps modulated: step < ⌈fraction × total⌉.
    fn active_until(&self, total_steps: usize) -> usize {
        (self.config.active_fraction * total_steps as f64).ceil() as usize
    }
}

impl Method for OgmGe {
    fn name(&self) -> &'static str {
        OgmGeConfig::NAME
    }

    /// New settings apply from the next step; ρ's EMA and the interval's sums are kept.
    fn reconfigure(&mut self, config: &MethodsConfig) {
        self.config = config.ogm_ge.clone();
    }

    fn modulate_gradients(&mut self, mut grads: GradientsParams, model: &MultimodalNet, view: &StepView, ctx: &mut StepContext) -> GradientsParams {
        let until = self.active_until(ctx.total_steps);
        self.active_until = Some(until);
        if ctx.step >= until {
            return grads;
        }
        let split = model.split_logits(view.embeddings).expect("validation allows OGM-GE only with a head that splits");
        // On the plain device, as the gradients are (nothing here is differentiated).
        let split: Vec<Tensor<2>> = split.into_iter().map(|s| s.detach().inner()).collect();
        let targets = view.batch.targets.clone().inner();
        let (rho, k) = coefficients(scores(&split, &targets), self.config.rule, self.config.alpha);
        let mut noise_rng = ctx.stream(self.name(), 0);
        for (m, encoder) in model.encoders.iter().enumerate() {
            let k_m = k.clone().narrow(0, m, 1).unsqueeze_dim::<2>(0);
            map_weight_gradients(encoder, &mut grads, |g| {
                let scaled = g.clone() * k_m.clone();
                if !self.config.noise {
                    return scaled;
                }
                let [rows, cols] = g.dims();
                let draws: Vec<f32> = (0..rows * cols).map(|_| noise_rng.normal() as f32).collect();
                let noise = Tensor::<2>::from_data(TensorData::new(draws, [rows, cols]), &g.device());
                scaled + noise * entry_std(&g).add_scalar(1e-8)
            });
        }
        let w = self.config.ema;
        self.ema = Some(match self.ema.take() {
            Some(ema) => ema.mul_scalar(w) + rho.clone().mul_scalar(1.0 - w),
            None => rho.clone(),
        });
        self.interval = Some(match self.interval.take() {
            Some(i) => Interval { rho: i.rho + rho, k: i.k + k, steps: i.steps + 1 },
            None => Interval { rho, k, steps: 1 },
        });
        self.modulated_steps += 1;
        grads
    }

    /// The run rewinds to its last evaluation: the count goes back to it, the interval's sums
    /// (of the old device) restart, and the EMA continues from the value read back with that
    /// evaluation, uploaded to the new device (`device` is the training device; the EMA
    /// lives on its plain inner device, as the gradients do).
    fn moved_to(&mut self, device: &Device) {
        self.interval = None;
        self.rechecking = true;
        self.modulated_steps = self.modulated_at_evaluation;
        self.ema = self.last.as_ref().map(|read| {
            let values: Vec<f32> = read.rho_ema.iter().map(|&v| v as f32).collect();
            let count = values.len();
            Tensor::<1>::from_data(TensorData::new(values, [count]), device).inner()
        });
    }

    /// The interval's mean ρ, the EMA and the mean k, M each (none when no step was
    /// modulated since the last evaluation).
    fn device_scalars(&mut self) -> Vec<Tensor<1>> {
        let (Some(interval), Some(ema)) = (&self.interval, &self.ema) else { return Vec::new() };
        let per_step = 1.0 / interval.steps as f64;
        let m = interval.rho.dims()[0];
        let mean_rho = interval.rho.clone().mul_scalar(per_step);
        let mean_k = interval.k.clone().mul_scalar(per_step);
        [mean_rho, ema.clone(), mean_k].into_iter().flat_map(|t| (0..m).map(move |i| t.clone().narrow(0, i, 1))).collect()
    }

    fn read_scalars(&mut self, values: &[f64]) {
        if std::mem::take(&mut self.rechecking) {
            return;
        }
        self.modulated_at_evaluation = self.modulated_steps;
        let steps = self.interval.take().map(|i| i.steps).unwrap_or(0);
        let m = values.len() / 3;
        self.last = (m > 0).then(|| Read { rho: values[..m].to_vec(), rho_ema: values[m..2 * m].to_vec(), k: values[2 * m..].to_vec(), steps });
    }

    fn state(&self) -> Value {
        json!({
            "alpha": self.config.alpha,
            "rule": self.config.rule,
            "noise": self.config.noise,
            "active_until_step": self.active_until,
            "modulated_steps": self.modulated_steps,
            "interval_steps": self.last.as_ref().map(|r| r.steps).unwrap_or(0),
            "rho": self.last.as_ref().map(|r| r.rho.clone()),
            "rho_ema": self.last.as_ref().map(|r| r.rho_ema.clone()),
            "k": self.last.as_ref().map(|r| r.k.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(values: Vec<f32>, shape: [usize; 2]) -> Tensor<2> {
        Tensor::from_data(TensorData::new(values, shape), &Device::flex())
    }

    fn values(t: Tensor<1>) -> Vec<f64> {
        t.into_data().try_to_vec::<f32>().unwrap().into_iter().map(f64::from).collect()
    }

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5)
    }

    #[test]
    fn scores_ratios_and_both_rules_on_hand_computed_logits() {
        // s_a = [[2, 0], [0, 1]], s_b = [[0, 0], [1, 0]], y = (0, 1):
        // score_a = σ(2,0)_0 + σ(0,1)_1 = 0.880797 + 0.731059 = 1.611856;
        // score_b = 0.5 + σ(1,0)_1 = 0.768941; ρ = (2.096201, 0.477054).
        // α = 0.3, current: k_a = 1 − tanh(0.628860) = 0.442733, k_b = 1;
        // early: k_a = 1 − tanh(0.3 · 1.096201) = 0.682504, k_b = 1.
        let split = [tensor(vec![2., 0., 0., 1.], [2, 2]), tensor(vec![0., 0., 1., 0.], [2, 2])];
        let targets = tensor(vec![1., 0., 0., 1.], [2, 2]);
        let s = scores(&split, &targets);
        assert!(close(&values(s.clone()), &[1.611856, 0.768941]));
        let (rho, k) = coefficients(s.clone(), CoefficientRule::Current, 0.3);
        assert!(close(&values(rho), &[2.096201, 0.477054]));
        assert!(close(&values(k), &[0.442733, 1.0]));
        let (_, k) = coefficients(s, CoefficientRule::Early, 0.3);
        assert!(close(&values(k), &[0.682504, 1.0]));
        // Three modalities, a third with score 1: ρ_m = score_m / mean of the other two.
        let three = Tensor::cat(vec![scores(&split, &targets), Tensor::from_data(TensorData::new(vec![1f32], [1]), &Device::flex())], 0);
        let (rho, k) = coefficients(three, CoefficientRule::Current, 0.3);
        assert!(close(&values(rho), &[1.822396, 0.588809, 0.840055]));
        assert!(close(&values(k), &[0.501943, 1.0, 1.0]));
    }

    /// A small concat network's gradients of CE(fused) on a fixed batch, with the view of
    /// the step and the split-head coefficients of `rule`/`alpha` computed independently.
    struct Step {
        model: MultimodalNet,
        batch: crate::engine::data::batcher::Batch,
        embeddings: Vec<Tensor<2>>,
        fused: Tensor<2>,
        logits: Tensor<2>,
    }

    impl Step {
        fn new() -> Self {
            use crate::engine::config::ModelConfig;
            let device = Device::flex().autodiff();
            let config = ModelConfig { encoder_width: 30, encoder_depth: 1, ..Default::default() };
            let model = MultimodalNet::new(&config, &[50, 40], 3, 1, &device);
            let mut rng = crate::engine::rng::HostRng::new(2, 0);
            let mut draw = |rows: usize, cols: usize| {
                let values: Vec<f32> = (0..rows * cols).map(|_| rng.normal() as f32).collect();
                Tensor::<2>::from_data(TensorData::new(values, [rows, cols]), &device)
            };
            let inputs = vec![draw(8, 50), draw(8, 40)];
            let labels: Vec<f32> = (0..8).flat_map(|i| (0..3).map(move |c| if i % 3 == c { 1.0 } else { 0.0 })).collect();
            let targets = Tensor::from_data(TensorData::new(labels, [8, 3]), &device);
            let batch = crate::engine::data::batcher::Batch { inputs, targets };
            let embeddings = model.embed(&batch.inputs);
            let fused = model.fuse(&embeddings);
            let logits = model.classify(fused.clone());
            Self { model, batch, embeddings, fused, logits }
        }

        /// A fresh forward pass each time (burn's tape is consumed by one backward).
        fn grads(&self) -> GradientsParams {
            let logits = self.model.classify(self.model.fuse(&self.model.embed(&self.batch.inputs)));
            let loss = crate::engine::model::loss::cross_entropy(logits, self.batch.targets.clone());
            GradientsParams::from_grads(loss.backward(), &self.model)
        }

        fn modulated(&self, config: OgmGeConfig) -> GradientsParams {
            let device = Device::flex().autodiff();
            let mut ctx = crate::engine::methods::kit::hooks::test_context(3, &device, 0.1);
            let weights = crate::engine::methods::LossWeights::probes(2);
            let view = StepView { batch: &self.batch, embeddings: &self.embeddings, fused: &self.fused, fused_logits: &self.logits, unimodal_logits: &[], weights: &weights };
            OgmGe::new(&config).modulate_gradients(self.grads(), &self.model, &view, &mut ctx)
        }

        /// k_m of the current rule, computed on the host in f64 from the embeddings and the
        /// fused head's weights, without the code under test: split logits
        /// s_m = z_m · W[rows of m] + b / M, score_m = Σ_i softmax(s_m,i)[y_i],
        /// ρ_m = score_m / mean of the others', k_m = 1 − tanh(α·ρ_m) where ρ_m > 1, else 1.
        fn k(&self, config: &OgmGeConfig) -> Vec<f64> {
            assert_eq!(config.rule, CoefficientRule::Current);
            let read = |t: Tensor<2>| -> (Vec<f64>, [usize; 2]) {
                let dims = t.dims();
                (t.inner().into_data().try_to_vec::<f32>().unwrap().into_iter().map(f64::from).collect(), dims)
            };
            let (weight, [_, classes]) = read(self.model.head.as_ref().unwrap().weight.val());
            let bias: Vec<f64> = self.model.head.as_ref().unwrap().bias.as_ref().unwrap().val().inner().into_data().try_to_vec::<f32>().unwrap().into_iter().map(f64::from).collect();
            let (targets, [rows, _]) = read(self.batch.targets.clone());
            let modalities = self.embeddings.len();
            let scores: Vec<f64> = self
                .embeddings
                .iter()
                .enumerate()
                .map(|(m, z)| {
                    let (z, [_, width]) = read(z.clone());
                    (0..rows)
                        .map(|i| {
                            let logit = |c: usize| (0..width).map(|j| z[i * width + j] * weight[(m * width + j) * classes + c]).sum::<f64>() + bias[c] / modalities as f64;
                            let logits: Vec<f64> = (0..classes).map(logit).collect();
                            let top = logits.iter().cloned().fold(f64::MIN, f64::max);
                            let total: f64 = logits.iter().map(|l| (l - top).exp()).sum();
                            (0..classes).map(|c| targets[i * classes + c] * (logits[c] - top).exp() / total).sum::<f64>()
                        })
                        .sum()
                })
                .collect();
            let all: f64 = scores.iter().sum();
            scores
                .iter()
                .map(|&score| {
                    let rho = score / ((all - score) / (modalities - 1) as f64);
                    if rho > 1.0 { 1.0 - (config.alpha * rho).tanh() } else { 1.0 }
                })
                .collect()
        }
    }

    fn flat<const D: usize>(t: Option<Tensor<D>>) -> Vec<f64> {
        t.expect("a gradient").into_data().try_to_vec::<f32>().unwrap().into_iter().map(f64::from).collect()
    }

    #[test]
    fn encoder_weight_gradients_are_scaled_by_k_and_nothing_else_changes() {
        let step = Step::new();
        let config = OgmGeConfig { enabled: true, alpha: 0.8, noise: false, ..Default::default() };
        let k = step.k(&config);
        assert!(k.iter().any(|&k| k < 0.99), "a modality leads and is slowed: {k:?}");
        let (before, after) = (step.grads(), step.modulated(config));
        for (m, encoder) in step.model.encoders.iter().enumerate() {
            for layer in &encoder.layers {
                let (g, scaled) = (flat(before.get::<2>(layer.weight.id)), flat(after.get::<2>(layer.weight.id)));
                assert!(g.iter().zip(&scaled).all(|(g, s)| (g * k[m] - s).abs() < 1e-6), "encoder {m}: k = {}", k[m]);
                let bias = layer.bias.as_ref().unwrap().id;
                assert_eq!(flat(before.get::<1>(bias)), flat(after.get::<1>(bias)), "biases are not modulated");
            }
        }
        assert_eq!(flat(before.get::<2>(step.model.head.as_ref().unwrap().weight.id)), flat(after.get::<2>(step.model.head.as_ref().unwrap().weight.id)), "nor the fused head");
    }

    #[test]
    fn the_noise_has_the_std_of_the_unscaled_gradient() {
        // α = 5 all but zeroes the leader's scaled gradient (k = 1 − tanh(5ρ) with ρ > 1), so
        // what remains is the noise: its spread must be the *unscaled* gradient's (+ 1e-8).
        let step = Step::new();
        let config = OgmGeConfig { enabled: true, alpha: 5.0, ..Default::default() };
        let k = step.k(&config);
        let leader = if k[0] < k[1] { 0 } else { 1 };
        let weight = step.model.encoders[leader].layers[0].weight.id;
        let (g, noisy) = (flat(step.grads().get::<2>(weight)), flat(step.modulated(config).get::<2>(weight)));
        let noise: Vec<f64> = g.iter().zip(&noisy).map(|(g, n)| n - k[leader] * g).collect();
        let spread = |v: &[f64]| {
            let mean = v.iter().sum::<f64>() / v.len() as f64;
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
        };
        let ratio = spread(&noise) / (spread(&g) + 1e-8);
        assert!(k[leader] < 0.01 && (0.9..1.1).contains(&ratio), "k {k:?}, noise std / gradient std = {ratio}");
    }

    #[test]
    fn the_unbiased_std_of_a_gradient() {
        // Entries 1, 2, 3, 4: mean 2.5, Σ(x − mean)² = 5, unbiased variance 5/3.
        let std = entry_std(&tensor(vec![1., 2., 3., 4.], [2, 2])).into_data().try_to_vec::<f32>().unwrap()[0];
        assert!((std as f64 - (5.0f64 / 3.0).sqrt()).abs() < 1e-5, "{std}");
    }
}
