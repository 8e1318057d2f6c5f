//! Learning dynamics: one model watched while it trains, beside the
//! solutions it can rest on.
//!
//! Elhage et al. (2022, "Superposition and learning dynamics") follow each
//! feature's dimensionality during training and see it move in jumps between
//! the fractions of the geometry section. With N features in d = 2
//! dimensions the resting places can be written down: Chen et al. (2023,
//! "Dynamical versus Bayesian phase transitions in a toy model of
//! superposition") show that the regular k-gons (k features at angles
//! 2πa/k, one norm r and one bias b for all k, the other features dropped)
//! are critical points of this model's loss, and that training passes from
//! one to the next. A k-gon's loss, with r and b at their best, is the
//! plateau a trajectory can rest on; its features each have dimensionality
//! 2/k (1/2 for the square, 2/5 for the pentagon, 1/3 for the hexagon).

use serde::{Deserialize, Serialize};

use super::analysis::features;
use super::parts::loss_parts;
use super::spec::Spec;
use super::train::{Job, TrainConfig, Trained, train_one};
use crate::optim::golden_section;

/// The model at one step of its training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub step: usize,
    /// The expected loss ([`expected_loss`]).
    pub loss: f64,
    /// ‖W_i‖ and D_i per feature (see [`super::analysis`]).
    pub norm: Vec<f64>,
    pub dimensionality: Vec<f64>,
}

/// Samples per stratum of [`expected_loss`].
pub const STRATUM: usize = 10_000;

/// The expected loss of `params` at the job's density, estimated stratum by
/// stratum (no feature present, one, two or more: see [`super::parts`]) on
/// the same samples at every call. So it is a smooth function of the
/// parameters, fit for a search, and as precise at density 0.01, where two
/// of six features meet in one sample in seven hundred, as at density 1.
pub fn expected_loss(job: &Job, params: &[f32], seed: u64) -> f64 {
    let mut rng = crate::rng::stream(seed ^ 0x0d1a_35e7, job.spec.n as u64);
    loss_parts(&job.spec, params, &job.importance, job.density, STRATUM, &mut rng).total()
}

fn snapshot(job: &Job, params: &[f32], step: usize, seed: u64) -> Snapshot {
    let f = features(&params[..job.spec.weights_len()], job.spec.n);
    let loss = expected_loss(job, params, seed);
    Snapshot { step, loss, norm: f.norm, dimensionality: f.dimensionality }
}

/// Train `job` as [`train_one`] does (the same bits) and take a snapshot at
/// each step in `at` (0: the initial weights).
pub fn watch(job: &Job, config: &TrainConfig, seed: u64, at: &[usize]) -> (Trained, Vec<Snapshot>) {
    assert!(job.spec.kind.tied(), "the dimensionality is defined for tied weights");
    let mut snapshots = Vec::new();
    if at.contains(&0) {
        let start = job.spec.init(job.init, job.density, &mut crate::rng::stream(seed, job.stream));
        snapshots.push(snapshot(job, &start, 0, seed));
    }
    let mut step = 0;
    let trained = train_one(job, config, seed, |params| {
        step += 1;
        if at.contains(&step) {
            snapshots.push(snapshot(job, params, step, seed));
        }
    });
    (trained, snapshots)
}

/// About `per_decade` steps per factor of ten from 1 to `last`, and `last`:
/// the steps to watch on a logarithmic axis.
pub fn log_steps(last: usize, per_decade: usize) -> Vec<usize> {
    let decades = (last.max(1) as f64).log10();
    let count = (decades * per_decade as f64).ceil() as usize;
    let mut steps: Vec<usize> =
        (0..=count).map(|k| (10f64.powf(k as f64 / per_decade as f64).round() as usize).min(last)).collect();
    steps.push(last);
    steps.dedup();
    steps
}

/// The stretches of training spent near a polygon's loss: each run of
/// consecutive snapshots whose loss is within a factor `1 ± tol` of the
/// k-gon's, as (k, first step, last step), in order of time.
pub fn levels(snapshots: &[Snapshot], polygons: &[Polygon], tol: f64) -> Vec<(usize, usize, usize)> {
    let near = |s: &Snapshot| polygons.iter().find(|p| (s.loss / p.loss - 1.0).abs() <= tol).map(|p| p.k);
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    let mut previous = None;
    for s in snapshots {
        let k = near(s);
        match (k, runs.last_mut()) {
            (Some(k), Some(run)) if previous == Some(k) => run.2 = s.step,
            (Some(k), _) => runs.push((k, s.step, s.step)),
            (None, _) => {}
        }
        previous = k;
    }
    runs
}

/// A regular polygon of features, at its best norm and bias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polygon {
    /// Features in the polygon (the others are dropped).
    pub k: usize,
    pub radius: f64,
    pub bias: f64,
    /// Its expected loss ([`expected_loss`]).
    pub loss: f64,
}

// ANCHOR: polygon
/// The k-gon's parameters for a tied model in d = 2: features 0..k at
/// W_a = r (cos 2πa/k, sin 2πa/k) with bias b; every other feature
/// dropped (W_a = 0) with its mean p/2 as bias, the best constant output.
pub fn polygon_params(spec: &Spec, k: usize, r: f64, b: f64, p: f32) -> Vec<f32> {
    assert!(spec.d == 2 && spec.kind.tied() && k <= spec.n, "a k-gon in 2-D");
    let n = spec.n;
    let mut params = vec![0.0; spec.param_count()];
    let bias = spec.weights_len(); // where the biases start
    for a in 0..n {
        if a < k {
            let angle = 2.0 * std::f64::consts::PI * a as f64 / k as f64;
            params[a] = (r * angle.cos()) as f32; // W[0, a]
            params[n + a] = (r * angle.sin()) as f32; // W[1, a]
            params[bias + a] = b as f32;
        } else {
            params[bias + a] = p / 2.0;
        }
    }
    params
}
// ANCHOR_END: polygon

/// The k-gon with the lowest expected loss: the norm by golden-section
/// search, and for each norm the bias by another.
pub fn best_polygon(job: &Job, k: usize, seed: u64) -> Polygon {
    let loss = |r: f64, b: f64| expected_loss(job, &polygon_params(&job.spec, k, r, b, job.density), seed);
    let best_bias = |r: f64| golden_section(|b| loss(r, b), -1.5, 1.0, 1e-3);
    let radius = golden_section(|r| loss(r, best_bias(r)), 0.0, 2.0, 1e-3);
    let bias = best_bias(radius);
    Polygon { k, radius, bias, loss: loss(radius, bias) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toy::model::{Init, Kind};

    fn job(density: f32) -> Job {
        Job {
            spec: Spec::new(Kind::ReluOutput, 6, 2),
            density,
            importance: vec![1.0; 6],
            init: Init::Xavier,
            stream: 3,
        }
    }

    #[test]
    fn levels_are_the_runs_near_a_polygons_loss() {
        let at = |step, loss| Snapshot { step, loss, norm: vec![], dimensionality: vec![] };
        let gon = |k, loss| Polygon { k, radius: 1.0, bias: 0.0, loss };
        let polygons = [gon(4, 2.0), gon(5, 1.3), gon(6, 1.0)];
        let losses = [5.0, 2.05, 1.98, 1.6, 1.31, 1.29, 1.5, 1.28, 1.0];
        let snapshots: Vec<Snapshot> = losses.iter().enumerate().map(|(i, &l)| at(i + 1, l)).collect();
        assert_eq!(levels(&snapshots, &polygons, 0.03), [(4, 2, 3), (5, 5, 6), (5, 8, 8), (6, 9, 9)]);
    }

    #[test]
    fn a_polygons_features_have_dimensionality_two_over_k() {
        let spec = Spec::new(Kind::ReluOutput, 6, 2);
        for k in 3..=6 {
            let params = polygon_params(&spec, k, 0.9, -0.1, 0.1);
            let f = features(&params[..spec.weights_len()], 6);
            for a in 0..6 {
                let want = if a < k { 2.0 / k as f64 } else { 0.0 };
                assert!((f.dimensionality[a] - want).abs() < 1e-6, "k = {k}, feature {a}");
                let norm = if a < k { 0.9 } else { 0.0 };
                assert!((f.norm[a] - norm).abs() < 1e-6);
            }
        }
    }

    /// The best polygon's loss is no worse than the same polygon at nearby
    /// norms and biases (a local optimum of the search), and watching a run
    /// changes nothing: the same bits as training it unwatched.
    #[test]
    fn the_best_polygon_is_a_minimum_and_watching_changes_nothing() {
        let job = job(0.1);
        let best = best_polygon(&job, 5, 1);
        for (dr, db) in [(0.02, 0.0), (-0.02, 0.0), (0.0, 0.02), (0.0, -0.02)] {
            let params = polygon_params(&job.spec, 5, best.radius + dr, best.bias + db, job.density);
            assert!(expected_loss(&job, &params, 1) >= best.loss, "({dr}, {db})");
        }
        let config = TrainConfig { steps: 200, batch: 256, eval_samples: 1024, ..TrainConfig::default() };
        let (watched, snapshots) = watch(&job, &config, 1, &[0, 50, 200]);
        assert_eq!(watched, train_one(&job, &config, 1, |_| {}));
        let steps: Vec<usize> = snapshots.iter().map(|s| s.step).collect();
        assert_eq!(steps, [0, 50, 200]);
        assert_eq!(snapshots[2].loss, expected_loss(&job, &watched.params, 1));
        assert_eq!(log_steps(1000, 3), [1, 2, 5, 10, 22, 46, 100, 215, 464, 1000]);
    }
}
