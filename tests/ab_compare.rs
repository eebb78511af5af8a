//! A/B on the engine: A is a sibling session of B's ([`Session::sibling`]) and the two are
//! advanced alternately, a few steps each, as the engine host does. With identical settings
//! they give identical evaluations; a setting that names no random stream (the learning rate)
//! leaves the data, the initial weights and the batch order alike, so their step-0
//! evaluations agree exactly and only later ones differ.

mod common;

use common::config;
use modalscope::engine::device::ComputeDevice;
use modalscope::engine::metrics::Evaluation;
use modalscope::engine::readback::block_on;
use modalscope::engine::session::{Command, Session};

/// Advances B then A in turns of `chunk` steps, A never past B, until both stopped; returns
/// their evaluations.
fn alternate(b: &mut Session, a: &mut Session, chunk: usize) -> (Vec<Evaluation>, Vec<Evaluation>) {
    b.apply(Command::Play).unwrap();
    a.apply(Command::Play).unwrap();
    let (mut eb, mut ea) = (Vec::new(), Vec::new());
    loop {
        let done_b = block_on(b.advance(chunk));
        if let Some(e) = done_b.evaluation {
            eb.push(e.expect("B evaluates"));
        }
        let lead = b.trainer().step_count().saturating_sub(a.trainer().step_count());
        let b_stopped = !b.trainer().is_training();
        let done_a = block_on(a.advance(if b_stopped { chunk } else { lead }));
        if let Some(e) = done_a.evaluation {
            ea.push(e.expect("A evaluates"));
        }
        let idle = |s: &Session| !s.trainer().is_training() && !s.trainer().evaluation_due();
        if idle(b) && idle(a) {
            return (eb, ea);
        }
    }
}

/// B with `b_overrides` and A without, on imbalance with 192 training rows for 6 epochs.
fn sessions(b_overrides: &[&str]) -> (Session, Session) {
    let base = ["data.train_size=192", "train.epochs=6"];
    let with_b: Vec<&str> = base.iter().chain(b_overrides).copied().collect();
    let b = Session::new(config("imbalance", &with_b), ComputeDevice::cpu(), None).unwrap();
    let a = b.sibling(config("imbalance", &base)).unwrap();
    (b, a)
}

#[test]
fn identical_settings_give_identical_evaluations() {
    let (mut b, mut a) = sessions(&[]);
    let (eb, ea) = alternate(&mut b, &mut a, 2);
    assert!(eb.len() >= 6, "{} evaluations", eb.len());
    assert_eq!(eb, ea, "same seed, same settings: the same numbers, bit for bit");
}

#[test]
fn a_learning_rate_change_keeps_data_weights_and_batches_alike() {
    let (mut b, mut a) = sessions(&["train.learning_rate=0.01"]);
    let (eb, ea) = alternate(&mut b, &mut a, 3);
    assert_eq!(eb[0], ea[0], "step 0: same data and initial weights");
    assert_eq!(eb.len(), ea.len());
    assert_ne!(eb.last().unwrap().fused().val_loss, ea.last().unwrap().fused().val_loss, "then the learning rate tells");
    // A different seed draws other data and weights from step 0 on.
    let (mut c, mut a) = sessions(&["train.seed=7"]);
    let (ec, ea) = alternate(&mut c, &mut a, 3);
    assert_ne!(ec[0].fused().val_loss, ea[0].fused().val_loss, "the seed names every stream");
}
