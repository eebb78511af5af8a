//! Layering rules, enforced by a test rather than by memory (DESIGN.md "Dependency
//! direction"): the engine and the plots import nothing web, the engine never touches the
//! UI, the plots and the UI never touch tensors, and no tensor is read synchronously
//! outside `engine/readback.rs`.
//!
//! Files are parsed with `syn`: names are checked as tokens of the code (doc comments and
//! string literals do not count), in whole files, macro bodies included. The read rule alone
//! skips items under `#[cfg(test)]` (in-file tests may read synchronously on the CPU device),
//! wherever they sit in the file.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

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
    assert!(!files.is_empty() || !dir.exists(), "no Rust files under {}", dir.display());
    files
}

/// The files of module `name`: `src/<name>.rs` (when the module is a file beside its
/// folder) and everything under `src/<name>/`.
fn module_files(name: &str) -> Vec<PathBuf> {
    let file = root().join(format!("{name}.rs"));
    let mut files = rust_files(&root().join(name));
    if file.exists() {
        files.push(file);
    }
    files
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn source(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Every identifier of the code, in order, descending into groups (macro bodies too).
fn identifiers(code: &str) -> Vec<String> {
    fn walk(stream: TokenStream, out: &mut Vec<String>) {
        for tree in stream {
            match tree {
                TokenTree::Ident(ident) => out.push(ident.to_string()),
                TokenTree::Group(group) => walk(group.stream(), out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(TokenStream::from_str(code).expect("the file tokenizes"), &mut out);
    out
}

/// The identifiers of `path`'s code, after checking that it parses as a Rust file.
fn file_identifiers(path: &Path) -> Vec<String> {
    let code = source(path);
    syn::parse_file(&code).unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
    identifiers(&code)
}

/// Identifier names the engine and the plots must never use.
const WEB: [&str; 5] = ["leptos", "web_sys", "wasm_bindgen", "js_sys", "plotters_canvas"];

fn web_names(idents: &[String]) -> Vec<String> {
    let mut found: Vec<String> = idents.iter().filter(|i| WEB.contains(&i.as_str())).cloned().collect();
    if idents.windows(2).any(|w| w[0] == "crate" && w[1] == "ui") {
        found.push("crate::ui".into());
    }
    found
}

#[test]
fn engine_and_plot_import_nothing_web() {
    for dir in ["engine", "plot"] {
        for file in module_files(dir) {
            let found = web_names(&file_identifiers(&file));
            assert!(found.is_empty(), "{} uses {found:?}", file.display());
        }
    }
}

fn tensor_names(idents: &[String]) -> Vec<String> {
    idents.iter().filter(|i| *i == "burn" || *i == "Tensor").cloned().collect()
}

#[test]
fn plot_and_ui_never_touch_tensors() {
    for dir in ["plot", "ui"] {
        for file in module_files(dir) {
            let found = tensor_names(&file_identifiers(&file));
            assert!(found.is_empty(), "{} touches burn: {found:?}", file.display());
        }
    }
}

/// The `engine` modules named after `prefix :: engine ::` in `idents` that are not in
/// `allowed`.
fn engine_modules_outside(idents: &[String], prefix: &str, allowed: &[&str]) -> Vec<String> {
    idents
        .windows(3)
        .filter(|w| w[0] == prefix && w[1] == "engine" && !allowed.contains(&w[2].as_str()))
        .map(|w| format!("{prefix}::engine::{}", w[2]))
        .collect()
}

/// Names of the engine's stateful types and burn glue that the page must never see.
const ENGINE_TYPES: [&str; 8] = ["Session", "Trainer", "ComputeDevice", "BackendKind", "Device", "MultimodalNet", "Dataset", "host"];

/// The page's side of the boundary: config, knobs, presets, stories, metrics, the methods'
/// burn-free files and the protocol, never the session or the host that owns it.
const UI_MAY_USE: [&str; 5] = ["config", "presets", "stories", "metrics", "methods"];

#[test]
fn the_ui_talks_to_the_engine_only_through_the_protocol() {
    for file in module_files("ui") {
        let idents = file_identifiers(&file);
        let modules = engine_modules_outside(&idents, "crate", &UI_MAY_USE);
        assert!(modules.is_empty(), "{} uses {modules:?}; the UI may use engine::{{{}}} and crate::protocol", file.display(), UI_MAY_USE.join(", "));
        let types: Vec<&String> = idents.iter().filter(|i| ENGINE_TYPES.contains(&i.as_str())).collect();
        assert!(types.is_empty(), "{} names {types:?}: talk to the host through the SessionHandle", file.display());
    }
    for file in ["protocol.rs", "engine/presets.rs", "engine/stories.rs"].map(|f| root().join(f)).into_iter()
        .chain(module_files("engine/config"))
        .chain(module_files("engine/metrics"))
    {
        let found = tensor_names(&file_identifiers(&file));
        assert!(found.is_empty(), "{} is on the page's side of the boundary but touches burn: {found:?}", file.display());
    }
}

#[test]
fn the_data_module_has_no_import_circle() {
    // dataset -> sources -> split, never back: a source does not name `dataset`, and the
    // plain split types name neither.
    for (file, never) in [("synthetic.rs", &["dataset"][..]), ("mfeat.rs", &["dataset"]), ("split.rs", &["dataset", "synthetic", "mfeat"])] {
        let idents = file_identifiers(&root().join("engine/data").join(file));
        let found: Vec<&&str> = never.iter().filter(|n| idents.iter().any(|i| i == *n)).collect();
        assert!(found.is_empty(), "engine/data/{file} names {found:?}");
    }
}

/// The CLI drives the engine through `Session` alone (and reads the burn-free modules).
const BIN_MAY_USE: [&str; 5] = ["session", "config", "presets", "stories", "metrics"];

/// The web host drives the engine through `Session` too, and picks the backend.
const HOST_MAY_USE: [&str; 6] = ["session", "config", "presets", "stories", "metrics", "device"];

/// Names that would reach past the session into the run it owns.
fn past_the_session(idents: &[String]) -> Vec<&String> {
    idents.iter().filter(|i| ["trainer", "Trainer", "Snapshot"].contains(&i.as_str())).collect()
}

#[test]
fn the_cli_uses_only_the_session() {
    for file in rust_files(&root().join("bin")) {
        let idents = file_identifiers(&file);
        let modules = engine_modules_outside(&idents, "modalscope", &BIN_MAY_USE);
        assert!(modules.is_empty(), "{} uses {modules:?}; the CLI may use engine::{{{}}}", file.display(), BIN_MAY_USE.join(", "));
        let types: Vec<&String> = idents.iter().filter(|i| ENGINE_TYPES[1..].contains(&i.as_str())).collect();
        assert!(types.is_empty(), "{} names {types:?}: go through Session", file.display());
        let past = past_the_session(&idents);
        assert!(past.is_empty(), "{} names {past:?}: ask the Session", file.display());
    }
}

#[test]
fn the_host_uses_only_the_session_and_the_device() {
    let files = module_files("host");
    assert!(files.len() >= 4, "the host's files: {files:?}");
    for file in files {
        let idents = file_identifiers(&file);
        let modules = engine_modules_outside(&idents, "crate", &HOST_MAY_USE);
        assert!(modules.is_empty(), "{} uses {modules:?}; the host may use engine::{{{}}}", file.display(), HOST_MAY_USE.join(", "));
        let past = past_the_session(&idents);
        assert!(past.is_empty(), "{} names {past:?}: ask the Session", file.display());
    }
}

/// Method and function names that read a tensor back to the host.
const READS: [&str; 8] =
    ["into_data", "to_data", "into_scalar", "try_into_data", "execute", "try_execute", "into_data_async", "execute_async"];

/// Collects the read calls of a file's production code (items under `#[cfg(test)]` and files
/// under `#![cfg(test)]` skipped).
#[derive(Default)]
struct ReadCalls(Vec<String>);

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| match &a.meta {
        syn::Meta::List(list) if list.path.is_ident("cfg") => list.tokens.to_string().split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| w == "test"),
        _ => false,
    })
}

impl<'ast> Visit<'ast> for ReadCalls {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if !is_cfg_test(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if READS.contains(&call.method.to_string().as_str()) {
            self.0.push(format!(".{}()", call.method));
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if let Some(last) = path.segments.last().filter(|s| READS.contains(&s.ident.to_string().as_str())) {
            self.0.push(format!("path {}", last.ident));
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let found = identifiers(&mac.tokens.to_string());
        self.0.extend(found.into_iter().filter(|i| READS.contains(&i.as_str())).map(|i| format!("{i} in a macro")));
    }
}

fn read_calls(code: &str) -> Vec<String> {
    let file = syn::parse_file(code).expect("the file parses");
    if is_cfg_test(&file.attrs) {
        // A whole file of tests (`#![cfg(test)]`, such as `trainer/tests.rs`).
        return Vec::new();
    }
    let mut calls = ReadCalls::default();
    calls.visit_file(&file);
    calls.0
}

#[test]
fn no_tensor_reads_outside_readback() {
    for file in module_files("engine") {
        if file.ends_with("readback.rs") {
            continue;
        }
        let found = read_calls(&source(&file));
        assert!(found.is_empty(), "{} reads a tensor back ({found:?}); only engine/readback.rs may", file.display());
    }
}

/// The checks themselves catch what they are for (and what the old substring scan missed).
#[test]
fn the_rules_catch_their_violations() {
    let after_tests = "#[cfg(test)] mod tests { fn t(x: T) { x.into_data(); } }\nfn later(x: T) -> D { x.into_data() }";
    assert_eq!(read_calls(after_tests), vec![".into_data()"], "code after a test module is checked");
    assert!(read_calls("fn f(t: T) { let _ = Tensor::into_scalar(t); }").contains(&"path into_scalar".to_string()));
    assert!(!read_calls("fn f(x: T) { block_on(x.into_data_async()); }").is_empty());
    assert!(read_calls("/// calls into_data() in a doc\nfn f() {}").is_empty(), "doc comments do not count");
    assert!(read_calls("#![cfg(test)]\nfn t(x: T) { x.into_data(); }").is_empty(), "a file of tests may read");
    assert!(!read_calls("#![cfg(feature = \"engine\")]\nfn t(x: T) { x.into_data(); }").is_empty(), "another cfg does not excuse a read");
    assert_eq!(web_names(&identifiers("use leptos::prelude::*;")), vec!["leptos"]);
    assert_eq!(web_names(&identifiers("fn f() { crate::ui::start(); }")), vec!["crate::ui"]);
    assert!(web_names(&identifiers("/// works with leptos\nfn f() {}")).is_empty());
    assert_eq!(tensor_names(&identifiers("fn f(x: burn::tensor::Tensor<2>) {}")), vec!["burn", "Tensor"]);
    let ui = identifiers("use crate::engine::session::Session; use crate::engine::config::knobs;");
    assert_eq!(engine_modules_outside(&ui, "crate", &UI_MAY_USE), vec!["crate::engine::session"]);
    let bin = identifiers("use modalscope::engine::device::ComputeDevice; use modalscope::engine::session::Session;");
    assert_eq!(engine_modules_outside(&bin, "modalscope", &BIN_MAY_USE), vec!["modalscope::engine::device"]);
    assert_eq!(past_the_session(&identifiers("fn f(s: &Session) -> usize { s.trainer().step_count() }")), vec!["trainer"]);
    let host = identifiers("use crate::engine::device::BackendKind; use crate::engine::trainer::Trainer;");
    assert_eq!(engine_modules_outside(&host, "crate", &HOST_MAY_USE), vec!["crate::engine::trainer"]);
    let methods = registered_methods();
    let preset = identifiers(r#"fn p(c: &mut C) { c.methods.ogm_ge.enabled = true; let _ = "methods.ogm_ge.alpha=0.8"; }"#);
    assert_eq!(method_names(&preset, &methods, None), vec!["ogm_ge"], "a field access names the method; a string path does not");
    assert_eq!(method_names(&preset, &methods, Some("ogm_ge")), Vec::<&String>::new(), "its own folder may");
    let typed = identifiers("fn f(s: &GradientBlendingConfig) {}");
    assert_eq!(method_names(&typed, &methods, Some("ogm_ge")), vec!["GradientBlendingConfig"], "another method's folder may not");
}

/// The registration: each method's key and settings type, read from the one list that
/// names them all (`src/engine/methods/mod.rs`), checked against the configuration's keys.
fn registered_methods() -> Vec<(String, String)> {
    let code = source(&root().join("engine/methods/mod.rs"));
    let list = code.split("$callback! {").nth(1).expect("the registration list").split('}').next().unwrap();
    let pairs: Vec<(String, String)> = list
        .split(',')
        .filter_map(|entry| entry.split_once(':'))
        .map(|(key, settings)| (key.trim().to_string(), settings.trim().to_string()))
        .collect();
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, modalscope::engine::config::MethodsConfig::NAMES, "the registration list as parsed here");
    pairs
}

/// The identifiers in `idents` that name a method (its key or its settings type) other than
/// `own`, the method whose folder the file is in.
fn method_names<'a>(idents: &'a [String], methods: &[(String, String)], own: Option<&str>) -> Vec<&'a String> {
    let foreign = |i: &String| methods.iter().any(|(key, settings)| Some(key.as_str()) != own && (i == key || i == settings));
    idents.iter().filter(|i| foreign(i)).collect()
}

#[test]
fn no_code_outside_a_methods_folder_names_it() {
    // A method is one folder and one registration line: no other file of `src/` (the
    // trainer, the session, the model, the plots, the UI, the other methods) names its key
    // or its settings type as code. String paths ("methods.ogm_ge.enabled=true" in a
    // try-this button) are data, not names, and are allowed.
    let methods = registered_methods();
    let folder = root().join("engine/methods");
    let registration = folder.join("mod.rs");
    let mut checked = 0;
    for file in rust_files(&root()).into_iter().filter(|f| *f != registration) {
        let own = methods.iter().map(|(key, _)| key.as_str()).find(|key| file.starts_with(folder.join(key)));
        let idents = file_identifiers(&file);
        let found = method_names(&idents, &methods, own);
        assert!(found.is_empty(), "{} names the method(s) {found:?}: reach it through the registry ({})", file.display(), match own {
            Some(key) => format!("this is {key}'s folder"),
            None => "a hook, its About, a knob path".into(),
        });
        checked += 1;
    }
    assert!(checked > 50, "{checked} files");
}

#[test]
fn a_methods_folder_is_burn_free_but_for_its_hooks() {
    // The page's main-thread module builds the methods' settings, charts and stories: only
    // `hooks.rs` (feature `engine`) may touch burn.
    let folder = root().join("engine/methods");
    let files: Vec<PathBuf> = rust_files(&folder).into_iter().filter(|f| !f.ends_with("hooks.rs")).collect();
    assert!(files.len() >= 10, "{files:?}");
    for file in files {
        let found = tensor_names(&file_identifiers(&file));
        assert!(found.is_empty(), "{} is on the page's side of the boundary but touches burn: {found:?}", file.display());
    }
}

#[test]
fn a_folder_module_is_its_mod_rs_and_a_mod_rs_only_declares() {
    // STYLE.md: `folder/mod.rs` everywhere (no `x.rs` beside `x/`), and `mod.rs` only declares
    // and re-exports; a method's `mod.rs` also holds its registration (constants), and the
    // methods' `mod.rs` the registration list (a macro).
    let mut folders = 0;
    for file in rust_files(&root()) {
        let beside = file.with_extension("");
        assert!(file.ends_with("mod.rs") || !beside.is_dir(), "{} sits beside {}/: make it {}/mod.rs", file.display(), beside.display(), beside.display());
        if !file.ends_with("mod.rs") {
            continue;
        }
        folders += 1;
        let parsed = syn::parse_file(&source(&file)).unwrap();
        for item in &parsed.items {
            let declares = matches!(item, syn::Item::Mod(_) | syn::Item::Use(_) | syn::Item::Const(_) | syn::Item::Macro(_));
            assert!(declares, "{} holds more than declarations: {}", file.display(), quote_item(item));
        }
    }
    assert!(folders >= 15, "{folders} folder modules");
}

/// An item's kind and name, to name it in a message.
fn quote_item(item: &syn::Item) -> String {
    match item {
        syn::Item::Fn(f) => format!("fn {}", f.sig.ident),
        syn::Item::Struct(s) => format!("struct {}", s.ident),
        syn::Item::Enum(e) => format!("enum {}", e.ident),
        syn::Item::Static(s) => format!("static {}", s.ident),
        syn::Item::Trait(t) => format!("trait {}", t.ident),
        syn::Item::Impl(_) => "an impl block".into(),
        _ => "an item that is not a declaration".into(),
    }
}

#[test]
fn the_readme_layout_names_every_source_file_and_test() {
    // The README's Layout lists every file under src/ as a tree (two spaces per level, a
    // folder ends with `/`) and names every integration test: nothing missing, nothing stale.
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = source(&manifest.join("README.md"));
    let layout = &readme[readme.find("## Layout\n").expect("a Layout section")..];
    let layout = &layout[..layout[3..].find("\n## ").map_or(layout.len(), |i| i + 3)];
    let tree = layout.split("```text\n").find(|b| b.starts_with("src/\n")).expect("the file tree");
    let tree = &tree[..tree.find("```").unwrap()];
    let (mut folders, mut listed) = (Vec::<String>::new(), std::collections::BTreeSet::new());
    for line in tree.lines() {
        let depth = (line.len() - line.trim_start().len()) / 2;
        let name = line.split_whitespace().next().unwrap();
        folders.truncate(depth);
        if let Some(folder) = name.strip_suffix('/') {
            folders.push(folder.to_owned());
        } else {
            listed.insert(format!("{}/{name}", folders.join("/")));
        }
    }
    let actual: std::collections::BTreeSet<String> =
        rust_files(&root()).iter().map(|f| f.strip_prefix(&manifest).unwrap().to_string_lossy().into_owned()).collect();
    let missing: Vec<_> = actual.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&actual).collect();
    assert!(missing.is_empty() && stale.is_empty(), "README Layout: missing {missing:?}, listed but absent {stale:?}");
    for test in std::fs::read_dir(manifest.join("tests")).unwrap().map(|e| e.unwrap().path()) {
        if test.extension().is_some_and(|e| e == "rs") {
            let name = test.file_stem().unwrap().to_string_lossy().into_owned();
            assert!(layout.contains(&format!("`{name}`")), "README Layout does not name the test `{name}`");
        }
    }
}
