//! The model diagram's parameter counts (`src/plot/diagram.rs`, burn-free) against the
//! engine's own network, part by part, for every fusion, with and without a hidden layer.

use burn::module::Module;
use modalscope::engine::config::{FusionKind, ModelConfig};
use modalscope::engine::model::MultimodalNet;
use modalscope::plot::diagram::model_diagram;

#[test]
fn the_diagrams_counts_are_the_engines() {
    let device = burn::tensor::Device::flex();
    for fusion in [FusionKind::Concat, FusionKind::Sum, FusionKind::Gated, FusionKind::Lmf, FusionKind::Tfn, FusionKind::Early, FusionKind::Late] {
        for hidden in [0, 12] {
            let mut config = modalscope::engine::presets::preset("imbalance").unwrap();
            config.model = ModelConfig { encoder_width: 8, encoder_depth: 3, fusion, fusion_hidden: hidden, rank: 3 };
            let d = model_diagram(&config);
            let dims: Vec<usize> = config.data.synthetic.iter().map(|m| m.dim).collect();
            let net = MultimodalNet::new(&config.model, &dims, config.data.classes, 1, &device);
            let encoders: Vec<u64> = net.encoders.iter().map(|e| e.num_params() as u64).collect();
            assert_eq!(d.modalities.iter().map(|r| r.encoder.params).collect::<Vec<_>>(), encoders, "{fusion:?}");
            assert_eq!(d.fusion.params, net.fusion.num_params() as u64, "{fusion:?}");
            let head = net.head.as_ref().map_or(0, |h| h.num_params()) + net.hidden.as_ref().map_or(0, |h| h.num_params());
            assert_eq!(d.fused_head.params, head as u64, "{fusion:?} hidden {hidden}");
            assert_eq!(d.modalities[0].head.params, net.probes[0].num_params() as u64);
            assert_eq!(d.total, net.num_params() as u64, "{fusion:?} hidden {hidden}: the whole network");
        }
    }
}
