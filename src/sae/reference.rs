//! The sparse autoencoder written to be read: plain ndarray, a batch as a
//! matrix with one row per sample, one formula per line.
//!
//! This is the code Chapter 5 shows. The trainer runs the fast version
//! ([`super::model::forward`], [`super::model::backward`],
//! [`super::model::project_decoder_grad`]), which visits only the active
//! latents; the tests below prove the two compute the same loss and the
//! same gradient, for the ReLU with its L1 penalty and for TopK, on both of
//! the fast backward pass's paths.

use ndarray::{Array1, Array2, Axis};

use super::model::{self, Activation};

/// A matrix of single-precision numbers (the trainer's precision).
pub type Matrix = Array2<f32>;
/// A vector of single-precision numbers.
pub type Vector = Array1<f32>;

/// An SAE with M latents on d dimensions: W_enc and W_dec are M × d (row j
/// of W_dec is latent j's direction), b_enc has M entries, b_dec d.
#[derive(Debug, Clone, PartialEq)]
pub struct Sae {
    pub activation: Activation,
    /// The L1 coefficient λ.
    pub l1: f32,
    pub w_enc: Matrix,
    pub b_enc: Vector,
    pub w_dec: Matrix,
    pub b_dec: Vector,
    /// JumpReLU's ln θ, one per latent (empty for the others).
    pub log_theta: Vector,
}

/// What the forward pass computes: the centred input, the pre-activations,
/// the code, the reconstruction, and the loss with its two terms.
#[derive(Debug, Clone)]
pub struct Forward {
    pub x_bar: Matrix,
    pub a: Matrix,
    pub f: Matrix,
    pub x_hat: Matrix,
    /// 1/B Σ_s ‖x̂_s − x_s‖².
    pub mse: f32,
    /// 1/B Σ_s ‖f_s‖₁.
    pub l1: f32,
    /// mse + λ · l1 (JumpReLU: mse + λ · L0).
    pub total: f32,
}

/// The gradient of the loss with respect to each parameter.
#[derive(Debug, Clone)]
pub struct Gradient {
    pub w_enc: Matrix,
    pub b_enc: Vector,
    pub w_dec: Matrix,
    pub b_dec: Vector,
    pub log_theta: Vector,
}

fn relu(z: f32) -> f32 {
    z.max(0.0)
}

/// 1 where a latent is active (f > 0), else 0.
fn active(f: f32) -> f32 {
    if f > 0.0 { 1.0 } else { 0.0 }
}

// ANCHOR: top_k
/// In each row, the k largest pre-activations (ties go to the lower index)
/// if they are positive; every other latent is 0.
fn top_k(a: &Matrix, k: usize) -> Matrix {
    let mut f = Matrix::zeros(a.dim());
    for (a, mut f) in a.rows().into_iter().zip(f.rows_mut()) {
        let mut order: Vec<usize> = (0..a.len()).collect();
        order.sort_by(|&i, &j| a[j].total_cmp(&a[i]).then(i.cmp(&j)));
        for &j in order.iter().take(k) {
            f[j] = relu(a[j]);
        }
    }
    f
}
// ANCHOR_END: top_k

/// JumpReLU: a where a > θ_j, else 0.
fn jump_relu(a: &Matrix, theta: &Vector) -> Matrix {
    let mut f = a.clone();
    for mut row in f.rows_mut() {
        row.zip_mut_with(theta, |v, &t| *v = if *v > t { *v } else { 0.0 });
    }
    f
}

/// The penalised norm of the codes: ‖f‖₁ (per sample, averaged), or for
/// JumpReLU the number of active latents, L0.
fn penalty(sae: &Sae, f: &Matrix, l1: f32) -> f32 {
    match sae.activation {
        Activation::JumpRelu => f.mapv(active).sum() / f.nrows() as f32,
        _ => l1,
    }
}

// ANCHOR: forward
/// The SAE on a batch `x` (B × d, one sample per row).
pub fn forward(sae: &Sae, x: &Matrix) -> Forward {
    let x_bar = x - &sae.b_dec; // x̄ = x − b_dec
    let a = x_bar.dot(&sae.w_enc.t()) + &sae.b_enc; // a = W_enc x̄ + b_enc
    let f = match sae.activation {
        Activation::Relu => a.mapv(relu),
        Activation::TopK(k) => top_k(&a, k),
        Activation::JumpRelu => jump_relu(&a, &sae.log_theta.mapv(f32::exp)),
    };
    let x_hat = f.dot(&sae.w_dec) + &sae.b_dec; // x̂ = Σ_j f_j W_dec[j] + b_dec
    let batch = x.nrows() as f32;
    let mse = (&x_hat - x).mapv(|e| e * e).sum() / batch;
    let l1 = f.sum() / batch; // f ≥ 0, so ‖f‖₁ = Σ_j f_j
    let total = mse + sae.l1 * penalty(sae, &f, l1);
    Forward { x_bar, a, f, x_hat, mse, l1, total }
}
// ANCHOR_END: forward

// ANCHOR: backward
/// The gradient of the loss of [`forward`], by the chain rule.
pub fn backward(sae: &Sae, x: &Matrix, fw: &Forward) -> Gradient {
    let batch = x.nrows() as f32;
    let d_x_hat = (&fw.x_hat - x) * (2.0 / batch); // ∂L/∂x̂
    // x̂ = f W_dec + b_dec
    let d_w_dec = fw.f.t().dot(&d_x_hat);
    let d_f = d_x_hat.dot(&sae.w_dec.t()); // ∂(MSE)/∂f
    let d_log_theta = thresholds(sae, fw, &d_f, batch);
    // + the L1 term (JumpReLU's L0 term has no gradient in f)
    let l1 = if sae.activation == Activation::JumpRelu { 0.0 } else { sae.l1 };
    let d_f = d_f + l1 / batch;
    // Through the activation: only active latents pass a gradient.
    let d_a = d_f * fw.f.mapv(active);
    // a = W_enc x̄ + b_enc
    let d_b_enc = d_a.sum_axis(Axis(0));
    let d_w_enc = d_a.t().dot(&fw.x_bar);
    // b_dec appears twice: added in x̂, subtracted in x̄ = x − b_dec.
    let d_b_dec = d_x_hat.sum_axis(Axis(0)) - d_b_enc.dot(&sae.w_enc);
    let (w_enc, b_enc, w_dec, b_dec) = (d_w_enc, d_b_enc, d_w_dec, d_b_dec);
    Gradient { w_enc, b_enc, w_dec, b_dec, log_theta: d_log_theta }
}
// ANCHOR_END: backward

// ANCHOR: thresholds
/// JumpReLU's ∂L/∂ln θ by the straight-through estimate of Rajamanoharan et
/// al. (2024), from ∂(MSE)/∂f (`d_f`): each pre-activation within ε/2 of θ_j
/// adds −(θ_j/ε) ∂(MSE)/∂f_sj − λ/(B ε) to ∂L/∂θ_j; then ∂L/∂ln θ = θ ∂L/∂θ.
fn thresholds(sae: &Sae, fw: &Forward, d_f: &Matrix, batch: f32) -> Vector {
    let eps = model::JUMP_EPS;
    let mut d_log_theta = Vector::zeros(sae.log_theta.len());
    for (j, d_t) in d_log_theta.iter_mut().enumerate() {
        let theta = sae.log_theta[j].exp();
        let mut d_theta = 0.0;
        for s in 0..fw.a.nrows() {
            if (fw.a[[s, j]] - theta).abs() < eps / 2.0 {
                d_theta += -(theta / eps) * d_f[[s, j]] - sae.l1 / (batch * eps);
            }
        }
        *d_t = theta * d_theta;
    }
    d_log_theta
}
// ANCHOR_END: thresholds

// ANCHOR: project
/// Keep the decoder's rows at unit length to first order: remove from each
/// row's gradient g its component along the row w, g ← g − (g · w) w.
pub fn project_decoder_grad(w_dec: &Matrix, d_w_dec: &mut Matrix) {
    for (w, mut g) in w_dec.rows().into_iter().zip(d_w_dec.rows_mut()) {
        let along = g.dot(&w);
        g.scaled_add(-along, &w);
    }
}
// ANCHOR_END: project

impl Sae {
    /// The SAE whose parameters are the trainer's flat vector
    /// `[W_enc | b_enc | W_dec | b_dec | ln θ]`.
    pub fn from_flat(sae: &model::Sae) -> Self {
        let (spec, lay, p) = (sae.spec, sae.spec.layout(), &sae.params);
        let matrix = |at: usize| {
            let w = p[at..at + spec.m * spec.d].to_vec();
            Matrix::from_shape_vec((spec.m, spec.d), w).expect("M × d")
        };
        Sae {
            activation: spec.activation,
            l1: spec.l1,
            w_enc: matrix(lay.w_enc),
            b_enc: Vector::from(p[lay.b_enc..lay.w_dec].to_vec()),
            w_dec: matrix(lay.w_dec),
            b_dec: Vector::from(p[lay.b_dec..lay.b_dec + spec.d].to_vec()),
            log_theta: Vector::from(p[lay.log_theta..lay.len].to_vec()),
        }
    }
}

impl Gradient {
    /// The gradient in the trainer's flat layout.
    pub fn flat(&self) -> Vec<f32> {
        let blocks = self.w_enc.iter().chain(&self.b_enc).chain(&self.w_dec).chain(&self.b_dec);
        blocks.chain(&self.log_theta).copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::sae::model::{SaeSpec, Workspace};
    use rand::Rng;

    /// A small SAE with random biases and an encoder that is not the
    /// decoder's transpose, and a batch of 32 samples.
    fn setup(activation: Activation, seed: u64) -> (model::Sae, Vec<f32>) {
        let spec = SaeSpec { d: 12, m: 30, activation, l1: 0.3 };
        let mut rng = stream(50, seed);
        let mut sae = model::Sae::new(spec, &mut rng);
        let w_dec = spec.layout().w_dec;
        sae.params.iter_mut().take(w_dec).for_each(|v| *v += rng.random::<f32>() - 0.5);
        let x = (0..32 * 12).map(|_| rng.random::<f32>() * 2.0 - 0.5).collect();
        (sae, x)
    }

    /// A JumpReLU SAE whose thresholds sit just above some pre-activations
    /// of the batch (within ε/4), so that the straight-through estimate has
    /// entries to count; the other thresholds at 0.2.
    fn jump_setup(seed: u64) -> (model::Sae, Vec<f32>) {
        let (mut sae, x) = setup(Activation::JumpRelu, seed);
        let (m, lay) = (sae.spec.m, sae.spec.layout());
        let mut ws = Workspace::new(&sae.spec, 32);
        model::forward(&sae, &x, &mut ws);
        for j in 0..m {
            let a = ws.pre[(j % 32) * m + j];
            let theta = if j % 2 == 0 && a > 0.01 { a + model::JUMP_EPS / 4.0 } else { 0.2 };
            sae.params[lay.log_theta + j] = theta.ln();
        }
        (sae, x)
    }

    fn close(a: f32, b: f32, scale: f32) -> bool {
        (a - b).abs() <= 1e-5 * scale.max(1.0)
    }

    /// The fast forward and backward passes (both backward paths: over the
    /// active latents, and with dense products) against the reference.
    #[test]
    fn the_fast_passes_compute_the_reference_loss_and_gradient() {
        let activations = [Activation::Relu, Activation::TopK(4), Activation::JumpRelu];
        for (k, activation) in activations.into_iter().enumerate() {
            let (sae, x) = if activation == Activation::JumpRelu {
                jump_setup(k as u64)
            } else {
                setup(activation, k as u64)
            };
            let reference = Sae::from_flat(&sae);
            let xm = Matrix::from_shape_vec((32, 12), x.clone()).unwrap();
            let fw = forward(&reference, &xm);
            let expected = backward(&reference, &xm, &fw).flat();
            let largest = expected.iter().fold(0.0f32, |a, g| a.max(g.abs()));
            for dense in [false, true] {
                let what = format!("{activation:?}, dense backward {dense}");
                let mut ws = Workspace::new(&sae.spec, 32);
                let loss = model::forward(&sae, &x, &mut ws);
                assert!(close(loss.mse as f32, fw.mse, fw.mse), "{what}: mse {} vs {}", loss.mse, fw.mse);
                assert!(close(loss.l1 as f32, fw.l1, fw.l1), "{what}: l1 {} vs {}", loss.l1, fw.l1);
                assert!(
                    close(loss.total as f32, fw.total, fw.total),
                    "{what}: {} vs {}",
                    loss.total,
                    fw.total
                );
                let l0 = fw.f.iter().filter(|&&f| f > 0.0).count() as f64 / 32.0;
                assert_eq!(loss.l0, l0, "{what}: L0");
                let mut grad = vec![0.0; sae.params.len()];
                model::backward_with(&sae, &x, &mut ws, &mut grad, dense);
                for (q, (g, e)) in grad.iter().zip(&expected).enumerate() {
                    assert!(close(*g, *e, largest), "{what}, parameter {q}: {g} vs {e}");
                }
            }
            // The thresholds placed in the window get a gradient.
            let lay = sae.spec.layout();
            let moved = expected[lay.log_theta..].iter().filter(|g| **g != 0.0).count();
            assert!(activation != Activation::JumpRelu || moved >= 5, "{moved} thresholds with a gradient");
        }
    }

    /// The reference gradient against central finite differences of the
    /// reference loss, for every parameter, on batches of one sample (the
    /// ReLU and TopK make the loss piecewise smooth: a step that switches a
    /// latent on or off crosses a kink, where a finite difference is no
    /// derivative, and is skipped; every parameter must be checked on at
    /// least one of the samples).
    #[test]
    fn the_reference_gradient_matches_finite_differences() {
        let activations = [Activation::Relu, Activation::TopK(4), Activation::JumpRelu];
        for (k, activation) in activations.into_iter().enumerate() {
            let (sae, x) = setup(activation, 10 + k as u64);
            // JumpReLU's thresholds have a straight-through estimate, not a
            // derivative (the loss is flat in θ between jumps): the other
            // parameters only; the estimate is tested against its formula.
            let params = sae.spec.layout().log_theta;
            let mut checked = vec![0; sae.params.len()];
            for sample in x.chunks_exact(12).take(8) {
                let x = Matrix::from_shape_vec((1, 12), sample.to_vec()).unwrap();
                // The loss and which latents are active, at other parameters.
                let at = |params: &[f32]| {
                    let sae = model::Sae { spec: sae.spec, params: params.to_vec() };
                    let fw = forward(&Sae::from_flat(&sae), &x);
                    (fw.total as f64, fw.f.mapv(active))
                };
                let reference = Sae::from_flat(&sae);
                let grad = backward(&reference, &x, &forward(&reference, &x)).flat();
                let pattern = at(&sae.params).1;
                // Single precision: the step is wide enough that the loss's
                // rounding (about 1e-7 of it) is small against the difference.
                let eps = 3e-3;
                let largest = grad.iter().fold(0.0f32, |a, g| a.max(g.abs())) as f64;
                for q in 0..params {
                    let (mut plus, mut minus) = (sae.params.clone(), sae.params.clone());
                    plus[q] += eps;
                    minus[q] -= eps;
                    let ((lp, fp), (lm, fm)) = (at(&plus), at(&minus));
                    if fp != pattern || fm != pattern {
                        continue;
                    }
                    checked[q] += 1;
                    let numeric = (lp - lm) / (2.0 * eps as f64);
                    let error = (numeric - grad[q] as f64).abs() / largest;
                    assert!(error < 1e-3, "{activation:?}, parameter {q}: {numeric} vs {}", grad[q]);
                }
            }
            let never = checked[..params].iter().filter(|&&c| c == 0).count();
            assert_eq!(never, 0, "{activation:?}: {never} parameters never checked");
        }
    }

    #[test]
    fn the_fast_projection_is_the_reference_projection() {
        let (sae, _) = setup(Activation::Relu, 20);
        let mut rng = stream(51, 0);
        let mut grad: Vec<f32> = (0..sae.params.len()).map(|_| rng.random::<f32>() - 0.5).collect();
        let lay = sae.spec.layout();
        let (m, d) = (sae.spec.m, sae.spec.d);
        let mut expected = Matrix::from_shape_vec((m, d), grad[lay.w_dec..lay.b_dec].to_vec()).unwrap();
        project_decoder_grad(&Sae::from_flat(&sae).w_dec, &mut expected);
        model::project_decoder_grad(&sae, &mut grad);
        for (g, e) in grad[lay.w_dec..lay.b_dec].iter().zip(&expected) {
            assert!(close(*g, *e, 1.0), "{g} vs {e}");
        }
    }
}
