//! The status the page shows: steps a second, how busy the engine is, its memory.

use crate::browser::now_ms;
use crate::protocol::{Message, Status};

use super::requests::Host;

/// Status messages go out at most this often while nothing but the step count changes.
const STATUS_EVERY_MS: f64 = 50.0;

/// What the engine did over the current second: steps, and ms in steps and in evaluations.
#[derive(Clone, Copy)]
pub(super) struct RateWindow {
    pub(super) since: f64,
    pub(super) steps: usize,
    pub(super) step_ms: f64,
    pub(super) evaluation_ms: f64,
}

impl RateWindow {
    pub(super) fn starting_now() -> Self {
        RateWindow { since: now_ms(), steps: 0, step_ms: 0.0, evaluation_ms: 0.0 }
    }
}

/// The size of this module's wasm memory (it only grows), in bytes.
fn wasm_memory_bytes() -> u64 {
    use wasm_bindgen::JsCast;
    let memory = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>();
    memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as u64
}

impl Host {
    pub(super) fn publish_status(&mut self) {
        let t = now_ms();
        let window = self.rate_window;
        if t - window.since >= 1000.0 {
            self.rate_window = RateWindow::starting_now();
            self.status.steps_per_second = window.steps as f64 * 1000.0 / (t - window.since);
            let busy = window.step_ms + window.evaluation_ms;
            self.status.evaluation_share = if busy > 0.0 { window.evaluation_ms / busy } else { 0.0 };
            self.status.engine_memory_bytes = wasm_memory_bytes();
        }
        let lead = self.group.lead();
        let next = Status {
            step: lead.step(),
            total_steps: lead.total_steps(),
            state: lead.state().word().to_string(),
            a: self.group.followers().first().map(|a| (a.step(), a.state().word().to_string())),
            ..self.status.clone()
        };
        self.status = next.clone();
        // Compared with what the page last got: the working copy above is updated in place
        // (rates, chunk times), so comparing with it would never see those changes alone
        // (the badge kept the last rate after a run finished).
        let state_changed = next.state != self.status_sent.state;
        let due = t - self.status_sent_at >= STATUS_EVERY_MS;
        if (next != self.status_sent && (due || state_changed)) || !self.evaluated_once {
            self.status_sent = next.clone();
            self.status_sent_at = t;
            self.end.send(Message::Status(next));
        }
    }
}
