//! Settings by path (`train.learning_rate`): the JSON slot a `--set` writes, the merge of a
//! config file over a base, and the names of before schema 3.

use serde_json::Value;

use super::error::{ConfigError, with_hint};


pub(super) fn merge_json(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                match base.get_mut(key) {
                    Some(slot) => merge_json(slot, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (slot, value) => *slot = value.clone(),
    }
}

/// The methods' table was called `regularizers` before schema version 3: a `--set` path or a
/// link's setting written then names it so, and keeps working.
const FORMER_METHODS: &str = "regularizers";

/// `path` as the configuration names it now ([`FORMER_METHODS`] read as `methods`).
pub(super) fn current_path(path: &str) -> String {
    match path.split_once('.') {
        Some((FORMER_METHODS, rest)) => format!("methods.{rest}"),
        None if path == FORMER_METHODS => "methods".to_string(),
        _ => path.to_string(),
    }
}

/// `patch` with its [`FORMER_METHODS`] table named `methods` (merged into `methods` when it
/// has both), so that it patches the methods' table rather than sit beside it.
pub(super) fn current_tables(patch: &Value) -> Value {
    let mut patch = patch.clone();
    if let Value::Object(tables) = &mut patch
        && let Some(former) = tables.remove(FORMER_METHODS)
    {
        let mut methods = tables.remove("methods").unwrap_or(Value::Object(Default::default()));
        merge_json(&mut methods, &former);
        tables.insert("methods".into(), methods);
    }
    patch
}

pub(crate) fn json_slot<'a>(root: &'a mut Value, path: &str) -> Result<&'a mut Value, ConfigError> {
    let mut slot = root;
    for key in path.split('.') {
        slot = match slot {
            Value::Object(map) => {
                let known: Vec<String> = map.keys().cloned().collect();
                map.get_mut(key).ok_or_else(|| {
                    ConfigError(with_hint(format!("--set {path}: unknown key `{key}`; known keys here: {}", known.join(", "))))
                })?
            }
            Value::Array(items) => {
                let index: usize = key.parse().map_err(|_| ConfigError(format!("--set {path}: `{key}` is not a list index")))?;
                let len = items.len();
                items.get_mut(index).ok_or_else(|| ConfigError(format!("--set {path}: index {index} is out of range (the list has {len} items)")))?
            }
            _ => return Err(ConfigError(format!("--set {path}: `{key}` goes below a plain value"))),
        };
    }
    Ok(slot)
}
