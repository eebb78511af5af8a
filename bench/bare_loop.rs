//! The bare burn loop: the same forward, backward and optimizer work as `modalscope bench`
//! (the engine's network, CE(fused) plus the detached probes' CE, Adam with ε = 1e-8, one
//! batch uploaded from the host per step), without the session, hooks, accumulators or
//! evaluation. What the engine's loop costs on top is the difference.
//!
//!   cargo bench --bench bare_loop -- [--preset NAME] [--steps N] [--warmup N]
//!                                    [--batch-size N] [--width N] [--modalities N]
//!
//! Prints `steps_per_s=<number>` on stdout.

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Tensor;
use modalscope::engine::config::ExperimentConfig;
use modalscope::engine::data::Dataset;
use modalscope::engine::data::batcher::batch_from_split;
use modalscope::engine::device::ComputeDevice;
use modalscope::engine::model::MultimodalNet;
use modalscope::engine::model::loss::cross_entropy;
use modalscope::engine::presets::preset;

fn flag(args: &[String], name: &str) -> Option<usize> {
    args.iter().position(|a| a == name).map(|i| args[i + 1].parse().unwrap_or_else(|_| panic!("{name} takes a number")))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = match args.iter().position(|a| a == "--preset") {
        Some(i) => preset(&args[i + 1]).expect("a known preset"),
        None => ExperimentConfig::default(),
    };
    let config = base.with_shape(flag(&args, "--batch-size"), flag(&args, "--width"), flag(&args, "--modalities")).expect("a valid shape");
    let (steps, warmup) = (flag(&args, "--steps").unwrap_or(1000), flag(&args, "--warmup").unwrap_or(50));
    let data = Dataset::from_config(&config, None).expect("synthetic data");
    let device = ComputeDevice::cpu().training();
    let mut model = MultimodalNet::new(&config.model, &data.dims(), data.classes, config.train.seed, &device);
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let (rows, batch_size) = (data.train.len(), config.train.batch_size);
    let mut cursor = 0;
    let mut step = |model: MultimodalNet| {
        let end = (cursor + batch_size).min(rows);
        let indices: Vec<usize> = (cursor..end).collect();
        cursor = if end == rows { 0 } else { end };
        let batch = batch_from_split(&data.train, Some(&indices), data.classes, &device);
        let embeddings = model.embed(&batch.inputs);
        let fused = model.classify(model.fuse(&embeddings));
        let loss: Tensor<1> = model
            .probe(&embeddings, true)
            .into_iter()
            .fold(cross_entropy(fused, batch.targets.clone()), |loss, logits| loss + cross_entropy(logits, batch.targets.clone()));
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        optimizer.step(config.train.learning_rate, model, grads)
    };
    for _ in 0..warmup {
        model = step(model);
    }
    let started = std::time::Instant::now();
    for _ in 0..steps {
        model = step(model);
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("bare burn loop: {steps} steps in {seconds:.3} s (1 thread), batch {batch_size}, width {}", config.model.encoder_width);
    println!("steps_per_s={:.1}", steps as f64 / seconds);
}
