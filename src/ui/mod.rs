//! The browser explorer (leptos, client-side rendered). Never touches a tensor: it sends
//! [`crate::engine::session::Command`]s through the [`driver`] and draws the plain
//! snapshots it gets back with [`crate::plot`].

pub mod app;
pub mod backend;
pub mod canvas;
pub mod charts;
pub mod controls;
pub mod driver;
pub mod page_options;
pub mod panic;
pub mod state;

/// Installs the panic overlay and mounts the app on `<body>`.
pub fn start() {
    panic::install();
    leptos::mount::mount_to_body(app::App);
}
