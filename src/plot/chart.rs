//! Draws one [`ChartSpec`] onto any plotters drawing area.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::spec::{ChartSpec, Series};

fn visible(value: f64, log_y: bool) -> Option<f64> {
    match log_y {
        true if value > 0.0 && value.is_finite() => Some(value.log10()),
        false if value.is_finite() => Some(value),
        _ => None,
    }
}

fn segments(series: &Series, log_y: bool) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for &(x, y) in &series.points {
        match y.and_then(|v| visible(v, log_y)) {
            Some(v) => out.last_mut().expect("non-empty").push((x, v)),
            None if !out.last().expect("non-empty").is_empty() => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The x and y ranges that hold `series` (the x range is the spec's when it has one).
fn bounds(spec: &ChartSpec, series: &[&Series]) -> ((f64, f64), (f64, f64)) {
    let mut x = (f64::INFINITY, f64::NEG_INFINITY);
    let mut y = (f64::INFINITY, f64::NEG_INFINITY);
    for series in series {
        for segment in segments(series, spec.log_y) {
            for (px, py) in segment {
                x = (x.0.min(px), x.1.max(px));
                y = (y.0.min(py), y.1.max(py));
            }
        }
    }
    if let Some((from, to)) = spec.x_range {
        x = (from, to.max(from + 1.0));
    }
    if !y.0.is_finite() {
        return (if x.0.is_finite() { x } else { (0.0, 1.0) }, (0.0, 1.0));
    }
    if spec.kind.stacked() {
        // Shares stacked to their total: from 0 to the top, never zoomed into a sliver.
        return ((x.0, x.1.max(x.0 + 1.0)), (0.0, y.1.max(1.0) * 1.02));
    }
    let pad = ((y.1 - y.0) * 0.05).max(1e-3);
    ((x.0, x.1.max(x.0 + 1.0)), (y.0 - pad, y.1 + pad))
}

/// A value of a log axis with two significant digits: 0.25, 4, 1.6e5.
fn significant(value: f64) -> String {
    if !(1e-3..1e4).contains(&value) {
        return format!("{value:.1e}");
    }
    let decimals = (1.0 - value.log10().floor()).max(0.0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

/// Width of a mark label's character at 11 px sans-serif, an upper estimate in pixels (the
/// label is placed without measuring it).
const MARK_CHAR_PX: i32 = 6;
/// Height of a row of mark labels, in pixels.
const MARK_ROW_PX: i32 = 13;
/// Rows of mark labels before they repeat.
const MARK_ROWS: usize = 3;

/// How a series' line is drawn: its style, and its dash and gap lengths in pixels if it is
/// dashed (6 and 4). A pinned run's line is thin and light, and never broken into dashes:
/// plotters draws each dash as a path of its own, which with ten pinned runs cost a frame.
fn stroke(series: &Series) -> (ShapeStyle, Option<(i32, i32)>) {
    let (r, g, b) = series.color;
    let color = RGBColor(r, g, b);
    let style = match (series.pinned, series.light) {
        (true, _) => color.mix(0.55).stroke_width(1),
        (false, true) => color.mix(0.4).stroke_width(2),
        (false, false) => color.stroke_width(2),
    };
    (style, (series.dashed && !series.pinned).then_some((6, 4)))
}

/// A backend pixel in `area`'s own coordinates (a small plot's area starts lower down).
fn within<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, (x, y): (i32, i32)) -> (i32, i32) {
    let (left, top) = area.get_base_pixel();
    (x - left, y - top)
}

/// Height of the x axis' labels and title under the (bottom) plot, in pixels.
const X_LABELS_PX: i32 = 34;
/// The margin around a chart's plot, in pixels.
const MARGIN_PX: i32 = 8;
/// The gap above each small plot but the first, in pixels.
const PANEL_GAP_PX: i32 = 6;

/// Draws the chart: axes, one line per series (broken where undefined) and event marks (the
/// page lists the legend outside the canvas; [`draw_chart_for_export`] draws it in). A chart
/// whose series all name panels ([`ChartSpec::panels`]: the contribution chart) draws one
/// small plot per panel, stacked, on the same x and y ranges, with the x axis under the last;
/// a chart with a main plot draws its panels as small plots under it: A/B's B − A
/// ([`crate::plot::runs::DIFFERENCE_PANEL`]) on a linear range of its own that holds 0, any
/// other (a missing modality) on the main plot's scale, so that their lines compare. Every
/// plot spans the same pixels left to right, so the page's crosshair fits them all.
pub fn draw_chart<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: &ChartSpec) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("drawing failed: {e:?}");
    area.fill(&WHITE).map_err(err)?;
    let panels = spec.panels();
    let all: Vec<&Series> = spec.series.iter().collect();
    let main: Vec<&Series> = spec.series.iter().filter(|s| s.panel.is_none()).collect();
    if panels.is_empty() {
        draw_plot(area, spec, &all, None, true, true, bounds(spec, &all)).map_err(err)?;
    } else if !main.is_empty() {
        let (_, height) = area.dim_in_pixel();
        let n = panels.len() as i32;
        // Each small plot takes its share of 30 % (at least 40 px), never so much that the
        // main plot keeps less than half the room.
        let room = height as i32 - X_LABELS_PX - MARGIN_PX;
        let small = ((room * 3 / 10) / n).max(40).min(room / (2 * n)) + PANEL_GAP_PX;
        let main_height = height as i32 - n * small - X_LABELS_PX - MARGIN_PX;
        let x = bounds(spec, &all).0;
        let difference = crate::plot::runs::DIFFERENCE_PANEL;
        let scaled: Vec<&Series> = spec.series.iter().filter(|s| s.panel.as_deref() != Some(difference)).collect();
        let y = bounds(spec, &scaled).1;
        let breaks: Vec<i32> = (0..n).map(|i| main_height + i * small).collect();
        let parts = area.split_by_breakpoints(Vec::<i32>::new(), breaks);
        draw_plot(&parts[0], spec, &main, None, false, true, (x, y)).map_err(err)?;
        // Differences are drawn on a linear axis (a log one would drop every negative one).
        let linear = ChartSpec { log_y: false, series: Vec::new(), ..spec.clone() };
        for (i, (part, name)) in parts[1..].iter().zip(&panels).enumerate() {
            let series: Vec<&Series> = spec.series.iter().filter(|s| s.panel.as_deref() == Some(*name)).collect();
            let last = i + 1 == panels.len();
            if *name == difference {
                let (y0, y1) = bounds(&linear, &series).1;
                draw_plot(part, &linear, &series, Some(name), last, false, (x, (y0.min(0.0), y1.max(0.0)))).map_err(err)?;
            } else {
                draw_plot(part, spec, &series, Some(name), last, false, (x, y)).map_err(err)?;
            }
        }
    } else {
        // Equal plot heights: the first area also holds the top margin, the last the x axis
        // and the bottom margin, the others a small gap above their plot.
        let (_, height) = area.dim_in_pixel();
        let n = panels.len() as i32;
        let plot = (height as i32 - MARGIN_PX - PANEL_GAP_PX * (n - 1) - X_LABELS_PX - MARGIN_PX) / n;
        let breaks: Vec<i32> = (1..n).map(|i| MARGIN_PX + i * plot + (i - 1) * PANEL_GAP_PX).collect();
        for (i, (part, name)) in area.split_by_breakpoints(Vec::<i32>::new(), breaks).iter().zip(&panels).enumerate() {
            let series: Vec<&Series> = spec.series.iter().filter(|s| s.panel.as_deref() == Some(*name)).collect();
            draw_plot(part, spec, &series, Some(name), i + 1 == panels.len(), i == 0, bounds(spec, &all)).map_err(err)?;
        }
    }
    area.present().map_err(err)
}

/// One plot of `spec` on `area` over `ranges`: its mesh, `series`, the marks (labelled on
/// the `first`, top plot, which also takes the top margin), the x axis' labels when
/// `x_axis`, and the panel's `name` top left.
fn draw_plot<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: &ChartSpec, series: &[&Series], name: Option<&str>, x_axis: bool, first: bool, ranges: ((f64, f64), (f64, f64))) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let ((x0, x1), (y0, y1)) = ranges;
    let small = name.is_some();
    let top = if !first { PANEL_GAP_PX } else { MARGIN_PX };
    let (_, height) = area.dim_in_pixel();
    // The plot's own height, without margins and axis.
    let height = height as i32 - top - if x_axis { X_LABELS_PX + MARGIN_PX } else { 0 };
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN_PX)
        .margin_top(top)
        .margin_bottom(if x_axis { MARGIN_PX } else { 0 })
        .margin_right(16)
        .x_label_area_size(if x_axis { X_LABELS_PX } else { 0 })
        .y_label_area_size(62)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let log_y = spec.log_y;
    // Enough decimals that neighbouring ticks (about a fifth of the range apart) differ.
    let decimals = ((y1 - y0) / 5.0).log10().floor().min(0.0).abs() as usize;
    let y_format = move |v: &f64| match log_y {
        true => significant(10f64.powf(*v)),
        false => format!("{v:.decimals$}"),
    };
    // A small plot gets fewer ticks, and the y title only when it has the room.
    let y_desc = if !small || height >= 90 { spec.kind.y_name() } else { "" };
    chart
        .configure_mesh()
        .x_labels(6)
        // Steps and ranks are whole numbers: a label between two (a chart of one point spans
        // 0..1) would round to a repeated one.
        .x_label_formatter(&|x: &f64| if (x - x.round()).abs() < 1e-6 { format!("{x:.0}") } else { String::new() })
        .y_labels(if small && height < 120 { 3 } else { 5 })
        .y_label_formatter(&y_format)
        .x_desc(if x_axis { spec.kind.x_name() } else { "" })
        .y_desc(y_desc)
        .axis_desc_style(("sans-serif", 12))
        .light_line_style(RGBColor(240, 240, 240))
        .label_style(("sans-serif", 11))
        .draw()?;
    if spec.kind.stacked() {
        // Running totals, the largest (last) first, each filled down to 0: every band shows
        // its own share.
        // Opaque fills (the colour lightened towards white), so a band never shows the one
        // under it through itself.
        let light = |c: u8| c + ((255 - c) as f64 * 0.45) as u8;
        for series in series.iter().rev() {
            let (r, g, b) = series.color;
            let (color, fill) = (RGBColor(r, g, b), RGBColor(light(r), light(g), light(b)));
            for segment in segments(series, false) {
                chart.draw_series(AreaSeries::new(segment, 0.0, fill.filled()).border_style(color.stroke_width(1)))?;
            }
        }
    } else {
        for series in series {
            let (style, dashes) = stroke(series);
            for segment in segments(series, log_y) {
                match dashes {
                    Some((dash, gap)) => chart.draw_series(DashedLineSeries::new(segment, dash, gap, style))?,
                    None => chart.draw_series(LineSeries::new(segment, style))?,
                };
            }
        }
    }
    for (row, (step, label)) in spec.marks.iter().enumerate() {
        let line = vec![(*step, y0), (*step, y1)];
        chart.draw_series(std::iter::once(PathElement::new(line, RED.stroke_width(1))))?;
        if !first {
            continue;
        }
        // Labels stay inside the plot: left of their line in its right half, right of it
        // otherwise, and on rows of their own, so that two marks close together (the best
        // checkpoint and the early stop) both read.
        let (x, y) = within(area, chart.backend_coord(&(*step, y1)));
        let width = label.chars().count() as i32 * MARK_CHAR_PX;
        let x = if *step > (x0 + x1) / 2.0 { x - width - 3 } else { x + 3 };
        let y = y + 2 + MARK_ROW_PX * (row % MARK_ROWS) as i32;
        area.draw(&Text::new(label.clone(), (x, y), ("sans-serif", 11).into_font().color(&RED)))?;
    }
    if let (Some(name), Some(first)) = (name, series.first()) {
        let (r, g, b) = first.color;
        let (x, y) = within(area, chart.backend_coord(&(x0, y1)));
        let font = ("sans-serif", 12).into_font().style(FontStyle::Bold).color(&RGBColor(r, g, b)).pos(Pos::new(HPos::Left, VPos::Top));
        area.draw(&Text::new(name.to_string(), (x + 4, y + 2), font))?;
    }
    Ok(())
}

/// Height of an exported chart's title band, in pixels.
const TITLE_PX: i32 = 30;
/// Height of a row of an exported chart's legend, in pixels.
const LEGEND_ROW_PX: i32 = 17;
/// Width of a column of an exported chart's legend, in pixels.
const LEGEND_COLUMN_PX: i32 = 200;

/// The lines an exported legend lists: those with points.
fn listed(spec: &ChartSpec) -> Vec<&Series> {
    spec.series.iter().filter(|s| s.points.iter().any(|p| p.1.is_some())).collect()
}

/// The legend's columns and rows under an exported chart `width` pixels wide.
fn legend_grid(spec: &ChartSpec, width: u32) -> (i32, i32) {
    let columns = ((width as i32 - 2 * MARGIN_PX) / LEGEND_COLUMN_PX).max(1);
    let count = listed(spec).len() as i32;
    (columns, (count + columns - 1) / columns)
}

/// The height of an exported chart whose plot (with its axes) is `plot_height` pixels high
/// and `width` wide: the title band above and the legend's rows below added.
pub fn export_height(spec: &ChartSpec, width: u32, plot_height: u32) -> u32 {
    let (_, rows) = legend_grid(spec, width);
    plot_height + (TITLE_PX + rows * LEGEND_ROW_PX + if rows > 0 { MARGIN_PX } else { 0 }) as u32
}

/// The chart as a slide or a file needs it (the page's PNG, the CLI's SVG): the title on
/// top, the plot with its axis titles, marks and note-free lines, and under it the legend
/// (each line's stroke as drawn and its label) in columns. Drawn with plain text elements
/// (the backend's own text drawing), never with plotters' multi-line layout, which measures
/// text through the DOM in the browser.
pub fn draw_chart_for_export<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: &ChartSpec, title: &str) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("drawing failed: {e:?}");
    area.fill(&WHITE).map_err(err)?;
    let (width, height) = area.dim_in_pixel();
    let (columns, rows) = legend_grid(spec, width);
    let legend_px = rows * LEGEND_ROW_PX + if rows > 0 { MARGIN_PX } else { 0 };
    let (top, rest) = area.split_vertically(TITLE_PX);
    let font = ("sans-serif", 15).into_font().style(FontStyle::Bold).color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
    top.draw(&Text::new(title.to_string(), (MARGIN_PX, TITLE_PX / 2), font)).map_err(err)?;
    let (plot, legend) = rest.split_vertically((height as i32 - TITLE_PX - legend_px).max(1));
    draw_chart(&plot, spec)?;
    for (i, series) in listed(spec).into_iter().enumerate() {
        let (column, row) = (i as i32 % columns, i as i32 / columns);
        let (x, y) = (MARGIN_PX + column * LEGEND_COLUMN_PX, LEGEND_ROW_PX / 2 + row * LEGEND_ROW_PX);
        match stroke(series) {
            (style, Some((dash, gap))) => legend.draw(&DashedPathElement::new(vec![(x, y), (x + 22, y)], dash, gap, style)).map_err(err)?,
            (style, None) => legend.draw(&PathElement::new(vec![(x, y), (x + 22, y)], style)).map_err(err)?,
        }
        // Cut to the column (6 px a character at 12 px, an upper estimate).
        let fits = ((LEGEND_COLUMN_PX - 34) / 6) as usize;
        let label = match series.label.char_indices().nth(fits) {
            Some((cut, _)) => format!("{}…", &series.label[..cut]),
            None => series.label.clone(),
        };
        let font = ("sans-serif", 12).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        legend.draw(&Text::new(label, (x + 28, y), font)).map_err(err)?;
    }
    area.present().map_err(err)
}

/// The charts of a finished run as SVG files, by name (`<id>.svg`): every chart in use for
/// `config`, drawn from `history` over the whole run (`total_steps`) at each chart's default
/// scale, unsmoothed, with its title and legend ([`draw_chart_for_export`]). The CLI's
/// `--charts` writes them.
pub fn run_charts_svg(config: &crate::engine::config::ExperimentConfig, history: &[crate::engine::metrics::Evaluation], heads: &[String], total_steps: usize) -> Result<Vec<(String, String)>, String> {
    use crate::plot::{ChartKind, chart_from_history, fusion_size_chart};
    let mut files = Vec::new();
    for kind in ChartKind::in_use_for(config) {
        let spec = match kind {
            ChartKind::FusionSize => ChartSpec { log_y: kind.log_by_default(), ..fusion_size_chart(config) },
            _ => ChartSpec { x_range: Some((0.0, total_steps as f64)), ..chart_from_history(kind, history, heads, 0.0, kind.log_by_default()) },
        };
        let mut out = String::new();
        {
            let area = SVGBackend::with_string(&mut out, (800, export_height(&spec, 800, 480))).into_drawing_area();
            draw_chart_for_export(&area, &spec, kind.title())?;
        }
        files.push((format!("{}.svg", kind.id()), out));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{ChartKind, Series};

    fn svg(spec: &ChartSpec) -> String {
        let mut out = String::new();
        {
            let area = SVGBackend::with_string(&mut out, (400, 240)).into_drawing_area();
            draw_chart(&area, spec).unwrap();
        }
        out
    }

    fn spec(points: Vec<(f64, Option<f64>)>) -> ChartSpec {
        ChartSpec {
            kind: ChartKind::Ogr,
            series: vec![Series { label: "fused".into(), color: (1, 2, 3), light: false, dashed: false, pinned: false, panel: None, points }],
            log_y: false,
            smoothing: 0.0,
            marks: vec![(2.0, "early stop".into())],
            note: None,
            x_range: None,
        }
    }

    #[test]
    fn undefined_values_break_the_line_into_segments() {
        let whole = svg(&spec(vec![(0.0, Some(1.0)), (1.0, Some(2.0)), (2.0, Some(1.5)), (3.0, Some(1.0)), (4.0, Some(1.2))]));
        let broken = svg(&spec(vec![(0.0, Some(1.0)), (1.0, Some(2.0)), (2.0, None), (3.0, Some(1.0)), (4.0, Some(1.2))]));
        let lines = |s: &str| s.matches("<polyline").count();
        assert_eq!(lines(&broken), lines(&whole) + 1, "one more polyline for the second segment");
        assert!(broken.contains("early stop"), "mark drawn");
    }

    #[test]
    fn an_exported_chart_has_its_title_axis_titles_and_a_legend_entry_per_line() {
        let line = |label: &str, dashed: bool| Series { label: label.into(), dashed, light: dashed, ..spec_with_points(&[0.0, 5.0]).series[0].clone() };
        let labels = ["fused (train)", "a's probe (train)", "b's probe (train)", "fused", "a's probe", "b's probe"];
        let spec = ChartSpec { kind: ChartKind::Accuracy, series: labels.iter().map(|l| line(l, l.ends_with("(train)"))).collect(), ..spec_with_points(&[0.0]) };
        let height = export_height(&spec, 500, 240);
        assert_eq!(height, 240 + 30 + 3 * 17 + 8, "two columns at 500 px: three legend rows, the title band");
        let mut out = String::new();
        {
            let area = SVGBackend::with_string(&mut out, (500, height)).into_drawing_area();
            draw_chart_for_export(&area, &spec, ChartKind::Accuracy.title()).unwrap();
        }
        let texts: Vec<String> = out.split("<text").skip(1).filter_map(|t| t.split('>').nth(1)).map(|t| t.split('<').next().unwrap_or("").trim().replace("&apos;", "'")).collect();
        for expected in [ChartKind::Accuracy.title(), "step", "accuracy"].into_iter().chain(labels) {
            assert!(texts.iter().any(|t| t == expected), "{expected:?} in {texts:?}");
        }
        // Each entry's stroke as drawn: the three train lines dashed (two paths a dash).
        let legend_strokes = out.matches("stroke=\"#010203\"").count();
        assert!(legend_strokes > 6 + 6, "six lines and six strokes, the dashed ones in pieces: {legend_strokes}");
    }

    #[test]
    fn early_stopping_marks_the_restored_checkpoint_and_the_stop_inside_the_plot() {
        use crate::engine::metrics::{Evaluation, Event};
        let point = |step: usize, events: Vec<Event>| Evaluation {
            step,
            epoch: 0.0,
            heads: Vec::new(),
            contribution: Vec::new(),
            methods: Default::default(),
            events,
        };
        let stop = crate::engine::metrics::Event::method("early-stop", serde_json::json!({"best_step": 6, "best_val_loss": 0.5}));
        let history = vec![point(0, vec![]), point(6, vec![]), point(12, vec![stop])];
        let spec = crate::plot::chart_from_history(ChartKind::Loss, &history, &["fused".to_string()], 0.0, false);
        assert_eq!(spec.marks, vec![(6.0, "best (restored)".to_string()), (12.0, "stopped".to_string())]);
        // The stop is the last step, at the plot's right edge: its label must end inside.
        let drawn = svg(&ChartSpec { marks: spec.marks, ..spec_with_points(&[0.0, 6.0, 12.0]) });
        for label in ["best (restored)", "stopped"] {
            let at = drawn.find(label).unwrap_or_else(|| panic!("{label} drawn in {drawn}"));
            let tag = &drawn[drawn[..at].rfind("<text").unwrap()..at];
            let x: f64 = tag.split("x=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
            let end = x + (label.chars().count() as i32 * MARK_CHAR_PX) as f64;
            assert!(x >= 0.0 && end <= 400.0, "{label} from {x} to {end} in a 400 px chart");
        }
    }

    fn spec_with_points(steps: &[f64]) -> ChartSpec {
        spec(steps.iter().map(|&x| (x, Some(1.0 + x / 10.0))).collect())
    }

    #[test]
    fn blend_weights_stack_to_one_and_draw_as_areas() {
        use crate::engine::metrics::Evaluation;
        let estimate = |step: usize, weights: Vec<f64>| Evaluation {
            step: step + 4,
            epoch: 0.0,
            heads: Vec::new(),
            contribution: Vec::new(),
            methods: Default::default(),
            events: vec![crate::engine::metrics::Event::method(
                "gblend-estimate",
                serde_json::json!({"step": step, "candidates": ["a", "b", "fused"], "delta_g": [0.06, 0.0, 0.04], "delta_o": [0.001, 0.08, 0.05], "weights": weights}),
            )],
        };
        let history = vec![estimate(0, vec![0.9, 0.0, 0.1]), estimate(12, vec![0.5, 0.2, 0.3])];
        let spec = crate::plot::chart_from_history(ChartKind::by_id("blend").unwrap(), &history, &[], 0.6, false);
        let tops: Vec<Option<f64>> = spec.series.iter().map(|s| s.points[2].1).collect();
        assert_eq!(tops, vec![Some(0.5), Some(0.7), Some(1.0)], "running totals of the second estimate, unsmoothed");
        assert_eq!(spec.series[0].points[..2], [(0.0, Some(0.9)), (12.0, Some(0.9))], "held until the next estimate");
        assert!(spec.note.as_deref().unwrap().contains("b: ΔG +0.000, ΔO +0.080, w 0.20"), "{:?}", spec.note);
        let drawn = svg(&spec);
        assert!(drawn.matches("<polygon").count() >= 3, "one filled band per candidate");
        assert_eq!(bounds(&spec, &spec.series.iter().collect::<Vec<_>>()).1 .0, 0.0, "stacked shares start at 0");
        let off = crate::plot::chart_from_history(ChartKind::by_id("blend").unwrap(), &[], &[], 0.0, false);
        assert!(off.series.is_empty() && off.note.unwrap().contains("off"));
    }

    #[test]
    fn ogm_charts_rho_and_k_per_modality_with_breaks_after_modulation() {
        use crate::engine::metrics::Evaluation;
        let point = |step: usize, state: serde_json::Value| Evaluation {
            step,
            epoch: 0.0,
            heads: Vec::new(),
            contribution: Vec::new(),
            methods: [("ogm_ge".to_string(), state)].into_iter().collect(),
            events: Vec::new(),
        };
        let modulated = serde_json::json!({"active_until_step": 35, "rho": [1.6, 0.6], "rho_ema": [1.5, 0.7], "k": [0.4, 1.0]});
        let ended = serde_json::json!({"active_until_step": 35, "rho_ema": null, "k": null});
        let history = vec![point(7, modulated.clone()), point(14, modulated), point(42, ended.clone())];
        let heads = ["fused".to_string(), "a".into(), "b".into()];
        let spec = crate::plot::chart_from_history(ChartKind::by_id("ogm").unwrap(), &history, &heads, 0.0, false);
        let labels: Vec<&str> = spec.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["ρ a", "ρ b", "ρ EMA a", "ρ EMA b", "k a", "k b"]);
        assert!(spec.series[4].dashed && !spec.series[2].dashed);
        assert_eq!(spec.series[4].points, vec![(7.0, Some(0.4)), (14.0, Some(0.4)), (42.0, None)]);
        assert!(spec.note.as_deref().unwrap().contains("modulation has ended"), "{:?}", spec.note);
        let running = crate::plot::chart_from_history(ChartKind::by_id("ogm").unwrap(), &history[..2], &heads, 0.0, false);
        assert!(running.note.as_deref().unwrap().contains("ρ EMA (1.50, 0.70), mean k (0.40, 1.00)"), "{:?}", running.note);
        let start = crate::plot::chart_from_history(ChartKind::by_id("ogm").unwrap(), &[point(0, ended.clone())], &heads, 0.0, false);
        assert!(start.note.as_deref().unwrap().contains("Modulation has not started yet"), "step 0: {:?}", start.note);
        let off = crate::plot::chart_from_history(ChartKind::by_id("ogm").unwrap(), &[], &heads, 0.0, false);
        assert!(off.series.is_empty() && off.note.unwrap().contains("OGM-GE is off"));
    }

    #[test]
    fn the_fusion_size_chart_counts_lmf_by_rank_against_tfn() {
        use crate::engine::config::ExperimentConfig;
        let lmf = crate::engine::presets::preset("lmf").unwrap();
        let spec = crate::plot::fusion_size_chart(&lmf);
        assert_eq!(spec.series[0].points[3], (4.0, Some(33_348.0)), "LMF at rank 4: 4·2·65·64 + 4 + 64");
        assert_eq!(spec.series[1].points[0], (1.0, Some(270_464.0)), "TFN: 64·65² + 64");
        assert_eq!(spec.marks, vec![(4.0, "r = 4".to_string())]);
        assert!(spec.note.as_deref().unwrap().contains("LMF (r = 4) 33,348 · TFN 270,464 parameters; in use: LMF at rank 4, 12.3 % of TFN"), "{:?}", spec.note);
        let four = ExperimentConfig::default().with_override("data.source=\"mfeat\"").unwrap().with_override("data.views=fou,fac,kar,pix").unwrap();
        let big = crate::plot::fusion_size_chart(&four);
        assert_eq!(big.series.len(), 1, "a TFN over the limit is not drawn");
        assert!(big.note.unwrap().contains("refused"));
    }

    #[test]
    fn axis_ticks_read_cleanly() {
        assert_eq!([0.251, 3.98, 0.0398, 12.0, 1.0].map(significant), ["0.25", "4", "0.04", "12", "1"]);
        assert_eq!(significant(160_000.0), "1.6e5");
        // A narrow linear range (1.39 to 1.40) gets the decimals that tell its ticks apart.
        let narrow = spec(vec![(0.0, Some(1.390)), (1.0, Some(1.399))]);
        let drawn = svg(&narrow);
        let texts: Vec<&str> = drawn.split("<text").skip(1).filter_map(|t| t.split('>').nth(1)).map(|t| t.split('<').next().unwrap_or("").trim()).collect();
        let ticks: Vec<&str> = texts.iter().copied().filter(|t| t.starts_with("1.3") || t.starts_with("1.4")).collect();
        assert!(ticks.len() >= 3 && ticks.iter().all(|t| t.len() == 5), "three decimals: {ticks:?}");
        assert!(ticks.windows(2).all(|w| w[0] != w[1]), "no repeated tick: {ticks:?}");
        assert!(texts.contains(&"step") && texts.contains(&"|ΔO / ΔG|"), "axis titles: {texts:?}");
    }

    #[test]
    fn panels_draw_as_small_plots_sharing_the_x_axis() {
        let line = |label: &str, panel: Option<&str>| Series { label: label.into(), panel: panel.map(str::to_string), ..spec_with_points(&[0.0, 5.0, 10.0]).series[0].clone() };
        let one = ChartSpec { kind: ChartKind::Contribution, ..spec_with_points(&[0.0, 5.0, 10.0]) };
        let three = ChartSpec { series: vec![line("a x", Some("a")), line("b x", Some("b")), line("c x", Some("c"))], ..one.clone() };
        let texts = |s: &str| s.split("<text").skip(1).filter_map(|t| t.split('>').nth(1)).map(|t| t.split('<').next().unwrap_or("").trim().to_string()).collect::<Vec<_>>();
        let (single, small) = (svg(&one), svg(&three));
        assert_eq!(texts(&single).iter().filter(|t| *t == "step").count(), 1);
        assert_eq!(texts(&small).iter().filter(|t| *t == "step").count(), 1, "one x axis title, under the last plot");
        for name in ["a", "b", "c"] {
            assert!(texts(&small).iter().any(|t| t == name), "panel {name} named: {:?}", texts(&small));
        }
        let lines = |s: &str| s.matches("stroke=\"#010203\"").count();
        assert_eq!((lines(&single), lines(&small)), (1, 3), "one line in each of three plots");
        // The panel names sit in their own plots, top to bottom.
        let y_of = |name: &str| {
            let tag = small.split("<text").find(|t| t.contains("font-weight=\"bold\"") && t.split('>').nth(1).is_some_and(|x| x.trim_start().starts_with(&format!("{name}\n")) || x.trim() == name)).expect("a bold name");
            tag.split("y=\"").nth(1).unwrap().split('"').next().unwrap().parse::<f64>().unwrap()
        };
        let (a, b, c) = (y_of("a"), y_of("b"), y_of("c"));
        assert!(a < 80.0 && a < b && b < c && c < 200.0, "names at y {a}, {b}, {c} in a 240 px chart");
    }

    #[test]
    fn b_minus_a_draws_on_its_own_small_plot_and_range_under_the_chart() {
        use crate::plot::runs::DIFFERENCE_PANEL;
        let line = |label: &str, panel: Option<&str>, values: [f64; 3]| Series {
            label: label.into(),
            panel: panel.map(str::to_string),
            points: [0.0, 5.0, 10.0].iter().zip(values).map(|(x, v)| (*x, Some(v))).collect(),
            ..spec_with_points(&[0.0]).series[0].clone()
        };
        let texts = |s: &str| s.split("<text").skip(1).filter_map(|t| t.split('>').nth(1)).map(|t| t.split('<').next().unwrap_or("").trim().to_string()).collect::<Vec<_>>();
        let main = vec![line("A · fused", None, [1.0, 1.5, 2.0]), line("B · fused", None, [1.0, 1.3, 1.7])];
        let with_difference = ChartSpec { series: [main.clone(), vec![line("B − A · fused", Some(DIFFERENCE_PANEL), [0.0, -0.2, -0.3])]].concat(), ..spec_with_points(&[0.0]) };
        let drawn = texts(&svg(&with_difference));
        assert!(drawn.iter().any(|t| t == DIFFERENCE_PANEL), "the small plot is named: {drawn:?}");
        assert_eq!(drawn.iter().filter(|t| *t == "step").count(), 1, "one x axis, under the small plot");
        // The main plot keeps its own range (1 to 2); one shared with B − A (−0.3 to 2) would
        // tick at 0.0 and 0.5 too.
        assert!(drawn.iter().any(|t| t == "1.5") && !drawn.iter().any(|t| t == "0.5"), "the main plot's own ticks: {drawn:?}");
        assert!(drawn.iter().any(|t| t.starts_with('-')), "the difference's negative ticks: {drawn:?}");
    }

    #[test]
    fn log_scale_drops_non_positive_values() {
        let mut s = spec(vec![(0.0, Some(0.0)), (1.0, Some(10.0)), (2.0, Some(100.0))]);
        s.log_y = true;
        let seg = segments(&s.series[0], true);
        assert_eq!(seg, vec![vec![(1.0, 1.0), (2.0, 2.0)]]);
    }
}
