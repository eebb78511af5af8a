//! How much each modality contributes (docs/methods.md, "Metric `shapley`" to "Metric
//! `grad_share`").
//!
//! - Shapley value of the fused head's validation accuracy: v(S) is the accuracy when every
//!   modality outside S has its embedding replaced by its mean over T′;
//!   φ_m = Σ_{S ⊆ M∖{m}} |S|!(M−|S|−1)!/M! · (v(S ∪ {m}) − v(S)), exact over all 2^M subsets.
//! - Gradient share: share_m = mean_t ‖g_{m,t}‖ / Σ_k mean_t ‖g_{k,t}‖.

fn factorial(n: usize) -> f64 {
    (1..=n).map(|k| k as f64).product()
}

/// Exact Shapley values from `values[mask]` = v(S) for every subset S given as a bit mask
/// (bit m set = modality m present). `values.len()` must be 2^M.
pub fn shapley(values: &[f64], modalities: usize) -> Vec<f64> {
    assert_eq!(values.len(), 1 << modalities, "one value per subset");
    let total = factorial(modalities);
    (0..modalities)
        .map(|m| {
            (0..values.len())
                .filter(|subset| subset & (1 << m) == 0)
                .map(|subset| {
                    let size = (subset as u32).count_ones() as usize;
                    let weight = factorial(size) * factorial(modalities - size - 1) / total;
                    weight * (values[subset | (1 << m)] - values[subset])
                })
                .sum()
        })
        .collect()
}

/// Each value's share of their sum; `None` for all when |Σ| < `min_total`.
pub fn shares(values: &[f64], min_total: f64) -> Vec<Option<f64>> {
    let total: f64 = values.iter().sum();
    values.iter().map(|v| (total.abs() >= min_total && total.is_finite()).then(|| v / total)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapley_on_a_three_modality_toy_matches_hand_values() {
        // v(∅)=0.1, v(a)=0.4, v(b)=0.3, v(c)=0.1, v(ab)=0.7, v(ac)=0.4, v(bc)=0.3, v(abc)=0.8.
        // Masks: bit0 = a, bit1 = b, bit2 = c.
        let v = [0.1, 0.4, 0.3, 0.7, 0.1, 0.4, 0.3, 0.8];
        let phi = shapley(&v, 3);
        // φ_a = 1/3·(0.4−0.1) + 1/6·(0.7−0.3) + 1/6·(0.4−0.1) + 1/3·(0.8−0.3) = 0.3833…
        // φ_b = 1/3·(0.3−0.1) + 1/6·(0.7−0.4) + 1/6·(0.3−0.1) + 1/3·(0.8−0.4) = 0.2833…
        // φ_c = 1/3·0 + 1/6·0 + 1/6·0 + 1/3·(0.8−0.7) = 0.0333…
        let expected = [0.38333333, 0.28333333, 0.03333333];
        for (p, e) in phi.iter().zip(expected) {
            assert!((p - e).abs() < 1e-6, "{phi:?}");
        }
        let sum: f64 = phi.iter().sum();
        assert!((sum - (0.8 - 0.1)).abs() < 1e-12, "efficiency: Σφ = v(all) − v(∅)");
    }

    #[test]
    fn shares_are_null_when_the_total_is_tiny() {
        assert_eq!(shares(&[1.0, 3.0], 1e-3), vec![Some(0.25), Some(0.75)]);
        assert_eq!(shares(&[0.0004, 0.0001], 1e-3), vec![None, None]);
    }
}
