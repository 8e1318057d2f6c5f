//! Chapter 2 — Near-orthogonality: how many almost-perpendicular directions fit.
//!
//! Random vectors (the exact tail, the median count of sequential draws, the
//! greedy guarantee, both simulated); rigorous bounds on the worst |cos|
//! (Welch, Levenstein, orthoplex) against what random sets achieve;
//! structured sets (identity plus a Sylvester–Hadamard matrix, and the
//! mutually unbiased bases of [`crate::mub`]) against random ones; and the
//! capacity table and figure for model-sized dimensions, with the largest
//! sets the book builds.

mod constructions;
mod figures;

use crate::angles::ln_tail;
use crate::bounds::{
    best_lower_bound, best_upper_cap, greedy_guarantee, kl_estimate, levenstein, orthoplex, random_median,
    welch,
};
use crate::chapters::Chapter;
use crate::geometry::{max_abs_cos, random_unit_vector, random_unit_vectors};
use crate::output::{Numbers, OutDirs};
use crate::packing::{
    AngleStats, Demo, DemoConfig, SmoothMaxConfig, angle_stats, best_lines, known_lines_r3,
    minimise_worst_cos_with, near_parallel_share,
};
use crate::progress::Progress;
use crate::rng::{DEFAULT_SEED, stream};
use crate::stats::Bins;
use ndarray::Array1;
use serde::{Deserialize, Serialize};

pub use constructions::{
    BuiltPoint, CapacityCurve, CapacityPoint, HadamardRow, MubRow, identity_plus_hadamard, sylvester_hadamard,
};
pub use figures::figures;

/// What Chapter 2 computes. `Default` is the book's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// Dimensions (powers of four) for the mutually unbiased bases; every
    /// pair is checked up to `mub_every_pair_max`, `mub_samples` random
    /// pairs above.
    pub mub_dims: Vec<usize>,
    pub mub_every_pair_max: usize,
    pub mub_samples: u64,
    /// The capacity table.
    pub capacity_dims: Vec<usize>,
    pub capacity_angles: Vec<f64>,
    /// The capacity figure: counts against d from 16 to `curve_max_dim`,
    /// one panel per angle.
    pub curve_angles: Vec<f64>,
    pub curve_max_dim: usize,
    /// The well-known demonstration (N vectors in d dimensions, Adam): the
    /// default is smaller than the original 10,000 × 100, which `--full-demo` runs.
    pub demo: DemoConfig,
    /// The smooth-max optimiser: (d, N) settings, steps and restarts.
    pub optimised: Vec<(usize, usize)>,
    pub smooth_steps: usize,
    pub restarts: usize,
    /// Lines in R³: N = 3…`lines_max`, restarts each.
    pub lines_max: usize,
    pub lines_restarts: usize,
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
            mub_dims: vec![16, 64, 256, 1024, 4096],
            mub_every_pair_max: 64,
            mub_samples: 4000,
            capacity_dims: vec![100, 768, 4096, 12288, 100_000],
            capacity_angles: vec![89.0, 88.0, 87.0, 85.0, 80.0],
            curve_angles: vec![89.0, 85.0],
            curve_max_dim: 100_000,
            demo: DemoConfig { n: 2000, ..DemoConfig::default() },
            optimised: vec![
                (3, 6),
                (3, 15),
                (3, 30),
                (5, 10),
                (5, 25),
                (5, 50),
                (10, 15),
                (10, 20),
                (10, 30),
                (10, 50),
                (10, 100),
                (10, 200),
            ],
            smooth_steps: 3000,
            restarts: 4,
            lines_max: 16,
            lines_restarts: 20,
        }
    }
}

impl Config {
    /// Check the configuration; the message says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(a) = self.capacity_angles.iter().find(|a| !(**a > 0.0 && **a <= 90.0)) {
            return Err(format!("every angle must be in (0°, 90°], got {a}"));
        }
        if let Some(d) = self.mub_dims.iter().find(|&&d| crate::mub::Kerdock::new(d).is_none()) {
            return Err(format!(
                "the mutually unbiased bases need a power of four from 4 to {}, got {d}",
                crate::mub::MAX_DIM
            ));
        }
        if let Some(a) = self.curve_angles.iter().find(|a| !(**a > 0.0 && **a < 90.0)) {
            return Err(format!("every angle of the capacity figure must be in (0°, 90°), got {a}"));
        }
        if !(16..=10_000_000).contains(&self.curve_max_dim) {
            return Err(format!(
                "the capacity figure's largest dimension must be from 16 to 10,000,000, got {}",
                self.curve_max_dim
            ));
        }
        if let Some(d) = self.capacity_dims.iter().find(|&&d| d < 2) {
            return Err(format!("every dimension must be at least 2, got {d}"));
        }
        Ok(())
    }

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
            mub_dims: vec![16, 64, 256],
            mub_every_pair_max: 16,
            mub_samples: 400,
            demo: DemoConfig { n: 300, d: 20, steps: 60, ..DemoConfig::default() },
            optimised: vec![(3, 6), (5, 10), (10, 20)],
            smooth_steps: 600,
            restarts: 2,
            lines_max: 7,
            lines_restarts: 3,
            ..Config::default()
        }
    }
}

/// Everything Chapter 2 shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub config: Config,
    pub random: Vec<RandomSetting>,
    pub bounds: Vec<BoundRow>,
    /// The same bounds on a fine grid of N, for the figure (not in the JSON).
    #[serde(skip)]
    pub bound_curves: BoundCurves,
    /// The largest sets the book builds in R^d (d = `bound_dim`), for the figure.
    pub bound_built: Vec<BuiltPoint>,
    pub hadamard: Vec<HadamardRow>,
    pub mubs: Vec<MubRow>,
    pub capacity: Vec<CapacityRow>,
    pub capacity_curves: Vec<CapacityCurve>,
    pub demo: DemoReport,
    pub optimised: Vec<OptimisedRow>,
    pub lines: Vec<LinesRow>,
}

/// The demonstration, before and after.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoReport {
    pub before: AngleStats,
    pub after: AngleStats,
    /// The same angles over 0°–180° in 1° bins, where the pairs pushed
    /// towards parallel or antiparallel show.
    pub before_full: Bins,
    pub after_full: Bins,
    /// The loss at the first and the last step.
    pub loss_first: f64,
    pub loss_last: f64,
    /// Share of pairs within 5° of parallel or antiparallel after optimisation.
    pub near_parallel_after: f64,
    /// The Welch bound for N vectors in R^d: no set can do better.
    pub welch: f64,
}

/// The smooth-max optimiser against the bounds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OptimisedRow {
    pub d: usize,
    pub n: usize,
    pub found: f64,
    pub welch: f64,
    pub best_bound: f64,
    /// The worst |cos| of a random set of the same size (median of `bound_draws`).
    pub random: f64,
}

/// Lines in R³: found against the best known.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinesRow {
    pub n: usize,
    pub found_deg: f64,
    pub known_deg: f64,
    pub proven: bool,
}

/// One (d, tolerance) setting: formulas against simulation.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BoundRow {
    pub n: usize,
    /// Median over draws of the worst |cos| among N random unit vectors.
    pub random_worst: f64,
    pub welch: f64,
    pub levenstein: Option<f64>,
    pub orthoplex: Option<f64>,
}

/// The rigorous lower bounds on the worst |cos| of N unit vectors in R^d
/// (d = `bound_dim`) as curves (N, bound) over N from the smallest to the
/// largest of `bound_sizes`, 81 points evenly spaced in log N.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BoundCurves {
    pub welch: Vec<(f64, f64)>,
    pub levenstein: Vec<(f64, f64)>,
    pub orthoplex: Vec<(f64, f64)>,
}

fn bound_curves(config: &Config) -> BoundCurves {
    let d = config.bound_dim;
    let nmin = config.bound_sizes.first().map_or(2, |&n| n) as f64;
    let nmax = config.bound_sizes.last().map_or(3, |&n| n) as f64;
    let mut grid: Vec<usize> =
        (0..=80).map(|i| (nmin * (nmax / nmin).powf(i as f64 / 80.0)).round() as usize).collect();
    grid.dedup();
    let curve = |bound: &dyn Fn(usize) -> Option<f64>| -> Vec<(f64, f64)> {
        grid.iter().filter_map(|&n| bound(n).map(|b| (n as f64, b))).collect()
    };
    BoundCurves {
        welch: curve(&|n| Some(welch(n, d))),
        levenstein: curve(&|n| levenstein(n, d)),
        orthoplex: curve(&|n| orthoplex(n, d)),
    }
}

/// One cell of the capacity table: counts as log₁₀.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// The largest set the book builds at this tolerance ([`crate::mub::best_built`]).
    pub built: crate::mub::Built,
}

/// Run every experiment of the chapter.
pub fn run(config: &Config, progress: &dyn Progress) -> Report {
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
        bound_curves: bound_curves(config),
        bound_built: constructions::built_points(config.bound_dim),
        hadamard: config.hadamard_dims.iter().map(|&d| constructions::hadamard_row(config, d)).collect(),
        mubs: config.mub_dims.iter().map(|&d| constructions::mub_row(config, d)).collect(),
        capacity: capacity_table(config),
        capacity_curves: config
            .curve_angles
            .iter()
            .map(|&a| constructions::capacity_curve(config, a))
            .collect(),
        demo: demo(config, progress),
        optimised: config.optimised.iter().map(|&(d, n)| optimised_row(config, d, n)).collect(),
        lines: (3..=config.lines_max).map(|n| lines_row(config, n)).collect(),
    }
}

/// Chapter 2, in the shape every chapter has (see [`crate::chapters`]).
pub struct Ch2;

impl Chapter for Ch2 {
    const NAME: &'static str = "ch2_near_orthogonality";
    const ID: &'static str = "ch2";
    const DIGITS: i32 = 8;
    const BOOK_SECONDS: f64 = 4.0;
    type Config = Config;
    type Report = Report;

    fn validate(config: &Config) -> Result<(), String> {
        config.validate()
    }
    fn run(config: &Config, progress: &dyn Progress) -> Report {
        run(config, progress)
    }
    fn write(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
        figures(report, dirs, numbers)
    }
}

const SEQUENTIAL_STREAM: u64 = 1 << 32;
const GREEDY_STREAM: u64 = 2 << 32;
const BOUND_STREAM: u64 = 3 << 32;
const HADAMARD_STREAM: u64 = 4 << 32;
const MUB_STREAM: u64 = 8 << 32;
const DEMO_STREAM: u64 = 5 << 32;
const SMOOTH_STREAM: u64 = 6 << 32;
const LINES_STREAM: u64 = 7 << 32;

/// Run the demonstration: angle statistics before and after.
fn demo(config: &Config, progress: &dyn Progress) -> DemoReport {
    let mut rng = stream(config.seed, DEMO_STREAM);
    let mut run = Demo::new(config.demo, &mut rng);
    let (lo, hi, bins) = (80.0, 100.0, 80);
    let before = angle_stats(run.v.view(), lo, hi, bins);
    let before_full = angle_stats(run.v.view(), 0.0, 180.0, 180).hist;
    progress.start(config.demo.steps as u64, "ch2: optimising the demonstration");
    let losses = run.run(|_, _| progress.advance(1));
    progress.finish();
    let after = angle_stats(run.v.view(), lo, hi, bins);
    let after_full = angle_stats(run.v.view(), 0.0, 180.0, 180).hist;
    let near_parallel_after = near_parallel_share(run.v.view(), 5.0);
    DemoReport {
        before,
        after,
        before_full,
        after_full,
        loss_first: losses.first().copied().unwrap_or(f64::NAN),
        loss_last: losses.last().copied().unwrap_or(f64::NAN),
        near_parallel_after,
        welch: welch(config.demo.n, config.demo.d),
    }
}

fn optimised_row(config: &Config, d: usize, n: usize) -> OptimisedRow {
    let smooth = SmoothMaxConfig { steps: config.smooth_steps, ..SmoothMaxConfig::default() };
    let seed = config.seed ^ (SMOOTH_STREAM + ((d as u64) << 16) + n as u64);
    let (_, found) = minimise_worst_cos_with(n, d, &smooth, config.restarts, seed);
    let mut rng = stream(config.seed, BOUND_STREAM + ((d as u64) << 20) + n as u64);
    let random: Vec<f64> =
        (0..config.bound_draws).map(|_| max_abs_cos(&random_unit_vectors(n, d, &mut rng))).collect();
    OptimisedRow {
        d,
        n,
        found,
        welch: welch(n, d),
        best_bound: best_lower_bound(n, d),
        random: median(random),
    }
}

fn lines_row(config: &Config, n: usize) -> LinesRow {
    let smooth = SmoothMaxConfig { steps: config.smooth_steps, ..SmoothMaxConfig::default() };
    let found = best_lines(n, 3, &smooth, config.lines_restarts, config.seed ^ (LINES_STREAM + n as u64));
    let known = known_lines_r3(n).expect("the table covers N = 3…16");
    LinesRow {
        n,
        found_deg: found.min_angle_deg,
        known_deg: known.min_angle_deg(),
        proven: known.proven.is_some(),
    }
}

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
pub fn greedy_count<R: rand::Rng>(
    d: usize,
    eps: f64,
    patience: usize, // stop after this many rejections in a row
    rng: &mut R,
) -> usize {
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

fn bound_row(config: &Config, n: usize) -> BoundRow {
    let d = config.bound_dim;
    let mut rng = stream(config.seed, BOUND_STREAM + n as u64);
    let worst: Vec<f64> =
        (0..config.bound_draws).map(|_| max_abs_cos(&random_unit_vectors(n, d, &mut rng))).collect();
    BoundRow {
        n,
        random_worst: median(worst),
        welch: welch(n, d),
        levenstein: levenstein(n, d),
        orthoplex: orthoplex(n, d),
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
                built: crate::mub::best_built(d, eps),
            });
        }
    }
    rows
}
