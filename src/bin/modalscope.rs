//! `modalscope`: the native command line. It only parses arguments and calls the engine.

use std::collections::BTreeMap;
use std::fs;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

use modalscope::engine::config::{ConfigError, DataSource, ExperimentConfig, SCHEMA_VERSION, knobs};
use modalscope::engine::metrics::Event;
use modalscope::engine::metrics::ogr::median;
use modalscope::engine::presets::{PRESETS, preset, preset_names};
use modalscope::engine::session::{Advance, Command as SessionCommand, OnDiverging, RunGroup, RunState, Session};

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
        /// Stop with exit status 1 when an evaluation finds the run diverging (fused
        /// training loss above 10·ln K, as the page pauses); by default the warning goes to
        /// stderr and the run goes on.
        #[arg(long)]
        stop_on_diverging: bool,
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
    /// Train two configurations in turn on identical data, initial weights and batch order,
    /// as the page's A/B does (B leads, A follows step for step), and write DIR/a/ and DIR/b/
    /// (metrics.jsonl, summary.json) and DIR/differences.json (the settings that differ, and
    /// B − A of each head's final val_acc, gap and median OGR).
    Compare {
        /// A's configuration: a TOML or JSON file, merged onto the defaults (or --preset).
        #[arg(long, value_name = "FILE")]
        a: PathBuf,
        /// B's configuration, read as A's.
        #[arg(long, value_name = "FILE")]
        b: PathBuf,
        /// Start both from this preset (see `modalscope presets`).
        #[arg(long)]
        preset: Option<String>,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Stop with exit status 1 when an evaluation finds either run diverging; by default
        /// the warning goes to stderr and both go on.
        #[arg(long)]
        stop_on_diverging: bool,
    },
    /// List every preset with its one-line story.
    Presets,
    /// Train every preset (or one) and each of its story card's try-this settings to its end,
    /// on the CPU, on each seed, and print the verdict the card shows at the end (a try's
    /// judged against the preset's run of the same seed). Exit status 1 when one does not
    /// hold.
    Stories {
        /// Only this preset (see `modalscope presets`).
        #[arg(long)]
        preset: Option<String>,
        /// Seeds (train.seed) to train each run on; the presets' own by default.
        #[arg(long = "seed", value_name = "N")]
        seeds: Vec<u64>,
    },
    /// List every setting: its path, its value (the default, or the given preset's and
    /// overrides'), its range, whether it is live (applies at the next step) or structural
    /// (restarts the run), and its label.
    Keys {
        #[command(flatten)]
        source: ConfigSource,
    },
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

/// Gets a command's output folders ready, each with the files a new run replaces in it. Every
/// folder is checked first (created if missing, a probe file written and removed); only when
/// all of them pass are the old files removed. A rejected command (exit status 2) so removes
/// nothing, and the folders it created for nothing are removed again.
fn prepare_outputs(folders: &[(&Path, &[&str])]) -> Result<(), Failure> {
    let mut created = Vec::new();
    if let Err(failure) = folders.iter().try_for_each(|(dir, _)| check_writable(dir, &mut created)) {
        // Innermost first; remove_dir leaves a folder that holds anything.
        for dir in created.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
        return Err(failure);
    }
    for (dir, files) in folders {
        for file in *files {
            let _ = fs::remove_file(dir.join(file));
        }
    }
    Ok(())
}

/// Creates `dir` if missing (adding the folders it created to `created`, outermost first) and
/// writes and removes a probe file in it.
fn check_writable(dir: &Path, created: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let missing: Vec<PathBuf> = dir.ancestors().take_while(|a| !a.as_os_str().is_empty() && !a.exists()).map(Path::to_path_buf).collect();
    let made = fs::create_dir_all(dir);
    created.extend(missing.into_iter().rev().filter(|d| d.exists()));
    made.map_err(|e| Failure(format!("cannot create output folder {}: {e}", dir.display())))?;
    let probe = dir.join(".modalscope-write-test");
    fs::write(&probe, b"").map_err(|e| Failure(format!("cannot write to output folder {}: {e}", dir.display())))?;
    let _ = fs::remove_file(probe);
    Ok(())
}

/// The files a run's record replaces in its folder.
const RECORD_FILES: &[&str] = &["metrics.jsonl", "summary.json"];

fn write_atomically(path: &Path, text: &str) -> Result<(), Failure> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, text)
        .and_then(|_| fs::rename(&tmp, path))
        .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))
}

/// What the CLI keeps of one run while it trains: its `metrics.jsonl`, every OGR of each
/// head (summarised in `summary.json` by their median: the history may have thinned old
/// evaluations), and whether it stopped early.
struct Record {
    dir: PathBuf,
    metrics: fs::File,
    ogr_values: BTreeMap<String, Vec<f64>>,
    /// A non-finite loss ended the run: the suggestion (exit status 1).
    diverged: Option<String>,
    /// The run stopped on the diverging warning (`--stop-on-diverging`, exit status 1).
    stopped_diverging: bool,
}

impl Record {
    /// Starts the record of a run in `dir`, which [`prepare_outputs`] got ready with
    /// [`RECORD_FILES`].
    fn create(dir: &Path) -> Result<Self, Failure> {
        let path = dir.join("metrics.jsonl");
        let metrics = fs::File::create(&path).map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
        Ok(Record { dir: dir.to_path_buf(), metrics, ogr_values: BTreeMap::new(), diverged: None, stopped_diverging: false })
    }

    /// Takes what one [`Session::advance`] of this run did: its steps to the progress line,
    /// its warning to stderr (after `who`, "A: " in a comparison), its evaluation to
    /// `metrics.jsonl`.
    fn take(&mut self, advanced: Advance, progress: &mut Progress, who: &str, stop_on_diverging: bool) -> Result<(), Failure> {
        progress.advance(advanced.steps as u64);
        if let Some(warning) = advanced.warning {
            progress.clear();
            eprintln!("warning: {who}{warning}");
            self.stopped_diverging |= stop_on_diverging;
        }
        let Some(result) = advanced.evaluation else { return Ok(()) };
        let evaluation = result.map_err(Failure)?;
        for (head, metrics) in &evaluation.heads {
            self.ogr_values.entry(head.clone()).or_default().extend(metrics.ogr);
        }
        writeln!(self.metrics, "{}", evaluation.to_json())
            .map_err(|e| Failure(format!("cannot write {}: {e}", self.dir.join("metrics.jsonl").display())))?;
        let fused = evaluation.fused();
        progress.message = format!("{who}fused val acc {:.3} gap {:+.3}", fused.val_acc, fused.gap);
        for event in &evaluation.events {
            if let Event::Divergence { suggestion, .. } = event {
                self.diverged = Some(suggestion.clone());
            }
        }
        Ok(())
    }

    /// Writes `summary.json` of `session`, the run recorded.
    fn write_summary(&self, session: &Session) -> Result<(), Failure> {
        write_atomically(&self.dir.join("summary.json"), &summary(session, &self.ogr_values))
    }

    /// The median OGR of each head over the whole run.
    fn median_ogr(&self) -> BTreeMap<String, Option<f64>> {
        self.ogr_values.iter().map(|(head, values)| (head.clone(), median(values))).collect()
    }

    /// Why the run ended early and the CLI exits 1 (`who` names it in a comparison); `None`
    /// when it did not.
    fn failure(&self, session: &Session, who: &str) -> Option<String> {
        match (&self.diverged, self.stopped_diverging) {
            (Some(message), _) => Some(format!("{who}{message}; metrics so far are in {}", self.dir.display())),
            (None, true) => Some(format!(
                "{who}stopped at step {} on the diverging warning (--stop-on-diverging); metrics so far are in {}",
                session.step(),
                self.dir.display()
            )),
            (None, false) => None,
        }
    }
}

/// The fused validation accuracy the run ends with, and a note when early stopping restored
/// an earlier checkpoint.
fn ending(session: &Session) -> (f64, String) {
    let (accuracy, final_step) = session.final_evaluation().map_or((f64::NAN, 0), |e| (e.fused().val_acc, e.step));
    let restored = match session.state() {
        RunState::EarlyStopped => format!(" (the restored checkpoint of step {final_step})"),
        _ => String::new(),
    };
    (accuracy, restored)
}

/// Trains `config` to its end on the CPU (as the page does, without pausing at a diverging
/// evaluation) and returns its last evaluation.
fn train_to_end(config: ExperimentConfig) -> Result<modalscope::engine::metrics::Evaluation, Failure> {
    let mut session = Session::on_cpu(config.clone(), mfeat_for(&config))?;
    session.on_diverging(OnDiverging::GoOn);
    session.apply(SessionCommand::Play)?;
    while session.state() == RunState::Training {
        session.advance_blocking(256);
    }
    session.history().latest().cloned().ok_or_else(|| Failure("the run has no evaluation".into()))
}

/// One line of `modalscope stories`: its text, and whether the verdict holds.
type StoryLine = (String, bool);

/// A preset's and its tries' lines on one seed (the preset, the seed asked for).
type StoryRuns<'a> = (&'a str, Option<u64>, Result<Vec<StoryLine>, Failure>);

/// `modalscope stories`: one line per preset or try and seed, "holds" or "FAILS" and the
/// card's figures; the presets side by side on the machine's cores.
fn stories(only: Option<&str>, seeds: &[u64]) -> Result<ExitCode, Failure> {
    use modalscope::engine::stories::story;
    if let Some(name) = only {
        preset(name).ok_or_else(|| Failure(format!("unknown preset `{name}`; choose one of: {}", preset_names())))?;
    }
    let presets: Vec<&str> = PRESETS.iter().map(|p| p.name).filter(|n| only.is_none_or(|o| o == *n)).collect();
    let seeds: Vec<Option<u64>> = if seeds.is_empty() { vec![None] } else { seeds.iter().copied().map(Some).collect() };
    let seeded = |name: &str, settings: &[&str], seed: Option<u64>| -> Result<ExperimentConfig, Failure> {
        let mut config = preset(name).expect("a preset");
        if let Some(seed) = seed {
            config.train.seed = seed;
        }
        for setting in settings {
            config = config.with_override(setting)?;
        }
        config.validate()?;
        Ok(config)
    };
    let check = |name: &str, seed: Option<u64>| -> Result<Vec<StoryLine>, Failure> {
        let card = story(name).ok_or_else(|| Failure(format!("{name} has no story")))?;
        let config = seeded(name, &[], seed)?;
        let label = format!("seed {:<3}", config.train.seed);
        let end = train_to_end(config)?;
        let line = |what: String, verdict: Option<modalscope::engine::stories::Verdict>| match verdict {
            Some(v) => (format!("{label} {what:<50} {:<5}  {}", if v.holds { "holds" } else { "FAILS" }, v.figures), v.holds),
            None => (format!("{label} {what:<50} FAILS  no verdict (the run lacks what it reads)"), false),
        };
        let mut lines = vec![line(name.to_string(), (card.verdict)(&end))];
        for t in card.tries {
            let tried = train_to_end(seeded(name, t.settings, seed)?)?;
            lines.push(line(format!("{name} / {}", t.label), (t.verdict)(&tried, Some(&end))));
        }
        Ok(lines)
    };
    let jobs: Vec<(&str, Option<u64>)> = seeds.iter().flat_map(|&seed| presets.iter().map(move |&p| (p, seed))).collect();
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(jobs.len()).max(1);
    let results: Vec<Result<Vec<StoryLine>, Failure>> = std::thread::scope(|scope| {
        let chunks: Vec<_> = (0..threads)
            .map(|t| {
                let mine: Vec<(&str, Option<u64>)> = jobs.iter().copied().skip(t).step_by(threads).collect();
                scope.spawn(move || mine.into_iter().map(|(p, seed)| (p, seed, check(p, seed))).collect::<Vec<_>>())
            })
            .collect();
        let mut done: Vec<StoryRuns> = chunks.into_iter().flat_map(|c| c.join().expect("a story's runs")).collect();
        // In the order asked: seed by seed, presets in menu order.
        done.sort_by_key(|(p, seed, _)| (seeds.iter().position(|s| s == seed), presets.iter().position(|q| q == p)));
        done.into_iter().map(|(_, _, r)| r).collect()
    });
    // Every line that was computed, then the first error (exit 2) or the verdicts' status.
    let (mut all_hold, mut error) = (true, None);
    for result in results {
        match result {
            Ok(lines) => {
                for (text, holds) in lines {
                    println!("{text}");
                    all_hold &= holds;
                }
            }
            Err(e) => error = error.or(Some(e)),
        }
    }
    match error {
        Some(e) => Err(e),
        None => Ok(if all_hold { ExitCode::SUCCESS } else { ExitCode::from(1) }),
    }
}

/// The policy for the diverging warning that the CLI's flag asks for.
fn diverging_policy(stop_on_diverging: bool) -> OnDiverging {
    if stop_on_diverging { OnDiverging::Stop } else { OnDiverging::GoOn }
}

fn run(source: &ConfigSource, out: &Path, quiet: bool, charts: Option<&Path>, stop_on_diverging: bool) -> Result<ExitCode, Failure> {
    let config = source.resolve()?;
    for (method, text) in config.methods.advice(&config) {
        eprintln!("warning: {method}: {text}");
    }
    let mut session = Session::on_cpu(config.clone(), mfeat_for(&config))?;
    session.on_diverging(diverging_policy(stop_on_diverging));
    let mut folders = vec![(out, RECORD_FILES)];
    folders.extend(charts.map(|dir| (dir, &[][..])));
    prepare_outputs(&folders)?;
    let mut record = Record::create(out)?;
    let mut progress = Progress::new(session.total_steps() as u64, !quiet && std::io::stderr().is_terminal());
    session.apply(SessionCommand::Play)?;
    while session.state() == RunState::Training {
        let advanced = session.advance_blocking(64);
        record.take(advanced, &mut progress, "", stop_on_diverging)?;
    }
    progress.clear();
    record.write_summary(&session)?;
    if let Some(dir) = charts {
        let heads = modalscope::plot::heads(session.modality_names());
        let files = modalscope::plot::run_charts_svg(session.config(), session.history().points(), &heads, session.total_steps()).map_err(Failure)?;
        for (name, svg) in files {
            write_atomically(&dir.join(name), &svg)?;
        }
    }
    if let Some(message) = record.failure(&session, "") {
        eprintln!("error: {message}");
        return Ok(ExitCode::from(1));
    }
    if !quiet {
        let (accuracy, restored) = ending(&session);
        eprintln!("{} after {} steps: fused validation accuracy {accuracy:.3}{restored}; wrote {}", session.state().word(), session.step(), out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `modalscope compare`: A and B trained in turn as a run group (B leads, A follows step for
/// step, as the page's A/B does), each recorded as `run` records one, and what differs.
fn compare(a: &ConfigSource, b: &ConfigSource, out: &Path, quiet: bool, stop_on_diverging: bool) -> Result<ExitCode, Failure> {
    let (config_a, config_b) = (a.resolve()?, b.resolve()?);
    for (who, config) in [("A", &config_a), ("B", &config_b)] {
        for (method, text) in config.methods.advice(config) {
            eprintln!("warning: {who}: {method}: {text}");
        }
    }
    let mfeat = mfeat_for(&config_a).or_else(|| mfeat_for(&config_b));
    let mut lead = Session::on_cpu(config_b, mfeat)?;
    lead.on_diverging(diverging_policy(stop_on_diverging));
    let mut group = RunGroup::new(lead);
    group.follow(config_a)?;
    group.runs_mut()[1].on_diverging(diverging_policy(stop_on_diverging));
    let (dir_a, dir_b) = (out.join("a"), out.join("b"));
    prepare_outputs(&[(out, &["differences.json"]), (&dir_b, RECORD_FILES), (&dir_a, RECORD_FILES)])?;
    // Index 0 is the lead (B), 1 the follower (A).
    let mut records = [Record::create(&dir_b)?, Record::create(&dir_a)?];
    let whose = ["B: ", "A: "];
    let total: usize = group.runs().iter().map(Session::total_steps).sum();
    let mut progress = Progress::new(total as u64, !quiet && std::io::stderr().is_terminal());
    group.apply(SessionCommand::Play)?;
    while group.runs().iter().any(|run| run.state() == RunState::Training) {
        let turn = group.advance_blocking(64);
        let idle = turn.advance.steps == 0 && turn.advance.evaluation.is_none();
        records[turn.run].take(turn.advance, &mut progress, whose[turn.run], stop_on_diverging)?;
        // A run stopped on the diverging warning stops the comparison (a follower waits for
        // its lead, which no longer steps).
        if idle || records.iter().any(|r| r.stopped_diverging) {
            break;
        }
    }
    progress.clear();
    let (session_b, session_a) = (&group.runs()[0], &group.runs()[1]);
    records[0].write_summary(session_b)?;
    records[1].write_summary(session_a)?;
    write_atomically(&out.join("differences.json"), &differences(session_a, session_b, &records[1], &records[0]))?;
    let failures: Vec<String> = [(1, "A: "), (0, "B: ")].iter().filter_map(|&(i, who)| records[i].failure(&group.runs()[i], who)).collect();
    for message in &failures {
        eprintln!("error: {message}");
    }
    if !failures.is_empty() {
        return Ok(ExitCode::from(1));
    }
    if !quiet {
        let ((acc_a, restored_a), (acc_b, restored_b)) = (ending(session_a), ending(session_b));
        eprintln!(
            "A {} after {} steps, B {} after {} steps: fused validation accuracy A {acc_a:.3}{restored_a}, B {acc_b:.3}{restored_b} (B − A {:+.3}); wrote {}",
            session_a.state().word(),
            session_a.step(),
            session_b.state().word(),
            session_b.step(),
            acc_b - acc_a,
            out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `differences.json`: the settings that differ between A and B, and B − A of each head's
/// final validation accuracy, gap and median OGR (each head both runs have; null where
/// either value is missing).
fn differences(a: &Session, b: &Session, record_a: &Record, record_b: &Record) -> String {
    let settings: Vec<Value> = knobs::differences(a.config(), b.config())
        .into_iter()
        .map(|d| json!({ "path": d.path, "label": d.label, "a": d.from, "b": d.to }))
        .collect();
    let finals = |s: &Session| s.final_evaluation().map(|e| e.heads.clone()).unwrap_or_default();
    let (final_a, final_b) = (finals(a), finals(b));
    let (ogr_a, ogr_b) = (record_a.median_ogr(), record_b.median_ogr());
    let minus = |x: Option<f64>, y: Option<f64>| x.zip(y).map(|(x, y)| x - y).filter(|d| d.is_finite());
    let heads: serde_json::Map<String, Value> = final_b
        .iter()
        .filter_map(|(head, mb)| {
            let (_, ma) = final_a.iter().find(|(h, _)| h == head)?;
            let ogr = minus(ogr_b.get(head).copied().flatten(), ogr_a.get(head).copied().flatten());
            Some((
                head.clone(),
                json!({ "val_acc": minus(Some(mb.val_acc), Some(ma.val_acc)), "gap": minus(Some(mb.gap), Some(ma.gap)), "median_ogr": ogr }),
            ))
        })
        .collect();
    let value = json!({
        "schema_version": SCHEMA_VERSION,
        "settings": settings,
        "b_minus_a": heads,
    });
    serde_json::to_string_pretty(&value).expect("differences serialize")
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
    // What ran: the session's configuration (what the data source fixes filled in).
    let config = session.config();
    let history = session.history();
    let heads = |e: &modalscope::engine::metrics::Evaluation| e.to_json()["heads"].clone();
    let value = json!({
        "schema_version": SCHEMA_VERSION,
        // Through the config's own JSON text, so that f32 knobs read 0.1, not 0.10000000149011612.
        "config": serde_json::from_str::<Value>(&config.to_json()).expect("config JSON parses"),
        "backend": session.backend().name(),
        "status": session.state().word(),
        "steps": session.step(),
        // After early stopping, the restored best checkpoint: the model the run ends with.
        "final": session.final_evaluation().map(|e| json!({ "step": e.step, "heads": heads(e) })),
        "best": history.best().map(|e| e.to_json()),
        "best_test_acc": history.best().and_then(|e| e.fused().test_acc),
        "median_ogr": ogr_values.iter().map(|(head, values)| (head.clone(), json!(median(values)))).collect::<serde_json::Map<_, _>>(),
    });
    serde_json::to_string_pretty(&value).expect("summary serializes")
}

/// `modalscope keys`: the knob table as text, one setting a line.
fn keys(source: &ConfigSource) -> Result<ExitCode, Failure> {
    let config = source.resolve()?;
    let json = serde_json::from_str::<Value>(&config.to_json()).expect("config JSON parses");
    let rows: Vec<[String; 5]> = knobs::table(&config)
        .into_iter()
        .map(|k| {
            let range = match &k.kind {
                knobs::KnobKind::Number { min, max, scale, .. } => {
                    format!("{min} to {max}{}", if *scale == knobs::Scale::Log { " (log)" } else { "" })
                }
                knobs::KnobKind::Toggle => "true | false".into(),
                knobs::KnobKind::Choice(options) => options.join(" | "),
                knobs::KnobKind::Subset { options, min, max } => format!("{min} to {max} of {}", options.join(", ")),
                knobs::KnobKind::Name => "a name".into(),
                knobs::KnobKind::OptionalStep => "null or a step from 1".into(),
            };
            let kind = if k.live { "live" } else { "structural" };
            [k.path.clone(), k.get(&json).to_string(), range, kind.into(), k.label]
        })
        .collect();
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2), width(3)];
    println!("{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  label", "path", "value", "range", "applies", w0 = widths[0], w1 = widths[1], w2 = widths[2], w3 = widths[3]);
    for [path, value, range, kind, label] in &rows {
        println!("{path:<w0$}  {value:<w1$}  {range:<w2$}  {kind:<w3$}  {label}", w0 = widths[0], w1 = widths[1], w2 = widths[2], w3 = widths[3]);
    }
    Ok(ExitCode::SUCCESS)
}

fn export_data(source: &ConfigSource, out: &Path) -> Result<ExitCode, Failure> {
    let config = source.resolve()?;
    let mfeat = mfeat_for(&config);
    let session = Session::on_cpu(config.clone(), mfeat)?;
    let data = session.data();
    let splits = data.named_splits();
    let files: Vec<String> = splits.iter().map(|(name, _)| format!("{name}.csv")).collect();
    let mut replaced: Vec<&str> = files.iter().map(String::as_str).collect();
    replaced.push("config.json");
    prepare_outputs(&[(out, &replaced)])?;
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
        while session.step() < step {
            let left = step - session.step();
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
    let dims: Vec<String> = session.data().dims().iter().map(usize::to_string).collect();
    eprintln!(
        "bench: {steps} steps in {seconds:.3} s on the CPU (1 thread), {}: modalities of {} features, encoder {}x{}, fusion {:?}, batch {}, methods [{}]",
        eval_every.map_or("no evaluation while timed".to_string(), |n| format!("an evaluation every {n} steps")),
        dims.join("+"),
        config.model.encoder_depth,
        config.model.encoder_width,
        config.model.fusion,
        config.train.batch_size,
        config.methods.enabled_names().join(", ")
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
        Command::Run { source, out, quiet, charts, stop_on_diverging } => run(source, out, *quiet, charts.as_deref(), *stop_on_diverging),
        Command::Compare { a, b, preset, out, quiet, stop_on_diverging } => {
            let source = |file: &PathBuf| ConfigSource { preset: preset.clone(), config: Some(file.clone()), seed: None, overrides: Vec::new() };
            compare(&source(a), &source(b), out, *quiet, *stop_on_diverging)
        }
        Command::Presets => {
            for p in PRESETS.iter() {
                println!("{:<15} {}", p.name, p.description);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys { source } => keys(source),
        Command::Stories { preset, seeds } => stories(preset.as_deref(), seeds),
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
