//! Correlated and anti-correlated features (Elhage et al., 2022, "Superposition
//! and correlated features"), in the smallest setting that shows the effect:
//! two features of equal importance, one dimension, the ReLU output model.
//!
//! Sharing a direction costs only when features are present together. So
//! features that are never present together (anti-correlated) can sit on
//! opposite ends of one direction for free, and features that are always
//! present together (correlated) cannot: opposite ends would cancel, and the
//! model does better to put both on the same side — one direction for their
//! sum, their principal component — or to keep one.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::data::Batch;
use super::model::{Workspace, gradient};
use super::parts::sample_loss;
use super::spec::{Init, Kind, Spec};
use super::train::TrainConfig;
use crate::optim::Adam;

/// How the two features occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Structure {
    /// Each present with probability p, on its own.
    Independent,
    /// Both present together with probability p (values drawn apart).
    Correlated,
    /// Each present with probability p, never both (p ≤ ½).
    AntiCorrelated,
}

impl Structure {
    pub const ALL: [Structure; 3] =
        [Structure::Independent, Structure::Correlated, Structure::AntiCorrelated];

    pub fn name(self) -> &'static str {
        match self {
            Structure::Independent => "independent",
            Structure::Correlated => "correlated",
            Structure::AntiCorrelated => "anti-correlated",
        }
    }
}

/// The model: two features, one dimension, ReLU output.
pub const SPEC: Spec = Spec { kind: Kind::ReluOutput, n: 2, d: 1 };

// ANCHOR: sample
/// Fill `x` (samples × 2, row-major) from the structure at density p;
/// a present feature is uniform on [0, 1).
pub fn sample(structure: Structure, p: f32, x: &mut [f32], rng: &mut impl Rng) {
    for row in x.chunks_exact_mut(2) {
        let u = rng.random::<f32>();
        let present = match structure {
            Structure::Independent => [u < p, rng.random::<f32>() < p],
            Structure::Correlated => [u < p, u < p],
            Structure::AntiCorrelated => [u < p, (p..2.0 * p).contains(&u)],
        };
        for (v, on) in row.iter_mut().zip(present) {
            *v = if on { rng.random::<f32>() } else { 0.0 };
        }
    }
}
// ANCHOR_END: sample

/// Train one model on the structure: the reference setup (Xavier weights,
/// AdamW, a fresh batch every step), with this sampler.
pub fn train(structure: Structure, p: f32, config: &TrainConfig, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let mut params = SPEC.init(Init::Xavier, p, rng);
    let mut grad = vec![0.0; params.len()];
    let mut adam = Adam::new(config.adam, params.len());
    let (mut rows, mut batch) = (vec![0.0; 2 * config.batch], Batch::new(config.batch, 2));
    let mut ws = Workspace::new(&SPEC, config.batch);
    for _ in 0..config.steps {
        sample(structure, p, &mut rows, rng);
        batch.set_rows(&rows);
        gradient(&SPEC, &params, &[1.0, 1.0], &batch, &mut ws, &mut grad);
        adam.step(&mut params, &grad);
    }
    params
}

/// The mean loss of `params` over the samples `x` (samples × 2).
pub fn mean_loss(params: &[f32], x: &[f32]) -> f64 {
    let rows = x.chunks_exact(2);
    let count = rows.len() as f64;
    rows.map(|r| sample_loss(&SPEC, params, &[1.0, 1.0], &[r[0] as f64, r[1] as f64])).sum::<f64>() / count
}

/// How the two features sit in the dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Arrangement {
    /// Both represented, on opposite ends.
    Antipodal,
    /// Both represented, on the same side (their sum's direction).
    SameSide,
    /// One represented, the other left to its bias.
    One,
    Neither,
}

impl Arrangement {
    /// A feature counts as represented when |w_i| ≥ `threshold`.
    pub fn of(w: [f32; 2], threshold: f32) -> Self {
        match (w[0].abs() >= threshold, w[1].abs() >= threshold) {
            (true, true) if w[0] * w[1] < 0.0 => Arrangement::Antipodal,
            (true, true) => Arrangement::SameSide,
            (false, false) => Arrangement::Neither,
            _ => Arrangement::One,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Arrangement::Antipodal => "antipodal",
            Arrangement::SameSide => "same side",
            Arrangement::One => "one feature",
            Arrangement::Neither => "neither",
        }
    }
}

/// Solutions we can write down, `[w₁, w₂, b₁, b₂]`: the antipodal pair
/// (W = (1, −1), b = 0), the same side (W = (1, 1)/√2, b = 0: each output
/// reads the pair's mean), and one feature (W = (1, 0), the other output at
/// its mean p/2).
pub fn constructions(p: f32) -> [(Arrangement, [f32; 4]); 3] {
    let s = std::f32::consts::FRAC_1_SQRT_2;
    [
        (Arrangement::Antipodal, [1.0, -1.0, 0.0, 0.0]),
        (Arrangement::SameSide, [s, s, 0.0, 0.0]),
        (Arrangement::One, [1.0, 0.0, 0.0, p / 2.0]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn the_samplers_have_their_structure() {
        let p = 0.3;
        for structure in Structure::ALL {
            let mut x = vec![0.0; 2 * 20_000];
            sample(structure, p, &mut x, &mut stream(31, 0));
            let rows: Vec<[bool; 2]> = x.chunks_exact(2).map(|r| [r[0] != 0.0, r[1] != 0.0]).collect();
            let share =
                |f: &dyn Fn(&[bool; 2]) -> bool| rows.iter().filter(|r| f(r)).count() as f64 / 20_000.0;
            // Each feature present with probability p in every structure.
            assert!((share(&|r| r[0]) - 0.3).abs() < 0.015 && (share(&|r| r[1]) - 0.3).abs() < 0.015);
            let both = share(&|r| r[0] && r[1]);
            let expected = match structure {
                Structure::Independent => 0.09,
                Structure::Correlated => 0.3,
                Structure::AntiCorrelated => 0.0,
            };
            assert!((both - expected).abs() < 0.015, "{structure:?}: both present {both}");
        }
    }

    #[test]
    fn anti_correlated_features_are_free_on_opposite_ends() {
        let mut x = vec![0.0; 2 * 10_000];
        sample(Structure::AntiCorrelated, 0.1, &mut x, &mut stream(32, 0));
        let [(_, antipodal), (_, same), (_, one)] = constructions(0.1);
        assert!(mean_loss(&antipodal, &x) < 1e-12);
        assert!(mean_loss(&same, &x) > 0.0 && mean_loss(&one, &x) > 0.0);
        // Correlated: opposite ends cancel; the same side is cheaper.
        sample(Structure::Correlated, 0.1, &mut x, &mut stream(32, 1));
        assert!(mean_loss(&same, &x) < mean_loss(&antipodal, &x));
    }
}
