//! Losses and accuracies as device tensors (no reads here).

use burn::tensor::{Tensor, activation::log_softmax};

/// Mean per-sample cross-entropy with (one-hot or soft) targets: −mean_i Σ_c t_ic log p_ic.
///
/// # Shapes
/// - `logits`, `targets`: `[batch, classes]`
/// - output: `[1]`
pub fn cross_entropy(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
    -(log_softmax(logits, 1) * targets).sum_dim(1).mean()
}

/// Fraction of rows whose argmax (the first of tied maxima, as PyTorch's `argmax`) is the
/// true class: a tie between the true class and a lower one counts as wrong.
///
/// # Shapes
/// - `logits`, `targets` (one-hot): `[batch, classes]`
/// - output: `[1]`
pub fn accuracy(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
    logits.argmax(1).equal(targets.argmax(1)).float().mean()
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn tensor(values: &[f32], rows: usize, cols: usize) -> Tensor<2> {
        Tensor::from_data(TensorData::new(values.to_vec(), [rows, cols]), &Device::flex())
    }

    fn scalar(t: Tensor<1>) -> f32 {
        t.into_data().try_to_vec::<f32>().unwrap()[0]
    }

    #[test]
    fn cross_entropy_matches_a_hand_computed_value() {
        // Row 1: logits (0, ln 3): p = (1/4, 3/4), true class 1 -> −ln(3/4).
        // Row 2: logits (0, 0): p = (1/2, 1/2), true class 0 -> ln 2.
        let logits = tensor(&[0.0, 3f32.ln(), 0.0, 0.0], 2, 2);
        let targets = tensor(&[0.0, 1.0, 1.0, 0.0], 2, 2);
        let expected = (-(0.75f64).ln() + 2f64.ln()) / 2.0;
        assert!((scalar(cross_entropy(logits, targets)) as f64 - expected).abs() < 1e-6);
    }

    #[test]
    fn accuracy_uses_the_first_argmax_on_ties() {
        // Row 1: tie between classes 0 and 1, true class 1 -> wrong (argmax is 0).
        // Row 2: tie between classes 0 and 1, true class 0 -> right.
        // Row 3: clear maximum on the true class 2 -> right.
        let logits = tensor(&[1.0, 1.0, 0.0, 2.0, 2.0, 0.0, 0.0, 0.0, 5.0], 3, 3);
        let targets = tensor(&[0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0], 3, 3);
        assert!((scalar(accuracy(logits, targets)) - 2.0 / 3.0).abs() < 1e-6);
    }
}
