//! Closing the loop: an SAE trained on the hidden activations of a Chapter 4
//! toy model should find the model's feature directions, the columns W_i.
//!
//! The toy model's hidden activation is h = W x = Σ_i x_i W_i, with each x_i
//! present with probability `density` and uniform on [0, 1] when present.
//! That is exactly the ground-truth generator of this chapter with the
//! columns W_i as the features, so the SAE trains on samples of h drawn by
//! [`GroundTruth::from_directions`].

use super::{Config, Run};
use crate::rng::group_stream;
use crate::sae::coding::learn;
use crate::sae::data::GroundTruth;
use crate::sae::metrics::{Metrics, RECOVERED, cosines};
use crate::sae::model::Sae;
use crate::toy::analysis::{REPRESENTED, features};
use crate::toy::known;
use crate::toy::train::{evaluate, train_best_of};
use crate::toy::{Init, Job, Kind, Setting, Spec, TrainConfig};
use serde::{Deserialize, Serialize};

/// One toy model and the SAE trained on its hidden layer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoopConfig {
    /// Features and hidden dimensions of the toy model (ReLU output).
    pub n: usize,
    pub d: usize,
    pub density: f32,
    /// Importance of feature i is importance_decay^i.
    pub importance_decay: f32,
    /// Latents of the SAE.
    pub latents: usize,
}

/// A trained toy model, as a source of hidden activations.
pub(super) struct Toy {
    pub config: LoopConfig,
    /// W, d × N, row-major.
    pub w: Vec<f32>,
    pub loss: f64,
    /// The loss of Chapter 4's known solution without superposition.
    pub construction: f64,
    pub truth: GroundTruth,
}

/// Train each toy model (best of 3 copies, as in Chapter 4).
pub(super) fn train_toys(config: &Config) -> Vec<Toy> {
    let train = TrainConfig { steps: config.toy_steps, ..TrainConfig::default() };
    let settings: Vec<Setting> = config
        .loops
        .iter()
        .enumerate()
        .map(|(i, l)| Setting {
            job: Job {
                spec: Spec::new(Kind::ReluOutput, l.n, l.d),
                density: l.density,
                importance: (0..l.n).map(|k| l.importance_decay.powi(k as i32)).collect(),
                init: Init::Xavier,
                stream: group_stream(super::Part::Toys as u64, i as u64),
            },
            train,
            seeds: 3,
        })
        .collect();
    let best = train_best_of(&settings, config.seed, &|_| {}, None);
    config
        .loops
        .iter()
        .zip(best)
        .zip(&settings)
        .map(|((&l, b), s)| {
            // The known solution without superposition, on the same samples.
            let known = known::construction_params(&s.job.spec, &s.job.importance, s.job.density);
            let construction = evaluate(&s.job, &known, train.eval_samples, config.seed);
            let w = b.model.params[..l.d * l.n].to_vec();
            // Row i of the features is column i of W.
            let columns: Vec<f32> =
                (0..l.n).flat_map(|i| (0..l.d).map(|k| w[k * l.n + i]).collect::<Vec<_>>()).collect();
            let truth = GroundTruth::from_directions(columns, l.d, l.density as f64);
            Toy { config: l, w, loss: b.model.eval_loss, construction, truth }
        })
        .collect()
}

/// The toy model's features against the SAE's dictionary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loop {
    pub config: LoopConfig,
    pub toy_loss: f64,
    /// The toy model's known solution without superposition (Chapter 4).
    pub toy_construction: f64,
    /// ‖W_i‖ per feature.
    pub norms: Vec<f64>,
    /// Features with ‖W_i‖ ≥ 1/2.
    pub represented: usize,
    /// Per feature, the best cosine with a decoder direction, and that latent.
    pub best_cos: Vec<f64>,
    pub best_latent: Vec<usize>,
    /// Represented features with a decoder direction at cos > 0.9.
    pub recovered: usize,
    /// The smallest best cosine over the represented features.
    pub worst_represented: f64,
    pub metrics: Metrics,
    /// The same three for the dictionary learned from the SAE's with the
    /// best codes in place of the encoder's ([`crate::sae::coding::learn`]).
    pub learned_best_cos: Vec<f64>,
    pub learned_recovered: usize,
    pub learned_worst: f64,
    /// The toy model's weights (d × N, row-major) and the SAE's decoder
    /// directions (one row of d per latent), for the figure of the plane.
    #[serde(skip)]
    pub w: Vec<f32>,
    #[serde(skip)]
    pub decoder: Vec<f32>,
}

/// The dictionary of toy `i`'s SAE, trained further with the best codes in
/// place of its encoder's (on the toy's own stream of the learning part).
pub(super) fn learned(config: &Config, i: usize, toy: &Toy, sae: &Sae) -> Sae {
    let mut rng = crate::rng::stream(config.seed, group_stream(super::Part::Learn as u64, i as u64));
    let mut learned = sae.clone();
    learn(&mut learned, &toy.truth, &config.learn, &mut rng);
    learned
}

/// Per feature of `truth`, the best cosine with one of `sae`'s decoder
/// directions and that latent.
fn best_matches(sae: &Sae, truth: &GroundTruth) -> (Vec<f64>, Vec<usize>) {
    let (n, m) = (truth.config.n, sae.spec.m);
    let c = cosines(sae, truth);
    let (mut best_cos, mut best_latent) = (vec![f64::NEG_INFINITY; n], vec![0; n]);
    for i in 0..n {
        for j in 0..m {
            if c[i * m + j] > best_cos[i] {
                (best_cos[i], best_latent[i]) = (c[i * m + j], j);
            }
        }
    }
    (best_cos, best_latent)
}

pub(super) fn measure(toy: Toy, run: Run, sae: &Sae, learned: &Sae) -> Loop {
    let LoopConfig { n, latents, .. } = toy.config;
    let norms = features(&toy.w, n).norm;
    let (best_cos, best_latent) = best_matches(sae, &toy.truth);
    let (learned_best_cos, _) = best_matches(learned, &toy.truth);
    let represented: Vec<usize> = (0..n).filter(|&i| norms[i] >= REPRESENTED).collect();
    let count = |cos: &[f64]| represented.iter().filter(|&&i| cos[i] > RECOVERED).count();
    let worst = |cos: &[f64]| represented.iter().map(|&i| cos[i]).fold(1.0, f64::min);
    let (recovered, worst_represented) = (count(&best_cos), worst(&best_cos));
    let (learned_recovered, learned_worst) = (count(&learned_best_cos), worst(&learned_best_cos));
    Loop {
        config: toy.config,
        toy_loss: toy.loss,
        toy_construction: toy.construction,
        norms,
        represented: represented.len(),
        best_cos,
        best_latent,
        recovered,
        worst_represented,
        metrics: run.metrics,
        learned_best_cos,
        learned_recovered,
        learned_worst,
        w: toy.w,
        decoder: (0..latents).flat_map(|j| sae.decoder(j).iter().copied()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use crate::rng::stream;
    use crate::sae::data::{Batch, GroundTruth};
    use rand::Rng;

    /// Samples of `from_directions(columns of W)` are h = W x for the toy
    /// model's own inputs x: the same numbers, sample by sample.
    #[test]
    fn the_toy_hidden_layer_is_a_ground_truth() {
        let (n, d) = (6, 3);
        let mut rng = stream(70, 0);
        let w: Vec<f32> = (0..n * d).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect();
        let columns: Vec<f32> =
            (0..n).flat_map(|i| (0..d).map(|k| w[k * n + i]).collect::<Vec<_>>()).collect();
        let truth = GroundTruth::from_directions(columns, d, 0.3);
        let mut batch = Batch::new(50, d);
        truth.sample(&mut batch, &mut rng);
        for s in 0..50 {
            let mut x = vec![0.0f32; n];
            for k in batch.start[s]..batch.start[s + 1] {
                x[batch.active[k] as usize] = batch.coef[k];
            }
            for k in 0..d {
                let h: f32 = (0..n).map(|i| w[k * n + i] * x[i]).sum();
                assert!((h - batch.x[s * d + k]).abs() < 1e-5);
            }
        }
    }
}
