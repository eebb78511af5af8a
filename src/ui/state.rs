//! The page's shared state: small signals the components read, and the command queue the
//! driver drains. Provided once as a context ([`AppState`]).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use leptos::prelude::*;

use crate::engine::config::ExperimentConfig;
use crate::engine::device::BackendKind;
use crate::engine::metrics::History;
use crate::engine::presets::preset;
use crate::ui::backend::BackendInfo;
use crate::ui::page_options::PageOptions;

/// What the controls ask of the driver.
#[derive(Clone, Debug)]
pub enum UiCommand {
    /// Apply this configuration (live parts at the next step; structural parts rebuild).
    /// (Boxed: a whole configuration is large next to the other commands.)
    Configure(Box<ExperimentConfig>),
    /// Train continuously.
    Play,
    /// Stop after the current step.
    Pause,
    /// Start over at step 0, paused.
    Reset,
    /// Run one evaluation interval, then pause.
    StepOnce,
    /// Continue on another backend from the last weight snapshot.
    SwitchBackend(BackendKind),
}

/// Live measurements of the loop, shown on the page and read by the browser tests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoopStats {
    /// Optimizer steps done in this run.
    pub step: usize,
    /// Steps in the configured run.
    pub total_steps: usize,
    /// Steps per second over the last second.
    pub steps_per_second: f64,
    /// Longest main-thread chunk (steps or evaluation) after the first point, in ms.
    pub max_chunk_ms: f64,
    /// The first (cold) evaluation, in ms: part of start-up.
    pub startup_evaluation_ms: f64,
    /// Time from page load to the first plotted point, in ms.
    pub first_point_ms: Option<f64>,
    /// "training", "paused", "finished", "early-stopped", "diverged".
    pub status: String,
}

/// The shared state.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The configuration the controls show.
    pub config: RwSignal<ExperimentConfig>,
    /// Evaluations of the current run.
    pub history: RwSignal<History>,
    /// Modality names of the current run.
    pub modalities: RwSignal<Vec<String>>,
    /// Loop measurements.
    pub stats: RwSignal<LoopStats>,
    /// The backend badge.
    pub backend: RwSignal<Option<BackendInfo>>,
    /// A message for the user (rebuilds, divergence, device loss).
    pub notice: RwSignal<Option<String>>,
    /// EMA smoothing weight of the charts.
    pub smoothing: RwSignal<f64>,
    /// Log-scale y axes.
    pub log_y: RwSignal<bool>,
    /// (generation, chart index): the chart the driver asks to redraw now. Charts redraw one
    /// per frame so that no frame draws all of them.
    pub redraw: RwSignal<(u64, usize)>,
    /// Upper bound on steps per frame (the speed control).
    pub max_steps_per_frame: RwSignal<usize>,
    /// Commands for the driver.
    pub commands: StoredValue<Rc<RefCell<VecDeque<UiCommand>>>, LocalStorage>,
    /// What the page's address asked for.
    pub options: StoredValue<PageOptions>,
}

impl AppState {
    /// Fresh state starting from the `imbalance` preset with the address's overrides
    /// applied (a refused override is named in the notice).
    pub fn new(options: PageOptions) -> Self {
        let (config, refused) = options.configure(preset("imbalance").expect("preset exists"));
        Self {
            config: RwSignal::new(config),
            history: RwSignal::new(History::default()),
            modalities: RwSignal::new(Vec::new()),
            stats: RwSignal::new(LoopStats::default()),
            backend: RwSignal::new(None),
            notice: RwSignal::new((!refused.is_empty()).then(|| refused.join("; "))),
            smoothing: RwSignal::new(0.0),
            log_y: RwSignal::new(false),
            redraw: RwSignal::new((0, 0)),
            max_steps_per_frame: RwSignal::new(64),
            commands: StoredValue::new_local(Rc::new(RefCell::new(VecDeque::new()))),
            options: StoredValue::new(options),
        }
    }

    /// Queues a command for the driver.
    pub fn send(&self, command: UiCommand) {
        self.commands.with_value(|queue| queue.borrow_mut().push_back(command));
    }

    /// Changes the configuration and tells the driver.
    pub fn configure(&self, change: impl FnOnce(&mut ExperimentConfig)) {
        self.config.update(change);
        self.send(UiCommand::Configure(Box::new(self.config.get_untracked())));
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new(PageOptions::default())
    }
}
