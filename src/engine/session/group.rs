//! A run group: N sessions trained in turn on identical data, initial weights and batch
//! order. Every session draws its data, weights and batches from its own configuration's
//! seed alone, so runs of one seed differ only where a setting does. A/B is a group of two
//! (the lead is B, which the page's controls steer; A follows), and so is
//! `modalscope compare`.
//!
//! Followers never pass the lead: the next chunk of work goes to a follower with an
//! evaluation due, else to the follower furthest behind the lead that can step (past a lead
//! that stopped by itself, followers go on alone), else to the lead. Play, Pause and Step
//! act on every run; a change the lead accepts, and a Reset, restart every run at step 0, so
//! that they compare whole runs.

use super::run::{Advance, Command, Outcome, RunState, Session};
use crate::engine::config::{ConfigError, ExperimentConfig};

/// The lead run and the runs that follow it.
pub struct RunGroup {
    /// The lead first, then the followers in the order they joined.
    runs: Vec<Session>,
}

/// What a command did to a group.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupOutcome {
    /// The lead's outcome; the followers did the same where the command applies to them
    /// (Play, Pause, Step), and nothing where it does not (a change the lead refused).
    Lead(Outcome),
    /// With followers: every run restarted at step 0 (after a change the lead accepted, or a
    /// Reset), training if the lead was. Carries the lead's outcome.
    Restarted(Outcome),
}

/// What one call of [`RunGroup::advance`] did: the run it advanced and what that did.
#[derive(Debug)]
pub struct Turn {
    /// The run's index: 0 is the lead, then the followers in the order they joined.
    pub run: usize,
    /// What the run did.
    pub advance: Advance,
}

impl RunGroup {
    /// A group of `lead` alone.
    pub fn new(lead: Session) -> Self {
        Self { runs: vec![lead] }
    }

    /// Adds a run of `config` that follows the lead, on the lead's device with its data
    /// files, and restarts every run at step 0 (training if the lead was), so that they
    /// start together. Returns the new run's index.
    pub fn follow(&mut self, config: ExperimentConfig) -> Result<usize, ConfigError> {
        let follower = self.runs[0].sibling(config)?;
        self.runs.push(follower);
        self.restart(false);
        Ok(self.runs.len() - 1)
    }

    /// Ends every follower; the lead goes on alone where it stands.
    pub fn end_followers(&mut self) {
        self.runs.truncate(1);
    }

    /// The run the controls steer.
    pub fn lead(&self) -> &Session {
        &self.runs[0]
    }

    /// The lead, to change (a backend switch, data files).
    pub fn lead_mut(&mut self) -> &mut Session {
        &mut self.runs[0]
    }

    /// The followers, in the order they joined.
    pub fn followers(&self) -> &[Session] {
        &self.runs[1..]
    }

    /// Every run: the lead, then the followers.
    pub fn runs(&self) -> &[Session] {
        &self.runs
    }

    /// Every run, to change (a backend switch moves them all).
    pub fn runs_mut(&mut self) -> &mut [Session] {
        &mut self.runs
    }

    /// Applies `command` to the group (see the module's rules). A configuration goes to the
    /// lead alone: the followers keep theirs.
    pub fn apply(&mut self, command: Command) -> Result<GroupOutcome, ConfigError> {
        let configure = command.configures();
        let outcome = self.runs[0].apply(command.clone())?;
        if self.runs.len() == 1 {
            return Ok(GroupOutcome::Lead(outcome));
        }
        Ok(match (outcome, configure) {
            (outcome @ (Outcome::Changed(_) | Outcome::Restarted(_)), true) => {
                self.restart(matches!(outcome, Outcome::Restarted(_)));
                GroupOutcome::Restarted(outcome)
            }
            (outcome, true) => GroupOutcome::Lead(outcome),
            (outcome @ Outcome::Restarted(_), false) => {
                self.restart(true);
                GroupOutcome::Restarted(outcome)
            }
            (outcome, false) => {
                for follower in &mut self.runs[1..] {
                    let _ = follower.apply(command.clone());
                }
                GroupOutcome::Lead(outcome)
            }
        })
    }

    /// Every run back to step 0, training if the lead was. `lead_fresh`: the lead was just
    /// rebuilt at step 0 (a Reset, a structural change), so only the followers are.
    fn restart(&mut self, lead_fresh: bool) {
        let playing = self.runs[0].state() == RunState::Training;
        let skip = usize::from(lead_fresh);
        for run in &mut self.runs[skip..] {
            let _ = run.apply(Command::Reset);
        }
        if playing {
            for run in &mut self.runs {
                let _ = run.apply(Command::Play);
            }
        }
    }

    /// The run the next chunk of work is for: a follower with an evaluation due, else the
    /// follower furthest behind the lead (or past a lead that stopped by itself) that can
    /// step, else the lead.
    pub fn next_run(&self) -> usize {
        let lead = &self.runs[0];
        let lead_stopped = lead.state().stopped_by_itself();
        let followers = 1..self.runs.len();
        if let Some(due) = followers.clone().find(|&i| self.runs[i].evaluation_due()) {
            return due;
        }
        followers
            .filter(|&i| {
                let run = &self.runs[i];
                let behind = run.step() < lead.step() || lead_stopped;
                behind && run.state() == RunState::Training && run.step() < run.total_steps()
            })
            .min_by_key(|&i| self.runs[i].step())
            .unwrap_or(0)
    }

    /// How many steps run `run` may take now, given `budget` for the lead: a follower behind
    /// the lead catches up to it whatever the budget; otherwise `budget`.
    pub fn allowed_steps(&self, run: usize, budget: usize) -> usize {
        let lead = self.runs[0].step().saturating_sub(self.runs[run].step());
        if run > 0 && lead > 0 { lead } else { budget }
    }

    /// Whether the steps of `run` count against a pace (the lead's, and everyone's once the
    /// lead stopped by itself): followers catching up do not.
    pub fn paced(&self, run: usize) -> bool {
        run == 0 || self.runs[0].state().stopped_by_itself()
    }

    /// Runs at most `max_steps` steps (or the due evaluation) of run `run`
    /// ([`Session::advance`]).
    pub async fn advance_run(&mut self, run: usize, max_steps: usize) -> Advance {
        self.runs[run].advance(max_steps).await
    }

    /// One turn: the next run ([`RunGroup::next_run`]) advances by at most `budget` steps,
    /// or as many as it takes to catch up with the lead.
    pub async fn advance(&mut self, budget: usize) -> Turn {
        let run = self.next_run();
        let steps = self.allowed_steps(run, budget);
        Turn { run, advance: self.advance_run(run, steps).await }
    }

    /// Whether every run stopped by itself and has no evaluation due: nothing more to do.
    pub fn done(&self) -> bool {
        self.runs.iter().all(|run| run.state().stopped_by_itself() && !run.evaluation_due())
    }

    /// [`RunGroup::advance`], waited for on this thread (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn advance_blocking(&mut self, budget: usize) -> Turn {
        crate::engine::readback::block_on(self.advance(budget))
    }
}
