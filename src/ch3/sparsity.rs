//! Chapter 3, second part: from JL to sparse recovery. How large the
//! dot-product read-out's error is with K features active (against the
//! √((K − 1)/d) law), and when basis pursuit recovers a K-sparse vector
//! exactly (against the Donoho–Tanner curve); and what both say about how
//! many features a width supports with K active (the capacity).

use serde::{Deserialize, Serialize};

use crate::progress::Progress;
use crate::rng::stream;
use crate::sparse::{
    Admm, bp_recovers, interference_law, l1_transition, ln_bp_capacity, ln_threshold_capacity,
    orthonormal_rows, read_three_ways, readout_rms, reads_before_misread, sparse_signs, threshold_success,
};

/// What the sparsity part computes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SparsityConfig {
    /// Read-out error: N random directions in R^d, K active, about
    /// `readouts` present features read per (d, K).
    pub readout_n: usize,
    pub readout_ds: Vec<usize>,
    pub readout_ks: Vec<usize>,
    pub readouts: usize,
    /// The same error at one (d, K) for several N (it does not depend on N).
    pub readout_ns: Vec<usize>,
    pub readout_at: (usize, usize),
    /// Phase transition: vectors of R^N, d = N·δ and K = d·ρ on a grid of
    /// `steps` values of δ and of ρ (1/(steps + 1) … steps/(steps + 1)),
    /// `trials` sparse vectors per cell, one measurement matrix per cell.
    pub transition_n: usize,
    pub steps: usize,
    pub trials: usize,
    pub admm: Admm,
    /// Capacity: the median number of features read before the first
    /// misread, over `capacity_trials` runs, at each (d, K); and the
    /// predicted capacities at model widths `wide_ds` for `wide_ks` active.
    pub capacity_ds: Vec<usize>,
    pub capacity_ks: Vec<usize>,
    pub capacity_trials: usize,
    pub wide_ds: Vec<usize>,
    pub wide_ks: Vec<usize>,
    /// Three read-outs of the same inputs: N directions in d dimensions,
    /// `compare_trials` inputs per K.
    pub compare_n: usize,
    pub compare_d: usize,
    pub compare_ks: Vec<usize>,
    pub compare_trials: usize,
}

impl Default for SparsityConfig {
    fn default() -> Self {
        SparsityConfig {
            readout_n: 2000,
            readout_ds: vec![16, 32, 64, 128, 256, 512, 1024],
            readout_ks: vec![2, 4, 16, 64],
            readouts: 20_000,
            readout_ns: vec![200, 2000, 20_000],
            readout_at: (128, 16),
            transition_n: 100,
            steps: 19,
            trials: 20,
            admm: Admm::default(),
            capacity_ds: vec![16, 24, 32, 48, 64, 96],
            capacity_ks: vec![2, 4, 8],
            capacity_trials: 201,
            wide_ds: vec![768, 4096, 12_288, 100_000],
            wide_ks: vec![10, 30, 100, 300],
            compare_n: 256,
            compare_d: 64,
            compare_ks: vec![1, 2, 3, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24],
            compare_trials: 40,
        }
    }
}

impl SparsityConfig {
    /// Seconds' worth: fewer sizes, a coarse grid.
    pub fn quick() -> Self {
        SparsityConfig {
            readout_n: 300,
            readout_ds: vec![16, 64, 256],
            readout_ks: vec![2, 16],
            readouts: 2000,
            readout_ns: vec![100, 1000],
            readout_at: (64, 8),
            transition_n: 40,
            steps: 5,
            trials: 6,
            admm: Admm::default(),
            capacity_ds: vec![16, 32],
            capacity_ks: vec![2, 4],
            capacity_trials: 21,
            wide_ds: vec![768, 4096, 12_288, 100_000],
            wide_ks: vec![30, 100, 300],
            compare_n: 64,
            compare_d: 24,
            compare_ks: vec![1, 4],
            compare_trials: 8,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        let sizes = self.readout_ds.iter().chain(&self.readout_ks).chain(&self.readout_ns);
        if sizes.clone().any(|&s| s == 0) || self.readout_n == 0 || self.readouts == 0 {
            return Err("read-out sizes, counts and K must be at least 1".into());
        }
        if let Some(k) = self.readout_ks.iter().find(|&&k| k > self.readout_n) {
            return Err(format!(
                "K = {k} active features need at least as many directions, got N = {}",
                self.readout_n
            ));
        }
        if self.readout_at.1 > self.readout_ns.iter().copied().min().unwrap_or(usize::MAX) {
            return Err("the N-independence check needs K ≤ every N".into());
        }
        let widths = self.capacity_ds.iter().chain(&self.wide_ds);
        if widths.clone().any(|&d| d < 2) || self.capacity_trials == 0 {
            return Err("capacity widths must be at least 2, with at least one trial".into());
        }
        if self.capacity_ks.iter().chain(&self.wide_ks).any(|&k| k == 0) {
            return Err("the number of active features K must be at least 1".into());
        }
        if self.compare_d == 0 || self.compare_d > self.compare_n || self.compare_trials == 0 {
            return Err("the read-out comparison needs 1 ≤ d ≤ N and at least one input".into());
        }
        if let Some(k) = self.compare_ks.iter().find(|&&k| k == 0 || k > self.compare_n) {
            return Err(format!("every K of the comparison must be in 1..={}, got {k}", self.compare_n));
        }
        if self.transition_n < 2 || self.steps == 0 || self.trials == 0 {
            return Err("the phase transition needs N ≥ 2, at least one grid step and one trial".into());
        }
        Ok(())
    }

    /// The grid's (d, K) of cell (a, b): δ = (a + 1)/(steps + 1), ρ = (b + 1)/(steps + 1).
    pub fn cell(&self, a: usize, b: usize) -> (usize, usize) {
        let t = |i: usize| (i + 1) as f64 / (self.steps + 1) as f64;
        let d = ((t(a) * self.transition_n as f64).round() as usize).clamp(1, self.transition_n);
        let k = ((t(b) * d as f64).round() as usize).clamp(1, d);
        (d, k)
    }
}

/// The read-out error at one (d, K).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Readout {
    pub n: usize,
    pub d: usize,
    pub k: usize,
    pub measured: f64,
    pub law: f64,
}

/// One cell of the phase diagram.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cell {
    pub delta: f64,
    pub rho: f64,
    pub d: usize,
    pub k: usize,
    pub recovered: usize,
    pub trials: usize,
    /// Whether the cell lies below the predicted curve (K/d < ρ(d/N)).
    pub predicted: bool,
}

/// The capacity at one (d, K): how many features are read right, as
/// log₁₀ N.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Capacity {
    pub d: usize,
    pub k: usize,
    /// K plus the median number of silent features read before the first
    /// misread (measured; None where an active feature already misreads in
    /// most runs).
    pub measured: Option<f64>,
    /// The thresholded read-out's capacity, K + ln(2a)/q, None when the K
    /// active features themselves misread in most inputs.
    pub threshold: Option<f64>,
    pub basis_pursuit: f64,
    /// The probability that every active feature reads above ½, with each
    /// one's error taken as Gaussian of variance (K − 1)/d.
    pub active_ok: f64,
}

/// The three read-outs at one K: the share of inputs each returns exactly
/// (top-K dot product, threshold at ½, basis pursuit), and the threshold's
/// predicted share.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadoutsAt {
    pub k: usize,
    pub recovered: [f64; 3],
    pub threshold_predicted: f64,
}

/// The two predicted capacities for one K on a fine grid of d:
/// (K, [(d, log₁₀ N threshold, log₁₀ N basis pursuit)]).
pub type CapacityCurve = (usize, Vec<(f64, f64, f64)>);

/// What the sparsity part reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sparsity {
    pub readout: Vec<Readout>,
    pub readout_by_n: Vec<Readout>,
    pub cells: Vec<Cell>,
    /// The predicted transition on a fine grid of δ: (δ, ρ).
    pub curve: Vec<(f64, f64)>,
    /// Capacity measured at small widths (with both predictions), and
    /// predicted at model widths.
    pub capacity: Vec<Capacity>,
    pub wide: Vec<Capacity>,
    /// The two predictions on a fine grid of d, per K of `capacity_ks`:
    /// (K, [(d, log₁₀ N threshold, log₁₀ N basis pursuit)]); NaN where the
    /// threshold read-out supports none (not in the JSON).
    #[serde(skip)]
    pub capacity_curves: Vec<CapacityCurve>,
    /// Three read-outs of the same inputs, per K; and the K at which basis
    /// pursuit's predicted transition lies for this d/N.
    pub readouts: Vec<ReadoutsAt>,
    pub readouts_n: usize,
    pub readouts_d: usize,
    pub bp_transition_k: f64,
}

impl Sparsity {
    /// The capacity row at (d, K) of the model widths.
    pub fn wide_at(&self, d: usize, k: usize) -> Option<&Capacity> {
        self.wide.iter().find(|c| c.d == d && c.k == k)
    }
}

impl Sparsity {
    /// Cells where most trials came out as the curve predicts (recovered
    /// below it, not recovered above it), and all cells.
    pub fn agreement(&self) -> (usize, usize) {
        let agree = self.cells.iter().filter(|c| (2 * c.recovered > c.trials) == c.predicted).count();
        (agree, self.cells.len())
    }

    /// How far from the curve (in ρ) the cells that disagree with it lie,
    /// at most (None if every cell agrees).
    pub fn worst_miss(&self) -> Option<f64> {
        let misses = self.cells.iter().filter(|c| (2 * c.recovered > c.trials) != c.predicted);
        misses.map(|c| (c.rho - l1_transition(c.delta)).abs()).reduce(f64::max)
    }

    /// The largest relative gap between a measured read-out error and the law.
    pub fn worst_law_gap(&self) -> f64 {
        self.readout
            .iter()
            .chain(&self.readout_by_n)
            .map(|r| (r.measured / r.law - 1.0).abs())
            .fold(0.0, f64::max)
    }
}

const READOUT_STREAM: u64 = 5 << 32;
const TRANSITION_STREAM: u64 = 6 << 32;
const CAPACITY_STREAM: u64 = 7 << 32;
const COMPARE_STREAM: u64 = 8 << 32;

/// Both predictions at (d, K), in log₁₀.
fn predicted(d: usize, k: usize, measured: Option<f64>) -> Capacity {
    let ln10 = std::f64::consts::LN_10;
    Capacity {
        d,
        k,
        measured,
        // log₁₀(K + e^L), without forming e^L (astronomical at large d).
        threshold: ln_threshold_capacity(d, k).map(|l| (l + (k as f64 * (-l).exp()).ln_1p()) / ln10),
        basis_pursuit: ln_bp_capacity(d, k) / ln10,
        active_ok: crate::sparse::active_read_right(d, k),
    }
}

/// The capacity experiment and predictions.
fn capacity(c: &SparsityConfig, seed: u64) -> (Vec<Capacity>, Vec<Capacity>, Vec<CapacityCurve>) {
    let pairs: Vec<(usize, usize)> =
        c.capacity_ds.iter().flat_map(|&d| c.capacity_ks.iter().map(move |&k| (d, k))).collect();
    let measured = crate::parallel::map(&pairs, |&(d, k)| {
        let mut rng = stream(seed, CAPACITY_STREAM ^ ((d as u64) << 16) ^ k as u64);
        let mut runs: Vec<usize> =
            (0..c.capacity_trials).map(|_| reads_before_misread(d, k, 1 << 24, &mut rng)).collect();
        runs.sort_unstable();
        let median = runs[runs.len() / 2];
        predicted(d, k, (median > 0).then_some(((k + median) as f64).log10()))
    });
    let wide =
        c.wide_ds.iter().flat_map(|&d| c.wide_ks.iter().map(move |&k| predicted(d, k, None))).collect();
    let (lo, hi) = (
        c.capacity_ds.iter().copied().min().unwrap_or(2) as f64,
        c.capacity_ds.iter().copied().max().unwrap_or(2) as f64,
    );
    let curves = c
        .capacity_ks
        .iter()
        .map(|&k| {
            let points = (0..=60)
                .map(|i| (lo + (hi - lo) * i as f64 / 60.0).round() as usize)
                .map(|d| {
                    let p = predicted(d, k, None);
                    (d as f64, p.threshold.unwrap_or(f64::NAN), p.basis_pursuit)
                })
                .collect();
            (k, points)
        })
        .collect();
    (measured, wide, curves)
}

/// Run both experiments (cells and sizes in parallel, each on its own stream).
pub fn run(config: &SparsityConfig, seed: u64, progress: &dyn Progress) -> Sparsity {
    let c = config;
    let mut jobs: Vec<(usize, usize, usize)> = Vec::new();
    for &d in &c.readout_ds {
        jobs.extend(c.readout_ks.iter().map(|&k| (c.readout_n, d, k)));
    }
    let by_n: Vec<(usize, usize, usize)> =
        c.readout_ns.iter().map(|&n| (n, c.readout_at.0, c.readout_at.1)).collect();
    let readout = |&(n, d, k): &(usize, usize, usize)| {
        let key = (n as u64) << 40 ^ (d as u64) << 20 ^ k as u64;
        let measured = readout_rms(n, d, k, (c.readouts / k).max(1), &mut stream(seed, READOUT_STREAM ^ key));
        Readout { n, d, k, measured, law: interference_law(k, d) }
    };
    let readout_all = crate::parallel::map(&jobs, readout);
    let readout_by_n = crate::parallel::map(&by_n, readout);
    progress.advance(1);
    let grid: Vec<(usize, usize)> = (0..c.steps).flat_map(|a| (0..c.steps).map(move |b| (a, b))).collect();
    let cells = crate::parallel::map(&grid, |&(a, b)| {
        let (d, k) = c.cell(a, b);
        let mut rng = stream(seed, TRANSITION_STREAM + (a * c.steps + b) as u64);
        let q = orthonormal_rows(d, c.transition_n, &mut rng);
        let xs: Vec<_> = (0..c.trials).map(|_| sparse_signs(c.transition_n, k, &mut rng)).collect();
        let truth = ndarray::stack(ndarray::Axis(1), &xs.iter().map(|x| x.view()).collect::<Vec<_>>())
            .expect("columns of one length");
        let recovered = bp_recovers(&q, &truth, &c.admm).into_iter().filter(|&r| r).count();
        let (delta, rho) = (d as f64 / c.transition_n as f64, k as f64 / d as f64);
        let predicted = delta < 1.0 && rho < l1_transition(delta) || delta >= 1.0;
        Cell { delta, rho, d, k, recovered, trials: c.trials, predicted }
    });
    progress.advance(1);
    let curve = (1..200).map(|i| i as f64 / 200.0).map(|delta| (delta, l1_transition(delta))).collect();
    let (capacity, wide, capacity_curves) = capacity(c, seed);
    let readouts = crate::parallel::map(&c.compare_ks, |&k| {
        let mut rng = stream(seed, COMPARE_STREAM + k as u64);
        let recovered = read_three_ways(c.compare_n, c.compare_d, k, c.compare_trials, &c.admm, &mut rng);
        ReadoutsAt { k, recovered, threshold_predicted: threshold_success(c.compare_n, c.compare_d, k) }
    });
    let delta = c.compare_d as f64 / c.compare_n as f64;
    let bp_transition_k =
        if delta < 1.0 { l1_transition(delta) * c.compare_d as f64 } else { c.compare_d as f64 };
    progress.advance(1);
    Sparsity {
        readout: readout_all,
        readout_by_n,
        cells,
        curve,
        capacity,
        wide,
        capacity_curves,
        readouts,
        readouts_n: c.compare_n,
        readouts_d: c.compare_d,
        bp_transition_k,
    }
}
