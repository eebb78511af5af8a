//! Thin wasm entry: runs the static constructors once, then starts the engine host and
//! mounts the explorer, connected by a session handle.

/// Defining `_initialize` makes wasm-ld link this module as a "reactor": without it every
/// export is wrapped in a call to `__wasm_call_ctors`, so the static constructors of our
/// dependencies (`inventory` registrations in cubecl's IR) rerun on every call from
/// JavaScript, hundreds of milliseconds per frame. `main` calls it once instead.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn _initialize() {
    unsafe extern "C" {
        fn __wasm_call_ctors();
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: the linker-generated constructor function, run exactly once before any other code.
    ONCE.call_once(|| unsafe { __wasm_call_ctors() });
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    _initialize();
    let (page, host) = modalscope::protocol::SessionHandle::pair();
    modalscope::host::start(host);
    modalscope::ui::start(page);
}
