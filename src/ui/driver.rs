//! The training loop in the page (`use_training_loop`): runs steps in chunks of about a
//! frame, yields to the browser between chunks, evaluates when due (one asynchronous
//! readback) and publishes plain data to the signals.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::engine::config::{ConfigError, DataSource, ExperimentConfig};
use crate::engine::device::{BackendKind, ComputeDevice};
use crate::engine::metrics::{Evaluation, Event, History};
use crate::engine::session::{Command, Outcome, Session};
use crate::plot::ChartKind;
use crate::ui::backend::{self, BackendInfo};
use crate::ui::page_options;
use crate::ui::state::{AppState, LoopStats, UiCommand};

/// Target duration of one chunk of steps, in ms (most of a 60 Hz frame).
const CHUNK_BUDGET_MS: f64 = 12.0;

/// A redraw cycle (one chart per frame) starts at most this often, in ms.
const REDRAW_EVERY_MS: f64 = 100.0;

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Resolves at the next animation frame (yields to the browser).
async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(&resolve);
        }
    });
    let _ = JsFuture::from(promise).await;
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| format!("{e:?}"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not a response")?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(|e| format!("{e:?}"))?).await.map_err(|e| format!("{e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

struct Driver {
    state: AppState,
    session: Session,
    cpu: ComputeDevice,
    gpu: Option<ComputeDevice>,
    gpu_label: String,
    mfeat_loaded: bool,
    ms_per_step: f64,
    drawn_points: usize,
    charts_to_redraw: usize,
    last_redraw: f64,
    rate_window: (f64, usize),
    test_hooks: bool,
}

impl Driver {
    async fn ensure_mfeat(&mut self, config: &ExperimentConfig) -> Result<(), String> {
        if config.data.source == DataSource::Mfeat && !self.mfeat_loaded {
            self.session.provide_mfeat(fetch_bytes("assets/mfeat.bin").await?);
            self.mfeat_loaded = true;
        }
        Ok(())
    }

    fn publish_run(&mut self) {
        self.state.history.set(History::default());
        self.drawn_points = usize::MAX;
        self.state.modalities.set(self.session.trainer().data().modality_names.clone());
    }

    async fn handle(&mut self, command: UiCommand) {
        let command = match command {
            UiCommand::Configure(config) => {
                if let Err(e) = self.ensure_mfeat(&config).await {
                    self.state.notice.set(Some(format!("could not load the mfeat data: {e}")));
                    return;
                }
                Command::Configure(config)
            }
            UiCommand::Play => Command::Play,
            UiCommand::Pause => Command::Pause,
            UiCommand::StepOnce => Command::Step,
            UiCommand::Reset => Command::Reset,
            UiCommand::SwitchBackend(kind) => return self.switch(kind, "you switched backend"),
        };
        let outcome = self.session.apply(command);
        self.show_outcome(outcome);
    }

    fn show_outcome(&mut self, outcome: Result<Outcome, ConfigError>) {
        match outcome {
            Ok(Outcome::Unchanged) => {}
            Ok(Outcome::Changed(notice)) => self.state.notice.set(Some(capitalised(&notice))),
            Ok(Outcome::Refused(why)) => self.state.notice.set(Some(capitalised(&why))),
            Ok(Outcome::Restarted(why)) => {
                self.publish_run();
                self.state.notice.set(Some(capitalised(&why)));
            }
            Err(e) => self.state.notice.set(Some(e.0)),
        }
    }

    fn switch(&mut self, kind: BackendKind, reason: &str) {
        let target = match (kind, &self.gpu) {
            (BackendKind::WebGpu, Some(gpu)) => gpu.clone(),
            (BackendKind::WebGpu, None) => {
                self.state.notice.set(Some("WebGPU is not available in this browser".into()));
                return;
            }
            (BackendKind::Cpu, _) => self.cpu.clone(),
        };
        self.session.switch_device(target, reason);
        let resumed = self.session.trainer().step_count();
        self.state.backend.set(Some(backend::info_for(kind, &self.gpu_label, self.gpu.is_some(), reason)));
        self.state.notice.set(Some(format!(
            "Now on the {}: {reason}; the run continues from the snapshot of step {resumed} (the optimizer state restarts).",
            kind_name(kind)
        )));
        self.rate_window = (now_ms(), 0);
    }

    fn on_evaluation(&mut self, result: Result<Evaluation, String>, elapsed: f64) {
        match result {
            Ok(evaluation) => {
                for event in &evaluation.events {
                    if let Event::Divergence { suggestion, .. } = event {
                        self.state.notice.set(Some(format!("Training diverged: {suggestion}.")));
                    }
                    if let Event::EarlyStop { best_step, .. } = event {
                        self.state.notice.set(Some(format!("Early stopping: no better validation loss for the patience window; restored the weights of step {best_step}.")));
                    }
                }
                if self.test_hooks {
                    publish_for_tests(&evaluation.to_json().to_string());
                }
                self.state.history.update(|h| h.push(evaluation));
                self.state.stats.update(|s| {
                    if s.first_point_ms.is_some() {
                        s.max_chunk_ms = s.max_chunk_ms.max(elapsed);
                    } else {
                        s.startup_evaluation_ms = elapsed;
                        s.first_point_ms = Some(now_ms());
                    }
                });
            }
            Err(e) if self.session.trainer().compute().kind == BackendKind::WebGpu => {
                self.gpu = None;
                self.switch(BackendKind::Cpu, &format!("the GPU device was lost ({e})"));
            }
            Err(e) => {
                let _ = self.session.apply(Command::Pause);
                self.state.notice.set(Some(format!("Evaluation failed: {e}")));
            }
        }
    }

    /// One animation frame of work: the due evaluation and chunks of steps until the frame
    /// budget is spent (each chunk as many steps as fit, by the measured time per step), then
    /// at most one chart redraw per `REDRAW_EVERY_MS`.
    async fn frame(&mut self) {
        let started = now_ms();
        let mut steps_left = self.state.max_steps_per_frame.get_untracked().max(1);
        loop {
            let spent = now_ms() - started;
            if spent >= CHUNK_BUDGET_MS || steps_left == 0 {
                break;
            }
            let fits = (((CHUNK_BUDGET_MS - spent) / self.ms_per_step.max(1e-3)) as usize).max(1);
            let chunk_started = now_ms();
            let advanced = self.session.advance(fits.min(steps_left)).await;
            let elapsed = now_ms() - chunk_started;
            if let Some(result) = advanced.evaluation {
                self.on_evaluation(result, elapsed);
                continue;
            }
            if advanced.steps == 0 {
                break;
            }
            self.ms_per_step = 0.7 * self.ms_per_step + 0.3 * elapsed / advanced.steps as f64;
            self.rate_window.1 += advanced.steps;
            self.state.stats.update(|s| s.max_chunk_ms = s.max_chunk_ms.max(elapsed));
            steps_left -= advanced.steps.min(steps_left);
        }
        self.redraw_next_chart();
        self.publish_stats();
    }

    /// Starts a redraw cycle when new points arrived (at most every `REDRAW_EVERY_MS`) and
    /// redraws one chart of the cycle per frame.
    fn redraw_next_chart(&mut self) {
        let points = self.state.history.with_untracked(|h| h.points().len());
        if self.charts_to_redraw == 0 && points != self.drawn_points && now_ms() - self.last_redraw >= REDRAW_EVERY_MS {
            self.charts_to_redraw = ChartKind::ALL.len();
            self.drawn_points = points;
            self.last_redraw = now_ms();
        }
        if self.charts_to_redraw > 0 {
            let chart = ChartKind::ALL.len() - self.charts_to_redraw;
            self.charts_to_redraw -= 1;
            self.state.redraw.update(|(generation, index)| {
                *generation += 1;
                *index = chart;
            });
        }
    }

    fn publish_stats(&mut self) {
        let t = now_ms();
        let (since, steps) = self.rate_window;
        let rate = if t - since >= 1000.0 {
            self.rate_window = (t, 0);
            Some(steps as f64 * 1000.0 / (t - since))
        } else {
            None
        };
        let trainer = self.session.trainer();
        let (step, total) = (trainer.step_count(), trainer.total_steps());
        let status = self.session.state().word().to_string();
        let next = |s: &LoopStats| LoopStats {
            step,
            total_steps: total,
            status: status.clone(),
            steps_per_second: rate.unwrap_or(s.steps_per_second),
            ..s.clone()
        };
        if self.state.stats.with_untracked(|s| next(s) != *s) {
            self.state.stats.update(|s| *s = next(s));
        }
    }
}

/// Under `?test-hooks`, appends an evaluation (the CLI's `metrics.jsonl` object) to
/// `window.__modalscopeEvaluations`, so that specs can compare numbers, not pixels.
fn publish_for_tests(json: &str) {
    let Some(window) = web_sys::window() else { return };
    let key = JsValue::from_str("__modalscopeEvaluations");
    let list = js_sys::Reflect::get(&window, &key).ok().filter(|v| v.is_object()).unwrap_or_else(|| {
        let list = js_sys::Array::new();
        let _ = js_sys::Reflect::set(&window, &key, &list);
        list.into()
    });
    if let (Ok(value), Ok(list)) = (js_sys::JSON::parse(json), list.dyn_into::<js_sys::Array>()) {
        list.push(&value);
    }
}

/// The sentence with its first letter in capitals (the engine's notices are clauses).
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn kind_name(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Cpu => "CPU",
        BackendKind::WebGpu => "WebGPU",
    }
}

/// Starts the loop for the page's lifetime.
pub fn use_training_loop(state: AppState) {
    wasm_bindgen_futures::spawn_local(async move {
        let options = state.options.get_value();
        let (compute, gpu, info) = backend::choose(options.prefer_cpu).await;
        let gpu_label = backend::gpu_label();
        state.backend.set(Some(info.clone()));
        let config = state.config.get_untracked();
        let session = match Session::new(config, compute, None) {
            Ok(session) => session,
            Err(e) => {
                state.notice.set(Some(e.0));
                return;
            }
        };
        let mut driver = Driver {
            state,
            session,
            cpu: ComputeDevice::cpu(),
            gpu,
            gpu_label,
            mfeat_loaded: false,
            ms_per_step: 5.0,
            drawn_points: 0,
            charts_to_redraw: 0,
            last_redraw: 0.0,
            rate_window: (now_ms(), 0),
            test_hooks: options.test_hooks,
        };
        driver.publish_run();
        let _ = driver.session.apply(Command::Play);
        announce_backend(&info);
        loop {
            let queue: Rc<RefCell<VecDeque<UiCommand>>> = state.commands.get_value();
            let pending: Vec<UiCommand> = queue.borrow_mut().drain(..).collect();
            for command in pending {
                driver.handle(command).await;
            }
            if options.test_hooks && page_options::js_flag("__modalscopePanicRequested") {
                panic!("a panic requested through ?test-hooks (window.__modalscopeTestHooks.panic())");
            }
            driver.frame().await;
            next_frame().await;
        }
    });
}

fn announce_backend(info: &BackendInfo) {
    web_sys::console::log_1(&JsValue::from_str(&format!("modalscope backend: {} ({})", info.label, info.reason)));
}
