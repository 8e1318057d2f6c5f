//! Chapter 2's structured sets: the identity plus a Hadamard matrix, and
//! the mutually unbiased bases of [`crate::mub`], against random sets and
//! the bounds.

use super::{Config, HADAMARD_STREAM, MUB_STREAM};
use crate::bounds::{best_lower_bound, best_upper_cap, greedy_guarantee, random_median};
use crate::geometry::{max_abs_cos, random_unit_vectors};
use crate::mub::{self, Check, Kerdock};
use crate::rng::stream;
use ndarray::{Array2, s};
use serde::{Deserialize, Serialize};

/// The identity plus a normalised Sylvester–Hadamard matrix.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

pub(super) fn hadamard_row(config: &Config, d: usize) -> HadamardRow {
    let mut rng = stream(config.seed, HADAMARD_STREAM + d as u64);
    HadamardRow {
        d,
        structured_worst: max_abs_cos(&identity_plus_hadamard(d)),
        one_over_sqrt_d: 1.0 / (d as f64).sqrt(),
        random_worst: max_abs_cos(&random_unit_vectors(2 * d, d, &mut rng)),
        welch: best_lower_bound(2 * d, d),
    }
}

/// The d/2 + 1 mutually unbiased bases of R^d (d = 4^k), checked, against
/// the bound and what random directions give at their tolerance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MubRow {
    pub d: usize,
    pub bases: usize,
    pub lines: usize,
    /// The angle every pair from two bases makes: arccos(1/√d).
    pub angle_deg: f64,
    /// What checking the inner products found, and whether every pair was
    /// checked (else a random sample).
    pub check: Check,
    pub every_pair: bool,
    /// The best rigorous lower bound on the worst |cos| of this many lines.
    pub bound: f64,
    /// Random directions at the tolerance ε = 1/√d (log₁₀ counts).
    pub log10_random_median: f64,
    pub log10_greedy: f64,
}

pub(super) fn mub_row(config: &Config, d: usize) -> MubRow {
    let k = Kerdock::new(d).expect("the configuration holds powers of four");
    let every_pair = d <= config.mub_every_pair_max;
    let samples = (!every_pair).then_some(config.mub_samples);
    let check = mub::check(&k, samples, &mut stream(config.seed, MUB_STREAM + d as u64));
    let eps = 1.0 / (d as f64).sqrt();
    MubRow {
        d,
        bases: k.bases(),
        lines: mub::lines(d),
        angle_deg: eps.acos().to_degrees(),
        check,
        every_pair,
        bound: best_lower_bound(mub::lines(d), d),
        log10_random_median: random_median(d, eps),
        log10_greedy: greedy_guarantee(d, eps),
    }
}

/// Counts against the dimension at one tolerance, for the figure: random
/// directions, the sets the book builds, and the rigorous cap (log₁₀).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CapacityCurve {
    pub angle_deg: f64,
    pub points: Vec<CapacityPoint>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CapacityPoint {
    pub d: usize,
    pub log10_random_median: f64,
    pub log10_greedy: f64,
    pub log10_built: f64,
    pub log10_upper: f64,
}

/// The dimensions of the curves: evenly spaced in log d from 16 to `max`,
/// with every size where a block of the built sets starts (each power of
/// two and its multiples by 2 and 3, and one below), so the steps show.
fn curve_dims(max: usize) -> Vec<usize> {
    let mut dims: Vec<usize> =
        (0..=120).map(|i| (16.0 * (max as f64 / 16.0).powf(i as f64 / 120.0)).round() as usize).collect();
    let mut b = 16;
    while b <= max {
        for k in 1..=3 {
            dims.extend([k * b - 1, k * b].into_iter().filter(|&d| d <= max));
        }
        b *= 2;
    }
    dims.sort_unstable();
    dims.dedup();
    dims
}

pub(super) fn capacity_curve(config: &Config, angle_deg: f64) -> CapacityCurve {
    let eps = angle_deg.to_radians().cos();
    let built = mub::built_counts(config.curve_max_dim, eps);
    let points = curve_dims(config.curve_max_dim)
        .into_iter()
        .map(|d| CapacityPoint {
            d,
            log10_random_median: random_median(d, eps),
            log10_greedy: greedy_guarantee(d, eps),
            log10_built: (built[d] as f64).log10(),
            log10_upper: best_upper_cap(d, eps).0,
        })
        .collect();
    CapacityCurve { angle_deg, points }
}

/// A built set in the bounds figure's dimension: its size and worst |cos|.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct BuiltPoint {
    pub lines: u64,
    pub worst: f64,
}

/// The largest built set in R^d at each tolerance a block can have,
/// 1/√b for b = 2, 4, 8, … ≤ d (its worst |cos| is exactly that tolerance,
/// the largest in any of its blocks), keeping those with more than d lines.
pub(super) fn built_points(d: usize) -> Vec<BuiltPoint> {
    let mut points = Vec::new();
    let mut b = 2;
    while b <= d {
        let worst = 1.0 / (b as f64).sqrt();
        let built = mub::best_built(d, worst);
        if built.lines > d as u64 {
            points.push(BuiltPoint { lines: built.lines, worst });
        }
        b *= 2;
    }
    points
}
