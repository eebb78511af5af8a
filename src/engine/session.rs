//! The facade the UI and the CLI talk to: [`Command`]s in, plain [`Snapshot`]s out.
//!
//! A session owns one [`Trainer`]. Live changes (learning rate, regularizers, run length,
//! evaluation interval) reach the running trainer at its next step; structural changes
//! (data, model, modalities, seed, optimizer, batch size) rebuild the run and say so.

use crate::engine::config::{ConfigError, ExperimentConfig};
use crate::engine::data::Dataset;
use crate::engine::device::ComputeDevice;
use crate::engine::metrics::Evaluation;
use crate::engine::trainer::{RunStatus, Trainer};

/// What a caller can ask of a session.
#[derive(Clone, Debug)]
pub enum Command {
    /// Apply a new configuration: live parts at the next step, structural parts by rebuilding.
    /// (Boxed: a whole configuration is large next to the other commands.)
    Configure(Box<ExperimentConfig>),
    /// Start over from step 0 with the current configuration.
    Reset,
}

/// What a command did.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Nothing to do.
    Unchanged,
    /// Live parameters changed; the run goes on.
    LiveChanged,
    /// The run was rebuilt from step 0 (the message says why).
    Rebuilt(String),
}

/// Plain data about a session, for drawing and printing.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Steps done.
    pub step: usize,
    /// Steps in the configured run.
    pub total_steps: usize,
    /// Where the run stands.
    pub status: RunStatus,
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
}

impl Session {
    /// Validates `config`, builds its dataset and a trainer at step 0. `mfeat` is the
    /// content of `assets/mfeat.bin`, needed only for mfeat configurations.
    pub fn new(config: ExperimentConfig, compute: ComputeDevice, mfeat: Option<Vec<u8>>) -> Result<Self, ConfigError> {
        let trainer = Self::build(config, compute, mfeat.as_deref())?;
        Ok(Self { trainer, mfeat })
    }

    fn build(config: ExperimentConfig, compute: ComputeDevice, mfeat: Option<&[u8]>) -> Result<Trainer, ConfigError> {
        config.validate()?;
        let data = Dataset::from_config(&config, mfeat)?;
        Ok(Trainer::new(config, data, compute))
    }

    /// Applies a command.
    pub fn apply(&mut self, command: Command) -> Result<Outcome, ConfigError> {
        match command {
            Command::Configure(config) => {
                config.validate()?;
                if *config == *self.trainer.config() {
                    return Ok(Outcome::Unchanged);
                }
                if self.trainer.config().same_structure(&config) {
                    self.trainer.apply_live(&config);
                    return Ok(Outcome::LiveChanged);
                }
                self.trainer = Self::build(*config, self.trainer.compute().clone(), self.mfeat.as_deref())?;
                Ok(Outcome::Rebuilt("data, model or optimizer settings changed: the run restarted from step 0".into()))
            }
            Command::Reset => {
                self.trainer = Self::build(self.trainer.config().clone(), self.trainer.compute().clone(), self.mfeat.as_deref())?;
                Ok(Outcome::Rebuilt("reset to step 0".into()))
            }
        }
    }

    /// Supplies the content of `assets/mfeat.bin` for later mfeat configurations.
    pub fn provide_mfeat(&mut self, bytes: Vec<u8>) {
        self.mfeat = Some(bytes);
    }

    /// The trainer (read-only).
    pub fn trainer(&self) -> &Trainer {
        &self.trainer
    }

    /// Runs up to `n` steps, stopping where an evaluation is due; returns how many ran.
    pub fn run_steps(&mut self, n: usize) -> usize {
        self.trainer.step(n)
    }

    /// Evaluates when one is due; `None` otherwise.
    pub async fn evaluate_if_due(&mut self) -> Option<Result<Evaluation, String>> {
        if self.trainer.evaluation_due() { Some(self.trainer.evaluate().await) } else { None }
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
            status: self.trainer.status().clone(),
            backend: self.trainer.compute().kind.name(),
            history: self.trainer.history().points().to_vec(),
            modality_names: self.trainer.data().modality_names.clone(),
        }
    }
}
