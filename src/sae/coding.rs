//! Sparse coding with a fixed dictionary: the codes an SAE's encoder
//! approximates in a single layer. Given the decoder's rows D_j and b_dec,
//! each sample's best code under the SAE's own objective is the solution of
//! a non-negative lasso,
//!
//!   min over f ≥ 0 of ‖x − b_dec − Σ_j f_j D_j‖² + λ Σ_j f_j,
//!
//! which FISTA (Beck and Teboulle 2009) solves by gradient steps on the
//! squared error, each followed by the penalty's proximal step (shift down
//! by λ times the step, clip at zero), with Nesterov's momentum. What the
//! encoder loses against these codes is the *amortisation gap*.

use ndarray::{Array1, Array2, ArrayView2, Axis, aview1};

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::data::{Batch, GroundTruth as Truth};
use super::model::{Sae, Workspace, project_decoder_grad, reconstruct};
use crate::optim::{Adam, AdamConfig};

/// Codes, one row of M per sample.
pub type Codes = Array2<f32>;

/// The decoder's rows as an M × d matrix, and b_dec.
fn dictionary(sae: &Sae) -> (ArrayView2<'_, f32>, &[f32]) {
    let (d, m, lay) = (sae.spec.d, sae.spec.m, sae.spec.layout());
    let rows = ArrayView2::from_shape((m, d), &sae.params[lay.w_dec..lay.b_dec]).expect("M × d");
    (rows, &sae.params[lay.b_dec..lay.b_dec + d])
}

/// The largest eigenvalue of DᵀD (the squared spectral norm of D), by power
/// iteration on the d × d matrix: the gradient of ‖x̄ − f D‖² changes by at
/// most 2‖D‖² times the change in f, which sets FISTA's step.
pub fn spectral_norm_sq(dict: ArrayView2<f32>) -> f32 {
    let gram = dict.t().dot(&dict);
    let mut v = ndarray::Array1::<f32>::ones(gram.nrows());
    let mut value = 0.0;
    for _ in 0..200 {
        let w = gram.dot(&v);
        value = w.dot(&w).sqrt() / v.dot(&v).sqrt();
        v = &w / w.dot(&w).sqrt().max(f32::MIN_POSITIVE);
    }
    value
}

/// The codes f ≥ 0 (B × M) for the samples `x` (B × d) that minimise the
/// SAE's objective with its own dictionary, after `steps` steps of
/// FISTA from the codes `start`.
// ANCHOR: fista
pub fn fista(sae: &Sae, x: ArrayView2<f32>, start: Codes, steps: usize) -> Codes {
    let (dict, b_dec) = dictionary(sae);
    let xbar = &x - &aview1(b_dec);
    let step = 1.0 / (2.0 * spectral_norm_sq(dict)); // 1/L for L = 2‖D‖²
    let shift = sae.spec.l1 * step;
    let (mut f, mut y, mut t) = (start.clone(), start, 1.0f32);
    for _ in 0..steps {
        // Step against ∂/∂y ‖x̄ − y D‖² = −2 (x̄ − y D) Dᵀ...
        let residual = &xbar - &y.dot(&dict);
        let moved = &y + &(residual.dot(&dict.t()) * (2.0 * step));
        // ...then the prox of λ Σ f on f ≥ 0: shift down, clip at zero.
        let next = moved.mapv(|v| (v - shift).max(0.0));
        // Momentum (Beck and Teboulle's t_k).
        let t_next = (1.0 + (1.0 + 4.0 * t * t).sqrt()) / 2.0;
        y = &next + &((&next - &f) * ((t - 1.0) / t_next));
        (f, t) = (next, t_next);
    }
    f
}
// ANCHOR_END: fista

/// Dictionary learning by sparse coding (Olshausen and Field 1996): the
/// SAE's decoder rows and b_dec trained for `steps` steps on fresh batches
/// of `truth` with the encoder replaced by the best codes (FISTA,
/// `coding_steps` steps from zero); Adam, unit rows as in training.
// ANCHOR: learn_dictionary
pub fn learn(sae: &mut Sae, truth: &Truth, c: &LearnConfig, rng: &mut ChaCha8Rng) {
    let (d, m, lay) = (sae.spec.d, sae.spec.m, sae.spec.layout());
    let mut batch = Batch::new(c.batch, d);
    let mut adam = Adam::new(c.adam, sae.params.len());
    let mut grad = vec![0.0; sae.params.len()]; // the encoder's part stays 0
    for _ in 0..c.steps {
        truth.sample(&mut batch, rng);
        let x = ArrayView2::from_shape((c.batch, d), &batch.x[..]).expect("B × d");
        let f = fista(sae, x, Array2::zeros((c.batch, m)), c.coding_steps);
        // The squared error's gradient with the codes fixed.
        let (g_dict, g_b) = decoder_gradient(sae, x, &f);
        grad[lay.w_dec..lay.b_dec].copy_from_slice(g_dict.as_slice().expect("M × d"));
        grad[lay.b_dec..].copy_from_slice(g_b.as_slice().expect("d"));
        project_decoder_grad(sae, &mut grad);
        adam.step(&mut sae.params, &grad);
        sae.normalise_decoder();
    }
}
// ANCHOR_END: learn_dictionary

/// The gradient of the mean over the samples `x` of ‖f D + b_dec − x‖²
/// for the decoder rows D and b_dec, with the codes `f` fixed: with
/// g = 2 (x̂ − x) / B, ∂/∂D = fᵀ g and ∂/∂b_dec = Σ_s g_s.
pub fn decoder_gradient(sae: &Sae, x: ArrayView2<f32>, f: &Codes) -> (Array2<f32>, Array1<f32>) {
    let (dict, b_dec) = dictionary(sae);
    let g = (f.dot(&dict) + aview1(b_dec) - x) * (2.0 / x.nrows() as f32);
    (f.t().dot(&g), g.sum_axis(Axis(0)))
}

/// How [`learn`] trains.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LearnConfig {
    pub steps: usize,
    pub batch: usize,
    pub coding_steps: usize,
    pub adam: AdamConfig,
}

/// The encoder's own codes for the samples `x` (B × d), as a dense B × M
/// matrix (FISTA's starting point).
pub fn encoder_codes(sae: &Sae, x: &[f32]) -> Codes {
    let (d, m) = (sae.spec.d, sae.spec.m);
    let b = x.len() / d;
    let mut ws = Workspace::new(&sae.spec, b);
    reconstruct(sae, x, &mut ws);
    let mut f = Array2::zeros((b, m));
    for s in 0..b {
        for k in ws.start[s]..ws.start[s + 1] {
            f[[s, ws.active[k] as usize]] = ws.value[k];
        }
    }
    f
}

/// How far the codes `f` are from optimal: the largest violation of the
/// lasso's optimality conditions over every sample and latent, with
/// g = −2 (x̄ − f D) D_j the squared error's gradient: g + λ = 0 where
/// f_j > 0, g + λ ≥ 0 where f_j = 0. Relative to λ.
pub fn optimality_gap(sae: &Sae, x: ArrayView2<f32>, f: &Codes) -> f64 {
    let (dict, b_dec) = dictionary(sae);
    let xbar = &x - &aview1(b_dec);
    let grad = (&xbar - &f.dot(&dict)).dot(&dict.t()) * -2.0;
    let l1 = sae.spec.l1 as f64;
    let mut worst = 0.0f64;
    for (g_row, f_row) in grad.axis_iter(Axis(0)).zip(f.axis_iter(Axis(0))) {
        for (&g, &v) in g_row.iter().zip(f_row) {
            let violation = if v > 0.0 { (g as f64 + l1).abs() } else { (-(g as f64 + l1)).max(0.0) };
            worst = worst.max(violation);
        }
    }
    worst / l1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::sae::data::{Batch, GroundTruth, TruthConfig};
    use crate::sae::model::{Activation, SaeSpec, decode_codes, forward};

    /// On an untrained SAE (random unit decoder rows): FISTA from zero codes
    /// meets the optimality conditions, and its codes have a lower objective
    /// than the encoder's.
    #[test]
    fn fista_solves_the_lasso_and_beats_the_encoder() {
        let mut rng = stream(43, 0);
        let config = TruthConfig { d: 12, n: 24, mean_active: 3.0, decay: 0.95, pair_correlation: 0.0 };
        let truth = GroundTruth::new(config, &mut rng);
        let mut batch = Batch::new(64, 12);
        truth.sample(&mut batch, &mut rng);
        let sae = Sae::new(SaeSpec { d: 12, m: 30, activation: Activation::Relu, l1: 0.05 }, &mut rng);
        let x = ArrayView2::from_shape((64, 12), &batch.x[..]).unwrap();
        let f = fista(&sae, x, Array2::zeros((64, 30)), 2000);
        let gap = optimality_gap(&sae, x, &f);
        assert!(gap < 1e-3, "optimality conditions violated by {gap} λ");
        // A few steps are far from it (the test can tell).
        assert!(optimality_gap(&sae, x, &fista(&sae, x, Array2::zeros((64, 30)), 3)) > 0.05);
        let mut ws = Workspace::new(&sae.spec, 64);
        let encoder = forward(&sae, &batch.x, &mut ws).total;
        let coded = decode_codes(&sae, &batch.x, f.as_slice().unwrap(), &mut ws).total;
        assert!(coded < encoder, "{coded} vs the encoder's {encoder}");
    }

    /// The decoder gradient of dictionary learning against central finite
    /// differences of the squared error, every decoder entry and b_dec.
    #[test]
    fn the_decoder_gradient_matches_finite_differences() {
        let mut rng = stream(44, 0);
        let mut sae = Sae::new(SaeSpec { d: 4, m: 6, activation: Activation::Relu, l1: 0.1 }, &mut rng);
        let lay = sae.spec.layout();
        sae.params[lay.b_dec..].copy_from_slice(&[0.3, -0.2, 0.1, 0.5]);
        let x = Array2::from_shape_fn((5, 4), |(s, k)| ((s * 4 + k) as f32 * 0.37).sin());
        let f = Array2::from_shape_fn((5, 6), |(s, j)| ((s * 6 + j) as f32 * 0.53).cos().max(0.0));
        let loss = |sae: &Sae| {
            let (dict, b_dec) = dictionary(sae);
            let r = f.dot(&dict) + aview1(b_dec) - &x;
            r.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / 5.0
        };
        let (g_dict, g_b) = decoder_gradient(&sae, x.view(), &f);
        let analytic: Vec<f32> = g_dict.iter().chain(g_b.iter()).copied().collect();
        let eps = 1e-2;
        for (q, &g) in (lay.w_dec..lay.len).zip(&analytic) {
            let (mut plus, mut minus) = (sae.clone(), sae.clone());
            plus.params[q] += eps;
            minus.params[q] -= eps;
            let numeric = (loss(&plus) - loss(&minus)) / (2.0 * eps as f64);
            assert!(
                (numeric - g as f64).abs() < 1e-3 * (1.0 + numeric.abs()),
                "parameter {q}: {g} vs {numeric}"
            );
        }
    }

    #[test]
    fn the_spectral_norm_of_a_scaled_identity() {
        let dict = Array2::from_diag(&ndarray::arr1(&[3.0f32, 1.0, 2.0]));
        assert!((spectral_norm_sq(dict.view()) - 9.0).abs() < 1e-4);
    }
}
