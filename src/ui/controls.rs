//! The control panel: dataset, model, training, regularizers, run and view. Every control
//! carries a one- or two-sentence tooltip a teacher could read aloud. Live controls
//! (learning rate, regularizers, run length) apply at the next step; the others rebuild.

use leptos::prelude::*;

use serde_json::Value;

use crate::engine::config::RegularizerConfig;
use crate::engine::config::knobs::{self, Knob, KnobKind, Scale, Section};
use crate::engine::presets::{PRESETS, preset};
use crate::protocol::{Backend, Request};
use crate::ui::state::AppState;

/// A labelled range input with its value shown.
#[component]
fn Slider(
    /// Visible label.
    label: &'static str,
    /// Tooltip.
    title: &'static str,
    /// `data-testid`.
    testid: &'static str,
    /// Range.
    min: f64,
    /// Range.
    max: f64,
    /// Granularity.
    step: f64,
    /// Current value.
    value: Signal<f64>,
    /// Called with the new value.
    on_change: Callback<f64>,
) -> impl IntoView {
    view! {
        <label class="control" title=title>
            <span>{label}": "<output>{move || format_number(value.get())}</output></span>
            <input type="range" data-testid=testid min=min max=max step=step prop:value=move || value.get()
                on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f64>() { on_change.run(v) } } />
        </label>
    }
}

fn format_number(v: f64) -> String {
    if v != 0.0 && (v.abs() < 0.01 || v.abs() >= 10_000.0) { format!("{v:.1e}") } else { format!("{}", (v * 1000.0).round() / 1000.0) }
}

/// A labelled checkbox.
#[component]
fn Toggle(
    /// Visible label.
    #[prop(into)]
    label: String,
    /// Tooltip.
    title: &'static str,
    /// `data-testid`.
    testid: &'static str,
    /// Checked.
    checked: Signal<bool>,
    /// Called with the new state.
    on_change: Callback<bool>,
) -> impl IntoView {
    view! {
        <label class="toggle" title=title>
            <input type="checkbox" data-testid=testid prop:checked=move || checked.get()
                on:change=move |ev| on_change.run(event_target_checked(&ev)) />
            {label}
        </label>
    }
}

/// Play, pause, step, reset, speed and the backend switch.
#[component]
pub fn RunControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    let switch_to = move || match state.backend.with(|b| b.as_ref().map(|b| b.kind)) {
        Some(Backend::WebGpu) => Backend::Cpu,
        _ => Backend::WebGpu,
    };
    view! {
        <div class="run-controls">
            <button data-testid="play" title="Train continuously; curves update at every evaluation." on:click=move |_| state.send(Request::Play)>"Play"</button>
            <button data-testid="pause" title="Stop after the current step (an evaluation already due still runs)." on:click=move |_| state.send(Request::Pause)>"Pause"</button>
            <button data-testid="step" title="Run one evaluation interval, then pause." on:click=move |_| state.send(Request::Step)>"Step"</button>
            <button data-testid="reset" title="Start again from step 0 with the same settings and seed." on:click=move |_| state.send(Request::Reset)>"Reset"</button>
            <button data-testid="download-metrics" title="Save this run's evaluations as metrics.jsonl, the CLI's format (one JSON object per evaluation), to compare with `modalscope run` or another tool."
                on:click=move |_| state.send(Request::ExportMetrics)>"Download metrics (JSON)"</button>
            <button data-testid="switch-backend" title="Continue this run on the other backend from the last weight snapshot."
                disabled=move || !state.backend.with(|b| b.as_ref().is_some_and(|b| b.gpu_available))
                on:click=move |_| state.send(Request::SwitchBackend(switch_to()))>
                {move || format!("Switch to {}", switch_to().label())}
            </button>
            <Slider label="Speed (max steps per frame)" title="Caps how many optimizer steps run per animation frame; lower it to watch the curves form slowly."
                testid="speed" min=1.0 max=256.0 step=1.0 value=Signal::derive(move || state.max_steps_per_frame.get() as f64)
                on_change=Callback::new(move |v: f64| {
                    state.max_steps_per_frame.set(v as usize);
                    state.send(Request::MaxStepsPerFrame(v as usize));
                }) />
        </div>
    }
}

/// The control of one knob, by its kind: a slider (linear or log), a checkbox, a select
/// showing the current value, or a group of checkboxes. `data-testid="knob-<path>"`; the
/// accessible name is the label, the value is in `aria-valuetext`; disabled with the
/// reason while the setting it depends on is off (a toggle also while turning it on would be
/// refused).
#[component]
fn KnobControl(
    /// The row.
    knob: Knob,
    /// The configuration as JSON (one serialisation per change, shared by every control).
    root: Memo<Value>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let testid = format!("knob-{}", knob.path);
    let value = Signal::derive({
        let knob = knob.clone();
        move || root.with(|r| knob.get(r))
    });
    let why_disabled = Signal::derive({
        let knob = knob.clone();
        move || match knob.kind {
            // A method's toggle is also disabled while turning it on would be refused.
            KnobKind::Toggle => state.config.with(|c| knob.unavailable(c)),
            _ => root.with(|r| knob.disabled_because(r).map(str::to_string)),
        }
    });
    let set = {
        let knob = knob.clone();
        Callback::new(move |v: Value| {
            let next = state.config.with_untracked(|c| knob.set(c, v));
            match next {
                Ok(next) => state.configure(|c| *c = next),
                Err(e) => state.say(e.0),
            }
        })
    };
    let label = knob.label.clone();
    let live = if knob.live { " (live)" } else { "" };
    let title = format!("{}{}", knob.help, if knob.live { " Applies at the next step." } else { " Changing it restarts the run." });
    let control = match knob.kind.clone() {
        KnobKind::Number { min, max, step, scale, integer } => {
            let log = scale == Scale::Log;
            let to_slider = move |v: f64| if log { v.max(min).log10() } else { v };
            let (lo, hi) = (to_slider(min), to_slider(max));
            let current = move || value.with(|v| v.as_f64().unwrap_or(0.0));
            let text = move || format_number(current());
            view! {
                <span class="value"><output>{text}</output></span>
                <input type="range" data-testid=testid aria-label=label.clone() aria-valuetext=text
                    min=lo max=hi step=step prop:value=move || to_slider(current())
                    disabled=move || why_disabled.get().is_some()
                    on:change=move |ev| {
                        if let Ok(x) = event_target_value(&ev).parse::<f64>() {
                            let v = if log { 10f64.powf(x) } else { x };
                            let v = if integer { Value::from(v.round().clamp(min, max) as u64) } else { Value::from(v.clamp(min, max)) };
                            set.run(v);
                        }
                    } />
            }
            .into_any()
        }
        KnobKind::Toggle => {
            let on = move || value.with(|v| v.as_bool().unwrap_or(false));
            view! {
                <input type="checkbox" data-testid=testid aria-label=label.clone() aria-valuetext=move || if on() { "on" } else { "off" }
                    prop:checked=on disabled=move || why_disabled.get().is_some()
                    on:change=move |ev| set.run(Value::Bool(event_target_checked(&ev))) />
            }
            .into_any()
        }
        KnobKind::Choice(options) => {
            let current = move || value.with(|v| v.as_str().unwrap_or_default().to_string());
            view! {
                <select data-testid=testid aria-label=label.clone() aria-valuetext=current prop:value=current
                    disabled=move || why_disabled.get().is_some()
                    on:change=move |ev| set.run(Value::String(event_target_value(&ev)))>
                    {options.into_iter().map(|o| view! { <option value=o.clone() selected=move || current() == o>{o.clone()}</option> }).collect_view()}
                </select>
            }
            .into_any()
        }
        KnobKind::Subset { options, min, max } => {
            let chosen = move || value.with(|v| v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect::<Vec<_>>()).unwrap_or_default());
            let boxes = options
                .into_iter()
                .map(|option| {
                    let (name, toggled) = (option.clone(), option.clone());
                    let is_on = Signal::derive(move || chosen().contains(&name));
                    // At the limits a box cannot move the wrong way: the last one stays ticked
                    // (min), and no box ticks beyond the most allowed (max).
                    let stuck = move || { let n = chosen().len(); if is_on.get() { n <= min } else { n >= max } };
                    view! {
                        <label class="toggle">
                            <input type="checkbox" data-testid=format!("{testid}-{option}") aria-label=option.clone()
                                prop:checked=is_on disabled=move || why_disabled.get().is_some() || stuck()
                                on:change=move |ev| {
                                    let mut names = chosen();
                                    names.retain(|n| n != &toggled);
                                    if event_target_checked(&ev) { names.push(toggled.clone()); }
                                    set.run(Value::from(names));
                                } />
                            {option.clone()}
                        </label>
                    }
                })
                .collect_view();
            view! { <span class="subset" data-testid=testid.clone() role="group" aria-label=label.clone() aria-valuetext=move || chosen().join(", ")>{boxes}</span> }.into_any()
        }
        KnobKind::Name | KnobKind::OptionalStep => {
            let text = move || value.with(|v| match v { Value::String(s) => s.clone(), Value::Null => String::new(), other => other.to_string() });
            let optional = matches!(knob.kind, KnobKind::OptionalStep);
            view! {
                <input type="text" data-testid=testid aria-label=label.clone() aria-valuetext=text prop:value=text
                    disabled=move || why_disabled.get().is_some()
                    on:change=move |ev| {
                        let raw = event_target_value(&ev);
                        let v = if optional { raw.trim().parse::<u64>().map(Value::from).unwrap_or(Value::Null) } else { Value::String(raw) };
                        set.run(v);
                    } />
            }
            .into_any()
        }
    };
    view! {
        <label class="control knob" title=title>
            <span class="label">{knob.label.clone()}{live}</span>
            {control}
            <Show when=move || why_disabled.get().is_some()>
                <small class="why">{move || why_disabled.get().unwrap_or_default()}</small>
            </Show>
        </label>
    }
}

/// The rows of one section: the main ones, then the advanced ones folded away.
fn section_view(rows: Vec<Knob>, root: Memo<Value>) -> impl IntoView {
    let (more, main): (Vec<Knob>, Vec<Knob>) = rows.into_iter().partition(|k| k.advanced);
    let render = move |rows: Vec<Knob>| rows.into_iter().map(|knob| view! { <KnobControl knob root /> }).collect_view();
    view! {
        {render(main)}
        {(!more.is_empty()).then(|| view! { <details class="more"><summary>"more settings"</summary>{render(more)}</details> })}
    }
}

/// Dataset, model, training and method controls, generated from the knob table.
#[component]
pub fn ConfigControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    let cfg = state.config;
    let root = Memo::new(move |_| cfg.with(|c| serde_json::to_value(c).expect("config serializes")));
    // The rows change only with the modalities (names, count) or the data source's views.
    let rows = Memo::new(move |_| cfg.with(knobs::table));
    let on_preset = move |ev| {
        if let Some(config) = preset(&event_target_value(&ev)) {
            state.configure(|c| *c = config);
        }
    };
    let section = move |pick: Section| rows.with(|r| r.iter().filter(|k| k.section == pick).cloned().collect::<Vec<_>>());
    let methods = move || {
        RegularizerConfig::NAMES
            .iter()
            .map(|name| {
                let advice = move || cfg.with(|c| c.regularizers.advice(c).into_iter().find(|(key, _)| key == name).map(|(_, text)| text));
                view! {
                    <fieldset class="method" data-testid=format!("method-{name}")>
                        {section_view(section(Section::Method(name)), root)}
                        {move || advice().map(|text| view! { <p class="advice" role="note" data-testid=format!("advice-{name}")>{"⚠ "}{text}</p> })}
                    </fieldset>
                }
            })
            .collect_view()
    };
    view! {
        <section class="controls" data-testid="controls">
            <h3>"Data"</h3>
            <label class="control" title="A preset is a whole experiment: data, model and training, chosen to show one phenomenon.">
                <span>"Preset"</span>
                <select data-testid="preset" aria-label="preset" on:change=on_preset>
                    {PRESETS.iter().map(|p| view! { <option value=p.name title=p.description>{p.name}</option> }).collect_view()}
                </select>
            </label>
            <Show when=move || state.mounted(1)>{move || section_view(section(Section::Data), root)}</Show>
            <Show when=move || state.mounted(2)>
                <h3>"Model"</h3>
                {move || section_view(section(Section::Model), root)}
                <h3>"Training"</h3>
                {move || section_view(section(Section::Training), root)}
            </Show>
            <Show when=move || state.mounted(3)>
                <h3>"Methods (live)"</h3>
                {methods}
                <details class="more">
                    <summary>"metric constants"</summary>
                    {move || section_view(section(Section::Metrics), root)}
                </details>
            </Show>
        </section>
    }
}

/// Smoothing and log scale.
#[component]
pub fn ViewControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="view-controls">
            <Slider label="smoothing" title="TensorBoard-style debiased exponential moving average of each curve; hover a chart for the raw values."
                testid="smoothing" min=0.0 max=0.99 step=0.01 value=Signal::derive(move || state.smoothing.get())
                on_change=Callback::new(move |v: f64| state.smoothing.set(v)) />
            <Toggle label="log scale" title="Plot the y axes on a logarithmic scale; zero and negative values are left out."
                testid="log-scale" checked=Signal::derive(move || state.log_y.get()) on_change=Callback::new(move |on: bool| state.log_y.set(on)) />
        </div>
    }
}
