//! The language model's loss and gradient one window at a time, in f64:
//! the code the chapter shows. [`super::model`] computes the same with
//! matrix products over a batch, and its tests hold the two together.

use super::corpus::VOCAB;
use super::model::{Lm, Windows};

// ANCHOR: lm_forward
/// One window: x (its symbols' embeddings side by side), h and z.
pub fn forward_one(lm: &Lm, context: &[u8]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (s, lay, e) = (lm.spec, lm.spec.layout(), lm.spec.embed);
    let p = |i: usize| lm.params[i] as f64;
    // x_i is number i % e of the embedding of symbol i / e of the window.
    let emb = |i: usize| lay.emb + context[i / e] as usize * e + i % e;
    let x: Vec<f64> = (0..s.inputs()).map(|i| p(emb(i))).collect();
    // h_j = ReLU(b₁_j + Σ_i x_i W₁[i, j])
    let h: Vec<f64> = (0..s.hidden)
        .map(|j| {
            let w1 = |i: usize| p(lay.w1 + i * s.hidden + j);
            (p(lay.b1 + j) + (0..x.len()).map(|i| x[i] * w1(i)).sum::<f64>()).max(0.0)
        })
        .collect();
    // z_c = b₂_c + Σ_j h_j W₂[j, c]
    let z: Vec<f64> = (0..VOCAB)
        .map(|c| {
            let w2 = |j: usize| p(lay.w2 + j * VOCAB + c);
            p(lay.b2 + c) + (0..h.len()).map(|j| h[j] * w2(j)).sum::<f64>()
        })
        .collect();
    (x, h, z)
}
// ANCHOR_END: lm_forward

// ANCHOR: lm_backward
/// Mean cross-entropy −ln softmax(z)_target over the windows, and its
/// gradient, by the chain rule from z back to the embeddings.
pub fn loss_and_grad(lm: &Lm, w: &Windows) -> (f64, Vec<f64>) {
    let (s, lay, e) = (lm.spec, lm.spec.layout(), lm.spec.embed);
    let p = |i: usize| lm.params[i] as f64;
    let (mut grad, mut total, b) = (vec![0.0; lay.len], 0.0, w.len() as f64);
    for (context, &t) in w.context.chunks_exact(s.context).zip(&w.target) {
        let (x, h, z) = forward_one(lm, context);
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
        total += sum.ln() + max - z[t as usize];
        // ∂(−ln p_t)/∂z_c = p_c − [c = t], averaged over the batch
        let mut dz: Vec<f64> = z.iter().map(|v| (v - max).exp() / sum / b).collect();
        dz[t as usize] -= 1.0 / b;
        for (j, c) in (0..s.hidden).flat_map(|j| (0..VOCAB).map(move |c| (j, c))) {
            grad[lay.w2 + j * VOCAB + c] += h[j] * dz[c];
        }
        (0..VOCAB).for_each(|c| grad[lay.b2 + c] += dz[c]);
        // Back through W₂ and the ReLU (no gradient where h_j = 0).
        for j in (0..s.hidden).filter(|&j| h[j] > 0.0) {
            let dh: f64 = (0..VOCAB).map(|c| dz[c] * p(lay.w2 + j * VOCAB + c)).sum();
            grad[lay.b1 + j] += dh;
            for (i, &xi) in x.iter().enumerate() {
                grad[lay.w1 + i * s.hidden + j] += xi * dh;
                let at = lay.emb + context[i / e] as usize * e + i % e;
                grad[at] += p(lay.w1 + i * s.hidden + j) * dh;
            }
        }
    }
    (total / b, grad)
}
// ANCHOR_END: lm_backward
