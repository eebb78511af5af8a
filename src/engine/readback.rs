//! The only tensor -> host reads in the engine. One evaluation reads back once: the packed
//! metrics and the flattened weights go into a single asynchronous [`Transaction`], which
//! works on WebGPU in the browser (where synchronous reads panic) and on the CPU alike.

use burn::tensor::{Tensor, Transaction};

/// What one evaluation's readback brings to the host.
#[derive(Debug, Clone)]
pub struct Readout {
    /// The packed metric scalars, in the layout the trainer wrote them.
    pub metrics: Vec<f32>,
    /// The weight snapshot, in [`flatten_parameters`](crate::engine::model::params::flatten_parameters) order.
    pub weights: Vec<f32>,
}

/// Reads the packed metrics and the weights in one asynchronous transaction.
pub async fn read_evaluation(metrics: Tensor<1>, weights: Tensor<1>) -> Result<Readout, String> {
    let data = Transaction::default()
        .register(metrics)
        .register(weights)
        .execute_async()
        .await
        .map_err(|e| format!("reading results from the device failed: {e:?}"))?;
    let mut values = data.into_iter().map(|d| d.try_into_vec::<f32>().map_err(|e| format!("unexpected tensor data: {e:?}")));
    let metrics = values.next().ok_or("missing metrics")??;
    let weights = values.next().ok_or("missing weights")??;
    Ok(Readout { metrics, weights })
}

/// Drives a future to completion on the current thread (native only: the CPU backend's
/// reads complete at once, so this never waits long).
#[cfg(not(target_arch = "wasm32"))]
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut context) {
            return value;
        }
        std::thread::yield_now();
    }
}
