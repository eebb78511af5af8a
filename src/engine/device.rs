//! Device choice, and every other burn-version-sensitive piece of glue (burn 0.22.1).
//!
//! burn 0.22 has no backend type parameter: a runtime [`Device`] decides where tensors
//! live. The CPU backend is `Device::flex()` (pure Rust, also in wasm with SIMD128); WebGPU
//! (wasm32 only) must be initialised asynchronously before the first tensor. Training uses
//! `device.autodiff()`, evaluation the plain inner device.

use burn::tensor::Device;

/// Which backend a device runs on, for badges and `summary.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// burn's pure-Rust CPU backend.
    Cpu,
    /// WebGPU through burn-wgpu.
    WebGpu,
}

impl BackendKind {
    /// Name in outputs.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu-flex",
            BackendKind::WebGpu => "webgpu",
        }
    }
}

/// A device with its backend kind.
#[derive(Clone, Debug)]
pub struct ComputeDevice {
    /// The plain device.
    pub device: Device,
    /// Its backend.
    pub kind: BackendKind,
}

impl ComputeDevice {
    /// The CPU backend.
    pub fn cpu() -> Self {
        Self { device: Device::flex(), kind: BackendKind::Cpu }
    }

    /// The autodiff device used for training.
    pub fn training(&self) -> Device {
        self.device.clone().autodiff()
    }

    /// The plain device used for evaluation.
    pub fn evaluation(&self) -> Device {
        self.device.clone()
    }

    /// WebGPU, initialised asynchronously (browser build only). The error says why it is
    /// missing.
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn webgpu() -> Result<Self, String> {
        Err("WebGPU is only compiled into the browser build".into())
    }

    /// WebGPU in the CPU-only engine module, which `www/worker.js` loads where the browser
    /// offers no WebGPU adapter: the error says so.
    #[cfg(all(target_arch = "wasm32", not(feature = "webgpu")))]
    pub async fn webgpu() -> Result<Self, String> {
        Err("this is the CPU-only engine module, loaded because the browser offered no WebGPU adapter".into())
    }

    /// WebGPU, initialised asynchronously (browser build only). The error says why it is
    /// missing.
    #[cfg(all(target_arch = "wasm32", feature = "webgpu"))]
    pub async fn webgpu() -> Result<Self, String> {
        let device = Device::wgpu_options()
            .graphics_api(burn::tensor::wgpu::WgpuBackend::WebGpu)
            .init_async()
            .await
            .map_err(|e| format!("{e}"))?;
        Ok(Self { device, kind: BackendKind::WebGpu })
    }
}
