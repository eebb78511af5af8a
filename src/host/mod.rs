//! The engine host: runs in the engine's Web Worker (`src/worker.rs`), owns the
//! [`crate::engine::session::Session`] behind the page's [`crate::protocol::SessionHandle`]
//! and is the only web code that touches burn. It reads [`crate::protocol::Request`]s
//! (`requests`), runs steps in chunks of about a frame at the page's pace (`pacing`), yields
//! to the worker's event loop between chunks (so requests arrive), evaluates when due (one
//! asynchronous readback), answers with [`crate::protocol::Message`]s, which cross
//! `postMessage` as JSON, and publishes its status (`status`).

pub mod backend;
mod pacing;
mod requests;
mod status;

pub use requests::{run_in_worker, start};
