//! The toy models written to be read: plain ndarray, the batch as a matrix
//! with one row per sample, one formula of the chain rule per line.
//!
//! This is the code Chapter 4 shows. The trainer runs the fast kernels
//! ([`super::model::loss_and_grad`] and the sampler [`super::Batch::fill`]),
//! and the tests below prove that they compute the same thing: the same
//! loss and gradient to rounding for every kind of model, on dense and
//! sparse batches, and samples from the same distribution. The appendix
//! "How the code is made fast" explains the difference.

use ndarray::{Array1, Array2, Axis};
use rand::Rng;

use super::spec::{Kind, Spec};

/// A matrix of single-precision numbers (the trainer's precision).
pub type Matrix = Array2<f32>;
/// A vector of single-precision numbers.
pub type Vector = Array1<f32>;

/// A toy model: W_in and W_out are d × N (column i is feature i's
/// direction), b has n entries. A tied model has W_in = W_out = W.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub kind: Kind,
    pub w_in: Matrix,
    pub w_out: Matrix,
    pub b: Vector,
}

/// The loss on a batch and its gradient with respect to W_in, W_out and b
/// (for a tied model, the gradient with respect to W is the sum of the two).
#[derive(Debug, Clone)]
pub struct Loss {
    pub value: f32,
    pub w_in: Matrix,
    pub w_out: Matrix,
    pub b: Vector,
}

fn relu(z: f32) -> f32 {
    z.max(0.0)
}

/// The ReLU's derivative: 1 where it passes its input, else 0.
fn step(z: f32) -> f32 {
    if z > 0.0 { 1.0 } else { 0.0 }
}

// ANCHOR: sample
/// `size` samples (one per row) of the model's N features: each feature
/// is present with probability p, and then uniform on [0, 1) (on [−1, 1)
/// for the absolute-value model); otherwise it is 0.
pub fn sample(spec: &Spec, size: usize, p: f32, rng: &mut impl Rng) -> Matrix {
    Matrix::from_shape_fn((size, spec.n), |_| {
        if rng.random::<f32>() >= p {
            return 0.0;
        }
        let u = rng.random::<f32>();
        if spec.kind.signed() { 2.0 * u - 1.0 } else { u }
    })
}
// ANCHOR_END: sample

// ANCHOR: loss_and_grad
/// L = 1/(B·N) Σ_s Σ_i I_i (x'_si − t_si)² on the batch `x` (B × N), and
/// its gradient by the chain rule, one line per step.
pub fn loss_and_grad(model: &Model, importance: &Vector, x: &Matrix) -> Loss {
    let kind = model.kind;
    let scale = 1.0 / x.len() as f32; // 1/(B·N)
    // Forward: h = W_in x (then ReLU), o = W_outᵀ h + b, x' = ReLU(o).
    let pre = x.dot(&model.w_in.t());
    let h = if kind.hidden_relu() { pre.mapv(relu) } else { pre };
    let o = h.dot(&model.w_out) + &model.b;
    let x_hat = if kind.output_relu() { o.mapv(relu) } else { o.clone() };
    // The target t is x, or |x| for the absolute-value model.
    let t = if kind.signed() { x.mapv(f32::abs) } else { x.clone() };
    let err = &x_hat - &t;
    let value = scale * (&err * &err * importance).sum();
    // Backward: ∂L/∂x', then through the output ReLU to ∂L/∂o.
    let mut d_o = 2.0 * scale * &err * importance;
    if kind.output_relu() {
        d_o *= &o.mapv(step);
    }
    let d_b = d_o.sum_axis(Axis(0)); // b is added to every sample
    let d_w_out = h.t().dot(&d_o); // ∂L/∂W_out[j, i] = Σ_s h_sj d_o_si
    let mut d_h = d_o.dot(&model.w_out.t());
    if kind.hidden_relu() {
        d_h *= &h.mapv(step);
    }
    let d_w_in = d_h.t().dot(x); // ∂L/∂W_in[j, i] = Σ_s d_h_sj x_si
    Loss { value, w_in: d_w_in, w_out: d_w_out, b: d_b }
}
// ANCHOR_END: loss_and_grad

impl Model {
    /// The model whose parameters are the trainer's flat vector
    /// `[W_in | W_out (untied only) | b]`.
    pub fn from_flat(spec: &Spec, params: &[f32]) -> Self {
        let p = spec.split(params);
        let matrix = |w: &[f32]| Matrix::from_shape_vec((spec.d, spec.n), w.to_vec()).expect("d × n weights");
        Model { kind: spec.kind, w_in: matrix(p.w_in), w_out: matrix(p.w_out), b: Vector::from(p.b.to_vec()) }
    }
}

impl Loss {
    /// The gradient in the trainer's flat layout. W appears twice in a tied
    /// model (h = W x, x' = Wᵀ h + b), so its gradient is the sum of both.
    pub fn flat_gradient(&self, spec: &Spec) -> Vec<f32> {
        let weights = if spec.kind.tied() {
            (&self.w_in + &self.w_out).into_iter().collect::<Vec<f32>>()
        } else {
            self.w_in.iter().chain(self.w_out.iter()).copied().collect()
        };
        weights.into_iter().chain(self.b.iter().copied()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::toy::Batch;
    use crate::toy::model::{Workspace, loss_and_grad as fast, random_params};

    const KINDS: [Kind; 4] = Kind::ALL;

    /// The trainer's batch holding the same values as the matrix `x`.
    fn batch_of(spec: &Spec, x: &Matrix) -> Batch {
        let mut batch = Workspace::batch_for(spec, x.nrows());
        batch.set_rows(x.as_slice().expect("standard layout"));
        batch
    }

    /// The fast kernels (batched for small models, one sample at a time for
    /// larger ones) against the reference, on the same random parameters
    /// and samples, for every kind and dense to sparse batches.
    #[test]
    fn the_fast_kernels_compute_the_reference_loss_and_gradient() {
        let sizes = [(5, 2), (6, 4), (20, 5), (40, 10), (100, 40)];
        for (k, kind) in KINDS.into_iter().enumerate() {
            for (n, d) in sizes {
                for density in [1.0, 0.3, 0.05] {
                    let spec = Spec::new(kind, n, d);
                    let mut rng = stream(20, (k * 100 + n) as u64);
                    let params = random_params(&spec, &mut rng);
                    let imp: Vector = (0..n).map(|i| 0.9f32.powi(i as i32)).collect();
                    let x = sample(&spec, 64, density, &mut rng);
                    let reference = loss_and_grad(&Model::from_flat(&spec, &params), &imp, &x);
                    let batch = batch_of(&spec, &x);
                    let mut ws = Workspace::new(&spec, 64);
                    let mut grad = vec![0.0; spec.param_count()];
                    let imp = imp.as_slice().unwrap();
                    let loss = fast(&spec, &params, imp, &batch, &mut ws, Some(&mut grad));
                    let what = format!("{kind:?}, n = {n}, d = {d}, density {density}");
                    let value = reference.value as f64;
                    assert!((loss - value).abs() <= 1e-5 * value.abs(), "{what}: {loss} vs {value}");
                    let expected = reference.flat_gradient(&spec);
                    let largest = expected.iter().fold(0.0f32, |a, g| a.max(g.abs()));
                    for (q, (g, e)) in grad.iter().zip(&expected).enumerate() {
                        assert!((g - e).abs() <= 1e-5 * largest, "{what}, parameter {q}: {g} vs {e}");
                    }
                }
            }
        }
    }

    /// The reference's own gradient against central finite differences of
    /// its own loss, for every parameter of a small model of each kind.
    #[test]
    fn the_reference_gradient_matches_finite_differences() {
        for (k, kind) in KINDS.into_iter().enumerate() {
            let spec = Spec::new(kind, 7, 3);
            let mut rng = stream(21, k as u64);
            let params = random_params(&spec, &mut rng);
            let imp: Vector = (0..7).map(|i| 0.8f32.powi(i)).collect();
            let x = sample(&spec, 32, 0.5, &mut rng);
            let loss = |p: &[f32]| loss_and_grad(&Model::from_flat(&spec, p), &imp, &x).value as f64;
            let grad = loss_and_grad(&Model::from_flat(&spec, &params), &imp, &x).flat_gradient(&spec);
            let eps = 1e-3;
            for q in 0..params.len() {
                let (mut plus, mut minus) = (params.clone(), params.clone());
                plus[q] += eps;
                minus[q] -= eps;
                let numeric = (loss(&plus) - loss(&minus)) / (2.0 * eps as f64);
                let error =
                    (numeric - grad[q] as f64).abs() / (1e-3 + numeric.abs().max(grad[q].abs() as f64));
                assert!(error < 2e-2, "{kind:?}, parameter {q}: {numeric} vs {}", grad[q]);
            }
        }
    }

    /// The fast sampler (geometric gaps below density 1/4, one draw per
    /// feature above) draws from the reference's distribution: the same
    /// share of present features at every position, the same number per
    /// sample (Binomial(n, p)), no correlation between neighbours (across
    /// the samples' boundaries too), and values with the same distribution
    /// (a two-sample Kolmogorov–Smirnov test).
    #[test]
    fn the_fast_sampler_draws_from_the_reference_distribution() {
        let (size, n) = (4000, 25);
        for (d, density) in [0.8f32, 0.3, 0.2, 0.03].into_iter().enumerate() {
            for kind in [Kind::ReluOutput, Kind::AbsValue] {
                let (spec, signed) = (Spec::new(kind, n, 5), kind.signed());
                let mut rng = stream(22, d as u64);
                let reference = sample(&spec, size, density, &mut rng);
                let mut batch = Batch::new(size, n);
                batch.fill(density, signed, &mut rng);
                let fast = Matrix::from_shape_vec((size, n), batch.x.clone()).unwrap();
                let what = format!("density {density}, signed {signed}");
                for x in [&reference, &fast] {
                    check_presence(x, density as f64, &what);
                }
                let values = |x: &Matrix| x.iter().copied().filter(|&v| v != 0.0).collect();
                let ks = kolmogorov_smirnov(values(&reference), values(&fast));
                assert!(ks.0 < ks.1, "{what}: KS statistic {} above its 1% level {}", ks.0, ks.1);
            }
        }
    }

    /// Presence at each position, per sample and between neighbours in the
    /// flattened batch, against Bernoulli(p) and Binomial(n, p), within 5 sd.
    fn check_presence(x: &Matrix, p: f64, what: &str) {
        let (size, n) = x.dim();
        let on = x.mapv(|v| if v != 0.0 { 1.0 } else { 0.0 });
        let sd = (p * (1.0 - p) / size as f64).sqrt();
        for (i, share) in on.mean_axis(Axis(0)).unwrap().iter().enumerate() {
            assert!((*share as f64 - p).abs() < 5.0 * sd, "{what}: position {i} present {share}");
        }
        let counts = on.sum_axis(Axis(1)).mapv(|c| c as f64);
        let var = counts.var(1.0);
        let expected = n as f64 * p * (1.0 - p);
        assert!((var / expected - 1.0).abs() < 0.15, "{what}: count variance {var} vs {expected}");
        let flat: Vec<f32> = on.iter().copied().collect();
        let both = flat.windows(2).filter(|w| w[0] * w[1] == 1.0).count() as f64;
        let pairs = (flat.len() - 1) as f64;
        // Overlapping pairs share a draw: Var = p²(1 − p²) + 2p³(1 − p) per pair.
        let sd_both = ((p * p * (1.0 - p * p) + 2.0 * p.powi(3) * (1.0 - p)) / pairs).sqrt();
        assert!((both / pairs - p * p).abs() < 5.0 * sd_both, "{what}: neighbours both present {both}");
    }

    /// The two-sample KS statistic sup |F_a − F_b| and its 1% critical value.
    fn kolmogorov_smirnov(mut a: Vec<f32>, mut b: Vec<f32>) -> (f64, f64) {
        a.sort_by(f32::total_cmp);
        b.sort_by(f32::total_cmp);
        let (na, nb) = (a.len() as f64, b.len() as f64);
        let (mut i, mut j, mut sup) = (0, 0, 0.0f64);
        while i < a.len() && j < b.len() {
            let v = a[i].min(b[j]);
            while i < a.len() && a[i] <= v {
                i += 1;
            }
            while j < b.len() && b[j] <= v {
                j += 1;
            }
            sup = sup.max((i as f64 / na - j as f64 / nb).abs());
        }
        (sup, 1.63 * ((na + nb) / (na * nb)).sqrt())
    }
}
