//! Overfitting-to-generalization ratio (Wang, Tran, Feiszli, *What Makes Training
//! Multi-modal Classification Networks Hard?*, CVPR 2020, Eq. 3).
//!
//! Between consecutive checkpoints N−1 and N, with O = L^V − L^T the gap:
//! ΔO = O_N − O_{N−1}, ΔG = L^V_{N−1} − L^V_N, OGR = |ΔO / ΔG|; null when |ΔG| < ε (1e-4).

/// Default ε below which the generalization change is too small for a ratio (the config's
/// `metrics.epsilon_ogr`).
pub const EPSILON_OGR: f64 = 1e-4;

/// The median of the given values (the mean of the middle two for an even count); `None`
/// when there are none. Tables summarise OGR by the median of its non-null values.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Gap O = L^V − L^T.
pub fn gap(val_loss: f64, train_loss: f64) -> f64 {
    val_loss - train_loss
}

/// OGR between a previous and a current checkpoint, each given as (L^T, L^V); `None` when
/// |ΔG| < `epsilon` or a value is not finite.
pub fn ogr(previous: (f64, f64), current: (f64, f64), epsilon: f64) -> Option<f64> {
    let (prev_train, prev_val) = previous;
    let (cur_train, cur_val) = current;
    let delta_o = gap(cur_val, cur_train) - gap(prev_val, prev_train);
    let delta_g = prev_val - cur_val;
    let ratio = (delta_o / delta_g).abs();
    (delta_g.abs() >= epsilon && ratio.is_finite()).then_some(ratio)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ogr_matches_hand_computation() {
        // L^T 1.0 -> 0.5, L^V 1.2 -> 1.0: O 0.2 -> 0.5, ΔO = 0.3, ΔG = 0.2, OGR = 1.5.
        let value = ogr((1.0, 1.2), (0.5, 1.0), EPSILON_OGR).unwrap();
        assert!((value - 1.5).abs() < 1e-12, "{value}");
    }

    #[test]
    fn ogr_is_null_without_generalization_change() {
        assert_eq!(ogr((1.0, 1.2), (0.5, 1.2 - 5e-5), EPSILON_OGR), None);
        assert_eq!(ogr((1.0, f64::NAN), (0.5, 1.0), EPSILON_OGR), None);
    }

    #[test]
    fn median_of_odd_even_and_no_values() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn gap_is_val_minus_train() {
        assert_eq!(gap(0.9, 0.4), 0.5);
    }
}
