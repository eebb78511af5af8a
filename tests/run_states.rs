//! The run-state table of `Session::apply`: one test per cell (state × command), each
//! checking the state, the step and, where the command is refused, that it says why.

mod common;

use common::config;
use modalscope::engine::device::ComputeDevice;
use modalscope::engine::readback::block_on;
use modalscope::engine::session::{Command, Outcome, RunState, Session};

/// imbalance with 192 training rows: 3 steps an epoch, an evaluation every epoch.
fn session(overrides: &[&str]) -> Session {
    let overrides: Vec<&str> = ["data.train_size=192"].into_iter().chain(overrides.iter().copied()).collect();
    Session::new(config("imbalance", &overrides), ComputeDevice::cpu(), None).expect("valid config")
}

/// Calls `advance` until nothing more happens or `limit` calls were made.
fn settle(s: &mut Session, limit: usize) {
    for _ in 0..limit {
        let done = block_on(s.advance(1));
        if done.steps == 0 && done.evaluation.is_none() {
            return;
        }
    }
}

/// Advances one step at a time until `step` (and its due evaluation) is reached.
fn run_to(s: &mut Session, step: usize) {
    while s.step() < step || s.evaluation_due() {
        let done = block_on(s.advance(1));
        assert!(done.steps > 0 || done.evaluation.is_some(), "stuck at step {} in {:?}", s.step(), s.state());
    }
}

/// A session brought into `state` (step in brackets): ready (0), training (5), paused (5),
/// finished (6), early-stopped, diverged (6).
fn in_state(state: RunState) -> Session {
    let mut s = match state {
        RunState::Finished => session(&["train.epochs=2"]),
        RunState::EarlyStopped => session(&["methods.early_stopping.enabled=true", "methods.early_stopping.patience=1"]),
        RunState::Diverged => session(&["debug.nan_at_step=5"]),
        _ => session(&[]),
    };
    settle(&mut s, 1); // the step-0 evaluation
    match state {
        RunState::Ready => {}
        RunState::Training | RunState::Paused => {
            s.apply(Command::Play).unwrap();
            run_to(&mut s, 5);
            if state == RunState::Paused {
                s.apply(Command::Pause).unwrap();
            }
        }
        _ => {
            s.apply(Command::Play).unwrap();
            settle(&mut s, 10_000);
        }
    }
    assert_eq!(s.state(), state, "set-up");
    s
}

fn live(s: &mut Session, overrides: &[&str]) -> Outcome {
    let next = overrides.iter().fold(s.config().clone(), |c, o| c.with_override(o).unwrap());
    s.apply(Command::Configure(Box::new(next))).unwrap()
}

fn assert_refused(outcome: Outcome, says: &str) {
    match outcome {
        Outcome::Refused(why) => assert!(why.contains(says), "{why}"),
        other => panic!("expected a refusal saying {says:?}, got {other:?}"),
    }
}

const STOPPED: [(RunState, &str); 3] =
    [(RunState::Finished, "raise the number of epochs"), (RunState::EarlyStopped, "early stopping"), (RunState::Diverged, "diverged")];

#[test]
fn play() {
    for state in [RunState::Ready, RunState::Paused] {
        let mut s = in_state(state);
        let step = s.step();
        s.apply(Command::Play).unwrap();
        assert_eq!(s.state(), RunState::Training, "from {state:?}");
        settle(&mut s, 4);
        assert!(s.step() > step, "from {state:?}: it trains");
    }
    let mut s = in_state(RunState::Training);
    assert_eq!(s.apply(Command::Play).unwrap(), Outcome::Unchanged);
    assert_eq!(s.state(), RunState::Training);
    for (state, says) in STOPPED {
        let mut s = in_state(state);
        let step = s.step();
        assert_refused(s.apply(Command::Play).unwrap(), says);
        settle(&mut s, 4);
        assert_eq!((s.state(), s.step()), (state, step), "nothing runs");
    }
}

#[test]
fn play_on_a_finished_run_goes_on_once_its_length_was_raised() {
    let mut s = in_state(RunState::Finished);
    match live(&mut s, &["train.epochs=4"]) {
        Outcome::Changed(notice) => assert!(notice.contains("press Play"), "{notice}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.state(), RunState::Paused, "raising the length does not start it by itself");
    s.apply(Command::Play).unwrap();
    settle(&mut s, 10_000);
    assert_eq!((s.state(), s.step()), (RunState::Finished, 12));
}

#[test]
fn step() {
    for state in [RunState::Ready, RunState::Training, RunState::Paused] {
        let mut s = in_state(state);
        let (step, evaluations) = (s.step(), s.history().points().len());
        s.apply(Command::Step).unwrap();
        settle(&mut s, 100);
        assert_eq!(s.state(), RunState::Paused, "from {state:?}");
        assert_eq!(s.step(), (step / 3 + 1) * 3, "from {state:?}: up to the next evaluation");
        assert_eq!(s.history().points().len(), evaluations + 1, "from {state:?}: one evaluation");
    }
    for (state, says) in STOPPED {
        let mut s = in_state(state);
        assert_refused(s.apply(Command::Step).unwrap(), says);
    }
}

#[test]
fn reset() {
    for state in [RunState::Ready, RunState::Training, RunState::Paused, RunState::Finished, RunState::EarlyStopped, RunState::Diverged] {
        let mut s = in_state(state);
        assert!(matches!(s.apply(Command::Reset).unwrap(), Outcome::Restarted(_)), "from {state:?}");
        assert_eq!((s.state(), s.step()), (RunState::Paused, 0), "from {state:?}");
        settle(&mut s, 10);
        assert_eq!(s.step(), 0, "from {state:?}: stays paused");
        assert_eq!(s.history().points().len(), 1, "from {state:?}: a new history with its step-0 point");
    }
}

/// A preset chosen: from every state, a fresh run of the new configuration at step 0,
/// training, with a history of its own — also where only a live part (a method) differs,
/// which `Configure` would switch on inside the running run.
#[test]
fn fresh() {
    for state in [RunState::Ready, RunState::Training, RunState::Paused, RunState::Finished, RunState::EarlyStopped, RunState::Diverged] {
        let mut s = in_state(state);
        let next = config("imbalance", &["data.train_size=192", "methods.fusion_dropout.enabled=true"]);
        assert!(s.config().same_structure(&next), "only a live part differs");
        assert!(matches!(s.apply(Command::Fresh(Box::new(next.clone()))).unwrap(), Outcome::Restarted(_)), "from {state:?}");
        assert_eq!((s.state(), s.step()), (RunState::Training, 0), "from {state:?}");
        assert_eq!(s.config(), &next.normalised(), "from {state:?}");
        settle(&mut s, 1);
        assert_eq!(s.history().points().iter().map(|e| e.step).collect::<Vec<_>>(), [0], "from {state:?}: a new history");
        settle(&mut s, 4);
        assert!(s.step() > 0, "from {state:?}: it trains");
    }
    let mut s = in_state(RunState::Paused);
    let invalid = config("imbalance", &["data.train_size=192", "methods.fusion_dropout.p=1.5"]);
    assert!(s.apply(Command::Fresh(Box::new(invalid))).is_err(), "an invalid configuration is refused");
    assert_eq!((s.state(), s.step()), (RunState::Paused, 5), "and the run is untouched");
}

#[test]
fn live_change() {
    for state in [RunState::Ready, RunState::Training, RunState::Paused] {
        let mut s = in_state(state);
        let step = s.step();
        assert!(matches!(live(&mut s, &["train.learning_rate=0.002"]), Outcome::Changed(_)), "from {state:?}");
        assert_eq!((s.state(), s.step()), (state, step), "from {state:?}");
        assert_eq!(s.config().train.learning_rate, 0.002);
    }
    for (state, _) in STOPPED {
        let mut s = in_state(state);
        let step = s.step();
        match live(&mut s, &["train.learning_rate=0.002"]) {
            Outcome::Changed(notice) => assert!(notice.contains("next run"), "from {state:?}: {notice}"),
            other => panic!("{other:?}"),
        }
        assert_eq!((s.state(), s.step()), (state, step), "from {state:?}: still stopped");
        assert_eq!(s.config().train.learning_rate, 0.002, "kept for the next run");
        s.apply(Command::Reset).unwrap();
        assert_eq!(s.config().train.learning_rate, 0.002, "the next run has it");
    }
}

#[test]
fn run_length_lowered_below_the_step() {
    for state in [RunState::Training, RunState::Paused] {
        let mut s = in_state(state);
        match live(&mut s, &["train.epochs=1"]) {
            Outcome::Changed(notice) => assert!(notice.contains("finishes here"), "{notice}"),
            other => panic!("{other:?}"),
        }
        settle(&mut s, 10);
        assert_eq!((s.state(), s.step()), (RunState::Finished, 5), "from {state:?}: finished where it stood");
        assert_eq!(s.history().latest().unwrap().step, 5, "with an evaluation at that step");
    }
    for (state, _) in STOPPED {
        let mut s = in_state(state);
        let step = s.step();
        live(&mut s, &["train.epochs=1"]);
        settle(&mut s, 10);
        assert_eq!((s.state(), s.step()), (state, step), "{state:?} stays");
    }
}

/// The diverging warning (the fused training loss above 10·ln K: learning rate 1 on
/// `imbalance` reaches about 7,300 at step 4) is the session's policy, not the page's: by
/// default it pauses and says so; told to go on (the CLI), it says so and trains on; told to
/// stop (`--stop-on-diverging`), it pauses and says it stopped.
#[test]
fn a_diverging_run_pauses_by_default_goes_on_or_stops_when_told() {
    use modalscope::engine::session::OnDiverging;
    for (policy, state, says) in [
        (None, RunState::Paused, "Paused: lower the learning rate (now 1), or press Play to go on."),
        (Some(OnDiverging::GoOn), RunState::Training, "The run goes on"),
        (Some(OnDiverging::Stop), RunState::Paused, "Stopped: lower the learning rate (now 1)."),
    ] {
        let mut s = Session::new(config("imbalance", &["train.learning_rate=1"]), ComputeDevice::cpu(), None).expect("valid config");
        if let Some(policy) = policy {
            s.on_diverging(policy);
        }
        s.apply(Command::Play).expect("play");
        let warning = (0..100).find_map(|_| block_on(s.advance(1)).warning).unwrap_or_else(|| panic!("{policy:?}: no warning by step {}", s.step()));
        assert!(warning.starts_with("Diverging: the fused training loss rose from "), "{policy:?}: {warning}");
        assert!(warning.ends_with(says) || warning.contains(says), "{policy:?}: {warning}");
        assert_eq!((s.step(), s.state()), (4, state), "{policy:?}: {warning}");
        let steps = block_on(s.advance(10)).steps;
        assert_eq!(steps > 0, state == RunState::Training, "{policy:?}: steps after the warning");
    }
}
