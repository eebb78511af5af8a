//! The page's shared state: small signals the components read, and the handle to the
//! engine host that requests go through. Provided once as a context ([`AppState`]).

use leptos::prelude::*;

use crate::engine::config::ExperimentConfig;
use crate::engine::metrics::History;
use crate::link::{PageLink, ignored_message, with_name};
use crate::plot::ChartKind;
use crate::protocol::{BackendInfo, Request, SessionHandle};
use crate::runs::{PinnedRun, Pins};
use crate::ui::page_options::PageOptions;

/// Live measurements of the loop, shown on the page and read by the browser tests.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoopStats {
    /// Optimizer steps done in this run.
    pub step: usize,
    /// Steps in the configured run.
    pub total_steps: usize,
    /// Steps per second over the last second.
    pub steps_per_second: f64,
    /// Longest chunk of engine work in the worker (steps or an evaluation) after the first
    /// point, in ms.
    pub max_chunk_ms: f64,
    /// The first (cold) evaluation, in ms: part of start-up.
    pub startup_evaluation_ms: f64,
    /// Time from page load to the first plotted point, in ms.
    pub first_point_ms: Option<f64>,
    /// Share of the engine's busy time in evaluations over the last second.
    pub evaluation_share: f64,
    /// The engine worker's wasm memory, in bytes.
    pub engine_memory_bytes: u64,
    /// "ready", "training", "paused", "finished", "early-stopped", "diverged".
    pub status: String,
    /// In an A/B comparison, A's step and run state.
    pub a: Option<(usize, String)>,
}

/// A/B as the page holds it: A's configuration and its evaluations (B is the current run).
#[derive(Clone, Debug)]
pub struct Comparison {
    /// A's configuration.
    pub a: ExperimentConfig,
    /// A's modality names.
    pub modalities: Vec<String>,
    /// A's evaluations, thinned like the current run's.
    pub history: History,
}

/// The shared state.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The configuration the controls show.
    pub config: RwSignal<ExperimentConfig>,
    /// The preset chosen last (its story card shows).
    pub preset: RwSignal<String>,
    /// Evaluations of the current run, thinned to [`AppState::CHART_POINTS`] (the engine
    /// keeps its own, fuller copy for exports).
    pub history: RwSignal<History>,
    /// Modality names of the current run.
    pub modalities: RwSignal<Vec<String>>,
    /// Loop measurements.
    pub stats: RwSignal<LoopStats>,
    /// The backend badge.
    pub backend: RwSignal<Option<BackendInfo>>,
    /// The engine module's download while it loads (bytes so far, bytes in all if known);
    /// `None` once the engine runs.
    pub engine_loading: RwSignal<Option<(u64, Option<u64>)>>,
    /// A message for the user (rebuilds, divergence, device loss).
    pub notice: RwSignal<Option<String>>,
    /// The run state an engine's notice arrived in: the notice describes that state and
    /// clears when the state changes. `None` for the page's own notices, which stay.
    pub notice_state: StoredValue<Option<String>>,
    /// EMA smoothing weight of the charts.
    pub smoothing: RwSignal<f64>,
    /// Ids of the charts on a log scale, in page order.
    pub log_charts: RwSignal<Vec<String>>,
    /// Controls hidden for a classroom (`crate::link::HIDEABLE`).
    pub hidden: RwSignal<Vec<String>>,
    /// Whether the page's link plays the run on open.
    pub play_on_open: RwSignal<bool>,
    /// The count of configure requests sent: the engine's echo of an earlier one is stale.
    pub config_revision: StoredValue<u64>,
    /// Bumped when the window's size or pixel ratio changes: the charts redraw to fit.
    pub layout: RwSignal<u64>,
    /// Presentation mode: the charts and the story, larger, without the settings.
    pub presenting: RwSignal<bool>,
    /// The settings panel is folded away (more room for the charts).
    pub settings_folded: RwSignal<bool>,
    /// The chart shown alone, filling the chart area (its title clicked or its number
    /// pressed); `None`: every chart in the grid.
    pub focused: RwSignal<Option<ChartKind>>,
    /// On a narrow screen (phone, projector at high zoom) the settings are a drawer over the
    /// charts: it is open.
    pub drawer_open: RwSignal<bool>,
    /// (generation, chart index): the chart the driver asks to redraw now. Charts redraw one
    /// per frame so that no frame draws all of them.
    pub redraw: RwSignal<(u64, usize)>,
    /// The pace control: evaluations per second, `None` as fast as the machine goes.
    pub pace: RwSignal<Option<f64>>,
    /// The pinned runs (kept in `localStorage`, [`crate::runs`]).
    pub pins: RwSignal<Pins>,
    /// A/B, while it runs.
    pub comparison: RwSignal<Option<Comparison>>,
    /// The run left by the last preset choice, while it may still be pinned.
    pub left_run: RwSignal<Option<PinnedRun>>,
    /// Bumped when pinned runs or A/B change what the charts draw (a pin, a rename, a
    /// hidden run, A/B started or ended): every chart redraws.
    pub runs_changed: RwSignal<u64>,
    /// The connection to the engine host.
    pub handle: StoredValue<SessionHandle, LocalStorage>,
    /// What the page's address asked for.
    pub options: StoredValue<PageOptions>,
    /// How many stages of the page are mounted: it mounts one a frame (see
    /// [`AppState::mounted`]), so that no start-up task is long.
    pub mount_stage: RwSignal<usize>,
}

impl AppState {
    /// Fresh state from the page's link (its `#`, [`PageLink`]; the `imbalance` preset
    /// without one), with the query's overrides applied (what the link or the query had that
    /// was ignored is named in the notice), talking to the host through `handle`.
    pub fn new(hash: &str, options: PageOptions, handle: SessionHandle) -> Self {
        let (link, ignored) = PageLink::decode(hash);
        let (config, refused) = options.configure(link.config);
        let said: Vec<String> = ignored_message(&ignored).into_iter().chain(refused).collect();
        Self {
            pace: RwSignal::new(options.pace.unwrap_or(link.pace)),
            config: RwSignal::new(config),
            preset: RwSignal::new(link.preset),
            history: RwSignal::new(Self::chart_history()),
            modalities: RwSignal::new(Vec::new()),
            stats: RwSignal::new(LoopStats::default()),
            backend: RwSignal::new(None),
            engine_loading: RwSignal::new(Some((0, None))),
            notice: RwSignal::new((!said.is_empty()).then(|| said.join(" "))),
            notice_state: StoredValue::new(None),
            smoothing: RwSignal::new(link.smoothing),
            log_charts: RwSignal::new(link.log_charts),
            hidden: RwSignal::new(link.hidden),
            play_on_open: RwSignal::new(link.play),
            config_revision: StoredValue::new(0),
            layout: RwSignal::new(0),
            presenting: RwSignal::new(false),
            settings_folded: RwSignal::new(false),
            focused: RwSignal::new(None),
            drawer_open: RwSignal::new(false),
            redraw: RwSignal::new((0, 0)),
            pins: RwSignal::new(Pins::default()),
            comparison: RwSignal::new(None),
            left_run: RwSignal::new(None),
            runs_changed: RwSignal::new(0),
            handle: StoredValue::new_local(handle),
            options: StoredValue::new(options),
            mount_stage: RwSignal::new(0),
        }
    }

    /// Evaluations the page keeps for its charts: about a canvas's width in pixels; beyond
    /// it older points are thinned, so that the page's memory stays flat on long runs.
    pub const CHART_POINTS: usize = 500;

    /// An empty history of [`AppState::CHART_POINTS`].
    pub fn chart_history() -> History {
        History::with_capacity(Self::CHART_POINTS)
    }

    /// Stages of the page's mount, one a frame: 0 the header and the run controls, 1-3 the
    /// settings (data; model and training; methods), then one chart each.
    pub const MOUNT_STAGES: usize = Self::FIRST_CHART_STAGE + crate::plot::ChartKind::COUNT;

    /// The stage of the first chart (the stages before it are the header and the settings).
    pub const FIRST_CHART_STAGE: usize = 4;

    /// Whether stage `stage` of the page is mounted.
    pub fn mounted(&self, stage: usize) -> bool {
        self.mount_stage.get() >= stage
    }

    /// Sends a request to the engine host.
    pub fn send(&self, request: Request) {
        self.handle.with_value(|handle| handle.send(request));
    }

    /// Shows the page's own notice (it stays until the next notice).
    pub fn say(&self, text: String) {
        self.notice_state.set_value(None);
        self.notice.set(Some(text));
    }

    /// Offers `text` as a file download; says so if the browser refused.
    pub fn offer_download(&self, name: &str, text: &str, mime: &str) {
        if let Err(e) = crate::ui::export::download(name, text, mime) {
            self.say(format!("Download failed: {e}"));
        }
    }

    /// Asks the charts to redraw at their new size one frame from now, after a change of the
    /// page's layout that no window resize announces (presentation mode, folded settings).
    pub fn relayout(&self) {
        let layout = self.layout;
        wasm_bindgen_futures::spawn_local(async move {
            crate::browser::next_frame().await;
            layout.update(|n| *n += 1);
        });
    }

    /// Shows `kind` alone in the chart area (`None`: every chart again), redrawn at its new
    /// size.
    pub fn focus(&self, kind: Option<ChartKind>) {
        self.focused.set(kind);
        self.relayout();
    }

    /// The charts the current configuration draws, in page order: key n focuses the n-th.
    pub fn charts_in_use(&self) -> Vec<ChartKind> {
        self.config.with_untracked(ChartKind::in_use_for)
    }

    /// Sets the pace (evaluations per second, `None` as fast as it goes) and tells the host.
    pub fn set_pace(&self, pace: Option<f64>) {
        self.pace.set(pace);
        self.send(Request::Pace(pace));
    }

    /// Changes the configuration and asks the host to apply it.
    pub fn configure(&self, change: impl FnOnce(&mut ExperimentConfig)) {
        self.config.update(change);
        self.config_revision.update_value(|r| *r += 1);
        self.send(Request::Configure { config: Box::new(self.config.get_untracked()), revision: self.config_revision.get_value() });
    }

    /// A fresh run of preset `name` (its `config`, at its default `pace`), playing at once,
    /// as on load, whatever the current run's state: nothing of that run goes on. The run it
    /// leaves, if it has evaluations, is offered for pinning ([`AppState::left_run`]).
    pub fn choose_preset(&self, name: String, config: ExperimentConfig, pace: f64) {
        let evaluations = self.history.with_untracked(|h| h.points().to_vec());
        let left = (!evaluations.is_empty())
            .then(|| PinnedRun::new(self.preset.get_untracked(), self.config.get_untracked(), self.modalities.get_untracked(), &evaluations));
        self.left_run.set(left);
        // Nothing of the old run may stand for the new one until the engine's first message
        // of it arrives: no curves, and no "finished" that the story card would take as the
        // end of the new preset's own run.
        self.history.set(Self::chart_history());
        self.stats.update(|s| s.status = "training".into());
        self.preset.set(name);
        self.set_pace(Some(pace));
        self.config.set(config.clone());
        self.config_revision.update_value(|r| *r += 1);
        self.send(Request::Fresh { config: Box::new(config), revision: self.config_revision.get_value() });
    }

    /// Puts chart `kind` on a log scale or takes it off (the list stays in page order).
    pub fn set_log_scale(&self, kind: ChartKind, on: bool) {
        let ids: Vec<&str> = ChartKind::all().iter().map(|k| k.id()).collect();
        self.log_charts.update(|l| *l = with_name(&ids, l, kind.id(), on));
    }

    /// The page as a link (reactive: read inside an effect, it reruns on every change).
    pub fn link(&self) -> PageLink {
        PageLink {
            preset: self.preset.get(),
            config: self.config.get(),
            pace: self.pace.get(),
            smoothing: self.smoothing.get(),
            log_charts: self.log_charts.get(),
            hidden: self.hidden.get(),
            play: self.play_on_open.get(),
        }
    }
}
