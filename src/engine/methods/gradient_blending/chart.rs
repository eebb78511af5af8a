//! Gradient-Blending's chart: its weights over time, stacked (the paper's Fig. 5a).

use crate::engine::methods::kit::chart::{ChartLines, Line, MethodChart};
use crate::engine::metrics::{Evaluation, MethodEvent};

/// The weights chart.
pub const CHART: MethodChart = MethodChart {
    method: super::GradientBlendingConfig::NAME,
    id: "blend",
    title: "Gradient-Blending weights w (stacked)",
    y_name: "weight (stacked)",
    caption: super::story::CAPTION,
    explanation: super::story::EXPLANATION,
    stacked: true,
    lines: weight_lines,
};

/// The weights as running totals (modalities, then fused, so the top is 1), held from each
/// estimate to the next, and a note with the last estimate's ΔG, ΔO and w per candidate.
fn weight_lines(history: &[Evaluation], _heads: &[String]) -> ChartLines {
    let estimates: Vec<(usize, &MethodEvent)> =
        history.iter().flat_map(|e| e.events.iter()).filter_map(|ev| ev.of_kind(super::ESTIMATE)).map(|ev| (ev.number("step").unwrap_or(0.0) as usize, ev)).collect();
    let Some(&(last_step, last)) = estimates.last() else {
        return ChartLines { lines: Vec::new(), note: "Gradient-Blending is off: turn it on to see its blend weights, estimated on the held-out part V.".into() };
    };
    let names: Vec<String> = last.fields.get("candidates").and_then(|c| c.as_array()).map(|c| c.iter().filter_map(|n| n.as_str().map(str::to_string)).collect()).unwrap_or_default();
    let weights: Vec<Vec<f64>> = estimates.iter().map(|(_, ev)| ev.numbers("weights")).collect();
    let end = history.last().map(|e| e.step).unwrap_or(last_step).max(last_step) as f64;
    let lines = names
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let head = if c + 1 == names.len() { 0 } else { c + 1 };
            let mut points = Vec::new();
            for (i, (step, _)) in estimates.iter().enumerate() {
                let total: f64 = weights[i].iter().take(c + 1).sum();
                let until = estimates.get(i + 1).map(|next| next.0 as f64).unwrap_or(end);
                points.push((*step as f64, Some(total)));
                points.push((until, Some(total)));
            }
            Line { label: format!("w {name}"), head, light: false, dashed: false, points }
        })
        .collect();
    let (delta_g, delta_o, w) = (last.numbers("delta_g"), last.numbers("delta_o"), last.numbers("weights"));
    let parts: Vec<String> =
        names.iter().enumerate().map(|(c, name)| format!("{name}: ΔG {:+.3}, ΔO {:+.3}, w {:.2}", delta_g[c], delta_o[c], w[c])).collect();
    let kept = |ev: &MethodEvent| ev.fields.get("kept").and_then(|k| k.as_bool()).unwrap_or(false);
    let said = if kept(last) {
        " It kept the previous weights: no candidate's held-out loss fell (every raw weight 0) or one was not finite."
    } else {
        ""
    };
    let kept_count = estimates.iter().filter(|(_, ev)| kept(ev)).count();
    let count = if kept_count > 0 { format!(" {kept_count} of {} estimates kept the previous weights.", estimates.len()) } else { String::new() };
    ChartLines { lines, note: format!("Estimate of step {last_step} (one epoch per candidate on V): {}.{said}{count}", parts.join("; ")) }
}
