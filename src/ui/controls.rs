//! The control panel: dataset, model, training, regularizers, run and view. Every control
//! carries a one- or two-sentence tooltip a teacher could read aloud. Live controls
//! (learning rate, regularizers, run length) apply at the next step; the others rebuild.

use leptos::prelude::*;

use crate::engine::config::{DataSource, FusionKind, MFEAT_VIEWS, OptimizerKind, PenaltyMode};
use crate::engine::device::BackendKind;
use crate::engine::presets::{PRESETS, preset};
use crate::ui::state::{AppState, UiCommand};

/// A labelled range input with its value shown.
#[component]
fn Slider(
    /// Visible label.
    label: &'static str,
    /// Tooltip.
    title: &'static str,
    /// `data-testid`.
    testid: &'static str,
    /// Range.
    min: f64,
    /// Range.
    max: f64,
    /// Granularity.
    step: f64,
    /// Current value.
    value: Signal<f64>,
    /// Called with the new value.
    on_change: Callback<f64>,
) -> impl IntoView {
    view! {
        <label class="control" title=title>
            <span>{label}": "<output>{move || format_number(value.get())}</output></span>
            <input type="range" data-testid=testid min=min max=max step=step prop:value=move || value.get()
                on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse::<f64>() { on_change.run(v) } } />
        </label>
    }
}

fn format_number(v: f64) -> String {
    if v != 0.0 && (v.abs() < 0.01 || v.abs() >= 10_000.0) { format!("{v:.1e}") } else { format!("{}", (v * 1000.0).round() / 1000.0) }
}

/// A labelled checkbox.
#[component]
fn Toggle(
    /// Visible label.
    #[prop(into)]
    label: String,
    /// Tooltip.
    title: &'static str,
    /// `data-testid`.
    testid: &'static str,
    /// Checked.
    checked: Signal<bool>,
    /// Called with the new state.
    on_change: Callback<bool>,
) -> impl IntoView {
    view! {
        <label class="toggle" title=title>
            <input type="checkbox" data-testid=testid prop:checked=move || checked.get()
                on:change=move |ev| on_change.run(event_target_checked(&ev)) />
            {label}
        </label>
    }
}

/// Play, pause, step, reset, speed and the backend switch.
#[component]
pub fn RunControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    let switch_to = move || match state.backend.with(|b| b.as_ref().map(|b| b.kind)) {
        Some(BackendKind::WebGpu) => BackendKind::Cpu,
        _ => BackendKind::WebGpu,
    };
    view! {
        <div class="run-controls">
            <button data-testid="play" title="Train continuously; curves update at every evaluation." on:click=move |_| state.send(UiCommand::Play)>"Play"</button>
            <button data-testid="pause" title="Stop after the current step (an evaluation already due still runs)." on:click=move |_| state.send(UiCommand::Pause)>"Pause"</button>
            <button data-testid="step" title="Run one evaluation interval, then pause." on:click=move |_| state.send(UiCommand::StepOnce)>"Step"</button>
            <button data-testid="reset" title="Start again from step 0 with the same settings and seed." on:click=move |_| state.send(UiCommand::Reset)>"Reset"</button>
            <button data-testid="switch-backend" title="Continue this run on the other backend from the last weight snapshot."
                disabled=move || !state.backend.with(|b| b.as_ref().is_some_and(|b| b.gpu_available))
                on:click=move |_| state.send(UiCommand::SwitchBackend(switch_to()))>
                {move || format!("Switch to {}", if switch_to() == BackendKind::Cpu { "CPU" } else { "WebGPU" })}
            </button>
            <Slider label="Speed (max steps per frame)" title="Caps how many optimizer steps run per animation frame; lower it to watch the curves form slowly."
                testid="speed" min=1.0 max=256.0 step=1.0 value=Signal::derive(move || state.max_steps_per_frame.get() as f64)
                on_change=Callback::new(move |v: f64| state.max_steps_per_frame.set(v as usize)) />
        </div>
    }
}

/// Dataset, model, training and regularizer controls.
#[component]
pub fn ConfigControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    let cfg = state.config;
    let is_synthetic = move || cfg.with(|c| c.data.source == DataSource::Synthetic);
    let on_preset = move |ev| {
        if let Some(config) = preset(&event_target_value(&ev)) {
            state.configure(|c| *c = config);
        }
    };
    let modality_sliders = move || {
        cfg.with(|c| c.data.synthetic.iter().map(|m| m.name.clone()).collect::<Vec<_>>())
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                view! {
                    <fieldset class="modality">
                        <legend>{format!("modality {name}")}</legend>
                        <Slider label="signal" title="Scale of the class means in this modality: higher makes it easier to classify from this modality alone."
                            testid="signal" min=0.0 max=3.0 step=0.05 value=Signal::derive(move || cfg.with(|c| c.data.synthetic.get(i).map(|m| m.signal as f64).unwrap_or(0.0)))
                            on_change=Callback::new(move |v: f64| state.configure(|c| c.data.synthetic[i].signal = v as f32)) />
                        <Slider label="noise" title="Standard deviation of the Gaussian noise on every feature of this modality."
                            testid="noise" min=0.0 max=3.0 step=0.05 value=Signal::derive(move || cfg.with(|c| c.data.synthetic.get(i).map(|m| m.noise as f64).unwrap_or(0.0)))
                            on_change=Callback::new(move |v: f64| state.configure(|c| c.data.synthetic[i].noise = v as f32)) />
                    </fieldset>
                }
            })
            .collect_view()
    };
    let view_toggles = move || {
        MFEAT_VIEWS
            .iter()
            .map(|(name, dims)| {
                let name = name.to_string();
                let label = format!("{name} ({dims} features)");
                let shown = name.clone();
                view! {
                    <Toggle label=label title="Use this mfeat feature view as a modality (one to four views)." testid="view"
                        checked=Signal::derive(move || cfg.with(|c| c.data.views.contains(&shown)))
                        on_change=Callback::new(move |on: bool| state.configure(|c| {
                            c.data.views.retain(|v| v != &name);
                            if on { c.data.views.push(name.clone()); }
                        })) />
                }
            })
            .collect_view()
    };
    view! {
        <section class="controls" data-testid="controls">
            <h3>"Data"</h3>
            <label class="control" title="A preset is a whole experiment: data, model and training, chosen to show one phenomenon.">
                <span>"Preset"</span>
                <select data-testid="preset" on:change=on_preset>
                    {PRESETS.iter().map(|p| view! { <option value=p.name title=p.description>{p.name}</option> }).collect_view()}
                </select>
            </label>
            <Show when=is_synthetic fallback=view_toggles>
                {modality_sliders}
                <Slider label="training samples" title="Samples the model trains on; a further 10 % of the training split is drawn and held out as V (for Gradient-Blending). Fewer samples overfit sooner."
                    testid="train-size" min=50.0 max=2000.0 step=50.0 value=Signal::derive(move || cfg.with(|c| c.data.train_size as f64))
                    on_change=Callback::new(move |v: f64| state.configure(|c| c.data.train_size = v as usize)) />
                <Slider label="label noise" title="Probability that a training label is replaced by a random class. Memorising these is pure overfitting."
                    testid="label-noise" min=0.0 max=0.5 step=0.05 value=Signal::derive(move || cfg.with(|c| c.data.label_noise as f64))
                    on_change=Callback::new(move |v: f64| state.configure(|c| c.data.label_noise = v as f32)) />
            </Show>
            <h3>"Model"</h3>
            <label class="control" title="How embeddings combine: concat (late fusion) [z_a; z_b], sum z_a + z_b, or gated Σ g_m z_m with a learned softmax gate.">
                <span>"Fusion"</span>
                <select data-testid="fusion" on:change=move |ev| {
                    let kind = match event_target_value(&ev).as_str() { "sum" => FusionKind::Sum, "gated" => FusionKind::Gated, _ => FusionKind::Concat };
                    state.configure(|c| c.model.fusion = kind);
                }>
                    <option value="concat" selected=move || cfg.with(|c| c.model.fusion == FusionKind::Concat)>"concat"</option>
                    <option value="sum" selected=move || cfg.with(|c| c.model.fusion == FusionKind::Sum)>"sum"</option>
                    <option value="gated" selected=move || cfg.with(|c| c.model.fusion == FusionKind::Gated)>"gated"</option>
                </select>
            </label>
            <Slider label="fused head hidden units" title="0 = a linear fused head (additive across modalities: it cannot learn interactions); more = one hidden ReLU layer."
                testid="fusion-hidden" min=0.0 max=256.0 step=16.0 value=Signal::derive(move || cfg.with(|c| c.model.fusion_hidden as f64))
                on_change=Callback::new(move |v: f64| state.configure(|c| c.model.fusion_hidden = v as usize)) />
            <Slider label="encoder width" title="Units per encoder layer; also the embedding size of each modality."
                testid="width" min=8.0 max=256.0 step=8.0 value=Signal::derive(move || cfg.with(|c| c.model.encoder_width as f64))
                on_change=Callback::new(move |v: f64| state.configure(|c| c.model.encoder_width = v as usize)) />
            <Slider label="encoder depth" title="Linear + ReLU layers per modality encoder."
                testid="depth" min=1.0 max=4.0 step=1.0 value=Signal::derive(move || cfg.with(|c| c.model.encoder_depth as f64))
                on_change=Callback::new(move |v: f64| state.configure(|c| c.model.encoder_depth = v as usize)) />
            <h3>"Training"</h3>
            <label class="control" title="Adam rescales every gradient; SGD with momentum 0.9 follows it directly. Weight decay is the L2 method below (coupled or decoupled).">
                <span>"Optimizer"</span>
                <select data-testid="optimizer" on:change=move |ev| {
                    let kind = match event_target_value(&ev).as_str() { "sgd" => OptimizerKind::Sgd, _ => OptimizerKind::Adam };
                    state.configure(|c| c.train.optimizer = kind);
                }>
                    <option value="adam">"Adam"</option>
                    <option value="sgd">"SGD + momentum"</option>
                </select>
            </label>
            <Slider label="log10 learning rate (live)" title="Step size of the optimizer, as a power of ten (−3 = 0.001). Changes apply at the next step without a reset."
                testid="learning-rate" min=-5.0 max=0.0 step=0.25 value=Signal::derive(move || cfg.with(|c| c.train.learning_rate.log10()))
                on_change=Callback::new(move |v: f64| state.configure(|c| c.train.learning_rate = 10f64.powf(v))) />
            <Slider label="batch size" title="Samples per optimizer step."
                testid="batch-size" min=8.0 max=256.0 step=8.0 value=Signal::derive(move || cfg.with(|c| c.train.batch_size as f64))
                on_change=Callback::new(move |v: f64| state.configure(|c| c.train.batch_size = v as usize)) />
            <Slider label="epochs (live)" title="Run length in passes over the training split."
                testid="epochs" min=10.0 max=1000.0 step=10.0 value=Signal::derive(move || cfg.with(|c| c.train.epochs as f64))
                on_change=Callback::new(move |v: f64| state.configure(|c| c.train.epochs = v as usize)) />
            <Slider label="evaluate every (steps, 0 = epoch)" title="Optimizer steps between evaluations. OGR compares consecutive evaluations, so it grows with this interval."
                testid="eval-every" min=0.0 max=100.0 step=1.0 value=Signal::derive(move || cfg.with(|c| c.train.eval_every as f64))
                on_change=Callback::new(move |v: f64| state.configure(|c| c.train.eval_every = v as usize)) />
            <h3>"Regularizers (live)"</h3>
            <Toggle label="dropout on the fused layer" title="Inverted dropout on the fused representation during training: each unit is zeroed with probability p and the rest scaled by 1/(1−p)."
                testid="toggle-fusion-dropout" checked=Signal::derive(move || cfg.with(|c| c.regularizers.fusion_dropout.enabled))
                on_change=Callback::new(move |on: bool| state.configure(|c| c.regularizers.fusion_dropout.enabled = on)) />
            <Slider label="dropout p" title="Drop probability of the fused-layer dropout." testid="fusion-dropout-p" min=0.0 max=0.9 step=0.05
                value=Signal::derive(move || cfg.with(|c| c.regularizers.fusion_dropout.p))
                on_change=Callback::new(move |v: f64| state.configure(|c| c.regularizers.fusion_dropout.p = v)) />
            <Toggle label="modality dropout" title="Per training sample, each modality's embedding is zeroed with probability p (never all of them); the kept ones are not rescaled."
                testid="toggle-modality-dropout" checked=Signal::derive(move || cfg.with(|c| c.regularizers.modality_dropout.enabled))
                on_change=Callback::new(move |on: bool| state.configure(|c| c.regularizers.modality_dropout.enabled = on)) />
            <Slider label="modality dropout p" title="Probability that one modality's embedding is zeroed for a sample." testid="modality-dropout-p" min=0.0 max=0.9 step=0.05
                value=Signal::derive(move || cfg.with(|c| c.regularizers.modality_dropout.p))
                on_change=Callback::new(move |v: f64| state.configure(|c| c.regularizers.modality_dropout.p = v)) />
            <Toggle label="L2 / weight decay" title="Coupled: loss += λ/2·Σ‖W‖² (Adam rescales its gradient). Decoupled (AdamW-style): W ← W − lr·λ·W after each step. Biases are not penalised."
                testid="toggle-weight-penalty" checked=Signal::derive(move || cfg.with(|c| c.regularizers.weight_penalty.enabled))
                on_change=Callback::new(move |on: bool| state.configure(|c| c.regularizers.weight_penalty.enabled = on)) />
            <Toggle label="decoupled (else coupled L2)" title="Which form of weight decay is on: decoupled shrinks weights directly, coupled adds a loss term."
                testid="toggle-decoupled" checked=Signal::derive(move || cfg.with(|c| c.regularizers.weight_penalty.mode == PenaltyMode::Decoupled))
                on_change=Callback::new(move |on: bool| state.configure(|c| c.regularizers.weight_penalty.mode = if on { PenaltyMode::Decoupled } else { PenaltyMode::Coupled })) />
            <Slider label="log10 λ" title="Strength of the L2 penalty or weight decay, as a power of ten (−2 = 0.01)." testid="weight-penalty-lambda" min=-5.0 max=1.0 step=0.25
                value=Signal::derive(move || cfg.with(|c| c.regularizers.weight_penalty.lambda.max(1e-9).log10()))
                on_change=Callback::new(move |v: f64| state.configure(|c| c.regularizers.weight_penalty.lambda = 10f64.powf(v))) />
            <Toggle label="early stopping" title="Stop when the fused validation loss has not improved for `patience` evaluations, and restore the best weights."
                testid="toggle-early-stopping" checked=Signal::derive(move || cfg.with(|c| c.regularizers.early_stopping.enabled))
                on_change=Callback::new(move |on: bool| state.configure(|c| c.regularizers.early_stopping.enabled = on)) />
            <Slider label="patience" title="Evaluations without a new best fused validation loss before stopping." testid="patience" min=1.0 max=30.0 step=1.0
                value=Signal::derive(move || cfg.with(|c| c.regularizers.early_stopping.patience as f64))
                on_change=Callback::new(move |v: f64| state.configure(|c| c.regularizers.early_stopping.patience = v as usize)) />
        </section>
    }
}

/// Smoothing and log scale.
#[component]
pub fn ViewControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="view-controls">
            <Slider label="smoothing" title="TensorBoard-style debiased exponential moving average of each curve; hover a chart for the raw values."
                testid="smoothing" min=0.0 max=0.99 step=0.01 value=Signal::derive(move || state.smoothing.get())
                on_change=Callback::new(move |v: f64| state.smoothing.set(v)) />
            <Toggle label="log scale" title="Plot the y axes on a logarithmic scale; zero and negative values are left out."
                testid="log-scale" checked=Signal::derive(move || state.log_y.get()) on_change=Callback::new(move |on: bool| state.log_y.set(on)) />
        </div>
    }
}
