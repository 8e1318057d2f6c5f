//! Chapter 1 — Dimension.
//!
//! Three experiments: Gram–Schmidt runs out of room after d vectors in R^d;
//! reading features off an activation vector with dot products, and the
//! interference when feature directions are not orthogonal; and the
//! concentration of the angle between random unit vectors around 90°.

mod figures;

use crate::angles::{angle_density, angle_sd, prob_within};
use crate::chapters::Chapter;
use crate::geometry::{gram_schmidt_residuals, max_abs_cos, pair_cosines, random_unit_vectors};
use crate::output::{Numbers, OutDirs};
use crate::progress::Progress;
use crate::rng::{DEFAULT_SEED, stream};
use crate::stats::Bins;
use ndarray::Array2;
use rand::Rng;
use serde::{Deserialize, Serialize};

pub use figures::figures;

/// What Chapter 1 computes. `Default` is the book's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub seed: u64,
    /// Dimensions d for Gram–Schmidt on d + `gs_extra` random vectors.
    pub gs_dims: Vec<usize>,
    pub gs_extra: usize,
    /// Dimensions of the angle histograms, and how many random vectors each
    /// (every pair among them is one sample).
    pub hist_dims: Vec<usize>,
    pub hist_vectors: usize,
    pub hist_bins: usize,
    /// Dimensions for the spread of the angle against d.
    pub spread_dims: Vec<usize>,
    pub spread_vectors: usize,
    /// Model widths for the "within `tolerance_deg` of perpendicular" table.
    pub within_dims: Vec<usize>,
    pub within_vectors: usize,
    pub tolerance_deg: f64,
    /// The feature read-out experiment: `neurons` dimensions, `superposed`
    /// random feature directions (against `neurons` orthogonal ones), each
    /// feature present with probability `density`, value uniform on [0, 1].
    pub neurons: usize,
    pub superposed: usize,
    pub density: f64,
    pub samples: usize,
    /// How many (true, read-off) points of each kind the scatter plot shows.
    pub scatter_points: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: DEFAULT_SEED,
            gs_dims: vec![5, 20, 50],
            gs_extra: 10,
            hist_dims: vec![2, 3, 10, 100, 1000, 12288],
            hist_vectors: 1000,
            hist_bins: 60,
            spread_dims: vec![2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 12288],
            spread_vectors: 400,
            within_dims: vec![768, 4096, 12288],
            within_vectors: 1000,
            tolerance_deg: 1.0,
            neurons: 64,
            superposed: 256,
            density: 0.05,
            samples: 2000,
            scatter_points: 600,
        }
    }
}

impl Config {
    /// About how many bytes the run holds at its peak: the largest set of
    /// random vectors, its Gram matrix and its pairwise cosines and angles
    /// (8 bytes each).
    pub fn memory_bytes(&self) -> f64 {
        let set = |count: usize, dims: &[usize]| {
            let (n, d) = (count as f64, dims.iter().copied().max().unwrap_or(0) as f64);
            8.0 * (n * d + n * n + n * (n - 1.0))
        };
        [
            set(self.hist_vectors, &self.hist_dims),
            set(self.spread_vectors, &self.spread_dims),
            set(self.within_vectors, &self.within_dims),
        ]
        .into_iter()
        .fold(0.0, f64::max)
    }

    /// Check the configuration; the message says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.tolerance_deg > 0.0 && self.tolerance_deg <= 90.0) {
            return Err(format!("the tolerance must be an angle in (0°, 90°], got {}", self.tolerance_deg));
        }
        if self.hist_vectors < 2 || self.spread_vectors < 2 || self.within_vectors < 2 {
            return Err("every angle experiment needs at least 2 vectors".into());
        }
        if self.hist_bins == 0
            || [&self.hist_dims, &self.spread_dims, &self.within_dims]
                .iter()
                .any(|d| d.contains(&0) || d.contains(&1))
        {
            return Err("the histograms need at least 1 bin, and every dimension must be at least 2".into());
        }
        if self.neurons == 0 || self.superposed == 0 || self.samples == 0 {
            return Err("the read-out needs at least 1 neuron, 1 feature and 1 sample".into());
        }
        if !(self.density > 0.0 && self.density <= 1.0) {
            return Err(format!("the density must be in (0, 1], got {}", self.density));
        }
        Ok(())
    }

    /// A small configuration that runs in about a second (for `--quick` and tests).
    pub fn quick() -> Self {
        Config {
            gs_dims: vec![3, 10],
            gs_extra: 4,
            hist_dims: vec![2, 3, 10, 100, 1000, 12288],
            hist_vectors: 60,
            hist_bins: 30,
            spread_dims: vec![2, 10, 100, 1000],
            spread_vectors: 40,
            within_dims: vec![768, 12288],
            within_vectors: 60,
            neurons: 16,
            superposed: 64,
            samples: 200,
            scatter_points: 150,
            ..Config::default()
        }
    }
}

/// Everything Chapter 1 shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub config: Config,
    pub gram_schmidt: Vec<GramSchmidtRun>,
    pub readout: Vec<Readout>,
    pub histograms: Vec<AngleHistogram>,
    pub spread: Vec<Spread>,
    pub within: Vec<Within>,
}

/// Gram–Schmidt on d + extra random vectors in R^d.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GramSchmidtRun {
    pub d: usize,
    /// Relative residual of each vector after removing the previous directions.
    pub residuals: Vec<f64>,
    /// The smallest residual among the first d vectors (order one).
    pub min_first_d: f64,
    /// The largest residual after the d-th (rounding error).
    pub max_after_d: f64,
}

/// Reading features off activations with dot products, for one dictionary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Readout {
    /// "orthogonal" or "random".
    pub dictionary: String,
    pub neurons: usize,
    pub features: usize,
    /// Largest |cos| between two feature directions.
    pub max_abs_cos: f64,
    /// Root-mean-square of (read-off − true value) over all samples and features.
    pub rms_error: f64,
    /// The same, predicted exactly from the dictionary:
    /// √(mean_i [σ² Σ_{j≠i} c_ij² + μ² (Σ_{j≠i} c_ij)²]), c_ij = cos(f_i, f_j).
    pub rms_predicted: f64,
    /// The fixed-offset part alone, √(mean_i μ² (Σ_{j≠i} c_ij)²): what a
    /// bias b_i = −μ Σ_{j≠i} c_ij on each read-out would remove.
    pub rms_offset: f64,
    /// The random-direction approximation √((N−1) E[x²] / d) (random dictionary only).
    pub rms_random_theory: Option<f64>,
    /// (true value, read-off value) for the first feature-samples, for the figure.
    pub points_active: Vec<(f64, f64)>,
    pub points_absent: Vec<(f64, f64)>,
}

/// Sampled angles in one dimension, binned in degrees.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AngleHistogram {
    pub d: usize,
    pub pairs: usize,
    pub bins: Bins,
    /// The exact density per degree at the bin centres.
    pub exact_density: Vec<f64>,
    pub mean_cos: f64,
    pub var_cos: f64,
    /// Var cos θ = 1/d exactly.
    pub var_cos_exact: f64,
}

/// The spread (standard deviation) of the angle, in degrees.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spread {
    pub d: usize,
    pub pairs: usize,
    pub sd_sampled_deg: f64,
    pub sd_exact_deg: f64,
    /// The large-d law: (180/π)/√d.
    pub sd_law_deg: f64,
}

/// The chance that a random pair is within the tolerance of perpendicular.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Within {
    pub d: usize,
    pub tolerance_deg: f64,
    pub exact: f64,
    pub sampled: f64,
    pub pairs: usize,
}

/// Run every experiment of the chapter.
pub fn run(config: &Config) -> Report {
    Report {
        config: config.clone(),
        gram_schmidt: config.gs_dims.iter().map(|&d| gram_schmidt_run(config, d)).collect(),
        readout: vec![readout(config, Dictionary::Orthogonal), readout(config, Dictionary::Random)],
        histograms: config.hist_dims.iter().map(|&d| angle_histogram(config, d)).collect(),
        spread: config.spread_dims.iter().map(|&d| spread(config, d)).collect(),
        within: config.within_dims.iter().map(|&d| within(config, d)).collect(),
    }
}

/// Chapter 1, in the shape every chapter has (see [`crate::chapters`]).
pub struct Ch1;

impl Chapter for Ch1 {
    const NAME: &'static str = "ch1_dimension";
    const ID: &'static str = "ch1";
    const DIGITS: i32 = 8;
    const BOOK_SECONDS: f64 = 3.0;
    type Config = Config;
    type Report = Report;

    fn validate(config: &Config) -> Result<(), String> {
        config.validate()
    }
    fn memory_bytes(config: &Config) -> Option<f64> {
        Some(config.memory_bytes())
    }
    fn run(config: &Config, _: &dyn Progress) -> Report {
        run(config)
    }
    fn write(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
        figures(report, dirs, numbers)
    }
}

// Random streams: one per experiment and size, so each is independent of the others.
const GS_STREAM: u64 = 1 << 32;
const READOUT_STREAM: u64 = 2 << 32;
const HIST_STREAM: u64 = 3 << 32;
const SPREAD_STREAM: u64 = 4 << 32;
const WITHIN_STREAM: u64 = 5 << 32;

fn gram_schmidt_run(config: &Config, d: usize) -> GramSchmidtRun {
    let mut rng = stream(config.seed, GS_STREAM + d as u64);
    let v = random_unit_vectors(d + config.gs_extra, d, &mut rng);
    let residuals = gram_schmidt_residuals(&v);
    GramSchmidtRun {
        d,
        min_first_d: residuals[..d].iter().copied().fold(f64::INFINITY, f64::min),
        max_after_d: residuals[d..].iter().copied().fold(0.0, f64::max),
        residuals,
    }
}

/// Which feature directions the read-out experiment uses.
#[derive(Debug, Clone, Copy)]
pub enum Dictionary {
    /// As many features as neurons, one per axis: no interference.
    Orthogonal,
    /// `superposed` random unit directions in the same space.
    Random,
}

/// Sparse activations a = Σ_i x_i f_i, read back with x̂_i = ⟨a, f_i⟩.
// ANCHOR: readout
fn readout(config: &Config, dictionary: Dictionary) -> Readout {
    let d = config.neurons;
    let mut rng = stream(config.seed, READOUT_STREAM + dictionary as u64);
    // Feature directions, one per row.
    let features: Array2<f64> = match dictionary {
        Dictionary::Orthogonal => Array2::eye(d),
        Dictionary::Random => random_unit_vectors(config.superposed, d, &mut rng),
    };
    let n = features.nrows();
    // Sparse feature values: present with probability p, then uniform on [0, 1].
    let x = Array2::from_shape_simple_fn((config.samples, n), || {
        if rng.random::<f64>() < config.density { rng.random::<f64>() } else { 0.0 }
    });
    let activations = x.dot(&features); // a = Σ_i x_i f_i, one row per sample
    let read = activations.dot(&features.t()); // x̂_i = ⟨a, f_i⟩
    // ANCHOR_END: readout
    let err = &read - &x;
    let rms_error = (err.mapv(|e| e * e).mean().unwrap_or(0.0)).sqrt();
    // The error of feature i is e_i = Σ_{j≠i} x_j c_ij with c_ij = cos(f_i, f_j),
    // and the x_j are independent with mean μ = p/2, E[x²] = p/3, variance
    // σ² = p/3 − p²/4. So E[e_i²] = σ² Σ_j c_ij² + μ² (Σ_j c_ij)²: noise, plus
    // the square of a fixed offset μ Σ_j c_ij of feature i's read-out.
    let second_moment = config.density / 3.0;
    let mean = config.density / 2.0;
    let variance = second_moment - mean * mean;
    let gram = features.dot(&features.t());
    let (mut noise, mut offset) = (0.0, 0.0);
    for (i, row) in gram.outer_iter().enumerate() {
        let (squares, sum) = row
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .fold((0.0, 0.0), |(q, s), (_, c)| (q + c * c, s + c));
        noise += variance * squares;
        offset += mean * mean * sum * sum;
    }
    let rms_predicted = ((noise + offset) / n as f64).sqrt();
    let rms_offset = (offset / n as f64).sqrt();
    let max_abs_cos = max_abs_cos(&features);
    let (mut points_active, mut points_absent) = (Vec::new(), Vec::new());
    for (xi, ri) in x.iter().zip(read.iter()) {
        let bucket = if *xi > 0.0 { &mut points_active } else { &mut points_absent };
        if bucket.len() < config.scatter_points {
            bucket.push((*xi, *ri));
        }
    }
    Readout {
        dictionary: match dictionary {
            Dictionary::Orthogonal => "orthogonal".into(),
            Dictionary::Random => "random".into(),
        },
        neurons: d,
        features: n,
        max_abs_cos,
        rms_error,
        rms_predicted,
        rms_offset,
        rms_random_theory: match dictionary {
            Dictionary::Orthogonal => None,
            // E[cos²(f_i, f_j)] = 1/d for independent random directions.
            Dictionary::Random => Some(((n as f64 - 1.0) * second_moment / d as f64).sqrt()),
        },
        points_active,
        points_absent,
    }
}

/// Cosines of every pair among `count` random unit vectors in R^d.
fn sampled_cosines(seed: u64, stream_id: u64, count: usize, d: usize) -> Vec<f64> {
    let mut rng = stream(seed, stream_id);
    pair_cosines(&random_unit_vectors(count, d, &mut rng))
}

fn mean_var(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

fn angle_histogram(config: &Config, d: usize) -> AngleHistogram {
    let cosines = sampled_cosines(config.seed, HIST_STREAM + d as u64, config.hist_vectors, d);
    let degrees: Vec<f64> = cosines.iter().map(|c| c.acos().to_degrees()).collect();
    // Show 90° ± 5 standard deviations (never wider than [0°, 180°]), in whole degrees.
    let half = (5.0 * angle_sd(d).to_degrees()).ceil().min(90.0);
    let bins = Bins::new(&degrees, 90.0 - half, 90.0 + half, config.hist_bins);
    let per_degree = std::f64::consts::PI / 180.0;
    let exact_density = bins
        .densities()
        .map(|(l, r, _)| angle_density(d, (0.5 * (l + r)).to_radians()) * per_degree)
        .collect();
    let (mean_cos, var_cos) = mean_var(&cosines);
    AngleHistogram {
        d,
        pairs: cosines.len(),
        bins,
        exact_density,
        mean_cos,
        var_cos,
        var_cos_exact: 1.0 / d as f64,
    }
}

fn spread(config: &Config, d: usize) -> Spread {
    let cosines = sampled_cosines(config.seed, SPREAD_STREAM + d as u64, config.spread_vectors, d);
    let angles: Vec<f64> = cosines.iter().map(|c| c.acos()).collect();
    // The angle's mean is exactly π/2 by symmetry, so measure spread about it.
    let sd = (angles.iter().map(|t| (t - std::f64::consts::FRAC_PI_2).powi(2)).sum::<f64>()
        / angles.len() as f64)
        .sqrt();
    Spread {
        d,
        pairs: angles.len(),
        sd_sampled_deg: sd.to_degrees(),
        sd_exact_deg: angle_sd(d).to_degrees(),
        sd_law_deg: (1.0 / (d as f64).sqrt()).to_degrees(),
    }
}

fn within(config: &Config, d: usize) -> Within {
    let eps = config.tolerance_deg.to_radians().sin(); // |θ − 90°| ≤ tol ⇔ |cos θ| ≤ sin(tol)
    let cosines = sampled_cosines(config.seed, WITHIN_STREAM + d as u64, config.within_vectors, d);
    let inside = cosines.iter().filter(|c| c.abs() <= eps).count();
    Within {
        d,
        tolerance_deg: config.tolerance_deg,
        exact: prob_within(d, eps),
        sampled: inside as f64 / cosines.len() as f64,
        pairs: cosines.len(),
    }
}
