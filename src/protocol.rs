//! The messages between the page and the engine host (burn-free, plain serde): requests in;
//! status, evaluations, notices and snapshots of the run out. The UI sends and receives
//! only these, through a [`SessionHandle`], so the host that owns the `Session` can move
//! into a Web Worker (the same messages, as JSON through `postMessage`) without touching
//! the UI.

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
    },
    /// Apply this configuration: live parts at the next step, structural parts restart.
    Configure(Box<ExperimentConfig>),
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
    /// At most this many optimizer steps per frame (the speed control).
    MaxStepsPerFrame(usize),
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
    /// Longest main-thread chunk (steps or evaluation) after the first point, in ms.
    pub max_chunk_ms: f64,
    /// The first (cold) evaluation, in ms: part of start-up.
    pub startup_evaluation_ms: f64,
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
    Config(Box<ExperimentConfig>),
    /// A new evaluation (the CLI's `metrics.jsonl` object).
    Evaluation(Box<Evaluation>),
    /// Where the run stands.
    Status(Status),
    /// The backend badge.
    Backend(BackendInfo),
    /// A sentence for the user (a restart, a refusal, divergence, a device switch).
    Notice(String),
}

/// The page's end of the connection to the engine host: requests go out, messages come
/// in, both asynchronously (the host answers on its own schedule). Today both ends share
/// the main thread through two queues; a Web Worker host would carry the same messages.
#[derive(Clone, Default)]
pub struct SessionHandle {
    requests: Rc<RefCell<VecDeque<Request>>>,
    messages: Rc<RefCell<VecDeque<Message>>>,
}

impl SessionHandle {
    /// A connected pair of ends: the page's and the host's (the same queues seen from the
    /// other side).
    pub fn pair() -> (SessionHandle, HostEnd) {
        let handle = SessionHandle::default();
        let host = HostEnd { requests: handle.requests.clone(), messages: handle.messages.clone() };
        (handle, host)
    }

    /// Sends a request to the host.
    pub fn send(&self, request: Request) {
        self.requests.borrow_mut().push_back(request);
    }

    /// Every message that arrived since the last call, in order.
    pub fn receive(&self) -> Vec<Message> {
        self.messages.borrow_mut().drain(..).collect()
    }
}

/// The host's end of the connection.
pub struct HostEnd {
    requests: Rc<RefCell<VecDeque<Request>>>,
    messages: Rc<RefCell<VecDeque<Message>>>,
}

impl HostEnd {
    /// Every request that arrived since the last call, in order.
    pub fn receive(&self) -> Vec<Request> {
        self.requests.borrow_mut().drain(..).collect()
    }

    /// Sends a message to the page.
    pub fn send(&self, message: Message) {
        self.messages.borrow_mut().push_back(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_cross_as_json_and_in_order() {
        let (page, host) = SessionHandle::pair();
        page.send(Request::Start { config: Box::default(), prefer_cpu: true, test_hooks: false });
        page.send(Request::SwitchBackend(Backend::WebGpu));
        let requests = host.receive();
        let json = serde_json::to_string(&requests).unwrap();
        assert_eq!(serde_json::from_str::<Vec<Request>>(&json).unwrap(), requests, "a worker boundary would carry them as JSON");
        assert_eq!(requests[1], Request::SwitchBackend(Backend::WebGpu));
        assert!(host.receive().is_empty(), "each request is delivered once");
        host.send(Message::Notice("hello".into()));
        host.send(Message::Status(Status { step: 3, ..Default::default() }));
        let messages = page.receive();
        assert_eq!(messages.len(), 2);
        let json = serde_json::to_string(&messages).unwrap();
        assert_eq!(serde_json::from_str::<Vec<Message>>(&json).unwrap(), messages);
    }
}
