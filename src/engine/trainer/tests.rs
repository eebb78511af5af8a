//! The trainer's unit tests: the packed evaluation, side work, the methods' streams and loss
//! weights, layers a method owns.

#![cfg(test)]

use burn::optim::GradientsParams;
use burn::module::Module;
use burn::tensor::{Device, Tensor};

use crate::engine::config::{ExperimentConfig, MethodsConfig};
use crate::engine::data::Dataset;
use crate::engine::data::batcher::batch_from_split;
use crate::engine::device::ComputeDevice;
use crate::engine::metrics::contribution::shapley;
use crate::engine::model::loss::{accuracy, cross_entropy};
use crate::engine::model::params::{flatten_parameters, load_parameters};
use crate::engine::model::optimizer::optimizer_for;
use crate::engine::model::MultimodalNet;
use crate::engine::methods::{self, LossWeights, Method, ModelShape, SideContext, StepContext, StepView};
use crate::engine::rng::HostRng;

use super::run::Trainer;
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
        let mut optimizer = optimizer_for(ctx.config, ctx.optimizer);
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
    // A modality missing at test time: its validation inputs replaced by its training mean,
    // computed here by hand from the training split, the rest as they are.
    assert_eq!(evaluation.fused().missing.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), data.modality_names.iter().map(String::as_str).collect::<Vec<_>>());
    for (m, (name, packed)) in evaluation.fused().missing.iter().enumerate() {
        let (mean, _) = data.train.modalities[m].column_moments();
        let rows = data.val.len();
        let stand_in = crate::engine::data::split::Matrix { rows, cols: mean.len(), values: mean.iter().copied().cycle().take(rows * mean.len()).collect() };
        let mut inputs = val.inputs.clone();
        inputs[m] = crate::engine::data::batcher::tensor_from_matrix(&stand_in, &device);
        let alone = scalar(accuracy(model.forward(&inputs).fused, val.targets.clone()));
        assert!((packed - alone).abs() < 1e-6, "{name} missing: packed {packed}, alone {alone}");
    }
    assert!(evaluation.heads[1..].iter().all(|(_, h)| h.missing.is_empty()), "only the fused head");
    let line = evaluation.to_json();
    assert!(line["heads"]["fused"]["missing"][&data.modality_names[0]].is_number(), "heads.fused.missing.<m> in metrics.jsonl: {}", line["heads"]["fused"]);
    assert!(line["heads"][&data.modality_names[0]].get("missing").is_none());
}

/// With one modality nothing is missing to measure; with noise as the stand-in the figures
/// differ from the mean's, and the same seed draws the same noise.
#[test]
fn a_missing_modality_is_its_mean_or_seeded_noise() {
    let measure = |config: &ExperimentConfig| {
        let data = Dataset::from_config(config, None).unwrap();
        let mut t = Trainer::new(config.clone(), data, ComputeDevice::cpu());
        run_to(&mut t, 6);
        block_on(t.evaluate()).unwrap().fused().missing.clone()
    };
    let config = crate::engine::presets::preset("imbalance").unwrap();
    let noise = config.with_override("metrics.missing_as=\"noise\"").unwrap();
    let (by_mean, by_noise) = (measure(&config), measure(&noise));
    assert_eq!(by_noise, measure(&noise), "the same seed, the same noise");
    assert_ne!(by_mean, by_noise, "noise is not the mean");
    let alone = config.with_override("modalities=[\"a\"]").unwrap();
    assert!(measure(&alone).is_empty(), "one modality: nothing measured");
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

/// Sets every head's loss weight to 0: every gradient of the step is 0.
struct NoLoss;

impl Method for NoLoss {
    fn name(&self) -> &'static str {
        "no-loss"
    }

    fn reconfigure(&mut self, _config: &MethodsConfig) {}

    fn loss_weights(&self, modalities: usize) -> Option<LossWeights> {
        use crate::engine::methods::Weight;
        Some(LossWeights { fused: Weight::Fixed(0.0), unimodal: vec![Weight::Fixed(0.0); modalities], attached: false })
    }
}

#[test]
fn the_optimizers_own_weight_decay_shrinks_every_parameter_biases_included() {
    // With every loss weight 0 the gradients are 0, so one SGD step of the optimizer's own
    // decay is θ ← θ − lr·λ·θ for every parameter (biases and probe heads included). The
    // coupled penalty, a loss term on the weight matrices, leaves every bias where it was.
    let (lr, lambda) = (0.1, 0.5);
    let one_step = |mode: &str| {
        let settings = ["train.optimizer=sgd".to_string(), format!("train.learning_rate={lr}"), "methods.weight_penalty.enabled=true".into(), format!("methods.weight_penalty.mode={mode}"), format!("methods.weight_penalty.lambda={lambda}")];
        let config = settings.iter().try_fold(crate::engine::presets::preset("imbalance").unwrap(), |c, s| c.with_override(s)).unwrap();
        let mut methods = methods::from_config(&config.methods);
        methods.push(Box::new(NoLoss));
        let data = Dataset::from_config(&config, None).unwrap();
        let mut t = Trainer::with_methods(config, data, ComputeDevice::cpu(), methods);
        let values = |t: &Trainer| flatten_parameters(&t.model).into_data().try_to_vec::<f32>().unwrap();
        block_on(t.evaluate()).unwrap();
        let before = values(&t);
        assert_eq!(t.step(1), 1, "one step after the evaluation at step 0");
        (before, values(&t))
    };
    let (before, after) = one_step("optimizer");
    let decayed = before.iter().zip(&after).filter(|(b, a)| (**a - **b * (1.0 - (lr * lambda) as f32)).abs() <= 1e-6 * b.abs().max(1.0)).count();
    assert_eq!(decayed, before.len(), "every parameter decays by the factor 1 − lr·λ");
    let (before, after) = one_step("coupled");
    let unmoved = before.iter().zip(&after).filter(|(b, a)| a == b).count();
    assert!(unmoved > 0 && unmoved < before.len(), "the coupled penalty moves the weights and no bias: {unmoved} of {} unmoved", before.len());
}
