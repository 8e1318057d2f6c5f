//! Chapter 3 — The Johnson–Lindenstrauss lemma.
//!
//! The Dasgupta–Gupta bound; three random projections (dense Gaussian,
//! Achlioptas, very sparse) applied to two data sets, measuring how well they
//! keep pairwise distances and the smallest dimension that keeps them all
//! within 1 ± ε; and the step from JL to superposition: the projected
//! standard basis is a set of nearly orthogonal vectors; and from JL to
//! sparse recovery ([`sparsity`]): the read-out error with K features active,
//! and where basis pursuit recovers a sparse vector exactly.

pub mod data;
mod figures;
pub mod sparsity;
mod sparsity_figures;

use crate::angles::ln_tail;
use crate::chapters::Chapter;
use crate::geometry::pair_cosines;
use crate::jl::{
    Method, chi2_ratio_density, dasgupta_gupta_eps, dasgupta_gupta_k, projection_matrix, scan,
    smallest_good_k,
};
use crate::output::{Numbers, OutDirs};
use crate::progress::Progress;
use crate::rng::{DEFAULT_SEED, stream};
use crate::stats::Bins;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

pub use figures::figures;

/// What Chapter 3 computes. `Default` is the book's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub seed: u64,
    /// Number of points in each data set, and their dimension D.
    pub points: usize,
    pub dim: usize,
    /// The distortion tolerance ε of the experiment (0 < ε < 1).
    pub eps: f64,
    /// Target dimensions for the distance-ratio histograms and shares.
    pub ks: Vec<usize>,
    /// Tolerances for the "smallest k" table (the smallest sets how far k is searched).
    pub eps_table: Vec<f64>,
    /// Subset sizes n for the smallest-k-against-n figure: the first n points
    /// (each a multiple of [`scan::GROUP`], or all the points).
    pub sizes: Vec<usize>,
    /// The spacing of the grid of k at which the scan computes every pair's
    /// ratio (the smallest k is exact all the same; see [`crate::jl::scan`]).
    pub step: usize,
    /// JL to superposition: N basis vectors of R^N projected to each k.
    pub basis: usize,
    pub basis_ks: Vec<usize>,
    pub hist_bins: usize,
    /// From JL to sparse recovery: the read-out error and the phase transition.
    pub sparsity: sparsity::SparsityConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: DEFAULT_SEED,
            points: 10_000,
            dim: 2000,
            eps: 0.3,
            ks: vec![25, 100, 400],
            eps_table: vec![0.3, 0.4, 0.5],
            sizes: vec![100, 200, 500, 1000, 2000, 5000, 10_000],
            step: 32,
            basis: 2000,
            basis_ks: vec![16, 32, 64, 128, 256, 512, 1024],
            hist_bins: 60,
            sparsity: sparsity::SparsityConfig::default(),
        }
    }
}

impl Config {
    /// About how many bytes the run holds at its peak: a data set (n × D, in
    /// f64 and f32), a projection matrix and the projected points (K =
    /// `k_search` coordinates, f64 and f32), and four tiles of the scan per
    /// core (200 × 1,024 floats each).
    pub fn memory_bytes(&self) -> f64 {
        let (n, d, k) = (self.points as f64, self.dim as f64, self.k_search() as f64);
        12.0 * (n * d + d * k + n * k) + 2.0 * 4.0 * 4.0 * 200.0 * 1024.0
    }

    /// A small configuration that runs in about a second (for `--quick` and tests).
    pub fn quick() -> Self {
        Config {
            points: 600,
            dim: 400,
            ks: vec![25, 100],
            sizes: vec![100, 300, 600],
            basis: 200,
            basis_ks: vec![16, 64, 128],
            hist_bins: 30,
            sparsity: sparsity::SparsityConfig::quick(),
            ..Config::default()
        }
    }

    /// Check the configuration; the message says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.eps > 0.0 && self.eps < 1.0) {
            return Err(format!("ε must be in (0, 1), got {}", self.eps));
        }
        if let Some(e) = self.eps_table.iter().find(|e| !(**e > 0.0 && **e < 1.0)) {
            return Err(format!("every ε must be in (0, 1), got {e}"));
        }
        if self.points < 2 || self.dim < 1 || self.basis < 2 {
            return Err("need at least 2 points, dimension at least 1, and at least 2 basis vectors".into());
        }
        if let Some(k) = self.ks.iter().find(|&&k| k == 0 || k > self.dim) {
            return Err(format!("every k must be between 1 and the dimension {}, got {k}", self.dim));
        }
        if let Some(k) = self.basis_ks.iter().find(|&&k| k == 0 || k > self.basis) {
            return Err(format!("every basis k must be between 1 and N = {}, got {k}", self.basis));
        }
        if self.step == 0 {
            return Err("the grid step must be at least 1".into());
        }
        self.sparsity.validate()?;
        let fits = |n: usize| n == self.points || (n < self.points && n.is_multiple_of(scan::GROUP));
        if let Some(n) = self.sizes.iter().find(|&&n| n < 2 || !fits(n)) {
            return Err(format!(
                "every subset size must be a multiple of {} below {} points, or {} itself; got {n}",
                scan::GROUP,
                self.points,
                self.points
            ));
        }
        Ok(())
    }

    /// How far the smallest-k search goes: the bound for the smallest ε in the
    /// table (and for `eps`), capped at D. The measured k is far below it.
    pub fn k_search(&self) -> usize {
        let eps = self.eps_table.iter().copied().fold(self.eps, f64::min);
        dasgupta_gupta_k(self.points, eps).min(self.dim).max(self.ks.iter().copied().max().unwrap_or(1))
    }
}

/// Everything Chapter 3 shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub config: Config,
    pub bound_vs_n: Vec<BoundCurve>,
    pub bound_vs_eps: Vec<BoundCurve>,
    pub k_search: usize,
    pub experiments: Vec<Experiment>,
    pub superposition: Vec<BasisProjection>,
    /// The two bounds on a fine grid of k: (k, direct, via JL).
    pub superposition_bounds: Vec<(usize, f64, Option<f64>)>,
    /// For N = `config.basis` vectors with worst |cos| ≤ `COS_TARGET`: the k
    /// each bound needs.
    pub k_direct: usize,
    pub k_jl: usize,
    /// The Dasgupta–Gupta bound the text and tables quote.
    pub dg: DgNumbers,
    /// From JL to sparse recovery.
    pub sparsity: sparsity::Sparsity,
}

/// The Dasgupta–Gupta bound at the points the chapter's text, tables and
/// figures use.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DgNumbers {
    /// k for all `points` at `eps`, and at each ε of `eps_table`.
    pub k_points: usize,
    pub k_points_by_eps: Vec<usize>,
    /// k for a billion points at ε = 0.2.
    pub k_billion: usize,
    /// k for the largest subset size at `eps` (the smallest-k figure's scale).
    pub k_largest_size: usize,
    /// The ε it guarantees for all `points` at each k from 4 to `k_search`,
    /// and the k it needs at `eps` for n on a log grid up to 1.5 × the
    /// largest subset size: the figures' curves (not in the JSON).
    #[serde(skip)]
    pub eps_by_k: Vec<(f64, f64)>,
    #[serde(skip)]
    pub k_by_n: Vec<(f64, f64)>,
}

fn dg_numbers(config: &Config, k_search: usize) -> DgNumbers {
    let (n, eps) = (config.points, config.eps);
    let nmax = *config.sizes.iter().max().unwrap_or(&2) as f64;
    DgNumbers {
        k_points: dasgupta_gupta_k(n, eps),
        k_points_by_eps: config.eps_table.iter().map(|&e| dasgupta_gupta_k(n, e)).collect(),
        k_billion: dasgupta_gupta_k(1_000_000_000, 0.2),
        k_largest_size: dasgupta_gupta_k(nmax as usize, eps),
        eps_by_k: (4..=k_search).filter_map(|k| dasgupta_gupta_eps(n, k).map(|e| (k as f64, e))).collect(),
        k_by_n: (0..=50)
            .map(|i| 5.0 * (nmax * 1.5 / 5.0).powf(i as f64 / 50.0))
            .map(|n| (n, dasgupta_gupta_k(n as usize, eps) as f64))
            .collect(),
    }
}

/// The worst |cos| at which the chapter compares the two routes.
pub const COS_TARGET: f64 = 0.2;

/// The Dasgupta–Gupta k along one axis, for one fixed ε or n.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BoundCurve {
    /// What is held fixed: ε (against n), or the exponent e of n = 10^e
    /// (against ε).
    pub fixed: f64,
    pub points: Vec<(f64, f64)>,
}

/// One projection method on one data set.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Experiment {
    pub dataset: String,
    pub method: Method,
    /// Per k in `config.ks`: the ratio histogram and summary, over all pairs.
    pub at_k: Vec<AtK>,
    /// The worst distortion over all pairs, (k, worst) on the scan's grid of
    /// k up to `k_search` (all points).
    pub worst_by_k: Vec<(usize, f64)>,
    /// Smallest k keeping every pair inside 1 ± ε, per subset size (ε = config.eps).
    pub smallest_k_by_size: Vec<Option<usize>>,
    /// Smallest k keeping every pair inside 1 ± ε, per ε in `config.eps_table` (all points).
    pub smallest_k_by_eps: Vec<Option<usize>>,
    /// The typical pair: the smallest k of the grid from which on at least
    /// 99% of the pairs are inside 1 ± ε, per ε in `config.eps_table`.
    pub typical_k_by_eps: Vec<Option<usize>>,
    /// Wall-clock time to draw the matrices, project and scan every pair,
    /// for the data set's three projections together, divided by three (not
    /// serialised: it varies between runs and machines; the example prints it).
    #[serde(skip)]
    pub seconds: f64,
}

/// The share of pairs that "typical" asks to be inside 1 ± ε.
pub const TYPICAL_SHARE: f64 = 0.99;

/// The dimension a map that looks at the data needs to keep every distance
/// exactly: the points span at most min(n − 1, D) dimensions.
pub fn span(config: &Config) -> usize {
    (config.points - 1).min(config.dim)
}

/// The Gaussian projection's smallest k for every pair (all the points, the
/// experiment's ε), as a share of the bound's: the larger over the data sets.
/// `None` if a data set's k was not found.
pub fn gaussian_worst_share(report: &Report) -> Option<f64> {
    let ks: Option<Vec<usize>> =
        gaussian(report).map(|e| e.smallest_k_by_size.last().copied().flatten()).collect();
    Some(ks?.into_iter().max()? as f64 / dasgupta_gupta_k(report.config.points, report.config.eps) as f64)
}

/// The same for 99% of the pairs (at the experiment's ε, which must be in the table).
pub fn gaussian_typical_share(report: &Report) -> Option<f64> {
    let t = report.config.eps_table.iter().position(|&e| e == report.config.eps)?;
    let ks: Option<Vec<usize>> =
        gaussian(report).map(|e| e.typical_k_by_eps.get(t).copied().flatten()).collect();
    Some(ks?.into_iter().max()? as f64 / dasgupta_gupta_k(report.config.points, report.config.eps) as f64)
}

fn gaussian(report: &Report) -> impl Iterator<Item = &Experiment> {
    report.experiments.iter().filter(|e| e.method == Method::Gaussian)
}

/// The squared-distance ratios at one k.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AtK {
    pub k: usize,
    pub mean: f64,
    pub variance: f64,
    /// Share of pairs with ratio inside [1 − ε, 1 + ε].
    pub inside: f64,
    pub bins: Bins,
    /// The exact density of χ²ₖ/k (the Gaussian case) at each bin's centre,
    /// for the figure (not in the JSON).
    #[serde(skip)]
    pub chi2: Vec<(f64, f64)>,
}

/// The projected standard basis of R^N in k dimensions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BasisProjection {
    pub k: usize,
    pub worst_abs_cos: f64,
    pub rms_cos: f64,
    /// Direct bound: the ε with C(N, 2) · P(|cos| > ε) = ½ for random directions in R^k.
    pub direct_bound: f64,
    /// Via JL: 2ε/(1 − ε) with ε from the Dasgupta–Gupta bound for N + 1 points (None if it gives nothing).
    pub jl_bound: Option<f64>,
}

/// Run every experiment of the chapter.
pub fn run(config: &Config, progress: &dyn Progress) -> Report {
    let k_search = config.k_search();
    let mut experiments = Vec::new();
    progress.start(9, "projections, every pair scanned; sparse recovery");
    for (d, dataset) in ["documents", "clusters"].into_iter().enumerate() {
        let mut rng = stream(config.seed, DATA_STREAM + d as u64);
        let x = match dataset {
            "documents" => data::documents(config.points, config.dim, &mut rng),
            _ => data::clusters(config.points, config.dim, 10, &mut rng),
        };
        let x = x.mapv(|v| v as f32);
        let start = Instant::now();
        let ys: Vec<_> = Method::ALL
            .into_iter()
            .enumerate()
            .map(|(m, method)| {
                let mut rng = stream(config.seed, PROJECTION_STREAM + 16 * d as u64 + m as u64);
                project(config, method, x.view(), k_search, &mut rng)
            })
            .collect();
        let plan = scan_plan(config, k_search);
        let views: Vec<_> = ys.iter().map(|y| y.view()).collect();
        let scans = scan::scan(x.view(), &views, &plan);
        let seconds = start.elapsed().as_secs_f64() / 3.0;
        for (method, blocks) in Method::ALL.into_iter().zip(&scans) {
            experiments.push(summarise(config, dataset, method, &plan, blocks, seconds));
        }
        progress.advance(3);
    }
    let sparsity = sparsity::run(&config.sparsity, config.seed, progress);
    progress.finish();
    Report {
        config: config.clone(),
        sparsity,
        bound_vs_n: [0.05, 0.1, 0.2, 0.3, 0.5]
            .iter()
            .map(|&eps| BoundCurve {
                fixed: eps,
                points: (0..=80)
                    .map(|i| 10f64.powf(1.0 + 8.0 * i as f64 / 80.0))
                    .map(|n| (n, dasgupta_gupta_k(n.round() as usize, eps) as f64))
                    .collect(),
            })
            .collect(),
        bound_vs_eps: [2u32, 4, 6, 9]
            .iter()
            .map(|&e| BoundCurve {
                fixed: e as f64,
                points: (1..=98)
                    .map(|i| i as f64 / 100.0)
                    .map(|eps| (eps, dasgupta_gupta_k(10usize.pow(e), eps) as f64))
                    .collect(),
            })
            .collect(),
        k_search,
        experiments,
        superposition: config.basis_ks.iter().map(|&k| basis_projection(config, k)).collect(),
        superposition_bounds: superposition_bounds(config),
        dg: dg_numbers(config, k_search),
        k_direct: smallest_k(|k| direct_bound(k, pairs(config.basis)) <= COS_TARGET),
        k_jl: smallest_k(|k| jl_cos_bound(config.basis, k).is_some_and(|b| b <= COS_TARGET)),
    }
}

/// Chapter 3, in the shape every chapter has (see [`crate::chapters`]).
pub struct Ch3;

impl Chapter for Ch3 {
    const NAME: &'static str = "ch3_jl";
    const ID: &'static str = "ch3";
    const DIGITS: i32 = 8;
    const BOOK_SECONDS: f64 = 18.0;
    type Config = Config;
    type Report = Report;

    fn validate(config: &Config) -> Result<(), String> {
        config.validate()
    }
    fn memory_bytes(config: &Config) -> Option<f64> {
        Some(config.memory_bytes())
    }
    fn work(config: &Config) -> Option<f64> {
        // Every pair, once for d² (D products) and once per method for its ratios (k_search).
        let n = config.points as f64;
        Some(n * n * (config.dim + 3 * config.k_search()) as f64)
    }
    fn run(config: &Config, progress: &dyn Progress) -> Report {
        run(config, progress)
    }
    fn write(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
        figures(report, dirs, numbers)?;
        sparsity_figures::figures(&report.sparsity, dirs, numbers)
    }
}

const DATA_STREAM: u64 = 1 << 32;
const PROJECTION_STREAM: u64 = 2 << 32;
const BASIS_STREAM: u64 = 3 << 32;

/// Draw one projection matrix and project the points: all k_search
/// coordinates, before the 1/√k scaling.
fn project(
    config: &Config,
    method: Method,
    x: ndarray::ArrayView2<f32>,
    k_search: usize,
    rng: &mut crate::rng::ChaCha8Rng,
) -> ndarray::Array2<f32> {
    // ANCHOR: experiment
    // All k_search coordinates at once, before the 1/√k scaling (in f32).
    let r = projection_matrix(method, config.dim, k_search, rng).mapv(|v| v as f32);
    project_f32(x, r.view())
    // ANCHOR_END: experiment
}

/// The scan's grid (every `step`, the histograms' k and k_search), its
/// tolerances (the experiment's ε, then the table's) and histograms.
fn scan_plan(config: &Config, k_search: usize) -> scan::Plan {
    let mut grid: Vec<usize> =
        (config.step..k_search).step_by(config.step).chain(config.ks.iter().copied()).collect();
    grid.push(k_search);
    grid.sort_unstable();
    grid.dedup();
    let hists = config
        .ks
        .iter()
        .map(|&k| {
            // 1 ± 5 standard deviations of the Gaussian case (√(2/k)), within (0, 2].
            let half = (5.0 * (2.0 / k as f64).sqrt()).min(1.0);
            scan::HistSpec { k, lo: 1.0 - half, hi: 1.0 + half, bins: config.hist_bins }
        })
        .collect();
    // The experiment's ε first, then the table's that differ from it.
    let mut eps = vec![config.eps];
    eps.extend(config.eps_table.iter().copied().filter(|&e| e != config.eps));
    scan::Plan { grid, eps, hists }
}

/// x R in f32: row by row over the non-zero entries of x when it is sparse
/// (the documents), one matrix product per thread's share of rows otherwise.
fn project_f32(x: ndarray::ArrayView2<f32>, r: ndarray::ArrayView2<f32>) -> ndarray::Array2<f32> {
    let nonzero = x.iter().filter(|&&v| v != 0.0).count() as f64 / x.len().max(1) as f64;
    let rows: Vec<(usize, usize)> =
        (0..x.nrows()).step_by(500).map(|i| (i, (i + 500).min(x.nrows()))).collect();
    let parts = crate::parallel::map(&rows, |&(a, b)| {
        let xs = x.slice(ndarray::s![a..b, ..]);
        if nonzero > 0.1 {
            return xs.dot(&r);
        }
        let mut y = ndarray::Array2::zeros((b - a, r.ncols()));
        for (xi, mut yi) in xs.rows().into_iter().zip(y.rows_mut()) {
            for (w, &v) in xi.iter().enumerate().filter(|(_, v)| **v != 0.0) {
                yi.scaled_add(v, &r.row(w));
            }
        }
        y
    });
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    ndarray::concatenate(ndarray::Axis(0), &views).expect("the parts have the same width")
}

/// The blocks' findings, put together: the answer for all the points, for
/// each subset size (the blocks it contains), and per k shown.
fn summarise(
    config: &Config,
    dataset: &str,
    method: Method,
    plan: &scan::Plan,
    blocks: &[scan::BlockScan],
    seconds: f64,
) -> Experiment {
    let kmax = *plan.grid.last().expect("a grid");
    let last_bad = |e: usize, upto: usize| {
        let groups = upto.div_ceil(scan::GROUP);
        blocks.iter().flat_map(|b| &b.last_bad).take(groups).map(|group| group[e]).max().unwrap_or(0)
    };
    let pairs = (config.points * (config.points - 1) / 2) as f64;
    let inside_share = |t: usize, e: usize| blocks.iter().map(|b| b.inside[t][e]).sum::<u64>() as f64 / pairs;
    let typical = |e: usize| {
        // The first grid point from which on the share stays at least TYPICAL_SHARE.
        let below = (0..plan.grid.len()).rposition(|t| inside_share(t, e) < TYPICAL_SHARE);
        match below {
            None => Some(plan.grid[0]),
            Some(t) => plan.grid.get(t + 1).copied(),
        }
    };
    let at_k = plan
        .hists
        .iter()
        .enumerate()
        .map(|(h, spec)| {
            let mut bins = crate::stats::Bins::empty(spec.lo, spec.hi, spec.bins);
            let (mut sum, mut sum_sq) = (0.0, 0.0);
            for b in blocks {
                bins.merge(&b.hists[h].bins);
                sum += b.hists[h].sum;
                sum_sq += b.hists[h].sum_sq;
            }
            let (mean_dev, t) =
                (sum / pairs, plan.grid.iter().position(|&k| k == spec.k).expect("on the grid"));
            let variance = (sum_sq - pairs * mean_dev * mean_dev) / (pairs - 1.0);
            let k = spec.k;
            AtK {
                k,
                mean: 1.0 + mean_dev,
                variance,
                inside: inside_share(t, 0),
                chi2: chi2_curve(k, &bins),
                bins,
            }
        })
        .collect();
    let worst_by_k = plan
        .grid
        .iter()
        .enumerate()
        .map(|(t, &k)| (k, blocks.iter().map(|b| b.worst[t]).fold(0.0, f64::max)))
        .collect();
    // Where each ε of the table sits in the scan's list.
    let table: Vec<usize> =
        config.eps_table.iter().map(|e| plan.eps.iter().position(|p| p == e).expect("in the plan")).collect();
    Experiment {
        dataset: dataset.into(),
        method,
        at_k,
        worst_by_k,
        smallest_k_by_size: config.sizes.iter().map(|&n| smallest_good_k(last_bad(0, n), kmax)).collect(),
        smallest_k_by_eps: table.iter().map(|&e| smallest_good_k(last_bad(e, config.points), kmax)).collect(),
        typical_k_by_eps: table.iter().map(|&e| typical(e)).collect(),
        seconds,
    }
}

/// Project e₁ … e_N of R^N with a Gaussian matrix: the images are the rows
/// of the N × k matrix R / √k, i.e. N random Gaussian vectors in R^k.
fn basis_projection(config: &Config, k: usize) -> BasisProjection {
    let n = config.basis;
    let mut rng = stream(config.seed, BASIS_STREAM + k as u64);
    // ANCHOR: basis
    // f(e_i) is row i (unscaled).
    let mut images = projection_matrix(Method::Gaussian, n, k, &mut rng);
    for mut row in images.rows_mut() {
        let norm = row.dot(&row).sqrt();
        row /= norm; // cosines do not depend on the scaling
    }
    let cosines = pair_cosines(&images);
    // ANCHOR_END: basis
    let worst_abs_cos = cosines.iter().fold(0.0f64, |m, c| m.max(c.abs()));
    let rms_cos = (cosines.iter().map(|c| c * c).sum::<f64>() / cosines.len() as f64).sqrt();
    BasisProjection {
        k,
        worst_abs_cos,
        rms_cos,
        direct_bound: direct_bound(k, pairs(n)),
        jl_bound: dasgupta_gupta_eps(n + 1, k).map(|e| 2.0 * e / (1.0 - e)).filter(|&b| b < 1.0),
    }
}

/// The direct and the JL-route bound for N = `config.basis` vectors, for k
/// from the smallest to 8 times the largest measured k, on a log grid.
fn superposition_bounds(config: &Config) -> Vec<(usize, f64, Option<f64>)> {
    let n = config.basis;
    let pairs = (n * (n - 1) / 2) as f64;
    let kmin = config.basis_ks.iter().copied().min().unwrap_or(1) as f64;
    let kmax = 8.0 * config.basis_ks.iter().copied().max().unwrap_or(1) as f64;
    let mut ks: Vec<usize> =
        (0..=60).map(|i| (kmin * (kmax / kmin).powf(i as f64 / 60.0)).round() as usize).collect();
    ks.dedup();
    ks.into_iter().map(|k| (k, direct_bound(k, pairs), jl_cos_bound(n, k))).collect()
}

/// Via JL: a map that keeps the squared distances among {0, e_1, …, e_N}
/// within 1 ± ε keeps |⟨f(e_i), f(e_j)⟩| ≤ 2ε (polarisation) and the norms
/// ≥ √(1 − ε), so |cos| ≤ 2ε/(1 − ε); ε from the Dasgupta–Gupta bound for
/// N + 1 points. `None` when that gives nothing below 1.
pub fn jl_cos_bound(n: usize, k: usize) -> Option<f64> {
    dasgupta_gupta_eps(n + 1, k).map(|e| 2.0 * e / (1.0 - e)).filter(|&b| b < 1.0)
}

/// C(n, 2).
fn pairs(n: usize) -> f64 {
    (n * (n - 1) / 2) as f64
}

/// The smallest k ≥ 2 with `good(k)`, for a condition that stays true once
/// true (doubling, then bisection).
fn smallest_k(good: impl Fn(usize) -> bool) -> usize {
    let mut hi = 2;
    while !good(hi) {
        hi *= 2;
    }
    let mut lo = hi / 2; // not good (or 1, which is never asked)
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if good(mid) { hi = mid } else { lo = mid }
    }
    hi
}

/// The smallest ε with pairs · P(|cos θ| > ε) ≤ ½ for random unit vectors in
/// R^k: by the union bound, all pairs are within ε with probability ≥ ½.
pub fn direct_bound(k: usize, pairs: f64) -> f64 {
    let target = (0.5 / pairs).ln();
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if ln_tail(k, mid) > target { lo = mid } else { hi = mid }
    }
    hi
}

/// The Gaussian ratio's exact density at the centres of `bins`.
pub fn chi2_curve(k: usize, bins: &Bins) -> Vec<(f64, f64)> {
    let w = bins.width();
    (0..bins.counts.len())
        .map(|i| bins.lo + (i as f64 + 0.5) * w)
        .map(|r| (r, chi2_ratio_density(k, r)))
        .collect()
}

/// Timing of each experiment, for the example's summary (not part of the report).
pub fn timings(report: &Report) -> Vec<(String, &'static str, Duration)> {
    report
        .experiments
        .iter()
        .map(|e| (e.dataset.clone(), e.method.name(), Duration::from_secs_f64(e.seconds)))
        .collect()
}
