//! What every method shares: its settings' trait and the configuration they make up
//! (`settings`), its registration (`about`), the description of its chart (`chart`), all
//! burn-free; and the hooks of the training loop (`hooks`, feature `engine`).

pub mod about;
pub mod chart;
pub mod settings;

#[cfg(feature = "engine")]
pub mod hooks;
