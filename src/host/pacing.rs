//! Chunks of work that last about a frame, at the pace the page asks for (evaluations a
//! second), so that the worker sees the page's requests between chunks.

use crate::browser::now_ms;

use super::requests::Host;

/// Work between two looks at the page's requests, in ms: a pause or a new setting takes
/// effect within about a frame.
const CHUNK_BUDGET_MS: f64 = 16.0;

/// A frame of a 60 Hz display, in ms: how long an idle host waits before it looks again.
pub(super) const FRAME_MS: f64 = 1000.0 / 60.0;

impl Host {
    /// Steps per ms the pace allows (`None`: no limit): `pace` evaluations a second, each an
    /// evaluation interval of steps.
    fn steps_per_ms(&self) -> Option<f64> {
        let interval = self.group.lead().eval_interval() as f64;
        self.pace.map(|pace| pace * interval / 1000.0)
    }

    /// Refills the pace's allowance for the time since the last refill (at most two frames'
    /// worth, or one step, so that a pause does not bank a burst).
    fn refill(&mut self) {
        let t = now_ms();
        self.allowance = match self.steps_per_ms() {
            Some(rate) => (self.allowance + rate * (t - self.refilled_at)).min((2.0 * FRAME_MS * rate).max(1.0)),
            None => f64::INFINITY,
        };
        self.refilled_at = t;
    }

    /// One chunk of work: the due evaluation and steps until the budget is spent or the
    /// pace's allowance is used up (each call to the session as many steps as fit,
    /// by the measured time per step). Returns how long to wait before the next chunk: 0
    /// when there is more to do now.
    pub(super) async fn chunk(&mut self) -> f64 {
        let started = now_ms();
        let mut wait_ms = 0.0;
        loop {
            let spent = now_ms() - started;
            if spent >= CHUNK_BUDGET_MS {
                break;
            }
            self.refill();
            if self.allowance < 1.0 {
                let rate = self.steps_per_ms().unwrap_or(1.0);
                // At most a few frames at a time, so that a request waits no longer.
                wait_ms = ((1.0 - self.allowance) / rate).min(3.0 * FRAME_MS);
                break;
            }
            let run = self.group.next_run();
            let ms_per_step = self.ms_per_step[run];
            let fits = (((CHUNK_BUDGET_MS - spent) / ms_per_step.max(1e-3)) as usize).max(1);
            // A follows B, so the pace holds both; past a B that stopped by itself, A goes at
            // the pace's rate alone.
            let budget = if self.allowance.is_finite() { self.allowance as usize } else { usize::MAX };
            let allowed = self.group.allowed_steps(run, budget);
            let chunk_started = now_ms();
            let advanced = self.group.advance_run(run, fits.min(allowed)).await;
            let elapsed = now_ms() - chunk_started;
            if let Some(result) = advanced.evaluation {
                self.rate_window.evaluation_ms += elapsed;
                self.on_evaluation(run, result, advanced.warning, elapsed);
                continue;
            }
            if advanced.steps == 0 {
                // Paused, finished or stopped: look at the requests again a frame later.
                wait_ms = FRAME_MS;
                break;
            }
            self.ms_per_step[run] = 0.7 * ms_per_step + 0.3 * elapsed / advanced.steps as f64;
            self.rate_window.steps += advanced.steps;
            self.rate_window.step_ms += elapsed;
            self.status.max_chunk_ms = self.status.max_chunk_ms.max(elapsed);
            if self.group.paced(run) {
                self.allowance -= advanced.steps as f64;
            }
        }
        self.publish_status();
        wait_ms
    }
}
