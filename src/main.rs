//! Thin wasm entry of the page's main-thread module (no burn): runs the static constructors
//! once, then mounts the explorer, connected to the engine's Web Worker that `www/boot.js`
//! started. If there is no worker, the page says so instead of a blank page.

modalscope::define_initialize!();

fn main() {
    #[cfg(target_arch = "wasm32")]
    _initialize();
    modalscope::ui::start(modalscope::browser::worker_link());
}
