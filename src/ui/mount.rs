//! The page's start: the panic overlay, then the app mounted on `<body>`.

use crate::ui::{app, panic};

/// Installs the panic overlay and mounts the app on `<body>`, talking to the engine host
/// through `handle`; without one (no worker could start) the overlay says why.
pub fn start(handle: Result<crate::protocol::SessionHandle, String>) {
    panic::install();
    // index.html's loading skeleton: the page is here.
    if let Some(skeleton) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("skeleton")) {
        skeleton.remove();
    }
    match handle {
        Ok(handle) => leptos::mount::mount_to_body(move || leptos::view! { <app::App handle /> }),
        Err(why) => panic::engine_stopped(&why),
    }
}
