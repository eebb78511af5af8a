//! The dataset's settings: the source (synthetic or mfeat), the synthetic variants and
//! modalities, the split sizes and the held-out part V.

use serde::{Deserialize, Serialize};


/// Where the samples come from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DataSource {
    /// Generated from the knobs below.
    #[default]
    Synthetic,
    /// UCI Multiple Features (handwritten digits, six feature views).
    Mfeat,
}

/// How the synthetic label relates to the modalities.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SyntheticVariant {
    /// Each modality shows the class through its own class means (strong/weak via `signal`).
    #[default]
    Independent,
    /// The modality named in `shortcut_modality` shows the class on the training split only;
    /// on validation and test it shows a random class.
    Shortcut,
    /// Each modality shows an independent latent code; the label is the sum of the codes
    /// modulo the class count, so every modality alone is at chance.
    Interaction,
}

/// One synthetic modality.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SyntheticModality {
    /// Name shown in charts and used in the output schema.
    pub name: String,
    /// Number of features.
    pub dim: usize,
    /// How many of the features carry the class signal; the rest are nuisance noise.
    pub informative: usize,
    /// Scale of the class means (signal strength).
    pub signal: f32,
    /// Standard deviation of the per-feature Gaussian noise.
    pub noise: f32,
}

impl Default for SyntheticModality {
    fn default() -> Self {
        Self { name: "a".into(), dim: 16, informative: 16, signal: 1.0, noise: 1.0 }
    }
}

/// The dataset and its knobs.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Synthetic or a real dataset.
    pub source: DataSource,
    /// Synthetic variant.
    pub variant: SyntheticVariant,
    /// Number of classes (synthetic).
    pub classes: usize,
    /// Samples the model trains on: the training split drawn is this plus the held-out
    /// part V ([`DataConfig::holdout_rows`]), so that this many remain after V.
    pub train_size: usize,
    /// Validation-split size.
    pub val_size: usize,
    /// Test-split size.
    pub test_size: usize,
    /// Probability that a training label is replaced by a uniformly random class.
    pub label_noise: f32,
    /// The synthetic modalities.
    pub synthetic: Vec<SyntheticModality>,
    /// Name of the shortcut modality (variant `shortcut`).
    pub shortcut_modality: String,
    /// The mfeat views to load (`fou`, `fac`, `kar`, `pix`, `zer`, `mor`).
    pub views: Vec<String>,
    /// Fraction of the training split held out as V (Gradient-Blending), removed from every run.
    pub holdout_fraction: f32,
}

impl DataConfig {
    /// Rows of the held-out part V: `round(train_size · f / (1 − f))`, so that V is the
    /// fraction `f` of the drawn training split (`train_size + V` rows) and `train_size`
    /// rows remain to train on.
    pub fn holdout_rows(&self) -> usize {
        let f = self.holdout_fraction as f64;
        (self.train_size as f64 * f / (1.0 - f)).round() as usize
    }

    /// Rows of the training split as drawn, V included.
    pub fn drawn_train_rows(&self) -> usize {
        self.train_size + self.holdout_rows()
    }
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            source: DataSource::Synthetic,
            variant: SyntheticVariant::Independent,
            classes: 4,
            train_size: 400,
            val_size: 200,
            test_size: 200,
            label_noise: 0.0,
            synthetic: vec![
                SyntheticModality { name: "a".into(), ..Default::default() },
                SyntheticModality { name: "b".into(), ..Default::default() },
            ],
            shortcut_modality: "b".into(),
            views: vec!["fou".into(), "mor".into()],
            holdout_fraction: 0.1,
        }
    }
}

/// The mfeat views, with their feature counts.
pub const MFEAT_VIEWS: [(&str, usize); 6] =
    [("fou", 76), ("fac", 216), ("kar", 64), ("pix", 240), ("zer", 47), ("mor", 6)];
