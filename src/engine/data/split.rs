//! The plain data every source produces: per-modality `f32` matrices, splits with labels,
//! the raw splits of a source before V, T′ and standardisation, and the random-stream ids.
//! (Sources and `Dataset` import this; it imports neither.)

/// A dense row-major `f32` matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// Number of rows (samples).
    pub rows: usize,
    /// Number of columns (features).
    pub cols: usize,
    /// `rows * cols` values, row after row.
    pub values: Vec<f32>,
}

impl Matrix {
    /// An all-zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self { rows, cols, values: vec![0.0; rows * cols] }
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }

    /// Row `i`, mutable.
    pub fn row_mut(&mut self, i: usize) -> &mut [f32] {
        &mut self.values[i * self.cols..(i + 1) * self.cols]
    }

    /// The rows at `indices`, in that order.
    pub fn select_rows(&self, indices: &[usize]) -> Matrix {
        let mut values = Vec::with_capacity(indices.len() * self.cols);
        for &i in indices {
            values.extend_from_slice(self.row(i));
        }
        Matrix { rows: indices.len(), cols: self.cols, values }
    }

    /// Per-column mean and standard deviation (population; a constant column gets 1).
    pub fn column_moments(&self) -> (Vec<f32>, Vec<f32>) {
        let n = self.rows.max(1) as f64;
        let mut mean = vec![0f64; self.cols];
        let mut sq = vec![0f64; self.cols];
        for i in 0..self.rows {
            for (j, &v) in self.row(i).iter().enumerate() {
                mean[j] += v as f64;
                sq[j] += (v as f64) * (v as f64);
            }
        }
        let mean: Vec<f64> = mean.iter().map(|s| s / n).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(s, m)| {
                let var = (s / n - m * m).max(0.0);
                if var > 1e-12 { var.sqrt() as f32 } else { 1.0 }
            })
            .collect();
        (mean.into_iter().map(|m| m as f32).collect(), std)
    }

    /// Subtracts `mean` and divides by `std`, column by column.
    pub fn standardize(&mut self, mean: &[f32], std: &[f32]) {
        for i in 0..self.rows {
            for (j, v) in self.row_mut(i).iter_mut().enumerate() {
                *v = (*v - mean[j]) / std[j];
            }
        }
    }
}

/// One split: a matrix per modality (same row count) and a label per row.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// One matrix per modality, in the dataset's modality order.
    pub modalities: Vec<Matrix>,
    /// Class index per row.
    pub labels: Vec<u32>,
}

impl Split {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the split has no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The samples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Split {
        Split {
            modalities: self.modalities.iter().map(|m| m.select_rows(indices)).collect(),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    /// The same rows with only the modalities at `keep`, in that order.
    pub fn keep_modalities(&self, keep: &[usize]) -> Split {
        Split { modalities: keep.iter().map(|&m| self.modalities[m].clone()).collect(), labels: self.labels.clone() }
    }
}

/// Splits drawn by a source before V, T′ and standardisation.
pub struct RawSplits {
    /// Modality names.
    pub modality_names: Vec<String>,
    /// Classes.
    pub classes: usize,
    /// Full training split (V still inside).
    pub train: Split,
    /// Validation split.
    pub val: Split,
    /// Test split.
    pub test: Split,
}

/// Random-stream ids, so each use of the run seed draws its own sequence.
pub mod streams {
    /// Sample generation and split assignment.
    pub const DATA: u64 = 1;
    /// Held-out V and T′ selection.
    pub const SPLITS: u64 = 2;
    /// Initial weights.
    pub const WEIGHTS: u64 = 3;
    /// Batch order.
    pub const BATCHES: u64 = 4;
    /// A method's masks and noise: `[MASKS, key_id(method key), purpose, step]`
    /// ([`crate::engine::rng::HostRng::derived`]).
    pub const MASKS: u64 = 5;
    /// Initial weights of the layers a method owns: `[METHOD_LAYERS, key_id(method key)]`.
    pub const METHOD_LAYERS: u64 = 6;
    /// Gradient-Blending's estimation batch order (`GBLEND + (estimate << 8)`).
    pub const GBLEND: u64 = 7;
    /// The noise that stands in for a missing modality at test time (`metrics.missing_as`).
    pub const MISSING: u64 = 8;

    /// What a synthetic-data stream draws.
    #[derive(Clone, Copy)]
    pub enum DataPurpose {
        /// A modality's class means.
        Means = 1,
        /// The classes each sample shows (and so its label).
        Labels = 2,
        /// A modality's per-feature noise.
        Noise = 3,
        /// The random class the shortcut modality shows outside training.
        Shortcut = 4,
        /// Which training labels are replaced, and by what.
        LabelNoise = 5,
    }

    /// The stream of one purpose, split (0 train, 1 validation, 2 test; 0 for class means)
    /// and modality, so that a data knob changes only the draws it names: the training size
    /// or label noise never changes a validation or test sample, and a modality's width,
    /// signal or noise never changes another modality. (Above 2^40: apart from the ids
    /// above, and from the batch streams `BATCHES + (epoch << 8)`.)
    pub fn data(purpose: DataPurpose, split: u64, modality: usize) -> u64 {
        (1 << 40) | ((purpose as u64) << 32) | (split << 16) | modality as u64
    }
}
