//! The language model: a multilayer perceptron over a window of characters
//! (Bengio et al. 2003; the "makemore" MLP). For a context of C symbols,
//!
//!   x = [E_{s₁}, …, E_{s_C}]          (each symbol's embedding, concatenated)
//!   h = ReLU(x W₁ + b₁)               (the hidden layer the chapter looks into)
//!   z = h W₂ + b₂,   p = softmax(z)   (the next symbol's distribution)
//!
//! and the loss is the cross-entropy −ln p_target, in nats per character.
//! [`loss_and_grad`] runs a batch with matrix products; [`super::reference`] is the
//! same loss and gradient one sample at a time, written to be read, and the
//! tests hold the two together and the reference against finite differences.

use super::corpus::VOCAB;
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// The model's shape (the vocabulary is the corpus's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LmSpec {
    /// Symbols of context.
    pub context: usize,
    /// Numbers per symbol's embedding.
    pub embed: usize,
    /// Hidden ReLU units (the "neurons").
    pub hidden: usize,
}

/// Where each parameter block starts in the flat parameter vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub emb: usize,
    pub w1: usize,
    pub b1: usize,
    pub w2: usize,
    pub b2: usize,
    pub len: usize,
}

impl LmSpec {
    /// The width of x, C · e.
    pub fn inputs(&self) -> usize {
        self.context * self.embed
    }

    pub fn layout(&self) -> Layout {
        let (n, h) = (self.inputs(), self.hidden);
        let w1 = VOCAB * self.embed;
        let b1 = w1 + n * h;
        let w2 = b1 + h;
        let b2 = w2 + h * VOCAB;
        Layout { emb: 0, w1, b1, w2, b2, len: b2 + VOCAB }
    }
}

/// A model: its shape and its parameters (E: V × e, W₁: C·e × H, b₁, W₂:
/// H × V, b₂; row-major).
#[derive(Debug, Clone, PartialEq)]
pub struct Lm {
    pub spec: LmSpec,
    pub params: Vec<f32>,
}

impl Lm {
    /// Embeddings from N(0, 1), W₁ from N(0, 2/(C·e)) (He et al. 2015: the
    /// hidden layer keeps the input's scale through the ReLU), W₂ small
    /// (N(0, 0.01²), so the first predictions are nearly uniform, a loss
    /// near ln V), biases zero.
    pub fn new(spec: LmSpec, rng: &mut ChaCha8Rng) -> Lm {
        let lay = spec.layout();
        let mut params = vec![0.0f32; lay.len];
        let mut fill = |range: std::ops::Range<usize>, sd: f32, rng: &mut ChaCha8Rng| {
            for p in &mut params[range] {
                let z: f32 = StandardNormal.sample(rng);
                *p = sd * z;
            }
        };
        fill(lay.emb..lay.w1, 1.0, rng);
        fill(lay.w1..lay.b1, (2.0 / spec.inputs() as f32).sqrt(), rng);
        fill(lay.w2..lay.b2, 0.01, rng);
        Lm { spec, params }
    }
}

/// A batch: B windows of C context symbols and the symbol after each.
#[derive(Debug, Clone, PartialEq)]
pub struct Windows {
    /// B × C, row-major.
    pub context: Vec<u8>,
    pub target: Vec<u8>,
}

impl Windows {
    pub fn len(&self) -> usize {
        self.target.len()
    }

    pub fn is_empty(&self) -> bool {
        self.target.is_empty()
    }

    /// The windows ending just before each position in `at` of `text`
    /// (each at least C into it).
    pub fn at(text: &[u8], positions: &[usize], context: usize) -> Windows {
        let mut w = Windows { context: Vec::with_capacity(positions.len() * context), target: Vec::new() };
        for &at in positions {
            w.context.extend_from_slice(&text[at - context..at]);
            w.target.push(text[at]);
        }
        w
    }

    /// B windows at uniformly random positions of `text`.
    pub fn random(text: &[u8], batch: usize, context: usize, rng: &mut ChaCha8Rng) -> Windows {
        let positions: Vec<usize> = (0..batch).map(|_| rng.random_range(context..text.len())).collect();
        Windows::at(text, &positions, context)
    }
}

/// Scratch space for a batch of up to `batch` windows.
#[derive(Debug, Clone)]
pub struct Workspace {
    x: Vec<f32>,
    /// The hidden activations of the last forward pass (B × H).
    pub h: Vec<f32>,
    z: Vec<f32>,
    dh: Vec<f32>,
    dx: Vec<f32>,
}

impl Workspace {
    pub fn new(spec: &LmSpec, batch: usize) -> Workspace {
        Workspace {
            x: vec![0.0; batch * spec.inputs()],
            h: vec![0.0; batch * spec.hidden],
            z: vec![0.0; batch * VOCAB],
            dh: vec![0.0; batch * spec.hidden],
            dx: vec![0.0; batch * spec.inputs()],
        }
    }
}

/// A row-major view of `data` as rows × cols.
fn view(data: &[f32], rows: usize, cols: usize) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((rows, cols), &data[..rows * cols]).expect("rows × cols")
}

fn view_mut(data: &mut [f32], rows: usize, cols: usize) -> ArrayViewMut2<'_, f32> {
    ArrayViewMut2::from_shape((rows, cols), &mut data[..rows * cols]).expect("rows × cols")
}

/// The forward pass: x, h and the logits z in `ws`.
pub fn forward(lm: &Lm, w: &Windows, ws: &mut Workspace) {
    let LmSpec { context, embed, hidden } = lm.spec;
    let (lay, p, b, n) = (lm.spec.layout(), &lm.params, w.len(), lm.spec.inputs());
    // x: each window's embeddings side by side.
    for (x, ctx) in ws.x.chunks_exact_mut(n).zip(w.context.chunks_exact(context)) {
        for (slot, &s) in x.chunks_exact_mut(embed).zip(ctx) {
            slot.copy_from_slice(&p[lay.emb + s as usize * embed..][..embed]);
        }
    }
    // h = ReLU(x W₁ + b₁)
    for row in ws.h[..b * hidden].chunks_exact_mut(hidden) {
        row.copy_from_slice(&p[lay.b1..lay.w2]);
    }
    let w1 = view(&p[lay.w1..lay.b1], n, hidden);
    general_mat_mul(1.0, &view(&ws.x, b, n), &w1, 1.0, &mut view_mut(&mut ws.h, b, hidden));
    ws.h[..b * hidden].iter_mut().for_each(|v| *v = v.max(0.0));
    logits(lm, b, ws);
}

/// The head: z = h W₂ + b₂ for the first `b` hidden rows in `ws`.
fn logits(lm: &Lm, b: usize, ws: &mut Workspace) {
    let (lay, p, hidden) = (lm.spec.layout(), &lm.params, lm.spec.hidden);
    for row in ws.z[..b * VOCAB].chunks_exact_mut(VOCAB) {
        row.copy_from_slice(&p[lay.b2..lay.len]);
    }
    let w2 = view(&p[lay.w2..lay.b2], hidden, VOCAB);
    general_mat_mul(1.0, &view(&ws.h, b, hidden), &w2, 1.0, &mut view_mut(&mut ws.z, b, VOCAB));
}

/// The mean loss of the head alone on hidden rows `rows` (B × H) whose
/// next symbols are `target`: what the model predicts from a hidden layer
/// given to it (intact, reconstructed or ablated).
pub fn loss_from_hidden(lm: &Lm, rows: &[f32], target: &[u8], ws: &mut Workspace) -> f64 {
    let b = target.len();
    ws.h[..rows.len()].copy_from_slice(rows);
    logits(lm, b, ws);
    cross_entropy(target, ws, false)
}

/// The mean cross-entropy of the logits in `ws` against `target`, and (if
/// `scale_to_grad`) turn them into ∂L/∂z = (softmax(z) − onehot)/B.
fn cross_entropy(target: &[u8], ws: &mut Workspace, scale_to_grad: bool) -> f64 {
    let b = target.len();
    let mut total = 0.0f64;
    for (z, &t) in ws.z[..b * VOCAB].chunks_exact_mut(VOCAB).zip(target) {
        let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let sum: f64 = z.iter().map(|&v| ((v - max) as f64).exp()).sum();
        total += sum.ln() + (max - z[t as usize]) as f64;
        if scale_to_grad {
            let inv = 1.0 / (sum * b as f64);
            z.iter_mut().for_each(|v| *v = (((*v - max) as f64).exp() * inv) as f32);
            z[t as usize] -= 1.0 / b as f32;
        }
    }
    total / b as f64
}

/// The mean loss of `lm` on the windows.
pub fn loss(lm: &Lm, w: &Windows, ws: &mut Workspace) -> f64 {
    forward(lm, w, ws);
    cross_entropy(&w.target, ws, false)
}

/// The mean loss and its gradient (overwriting `grad`).
pub fn loss_and_grad(lm: &Lm, w: &Windows, ws: &mut Workspace, grad: &mut [f32]) -> f64 {
    let LmSpec { context, embed, hidden } = lm.spec;
    let (lay, p, b, n) = (lm.spec.layout(), &lm.params, w.len(), lm.spec.inputs());
    forward(lm, w, ws);
    let loss = cross_entropy(&w.target, ws, true);
    grad.fill(0.0);
    let dz = view(&ws.z, b, VOCAB);
    // ∂L/∂W₂ = hᵀ dz, ∂L/∂b₂ = Σ_s dz_s
    let (head, tail) = grad.split_at_mut(lay.b2);
    general_mat_mul(
        1.0,
        &view(&ws.h, b, hidden).t(),
        &dz,
        0.0,
        &mut view_mut(&mut head[lay.w2..], hidden, VOCAB),
    );
    for row in ws.z[..b * VOCAB].chunks_exact(VOCAB) {
        tail.iter_mut().zip(row).for_each(|(g, &v)| *g += v);
    }
    // ∂L/∂h = dz W₂ᵀ where h > 0
    let w2 = view(&p[lay.w2..lay.b2], hidden, VOCAB);
    general_mat_mul(1.0, &dz, &w2.t(), 0.0, &mut view_mut(&mut ws.dh, b, hidden));
    for (dh, &h) in ws.dh[..b * hidden].iter_mut().zip(&ws.h) {
        if h <= 0.0 {
            *dh = 0.0;
        }
    }
    // ∂L/∂W₁ = xᵀ dh, ∂L/∂b₁ = Σ_s dh_s
    let dh = view(&ws.dh, b, hidden);
    general_mat_mul(
        1.0,
        &view(&ws.x, b, n).t(),
        &dh,
        0.0,
        &mut view_mut(&mut grad[lay.w1..lay.b1], n, hidden),
    );
    for row in ws.dh[..b * hidden].chunks_exact(hidden) {
        grad[lay.b1..lay.w2].iter_mut().zip(row).for_each(|(g, &v)| *g += v);
    }
    // ∂L/∂x = dh W₁ᵀ, added to each symbol's embedding
    let w1 = view(&p[lay.w1..lay.b1], n, hidden);
    general_mat_mul(1.0, &dh, &w1.t(), 0.0, &mut view_mut(&mut ws.dx, b, n));
    for (dx, ctx) in ws.dx[..b * n].chunks_exact(n).zip(w.context.chunks_exact(context)) {
        for (slot, &s) in dx.chunks_exact(embed).zip(ctx) {
            let row = &mut grad[lay.emb + s as usize * embed..][..embed];
            row.iter_mut().zip(slot).for_each(|(g, &v)| *g += v);
        }
    }
    loss
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::reference;
    use crate::rng::stream;

    fn setup() -> (Lm, Windows) {
        let mut rng = stream(70, 0);
        let spec = LmSpec { context: 3, embed: 2, hidden: 6 };
        let mut lm = Lm::new(spec, &mut rng);
        // Larger output weights than at the start, so every term matters.
        let lay = spec.layout();
        lm.params[lay.w2..].iter_mut().for_each(|v| *v *= 40.0);
        let text: Vec<u8> = (0..200).map(|_| rng.random_range(0..VOCAB as u8)).collect();
        let w = Windows::random(&text, 9, spec.context, &mut rng);
        (lm, w)
    }

    /// The reference gradient against central differences of its loss.
    #[test]
    fn the_reference_gradient_matches_finite_differences() {
        let (lm, w) = setup();
        let (_, grad) = reference::loss_and_grad(&lm, &w);
        let lay = lm.spec.layout();
        // A few entries of every block (embeddings of symbols in the batch).
        let used = w.context[0] as usize * lm.spec.embed;
        let probes = [used, used + 1, lay.w1, lay.w1 + 7, lay.b1 + 2, lay.w2 + 5, lay.w2 + 300, lay.b2 + 3];
        for &i in &probes {
            let h = 1e-2f32;
            let at = |v: f32| {
                let mut m = lm.clone();
                m.params[i] = v;
                reference::loss_and_grad(&m, &w).0
            };
            let x = lm.params[i];
            let fd = (at(x + h) - at(x - h)) / (2.0 * h as f64);
            assert!((fd - grad[i]).abs() < 1e-3 * (1.0 + fd.abs()), "parameter {i}: {fd} vs {}", grad[i]);
        }
    }

    /// The fast batch kernel equals the reference (to single precision).
    #[test]
    fn the_fast_gradient_is_the_reference() {
        let (lm, w) = setup();
        let mut ws = Workspace::new(&lm.spec, w.len());
        let mut grad = vec![0.0f32; lm.params.len()];
        let fast = loss_and_grad(&lm, &w, &mut ws, &mut grad);
        let (slow, reference) = reference::loss_and_grad(&lm, &w);
        assert!((fast - slow).abs() < 1e-5 * slow, "{fast} vs {slow}");
        let scale = reference.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        for (i, (&g, &r)) in grad.iter().zip(&reference).enumerate() {
            assert!((g as f64 - r).abs() < 1e-5 * scale, "parameter {i}: {g} vs {r}");
        }
        assert!((loss(&lm, &w, &mut ws) - fast).abs() < 1e-12);
    }

    /// A new model predicts nearly uniformly: a loss near ln V.
    #[test]
    fn a_new_model_starts_near_ln_v() {
        let mut rng = stream(71, 0);
        let lm = Lm::new(LmSpec { context: 8, embed: 4, hidden: 32 }, &mut rng);
        let text: Vec<u8> = (0..500).map(|_| rng.random_range(0..VOCAB as u8)).collect();
        let w = Windows::random(&text, 64, 8, &mut rng);
        let l = loss(&lm, &w, &mut Workspace::new(&lm.spec, 64));
        assert!((l - (VOCAB as f64).ln()).abs() < 0.05, "{l}");
    }
}
