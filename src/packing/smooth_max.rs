//! A better objective: minimise the worst pair through a smooth maximum of cos².

use super::*;
use crate::optim::{Adam, AdamConfig, Schedule};
use crate::rng::stream;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, NdFloat, s};
use rand::Rng;
use serde::Serialize;

/// Buffers for [`smooth_max_loss_grad`]: the unit rows U, their norms, the
/// N×N matrix (C, then the weights A), and ∂f/∂U.
#[derive(Debug, Clone)]
pub struct SmoothMaxWork<F> {
    pub u: Array2<F>,
    norms: Vec<F>,
    c: Array2<F>,
    grad_u: Array2<F>,
}

impl<F: NdFloat> SmoothMaxWork<F> {
    /// Buffers for N vectors in R^d.
    pub fn new(n: usize, d: usize) -> Self {
        SmoothMaxWork {
            u: Array2::zeros((n, d)),
            norms: vec![F::zero(); n],
            c: Array2::zeros((n, n)),
            grad_u: Array2::zeros((n, d)),
        }
    }
}

/// The value of the smooth maximum and the true maximum it approximates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmoothMaxValue {
    /// f_β = (1/β) ln Σ_{i<j} exp(β c_ij²).
    pub loss: f64,
    /// max_{i<j} c_ij², which f_β exceeds by at most ln(N(N−1)/2)/β.
    pub max_sq: f64,
}

/// The smooth maximum of the squared cosines and its gradient.
///
/// With u_i = v_i/‖v_i‖ and c_ij = ⟨u_i, u_j⟩,
///
///   f_β(V) = (1/β) ln Σ_{i<j} exp(β c_ij²),
///
/// which lies between max c_ij² and max c_ij² + ln(N(N−1)/2)/β: as β grows
/// it becomes the worst squared cosine (cos² because lines, not vectors:
/// the sign of a vector does not matter). The gradient, one step at a time:
///
/// 1. ∂f/∂c_ij = 2 c_ij w_ij, with softmax weights
///    w_ij = exp(β c_ij²) / Σ_{k<l} exp(β c_kl²) (computed as exp(β(c_ij² − M)) / Z
///    with M the largest c², so nothing overflows);
/// 2. c_ij = ⟨u_i, u_j⟩ gives ∂f/∂u_i = Σ_{j≠i} A_ij u_j, i.e. ∂f/∂U = A U with
///    A_ij = 2 c_ij w_ij (i ≠ j), A_ii = 0;
/// 3. through the normalisation u = v/‖v‖, whose Jacobian is (I − u uᵀ)/‖v‖:
///    ∂f/∂v_i = (g_i − ⟨g_i, u_i⟩ u_i) / ‖v_i‖, with g_i = ∂f/∂u_i.
///
/// Writes the gradient into `grad` and leaves the unit rows in `work.u`.
// ANCHOR: smooth_max_loss_grad
pub fn smooth_max_loss_grad<F: NdFloat>(
    v: ArrayView2<F>,
    beta: F,
    work: &mut SmoothMaxWork<F>,
    grad: &mut Array2<F>,
) -> SmoothMaxValue {
    normalise_into(v, &mut work.u, &mut work.norms); // u_i = v_i/‖v_i‖
    let u = work.u.view();
    general_mat_mul(F::one(), &u, &u.t(), F::zero(), &mut work.c); // C = U Uᵀ
    let value = softmax_weights(&mut work.c, beta); // C → A
    general_mat_mul(F::one(), &work.c, &u, F::zero(), &mut work.grad_u); // ∂f/∂U = A U
    through_normalisation(u, &work.norms, work.grad_u.view(), grad); // ∂f/∂V
    value
}
// ANCHOR_END: smooth_max_loss_grad

/// u_i = v_i / ‖v_i‖ into `u`, and ‖v_i‖ into `norms`.
fn normalise_into<F: NdFloat>(v: ArrayView2<F>, u: &mut Array2<F>, norms: &mut [F]) {
    for ((row, mut out), norm) in v.rows().into_iter().zip(u.rows_mut()).zip(norms.iter_mut()) {
        *norm = row.dot(&row).sqrt();
        out.assign(&row);
        out /= *norm;
    }
}

/// Replaces the cosine matrix C by A, A_ij = 2 c_ij w_ij for i ≠ j and A_ii = 0,
/// with w_ij = exp(β(c_ij² − M)) / Z the softmax weights over pairs
/// (M = max_{i<j} c_ij², Z = Σ_{i<j} exp(β(c_ij² − M)) = ½ Σ_{i≠j} …), and
/// returns f_β = M + ln Z / β and M.
fn softmax_weights<F: NdFloat>(c: &mut Array2<F>, beta: F) -> SmoothMaxValue {
    let mut max_sq = F::zero();
    for (i, row) in c.rows().into_iter().enumerate() {
        max_sq = row.slice(s![i + 1..]).fold(max_sq, |m, &x| m.max(x * x));
    }
    let two = F::one() + F::one();
    let mut z = F::zero(); // Σ_{i≠j} exp(β(c_ij² − M)) = 2Z
    for (i, mut row) in c.rows_mut().into_iter().enumerate() {
        row[i] = F::zero(); // A_ii = 0 (and c_ii = 1 must not enter Z)
        let row = row.as_slice_mut().expect("C is in standard layout");
        let (before, after) = row.split_at_mut(i);
        for x in before.iter_mut().chain(&mut after[1..]) {
            let e = (beta * (*x * *x - max_sq)).exp();
            z += e;
            *x = two * *x * e; // 2 c_ij exp(β(c_ij² − M)), divided by Z below
        }
    }
    let z = z / two;
    c.mapv_inplace(|a| a / z);
    let to64 = |x: F| x.to_f64().expect("finite");
    SmoothMaxValue { loss: to64(max_sq) + to64(z).ln() / to64(beta), max_sq: to64(max_sq) }
}

/// ∂f/∂v_i = (g_i − ⟨g_i, u_i⟩ u_i) / ‖v_i‖: the gradient with respect to the
/// unit rows pulled back through u = v/‖v‖ (only the part orthogonal to u_i
/// survives, since f does not depend on the length of v_i).
fn through_normalisation<F: NdFloat>(u: ArrayView2<F>, norms: &[F], g: ArrayView2<F>, grad: &mut Array2<F>) {
    for (((u_i, g_i), mut out), &norm) in u.rows().into_iter().zip(g.rows()).zip(grad.rows_mut()).zip(norms) {
        let along = g_i.dot(&u_i);
        out.assign(&g_i);
        out.scaled_add(-along, &u_i);
        out /= norm;
    }
}

/// How [`minimise_worst_cos_with`] runs.
///
/// A step costs two products of N²d multiply-adds and N² exponentials, and
/// holds an N×N matrix: meant for N up to a few thousand.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SmoothMaxConfig {
    /// Adam steps per restart.
    pub steps: usize,
    /// Adam's learning rate (an angle in radians, roughly: the rows are kept
    /// at unit length), decayed by a cosine schedule to `lr · lr_floor`.
    pub lr: f32,
    pub lr_floor: f32,
    /// β grows geometrically from `beta_start` to `beta_end` over the run.
    pub beta_start: f64,
    pub beta_end: f64,
}

impl Default for SmoothMaxConfig {
    /// 3000 steps at lr 0.01 with β from 1 to 10⁶. At β ≈ 1, f_β ≈ ln(P)/β + mean c²
    /// (P pairs), so the run starts by spreading all pairs evenly (like the
    /// frame potential Σ c², whose minimisers are tight frames) and ends on the
    /// worst pair alone. Tuned on lines in R³ and on N = 2d…10d for d ≤ 20:
    /// a smaller β at the start and lr 0.01 found better packings than β from 10
    /// or lr 0.02–0.05.
    fn default() -> Self {
        SmoothMaxConfig { steps: 3000, lr: 0.01, lr_floor: 0.0, beta_start: 1.0, beta_end: 1e6 }
    }
}

impl SmoothMaxConfig {
    /// β at step t: β_start (β_end/β_start)^(t/(T−1)).
    pub fn beta(&self, t: usize) -> f64 {
        let progress = t as f64 / self.steps.saturating_sub(1).max(1) as f64;
        self.beta_start * (self.beta_end / self.beta_start).powf(progress)
    }
}

/// The best of `restarts` runs of [`SmoothMaxConfig::default`] with `steps`
/// steps: N unit vectors in R^d with small worst |cos|, and that worst |cos|.
pub fn minimise_worst_cos(
    n: usize,
    d: usize,
    steps: usize,
    restarts: usize,
    seed: u64,
) -> (Array2<f32>, f64) {
    minimise_worst_cos_with(n, d, &SmoothMaxConfig { steps, ..SmoothMaxConfig::default() }, restarts, seed)
}

/// The best of `restarts` runs (restart r draws its starting vectors from
/// `stream(seed, r)`): the unit vectors with the smallest worst |cos| seen,
/// and that worst |cos| (evaluated in `f64`).
pub fn minimise_worst_cos_with(
    n: usize,
    d: usize,
    config: &SmoothMaxConfig,
    restarts: usize,
    seed: u64,
) -> (Array2<f32>, f64) {
    assert!(n >= 2 && d >= 1 && restarts >= 1);
    (0..restarts as u64)
        .map(|r| smooth_max_run(n, d, config, &mut stream(seed, r)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("at least one restart")
}

/// One run: random unit vectors, then Adam on f_β with β annealed upwards;
/// the rows are renormalised after each step (f does not depend on their
/// length, and unit rows keep Adam's step an angle). Keeps the iterate with
/// the smallest worst |cos| seen.
// ANCHOR: smooth_max_run
fn smooth_max_run<R: Rng>(
    n: usize, // vectors
    d: usize, // dimensions
    config: &SmoothMaxConfig,
    rng: &mut R,
) -> (Array2<f32>, f64) {
    let mut v = random_unit_rows(n, d, rng);
    let schedule = Schedule::Cosine { steps: config.steps, floor: config.lr_floor };
    let adam_config = AdamConfig::adam(config.lr).with_schedule(schedule);
    let mut adam = Adam::new(adam_config, n * d);
    let mut work = SmoothMaxWork::new(n, d);
    let mut grad = Array2::zeros((n, d));
    let (mut best, mut best_sq) = (v.clone(), f64::INFINITY);
    for t in 0..config.steps {
        let beta = config.beta(t) as f32;
        let value = smooth_max_loss_grad(v.view(), beta, &mut work, &mut grad);
        if value.max_sq < best_sq {
            best_sq = value.max_sq;
            best.assign(&work.u);
        }
        let params = v.as_slice_mut().expect("contiguous");
        adam.step(params, grad.as_slice().expect("contiguous"));
        normalise_rows(&mut v);
    }
    let worst = worst_abs_cos(best.view());
    (best, worst)
}
// ANCHOR_END: smooth_max_run
