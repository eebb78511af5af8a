//! One run: [`Command`]s in, borrowing queries out (step, run length, state,
//! configuration, data, history).
//!
//! A session owns one [`Trainer`] and its [`RunState`], and the run policy: an evaluation
//! that finds the run diverging pauses it or lets it go on ([`OnDiverging`]). Live changes
//! (learning rate, methods, run length, evaluation interval) reach the running trainer at its
//! next step; structural changes (data, model, modalities, seed, optimizer, batch size)
//! rebuild the run and say so. The page, the CLI and the tests drive it the same way:
//! [`Command`]s, then [`Session::advance`] in a loop.

use crate::engine::config::{ConfigError, ExperimentConfig};
use crate::engine::data::Dataset;
use crate::engine::device::{BackendKind, ComputeDevice};
use crate::engine::metrics::{Evaluation, HeadMetrics, History, diverging};
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
    /// A fresh run of this configuration from step 0, training (a preset chosen): whatever
    /// the state and whatever differs, nothing of the previous run goes on.
    Fresh(Box<ExperimentConfig>),
}

impl Command {
    /// Whether the command brings a configuration (of the run it is given to alone: in A/B,
    /// of B).
    pub fn configures(&self) -> bool {
        matches!(self, Command::Configure(_) | Command::Fresh(_))
    }
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

    /// Finished, early-stopped or diverged: the run stopped by itself and takes no more steps
    /// unless a setting or a reset lets it.
    pub fn stopped_by_itself(self) -> bool {
        matches!(self, RunState::Finished | RunState::EarlyStopped | RunState::Diverged)
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
    /// The evaluation found the run diverging ([`diverging`]): the sentence to show, which
    /// says what the session did about it ([`OnDiverging`]).
    pub warning: Option<String>,
}

/// What a session does when an evaluation finds its fused training loss diverging (above
/// 10·ln K, [`diverging`]): the page pauses, the CLI says so and goes on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnDiverging {
    /// Pause the run, so that the user can lower the learning rate (the page's policy).
    #[default]
    Pause,
    /// Say so and go on (the CLI's, unless `--stop-on-diverging`).
    GoOn,
    /// Pause the run for good: the CLI's `--stop-on-diverging`, which then exits.
    Stop,
}

/// One run and the commands that steer it.
pub struct Session {
    trainer: Trainer,
    mfeat: Option<Vec<u8>>,
    intent: Intent,
    on_diverging: OnDiverging,
}

impl Session {
    /// Validates `config`, builds its dataset and a trainer at step 0, [`RunState::Ready`].
    /// `mfeat` is the content of `assets/mfeat.bin`, needed only for mfeat configurations.
    pub fn new(config: ExperimentConfig, compute: ComputeDevice, mfeat: Option<Vec<u8>>) -> Result<Self, ConfigError> {
        let trainer = Self::build(config, compute, mfeat.as_deref())?;
        Ok(Self { trainer, mfeat, intent: Intent::Ready, on_diverging: OnDiverging::default() })
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
    /// 0 in any state; it keeps training if it was, else it is paused. `Fresh` rebuilds the
    /// run at step 0 with its configuration in any state, training.
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
            Command::Fresh(config) => {
                let config = config.normalised();
                config.validate()?;
                self.trainer = Self::build(config, self.trainer.compute().clone(), self.mfeat.as_deref())?;
                self.intent = Intent::Play;
                Outcome::Restarted("a fresh run from step 0, training".into())
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
            let warning = evaluation.as_ref().ok().and_then(|e| self.diverging_warning(e));
            if let Intent::Step { from_step } = self.intent
                && self.trainer.step_count() > from_step
            {
                self.intent = Intent::Pause;
            }
            if !self.trainer.is_training() {
                self.intent = Intent::Pause;
            }
            return Advance { steps: 0, evaluation: Some(evaluation), warning };
        }
        let steps = match self.intent {
            Intent::Play | Intent::Step { .. } => self.trainer.step(max_steps),
            Intent::Ready | Intent::Pause => 0,
        };
        Advance { steps, evaluation: None, warning: None }
    }

    /// The diverging warning for `now`, the evaluation just recorded, measured against the
    /// one before it; pauses the run if the policy says so.
    fn diverging_warning(&mut self, now: &Evaluation) -> Option<String> {
        let points = self.trainer.history().points();
        let previous = points.len().checked_sub(2).map(|i| &points[i]);
        let config = self.trainer.config();
        let found = diverging(previous, now, config.data.classes)?;
        let learning_rate = config.train.learning_rate;
        Some(match self.on_diverging {
            OnDiverging::Pause => {
                self.intent = Intent::Pause;
                format!("{found} Paused: lower the learning rate (now {learning_rate}), or press Play to go on.")
            }
            OnDiverging::GoOn => format!("{found} The run goes on; a lower learning rate (now {learning_rate}) may train."),
            OnDiverging::Stop => {
                self.intent = Intent::Pause;
                format!("{found} Stopped: lower the learning rate (now {learning_rate}).")
            }
        })
    }

    /// Sets what an evaluation that finds the run diverging does (pause by default).
    pub fn on_diverging(&mut self, policy: OnDiverging) {
        self.on_diverging = policy;
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

    /// Continues the run on another backend from the last weight snapshot.
    pub fn switch_device(&mut self, compute: ComputeDevice, reason: &str) {
        self.trainer.switch_device(compute, reason);
    }

    /// Steps done.
    pub fn step(&self) -> usize {
        self.trainer.step_count()
    }

    /// Steps in the configured run.
    pub fn total_steps(&self) -> usize {
        self.trainer.total_steps()
    }

    /// The configuration that runs (normalised: what the data source fixes filled in).
    pub fn config(&self) -> &ExperimentConfig {
        self.trainer.config()
    }

    /// The run's data: its splits, standardised.
    pub fn data(&self) -> &Dataset {
        self.trainer.data()
    }

    /// The modality names, in the configuration's order.
    pub fn modality_names(&self) -> &[String] {
        &self.trainer.data().modality_names
    }

    /// Optimizer steps between two evaluations.
    pub fn eval_interval(&self) -> usize {
        self.trainer.config().eval_interval(self.trainer.data().train.len())
    }

    /// Whether the next [`Session::advance`] evaluates (one is due at this step).
    pub fn evaluation_due(&self) -> bool {
        self.trainer.evaluation_due()
    }

    /// The kept evaluations.
    pub fn history(&self) -> &History {
        self.trainer.history()
    }

    /// The latest evaluation.
    pub fn latest_evaluation(&self) -> Option<&Evaluation> {
        self.trainer.history().latest()
    }

    /// The evaluation of the weights the run ends with (after early stopping, the restored
    /// best checkpoint's).
    pub fn final_evaluation(&self) -> Option<&Evaluation> {
        self.trainer.final_evaluation()
    }

    /// The backend the run is on.
    pub fn backend(&self) -> BackendKind {
        self.trainer.compute().kind
    }

    /// The weights of the last snapshot, flattened (what a backend switch resumes from).
    pub fn last_weights(&self) -> &[f32] {
        self.trainer.last_weights()
    }
}
