//! The facade the UI and the CLI talk to: [`Command`]s in, plain [`Snapshot`]s out.
//!
//! A session owns one [`Trainer`] and its [`RunState`]. Live changes (learning rate,
//! methods, run length, evaluation interval) reach the running trainer at its next step;
//! structural changes (data, model, modalities, seed, optimizer, batch size) rebuild the run
//! and say so. The page, the CLI and the tests drive it the same way: [`Command`]s, then
//! [`Session::advance`] in a loop.

use crate::engine::config::{ConfigError, ExperimentConfig};
use crate::engine::data::Dataset;
use crate::engine::device::ComputeDevice;
use crate::engine::metrics::{Evaluation, HeadMetrics};
use crate::engine::trainer::{RunStatus, Trainer};

/// What a caller can ask of a session.
#[derive(Clone, Debug)]
pub enum Command {
    /// Apply a new configuration: live parts at the next step, structural parts by rebuilding.
    /// (Boxed: a whole configuration is large next to the other commands.)
    Configure(Box<ExperimentConfig>),
    /// Train continuously.
    Play,
    /// Stop training after the current step (an evaluation already due still runs).
    Pause,
    /// Train up to the next evaluation, then pause.
    Step,
    /// Start over from step 0 with the current configuration, paused.
    Reset,
}

/// What a command did; every variant but `Unchanged` carries the sentence to show.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Nothing to do.
    Unchanged,
    /// The run state or a live setting changed; the run keeps its step and history.
    Changed(String),
    /// The command cannot act in this state; says why and what would.
    Refused(String),
    /// The run was rebuilt at step 0 (a new history).
    Restarted(String),
}

/// Where a run stands. The session owns it; the page and the CLI show it and send
/// [`Command`]s (the table is in [`Session::apply`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// At step 0, never played.
    Ready,
    /// Training (continuously, or up to the next evaluation after Step).
    Training,
    /// Stopped by the user; Play or Step go on.
    Paused,
    /// The configured run length is done.
    Finished,
    /// Early stopping ended the run (best checkpoint restored).
    EarlyStopped,
    /// The loss became NaN or infinite.
    Diverged,
}

impl RunState {
    /// The word the page and the CLI show.
    pub fn word(self) -> &'static str {
        match self {
            RunState::Ready => "ready",
            RunState::Training => "training",
            RunState::Paused => "paused",
            RunState::Finished => "finished",
            RunState::EarlyStopped => "early-stopped",
            RunState::Diverged => "diverged",
        }
    }
}

/// What the user asked of a run that can still take steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Intent {
    /// Never played.
    Ready,
    /// Train continuously.
    Play,
    /// Train until an evaluation after `from_step`, then pause.
    Step { from_step: usize },
    /// Hold.
    Pause,
}

/// What one call of [`Session::advance`] did.
#[derive(Debug, Default)]
pub struct Advance {
    /// Optimizer steps run.
    pub steps: usize,
    /// The evaluation that ran, if one was due.
    pub evaluation: Option<Result<Evaluation, String>>,
}

/// Plain data about a session, for drawing and printing.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Steps done.
    pub step: usize,
    /// Steps in the configured run.
    pub total_steps: usize,
    /// Where the run stands.
    pub state: RunState,
    /// Backend name.
    pub backend: &'static str,
    /// The kept evaluations, oldest first.
    pub history: Vec<Evaluation>,
    /// Modality names.
    pub modality_names: Vec<String>,
}

/// One run and the commands that steer it.
pub struct Session {
    trainer: Trainer,
    mfeat: Option<Vec<u8>>,
    intent: Intent,
}

impl Session {
    /// Validates `config`, builds its dataset and a trainer at step 0, [`RunState::Ready`].
    /// `mfeat` is the content of `assets/mfeat.bin`, needed only for mfeat configurations.
    pub fn new(config: ExperimentConfig, compute: ComputeDevice, mfeat: Option<Vec<u8>>) -> Result<Self, ConfigError> {
        let trainer = Self::build(config, compute, mfeat.as_deref())?;
        Ok(Self { trainer, mfeat, intent: Intent::Ready })
    }

    /// [`Session::new`] on the CPU backend (the CLI's and the tests' device).
    pub fn on_cpu(config: ExperimentConfig, mfeat: Option<Vec<u8>>) -> Result<Self, ConfigError> {
        Self::new(config, ComputeDevice::cpu(), mfeat)
    }

    fn build(config: ExperimentConfig, compute: ComputeDevice, mfeat: Option<&[u8]>) -> Result<Trainer, ConfigError> {
        let config = config.normalised();
        config.validate()?;
        let data = Dataset::from_config(&config, mfeat)?;
        Ok(Trainer::new(config, data, compute))
    }

    /// Where the run stands.
    pub fn state(&self) -> RunState {
        match self.trainer.status() {
            RunStatus::Finished => RunState::Finished,
            RunStatus::EarlyStopped => RunState::EarlyStopped,
            RunStatus::Diverged => RunState::Diverged,
            RunStatus::Training => match self.intent {
                Intent::Ready => RunState::Ready,
                Intent::Play | Intent::Step { .. } => RunState::Training,
                Intent::Pause => RunState::Paused,
            },
        }
    }

    /// Why a stopped run cannot take steps, and what would let it (`None` while it can).
    fn why_stopped(&self) -> Option<String> {
        let step = self.trainer.step_count();
        match self.state() {
            RunState::Finished => Some(format!(
                "the run finished at step {step} of {}: raise the number of epochs to go on, or reset",
                self.trainer.total_steps()
            )),
            RunState::EarlyStopped => Some(format!(
                "early stopping ended the run at step {step} (the best checkpoint is restored): reset to train again"
            )),
            RunState::Diverged => Some("the run diverged: lower the learning rate and reset".into()),
            _ => None,
        }
    }

    /// Applies a command. In each state:
    ///
    /// | state \ command | Play | Step | Reset | live change | run length below the step |
    /// |---|---|---|---|---|---|
    /// | ready | training | trains to the next evaluation, then paused | paused at 0 | applied, ready | (at step 0: applied) |
    /// | training | unchanged | trains to the next evaluation, then paused | paused at 0 | applied at the next step | finished at this step |
    /// | paused | training | trains to the next evaluation, then paused | paused at 0 | applied, paused | finished at this step |
    /// | finished | goes on if the run length was raised (paused until Play), else refused, saying so | same as Play | paused at 0 | kept for when the run goes on or the next run, and says so | finished |
    /// | early-stopped | refused, saying so | refused | paused at 0 | kept for the next run, says so | early-stopped |
    /// | diverged | refused, saying so | refused | paused at 0 | kept for the next run, says so | diverged |
    ///
    /// A structural change (data, model, seed, optimizer, batch size) rebuilds the run at step
    /// 0 in any state; it keeps training if it was, else it is paused.
    pub fn apply(&mut self, command: Command) -> Result<Outcome, ConfigError> {
        let state = self.state();
        Ok(match command {
            Command::Configure(config) => return self.configure(*config),
            Command::Play => match (state, self.why_stopped()) {
                (_, Some(why)) => Outcome::Refused(why),
                (RunState::Training, _) if self.intent == Intent::Play => Outcome::Unchanged,
                _ => {
                    self.intent = Intent::Play;
                    Outcome::Changed("training".into())
                }
            },
            Command::Pause => match state {
                RunState::Ready | RunState::Training => {
                    self.intent = Intent::Pause;
                    Outcome::Changed(format!("paused at step {}", self.trainer.step_count()))
                }
                _ => Outcome::Unchanged,
            },
            Command::Step => match self.why_stopped() {
                Some(why) => Outcome::Refused(why),
                None => {
                    self.intent = Intent::Step { from_step: self.trainer.step_count() };
                    Outcome::Changed("training up to the next evaluation".into())
                }
            },
            Command::Reset => {
                self.trainer = Self::build(self.trainer.config().clone(), self.trainer.compute().clone(), self.mfeat.as_deref())?;
                self.intent = Intent::Pause;
                Outcome::Restarted("reset to step 0, paused: press Play to train".into())
            }
        })
    }

    fn configure(&mut self, config: ExperimentConfig) -> Result<Outcome, ConfigError> {
        let config = config.normalised();
        config.validate()?;
        if config == *self.trainer.config() {
            return Ok(Outcome::Unchanged);
        }
        if !self.trainer.config().same_structure(&config) {
            self.trainer = Self::build(config, self.trainer.compute().clone(), self.mfeat.as_deref())?;
            if self.intent != Intent::Play {
                self.intent = Intent::Pause;
            }
            return Ok(Outcome::Restarted("data, model or optimizer settings changed: the run restarted from step 0".into()));
        }
        let stopped_before = self.why_stopped().is_some();
        self.trainer.apply_live(&config);
        let (step, total) = (self.trainer.step_count(), self.trainer.total_steps());
        let notice = match self.state() {
            // (A run that stopped by itself holds as paused: it does not start by itself.)
            RunState::Training | RunState::Paused | RunState::Ready if stopped_before => {
                format!("the run now has {total} steps and can go on from step {step}: press Play")
            }
            _ if stopped_before => "the run has stopped: the change applies if it goes on, and to the next run (Reset)".into(),
            _ if step >= total => format!("the run length is now {total} steps, not beyond step {step}: the run finishes here"),
            RunState::Training => "applied at the next step, the run goes on".into(),
            _ => format!("applied; the run waits at step {step}"),
        };
        Ok(Outcome::Changed(notice))
    }

    /// Runs up to `max_steps` steps while training, or the evaluation that is due (in any
    /// state, so that the step-0 point and a point owed at a pause appear). Stops at an
    /// evaluation; after one that ends a Step, the run pauses; a run that stopped by itself
    /// (finished, early-stopped, diverged) is held there.
    pub async fn advance(&mut self, max_steps: usize) -> Advance {
        if self.trainer.evaluation_due() {
            let evaluation = self.trainer.evaluate().await;
            if let Intent::Step { from_step } = self.intent
                && self.trainer.step_count() > from_step
            {
                self.intent = Intent::Pause;
            }
            if !self.trainer.is_training() {
                self.intent = Intent::Pause;
            }
            return Advance { steps: 0, evaluation: Some(evaluation) };
        }
        let steps = match self.intent {
            Intent::Play | Intent::Step { .. } => self.trainer.step(max_steps),
            Intent::Ready | Intent::Pause => 0,
        };
        Advance { steps, evaluation: None }
    }

    /// [`Session::advance`], waited for on this thread (native only: a browser must await).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn advance_blocking(&mut self, max_steps: usize) -> Advance {
        crate::engine::readback::block_on(self.advance(max_steps))
    }

    /// The current weights measured now, without recording anything ([`Trainer::measure`]).
    pub async fn measure(&self) -> Result<Vec<(String, HeadMetrics)>, String> {
        self.trainer.measure().await
    }

    /// A new session of `config` at step 0 on this session's device, with its mfeat data
    /// (A/B's A). Its data, initial weights and batch order come from `config`'s seed alone,
    /// as every session's do, so two sessions of one seed differ only where a setting does.
    pub fn sibling(&self, config: ExperimentConfig) -> Result<Session, ConfigError> {
        Self::new(config, self.trainer.compute().clone(), self.mfeat.clone())
    }

    /// Supplies the content of `assets/mfeat.bin` for later mfeat configurations.
    pub fn provide_mfeat(&mut self, bytes: Vec<u8>) {
        self.mfeat = Some(bytes);
    }

    /// The trainer (read-only).
    pub fn trainer(&self) -> &Trainer {
        &self.trainer
    }

    /// Continues the run on another backend from the last weight snapshot.
    pub fn switch_device(&mut self, compute: ComputeDevice, reason: &str) {
        self.trainer.switch_device(compute, reason);
    }

    /// Plain data for drawing.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            step: self.trainer.step_count(),
            total_steps: self.trainer.total_steps(),
            state: self.state(),
            backend: self.trainer.compute().kind.name(),
            history: self.trainer.history().points().to_vec(),
            modality_names: self.trainer.data().modality_names.clone(),
        }
    }
}
