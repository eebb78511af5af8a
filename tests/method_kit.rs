//! The method kit: live changes reconfigure the running methods without losing their state,
//! the `methods` object of an evaluation is current, and every change is an event.

mod common;

use common::{advance_to, config};
use modalscope::engine::config::ExperimentConfig;
use modalscope::engine::device::ComputeDevice;
use modalscope::engine::metrics::Event;
use modalscope::engine::session::{Command, Outcome, RunState, Session};
use serde_json::Value;

fn session(overrides: &[&str]) -> Session {
    Session::new(config("imbalance", overrides), ComputeDevice::cpu(), None).expect("valid config")
}

fn live(session: &mut Session, overrides: &[&str]) {
    let next: ExperimentConfig =
        overrides.iter().fold(session.config().clone(), |c, o| c.with_override(o).expect("valid override"));
    let outcome = session.apply(Command::Configure(Box::new(next)));
    assert!(matches!(outcome, Ok(Outcome::Changed(_))), "{outcome:?}");
}

fn early_stopping_state(session: &Session) -> Value {
    session.history().latest().expect("evaluated").methods["early_stopping"].clone()
}

#[test]
fn the_methods_object_describes_the_state_after_its_own_evaluation() {
    let mut s = session(&["methods.early_stopping.enabled=true"]);
    advance_to(&mut s, 0);
    assert_eq!(early_stopping_state(&s)["best_step"], 0, "step 0 is the first best checkpoint, in its own evaluation");
}

#[test]
fn a_live_change_keeps_early_stoppings_best_checkpoint_and_count() {
    // imbalance overfits early: by step 150 the best fused validation loss lies behind.
    let mut s = session(&["methods.early_stopping.enabled=true", "methods.early_stopping.patience=1000"]);
    advance_to(&mut s, 150);
    let before = early_stopping_state(&s);
    let (best_step, since) = (before["best_step"].as_u64().unwrap(), before["evaluations_since_best"].as_u64().unwrap());
    assert!(since >= 3, "the test needs a best checkpoint some evaluations back: {before}");

    // Turn on fusion dropout and lower the patience below the count so far: the next
    // evaluation stops and must restore the best checkpoint from before the change.
    live(&mut s, &["methods.fusion_dropout.enabled=true", "methods.early_stopping.patience=2"]);
    advance_to(&mut s, 1_000_000);
    assert_eq!(s.state(), RunState::EarlyStopped);
    let last = s.history().latest().unwrap().clone();
    let restored = last.events.iter().find_map(|e| {
        e.of_kind("early-stop").and_then(|stop| stop.number("best_step")).map(|step| step as u64)
    });
    assert_eq!(restored, Some(best_step), "restores the best checkpoint from before the change");
    assert_eq!(s.history().best().unwrap().step as u64, best_step);
    // imbalance: 4 steps an epoch, an evaluation every epoch; the first after step 150 is 152.
    assert_eq!(last.step, 152, "stopped at the first evaluation after the change: the count went on from {since}");
}

#[test]
fn every_live_change_is_an_event() {
    let mut s = session(&[]);
    advance_to(&mut s, 3);
    live(&mut s, &["train.learning_rate=0.002", "train.epochs=50", "train.eval_every=2", "methods.weight_penalty.enabled=true"]);
    advance_to(&mut s, 5);
    let what: Vec<String> = s
        .history()
        .points()
        .iter()
        .flat_map(|e| e.events.iter())
        .filter_map(|e| match e {
            Event::LiveChange { what } => Some(what.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(what.len(), 1, "{what:?}");
    for part in ["learning rate 0.001 → 0.002", "epochs 100 → 50", "evaluate every (steps, 0 = epoch) 0 → 2", "L2 / weight decay on"] {
        assert!(what[0].contains(part), "{part} in {what:?}");
    }
}

#[test]
fn a_run_length_lowered_below_the_current_step_finishes_there() {
    for (at, evaluated) in [(9, true), (10, false)] {
        let mut s = session(&[]);
        advance_to(&mut s, at);
        live(&mut s, &["train.epochs=2"]);
        advance_to(&mut s, 1_000_000);
        assert_eq!(s.state(), RunState::Finished, "at step {at}");
        assert_eq!(s.step(), at, "no step after the lowered end");
        let last = s.history().latest().unwrap().step;
        assert_eq!(last, at, "the last evaluation is at the step where it ended (evaluated before: {evaluated})");
    }
}

#[test]
fn every_knob_changes_a_running_session_as_the_table_says() {
    // Live knobs apply to the running trainer (same step, no restart); structural ones
    // restart at step 0. Checked for every knob of the table, through the session.
    use modalscope::engine::config::knobs::table;
    let base = config("imbalance", &["train.epochs=1000"]);
    let root = serde_json::to_value(&base).unwrap();
    let (mut live_seen, mut structural_seen) = (0, 0);
    for knob in table(&base) {
        let changed = knob.set(&base, knob.another_value(&knob.get(&root))).unwrap();
        if changed.validate().is_err() {
            continue;
        }
        let mfeat = include_bytes!("../assets/mfeat.bin").to_vec();
        let mut s = Session::new(base.clone(), ComputeDevice::cpu(), Some(mfeat)).unwrap();
        advance_to(&mut s, 4);
        let outcome = s.apply(Command::Configure(Box::new(changed.clone()))).unwrap();
        if knob.live {
            assert!(matches!(outcome, Outcome::Changed(_)), "{}: {outcome:?}", knob.path);
            assert_eq!(s.step(), 4, "{}: the run went on", knob.path);
            live_seen += 1;
        } else {
            assert!(matches!(outcome, Outcome::Restarted(_)), "{}: {outcome:?}", knob.path);
            assert_eq!(s.step(), 0, "{}: restarted", knob.path);
            structural_seen += 1;
        }
        assert_eq!(*s.config(), changed.normalised(), "{}: the trainer runs the new value", knob.path);
    }
    assert!(live_seen >= 12 && structural_seen >= 20, "live {live_seen}, structural {structural_seen}");
}

#[test]
fn early_stopping_restores_the_best_weights_and_they_measure_as_the_best_checkpoint() {
    let mut s = session(&["methods.early_stopping.enabled=true", "methods.early_stopping.patience=3"]);
    advance_to(&mut s, usize::MAX);
    assert_eq!(s.state(), RunState::EarlyStopped);
    let (best, last) = (s.history().best().unwrap().clone(), s.history().latest().unwrap().clone());
    assert!(last.step > best.step, "the run went past its best checkpoint");
    let measured = modalscope::engine::readback::block_on(s.measure()).unwrap();
    for ((name, now), (_, at_best)) in measured.iter().zip(&best.heads) {
        for (a, b) in [(now.train_loss, at_best.train_loss), (now.val_loss, at_best.val_loss), (now.val_acc, at_best.val_acc)] {
            assert!((a - b).abs() < 1e-6, "{name}: the weights now measure {a}, the best checkpoint {b}");
        }
    }
    let moved = (measured[0].1.val_loss - last.fused().val_loss).abs();
    assert!(moved > 1e-4, "the last evaluation differs from the best, so the check can fail: {moved}");
}

#[test]
fn a_method_that_owns_layers_is_structural_to_switch() {
    // Layers change the network (and so its snapshots): a method that builds any must say so
    // in its registration (`About::owns_layers`), which makes its `enabled` knob restart the
    // run (the rule itself: `kit::about`'s unit test); a method that builds none applies live.
    use modalscope::engine::config::knobs::table;
    use modalscope::engine::methods::kit::about::about;
    use modalscope::engine::methods::{ModelShape, REGISTRY};
    use modalscope::engine::rng::HostRng;
    let base = config("imbalance", &[]);
    let rows = table(&base);
    let shape = ModelShape { modalities: 2, width: 64, fused_width: 128, classes: 4 };
    for entry in REGISTRY {
        let path = format!("methods.{}.enabled", entry.name);
        let on = base.with_override(&format!("{path}=true")).unwrap();
        let owns = !(entry.build)(&on.methods).layers(&shape, &mut HostRng::new(1, 6), &burn::tensor::Device::flex()).is_empty();
        assert_eq!(about(entry.name).unwrap().owns_layers, owns, "{}: the registration says whether it owns layers", entry.name);
        let knob = rows.iter().find(|k| k.path == path).unwrap();
        assert_eq!(knob.live, !owns, "{path}: live unless the method owns layers");
    }
}

#[test]
fn every_pair_of_methods_trains_ten_steps_or_is_refused_with_its_reason() {
    // The pairs docs/methods.md excludes ("Method `ogm_ge`") are refused by validation, the
    // error naming both methods; the page shows that reason on the toggle that is off. Every
    // other pair trains.
    use modalscope::engine::config::MethodsConfig;
    use modalscope::engine::config::knobs::table;
    use modalscope::engine::readback::block_on;
    let names = MethodsConfig::NAMES;
    let measured = |config: ExperimentConfig| {
        let mut s = Session::new(config, ComputeDevice::cpu(), None).unwrap();
        advance_to(&mut s, 10);
        let heads = block_on(s.measure()).unwrap();
        (s, heads)
    };
    let imbalance = || modalscope::engine::presets::preset("imbalance").unwrap();
    let alone: Vec<_> = names.iter().map(|a| measured(imbalance().with_override(&format!("methods.{a}.enabled=true")).unwrap()).1).collect();
    let mut refused = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let overrides = [format!("methods.{a}.enabled=true"), format!("methods.{b}.enabled=true")];
            let pair = modalscope::engine::presets::preset("imbalance").unwrap().with_override(&overrides[0]).unwrap();
            match pair.with_override(&overrides[1]).and_then(|both| both.validate().map(|()| both)) {
                Err(e) => {
                    assert!(e.0.contains(a) && e.0.contains(b), "{a} + {b} refused without naming both: {e}");
                    let toggle = table(&pair).into_iter().find(|k| k.path == format!("methods.{b}.enabled")).unwrap();
                    assert_eq!(toggle.unavailable(&pair), Some(e.0.clone()), "the toggle of {b} says why while {a} is on");
                    refused.push(format!("{a} + {b}"));
                }
                Ok(both) => {
                    // Both act: both are active, and the pair's run is neither one's alone
                    // (early stopping, which acts only when it stops, excepted).
                    let (s, e) = measured(both);
                    assert!(s.step() >= 10, "{a} + {b}");
                    assert!(e.iter().all(|(_, h)| h.val_loss.is_finite()), "{a} + {b}: {e:?}");
                    let active = &s.history().latest().unwrap().methods;
                    assert!(active.contains_key(*a) && active.contains_key(*b), "{a} + {b}: both active");
                    assert!(*b == "early_stopping" || e != alone[i], "{a} + {b}: {b} changes the run of {a}");
                    let j = names.iter().position(|n| n == b).unwrap();
                    assert!(*a == "early_stopping" || e != alone[j], "{a} + {b}: {a} changes the run of {b}");
                }
            }
        }
    }
    assert_eq!(refused, ["gradient_blending + ogm_ge"], "docs/methods.md excludes this pair only");
}
