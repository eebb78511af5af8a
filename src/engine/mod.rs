//! The ML core: data, model, training, metrics and methods. No web imports here, and
//! no tensor is read back anywhere but in `readback`.
//!
//! `config`, `presets`, `stories`, `metrics` and the methods' registrations, settings, charts
//! and stories are plain data (burn-free) and always built: the page's main-thread module uses
//! them. Everything that holds a tensor needs the `engine` feature (burn).

pub mod config;
pub mod methods;
pub mod metrics;
pub mod presets;
pub mod stories;

#[cfg(feature = "engine")]
pub mod data;
#[cfg(feature = "engine")]
pub mod device;
#[cfg(feature = "engine")]
pub mod model;
#[cfg(feature = "engine")]
pub mod readback;
#[cfg(feature = "engine")]
pub mod rng;
#[cfg(feature = "engine")]
pub mod session;
#[cfg(feature = "engine")]
pub mod trainer;
