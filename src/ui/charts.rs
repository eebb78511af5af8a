//! `<CanvasChart/>`: one plotters chart on a `<canvas>` that fills its card, sharp at any
//! device pixel ratio, redrawn when the history, the view settings or the layout change,
//! with a legend outside the plot whose entries show or hide their series, a log-scale
//! switch of its own, a visible caption, and under the pointer a crosshair at the nearest
//! evaluation with a tooltip of every shown line's values (swatch, smoothed, raw).

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::prelude::IntoDrawingArea;

use crate::plot::chart::draw_chart_for_export;
use crate::plot::{ChartKind, ChartSpec, RunLines, Series, chart_with_runs, draw_chart, fusion_size_chart, heads};
use crate::ui::canvas::MeasuredCanvas;
use crate::ui::state::AppState;

/// Left and right plot margins in plotters' pixels (ChartBuilder margins + y label area);
/// on the page they are [`zoom`] times as wide.
const PLOT_LEFT: f64 = 70.0;
const PLOT_RIGHT: f64 = 16.0;

/// Below this window width (CSS pixels: a phone) the tooltip spans the chart
/// ([`Hover::docked`]).
const DOCKED_BELOW_PX: f64 = 700.0;

/// The window's visible size in CSS pixels, its scrollbars left out.
fn window_size() -> (f64, f64) {
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
    root.map_or((f64::INFINITY, f64::INFINITY), |r| (r.client_width() as f64, r.client_height() as f64))
}

/// How much larger a chart `height` CSS pixels high draws its text, strokes and margins:
/// 1.3 in presentation mode, for the back of a lecture room, and 1.7 for the one chart shown
/// alone there (its 11 px tick labels become 18.7 px); never so much that the plot keeps
/// less than [`PLOT_HEIGHT_PER_ZOOM`] pixels per unit (a phone held sideways in presentation
/// mode keeps its axis titles).
fn zoom(presenting: bool, focused: bool, height: f64) -> f64 {
    let wanted: f64 = match (presenting, focused) {
        (true, true) => 1.7,
        (true, false) => 1.3,
        (false, _) => 1.0,
    };
    wanted.min(height / PLOT_HEIGHT_PER_ZOOM).max(1.0)
}

/// The CSS height a chart needs per unit of zoom to keep its axis titles and tick labels
/// apart: 160 px (the plot then keeps about 110 px).
const PLOT_HEIGHT_PER_ZOOM: f64 = 160.0;

/// One line of the tooltip: the series' swatch and its values.
#[derive(Clone, Debug, PartialEq)]
struct HoverRow {
    swatch: Swatch,
    text: String,
}

/// What the pointer shows: the crosshair at the nearest evaluation and the tooltip.
#[derive(Clone, Debug, PartialEq)]
struct Hover {
    /// The pointer, in CSS pixels of the canvas.
    pointer: (f64, f64),
    /// The crosshair's x, in CSS pixels of the canvas.
    crosshair: f64,
    /// The pointer is in the plot's right half: the tooltip opens to its left.
    flip: bool,
    /// The canvas is narrow (a phone): the tooltip spans the chart's width instead.
    docked: bool,
    /// The pointer is in the canvas' lower half: the tooltip opens above it (towards the
    /// chart's middle, so that a chart at the screen's edge keeps it on the screen).
    low: bool,
    heading: String,
    rows: Vec<HoverRow>,
}

/// The x (step or rank) of the first shown series' point nearest `x`, and one row per series
/// shown, at its own point nearest `x` (pinned runs and A/B's A evaluate at other steps):
/// label, smoothed value and raw value. `raw` has the same series as `spec`, unsmoothed.
fn tooltip_for(spec: &ChartSpec, raw: &ChartSpec, x: f64, hidden: &[String]) -> Option<(f64, String, Vec<HoverRow>)> {
    let nearest = |s: &Series| s.points.iter().enumerate().min_by(|a, b| (a.1.0 - x).abs().total_cmp(&(b.1.0 - x).abs())).map(|(i, p)| (i, p.0));
    let shown: Vec<(&Series, &Series)> = spec.series.iter().zip(&raw.series).filter(|(s, _)| !hidden.contains(&s.label)).collect();
    let (_, at) = shown.iter().find_map(|(s, _)| nearest(s))?;
    let heading = format!("run: current · {} {at}", spec.kind.x_name());
    let rows = shown
        .iter()
        .filter_map(|(smoothed, original)| {
            let (index, x) = nearest(smoothed)?;
            let value = |s: &Series| s.points.get(index).and_then(|p| p.1);
            let fmt = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_else(|| "undefined".into());
            let elsewhere = if x != at { format!(" at {x}") } else { String::new() };
            let text = format!("{}: {} (raw {}){elsewhere}", smoothed.label, fmt(value(smoothed)), fmt(value(original)));
            Some(HoverRow { swatch: Swatch::of(smoothed), text })
        })
        .collect();
    Some((at, heading, rows))
}

/// `spec` without the lines whose legend entries the user switched off (`hidden` labels):
/// what the canvas and the PNG draw.
fn without_hidden(spec: ChartSpec, hidden: &[String]) -> ChartSpec {
    ChartSpec { series: spec.series.into_iter().filter(|s| !hidden.contains(&s.label)).collect(), ..spec }
}

/// How a series is drawn, as CSS for its legend and tooltip swatch.
#[derive(Clone, Debug, PartialEq)]
struct Swatch {
    color: String,
    line: &'static str,
    opacity: &'static str,
    width: &'static str,
}

impl Swatch {
    fn of(series: &Series) -> Self {
        let line = if series.dashed { "dashed" } else { "solid" };
        let opacity = if series.pinned { "0.55" } else if series.light { "0.45" } else { "1" };
        Swatch { color: css_color(series), line, opacity, width: if series.pinned { "1px" } else { "2px" } }
    }

    fn view(self) -> impl IntoView {
        view! { <span class="swatch" style:border-top-color=self.color style:border-top-style=self.line style:border-top-width=self.width style:opacity=self.opacity></span> }
    }
}

/// A series' colour as CSS.
fn css_color(series: &Series) -> String {
    let (r, g, b) = series.color;
    format!("rgb({r}, {g}, {b})")
}

/// The legend under the plot: one button per series, pressed while the series is shown.
#[component]
fn Legend(
    /// The chart's series.
    spec: Memo<ChartSpec>,
    /// Labels of the series the user hid.
    hidden: RwSignal<Vec<String>>,
    /// The chart's id (`data-testid="legend-<id>"`).
    id: &'static str,
) -> impl IntoView {
    // The entries change with the chart's lines, not with every redraw of their points: the
    // buttons are not rebuilt (nor a click on one lost) while the run trains.
    let lines = Memo::new(move |_| spec.with(|s| s.series.iter().map(|series| (series.label.clone(), Swatch::of(series))).collect::<Vec<_>>()));
    let entries = move || {
        lines
            .get()
            .into_iter()
            .map(|(label, swatch)| {
                let shown = {
                    let label = label.clone();
                    move || hidden.with(|h| !h.contains(&label))
                };
                let toggle = {
                    let label = label.clone();
                    move |_| hidden.update(|h| if let Some(at) = h.iter().position(|l| *l == label) { h.remove(at); } else { h.push(label.clone()); })
                };
                view! {
                    <li>
                        <button type="button" class="legend-entry" aria-pressed=move || shown().to_string() on:click=toggle
                            title="Show or hide this line">
                            {swatch.view()}
                            {label}
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! { <ul class="legend" data-testid=format!("legend-{id}")>{entries}</ul> }
}

/// Offers the chart as `<id>.png` for a slide: drawn again off screen at twice its size on
/// the page, with its title, axis titles and legend ([`draw_chart_for_export`]), the lines
/// shown on the page only.
fn save_png(canvas: NodeRef<Canvas>, spec: ChartSpec, kind: ChartKind, state: AppState) {
    use wasm_bindgen::JsCast;
    let Some(element) = canvas.get_untracked() else { return };
    let (width, height) = (element.client_width().max(1) as u32, element.client_height().max(1) as u32);
    let size = (width as f64, crate::plot::chart::export_height(&spec, width, height) as f64);
    let drawn = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("canvas").ok())
        .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        .and_then(|png| Some((MeasuredCanvas::sized(png.clone(), size, 2.0, 1.0)?, png)));
    let Some((backend, png)) = drawn else {
        state.say("The chart could not be saved: no canvas to draw it on.".to_string());
        return;
    };
    if let Err(e) = draw_chart_for_export(&backend.into_drawing_area(), &spec, kind.title()) {
        state.say(format!("The chart could not be saved: {e}"));
        return;
    }
    match png.to_data_url() {
        Ok(url) => {
            if let Err(e) = crate::ui::export::download_url(&format!("{}.png", kind.id()), &url) {
                state.say(format!("Download failed: {e}"));
            }
        }
        Err(e) => state.say(format!("The chart could not be saved: {e:?}")),
    }
}

/// The last step of the shown pinned runs and of A/B's A (0 without them).
fn other_runs_end(state: AppState) -> f64 {
    let last = |evaluations: &[crate::engine::metrics::Evaluation]| evaluations.last().map_or(0.0, |e| e.step as f64);
    let pinned = state.pins.with_untracked(|p| p.runs().iter().filter(|r| r.shown).map(|r| last(&r.evaluations)).fold(0.0, f64::max));
    let a = state.comparison.with_untracked(|c| c.as_ref().map_or(0.0, |c| last(c.history.points())));
    pinned.max(a)
}

/// The chart of `kind` as the page has it now: the current run, the shown pinned runs and, in
/// A/B, A ([`chart_with_runs`]).
fn chart_now(state: AppState, kind: ChartKind, smoothing: f64, log: bool) -> ChartSpec {
    let current_heads = state.modalities.with_untracked(|m| heads(m));
    state.history.with_untracked(|h| {
        state.pins.with_untracked(|pins| {
            state.comparison.with_untracked(|comparison| {
                let shown: Vec<_> = pins.runs().iter().filter(|r| r.shown).map(|r| (r, heads(&r.modalities))).collect();
                let pinned: Vec<RunLines> = shown.iter().map(|(r, heads)| RunLines { name: &r.name, evaluations: &r.evaluations, heads }).collect();
                let a_heads = comparison.as_ref().map(|c| heads(&c.modalities)).unwrap_or_default();
                let a = comparison.as_ref().map(|c| RunLines { name: "A", evaluations: c.history.points(), heads: &a_heads });
                let current = RunLines { name: "", evaluations: h.points(), heads: &current_heads };
                chart_with_runs(kind, current, &pinned, a, smoothing, log)
            })
        })
    })
}

/// One chart of the evaluation history (or, for the fusion-size chart, of the configuration).
#[component]
pub fn CanvasChart(
    /// Which chart to draw.
    kind: ChartKind,
    /// One visible sentence under the chart: what it shows.
    caption: &'static str,
    /// The longer explanation, with its formula, folded under the caption.
    explanation: &'static str,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<Canvas>::new();
    let hover = RwSignal::new(None::<Hover>);
    // The tooltip, and how far it is moved to lie wholly on the screen: once drawn, it is
    // measured and moved back by what lies outside (a chart at the screen's edge, a phone).
    let tip = NodeRef::<leptos::html::Div>::new();
    let nudge = RwSignal::new((0.0f64, 0.0f64));
    Effect::new(move |_| {
        hover.track();
        let Some(element) = tip.get() else { return };
        let rect = element.get_bounding_client_rect();
        let (dx, dy) = nudge.get_untracked();
        let (width, height) = window_size();
        let back = |low: f64, high: f64, limit: f64| if high > limit { (limit - high - 4.0).max(4.0 - low) } else if low < 0.0 { 4.0 - low } else { 0.0 };
        let shift = (back(rect.left() - dx, rect.right() - dx, width), back(rect.top() - dy, rect.bottom() - dy, height));
        if shift != (dx, dy) {
            nudge.set(shift);
        }
    });
    let log_y = Signal::derive(move || state.log_charts.with(|ids| ids.iter().any(|id| id == kind.id())));
    let hidden = RwSignal::new(Vec::<String>::new());
    let retry = RwSignal::new(0u32);
    let index = ChartKind::all().iter().position(|k| *k == kind).unwrap_or(0);
    let in_use = Memo::new(move |_| state.config.with(|c| kind.in_use(c)));
    let alone = Memo::new(move |_| state.focused.get() == Some(kind));
    let elsewhere = Memo::new(move |_| state.focused.get().is_some_and(|k| k != kind));
    // Its key: its place among the charts in use.
    let number = Memo::new(move |_| state.config.with(|c| ChartKind::in_use_for(c).iter().position(|k| *k == kind)).map(|i| i + 1));
    let total_steps = Memo::new(move |_| state.stats.with(|s| s.total_steps));
    let drawn_runs = StoredValue::new(u64::MAX);
    let spec = Memo::new(move |previous: Option<&ChartSpec>| {
        if kind == ChartKind::FusionSize {
            let spec = state.config.with(fusion_size_chart);
            return ChartSpec { log_y: log_y.get(), ..spec };
        }
        let (_, chart) = state.redraw.get();
        let (smoothing, log, runs) = (state.smoothing.get(), log_y.get(), state.runs_changed.get());
        // Every history chart spans the whole run (and the other runs drawn), so that their
        // x axes line up.
        let x_range = Some((0.0, (total_steps.get() as f64).max(other_runs_end(state))));
        if let Some(previous) = previous
            && chart != index
            && previous.smoothing == smoothing
            && previous.log_y == log
            && previous.x_range == x_range
            && drawn_runs.get_value() == runs
        {
            return previous.clone();
        }
        drawn_runs.set_value(runs);
        ChartSpec { x_range, ..chart_now(state, kind, smoothing, log) }
    });
    // Whether the chart was in use at its last run: a chart that a setting just brought into
    // use (a method turned on) draws a frame later, not in that change's task (which lays the
    // page out anew; measuring the canvas there forces that layout early).
    let was_in_use = StoredValue::new(false);
    // Bumped a frame after the chart came into use (its own counter: `retry` is the "not laid
    // out yet" budget).
    let deferred = RwSignal::new(0u32);
    Effect::new(move |_| {
        let spec = spec.get();
        let (hidden, _, _, _) = (hidden.get(), state.layout.get(), retry.get(), deferred.get());
        if !in_use.get() || elsewhere.get() {
            was_in_use.set_value(false);
            return;
        }
        if !was_in_use.get_value() {
            was_in_use.set_value(true);
            wasm_bindgen_futures::spawn_local(async move {
                crate::browser::next_frame().await;
                deferred.update(|n| *n += 1);
            });
            return;
        }
        was_in_use.set_value(true);
        let Some(element) = canvas.get() else { return };
        let scale = web_sys::window().map(|w| w.device_pixel_ratio()).filter(|r| *r > 0.0).unwrap_or(1.0);
        let zoom = zoom(state.presenting.get(), alone.get(), element.client_height() as f64);
        let Some(backend) = MeasuredCanvas::new(element, scale, zoom) else {
            // Not laid out yet (the chart was just shown): try again next frame, a few times.
            if retry.get_untracked() < 5 {
                wasm_bindgen_futures::spawn_local(async move {
                    crate::browser::next_frame().await;
                    retry.update(|n| *n += 1);
                });
            }
            return;
        };
        let shown = without_hidden(spec, &hidden);
        let area = backend.into_drawing_area();
        if let Err(e) = draw_chart(&area, &shown) {
            leptos::logging::warn!("{e}");
        }
    });
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let Some(element) = canvas.get_untracked() else { return };
        let width = element.client_width() as f64;
        let x = ev.offset_x() as f64;
        let spec = spec.get_untracked();
        let (x0, x1) = spec.x_range.unwrap_or_else(|| {
            spec.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)))
        });
        let z = zoom(state.presenting.get_untracked(), alone.get_untracked(), element.client_height() as f64);
        let (left, right) = (PLOT_LEFT * z, PLOT_RIGHT * z);
        if !x0.is_finite() || width <= left + right {
            return;
        }
        let plot_width = width - left - right;
        let span = (x1 - x0).max(1.0);
        let step = x0 + ((x - left) / plot_width).clamp(0.0, 1.0) * span;
        let raw = match kind {
            ChartKind::FusionSize => spec.clone(),
            _ => chart_now(state, kind, 0.0, false),
        };
        let shown = tooltip_for(&spec, &raw, step, &hidden.get_untracked()).map(|(at, heading, rows)| {
            let crosshair = left + (at - x0) / span * plot_width;
            let y = ev.offset_y() as f64;
            let low = y > element.client_height() as f64 / 2.0;
            Hover { pointer: (x, y), crosshair, flip: x > width / 2.0, docked: window_size().0 < DOCKED_BELOW_PX, low, heading, rows }
        });
        hover.set(shown);
    };
    view! {
        <figure class="chart" class:focused=move || alone.get() data-testid=format!("chart-{}", kind.id()) hidden=move || !in_use.get() || elsewhere.get()>
            <figcaption>
                <button type="button" class="chart-title" data-testid=format!("focus-{}", kind.id()) aria-pressed=move || alone.get().to_string()
                    title=move || match (alone.get(), number.get()) {
                        (true, _) => "Back to every chart (Esc)".to_string(),
                        (false, Some(n)) => format!("Show this chart alone, filling the chart area (key {n}; Esc returns)"),
                        (false, None) => "Show this chart alone, filling the chart area (Esc returns)".to_string(),
                    }
                    on:click=move |_| state.focus((!alone.get_untracked()).then_some(kind))>
                    {move || number.get().filter(|n| *n <= 9).map(|n| view! { <kbd class="chart-key">{n}</kbd> })}
                    {kind.title()}
                </button>
                {move || alone.get().then(|| view! {
                    <button type="button" class="unfocus" data-testid="unfocus" on:click=move |_| state.focus(None)>"All charts (Esc)"</button>
                })}
                <label class="toggle log-toggle" title="Plot this chart's y axis on a logarithmic scale; zero and negative values are left out.">
                    <input type="checkbox" data-testid=format!("log-{}", kind.id()) prop:checked=move || log_y.get()
                        on:change=move |ev| state.set_log_scale(kind, event_target_checked(&ev)) />
                    "log"
                </label>
                <button type="button" class="png" data-testid=format!("png-{}", kind.id()) title="Save this chart as a PNG image for a slide: the lines shown, with the title, axis titles and legend, at twice its size on the page."
                    on:click=move |_| {
                        save_png(canvas, without_hidden(spec.get_untracked(), &hidden.get_untracked()), kind, state)
                    }>"PNG"</button>
            </figcaption>
            <div class="chart-frame">
                <canvas node_ref=canvas role="img" aria-label=move || spec.with(ChartSpec::text_alternative) on:mousemove=on_move on:mouseleave=move |_| hover.set(None)></canvas>
                {move || hover.get().map(|h| {
                    let rows = h.rows.into_iter().map(|row| view! { <li>{row.swatch.view()}{row.text}</li> }).collect_view();
                    view! {
                        <div class="crosshair" style:left=format!("{}px", h.crosshair)></div>
                        <div class="tooltip" node_ref=tip class:flip=h.flip && !h.docked class:docked=h.docked class:above=h.low data-testid="chart-tooltip" role="tooltip"
                            style:translate=move || { let (dx, dy) = nudge.get(); format!("{dx}px {dy}px") }
                            style:left=if h.docked { "0px".to_string() } else { format!("{}px", if h.flip { h.pointer.0 - 12.0 } else { h.pointer.0 + 12.0 }) }
                            style:top=format!("{}px", if h.low { h.pointer.1 - 12.0 } else { h.pointer.1 + 12.0 })>
                            <p>{h.heading}</p>
                            <ul>{rows}</ul>
                        </div>
                    }
                })}
            </div>
            <Legend spec hidden id=kind.id() />
            <p class="chart-note">{move || spec.with(|s| s.note.clone().unwrap_or_default())}</p>
            <details class="caption">
                <summary>{caption}</summary>
                <p>{explanation}</p>
            </details>
        </figure>
    }
}
