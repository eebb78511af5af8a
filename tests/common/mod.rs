//! Helpers shared by the integration tests.
#![allow(dead_code)]

use modalscope::engine::config::{DataSource, ExperimentConfig};
use modalscope::engine::device::ComputeDevice;
use modalscope::engine::metrics::Evaluation;
use modalscope::engine::presets::preset;
use modalscope::engine::readback::block_on;
use modalscope::engine::session::{Command, Session};

/// A preset with overrides applied.
pub fn config(name: &str, overrides: &[&str]) -> ExperimentConfig {
    overrides.iter().fold(preset(name).expect("preset exists"), |c, o| c.with_override(o).expect("valid override"))
}

/// Trains `config` to its end on the CPU and returns the session.
pub fn train(config: ExperimentConfig) -> Session {
    let mfeat = (config.data.source == DataSource::Mfeat).then(|| include_bytes!("../../assets/mfeat.bin").to_vec());
    let mut session = Session::new(config, ComputeDevice::cpu(), mfeat).expect("valid config");
    advance_to(&mut session, usize::MAX);
    session
}

/// Evaluates when due and runs steps until `step` is reached (evaluations included), or the
/// run stops earlier, or nothing can happen any more.
/// Presses Play first (a paused or ready run starts; a stopped one stays stopped).
pub fn advance_to(session: &mut Session, step: usize) {
    session.apply(Command::Play).expect("play");
    loop {
        let now = session.step();
        let done = block_on(session.advance(step.saturating_sub(now).min(1000)));
        let evaluated = done.evaluation.map(|result| result.expect("evaluation reads back")).is_some();
        let now = session.step();
        let settled = !evaluated && !session.evaluation_due();
        if settled && (now >= step || session.state().stopped_by_itself()) {
            return;
        }
        if done.steps == 0 && !evaluated {
            return; // stuck: neither a step nor an evaluation is possible (the caller's asserts say why)
        }
    }
}

/// The last evaluation of a trained session.
pub fn last(session: &Session) -> Evaluation {
    session.history().latest().expect("evaluated").clone()
}

/// The best (lowest fused validation loss) evaluation.
pub fn best(session: &Session) -> Evaluation {
    session.history().best().expect("evaluated").clone()
}

/// Mean of a function over seeds 1..=3, the three computed side by side (a run is
/// single-threaded; the test command has two cores).
pub fn mean_over_seeds(f: impl Fn(u64) -> f64 + Sync) -> f64 {
    let f = &f;
    std::thread::scope(|scope| {
        let runs: Vec<_> = (1..=3).map(|seed| scope.spawn(move || f(seed))).collect();
        runs.into_iter().map(|run| run.join().expect("a seed's run")).sum::<f64>() / 3.0
    })
}
