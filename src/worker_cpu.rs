//! Thin wasm entry of the CPU-only engine module (burn flex, no WebGPU: a fifth of the full
//! module's size). `www/worker.js` loads it where the browser offers no WebGPU adapter.

modalscope::define_initialize!();

fn main() {
    #[cfg(target_arch = "wasm32")]
    _initialize();
    modalscope::host::run_in_worker();
}
