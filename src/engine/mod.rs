//! The ML core: data, model, training, metrics and regularizers. No web imports here, and
//! no tensor is read back anywhere but in [`readback`].

pub mod config;
pub mod data;
pub mod device;
pub mod metrics;
pub mod model;
pub mod presets;
pub mod readback;
pub mod methods;
pub mod rng;
pub mod session;
pub mod trainer;
