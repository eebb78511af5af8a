//! The whole network and its heads, as docs/methods.md "The model and its heads" defines them.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, activation::relu};

use super::encoder::Encoder;
use super::fusion::Fusion;
use super::init::linear_from_rng;
use super::params::{scale_weights, squared_weight_norm};
use crate::engine::config::{FusionKind, ModelConfig};
use crate::engine::data::split::streams;
use crate::engine::rng::HostRng;

/// Encoders, fusion, fused head (linear or one hidden layer; none for late fusion, whose
/// fusion gives the logits) and one linear probe head per modality.
#[derive(Module, Debug)]
pub struct MultimodalNet {
    /// φ_m, one per modality.
    pub encoders: Vec<Encoder>,
    /// The fusion.
    pub fusion: Fusion,
    /// Hidden layer of the fused head, when `fusion_hidden > 0` (and the fusion is not late).
    pub hidden: Option<Linear>,
    /// The fused head's output layer (`None` for late fusion).
    pub head: Option<Linear>,
    /// The unimodal heads, one per modality, on z_m.
    pub probes: Vec<Linear>,
    /// Trainable layers that methods own (projection heads, ...): the optimizer steps them
    /// and every weight snapshot includes them, like the rest of the network.
    pub extras: Vec<Linear>,
    /// The key of the method that owns each of `extras`.
    #[module(skip)]
    pub extra_owners: Vec<&'static str>,
}

/// What a forward pass returns.
///
/// # Shapes
/// - `fused`: `[batch, classes]`
/// - `unimodal[m]`: `[batch, classes]`
/// - `embeddings[m]`: `[batch, width]`
#[derive(Debug, Clone)]
pub struct Forward {
    /// Fused logits.
    pub fused: Tensor<2>,
    /// Per-modality (probe head) logits.
    pub unimodal: Vec<Tensor<2>>,
    /// Per-modality embeddings z_m.
    pub embeddings: Vec<Tensor<2>>,
}

impl MultimodalNet {
    /// A network for modalities of `dims` features and `classes` classes, its weights drawn
    /// on the host from `seed`.
    pub fn new(config: &ModelConfig, dims: &[usize], classes: usize, seed: u64, device: &Device) -> Self {
        let mut rng = HostRng::new(seed, streams::WEIGHTS);
        let width = config.encoder_width;
        let encoders = dims
            .iter()
            .map(|&d| match config.fusion {
                FusionKind::Early => Encoder::linear(d, width, &mut rng, device),
                _ => Encoder::new(d, width, config.encoder_depth, &mut rng, device),
            })
            .collect();
        let fusion = Fusion::new(config, dims.len(), classes, &mut rng, device);
        let fused_width = Fusion::output_width(config, dims.len(), classes);
        let (hidden, head) = match (config.fusion.has_fused_head(), config.fusion_hidden) {
            (false, _) => (None, None),
            (true, 0) => (None, Some(linear_from_rng(fused_width, classes, &mut rng, device))),
            (true, h) => {
                let hidden = linear_from_rng(fused_width, h, &mut rng, device);
                (Some(hidden), Some(linear_from_rng(h, classes, &mut rng, device)))
            }
        };
        let probes = dims.iter().map(|_| linear_from_rng(width, classes, &mut rng, device)).collect();
        Self { encoders, fusion, hidden, head, probes, extras: Vec::new(), extra_owners: Vec::new() }
    }

    /// z_m = φ_m(x_m) for every modality.
    ///
    /// # Shapes
    /// - `inputs[m]`: `[batch, d_m]`; output `[batch, width]` each
    pub fn embed(&self, inputs: &[Tensor<2>]) -> Vec<Tensor<2>> {
        self.encoders.iter().zip(inputs).map(|(encoder, x)| encoder.forward(x.clone())).collect()
    }

    /// The fused representation.
    pub fn fuse(&self, embeddings: &[Tensor<2>]) -> Tensor<2> {
        self.fusion.forward(embeddings)
    }

    /// Fused logits from the fused representation (late fusion's is already the logits).
    ///
    /// # Shapes
    /// - `fused`: `[batch, fused_width]`; output `[batch, classes]`
    pub fn classify(&self, fused: Tensor<2>) -> Tensor<2> {
        let Some(head) = &self.head else { return fused };
        let hidden = match &self.hidden {
            Some(layer) => relu(layer.forward(fused)),
            None => fused,
        };
        head.forward(hidden)
    }

    /// Probe-head logits per modality. With `detach`, the heads train on z_m.detach() and
    /// their loss never reaches the encoders (the naive baseline's probes).
    pub fn probe(&self, embeddings: &[Tensor<2>], detach: bool) -> Vec<Tensor<2>> {
        self.probes
            .iter()
            .zip(embeddings)
            .map(|(head, z)| head.forward(if detach { z.clone().detach() } else { z.clone() }))
            .collect()
    }

    /// Clean forward pass (no regularizer), with every modality present.
    pub fn forward(&self, inputs: &[Tensor<2>]) -> Forward {
        let embeddings = self.embed(inputs);
        let fused = self.classify(self.fuse(&embeddings));
        let unimodal = self.probe(&embeddings, false);
        Forward { fused, unimodal, embeddings }
    }

    /// The parameter ids of each encoder (hook 4: per-encoder gradient modulation).
    pub fn encoder_param_ids(&self) -> Vec<Vec<burn::module::ParamId>> {
        self.encoders.iter().map(super::params::param_ids).collect()
    }

    /// Σ‖W‖² over the weight matrices that L2 penalises: encoders, fusion, fused head, and
    /// the unimodal heads only when `with_heads` (attached); never the detached probes.
    ///
    /// # Shapes
    /// - output: `[1]`
    pub fn penalised_weight_norm(&self, with_heads: bool, device: &Device) -> Tensor<1> {
        let mut total = squared_weight_norm(&self.encoders, device)
            + squared_weight_norm(&self.fusion, device)
            + squared_weight_norm(&self.hidden, device)
            + squared_weight_norm(&self.head, device);
        if with_heads {
            total = total + squared_weight_norm(&self.probes, device);
        }
        total
    }

    /// Multiplies the weight matrices that [`Self::penalised_weight_norm`] covers by `factor`.
    pub fn scale_penalised_weights(self, factor: f64, with_heads: bool) -> Self {
        Self {
            encoders: scale_weights(self.encoders, factor),
            fusion: scale_weights(self.fusion, factor),
            hidden: scale_weights(self.hidden, factor),
            head: scale_weights(self.head, factor),
            probes: if with_heads { scale_weights(self.probes, factor) } else { self.probes },
            extras: self.extras,
            extra_owners: self.extra_owners,
        }
    }

    /// The network with `layers` added, owned by the method `owner`.
    pub fn with_method_layers(mut self, owner: &'static str, layers: Vec<Linear>) -> Self {
        self.extra_owners.extend(layers.iter().map(|_| owner));
        self.extras.extend(layers);
        self
    }

    /// The layers the method `owner` added, in the order it gave them.
    pub fn method_layers(&self, owner: &str) -> Vec<&Linear> {
        self.extras.iter().zip(&self.extra_owners).filter(|(_, o)| **o == owner).map(|(layer, _)| layer).collect()
    }

    /// OGM-GE's split of a *linear* fused head (docs/methods.md, "Metric `split_acc`"):
    /// s_m = z_m W_m + b/M with W_m the rows of the head's weight that see z_m (concat), or the
    /// branch z_m W + b/M (sum). `None` for the gated fusion or a hidden-layer head, where no
    /// such split exists, nor for the tensor fusions (multiplicative across modalities).
    ///
    /// # Shapes
    /// - `embeddings[m]`: `[batch, width]` → `[batch, classes]` each
    pub fn split_logits(&self, embeddings: &[Tensor<2>]) -> Option<Vec<Tensor<2>>> {
        let head = self.head.as_ref()?;
        if self.hidden.is_some() {
            return None;
        }
        let modalities = embeddings.len();
        let weight = head.weight.val();
        let bias = head.bias.as_ref().map(|b| b.val().unsqueeze_dim::<2>(0) / modalities as f64);
        let rows = |m: usize, z: &Tensor<2>| match self.fusion.kind {
            FusionKind::Concat => weight.clone().narrow(0, m * z.dims()[1], z.dims()[1]),
            _ => weight.clone(),
        };
        match self.fusion.kind {
            FusionKind::Concat | FusionKind::Sum => Some(
                embeddings
                    .iter()
                    .enumerate()
                    .map(|(m, z)| {
                        let s = z.clone().matmul(rows(m, z));
                        match &bias {
                            Some(b) => s + b.clone(),
                            None => s,
                        }
                    })
                    .collect(),
            ),
            FusionKind::Gated | FusionKind::Lmf | FusionKind::Tfn | FusionKind::Early | FusionKind::Late => None,
        }
    }

    /// Fused logits with some modalities removed: where `present[m]` is false, z_m is
    /// replaced by `replacement[m]` (a `[1, width]` row, typically the mean embedding).
    pub fn fused_with_mask(&self, embeddings: &[Tensor<2>], present: &[bool], replacement: &[Tensor<2>]) -> Tensor<2> {
        let masked: Vec<Tensor<2>> = embeddings
            .iter()
            .enumerate()
            .map(|(m, z)| if present[m] { z.clone() } else { replacement[m].clone().expand(z.dims()) })
            .collect();
        self.classify(self.fuse(&masked))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forward_shapes(fusion: FusionKind, hidden: usize) {
        let device = Device::flex();
        let config = ModelConfig { encoder_width: 8, encoder_depth: 2, fusion, fusion_hidden: hidden, rank: 2 };
        let net = MultimodalNet::new(&config, &[3, 5, 2], 4, 1, &device);
        let inputs = vec![Tensor::zeros([6, 3], &device), Tensor::ones([6, 5], &device), Tensor::ones([6, 2], &device)];
        let out = net.forward(&inputs);
        assert_eq!(out.fused.dims(), [6, 4]);
        assert_eq!(out.unimodal.len(), 3);
        assert_eq!(out.unimodal[1].dims(), [6, 4]);
        assert_eq!(out.embeddings[2].dims(), [6, 8]);
    }

    #[test]
    fn split_logits_add_up_to_the_linear_head_and_exist_only_for_it() {
        // Σ_m s_m = z W + b for concat and sum (the split is exact), none for gated or a
        // hidden layer.
        let device = Device::flex();
        let values = |t: Tensor<2>| t.into_data().try_to_vec::<f32>().unwrap();
        for fusion in [FusionKind::Concat, FusionKind::Sum] {
            let net = MultimodalNet::new(&ModelConfig { encoder_width: 4, encoder_depth: 1, fusion, fusion_hidden: 0, ..Default::default() }, &[3, 2], 5, 1, &device);
            let inputs = vec![Tensor::random([6, 3], burn::tensor::Distribution::Default, &device), Tensor::ones([6, 2], &device)];
            let embeddings = net.embed(&inputs);
            let split = net.split_logits(&embeddings).expect("a linear head splits");
            let total = values(split[0].clone() + split[1].clone());
            let whole = values(net.classify(net.fuse(&embeddings)));
            assert!(total.iter().zip(&whole).all(|(a, b)| (a - b).abs() < 1e-5), "{fusion:?}: {total:?} vs {whole:?}");
        }
        let gated = MultimodalNet::new(&ModelConfig { fusion: FusionKind::Gated, ..Default::default() }, &[3, 2], 5, 1, &device);
        let hidden = MultimodalNet::new(&ModelConfig { fusion_hidden: 8, ..Default::default() }, &[3, 2], 5, 1, &device);
        let lmf = MultimodalNet::new(&ModelConfig { fusion: FusionKind::Lmf, ..Default::default() }, &[3, 2], 5, 1, &device);
        for net in [gated, hidden, lmf] {
            let embeddings = net.embed(&[Tensor::ones([2, 3], &device), Tensor::ones([2, 2], &device)]);
            assert!(net.split_logits(&embeddings).is_none());
        }
    }

    #[test]
    fn every_fusion_gives_documented_shapes() {
        forward_shapes(FusionKind::Concat, 0);
        forward_shapes(FusionKind::Sum, 16);
        forward_shapes(FusionKind::Gated, 0);
        forward_shapes(FusionKind::Lmf, 0);
        forward_shapes(FusionKind::Tfn, 16);
        forward_shapes(FusionKind::Early, 0);
        forward_shapes(FusionKind::Early, 16);
        forward_shapes(FusionKind::Late, 0);
        forward_shapes(FusionKind::Late, 16);
    }

    /// A network of `fusion` on two modalities (3 and 2 features, 4 classes).
    fn two_modality_net(fusion: FusionKind, hidden: usize, depth: usize, device: &Device) -> MultimodalNet {
        let config = ModelConfig { encoder_width: 6, encoder_depth: depth, fusion, fusion_hidden: hidden, rank: 2 };
        MultimodalNet::new(&config, &[3, 2], 4, 5, device)
    }

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    /// Standard normal inputs drawn on the host from `stream` (the backend's own generator is
    /// not seeded: a test on its draws could fail one run in many).
    fn random(rows: usize, cols: usize, stream: u64, device: &Device) -> Tensor<2> {
        let mut rng = HostRng::new(7, stream);
        let values: Vec<f32> = (0..rows * cols).map(|_| rng.normal() as f32).collect();
        Tensor::from_data(burn::tensor::TensorData::new(values, [rows, cols]), device)
    }

    #[test]
    fn early_fusion_is_one_encoder_of_the_concatenated_inputs() {
        // The first layer's weight is the encoders' weights stacked (rows of x_a, then x_b),
        // its bias the sum of theirs; then ReLU, the shared layers, the head.
        let device = Device::flex();
        let net = two_modality_net(FusionKind::Early, 5, 3, &device);
        assert_eq!(net.fusion.shared.len(), 2, "encoder depth 3: one split layer, two shared");
        assert!(net.encoders.iter().all(|e| e.linear && e.layers.len() == 1));
        let (a, b) = (random(7, 3, 1, &device), random(7, 2, 2, &device));
        let layer = |m: usize| &net.encoders[m].layers[0];
        let weight = Tensor::cat(vec![layer(0).weight.val(), layer(1).weight.val()], 0);
        let bias = (layer(0).bias.as_ref().unwrap().val() + layer(1).bias.as_ref().unwrap().val()).unsqueeze_dim::<2>(0);
        let first = relu(Tensor::cat(vec![a.clone(), b.clone()], 1).matmul(weight) + bias);
        let by_hand = net.classify(net.fusion.shared.iter().fold(first, |x, l| relu(l.forward(x))));
        let (got, want) = (values(net.forward(&[a, b]).fused), values(by_hand));
        assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-4), "{got:?} vs {want:?}");
    }

    #[test]
    fn late_fusion_averages_each_modalitys_classifier_and_stays_additive() {
        // f(x_a, x_b) = (g_a(x_a) + g_b(x_b)) / 2, so f(a1, b1) + f(a2, b2) = f(a1, b2) + f(a2,
        // b1) whatever the weights: no XOR. A hidden-layer head on concat is not additive.
        let device = Device::flex();
        let late = two_modality_net(FusionKind::Late, 8, 2, &device);
        assert!(late.head.is_none() && late.hidden.is_none());
        assert_eq!((late.fusion.late_hidden.len(), late.fusion.late_out.len()), (2, 2));
        let (a1, a2, b1, b2) = (random(16, 3, 1, &device), random(16, 3, 2, &device), random(16, 2, 3, &device), random(16, 2, 4, &device));
        let mismatch = |net: &MultimodalNet| {
            let f = |a: &Tensor<2>, b: &Tensor<2>| net.forward(&[a.clone(), b.clone()]).fused;
            values((f(&a1, &b1) + f(&a2, &b2)) - (f(&a1, &b2) + f(&a2, &b1))).into_iter().fold(0f32, |m, v| m.max(v.abs()))
        };
        assert!(mismatch(&late) < 1e-4, "late fusion is additive: {}", mismatch(&late));
        assert!(mismatch(&two_modality_net(FusionKind::Concat, 8, 2, &device)) > 1e-3, "a hidden-layer head is not");
        let z = late.embed(&[a1.clone(), b1.clone()]);
        let own = |m: usize| late.fusion.late_out[m].forward(relu(late.fusion.late_hidden[m].forward(z[m].clone())));
        let (got, want) = (values(late.forward(&[a1, b1]).fused), values((own(0) + own(1)) / 2.0));
        assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-5));
    }

    #[test]
    fn detached_probes_never_reach_the_encoders_attached_heads_do() {
        use crate::engine::model::loss::cross_entropy;
        use crate::engine::model::params::gradient_norm;
        use burn::optim::GradientsParams;
        let device = Device::flex().autodiff();
        let net = MultimodalNet::new(&ModelConfig::default(), &[3, 2], 2, 1, &device);
        let inputs = vec![Tensor::ones([4, 3], &device), Tensor::ones([4, 2], &device)];
        let targets = Tensor::<2>::from_data(burn::tensor::TensorData::new(vec![1f32, 0., 0., 1., 1., 0., 0., 1.], [4, 2]), &device);
        for (detach, reaches) in [(true, false), (false, true)] {
            let embeddings = net.embed(&inputs);
            let loss = net.probe(&embeddings, detach).into_iter().map(|logits| cross_entropy(logits, targets.clone())).reduce(|a, b| a + b).unwrap();
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            let norm = gradient_norm(&net.encoders[0], &grads).map(|n| n.into_data().try_to_vec::<f32>().unwrap()[0]);
            assert_eq!(norm.is_some_and(|n| n > 0.0), reaches, "detach {detach}: encoder gradient {norm:?}");
            assert!(gradient_norm(&net.probes[0], &grads).is_some(), "the heads themselves always learn");
        }
    }

    #[test]
    fn same_seed_gives_same_weights() {
        let device = Device::flex();
        let config = ModelConfig::default();
        let a = MultimodalNet::new(&config, &[3, 4], 2, 9, &device);
        let b = MultimodalNet::new(&config, &[3, 4], 2, 9, &device);
        let head = |net: &MultimodalNet| net.head.as_ref().unwrap().weight.val().into_data();
        head(&a).assert_eq(&head(&b), true);
    }
}
