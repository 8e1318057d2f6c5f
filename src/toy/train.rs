//! Training many toy models side by side.
//!
//! The reference setup trains one small model per setting ("instances") in a
//! single batched PyTorch loop. Here each model is trained start to finish by
//! one worker thread, with its own data stream and its own AdamW state; the
//! workers take the next untrained model from a shared queue. The models never
//! exchange a number, so the result does not depend on how many threads ran or
//! in which order they finished: the same seed gives the same bytes.

use serde::{Deserialize, Serialize};

use super::model::{Init, Spec, Workspace, gradient, loss_and_grad};
use crate::optim::{Adam, AdamConfig};
use crate::rng::stream;
use rand_chacha::ChaCha8Rng;

/// How every model is trained: the reference setup by default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub steps: usize,
    pub batch: usize,
    pub adam: AdamConfig,
    /// Samples in the fixed evaluation set that ranks the seeds of a setting.
    pub eval_samples: usize,
}

impl Default for TrainConfig {
    /// AdamW, lr 10⁻³, weight decay 0.01, batch 1024, 10,000 steps
    /// (Elhage et al.'s notebook; PyTorch's default AdamW decay is 0.01).
    fn default() -> Self {
        TrainConfig { steps: 10_000, batch: 1024, adam: AdamConfig::adamw(1e-3, 0.01), eval_samples: 32_768 }
    }
}

/// One model to train: its architecture, data and seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub spec: Spec,
    /// Probability that a feature is present, 1 − S.
    pub density: f32,
    pub importance: Vec<f32>,
    /// How the weights start.
    pub init: Init,
    /// The random stream (initial weights and batches) of this model.
    pub stream: u64,
}

/// A trained model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trained {
    pub params: Vec<f32>,
    /// The loss on the job's fixed evaluation set (the same samples for every
    /// seed of one setting, so seeds compare fairly).
    pub eval_loss: f64,
}

/// Train one model: the job's initial weights, a fresh batch every step, AdamW.
pub fn train_one(
    job: &Job,
    config: &TrainConfig,
    seed: u64,                   // the run's seed; the job names its own stream
    on_step: impl FnMut(&[f32]), // after every step: progress, or watching
) -> Trained {
    let mut rng = stream(seed, job.stream);
    let start = job.spec.init(job.init, job.density, &mut rng);
    train_from(job, config, seed, start, &mut rng, on_step)
}

/// Train from the weights `params`, with batches drawn from `rng`.
// ANCHOR: train_one
pub fn train_from(
    job: &Job,
    config: &TrainConfig,
    seed: u64,
    mut params: Vec<f32>,
    rng: &mut ChaCha8Rng,
    mut on_step: impl FnMut(&[f32]),
) -> Trained {
    let spec = &job.spec;
    let mut grad = vec![0.0; params.len()];
    let mut adam = Adam::new(config.adam, params.len());
    let mut batch = Workspace::batch_for(spec, config.batch);
    let mut ws = Workspace::new(spec, config.batch);
    for _ in 0..config.steps {
        batch.fill(job.density, spec.kind.signed(), rng);
        gradient(spec, &params, &job.importance, &batch, &mut ws, &mut grad);
        adam.step(&mut params, &grad);
        on_step(&params);
    }
    let eval_loss = evaluate(job, &params, config.eval_samples, seed);
    Trained { params, eval_loss }
}
// ANCHOR_END: train_one

/// The loss of `params` on the evaluation set of a setting: `samples` draws
/// from a stream that depends only on the setting's density and size, not on
/// the training seed.
pub fn evaluate(job: &Job, params: &[f32], samples: usize, seed: u64) -> f64 {
    let spec = &job.spec;
    let key = (job.density.to_bits() as u64) << 20 ^ (spec.n as u64) << 8 ^ spec.d as u64;
    let mut rng = stream(seed ^ 0x5eed_e7a1, key);
    let mut batch = Workspace::batch_for(spec, samples.max(1));
    let mut ws = Workspace::new(spec, samples.max(1));
    batch.fill(job.density, spec.kind.signed(), &mut rng);
    loss_and_grad(spec, params, &job.importance, &batch, &mut ws, None)
}

/// Train every job, in parallel over the machine's cores. `on_steps` is told
/// about progress in chunks of steps (for a progress bar).
pub fn train_all(
    jobs: &[Job],
    config: &TrainConfig,
    seed: u64,
    on_steps: &(dyn Fn(u64) + Sync),
) -> Vec<Trained> {
    let pairs: Vec<(Job, TrainConfig)> = jobs.iter().map(|j| (j.clone(), *config)).collect();
    train_pairs(&pairs, seed, on_steps)
}

/// Train each job with its own configuration, in parallel over the cores.
pub fn train_pairs(jobs: &[(Job, TrainConfig)], seed: u64, on_steps: &(dyn Fn(u64) + Sync)) -> Vec<Trained> {
    // About one multiply-add per weight, sample and step.
    let cost = |(job, config): &(Job, TrainConfig)| {
        (config.steps * config.batch) as f64 * (job.spec.param_count() + job.spec.n) as f64
    };
    crate::parallel::map_costliest_first(jobs, cost, |(job, config)| {
        let mut pending = 0u64;
        let trained = train_one(job, config, seed, |_| {
            pending += 1;
            if pending == 100 {
                on_steps(pending);
                pending = 0;
            }
        });
        on_steps(pending);
        trained
    })
}

/// A setting to train several times, keeping the best copy.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub job: Job,
    /// How each copy is trained.
    pub train: TrainConfig,
    pub seeds: usize,
}

impl Setting {
    /// Copy r: its job, on stream `job.stream · 256 + r`, and how it trains.
    pub fn copy(&self, r: usize) -> (Job, TrainConfig) {
        (Job { stream: (self.job.stream << 8) + r as u64, ..self.job.clone() }, self.train)
    }
}

/// The best of a setting's copies, and every copy's score (by default its
/// evaluation loss).
#[derive(Debug, Clone, PartialEq)]
pub struct Best {
    pub model: Trained,
    pub seed_losses: Vec<f64>,
}

/// How copies are ranked: lower is better.
pub type Score = dyn Fn(&Job, &Trained) -> f64 + Sync;

/// Train `setting.seeds` copies of each setting (copy r on stream
/// `job.stream · 256 + r`) and keep, per setting, the copy with the lowest
/// evaluation loss (or the lowest `score`, when given). All copies of all
/// settings share the cores.
// ANCHOR: best_of
pub fn train_best_of(
    settings: &[Setting],
    seed: u64,
    on_steps: &(dyn Fn(u64) + Sync),
    score: Option<&Score>,
) -> Vec<Best> {
    let jobs: Vec<(Job, TrainConfig)> =
        settings.iter().flat_map(|s| (0..s.seeds).map(move |r| s.copy(r))).collect();
    let mut trained = train_pairs(&jobs, seed, on_steps).into_iter();
    settings
        .iter()
        .map(|s| {
            let copies: Vec<Trained> = trained.by_ref().take(s.seeds).collect();
            let seed_losses: Vec<f64> =
                copies.iter().map(|t| score.map_or(t.eval_loss, |f| f(&s.job, t))).collect();
            let best = (0..copies.len())
                .min_by(|&a, &b| seed_losses[a].total_cmp(&seed_losses[b]))
                .expect("at least one seed per setting");
            Best { model: copies[best].clone(), seed_losses }
        })
        .collect()
}
// ANCHOR_END: best_of

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toy::model::Kind;

    #[test]
    fn training_reduces_the_loss_and_is_reproducible() {
        let job = Job {
            spec: Spec::new(Kind::ReluOutput, 5, 2),
            density: 0.3,
            importance: (0..5).map(|i| 0.9f32.powi(i)).collect(),
            init: Init::Xavier,
            stream: 0,
        };
        let config = TrainConfig { steps: 300, batch: 256, eval_samples: 2048, ..TrainConfig::default() };
        let untrained = evaluate(&job, &job.spec.init(job.init, job.density, &mut stream(1, 0)), 2048, 1);
        let a = train_one(&job, &config, 1, |_| {});
        assert!(a.eval_loss < 0.5 * untrained, "{} vs {untrained}", a.eval_loss);
        let b = train_all(std::slice::from_ref(&job), &config, 1, &|_| {});
        assert_eq!(a, b[0]);
    }
}
