//! The configuration as text, relative to a base: `path=value` assignments (the CLI's
//! `--set`, a link's settings), percent-escaped.

use serde_json::Value;

use crate::engine::config::{ConfigError, ExperimentConfig};

use super::table::table;

/// The `path=value` assignments (as `--set` and [`ExperimentConfig::with_override`] read
/// them) of every knob whose value differs from `base`, in table order: applied to `base`
/// they give `config`.
pub fn assignments(base: &ExperimentConfig, config: &ExperimentConfig) -> Vec<(String, String)> {
    let (from, to) = (serde_json::to_value(base).expect("serializes"), serde_json::to_value(config).expect("serializes"));
    let mut parts = Vec::new();
    let shape_changed = base.data.synthetic.len() != config.data.synthetic.len();
    if shape_changed {
        // A different number of synthetic modalities: the whole list, then nothing per row.
        parts.push(("data.synthetic".to_string(), shortest(&to["data"]["synthetic"]).to_string()));
    }
    for knob in table(config) {
        let value = knob.get(&to);
        if !(shape_changed && knob.path.starts_with("data.synthetic.")) && knob.get(&from) != value {
            parts.push((knob.path, value_text(&value)));
        }
    }
    parts
}

/// `config` as text: the [`assignments`] joined by `&`, values percent-encoded where
/// needed. [`decode`] on the same base gives `config` back.
pub fn encode(base: &ExperimentConfig, config: &ExperimentConfig) -> String {
    assignments(base, config).iter().map(|(path, value)| format!("{path}={}", escape(value))).collect::<Vec<_>>().join("&")
}

/// The configuration that [`encode`] described, from `base`, validated.
pub fn decode(base: &ExperimentConfig, text: &str) -> Result<ExperimentConfig, ConfigError> {
    let mut config = base.clone();
    for part in text.split('&').filter(|p| !p.is_empty()) {
        let (path, value) = part.split_once('=').ok_or_else(|| ConfigError(format!("{part}: expected path=value")))?;
        config = config.with_override(&format!("{path}={}", unescape(value)?))?;
    }
    config.validate()?;
    Ok(config)
}

/// `value` with every number that is an `f32` widened (the configuration's knobs are `f32`:
/// 0.15 serialises as 0.15000000596046448) written as the shortest decimal that reads back as
/// the same `f32` (0.15), so that links, commands and lists of differences show the value
/// the knob was set to.
fn shortest(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => {
            let wide = n.as_f64().unwrap_or_default();
            let narrow = wide as f32;
            let short = narrow.to_string().parse::<f64>().ok().filter(|_| f64::from(narrow) == wide);
            short.and_then(serde_json::Number::from_f64).map_or_else(|| value.clone(), Value::Number)
        }
        Value::Array(items) => Value::Array(items.iter().map(shortest).collect()),
        Value::Object(fields) => Value::Object(fields.iter().map(|(k, v)| (k.clone(), shortest(v))).collect()),
        other => other.clone(),
    }
}

/// A value as `with_override` reads it back: plain words and numbers as they are (an `f32`
/// in its shortest form, [`shortest`]), lists of plain names comma-separated, anything else
/// as JSON.
pub(super) fn value_text(value: &Value) -> String {
    let plain = |s: &str| !s.is_empty() && !s.contains(',') && serde_json::from_str::<Value>(s).is_err() && s.trim() == s;
    match &shortest(value) {
        Value::String(s) if plain(s) => s.clone(),
        Value::Array(items) if !items.is_empty() && items.iter().all(|i| i.as_str().is_some_and(plain)) => {
            items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")
        }
        other => other.to_string(),
    }
}

/// `text` with every byte but letters, digits and `.-_,:` percent-encoded.
pub fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b',' | b':' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The text [`escape`] encoded; a bad `%`-escape or bytes that are not UTF-8 are an error.
pub fn unescape(text: &str) -> Result<String, ConfigError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            out.push(hex.ok_or_else(|| ConfigError(format!("{text}: a bad %-escape")))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ConfigError(format!("{text}: not UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_f32_knob_is_written_as_it_was_set() {
        let base = ExperimentConfig::default();
        let config = base.with_override("data.synthetic.0.signal=0.15").unwrap();
        let parts = assignments(&base, &config);
        assert_eq!(parts, [("data.synthetic.0.signal".to_string(), "0.15".to_string())]);
        assert_eq!(decode(&base, &encode(&base, &config)).unwrap(), config, "and reads back to the same f32");
        // A whole list (another number of modalities) too.
        let three = base.with_override(r#"data.synthetic=[{"name":"a","dim":4,"informative":4,"signal":0.15,"noise":1.0},{"name":"b","dim":4,"informative":4,"signal":0.3,"noise":1.0},{"name":"c","dim":4,"informative":4,"signal":0.7,"noise":1.0}]"#).unwrap();
        let text = encode(&base, &three);
        assert!(text.contains("0.15") && !text.contains("0.1500000"), "{text}");
        assert_eq!(decode(&base, &text).unwrap(), three);
        // A number that is not an f32 stays as it is.
        assert_eq!(value_text(&serde_json::json!(0.1_f64)), "0.1");
        assert_eq!(value_text(&serde_json::json!(1e-300_f64)), "1e-300");
    }
}
