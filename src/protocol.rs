//! The messages between the page and the engine host (burn-free, plain serde): requests in;
//! status, evaluations, notices and snapshots of the run out. The UI sends and receives
//! only these, through a [`SessionHandle`]; in the browser the host that owns the `Session`
//! runs in a Web Worker and the same messages cross `postMessage` as JSON.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::engine::config::ExperimentConfig;
use crate::engine::metrics::Evaluation;

/// A training backend, as the page names it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// burn's flex CPU backend (in wasm).
    Cpu,
    /// burn's wgpu backend on the browser's WebGPU.
    WebGpu,
}

impl Backend {
    /// "CPU" or "WebGPU".
    pub fn label(self) -> &'static str {
        match self {
            Backend::Cpu => "CPU",
            Backend::WebGpu => "WebGPU",
        }
    }
}

/// What the page asks of the engine host.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Request {
    /// The first request: the configuration to start with and the address's wishes.
    Start {
        /// The starting configuration (preset and `?set=` overrides applied).
        config: Box<ExperimentConfig>,
        /// Start on the CPU even where WebGPU is available (`?backend=cpu`).
        prefer_cpu: bool,
        /// `?test-hooks`: `window.__modalscopePanicRequested` raises a Rust panic.
        test_hooks: bool,
        /// The pace to start at (see [`Request::Pace`]).
        pace: Option<f64>,
        /// Play at once (the page's default), or wait at step 0 (a link with `play=0`).
        play: bool,
    },
    /// Apply this configuration: live parts at the next step, structural parts restart.
    Configure {
        /// The configuration.
        config: Box<ExperimentConfig>,
        /// The page's count of its configure requests, echoed in [`Message::Config`]: the
        /// page adopts only the echo of its latest one, so that the answer to an earlier
        /// change, arriving after a later one was sent, does not undo the later one.
        revision: u64,
    },
    /// A fresh run of this configuration from step 0, training, whatever the run's state
    /// (a preset chosen: nothing of the previous run goes on). In A/B it is B's, and both
    /// restart. `revision` as in [`Request::Configure`].
    Fresh {
        /// The configuration.
        config: Box<ExperimentConfig>,
        /// The page's count of its configure requests.
        revision: u64,
    },
    /// Train continuously.
    Play,
    /// Stop after the current step.
    Pause,
    /// Run to the next evaluation, then pause.
    Step,
    /// Start over at step 0, paused.
    Reset,
    /// Continue on the other backend from the last weight snapshot.
    SwitchBackend(Backend),
    /// The pace control: at most this many evaluations per second (the steps between them
    /// spread evenly over the time); `None` trains as fast as the machine goes. It throttles
    /// wall time only: steps, evaluations and their numbers are the same at any pace.
    Pace(Option<f64>),
    /// The run's kept evaluations in a format (answered by [`Message::Metrics`]): the
    /// engine keeps more of them than the page, which thins its copy to what a chart shows.
    ExportMetrics(MetricsFormat),
    /// The run's dataset splits as one CSV (answered by [`Message::Data`]).
    ExportData,
    /// A/B. `Some(a)`: compare the running configuration, B (which later
    /// [`Request::Configure`]s change), with `a`, A (fixed): both restart at step 0 and
    /// train alternately on this backend, B never more than a chunk of steps ahead of A;
    /// Play, Pause, Step and Reset act on both; a change of B restarts both, so that they
    /// always compare whole runs. A and B draw their data, initial weights and batch order
    /// from the same seeds, so that only what a differing setting names differs.
    /// `None`: end the comparison (B goes on alone). Answered by
    /// [`Message::ComparisonStarted`] or [`Message::ComparisonEnded`].
    Compare(Option<Box<ExperimentConfig>>),
}

/// A file format of the run's metrics.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum MetricsFormat {
    /// The CLI's `metrics.jsonl`: one evaluation object per line.
    Jsonl,
    /// One row per evaluation, one column per number (`History::to_csv`).
    Csv,
}

impl MetricsFormat {
    /// The file name of a download.
    pub fn file_name(self) -> &'static str {
        match self {
            MetricsFormat::Jsonl => "metrics.jsonl",
            MetricsFormat::Csv => "metrics.csv",
        }
    }

    /// The file's media type.
    pub fn mime(self) -> &'static str {
        match self {
            MetricsFormat::Jsonl => "application/x-ndjson",
            MetricsFormat::Csv => "text/csv",
        }
    }
}

/// The backend badge: which backend runs and why.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BackendInfo {
    /// The backend running now.
    pub kind: Backend,
    /// Short label, e.g. "WebGPU · google swiftshader".
    pub label: String,
    /// Why this backend (one sentence).
    pub reason: String,
    /// Whether WebGPU is available to switch to.
    pub gpu_available: bool,
}

/// Where the run stands, sent after every frame of work that changed it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// Optimizer steps done in this run.
    pub step: usize,
    /// Steps in the configured run.
    pub total_steps: usize,
    /// The run state's word: "ready", "training", "paused", "finished", "early-stopped",
    /// "diverged".
    pub state: String,
    /// Steps per second over the last second.
    pub steps_per_second: f64,
    /// Longest chunk of engine work in the worker (steps or an evaluation) after the first
    /// point, in ms.
    pub max_chunk_ms: f64,
    /// The first (cold) evaluation, in ms: part of start-up.
    pub startup_evaluation_ms: f64,
    /// Share of the engine's busy time that went into evaluations over the last second (the
    /// rest is training steps). On WebGPU steps are queued, and an evaluation's readback
    /// waits for them, so there the share includes step work still queued.
    pub evaluation_share: f64,
    /// The engine worker's wasm memory, in bytes.
    pub engine_memory_bytes: u64,
    /// In an A/B comparison, A's step and its run state's word.
    pub a: Option<(usize, String)>,
}

/// What the engine host tells the page.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Message {
    /// A run (re)started at step 0 with these modalities: the page clears its history.
    RunStarted {
        /// Modality names of the run, in order.
        modalities: Vec<String>,
    },
    /// The configuration that runs now (after a change, a refusal or a normalisation), so
    /// that the controls show what runs.
    Config {
        /// The configuration.
        config: Box<ExperimentConfig>,
        /// The revision of the last [`Request::Configure`] the host applied (0 before any).
        revision: u64,
    },
    /// A new evaluation (the CLI's `metrics.jsonl` object).
    Evaluation(Box<Evaluation>),
    /// A/B's A (re)started at step 0 with this configuration and these modalities: the page
    /// clears A's history.
    ComparisonStarted {
        /// A's configuration.
        a: Box<ExperimentConfig>,
        /// A's modality names, in order.
        modalities: Vec<String>,
    },
    /// A new evaluation of A.
    EvaluationA(Box<Evaluation>),
    /// The comparison ended (the user ended it, or A's configuration could not run): why.
    ComparisonEnded(String),
    /// Where the run stands.
    Status(Status),
    /// The backend badge.
    Backend(BackendInfo),
    /// A sentence for the user (a restart, a refusal, divergence, a device switch).
    Notice(String),
    /// The answer to [`Request::ExportMetrics`] (beyond 2,000 evaluations older ones are
    /// thinned).
    Metrics {
        /// The format asked for.
        format: MetricsFormat,
        /// The file's text.
        text: String,
    },
    /// The answer to [`Request::ExportData`]: every split in one CSV, a `split` column first
    /// (`Dataset::splits_csv`).
    Data(String),
    /// The engine module is downloading: bytes so far and in all (when the server says).
    /// Sent by `www/worker.js` before the engine runs.
    EngineLoading {
        /// Bytes received.
        loaded: u64,
        /// Bytes in all (`Content-Length`), if known.
        total: Option<u64>,
    },
    /// The engine stopped: a panic in the worker, an error it did not catch, or a module
    /// that failed to load. Nothing runs after it; the page says so.
    EngineFailed(String),
}

/// The page's end of the connection to the engine host: requests go out, messages come
/// in, both asynchronously (the host answers on its own schedule). In the browser the host
/// is a Web Worker and both directions are [`encode`]d JSON through `postMessage`
/// (`browser::worker_link`); [`SessionHandle::pair`] connects both ends in one thread.
#[derive(Clone)]
pub struct SessionHandle {
    send: Rc<dyn Fn(Request)>,
    receive: Rc<dyn Fn() -> Vec<Message>>,
}

impl SessionHandle {
    /// An end that hands requests to `send` and takes the messages `receive` returns.
    pub fn new(send: impl Fn(Request) + 'static, receive: impl Fn() -> Vec<Message> + 'static) -> Self {
        SessionHandle { send: Rc::new(send), receive: Rc::new(receive) }
    }

    /// A connected pair of ends in one thread, the page's and the host's, through two queues.
    pub fn pair() -> (SessionHandle, HostEnd) {
        let requests: Rc<RefCell<VecDeque<Request>>> = Rc::default();
        let messages: Rc<RefCell<VecDeque<Message>>> = Rc::default();
        let (to_host, from_host) = (requests.clone(), messages.clone());
        let page = SessionHandle::new(
            move |request| to_host.borrow_mut().push_back(request),
            move || from_host.borrow_mut().drain(..).collect(),
        );
        let host = HostEnd::new(
            move |message| messages.borrow_mut().push_back(message),
            move || requests.borrow_mut().drain(..).collect(),
        );
        (page, host)
    }

    /// Sends a request to the host.
    pub fn send(&self, request: Request) {
        (self.send)(request);
    }

    /// Every message that arrived since the last call, in order.
    pub fn receive(&self) -> Vec<Message> {
        (self.receive)()
    }
}

/// The host's end of the connection.
pub struct HostEnd {
    send: Box<dyn Fn(Message)>,
    receive: Box<dyn Fn() -> Vec<Request>>,
}

impl HostEnd {
    /// An end that hands messages to `send` and takes the requests `receive` returns.
    pub fn new(send: impl Fn(Message) + 'static, receive: impl Fn() -> Vec<Request> + 'static) -> Self {
        HostEnd { send: Box::new(send), receive: Box::new(receive) }
    }

    /// Every request that arrived since the last call, in order.
    pub fn receive(&self) -> Vec<Request> {
        (self.receive)()
    }

    /// Sends a message to the page.
    pub fn send(&self, message: Message) {
        (self.send)(message);
    }
}

/// A request or message as it crosses the worker boundary: JSON. Non-finite numbers
/// (a diverged loss) become `null` and come back as NaN (see `metrics::evaluation`).
pub fn encode<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        serde_json::to_string(&Message::EngineFailed(format!("a message could not be encoded: {e}"))).unwrap_or_default()
    })
}

/// The value `text` encodes, or what went wrong.
pub fn decode<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("{e} in {}", text.chars().take(200).collect::<String>()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::metrics::{Evaluation, HeadMetrics};

    #[test]
    fn messages_cross_as_json_and_in_order() {
        let (page, host) = SessionHandle::pair();
        page.send(Request::Start { config: Box::default(), prefer_cpu: true, test_hooks: false, pace: None, play: true });
        page.send(Request::SwitchBackend(Backend::WebGpu));
        let requests = host.receive();
        let wire: Vec<String> = requests.iter().map(encode).collect();
        let back: Vec<Request> = wire.iter().map(|text| decode(text).unwrap()).collect();
        assert_eq!(back, requests, "the worker boundary carries them as JSON");
        assert_eq!(requests[1], Request::SwitchBackend(Backend::WebGpu));
        assert!(host.receive().is_empty(), "each request is delivered once");
        host.send(Message::Notice("hello".into()));
        host.send(Message::Status(Status { step: 3, ..Default::default() }));
        host.send(Message::EngineLoading { loaded: 10, total: None });
        let messages = page.receive();
        assert_eq!(messages.len(), 3);
        let back: Vec<Message> = messages.iter().map(|m| decode(&encode(m)).unwrap()).collect();
        assert_eq!(back, messages);
    }

    #[test]
    fn a_diverged_evaluation_crosses_with_its_nan() {
        let head = HeadMetrics { train_loss: f64::NAN, val_loss: f64::INFINITY, train_acc: 0.1, val_acc: 0.1, test_acc: None, gap: f64::NAN, ogr: None, missing: Vec::new() };
        let evaluation = Evaluation { step: 4, epoch: 1.0, heads: vec![("fused".into(), head)], contribution: vec![], methods: Default::default(), events: vec![] };
        let text = encode(&Message::Evaluation(Box::new(evaluation)));
        let Ok(Message::Evaluation(back)) = decode::<Message>(&text) else { panic!("{text} did not decode") };
        let fused = back.fused();
        assert!(fused.train_loss.is_nan() && fused.val_loss.is_nan() && fused.gap.is_nan(), "non-finite numbers come back as NaN");
        assert_eq!(fused.train_acc, 0.1);
        assert!(decode::<Message>("{\"Notice\": 3}").is_err(), "a malformed message is an error, not a default");
    }
}
