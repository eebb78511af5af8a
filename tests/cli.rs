//! The command line: outputs, schema and bad input (exit status 2, one clear line).
#![cfg(feature = "cli")]

use std::path::PathBuf;
use std::process::{Command, Output};

fn modalscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_modalscope")).args(args).output().expect("runs")
}

/// A scratch folder under the temporary directory: removed when the test passes, kept (and
/// named in the failure) when it fails.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept {}", self.0.display());
        } else if self.0.is_dir() {
            let _ = std::fs::remove_dir_all(&self.0);
        } else {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

fn scratch(name: &str) -> Scratch {
    Scratch(std::env::temp_dir().join(format!("modalscope-cli-{}-{name}", std::process::id())))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn assert_bad_input(args: &[&str], expected: &str) {
    let out = modalscope(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(expected), "{args:?}: {err}");
    assert!(!err.contains("panicked") && !err.contains("backtrace"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[test]
fn run_writes_metrics_and_summary_in_the_documented_schema() {
    let dir = scratch("run");
    let out = modalscope(&["run", "--preset", "imbalance", "--seed", "1", "--set", "train.epochs=4", "--quiet", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5, "step 0 and four epochs");
    let last = &lines[4];
    for key in ["schema_version", "step", "epoch", "heads", "contribution", "methods", "events"] {
        assert!(last.get(key).is_some(), "missing {key}");
    }
    for head in ["fused", "a", "b"] {
        for key in ["train_loss", "val_loss", "train_acc", "val_acc", "gap", "ogr"] {
            assert!(last["heads"][head].get(key).is_some(), "heads.{head}.{key}");
        }
    }
    for key in ["probe_acc", "split_acc", "shapley", "grad_share"] {
        assert!(last["contribution"]["a"].get(key).is_some(), "contribution.a.{key}");
    }
    assert!(last["contribution"]["a"]["split_acc"].is_f64(), "imbalance's concat + linear head splits");
    assert!(last["heads"]["fused"]["test_acc"].is_f64() && last["heads"]["a"].get("test_acc").is_none(), "test accuracy of the fused head only");
    assert_eq!(lines[0]["heads"]["fused"]["ogr"], serde_json::Value::Null, "no OGR at the first checkpoint");
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    for key in ["schema_version", "config", "backend", "final", "best", "median_ogr"] {
        assert!(summary.get(key).is_some(), "summary.{key}");
    }
    assert_eq!(summary["best_test_acc"], summary["best"]["heads"]["fused"]["test_acc"], "the best checkpoint's test accuracy");
    assert!(summary["best_test_acc"].is_f64());
    let mut ogr: Vec<f64> = lines.iter().filter_map(|l| l["heads"]["fused"]["ogr"].as_f64()).collect();
    ogr.sort_by(f64::total_cmp);
    let expected = match ogr.len() {
        0 => None,
        n if n % 2 == 1 => Some(ogr[n / 2]),
        n => Some((ogr[n / 2 - 1] + ogr[n / 2]) / 2.0),
    };
    // serde_json's default float parser may land one ulp away from the written value, on
    // either side: compare to 1e-12 relative, not bit for bit.
    let median = summary["median_ogr"]["fused"].as_f64();
    let same = match (median, expected) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-12 * b.abs(),
        (a, b) => a == b,
    };
    assert!(same, "the median of the written non-null OGR values: {median:?} vs {expected:?}");
    assert_eq!(summary["backend"], "cpu-flex");
    assert_eq!(summary["config"]["train"]["seed"], 1);
}

#[test]
fn mfeat_runs_echo_its_ten_classes() {
    let dir = scratch("mfeat-classes");
    let out = modalscope(&["run", "--preset", "mfeat-fou-mor", "--set", "train.epochs=1", "--set", "data.classes=4", "--quiet", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_json(&dir.join("summary.json"))["config"]["data"]["classes"], 10, "what ran, not what was asked");
}

#[test]
fn presets_lists_every_preset_on_one_line_each() {
    let out = modalscope(&["presets"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for name in ["imbalance", "shortcut", "interaction", "mfeat-fou-mor"] {
        assert_eq!(text.lines().filter(|l| l.starts_with(name)).count(), 1, "{name}");
    }
}

#[test]
fn export_data_writes_identical_splits_for_other_tools() {
    let dir = scratch("export");
    let out = modalscope(&["export-data", "--preset", "imbalance", "--seed", "1", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let train = std::fs::read_to_string(dir.join("train.csv")).unwrap();
    let header = train.lines().next().unwrap();
    assert!(header.starts_with("label,a_0,"), "{header}");
    assert_eq!(header.split(',').count(), 1 + 8 + 512);
    assert_eq!(train.lines().count(), 1 + 200, "the recipe's 200 training samples, after V");
    assert_eq!(std::fs::read_to_string(dir.join("val.csv")).unwrap().lines().count(), 1 + 200);
    assert_eq!(std::fs::read_to_string(dir.join("holdout.csv")).unwrap().lines().count(), 1 + 22);
    let again = scratch("export-again");
    modalscope(&["export-data", "--preset", "imbalance", "--seed", "1", "--out", again.to_str().unwrap()]);
    assert_eq!(train, std::fs::read_to_string(again.join("train.csv")).unwrap(), "deterministic");
}

#[test]
fn bad_input_gives_exit_2_and_one_clear_line() {
    let dir = scratch("bad");
    let out = dir.to_str().unwrap();
    assert_bad_input(&["run", "--preset", "nope", "--out", out], "unknown preset `nope`");
    assert_bad_input(&["run", "--set", "train.lr=1", "--out", out], "unknown key `lr`");
    assert_bad_input(&["run", "--set", "train.learning_rate=-1", "--out", out], "train.learning_rate = -1");
    assert_bad_input(&["run", "--set", "model.fusion=tensor", "--out", out], "unknown variant `tensor`");
    // Each message blames the setting at fault (they blamed holdout_fraction "0" and the
    // shortcut modality), and an empty table is refused rather than resetting a modality.
    let tiny_v = ["run", "--preset", "gradient-blending", "--set", "data.train_size=10", "--set", "data.holdout_fraction=0.01", "--out", out];
    assert_bad_input(&tiny_v, "with data.train_size = 10 and data.holdout_fraction = 0.01, V rounds to 0 rows");
    assert_bad_input(&["run", "--set", "data.synthetic=[]", "--out", out], "data.synthetic lists no modality");
    assert_bad_input(&["run", "--set", "data.synthetic.1.name=a", "--out", out], "two modalities are named \"a\"");
    assert_bad_input(&["run", "--set", "data.synthetic.0={}", "--out", out], "--set data.synthetic.0={}: an empty table sets nothing");
    std::fs::create_dir_all(&*dir).unwrap();
    let toml = dir.join("bad.toml");
    std::fs::write(&toml, "[train\nepochs = 3").unwrap();
    assert_bad_input(&["run", "--config", toml.to_str().unwrap(), "--out", out], "not valid TOML");
    let json = dir.join("bad.json");
    std::fs::write(&json, "{\"train\": ").unwrap();
    assert_bad_input(&["run", "--config", json.to_str().unwrap(), "--out", out], "not valid JSON");
    let unknown = dir.join("unknown.toml");
    std::fs::write(&unknown, "[train]\nepoch = 3\n").unwrap();
    assert_bad_input(&["run", "--config", unknown.to_str().unwrap(), "--out", out], "unknown field `epoch`");
    assert!(!dir.join("metrics.jsonl").exists(), "nothing written for bad input");
}

#[test]
fn unwritable_output_folder_gives_exit_2() {
    let dir = scratch("blocked");
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    std::fs::write(&*dir, "a file, not a folder").unwrap();
    let target = dir.join("out");
    assert_bad_input(&["run", "--preset", "balanced", "--out", target.to_str().unwrap()], "cannot create output folder");
}

/// A rejected command removes nothing: `run` into a folder holding an earlier run, with an
/// unwritable `--charts`, exits 2 and leaves the earlier files as they were (and creates no
/// folder for nothing); `compare` with an unwritable `a/` leaves `b/` and `differences.json`.
#[test]
fn a_rejected_command_removes_nothing_of_an_earlier_run() {
    let dir = scratch("earlier");
    let (out, blocked) = (dir.join("out"), dir.join("blocked"));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(&blocked, "a file, not a folder").unwrap();
    let earlier = ["metrics.jsonl", "summary.json"];
    for file in earlier {
        std::fs::write(out.join(file), "earlier").unwrap();
    }
    let charts = blocked.join("charts");
    assert_bad_input(&["run", "--preset", "balanced", "--out", out.to_str().unwrap(), "--charts", charts.to_str().unwrap()], "cannot create output folder");
    for file in earlier {
        assert_eq!(std::fs::read_to_string(out.join(file)).unwrap(), "earlier", "{file} of the earlier run");
    }
    let new = dir.join("new").join("deep");
    assert_bad_input(&["run", "--preset", "balanced", "--out", new.to_str().unwrap(), "--charts", charts.to_str().unwrap()], "cannot create output folder");
    assert!(!dir.join("new").exists(), "the folders created for a rejected command are removed");

    std::fs::write(dir.join("a.toml"), "[train]\nepochs = 1\n").unwrap();
    let compared = dir.join("compared");
    std::fs::create_dir_all(compared.join("b")).unwrap();
    std::fs::write(compared.join("differences.json"), "earlier").unwrap();
    std::fs::write(compared.join("b/metrics.jsonl"), "earlier").unwrap();
    std::fs::write(compared.join("a"), "a file, not a folder").unwrap();
    let a = dir.join("a.toml");
    assert_bad_input(&["compare", "--preset", "balanced", "--a", a.to_str().unwrap(), "--b", a.to_str().unwrap(), "--out", compared.to_str().unwrap()], "cannot create output folder");
    for file in ["differences.json", "b/metrics.jsonl"] {
        assert_eq!(std::fs::read_to_string(compared.join(file)).unwrap(), "earlier", "{file} of the earlier comparison");
    }
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["run", "presets", "export-data", "bench"] {
        let out = modalscope(&[sub, "--help"]);
        assert!(out.status.success() && !out.stdout.is_empty(), "{sub} --help");
    }
}

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn nan_hook_exits_1_with_the_step_range_and_keeps_what_it_wrote() {
    let dir = scratch("nan");
    let out = modalscope(&["run", "--preset", "balanced", "--set", "train.epochs=5", "--set", "debug.nan_at_step=8", "--quiet", "--out", dir.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // balanced: 400 training rows, batch 64 -> 7 steps an epoch, an evaluation every epoch.
    assert!(err.contains("between steps 7 and 14"), "names the range: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.iter().map(|l| l["step"].as_u64().unwrap()).collect::<Vec<_>>(), vec![0, 7, 14], "the evaluations up to the divergence");
    assert_eq!(lines[2]["events"][0]["kind"], "divergence");
    let summary = read_json(&dir.join("summary.json"));
    assert_eq!(summary["status"], "diverged");
    assert_eq!(summary["steps"], 14);
}

/// The page pauses on the diverging warning (fused training loss above 10·ln K); the CLI
/// prints it and goes on, or with `--stop-on-diverging` stops there with exit status 1.
#[test]
fn the_diverging_warning_goes_to_stderr_and_stops_only_when_asked() {
    let dir = scratch("diverging");
    let args = ["run", "--preset", "imbalance", "--set", "train.learning_rate=1", "--set", "train.epochs=3", "--quiet", "--out", dir.to_str().unwrap()];
    let out = modalscope(&args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("warning: Diverging: the fused training loss rose from ") && err.contains("at step 4,"), "{err}");
    assert!(err.contains("The run goes on"), "{err}");
    let summary = read_json(&dir.join("summary.json"));
    assert_eq!(summary["status"], "finished");
    let out = modalscope(&[&args[..], &["--stop-on-diverging"]].concat());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("stopped at step 4 on the diverging warning (--stop-on-diverging)"), "{err}");
    let summary = read_json(&dir.join("summary.json"));
    assert_eq!((summary["status"].as_str(), summary["steps"].as_u64()), (Some("paused"), Some(4)));
    let lines = std::fs::read_to_string(dir.join("metrics.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 2, "the evaluations of steps 0 and 4: {lines}");
}

/// `compare` trains A and B as the page's A/B does and writes each as `run` would, and what
/// differs: the settings, and B − A of the final figures, equal to the two summaries'.
#[test]
fn compare_writes_both_runs_and_their_differences() {
    let dir = scratch("compare");
    std::fs::create_dir_all(&*dir).unwrap();
    std::fs::write(dir.join("a.toml"), "[train]\nepochs = 4\n").unwrap();
    std::fs::write(dir.join("b.toml"), "[train]\nepochs = 4\nlearning_rate = 0.01\n").unwrap();
    let out_dir = dir.join("out");
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let out = modalscope(&["compare", "--preset", "imbalance", "--a", &path("a.toml"), "--b", &path("b.toml"), "--quiet", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (a, b) = (read_json(&out_dir.join("a/summary.json")), read_json(&out_dir.join("b/summary.json")));
    assert_eq!((a["status"].as_str(), b["status"].as_str()), (Some("finished"), Some("finished")));
    assert_eq!(b["config"]["train"]["learning_rate"], 0.01);
    let lines = |who: &str| std::fs::read_to_string(out_dir.join(who).join("metrics.jsonl")).unwrap().lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()).collect::<Vec<_>>();
    let (la, lb) = (lines("a"), lines("b"));
    assert_eq!(la.len(), lb.len());
    assert_eq!(la[0]["heads"], lb[0]["heads"], "step 0: the same data and initial weights");
    // The same run alone gives A's figures: a comparison changes nothing of a run.
    let alone = dir.join("alone");
    let out = modalscope(&["run", "--preset", "imbalance", "--config", &path("a.toml"), "--quiet", "--out", alone.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(alone.join("metrics.jsonl")).unwrap(), std::fs::read_to_string(out_dir.join("a/metrics.jsonl")).unwrap());
    let d = read_json(&out_dir.join("differences.json"));
    let settings = d["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 1, "{settings:?}");
    assert_eq!(settings[0]["path"], "train.learning_rate");
    assert_eq!(settings[0]["b"], "0.01");
    for head in ["fused", "a", "b"] {
        let figure = |s: &serde_json::Value, key: &str| s["final"]["heads"][head][key].as_f64().unwrap();
        for key in ["val_acc", "gap"] {
            let expected = figure(&b, key) - figure(&a, key);
            let got = d["b_minus_a"][head][key].as_f64().unwrap_or_else(|| panic!("{head}.{key}: {d}"));
            assert!((got - expected).abs() < 1e-9, "{head}.{key}: {got} vs {expected}");
        }
        let ogr = |s: &serde_json::Value| s["median_ogr"][head].as_f64();
        match (ogr(&b), ogr(&a)) {
            (Some(ob), Some(oa)) => assert!((d["b_minus_a"][head]["median_ogr"].as_f64().unwrap() - (ob - oa)).abs() < 1e-9),
            _ => assert!(d["b_minus_a"][head]["median_ogr"].is_null()),
        }
    }
}

#[test]
fn config_files_in_toml_and_json_reach_the_run() {
    let dir = scratch("config-files");
    std::fs::create_dir_all(&*dir).unwrap();
    let toml = dir.join("short.toml");
    std::fs::write(&toml, "[train]\nepochs = 2\nlearning_rate = 0.004\n[model]\nfusion = \"sum\"\n").unwrap();
    let json = dir.join("short.json");
    std::fs::write(&json, r#"{"train": {"epochs": 3, "batch_size": 32}, "regularizers": {"fusion_dropout": {"enabled": true}}}"#).unwrap();
    let from_toml = dir.join("toml-run");
    let out = modalscope(&["run", "--preset", "balanced", "--config", toml.to_str().unwrap(), "--quiet", "--out", from_toml.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let config = &read_json(&from_toml.join("summary.json"))["config"];
    assert_eq!((config["train"]["epochs"].as_u64(), config["train"]["learning_rate"].as_f64()), (Some(2), Some(0.004)));
    assert_eq!(config["model"]["fusion"], "sum");
    assert_eq!(config["train"]["batch_size"], 64, "keys the file does not name keep the preset's values");
    let from_json = dir.join("json-run");
    let out = modalscope(&["run", "--preset", "balanced", "--config", json.to_str().unwrap(), "--quiet", "--out", from_json.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = read_json(&from_json.join("summary.json"));
    assert_eq!(summary["config"]["train"]["batch_size"], 32);
    // The file names the methods' table by its name before schema 3; the output by today's.
    assert_eq!(summary["config"]["methods"]["fusion_dropout"]["enabled"], true);
    // balanced: 400 training rows after V, batch 32 -> 13 steps an epoch, 3 epochs.
    assert_eq!(summary["steps"], 39);
}

#[test]
fn seed_applies_before_set_whatever_the_argument_order() {
    for args in [["--seed", "3", "--set", "train.seed=5"], ["--set", "train.seed=5", "--seed", "3"]] {
        let dir = scratch("seed-order");
        let mut all = vec!["run", "--preset", "balanced", "--set", "train.epochs=1", "--quiet", "--out", dir.to_str().unwrap()];
        all.extend(args);
        let out = modalscope(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(read_json(&dir.join("summary.json"))["config"]["train"]["seed"], 5, "{args:?}");
    }
}

fn parse_csv(text: &str) -> Vec<Vec<f32>> {
    text.lines().skip(1).map(|line| line.split(',').map(|v| v.parse().unwrap()).collect()).collect()
}

#[test]
fn exported_csvs_are_the_data_run_trains_on() {
    use modalscope::engine::config::ExperimentConfig;
    use modalscope::engine::data::Split;
    use modalscope::engine::device::ComputeDevice;
    use modalscope::engine::session::Session;
    let args = ["--preset", "shortcut", "--seed", "4", "--set", "data.label_noise=0.1", "--set", "train.epochs=1"];
    let export = scratch("export-vs-run");
    let out = modalscope(&[&["export-data"][..], &args[..], &["--out", export.to_str().unwrap()][..]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let run = scratch("run-vs-export");
    let out = modalscope(&[&["run"][..], &args[..], &["--quiet", "--out", run.to_str().unwrap()][..]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let exported_config = read_json(&export.join("config.json"));
    assert_eq!(read_json(&run.join("summary.json"))["config"], exported_config, "run and export resolve the same configuration");
    let config = ExperimentConfig::from_json(&exported_config.to_string()).unwrap();
    let session = Session::new(config, ComputeDevice::cpu(), None).unwrap();
    let data = session.data();
    let rows = |split: &Split| -> Vec<Vec<f32>> {
        (0..split.len())
            .map(|i| std::iter::once(split.labels[i] as f32).chain(split.modalities.iter().flat_map(|m| m.row(i).to_vec())).collect())
            .collect()
    };
    for (file, split) in [("train.csv", &data.train), ("holdout.csv", &data.holdout), ("val.csv", &data.val), ("test.csv", &data.test)] {
        let exported = parse_csv(&std::fs::read_to_string(export.join(file)).unwrap());
        assert_eq!(exported, rows(split), "{file} differs from the session's split");
    }
    let subset = parse_csv(&std::fs::read_to_string(export.join("train_subset.csv")).unwrap());
    assert_eq!(subset, rows(&data.train.select(&data.train_subset)), "train_subset.csv is T′");
}

#[test]
fn after_early_stopping_the_summary_describes_the_restored_checkpoint() {
    let dir = scratch("early-stop");
    let out = modalscope(&["run", "--preset", "imbalance", "--set", "methods.early_stopping.enabled=true", "--quiet", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = read_json(&dir.join("summary.json"));
    assert_eq!(summary["status"], "early-stopped");
    assert!(summary["steps"].as_u64() > summary["best"]["step"].as_u64(), "it trained past the best checkpoint");
    assert_eq!(summary["final"]["step"], summary["best"]["step"], "final is the restored checkpoint: {summary}");
    assert_eq!(summary["final"]["heads"], summary["best"]["heads"]);
}

#[test]
fn bench_prints_steps_per_second_at_the_shape_asked_for() {
    let out = modalscope(&["bench", "--preset", "imbalance", "--steps", "20", "--warmup", "2", "--batch-size", "16", "--width", "8", "--modalities", "3"]);
    let (text, err) = (String::from_utf8_lossy(&out.stdout).to_string(), stderr(&out));
    assert!(out.status.success(), "{err}");
    let rate: f64 = text.trim().strip_prefix("steps_per_s=").and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("stdout: {text}"));
    assert!(rate > 0.0 && rate.is_finite(), "{text}");
    assert!(err.contains("20 steps") && err.contains("8+512+512 features") && err.contains("encoder 2x8") && err.contains("batch 16"), "{err}");
    assert!(err.contains("no evaluation while timed"), "{err}");
    let out = modalscope(&["bench", "--steps", "6", "--warmup", "0", "--eval-every", "2"]);
    assert!(out.status.success() && stderr(&out).contains("an evaluation every 2 steps"), "{}", stderr(&out));
    assert_bad_input(&["bench", "--preset", "mfeat-fou-mor", "--modalities", "3"], "synthetic data only");
    assert_bad_input(&["bench", "--modalities", "5"], "data.synthetic");
}

#[test]
fn charts_writes_each_chart_in_use_as_svg() {
    let (out, charts) = (scratch("charts-run"), scratch("charts"));
    let run = modalscope(&["run", "--preset", "lmf", "--set", "train.epochs=2", "--quiet", "--out", out.to_str().unwrap(), "--charts", charts.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    let mut names: Vec<String> = std::fs::read_dir(&*charts).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    // lmf: the five history charts and the fusion size (no Gradient-Blending or OGM-GE chart).
    assert_eq!(names, ["accuracy.svg", "contribution.svg", "fusion-size.svg", "gap.svg", "loss.svg", "ogr.svg"]);
    let loss = std::fs::read_to_string(charts.join("loss.svg")).unwrap();
    assert!(loss.starts_with("<svg") && loss.contains("<polyline") && loss.contains("fused"), "a drawn chart with its legend: {}", &loss[..200.min(loss.len())]);
}

#[test]
fn the_readme_schema_example_is_the_last_line_of_the_imbalance_preset() {
    // The README's metrics.jsonl example says it is the last line of `--preset imbalance`
    // (seed 1), rounded: every number it shows must round from the run's.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let schema = &readme[readme.find("## Output schema").expect("the schema section")..];
    let example = &schema[schema.find("```json\n").unwrap() + 8..];
    let example = &example[..example.find("```").unwrap()];
    let dir = scratch("readme-example");
    let out = modalscope(&["run", "--preset", "imbalance", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let metrics = std::fs::read_to_string(dir.join("metrics.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(metrics.lines().last().unwrap()).unwrap();
    let (mut group, mut checked) = ("", 0);
    for line in example.lines() {
        let line = line.trim();
        if line.starts_with("\"heads\"") || line.starts_with("\"contribution\"") {
            group = if line.starts_with("\"heads\"") { "heads" } else { "contribution" };
        }
        let name = line.split('"').nth(1).unwrap_or_default();
        let nested = line.split_once("\":").is_some_and(|(_, rest)| rest.trim_start().starts_with("{\""));
        let object = match (group, nested) {
            (_, false) | ("", _) => &last,
            (group, true) => &last[group][name],
        };
        // Each `"key": number` (or null) on the line, against the same key of the run; the
        // keys of an object on the line (`"missing": {"a": …}`) against that object's.
        let mut inner: Option<&str> = None;
        for pair in line.split(['{', ',']).filter_map(|p| p.trim().strip_prefix('"')) {
            let Some((key, raw)) = pair.split_once("\":") else { continue };
            let value = raw.trim_end_matches(['}', ',']).trim();
            if value.is_empty() {
                // The line's own name opens the object checked; another name, one inside it.
                inner = (key != name).then_some(key);
                continue;
            }
            let actual = match inner {
                Some(object_key) => &object[object_key][key],
                None => &object[key],
            };
            if raw.trim_end_matches(',').ends_with('}') {
                inner = None;
            }
            if value == "null" {
                assert!(actual.is_null(), "{group}.{name}.{key}: README null, run {actual}");
            } else if let Ok(shown) = value.parse::<f64>() {
                let decimals = value.split('.').nth(1).map_or(0, str::len) as i32;
                let run = actual.as_f64().unwrap_or_else(|| panic!("{group}.{name}.{key}: {actual}"));
                assert!((run - shown).abs() <= 0.5 * 10f64.powi(-decimals) + 1e-12, "{group}.{name}.{key}: README {shown}, run {run}");
            } else {
                continue;
            }
            checked += 1;
        }
    }
    assert!(checked >= 23, "the example's numbers were checked ({checked})");
}

#[test]
fn keys_lists_every_setting_with_its_value_range_and_kind() {
    use modalscope::engine::config::knobs::table;
    use modalscope::engine::presets::preset;
    let out = modalscope(&["keys", "--preset", "ogm-ge", "--set", "train.learning_rate=0.02"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().skip(1).map(|l| l.split_whitespace().collect()).collect();
    let knobs = table(&preset("ogm-ge").unwrap());
    assert_eq!(rows.iter().map(|r| r[0]).collect::<Vec<_>>(), knobs.iter().map(|k| k.path.as_str()).collect::<Vec<_>>(), "one line per knob, in the table's order");
    let row = |path: &str| rows.iter().find(|r| r[0] == path).unwrap().clone();
    assert_eq!(row("methods.ogm_ge.alpha")[1], "0.8", "the preset's value");
    assert_eq!(row("train.learning_rate")[1], "0.02", "the override's value");
    assert!(rows.iter().all(|r| r.contains(&"live") || r.contains(&"structural")), "each says how it applies");
    let bad = modalscope(&["keys", "--set", "train.nope=1"]);
    assert_eq!(bad.status.code(), Some(2), "an unknown key is refused");
}

#[test]
fn stories_prints_the_verdict_of_a_preset_and_of_each_try_per_seed() {
    let out = modalscope(&["stories", "--preset", "imbalance", "--seed", "1", "--seed", "2"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let tries = modalscope::engine::stories::story("imbalance").unwrap().tries.len();
    assert_eq!(lines.len(), 2 * (1 + tries), "the preset and each try, per seed:\n{text}{}", stderr(&out));
    assert!(lines[0].starts_with("seed 1") && lines[0].contains("imbalance ") && lines[0].contains("< a's probe"), "{text}");
    assert!(lines[1 + tries].starts_with("seed 2"), "seed by seed:\n{text}");
    assert!(lines.iter().all(|l| l.contains(" holds ") || l.contains(" FAILS ")), "{text}");
    // The exit status says whether every verdict held.
    assert_eq!(out.status.code(), Some(if lines.iter().all(|l| l.contains(" holds ")) { 0 } else { 1 }), "{text}");
    let unknown = modalscope(&["stories", "--preset", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("unknown preset `nope`"));
}
