//! The colours of the charts: one per head, the same in every chart.

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

/// Colour of the fused head: Okabe–Ito's black.
pub const FUSED_COLOR: Rgb = (0, 0, 0);

/// One colour per modality, by index, the same in every chart: the Okabe–Ito palette
/// (blue, vermillion, bluish green, reddish purple, orange, sky blue), which colour-blind
/// viewers tell apart and which survives a washed-out projector. Yellow is left out: it
/// vanishes on white.
pub const MODALITY_COLORS: [Rgb; 6] =
    [(0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167), (230, 159, 0), (86, 180, 233)];

/// The colour of head `index` (0 = fused, k = modality k−1).
pub fn head_color(index: usize) -> Rgb {
    if index == 0 { FUSED_COLOR } else { MODALITY_COLORS[(index - 1) % MODALITY_COLORS.len()] }
}

/// The heads a run's charts name: `["fused", modality names…]`.
pub fn heads(modalities: &[String]) -> Vec<String> {
    std::iter::once("fused".to_string()).chain(modalities.iter().cloned()).collect()
}
