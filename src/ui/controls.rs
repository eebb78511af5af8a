//! The control panel: dataset, model, training, methods, run and view. Every control
//! carries a one- or two-sentence tooltip a teacher could read aloud. Live controls
//! (learning rate, methods, run length) apply at the next step; the others rebuild.

use leptos::prelude::*;

use serde_json::Value;

use crate::engine::config::MethodsConfig;
use crate::engine::config::knobs::{self, Knob, KnobKind, Scale, Section};
use crate::engine::presets::{PRESETS, default_pace, preset};
use crate::protocol::Request;
use crate::ui::app::StoryCard;
use crate::ui::runs::LeftRunOffer;
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

/// A value as a teacher would read it aloud: 0.001, 0.25, 64, 3.2e-5.
fn format_number(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-4 || v.abs() >= 100_000.0) {
        return format!("{v:.1e}");
    }
    // Three significant digits, trailing zeros dropped.
    let decimals = if v == 0.0 { 0 } else { (2.0 - v.abs().log10().floor()).max(0.0) as usize };
    let text = format!("{v:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

/// The pace slider's range, log10 of evaluations per second: 0.2 to 50, and one notch
/// past it for "as fast as it goes".
const PACE_LOG_MIN: f64 = -0.7;
const PACE_LOG_MAX: f64 = 1.7;
const PACE_LOG_STEP: f64 = 0.05;

/// The pace in words, with how long the whole run takes at it.
fn pace_words(pace: Option<f64>, evaluations: usize) -> String {
    match pace {
        Some(p) => format!("{} evaluations/s · a run ≈ {}", format_number((p * 100.0).round() / 100.0), duration_words(evaluations as f64 / p)),
        None => "as fast as this machine goes".into(),
    }
}

/// Seconds as "20 s", "3.5 min" or "2.0 h".
fn duration_words(seconds: f64) -> String {
    match seconds {
        s if s < 90.0 => format!("{s:.0} s"),
        s if s < 5400.0 => format!("{:.1} min", s / 60.0),
        s => format!("{:.1} h", s / 3600.0),
    }
}

/// Pace: evaluations per second (a log slider), its last notch as fast as it goes. It
/// throttles wall time only, so the run's numbers are the same at any pace.
#[component]
fn PaceControl() -> impl IntoView {
    let state = expect_context::<AppState>();
    let evaluations = Memo::new(move |_| state.config.with(|c| c.evaluations_in_run()));
    let words = move || pace_words(state.pace.get(), evaluations.get());
    let position = move || state.pace.get().map(f64::log10).unwrap_or(PACE_LOG_MAX + PACE_LOG_STEP);
    view! {
        <label class="control pace" title="How many evaluations (chart points) a second. Each preset starts at a pace that makes its run last about 20 s; the last notch runs as fast as the machine goes. The pace changes only how fast the run goes by, never its steps or its numbers. While the page's tab is hidden the run pauses, and it goes on when you come back.">
            <span>"Pace: "<output data-testid="pace-value">{words}</output></span>
            <input type="range" data-testid="pace" aria-label="pace" aria-valuetext=words
                min=PACE_LOG_MIN max=PACE_LOG_MAX + PACE_LOG_STEP step=PACE_LOG_STEP prop:value=position
                on:change=move |ev| {
                    if let Ok(x) = event_target_value(&ev).parse::<f64>() {
                        state.set_pace((x <= PACE_LOG_MAX + 1e-9).then(|| 10f64.powf(x)));
                    }
                } />
        </label>
    }
}

/// Play, pause, step, reset and the pace.
#[component]
pub fn RunControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="run-controls">
            <button data-testid="play" title="Train continuously; curves update at every evaluation." on:click=move |_| state.send(Request::Play)>"Play"</button>
            <button data-testid="pause" title="Stop after the current step (an evaluation already due still runs)." on:click=move |_| state.send(Request::Pause)>"Pause"</button>
            <button data-testid="step" title="Run one evaluation interval, then pause." on:click=move |_| state.send(Request::Step)>"Step"</button>
            <button data-testid="reset" title="Start again from step 0 with the same settings and seed." on:click=move |_| state.send(Request::Reset)>"Reset"</button>
            <PaceControl />
            <span class="keys" data-testid="keys" title="Also: 1–9 show that chart alone (its number is beside its title); Esc shows every chart again.">"Keys: " <kbd>"space"</kbd> " play/pause · " <kbd>"s"</kbd> " step · " <kbd>"r"</kbd> " reset"</span>
        </div>
    }
}

/// The request a key asks for (space: play or pause, by whether the run trains; s: step;
/// r: reset), or `None` for any other key.
fn key_request(key: &str, training: bool) -> Option<Request> {
    match key {
        " " if training => Some(Request::Pause),
        " " => Some(Request::Play),
        "s" | "S" => Some(Request::Step),
        "r" | "R" => Some(Request::Reset),
        _ => None,
    }
}

/// The chart number a key names: 1 to 9.
fn chart_number(key: &str) -> Option<usize> {
    key.parse::<usize>().ok().filter(|n| (1..=9).contains(n))
}

/// Whether `key` pressed with focus on `element` is the element's own: typing in a text
/// field, a select or editable text, or space on a checkbox, a radio button or a fold's
/// summary (their only key besides Enter, which a summary also has).
fn keys_belong_to(element: &web_sys::Element, key: &str) -> bool {
    let kind = element.get_attribute("type").unwrap_or_default().to_ascii_lowercase();
    match element.tag_name().to_ascii_lowercase().as_str() {
        "textarea" | "select" => true,
        "summary" => key == " ",
        "input" => match kind.as_str() {
            "checkbox" | "radio" => key == " ",
            "range" | "button" | "submit" | "reset" | "color" | "file" => false,
            _ => true,
        },
        _ => element.closest("[contenteditable]").ok().flatten().is_some_and(|e| e.get_attribute("contenteditable").as_deref() != Some("false")),
    }
}

/// The keyboard shortcuts (listed beside the run controls), for the page's lifetime: space
/// plays or pauses, `s` steps, `r` resets, 1–9 show that chart alone, Esc returns. They
/// work wherever focus is (a button clicked last, a slider), except where a key is typing:
/// in a text field, a select or editable text; and space is left to a checkbox, a radio
/// button or a summary ([`keys_belong_to`]). Not with a modifier held, nor when a key
/// repeats. On a button the shortcut wins over the button's own space (Enter still presses
/// it): both the key's down and up are prevented (Firefox presses a button on space's up).
pub fn use_keyboard_shortcuts(state: AppState) {
    use wasm_bindgen::JsCast;
    let target_keeps = |ev: &leptos::ev::KeyboardEvent| ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|e| keys_belong_to(&e, &ev.key()));
    let space_up = window_event_listener(leptos::ev::keyup, move |ev| {
        if ev.key() == " " && !(ev.ctrl_key() || ev.meta_key() || ev.alt_key()) && !target_keeps(&ev) {
            ev.prevent_default();
        }
    });
    std::mem::forget(space_up);
    let listener = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.repeat() {
            return;
        }
        // Escape closes the settings drawer, else leaves a focused chart, wherever focus is.
        if ev.key() == "Escape" && state.drawer_open.get_untracked() {
            state.drawer_open.set(false);
            return;
        }
        if ev.key() == "Escape" && state.focused.get_untracked().is_some() {
            state.focus(None);
            return;
        }
        if target_keeps(&ev) {
            return;
        }
        // 1–9: the n-th chart alone (again: every chart).
        if let Some(kind) = chart_number(&ev.key()).and_then(|n| state.charts_in_use().get(n - 1).copied()) {
            ev.prevent_default();
            state.focus((state.focused.get_untracked() != Some(kind)).then_some(kind));
            return;
        }
        if let Some(request) = key_request(&ev.key(), state.stats.with_untracked(|s| s.status == "training")) {
            ev.prevent_default();
            state.send(request);
        }
    });
    // For the page's lifetime.
    std::mem::forget(listener);
}

/// `source`, one task later: what reads it runs in a task of its own after a change, not in
/// the change's task (which already re-renders and lays the page out anew).
fn one_task_later<T: Clone + PartialEq + Send + Sync + 'static>(source: Memo<T>) -> ReadSignal<T> {
    let (later, set_later) = signal(source.get_untracked());
    Effect::new(move |_| {
        let value = source.get();
        set_timeout(move || set_later.set(value), std::time::Duration::ZERO);
    });
    later
}

/// The control of one knob, by its kind: a slider (linear or log), a checkbox, a select
/// showing the current value, or a group of checkboxes. `data-testid="knob-<path>"`; the
/// accessible name is the label, a slider's value in words is in `aria-valuetext` (the
/// others show theirs: checked, selected, typed; a group names its ticked boxes in
/// `data-chosen`); disabled with the
/// reason while the setting it depends on is off (a toggle also while turning it on would be
/// refused).
#[component]
fn KnobControl(
    /// The row.
    knob: Knob,
    /// The configuration as JSON (one serialisation per change, shared by every control).
    root: Memo<Value>,
    /// The same, one task later: whether the control is disabled is checked there (for a
    /// toggle, by validating the configuration with it turned on).
    checked: ReadSignal<Value>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let testid = format!("knob-{}", knob.path);
    // Memos: a change elsewhere in the configuration touches neither this control's DOM nor
    // its (for a toggle, validating) check.
    let value = Memo::new({
        let knob = knob.clone();
        move |_| root.with(|r| knob.get(r))
    });
    let why_disabled = Memo::new({
        let knob = knob.clone();
        // A method's toggle is also disabled while turning it on would be refused.
        move |_| checked.with(|r| knob.unavailable_in(r))
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
    let knob_path = knob.path.clone();
    let live = if knob.live { " (live)" } else { "" };
    let title = format!("{}{}", knob.help, if knob.live { " Applies at the next step." } else { " Changing it restarts the run." });
    let control = match knob.kind.clone() {
        // A whole number of a linear range too wide for a slider (the seed, split sizes): a
        // number field.
        KnobKind::Number { min, max, integer: true, scale: Scale::Linear, .. } if max - min > 10_000.0 => {
            let current = move || value.with(|v| v.as_u64().unwrap_or(0)).to_string();
            view! {
                <input type="number" data-testid=testid aria-label=label.clone() min=min max=max step="1" prop:value=current
                    disabled=move || why_disabled.get().is_some()
                    on:change=move |ev| {
                        match event_target_value(&ev).trim().parse::<u64>() {
                            Ok(v) => set.run(Value::from(v)),
                            Err(_) => state.say(format!("{}: use a whole number from {min} to {max}", knob_path)),
                        }
                    } />
            }
            .into_any()
        }
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
                <input type="checkbox" data-testid=testid aria-label=label.clone()
                    prop:checked=on disabled=move || why_disabled.get().is_some()
                    on:change=move |ev| set.run(Value::Bool(event_target_checked(&ev))) />
            }
            .into_any()
        }
        KnobKind::Choice(options) => {
            let current = move || value.with(|v| v.as_str().unwrap_or_default().to_string());
            view! {
                <select data-testid=testid aria-label=label.clone() prop:value=current
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
            view! { <span class="subset" data-testid=testid.clone() role="group" aria-label=label.clone() data-chosen=move || chosen().join(", ")>{boxes}</span> }.into_any()
        }
        KnobKind::Name | KnobKind::OptionalStep => {
            let text = move || value.with(|v| match v { Value::String(s) => s.clone(), Value::Null => String::new(), other => other.to_string() });
            let optional = matches!(knob.kind, KnobKind::OptionalStep);
            view! {
                <input type="text" data-testid=testid aria-label=label.clone() prop:value=text
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
    let info = RwSignal::new(false);
    let help = title.clone();
    view! {
        <div class="control knob" title=title>
            <label>
                <span class="label">{knob.label.clone()}{live}</span>
                {control}
            </label>
            <button type="button" class="info" aria-expanded=move || info.get().to_string() aria-label=format!("about {}", knob.label)
                on:click=move |_| info.update(|on| *on = !*on)>"i"</button>
            <Show when=move || info.get()>
                <small class="help" role="note">{help.clone()}</small>
            </Show>
            <Show when=move || why_disabled.get().is_some()>
                <small class="why">{move || why_disabled.get().unwrap_or_default()}</small>
            </Show>
        </div>
    }
}

/// The rows of one section: the main ones, then the advanced ones folded away.
fn section_view(rows: Vec<Knob>, root: Memo<Value>, checked: ReadSignal<Value>) -> impl IntoView {
    let (more, main): (Vec<Knob>, Vec<Knob>) = rows.into_iter().partition(|k| k.advanced);
    let render = move |rows: Vec<Knob>| rows.into_iter().map(|knob| view! { <KnobControl knob root checked /> }).collect_view();
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
    let checked = one_task_later(root);
    // The rows change only with the modalities (names, count) or the data source's views.
    let rows = Memo::new(move |_| cfg.with(knobs::table));
    let on_preset = move |ev| {
        let name = event_target_value(&ev);
        if let Some(config) = preset(&name) {
            let pace = default_pace(&config);
            state.choose_preset(name, config, pace);
        }
    };
    let section = move |pick: Section| rows.with(|r| r.iter().filter(|k| k.section == pick).cloned().collect::<Vec<_>>());
    // Controls a classroom link hides (`hide=`), and the way to show them again.
    let hides = move |name: &'static str| state.hidden.with(|h| h.iter().any(|n| n == name));
    let methods = move || {
        MethodsConfig::NAMES
            .iter()
            .map(|name| {
                let advice = move || cfg.with(|c| c.methods.advice(c).into_iter().find(|(key, _)| key == name).map(|(_, text)| text));
                view! {
                    <fieldset class="method" data-testid=format!("method-{name}")>
                        {section_view(section(Section::Method(name)), root, checked)}
                        {move || advice().map(|text| view! { <p class="advice" role="note" data-testid=format!("advice-{name}")>{"⚠ "}{text}</p> })}
                    </fieldset>
                }
            })
            .collect_view()
    };
    view! {
        <section class="controls" data-testid="controls">
            <Show when=move || state.hidden.with(|h| !h.is_empty())>
                <p class="hidden-note" role="note">
                    {move || format!("This link hides: {}. ", state.hidden.get().join(", "))}
                    <button type="button" data-testid="show-hidden" on:click=move |_| state.hidden.set(Vec::new())>"Show them"</button>
                </p>
            </Show>
            <label class="control preset" hidden=move || hides("preset") title="A preset is a whole experiment: data, model and training, chosen to show one phenomenon.">
                <span>"Preset"</span>
                <select data-testid="preset" aria-label="preset" on:change=on_preset prop:value=move || state.preset.get()>
                    {PRESETS.iter().map(|p| view! { <option value=p.name>{p.name}</option> }).collect_view()}
                </select>
            </label>
            <LeftRunOffer />
            <StoryCard />
            <button type="button" class="fold" data-testid="fold-settings" aria-expanded=move || (!state.settings_folded.get()).to_string()
                on:click=move |_| { state.settings_folded.update(|f| *f = !*f); state.relayout(); }>
                {move || if state.settings_folded.get() { "Show the settings ▸" } else { "◂ Fold the settings away" }}
            </button>
            <div class="settings-body">
            <div class="settings-group" data-testid="group-data" hidden=move || hides("data")>
                <h2>"Data"</h2>
                <Show when=move || state.mounted(1)>{move || section_view(section(Section::Data), root, checked)}</Show>
            </div>
            <Show when=move || state.mounted(2)>
                <div class="settings-group" data-testid="group-model" hidden=move || hides("model")>
                    <h2>"Model"</h2>
                    {move || section_view(section(Section::Model), root, checked)}
                </div>
                <div class="settings-group" data-testid="group-training" hidden=move || hides("training")>
                    <h2>"Training"</h2>
                    {move || section_view(section(Section::Training), root, checked)}
                </div>
            </Show>
            <Show when=move || state.mounted(3)>
                <div class="settings-group" data-testid="group-methods" hidden=move || hides("methods")>
                    <h2>"Methods (live)"</h2>
                    {methods}
                </div>
                <details class="more">
                    <summary>"metric constants"</summary>
                    {move || section_view(section(Section::Metrics), root, checked)}
                </details>
            </Show>
            </div>
        </section>
    }
}

/// Smoothing (each chart has its own log-scale switch).
#[component]
pub fn ViewControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="view-controls">
            <Slider label="smoothing" title="TensorBoard-style debiased exponential moving average of each curve; hover a chart for the raw values."
                testid="smoothing" min=0.0 max=0.99 step=0.01 value=Signal::derive(move || state.smoothing.get())
                on_change=Callback::new(move |v: f64| state.smoothing.set(v)) />
        </div>
    }
}
