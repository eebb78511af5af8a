//! Thin wasm entry of the engine's Web Worker module with both backends (CPU and WebGPU;
//! burn, no leptos). `www/worker.js` loads it where the browser offers a WebGPU adapter.

modalscope::define_initialize!();

fn main() {
    #[cfg(target_arch = "wasm32")]
    _initialize();
    modalscope::host::run_in_worker();
}
