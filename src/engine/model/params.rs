//! Walks over a module's parameters: the flattened weight snapshot (and loading it back),
//! squared norms of weight matrices, and per-encoder gradient norms.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};

/// All float parameters of `module`, each flattened, concatenated in visiting order.
///
/// # Shapes
/// - output: `[num_params]`
pub fn flatten_parameters<M: Module>(module: &M) -> Tensor<1> {
    struct Collect(Vec<Tensor<1>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let tensor = param.val();
            let count = tensor.shape().num_elements();
            self.0.push(tensor.reshape([count]));
        }
    }
    let mut collect = Collect(Vec::new());
    module.visit(&mut collect);
    Tensor::cat(collect.0, 0)
}

/// Replaces every float parameter of `module` by the next values of `snapshot` (the layout
/// of [`flatten_parameters`]), keeping parameter ids and gradient requirements.
pub fn load_parameters<M: Module>(module: M, snapshot: &[f32]) -> M {
    struct Load<'a> {
        values: &'a [f32],
        at: usize,
    }
    impl ModuleMapper for Load<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let start = self.at;
            param.map(|tensor| {
                let shape = tensor.shape();
                let count = shape.num_elements();
                let device = tensor.device();
                self.at = start + count;
                let data = TensorData::new(self.values[start..start + count].to_vec(), shape);
                let fresh = Tensor::<D>::from_data(data, &device);
                if tensor.is_require_grad() { fresh.require_grad() } else { fresh }
            })
        }
    }
    module.map(&mut Load { values: snapshot, at: 0 })
}

/// The ids of every float parameter of `module`, in visiting order (gradient modulation
/// finds a module's gradients by them).
pub fn param_ids<M: Module>(module: &M) -> Vec<ParamId> {
    struct Ids(Vec<ParamId>);
    impl ModuleVisitor for Ids {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.id);
        }
    }
    let mut ids = Ids(Vec::new());
    module.visit(&mut ids);
    ids.0
}

/// Σ ‖W‖² over the weights: every parameter of two or more dimensions (matrices, LMF's
/// 3-D factors); biases (1-D) excluded.
///
/// # Shapes
/// - output: `[1]`
pub fn squared_weight_norm<M: Module>(module: &M, device: &burn::tensor::Device) -> Tensor<1> {
    struct Sum(Option<Tensor<1>>);
    impl ModuleVisitor for Sum {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if D >= 2 {
                let term = param.val().square().sum();
                self.0 = Some(match self.0.take() {
                    Some(acc) => acc + term,
                    None => term,
                });
            }
        }
    }
    let mut sum = Sum(None);
    module.visit(&mut sum);
    sum.0.unwrap_or_else(|| Tensor::zeros([1], device))
}

/// Multiplies every weight (parameter of two or more dimensions; biases excluded) by `factor`.
pub fn scale_weights<M: Module>(module: M, factor: f64) -> M {
    struct Scale(f64);
    impl ModuleMapper for Scale {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            if D < 2 {
                return param;
            }
            let factor = self.0;
            param.map(|tensor| {
                let trainable = tensor.is_require_grad();
                let scaled = Tensor::from_inner(tensor.inner() * factor);
                if trainable { scaled.require_grad() } else { scaled }
            })
        }
    }
    module.map(&mut Scale(factor))
}

/// Replaces the gradient of every weight matrix of `module` (2-D parameter; biases excluded)
/// that has one in `grads` by `f(gradient)`, in visiting order (OGM-GE's modulation).
pub fn map_weight_gradients<M: Module>(module: &M, grads: &mut GradientsParams, f: impl FnMut(Tensor<2>) -> Tensor<2>) {
    struct Map<'a, F> {
        grads: &'a mut GradientsParams,
        f: F,
    }
    impl<F: FnMut(Tensor<2>) -> Tensor<2>> ModuleVisitor for Map<'_, F> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if D == 2
                && let Some(grad) = self.grads.remove::<2>(param.id)
            {
                let mapped = (self.f)(grad);
                self.grads.register::<2>(param.id, mapped);
            }
        }
    }
    module.visit(&mut Map { grads, f });
}

/// ‖g‖₂ over all parameters of `module` that have a gradient in `grads`; `None` when none has.
///
/// # Shapes
/// - output: `[1]`
pub fn gradient_norm<M: Module>(module: &M, grads: &GradientsParams) -> Option<Tensor<1>> {
    struct Norm<'a> {
        grads: &'a GradientsParams,
        acc: Option<Tensor<1>>,
    }
    impl ModuleVisitor for Norm<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(grad) = self.grads.get::<D>(param.id) {
                let term = grad.square().sum();
                self.acc = Some(match self.acc.take() {
                    Some(acc) => acc + term,
                    None => term,
                });
            }
        }
    }
    let mut norm = Norm { grads, acc: None };
    module.visit(&mut norm);
    norm.acc.map(|sq| sq.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::ModelConfig;
    use crate::engine::model::MultimodalNet;
    use burn::tensor::Device;

    #[test]
    fn snapshot_round_trips_and_scaling_touches_only_weights() {
        let device = Device::flex();
        let net = MultimodalNet::new(&ModelConfig::default(), &[3, 2], 2, 1, &device);
        let snapshot: Vec<f32> = flatten_parameters(&net).into_data().try_to_vec().unwrap();
        let other = MultimodalNet::new(&ModelConfig::default(), &[3, 2], 2, 2, &device);
        let loaded = load_parameters(other, &snapshot);
        let again: Vec<f32> = flatten_parameters(&loaded).into_data().try_to_vec().unwrap();
        assert_eq!(snapshot, again);

        let bias_before: Vec<f32> = net.head.as_ref().unwrap().bias.as_ref().unwrap().val().into_data().try_to_vec().unwrap();
        let weight_before: Vec<f32> = net.head.as_ref().unwrap().weight.val().into_data().try_to_vec().unwrap();
        let scaled = scale_weights(net, 0.5);
        let bias_after: Vec<f32> = scaled.head.as_ref().unwrap().bias.as_ref().unwrap().val().into_data().try_to_vec().unwrap();
        let weight_after: Vec<f32> = scaled.head.as_ref().unwrap().weight.val().into_data().try_to_vec().unwrap();
        assert_eq!(bias_before, bias_after);
        assert!(weight_before.iter().zip(&weight_after).all(|(b, a)| (b * 0.5 - a).abs() < 1e-7));
    }

    #[test]
    fn gradient_norm_matches_a_hand_computed_gradient() {
        // y = x W + b with x = [[1, 2], [3, 4]] and loss = Σ y: ∂L/∂W_ij = Σ_b x_bi = (4, 6)
        // for every j (3 outputs), ∂L/∂b_j = 2 (the batch); ‖g‖² = 3·4² + 3·6² + 3·2² = 168.
        use burn::optim::GradientsParams;
        use burn::tensor::TensorData;
        let device = Device::flex().autodiff();
        let mut rng = crate::engine::rng::HostRng::new(1, 0);
        let layer = crate::engine::model::init::linear_from_rng(2, 3, &mut rng, &device);
        let x = Tensor::<2>::from_data(TensorData::new(vec![1f32, 2., 3., 4.], [2, 2]), &device);
        let grads = GradientsParams::from_grads(layer.forward(x).sum().backward(), &layer);
        let norm: Vec<f32> = gradient_norm(&layer, &grads).unwrap().into_data().try_to_vec().unwrap();
        assert!((norm[0] as f64 - 168f64.sqrt()).abs() < 1e-5, "{norm:?}");
        let other = crate::engine::model::init::linear_from_rng(2, 3, &mut rng, &device);
        assert!(gradient_norm(&other, &grads).is_none(), "a module with no gradient has no norm");
    }

    #[test]
    fn mapping_weight_gradients_touches_weight_matrices_only() {
        use burn::optim::GradientsParams;
        use burn::tensor::TensorData;
        let device = Device::flex().autodiff();
        let mut rng = crate::engine::rng::HostRng::new(1, 0);
        let layer = crate::engine::model::init::linear_from_rng(2, 3, &mut rng, &device);
        let x = Tensor::<2>::from_data(TensorData::new(vec![1f32, 2., 3., 4.], [2, 2]), &device);
        let mut grads = GradientsParams::from_grads(layer.forward(x).sum().backward(), &layer);
        let read = |g: &GradientsParams, id| g.get::<2>(id).map(|t| t.into_data().try_to_vec::<f32>().unwrap());
        let bias_id = layer.bias.as_ref().unwrap().id;
        let bias_before = grads.get::<1>(bias_id).unwrap().into_data().try_to_vec::<f32>().unwrap();
        let before = read(&grads, layer.weight.id).unwrap();
        map_weight_gradients(&layer, &mut grads, |g| g * 0.5);
        let after = read(&grads, layer.weight.id).unwrap();
        assert!(before.iter().zip(&after).all(|(b, a)| (b * 0.5 - a).abs() < 1e-7), "{before:?} -> {after:?}");
        assert_eq!(grads.get::<1>(bias_id).unwrap().into_data().try_to_vec::<f32>().unwrap(), bias_before, "biases keep theirs");
    }

    #[test]
    fn lmfs_factors_are_weights_and_its_bias_is_not() {
        // L2 and decoupled decay cover every weight, the 3-D factors included, never a bias.
        use crate::engine::model::lmf::LowRankFusion;
        let device = Device::flex();
        let mut lmf = LowRankFusion::new(&[2, 3], 4, 2, &mut crate::engine::rng::HostRng::new(1, 0), &device);
        lmf.bias = Param::from_data(TensorData::new(vec![1f32, 2., 3., 4.], [4]), &device);
        let squares = |t: Vec<f32>| t.iter().map(|v| (*v as f64).powi(2)).sum::<f64>();
        let read = |t: Tensor<3>| t.into_data().try_to_vec::<f32>().unwrap();
        let expected = lmf.factors.iter().map(|f| squares(read(f.val()))).sum::<f64>()
            + squares(lmf.rank_weights.val().into_data().try_to_vec().unwrap());
        let got: Vec<f32> = squared_weight_norm(&lmf, &device).into_data().try_to_vec().unwrap();
        assert!((got[0] as f64 - expected).abs() < 1e-4, "{got:?} vs {expected}");
        let factor = read(lmf.factors[0].val());
        let scaled = scale_weights(lmf, 0.5);
        assert!(read(scaled.factors[0].val()).iter().zip(&factor).all(|(a, b)| (a - b * 0.5).abs() < 1e-7), "factors decay");
        assert_eq!(scaled.bias.val().into_data().try_to_vec::<f32>().unwrap(), vec![1., 2., 3., 4.], "the bias does not");
    }

    #[test]
    fn squared_weight_norm_matches_hand_sum() {
        let device = Device::flex();
        let net = MultimodalNet::new(&ModelConfig { encoder_depth: 1, ..Default::default() }, &[2], 2, 1, &device);
        let mut expected = 0f64;
        for w in [net.encoders[0].layers[0].weight.val(), net.head.as_ref().unwrap().weight.val(), net.probes[0].weight.val()] {
            let values: Vec<f32> = w.into_data().try_to_vec().unwrap();
            expected += values.iter().map(|v| (*v as f64).powi(2)).sum::<f64>();
        }
        let got: Vec<f32> = squared_weight_norm(&net, &device).into_data().try_to_vec().unwrap();
        assert!((got[0] as f64 - expected).abs() < 1e-4, "{got:?} vs {expected}");
    }
}
