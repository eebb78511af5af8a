//! Synthetic multimodal data with knobs a teacher can explain.
//!
//! Every modality m has K class means drawn once from N(0, 1) in its first `informative`
//! features and scaled by `signal`; the other features are nuisance (zero mean). A sample
//! of class c shows x_m = mean_m[c] + `noise` · N(0, I). The variants change which class a
//! modality shows:
//! - `independent`: every modality shows the label (strong/weak via `signal`, `noise`,
//!   `informative`); the `imbalance` preset makes one narrow modality strong and one wide
//!   modality weak, so that joint training memorises through the wide one;
//! - `shortcut`: the shortcut modality shows the label on the training split and a random
//!   class on validation and test: it predicts the training labels but not validation;
//! - `interaction`: modality m shows its own uniform latent code c_m and the label is
//!   (Σ_m c_m) mod K, so each modality alone carries no information about the label.
//!
//! Label noise replaces a training label by a uniformly random class with that probability.

use super::split::streams::{self, DataPurpose};
use super::split::{Matrix, RawSplits, Split};
use crate::engine::config::{DataConfig, SyntheticVariant};
use crate::engine::rng::HostRng;

#[derive(Clone, Copy, PartialEq)]
enum SplitKind {
    Train = 0,
    Validation = 1,
    Test = 2,
}

/// Draws the train, validation and test splits that `data` describes. Every purpose, split
/// and modality has its own random stream ([`streams::data`]).
pub fn generate(data: &DataConfig, seed: u64) -> RawSplits {
    let means: Vec<Vec<Vec<f32>>> = data
        .synthetic
        .iter()
        .enumerate()
        .map(|(m, spec)| {
            let mut rng = HostRng::new(seed, streams::data(DataPurpose::Means, 0, m));
            (0..data.classes)
                .map(|_| (0..spec.informative).map(|_| rng.normal() as f32 * spec.signal).collect())
                .collect()
        })
        .collect();
    let draw = |rows: usize, kind: SplitKind| draw_split(data, &means, rows, kind, seed);
    let train = draw(data.drawn_train_rows(), SplitKind::Train);
    let val = draw(data.val_size, SplitKind::Validation);
    let test = draw(data.test_size, SplitKind::Test);
    RawSplits {
        modality_names: data.synthetic.iter().map(|m| m.name.clone()).collect(),
        classes: data.classes,
        train,
        val,
        test,
    }
}

fn draw_split(data: &DataConfig, means: &[Vec<Vec<f32>>], rows: usize, kind: SplitKind, seed: u64) -> Split {
    let k = data.classes;
    let split = kind as u64;
    let stream = |purpose, modality| HostRng::new(seed, streams::data(purpose, split, modality));
    let (mut label_rng, mut shortcut_rng, mut flip_rng) =
        (stream(DataPurpose::Labels, 0), stream(DataPurpose::Shortcut, 0), stream(DataPurpose::LabelNoise, 0));
    let mut noise_rngs: Vec<HostRng> = (0..data.synthetic.len()).map(|m| stream(DataPurpose::Noise, m)).collect();
    let mut modalities: Vec<Matrix> = data.synthetic.iter().map(|m| Matrix::zeros(rows, m.dim)).collect();
    let mut labels = Vec::with_capacity(rows);
    for i in 0..rows {
        let shown: Vec<usize> = match data.variant {
            SyntheticVariant::Interaction => (0..data.synthetic.len()).map(|_| label_rng.below(k)).collect(),
            _ => vec![label_rng.below(k); data.synthetic.len()],
        };
        let mut label = match data.variant {
            SyntheticVariant::Interaction => shown.iter().sum::<usize>() % k,
            _ => shown[0],
        };
        for (m, spec) in data.synthetic.iter().enumerate() {
            let mut class = shown[m];
            if data.variant == SyntheticVariant::Shortcut && spec.name == data.shortcut_modality && kind != SplitKind::Train {
                class = shortcut_rng.below(k);
            }
            let row = modalities[m].row_mut(i);
            for (j, v) in row.iter_mut().enumerate() {
                let mean = means[m][class].get(j).copied().unwrap_or(0.0);
                *v = mean + spec.noise * noise_rngs[m].normal() as f32;
            }
        }
        if kind == SplitKind::Train && data.label_noise > 0.0 && flip_rng.chance(data.label_noise as f64) {
            label = flip_rng.below(k);
        }
        labels.push(label as u32);
    }
    Split { modalities, labels }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::SyntheticModality;

    fn nearest_mean_accuracy(split: &Split, m: usize, means: &[Vec<f32>]) -> f64 {
        let correct = (0..split.len())
            .filter(|&i| {
                let row = split.modalities[m].row(i);
                let best = (0..means.len())
                    .min_by(|&a, &b| {
                        let da: f32 = means[a].iter().zip(row).map(|(x, y)| (x - y).powi(2)).sum();
                        let db: f32 = means[b].iter().zip(row).map(|(x, y)| (x - y).powi(2)).sum();
                        da.total_cmp(&db)
                    })
                    .unwrap();
                best as u32 == split.labels[i]
            })
            .count();
        correct as f64 / split.len() as f64
    }

    fn class_means(split: &Split, m: usize, k: usize) -> Vec<Vec<f32>> {
        let d = split.modalities[m].cols;
        let mut sums = vec![vec![0f32; d]; k];
        let mut counts = vec![0f32; k];
        for i in 0..split.len() {
            let c = split.labels[i] as usize;
            counts[c] += 1.0;
            for (s, v) in sums[c].iter_mut().zip(split.modalities[m].row(i)) {
                *s += v;
            }
        }
        sums.into_iter().zip(counts).map(|(s, n)| s.into_iter().map(|v| v / n.max(1.0)).collect()).collect()
    }

    fn config(variant: SyntheticVariant) -> DataConfig {
        DataConfig {
            variant,
            classes: 2,
            train_size: 2000,
            val_size: 2000,
            synthetic: vec![
                SyntheticModality { name: "a".into(), dim: 4, informative: 4, signal: 2.0, noise: 1.0 },
                SyntheticModality { name: "b".into(), dim: 4, informative: 4, signal: 2.0, noise: 1.0 },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_data_knob_changes_only_what_it_names() {
        let base = config(SyntheticVariant::Shortcut);
        let raw = generate(&base, 3);
        let with = |change: &dyn Fn(&mut DataConfig)| {
            let mut c = base.clone();
            change(&mut c);
            generate(&c, 3)
        };
        let bigger = with(&|c| c.train_size = 2500);
        let noisy = with(&|c| c.label_noise = 0.3);
        for other in [&bigger, &noisy] {
            assert_eq!((&other.val, &other.test), (&raw.val, &raw.test), "validation and test untouched");
        }
        let drawn = raw.train.len();
        assert_eq!(bigger.train.select(&(0..drawn).collect::<Vec<_>>()), raw.train, "the training rows drawn before stay");
        assert_eq!(noisy.train.modalities, raw.train.modalities, "label noise changes labels only");
        assert_ne!(noisy.train.labels, raw.train.labels);
        let wider = with(&|c| c.synthetic[1].dim = 9);
        for split in [(&wider.train, &raw.train), (&wider.val, &raw.val), (&wider.test, &raw.test)] {
            assert_eq!(split.0.modalities[0], split.1.modalities[0], "modality a untouched by b's width");
            assert_eq!(split.0.labels, split.1.labels);
        }
        assert_ne!(wider.train.modalities[1], raw.train.modalities[1]);
        // Two modalities with the same knobs still draw their own means and noise.
        assert_eq!((base.synthetic[0].dim, base.synthetic[0].signal), (base.synthetic[1].dim, base.synthetic[1].signal));
        assert_ne!(raw.train.modalities[0], raw.train.modalities[1], "each modality has its own streams");
    }

    #[test]
    fn interaction_modalities_alone_are_at_chance() {
        let raw = generate(&config(SyntheticVariant::Interaction), 5);
        for m in 0..2 {
            let means = class_means(&raw.train, m, 2);
            let acc = nearest_mean_accuracy(&raw.val, m, &means);
            assert!((acc - 0.5).abs() < 0.05, "modality {m} alone reaches {acc}");
        }
    }

    #[test]
    fn shortcut_predicts_train_but_not_validation() {
        let raw = generate(&config(SyntheticVariant::Shortcut), 5);
        let means = class_means(&raw.train, 1, 2);
        let train_acc = nearest_mean_accuracy(&raw.train, 1, &means);
        let val_acc = nearest_mean_accuracy(&raw.val, 1, &means);
        assert!(train_acc > 0.8, "train {train_acc}");
        assert!((val_acc - 0.5).abs() < 0.05, "val {val_acc}");
    }
}
