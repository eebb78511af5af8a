//! Metrics computed on the host from one evaluation's readback (METHODS.md "Metrics").

pub mod contribution;
pub mod diverging;
pub mod evaluation;
pub mod history;
pub mod ogr;

pub use evaluation::{Contribution, Evaluation, Event, HeadMetrics, MethodEvent};
pub use diverging::diverging;
pub use history::History;

/// `n` with its thousands grouped by commas (33,348), as the page and the CLI print counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
