//! The share link's codec as properties (`modalscope::link`): encode then decode is the
//! identity over generated pages (any preset, any knobs changed to any valid value, any
//! pace, smoothing, log scales, hidden controls and play flag), and any text whatsoever
//! decodes without a panic into a valid page, with a message of at most 200 characters.

use modalscope::engine::config::ExperimentConfig;
use modalscope::engine::config::knobs::{self, KnobKind, Scale};
use modalscope::engine::presets::PRESETS;
use modalscope::link::{HIDEABLE, MESSAGE_LIMIT, PageLink, ignored_message};
use modalscope::plot::ChartKind;
use proptest::prelude::*;
use serde_json::Value;

/// A value of `kind` drawn from `seed`: any number of the range (not only the slider's
/// notches), any choice, any subset in any order, names with the link's reserved characters.
fn value_of(kind: &KnobKind, seed: u64, text: &str) -> Value {
    let t = (seed % 1_000_003) as f64 / 1_000_003.0;
    match kind {
        KnobKind::Number { min, max, scale, integer, .. } => {
            let v = match scale {
                Scale::Linear => min + t * (max - min),
                Scale::Log => 10f64.powf(min.max(1e-12).log10() + t * (max.log10() - min.max(1e-12).log10())).clamp(*min, *max),
            };
            if *integer { Value::from(v.round() as u64) } else { Value::from(v) }
        }
        KnobKind::Toggle => Value::Bool(seed.is_multiple_of(2)),
        KnobKind::Choice(options) => Value::from(options[seed as usize % options.len()].as_str()),
        KnobKind::Subset { options, min, max } => {
            let count = min + seed as usize % (max - min + 1);
            // `count` names from a seeded start, in a seeded direction: any order.
            let (start, step) = (seed as usize / 7, if seed % 5 < 2 { options.len() - 1 } else { 1 });
            let names: Vec<Value> = (0..count).map(|i| Value::from(options[(start + i * step) % options.len()].as_str())).collect();
            Value::Array(names)
        }
        KnobKind::Name => Value::from(if text.trim().is_empty() { "m".to_string() } else { text.to_string() }),
        KnobKind::OptionalStep => if seed.is_multiple_of(3) { Value::Null } else { Value::from(1 + seed % 100_000) },
    }
}

/// A valid configuration: `preset` with each change applied where the result validates.
fn configuration(preset: usize, changes: &[(usize, u64, String)]) -> ExperimentConfig {
    let mut config = (PRESETS[preset % PRESETS.len()].build)().normalised();
    for (row, seed, text) in changes {
        let rows = knobs::table(&config);
        let knob = &rows[row % rows.len()];
        if let Ok(next) = knob.set(&config, value_of(&knob.kind, *seed, text))
            && next.validate().is_ok()
        {
            config = next.normalised();
        }
    }
    config
}

fn page() -> impl Strategy<Value = PageLink> {
    let names = "[a-zA-Z0-9 &=%#+,'.;?/éü-]{1,12}";
    (
        0..PRESETS.len(),
        proptest::collection::vec((0usize..400, any::<u64>(), names), 0..12),
        prop_oneof![Just(None), (0.01f64..1000.0).prop_map(Some)],
        prop_oneof![Just(0.0), 0.0f64..0.99],
        proptest::collection::vec(any::<bool>(), ChartKind::COUNT),
        proptest::collection::vec(any::<bool>(), HIDEABLE.len()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(preset, changes, pace, smoothing, logs, hides, play, default_pace)| {
            let mut link = PageLink::of_preset(PRESETS[preset].name).unwrap();
            link.config = configuration(preset, &changes);
            link.pace = if default_pace { Some(modalscope::engine::presets::default_pace(&link.config)) } else { pace };
            link.smoothing = smoothing;
            link.log_charts = ChartKind::all().iter().zip(&logs).filter(|(_, on)| **on).map(|(k, _)| k.id().to_string()).collect();
            link.hidden = HIDEABLE.iter().zip(&hides).filter(|(_, on)| **on).map(|(h, _)| h.to_string()).collect();
            link.play = play;
            link
        })
}

/// Text that looks like a link in parts: real keys and values, mangled.
fn hostile() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("v=1".to_string()),
        Just("v=0".to_string()),
        Just("v=99".to_string()),
        Just("preset=ogm-ge".to_string()),
        Just("preset=nope".to_string()),
        Just("train.learning_rate=1e400".to_string()),
        Just("train.epochs=-3".to_string()),
        Just("modalities=a,a".to_string()),
        Just("data.synthetic=%5B%5D".to_string()),
        Just("data.synthetic.7.dim=3".to_string()),
        Just("pace=NaN".to_string()),
        Just("smoothing=inf".to_string()),
        Just("log=ogr,,ogr".to_string()),
        Just("hide=%".to_string()),
        Just("%F0%9F%98".to_string()),
        Just("==&&==".to_string()),
        "[a-z._]{1,30}=[^&]{0,30}",
        any::<String>(),
    ];
    proptest::collection::vec(fragment, 0..20).prop_map(|parts| parts.join("&"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_is_the_identity(link in page()) {
        let text = link.encode();
        let (back, ignored) = PageLink::decode(&format!("#{text}"));
        prop_assert!(ignored.is_empty(), "{text}: {ignored:?}");
        prop_assert_eq!(back, link, "{}", text);
    }

    #[test]
    fn any_text_decodes_to_a_valid_page_with_a_short_message(text in prop_oneof![any::<String>(), hostile()]) {
        let (link, ignored) = PageLink::decode(&text);
        prop_assert!(link.config.validate().is_ok());
        if let Some(message) = ignored_message(&ignored) {
            prop_assert!(message.chars().count() <= MESSAGE_LIMIT, "{} chars: {message}", message.chars().count());
        }
        // What the page then writes in its address reads back as itself.
        prop_assert_eq!(PageLink::decode(&link.encode()), (link, vec![]));
    }
}

#[test]
fn a_huge_or_empty_link_falls_back_to_the_default_page_with_a_message() {
    let huge = format!("v=1&train.learning_rate=0.01&{}", "x".repeat(200 * 1024));
    let (link, ignored) = PageLink::decode(&huge);
    assert_eq!(link, PageLink::of_preset("imbalance").unwrap(), "nothing of a 200 kB link is read");
    assert!(ignored_message(&ignored).unwrap().contains("200 kB"), "{ignored:?}");
    let many = vec!["a=1"; 2000].join("&");
    let (_, ignored) = PageLink::decode(&many);
    assert!(ignored.iter().any(|i| i.part.contains("beyond the first")), "{ignored:?}");
}

#[test]
fn links_configs_and_set_paths_from_before_schema_3_still_read() {
    // Before schema version 3 the methods' table was called `regularizers`.
    let (link, ignored) = PageLink::decode("#v=1&preset=imbalance&regularizers.fusion_dropout.enabled=true&regularizers.fusion_dropout.p=0.4");
    assert!(ignored.is_empty(), "{ignored:?}");
    assert!(link.config.methods.fusion_dropout.enabled && link.config.methods.fusion_dropout.p == 0.4);
    assert!(link.encode().contains("&methods.fusion_dropout.enabled=true"), "written back with today's name: {}", link.encode());
    let toml_text = "[train]\nepochs = 3\n\n[regularizers.fusion_dropout]\nenabled = true\np = 0.4\n";
    let read = ExperimentConfig::from_toml(toml_text).unwrap();
    let patched = ExperimentConfig::default().merged_with(&toml::from_str(toml_text).unwrap()).unwrap();
    for config in [&read, &patched] {
        assert!(config.methods.fusion_dropout.enabled && config.methods.fusion_dropout.p == 0.4 && config.train.epochs == 3, "{config:?}");
    }
    let set = ExperimentConfig::default().with_override("regularizers.fusion_dropout.enabled=true").unwrap();
    assert!(set.methods.fusion_dropout.enabled);
    let written = serde_json::to_value(&read).unwrap();
    assert!(written.get("regularizers").is_none() && written["methods"]["fusion_dropout"]["enabled"] == true, "{written}");
}
