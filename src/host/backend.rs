//! Which backend runs, and why: WebGPU when the browser gives an adapter, else the CPU.

use wasm_bindgen::JsValue;

use crate::browser::global_get;
use crate::engine::device::{BackendKind, ComputeDevice};
use crate::protocol::{Backend, BackendInfo};

fn adapter_description() -> Option<String> {
    // Set by www/worker.js before the wasm starts: null when no adapter, else "vendor architecture".
    global_get("__modalscopeAdapter").as_string()
}

/// Set by www/worker.js where the browser offered an adapter but the server answered the
/// WebGPU engine module's request with an error (scripts/serve.sh builds that module after
/// serving the page), so that the CPU-only module runs: "file: HTTP status".
fn missing_engine_module() -> Option<String> {
    global_get("__modalscopeEngineMissing").as_string()
}

fn has_navigator_gpu() -> bool {
    js_sys::Reflect::get(&global_get("navigator"), &JsValue::from_str("gpu")).is_ok_and(|gpu| !gpu.is_undefined() && !gpu.is_null())
}

/// Picks the backend at start: WebGPU if an adapter exists and burn initialises on it,
/// unless `prefer_cpu` (`?backend=cpu`), which starts on the CPU with WebGPU ready to switch
/// to. Returns the device to start on, the WebGPU device when there is one, and the badge.
pub async fn choose(prefer_cpu: bool) -> (ComputeDevice, Option<ComputeDevice>, BackendInfo) {
    let cpu = ComputeDevice::cpu();
    let cpu_info = |reason: String| BackendInfo { kind: Backend::Cpu, label: "CPU".into(), reason, gpu_available: false };
    if !has_navigator_gpu() {
        return (cpu, None, cpu_info("this browser has no WebGPU, so training runs on the CPU backend (burn flex in wasm)".into()));
    }
    let Some(adapter) = adapter_description() else {
        return (cpu, None, cpu_info("WebGPU exists but offered no adapter, so training runs on the CPU backend".into()));
    };
    if let Some(missing) = missing_engine_module() {
        return (
            cpu,
            None,
            cpu_info(format!(
                "the browser offered a WebGPU adapter ({adapter}), but this server has no WebGPU engine module yet ({missing}: \
                 scripts/serve.sh builds it after serving the page and says when to reload; a web host needs modalscope-worker_bg.wasm \
                 beside the page), so training runs on the CPU backend"
            )),
        );
    }
    match ComputeDevice::webgpu().await {
        Ok(gpu) if prefer_cpu => {
            let info = BackendInfo {
                kind: Backend::Cpu,
                label: "CPU".into(),
                reason: format!("the address asked for the CPU backend (?backend=cpu); WebGPU ({adapter}) is ready to switch to"),
                gpu_available: true,
            };
            (cpu, Some(gpu), info)
        }
        Ok(gpu) => {
            let info = BackendInfo {
                kind: Backend::WebGpu,
                label: gpu_label(),
                reason: format!("the browser offered a WebGPU adapter ({adapter})"),
                gpu_available: true,
            };
            (gpu.clone(), Some(gpu), info)
        }
        Err(e) => (cpu, None, cpu_info(format!("WebGPU failed to start ({e}), so training runs on the CPU backend"))),
    }
}

/// The badge label of the WebGPU backend, e.g. "WebGPU · google swiftshader".
pub fn gpu_label() -> String {
    format!("WebGPU · {}", adapter_description().unwrap_or_else(|| "adapter".into()))
}

/// Badge data after a switch of backend, for `reason`.
pub fn info_for(kind: Backend, gpu_label: &str, gpu_available: bool, reason: &str) -> BackendInfo {
    let label = match kind {
        Backend::Cpu => "CPU".to_string(),
        Backend::WebGpu => gpu_label.to_string(),
    };
    BackendInfo { kind, label, reason: reason.to_string(), gpu_available }
}

/// The page's name of an engine backend.
pub fn backend_of(kind: BackendKind) -> Backend {
    match kind {
        BackendKind::Cpu => Backend::Cpu,
        BackendKind::WebGpu => Backend::WebGpu,
    }
}
