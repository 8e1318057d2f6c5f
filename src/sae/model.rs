//! A sparse autoencoder (SAE) with a hand-written backward pass.
//!
//!   x̄ = x − b_dec,   a = W_enc x̄ + b_enc,   f = ReLU(a)  (or TopK(a)),
//!   x̂ = W_dec f + b_dec,
//!   L = 1/B Σ_s ‖x̂_s − x_s‖² + λ · 1/B Σ_s Σ_j f_sj
//!
//! with M latents. W_enc is M × d; W_dec is stored as M × d too (row j is
//! latent j's decoder direction), kept at unit norm: the gradient's component
//! along each row is removed before the step and the rows are renormalised
//! after it (Bricken et al., 2023), so the L1 penalty cannot be dodged by
//! shrinking f and growing W_dec.
//!
//! Only the active latents matter in the backward pass: ∂L/∂a_sj is zero
//! where the ReLU (or TopK) is off, so everything after the encoder's forward
//! product costs O(L0 · d) per sample instead of O(M · d).

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use crate::simd::{axpy, dot, positive_indices};

/// How latents are switched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// f = ReLU(a), with the L1 penalty λ‖f‖₁.
    Relu,
    /// Keep the k largest pre-activations (if positive), zero the rest; L0 ≤ k.
    TopK(usize),
    /// f = a where a > θ_j, else 0, with a learned threshold θ_j per latent
    /// and the penalty λ‖f‖₀ (Rajamanoharan et al. 2024; see [`JUMP_EPS`]).
    JumpRelu,
}

/// The width ε of the rectangle kernel with which JumpReLU's thresholds get
/// a gradient (a straight-through estimate): pre-activations within ε/2 of
/// θ_j count. The paper uses 0.001 (for inputs of unit mean squared norm,
/// like these) over far longer training with batches of 4,096; a wider
/// window gives this chapter's 6,000 steps of 256 samples more of them.
pub const JUMP_EPS: f32 = 0.05;

/// JumpReLU's initial threshold. The paper starts at 0.001; in this
/// chapter's short training the encoder then learns a dense code (every
/// live latent on every sample) before the thresholds can rise, and finds
/// no feature (exercise 12 asks you to see it).
pub const JUMP_THETA0: f32 = 0.05;

/// The SAE's size and penalty.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SaeSpec {
    pub d: usize,
    pub m: usize,
    pub activation: Activation,
    /// The L1 coefficient λ (0 for TopK, usually).
    pub l1: f32,
}

/// Parameters, flat: `[W_enc (M×d) | b_enc (M) | W_dec (M×d) | b_dec (d)]`,
/// then, for JumpReLU, ln θ (M).
#[derive(Debug, Clone, PartialEq)]
pub struct Sae {
    pub spec: SaeSpec,
    pub params: Vec<f32>,
}

/// Offsets of the four blocks in the flat vector, and of a fifth for
/// JumpReLU: the thresholds' logarithms, ln θ_j (empty otherwise).
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub w_enc: usize,
    pub b_enc: usize,
    pub w_dec: usize,
    pub b_dec: usize,
    pub log_theta: usize,
    pub len: usize,
}

impl SaeSpec {
    pub fn layout(&self) -> Layout {
        let (d, m) = (self.d, self.m);
        let log_theta = 2 * m * d + m + d;
        let thetas = if self.activation == Activation::JumpRelu { m } else { 0 };
        Layout {
            w_enc: 0,
            b_enc: m * d,
            w_dec: m * d + m,
            b_dec: 2 * m * d + m,
            log_theta,
            len: log_theta + thetas,
        }
    }
}

impl Sae {
    /// Random unit decoder rows, the encoder initialised to the decoder's
    /// transpose (a common choice that starts every latent on its own
    /// direction), zero biases; b_dec is then set from the data.
    pub fn new(spec: SaeSpec, rng: &mut ChaCha8Rng) -> Self {
        let l = spec.layout();
        let (d, m) = (spec.d, spec.m);
        let mut params = vec![0.0f32; l.len];
        let normal = Normal::new(0.0f32, 1.0).expect("unit normal");
        for j in 0..m {
            let row = &mut params[l.w_dec + j * d..l.w_dec + (j + 1) * d];
            row.iter_mut().for_each(|v| *v = normal.sample(rng));
            normalise(row);
        }
        let (enc, dec) = params.split_at_mut(l.w_dec);
        enc[..m * d].copy_from_slice(&dec[..m * d]);
        params[l.log_theta..l.len].fill(JUMP_THETA0.ln());
        Sae { spec, params }
    }

    /// Set b_dec to the mean of `x` (n × d, row-major).
    pub fn init_decoder_bias(&mut self, x: &[f32]) {
        let (d, l) = (self.spec.d, self.spec.layout());
        let n = x.len() / d;
        let mut mean = vec![0.0f64; d];
        for row in x.chunks_exact(d) {
            mean.iter_mut().zip(row).for_each(|(m, &v)| *m += v as f64);
        }
        for (b, m) in self.params[l.b_dec..l.b_dec + d].iter_mut().zip(mean) {
            *b = (m / n as f64) as f32;
        }
    }

    /// Decoder row j (latent j's direction).
    pub fn decoder(&self, j: usize) -> &[f32] {
        let (d, l) = (self.spec.d, self.spec.layout());
        &self.params[l.w_dec + j * d..l.w_dec + (j + 1) * d]
    }

    /// Renormalise every decoder row to unit length (after an optimiser step).
    #[inline(always)]
    pub fn normalise_decoder(&mut self) {
        let (d, l) = (self.spec.d, self.spec.layout());
        for row in self.params[l.w_dec..l.b_dec].chunks_exact_mut(d) {
            normalise(row);
        }
    }
}

#[inline(always)]
fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
}

/// Buffers for one batch size, allocated once.
#[derive(Debug, Clone)]
pub struct Workspace {
    xbar: Vec<f32>,
    pub pre: Vec<f32>,
    /// Per sample, the active latents and their values.
    pub start: Vec<usize>,
    pub active: Vec<u32>,
    pub value: Vec<f32>,
    xhat: Vec<f32>,
    grad_a: Vec<f32>,
    /// F as a dense B × M matrix, when many latents are active.
    f_dense: Vec<f32>,
    /// Whether the last forward pass took the dense path.
    pub dense: bool,
    /// One sample's kept latents, and TopK's k best so far (see [`top_k`]).
    order: Vec<u32>,
    best: Vec<(i32, u32)>,
}

impl Workspace {
    /// x̂ of the last forward pass (n samples of d), until a backward pass
    /// overwrites it with its gradient.
    pub fn reconstruction(&self, n: usize, d: usize) -> &[f32] {
        &self.xhat[..n * d]
    }

    pub fn new(spec: &SaeSpec, batch: usize) -> Self {
        Workspace {
            xbar: vec![0.0; batch * spec.d],
            pre: vec![0.0; batch * spec.m],
            start: vec![0; batch + 1],
            active: Vec::with_capacity(batch * 64),
            value: Vec::with_capacity(batch * 64),
            xhat: vec![0.0; batch * spec.d],
            grad_a: vec![0.0; batch * spec.m],
            f_dense: vec![0.0; batch * spec.m],
            dense: false,
            order: vec![0; spec.m],
            best: Vec::with_capacity(spec.m),
        }
    }
}

/// The loss terms of one batch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Loss {
    /// 1/B Σ ‖x̂ − x‖².
    pub mse: f64,
    /// 1/B Σ ‖f‖₁.
    pub l1: f64,
    /// The objective, mse + λ·l1.
    pub total: f64,
    /// Mean number of active latents.
    pub l0: f64,
}

/// Forward pass for a batch `x` (B × d); the active latents are left in `ws`,
/// and x̂ in `ws.xhat`.
pub fn forward(sae: &Sae, x: &[f32], ws: &mut Workspace) -> Loss {
    reconstruct(sae, x, ws);
    loss(sae, x, ws)
}

/// The loss of the codes and reconstructions in `ws` on the batch `x`.
pub fn loss(sae: &Sae, x: &[f32], ws: &Workspace) -> Loss {
    let SaeSpec { d, l1, .. } = sae.spec;
    let b = x.len() / d;
    let mut l1_sum = 0.0f64;
    for s in 0..b {
        l1_sum += ws.value[ws.start[s]..ws.start[s + 1]].iter().map(|&v| v as f64).sum::<f64>();
    }
    let mut mse_sum = 0.0f64;
    for (xh, xs) in ws.xhat[..b * d].chunks_exact(d).zip(x.chunks_exact(d)) {
        mse_sum += xh.iter().zip(xs).map(|(&a, &c)| ((a - c) as f64).powi(2)).sum::<f64>();
    }
    let (mse, l1_mean) = (mse_sum / b as f64, l1_sum / b as f64);
    let l0 = ws.active.len() as f64 / b as f64;
    // JumpReLU's penalty counts the active latents; the others' sums them.
    let penalty = if sae.spec.activation == Activation::JumpRelu { l0 } else { l1_mean };
    Loss { mse, l1: l1_mean, total: mse + l1 as f64 * penalty, l0 }
}

/// The codes `f` (B × M) in place of the encoder's: their active latents
/// and x̂ in `ws`, and their loss as [`forward`] reports it.
pub fn decode_codes(sae: &Sae, x: &[f32], f: &[f32], ws: &mut Workspace) -> Loss {
    let SaeSpec { d, m, .. } = sae.spec;
    let b = x.len() / d;
    ws.active.clear();
    ws.value.clear();
    ws.start[0] = 0;
    for (s, row) in f.chunks_exact(m).take(b).enumerate() {
        for (j, &v) in row.iter().enumerate().filter(|(_, v)| **v > 0.0) {
            ws.active.push(j as u32);
            ws.value.push(v);
        }
        ws.start[s + 1] = ws.active.len();
    }
    decode(sae, b, ws);
    loss(sae, x, ws)
}

/// [`forward`] without the loss (training needs only the gradient): the
/// active latents and x̂ in `ws`.
#[inline(always)]
pub fn reconstruct(sae: &Sae, x: &[f32], ws: &mut Workspace) {
    let SaeSpec { d, m, activation, .. } = sae.spec;
    let b = x.len() / d;
    encode(sae, x, ws);
    let lay = sae.spec.layout();
    activate(activation, b, m, &sae.params[lay.log_theta..lay.len], ws);
    decode(sae, b, ws);
}

/// The pre-activations `ws.pre` = x̄ W_encᵀ + b_enc, with x̄ = x − b_dec.
#[inline(always)]
fn encode(sae: &Sae, x: &[f32], ws: &mut Workspace) {
    let SaeSpec { d, m, .. } = sae.spec;
    let lay = sae.spec.layout();
    let p = &sae.params;
    let b = x.len() / d;
    let b_dec = &p[lay.b_dec..lay.b_dec + d];
    // x̄ = x − b_dec
    for (xb, xs) in ws.xbar.chunks_exact_mut(d).zip(x.chunks_exact(d)) {
        xb.iter_mut().zip(xs).zip(b_dec).for_each(|((o, &v), &c)| *o = v - c);
    }
    // a = x̄ W_encᵀ + b_enc: the one dense product, B × d times d × M.
    let xbar = ArrayView2::from_shape((b, d), &ws.xbar[..b * d]).expect("B × d");
    let w_enc = ArrayView2::from_shape((m, d), &p[lay.w_enc..lay.b_enc]).expect("M × d");
    let mut pre = ArrayViewMut2::from_shape((b, m), &mut ws.pre[..b * m]).expect("B × M");
    general_mat_mul(1.0, &xbar, &w_enc.t(), 0.0, &mut pre);
    let b_enc = &p[lay.b_enc..lay.w_dec];
    for row in ws.pre[..b * m].chunks_exact_mut(m) {
        row.iter_mut().zip(b_enc).for_each(|(a, &c)| *a += c);
    }
}

/// f: the active latents of each sample and their values, as lists in `ws`
/// (`start`, `active`, `value`); `log_theta` holds JumpReLU's ln θ.
#[inline(always)]
fn activate(activation: Activation, b: usize, m: usize, log_theta: &[f32], ws: &mut Workspace) {
    ws.active.clear();
    ws.value.clear();
    ws.start[0] = 0;
    let theta: Vec<f32> = log_theta.iter().map(|t| t.exp()).collect();
    for s in 0..b {
        let a = &ws.pre[s * m..(s + 1) * m];
        let kept = match activation {
            Activation::Relu => positive_indices(a, &mut ws.order),
            Activation::JumpRelu => {
                let mut kept = 0;
                for (j, (&v, &t)) in a.iter().zip(&theta).enumerate() {
                    ws.order[kept] = j as u32;
                    kept += (v > t) as usize;
                }
                kept
            }
            Activation::TopK(k) => {
                // The k largest (ties by index), kept if positive, in index order.
                let top = top_k(a, k, &mut ws.best, &mut ws.order);
                let mut kept = 0;
                for t in 0..top {
                    let j = ws.order[t];
                    ws.order[kept] = j;
                    kept += (a[j as usize] > 0.0) as usize;
                }
                kept
            }
        };
        for &j in &ws.order[..kept] {
            ws.active.push(j);
            ws.value.push(a[j as usize]);
        }
        ws.start[s + 1] = ws.active.len();
    }
}

/// f32's total order ([`f32::total_cmp`]) as an integer's: the same
/// comparisons, one instruction each.
fn total_order_key(v: f32) -> i32 {
    let bits = v.to_bits() as i32;
    bits ^ (((bits >> 31) as u32) >> 1) as i32
}

/// The indices of the k largest entries of `a` (in f32's total order; of
/// equal entries, the lower index), in increasing order, into `out`;
/// returns how many (k, or `a.len()` if smaller). One pass: `best` holds the
/// k best so far, best first, and an entry enters only if it beats the
/// k-th, which after the first few hundred entries is rare.
#[inline(always)]
fn top_k(a: &[f32], k: usize, best: &mut Vec<(i32, u32)>, out: &mut [u32]) -> usize {
    let k = k.min(a.len());
    best.clear();
    if k == 0 {
        return 0;
    }
    for (j, &v) in a.iter().enumerate() {
        let key = total_order_key(v);
        if best.len() == k {
            // An equal entry comes later, so it loses the tie.
            if key <= best[k - 1].0 {
                continue;
            }
            best.pop();
        }
        // After the entries it does not beat (the later index loses ties).
        let at = best.iter().rposition(|&(b, _)| b >= key).map_or(0, |p| p + 1);
        best.insert(at, (key, j as u32));
    }
    for (o, &(_, j)) in out.iter_mut().zip(best.iter()) {
        *o = j;
    }
    out[..k].sort_unstable();
    k
}

/// x̂ = Σ_active f_j W_dec[j] + b_dec, into `ws.xhat`: over the active
/// latents, or as the product F W_dec when many are active (early in training).
#[inline(always)]
fn decode(sae: &Sae, b: usize, ws: &mut Workspace) {
    let SaeSpec { d, m, .. } = sae.spec;
    let lay = sae.spec.layout();
    let p = &sae.params;
    let b_dec = &p[lay.b_dec..lay.b_dec + d];
    ws.dense = ws.active.len() as f64 > DENSE_BACKWARD * (b * m) as f64;
    if ws.dense {
        let f = &mut ws.f_dense[..b * m];
        f.fill(0.0);
        for s in 0..b {
            for k in ws.start[s]..ws.start[s + 1] {
                f[s * m + ws.active[k] as usize] = ws.value[k];
            }
        }
        let fm = ArrayView2::from_shape((b, m), &ws.f_dense[..b * m]).expect("B × M");
        let w_dec = ArrayView2::from_shape((m, d), &p[lay.w_dec..lay.b_dec]).expect("M × d");
        let mut xh = ArrayViewMut2::from_shape((b, d), &mut ws.xhat[..b * d]).expect("B × d");
        general_mat_mul(1.0, &fm, &w_dec, 0.0, &mut xh);
        for xh in ws.xhat[..b * d].chunks_exact_mut(d) {
            axpy(1.0, b_dec, xh);
        }
    } else {
        for s in 0..b {
            let xh = &mut ws.xhat[s * d..(s + 1) * d];
            xh.copy_from_slice(b_dec);
            for k in ws.start[s]..ws.start[s + 1] {
                let j = ws.active[k] as usize;
                axpy(ws.value[k], &p[lay.w_dec + j * d..lay.w_dec + (j + 1) * d], xh);
            }
        }
    }
}

/// Above this share of active latents (L0 / M) the decoder and the backward
/// pass use dense matrix products; below it, they visit the active latents
/// only. Where the two cost the same, measured for d = 64, M = 128 to 512 and
/// a batch of 256: a share near 0.2 (the products run near the processor's
/// peak, the lists at a fraction of it).
pub const DENSE_BACKWARD: f64 = 0.2;

/// The gradient of the loss of the last [`forward`] (overwrites `grad`).
#[inline(always)]
pub fn backward(sae: &Sae, x: &[f32], ws: &mut Workspace, grad: &mut [f32]) {
    let dense = ws.dense;
    backward_with(sae, x, ws, grad, dense);
}

/// [`backward`] with the choice of path made by the caller: the dense
/// matrix products (`dense`) or the lists of active latents. Both give the
/// same gradient (the tests check); the benchmark measures the difference.
#[inline(always)]
pub fn backward_with(sae: &Sae, x: &[f32], ws: &mut Workspace, grad: &mut [f32], dense: bool) {
    let SaeSpec { d, m, .. } = sae.spec;
    let lay = sae.spec.layout();
    let b = x.len() / d;
    grad.fill(0.0);
    // g = ∂L/∂x̂ = 2 (x̂ − x) / B, kept in place of x̂.
    let scale = 2.0 / b as f32;
    ws.xhat[..b * d].iter_mut().zip(x).for_each(|(g, &c)| *g = scale * (*g - c));
    // ∂L/∂b_dec gets Σ_s g_s from x̂ = … + b_dec.
    for g in ws.xhat[..b * d].chunks_exact(d) {
        axpy(1.0, g, &mut grad[lay.b_dec..lay.b_dec + d]);
    }
    if dense {
        backward_dense(sae, ws, b, grad);
    } else {
        backward_sparse(sae, ws, b, grad);
    }
    if sae.spec.activation == Activation::JumpRelu {
        threshold_grad(sae, ws, b, grad);
    }
    // x̄ = x − b_dec: ∂L/∂b_dec −= Σ_s W_encᵀ ∂L/∂a_s = W_encᵀ (∂L/∂b_enc).
    let (enc, rest) = grad.split_at_mut(lay.w_dec);
    let (w_enc, b_enc) = (&sae.params[lay.w_enc..lay.b_enc], &enc[lay.b_enc..lay.b_enc + m]);
    for (row, &db) in w_enc.chunks_exact(d).zip(b_enc) {
        axpy(-db, row, &mut rest[lay.b_dec - lay.w_dec..lay.b_dec - lay.w_dec + d]);
    }
}

/// Visit the active latents of each sample: for active j,
///   ∂L/∂W_dec[j] += f_j g,   ∂L/∂a_j = W_dec[j]·g + λ/B (L1 penalty),
///   ∂L/∂W_enc[j] += ∂L/∂a_j x̄,   ∂L/∂b_enc[j] += ∂L/∂a_j.
// ANCHOR: backward_sparse
#[inline(always)]
fn backward_sparse(sae: &Sae, ws: &Workspace, b: usize, grad: &mut [f32]) {
    let d = sae.spec.d;
    let lay = sae.spec.layout();
    let p = &sae.params;
    for s in 0..b {
        let (g, xbar) = (&ws.xhat[s * d..(s + 1) * d], &ws.xbar[s * d..(s + 1) * d]);
        for k in ws.start[s]..ws.start[s + 1] {
            let j = ws.active[k] as usize;
            let (dec, enc) = (lay.w_dec + j * d, lay.w_enc + j * d);
            let da = dot(&p[dec..dec + d], g) + l1_grad(sae, b);
            axpy(ws.value[k], g, &mut grad[dec..dec + d]);
            axpy(da, xbar, &mut grad[enc..enc + d]);
            grad[lay.b_enc + j] += da;
        }
    }
}
// ANCHOR_END: backward_sparse

/// ∂(λ penalty)/∂a_j of an active latent: λ/B for the L1 penalty (and for
/// TopK, whose λ is 0); 0 for JumpReLU's λ‖f‖₀, which a cannot move.
#[inline(always)]
fn l1_grad(sae: &Sae, b: usize) -> f32 {
    if sae.spec.activation == Activation::JumpRelu { 0.0 } else { sae.spec.l1 / b as f32 }
}

/// JumpReLU's thresholds, by the straight-through estimate of Rajamanoharan
/// et al. (2024): with the rectangle kernel K(u) = 1 for |u| < 1/2,
///   ∂f/∂θ ≈ −(θ/ε) K((a − θ)/ε),   ∂H(a − θ)/∂θ ≈ −(1/ε) K((a − θ)/ε),
/// so every pre-activation within ε/2 of θ_j adds
///   ∂L/∂θ_j += −(θ_j/ε) (W_dec[j]·g) − λ/(B ε),
/// and ∂L/∂ln θ_j = θ_j ∂L/∂θ_j. (`ws.xhat` holds g = ∂L/∂x̂.)
// ANCHOR: threshold_grad
#[inline(always)]
fn threshold_grad(sae: &Sae, ws: &Workspace, b: usize, grad: &mut [f32]) {
    let SaeSpec { d, m, l1, .. } = sae.spec;
    let (lay, p) = (sae.spec.layout(), &sae.params);
    for j in 0..m {
        let theta = p[lay.log_theta + j].exp();
        let dec = &p[lay.w_dec + j * d..lay.w_dec + (j + 1) * d];
        let mut d_theta = 0.0f32;
        for s in 0..b {
            if (ws.pre[s * m + j] - theta).abs() < JUMP_EPS / 2.0 {
                let d_f = dot(dec, &ws.xhat[s * d..(s + 1) * d]); // ∂L/∂f_sj
                d_theta += -(theta / JUMP_EPS) * d_f - l1 / (b as f32 * JUMP_EPS);
            }
        }
        grad[lay.log_theta + j] = theta * d_theta;
    }
}
// ANCHOR_END: threshold_grad

/// The same with dense B × M matrices and three matrix products, for when
/// many latents are active (early in training).
#[inline(always)]
fn backward_dense(sae: &Sae, ws: &mut Workspace, b: usize, grad: &mut [f32]) {
    let SaeSpec { d, m, .. } = sae.spec;
    let lay = sae.spec.layout();
    let p = &sae.params;
    // F (B × M) from the active lists, unless the forward pass built it.
    if !ws.dense {
        let f = &mut ws.f_dense[..b * m];
        f.fill(0.0);
        for s in 0..b {
            for k in ws.start[s]..ws.start[s + 1] {
                f[s * m + ws.active[k] as usize] = ws.value[k];
            }
        }
    }
    let g = ArrayView2::from_shape((b, d), &ws.xhat[..b * d]).expect("B × d");
    let fm = ArrayView2::from_shape((b, m), &ws.f_dense[..b * m]).expect("B × M");
    let (w_enc_grad, rest) = grad.split_at_mut(lay.b_enc);
    let (b_enc_grad, rest) = rest.split_at_mut(m);
    let w_dec_grad = &mut rest[..m * d];
    // ∂L/∂W_dec = Fᵀ G
    let mut gd = ArrayViewMut2::from_shape((m, d), w_dec_grad).expect("M × d");
    general_mat_mul(1.0, &fm.t(), &g, 0.0, &mut gd);
    // ∂L/∂A = (G W_decᵀ + λ/B) where active, else 0; built in `ws.grad_a`.
    let w_dec = ArrayView2::from_shape((m, d), &p[lay.w_dec..lay.b_dec]).expect("M × d");
    let mut da = ArrayViewMut2::from_shape((b, m), &mut ws.grad_a[..b * m]).expect("B × M");
    general_mat_mul(1.0, &g, &w_dec.t(), 0.0, &mut da);
    let da = &mut ws.grad_a[..b * m];
    for s in 0..b {
        let row = &mut da[s * m..(s + 1) * m];
        let f = &ws.f_dense[s * m..(s + 1) * m];
        row.iter_mut().zip(f).for_each(|(a, &f)| *a = if f > 0.0 { *a + l1_grad(sae, b) } else { 0.0 });
        axpy(1.0, row, b_enc_grad);
    }
    // ∂L/∂W_enc = ∂L/∂Aᵀ X̄
    let da = ArrayView2::from_shape((b, m), &ws.grad_a[..b * m]).expect("B × M");
    let xbar = ArrayView2::from_shape((b, d), &ws.xbar[..b * d]).expect("B × d");
    let mut ge = ArrayViewMut2::from_shape((m, d), &mut w_enc_grad[..m * d]).expect("M × d");
    general_mat_mul(1.0, &da.t(), &xbar, 0.0, &mut ge);
}

/// Remove from each decoder row's gradient its component along the row, so
/// that a step keeps the row's length to first order (the rows are unit).
#[inline(always)]
pub fn project_decoder_grad(sae: &Sae, grad: &mut [f32]) {
    let (d, lay) = (sae.spec.d, sae.spec.layout());
    for (w, g) in
        sae.params[lay.w_dec..lay.b_dec].chunks_exact(d).zip(grad[lay.w_dec..lay.b_dec].chunks_exact_mut(d))
    {
        let along: f32 = w.iter().zip(g.iter()).map(|(a, b)| a * b).sum();
        g.iter_mut().zip(w).for_each(|(g, &w)| *g -= along * w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use rand::Rng;

    /// Finite differences against the backward pass, for every parameter,
    /// ReLU with an L1 penalty and TopK.
    /// The one-pass TopK selection picks what sorting by (value, index)
    /// picks: the same k indices, ties to the lower index, −0 below +0.
    #[test]
    fn top_k_is_the_first_k_of_the_sorted_order() {
        let mut rng = stream(41, 0);
        let (mut best, mut out) = (Vec::new(), vec![0u32; 300]);
        for trial in 0..200 {
            let m = 1 + trial % 300;
            // Few distinct values (many ties), zeros of both signs.
            let a: Vec<f32> = (0..m)
                .map(|_| match rng.random_range(0..5) {
                    0 => 0.0,
                    1 => -0.0,
                    _ => (rng.random_range(-6..6) as f32) * 0.5,
                })
                .collect();
            for k in [0, 1, 3, 17, m, m + 4] {
                let mut order: Vec<u32> = (0..m as u32).collect();
                order.sort_by(|&x, &y| a[y as usize].total_cmp(&a[x as usize]).then(x.cmp(&y)));
                let mut expected = order[..k.min(m)].to_vec();
                expected.sort_unstable();
                let count = top_k(&a, k, &mut best, &mut out);
                assert_eq!(&out[..count], &expected[..], "m = {m}, k = {k}");
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        for (k, activation) in [Activation::Relu, Activation::TopK(3)].into_iter().enumerate() {
            let spec = SaeSpec { d: 6, m: 9, activation, l1: 0.3 };
            let mut rng = stream(40, k as u64);
            let mut sae = Sae::new(spec, &mut rng);
            // Random biases and an encoder that is not the decoder's transpose.
            sae.params.iter_mut().take(spec.layout().w_dec).for_each(|v| *v += rng.random::<f32>() - 0.5);
            let x: Vec<f32> = (0..8 * 6).map(|_| rng.random::<f32>() * 2.0 - 0.5).collect();
            let mut ws = Workspace::new(&spec, 8);
            forward(&sae, &x, &mut ws);
            assert!(ws.active.len() > 8, "want active latents to check");
            for dense in [false, true] {
                forward(&sae, &x, &mut ws);
                let mut grad = vec![0.0; sae.params.len()];
                backward_with(&sae, &x, &mut ws, &mut grad, dense);
                check(&sae, &x, &grad, &format!("{activation:?}, dense backward {dense}"));
            }
        }
    }

    /// Central finite differences of the loss against `grad`, parameter by parameter.
    fn check(sae: &Sae, x: &[f32], grad: &[f32], what: &str) {
        let mut ws = Workspace::new(&sae.spec, x.len() / sae.spec.d);
        let eps = 1e-3f32;
        let mut worst = 0.0f64;
        for (q, &analytic) in grad.iter().enumerate() {
            let mut plus = sae.clone();
            plus.params[q] += eps;
            let mut minus = sae.clone();
            minus.params[q] -= eps;
            let lp = forward(&plus, x, &mut ws).total;
            let lm = forward(&minus, x, &mut ws).total;
            let numeric = (lp - lm) / (2.0 * eps as f64);
            let scale = numeric.abs().max(analytic.abs() as f64);
            worst = worst.max((numeric - analytic as f64).abs() / (1e-3 + scale));
        }
        assert!(worst < 2e-2, "{what}: worst relative error {worst:.2e}");
    }

    #[test]
    fn projected_decoder_gradient_is_orthogonal_to_the_rows() {
        let spec = SaeSpec { d: 5, m: 4, activation: Activation::Relu, l1: 0.1 };
        let mut rng = stream(41, 0);
        let sae = Sae::new(spec, &mut rng);
        let mut grad: Vec<f32> = (0..sae.params.len()).map(|_| rng.random::<f32>() - 0.5).collect();
        project_decoder_grad(&sae, &mut grad);
        let lay = spec.layout();
        for j in 0..4 {
            let g = &grad[lay.w_dec + j * 5..lay.w_dec + (j + 1) * 5];
            let along: f32 = sae.decoder(j).iter().zip(g).map(|(a, b)| a * b).sum();
            assert!(along.abs() < 1e-6);
            let norm: f32 = sae.decoder(j).iter().map(|v| v * v).sum();
            assert!((norm - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn topk_keeps_at_most_k() {
        let spec = SaeSpec { d: 6, m: 20, activation: Activation::TopK(4), l1: 0.0 };
        let mut rng = stream(42, 0);
        let sae = Sae::new(spec, &mut rng);
        let x: Vec<f32> = (0..16 * 6).map(|_| rng.random::<f32>()).collect();
        let mut ws = Workspace::new(&spec, 16);
        let loss = forward(&sae, &x, &mut ws);
        assert!(loss.l0 <= 4.0 && loss.l0 > 2.0, "L0 {}", loss.l0);
        for s in 0..16 {
            let kept = &ws.active[ws.start[s]..ws.start[s + 1]];
            let a = &ws.pre[s * 20..(s + 1) * 20];
            let smallest_kept = kept.iter().map(|&j| a[j as usize]).fold(f32::INFINITY, f32::min);
            let largest_dropped = (0..20u32)
                .filter(|j| !kept.contains(j))
                .map(|j| a[j as usize])
                .fold(f32::NEG_INFINITY, f32::max);
            if kept.len() == 4 {
                assert!(smallest_kept >= largest_dropped);
            } else {
                assert!(largest_dropped <= 0.0, "a positive latent was dropped below k");
            }
        }
    }
}
