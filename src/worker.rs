//! Thin wasm entry of the engine's Web Worker module (burn, no leptos): runs the static
//! constructors once, forwards panics to the page, then starts the engine host on the
//! worker's end of the link. `www/worker.js` loads it.

modalscope::define_initialize!();

fn main() {
    #[cfg(target_arch = "wasm32")]
    _initialize();
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        modalscope::browser::report_engine_failure(&format!("{info}"));
    }));
    modalscope::host::start(modalscope::browser::page_link());
}
