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
use crate::simd::{Dot, dot_rows};

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
    /// The features with g_i ≠ 0 (the first `active_len` entries).
    active: Vec<u32>,
    active_len: usize,
    /// The hidden units with h_j ≠ 0 (the first `live_len` entries), and
    /// every unit 0..d.
    live: Vec<u32>,
    live_len: usize,
    every_row: Vec<u32>,
    dots: Vec<f32>,
    /// Eight partial sums of h, d each (see [`hidden`]).
    lanes: Vec<f32>,
    /// The samples of the current block whose gradient terms wait to be
    /// added together (see [`Pending`]).
    pending: Pending,
    w_in_t: Vec<f32>,
    w_out_t: Vec<f32>,
    grad_in_t: Vec<f32>,
    grad_out_t: Vec<f32>,
    /// ∂L/∂o of a sample with no feature present, and a zero sample.
    g_empty: Vec<f32>,
    zeros: Vec<f32>,
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
            active: vec![0; spec.n],
            active_len: 0,
            live: vec![0; spec.d],
            live_len: 0,
            every_row: (0..spec.d as u32).collect(),
            dots: vec![0.0; spec.d],
            lanes: vec![0.0; 8 * spec.d],
            pending: Pending::new(spec),
            w_in_t: vec![0.0; mn],
            w_out_t: vec![0.0; mn],
            grad_in_t: vec![0.0; mn],
            grad_out_t: vec![0.0; mn],
            g_empty: vec![0.0; spec.n],
            zeros: vec![0.0; spec.n],
        }
    }
}

/// Samples whose dense gradient terms are added together: the weight
/// gradients are sums over samples of outer products, h gᵀ for W_out and
/// gh xᵀ for W_in, and adding a block of samples' terms at once loads and
/// stores each gradient entry once per block instead of once per sample. The
/// terms are added in the order the samples come, so the sums are the same
/// bits as one sample at a time.
#[derive(Debug, Clone)]
struct Pending {
    len: usize,
    /// Per slot: the sample, whether its output and hidden terms are dense,
    /// and its h, g and ∂L/∂h (swapped in, not copied: see [`wait`]).
    sample: [usize; BLOCK],
    out_dense: [bool; BLOCK],
    in_dense: [bool; BLOCK],
    h: Vec<Vec<f32>>,
    g: Vec<Vec<f32>>,
    gh: Vec<Vec<f32>>,
}

/// Samples per block of [`Pending`].
const BLOCK: usize = 8;

impl Pending {
    fn new(spec: &Spec) -> Self {
        Pending {
            len: 0,
            sample: [0; BLOCK],
            out_dense: [false; BLOCK],
            in_dense: [false; BLOCK],
            h: vec![vec![0.0; spec.d]; BLOCK],
            g: vec![vec![0.0; spec.n]; BLOCK],
            gh: vec![vec![0.0; spec.d]; BLOCK],
        }
    }
}

/// Add the block's waiting terms to the weight gradients, in sample order
/// (for tied weights the two kinds of terms meet in one matrix, each
/// sample's output term before its hidden one, as the chain rule visits
/// them), and empty the block.
#[inline(always)]
fn flush<D: Dot>(spec: &Spec, batch: &Batch, pending: &mut Pending, grad: &mut [f32]) {
    let (n, d) = (spec.n, spec.d);
    let empty: (&[f32], &[f32]) = (&[], &[]);
    let (mut out, mut inp) = ([empty; 2 * BLOCK], [empty; 2 * BLOCK]);
    let (mut n_out, mut n_in) = (0, 0);
    for t in 0..pending.len {
        if pending.out_dense[t] {
            out[n_out] = (&pending.h[t][..], &pending.g[t][..]);
            n_out += 1;
        }
        if pending.in_dense[t] {
            let term = (&pending.gh[t][..], batch.sample(pending.sample[t]).0);
            if spec.kind.tied() {
                out[n_out] = term;
                n_out += 1;
            } else {
                inp[n_in] = term;
                n_in += 1;
            }
        }
    }
    let w_out_at = spec.w_out_offset();
    D::add_outer(&mut grad[w_out_at..w_out_at + d * n], n, &out[..n_out]);
    if !spec.kind.tied() {
        D::add_outer(&mut grad[..d * n], n, &inp[..n_in]);
    }
    pending.len = 0;
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

/// The indices of the nonzero entries of `v`, into the start of `out`; returns
/// how many. Without a branch per entry: whether a hidden unit's ReLU is on
/// is a coin flip to the branch predictor, and a wrong guess costs more than
/// the entry's arithmetic. (For the few nonzeros of a sparse vector,
/// [`Dot::nonzero_indices`] skips eight zeros at a time instead.)
#[inline(always)]
fn nonzero_indices(v: &[f32], out: &mut [u32]) -> usize {
    let mut count = 0;
    for (i, (&v, _)) in v.iter().zip(0..out.len()).enumerate() {
        out[count] = i as u32; // count ≤ i < out.len()
        count += (v != 0.0) as usize;
    }
    count
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
    let empty_loss = empty_sample::<D>(spec, &p, importance, scale, ws);
    let mut loss = 0.0f64;
    for s in 0..batch.size {
        let (x, cols, vals) = batch.sample(s);
        if cols.is_empty() {
            // No feature present: the loss and ∂L/∂b computed once, and no
            // weight gradient (every term has a factor h = 0 or x = 0).
            if LOSS {
                loss += empty_loss as f64;
            }
            if let Some(grad) = grad.as_deref_mut() {
                D::axpy(1.0, &ws.g_empty, &mut grad[spec.weights_len()..]);
            }
            continue;
        }
        let sparse_x = use_sparse(cols.len(), n);
        hidden::<D>(spec, p.w_in, x, cols, vals, sparse_x, ws);
        ws.live_len = nonzero_indices(&ws.h, &mut ws.live);
        output_error::<D>(spec, p.w_out, p.b, x, importance, scale, ws);
        if LOSS {
            // Σ_i I_i e_i², as the dot product of I ⊙ e with e.
            ws.weighted.iter_mut().zip(&ws.err).zip(importance).for_each(|((w, &e), &imp)| *w = imp * e);
            loss += D::dot(&ws.weighted, &ws.err) as f64;
        }
        let Some(grad) = grad.as_deref_mut() else { continue };
        let out_dense = backward_output::<D>(spec, p.w_out, ws, grad);
        if kind.hidden_relu() {
            ws.gh.iter_mut().zip(&ws.h).for_each(|(gh, &h)| *gh = if h > 0.0 { *gh } else { 0.0 });
        }
        backward_hidden::<D>(spec, cols, vals, sparse_x, ws);
        wait(ws, s, out_dense, !sparse_x);
        if ws.pending.len == BLOCK {
            flush::<D>(spec, batch, &mut ws.pending, grad);
        }
    }
    if let Some(grad) = grad {
        if ws.pending.len > 0 {
            flush::<D>(spec, batch, &mut ws.pending, grad);
        }
        // The sparse paths collected their gradients feature-major.
        add_transposed(&ws.grad_in_t, d, n, &mut grad[..d * n]);
        add_transposed(&ws.grad_out_t, d, n, &mut grad[w_out_at..w_out_at + d * n]);
    }
    loss / (batch.size * n) as f64
}
// ANCHOR_END: per_sample

/// A sample with no feature present (x = 0, so h = 0 and o = b), once per
/// batch: its ∂L/∂o into `ws.g_empty`; returns its Σ_i I_i e_i², as the loop
/// computes it for a sample. At density p a share (1 − p)^N of a batch is
/// such samples.
#[inline(always)]
fn empty_sample<D: Dot>(
    spec: &Spec,
    p: &super::spec::Params,
    importance: &[f32],
    scale: f32,
    ws: &mut PerSample,
) -> f32 {
    let zeros = std::mem::take(&mut ws.zeros);
    hidden::<D>(spec, p.w_in, &zeros, &[], &[], true, ws);
    ws.live_len = nonzero_indices(&ws.h, &mut ws.live);
    output_error::<D>(spec, p.w_out, p.b, &zeros, importance, scale, ws);
    ws.zeros = zeros;
    ws.g_empty.copy_from_slice(&ws.g);
    ws.weighted.iter_mut().zip(&ws.err).zip(importance).for_each(|((w, &e), &imp)| *w = imp * e);
    D::dot(&ws.weighted, &ws.err)
}

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
    if sparse_x {
        let h = &mut ws.h;
        h.fill(0.0);
        for (&i, &v) in cols.iter().zip(vals) {
            let i = i as usize;
            D::axpy(v, &ws.w_in_t[i * d..(i + 1) * d], h);
        }
    } else if 24 * cols.len() * d.div_ceil(8) < n * d {
        hidden_from_lanes::<D>(d, cols, vals, ws);
    } else {
        // h_j = W_in[j] · x, four rows at a time.
        dot_rows::<D>(|j| &w_in[j * n..(j + 1) * n], x, &mut ws.h);
    }
    if spec.kind.hidden_relu() {
        ws.h.iter_mut().for_each(|h| *h = h.max(0.0));
    }
    // ANCHOR_END: sparse_forward
}

/// h_j = W_in[j] · x as the dot product adds it (lane k sums the products at
/// k, k + 8, … in order, then the lanes are combined), over the present
/// features only: the others add zeros, which change nothing. The same bits
/// as the dot products, for less work when few features are present (about
/// 3 loads and stores per 8 products instead of 1¼ loads, for the present
/// features instead of all N).
#[inline(always)]
fn hidden_from_lanes<D: Dot>(d: usize, cols: &[u32], vals: &[f32], ws: &mut PerSample) {
    let lanes = &mut ws.lanes;
    lanes.fill(0.0);
    for (&i, &v) in cols.iter().zip(vals) {
        let (i, lane) = (i as usize, i as usize % 8);
        D::axpy(v, &ws.w_in_t[i * d..(i + 1) * d], &mut lanes[lane * d..(lane + 1) * d]);
    }
    let l = |k: usize| &lanes[k * d..(k + 1) * d];
    for (j, h) in ws.h.iter_mut().enumerate() {
        let pairs = [l(0)[j] + l(4)[j], l(1)[j] + l(5)[j], l(2)[j] + l(6)[j], l(3)[j] + l(7)[j]];
        *h = (pairs[0] + pairs[1]) + (pairs[2] + pairs[3]);
    }
}

/// Forward to the output and the error: o = W_outᵀ h + b; x' = ReLU(o) (or
/// o); `ws.err` = x' − target and `ws.g` = ∂L/∂o, zero where the ReLU is off.
#[inline(always)]
fn output_error<D: Dot>(
    spec: &Spec,
    w_out: &[f32],
    b: &[f32],
    x: &[f32],
    importance: &[f32],
    scale: f32,
    ws: &mut PerSample,
) {
    let n = spec.n;
    let (output_relu, signed) = (spec.kind.output_relu(), spec.kind.signed());
    let (h, o) = (&ws.h, &mut ws.o);
    // o = b + Σ_j h_j W_out[j], over the live units only: a silent hidden
    // unit adds nothing (and is common when x is sparse).
    D::axpy_rows(o, b, &ws.live[..ws.live_len], h, w_out, n);
    for ((((g, e), &o), &x), &imp) in
        ws.g.iter_mut().zip(ws.err.iter_mut()).zip(o.iter()).zip(x).zip(importance)
    {
        let target = if signed { x.abs() } else { x };
        let on = if output_relu && o <= 0.0 { 0.0 } else { 1.0 };
        *e = on * o - target;
        *g = on * scale * imp * *e;
    }
}

/// Put sample `s` in the block: its h, g and ∂L/∂h (`ws.h`, `ws.g`, `ws.gh`)
/// trade places with the slot's vectors, which the next sample overwrites
/// whole.
#[inline(always)]
fn wait(ws: &mut PerSample, s: usize, out_dense: bool, in_dense: bool) {
    let t = ws.pending.len;
    let pending = &mut ws.pending;
    pending.sample[t] = s;
    pending.out_dense[t] = out_dense;
    pending.in_dense[t] = in_dense;
    std::mem::swap(&mut ws.h, &mut pending.h[t]);
    std::mem::swap(&mut ws.g, &mut pending.g[t]);
    std::mem::swap(&mut ws.gh, &mut pending.gh[t]);
    pending.len += 1;
}

/// Backward through o = W_outᵀ h + b, into `grad` and `ws.gh`:
///   ∂L/∂b_i = g_i,  ∂L/∂W_out[j, i] = h_j g_i,  ∂L/∂h_j = Σ_i W_out[j, i] g_i.
/// For a dense g the W_out term h gᵀ is left to the block ([`flush`]):
/// returns whether it is.
#[inline(always)]
fn backward_output<D: Dot>(spec: &Spec, w_out: &[f32], ws: &mut PerSample, grad: &mut [f32]) -> bool {
    let (n, d) = (spec.n, spec.d);
    let b_at = spec.weights_len();
    let (g, h, gh) = (&ws.g, &ws.h, &mut ws.gh);
    D::axpy(1.0, g, &mut grad[b_at..b_at + n]);
    let nonzero = g.iter().map(|&g| (g != 0.0) as usize).sum();
    if use_sparse(nonzero, n) {
        ws.active_len = D::nonzero_indices(g, &mut ws.active);
        gh.fill(0.0);
        for &i in &ws.active[..ws.active_len] {
            let (i, gi) = (i as usize, g[i as usize]);
            D::axpy(gi, &ws.w_out_t[i * d..(i + 1) * d], gh);
            D::axpy(gi, h, &mut ws.grad_out_t[i * d..(i + 1) * d]);
        }
        false
    } else {
        // Behind a hidden ReLU only the live units (gh_j = 0 where h_j = 0,
        // and h_j g adds nothing).
        let rows = if spec.kind.hidden_relu() { &ws.live[..ws.live_len] } else { &ws.every_row[..] };
        let dots = &mut ws.dots[..rows.len()];
        dot_rows::<D>(|k| &w_out[rows[k] as usize * n..(rows[k] as usize + 1) * n], g, dots);
        gh.fill(0.0);
        for (&j, &dot) in rows.iter().zip(dots.iter()) {
            gh[j as usize] = dot;
        }
        true
    }
}

/// Backward through h = W_in x (after the hidden ReLU's mask on `ws.gh`):
/// ∂L/∂W_in[j, i] = ∂L/∂h_j · 1[h_j > 0] · x_i. For a sparse x, here, over
/// the present features; for a dense x the term gh xᵀ is left to the block
/// ([`flush`]).
#[inline(always)]
fn backward_hidden<D: Dot>(spec: &Spec, cols: &[u32], vals: &[f32], sparse_x: bool, ws: &mut PerSample) {
    let d = spec.d;
    if sparse_x {
        for (&i, &v) in cols.iter().zip(vals) {
            let i = i as usize;
            D::axpy(v, &ws.gh, &mut ws.grad_in_t[i * d..(i + 1) * d]);
        }
    }
}
