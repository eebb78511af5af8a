//! UCI Multiple Features (Duin; UCI Machine Learning Repository): 2,000 handwritten digits,
//! 10 classes, six feature views. The compact file `assets/mfeat.bin` is written by
//! `scripts/mfeat_to_bin.py`, whose docstring gives its layout and source.
//!
//! Samples are shuffled once with the run seed and cut into train, validation and test of
//! the configured sizes; standardisation with training statistics happens in
//! [`Dataset::finish`](super::Dataset::finish).

use super::split::{Matrix, RawSplits, Split, streams};
use crate::engine::config::{ConfigError, DataConfig};
use crate::engine::rng::HostRng;

const MAGIC: &[u8] = b"MSMFEAT1";

/// All views of the file, decoded.
pub struct MfeatFile {
    /// View names with their matrices (2000 rows each).
    pub views: Vec<(String, Matrix)>,
    /// Digit label per sample.
    pub labels: Vec<u32>,
}

fn corrupt(what: &str) -> ConfigError {
    ConfigError(format!("the mfeat data file is damaged ({what}); rebuild it with scripts/mfeat_to_bin.py"))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ConfigError> {
        let slice = self.bytes.get(self.at..self.at + n).ok_or_else(|| corrupt("it ends early"))?;
        self.at += n;
        Ok(slice)
    }
}

/// IEEE 754 half to single precision.
fn f32_from_f16(bits: u16) -> f32 {
    let sign = ((bits >> 15) as u32) << 31;
    let exponent = ((bits >> 10) & 0x1f) as u32;
    let mantissa = (bits & 0x3ff) as u32;
    let value = match exponent {
        0 => {
            let magnitude = mantissa as f32 * 2f32.powi(-24);
            return if sign != 0 { -magnitude } else { magnitude };
        }
        0x1f => sign | 0x7f80_0000 | (mantissa << 13),
        e => sign | ((e + 112) << 23) | (mantissa << 13),
    };
    f32::from_bits(value)
}

/// Decodes the whole file.
pub fn decode(bytes: &[u8]) -> Result<MfeatFile, ConfigError> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(MAGIC.len())? != MAGIC {
        return Err(corrupt("wrong header"));
    }
    let samples = u32::from_le_bytes(r.take(4)?.try_into().unwrap()) as usize;
    let view_count = r.take(1)?[0] as usize;
    let mut shapes = Vec::with_capacity(view_count);
    for _ in 0..view_count {
        let len = r.take(1)?[0] as usize;
        let name = String::from_utf8(r.take(len)?.to_vec()).map_err(|_| corrupt("view name"))?;
        let dims = u16::from_le_bytes(r.take(2)?.try_into().unwrap()) as usize;
        shapes.push((name, dims));
    }
    let labels = r.take(samples)?.iter().map(|&b| b as u32).collect();
    let mut views = Vec::with_capacity(view_count);
    for (name, dims) in shapes {
        let raw = r.take(samples * dims * 2)?;
        let values = raw.chunks_exact(2).map(|b| f32_from_f16(u16::from_le_bytes([b[0], b[1]]))).collect();
        views.push((name, Matrix { rows: samples, cols: dims, values }));
    }
    Ok(MfeatFile { views, labels })
}

/// Train, validation and test splits of the configured views.
pub fn splits(bytes: &[u8], data: &DataConfig, seed: u64) -> Result<RawSplits, ConfigError> {
    let file = decode(bytes)?;
    let chosen: Vec<&Matrix> = data
        .views
        .iter()
        .map(|v| file.views.iter().find(|(name, _)| name == v).map(|(_, m)| m).ok_or_else(|| corrupt("a view is missing")))
        .collect::<Result<_, _>>()?;
    // Validation and test come first in the permutation, so a training size never changes them.
    let order = HostRng::new(seed, streams::DATA).permutation(file.labels.len());
    let (val_idx, rest) = order.split_at(data.val_size);
    let (test_idx, rest) = rest.split_at(data.test_size);
    let train_idx = &rest[..data.drawn_train_rows()];
    let split = |idx: &[usize]| Split {
        modalities: chosen.iter().map(|m| m.select_rows(idx)).collect(),
        labels: idx.iter().map(|&i| file.labels[i]).collect(),
    };
    Ok(RawSplits {
        modality_names: data.views.clone(),
        classes: 10,
        train: split(train_idx),
        val: split(val_idx),
        test: split(test_idx),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_training_size_never_changes_validation_or_test() {
        let bytes = include_bytes!("../../../assets/mfeat.bin");
        let data = DataConfig { views: vec!["fou".into(), "mor".into()], train_size: 600, val_size: 400, test_size: 400, ..Default::default() };
        let small = splits(bytes, &data, 2).unwrap();
        let large = splits(bytes, &DataConfig { train_size: 1000, ..data }, 2).unwrap();
        assert_eq!((&small.val, &small.test), (&large.val, &large.test));
        assert_eq!(large.train.select(&(0..small.train.len()).collect::<Vec<_>>()), small.train);
    }

    #[test]
    fn half_floats_decode() {
        assert_eq!(f32_from_f16(0x3c00), 1.0);
        assert_eq!(f32_from_f16(0xc000), -2.0);
        assert_eq!(f32_from_f16(0x7bff), 65504.0);
        assert_eq!(f32_from_f16(0x0001), 2f32.powi(-24));
        assert_eq!(f32_from_f16(0x0000), 0.0);
    }

    #[test]
    fn shipped_file_has_six_views_and_ten_balanced_classes() {
        let file = decode(include_bytes!("../../../assets/mfeat.bin")).unwrap();
        let dims: Vec<(String, usize)> = file.views.iter().map(|(n, m)| (n.clone(), m.cols)).collect();
        let expected: Vec<(String, usize)> =
            crate::engine::config::MFEAT_VIEWS.iter().map(|(n, d)| (n.to_string(), *d)).collect();
        assert_eq!(dims, expected);
        for c in 0..10 {
            assert_eq!(file.labels.iter().filter(|&&l| l == c).count(), 200);
        }
    }
}
