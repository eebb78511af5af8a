//! Layering rules, enforced by a test rather than by memory (DESIGN.md "Dependency
//! direction"): the engine and the plots import nothing web, the engine never touches the
//! UI, and no tensor is read synchronously outside `engine/readback.rs`.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The file's code above its `#[cfg(test)]` module (in-file tests may read synchronously on
/// the CPU device).
fn production_code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn engine_and_plot_import_nothing_web() {
    let forbidden = ["leptos", "web_sys", "wasm_bindgen", "js_sys", "plotters_canvas", "crate::ui"];
    for dir in ["engine", "plot"] {
        for file in rust_files(&root().join(dir)) {
            let code = production_code(&file);
            for word in forbidden {
                assert!(!code.contains(word), "{} mentions {word}", file.display());
            }
        }
    }
}

#[test]
fn plot_and_ui_never_touch_tensors() {
    for dir in ["plot", "ui"] {
        let path = root().join(dir);
        if !path.exists() {
            continue;
        }
        for file in rust_files(&path) {
            let code = production_code(&file);
            assert!(!code.contains("burn::") && !code.contains("Tensor<"), "{} touches burn", file.display());
        }
    }
}

#[test]
fn no_synchronous_tensor_reads_outside_readback() {
    let reads = ["into_data()", "to_data()", "into_scalar()", "try_into_data()", ".execute()", "try_execute()", "into_scalar::<"];
    for file in rust_files(&root().join("engine")) {
        if file.ends_with("readback.rs") {
            continue;
        }
        let code = production_code(&file);
        for read in reads {
            assert!(!code.contains(read), "{} reads a tensor synchronously ({read})", file.display());
        }
        assert!(!code.contains("into_data_async") && !code.contains("execute_async"), "{} reads a tensor; only readback.rs may", file.display());
    }
}
