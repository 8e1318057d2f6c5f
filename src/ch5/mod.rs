//! Chapter 5 — Sparse autoencoders: train SAEs on data whose true features
//! are known, and measure how many of the features come back.
//!
//! 1. A sweep over the L1 coefficient λ and the dictionary size M: MMCS and
//!    recovery against λ, per M.
//! 2. TopK SAEs (L0 fixed to k) beside the L1 runs: the L0–FVU frontier.
//! 3. Dead latents during training: without repair, resampled, and with
//!    the auxiliary loss AuxK.
//! 4. Reconstruction is not recovery: a small λ reconstructs almost
//!    perfectly and recovers almost nothing.
//! 5. Choosing λ and k without the truth: the knee of FVU against L0 and
//!    the agreement between dictionaries of neighbouring sizes.
//! 6. Features that fire in pairs.
//! 7. Features inside features: splitting and absorption on hierarchical
//!    truths.
//! 8. Closing the loop: SAEs on the hidden activations of Chapter 4's toy
//!    models, against the columns of W.

mod choosing;
mod coding;
mod figures;
pub mod hierarchy;
mod hierarchy_report;
mod jobs;
mod paired;
mod tables;
mod toy_loop;

use crate::chapters::Chapter;
use crate::optim::AdamConfig;
use crate::output::{Numbers, OutDirs};
use crate::progress::Progress;
use crate::rng::DEFAULT_SEED;
use crate::sae::auxk::AuxK;
use crate::sae::coding::LearnConfig;
use crate::sae::data::{Batch, GroundTruth, TruthConfig};
use crate::sae::hierarchy::{FamiliesConfig, ImplicationsConfig};
use crate::sae::known;
use crate::sae::metrics::{Metrics, cosine, cosines};
use crate::sae::model::{Activation, Sae};
use crate::sae::train::{Resample, SaeTrainConfig};
pub use hierarchy::HierarchyConfig;
use jobs::{Part, Sources};
pub use paired::Paired;
use serde::{Deserialize, Serialize};

/// A trained SAE whose objective exceeds the truth SAE's by more than this
/// share has not found a solution as good as the known one.
pub const KNOWN_MARGIN: f64 = 0.01;
pub use toy_loop::{Loop, LoopConfig};

/// Everything the chapter computes is fixed by this configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub seed: u64,
    pub truth: TruthConfig,
    /// Dictionary sizes M of the λ sweep.
    pub sizes: Vec<usize>,
    /// L1 coefficients λ of the sweep.
    pub l1s: Vec<f32>,
    /// k of the TopK runs (at `main_size`).
    pub topks: Vec<usize>,
    /// λ of the JumpReLU runs (at `main_size`; the L0 penalty).
    pub jump_l1s: Vec<f32>,
    /// The dictionary size of the frontier, the TopK runs, the heatmaps and
    /// the paired-feature run.
    pub main_size: usize,
    /// The λ of the heatmap, the resampling runs and the closing loop.
    pub good_l1: f32,
    /// The small λ of "reconstruction is not recovery".
    pub low_l1: f32,
    /// The TopK SAE trained with and without resampling: k and M.
    pub dead_topk: usize,
    pub dead_size: usize,
    /// Resampled TopK latents start with this × the live encoder rows' mean
    /// norm (a new latent must beat the k largest to fire at all).
    pub topk_encoder_scale: f32,
    /// P(feature 2k + 1 fires | feature 2k fires) in the paired-feature run.
    pub pair_correlation: f64,
    /// Training of every SAE (`resample` is set per run).
    pub train: SaeTrainConfig,
    pub resample: Resample,
    /// The auxiliary loss of the TopK run on dead latents (Gao et al.: k
    /// near d/2, α = 1/32).
    pub auxk: AuxK,
    pub eval_samples: usize,
    /// The samples (the first of the evaluation set) and FISTA steps of the
    /// amortisation gap.
    pub coding_samples: usize,
    pub coding_iterations: usize,
    /// Dictionary learning with the best codes, from each toy's SAE.
    pub learn: LearnConfig,
    /// Feature splitting and absorption.
    pub hierarchy: HierarchyConfig,
    /// Training steps of the Chapter 4 toy models.
    pub toy_steps: usize,
    pub loops: Vec<LoopConfig>,
}

impl Default for Config {
    /// The book's configuration: d = 64, N = 128 (the published ratio N = 2d
    /// at a quarter of the size), about 5 features per sample.
    fn default() -> Self {
        Config {
            seed: DEFAULT_SEED,
            truth: TruthConfig { d: 64, n: 128, mean_active: 5.0, decay: 0.99, pair_correlation: 0.0 },
            sizes: vec![64, 128, 256, 512],
            l1s: vec![0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
            topks: vec![1, 2, 3, 5, 8, 12, 20],
            jump_l1s: vec![0.003, 0.01, 0.03, 0.1],
            main_size: 256,
            good_l1: 0.1,
            low_l1: 0.01,
            dead_topk: 5,
            dead_size: 128,
            topk_encoder_scale: 1.0,
            pair_correlation: 0.9,
            train: SaeTrainConfig {
                steps: 6000,
                batch: 256,
                adam: AdamConfig::adam(1e-3),
                dead_window: 500,
                resample: None,
                auxk: None,
            },
            resample: Resample { at_steps: vec![1500, 3000, 4500], candidates: 8192, encoder_scale: 0.2 },
            auxk: AuxK { k: 32, coef: 1.0 / 32.0 },
            eval_samples: 8192,
            coding_samples: 1024,
            coding_iterations: 300,
            learn: LearnConfig { steps: 500, batch: 256, coding_steps: 150, adam: AdamConfig::adam(1e-3) },
            hierarchy: HierarchyConfig {
                families: FamiliesConfig { d: 64, families: 16, children: 4, rate: 0.25, sibling_cos: 0.5 },
                split_sizes: vec![16, 32, 64, 128],
                implications: ImplicationsConfig {
                    d: 64,
                    pairs: 32,
                    rate: 0.1,
                    given_general: 0.5,
                    implication: 1.0,
                    coupled: false,
                },
                strengths: vec![0.5, 0.75, 0.9, 1.0],
            },
            toy_steps: 10_000,
            loops: vec![
                LoopConfig { n: 5, d: 2, density: 0.05, importance_decay: 0.9, latents: 10 },
                LoopConfig { n: 20, d: 5, density: 0.02, importance_decay: 1.0, latents: 40 },
            ],
        }
    }
}

impl Config {
    /// A small configuration that runs in seconds (for tests and `--quick`).
    pub fn quick() -> Self {
        let d = Config::default();
        Config {
            truth: TruthConfig { d: 16, n: 32, ..d.truth },
            sizes: vec![16, 32, 64],
            l1s: vec![0.01, 0.1, 0.3],
            topks: vec![2, 5],
            jump_l1s: vec![0.01],
            main_size: 64,
            dead_size: 32,
            train: SaeTrainConfig { steps: 600, batch: 128, dead_window: 100, ..d.train },
            resample: Resample { at_steps: vec![300], ..d.resample },
            auxk: AuxK { k: 8, ..d.auxk },
            eval_samples: 2048,
            coding_samples: 256,
            coding_iterations: 100,
            learn: LearnConfig { steps: 50, ..d.learn },
            hierarchy: HierarchyConfig {
                families: FamiliesConfig { d: 16, families: 4, ..d.hierarchy.families },
                split_sizes: vec![4, 8, 16, 32],
                implications: ImplicationsConfig { d: 16, pairs: 8, ..d.hierarchy.implications },
                strengths: vec![0.5, 1.0],
            },
            // The toy models keep the reference steps: they are small, and
            // with fewer the rarest of the five features may not have grown.
            ..d
        }
    }

    /// The published size (d = 256, N = 512), behind `--large`.
    pub fn large() -> Self {
        let d = Config::default();
        Config {
            truth: TruthConfig { d: 256, n: 512, ..d.truth },
            sizes: vec![256, 512, 1024],
            main_size: 1024,
            dead_size: 512,
            hierarchy: HierarchyConfig {
                families: FamiliesConfig { d: 256, families: 64, ..d.hierarchy.families },
                split_sizes: vec![64, 128, 256, 512],
                implications: ImplicationsConfig { d: 256, pairs: 128, ..d.hierarchy.implications },
                ..d.hierarchy.clone()
            },
            ..d
        }
    }

    /// Train for `steps` steps, with resampling and the dead-latent window at
    /// the same fractions of training as before.
    pub fn set_steps(&mut self, steps: usize) {
        let old = self.train.steps.max(1);
        self.resample.at_steps =
            self.resample.at_steps.iter().map(|s| (s * steps / old).max(1)).filter(|&s| s < steps).collect();
        self.train.dead_window = (self.train.dead_window * steps / old).max(1);
        self.train.steps = steps;
    }

    pub fn validate(&self) -> Result<(), String> {
        let t = &self.truth;
        if t.d == 0 || t.n < 2 {
            return Err(format!("the ground truth needs d ≥ 1 and N ≥ 2, got d = {}, N = {}", t.d, t.n));
        }
        if !(t.mean_active > 0.0 && t.mean_active <= t.n as f64) {
            return Err(format!(
                "the mean number of active features must be in (0, G], got {}",
                t.mean_active
            ));
        }
        if !(t.decay > 0.0 && t.decay <= 1.0) {
            return Err(format!("the decay must be in (0, 1], got {}", t.decay));
        }
        if !(0.0..=1.0).contains(&self.pair_correlation) {
            return Err(format!("the pair correlation must be in [0, 1], got {}", self.pair_correlation));
        }
        if self.train.steps == 0
            || self.train.batch == 0
            || self.eval_samples == 0
            || self.toy_steps == 0
            || self.coding_samples == 0
        {
            return Err("steps, batch, evaluation and coding samples must be at least 1".into());
        }
        if self.sizes.is_empty() || self.sizes.contains(&0) {
            return Err("the dictionary sizes must be at least 1".into());
        }
        if !self.sizes.contains(&self.main_size) {
            return Err(format!("the main dictionary size {} must be one of the sizes", self.main_size));
        }
        if let Some(l) = self.l1s.iter().chain(&self.jump_l1s).find(|l| !(l.is_finite() && **l >= 0.0)) {
            return Err(format!("L1 coefficients must be ≥ 0, got {l}"));
        }
        for l in [self.good_l1, self.low_l1] {
            if !self.l1s.contains(&l) {
                return Err(format!("λ = {l} must be one of the swept coefficients"));
            }
        }
        if self
            .topks
            .iter()
            .chain([&self.dead_topk])
            .any(|&k| k == 0 || k > self.main_size.min(self.dead_size))
        {
            return Err("every k must be in 1..=M".into());
        }
        if !self.topks.contains(&self.dead_topk) {
            return Err(format!("the resampled k = {} must be one of the TopK runs", self.dead_topk));
        }
        if self.resample.at_steps.iter().any(|&s| s == 0 || s >= self.train.steps) {
            return Err("resampling steps must lie inside the training".into());
        }
        if self.auxk.k == 0 || !(self.auxk.coef.is_finite() && self.auxk.coef >= 0.0) {
            return Err("the auxiliary loss needs k ≥ 1 and a weight ≥ 0".into());
        }
        self.hierarchy.validate()
    }

    /// How many SAEs the chapter trains (the toy models not counted).
    pub fn sae_runs(&self) -> usize {
        let hierarchy = self.hierarchy.split_sizes.len() + 2 * self.hierarchy.strengths.len();
        let fixed = 4 + 1 + self.loops.len() + self.jump_l1s.len();
        self.sizes.len() * self.l1s.len() + self.topks.len() + fixed + hierarchy
    }
}

/// One trained SAE and its measurements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub m: usize,
    pub activation: Activation,
    pub l1: f32,
    pub resample: bool,
    /// Trained with the auxiliary loss on dead latents.
    pub auxk: bool,
    pub metrics: Metrics,
    /// Latents resampled at each resampling step.
    pub resampled: Vec<usize>,
    /// (step, dead latents over the last `dead_window` steps).
    #[serde(skip)]
    pub dead_curve: Vec<(usize, usize)>,
    /// Dead latents over the last `dead_window` steps of training.
    pub dead_at_end: usize,
    /// (step, share of the true features recovered), at the steps of
    /// `dead_curve`, for the runs on dead latents.
    #[serde(skip)]
    pub recovery_curve: Vec<(usize, f64)>,
    /// JumpReLU: the mean threshold θ of the latents matched to recovered
    /// features.
    pub threshold: Option<f64>,
}

impl Run {
    /// How it fought dead latents: "none", "resampling" or "AuxK".
    pub fn repair(&self) -> &'static str {
        match (self.resample, self.auxk) {
            (true, _) => "resampling",
            (false, true) => "AuxK",
            (false, false) => "none",
        }
    }

    /// "L1, λ = 0.1" or "TopK, k = 5", for tables and legends.
    pub fn label(&self) -> String {
        match self.activation {
            Activation::Relu => format!("L1, λ = {}", self.l1),
            Activation::TopK(k) => format!("TopK, k = {k}"),
            Activation::JumpRelu => format!("JumpReLU, λ = {}", self.l1),
        }
    }
}

/// Heatmap cells with |cos| below this are left white: random directions in
/// d = 64 dimensions have |cos| ≈ 0.1, and drawing every cell of a 128 × 256
/// map would make a figure of several megabytes. (The text says so.)
pub const HEAT_FLOOR: f64 = 0.3;

/// The ground truth as the chapter describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthSummary {
    pub p_first: f64,
    pub p_last: f64,
    /// Measured on the evaluation set.
    pub mean_active: f64,
    /// The largest |cos| between two true features.
    pub max_cos: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub config: Config,
    pub truth: TruthSummary,
    /// sizes × λ, size-major.
    pub sweep: Vec<Run>,
    pub topk: Vec<Run>,
    /// The SAE built from the truth, tuned to each objective: one per λ of
    /// the sweep, then one per TopK k.
    pub known: Vec<known::TruthSae>,
    /// L1 at the largest size, resampled; TopK at `dead_size` without
    /// repair, resampled, and with the auxiliary loss.
    pub resampled: Vec<Run>,
    pub paired: Paired,
    pub loops: Vec<Loop>,
    /// The dictionary heatmaps: the well-tuned λ, then the low λ, at the
    /// main size.
    pub heatmaps: Vec<Heatmap>,
    /// λ and k chosen without the truth, on the sweep and the TopK runs.
    pub choosing: choosing::Choosing,
    /// The amortisation gap of the L1 SAEs at the main size.
    pub coding: Vec<coding::CodingRow>,
    /// Feature splitting and absorption.
    pub hierarchy: hierarchy::Hierarchy,
    /// The JumpReLU runs, in the order of `jump_l1s`.
    pub jump: Vec<Run>,
}

/// One SAE's dictionary against the true features: the cells of the N × M
/// cosine matrix with |cos| ≥ [`HEAT_FLOOR`], the latents sorted by the
/// feature they match best (a recovered dictionary shows as a diagonal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heatmap {
    pub m: usize,
    pub l1: f32,
    /// (true feature i, latent's place in the sorted order, cos(F_i, D_j));
    /// bulk for the figure, not kept in the JSON.
    #[serde(skip)]
    pub cells: Vec<(usize, usize, f64)>,
}

impl Heatmap {
    /// The cells of `sae`'s heatmap against `truth`.
    fn new(run: &Run, sae: &Sae, truth: &GroundTruth) -> Heatmap {
        let (n, m) = (truth.config.n, run.m);
        let cos = cosines(sae, truth);
        let order = latent_order(&cos, n, m);
        let cells = (0..n)
            .flat_map(|i| order.iter().enumerate().map(move |(place, &j)| (i, place, j)))
            .map(|(i, place, j)| (i, place, cos[i * m + j]))
            .filter(|c| c.2.abs() >= HEAT_FLOOR)
            .collect();
        Heatmap { m, l1: run.l1, cells }
    }
}

/// Latents ordered by the true feature they match best, then by that cosine
/// (highest first).
fn latent_order(cos: &[f64], n: usize, m: usize) -> Vec<usize> {
    let best: Vec<(usize, f64)> = (0..m)
        .map(|j| {
            (0..n)
                .map(|i| (i, cos[i * m + j]))
                .fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a })
        })
        .collect();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| best[a].0.cmp(&best[b].0).then(best[b].1.total_cmp(&best[a].1)).then(a.cmp(&b)));
    order
}

impl Report {
    /// The sweep run at size m and coefficient λ.
    pub fn sweep_run(&self, m: usize, l1: f32) -> &Run {
        self.sweep.iter().find(|r| r.m == m && r.l1 == l1).expect("a swept setting")
    }

    pub fn topk_run(&self, k: usize) -> &Run {
        self.topk.iter().find(|r| r.activation == Activation::TopK(k)).expect("a TopK setting")
    }
}

/// Train every SAE of the chapter and measure them.
pub fn run(config: &Config, progress: &dyn Progress) -> Report {
    let toys = toy_loop::train_toys(config);
    let sources = Sources::new(config, &toys);
    let jobs = jobs::jobs(config, &toys);
    let mut parts = jobs::train_jobs(&jobs, &sources, &toys, config, progress);
    let mut take = |part: Part| parts.remove(&part).unwrap_or_default();
    let hierarchy = hierarchy::analyse(config, &sources, take(Part::Split), take(Part::Absorb));
    let jump = take(Part::Jump).into_iter().map(|(r, _)| r).collect();
    let Sources { independent, paired: paired_truth, eval_independent, eval_paired, .. } = sources;
    let sweep = take(Part::Sweep);
    let topk = take(Part::TopK);
    let resampled = take(Part::Resampled);
    let paired_run = take(Part::Paired).pop().expect("the paired run");
    let loop_runs = take(Part::Loop);
    let heatmap = |l1: f32| {
        let (run, sae) =
            sweep.iter().find(|(r, _)| r.m == config.main_size && r.l1 == l1).expect("validated: swept");
        Heatmap::new(run, sae, &independent)
    };
    let heatmaps = vec![heatmap(config.good_l1), heatmap(config.low_l1)];
    let runs_only = |pairs: Vec<(Run, Sae)>| pairs.into_iter().map(|(r, _)| r).collect::<Vec<_>>();
    let topk = runs_only(topk);
    let choosing = choosing::analyse(&config.sizes, &config.l1s, &sweep, &topk);
    let coding = coding::analyse(config, &sweep, &independent, &eval_independent);
    let (_, main_sae) = sweep
        .iter()
        .find(|(r, _)| r.m == config.main_size && r.l1 == config.good_l1)
        .expect("validated: main size and good λ are swept");
    let paired = paired::analyse(paired_run, &paired_truth, &eval_paired, (main_sae, &eval_independent));
    let (sweep, resampled) = (runs_only(sweep), runs_only(resampled));

    // The known solution for every objective of the frontier: an SAE built
    // from the truth, its encoder scale and bias tuned to that objective.
    let objectives: Vec<(Activation, f32)> = config
        .l1s
        .iter()
        .map(|&l1| (Activation::Relu, l1))
        .chain(config.topks.iter().map(|&k| (Activation::TopK(k), 0.0)))
        .chain(config.jump_l1s.iter().map(|&l1| (Activation::JumpRelu, l1)))
        .collect();
    let known = crate::parallel::map(&objectives, |&(activation, l1)| {
        known::best_truth_sae(&independent, &eval_independent, activation, l1)
    });
    let indices: Vec<usize> = (0..toys.len()).collect();
    let learned =
        crate::parallel::map(&indices, |&i| toy_loop::learned(config, i, &toys[i], &loop_runs[i].1));
    let loops = toys
        .into_iter()
        .zip(loop_runs)
        .zip(&learned)
        .map(|((toy, (run, sae)), learned)| toy_loop::measure(toy, run, &sae, learned))
        .collect();
    Report {
        config: config.clone(),
        truth: truth_summary(&independent, &eval_independent),
        sweep,
        topk,
        known,
        resampled,
        paired,
        loops,
        heatmaps,
        choosing,
        coding,
        hierarchy,
        jump,
    }
}

fn truth_summary(truth: &GroundTruth, eval: &Batch) -> TruthSummary {
    let n = truth.config.n;
    let mut max_cos = 0.0f64;
    for i in 0..n {
        for j in 0..i {
            max_cos = max_cos.max(cosine(truth.feature(i), truth.feature(j)).abs());
        }
    }
    TruthSummary {
        p_first: truth.probs[0],
        p_last: truth.probs[n - 1],
        mean_active: eval.active.len() as f64 / eval.size as f64,
        max_cos,
    }
}

/// Chapter 5, in the shape every chapter has (see [`crate::chapters`]).
pub struct Ch5;

impl Chapter for Ch5 {
    const NAME: &'static str = "ch5_sae";
    const ID: &'static str = "ch5";
    const DIGITS: i32 = 6;
    const BOOK_SECONDS: f64 = 88.0;
    type Config = Config;
    type Report = Report;

    fn validate(config: &Config) -> Result<(), String> {
        config.validate()
    }
    fn work(config: &Config) -> Option<f64> {
        Some(work(config))
    }
    fn run(config: &Config, progress: &dyn Progress) -> Report {
        run(config, progress)
    }
    fn write(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
        figures::figures(report, dirs)?;
        tables::tables(report, dirs, numbers)?;
        choosing::tables(report, dirs, numbers)?;
        coding::table(report, dirs, numbers)?;
        hierarchy_report::write(report, dirs, numbers)
    }
}

/// Samples the chapter's SAEs train on, over all runs.
pub fn trained_samples(config: &Config) -> usize {
    config.sae_runs() * config.train.steps * config.train.batch
}

/// [`trained_samples`] as a float, for estimates (no overflow for any
/// number of steps).
pub fn work(config: &Config) -> f64 {
    config.sae_runs() as f64 * config.train.steps as f64 * config.train.batch as f64
}
