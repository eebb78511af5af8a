//! The dataset type shared by every source: the splits a source draws, with V and T′
//! taken out and every feature standardised with the training statistics.

use super::split::{RawSplits, Split, streams};
use crate::engine::config::{ConfigError, DataSource, ExperimentConfig};
use crate::engine::rng::HostRng;

/// A multimodal classification dataset with its splits.
///
/// `train` is the training split with the held-out part V already removed; `holdout` is V
/// (Gradient-Blending's weight-estimation set); `train_subset` indexes T′, the fixed part
/// of `train` on which the training loss L^T is measured (as large as the validation split,
/// or all of `train` when that is smaller). All features are standardised with the
/// statistics of `train` alone.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Human-readable name.
    pub name: String,
    /// Modality names, in order.
    pub modality_names: Vec<String>,
    /// Number of classes.
    pub classes: usize,
    /// Training split (V removed).
    pub train: Split,
    /// Held-out part V of the training split.
    pub holdout: Split,
    /// Validation split.
    pub val: Split,
    /// Test split.
    pub test: Split,
    /// Indices into `train` of the fixed subset T′.
    pub train_subset: Vec<usize>,
}

impl Dataset {
    /// Builds the dataset a configuration describes (deterministic from its data knobs and
    /// `train.seed`), keeping only the modalities in use.
    pub fn from_config(config: &ExperimentConfig, mfeat_bytes: Option<&[u8]>) -> Result<Dataset, ConfigError> {
        let seed = config.train.seed;
        let raw = match config.data.source {
            DataSource::Synthetic => super::synthetic::generate(&config.data, seed),
            DataSource::Mfeat => {
                let bytes = mfeat_bytes.ok_or_else(|| ConfigError("the mfeat data file is not loaded".into()))?;
                super::mfeat::splits(bytes, &config.data, seed)?
            }
        };
        let name = match config.data.source {
            DataSource::Synthetic => format!("synthetic-{:?}", config.data.variant).to_lowercase(),
            DataSource::Mfeat => format!("mfeat-{}", config.data.views.join("-")),
        };
        let dataset = Self::finish(name, raw, config.data.holdout_rows(), seed);
        Ok(dataset.with_modalities(&config.modalities))
    }

    /// Removes V (`holdout_rows` random rows) from the training split, draws T′ and
    /// standardises every split with the training statistics.
    pub fn finish(name: String, raw: RawSplits, holdout_rows: usize, seed: u64) -> Dataset {
        let mut rng = HostRng::new(seed, streams::SPLITS);
        let order = rng.permutation(raw.train.len());
        let (holdout_idx, train_idx) = order.split_at(holdout_rows);
        let mut train = raw.train.select(train_idx);
        let mut holdout = raw.train.select(holdout_idx);
        let (mut val, mut test) = (raw.val, raw.test);
        for m in 0..train.modalities.len() {
            let (mean, std) = train.modalities[m].column_moments();
            for split in [&mut train, &mut holdout, &mut val, &mut test] {
                split.modalities[m].standardize(&mean, &std);
            }
        }
        let subset_rows = val.len().min(train.len());
        let mut train_subset = rng.permutation(train.len());
        train_subset.truncate(subset_rows);
        Dataset { name, modality_names: raw.modality_names, classes: raw.classes, train, holdout, val, test, train_subset }
    }

    /// Keeps only the named modalities (all of them when `names` is empty), same samples.
    pub fn with_modalities(self, names: &[String]) -> Dataset {
        if names.is_empty() {
            return self;
        }
        let keep: Vec<usize> = names.iter().filter_map(|n| self.modality_names.iter().position(|m| m == n)).collect();
        Dataset {
            name: self.name,
            modality_names: keep.iter().map(|&m| self.modality_names[m].clone()).collect(),
            classes: self.classes,
            train: self.train.keep_modalities(&keep),
            holdout: self.holdout.keep_modalities(&keep),
            val: self.val.keep_modalities(&keep),
            test: self.test.keep_modalities(&keep),
            train_subset: self.train_subset,
        }
    }

    /// Feature count per modality.
    pub fn dims(&self) -> Vec<usize> {
        self.train.modalities.iter().map(|m| m.cols).collect()
    }

    /// T′ as a split.
    pub fn train_eval_split(&self) -> Split {
        self.train.select(&self.train_subset)
    }

    /// The splits as `modalscope export-data` writes them, by file stem: the training split
    /// (V removed), V, validation, test and T′.
    pub fn named_splits(&self) -> [(&'static str, Split); 5] {
        [
            ("train", self.train.clone()),
            ("holdout", self.holdout.clone()),
            ("val", self.val.clone()),
            ("test", self.test.clone()),
            ("train_subset", self.train_eval_split()),
        ]
    }

    /// Every split in one CSV, as the page downloads it: [`Self::split_csv`]'s columns
    /// after a first column `split` naming the split of the row ([`Self::named_splits`]).
    pub fn splits_csv(&self) -> String {
        let mut out = String::new();
        for (name, split) in self.named_splits() {
            let csv = self.split_csv(&split);
            let mut lines = csv.lines();
            if out.is_empty() {
                out = format!("split,{}\n", lines.next().unwrap_or_default());
            } else {
                lines.next();
            }
            lines.for_each(|line| out.push_str(&format!("{name},{line}\n")));
        }
        out
    }

    /// Writes one split as CSV: a header `label,<modality>_<j>...` and one row per sample.
    pub fn split_csv(&self, split: &Split) -> String {
        let mut out = String::from("label");
        for (name, m) in self.modality_names.iter().zip(&split.modalities) {
            for j in 0..m.cols {
                out.push_str(&format!(",{name}_{j}"));
            }
        }
        out.push('\n');
        for i in 0..split.len() {
            out.push_str(&split.labels[i].to_string());
            for m in &split.modalities {
                for v in m.row(i) {
                    out.push(',');
                    out.push_str(&v.to_string());
                }
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::data::split::Matrix;

    #[test]
    fn default_split_sizes_and_training_rows_standardised() {
        let config = ExperimentConfig::default();
        let data = Dataset::from_config(&config, None).unwrap();
        // 400 to train on, V = round(400 · 0.1 / 0.9) = 44 drawn on top (10 % of 444).
        assert_eq!(data.holdout.len(), 44);
        assert_eq!(data.train.len(), 400);
        assert_eq!(data.train_subset.len(), 200);
        let (mean, std) = data.train.modalities[0].column_moments();
        assert!(mean.iter().all(|m| m.abs() < 1e-4));
        assert!(std.iter().all(|s| (s - 1.0).abs() < 1e-3));
    }

    /// Raw splits whose one feature is an id (train rows 0..n, validation 1000 + i, test
    /// 2000 + i), so that where every row went can be read back after standardisation.
    fn tagged(train: usize, val: usize, test: usize) -> RawSplits {
        let split = |offset: usize, rows: usize| Split {
            modalities: vec![Matrix { rows, cols: 1, values: (0..rows).map(|i| (offset + i) as f32).collect() }],
            labels: vec![0; rows],
        };
        RawSplits { modality_names: vec!["id".into()], classes: 2, train: split(0, train), val: split(1000, val), test: split(2000, test) }
    }

    #[test]
    fn holdout_and_train_partition_the_training_split_and_only_train_sets_the_scaling() {
        let data = Dataset::finish("tagged".into(), tagged(100, 30, 20), 10, 7);
        // Validation ids are known: recover the affine scaling x' = (x − μ)/σ from two rows.
        let v = &data.val.modalities[0].values;
        let sigma = 1.0 / (v[1] - v[0]) as f64;
        let mu = 1000.0 - v[0] as f64 * sigma;
        let ids = |m: &Matrix| -> Vec<usize> { m.values.iter().map(|&x| (x as f64 * sigma + mu).round() as usize).collect() };
        let (train, holdout) = (ids(&data.train.modalities[0]), ids(&data.holdout.modalities[0]));
        assert_eq!((train.len(), holdout.len()), (90, 10));
        let mut all: Vec<usize> = train.iter().chain(&holdout).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>(), "V and train are disjoint and together the training split");
        // μ and σ are the moments of the training rows without V.
        let n = train.len() as f64;
        let mean = train.iter().map(|&i| i as f64).sum::<f64>() / n;
        let std = (train.iter().map(|&i| (i as f64 - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!((mu - mean).abs() < 1e-2 && (sigma - std).abs() < 1e-2, "scaling ({mu}, {sigma}) vs train moments ({mean}, {std})");
        assert_eq!(ids(&data.test.modalities[0]), (2000..2020).collect::<Vec<_>>(), "test scaled the same way");
        // T′: as many distinct training rows as the validation split has, none of them in V.
        let mut subset = data.train_subset.clone();
        subset.sort_unstable();
        subset.dedup();
        assert_eq!(subset.len(), 30);
        assert!(subset.iter().all(|&i| i < train.len()), "T′ indexes the training rows (V excluded)");
    }

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let config = ExperimentConfig::default();
        let a = Dataset::from_config(&config, None).unwrap();
        let b = Dataset::from_config(&config, None).unwrap();
        let c = Dataset::from_config(&config.with_override("train.seed=2").unwrap(), None).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.train, c.train);
    }

    #[test]
    fn a_unimodal_selection_keeps_the_same_samples() {
        let config = ExperimentConfig::default();
        let all = Dataset::from_config(&config, None).unwrap();
        let only_b = Dataset::from_config(&config.with_override("modalities=b").unwrap(), None).unwrap();
        assert_eq!(only_b.modality_names, vec!["b"]);
        assert_eq!(only_b.val.modalities[0], all.val.modalities[1]);
        assert_eq!(only_b.train.labels, all.train.labels);
    }
}
