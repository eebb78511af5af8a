//! A/B on the engine: a [`RunGroup`] of B (the lead) and A (a follower, built as a sibling
//! of B's session), advanced in turns as the engine host and `modalscope compare` do. With
//! identical settings they give identical evaluations; a setting that names no random stream
//! (the learning rate) leaves the data, the initial weights and the batch order alike, so
//! their step-0 evaluations agree exactly and only later ones differ.

mod common;

use common::config;
use modalscope::engine::device::ComputeDevice;
use modalscope::engine::metrics::Evaluation;
use modalscope::engine::session::{Command, GroupOutcome, Outcome, RunGroup, RunState, Session};

/// Plays the group to its end in turns of at most `chunk` steps for the lead; returns B's and
/// A's evaluations. Checks at every turn that A never passes B while B can step.
fn alternate(group: &mut RunGroup, chunk: usize) -> (Vec<Evaluation>, Vec<Evaluation>) {
    group.apply(Command::Play).unwrap();
    let (mut eb, mut ea) = (Vec::new(), Vec::new());
    while !group.done() {
        let turn = group.advance_blocking(chunk);
        let worked = turn.advance.steps > 0 || turn.advance.evaluation.is_some();
        if let Some(e) = turn.advance.evaluation {
            [&mut eb, &mut ea][turn.run].push(e.expect("evaluates"));
        }
        let (b, a) = (&group.runs()[0], &group.runs()[1]);
        assert!(a.step() <= b.step() || b.state().stopped_by_itself(), "A at step {} passed B at {}", a.step(), b.step());
        assert!(worked || group.done(), "an idle turn at B {} A {}", b.step(), a.step());
    }
    (eb, ea)
}

/// B with `b_overrides` and A without, on imbalance with 192 training rows for 6 epochs.
fn group(b_overrides: &[&str]) -> RunGroup {
    let base = ["data.train_size=192", "train.epochs=6"];
    let with_b: Vec<&str> = base.iter().chain(b_overrides).copied().collect();
    let mut group = RunGroup::new(Session::new(config("imbalance", &with_b), ComputeDevice::cpu(), None).unwrap());
    group.follow(config("imbalance", &base)).unwrap();
    group
}

#[test]
fn identical_settings_give_identical_evaluations() {
    let (eb, ea) = alternate(&mut group(&[]), 2);
    assert!(eb.len() >= 6, "{} evaluations", eb.len());
    assert_eq!(eb, ea, "same seed, same settings: the same numbers, bit for bit");
}

#[test]
fn a_learning_rate_change_keeps_data_weights_and_batches_alike() {
    let (eb, ea) = alternate(&mut group(&["train.learning_rate=0.01"]), 3);
    assert_eq!(eb[0], ea[0], "step 0: same data and initial weights");
    assert_eq!(eb.len(), ea.len());
    assert_ne!(eb.last().unwrap().fused().val_loss, ea.last().unwrap().fused().val_loss, "then the learning rate tells");
    // A different seed draws other data and weights from step 0 on.
    let (ec, ea) = alternate(&mut group(&["train.seed=7"]), 3);
    assert_ne!(ec[0].fused().val_loss, ea[0].fused().val_loss, "the seed names every stream");
}

/// A follower that ends later than its lead goes on alone past it; a lead that ends later
/// goes on alone past its follower. Both reach their own ends.
#[test]
fn runs_of_different_lengths_each_reach_their_end() {
    for (b_epochs, a_epochs) in [("train.epochs=3", "train.epochs=6"), ("train.epochs=6", "train.epochs=3")] {
        let mut g = RunGroup::new(Session::new(config("imbalance", &["data.train_size=192", b_epochs]), ComputeDevice::cpu(), None).unwrap());
        g.follow(config("imbalance", &["data.train_size=192", a_epochs])).unwrap();
        alternate(&mut g, 2);
        for run in g.runs() {
            assert_eq!((run.state(), run.step()), (RunState::Finished, run.total_steps()), "{b_epochs} / {a_epochs}");
        }
    }
}

/// Play, Pause and Step act on every run; a change the lead accepts and a Reset restart every
/// run at step 0, playing if the lead was.
#[test]
fn commands_act_on_the_whole_group() {
    let mut g = group(&[]);
    g.apply(Command::Play).unwrap();
    for _ in 0..20 {
        g.advance_blocking(2);
    }
    let steps = |g: &RunGroup| g.runs().iter().map(Session::step).collect::<Vec<_>>();
    assert!(steps(&g).iter().all(|&s| s > 0), "{:?}", steps(&g));
    assert!(matches!(g.apply(Command::Pause).unwrap(), GroupOutcome::Lead(Outcome::Changed(_))));
    assert!(g.runs().iter().all(|r| r.state() == RunState::Paused));
    let faster = g.lead().config().with_override("train.learning_rate=0.01").unwrap();
    assert!(matches!(g.apply(Command::Configure(Box::new(faster))).unwrap(), GroupOutcome::Restarted(Outcome::Changed(_))));
    assert_eq!(steps(&g), vec![0, 0], "a live change of B restarts both");
    assert!(g.runs().iter().all(|r| r.state() == RunState::Paused), "paused, as the lead was");
    assert_eq!(g.followers()[0].config().train.learning_rate, config("imbalance", &[]).train.learning_rate, "A keeps its settings");
    assert!(matches!(g.apply(Command::Play).unwrap(), GroupOutcome::Lead(Outcome::Changed(_))));
    assert!(g.runs().iter().all(|r| r.state() == RunState::Training));
    for _ in 0..6 {
        g.advance_blocking(2);
    }
    g.apply(Command::Pause).unwrap();
    // A preset chosen during A/B: B is a fresh run of it, both restart at step 0 and train.
    let chosen = config("imbalance", &["data.train_size=192", "train.epochs=6", "methods.fusion_dropout.enabled=true"]);
    assert!(matches!(g.apply(Command::Fresh(Box::new(chosen.clone()))).unwrap(), GroupOutcome::Restarted(Outcome::Restarted(_))));
    assert_eq!(steps(&g), vec![0, 0], "a fresh B restarts both");
    assert!(g.runs().iter().all(|r| r.state() == RunState::Training), "training, whatever the lead's state was");
    assert_eq!(g.lead().config(), &chosen.normalised());
    assert!(!g.followers()[0].config().methods.enabled_names().contains(&"fusion_dropout"), "A keeps its settings");
    g.end_followers();
    assert!(g.followers().is_empty());
}
