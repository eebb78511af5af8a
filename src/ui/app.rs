//! The page: controls on the left, the run's story in the middle, curves on the right.

use leptos::prelude::*;

use crate::engine::config::ExperimentConfig;
use crate::engine::metrics::{Evaluation, History};
use crate::engine::presets::preset;
use crate::engine::stories::story;
use crate::protocol::{Backend, Request};
use crate::plot::ChartKind;
use crate::ui::charts::CanvasChart;
use crate::ui::controls::{ConfigControls, RunControls, ViewControls};
use crate::ui::diagram::ModelDiagram;
use crate::protocol::SessionHandle;
use crate::ui::driver::use_page_loop;
use crate::ui::page_options::PageOptions;
use crate::ui::runs::RunsPanel;
use crate::ui::share::{SharePanel, use_link_in_address};
use crate::ui::state::AppState;

/// One visible sentence under each chart: what it shows.
fn caption(kind: ChartKind) -> &'static str {
    match kind {
        ChartKind::Loss => "Cross-entropy per head on a training subset (dashed, light) and on validation (solid).",
        ChartKind::Gap => "Validation minus training loss per head: it grows while a head memorises.",
        ChartKind::Ogr => "Overfitting bought per unit of generalization between two evaluations.",
        ChartKind::Accuracy => "Share of samples classified right, training (dashed, light) and validation (solid).",
        ChartKind::Contribution => "What each modality adds: its probe, its Shapley value (share or φ), its split of the fused head, its gradient share.",
        ChartKind::Method(chart) => chart.caption,
        ChartKind::FusionSize => "Weights of the fusion layer: LMF by rank against tensor fusion.",
    }
}

/// The longer explanation of each chart, with its formula.
fn explanation(kind: ChartKind) -> &'static str {
    match kind {
        ChartKind::Loss => "Mean cross-entropy of clean inputs in evaluation mode, per head: dashed light lines on a fixed training subset T′ (as large as the validation split), solid lines on the validation split.",
        ChartKind::Gap => "Gap O = L_val − L_train per head. A growing gap means the head is memorising the training set.",
        ChartKind::Ogr => "Overfitting-to-generalization ratio between consecutive evaluations: OGR = |ΔO / ΔG| with ΔO the change of the gap and ΔG = L_val(before) − L_val(now). High means the last steps bought more overfitting than generalization.",
        ChartKind::Accuracy => "Fraction of samples whose true class gets the highest score, per head: dashed and light on T′, solid on validation. A modality's head is its probe (trained on its embedding, detached: its loss never reaches the encoder), or with Gradient-Blending a head whose loss trains the encoder (\"head a\").",
        ChartKind::Contribution => "Per modality: its probe head's validation accuracy (light), its Shapley share φ_m/Σφ of the fused accuracy (absent modality = its mean embedding; φ_m itself, in accuracy points, when Σφ is near 0 or a φ is negative), the validation accuracy of its split of a linear fused head (light, dashed: OGM-GE's s_m, where the head has one), and its share of the encoder gradient norm (dashed).",
        ChartKind::Method(chart) => chart.explanation,
        ChartKind::FusionSize => "Parameters of the fusion layer for the current modalities and encoder width (d_out = the width): LMF's r·Σ_m(d_m+1)·d_out + r + d_out grows linearly with the rank r, TFN's d_out·Π_m(d_m+1) + d_out is one number. The saving scales like a product against a sum: with two modalities and a large rank LMF is not smaller.",
    }
}

/// The backend badge: which backend runs and its speed (why it runs: in the diagnostics).
#[component]
fn BackendBadge() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="badge" data-testid="backend-badge" title=move || state.backend.with(|b| b.as_ref().map(|b| b.reason.clone()).unwrap_or_default())>
            {move || state.backend.with(|b| b.as_ref().map(|b| b.label.clone()).unwrap_or_else(|| "starting…".into()))}
            " · "
            <span data-testid="steps-per-second">{move || format!("{:.0}", state.stats.with(|s| s.steps_per_second))}</span>
            " steps/s"
        </div>
        <EngineLoading />
    }
}

/// Bytes in MiB.
fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The engine module's download, shown until the engine runs: the controls work meanwhile
/// (they are the page's own module) and the run starts with what they say.
#[component]
fn EngineLoading() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.engine_loading.get().map(|(loaded, total)| {
            // Without a total (a compressed response) the bar is indeterminate: no value.
            let (value, max, words) = match total {
                Some(total) if total > 0 => (Some(loaded as f64), total as f64, format!("{:.1} of {:.1} MiB", mib(loaded), mib(total))),
                _ => (None, 1.0, format!("{:.1} MiB (uncompressed)", mib(loaded))),
            };
            view! {
                <div class="engine-loading" data-testid="engine-loading" role="status">
                    "Loading the training engine… " {words}
                    <progress max=max value=value></progress>
                </div>
            }
        })
    }
}

/// Where the run stands (visible), and the developer's diagnostics folded away: why this
/// backend, the backend switch, chunk and start-up times, the evaluations' share, memory.
#[component]
fn RunStatusLine() -> impl IntoView {
    let state = expect_context::<AppState>();
    let switch_to = move || match state.backend.with(|b| b.as_ref().map(|b| b.kind)) {
        Some(Backend::WebGpu) => Backend::Cpu,
        _ => Backend::WebGpu,
    };
    view! {
        <div class="status-line">
            "step " <span data-testid="step-counter">{move || state.stats.with(|s| s.step)}</span>
            " / " {move || state.stats.with(|s| s.total_steps)}
            " · evaluations " <span data-testid="eval-counter">{move || state.history.with(History::received)}</span>
            " · " <span data-testid="run-status">{move || state.stats.with(|s| s.status.clone())}</span>
        </div>
        <details class="diagnostics" data-testid="diagnostics">
            <summary>"diagnostics"</summary>
            <p data-testid="backend-reason">{move || state.backend.with(|b| b.as_ref().map(|b| b.reason.clone()).unwrap_or_default())}</p>
            <button data-testid="switch-backend" title="Continue this run on the other backend from the last weight snapshot."
                disabled=move || !state.backend.with(|b| b.as_ref().is_some_and(|b| b.gpu_available))
                on:click=move |_| state.send(Request::SwitchBackend(switch_to()))>
                {move || format!("Switch to {}", switch_to().label())}
            </button>
            <p>
                "longest chunk " <span data-testid="max-chunk-ms">{move || format!("{:.1}", state.stats.with(|s| s.max_chunk_ms))}</span> " ms"
                " · first point " <span data-testid="first-point-ms">{move || state.stats.with(|s| s.first_point_ms.map(|t| format!("{t:.0}")).unwrap_or_else(|| "–".into()))}</span> " ms"
                " (its cold evaluation " <span data-testid="startup-evaluation-ms">{move || format!("{:.1}", state.stats.with(|s| s.startup_evaluation_ms))}</span> " ms)"
                " · evaluations take " <span data-testid="evaluation-share" title="of the engine's busy time over the last second; on WebGPU it includes queued step work that an evaluation's readback waits for">{move || format!("{:.0}", state.stats.with(|s| s.evaluation_share * 100.0))}</span> " % of the engine's time"
                " · engine memory " <span data-testid="engine-memory-mib">{move || format!("{:.1}", state.stats.with(|s| mib(s.engine_memory_bytes)))}</span> " MiB"
            </p>
        </details>
    }
}

/// The story card under the preset selector: the preset's claim, what to watch, the verdict
/// on the run so far, and settings to try next.
#[component]
pub fn StoryCard() -> impl IntoView {
    let state = expect_context::<AppState>();
    let story = move || state.preset.with(|name| story(name));
    // The preset's own configuration: the card says when the run has left it. Both sides
    // normalised (what the data source fixes filled in, as the engine echoes it): mfeat's
    // ten classes are not a change.
    let preset_config = Memo::new(move |_| state.preset.with(|name| preset(name).map(ExperimentConfig::normalised)));
    let running = Memo::new(move |_| state.config.get().normalised());
    let changed = move || preset_config.with(|p| running.with(|c| p.as_ref() != Some(c)));
    // The last evaluation of the preset's own run, kept for the runs the "try this" buttons
    // start (their expectations compare with it): (preset, evaluation).
    let reference = RwSignal::new(None::<(String, Evaluation)>);
    Effect::new(move |_| {
        let finished = state.stats.with(|s| s.status == "finished");
        if finished
            && !changed()
            && let Some(ended) = state.history.with(|h| h.latest().cloned())
        {
            reference.set(Some((state.preset.get_untracked(), ended)));
        }
    });
    // That evaluation while the preset it was kept for is the current one.
    let preset_run = Memo::new(move |_| {
        let current = state.preset.get();
        reference.with(|r| r.as_ref().filter(|(name, _)| *name == current).map(|(_, e)| e.clone()))
    });
    // The try whose settings, applied to the preset, give the current configuration.
    let active_try = Memo::new(move |_| {
        let story = story()?;
        let base = preset_config.get()?;
        running.with(|c| {
            story.tries.iter().position(|t| t.settings.iter().try_fold(base.clone(), |b, s| b.with_override(s)).ok().map(ExperimentConfig::normalised).as_ref() == Some(c))
        })
    });
    // One reading per change of the run, shared by the verdict's text and its marks: the
    // try's expectation while a try's configuration runs, else the preset's claim.
    let verdict = Memo::new(move |_| {
        let story = story()?;
        let (finished, step, total) = state.stats.with(|s| (matches!(s.status.as_str(), "finished" | "early-stopped"), s.step, s.total_steps));
        let tried = active_try.get().map(|i| &story.tries[i]);
        let text = state.history.with(|h| {
            let Some(latest) = h.latest() else {
                return ("Press play: the verdict appears with the first evaluation.".to_string(), None);
            };
            let judged = match tried {
                Some(t) => preset_run.with(|r| (t.verdict)(latest, r.as_ref())),
                None => (story.verdict)(latest),
            };
            match (judged, tried) {
                (None, Some(t)) => (format!("“{}” compares with the preset's own run: run the preset to its end first, then try it.", t.label), None),
                (None, None) => ("This run lacks what the claim compares (other modalities or methods than the preset's).".to_string(), None),
                (Some(v), _) => {
                    let when = if finished { "At the end".to_string() } else { format!("So far (step {step} of {total})") };
                    let what = tried.map(|t| format!(", trying “{}”", t.label)).unwrap_or_default();
                    let word = match (v.holds, finished, tried.is_some()) {
                        (true, _, false) => "reproduced",
                        (true, _, true) => "as expected",
                        (false, true, false) => "not reproduced in this run",
                        (false, true, true) => "not as expected in this run",
                        (false, false, _) => "not yet",
                    };
                    // "not yet" is neither: the run may still get there.
                    let marked = (v.holds || finished).then_some(v.holds);
                    (format!("{when}{what}: {}: {word}.", v.figures), marked)
                }
            }
        });
        Some(text)
    });
    let compared = move || {
        preset_run.with(|r| {
            r.as_ref().map(|ended| {
                format!("For comparison: the preset's own run ended with the fused model at {:.0} % validation accuracy.", ended.fused().val_acc * 100.0)
            })
        })
    };
    let try_this = move |settings: &'static [&'static str]| {
        let next = settings.iter().try_fold(state.config.get_untracked(), |c, s| c.with_override(s));
        match next {
            Ok(next) => {
                // In the drawer, the button closes it: the point is to watch the charts.
                state.drawer_open.set(false);
                state.configure(|c| *c = next);
                // A restart waits at step 0: the button means "show me", so it plays.
                state.send(Request::Play);
            }
            Err(e) => state.say(e.0),
        }
    };
    move || {
        story().map(|story| {
            let tries = story
                .tries
                .iter()
                .enumerate()
                .map(|(i, t)| view! {
                    <li>
                        <button type="button" data-testid=format!("try-{i}") on:click=move |_| try_this(t.settings)>{t.label}</button>
                        " " <span class="expect">{t.expect}</span>
                    </li>
                })
                .collect_view();
            view! {
                <section class="story-card" data-testid="story-card" aria-label="what this preset shows">
                    <p class="claim" data-testid="story-claim">{story.claim}</p>
                    <p class="watch"><strong>"Watch: "</strong>{story.watch}</p>
                    <p class="verdict" data-testid="verdict"
                        class:holds=move || verdict.with(|v| v.as_ref().and_then(|v| v.1)) == Some(true)
                        class:fails=move || verdict.with(|v| v.as_ref().and_then(|v| v.1)) == Some(false)>
                        {move || verdict.with(|v| v.as_ref().map(|v| v.0.clone()).unwrap_or_default())}
                    </p>
                    <Show when=changed>
                        <p class="changed" data-testid="story-changed">"Settings changed from the preset: the verdict is of this run. "{compared}</p>
                    </Show>
                    <p class="try-title">"Try this:"</p>
                    <ul class="tries">{tries}</ul>
                </section>
            }
        })
    }
}

/// The latest numbers in words.
#[component]
fn Story() -> impl IntoView {
    let state = expect_context::<AppState>();
    let summary = move || {
        state.history.with(|h| {
            h.latest().map(|e| {
                let fused = e.fused();
                let trained = crate::plot::unimodal_heads_trained(std::slice::from_ref(e));
                let heads: Vec<String> = e.heads.iter().skip(1).map(|(n, m)| format!("{} {:.0} %", crate::plot::head_label(n, trained), m.val_acc * 100.0)).collect();
                format!(
                    "Step {}: the fused model reaches {:.0} % validation accuracy ({}); its gap L_val − L_train is {:+.3}.",
                    e.step,
                    fused.val_acc * 100.0,
                    heads.join(", "),
                    fused.gap
                )
            })
        })
    };
    view! {
        <section class="story">
            <p data-testid="notice" class="notice">{move || state.notice.get().unwrap_or_default()}</p>
            <p data-testid="summary">{move || summary().unwrap_or_else(|| "Press play: curves appear at the first evaluation.".into())}</p>
        </section>
    }
}

/// The whole explorer, talking to the engine host through `handle`.
#[component]
pub fn App(
    /// The page's end of the connection to the engine host.
    handle: SessionHandle,
) -> impl IntoView {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    let state = AppState::new(&hash, PageOptions::from_location(), handle);
    provide_context(state);
    crate::ui::runs::use_pin_store(state);
    crate::ui::controls::use_keyboard_shortcuts(state);
    use_page_loop(state);
    let link = use_link_in_address(state);
    // The page mounts in stages, one a frame (AppState::mounted): one mount of everything
    // was a 70-110 ms task on the test machine.
    wasm_bindgen_futures::spawn_local(async move {
        for _ in 1..AppState::MOUNT_STAGES {
            crate::browser::next_frame().await;
            state.mount_stage.update(|s| *s += 1);
        }
        crate::browser::page_mounted();
    });
    // The drawer takes focus when it opens and gives it back to its button when it closes.
    Effect::new(move |was_open: Option<bool>| {
        let open = state.drawer_open.get();
        if was_open.is_some_and(|w| w != open) {
            crate::browser::focus(if open { "[data-testid=\"close-settings\"]" } else { "[data-testid=\"open-settings\"]" });
        }
        open
    });
    // A chart shown alone that the settings no longer draw (LMF's fusion-size chart after
    // another fusion, a method's chart after it is off): every chart again.
    Effect::new(move |_| {
        if let Some(kind) = state.focused.get()
            && !state.config.with(|c| kind.in_use(c))
        {
            state.focus(None);
        }
    });
    let _resize = window_event_listener(leptos::ev::resize, move |_| state.layout.update(|n| *n += 1));
    view! {
        <header>
            <h1>"Modalscope"</h1>
            <p class="tagline">"Why multimodal training is hard: watch the train/validation gap, the OGR and each modality's contribution as a small classifier trains in your browser."</p>
            <BackendBadge />
            <button type="button" class="drawer-toggle" data-testid="open-settings" aria-controls="settings-panel"
                aria-expanded=move || state.drawer_open.get().to_string()
                on:click=move |_| state.drawer_open.update(|o| *o = !*o)>
                "☰ Story and settings"
            </button>
            <button type="button" class="present" data-testid="present" aria-pressed=move || state.presenting.get().to_string()
                title="Presentation mode: the story and the charts, larger, without the settings (press again to leave)."
                on:click=move |_| { state.presenting.update(|p| *p = !*p); state.relayout(); }>
                {move || if state.presenting.get() { "Leave presentation" } else { "Present" }}
            </button>
        </header>
        <main class:presenting=move || state.presenting.get() class:focusing=move || state.focused.get().is_some() class:folded=move || state.settings_folded.get() class:drawer-open=move || state.drawer_open.get()>
            // On a narrow screen the settings are a drawer over the charts (style.css): the
            // charts come first, and the header's button opens it.
            <aside id="settings-panel" aria-label="story and settings">
                <button type="button" class="drawer-close" data-testid="close-settings" on:click=move |_| state.drawer_open.set(false)>"Close ✕"</button>
                <ConfigControls />
            </aside>
            <div class="backdrop" aria-hidden="true" on:click=move |_| state.drawer_open.set(false)></div>
            <section class="workspace">
                <div class="run-bar">
                    <RunControls />
                    <ViewControls />
                    <RunStatusLine />
                    <RunsPanel />
                    <SharePanel link />
                    <Story />
                </div>
                <div class="charts">
                    <Show when=move || state.mounted(AppState::FIRST_CHART_STAGE)><ModelDiagram /></Show>
                    {ChartKind::all().into_iter().enumerate().map(|(i, kind)| view! {
                        <Show when=move || state.mounted(AppState::FIRST_CHART_STAGE + i)><CanvasChart kind=kind caption=caption(kind) explanation=explanation(kind) /></Show>
                    }).collect_view()}
                </div>
            </section>
        </main>
    }
}
