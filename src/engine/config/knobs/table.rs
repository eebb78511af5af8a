//! The table of every setting, in the page's order, and the range checks it makes.

use crate::engine::config::{ConfigError, ExperimentConfig, MFEAT_VIEWS};
use crate::engine::methods::MethodsConfig;

use super::knob::{Knob, KnobKind};

/// Every knob of `config`, in page order: data (with a row set per synthetic modality),
/// model, training, each method, metrics, test hooks.
pub fn table(config: &ExperimentConfig) -> Vec<Knob> {
    let synthetic = ("data.source", "synthetic", "choose a synthetic dataset");
    let mut rows = vec![
        Knob::choice("data.source", "dataset", "synthetic: generated from the knobs below; mfeat: UCI handwritten digits, six feature views (default synthetic).", &["synthetic", "mfeat"]),
        Knob::choice("data.variant", "synthetic variant",
            "independent: each modality shows the class through its own class means; shortcut: one modality shows the class on the training split only; interaction: the label is the sum of one latent code per modality modulo the classes, so each alone is at chance.",
            &["independent", "shortcut", "interaction"])
            .needs(synthetic.0, synthetic.1, synthetic.2),
        Knob::count("data.classes", "classes", "Number of classes of the synthetic data (default 4; mfeat has 10).", 2, 64)
            .needs(synthetic.0, synthetic.1, synthetic.2),
        Knob::count("data.train_size", "training samples",
            "Samples the model trains on; a further 10 % of the training split is drawn and held out as V (for Gradient-Blending). Fewer samples overfit sooner (default 400).", 10, 200_000)
            .log(),
        Knob::number("data.label_noise", "label noise",
            "Probability that a training label is replaced by a uniformly random class. Memorising these is pure overfitting (default 0).", 0.0, 1.0)
            .step(0.05),
        Knob::count("data.val_size", "validation samples", "Size of the validation split, on which L^V, the gap and OGR are measured (default 200).", 10, 100_000)
            .log()
            .advanced(),
        Knob::count("data.test_size", "test samples", "Size of the test split, used only for the best checkpoint's test accuracy (default 200).", 0, 100_000)
            .advanced(),
        Knob::number("data.holdout_fraction", "held-out fraction V",
            "Fraction of the training split held out as V for Gradient-Blending's weight estimation, removed from every run so that runs compare on identical data (default 0.1).", 0.0, 0.5)
            .step(0.05)
            .advanced(),
    ];
    let names: Vec<String> = config.data.synthetic.iter().map(|m| m.name.clone()).collect();
    rows.push(
        Knob::new("data.shortcut_modality", "shortcut modality", "The modality that shows the class on the training split only (variant shortcut; default b).",
            KnobKind::Choice(names.clone()))
            .needs("data.variant", "shortcut", "choose the shortcut variant")
            .advanced(),
    );
    for (i, name) in names.iter().enumerate() {
        let path = |field: &str| format!("data.synthetic.{i}.{field}");
        let needs = |knob: Knob| knob.needs(synthetic.0, synthetic.1, synthetic.2);
        rows.extend([
            needs(Knob::number(path("signal"), format!("{name}: signal"),
                "Scale of this modality's class means: higher makes the class easier to read from this modality alone (default 1).", 0.0, 100.0)
                .step(0.05)),
            needs(Knob::number(path("noise"), format!("{name}: noise"), "Standard deviation of the Gaussian noise on every feature of this modality (default 1).", 0.0, 100.0)
                .step(0.05)),
            needs(Knob::count(path("dim"), format!("{name}: features"), "Number of features of this modality (default 16).", 1, 4096).log().advanced()),
            needs(Knob::count(path("informative"), format!("{name}: informative features"),
                "How many of the features carry the class signal; the rest are nuisance noise (default all).", 1, 4096).log().advanced()),
            needs(Knob::new(path("name"), format!("{name}: name"), "The modality's name in charts and the output (\"fused\" is reserved).", KnobKind::Name).advanced()),
        ]);
    }
    rows.push(
        Knob::new("data.views", "mfeat views", "The feature views used as modalities, one to four (fou 76, fac 216, kar 64, pix 240, zer 47, mor 6 features).",
            KnobKind::Subset { options: MFEAT_VIEWS.iter().map(|(n, _)| n.to_string()).collect(), min: 1, max: 4 })
            .needs("data.source", "mfeat", "choose the mfeat dataset"),
    );
    rows.push(
        Knob::new("modalities", "modalities in use",
            "Train on these modalities only (none ticked = all). One alone trains a unimodal model on identical data; its fused head is then that modality's own head.",
            KnobKind::Subset { options: config.source_modality_names(), min: 0, max: 4 })
            .advanced(),
    );
    rows.extend([
        Knob::choice("model.fusion", "fusion",
            "How the modalities combine. Feature level: concat [z_a; z_b], sum z_a + z_b, gated Σ g_m z_m with a learned softmax gate, tfn W·vec(⊗_m [z_m; 1]) (every product of features: multiplicative interactions, d_out·Π(d_m+1) weights) or lmf, its rank-r factorisation Σ_i λ_i ⊙_m ([z_m; 1]·W_m⁽ⁱ⁾) with r·Σ(d_m+1)·d_out weights; d_out = the encoder width. early: the inputs concatenated into one encoder (its first layer split by modality, the other layers shared). late: decision level, each modality's own classifier, the fused logits the mean of theirs (additive: it cannot learn an interaction). Default concat.",
            &["concat", "sum", "gated", "lmf", "tfn", "early", "late"]),
        Knob::count("model.rank", "LMF rank r",
            "Rank of the low-rank fusion: r modality-specific factors per modality (default 4; the paper's grid 1, 4, 8, 16). LMF is smaller than TFN only while r ≪ Π(d_m+1)/Σ(d_m+1).", 1, 64)
            .needs("model.fusion", "lmf", "choose the lmf fusion"),
        Knob::count("model.fusion_hidden", "fused head hidden units",
            "0 = a linear fused head (on concat or sum it is additive across modalities and cannot learn an interaction); more = one hidden ReLU layer (default 0). With late fusion, each modality's classifier has this hidden layer.", 0, 4096)
            .step(16.0),
        Knob::count("model.encoder_width", "encoder width", "Units per encoder layer; also each modality's embedding size (default 64).", 1, 1024).log(),
        Knob::count("model.encoder_depth", "encoder depth", "Linear + ReLU layers per modality encoder (default 2). Early fusion: the first layer split by modality (linear), the other depth − 1 shared.", 1, 8),
        Knob::choice("train.optimizer", "optimizer",
            "Adam rescales every gradient; SGD with momentum follows it directly. Weight decay is the L2 method (default adam).", &["adam", "sgd"]),
        Knob::number("train.learning_rate", "learning rate", "Step size of the optimizer (default 0.001).", 1e-7, 10.0).log().live(),
        Knob::number("train.momentum", "SGD momentum", "Momentum of SGD (default 0.9).", 0.0, 0.999)
            .step(0.01)
            .needs("train.optimizer", "sgd", "choose the SGD optimizer")
            .advanced(),
        Knob::count("train.batch_size", "batch size", "Samples per optimizer step (default 64).", 1, 4096).log(),
        Knob::count("train.epochs", "epochs", "Run length in passes over the training split (default 100).", 1, 100_000).log().live(),
        Knob::count("train.eval_every", "evaluate every (steps, 0 = epoch)",
            "Optimizer steps between evaluations (default 0: one epoch). OGR compares consecutive evaluations, so it grows with this interval.", 0, 1_000_000)
            .live(),
        Knob::count("train.seed", "seed", "Seed of everything random: data, initial weights, batch order, masks (default 1). Another seed is another draw of the same experiment.", 0, u32::MAX as usize),
    ]);
    rows.extend(MethodsConfig::knobs());
    rows.extend([
        Knob::number("metrics.epsilon_ogr", "ε_ogr", "OGR = |ΔO/ΔG| is null (a break in the chart) when |ΔG| < ε_ogr (default 1e-4).", 0.0, 1.0)
            .live()
            .advanced(),
        Knob::number("metrics.shapley_share_min", "Shapley share threshold",
            "The Shapley share φ_m / Σ_k φ_k is null when |Σ_k φ_k| is below this (default 1e-3).", 0.0, 1.0)
            .live()
            .advanced(),
        Knob::choice("metrics.missing_as", "a missing modality is",
            "At every evaluation the fused head is also measured on validation with each modality missing (the Accuracy chart's small plot): its input replaced by its training mean (mean: the sensor is off) or by Gaussian noise with the training mean and standard deviation of each feature, drawn once per run from the seed (noise: the sensor sends garbage). Default mean.",
            &["mean", "noise"])
            .advanced(),
        Knob::new("debug.nan_at_step", "poison the loss at step", "Test hook: the training loss becomes NaN at this step (null: never).", KnobKind::OptionalStep)
            .live(),
    ]);
    rows
}

/// Checks every knob's value in `config`.
pub fn check_all(config: &ExperimentConfig) -> Result<(), ConfigError> {
    let root = serde_json::to_value(config).expect("config serializes");
    table(config).iter().try_for_each(|knob| knob.check(&knob.get(&root)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::knobs::*;
    use crate::engine::presets::{PRESETS, preset};
    use serde_json::Value;

    /// Every path to a leaf of the configuration (lists of names count as one leaf).
    fn leaves(value: &Value, path: String, out: &mut Vec<String>) {
        let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| leaves(v, join(k), out)),
            Value::Array(items) if items.iter().any(Value::is_object) => {
                items.iter().enumerate().for_each(|(i, v)| leaves(v, join(&i.to_string()), out))
            }
            _ => out.push(path),
        }
    }

    fn configs() -> Vec<ExperimentConfig> {
        PRESETS.iter().map(|p| (p.build)()).chain([ExperimentConfig::default()]).collect()
    }

    #[test]
    fn every_setting_has_exactly_one_knob() {
        for config in configs() {
            let mut paths = Vec::new();
            leaves(&serde_json::to_value(&config).unwrap(), String::new(), &mut paths);
            let mut knobs: Vec<String> = table(&config).into_iter().map(|k| k.path).collect();
            let count = knobs.len();
            knobs.sort();
            knobs.dedup();
            assert_eq!(knobs.len(), count, "a path has two knobs");
            paths.sort();
            assert_eq!(knobs, paths, "knob paths vs configuration leaves");
        }
    }

    #[test]
    fn every_method_contributes_knobs_in_its_own_section() {
        let rows = MethodsConfig::knobs();
        for name in MethodsConfig::NAMES {
            let own: Vec<&Knob> = rows.iter().filter(|k| k.section == Section::Method(name)).collect();
            assert!(own.iter().any(|k| k.path == format!("methods.{name}.enabled") && k.kind == KnobKind::Toggle), "{name}");
            assert!(own.iter().all(|k| k.path.starts_with(&format!("methods.{name}.")) && k.live), "{name}");
        }
    }

    #[test]
    fn text_round_trips_every_knob_of_every_preset() {
        let mut checked = 0;
        for base in configs() {
            assert_eq!(encode(&base, &base), "", "nothing changed, nothing written");
            let root = serde_json::to_value(&base).unwrap();
            for knob in table(&base) {
                let changed = knob.set(&base, knob.another_value(&knob.get(&root))).unwrap();
                if changed.validate().is_err() {
                    continue; // a relation between fields (informative ≤ features, mfeat's 2000 samples)
                }
                let text = encode(&base, &changed);
                assert!(text.starts_with(&format!("{}=", knob.path)), "{text}");
                assert_eq!(decode(&base, &text).unwrap(), changed, "{text}");
                checked += 1;
            }
        }
        assert!(checked > 150, "only {checked} changes were valid");
        // Several changes at once, names with reserved characters and a new modality count.
        let base = ExperimentConfig::default();
        let mut changed = base.with_override("train.learning_rate=0.0025").unwrap().with_override("modalities=b").unwrap();
        changed.data.synthetic[1].name = "b & c=1%".into();
        changed.modalities = vec!["b & c=1%".into()];
        changed.data.shortcut_modality = "b & c=1%".into();
        changed.data.synthetic.push(crate::engine::config::SyntheticModality { name: "third, odd".into(), ..Default::default() });
        let text = encode(&base, &changed);
        assert!(!text.contains(' ') && text.matches('&').count() >= 2, "{text}");
        assert_eq!(decode(&base, &text).unwrap(), changed, "{text}");
    }

    #[test]
    fn a_value_out_of_its_knobs_range_is_refused_naming_it() {
        let base = preset("imbalance").unwrap();
        for (assignment, says) in [
            ("train.learning_rate=20", "use a number from 0.0000001 to 10"),
            ("model.encoder_depth=9", "use a whole number from 1 to 8"),
            ("data.label_noise=1.5", "use a number from 0 to 1"),
            ("modalities=a,a", "named twice"),
            ("methods.early_stopping.patience=0", "use a whole number from 1 to 10000"),
        ] {
            let err = base.with_override(assignment).map(|c| c.validate());
            let message = match err {
                Ok(Err(e)) | Err(e) => e.0,
                Ok(Ok(())) => panic!("{assignment} was accepted"),
            };
            let path = assignment.split('=').next().unwrap();
            assert!(message.contains(path) && message.contains(says), "{assignment}: {message}");
        }
    }

    #[test]
    fn a_knob_is_disabled_with_its_reason_while_its_dependency_is_off() {
        let config = serde_json::to_value(ExperimentConfig::default()).unwrap();
        let rows = table(&ExperimentConfig::default());
        let find = |path: &str| rows.iter().find(|k| k.path == path).unwrap();
        assert_eq!(find("methods.fusion_dropout.p").disabled_because(&config), Some("turn on dropout on the fused layer"));
        assert_eq!(find("data.views").disabled_because(&config), Some("choose the mfeat dataset"));
        assert_eq!(find("train.learning_rate").disabled_because(&config), None);
        let on = serde_json::to_value(ExperimentConfig::default().with_override("methods.fusion_dropout.enabled=true").unwrap()).unwrap();
        assert_eq!(find("methods.fusion_dropout.p").disabled_because(&on), None);
    }

    #[test]
    fn a_toggle_is_unavailable_while_turning_it_on_would_be_refused() {
        // Gradient-Blending needs V: with no held-out part its toggle says why, whatever
        // validation says; with V it is available, and an enabled toggle never is blocked.
        let without_v = ExperimentConfig::default().with_override("data.holdout_fraction=0").unwrap();
        let rows = table(&without_v);
        let toggle = rows.iter().find(|k| k.path == "methods.gradient_blending.enabled").unwrap();
        let refused = toggle.set(&without_v, Value::Bool(true)).unwrap().validate().unwrap_err();
        assert_eq!(toggle.unavailable(&without_v), Some(refused.0));
        assert_eq!(toggle.unavailable(&ExperimentConfig::default()), None);
        let p = rows.iter().find(|k| k.path == "methods.fusion_dropout.p").unwrap();
        assert_eq!(p.unavailable(&without_v).as_deref(), Some("turn on dropout on the fused layer"), "a dependency comes first");
    }
}
