//! OGM-GE's chart: the discrepancy ratio ρ_m, its moving average and the coefficient k_m per
//! modality.

use serde_json::Value;

use crate::engine::methods::kit::chart::{ChartLines, Line, MethodChart};
use crate::engine::metrics::Evaluation;

/// The ρ and k chart.
pub const CHART: MethodChart = MethodChart {
    method: super::OgmGeConfig::NAME,
    id: "ogm",
    title: "OGM-GE: ρ (light), its EMA and k (dashed) per modality",
    y_name: "ρ, k",
    caption: super::story::CAPTION,
    explanation: super::story::EXPLANATION,
    stacked: false,
    lines: ratio_lines,
};

/// Its state per evaluation, per modality: the interval's mean ρ_m (light), the EMA of ρ_m
/// (solid) and the interval's mean k_m (dashed), breaks where no step was modulated; a note on
/// the last values.
fn ratio_lines(history: &[Evaluation], heads: &[String]) -> ChartLines {
    let state = |e: &Evaluation| -> Option<Value> { e.methods.get(super::OgmGeConfig::NAME).cloned() };
    let Some((step, latest)) = history.iter().rev().find_map(|e| Some((e.step, state(e)?))) else {
        return ChartLines { lines: Vec::new(), note: "OGM-GE is off: turn it on (a linear concat or sum head) to see ρ and k.".into() };
    };
    let modalities = &heads[1..];
    let mut lines = Vec::new();
    for (key, light, dashed, prefix) in [("rho", true, false, "ρ"), ("rho_ema", false, false, "ρ EMA"), ("k", false, true, "k")] {
        for (m, name) in modalities.iter().enumerate() {
            let value = move |e: &Evaluation| state(e).and_then(|s| s[key].get(m).and_then(|v| v.as_f64()));
            let line = Line::over(history, format!("{prefix} {name}"), m + 1, value);
            lines.push(Line { light, dashed, ..line });
        }
    }
    let until = latest["active_until_step"].as_u64().map(|s| format!("modulates steps before {s}")).unwrap_or_default();
    let list = |key: &str| latest[key].as_array().map(|v| v.iter().filter_map(|x| x.as_f64()).map(|x| format!("{x:.2}")).collect::<Vec<_>>().join(", "));
    let note = match (list("rho_ema"), list("k")) {
        (Some(rho), Some(k)) => format!("Last interval: ρ EMA ({rho}), mean k ({k}); {until}. k < 1 slows that modality's encoder."),
        // The step-0 evaluation comes before any step: nothing was modulated yet.
        _ if step == 0 => {
            format!("Modulation has not started yet: ρ and k appear at the first evaluation after training starts ({until}).")
        }
        _ => format!("No step modulated in the last interval ({until}): modulation has ended."),
    };
    ChartLines { lines, note }
}
