//! The page: controls on the left, the run's story in the middle, curves on the right.

use leptos::prelude::*;

use crate::engine::metrics::History;
use crate::plot::ChartKind;
use crate::ui::charts::CanvasChart;
use crate::ui::controls::{ConfigControls, RunControls, ViewControls};
use crate::protocol::SessionHandle;
use crate::ui::driver::use_page_loop;
use crate::ui::page_options::PageOptions;
use crate::ui::state::AppState;

fn explanation(kind: ChartKind) -> &'static str {
    match kind {
        ChartKind::Loss => "Mean cross-entropy of clean inputs in evaluation mode, per head: light lines on a fixed training subset T′ (as large as the validation split), solid lines on the validation split.",
        ChartKind::Gap => "Gap O = L_val − L_train per head. A growing gap means the head is memorising the training set.",
        ChartKind::Ogr => "Overfitting-to-generalization ratio between consecutive evaluations: OGR = |ΔO / ΔG| with ΔO the change of the gap and ΔG = L_val(before) − L_val(now). High means the last steps bought more overfitting than generalization.",
        ChartKind::Accuracy => "Fraction of samples whose true class gets the highest score, per head: light on T′, solid on validation.",
        ChartKind::Contribution => "Per modality: its probe head's validation accuracy (light), its Shapley share φ_m/Σφ of the fused accuracy (absent modality = its mean embedding), and its share of the encoder gradient norm.",
        ChartKind::Ogm => "OGM-GE, per modality: ρ_m = score_m / mean of the others' scores (score = Σ over the batch of the split head's softmax at the true class), as a moving average over steps, and the coefficient k_m = 1 − tanh(α·ρ_m) for the leader (1 otherwise), averaged over the steps since the last evaluation. Modulation runs for the first half of the run.",
        ChartKind::FusionSize => "Parameters of the fusion layer for the current modalities and encoder width (d_out = the width): LMF's r·Σ_m(d_m+1)·d_out + r + d_out grows linearly with the rank r, TFN's d_out·Π_m(d_m+1) + d_out is one number. The saving scales like a product against a sum: with two modalities and a large rank LMF is not smaller.",
        ChartKind::Blend => "Gradient-Blending's weights w_h of each head's loss, stacked to 1, from each estimate on V to the next (the paper's Fig. 5a). A candidate whose held-out loss falls while its gap barely moves gets most of the weight; when no candidate's held-out loss falls, the blend is uniform.",
    }
}

/// The backend badge: which backend runs, why, and its speed.
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
        <p class="badge-reason" data-testid="backend-reason">{move || state.backend.with(|b| b.as_ref().map(|b| b.reason.clone()).unwrap_or_default())}</p>
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

/// Counters the page and the browser tests read.
#[component]
fn RunStatusLine() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="status-line">
            "step " <span data-testid="step-counter">{move || state.stats.with(|s| s.step)}</span>
            " / " {move || state.stats.with(|s| s.total_steps)}
            " · evaluations " <span data-testid="eval-counter">{move || state.history.with(History::received)}</span>
            " · " <span data-testid="run-status">{move || state.stats.with(|s| s.status.clone())}</span>
            " · longest chunk " <span data-testid="max-chunk-ms">{move || format!("{:.1}", state.stats.with(|s| s.max_chunk_ms))}</span> " ms"
            " · first point " <span data-testid="first-point-ms">{move || state.stats.with(|s| s.first_point_ms.map(|t| format!("{t:.0}")).unwrap_or_else(|| "–".into()))}</span> " ms"
            " (its cold evaluation " <span data-testid="startup-evaluation-ms">{move || format!("{:.1}", state.stats.with(|s| s.startup_evaluation_ms))}</span> " ms)"
            " · evaluations take " <span data-testid="evaluation-share" title="of the engine's busy time over the last second; on WebGPU it includes queued step work that an evaluation's readback waits for">{move || format!("{:.0}", state.stats.with(|s| s.evaluation_share * 100.0))}</span> " % of the engine's time"
            " · engine memory " <span data-testid="engine-memory-mib">{move || format!("{:.1}", state.stats.with(|s| mib(s.engine_memory_bytes)))}</span> " MiB"
        </div>
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
                let heads: Vec<String> = e.heads.iter().skip(1).map(|(n, m)| format!("{n} alone (probe) {:.0} %", m.val_acc * 100.0)).collect();
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
    let state = AppState::new(PageOptions::from_location(), handle);
    provide_context(state);
    use_page_loop(state);
    // The page mounts in stages, one a frame (AppState::mounted): one mount of everything
    // was a 70-110 ms task on the test machine.
    wasm_bindgen_futures::spawn_local(async move {
        for _ in 1..AppState::MOUNT_STAGES {
            crate::browser::next_frame().await;
            state.mount_stage.update(|s| *s += 1);
        }
        crate::browser::page_mounted();
    });
    view! {
        <header>
            <h1>"Modalscope"</h1>
            <p class="tagline">"Why multimodal training is hard: watch the train/validation gap, the OGR and each modality's contribution as a small classifier trains in your browser."</p>
            <BackendBadge />
        </header>
        <main>
            <aside><ConfigControls /></aside>
            <div class="center">
                <RunControls />
                <RunStatusLine />
                <Story />
                <ViewControls />
            </div>
            <div class="charts">
                {ChartKind::ALL.into_iter().enumerate().map(|(i, kind)| view! {
                    <Show when=move || state.mounted(AppState::FIRST_CHART_STAGE + i)><CanvasChart kind=kind explanation=explanation(kind) /></Show>
                }).collect_view()}
            </div>
        </main>
    }
}
