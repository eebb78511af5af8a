//! `modalscope`: the native command line. It only parses arguments and calls the engine.

use std::collections::BTreeMap;
use std::fs;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

use modalscope::engine::config::{ConfigError, DataSource, ExperimentConfig, SCHEMA_VERSION};
use modalscope::engine::metrics::ogr::median;
use modalscope::engine::presets::{PRESETS, preset, preset_names};
use modalscope::engine::session::{Command as SessionCommand, RunState, Session};

const MFEAT: &[u8] = include_bytes!("../../assets/mfeat.bin");

#[derive(Parser)]
#[command(name = "modalscope", version, about = "Train small multimodal classifiers headless and measure gap, OGR and modality contribution")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train one configuration on the CPU and write metrics.jsonl and summary.json.
    Run {
        #[command(flatten)]
        source: ConfigSource,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Also write the page's charts of the run as SVG files into this folder (one per
        /// chart in use: loss.svg, gap.svg, ogr.svg, …).
        #[arg(long, value_name = "DIR")]
        charts: Option<PathBuf>,
    },
    /// Time training on the CPU: a preset's model and loss (default: the default model) for a
    /// fixed number of steps, no evaluation while timed; prints `steps_per_s=<number>`.
    Bench {
        #[command(flatten)]
        source: ConfigSource,
        /// Optimizer steps timed.
        #[arg(long, default_value_t = 1000)]
        steps: usize,
        /// Steps run before timing starts.
        #[arg(long, default_value_t = 50)]
        warmup: usize,
        /// Samples per step (train.batch_size).
        #[arg(long)]
        batch_size: Option<usize>,
        /// Encoder width (model.encoder_width).
        #[arg(long)]
        width: Option<usize>,
        /// Number of synthetic modalities (2 to 4), copies of the last one.
        #[arg(long)]
        modalities: Option<usize>,
        /// Evaluate every N steps inside the timing (default: no evaluation while timed).
        #[arg(long)]
        eval_every: Option<usize>,
    },
    /// List every preset with its one-line story.
    Presets,
    /// Write the exact train/validation/test splits (and V) as CSV.
    ExportData {
        #[command(flatten)]
        source: ConfigSource,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args)]
struct ConfigSource {
    /// Start from this preset (see `modalscope presets`).
    #[arg(long)]
    preset: Option<String>,
    /// Then merge this TOML or JSON file onto it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Seed of the run (shorthand for --set train.seed=N, applied before the --set overrides).
    #[arg(long)]
    seed: Option<u64>,
    /// Then apply key.path=value overrides, in order (e.g. --set train.learning_rate=0.01).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    overrides: Vec<String>,
}

/// A user-facing failure: one line on stderr, exit status 2.
struct Failure(String);

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Failure(e.0)
    }
}

impl ConfigSource {
    fn resolve(&self) -> Result<ExperimentConfig, Failure> {
        let mut config = match &self.preset {
            Some(name) => preset(name)
                .ok_or_else(|| Failure(format!("unknown preset `{name}`; choose one of: {}", preset_names())))?,
            None => ExperimentConfig::default(),
        };
        if let Some(path) = &self.config {
            config = config.merged_with(&read_config_file(path)?)?;
        }
        if let Some(seed) = self.seed {
            config.train.seed = seed;
        }
        for assignment in &self.overrides {
            config = config.with_override(assignment)?;
        }
        config.validate()?;
        Ok(config)
    }
}

fn read_config_file(path: &Path) -> Result<Value, Failure> {
    let text = fs::read_to_string(path).map_err(|e| Failure(format!("cannot read config file {}: {e}", path.display())))?;
    let is_json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        serde_json::from_str(&text).map_err(|e| Failure(format!("{} is not valid JSON: {e}", path.display())))
    } else {
        toml::from_str(&text).map_err(|e| Failure(format!("{} is not valid TOML: {}", path.display(), e.message().trim())))
    }
}

fn mfeat_for(config: &ExperimentConfig) -> Option<Vec<u8>> {
    (config.data.source == DataSource::Mfeat).then(|| MFEAT.to_vec())
}

fn prepare_output(out: &Path, files: &[&str]) -> Result<(), Failure> {
    fs::create_dir_all(out).map_err(|e| Failure(format!("cannot create output folder {}: {e}", out.display())))?;
    let probe = out.join(".modalscope-write-test");
    fs::write(&probe, b"").map_err(|e| Failure(format!("cannot write to output folder {}: {e}", out.display())))?;
    let _ = fs::remove_file(probe);
    for file in files {
        let _ = fs::remove_file(out.join(file));
    }
    Ok(())
}

fn write_atomically(path: &Path, text: &str) -> Result<(), Failure> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, text)
        .and_then(|_| fs::rename(&tmp, path))
        .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))
}

fn run(source: &ConfigSource, out: &Path, quiet: bool, charts: Option<&Path>) -> Result<ExitCode, Failure> {
    let config = source.resolve()?;
    for (method, text) in config.regularizers.advice(&config) {
        eprintln!("warning: {method}: {text}");
    }
    let mut session = Session::on_cpu(config.clone(), mfeat_for(&config))?;
    prepare_output(out, &["metrics.jsonl", "summary.json"])?;
    if let Some(dir) = charts {
        prepare_output(dir, &[])?;
    }
    let metrics_path = out.join("metrics.jsonl");
    let mut metrics = fs::File::create(&metrics_path)
        .map_err(|e| Failure(format!("cannot write {}: {e}", metrics_path.display())))?;
    let total = session.trainer().total_steps() as u64;
    let mut progress = Progress::new(total, !quiet && std::io::stderr().is_terminal());
    let mut diverged = None;
    let mut ogr_values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    session.apply(SessionCommand::Play)?;
    while session.state() == RunState::Training {
        let advanced = session.advance_blocking(64);
        progress.advance(advanced.steps as u64);
        if let Some(result) = advanced.evaluation {
            let evaluation = result.map_err(Failure)?;
            for (head, metrics) in &evaluation.heads {
                ogr_values.entry(head.clone()).or_default().extend(metrics.ogr);
            }
            writeln!(metrics, "{}", evaluation.to_json())
                .map_err(|e| Failure(format!("cannot write {}: {e}", metrics_path.display())))?;
            let fused = evaluation.fused();
            progress.message = format!("fused val acc {:.3} gap {:+.3}", fused.val_acc, fused.gap);
            for event in &evaluation.events {
                if let modalscope::engine::metrics::Event::Divergence { suggestion, .. } = event {
                    diverged = Some(suggestion.clone());
                }
            }
        }
    }
    progress.clear();
    write_atomically(&out.join("summary.json"), &summary(&session, &ogr_values))?;
    let trainer = session.trainer();
    if let Some(dir) = charts {
        let heads = modalscope::plot::heads(&trainer.data().modality_names);
        let files = modalscope::plot::run_charts_svg(trainer.config(), trainer.history().points(), &heads, trainer.total_steps()).map_err(Failure)?;
        for (name, svg) in files {
            write_atomically(&dir.join(name), &svg)?;
        }
    }
    let (latest, final_step) = trainer.final_evaluation().map_or((f64::NAN, 0), |e| (e.fused().val_acc, e.step));
    let restored = match session.state() {
        RunState::EarlyStopped => format!(" (the restored checkpoint of step {final_step})"),
        _ => String::new(),
    };
    match diverged {
        Some(message) => {
            eprintln!("error: {message}; metrics so far are in {}", out.display());
            Ok(ExitCode::from(1))
        }
        None => {
            if !quiet {
                eprintln!(
                    "{} after {} steps: fused validation accuracy {latest:.3}{restored}; wrote {}",
                    session.state().word(),
                    trainer.step_count(),
                    out.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A one-line progress display on a terminal's stderr (steps, steps/s, the latest
/// evaluation), redrawn at most ten times a second; silent when stderr is not a terminal.
struct Progress {
    total: u64,
    done: u64,
    shown: bool,
    started: std::time::Instant,
    last_draw: Option<std::time::Instant>,
    message: String,
}

impl Progress {
    fn new(total: u64, shown: bool) -> Self {
        Progress { total, done: 0, shown, started: std::time::Instant::now(), last_draw: None, message: String::new() }
    }

    fn advance(&mut self, steps: u64) {
        self.done += steps;
        let due = self.last_draw.is_none_or(|t| t.elapsed().as_millis() >= 100);
        if self.shown && due {
            let per_second = self.done as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
            eprint!("\r\x1b[2K{}/{} steps  {per_second:.0} steps/s  {}", self.done, self.total, self.message);
            self.last_draw = Some(std::time::Instant::now());
        }
    }

    fn clear(&self) {
        if self.shown && self.last_draw.is_some() {
            eprint!("\r\x1b[2K");
        }
    }
}

/// `summary.json`; `ogr_values` holds every non-null OGR of each head over the whole run (the
/// history may have thinned old evaluations), summarised by their median.
fn summary(session: &Session, ogr_values: &BTreeMap<String, Vec<f64>>) -> String {
    let trainer = session.trainer();
    // What ran: the session's configuration (what the data source fixes filled in).
    let config = trainer.config();
    let history = trainer.history();
    let heads = |e: &modalscope::engine::metrics::Evaluation| e.to_json()["heads"].clone();
    let value = json!({
        "schema_version": SCHEMA_VERSION,
        // Through the config's own JSON text, so that f32 knobs read 0.1, not 0.10000000149011612.
        "config": serde_json::from_str::<Value>(&config.to_json()).expect("config JSON parses"),
        "backend": trainer.compute().kind.name(),
        "status": session.state().word(),
        "steps": trainer.step_count(),
        // After early stopping, the restored best checkpoint: the model the run ends with.
        "final": trainer.final_evaluation().map(|e| json!({ "step": e.step, "heads": heads(e) })),
        "best": history.best().map(|e| e.to_json()),
        "best_test_acc": history.best().and_then(|e| e.fused().test_acc),
        "median_ogr": ogr_values.iter().map(|(head, values)| (head.clone(), json!(median(values)))).collect::<serde_json::Map<_, _>>(),
    });
    serde_json::to_string_pretty(&value).expect("summary serializes")
}

fn export_data(source: &ConfigSource, out: &Path) -> Result<ExitCode, Failure> {
    let config = source.resolve()?;
    let mfeat = mfeat_for(&config);
    let session = Session::on_cpu(config.clone(), mfeat)?;
    let data = session.trainer().data();
    let splits = data.named_splits();
    let files: Vec<String> = splits.iter().map(|(name, _)| format!("{name}.csv")).collect();
    prepare_output(out, &files.iter().map(String::as_str).collect::<Vec<_>>())?;
    for (file, (_, split)) in files.iter().zip(&splits) {
        write_atomically(&out.join(file), &data.split_csv(split))?;
    }
    write_atomically(&out.join("config.json"), &config.to_json())?;
    eprintln!(
        "wrote {}: train {} (V {} held out), validation {}, test {}, T′ {} rows; features standardised with training statistics",
        out.display(),
        data.train.len(),
        data.holdout.len(),
        data.val.len(),
        data.test.len(),
        splits[4].1.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `modalscope bench`: the run's own loop (hooks, accumulators, batch uploads), timed over
/// `steps` optimizer steps after `warmup` steps and the step-0 evaluation; the evaluation
/// interval is set past the run so that none falls inside the timing.
fn bench(
    source: &ConfigSource,
    steps: usize,
    warmup: usize,
    shape: (Option<usize>, Option<usize>, Option<usize>),
    eval_every: Option<usize>,
) -> Result<ExitCode, Failure> {
    let mut config = source.resolve()?.with_shape(shape.0, shape.1, shape.2)?;
    let total = warmup + steps;
    config.train.eval_every = eval_every.unwrap_or(total + 1).max(1);
    let rows = config.data.train_size;
    config.train.epochs = total.div_ceil(config.steps_per_epoch(rows)) + 1;
    let mut session = Session::on_cpu(config.clone(), mfeat_for(&config))?;
    session.apply(SessionCommand::Play)?;
    let run_to = |session: &mut Session, step: usize| -> Result<(), Failure> {
        while session.trainer().step_count() < step {
            let left = step - session.trainer().step_count();
            if let Some(result) = session.advance_blocking(left).evaluation {
                result.map_err(Failure)?;
            }
        }
        Ok(())
    };
    run_to(&mut session, warmup)?;
    let started = std::time::Instant::now();
    run_to(&mut session, total)?;
    let seconds = started.elapsed().as_secs_f64();
    let dims: Vec<String> = session.trainer().data().dims().iter().map(usize::to_string).collect();
    eprintln!(
        "bench: {steps} steps in {seconds:.3} s on the CPU (1 thread), {}: modalities of {} features, encoder {}x{}, fusion {:?}, batch {}, methods [{}]",
        eval_every.map_or("no evaluation while timed".to_string(), |n| format!("an evaluation every {n} steps")),
        dims.join("+"),
        config.model.encoder_depth,
        config.model.encoder_width,
        config.model.fusion,
        config.train.batch_size,
        config.regularizers.enabled_names().join(", ")
    );
    println!("steps_per_s={:.1}", steps as f64 / seconds);
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal failure: {info}");
    }));
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run { source, out, quiet, charts } => run(source, out, *quiet, charts.as_deref()),
        Command::Presets => {
            for p in PRESETS {
                println!("{:<15} {}", p.name, p.description);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::ExportData { source, out } => export_data(source, out),
        Command::Bench { source, steps, warmup, batch_size, width, modalities, eval_every } => {
            bench(source, *steps, *warmup, (*batch_size, *width, *modalities), *eval_every)
        }
    };
    result.unwrap_or_else(|Failure(message)| {
        eprintln!("error: {message}");
        ExitCode::from(2)
    })
}
