//! The only host -> tensor conversion: rows of a split become device tensors.

use burn::tensor::{Device, Tensor, TensorData};

use super::split::{Matrix, Split};

/// One batch on the device.
///
/// # Shapes
/// - `inputs[m]`: `[batch, d_m]`
/// - `targets`: `[batch, classes]` (one-hot, or soft labels when mixed)
#[derive(Clone, Debug)]
pub struct Batch {
    /// One input tensor per modality.
    pub inputs: Vec<Tensor<2>>,
    /// One-hot targets.
    pub targets: Tensor<2>,
}

/// A `[rows, cols]` tensor from a host matrix.
pub fn tensor_from_matrix(matrix: &Matrix, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(matrix.values.clone(), [matrix.rows, matrix.cols]), device)
}

/// A `[rows, classes]` one-hot tensor from labels.
pub fn one_hot_from_labels(labels: &[u32], classes: usize, device: &Device) -> Tensor<2> {
    let mut values = vec![0f32; labels.len() * classes];
    for (i, &label) in labels.iter().enumerate() {
        values[i * classes + label as usize] = 1.0;
    }
    Tensor::from_data(TensorData::new(values, [labels.len(), classes]), device)
}

/// The whole split (or a selection of its rows) as a batch. Selected rows are copied once,
/// straight into the upload.
pub fn batch_from_split(split: &Split, rows: Option<&[usize]>, classes: usize, device: &Device) -> Batch {
    match rows {
        Some(rows) => {
            let selected = split.select(rows);
            Batch {
                targets: one_hot_from_labels(&selected.labels, classes, device),
                inputs: selected
                    .modalities
                    .into_iter()
                    .map(|m| Tensor::from_data(TensorData::new(m.values, [m.rows, m.cols]), device))
                    .collect(),
            }
        }
        None => Batch {
            inputs: split.modalities.iter().map(|m| tensor_from_matrix(m, device)).collect(),
            targets: one_hot_from_labels(&split.labels, classes, device),
        },
    }
}
