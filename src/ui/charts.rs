//! `<CanvasChart/>`: one plotters chart on a `<canvas>`, redrawn when the history or the
//! view settings change, with a hover tooltip of the values at the nearest step.

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::IntoDrawingArea;

use crate::plot::{ChartKind, ChartSpec, chart_from_history, draw_chart, fusion_size_chart};
use crate::ui::canvas::MeasuredCanvas;
use crate::ui::state::AppState;

/// Left and right plot margins in pixels (ChartBuilder margins + y label area).
const PLOT_LEFT: f64 = 56.0;
const PLOT_RIGHT: f64 = 24.0;

fn tooltip_for(spec: &ChartSpec, raw: &ChartSpec, step: f64) -> Option<String> {
    let series = spec.series.first()?;
    let (index, &(x, _)) = series
        .points
        .iter()
        .enumerate()
        .min_by(|a, b| (a.1.0 - step).abs().total_cmp(&(b.1.0 - step).abs()))?;
    let mut lines = vec![format!("run: current · {} {x}", spec.kind.x_name())];
    for (smoothed, original) in spec.series.iter().zip(&raw.series) {
        let value = |s: &crate::plot::Series| s.points.get(index).and_then(|p| p.1);
        let fmt = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_else(|| "undefined".into());
        lines.push(format!("{}: {} (raw {})", smoothed.label, fmt(value(smoothed)), fmt(value(original))));
    }
    Some(lines.join("\n"))
}

/// One chart of the evaluation history.
#[component]
pub fn CanvasChart(
    /// Which chart to draw.
    kind: ChartKind,
    /// Tooltip on the title: what the chart shows, with its formula.
    explanation: &'static str,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<Canvas>::new();
    let hover = RwSignal::new(None::<(f64, f64, String)>);
    let index = ChartKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    let spec = Memo::new(move |previous: Option<&ChartSpec>| {
        if kind == ChartKind::FusionSize {
            return state.config.with(fusion_size_chart);
        }
        let (_, chart) = state.redraw.get();
        let (smoothing, log_y) = (state.smoothing.get(), state.log_y.get());
        if let Some(previous) = previous
            && chart != index
            && previous.smoothing == smoothing
            && previous.log_y == log_y
        {
            return previous.clone();
        }
        let heads: Vec<String> = std::iter::once("fused".to_string()).chain(state.modalities.get_untracked()).collect();
        state.history.with_untracked(|h| chart_from_history(kind, h.points(), &heads, smoothing, log_y))
    });
    Effect::new(move |_| {
        let spec = spec.get();
        if let Some(element) = canvas.get()
            && let Some(backend) = MeasuredCanvas::new(element)
        {
            let area = backend.into_drawing_area();
            if let Err(e) = draw_chart(&area, &spec) {
                leptos::logging::warn!("{e}");
            }
        }
    });
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let Some(element) = canvas.get_untracked() else { return };
        let width = element.client_width() as f64;
        let x = ev.offset_x() as f64;
        let spec = spec.get_untracked();
        let (x0, x1) = spec
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        if !x0.is_finite() || width <= PLOT_LEFT + PLOT_RIGHT {
            return;
        }
        let fraction = ((x - PLOT_LEFT) / (width - PLOT_LEFT - PLOT_RIGHT)).clamp(0.0, 1.0);
        let step = x0 + fraction * (x1 - x0).max(1.0);
        let heads: Vec<String> = std::iter::once("fused".to_string()).chain(state.modalities.get_untracked()).collect();
        let raw = match kind {
            ChartKind::FusionSize => spec.clone(),
            _ => state.history.with_untracked(|h| chart_from_history(kind, h.points(), &heads, 0.0, false)),
        };
        hover.set(tooltip_for(&spec, &raw, step).map(|text| (x, ev.offset_y() as f64, text)));
    };
    view! {
        <figure class="chart" data-testid=format!("chart-{}", kind.id())>
            <figcaption title=explanation>{kind.title()}</figcaption>
            <div class="chart-frame">
                <canvas node_ref=canvas width="460" height="250" on:mousemove=on_move on:mouseleave=move |_| hover.set(None)></canvas>
                <Show when=move || hover.with(|h| h.is_some())>
                    <pre class="tooltip" data-testid="chart-tooltip"
                        style:left=move || format!("{}px", hover.with(|h| h.as_ref().map(|t| t.0 + 12.0).unwrap_or(0.0)))
                        style:top=move || format!("{}px", hover.with(|h| h.as_ref().map(|t| t.1 + 12.0).unwrap_or(0.0)))>
                        {move || hover.with(|h| h.as_ref().map(|t| t.2.clone()).unwrap_or_default())}
                    </pre>
                </Show>
            </div>
            <p class="chart-note">{move || spec.with(|s| s.note.clone().unwrap_or_default())}</p>
        </figure>
    }
}
