//! How Chapter 5 trains its SAEs: which data each trains on, the jobs
//! (one per SAE, each on its own random stream or a twin's), and training
//! them over the cores.

use super::toy_loop::Toy;
use super::{Config, Run};
use crate::progress::Progress;
use crate::rng::{group_stream, stream};
use crate::sae::data::{Batch, GroundTruth, Source, TruthConfig};
use crate::sae::hierarchy::{Families, Implications};
use crate::sae::metrics::{RECOVERED, cosines, evaluate};
use crate::sae::model::{Activation, Sae, SaeSpec};
use crate::sae::train::{DEAD_LOG_POINTS, Resample, SaeTrainConfig, train};
use std::collections::BTreeMap;

/// Which data an SAE is trained on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum On {
    Independent,
    Paired,
    Toy(usize),
    Families,
    /// The i-th of [`HierarchyConfig::implication_sets`].
    Implications(usize),
}

/// The chapter's groups of random draws (group `p as u64` of
/// [`group_stream`]); the SAEs are taken back by their part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Part {
    /// The ground truth's directions (the paired truth reuses them).
    Truth = 1,
    /// The fixed evaluation sets: independent, paired, then one per toy.
    Eval,
    /// The toy models of the loop (their copies on `stream · 256 + r`).
    Toys,
    Sweep,
    TopK,
    Resampled,
    Paired,
    Loop,
    /// Dictionary learning with the best codes, one stream per toy.
    Learn,
    /// Feature splitting, one stream per size.
    Split,
    /// Absorption: one stream, shared by every strength (only the data differ).
    Absorb,
    /// JumpReLU, on the initialisation and samples of the sweep's run at
    /// the main size and the chapter's λ.
    Jump,
}

/// How a run fights dead latents.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Repair {
    None,
    Resample,
    AuxK,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Job {
    pub(super) part: Part,
    pub(super) on: On,
    pub(super) spec: SaeSpec,
    pub(super) repair: Repair,
    /// The random stream (initialisation and samples): a resampled run shares
    /// its twin's, so that resampling is the only difference, and the paired
    /// run the independent run's it is compared with.
    pub(super) stream: u64,
}

/// Train one SAE on fresh samples from `source` and evaluate it on `eval`
/// against `truth`: its measurements, and the SAE for the analyses that follow.
fn train_run(job: &Job, data: Data<'_>, config: &Config, bar: &dyn Fn()) -> (Run, Sae) {
    let Data { source, truth, eval } = data;
    let mut rng = stream(config.seed, job.stream);
    let mut sae = Sae::new(job.spec, &mut rng);
    let mut probe = Batch::new(4096, job.spec.d);
    source.sample(&mut probe, &mut rng);
    sae.init_decoder_bias(&probe.x);
    let encoder_scale = match job.spec.activation {
        Activation::Relu | Activation::JumpRelu => config.resample.encoder_scale,
        Activation::TopK(_) => config.topk_encoder_scale,
    };
    let train_config = SaeTrainConfig {
        resample: (job.repair == Repair::Resample)
            .then(|| Resample { encoder_scale, ..config.resample.clone() }),
        auxk: (job.repair == Repair::AuxK).then_some(config.auxk),
        ..config.train.clone()
    };
    // The recovery during training, for the runs on dead latents, at the
    // steps where the dead latents are counted.
    let every = config.train.steps.div_ceil(DEAD_LOG_POINTS).max(1);
    let mut recovery_curve = Vec::new();
    let log = train(&mut sae, source, &train_config, &mut rng, |step, sae| {
        if (step + 1) % 100 == 0 {
            bar();
        }
        let logged = (step + 1).is_multiple_of(every) || step + 1 == config.train.steps;
        if job.part == Part::Resampled && logged {
            recovery_curve.push((step + 1, recovered_share(sae, truth)));
        }
    });
    let metrics = evaluate(&sae, truth, eval);
    let dead_at_end = log.dead.last().map_or(0, |&(_, d)| d);
    let run = Run {
        m: job.spec.m,
        activation: job.spec.activation,
        l1: job.spec.l1,
        resample: job.repair == Repair::Resample,
        auxk: job.repair == Repair::AuxK,
        metrics,
        resampled: log.resampled,
        dead_curve: log.dead,
        dead_at_end,
        recovery_curve,
        threshold: matched_threshold(&sae, truth),
    };
    (run, sae)
}

/// The mean JumpReLU threshold θ_j of the latents j whose decoder row is
/// some true feature's best match at cos > 0.9 (`None` for other SAEs, or
/// when no feature is recovered).
fn matched_threshold(sae: &Sae, truth: &GroundTruth) -> Option<f64> {
    let (n, m, lay) = (truth.config.n, sae.spec.m, sae.spec.layout());
    if sae.spec.activation != Activation::JumpRelu {
        return None;
    }
    let c = cosines(sae, truth);
    let matched: Vec<usize> = (0..n)
        .filter_map(|i| {
            let row = &c[i * m..(i + 1) * m];
            let (j, &best) = row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
            (best > RECOVERED).then_some(j)
        })
        .collect();
    let sum: f64 = matched.iter().map(|&j| (sae.params[lay.log_theta + j] as f64).exp()).sum();
    (!matched.is_empty()).then(|| sum / matched.len() as f64)
}

/// The share of the true features with a decoder row at cos > 0.9.
fn recovered_share(sae: &Sae, truth: &GroundTruth) -> f64 {
    let (n, m) = (truth.config.n, sae.spec.m);
    let c = cosines(sae, truth);
    let found = (0..n).filter(|&i| c[i * m..(i + 1) * m].iter().any(|&v| v > RECOVERED)).count();
    found as f64 / n as f64
}

/// What an SAE trains on: where its samples come from, the true features
/// they are measured against, and the fixed evaluation set.
#[derive(Clone, Copy)]
pub(super) struct Data<'a> {
    source: &'a dyn Source,
    truth: &'a GroundTruth,
    eval: &'a Batch,
}

/// The data the SAEs train on, each with its fixed evaluation set: the
/// independent and the paired ground truth (the same directions, firing in
/// pairs), the toy models' hidden layers, and the two hierarchies.
pub(super) struct Sources {
    pub(super) independent: GroundTruth,
    pub(super) paired: GroundTruth,
    pub(super) eval_independent: Batch,
    pub(super) eval_paired: Batch,
    pub(super) eval_toys: Vec<Batch>,
    pub(super) families: Families,
    pub(super) eval_families: Batch,
    /// One per [`HierarchyConfig::implication_sets`], on the same directions.
    pub(super) implications: Vec<Implications>,
    pub(super) eval_implications: Vec<Batch>,
}

impl Sources {
    pub(super) fn new(config: &Config, toys: &[Toy]) -> Sources {
        let t = config.truth;
        let truth_stream = |k: u64| stream(config.seed, group_stream(Part::Truth as u64, k));
        let independent = GroundTruth::new(t, &mut truth_stream(0));
        let paired_config = TruthConfig { pair_correlation: config.pair_correlation, ..t };
        let paired = GroundTruth::new(paired_config, &mut truth_stream(0));
        let eval_of = |source: &dyn Source, d: usize, index: u64| {
            let mut eval = Batch::new(config.eval_samples, d);
            source.sample(&mut eval, &mut stream(config.seed, group_stream(Part::Eval as u64, index)));
            eval
        };
        let eval_independent = eval_of(&independent, t.d, 0);
        let eval_paired = eval_of(&paired, t.d, 1);
        let eval_toys =
            toys.iter().enumerate().map(|(i, toy)| eval_of(&toy.truth, toy.config.d, 2 + i as u64)).collect();
        let h = &config.hierarchy;
        let families = Families::new(h.families, &mut truth_stream(1));
        let eval_families = eval_of(&families, h.families.d, 100);
        let implications: Vec<Implications> =
            h.implication_sets().into_iter().map(|c| Implications::new(c, &mut truth_stream(2))).collect();
        let eval_implications =
            implications.iter().zip(101..).map(|(imp, k)| eval_of(imp, imp.config.d, k)).collect();
        Sources {
            independent,
            paired,
            eval_independent,
            eval_paired,
            eval_toys,
            families,
            eval_families,
            implications,
            eval_implications,
        }
    }

    /// The data of `on`.
    fn of<'a>(&'a self, on: On, toys: &'a [Toy]) -> Data<'a> {
        let data = |source: &'a dyn Source, truth, eval| Data { source, truth, eval };
        match on {
            On::Independent => data(&self.independent, &self.independent, &self.eval_independent),
            On::Paired => data(&self.paired, &self.paired, &self.eval_paired),
            On::Toy(i) => data(&toys[i].truth, &toys[i].truth, &self.eval_toys[i]),
            On::Families => data(&self.families, &self.families.truth, &self.eval_families),
            On::Implications(i) => {
                let imp = &self.implications[i];
                data(imp, &imp.truth, &self.eval_implications[i])
            }
        }
    }
}

/// Every SAE the chapter trains, part by part, each on its part's next
/// stream or on its twin's.
pub(super) fn jobs(config: &Config, toys: &[Toy]) -> Vec<Job> {
    let d = config.truth.d;
    let mut jobs: Vec<Job> = Vec::new();
    let mut push = |part: Part, on: On, spec: SaeSpec, repair: Repair, twin: Option<u64>| {
        let index = jobs.iter().filter(|j| j.part == part).count() as u64;
        let stream = twin.unwrap_or(group_stream(part as u64, index));
        jobs.push(Job { part, on, spec, repair, stream });
        stream
    };
    let relu = |m: usize, l1: f32| SaeSpec { d, m, activation: Activation::Relu, l1 };
    let topk_at = |m: usize, k: usize| SaeSpec { d, m, activation: Activation::TopK(k), l1: 0.0 };
    for &m in &config.sizes {
        for &l1 in &config.l1s {
            push(Part::Sweep, On::Independent, relu(m, l1), Repair::None, None);
        }
    }
    // The stream of the sweep's job at (M, λ), to share.
    let sweep_stream = |m: usize, l1: f32| {
        let (i, j) = (config.sizes.iter().position(|&s| s == m), config.l1s.iter().position(|&l| l == l1));
        let index = i.expect("a swept size") * config.l1s.len() + j.expect("a swept λ");
        Some(group_stream(Part::Sweep as u64, index as u64))
    };
    let largest = *config.sizes.iter().max().expect("validated: sizes");
    for &k in &config.topks {
        push(Part::TopK, On::Independent, topk_at(config.main_size, k), Repair::None, None);
    }
    let (good, dead) = (relu(largest, config.good_l1), topk_at(config.dead_size, config.dead_topk));
    push(Part::Resampled, On::Independent, good, Repair::Resample, sweep_stream(largest, config.good_l1));
    let twin = push(Part::Resampled, On::Independent, dead, Repair::None, None);
    push(Part::Resampled, On::Independent, dead, Repair::Resample, Some(twin));
    push(Part::Resampled, On::Independent, dead, Repair::AuxK, Some(twin));
    // The same initialisation and stream as the independent run it is compared with.
    let main = relu(config.main_size, config.good_l1);
    push(Part::Paired, On::Paired, main, Repair::None, sweep_stream(config.main_size, config.good_l1));
    for (i, toy) in toys.iter().enumerate() {
        let (d, m) = (toy.config.d, toy.config.latents);
        let spec = SaeSpec { d, m, activation: Activation::Relu, l1: config.good_l1 };
        push(Part::Loop, On::Toy(i), spec, Repair::None, None);
    }
    let h = &config.hierarchy;
    for &m in &h.split_sizes {
        let spec = SaeSpec { d: h.families.d, m, activation: Activation::Relu, l1: config.good_l1 };
        push(Part::Split, On::Families, spec, Repair::None, None);
    }
    // Two latents per pair; one initialisation and stream for every data set.
    for &l1 in &config.jump_l1s {
        let spec = SaeSpec { activation: Activation::JumpRelu, ..relu(config.main_size, l1) };
        push(Part::Jump, On::Independent, spec, Repair::None, sweep_stream(config.main_size, config.good_l1));
    }
    let spec = SaeSpec { d: h.implications.d, m: 2 * h.implications.pairs, ..relu(0, config.good_l1) };
    let first = group_stream(Part::Absorb as u64, 0);
    for i in 0..h.implication_sets().len() {
        push(Part::Absorb, On::Implications(i), spec, Repair::None, Some(first));
    }
    jobs
}

/// Train every job (spread over the cores, the largest dictionaries first so
/// that no core waits for one at the end): each part's runs, in the order
/// they were pushed.
pub(super) fn train_jobs(
    jobs: &[Job],
    sources: &Sources,
    toys: &[Toy],
    config: &Config,
    progress: &dyn Progress,
) -> BTreeMap<Part, Vec<(Run, Sae)>> {
    progress.start((jobs.len() * config.train.steps / 100) as u64, "ch5: training SAEs");
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(jobs[k].spec.m * jobs[k].spec.d));
    let trained = crate::parallel::map(&order, |&k| {
        train_run(&jobs[k], sources.of(jobs[k].on, toys), config, &|| progress.advance(1))
    });
    progress.finish();
    let mut slots: Vec<Option<(Run, Sae)>> = vec![None; jobs.len()];
    for (k, run) in order.into_iter().zip(trained) {
        slots[k] = Some(run);
    }
    let mut parts: BTreeMap<Part, Vec<(Run, Sae)>> = BTreeMap::new();
    for (job, run) in jobs.iter().zip(slots) {
        parts.entry(job.part).or_default().push(run.expect("every job ran"));
    }
    parts
}
