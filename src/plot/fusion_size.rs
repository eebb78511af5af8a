//! The fusion-size chart: LMF's parameters by rank against TFN's, from the configuration.

use super::kind::ChartKind;
use super::palette::{FUSED_COLOR, MODALITY_COLORS};
use super::spec::{ChartSpec, Series};
use crate::engine::config::{ExperimentConfig, FusionKind, TFN_MAX_WEIGHTS, TensorFusionSize};
use crate::engine::metrics::thousands;

/// The highest rank the chart shows (the rank knob's largest value).
const MAX_RANK: usize = 64;

/// LMF's parameter count r·Σ_m(d_m+1)·d_out + r + d_out for r = 1..64 and TFN's
/// d_out·Π_m(d_m+1) + d_out as a flat line, for the modalities and width of `config`, on a
/// log scale; the rank in use marked when the fusion is LMF; both counts side by side in the
/// note.
pub fn fusion_size_chart(config: &ExperimentConfig) -> ChartSpec {
    let (modalities, width, rank) = (config.modalities_in_use(), config.model.encoder_width, config.model.rank);
    let size = |r: usize| TensorFusionSize::new(modalities, width, r);
    let lmf = (1..=MAX_RANK).map(|r| (r as f64, Some(size(r).lmf as f64))).collect();
    let tfn = size(1).tfn;
    let tfn_fits = tfn - width as u64 <= TFN_MAX_WEIGHTS;
    let mut series = vec![Series { label: "LMF".into(), color: MODALITY_COLORS[0], light: false, dashed: false, pinned: false, panel: None, points: lmf }];
    if tfn_fits {
        let line = vec![(1.0, Some(tfn as f64)), (MAX_RANK as f64, Some(tfn as f64))];
        series.push(Series { label: "TFN".into(), color: FUSED_COLOR, light: false, dashed: false, pinned: false, panel: None, points: line });
    }
    let tfn_said = if tfn_fits { thousands(tfn) } else { format!("{} (over the 2^24 limit: refused)", thousands(tfn)) };
    let in_use = match config.model.fusion {
        FusionKind::Lmf => format!("in use: LMF at rank {rank}, {:.1} % of TFN", 100.0 * size(rank).lmf as f64 / tfn as f64),
        FusionKind::Tfn => "in use: TFN".to_string(),
        other => format!("in use: {} (no fusion weights of this kind)", serde_json::to_value(other).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()),
    };
    let note = format!("{modalities} modalities of width {width}, d_out {width}: LMF (r = {rank}) {} · TFN {tfn_said} parameters; {in_use}.", thousands(size(rank).lmf));
    let marks = if config.model.fusion == FusionKind::Lmf { vec![(rank as f64, format!("r = {rank}"))] } else { Vec::new() };
    ChartSpec { kind: ChartKind::FusionSize, series, log_y: true, smoothing: 0.0, marks, note: Some(note), x_range: None }
}
