//! Chapter 2 — Near-orthogonality: how many almost-perpendicular directions fit.
//!
//! Random vectors (the exact tail, the median count of sequential draws, the
//! greedy guarantee, both simulated); rigorous bounds on the worst |cos|
//! (Welch, Levenstein, orthoplex) against what random sets achieve; a
//! structured set (identity plus a Sylvester–Hadamard matrix) against random
//! ones; and the capacity table for model-sized dimensions.

mod figures;

use crate::angles::ln_tail;
use crate::bounds::{
    best_lower_bound, best_upper_cap, greedy_guarantee, kl_estimate, levenstein, orthoplex, random_median,
    welch,
};
use crate::geometry::{pair_cosines, random_unit_vector, random_unit_vectors};
use crate::output::{OutDirs, rounded_json, write_json};
use crate::rng::{DEFAULT_SEED, stream};
use ndarray::{Array1, Array2, s};
use serde::Serialize;
use std::path::Path;

pub use figures::figures;

/// What Chapter 2 computes. `Default` is the book's configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub seed: u64,
    /// (d, tolerance in degrees) settings for the sequential and greedy simulations.
    pub sim_dims: Vec<usize>,
    pub sim_angles: Vec<f64>,
    /// Trials per setting for the sequential-draw median.
    pub sim_trials: usize,
    /// The greedy construction stops after this many rejections in a row.
    pub greedy_patience: usize,
    /// Largest 1/p simulated (keeps the greedy runs small).
    pub max_inverse_p: f64,
    /// Dimension and set sizes for the bounds figure, and random draws per size.
    pub bound_dim: usize,
    pub bound_sizes: Vec<usize>,
    pub bound_draws: usize,
    /// Dimensions (powers of two) for the Hadamard construction.
    pub hadamard_dims: Vec<usize>,
    /// The capacity table.
    pub capacity_dims: Vec<usize>,
    pub capacity_angles: Vec<f64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: DEFAULT_SEED,
            sim_dims: vec![10, 20, 50, 100],
            sim_angles: vec![50.0, 55.0, 60.0, 65.0, 70.0, 75.0, 80.0],
            sim_trials: 400,
            greedy_patience: 1000,
            max_inverse_p: 400.0,
            bound_dim: 10,
            bound_sizes: vec![11, 15, 20, 30, 40, 55, 75, 100, 150, 200, 300, 500, 1000],
            bound_draws: 20,
            hadamard_dims: vec![16, 64, 256, 1024],
            capacity_dims: vec![100, 768, 4096, 12288, 100_000],
            capacity_angles: vec![89.0, 88.0, 87.0, 85.0, 80.0],
        }
    }
}

impl Config {
    /// A small configuration that runs in about a second (for `--quick` and tests).
    pub fn quick() -> Self {
        Config {
            sim_dims: vec![10, 30],
            sim_angles: vec![55.0, 65.0, 75.0],
            sim_trials: 60,
            greedy_patience: 200,
            max_inverse_p: 100.0,
            bound_sizes: vec![11, 20, 55, 100, 300],
            bound_draws: 4,
            hadamard_dims: vec![16, 64],
            ..Config::default()
        }
    }
}

/// Everything Chapter 2 shows.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub config: Config,
    pub random: Vec<RandomSetting>,
    pub bounds: Vec<BoundRow>,
    pub hadamard: Vec<HadamardRow>,
    pub capacity: Vec<CapacityRow>,
}

/// One (d, tolerance) setting: formulas against simulation.
#[derive(Debug, Clone, Serialize)]
pub struct RandomSetting {
    pub d: usize,
    pub angle_deg: f64,
    /// p = P(|cos| > ε), exact.
    pub p: f64,
    /// √(2 ln 2 / p) and the simulated median count of sequential draws.
    pub median_formula: f64,
    pub median_simulated: f64,
    /// 1/p and the size the greedy construction reached.
    pub greedy_formula: f64,
    pub greedy_simulated: usize,
}

/// Worst |cos| of N vectors in R^d: random sets against the rigorous bounds.
#[derive(Debug, Clone, Serialize)]
pub struct BoundRow {
    pub n: usize,
    /// Median over draws of the worst |cos| among N random unit vectors.
    pub random_worst: f64,
    pub welch: f64,
    pub levenstein: Option<f64>,
    pub orthoplex: Option<f64>,
}

/// The identity plus a normalised Sylvester–Hadamard matrix.
#[derive(Debug, Clone, Serialize)]
pub struct HadamardRow {
    pub d: usize,
    /// Worst |cos| among the 2d structured vectors (computed from the vectors).
    pub structured_worst: f64,
    /// 1/√d, the value the construction promises.
    pub one_over_sqrt_d: f64,
    /// Worst |cos| among 2d random unit vectors (one draw).
    pub random_worst: f64,
    /// Welch's bound for N = 2d.
    pub welch: f64,
}

/// One cell of the capacity table: counts as log₁₀.
#[derive(Debug, Clone, Serialize)]
pub struct CapacityRow {
    pub d: usize,
    pub angle_deg: f64,
    pub eps: f64,
    pub log10_p: f64,
    pub log10_random_median: f64,
    pub log10_greedy: f64,
    pub log10_upper: f64,
    pub upper_kind: String,
    pub log10_kl: f64,
}

/// Run every experiment of the chapter.
pub fn run(config: &Config) -> Report {
    let mut random = Vec::new();
    for &d in &config.sim_dims {
        for &angle in &config.sim_angles {
            let eps = angle.to_radians().cos();
            let p = ln_tail(d, eps).exp();
            if 1.0 / p <= config.max_inverse_p && 1.0 / p >= 1.5 {
                random.push(simulate(config, d, angle));
            }
        }
    }
    Report {
        config: config.clone(),
        random,
        bounds: config.bound_sizes.iter().map(|&n| bound_row(config, n)).collect(),
        hadamard: config.hadamard_dims.iter().map(|&d| hadamard_row(config, d)).collect(),
        capacity: capacity_table(config),
    }
}

/// Run, draw, and write the report: everything the chapter needs, under `out`.
pub fn generate(config: &Config, out: &Path) -> anyhow::Result<Report> {
    let report = run(config);
    let dirs = OutDirs::create(out)?;
    figures(&report, &dirs)?;
    write_json(&dirs.generated.join("ch2.json"), &rounded_json(&report, 8))?;
    Ok(report)
}

const SEQUENTIAL_STREAM: u64 = 1 << 32;
const GREEDY_STREAM: u64 = 2 << 32;
const BOUND_STREAM: u64 = 3 << 32;
const HADAMARD_STREAM: u64 = 4 << 32;

/// True when `v` is within tolerance of every vector in `kept`.
fn compatible(kept: &[Array1<f64>], v: &Array1<f64>, eps: f64) -> bool {
    kept.iter().all(|u| u.dot(v).abs() <= eps)
}

/// Draw random unit vectors one after another until one violates |cos| ≤ ε
/// with an earlier one; return how many were fine (the count before the first
/// violation).
// ANCHOR: sequential
pub fn sequential_count<R: rand::Rng>(d: usize, eps: f64, rng: &mut R) -> usize {
    let mut kept: Vec<Array1<f64>> = Vec::new();
    loop {
        let v = random_unit_vector(d, rng);
        if !compatible(&kept, &v, eps) {
            return kept.len();
        }
        kept.push(v);
    }
}

/// Greedy: draw candidates, keep each one compatible with all kept so far;
/// stop after `patience` rejections in a row (the set is then nearly maximal).
pub fn greedy_count<R: rand::Rng>(d: usize, eps: f64, patience: usize, rng: &mut R) -> usize {
    let mut kept: Vec<Array1<f64>> = Vec::new();
    let mut misses = 0;
    while misses < patience {
        let v = random_unit_vector(d, rng);
        if compatible(&kept, &v, eps) {
            kept.push(v);
            misses = 0;
        } else {
            misses += 1;
        }
    }
    kept.len()
}
// ANCHOR_END: sequential

fn median(mut x: Vec<f64>) -> f64 {
    x.sort_by(f64::total_cmp);
    let n = x.len();
    if n % 2 == 1 { x[n / 2] } else { 0.5 * (x[n / 2 - 1] + x[n / 2]) }
}

fn simulate(config: &Config, d: usize, angle: f64) -> RandomSetting {
    let eps = angle.to_radians().cos();
    let id = (d as u64) << 8 | angle.round() as u64;
    let mut rng = stream(config.seed, SEQUENTIAL_STREAM + id);
    let counts: Vec<f64> =
        (0..config.sim_trials).map(|_| sequential_count(d, eps, &mut rng) as f64).collect();
    let mut rng = stream(config.seed, GREEDY_STREAM + id);
    RandomSetting {
        d,
        angle_deg: angle,
        p: ln_tail(d, eps).exp(),
        median_formula: 10f64.powf(random_median(d, eps)),
        median_simulated: median(counts),
        greedy_formula: 10f64.powf(greedy_guarantee(d, eps)),
        greedy_simulated: greedy_count(d, eps, config.greedy_patience, &mut rng),
    }
}

fn worst_abs_cos(v: &Array2<f64>) -> f64 {
    pair_cosines(v).iter().fold(0.0f64, |m, c| m.max(c.abs()))
}

fn bound_row(config: &Config, n: usize) -> BoundRow {
    let d = config.bound_dim;
    let mut rng = stream(config.seed, BOUND_STREAM + n as u64);
    let worst: Vec<f64> =
        (0..config.bound_draws).map(|_| worst_abs_cos(&random_unit_vectors(n, d, &mut rng))).collect();
    BoundRow {
        n,
        random_worst: median(worst),
        welch: welch(n, d),
        levenstein: levenstein(n, d),
        orthoplex: orthoplex(n, d),
    }
}

/// The Sylvester–Hadamard matrix of order d (a power of two):
/// H₁ = [1], H₂ₖ = [[Hₖ, Hₖ], [Hₖ, −Hₖ]]. Its rows are orthogonal with norm √d.
// ANCHOR: hadamard
pub fn sylvester_hadamard(d: usize) -> Array2<f64> {
    assert!(d.is_power_of_two(), "Sylvester's construction needs a power of two");
    let mut h = Array2::from_elem((1, 1), 1.0);
    while h.nrows() < d {
        let k = h.nrows();
        let mut next = Array2::zeros((2 * k, 2 * k));
        next.slice_mut(s![..k, ..k]).assign(&h);
        next.slice_mut(s![..k, k..]).assign(&h);
        next.slice_mut(s![k.., ..k]).assign(&h);
        next.slice_mut(s![k.., k..]).assign(&(-&h));
        h = next;
    }
    h
}

/// The 2d unit vectors e₁…e_d and the rows of H/√d: every cross pair has
/// |cos| = |H_ij|/√d = 1/√d, and each half is orthonormal.
pub fn identity_plus_hadamard(d: usize) -> Array2<f64> {
    let mut v = Array2::zeros((2 * d, d));
    v.slice_mut(s![..d, ..]).assign(&Array2::eye(d));
    v.slice_mut(s![d.., ..]).assign(&(sylvester_hadamard(d) / (d as f64).sqrt()));
    v
}
// ANCHOR_END: hadamard

fn hadamard_row(config: &Config, d: usize) -> HadamardRow {
    let mut rng = stream(config.seed, HADAMARD_STREAM + d as u64);
    HadamardRow {
        d,
        structured_worst: worst_abs_cos(&identity_plus_hadamard(d)),
        one_over_sqrt_d: 1.0 / (d as f64).sqrt(),
        random_worst: worst_abs_cos(&random_unit_vectors(2 * d, d, &mut rng)),
        welch: best_lower_bound(2 * d, d),
    }
}

fn capacity_table(config: &Config) -> Vec<CapacityRow> {
    let mut rows = Vec::new();
    for &d in &config.capacity_dims {
        for &angle in &config.capacity_angles {
            let eps = angle.to_radians().cos();
            let (upper, kind) = best_upper_cap(d, eps);
            rows.push(CapacityRow {
                d,
                angle_deg: angle,
                eps,
                log10_p: ln_tail(d, eps) / std::f64::consts::LN_10,
                log10_random_median: random_median(d, eps),
                log10_greedy: greedy_guarantee(d, eps),
                log10_upper: upper,
                upper_kind: kind.into(),
                log10_kl: kl_estimate(d, eps),
            });
        }
    }
    rows
}
