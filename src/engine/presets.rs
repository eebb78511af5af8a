//! Named starting points. Each preset is a full [`ExperimentConfig`] with a one-line story.

use std::sync::LazyLock;

use crate::engine::config::{
    DataConfig, DataSource, ExperimentConfig, FusionKind, ModelConfig, SyntheticModality, SyntheticVariant, TrainConfig,
};
use crate::engine::methods::METHODS;

/// A named configuration with its one-line description.
pub struct Preset {
    /// Name used by `--preset` and the UI.
    pub name: &'static str,
    /// What it shows, in one line.
    pub description: &'static str,
    /// Builds the configuration.
    pub build: fn() -> ExperimentConfig,
}

/// A synthetic modality of `dim` features, `informative` of them carrying the class.
pub fn modality(name: &str, dim: usize, informative: usize, signal: f32, noise: f32) -> SyntheticModality {
    SyntheticModality { name: name.into(), dim, informative, signal, noise }
}

/// One strong narrow modality a and one weak wide one b on 200 training samples (the
/// page's first preset; Gradient-Blending's builds on it).
pub fn imbalance() -> ExperimentConfig {
    ExperimentConfig {
        data: DataConfig {
            classes: 4,
            train_size: 200,
            val_size: 200,
            test_size: 200,
            synthetic: vec![modality("a", 8, 8, 0.65, 1.0), modality("b", 512, 4, 0.9, 1.0)],
            ..Default::default()
        },
        train: TrainConfig { epochs: 100, ..Default::default() },
        ..Default::default()
    }
}

fn shortcut() -> ExperimentConfig {
    ExperimentConfig {
        data: DataConfig {
            variant: SyntheticVariant::Shortcut,
            classes: 4,
            train_size: 400,
            val_size: 200,
            test_size: 200,
            synthetic: vec![modality("a", 16, 16, 0.5, 1.0), modality("b", 16, 16, 1.5, 1.0)],
            shortcut_modality: "b".into(),
            ..Default::default()
        },
        train: TrainConfig { epochs: 60, ..Default::default() },
        ..Default::default()
    }
}

fn interaction() -> ExperimentConfig {
    ExperimentConfig {
        data: DataConfig {
            variant: SyntheticVariant::Interaction,
            classes: 2,
            train_size: 1000,
            val_size: 300,
            test_size: 300,
            synthetic: vec![modality("a", 8, 8, 1.5, 1.0), modality("b", 8, 8, 1.5, 1.0)],
            ..Default::default()
        },
        model: ModelConfig { fusion_hidden: 64, ..Default::default() },
        train: TrainConfig { epochs: 60, ..Default::default() },
        ..Default::default()
    }
}

/// `interaction` with a tensor fusion and a *linear* fused head: the multiplicative terms of
/// the fusion alone learn the XOR that an additive concat + linear head cannot.
fn tensor_fusion(fusion: FusionKind) -> ExperimentConfig {
    let mut config = interaction();
    config.model.fusion = fusion;
    config.model.fusion_hidden = 0;
    config
}

fn lmf() -> ExperimentConfig {
    tensor_fusion(FusionKind::Lmf)
}

fn tfn() -> ExperimentConfig {
    tensor_fusion(FusionKind::Tfn)
}

fn balanced() -> ExperimentConfig {
    ExperimentConfig {
        data: DataConfig {
            synthetic: vec![modality("a", 16, 8, 0.6, 1.0), modality("b", 16, 8, 0.6, 1.0)],
            ..Default::default()
        },
        train: TrainConfig { epochs: 60, ..Default::default() },
        ..Default::default()
    }
}

fn mfeat_fou_mor() -> ExperimentConfig {
    ExperimentConfig {
        data: DataConfig {
            source: DataSource::Mfeat,
            // 900 to train on + 100 held out as V + 500 + 500: all 2000 samples.
            train_size: 900,
            val_size: 500,
            test_size: 500,
            views: vec!["fou".into(), "mor".into()],
            ..Default::default()
        },
        train: TrainConfig { epochs: 60, ..Default::default() },
        ..Default::default()
    }
}

/// The presets that no method brings, in menu order.
const PHENOMENA: &[Preset] = &[
    Preset {
        name: "imbalance",
        description: "one strong narrow modality (a) and one weak wide one (b): naive joint training overfits through b and ends below a alone",
        build: imbalance,
    },
    Preset {
        name: "shortcut",
        description: "modality b predicts the training labels but not validation: the fused model learns the shortcut and its gap grows",
        build: shortcut,
    },
    Preset {
        name: "interaction",
        description: "the label is a XOR of the two modalities: each alone is at chance; its hidden-layer fused head learns it (a linear head on concat, or late fusion, cannot)",
        build: interaction,
    },
    Preset {
        name: "lmf",
        description: "interaction with low-rank multimodal fusion (rank 4) and a linear head: the products of the modalities' factors learn the XOR, with an eighth of tensor fusion's parameters",
        build: lmf,
    },
    Preset {
        name: "tfn",
        description: "interaction with tensor fusion and a linear head: every product of a feature of a with one of b, so the XOR is linear in them (compare lmf's accuracy and parameter count)",
        build: tfn,
    },
    Preset {
        name: "balanced",
        description: "two equally informative modalities: the easy case, for comparison",
        build: balanced,
    },
    Preset {
        name: "mfeat-fou-mor",
        description: "UCI handwritten digits, Fourier (76 features) and morphological (6 features) views",
        build: mfeat_fou_mor,
    },
];

/// Every preset, in menu order: the first phenomenon (`imbalance`, what the page opens on),
/// then the methods' presets in registry order ([`crate::engine::methods::About::presets`]:
/// the methods that address it), then the other phenomena.
pub static PRESETS: LazyLock<Vec<&'static Preset>> = LazyLock::new(|| {
    let methods = METHODS.iter().flat_map(|m| m.presets.iter());
    PHENOMENA[..1].iter().chain(methods).chain(&PHENOMENA[1..]).collect()
});

/// How long a run lasts at its default pace, in seconds: long enough to talk over, short
/// enough to run twice in a lecture.
pub const RUN_SECONDS: f64 = 20.0;

/// The pace (evaluations per second) at which a run of `config` lasts [`RUN_SECONDS`]: the
/// page's default for each preset. Pace throttles wall time only, so the run's numbers are
/// the same at any pace.
pub fn default_pace(config: &ExperimentConfig) -> f64 {
    config.evaluations_in_run() as f64 / RUN_SECONDS
}

/// The preset called `name`.
pub fn preset(name: &str) -> Option<ExperimentConfig> {
    PRESETS.iter().find(|p| p.name == name).map(|p| (p.build)())
}

/// Names of every preset, comma-separated (for error messages).
pub fn preset_names() -> String {
    PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_validates() {
        for p in PRESETS.iter() {
            (p.build)().validate().unwrap_or_else(|e| panic!("{}: {e}", p.name));
        }
    }

    /// The page's CPU backend trains the default model at about 900 steps/s or more with an
    /// evaluation every step, 2,000 every 10 (bench/RESULTS.md, headless Chromium on two
    /// cores): a default pace that asks for a tenth of that leaves room for a slower laptop.
    #[test]
    fn each_preset_runs_for_about_twenty_seconds_at_its_default_pace() {
        for p in PRESETS.iter() {
            let config = (p.build)();
            let pace = default_pace(&config);
            let evaluations = config.evaluations_in_run();
            let seconds = evaluations as f64 / pace;
            assert!((15.0..=25.0).contains(&seconds), "{}: {evaluations} evaluations at {pace:.2}/s last {seconds:.1} s", p.name);
            let interval = config.eval_interval(config.data.train_size);
            let steps_per_second = pace * interval as f64;
            assert!(pace <= 10.0 && steps_per_second <= 90.0, "{}: {pace:.2} evaluations/s of {interval} steps ({steps_per_second:.0} steps/s) is more than the CPU backend's margin", p.name);
        }
    }

    #[test]
    fn imbalance_trains_on_the_recipes_200_samples() {
        // DESIGN.md's recipe: 200 training samples, after V is held out.
        let data = crate::engine::data::Dataset::from_config(&preset("imbalance").unwrap(), None).unwrap();
        assert_eq!((data.train.len(), data.holdout.len()), (200, 22));
    }
}
