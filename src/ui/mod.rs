//! The browser explorer (leptos, client-side rendered). Never touches a tensor and never
//! sees the session: it sends [`crate::protocol::Request`]s through a
//! [`crate::protocol::SessionHandle`] and draws the plain messages it gets back with
//! [`crate::plot`].

pub mod app;
pub mod canvas;
pub mod charts;
pub mod controls;
pub mod diagram;
pub mod driver;
pub mod export;
pub mod mount;
pub mod page_options;
pub mod panic;
pub mod runs;
pub mod share;
pub mod state;

pub use mount::start;
