//! "Pinned runs and A/B": pin the current run to keep it drawn (thin, light, under its name) on every
//! chart after a change; rename, hide, delete, reopen and download the pinned runs, which the
//! browser keeps across reloads ([`crate::runs`], `localStorage`); and A/B, which keeps the
//! settings of now as A and trains them beside B, the controls' settings, listing what differs.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::engine::config::knobs::differences;
use crate::protocol::{MetricsFormat, Request};
use crate::runs::{MAX_RUNS, PinnedRun, Pins, STORE_KEY};
use crate::ui::state::AppState;

/// The window's `localStorage` (absent or refused: a sandboxed frame, storage turned off).
fn local_storage() -> Result<JsValue, String> {
    let window = web_sys::window().ok_or("no window")?;
    let storage = js_sys::Reflect::get(&window, &JsValue::from_str("localStorage")).map_err(|e| format!("{e:?}"))?;
    if storage.is_object() { Ok(storage) } else { Err("this browser gives the page no localStorage".into()) }
}

/// Calls `storage.<method>(args…)`.
fn storage_call(method: &str, args: &[&str]) -> Result<JsValue, String> {
    let storage = local_storage()?;
    let function: js_sys::Function = js_sys::Reflect::get(&storage, &JsValue::from_str(method)).map_err(|e| format!("{e:?}"))?.dyn_into().map_err(|_| format!("no {method}"))?;
    let args: js_sys::Array = args.iter().map(|a| JsValue::from_str(a)).collect();
    function.apply(&storage, &args).map_err(|e| js_sys::Reflect::get(&e, &JsValue::from_str("message")).ok().and_then(|m| m.as_string()).unwrap_or_else(|| format!("{e:?}")))
}

/// Reads the pinned runs the browser kept (once, at start) and keeps the store equal to
/// them from then on; what could not be read or written is said.
pub fn use_pin_store(state: AppState) {
    let (pins, dropped) = match storage_call("getItem", &[STORE_KEY]) {
        Ok(text) => Pins::from_text(text.as_string().as_deref()),
        Err(e) => (Pins::default(), vec![format!("pinned runs are not kept across reloads here ({e})")]),
    };
    if !dropped.is_empty() {
        let said = dropped.join("; ");
        let short: String = said.chars().take(300).collect();
        state.say(format!("Pinned runs: {short}{}.", if short.len() < said.len() { "…" } else { "" }));
    }
    state.pins.set(pins);
    Effect::new(move |_| {
        let text = state.pins.with(Pins::to_text);
        if let Err(e) = storage_call("setItem", &[STORE_KEY, &text]) {
            state.say(format!("The pinned runs could not be saved in this browser ({e}): they last until the page closes."));
        }
    });
}

/// Pins `run`, or says why not.
fn pin(state: AppState, run: PinnedRun) {
    if run.evaluations.is_empty() {
        return state.say("Nothing to pin yet: the run has no evaluation.".into());
    }
    let mut pins = state.pins.get_untracked();
    match pins.pin(run) {
        Ok(_) => {
            state.pins.set(pins);
            state.runs_changed.update(|n| *n += 1);
        }
        Err(e) => state.say(format!("Not pinned: {e}.")),
    }
}

/// Offers `history` as `name`: the CLI's `metrics.jsonl` (`jsonl`) or the page's metrics CSV.
fn offer_metrics(state: AppState, name: &str, history: &crate::engine::metrics::History, jsonl: bool) {
    let format = if jsonl { MetricsFormat::Jsonl } else { MetricsFormat::Csv };
    let text = if jsonl { history.to_jsonl() } else { history.to_csv() };
    state.offer_download(name, &text, format.mime());
}

/// Changes pinned run `id` (rename, show or hide) and redraws the charts.
fn change_pin(state: AppState, id: u64, change: impl FnOnce(&mut PinnedRun)) {
    state.pins.update(|pins| {
        if let Some(run) = pins.get_mut(id) {
            change(run);
        }
    });
    state.runs_changed.update(|n| *n += 1);
}

/// One line of facts about a pinned run: its preset, its evaluations and how it ended.
fn facts(run: &PinnedRun) -> String {
    let last = run.evaluations.last().map(|e| format!(", fused validation accuracy {:.1} % at step {}", e.fused().val_acc * 100.0, e.step)).unwrap_or_default();
    format!("{}, {} evaluations{last}", run.preset, run.evaluations.len())
}

/// A pinned run's row: its name (editable), shown, facts, reopen, downloads, delete.
fn pin_row(state: AppState, run: PinnedRun) -> impl IntoView {
    let id = run.id;
    let (name, shown, facts) = (run.name.clone(), run.shown, facts(&run));
    let rename = move |ev: leptos::ev::Event| {
        let name: String = event_target_value(&ev).trim().chars().take(60).collect();
        if !name.is_empty() {
            change_pin(state, id, |r| r.name = name);
        }
    };
    let download = move |jsonl: bool| {
        let Some((name, history)) = state.pins.with_untracked(|p| p.get(id).map(|r| (r.file_name(if jsonl { "jsonl" } else { "csv" }), r.history()))) else { return };
        offer_metrics(state, &name, &history, jsonl);
    };
    let reopen = move |_| {
        let Some(run) = state.pins.with_untracked(|p| p.get(id).cloned()) else { return };
        state.preset.set(run.preset);
        state.configure(|c| *c = run.config);
    };
    let delete = move |_| {
        state.pins.update(|p| p.remove(id));
        state.runs_changed.update(|n| *n += 1);
    };
    view! {
        <li class="pin" data-testid=format!("pin-{id}")>
            <span class="swatch pinned" aria-hidden="true"></span>
            <input type="text" class="pin-name" data-testid=format!("pin-name-{id}") aria-label="Name of this pinned run (legends and tooltips use it)"
                prop:value=name.clone() on:change=rename />
            <label class="toggle" title="Draw this pinned run on the charts">
                <input type="checkbox" data-testid=format!("pin-shown-{id}") prop:checked=shown
                    on:change=move |ev| { let on = event_target_checked(&ev); change_pin(state, id, |r| r.shown = on); } />
                "shown"
            </label>
            <span class="pin-facts">{facts}</span>
            <button type="button" data-testid=format!("pin-reopen-{id}") title="Put this pinned run's settings (and preset) in the controls: the run restarts with them."
                on:click=reopen>"Settings"</button>
            <button type="button" data-testid=format!("pin-jsonl-{id}") title="Its evaluations as the CLI's metrics.jsonl" on:click=move |_| download(true)>"JSONL"</button>
            <button type="button" data-testid=format!("pin-csv-{id}") title="Its evaluations as CSV, a column per number" on:click=move |_| download(false)>"CSV"</button>
            <button type="button" data-testid=format!("pin-delete-{id}") aria-label=format!("Delete the pinned run {name}") on:click=delete>"Delete"</button>
        </li>
    }
}

/// What differs between A and B, in words.
fn differences_text(state: AppState) -> Option<String> {
    state.comparison.with(|c| {
        let a = &c.as_ref()?.a;
        let listed = state.config.with(|b| differences(a, b));
        Some(match listed.as_slice() {
            [] => "A and B have the same settings: they train identically. Change one setting: B takes it and both restart.".to_string(),
            _ => format!("B differs from A in: {}.", listed.iter().map(|d| format!("{} {} → {}", d.label, d.from, d.to)).collect::<Vec<_>>().join("; ")),
        })
    })
}

/// The A/B part: the differences, where A stands, pin or download A.
#[component]
fn ComparisonPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let a_status = move || state.stats.with(|s| s.a.as_ref().map(|(step, word)| format!("A: step {step}, {word}")).unwrap_or_else(|| "A: starting".into()));
    let pin_a = move |_| {
        let Some((config, modalities, evaluations)) = state.comparison.with_untracked(|c| c.as_ref().map(|c| (c.a.clone(), c.modalities.clone(), c.history.points().to_vec()))) else { return };
        pin(state, PinnedRun::new(state.preset.get_untracked(), config, modalities, &evaluations));
    };
    let outcome = move || state.comparison.with(|c| c.as_ref().and_then(|c| state.history.with(|h| crate::runs::ab_outcome(c.history.points(), h.points())))).unwrap_or_default();
    let download_a = move |jsonl: bool| {
        let Some(history) = state.comparison.with_untracked(|c| c.as_ref().map(|c| c.history.clone())) else { return };
        offer_metrics(state, if jsonl { "metrics-A.jsonl" } else { "metrics-A.csv" }, &history, jsonl);
    };
    move || {
        state.comparison.with(Option::is_some).then(|| view! {
            <div class="ab" data-testid="ab-panel" role="group" aria-label="A/B comparison">
                <details class="ab-what">
                    <summary>"Charts: A light, B solid, B − A on a small axis of its own under each chart (in the contribution chart, in each modality's plot)."</summary>
                    "A keeps the settings you had; B follows the controls. Both train in turn on this backend from the same data, initial weights and batch order, and restart together when B changes."
                </details>
                <p class="ab-differences" data-testid="ab-differences">{move || differences_text(state).unwrap_or_default()}</p>
                <p class="ab-outcome" data-testid="ab-outcome">{outcome}</p>
                <p class="ab-status"><span data-testid="ab-a-status">{a_status}</span>
                    " " <button type="button" data-testid="ab-pin-a" on:click=pin_a>"Pin A"</button>
                    " " <button type="button" data-testid="ab-a-jsonl" on:click=move |_| download_a(true)>"A's metrics (JSONL)"</button>
                    " " <button type="button" data-testid="ab-a-csv" on:click=move |_| download_a(false)>"A's metrics (CSV)"</button>
                </p>
            </div>
        })
    }
}

/// "Pinned runs and A/B": the pin and A/B buttons, the A/B panel while comparing, and the
/// list of pinned runs.
#[component]
pub fn RunsPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let comparing = move || state.comparison.with(Option::is_some);
    let no_points = move || state.history.with(|h| h.points().is_empty());
    let pin_current = move |_| {
        let evaluations = state.history.with_untracked(|h| h.points().to_vec());
        pin(state, PinnedRun::new(state.preset.get_untracked(), state.config.get_untracked(), state.modalities.get_untracked(), &evaluations));
    };
    let toggle_ab = move |_| match comparing() {
        true => state.send(Request::Compare(None)),
        false => state.send(Request::Compare(Some(Box::new(state.config.get_untracked())))),
    };
    let rows = move || {
        state.pins.with(|p| p.runs().to_vec()).into_iter().map(|run| pin_row(state, run)).collect_view()
    };
    let count = move || state.pins.with(|p| p.runs().len());
    view! {
        <section class="runs" data-testid="runs-panel" aria-label="Pinned runs and A/B">
            <div class="runs-actions">
                <button type="button" data-testid="pin-run" disabled=no_points on:click=pin_current
                    title="Keep this run: it stays drawn on every chart (thin, light, under its name) while you change settings, and across reloads.">
                    {move || if comparing() { "Pin B" } else { "Pin this run" }}
                </button>
                <button type="button" data-testid="ab-toggle" aria-pressed=move || comparing().to_string() on:click=toggle_ab
                    title="A/B: keep the settings of now as A and train them beside B, which follows the controls; both restart at step 0. Change one setting to see what it does.">
                    {move || if comparing() { "End A/B" } else { "A/B compare" }}
                </button>
                <span class="pin-count">{move || match count() { 0 => String::new(), n => format!("{n} of {MAX_RUNS} pinned") }}</span>
            </div>
            <ComparisonPanel />
            <ul class="pins" data-testid="pins">{rows}</ul>
        </section>
    }
}

/// After a preset choice: the run it left, in one line, with "Pin the previous run" (one
/// click keeps it drawn beside the fresh run) and a close button.
#[component]
pub fn LeftRunOffer() -> impl IntoView {
    let state = expect_context::<AppState>();
    let facts = move || {
        state.left_run.with(|left| {
            left.as_ref().map(|run| {
                let last = run.evaluations.last().map(|e| format!(" at step {} (fused model {:.0} % on validation)", e.step, e.fused().val_acc * 100.0));
                format!("A fresh run of “{}” started; the previous run, of “{}”, stopped{}. ", state.preset.get(), run.preset, last.unwrap_or_default())
            })
        })
    };
    let pin_left = move |_| {
        if let Some(run) = state.left_run.get_untracked() {
            pin(state, run);
        }
        state.left_run.set(None);
    };
    view! {
        <Show when=move || state.left_run.with(Option::is_some)>
            <p class="left-run" role="status" data-testid="left-run">
                {facts}
                <button type="button" data-testid="pin-left-run" on:click=pin_left
                    title="Keep the previous run drawn on every chart (thin, light, under its preset's name) beside the fresh one, and across reloads.">
                    "Pin the previous run"
                </button>
                <button type="button" class="close" data-testid="dismiss-left-run" aria-label="Dismiss" on:click=move |_| state.left_run.set(None)>"✕"</button>
            </p>
        </Show>
    }
}
