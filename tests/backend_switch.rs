//! Switching backend rewinds the run to its last evaluation: the weights of that snapshot,
//! its step, batch cursor and random streams; the history keeps every evaluation, and the
//! first evaluation on the new backend re-measures the snapshot.
//!
//! Natively only the CPU backend exists, so the switch goes to a fresh CPU device: the
//! rewind logic is the same as for WebGPU -> CPU (the browser specs cover those backends).

mod common;

use common::{advance_to, config};
use modalscope::engine::device::ComputeDevice;
use modalscope::engine::metrics::Event;
use modalscope::engine::readback::block_on;
use modalscope::engine::session::Session;

/// Same backend on both sides here, so the re-measurement agrees up to summation order.
const TOLERANCE: f64 = 1e-5;

/// imbalance (4 steps per epoch) with an evaluation every 3 steps, so that snapshots fall
/// inside epochs too.
fn session(overrides: &[&str]) -> Session {
    let overrides: Vec<&str> = ["train.eval_every=3"].into_iter().chain(overrides.iter().copied()).collect();
    Session::new(config("imbalance", &overrides), ComputeDevice::cpu(), None).expect("valid config")
}

#[test]
fn switch_resumes_at_the_snapshot_step_and_keeps_the_history() {
    let mut s = session(&["methods.modality_dropout.enabled=true"]);
    advance_to(&mut s, 7);
    let evaluations_before = s.history().points().to_vec();
    let snapshot = evaluations_before.last().unwrap().clone();
    assert_eq!(snapshot.step, 6);
    s.switch_device(ComputeDevice::cpu(), "test");
    assert_eq!(s.step(), 6, "rewound to the snapshot's step");
    let check = block_on(s.advance(0)).evaluation.expect("a re-measurement is due").unwrap();
    assert_eq!(check.step, 6);
    let resumed = check.events.iter().find_map(|e| match e {
        Event::DeviceSwitch { resumed_at_step, .. } => Some(*resumed_at_step),
        _ => None,
    });
    assert_eq!(resumed, Some(6), "the event names the step: {:?}", check.events);
    for ((name, a), (_, b)) in snapshot.heads.iter().zip(&check.heads) {
        for (x, y) in [(a.train_loss, b.train_loss), (a.val_loss, b.val_loss), (a.train_acc, b.train_acc), (a.val_acc, b.val_acc)] {
            assert!((x - y).abs() <= TOLERANCE, "{name}: snapshot {x} vs re-measured {y}");
        }
    }
    let history = s.history().points();
    assert_eq!(&history[..evaluations_before.len()], &evaluations_before[..], "every earlier evaluation kept");
    assert_eq!(history.len(), evaluations_before.len() + 1);
}

#[test]
fn switch_rewinds_batch_order_and_random_streams() {
    // Two runs switch at the same snapshot (step 6): one right there, one three steps later.
    // If the cursor or the mask stream were not rewound, the second would see other batches
    // or other dropout masks after the switch and end elsewhere.
    let overrides = ["methods.modality_dropout.enabled=true", "train.epochs=6"];
    let mut at_snapshot = session(&overrides);
    advance_to(&mut at_snapshot, 6);
    at_snapshot.switch_device(ComputeDevice::cpu(), "test");
    let mut later = session(&overrides);
    advance_to(&mut later, 8);
    later.switch_device(ComputeDevice::cpu(), "test");
    for s in [&mut at_snapshot, &mut later] {
        advance_to(s, 18);
    }
    let (a, b) = (at_snapshot.history().latest().unwrap(), later.history().latest().unwrap());
    assert_eq!(a.step, 18);
    assert_eq!(a.heads, b.heads, "same weights, batches and masks after the rewind");
    assert_eq!(at_snapshot.last_weights(), later.last_weights());
}
