//! The toy models' loss and gradient, one sample at a time.
//!
//! For models with many features (N·d large) the weights fit in the L1 cache
//! and each sample is a handful of vector operations of length n or d: the
//! forward pass, the error, and the backward pass of the chain rule, written
//! out. A present feature i only touches W_i, so for sparse samples the
//! products run over the list of present features, with copies of the
//! weights (and their gradients) laid out feature-major (n × d, row i = W_i).

// Index loops (i over features, j over hidden dimensions) mirror the formulas.
#![allow(clippy::needless_range_loop)]

use super::data::Batch;
use super::spec::Spec;
use crate::simd::{Dot, axpy};

/// Scratch space, allocated once per model: per-sample vectors, and copies of
/// the weights (and their gradients) in feature-major layout (n × d, row i is
/// W_i) for the sparse paths, where a present feature touches one W_i.
#[derive(Debug, Clone)]
pub struct PerSample {
    h: Vec<f32>,
    o: Vec<f32>,
    g: Vec<f32>,
    err: Vec<f32>,
    weighted: Vec<f32>,
    gh: Vec<f32>,
    active: Vec<u32>,
    w_in_t: Vec<f32>,
    w_out_t: Vec<f32>,
    grad_in_t: Vec<f32>,
    grad_out_t: Vec<f32>,
}

impl PerSample {
    pub fn new(spec: &Spec) -> Self {
        let mn = spec.d * spec.n;
        PerSample {
            h: vec![0.0; spec.d],
            o: vec![0.0; spec.n],
            g: vec![0.0; spec.n],
            err: vec![0.0; spec.n],
            weighted: vec![0.0; spec.n],
            gh: vec![0.0; spec.d],
            active: Vec::with_capacity(spec.n),
            w_in_t: vec![0.0; mn],
            w_out_t: vec![0.0; mn],
            grad_in_t: vec![0.0; mn],
            grad_out_t: vec![0.0; mn],
        }
    }
}

/// d × N row-major `w` into n × d row-major `t`.
fn transpose(w: &[f32], d: usize, n: usize, t: &mut [f32]) {
    for j in 0..d {
        for i in 0..n {
            t[i * d + j] = w[j * n + i];
        }
    }
}

/// `grad` (d × N) += `t`ᵀ, with `t` n × d.
fn add_transposed(t: &[f32], d: usize, n: usize, grad: &mut [f32]) {
    for j in 0..d {
        for i in 0..n {
            grad[j * n + i] += t[i * d + j];
        }
    }
}

/// A list of nonzeros is used instead of the dense vector when fewer than a
/// quarter of the entries are nonzero.
#[inline(always)]
fn use_sparse(nonzero: usize, n: usize) -> bool {
    4 * nonzero < n
}

/// The loss of the model on `batch` and, if `grad` is given, its gradient
/// (overwritten, same layout as the parameters).
// ANCHOR: per_sample
#[inline(always)]
pub fn loss_and_grad<D: Dot, const LOSS: bool>(
    spec: &Spec,
    params: &[f32],
    importance: &[f32],
    batch: &Batch,
    ws: &mut PerSample,
    mut grad: Option<&mut [f32]>,
) -> f64 {
    let Spec { kind, n, d } = *spec;
    let p = spec.split(params);
    let w_out_at = spec.w_out_offset();
    transpose(p.w_in, d, n, &mut ws.w_in_t);
    transpose(p.w_out, d, n, &mut ws.w_out_t);
    if let Some(grad) = grad.as_deref_mut() {
        grad.fill(0.0);
        ws.grad_in_t.fill(0.0);
        ws.grad_out_t.fill(0.0);
    }
    let scale = 2.0 / (batch.size * n) as f32; // d/dx' of 1/(B·N) Σ I (x' − t)²
    let mut loss = 0.0f64;
    for s in 0..batch.size {
        let (x, cols, vals) = batch.sample(s);
        let sparse_x = use_sparse(cols.len(), n);
        hidden::<D>(spec, p.w_in, x, cols, vals, sparse_x, ws);
        output_error(spec, p.w_out, p.b, x, importance, scale, ws);
        if LOSS {
            // Σ_i I_i e_i², as the dot product of I ⊙ e with e.
            ws.weighted.iter_mut().zip(&ws.err).zip(importance).for_each(|((w, &e), &imp)| *w = imp * e);
            loss += D::dot(&ws.weighted, &ws.err) as f64;
        }
        let Some(grad) = grad.as_deref_mut() else { continue };
        backward_output::<D>(spec, p.w_out, ws, grad);
        if kind.hidden_relu() {
            ws.gh.iter_mut().zip(&ws.h).for_each(|(gh, &h)| *gh = if h > 0.0 { *gh } else { 0.0 });
        }
        backward_hidden(spec, x, cols, vals, sparse_x, ws, grad);
    }
    if let Some(grad) = grad {
        // The sparse paths collected their gradients feature-major.
        add_transposed(&ws.grad_in_t, d, n, &mut grad[..d * n]);
        add_transposed(&ws.grad_out_t, d, n, &mut grad[w_out_at..w_out_at + d * n]);
    }
    loss / (batch.size * n) as f64
}
// ANCHOR_END: per_sample

/// Forward to the hidden layer, into `ws.h`.
#[inline(always)]
fn hidden<D: Dot>(
    spec: &Spec,
    w_in: &[f32],
    x: &[f32],
    cols: &[u32],
    vals: &[f32],
    sparse_x: bool,
    ws: &mut PerSample,
) {
    let (n, d) = (spec.n, spec.d);
    // ANCHOR: sparse_forward
    // Forward: h = W_in x = Σ_i x_i W_i (+ ReLU).
    let h = &mut ws.h;
    if sparse_x {
        h.fill(0.0);
        for (&i, &v) in cols.iter().zip(vals) {
            let i = i as usize;
            axpy(v, &ws.w_in_t[i * d..(i + 1) * d], h);
        }
    } else {
        for (j, h) in h.iter_mut().enumerate() {
            *h = D::dot(&w_in[j * n..(j + 1) * n], x);
        }
    }
    if spec.kind.hidden_relu() {
        h.iter_mut().for_each(|h| *h = h.max(0.0));
    }
    // ANCHOR_END: sparse_forward
}

/// Forward to the output and the error: o = W_outᵀ h + b; x' = ReLU(o) (or
/// o); `ws.err` = x' − target and `ws.g` = ∂L/∂o, zero where the ReLU is off.
#[inline(always)]
fn output_error(
    spec: &Spec,
    w_out: &[f32],
    b: &[f32],
    x: &[f32],
    importance: &[f32],
    scale: f32,
    ws: &mut PerSample,
) {
    let (n, d) = (spec.n, spec.d);
    let (output_relu, signed) = (spec.kind.output_relu(), spec.kind.signed());
    let (h, o) = (&ws.h, &mut ws.o);
    o.copy_from_slice(b);
    for j in 0..d {
        // A silent hidden ReLU adds nothing (and is common when x is sparse).
        if h[j] != 0.0 {
            axpy(h[j], &w_out[j * n..(j + 1) * n], o);
        }
    }
    for ((((g, e), &o), &x), &imp) in
        ws.g.iter_mut().zip(ws.err.iter_mut()).zip(o.iter()).zip(x).zip(importance)
    {
        let target = if signed { x.abs() } else { x };
        let on = if output_relu && o <= 0.0 { 0.0 } else { 1.0 };
        *e = on * o - target;
        *g = on * scale * imp * *e;
    }
}

/// Backward through o = W_outᵀ h + b, into `grad` and `ws.gh`:
///   ∂L/∂b_i = g_i,  ∂L/∂W_out[j, i] = h_j g_i,  ∂L/∂h_j = Σ_i W_out[j, i] g_i.
#[inline(always)]
fn backward_output<D: Dot>(spec: &Spec, w_out: &[f32], ws: &mut PerSample, grad: &mut [f32]) {
    let (n, d) = (spec.n, spec.d);
    let (w_out_at, b_at) = (spec.w_out_offset(), spec.weights_len());
    let (g, h, gh) = (&ws.g, &ws.h, &mut ws.gh);
    axpy(1.0, g, &mut grad[b_at..b_at + n]);
    let nonzero = g.iter().filter(|&&g| g != 0.0).count();
    if use_sparse(nonzero, n) {
        ws.active.clear();
        ws.active.extend((0..n as u32).filter(|&i| g[i as usize] != 0.0));
        gh.fill(0.0);
        for &i in &ws.active {
            let (i, gi) = (i as usize, g[i as usize]);
            axpy(gi, &ws.w_out_t[i * d..(i + 1) * d], gh);
            axpy(gi, h, &mut ws.grad_out_t[i * d..(i + 1) * d]);
        }
    } else {
        for j in 0..d {
            if spec.kind.hidden_relu() && h[j] <= 0.0 {
                gh[j] = 0.0; // masked by the hidden ReLU, and h_j g adds nothing
                continue;
            }
            gh[j] = D::dot(&w_out[j * n..(j + 1) * n], g);
            let row = w_out_at + j * n;
            axpy(h[j], g, &mut grad[row..row + n]);
        }
    }
}

/// Backward through h = W_in x (after the hidden ReLU's mask on `ws.gh`):
/// ∂L/∂W_in[j, i] = ∂L/∂h_j · 1[h_j > 0] · x_i.
#[inline(always)]
fn backward_hidden(
    spec: &Spec,
    x: &[f32],
    cols: &[u32],
    vals: &[f32],
    sparse_x: bool,
    ws: &mut PerSample,
    grad: &mut [f32],
) {
    let (n, d) = (spec.n, spec.d);
    let gh = &ws.gh;
    if sparse_x {
        for (&i, &v) in cols.iter().zip(vals) {
            let i = i as usize;
            axpy(v, gh, &mut ws.grad_in_t[i * d..(i + 1) * d]);
        }
    } else {
        for j in 0..d {
            if gh[j] != 0.0 {
                axpy(gh[j], x, &mut grad[j * n..(j + 1) * n]);
            }
        }
    }
}
