//! Features that sit above other features: the two hierarchies of Chanin et
//! al. (2024), *A is for Absorption*, as data with a known truth.
//!
//! - [`Families`] (feature splitting): a family's children never fire
//!   together, and the parent is nothing but their union. It fires when one
//!   of them does and writes no direction of its own; its direction is the
//!   normalised sum of its children's. Children of one family share a
//!   component, cos(C_a, C_b) ≈ `sibling_cos`, as "algebra" and "geometry"
//!   share "mathematics".
//! - [`Implications`] (absorption): features come in pairs (general 2k,
//!   specific 2k + 1), each with a direction of its own. The general fires
//!   by itself; the specific fires with it with probability `given_general`,
//!   and without it just often enough that P(general | specific) =
//!   `implication`: at 1 the specific implies the general, as "short"
//!   implies "starts with s".
//!
//! Both implement [`Source`], so an SAE trains on them as on any other data;
//! their `truth` is the set of directions that write into x, indexed as the
//! samples' codes are.

use super::data::{Batch, GroundTruth, Source, TruthConfig};
use super::metrics::cosine;
use crate::geometry::random_unit_vectors;
use crate::simd::axpy;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The shape of a family tree: `families` parents with `children` each.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FamiliesConfig {
    pub d: usize,
    pub families: usize,
    pub children: usize,
    /// P(a family fires), the same for every family.
    pub rate: f64,
    /// The cosine between two children of one family (in expectation).
    pub sibling_cos: f64,
}

/// Families of children that never fire together.
#[derive(Debug, Clone)]
pub struct Families {
    pub config: FamiliesConfig,
    /// The children C_{f,i}, row f·k + i, with their firing rates `rate / k`.
    pub truth: GroundTruth,
    /// The parents' directions, normalise(Σ_i C_{f,i}), F × d.
    pub parents: Vec<f32>,
}

impl Families {
    /// Child i of family f is normalise(√ρ A_f + √(1 − ρ) U_{f,i}) for
    /// random unit A_f and U_{f,i}: siblings meet at cos ≈ ρ, cousins at
    /// cos ≈ 0.
    pub fn new(config: FamiliesConfig, rng: &mut ChaCha8Rng) -> Self {
        let FamiliesConfig { d, families, children: k, rate, sibling_cos: rho } = config;
        let shared = random_unit_vectors(families, d, rng);
        let own = random_unit_vectors(families * k, d, rng);
        let mut dirs = vec![0.0f32; families * k * d];
        for (c, row) in dirs.chunks_exact_mut(d).enumerate() {
            for (t, v) in row.iter_mut().enumerate() {
                *v = (rho.sqrt() * shared[[c / k, t]] + (1.0 - rho).sqrt() * own[[c, t]]) as f32;
            }
            normalise(row);
        }
        let mut parents = vec![0.0f32; families * d];
        for (f, parent) in parents.chunks_exact_mut(d).enumerate() {
            for child in dirs[f * k * d..(f + 1) * k * d].chunks_exact(d) {
                parent.iter_mut().zip(child).for_each(|(p, c)| *p += c);
            }
            normalise(parent);
        }
        let truth = GroundTruth::from_directions(dirs, d, rate / k as f64);
        Families { config, truth, parents }
    }

    pub fn parent(&self, f: usize) -> &[f32] {
        let d = self.config.d;
        &self.parents[f * d..(f + 1) * d]
    }

    /// The node of the tree nearest the direction `row`: of every non-empty
    /// subset of one family's children, the one whose summed directions
    /// meet `row` at the largest cosine — all of them for the parent, one
    /// for a child, and the nodes in between.
    // ANCHOR: nearest_node
    pub fn nearest_node(&self, row: &[f32]) -> Node {
        let FamiliesConfig { d, families, children: k, .. } = self.config;
        let mut best = Node { family: 0, children: 0, cos: f64::NEG_INFINITY };
        for family in 0..families {
            for children in 1u32..(1 << k) {
                let mut sum = vec![0.0f32; d];
                for i in (0..k).filter(|i| children >> i & 1 == 1) {
                    axpy(1.0, self.truth.feature(family * k + i), &mut sum);
                }
                let cos = cosine(&sum, row);
                if cos > best.cos {
                    best = Node { family, children, cos };
                }
            }
        }
        best
    }
    // ANCHOR_END: nearest_node
}

/// A node of a family tree: a family and a subset of its children (bit i:
/// child i), with the cosine at which some direction meets their sum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub family: usize,
    pub children: u32,
    pub cos: f64,
}

impl Source for Families {
    /// Each family fires with probability `rate`; if it does, one child,
    /// drawn uniformly, with a coefficient uniform on (0, 1].
    // ANCHOR: families_sample
    fn sample(&self, batch: &mut Batch, rng: &mut ChaCha8Rng) {
        let FamiliesConfig { d, families, children: k, rate, .. } = self.config;
        batch.clear();
        let Batch { size, x, start, active, coef, .. } = batch;
        for (s, x) in x.chunks_exact_mut(d).take(*size).enumerate() {
            for f in 0..families {
                if rng.random::<f64>() < rate {
                    let child = f * k + rng.random_range(0..k);
                    let c = 1.0 - rng.random::<f32>(); // uniform on (0, 1]
                    axpy(c, self.truth.feature(child), x);
                    active.push(child as u32);
                    coef.push(c);
                }
            }
            start[s + 1] = active.len();
        }
    }
    // ANCHOR_END: families_sample
}

/// Pairs of a general and a specific feature.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImplicationsConfig {
    pub d: usize,
    pub pairs: usize,
    /// P(the general feature fires).
    pub rate: f64,
    /// P(specific | general).
    pub given_general: f64,
    /// P(general | specific): 1 when the specific never fires alone.
    pub implication: f64,
    /// When both fire, the specific takes the general's coefficient (one
    /// strength for "short" and "starts with s"); otherwise its own.
    pub coupled: bool,
}

impl ImplicationsConfig {
    /// P(specific | not general), from Bayes: with p = `rate` and
    /// q = `given_general`, P(general | specific) = p q / (p q + (1 − p) r).
    pub fn alone(&self) -> f64 {
        let (p, q, s) = (self.rate, self.given_general, self.implication);
        (p * q * (1.0 - s) / (s * (1.0 - p))).min(1.0)
    }
}

/// General and specific features, the specific implying the general.
#[derive(Debug, Clone)]
pub struct Implications {
    pub config: ImplicationsConfig,
    /// Random unit directions: general 2k, specific 2k + 1, with their rates.
    pub truth: GroundTruth,
}

impl Implications {
    pub fn new(config: ImplicationsConfig, rng: &mut ChaCha8Rng) -> Self {
        let d = config.d;
        let dirs = random_unit_vectors(2 * config.pairs, d, rng).iter().map(|&v| v as f32).collect();
        let mut truth = GroundTruth::from_directions(dirs, d, config.rate);
        let (p, q) = (config.rate, config.given_general);
        let specific = p * q + (1.0 - p) * config.alone();
        truth.probs.iter_mut().skip(1).step_by(2).for_each(|r| *r = specific);
        truth.config = TruthConfig { mean_active: truth.probs.iter().sum(), ..truth.config };
        Implications { config, truth }
    }
}

impl Source for Implications {
    /// Per pair: the general fires with probability p; the specific with
    /// probability q if it did, r = [`ImplicationsConfig::alone`] if not;
    /// each that fires gets its own coefficient, uniform on (0, 1] (when
    /// `coupled`, a specific firing with its general takes the general's).
    // ANCHOR: implications_sample
    fn sample(&self, batch: &mut Batch, rng: &mut ChaCha8Rng) {
        let (c, alone) = (self.config, self.config.alone());
        batch.clear();
        let Batch { size, x, start, active, coef, .. } = batch;
        for (s, x) in x.chunks_exact_mut(c.d).take(*size).enumerate() {
            for k in 0..c.pairs {
                let mut fire = |i: usize, value: f32| {
                    axpy(value, self.truth.feature(i), x);
                    active.push(i as u32);
                    coef.push(value);
                };
                let mut general = None; // the general feature's coefficient
                if rng.random::<f64>() < c.rate {
                    let value = 1.0 - rng.random::<f32>(); // uniform on (0, 1]
                    fire(2 * k, value);
                    general = Some(value);
                }
                // P(specific | general) or P(specific | not general).
                let p = if general.is_some() { c.given_general } else { alone };
                if rng.random::<f64>() < p {
                    let own = 1.0 - rng.random::<f32>();
                    let value = if c.coupled { general.unwrap_or(own) } else { own };
                    fire(2 * k + 1, value);
                }
            }
            start[s + 1] = active.len();
        }
    }
    // ANCHOR_END: implications_sample
}

fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-30);
    v.iter_mut().for_each(|x| *x /= norm);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    /// The codes of sample s: (feature, coefficient).
    fn codes(batch: &Batch, s: usize) -> Vec<(usize, f32)> {
        let r = batch.start[s]..batch.start[s + 1];
        batch.active[r.clone()].iter().zip(&batch.coef[r]).map(|(&i, &c)| (i as usize, c)).collect()
    }

    /// x is the sum of its codes' directions times their coefficients.
    fn assert_sums(truth: &GroundTruth, batch: &Batch) {
        let d = truth.config.d;
        for s in 0..batch.size.min(50) {
            let mut x = vec![0.0f32; d];
            for (i, c) in codes(batch, s) {
                x.iter_mut().zip(truth.feature(i)).for_each(|(x, f)| *x += c * f);
            }
            for (a, b) in x.iter().zip(&batch.x[s * d..(s + 1) * d]) {
                assert!((a - b).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn siblings_never_fire_together_and_share_a_direction() {
        let config = FamiliesConfig { d: 256, families: 6, children: 4, rate: 0.3, sibling_cos: 0.5 };
        let mut rng = stream(33, 0);
        let fam = Families::new(config, &mut rng);
        let samples = 20_000;
        let mut batch = Batch::new(samples, 256);
        fam.sample(&mut batch, &mut rng);
        assert_sums(&fam.truth, &batch);
        let mut fired = [0usize; 24];
        for s in 0..samples {
            let on = codes(&batch, s);
            let mut family: Vec<usize> = on.iter().map(|&(i, _)| i / 4).collect();
            family.dedup();
            assert_eq!(family.len(), on.len(), "two children of one family in sample {s}");
            on.iter().for_each(|&(i, _)| fired[i] += 1);
        }
        // Each child fires at rate/k = 0.075: within 5 standard errors.
        let sd = (0.075f64 * 0.925 / samples as f64).sqrt() * samples as f64;
        assert!(fired.iter().all(|&n| (n as f64 - 1500.0).abs() < 5.0 * sd), "{fired:?}");
        // Siblings at cos ≈ 0.5 (d = 256: spread ≈ 0.06), cousins near 0,
        // and each child at cos ≈ √((1 + 3ρ)/4)/… with its parent: above 0.7.
        let cos = |a: usize, b: usize| cosine(fam.truth.feature(a), fam.truth.feature(b));
        assert!((cos(0, 1) - 0.5).abs() < 0.15 && (cos(8, 11) - 0.5).abs() < 0.15);
        assert!(cos(0, 4).abs() < 0.25 && cos(3, 20).abs() < 0.25);
        assert!((0..24).all(|c| cosine(fam.truth.feature(c), fam.parent(c / 4)) > 0.7));
    }

    #[test]
    fn a_direction_is_named_by_its_node() {
        let config = FamiliesConfig { d: 64, families: 3, children: 4, rate: 0.3, sibling_cos: 0.5 };
        let fam = Families::new(config, &mut stream(35, 0));
        // A parent's direction is its own node: all four children, cos 1.
        let node = fam.nearest_node(fam.parent(1));
        assert_eq!((node.family, node.children), (1, 0b1111));
        assert!((node.cos - 1.0).abs() < 1e-6);
        // A child is the node of one child; a sum of two, the pair.
        let child = fam.nearest_node(fam.truth.feature(2 * 4 + 3));
        assert_eq!((child.family, child.children), (2, 0b1000));
        let pair: Vec<f32> =
            fam.truth.feature(4).iter().zip(fam.truth.feature(6)).map(|(a, b)| 2.0 * (a + b)).collect();
        let node = fam.nearest_node(&pair);
        assert_eq!((node.family, node.children), (1, 0b0101));
        assert!((node.cos - 1.0).abs() < 1e-6);
    }

    #[test]
    fn the_specific_implies_the_general_as_configured() {
        // P(general) = 0.2, P(specific | general) = 0.5, P(general | specific) = 0.8.
        let config = ImplicationsConfig {
            d: 8,
            pairs: 3,
            rate: 0.2,
            given_general: 0.5,
            implication: 0.8,
            coupled: false,
        };
        let mut rng = stream(34, 0);
        let imp = Implications::new(config, &mut rng);
        let samples = 40_000;
        let mut batch = Batch::new(samples, 8);
        imp.sample(&mut batch, &mut rng);
        assert_sums(&imp.truth, &batch);
        let (mut general, mut specific, mut both) = (0usize, 0usize, 0usize);
        for s in 0..samples {
            let on: Vec<usize> = codes(&batch, s).iter().map(|&(i, _)| i).collect();
            let (g, sp) = (on.contains(&2), on.contains(&3));
            (general, specific, both) =
                (general + g as usize, specific + sp as usize, both + (g && sp) as usize);
        }
        let close = |hits: usize, trials: usize, p: f64, what: &str| {
            let sd = (p * (1.0 - p) / trials as f64).sqrt();
            let share = hits as f64 / trials as f64;
            assert!((share - p).abs() < 5.0 * sd, "{what}: {share} vs {p}");
        };
        close(general, samples, 0.2, "P(general)");
        close(both, general, 0.5, "P(specific | general)");
        close(both, specific, 0.8, "P(general | specific)");
        close(specific, samples, imp.truth.probs[3], "P(specific)");
        // At implication 1 the specific never fires alone.
        let strict = Implications::new(ImplicationsConfig { implication: 1.0, ..config }, &mut rng);
        strict.sample(&mut batch, &mut rng);
        for s in 0..samples {
            let on: Vec<usize> = codes(&batch, s).iter().map(|&(i, _)| i).collect();
            assert!(on.iter().all(|&i| i % 2 == 0 || on.contains(&(i - 1))), "sample {s}: {on:?}");
        }
        // Coupled: a specific firing with its general has the general's
        // coefficient; independent, almost never.
        let mut same = |coupled: bool, rng: &mut ChaCha8Rng| {
            let imp = Implications::new(ImplicationsConfig { coupled, ..config }, rng);
            imp.sample(&mut batch, rng);
            let (mut together, mut equal) = (0usize, 0usize);
            for s in 0..samples {
                let code = codes(&batch, s);
                for w in code.windows(2).filter(|w| w[0].0 % 2 == 0 && w[1].0 == w[0].0 + 1) {
                    together += 1;
                    equal += (w[0].1 == w[1].1) as usize;
                }
            }
            (together, equal)
        };
        let (together, equal) = same(true, &mut rng);
        assert!(together > 1000 && equal == together, "{equal} of {together}");
        let (together, equal) = same(false, &mut rng);
        assert!(together > 1000 && equal < 5, "{equal} of {together}");
    }
}
