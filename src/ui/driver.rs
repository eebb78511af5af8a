//! The page's loop (`use_page_loop`): sends the start request, then every animation frame
//! reads the engine host's messages into the signals and schedules chart redraws (one chart
//! per frame). It never sees the session: only [`crate::protocol`] messages.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::browser::{next_frame, now_ms};
use crate::engine::metrics::History;
use crate::plot::ChartKind;
use crate::protocol::{Message, Request};
use crate::ui::state::{AppState, Comparison, LoopStats};

/// A redraw cycle (one chart per frame) starts at most this often, in ms.
const REDRAW_EVERY_MS: f64 = 100.0;

struct PageLoop {
    state: AppState,
    drawn_points: usize,
    charts_to_redraw: usize,
    last_redraw: f64,
    test_hooks: bool,
}

impl PageLoop {
    fn receive(&mut self, message: Message) {
        let state = &self.state;
        match message {
            Message::RunStarted { modalities } => {
                state.history.set(AppState::chart_history());
                self.drawn_points = usize::MAX;
                state.modalities.set(modalities);
            }
            Message::Config { config, revision } => {
                // An echo of an earlier request than the latest sent is stale: the latest
                // one's echo is on its way.
                if revision == state.config_revision.get_value() && state.config.with_untracked(|shown| shown != &*config) {
                    state.config.set(*config);
                }
            }
            Message::Evaluation(evaluation) => {
                if self.test_hooks {
                    publish_for_tests("__modalscopeEvaluations", &evaluation.to_json().to_string());
                }
                state.history.update(|h| h.push(*evaluation));
                if state.stats.with_untracked(|s| s.first_point_ms.is_none()) {
                    state.stats.update(|s| s.first_point_ms = Some(now_ms()));
                }
            }
            Message::ComparisonStarted { a, modalities } => {
                state.comparison.set(Some(Comparison { a: *a, modalities, history: AppState::chart_history() }));
                state.runs_changed.update(|n| *n += 1);
                self.drawn_points = usize::MAX;
            }
            Message::EvaluationA(evaluation) => {
                if self.test_hooks {
                    publish_for_tests("__modalscopeEvaluationsA", &evaluation.to_json().to_string());
                }
                state.comparison.update(|c| {
                    if let Some(c) = c {
                        c.history.push(*evaluation);
                    }
                });
            }
            Message::ComparisonEnded(why) => {
                state.comparison.set(None);
                state.runs_changed.update(|n| *n += 1);
                self.drawn_points = usize::MAX;
                state.say(why);
            }
            Message::Status(status) => {
                let next = |s: &LoopStats| LoopStats {
                    step: status.step,
                    total_steps: status.total_steps,
                    status: status.state.clone(),
                    steps_per_second: status.steps_per_second,
                    max_chunk_ms: status.max_chunk_ms,
                    startup_evaluation_ms: status.startup_evaluation_ms,
                    first_point_ms: s.first_point_ms,
                    evaluation_share: status.evaluation_share,
                    engine_memory_bytes: status.engine_memory_bytes,
                    a: status.a.clone(),
                };
                if state.stats.with_untracked(|s| next(s) != *s) {
                    state.stats.update(|s| *s = next(s));
                }
                if state.notice_state.with_value(|noticed| noticed.as_ref().is_some_and(|n| *n != status.state)) {
                    state.notice_state.set_value(None);
                    state.notice.set(None);
                }
            }
            Message::Backend(info) => {
                state.engine_loading.set(None);
                state.backend.set(Some(info));
            }
            Message::Notice(text) => {
                state.notice_state.set_value(Some(state.stats.with_untracked(|s| s.status.clone())));
                state.notice.set(Some(text));
            }
            Message::Metrics { format, text } => state.offer_download(format.file_name(), &text, format.mime()),
            Message::Data(csv) => state.offer_download("splits.csv", &csv, "text/csv"),
            Message::EngineLoading { loaded, total } => {
                if state.engine_loading.get_untracked().is_some() {
                    state.engine_loading.set(Some((loaded, total)));
                }
            }
            Message::EngineFailed(detail) => crate::ui::panic::engine_stopped(&detail),
        }
    }

    /// Starts a redraw cycle when new points arrived (at most every `REDRAW_EVERY_MS`) and
    /// redraws one chart of the cycle per frame.
    fn redraw_next_chart(&mut self) {
        // B's points and A's: past a B that stopped by itself, A's alone still arrive.
        let points = self.state.history.with_untracked(History::received)
            + self.state.comparison.with_untracked(|c| c.as_ref().map_or(0, |c| c.history.received()));
        if self.charts_to_redraw == 0 && points != self.drawn_points && now_ms() - self.last_redraw >= REDRAW_EVERY_MS {
            self.charts_to_redraw = ChartKind::COUNT;
            self.drawn_points = points;
            self.last_redraw = now_ms();
        }
        if self.charts_to_redraw > 0 {
            let chart = ChartKind::COUNT - self.charts_to_redraw;
            self.charts_to_redraw -= 1;
            self.state.redraw.update(|(generation, index)| {
                *generation += 1;
                *index = chart;
            });
        }
    }
}

/// Under `?test-hooks`, appends an evaluation (the CLI's `metrics.jsonl` object) to
/// `window[list]` (`__modalscopeEvaluations`, A/B's A: `__modalscopeEvaluationsA`), so that
/// specs can compare numbers, not pixels.
fn publish_for_tests(list: &str, json: &str) {
    let Some(window) = web_sys::window() else { return };
    let key = JsValue::from_str(list);
    let list = js_sys::Reflect::get(&window, &key).ok().filter(|v| v.is_object()).unwrap_or_else(|| {
        let list = js_sys::Array::new();
        let _ = js_sys::Reflect::set(&window, &key, &list);
        list.into()
    });
    if let (Ok(value), Ok(list)) = (js_sys::JSON::parse(json), list.dyn_into::<js_sys::Array>()) {
        list.push(&value);
    }
}

/// Pauses the run while the page's tab is hidden (a lecturer switching to the slides comes
/// back to the run where it was) and plays it again when the tab shows, if the hiding paused
/// it: a run paused by hand stays paused.
fn pause_while_hidden(state: AppState) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let paused_by_hiding = std::cell::Cell::new(false);
    let on_change = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
        if hidden && state.stats.with_untracked(|s| s.status == "training") {
            paused_by_hiding.set(true);
            state.send(Request::Pause);
        } else if !hidden && paused_by_hiding.replace(false) {
            state.send(Request::Play);
        }
    });
    let _ = document.add_event_listener_with_callback("visibilitychange", on_change.as_ref().unchecked_ref());
    on_change.forget(); // for the page's lifetime
}

/// Starts the page's loop for the page's lifetime.
pub fn use_page_loop(state: AppState) {
    pause_while_hidden(state);
    wasm_bindgen_futures::spawn_local(async move {
        let options = state.options.get_value();
        state.send(Request::Start {
            config: Box::new(state.config.get_untracked()),
            prefer_cpu: options.prefer_cpu,
            test_hooks: options.test_hooks,
            pace: state.pace.get_untracked(),
            play: state.play_on_open.get_untracked(),
        });
        let mut page = PageLoop { state, drawn_points: 0, charts_to_redraw: 0, last_redraw: 0.0, test_hooks: options.test_hooks };
        loop {
            for message in state.handle.with_value(|handle| handle.receive()) {
                page.receive(message);
            }
            page.redraw_next_chart();
            next_frame().await;
        }
    });
}
