//! Synthetic data with known features, for testing sparse autoencoders.
//!
//! N unit feature directions F_1 … F_N in R^d (random Gaussian directions);
//! a sample is x = Σ_i c_i F_i with sparse non-negative codes: feature i fires
//! with probability p_i = p_0 · decay^i, scaled so that on average
//! `mean_active` features fire, and a firing feature has a coefficient
//! uniform on (0, 1]. (Sharkey, Braun & Millidge's replication of the
//! superposition setting used d = 256, N = 512, about 5 active, decay 0.99.)
//!
//! Drawing a Bernoulli variable for each of N features per sample wastes
//! almost every draw. Instead, events are drawn at the largest rate p_0 by
//! geometric gaps and each is kept with probability p_i / p_0 (thinning):
//! the kept events are exactly Bernoulli(p_i), independently.
//!
//! Correlated firing (optional): features come in pairs (0, 1), (2, 3), …;
//! when the first of a pair fires, its partner fires along with probability
//! `pair_correlation` (and otherwise by its own draw, as usual).

use crate::geometry::random_unit_vectors;
use crate::simd::axpy;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The shape of the ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TruthConfig {
    pub d: usize,
    pub n: usize,
    /// The expected number of features firing per sample, Σ_i p_i.
    pub mean_active: f64,
    /// p_i ∝ decay^i.
    pub decay: f64,
    /// The probability that feature 2k + 1 fires along with feature 2k
    /// (0: independent features).
    pub pair_correlation: f64,
}

/// The true features and their firing probabilities.
#[derive(Debug, Clone)]
pub struct GroundTruth {
    pub config: TruthConfig,
    /// N × d, row-major, unit rows.
    pub features: Vec<f32>,
    pub probs: Vec<f64>,
}

/// A batch of samples with their true codes.
#[derive(Debug, Clone)]
pub struct Batch {
    pub size: usize,
    pub d: usize,
    /// size × d, row-major.
    pub x: Vec<f32>,
    /// Sample s fired features `active[start[s]..start[s + 1]]` with the
    /// coefficients `coef[…]`.
    pub start: Vec<usize>,
    pub active: Vec<u32>,
    pub coef: Vec<f32>,
}

/// Anything an SAE can be trained on: it fills a batch with fresh samples
/// and their true codes.
pub trait Source {
    fn sample(&self, batch: &mut Batch, rng: &mut ChaCha8Rng);
}

impl Source for GroundTruth {
    /// [`GroundTruth::sample`], compiled for AVX2 where the processor has
    /// it (the same bits).
    fn sample(&self, batch: &mut Batch, rng: &mut ChaCha8Rng) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            return unsafe { sample_avx2(self, batch, rng) };
        }
        GroundTruth::sample(self, batch, rng)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sample_avx2(truth: &GroundTruth, batch: &mut Batch, rng: &mut ChaCha8Rng) {
    GroundTruth::sample(truth, batch, rng)
}

impl GroundTruth {
    pub fn new(config: TruthConfig, rng: &mut ChaCha8Rng) -> Self {
        let dirs = random_unit_vectors(config.n, config.d, rng);
        let features = dirs.iter().map(|&v| v as f32).collect();
        let weights: Vec<f64> = (0..config.n).map(|i| config.decay.powi(i as i32)).collect();
        let total: f64 = weights.iter().sum();
        let probs = weights.iter().map(|w| (w * config.mean_active / total).min(1.0)).collect();
        GroundTruth { config, features, probs }
    }

    /// Given feature directions (N × d, row-major, of any length) that each
    /// fire with probability `density`: x = Σ_i c_i F_i is then exactly the
    /// hidden activation h = W x of a Chapter 4 toy model whose columns W_i
    /// are the rows given here.
    pub fn from_directions(features: Vec<f32>, d: usize, density: f64) -> Self {
        let n = features.len() / d;
        let config = TruthConfig { d, n, mean_active: density * n as f64, decay: 1.0, pair_correlation: 0.0 };
        GroundTruth { config, features, probs: vec![density; n] }
    }

    /// Feature i's direction F_i.
    pub fn feature(&self, i: usize) -> &[f32] {
        &self.features[i * self.config.d..(i + 1) * self.config.d]
    }

    /// One sample as the text defines it, one coin per feature: feature i
    /// fires with probability p_i, with a coefficient c_i uniform on (0, 1],
    /// and x = Σ_i c_i F_i. [`GroundTruth::sample`] draws from the same
    /// distribution, made fast. Returns x and the code, (i, c_i) in order of i.
    // ANCHOR: sample_one
    pub fn sample_one(&self, rng: &mut ChaCha8Rng) -> (Vec<f32>, Vec<(usize, f32)>) {
        let (d, n) = (self.config.d, self.config.n);
        let mut fired = vec![false; n];
        for i in 0..n {
            // Feature 2k + 1 fires along with feature 2k with probability ρ.
            let partner = i % 2 == 1 && fired[i - 1];
            let along = partner && rng.random::<f64>() < self.config.pair_correlation;
            fired[i] = along || rng.random::<f64>() < self.probs[i];
        }
        let mut x = vec![0.0f32; d];
        let mut code = Vec::new();
        for i in (0..n).filter(|&i| fired[i]) {
            let c = 1.0 - rng.random::<f32>(); // uniform on (0, 1]
            for (x, f) in x.iter_mut().zip(self.feature(i)) {
                *x += c * f;
            }
            code.push((i, c));
        }
        (x, code)
    }
    // ANCHOR_END: sample_one

    /// Fill `batch` with fresh samples.
    // ANCHOR: sample
    #[inline(always)]
    pub fn sample(&self, batch: &mut Batch, rng: &mut ChaCha8Rng) {
        let (d, n) = (self.config.d, self.config.n);
        let p_max = self.probs.iter().copied().fold(0.0, f64::max);
        let ln_miss = (1.0 - p_max).ln();
        let Batch { size, x, start, active, coef, .. } = batch;
        x.fill(0.0);
        active.clear();
        coef.clear();
        start[0] = 0;
        for (s, x) in x.chunks_exact_mut(d).take(*size).enumerate() {
            let mut i = 0usize;
            loop {
                // Next event at rate p_max: skip a geometric number of features.
                if p_max < 1.0 {
                    let u = 1.0 - rng.random::<f64>();
                    i += (u.ln() / ln_miss).min(n as f64) as usize;
                }
                if i >= n {
                    break;
                }
                // Keep it with probability p_i / p_max.
                if rng.random::<f64>() * p_max < self.probs[i] {
                    let mut fire = |i: usize, rng: &mut ChaCha8Rng| {
                        let c = 1.0 - rng.random::<f32>(); // uniform on (0, 1]
                        axpy(c, self.feature(i), x);
                        active.push(i as u32);
                        coef.push(c);
                    };
                    fire(i, rng);
                    // Its partner fires along with it, or later by its own draw.
                    if i.is_multiple_of(2) && i + 1 < n && rng.random::<f64>() < self.config.pair_correlation
                    {
                        i += 1;
                        fire(i, rng);
                    }
                }
                i += 1;
            }
            start[s + 1] = active.len();
        }
    }
    // ANCHOR_END: sample
}

impl Batch {
    /// The first `n` samples (all, if there are fewer).
    pub fn head(&self, n: usize) -> Batch {
        let n = n.min(self.size);
        let end = self.start[n];
        Batch {
            size: n,
            d: self.d,
            x: self.x[..n * self.d].to_vec(),
            start: self.start[..=n].to_vec(),
            active: self.active[..end].to_vec(),
            coef: self.coef[..end].to_vec(),
        }
    }

    /// Zero x and forget the codes, ready for `size` new samples.
    pub fn clear(&mut self) {
        self.x.fill(0.0);
        self.active.clear();
        self.coef.clear();
        self.start[0] = 0;
    }

    pub fn new(size: usize, d: usize) -> Self {
        Batch {
            size,
            d,
            x: vec![0.0; size * d],
            start: vec![0; size + 1],
            active: Vec::with_capacity(size * 16),
            coef: Vec::with_capacity(size * 16),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn firing_rates_match_the_probabilities() {
        let config = TruthConfig { d: 8, n: 40, mean_active: 3.0, decay: 0.95, pair_correlation: 0.0 };
        let mut rng = stream(30, 0);
        let truth = GroundTruth::new(config, &mut rng);
        assert!((truth.probs.iter().sum::<f64>() - 3.0).abs() < 1e-9);
        let mut batch = Batch::new(20_000, 8);
        truth.sample(&mut batch, &mut rng);
        let mut counts = vec![0usize; 40];
        for &i in &batch.active {
            counts[i as usize] += 1;
        }
        for i in [0, 10, 39] {
            let p = truth.probs[i];
            let sd = (p * (1.0 - p) * 20_000.0).sqrt();
            assert!(
                (counts[i] as f64 - 20_000.0 * p).abs() < 5.0 * sd + 1.0,
                "feature {i}: {} vs {}",
                counts[i],
                20_000.0 * p
            );
        }
        let mean_active = batch.active.len() as f64 / 20_000.0;
        assert!((mean_active - 3.0).abs() < 0.05, "{mean_active}");
        // x is the sum of the firing features' directions times their coefficients.
        let s = 7;
        let mut x = [0.0f32; 8];
        for k in batch.start[s]..batch.start[s + 1] {
            for (x, &f) in x.iter_mut().zip(truth.feature(batch.active[k] as usize)) {
                *x += batch.coef[k] * f;
            }
        }
        for (a, b) in x.iter().zip(&batch.x[s * 8..(s + 1) * 8]) {
            assert!((a - b).abs() < 1e-6);
        }
    }

    #[test]
    fn paired_features_fire_together() {
        // P(partner | first) = ρ + (1 − ρ) p_partner; P(partner | not first) = p_partner.
        let rho = 0.8;
        let config = TruthConfig { d: 4, n: 10, mean_active: 1.0, decay: 1.0, pair_correlation: rho };
        let mut rng = stream(31, 0);
        let truth = GroundTruth::new(config, &mut rng);
        let samples = 40_000;
        let mut batch = Batch::new(samples, 4);
        truth.sample(&mut batch, &mut rng);
        let (mut first, mut both, mut partner_alone) = (0usize, 0usize, 0usize);
        for s in 0..samples {
            let on = &batch.active[batch.start[s]..batch.start[s + 1]];
            let (a, b) = (on.contains(&2), on.contains(&3));
            first += a as usize;
            both += (a && b) as usize;
            partner_alone += (!a && b) as usize;
        }
        let p = 0.1;
        let conditional = both as f64 / first as f64;
        let expected = rho + (1.0 - rho) * p;
        let sd = (expected * (1.0 - expected) / first as f64).sqrt();
        assert!((conditional - expected).abs() < 5.0 * sd, "{conditional} vs {expected}");
        let alone = partner_alone as f64 / (samples - first) as f64;
        let sd = (p * (1.0 - p) / (samples - first) as f64).sqrt();
        assert!((alone - p).abs() < 5.0 * sd, "{alone} vs {p}");
    }

    #[test]
    fn the_fast_sampler_draws_what_the_reference_defines() {
        // Paired features (ρ = 0.5) with decaying rates: each feature's firing
        // rate, each pair's rate of firing together, the number firing per
        // sample and the coefficients agree between the two samplers, within
        // 5 standard errors of the difference of two independent estimates.
        let config = TruthConfig { d: 4, n: 12, mean_active: 2.0, decay: 0.85, pair_correlation: 0.5 };
        let mut rng = stream(32, 0);
        let truth = GroundTruth::new(config, &mut rng);
        let samples = 40_000;
        let mut batch = Batch::new(samples, 4);
        truth.sample(&mut batch, &mut rng);
        let fast: Vec<Vec<usize>> = (0..samples)
            .map(|s| batch.active[batch.start[s]..batch.start[s + 1]].iter().map(|&i| i as usize).collect())
            .collect();
        let drawn: Vec<_> = (0..samples).map(|_| truth.sample_one(&mut rng)).collect();
        let slow: Vec<Vec<usize>> = drawn.iter().map(|(_, c)| c.iter().map(|&(i, _)| i).collect()).collect();
        // The share of samples for which `event` holds, in each sampler.
        let share = |sets: &[Vec<usize>], event: &dyn Fn(&[usize]) -> bool| {
            sets.iter().filter(|s| event(s)).count() as f64 / samples as f64
        };
        let close = |event: &dyn Fn(&[usize]) -> bool, what: &str| {
            let (a, b) = (share(&fast, event), share(&slow, event));
            let q = (a + b) / 2.0;
            let sd = (2.0 * q * (1.0 - q) / samples as f64).sqrt();
            assert!((a - b).abs() < 5.0 * sd + 1e-9, "{what}: fast {a}, reference {b}");
        };
        for i in 0..12 {
            close(&|s| s.contains(&i), &format!("feature {i}"));
        }
        for k in [0, 2, 10] {
            close(&|s| s.contains(&k) && s.contains(&(k + 1)), &format!("pair {k}"));
        }
        for count in 0..5 {
            close(&|s| s.len() == count, &format!("{count} firing"));
        }
        // Coefficients: uniform on (0, 1] in both, below 1/4 a quarter of the time.
        let slow_coefs: Vec<f32> = drawn.iter().flat_map(|(_, c)| c.iter().map(|&(_, c)| c)).collect();
        for coefs in [&batch.coef, &slow_coefs] {
            let low = coefs.iter().filter(|&&c| c <= 0.25).count() as f64 / coefs.len() as f64;
            let sd = (0.25 * 0.75 / coefs.len() as f64).sqrt();
            assert!((low - 0.25).abs() < 5.0 * sd && coefs.iter().all(|&c| c > 0.0 && c <= 1.0), "{low}");
        }
    }
}
