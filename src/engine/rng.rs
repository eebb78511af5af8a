//! A small, portable, seeded random number generator for everything drawn on the host:
//! initial weights, dataset samples, batch order and regularizer masks.
//!
//! SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state, one addition and three
//! xor-shift-multiplies per draw. It is the same on every platform (native, wasm32), so a
//! run started from the same seed sees the same numbers in the browser and in the CLI.

/// Seeded SplitMix64 generator.
#[derive(Clone, Debug)]
pub struct HostRng {
    state: u64,
}

impl HostRng {
    /// A generator for `seed`, further separated by `stream` so that independent uses
    /// (weights, data, batches, masks) of the same run seed never share a sequence.
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut rng = Self {
            state: seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F),
        };
        rng.next_u64();
        rng
    }

    /// The generator of one purpose of one user of a run: `seed` mixed with each of `parts`
    /// in turn (a stream name, a method key's [`key_id`], a purpose, a step index) by one
    /// SplitMix64 step of `state ^ part`, so that it depends on all of them and on nothing
    /// else: no other user's draws, no earlier step's. A method's stream for a step is the
    /// same after a rewind, a backend switch or a live toggle of another method.
    pub fn derived(seed: u64, parts: &[u64]) -> Self {
        let state = parts.iter().fold(seed, |state, &part| HostRng { state: state ^ part }.next_u64());
        Self { state }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [low, high).
    pub fn uniform_range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// Uniform integer in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize % n.max(1)
    }

    /// Standard normal draw (Box–Muller, one value per call).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Bernoulli draw: true with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// A uniformly random permutation of 0..n (Fisher–Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.below(i + 1);
            order.swap(i, j);
        }
        order
    }
}

/// A number for a name (FNV-1a, 64 bits): the same on every platform, so that a method's
/// key can name its random streams ([`HostRng::derived`]).
pub fn key_id(key: &str) -> u64 {
    key.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_streams_depend_on_every_part_and_its_order() {
        let first = |seed, parts: &[u64]| HostRng::derived(seed, parts).next_u64();
        let base = first(1, &[5, key_id("modality_dropout"), 0, 7]);
        assert_eq!(base, first(1, &[5, key_id("modality_dropout"), 0, 7]));
        for other in [first(2, &[5, key_id("modality_dropout"), 0, 7]), first(1, &[5, key_id("fusion_dropout"), 0, 7]), first(1, &[5, key_id("modality_dropout"), 1, 7]), first(1, &[5, key_id("modality_dropout"), 0, 8]), first(1, &[5, 0, key_id("modality_dropout"), 7])] {
            assert_ne!(base, other);
        }
        assert_ne!(key_id("a"), key_id("b"));
    }

    #[test]
    fn same_seed_and_stream_give_same_sequence() {
        let a: Vec<u64> = (0..5).map({ let mut r = HostRng::new(7, 1); move |_| r.next_u64() }).collect();
        let b: Vec<u64> = (0..5).map({ let mut r = HostRng::new(7, 1); move |_| r.next_u64() }).collect();
        let c: Vec<u64> = (0..5).map({ let mut r = HostRng::new(7, 2); move |_| r.next_u64() }).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn normal_draws_have_unit_moments() {
        let mut rng = HostRng::new(3, 0);
        let xs: Vec<f64> = (0..20_000).map(|_| rng.normal()).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.03, "mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "var {var}");
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut order = HostRng::new(1, 0).permutation(50);
        order.sort_unstable();
        assert_eq!(order, (0..50).collect::<Vec<_>>());
    }
}
