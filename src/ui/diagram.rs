//! `<ModelDiagram/>`: the network as a picture ([`crate::plot::diagram`]), first in the chart
//! grid, redrawn from the configuration when a structural knob or a method changes.

use leptos::prelude::*;

use crate::engine::metrics::thousands;
use crate::plot::diagram::{Block, model_diagram};
use crate::plot::head_color;
use crate::ui::state::AppState;

/// One box: its title and shape on a line, its parameters and the tags of the methods acting
/// on it under them.
fn block_view(block: Block, class: &'static str, testid: String, color: Option<String>) -> impl IntoView {
    let params = block.params_text();
    let marks = block.marks.into_iter().map(|m| view! { <span class="method-tag">{m}</span> }).collect_view();
    view! {
        <div class=format!("block {class}") data-testid=testid style:border-color=color>
            <span><span class="block-title">{block.title}</span>" "<span class="block-detail">{block.detail}</span></span>
            <span class="block-params">{params}</span>
            {marks}
        </div>
    }
}

/// The model diagram, top down: per modality (a column each) its input, its encoder and the
/// modality's own head branching off it, then the fusion and the fused head across; each box
/// with its size and parameter count, tagged with what the methods in use do to it.
#[component]
pub fn ModelDiagram() -> impl IntoView {
    let state = expect_context::<AppState>();
    let diagram = Memo::new(move |_| state.config.with(model_diagram));
    move || {
        let d = diagram.get();
        let columns = format!("repeat({}, minmax(0, 1fr))", d.modalities.len().max(1));
        let weights = d.all_weights.into_iter().map(|m| view! { <span class="method-tag">{m}</span> }).collect_view();
        let rows = d
            .modalities
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let (r, g, b) = head_color(row.index + 1);
                let color = format!("rgb({r}, {g}, {b})");
                let column = (i + 1).to_string();
                let name = row.name.clone();
                view! {
                    <div class="diagram-cell" style:grid-row="1" style:grid-column=column.clone()>{block_view(row.input, "input", format!("diagram-input-{name}"), Some(color.clone()))}</div>
                    <div class="diagram-cell" style:grid-row="2" style:grid-column=column>
                        {block_view(row.encoder, "encoder", format!("diagram-encoder-{name}"), Some(color.clone()))}
                        {block_view(row.head, "probe", format!("diagram-head-{name}"), Some(color))}
                    </div>
                }
            })
            .collect_view();
        view! {
            <figure class="diagram" data-testid="model-diagram"
                title="Inputs → encoders → fusion → fused head; each encoder also feeds its modality's own head (dashed: a probe, trained on the detached embedding, unless a method trains it). Tags: what the methods in use act on.">
                <figcaption><span class="chart-title">"The model"</span>
                    <span class="diagram-total" data-testid="diagram-total">{format!("{} parameters", thousands(d.total))}</span>{weights}</figcaption>
                <div class="diagram-grid" style:grid-template-columns=columns>
                    {rows}
                    <div class="diagram-cell across" style:grid-row="3" style:grid-column="1 / -1">{block_view(d.fusion, "fusion", "diagram-fusion".into(), None)}</div>
                    <div class="diagram-cell across" style:grid-row="4" style:grid-column="1 / -1">{block_view(d.fused_head, "fused", "diagram-fused-head".into(), None)}</div>
                </div>
            </figure>
        }
    }
}
