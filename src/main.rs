//! Thin wasm entry: installs the panic overlay and mounts the explorer.

fn main() {
    modalscope::ui::start();
}
