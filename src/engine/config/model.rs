//! The network's settings: encoders, the fusion (and the size of tensor fusion), the heads.

use serde::{Deserialize, Serialize};


/// How the modality embeddings are combined.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum FusionKind {
    /// Concatenate the embeddings (feature-level fusion).
    #[default]
    Concat,
    /// Add the embeddings.
    Sum,
    /// Weight each embedding by a learned softmax gate over modalities, then add.
    Gated,
    /// Low-rank multimodal fusion (Liu et al., ACL 2018): rank `model.rank` factors of the
    /// tensor-fusion weight.
    Lmf,
    /// Tensor fusion (Zadeh et al., EMNLP 2017): a linear layer on the outer product of the
    /// embeddings, each with a 1 appended.
    Tfn,
    /// Early fusion: the inputs concatenated into one encoder. Its first layer W·[x_1; …; x_M]
    /// = Σ_m W_m x_m is split by modality (z_m = W_m x_m + b_m, linear encoders of one
    /// layer), then ReLU and the encoder's other `encoder_depth − 1` layers, shared.
    Early,
    /// Late (decision-level) fusion: each modality's own classifier (its encoder, then the
    /// head's hidden layer when `fusion_hidden > 0`, then a linear layer to the classes) and
    /// the fused logits the mean of theirs.
    Late,
}

impl FusionKind {
    /// Whether the embeddings reach the fused logits through a feature-level fusion and the
    /// fused head (every kind but `late`, which fuses logits).
    pub fn has_fused_head(self) -> bool {
        self != FusionKind::Late
    }
}

/// TFN's largest weight, in parameters (d_out · Π_m (d_m + 1) must not exceed it).
pub const TFN_MAX_WEIGHTS: u64 = 1 << 24;

/// Parameter counts of the two tensor fusions for one network (docs/methods.md, "Fusions"),
/// d_m = d_out = the encoder width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorFusionSize {
    /// LMF: r · Σ_m (d_m + 1) · d_out + r + d_out.
    pub lmf: u64,
    /// TFN: d_out · Π_m (d_m + 1) + d_out.
    pub tfn: u64,
}

impl TensorFusionSize {
    /// The counts for `modalities` embeddings of width `width`, output width `width`, rank
    /// `rank` (saturating: a TFN too large to count is `u64::MAX`).
    pub fn new(modalities: usize, width: usize, rank: usize) -> Self {
        let (d, r, m) = (width as u64, rank as u64, modalities as u32);
        let lmf = r * m as u64 * (d + 1) * d + r + d;
        let tfn = (d + 1).checked_pow(m).and_then(|p| p.checked_mul(d)).and_then(|w| w.checked_add(d)).unwrap_or(u64::MAX);
        Self { lmf, tfn }
    }
}

/// The network.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ModelConfig {
    /// Width of every encoder layer; the embedding has this size.
    pub encoder_width: usize,
    /// Number of layers per encoder.
    pub encoder_depth: usize,
    /// Fusion of the embeddings.
    pub fusion: FusionKind,
    /// Hidden width of the fused head (for `late`: of each modality's classifier); 0 means a
    /// linear head.
    pub fusion_hidden: usize,
    /// LMF's rank r.
    pub rank: usize,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self { encoder_width: 64, encoder_depth: 2, fusion: FusionKind::Concat, fusion_hidden: 0, rank: 4 }
    }
}
