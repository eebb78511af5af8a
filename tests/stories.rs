//! Every preset's story card: trained to its end (the preset's own seed), the verdict holds
//! (and each try's, its run trained to its end from the preset's configuration),
//! and the run has the steps and evaluations that its default pace was computed from (so a
//! run lasts `RUN_SECONDS` at that pace on any machine fast enough for it).

mod common;

use common::{config, last, train};
use modalscope::engine::presets::{PRESETS, RUN_SECONDS, default_pace};
use modalscope::engine::session::Session;
use modalscope::engine::stories::story;
use modalscope::plot::{ChartKind, chart_from_history};

/// Chart terms a card may name, each with what a chart's title or one of its legend entries
/// must contain for the run's charts to show it.
const CHART_TERMS: &[(&str, &str)] =
    &[("Shapley share", "Shapley share"), ("Shapley φ", "Shapley φ"), ("split head", "split head"), ("grad share", "grad share"), ("gradient share", "grad share")];

/// Every chart title and legend entry of `session`'s run, as the page draws them.
fn chart_words(session: &Session) -> String {
    let heads: Vec<String> = std::iter::once("fused".to_string()).chain(session.modality_names().iter().cloned()).collect();
    ChartKind::all()
        .into_iter()
        .map(|kind| {
            let spec = chart_from_history(kind, session.history().points(), &heads, 0.0, false);
            let labels: Vec<String> = spec.series.iter().map(|s| s.label.clone()).collect();
            format!("{} | {}", kind.title(), labels.join(" | "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The chart terms `text` names that `session`'s charts do not draw.
fn undrawn(text: &str, session: &Session) -> Vec<&'static str> {
    let drawn = chart_words(session);
    CHART_TERMS.iter().filter(|(term, needed)| text.contains(term) && !drawn.contains(needed)).map(|(term, _)| *term).collect()
}

#[test]
fn every_verdict_holds_at_the_end_of_its_preset_and_of_each_try() {
    // The presets' runs side by side (a run is single-threaded; the test command has two cores).
    let failed: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = PRESETS
            .iter()
            .map(|p| {
                scope.spawn(move || {
                    let session = train(config(p.name, &[]));
                    let preset = session.config();
                    assert_eq!(session.step(), preset.total_steps(), "{}: the run's steps", p.name);
                    assert_eq!(session.history().received(), preset.evaluations_in_run(), "{}: the run's evaluations", p.name);
                    let seconds = preset.evaluations_in_run() as f64 / default_pace(preset);
                    assert!((seconds - RUN_SECONDS).abs() < 1e-9, "{}: {seconds} s at the default pace", p.name);
                    let story = story(p.name).expect("a story");
                    let end = last(&session);
                    let verdict = (story.verdict)(&end).unwrap_or_else(|| panic!("{}: no verdict", p.name));
                    println!("{}: {} ({})", p.name, verdict.figures, if verdict.holds { "holds" } else { "fails" });
                    let mut failed: Vec<String> = (!verdict.holds).then(|| format!("{}: {}", p.name, verdict.figures)).into_iter().collect();
                    // The card names only what a chart draws.
                    let card = format!("{} {} {}", story.claim, story.watch, verdict.figures);
                    failed.extend(undrawn(&card, &session).into_iter().map(|term| format!("{}: the card names “{term}”, which no chart of its run draws", p.name)));
                    // Each try from the preset's end, as its button does, judged by its own
                    // expectation against the preset's run.
                    for t in story.tries {
                        let run = train(config(p.name, t.settings));
                        let tried = last(&run);
                        let name = format!("{} / {}", p.name, t.label);
                        match (t.verdict)(&tried, Some(&end)) {
                            Some(v) => {
                                println!("{name}: {} ({})", v.figures, if v.holds { "holds" } else { "fails" });
                                if !v.holds {
                                    failed.push(format!("{name}: {}", v.figures));
                                }
                                let card = format!("{} {}", t.expect, v.figures);
                                failed.extend(undrawn(&card, &run).into_iter().map(|term| format!("{name}: the card names “{term}”, which no chart of its run draws")));
                            }
                            None => failed.push(format!("{name}: no verdict")),
                        }
                    }
                    failed
                })
            })
            .collect();
        runs.into_iter().flat_map(|run| run.join().expect("a preset's run")).collect()
    });
    assert!(failed.is_empty(), "verdicts that do not hold: {failed:#?}");
}

#[test]
fn a_verdict_can_fail() {
    // A verdict reads the run, not the preset's name: imbalance's claim (the fused model
    // overfits and ends below a's probe) must not hold on the balanced preset's run.
    let balanced = last(&train(config("balanced", &[])));
    let verdict = (story("imbalance").unwrap().verdict)(&balanced).expect("two modalities a and b");
    assert!(!verdict.holds, "balanced data do not show imbalance's claim: {}", verdict.figures);
}
