//! The toy models' loss and gradient for the whole batch at once, for small
//! models.
//!
//! With N = 5 features and d = 2 hidden dimensions a sample is a few dozen
//! multiplications, too little to keep a vector unit busy. Turned around, the
//! batch is the long dimension: store each feature's values over the batch
//! contiguously (x_i is a row of length B) and every step of the chain rule
//! becomes an operation on rows of length B,
//!
//!   H_j = Σ_i W_in[j, i] X_i                 (then ReLU, if any)
//!   O_i = b_i + Σ_j W_out[j, i] H_j,          E_i = x'_i − t_i,  G_i = ∂L/∂O_i
//!   ∂L/∂b_i = Σ_s G_is,   ∂L/∂W_out[j, i] = H_j · G_i
//!   ∂L/∂H_j = Σ_i W_out[j, i] G_i             (times 1[H_j > 0], if ReLU)
//!   ∂L/∂W_in[j, i] = ∂L/∂H_j · X_i
//!
//! The same mathematics as [`super::per_sample`], in a different order.

// Index loops (i over features, j over hidden dimensions) mirror the formulas.
#![allow(clippy::needless_range_loop)]

use super::data::Batch;
use super::spec::Spec;
use crate::simd::{Dot, axpy, dot_rows};

/// Rows of length B for the inputs, hidden values, outputs, errors and their
/// gradients; allocated once per model.
#[derive(Debug, Clone)]
pub struct Batched {
    xt: Vec<f32>,
    h: Vec<f32>,
    o: Vec<f32>,
    e: Vec<f32>,
    gh: Vec<f32>,
    ones: Vec<f32>,
    dots: Vec<f32>,
}

impl Batched {
    pub fn new(spec: &Spec, batch: usize) -> Self {
        let (n, d) = (spec.n, spec.d);
        Batched {
            xt: vec![0.0; n * batch],
            h: vec![0.0; d * batch],
            o: vec![0.0; n * batch],
            e: vec![0.0; n * batch],
            gh: vec![0.0; d * batch],
            ones: vec![1.0; batch],
            dots: vec![0.0; n],
        }
    }
}

// ANCHOR: batched
#[inline(always)]
pub fn loss_and_grad<D: Dot, const LOSS: bool>(
    spec: &Spec,
    params: &[f32],
    importance: &[f32],
    batch: &Batch,
    ws: &mut Batched,
    grad: Option<&mut [f32]>,
) -> f64 {
    let Spec { kind, n, d } = *spec;
    let bs = batch.size;
    assert_eq!(ws.ones.len(), bs, "workspace made for another batch size");
    let p = spec.split(params);
    // X_i: feature i over the batch.
    // (Written row by row: writes with a stride of B floats would all land in
    // the same cache set.)
    for (i, xt) in ws.xt.chunks_exact_mut(bs).enumerate() {
        for (xt, x) in xt.iter_mut().zip(batch.x.chunks_exact(n)) {
            *xt = x[i];
        }
    }
    // ANCHOR: batched_forward
    // H_j = Σ_i W_in[j, i] X_i (+ ReLU)
    for j in 0..d {
        let h = &mut ws.h[j * bs..(j + 1) * bs];
        h.fill(0.0);
        for i in 0..n {
            axpy(p.w_in[j * n + i], &ws.xt[i * bs..(i + 1) * bs], h);
        }
        if kind.hidden_relu() {
            h.iter_mut().for_each(|h| *h = h.max(0.0));
        }
    }
    // ANCHOR_END: batched_forward
    // O_i = b_i + Σ_j W_out[j, i] H_j; E = x' − t; loss = Σ_i I_i (E_i · E_i) / (B·n).
    let mut loss = 0.0f64;
    for i in 0..n {
        let o = &mut ws.o[i * bs..(i + 1) * bs];
        o.fill(p.b[i]);
        for j in 0..d {
            axpy(p.w_out[j * n + i], &ws.h[j * bs..(j + 1) * bs], o);
        }
        let e = &mut ws.e[i * bs..(i + 1) * bs];
        for ((e, o), &x) in e.iter_mut().zip(o.iter_mut()).zip(&ws.xt[i * bs..(i + 1) * bs]) {
            let target = if kind.signed() { x.abs() } else { x };
            let on = if kind.output_relu() && *o <= 0.0 { 0.0 } else { 1.0 };
            *e = on * *o - target;
            // From here on `o` holds G_i = ∂L/∂O_i (zero where the ReLU is off).
            *o = on * *e;
        }
        if LOSS {
            loss += importance[i] as f64 * D::dot(e, e) as f64;
        }
    }
    let Some(grad) = grad else { return loss / (bs * n) as f64 };
    grad.fill(0.0);
    let (w_out_at, b_at) = (spec.w_out_offset(), spec.weights_len());
    let scale = 2.0 / (bs * n) as f32;
    for i in 0..n {
        let g = &mut ws.o[i * bs..(i + 1) * bs];
        let c = scale * importance[i];
        g.iter_mut().for_each(|g| *g *= c);
    }
    // ∂L/∂b_i = G_i · 1, four features at a time (each dot product is a
    // chain of dependent additions: four chains overlap).
    dot_rows::<D>(|i| &ws.o[i * bs..(i + 1) * bs], &ws.ones, &mut grad[b_at..b_at + n]);
    // ∂L/∂W_out[j, i] = H_j · G_i and ∂L/∂H_j = Σ_i W_out[j, i] G_i.
    for j in 0..d {
        let (h, gh) = (&ws.h[j * bs..(j + 1) * bs], &mut ws.gh[j * bs..(j + 1) * bs]);
        let dots = &mut ws.dots[..n];
        dot_rows::<D>(|i| &ws.o[i * bs..(i + 1) * bs], h, dots);
        for (grad, &dot) in grad[w_out_at + j * n..w_out_at + (j + 1) * n].iter_mut().zip(dots.iter()) {
            *grad += dot;
        }
        gh.fill(0.0);
        for i in 0..n {
            axpy(p.w_out[j * n + i], &ws.o[i * bs..(i + 1) * bs], gh);
        }
        if kind.hidden_relu() {
            gh.iter_mut().zip(h).for_each(|(gh, &h)| *gh = if h > 0.0 { *gh } else { 0.0 });
        }
        // ∂L/∂W_in[j, i] = ∂L/∂H_j · X_i
        let dots = &mut ws.dots[..n];
        dot_rows::<D>(|i| &ws.xt[i * bs..(i + 1) * bs], gh, dots);
        for (grad, &dot) in grad[j * n..(j + 1) * n].iter_mut().zip(dots.iter()) {
            *grad += dot;
        }
    }
    loss / (bs * n) as f64
}
// ANCHOR_END: batched
