//! Modality dropout: per training sample, each embedding z_m is replaced by zeros with
//! probability p (default 0.2), never all of them (the draw is repeated until one is kept).
//! The kept embeddings are not rescaled. Masks are drawn on the host from the run seed.

use burn::tensor::Tensor;
use serde_json::{Value, json};

use super::settings::ModalityDropoutConfig;
use crate::engine::methods::{Method, MethodsConfig, StepContext};

/// A fresh instance at step 0 (registered by [`crate::for_each_method`]).
pub fn build(c: &MethodsConfig) -> Box<dyn Method> {
    Box::new(ModalityDropout::new(c.modality_dropout.p))
}

/// Modality dropout with per-embedding drop probability `p`.
pub struct ModalityDropout {
    p: f64,
}

impl ModalityDropout {
    /// Modality dropout with drop probability `p` (0 ≤ p < 1).
    pub fn new(p: f64) -> Self {
        Self { p }
    }

    /// Keep flags `[rows][modalities]`, at least one kept per row, from the step's stream.
    fn draw_keep(&self, rows: usize, modalities: usize, ctx: &StepContext) -> Vec<Vec<bool>> {
        let mut rng = ctx.stream(self.name(), 0);
        (0..rows)
            .map(|_| loop {
                let keep: Vec<bool> = (0..modalities).map(|_| !rng.chance(self.p)).collect();
                if keep.iter().any(|&k| k) {
                    break keep;
                }
            })
            .collect()
    }
}

impl Method for ModalityDropout {
    fn name(&self) -> &'static str {
        ModalityDropoutConfig::NAME
    }

    fn reconfigure(&mut self, config: &MethodsConfig) {
        self.p = config.modality_dropout.p;
    }

    fn transform_embeddings(&mut self, embeddings: Vec<Tensor<2>>, ctx: &mut StepContext) -> Vec<Tensor<2>> {
        if embeddings.len() < 2 {
            return embeddings;
        }
        let rows = embeddings[0].dims()[0];
        let keep = self.draw_keep(rows, embeddings.len(), ctx);
        embeddings
            .into_iter()
            .enumerate()
            .map(|(m, z)| {
                let mask = keep.iter().map(|row| if row[m] { 1.0 } else { 0.0 }).collect();
                let width = z.dims()[1];
                z * ctx.upload(mask, rows, 1).expand([rows, width])
            })
            .collect()
    }

    fn state(&self) -> Value {
        json!({ "p": self.p })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn kept_embeddings_are_not_rescaled() {
        let device = Device::flex();
        let mut ctx = crate::engine::methods::kit::hooks::test_context(1, &device, 0.0);
        let embeddings = vec![Tensor::ones([200, 3], &device), Tensor::ones([200, 3], &device)];
        let out = ModalityDropout::new(0.5).transform_embeddings(embeddings, &mut ctx);
        let a: Vec<f32> = out[0].clone().into_data().try_to_vec().unwrap();
        let b: Vec<f32> = out[1].clone().into_data().try_to_vec().unwrap();
        assert!(a.iter().chain(&b).all(|&v| v == 0.0 || v == 1.0), "kept values stay 1 (no 1/(1−p))");
        assert!(a.iter().zip(&b).all(|(x, y)| x + y > 0.0), "never both dropped");
        assert!(a.contains(&0.0) && b.contains(&0.0));
    }

    #[test]
    fn never_drops_every_modality() {
        let device = Device::flex();
        let ctx = crate::engine::methods::kit::hooks::test_context(1, &device, 0.0);
        let keep = ModalityDropout::new(0.9).draw_keep(1000, 2, &ctx);
        assert!(keep.iter().all(|row| row.iter().any(|&k| k)));
        let dropped = keep.iter().flatten().filter(|&&k| !k).count();
        assert!(dropped > 800, "p = 0.9 drops often: {dropped}");
    }
}
