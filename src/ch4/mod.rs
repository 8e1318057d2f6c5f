//! Chapter 4 — Polysemantic neurons, part 1: the toy models of superposition
//! (Elhage et al., 2022) trained from scratch.
//!
//! Four experiments, all on the engine in [`crate::toy`]:
//! 1. N = 5 features in d = 2 dimensions as sparsity grows (the pentagon);
//! 2. N = 20 in d = 5 with decaying importance: WᵀW, b and ‖W_i‖ per density,
//!    and the linear model for contrast;
//! 3. the geometry of superposition with uniform importance: dimensions per
//!    feature and per-feature dimensionality against sparsity (at the
//!    paper's size and with a width sweep behind `--large`: [`large`]), and
//!    six features in two dimensions watched while they train
//!    ([`dynamics_part`]);
//! 4. the phase diagram of N = 2, d = 1 against the closed-form prediction,
//!    and the same two features correlated and anti-correlated.

mod correlated_table;
mod dynamics_figure;
pub mod dynamics_part;
mod figures;
pub mod large;
mod neuron_figures;
pub mod neurons_part;
mod parts_figure;
mod width_figure;

use crate::chapters::Chapter;
use crate::optim::{AdamConfig, Schedule};
use crate::output::{Numbers, OutDirs, rounded_json};
use crate::progress::Progress;
use crate::rng::{DEFAULT_SEED, group_stream};
use crate::toy::analysis::{self, REPRESENTED};
use crate::toy::correlated::{self, Arrangement, Structure};
use crate::toy::neurons::{Neuron, neurons};
use crate::toy::parts::{self, LossParts};
use crate::toy::phase::{self, Phase};
use crate::toy::train::{Setting, evaluate, train_best_of, train_pairs};
use crate::toy::{Best, Init, Job, Kind, Spec, TrainConfig, known};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use figures::figures;

/// What Chapter 4 computes. `Default` is the book's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub seed: u64,
    /// How every model is trained (the reference setup by default).
    pub train: TrainConfig,
    /// Copies per setting (the lowest evaluation loss is kept).
    pub seeds: usize,
    /// Experiment 1: N = 5, d = 2, importance 0.9^i.
    pub pentagon_densities: Vec<f32>,
    /// Experiment 2: N = 20, d = 5, importance 0.7^i (ReLU), and the linear model.
    pub gram_densities: Vec<f32>,
    pub linear_densities: Vec<f32>,
    /// Experiment 3: N features in d dimensions, uniform importance, one copy each.
    pub geometry_n: usize,
    pub geometry_d: usize,
    pub geometry_densities: Vec<f32>,
    /// Experiment 4: N = 2, d = 1; importance r of feature 2, and densities.
    pub phase_importances: Vec<f32>,
    pub phase_densities: Vec<f32>,
    /// Points per axis of the predicted-phase grid behind the boundary.
    pub theory_grid: usize,
    /// Two features in one dimension, independent, correlated and
    /// anti-correlated, at these densities (at most ½).
    pub correlated_densities: Vec<f32>,
    /// Learning dynamics: six features in two dimensions at this density,
    /// this many copies from random starts.
    pub dynamics_density: f32,
    pub dynamics_copies: usize,
    /// Part 2. A privileged basis: h = ReLU(W x), N = 10, d = 5, importance 0.75^i.
    pub privileged_densities: Vec<f32>,
    /// Computation in superposition, |x| with x uniform on [−1, 1]: N = 3,
    /// d = 6 at this density, and N = 100, d = 40, importance 0.8^i, one
    /// copy per density.
    pub abs_small_density: f32,
    pub abs_densities: Vec<f32>,
    /// How the absolute-value models start and train (not the reference
    /// setup: see the chapter), and the most copies per density of the
    /// large one (a further copy only where the earlier ones miss the
    /// construction).
    pub abs_init: Init,
    pub abs_train: TrainConfig,
    pub abs_seeds: usize,
}

/// `count` values from 10^from to 10^to, evenly spaced in the exponent.
pub fn logspace(from: f64, to: f64, count: usize) -> Vec<f32> {
    (0..count)
        .map(|k| {
            let t = if count > 1 { k as f64 / (count - 1) as f64 } else { 0.0 };
            10f64.powf(from + (to - from) * t) as f32
        })
        .collect()
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: DEFAULT_SEED,
            train: TrainConfig::default(),
            seeds: 3,
            pentagon_densities: vec![1.0, 0.7, 0.4, 0.2, 0.1, 0.05],
            gram_densities: vec![1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001],
            linear_densities: vec![1.0, 0.01],
            geometry_n: 100,
            geometry_d: 10,
            geometry_densities: logspace(0.0, -3.0, 19),
            phase_importances: logspace(-1.0, 1.0, 15),
            phase_densities: logspace(0.0, -2.0, 15),
            theory_grid: 60,
            correlated_densities: vec![0.3, 0.1, 0.03],
            dynamics_density: 0.01,
            dynamics_copies: 16,
            privileged_densities: logspace(0.0, -3.0, 10),
            abs_small_density: 1.0,
            abs_densities: vec![0.3, 0.1, 0.03, 0.01],
            abs_init: Init::Small { sd: 0.02 },
            abs_train: abs_train(TrainConfig::default()),
            abs_seeds: 4,
        }
    }
}

/// Copies of each large |x| setting trained from the start (more follow
/// where they all miss the construction, up to `abs_seeds`): where both
/// reach it, the better of two is kept, since at the sparse densities a
/// copy may settle on the construction itself instead of a better solution.
const ABS_FIRST_COPIES: usize = 2;

/// How the absolute-value models train: `base`'s steps and batch, with
/// AdamW at a larger rate, a short warm-up and a cosine decay to 1% of the
/// rate by the last step.
fn abs_train(base: TrainConfig) -> TrainConfig {
    let schedule = Schedule::WarmupCosine { warmup: 300, steps: base.steps, floor: 0.01 };
    TrainConfig { adam: AdamConfig::adamw(1e-2, 0.01).with_schedule(schedule), ..base }
}

impl Config {
    /// A small configuration for tests and a quick look (seconds).
    pub fn quick() -> Self {
        let quick_train =
            TrainConfig { steps: 1500, batch: 256, eval_samples: 2048, ..TrainConfig::default() };
        let default = Config::default();
        Config {
            train: quick_train,
            seeds: 1,
            pentagon_densities: vec![1.0, 0.1],
            gram_densities: vec![1.0, 0.03],
            linear_densities: vec![0.03],
            geometry_n: 30,
            geometry_d: 5,
            geometry_densities: logspace(0.0, -2.0, 3),
            phase_importances: logspace(-1.0, 1.0, 3),
            phase_densities: logspace(0.0, -2.0, 3),
            theory_grid: 8,
            correlated_densities: vec![0.1],
            dynamics_density: 0.01,
            dynamics_copies: 3,
            privileged_densities: logspace(0.0, -2.0, 3),
            abs_densities: vec![0.1],
            abs_train: abs_train(quick_train),
            abs_seeds: 1,
            ..default
        }
    }

    /// Check sizes and ranges; the message names the bad value.
    pub fn validate(&self) -> Result<(), String> {
        let (t, a) = (&self.train, &self.abs_train);
        if t.steps == 0
            || t.batch == 0
            || a.steps == 0
            || a.batch == 0
            || self.seeds == 0
            || self.abs_seeds == 0
        {
            return Err("steps, batch and seeds must be at least 1".into());
        }
        if !(self.dynamics_density > 0.0 && self.dynamics_density <= 1.0) || self.dynamics_copies == 0 {
            return Err(format!(
                "the learning-dynamics model needs a density in (0, 1] and at least one copy, got {} and {}",
                self.dynamics_density, self.dynamics_copies
            ));
        }
        if let Some(p) = self.correlated_densities.iter().find(|p| !(**p > 0.0 && **p <= 0.5)) {
            return Err(format!("correlated-feature densities must be in (0, 0.5], got {p}"));
        }
        if self.theory_grid < 2 {
            return Err("the theory grid needs at least 2 points per axis".into());
        }
        if self.geometry_d == 0 || self.geometry_n <= self.geometry_d {
            return Err(format!(
                "the geometry model needs N > d ≥ 1, got N = {}, d = {}",
                self.geometry_n, self.geometry_d
            ));
        }
        let densities = [
            &self.pentagon_densities,
            &self.gram_densities,
            &self.linear_densities,
            &self.geometry_densities,
            &self.phase_densities,
            &self.privileged_densities,
            &self.abs_densities,
        ];
        for &p in densities.iter().flat_map(|d| d.iter()) {
            if !(p > 0.0 && p <= 1.0) {
                return Err(format!("densities must be in (0, 1], got {p}"));
            }
        }
        if !(self.abs_small_density > 0.0 && self.abs_small_density <= 1.0) {
            return Err(format!("densities must be in (0, 1], got {}", self.abs_small_density));
        }
        if let Some(r) = self.phase_importances.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
            return Err(format!("relative importances must be positive, got {r}"));
        }
        Ok(())
    }
}

/// One trained tied model, as the figures and tables need it.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub kind: Kind,
    pub n: usize,
    pub d: usize,
    pub density: f32,
    /// W (W₁ for the untied model), d × N row-major, and b.
    pub w: Vec<f32>,
    pub b: Vec<f32>,
    /// W₂ᵀ for the untied absolute-value model (d × N), else empty.
    pub w_out: Vec<f32>,
    /// The hidden neurons, for models with a hidden ReLU (else empty).
    pub neurons: Vec<Neuron>,
    pub loss: f64,
    /// Every copy's evaluation loss (the kept one is the lowest).
    pub seed_losses: Vec<f64>,
    /// The loss of the known solution without superposition
    /// ([`crate::toy::known`]: the most important features kept, the rest
    /// replaced by their means) on the same evaluation samples as the model.
    pub construction: f64,
    /// The loss of outputting every feature's mean (nothing represented).
    pub mean_only: f64,
    pub features: analysis::Features,
    /// WᵀW (n × n, row-major), for the figures (not kept in the JSON).
    #[serde(skip)]
    pub gram: Vec<f64>,
    /// Features with ‖W_i‖ ≥ 1/2.
    pub represented: usize,
    /// The largest |cos| between two represented features.
    pub max_cos: f64,
    /// The smallest angle between two represented features, in degrees.
    pub smallest_angle: f64,
    /// d / ‖W‖²_F.
    pub dims_per_feature: f64,
    /// Groups of features sharing dimensions: (features, dimensions, count).
    pub groups: Vec<(usize, usize, usize)>,
}

/// In the phase diagram, a learned solution agrees with the theory when its
/// phase is the predicted one, or when the best dedicated and the best
/// superposed solutions are within this relative margin of each other.
pub const PHASE_TOLERANCE: f64 = 0.01;

/// Features count as sharing dimensions when |cos| between them exceeds this.
pub const GROUP_LINK: f64 = 0.2;

/// One cell of the phase diagram.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub importance: f32,
    pub density: f32,
    pub w: [f32; 2],
    pub b: [f32; 2],
    pub learned: Phase,
    /// The phase of the global minimum of the exact loss, and of the
    /// cheapest of the paper's three candidate solutions.
    pub predicted: Phase,
    pub candidates: Phase,
    pub agrees: bool,
    /// The kept model's exact expected loss, and the global minimum's.
    pub loss: f64,
    pub predicted_loss: f64,
    /// The global minimum's weights and biases.
    pub predicted_w: [f64; 2],
    pub predicted_b: [f64; 2],
}

impl Report {
    /// The size of the small absolute-value model (for the initial scale).
    pub fn abs_small_spec(&self) -> Spec {
        Spec::new(Kind::AbsValue, self.abs_small.n, self.abs_small.d)
    }
}

/// The predicted phase on a `steps` × `steps` grid, evenly spaced in log₁₀ r
/// and log₁₀ p over the given ranges; row j (density) by column i (importance).
#[derive(Debug, Clone, Serialize)]
pub struct TheoryGrid {
    pub log_r: (f64, f64),
    pub log_p: (f64, f64),
    pub steps: usize,
    /// The phase of the global minimum, and of the three-candidate picture.
    pub phases: Vec<Phase>,
    pub candidates: Vec<Phase>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhaseDiagram {
    pub cells: Vec<Cell>,
    /// The predicted phase on a fine grid.
    pub theory: TheoryGrid,
    /// Cells whose learned phase is the predicted one.
    pub agree: usize,
    /// Cells that disagree and whose loss is above the predicted one by more
    /// than 1% (stuck in a worse solution: a local minimum of training).
    pub stuck: usize,
    /// The smallest ratio of a learned loss to the global minimum (below 1
    /// would mean the search missed a better solution).
    pub min_loss_ratio: f64,
    /// Fine-grid points where the three-candidate picture and the global
    /// minimum name different phases.
    pub candidates_differ: usize,
    /// Dense, equally important features (p = r = 1): the global minimum,
    /// which none of the three candidates is.
    pub dense_optimum: phase::Prediction,
}

/// Everything Chapter 4 (part 1) computes.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub config: Config,
    pub pentagon: Vec<Model>,
    pub gram: Vec<Model>,
    pub linear: Vec<Model>,
    pub geometry: Vec<Model>,
    pub phase: PhaseDiagram,
    /// Part 2: the privileged-basis models, the two absolute-value models,
    /// and one polysemantic neuron up close.
    pub privileged: Vec<Model>,
    pub abs_small: Model,
    pub abs_large: Vec<Model>,
    pub up_close: Option<neurons_part::UpClose>,
    /// Features of the small |x| model served by a pair of monosemantic
    /// neurons, one for each sign.
    pub abs_small_pairs: usize,
    /// The small |x| model's output y₁ against x₁ on [−1, 1], the other
    /// features absent (for the figure).
    #[serde(skip)]
    pub abs_small_response: Vec<(f64, f64)>,
    /// The twenty-feature ReLU models' loss split by how many features are
    /// present, beside the construction's, one row per density.
    pub loss_parts: Vec<PartsRow>,
    /// Two features in one dimension, by how they occur together.
    pub correlated: Vec<CorrelatedRow>,
    /// Six features in two dimensions, watched while they train.
    pub dynamics: dynamics_part::Dynamics,
}

/// The kept model of one structure and density, beside the constructions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CorrelatedRow {
    pub structure: Structure,
    pub density: f32,
    /// The kept copy: W = (w₁, w₂), b, its arrangement and loss, and how
    /// many copies found that arrangement.
    pub w: [f32; 2],
    pub b: [f32; 2],
    pub arrangement: Arrangement,
    pub loss: f64,
    pub copies_found: usize,
    pub copies: usize,
    /// Each construction's loss, on the same evaluation samples.
    pub constructions: Vec<(Arrangement, f64)>,
}

impl CorrelatedRow {
    /// The cheapest construction.
    pub fn best_construction(&self) -> (Arrangement, f64) {
        self.constructions.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1)).expect("three constructions")
    }
}

/// Samples in each evaluation set of the correlated-feature models.
const CORRELATED_EVAL: usize = 100_000;
const CORRELATED_STREAM: u64 = 10 << 32;

/// Train `seeds` copies per structure and density; keep the lowest loss on
/// a fixed evaluation set, on which the constructions are scored too.
fn correlated_models(config: &Config) -> Vec<CorrelatedRow> {
    let settings: Vec<(Structure, f32)> = Structure::ALL
        .into_iter()
        .flat_map(|s| config.correlated_densities.iter().map(move |&p| (s, p)))
        .collect();
    let jobs: Vec<(usize, usize)> =
        (0..settings.len()).flat_map(|k| (0..config.seeds).map(move |r| (k, r))).collect();
    let key = |k: usize, r: usize| CORRELATED_STREAM + ((k as u64) << 8) + r as u64;
    let trained = crate::parallel::map(&jobs, |&(k, r)| {
        let (s, p) = settings[k];
        correlated::train(s, p, &config.train, &mut crate::rng::stream(config.seed, key(k, r)))
    });
    settings
        .iter()
        .enumerate()
        .map(|(k, &(structure, density))| {
            let mut x = vec![0.0; 2 * CORRELATED_EVAL];
            let mut rng = crate::rng::stream(config.seed, key(k, 255));
            correlated::sample(structure, density, &mut x, &mut rng);
            let copies = &trained[k * config.seeds..(k + 1) * config.seeds];
            let losses: Vec<f64> = copies.iter().map(|c| correlated::mean_loss(c, &x)).collect();
            let best = (0..copies.len()).min_by(|&a, &b| losses[a].total_cmp(&losses[b])).expect("a copy");
            let w = [copies[best][0], copies[best][1]];
            let arrangement = Arrangement::of(w, REPRESENTED as f32);
            CorrelatedRow {
                structure,
                density,
                w,
                b: [copies[best][2], copies[best][3]],
                arrangement,
                loss: losses[best],
                copies_found: copies
                    .iter()
                    .filter(|c| Arrangement::of([c[0], c[1]], REPRESENTED as f32) == arrangement)
                    .count(),
                copies: copies.len(),
                constructions: correlated::constructions(density)
                    .iter()
                    .map(|(a, c)| (*a, correlated::mean_loss(c, &x)))
                    .collect(),
            }
        })
        .collect()
}

/// One density's loss split ([`crate::toy::parts`]): the trained model and
/// the construction that represents the d most important features.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartsRow {
    pub density: f32,
    pub trained: LossParts,
    pub construction: LossParts,
    /// The loss of representing nothing (the scale of the figure).
    pub mean_only: f64,
}

/// Samples per conditional mean of the loss split.
const PARTS_SAMPLES: usize = 20_000;
const PARTS_STREAM: u64 = 9 << 32;

/// The loss split of each model of the twenty-feature ReLU sweep.
fn loss_parts(models: &[Model], seed: u64) -> Vec<PartsRow> {
    crate::parallel::map(models, |m| {
        let spec = Spec::new(m.kind, m.n, m.d);
        let imp = importance(m.n, GRAM_DECAY);
        let mut rng = crate::rng::stream(seed, PARTS_STREAM + m.density.to_bits() as u64);
        let params: Vec<f32> = m.w.iter().chain(&m.b).copied().collect();
        let built = known::construction_params(&spec, &imp, m.density);
        PartsRow {
            density: m.density,
            trained: parts::loss_parts(&spec, &params, &imp, m.density, PARTS_SAMPLES, &mut rng),
            construction: parts::loss_parts(&spec, &built, &imp, m.density, PARTS_SAMPLES, &mut rng),
            mean_only: m.mean_only,
        }
    })
}

/// The twenty-feature models' importance decay, I_i = 0.7^i.
const GRAM_DECAY: f32 = 0.7;

fn importance(n: usize, decay: f32) -> Vec<f32> {
    (0..n).map(|i| decay.powi(i as i32)).collect()
}

impl Model {
    /// The kept model's loss as a ratio to the known solution's (∞ when the
    /// construction is exact and the model is not).
    pub fn ratio(&self) -> f64 {
        if self.construction > 0.0 { self.loss / self.construction } else { f64::INFINITY }
    }

    /// A kept model at most as bad as the construction (within
    /// [`CONVERGED_MARGIN`]) has found at least the solution we can write
    /// down; a worse one is a failed optimisation, not a result. Where the
    /// construction is exact (loss 0), the model must come within
    /// [`EXACT_MARGIN`] of the mean-only loss of zero.
    pub fn converged(&self) -> bool {
        if self.construction > 0.0 {
            self.loss <= (1.0 + CONVERGED_MARGIN) * self.construction
        } else {
            self.loss <= EXACT_MARGIN * self.mean_only
        }
    }
}

/// How far above its construction a kept model may end and still count as
/// converged: the noise of a finite evaluation set, not a worse solution.
pub const CONVERGED_MARGIN: f64 = 0.01;

/// Above an exact construction: a model whose loss is below this share of
/// the mean-only loss is exact up to training noise.
pub const EXACT_MARGIN: f64 = 1e-3;

fn model(job: &Job, train: &TrainConfig, seed: u64, best: Best) -> Model {
    let (spec, density) = (job.spec, job.density);
    let (n, d) = (spec.n, spec.d);
    let params = &best.model.params;
    let w = params[..d * n].to_vec();
    let (w_out, b) = if spec.kind.tied() {
        (Vec::new(), params[d * n..].to_vec())
    } else {
        (params[d * n..2 * d * n].to_vec(), params[2 * d * n..].to_vec())
    };
    let neurons = if spec.kind.hidden_relu() { neurons(&w, d, n, spec.kind.signed()) } else { Vec::new() };
    let features = analysis::features(&w, n);
    let gram = analysis::gram(&w, n);
    Model {
        kind: spec.kind,
        n,
        d,
        density,
        represented: analysis::represented(&features),
        max_cos: analysis::max_abs_cos_represented(&w, n),
        smallest_angle: analysis::smallest_angle_represented(&w, n),
        dims_per_feature: analysis::dimensions_per_feature(&w, d),
        groups: analysis::groups(&w, n, GROUP_LINK),
        b,
        w_out,
        neurons,
        w,
        loss: best.model.eval_loss,
        seed_losses: best.seed_losses,
        construction: construction_loss(job, train, seed),
        mean_only: known::mean_only_loss(&job.importance, density),
        features,
        gram,
    }
}

/// The chapter's experiments. Each names the random streams of its models
/// (group `e as u64` of [`group_stream`]), and the report takes each
/// experiment's models back by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Experiment {
    Pentagon = 1,
    Gram,
    Linear,
    Geometry,
    Phase,
    Privileged,
    AbsSmall,
    AbsLarge,
}

/// Every setting the chapter trains, experiment by experiment (the large
/// |x| models with their first copies: [`more_copies_until_known`] adds more).
fn settings(config: &Config) -> Vec<(Experiment, Setting)> {
    use Experiment::*;
    let seeds = config.seeds;
    let mut settings: Vec<(Experiment, Setting)> = Vec::new();
    let mut push = |e: Experiment, spec: Spec, density: f32, importance: Vec<f32>, seeds: usize| {
        let index = settings.iter().filter(|(other, _)| *other == e).count() as u64;
        let stream = group_stream(e as u64, index);
        let (init, train) = if spec.kind == Kind::AbsValue {
            (config.abs_init, config.abs_train)
        } else {
            (Init::Xavier, config.train)
        };
        let job = Job { spec, density, importance, init, stream };
        settings.push((e, Setting { job, train, seeds }));
    };
    let relu = |n, m| Spec::new(Kind::ReluOutput, n, m);
    for &p in &config.pentagon_densities {
        push(Pentagon, relu(5, 2), p, importance(5, 0.9), seeds);
    }
    for &p in &config.gram_densities {
        push(Gram, relu(20, 5), p, importance(20, GRAM_DECAY), seeds);
    }
    for &p in &config.linear_densities {
        push(Linear, Spec::new(Kind::Linear, 20, 5), p, importance(20, GRAM_DECAY), seeds);
    }
    for &p in &config.geometry_densities {
        let (n, d) = (config.geometry_n, config.geometry_d);
        push(Geometry, relu(n, d), p, vec![1.0; n], 1);
    }
    for &p in &config.phase_densities {
        for &r in &config.phase_importances {
            push(Phase, relu(2, 1), p, vec![1.0, r], seeds);
        }
    }
    for &p in &config.privileged_densities {
        push(Privileged, Spec::new(Kind::HiddenRelu, 10, 5), p, importance(10, 0.75), seeds);
    }
    let abs_small = Spec::new(Kind::AbsValue, 3, 6);
    push(AbsSmall, abs_small, config.abs_small_density, vec![1.0; 3], seeds);
    for &p in &config.abs_densities {
        // Two copies first; more only where both miss the construction (below).
        let first = ABS_FIRST_COPIES.min(config.abs_seeds);
        push(AbsLarge, Spec::new(Kind::AbsValue, 100, 40), p, importance(100, 0.8), first);
    }
    settings
}

/// About how many bytes the run holds at its peak: every model's job and
/// parameters (all copies are kept until the best is chosen), and each
/// core's batches and workspace.
pub fn memory_bytes(config: &Config) -> f64 {
    let models: f64 = settings(config)
        .iter()
        .map(|(_, s)| s.seeds as f64 * (256.0 + 12.0 * (s.job.spec.param_count() + s.job.spec.n) as f64))
        .sum();
    let per_core = |t: &TrainConfig, n: usize| 4.0 * (t.batch.max(t.eval_samples) * n) as f64 * 8.0;
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get()) as f64;
    models + cores * per_core(&config.train, config.geometry_n.max(100))
}

/// The work of the run, in weight-sample-steps (each costs about one
/// multiply-add): the same measure the trainer uses to start the costliest
/// models first.
pub fn work(config: &Config) -> f64 {
    settings(config)
        .iter()
        .map(|(_, s)| {
            let samples = s.seeds as f64 * s.train.steps as f64 * s.train.batch as f64;
            samples * (s.job.spec.param_count() + s.job.spec.n) as f64
        })
        .sum()
}

/// Train every model of the chapter (all experiments share the cores) and
/// measure them.
pub fn run(config: &Config, progress: &dyn Progress) -> Report {
    let (experiments, settings): (Vec<Experiment>, Vec<Setting>) = settings(config).into_iter().unzip();
    let total: u64 = settings.iter().map(|s| (s.seeds * s.train.steps) as u64).sum();
    progress.start(total, "ch4: training toy models");
    // Two features in one dimension: rank copies by their exact expected loss
    // (at density 0.01 a sampled loss sees "both present" a few times at best).
    let exact = |job: &Job, t: &crate::toy::Trained| -> f64 {
        if (job.spec.n, job.spec.d) == (2, 1) {
            let (w, b) = (&t.params[..2], &t.params[2..]);
            let f = |v: &[f32]| [v[0] as f64, v[1] as f64];
            phase::expected_loss(f(w), f(b), job.importance[1] as f64, job.density as f64)
        } else {
            t.eval_loss
        }
    };
    let on_steps = |k| progress.advance(k);
    let mut best = train_best_of(&settings, config.seed, &on_steps, Some(&exact));
    // The experiments trained with one or two copies first get more where
    // those miss their construction.
    let copies: Vec<usize> = experiments
        .iter()
        .zip(&settings)
        .map(|(e, s)| match e {
            Experiment::Geometry => config.seeds,
            Experiment::AbsLarge => config.abs_seeds,
            _ => s.seeds,
        })
        .collect();
    more_copies_until_known(&settings, &mut best, &copies, config.seed, &on_steps);
    progress.finish();

    // Each experiment's models, by name.
    let mut models: BTreeMap<Experiment, Vec<Model>> = BTreeMap::new();
    for ((e, s), b) in experiments.into_iter().zip(&settings).zip(best) {
        models.entry(e).or_default().push(model(&s.job, &s.train, config.seed, b));
    }
    let mut take = |e: Experiment| models.remove(&e).unwrap_or_default();
    let pentagon = take(Experiment::Pentagon);
    let gram = take(Experiment::Gram);
    let linear = take(Experiment::Linear);
    let geometry = take(Experiment::Geometry);
    let phase_models = take(Experiment::Phase);
    let privileged = take(Experiment::Privileged);
    let abs_small = take(Experiment::AbsSmall).pop().expect("the small absolute-value model");
    let abs_large = take(Experiment::AbsLarge);
    let up_close = neurons_part::up_close(&abs_large);
    let abs_small_pairs = neurons_part::paired_features(&abs_small);
    let abs_small_response = neurons_part::response_curve(&abs_small, 0);
    let loss_parts = loss_parts(&gram, config.seed);
    let correlated = correlated_models(config);
    let dynamics = dynamics_part::run(config);
    Report {
        dynamics,
        config: config.clone(),
        loss_parts,
        correlated,
        privileged,
        abs_small,
        abs_large,
        up_close,
        abs_small_pairs,
        abs_small_response,
        pentagon,
        gram,
        linear,
        geometry,
        phase: phase_diagram(config, &phase_models),
    }
}

/// The loss of a setting's known solution on its evaluation set.
fn construction_loss(job: &Job, train: &TrainConfig, seed: u64) -> f64 {
    let params = known::construction_params(&job.spec, &job.importance, job.density);
    evaluate(job, &params, train.eval_samples, seed)
}

// ANCHOR: more_copies
/// After its first copies, copy r < `copies[k]` of setting k (stream
/// (stream << 8) + r, as in `train_best_of`) trains only where every earlier
/// copy ends above the construction; each round trains every copy now due.
fn more_copies_until_known(
    settings: &[Setting],
    best: &mut [Best],
    copies: &[usize],
    seed: u64,
    on_steps: &(dyn Fn(u64) + Sync),
) {
    let margin = 1.0 + CONVERGED_MARGIN;
    let mut next = Vec::new(); // (setting, its next copy, the loss it must reach)
    for (k, s) in settings.iter().enumerate().filter(|&(k, s)| copies[k] > s.seeds) {
        next.push((k, s.seeds, margin * construction_loss(&s.job, &s.train, seed)));
    }
    loop {
        next.retain(|&(k, r, loss)| r < copies[k] && best[k].model.eval_loss > loss);
        if next.is_empty() {
            return;
        }
        let jobs: Vec<_> = next.iter().map(|n| settings[n.0].copy(n.1)).collect();
        for (next, t) in next.iter_mut().zip(train_pairs(&jobs, seed, on_steps)) {
            let best = &mut best[next.0];
            best.seed_losses.push(t.eval_loss);
            if t.eval_loss < best.model.eval_loss {
                best.model = t;
            }
            next.1 += 1;
        }
    }
}
// ANCHOR_END: more_copies

/// Classify each N = 2, d = 1 model and compare with the predicted phase.
fn phase_diagram(config: &Config, models: &[Model]) -> PhaseDiagram {
    let mut cells = Vec::new();
    let mut k = 0;
    for &p in &config.phase_densities {
        for &r in &config.phase_importances {
            let m = &models[k];
            k += 1;
            let learned = phase::classify(m.w[0] as f64, m.w[1] as f64, REPRESENTED);
            let prediction = phase::predict(p as f64, r as f64);
            cells.push(Cell {
                importance: r,
                density: p,
                w: [m.w[0], m.w[1]],
                b: [m.b[0], m.b[1]],
                learned,
                predicted: prediction.phase,
                candidates: prediction.candidates.phase,
                agrees: phase::agrees(learned, &prediction, r as f64, PHASE_TOLERANCE),
                loss: m.seed_losses.iter().copied().fold(f64::INFINITY, f64::min),
                predicted_loss: prediction.loss,
                predicted_w: prediction.w,
                predicted_b: prediction.b,
            });
        }
    }
    let agree = cells.iter().filter(|c| c.agrees).count();
    let stuck = cells.iter().filter(|c| !c.agrees && c.loss > 1.01 * c.predicted_loss).count();
    let min_loss_ratio = cells.iter().map(|c| c.loss / c.predicted_loss).fold(f64::INFINITY, f64::min);
    // The predicted phase on a finer grid, for the boundary in the figure.
    let span = |v: &[f32]| {
        let logs: Vec<f64> = v.iter().map(|&x| (x as f64).log10()).collect();
        (
            logs.iter().copied().fold(f64::INFINITY, f64::min),
            logs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
    };
    let (r_range, p_range) = (span(&config.phase_importances), span(&config.phase_densities));
    let steps = config.theory_grid;
    let at = |(lo, hi): (f64, f64), k: usize| lo + (hi - lo) * k as f64 / (steps - 1).max(1) as f64;
    let points: Vec<(f64, f64)> =
        (0..steps).flat_map(|j| (0..steps).map(move |i| (at(r_range, i), at(p_range, j)))).collect();
    let predictions =
        crate::parallel::map(&points, |&(log_r, log_p)| phase::predict(10f64.powf(log_p), 10f64.powf(log_r)));
    let phases: Vec<Phase> = predictions.iter().map(|p| p.phase).collect();
    let candidates: Vec<Phase> = predictions.iter().map(|p| p.candidates.phase).collect();
    let candidates_differ = phases.iter().zip(&candidates).filter(|(a, b)| a != b).count();
    let theory = TheoryGrid { log_r: r_range, log_p: p_range, steps, phases, candidates };
    let dense_optimum = phase::predict(1.0, 1.0);
    PhaseDiagram { cells, theory, agree, stuck, min_loss_ratio, candidates_differ, dense_optimum }
}

/// Chapter 4, in the shape every chapter has (see [`crate::chapters`]).
pub struct Ch4;

impl Chapter for Ch4 {
    const NAME: &'static str = "ch4_polysemantic";
    const ID: &'static str = "ch4";
    const DIGITS: i32 = 6;
    const BOOK_SECONDS: f64 = 98.0;
    type Config = Config;
    type Report = Report;

    fn validate(config: &Config) -> Result<(), String> {
        config.validate()
    }
    fn memory_bytes(config: &Config) -> Option<f64> {
        Some(memory_bytes(config))
    }
    fn work(config: &Config) -> Option<f64> {
        Some(work(config))
    }
    fn run(config: &Config, progress: &dyn Progress) -> Report {
        run(config, progress)
    }
    fn write(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
        figures(report, dirs, numbers)?;
        parts_figure::figure(report, dirs, numbers)?;
        correlated_table::table(report, dirs, numbers)?;
        dynamics_figure::figure(report, dirs, numbers)?;
        neuron_figures::figures(report, dirs, numbers)
    }
    /// The report without the weight matrices' bulk (they are in the figures).
    fn json(report: &Report) -> serde_json::Value {
        rounded_json(&summary(report), Self::DIGITS)
    }
}

/// The report without the weight matrices' bulk (they are in the figures).
#[derive(Serialize, Deserialize)]
pub struct Summary {
    pub config: Config,
    pub pentagon: Vec<ModelSummary>,
    pub gram: Vec<ModelSummary>,
    pub linear: Vec<ModelSummary>,
    pub geometry: Vec<ModelSummary>,
    pub phase_cells: usize,
    pub phase_agree: usize,
    pub phase_stuck: usize,
    pub phase_min_loss_ratio: f64,
    pub phase_candidates_differ: usize,
    /// (r, density, learned, predicted, the three candidates' phase, exact
    /// learned loss, the global minimum)
    pub phase: Vec<(f32, f32, Phase, Phase, Phase, f64, f64)>,
    pub privileged: Vec<ModelSummary>,
    pub abs_small: ModelSummary,
    pub abs_large: Vec<ModelSummary>,
    pub up_close: Option<neurons_part::UpClose>,
    pub abs_small_pairs: usize,
    pub phase_dense_optimum: phase::Prediction,
    pub loss_parts: Vec<PartsRow>,
    pub correlated: Vec<CorrelatedRow>,
    pub dynamics: dynamics_part::Dynamics,
}

#[derive(Serialize, Deserialize)]
pub struct ModelSummary {
    pub kind: Kind,
    pub density: f32,
    pub loss: f64,
    pub seed_losses: Vec<f64>,
    /// The known solution's loss on the same samples, and whether the kept
    /// model is at most as bad (see [`Model::converged`]).
    pub construction: f64,
    pub converged: bool,
    pub represented: usize,
    pub max_cos: f64,
    pub smallest_angle: f64,
    pub dims_per_feature: f64,
    pub groups: Vec<(usize, usize, usize)>,
    pub norms: Vec<f64>,
    /// (monosemantic, polysemantic, dead) hidden neurons.
    pub neurons: (usize, usize, usize),
}

fn model_summary(m: &Model) -> ModelSummary {
    ModelSummary {
        kind: m.kind,
        density: m.density,
        loss: m.loss,
        seed_losses: m.seed_losses.clone(),
        construction: m.construction,
        converged: m.converged(),
        represented: m.represented,
        max_cos: m.max_cos,
        smallest_angle: m.smallest_angle,
        dims_per_feature: m.dims_per_feature,
        groups: m.groups.clone(),
        neurons: crate::toy::neurons::count(&m.neurons),
        norms: m.features.norm.clone(),
    }
}

pub fn summary(r: &Report) -> Summary {
    let all = |v: &[Model]| v.iter().map(model_summary).collect();
    Summary {
        config: r.config.clone(),
        pentagon: all(&r.pentagon),
        gram: all(&r.gram),
        linear: all(&r.linear),
        geometry: all(&r.geometry),
        phase_cells: r.phase.cells.len(),
        phase_agree: r.phase.agree,
        phase_stuck: r.phase.stuck,
        phase_min_loss_ratio: r.phase.min_loss_ratio,
        phase_candidates_differ: r.phase.candidates_differ,
        phase: r
            .phase
            .cells
            .iter()
            .map(|c| {
                (c.importance, c.density, c.learned, c.predicted, c.candidates, c.loss, c.predicted_loss)
            })
            .collect(),
        privileged: all(&r.privileged),
        abs_small: model_summary(&r.abs_small),
        abs_large: all(&r.abs_large),
        up_close: r.up_close.clone(),
        abs_small_pairs: r.abs_small_pairs,
        phase_dense_optimum: r.phase.dense_optimum,
        loss_parts: r.loss_parts.clone(),
        correlated: r.correlated.clone(),
        dynamics: r.dynamics.clone(),
    }
}

/// The number of optimiser steps the run trained, over all copies of all models.
pub fn trained_steps(report: &Report) -> usize {
    let r = report;
    let copies = |v: &[Model]| v.iter().map(|m| m.seed_losses.len()).sum::<usize>();
    let reference = copies(&r.pentagon)
        + copies(&r.gram)
        + copies(&r.linear)
        + copies(&r.geometry)
        + r.phase.cells.len() * r.config.seeds
        + copies(&r.privileged);
    let abs = r.abs_small.seed_losses.len() + copies(&r.abs_large);
    let dy = &r.dynamics;
    let dynamics = dy.copies.len() + dy.watched.len() + dy.from_polygons.len();
    (reference + dynamics) * r.config.train.steps + abs * r.config.abs_train.steps
}
