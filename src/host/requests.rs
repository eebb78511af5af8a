//! The host's state and what it does with the page's requests: configure, play, pause,
//! compare (A/B), switch backends, and the evaluations' notices.

use crate::browser::{fetch_bytes, js_flag, now_ms, sleep_ms, yield_now};
use crate::engine::config::{DataSource, ExperimentConfig};
use crate::engine::device::{BackendKind, ComputeDevice};
use crate::engine::metrics::{Evaluation, Event};
use crate::engine::session::{Command, GroupOutcome, Outcome, RunGroup, Session};
use crate::protocol::{Backend, HostEnd, Message, MetricsFormat, Request, Status};

use super::backend;
use super::pacing::FRAME_MS;
use super::status::RateWindow;

pub(super) struct Host {
    pub(super) end: HostEnd,
    /// The run the controls steer (B during A/B) and, during A/B, A following it.
    pub(super) group: RunGroup,
    pub(super) cpu: ComputeDevice,
    pub(super) gpu: Option<ComputeDevice>,
    pub(super) gpu_label: String,
    pub(super) mfeat_loaded: bool,
    /// Measured ms per step of each run of the group.
    pub(super) ms_per_step: Vec<f64>,
    /// Evaluations per second the pace control allows; `None`: as fast as it goes.
    pub(super) pace: Option<f64>,
    /// Steps the pace allows now, refilled at `pace` × the evaluation interval per second.
    pub(super) allowance: f64,
    pub(super) refilled_at: f64,
    pub(super) rate_window: RateWindow,
    pub(super) status: Status,
    /// The status the page last got, and when.
    pub(super) status_sent: Status,
    pub(super) status_sent_at: f64,
    pub(super) evaluated_once: bool,
    /// The revision of the page's last configure request ([`Request::Configure`]).
    pub(super) revision: u64,
}

/// A/B's B: the group's lead. A ([`Request::Compare`]) is its first follower.
pub(super) const B: usize = 0;

/// The sentence with its first letter in capitals (the engine's notices are clauses).
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The engine module's entry, after its static constructors ran: forwards panics to the
/// page, then starts the host on the worker's end of the link.
pub fn run_in_worker() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        crate::browser::report_engine_failure(&format!("{info}"));
    }));
    start(crate::browser::page_link());
}

/// Starts the host for the worker's lifetime: it waits for [`Request::Start`], picks the
/// backend, builds the session, starts playing (unless asked not to) and then serves
/// requests between chunks.
pub fn start(end: HostEnd) {
    wasm_bindgen_futures::spawn_local(async move {
        // Requests that arrive with or before the start (a setting changed while the engine
        // loaded) are served once the session runs, in order.
        let mut early = Vec::new();
        let (config, prefer_cpu, test_hooks, pace, play) = loop {
            let mut start = None;
            for request in end.receive() {
                match request {
                    Request::Start { config, prefer_cpu, test_hooks, pace, play } if start.is_none() => start = Some((*config, prefer_cpu, test_hooks, pace, play)),
                    other => early.push(other),
                }
            }
            if let Some(start) = start {
                break start;
            }
            sleep_ms(FRAME_MS).await;
        };
        let (compute, gpu, info) = backend::choose(prefer_cpu).await;
        web_sys::console::log_1(&format!("modalscope backend: {} ({})", info.label, info.reason).into());
        end.send(Message::Backend(info));
        let mfeat = match config.data.source {
            DataSource::Mfeat => fetch_bytes("assets/mfeat.bin").await.ok(),
            DataSource::Synthetic => None,
        };
        let mfeat_loaded = mfeat.is_some();
        let session = match Session::new(config, compute, mfeat) {
            Ok(session) => session,
            Err(e) => return end.send(Message::Notice(e.0)),
        };
        let mut host = Host {
            end,
            group: RunGroup::new(session),
            cpu: ComputeDevice::cpu(),
            gpu,
            gpu_label: backend::gpu_label(),
            mfeat_loaded,
            ms_per_step: vec![5.0],
            pace,
            allowance: 0.0,
            refilled_at: now_ms(),
            rate_window: RateWindow::starting_now(),
            status: Status::default(),
            status_sent: Status::default(),
            status_sent_at: 0.0,
            evaluated_once: false,
            revision: 0,
        };
        if play {
            let _ = host.group.apply(Command::Play);
        }
        for request in early {
            host.handle(request).await;
        }
        // After the early requests: announced before them, the start's configuration would
        // show for a moment in place of a setting the user changed while the engine loaded.
        host.announce_run();
        loop {
            for request in host.end.receive() {
                host.handle(request).await;
            }
            if test_hooks && js_flag("__modalscopePanicRequested") {
                panic!("a panic requested through ?test-hooks (window.__modalscopeTestHooks.panic())");
            }
            match host.chunk().await {
                wait if wait > 0.0 => sleep_ms(wait).await,
                _ => yield_now().await,
            }
        }
    });
}

impl Host {
    async fn ensure_mfeat(&mut self, config: &ExperimentConfig) -> Result<(), String> {
        if config.data.source == DataSource::Mfeat && !self.mfeat_loaded {
            self.group.lead_mut().provide_mfeat(fetch_bytes("assets/mfeat.bin").await?);
            self.mfeat_loaded = true;
        }
        Ok(())
    }

    /// A configure request's configuration, once what it needs is loaded (its revision
    /// kept); `None` where that failed, said, with the running configuration echoed.
    async fn configuration(&mut self, config: Box<ExperimentConfig>, revision: u64) -> Option<Box<ExperimentConfig>> {
        self.revision = revision;
        if let Err(e) = self.ensure_mfeat(&config).await {
            self.notice(format!("could not load the mfeat data: {e}"));
            self.echo_config();
            return None;
        }
        Some(config)
    }

    /// A sentence for the user, after the status it describes: the page clears a notice
    /// when the run's state changes from the one it arrived in.
    pub(super) fn notice(&mut self, text: String) {
        self.publish_status();
        self.end.send(Message::Notice(text));
    }

    /// Tells the page the configuration that runs, with the revision of the page's last
    /// configure request.
    fn echo_config(&self) {
        self.end.send(Message::Config { config: Box::new(self.group.lead().config().clone()), revision: self.revision });
    }

    fn announce_run(&self) {
        self.end.send(Message::RunStarted { modalities: self.group.lead().modality_names().to_vec() });
        self.echo_config();
    }

    async fn handle(&mut self, request: Request) {
        let command = match request {
            Request::Start { .. } => return, // only the first request starts the host
            Request::Configure { config, revision } => match self.configuration(config, revision).await {
                Some(config) => Command::Configure(config),
                None => return,
            },
            Request::Fresh { config, revision } => match self.configuration(config, revision).await {
                Some(config) => Command::Fresh(config),
                None => return,
            },
            Request::Play => Command::Play,
            Request::Pause => Command::Pause,
            Request::Step => Command::Step,
            Request::Reset => Command::Reset,
            Request::Compare(Some(a)) => return self.compare(*a).await,
            Request::Compare(None) => return self.end_comparison("A/B ended: B goes on alone".into()),
            Request::SwitchBackend(kind) => return self.switch(kind, "you switched backend"),
            Request::Pace(pace) => {
                self.pace = pace.filter(|p| p.is_finite() && *p > 0.0);
                return;
            }
            Request::ExportMetrics(format) => {
                let history = self.group.lead().history();
                let text = match format {
                    MetricsFormat::Jsonl => history.to_jsonl(),
                    MetricsFormat::Csv => history.to_csv(),
                };
                return self.end.send(Message::Metrics { format, text });
            }
            Request::ExportData => return self.end.send(Message::Data(self.group.lead().data().splits_csv())),
        };
        let configure = command.configures();
        if !self.group.followers().is_empty() {
            return self.handle_compared(command).await;
        }
        match self.group.apply(command) {
            Ok(GroupOutcome::Lead(Outcome::Unchanged)) => {}
            Ok(GroupOutcome::Lead(Outcome::Changed(notice) | Outcome::Refused(notice))) => self.notice(capitalised(&notice)),
            Ok(GroupOutcome::Lead(Outcome::Restarted(why)) | GroupOutcome::Restarted(Outcome::Restarted(why))) => {
                self.announce_run();
                self.notice(capitalised(&why));
            }
            Ok(GroupOutcome::Restarted(_)) => {} // (only a group with followers restarts them)
            Err(e) => self.notice(e.0),
        }
        if configure {
            // The controls show what runs: a refused value springs back, a normalised one
            // (mfeat's classes) shows what the data source fixed.
            self.echo_config();
        }
    }

    /// Starts A/B: A is a new session of `a` on this backend; both restart at step 0 and
    /// play if B was training.
    async fn compare(&mut self, a: ExperimentConfig) {
        if let Err(e) = self.ensure_mfeat(&a).await {
            return self.end_comparison(format!("A/B could not start: the mfeat data did not load ({e})"));
        }
        self.group.end_followers();
        match self.group.follow(a) {
            Ok(_) => {
                self.ms_per_step.truncate(1);
                self.ms_per_step.push(self.ms_per_step[B]);
                self.announce_comparison("A/B: A keeps the settings you had, B follows the controls; both restarted at step 0 and train in turn");
            }
            Err(e) => self.end_comparison(format!("A/B could not start: {}", e.0)),
        }
    }

    /// Ends A/B (B goes on) and says why.
    fn end_comparison(&mut self, why: String) {
        self.group.end_followers();
        self.ms_per_step.truncate(1);
        self.end.send(Message::ComparisonEnded(why));
    }

    /// Tells the page that both runs of an A/B restarted at step 0, and `why`.
    fn announce_comparison(&mut self, why: &str) {
        self.announce_run();
        if let Some(a) = self.group.followers().first() {
            self.end.send(Message::ComparisonStarted { a: Box::new(a.config().clone()), modalities: a.modality_names().to_vec() });
        }
        self.notice(why.to_string());
    }

    /// A command during A/B ([`RunGroup::apply`]): Play, Pause, Step and Reset act on both
    /// runs; a change of B that the session accepts restarts both.
    async fn handle_compared(&mut self, command: Command) {
        let configure = command.configures();
        match self.group.apply(command) {
            Ok(GroupOutcome::Restarted(_)) if configure => self.announce_comparison("A/B: B changed, so both runs restarted at step 0"),
            // Reset: A too, and the page clears both histories.
            Ok(GroupOutcome::Restarted(_)) => self.announce_comparison("Both runs reset to step 0, paused: press Play to train"),
            Ok(GroupOutcome::Lead(Outcome::Changed(notice))) if !configure => self.notice(capitalised(&notice)),
            Ok(GroupOutcome::Lead(Outcome::Refused(notice))) => self.notice(capitalised(&notice)),
            Ok(GroupOutcome::Lead(_)) => {}
            Err(e) => self.notice(e.0),
        }
        if configure {
            self.echo_config();
        }
    }

    fn switch(&mut self, kind: Backend, reason: &str) {
        let target = match (kind, &self.gpu) {
            (Backend::WebGpu, Some(gpu)) => gpu.clone(),
            (Backend::WebGpu, None) => return self.notice("WebGPU is not available in this browser".into()),
            (Backend::Cpu, _) => self.cpu.clone(),
        };
        for run in self.group.runs_mut() {
            run.switch_device(target.clone(), reason);
        }
        let resumed = self.group.lead().step();
        self.end.send(Message::Backend(backend::info_for(kind, &self.gpu_label, self.gpu.is_some(), reason)));
        self.notice(format!(
            "Now on the {}: {reason}; the run continues from the snapshot of step {resumed} (the optimizer state restarts).",
            kind.label()
        ));
        self.rate_window = RateWindow::starting_now();
    }

    pub(super) fn on_evaluation(&mut self, run: usize, result: Result<Evaluation, String>, warning: Option<String>, elapsed: f64) {
        // A's sentences say that they are A's.
        let whose = if run == B { "" } else { "A: " };
        match result {
            Ok(evaluation) => {
                for event in &evaluation.events {
                    if let Event::Divergence { suggestion, .. } = event {
                        self.notice(format!("{whose}Training diverged: {suggestion}."));
                    }
                    if let Event::Method(event) = event
                        && let Some(said) = event.shown(evaluation.step).notice
                    {
                        self.notice(format!("{whose}{said}"));
                    }
                }
                // (The session paused itself if the evaluation found the run diverging.)
                self.end.send(match run {
                    B => Message::Evaluation(Box::new(evaluation)),
                    _ => Message::EvaluationA(Box::new(evaluation)),
                });
                if let Some(text) = warning {
                    self.notice(format!("{whose}{text}"));
                }
                if self.evaluated_once {
                    self.status.max_chunk_ms = self.status.max_chunk_ms.max(elapsed);
                } else {
                    self.status.startup_evaluation_ms = elapsed;
                    self.evaluated_once = true;
                }
            }
            Err(e) if self.group.lead().backend() == BackendKind::WebGpu => {
                self.gpu = None;
                self.switch(Backend::Cpu, &format!("the GPU device was lost ({e})"));
            }
            Err(e) => {
                let _ = self.group.runs_mut()[run].apply(Command::Pause);
                self.notice(format!("{whose}Evaluation failed: {e}"));
            }
        }
    }
}
