//! A configuration error, in words a teacher could read aloud, and the hints for retired
//! settings.



/// A configuration error: names the field, the value given and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

pub(super) fn invalid(field: &str, value: impl std::fmt::Display, allowed: &str) -> ConfigError {
    ConfigError(format!("{field} = {value} is not allowed: {allowed}"))
}

pub(super) fn check_count(field: &str, value: usize, low: usize, high: usize) -> Result<(), ConfigError> {
    if (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(invalid(field, value, &format!("use a whole number from {low} to {high}")))
    }
}

/// Settings that were removed, with where their job went, so that an old config says how
/// to ask for the same thing.
pub(super) const RETIRED: &[(&str, &str)] = &[
    ("weight_decay", "weight decay has one switch: the L2 method, methods.weight_penalty (mode coupled, decoupled or optimizer)"),
    ("adamw", "AdamW is optimizer adam with methods.weight_penalty in mode decoupled"),
];

pub(super) fn with_hint(message: String) -> String {
    match RETIRED.iter().find(|(key, _)| message.contains(&format!("`{key}`"))) {
        Some((_, hint)) => format!("{message} ({hint})"),
        None => message,
    }
}
