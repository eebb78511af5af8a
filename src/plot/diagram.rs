//! The model as a picture: each modality's input, encoder and unimodal head, the fusion and
//! the fused head, with their sizes and parameter counts, from the configuration alone, and
//! the parts the methods in use act on (each method's `acts_on`, in its folder).

use crate::engine::config::{DataSource, ExperimentConfig, FusionKind, MFEAT_VIEWS, TensorFusionSize};
use crate::engine::methods::METHODS;
use crate::engine::methods::kit::about::Part;
use crate::engine::metrics::thousands;

/// One box of the diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// Its name ("a", "encoder", "LMF (r = 4)").
    pub title: String,
    /// Its shape in words ("16 features", "MLP 2 × 64", "128 → 4").
    pub detail: String,
    /// Its trainable parameters (0 for an input or a parameter-free fusion).
    pub params: u64,
    /// What the methods in use do to it (short tags).
    pub marks: Vec<&'static str>,
}

impl Block {
    fn new(title: impl Into<String>, detail: impl Into<String>, params: u64, marks: Vec<&'static str>) -> Self {
        Self { title: title.into(), detail: detail.into(), params, marks }
    }

    /// "5,248 parameters" (empty for none).
    pub fn params_text(&self) -> String {
        match self.params {
            0 => String::new(),
            1 => "1 parameter".into(),
            n => format!("{} parameters", thousands(n)),
        }
    }
}

/// One modality's row: its input, its encoder and its unimodal head.
#[derive(Clone, Debug, PartialEq)]
pub struct ModalityRow {
    /// The modality's name.
    pub name: String,
    /// Its index among the modalities in use (its colour, [`crate::plot::head_color`]`(index + 1)`).
    pub index: usize,
    /// x_m.
    pub input: Block,
    /// φ_m.
    pub encoder: Block,
    /// Its probe, or its head where a method trains it.
    pub head: Block,
}

/// The whole network, drawn from a configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelDiagram {
    /// One row per modality in use.
    pub modalities: Vec<ModalityRow>,
    /// The fusion of the embeddings.
    pub fusion: Block,
    /// The fused head.
    pub fused_head: Block,
    /// Tags of the methods that act on every weight (L2).
    pub all_weights: Vec<&'static str>,
    /// The network's parameters in all (the methods' own layers left out).
    pub total: u64,
}

/// A linear layer's parameters.
fn linear(d_in: usize, d_out: usize) -> u64 {
    (d_in * d_out + d_out) as u64
}

/// The modalities in use with their input widths, in order.
fn inputs(config: &ExperimentConfig) -> Vec<(String, usize)> {
    let all: Vec<(String, usize)> = match config.data.source {
        DataSource::Synthetic => config.data.synthetic.iter().map(|m| (m.name.clone(), m.dim)).collect(),
        DataSource::Mfeat => config.data.views.iter().filter_map(|v| MFEAT_VIEWS.iter().find(|(n, _)| n == v).map(|(n, d)| (n.to_string(), *d))).collect(),
    };
    all.into_iter().filter(|(n, _)| config.modalities.is_empty() || config.modalities.contains(n)).collect()
}

/// The diagram of `config`'s network (its classes as the engine normalised them).
pub fn model_diagram(config: &ExperimentConfig) -> ModelDiagram {
    let on = config.methods.enabled_names();
    let marks = |part: Part| -> Vec<&'static str> {
        METHODS.iter().filter(|m| on.contains(&m.key)).flat_map(|m| m.acts_on.iter().filter(|(p, _)| *p == part).map(|(_, tag)| *tag)).collect()
    };
    let trained = METHODS.iter().any(|m| on.contains(&m.key) && m.trains_unimodal_heads);
    let (model, classes) = (&config.model, config.data.classes);
    let (width, depth) = (model.encoder_width, model.encoder_depth);
    let rows: Vec<ModalityRow> = inputs(config)
        .into_iter()
        .enumerate()
        .map(|(index, (name, d))| {
            let (detail, encoder) = match model.fusion {
                // Early fusion: the modality's share of one encoder's first layer.
                FusionKind::Early => (format!("linear {d} → {width}"), linear(d, width)),
                _ => (format!("MLP {depth} × {width}"), linear(d, width) + (depth.saturating_sub(1) as u64) * linear(width, width)),
            };
            ModalityRow {
                input: Block::new(name.clone(), format!("{d} features"), 0, marks(Part::Inputs)),
                encoder: Block::new("encoder", detail, encoder, marks(Part::Encoders)),
                head: Block::new(crate::plot::head_label(&name, trained), format!("{width} → {classes}"), linear(width, classes), marks(Part::UnimodalHeads)),
                name,
                index,
            }
        })
        .collect();
    let m = rows.len();
    let size = TensorFusionSize::new(m, width, model.rank);
    let (title, detail, params, fused_width) = match model.fusion {
        FusionKind::Concat => ("concat".to_string(), format!("{m} × {width} → {}", m * width), 0, m * width),
        FusionKind::Sum => ("sum".to_string(), format!("{m} × {width} → {width}"), 0, width),
        FusionKind::Gated => ("gated sum".to_string(), format!("softmax gate over {m}, → {width}"), linear(m * width, m), width),
        FusionKind::Lmf => (format!("LMF (r = {})", model.rank), format!("{m} × {width} → {width}"), size.lmf, width),
        FusionKind::Tfn => ("TFN".to_string(), format!("⊗ of {m} × ({width} + 1) → {width}"), size.tfn, width),
        FusionKind::Early => {
            let shared = depth.saturating_sub(1);
            let detail = match shared {
                0 => format!("ReLU(Σ of {m} × {width})"),
                n => format!("ReLU(Σ of {m} × {width}), then {n} × {width} shared"),
            };
            ("early: one encoder".to_string(), detail, shared as u64 * linear(width, width), width)
        }
        FusionKind::Late => {
            let (detail, classifier) = match model.fusion_hidden {
                0 => (format!("mean of {m} classifiers {width} → {classes}"), linear(width, classes)),
                h => (format!("mean of {m} classifiers {width} → {h} → {classes}"), linear(width, h) + linear(h, classes)),
            };
            ("late: mean of logits".to_string(), detail, m as u64 * classifier, classes)
        }
    };
    let fusion = Block::new(title, detail, params, marks(Part::Fusion));
    let (detail, head) = match (model.fusion.has_fused_head(), model.fusion_hidden) {
        (false, _) => ("none: the fusion gives the logits".to_string(), 0),
        (true, 0) => (format!("{fused_width} → {classes}"), linear(fused_width, classes)),
        (true, h) => (format!("{fused_width} → {h} → {classes}"), linear(fused_width, h) + linear(h, classes)),
    };
    let fused_head = Block::new("fused head", detail, head, marks(Part::FusedHead));
    let total = rows.iter().map(|r| r.encoder.params + r.head.params).sum::<u64>().saturating_add(fusion.params).saturating_add(fused_head.params);
    ModelDiagram { modalities: rows, fusion, fused_head, all_weights: marks(Part::Weights), total }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diagram_names_each_part_its_size_and_what_the_methods_do() {
        let imbalance = crate::engine::presets::preset("imbalance").unwrap();
        let d = model_diagram(&imbalance);
        let names: Vec<&str> = d.modalities.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(d.modalities[0].head.title, "a's probe");
        assert!(d.fusion.marks.is_empty() && d.all_weights.is_empty(), "no method on");
        let on = imbalance.with_override("methods.fusion_dropout.enabled=true").unwrap().with_override("methods.weight_penalty.enabled=true").unwrap();
        let d = model_diagram(&on);
        assert_eq!(d.fusion.marks, ["dropout"]);
        assert_eq!(d.all_weights, ["L2 / weight decay"]);
        let blend = model_diagram(&crate::engine::presets::preset("gradient-blending").unwrap());
        assert_eq!(blend.modalities[1].head.title, "head b", "Gradient-Blending trains the unimodal heads");
        assert!(blend.fused_head.marks.contains(&"G-Blend weight"));
        let lmf = model_diagram(&crate::engine::presets::preset("lmf").unwrap());
        assert_eq!((lmf.fusion.title.as_str(), lmf.fusion.params), ("LMF (r = 4)", 33_348), "as the fusion-size chart counts it");
    }
}
