//! TensorBoard's debiased-EMA smoothing and the downsampling of long series.

/// Points kept per series before downsampling.
pub const MAX_POINTS: usize = 1500;

/// TensorBoard's debiased EMA: for each finite y, last = last·w + (1−w)·y and the plotted
/// value is last / (1 − wⁿ), n the number of finite points so far; other points pass through.
pub fn smooth(points: &[(f64, Option<f64>)], weight: f64) -> Vec<(f64, Option<f64>)> {
    let mut last = 0.0;
    let mut count = 0;
    points
        .iter()
        .map(|&(x, y)| match y {
            Some(v) if v.is_finite() && weight > 0.0 => {
                last = last * weight + (1.0 - weight) * v;
                count += 1;
                (x, Some(last / (1.0 - weight.powi(count))))
            }
            other => (x, other),
        })
        .collect()
}

/// Keeps at most `max` points by taking every k-th (always keeping the last one).
pub fn downsample(points: Vec<(f64, Option<f64>)>, max: usize) -> Vec<(f64, Option<f64>)> {
    if points.len() <= max {
        return points;
    }
    let stride = points.len().div_ceil(max);
    let last = *points.last().expect("non-empty");
    let mut kept: Vec<_> = points.into_iter().step_by(stride).collect();
    if kept.last() != Some(&last) {
        kept.push(last);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_is_debiased_and_passes_non_finite_points() {
        let raw = vec![(0.0, Some(1.0)), (1.0, None), (2.0, Some(2.0))];
        let s = smooth(&raw, 0.6);
        assert_eq!(s[0].1, Some(1.0), "first point unbiased");
        assert_eq!(s[1].1, None);
        // last = 0.4 after one point; then 0.4·0.6 + 0.4·2 = 1.04; /(1 − 0.36) = 1.625.
        assert!((s[2].1.unwrap() - 1.625).abs() < 1e-12);
        assert_eq!(smooth(&raw, 0.0), raw);
    }

    #[test]
    fn downsampling_bounds_points_and_keeps_the_last() {
        let points: Vec<_> = (0..5000).map(|i| (i as f64, Some(i as f64))).collect();
        let kept = downsample(points, 1500);
        assert!(kept.len() <= 1501);
        assert_eq!(kept.last().unwrap().0, 4999.0);
    }
}
