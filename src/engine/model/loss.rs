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

/// Fraction of rows whose true class has the largest logit (ties count as correct).
///
/// # Shapes
/// - `logits`, `targets` (one-hot): `[batch, classes]`
/// - output: `[1]`
pub fn accuracy(logits: Tensor<2>, targets: Tensor<2>) -> Tensor<1> {
    let true_logit = (logits.clone() * targets).sum_dim(1);
    let best = logits.max_dim(1);
    true_logit.greater_equal(best).float().mean()
}
