//! A toy model's loss split into what the features cost one at a time and
//! what they cost each other.
//!
//! Elhage et al. describe the trade-off behind superposition as *feature
//! benefit* against *interference*. Both can be measured exactly. Write ℓ(x)
//! for the loss on one sample and x_i e_i for the sample that keeps only
//! feature i. Then
//!
//!   ℓ(x) = ℓ(0) + Σ_{i present} [ℓ(x_i e_i) − ℓ(0)] + I(x),
//!
//! where the last term, the *interference* I(x), is whatever the features
//! present cost beyond the sum of their costs alone (zero when at most one is
//! present, and zero for any model that handles each feature on its own,
//! such as the construction with one dimension per kept feature). Taking
//! expectations, with N features each present with probability p,
//!
//!   L = ℓ(0) + N p (E[ℓ | one present] − ℓ(0)) + P(k ≥ 2) E[I | k ≥ 2]:
//!
//! the bias's cost, the features one at a time (representing a feature pays,
//! dropping it costs), and interference. The conditional means are estimated
//! from samples drawn given the number present, so the split is as precise at
//! density 0.001, where two features meet once in thousands of samples, as
//! at density 1.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::spec::Spec;

/// The expected loss, in three parts that add up to it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LossParts {
    /// ℓ(0): no feature present, only the bias speaks.
    pub bias: f64,
    /// N p (E[ℓ | one present] − ℓ(0)): the features, one at a time.
    pub alone: f64,
    /// P(k ≥ 2) E[I | k ≥ 2]: what features present together cost each other.
    pub interference: f64,
}

impl LossParts {
    pub fn total(&self) -> f64 {
        self.bias + self.alone + self.interference
    }
}

/// P(k ≥ 2) for N features each present with probability p.
pub fn together_probability(n: usize, p: f64) -> f64 {
    let none = (1.0 - p).powi(n as i32);
    let one = n as f64 * p * (1.0 - p).powi(n as i32 - 1);
    (1.0 - none - one).max(0.0)
}

// ANCHOR: sample_loss
/// ℓ(x) = (1/N) Σ_i I_i (x'_i − t_i)² for one sample, in f64, where
/// h = W_in x (ReLU'd if the model has a hidden ReLU), o = W_outᵀ h + b and
/// x' = ReLU(o) (or o); t is x, or |x| for the absolute-value model.
pub fn sample_loss(spec: &Spec, params: &[f32], importance: &[f32], x: &[f64]) -> f64 {
    let (n, d, kind) = (spec.n, spec.d, spec.kind);
    let p = spec.split(params);
    let relu = |v: f64| v.max(0.0);
    let h: Vec<f64> = (0..d)
        .map(|j| (0..n).map(|i| p.w_in[j * n + i] as f64 * x[i]).sum::<f64>())
        .map(|v| if kind.hidden_relu() { relu(v) } else { v })
        .collect();
    let out = |i: usize| p.b[i] as f64 + (0..d).map(|j| p.w_out[j * n + i] as f64 * h[j]).sum::<f64>();
    let target = |v: f64| if kind.signed() { v.abs() } else { v };
    let error = |i: usize| {
        let o = out(i);
        (if kind.output_relu() { relu(o) } else { o }) - target(x[i])
    };
    (0..n).map(|i| importance[i] as f64 * error(i).powi(2)).sum::<f64>() / n as f64
}
// ANCHOR_END: sample_loss

/// A present feature's value: uniform on [0, 1), or on [−1, 1) when signed.
fn value(spec: &Spec, rng: &mut impl Rng) -> f64 {
    let u = rng.random::<f32>() as f64;
    if spec.kind.signed() { 2.0 * u - 1.0 } else { u }
}

/// The three parts of the expected loss of `params` at density p, each
/// conditional mean over `samples` samples.
pub fn loss_parts(
    spec: &Spec,
    params: &[f32],
    importance: &[f32],
    density: f32,
    samples: usize,
    rng: &mut impl Rng,
) -> LossParts {
    let (n, p) = (spec.n, density as f64);
    let loss = |x: &[f64]| sample_loss(spec, params, importance, x);
    let bias = loss(&vec![0.0; n]);
    let single = |i: usize, v: f64| {
        let mut x = vec![0.0; n];
        x[i] = v;
        loss(&x)
    };
    // One present: feature uniform among the N, value from its distribution.
    let one: f64 = (0..samples).map(|_| single(rng.random_range(0..n), value(spec, rng))).sum::<f64>();
    let alone = n as f64 * p * (one / samples as f64 - bias);
    // Two or more: k from the binomial given k ≥ 2 (by inversion), then
    // the interference ℓ(x) − ℓ(0) − Σ (ℓ(x_i e_i) − ℓ(0)).
    let weights: Vec<f64> = (2..=n).map(|k| binomial(n, k, p)).collect();
    let total: f64 = weights.iter().sum();
    let mut sum = 0.0;
    if total > 0.0 {
        for _ in 0..samples {
            let mut target = rng.random::<f64>() * total;
            let found = weights.iter().position(|w| {
                target -= w;
                target < 0.0
            });
            let k = 2 + found.unwrap_or(weights.len() - 1); // rounding: the last k
            let mut x = vec![0.0; n];
            let mut singles = 0.0;
            for i in rand::seq::index::sample(rng, n, k).iter() {
                x[i] = value(spec, rng);
                singles += single(i, x[i]) - bias;
            }
            sum += loss(&x) - bias - singles;
        }
    }
    let interference = together_probability(n, p) * sum / samples as f64;
    LossParts { bias, alone, interference }
}

/// P(k) for the binomial distribution of N trials of probability p.
fn binomial(n: usize, k: usize, p: f64) -> f64 {
    let ln_choose: f64 = (1..=k).map(|j| ((n + 1 - j) as f64 / j as f64).ln()).sum();
    let absent = if k == n { 0.0 } else { (n - k) as f64 * (-p).ln_1p() }; // ln (1 − p)^(N − k)
    (ln_choose + k as f64 * p.ln() + absent).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::toy::Init;
    use crate::toy::known::{construction_loss, construction_params};
    use crate::toy::model::random_params;
    use crate::toy::spec::Kind;
    use crate::toy::train::{Job, evaluate};

    #[test]
    fn the_binomial_adds_to_one_and_to_the_probability_of_two_or_more() {
        for (n, p) in [(20, 0.001), (20, 0.3), (5, 1.0), (2, 0.5)] {
            let all: f64 = (0..=n).map(|k| binomial(n, k, p)).sum();
            let two: f64 = (2..=n).map(|k| binomial(n, k, p)).sum();
            assert!((all - 1.0).abs() < 1e-12, "N = {n}, p = {p}: {all}");
            assert!((two - together_probability(n, p)).abs() < 1e-12, "N = {n}, p = {p}");
        }
    }

    #[test]
    fn the_sample_loss_is_the_reference_loss() {
        use crate::toy::reference::{Matrix, Model, Vector, loss_and_grad};
        for kind in Kind::ALL {
            let spec = Spec::new(kind, 7, 3);
            let mut rng = stream(22, kind as u64);
            let params = random_params(&spec, &mut rng);
            let importance: Vec<f32> = (0..7).map(|i| 0.8f32.powi(i)).collect();
            let x: Vec<f64> = (0..7).map(|i| if i % 3 == 0 { 0.0 } else { value(&spec, &mut rng) }).collect();
            let row = Matrix::from_shape_vec((1, 7), x.iter().map(|&v| v as f32).collect()).unwrap();
            let model = Model::from_flat(&spec, &params);
            let reference = loss_and_grad(&model, &Vector::from(importance.clone()), &row).value as f64;
            let ours = sample_loss(&spec, &params, &importance, &x);
            assert!((ours - reference).abs() < 1e-5 * reference.max(1e-3), "{kind:?}: {ours} vs {reference}");
        }
    }

    #[test]
    fn a_model_that_handles_each_feature_alone_has_no_interference() {
        let spec = Spec::new(Kind::ReluOutput, 20, 5);
        let importance: Vec<f32> = (0..20).map(|i| 0.7f32.powi(i)).collect();
        let params = construction_params(&spec, &importance, 0.1);
        let parts = loss_parts(&spec, &params, &importance, 0.1, 2000, &mut stream(23, 0));
        assert!(parts.interference.abs() < 1e-9, "{parts:?}");
    }

    #[test]
    fn the_parts_add_up_to_the_loss() {
        // The construction's loss is known exactly; a random model's is
        // measured on a large evaluation set.
        let spec = Spec::new(Kind::ReluOutput, 20, 5);
        let importance: Vec<f32> = (0..20).map(|i| 0.7f32.powi(i)).collect();
        for density in [1.0, 0.1, 0.01] {
            let mut rng = stream(21, (density * 1000.0) as u64);
            let params = construction_params(&spec, &importance, density);
            let parts = loss_parts(&spec, &params, &importance, density, 40_000, &mut rng);
            let exact = construction_loss(&spec, &importance, density);
            assert!(
                (parts.total() / exact - 1.0).abs() < 0.02,
                "p = {density}: {} vs {exact}",
                parts.total()
            );
            let params = random_params(&spec, &mut rng);
            let parts = loss_parts(&spec, &params, &importance, density, 40_000, &mut rng);
            let job = Job { spec, density, importance: importance.clone(), init: Init::Xavier, stream: 0 };
            let measured = evaluate(&job, &params, 400_000, 3);
            assert!(
                (parts.total() / measured - 1.0).abs() < 0.02,
                "p = {density}: {} vs {measured}",
                parts.total()
            );
        }
    }
}
