//! The hidden layer as data: the activations h of windows of text, for an
//! SAE to train on (Chapter 5's engine, through [`Source`]), and the model
//! run with h replaced (by an SAE's reconstruction, or ablated) to see what
//! the replacement keeps of what the model knows.

use super::corpus::VOCAB;
use super::model::{Lm, Windows, Workspace, forward};
use crate::sae::data::{Batch, Source};
use rand_chacha::ChaCha8Rng;
use std::sync::Mutex;

/// Hidden activations of random windows of a text, scaled by one number so
/// that their mean squared norm is the width H (then an SAE's λ means the
/// same whatever the model's scale).
pub struct Hidden<'a> {
    lm: &'a Lm,
    text: &'a [u8],
    pub scale: f32,
    ws: Mutex<Workspace>,
}

impl<'a> Hidden<'a> {
    /// The scale measured on `probe` windows drawn from `rng`.
    pub fn new(lm: &'a Lm, text: &'a [u8], batch: usize, probe: usize, rng: &mut ChaCha8Rng) -> Self {
        let mut ws = Workspace::new(&lm.spec, batch.max(probe));
        forward(lm, &Windows::random(text, probe, lm.spec.context, rng), &mut ws);
        let h = lm.spec.hidden;
        let mean_sq: f64 = ws.h[..probe * h].iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / probe as f64;
        let scale = if mean_sq > 0.0 { (h as f64 / mean_sq).sqrt() as f32 } else { 1.0 };
        Hidden { lm, text, scale, ws: Mutex::new(ws) }
    }
}

impl Source for Hidden<'_> {
    /// Fresh windows' hidden rows (scaled); no true codes (`start` all 0).
    fn sample(&self, batch: &mut Batch, rng: &mut ChaCha8Rng) {
        let windows = Windows::random(self.text, batch.size, self.lm.spec.context, rng);
        let mut ws = self.ws.lock().unwrap_or_else(|e| e.into_inner());
        forward(self.lm, &windows, &mut ws);
        let n = batch.size * batch.d;
        batch.x[..n].iter_mut().zip(&ws.h[..n]).for_each(|(x, &h)| *x = h * self.scale);
        batch.start.fill(0);
        batch.active.clear();
        batch.coef.clear();
    }
}

/// The mean loss of `lm` on `windows` when `replace` rewrites each window's
/// hidden row first (unscaled, B × H).
pub fn loss_with_hidden(lm: &Lm, windows: &Windows, replace: impl Fn(&mut [f32])) -> f64 {
    let mut ws = Workspace::new(&lm.spec, windows.len());
    forward(lm, windows, &mut ws);
    let (h, lay) = (lm.spec.hidden, lm.spec.layout());
    let rows = &mut ws.h[..windows.len() * h];
    replace(rows);
    // z = h W₂ + b₂ from the replaced rows, then the cross-entropy.
    let mut total = 0.0f64;
    let mut z = vec![0.0f64; VOCAB];
    for (row, &t) in rows.chunks_exact(h).zip(&windows.target) {
        for (c, z) in z.iter_mut().enumerate() {
            *z = lm.params[lay.b2 + c] as f64;
        }
        for (j, &v) in row.iter().enumerate().filter(|(_, v)| **v != 0.0) {
            let w = &lm.params[lay.w2 + j * VOCAB..lay.w2 + (j + 1) * VOCAB];
            z.iter_mut().zip(w).for_each(|(z, &w)| *z += v as f64 * w as f64);
        }
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
        total += sum.ln() + max - z[t as usize];
    }
    total / windows.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::model::{LmSpec, loss};
    use crate::rng::stream;
    use rand::Rng;

    #[test]
    fn the_source_gives_scaled_hidden_rows_and_unchanged_rows_give_the_loss() {
        let mut rng = stream(73, 0);
        let spec = LmSpec { context: 4, embed: 3, hidden: 16 };
        let lm = Lm::new(spec, &mut rng);
        let text: Vec<u8> = (0..300).map(|_| rng.random_range(0..VOCAB as u8)).collect();
        let source = Hidden::new(&lm, &text, 64, 512, &mut rng);
        let mut batch = Batch::new(64, 16);
        source.sample(&mut batch, &mut rng);
        let mean_sq: f64 = batch.x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / 64.0;
        assert!((mean_sq / 16.0 - 1.0).abs() < 0.3, "{mean_sq}");
        let w = Windows::random(&text, 50, 4, &mut rng);
        let plain = loss(&lm, &w, &mut Workspace::new(&spec, 50));
        assert!((loss_with_hidden(&lm, &w, |_| {}) - plain).abs() < 1e-5);
        // Zero-ablation leaves only b₂: the loss of softmax(b₂) = uniform at the start.
        let zero = loss_with_hidden(&lm, &w, |h| h.fill(0.0));
        assert!((zero - (VOCAB as f64).ln()).abs() < 1e-9, "{zero}");
    }
}
