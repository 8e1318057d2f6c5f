//! The hidden layer as data: the activations h of windows of text, for an
//! SAE to train on (Chapter 5's engine, through [`Source`]).

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::corpus::VOCAB;
    use crate::lm::model::{LmSpec, loss, loss_from_hidden};
    use crate::rng::stream;
    use rand::Rng;

    #[test]
    fn the_source_gives_scaled_hidden_rows_and_the_head_their_loss() {
        let mut rng = stream(73, 0);
        let spec = LmSpec { context: 4, embed: 3, hidden: 16 };
        let lm = Lm::new(spec, &mut rng);
        let text: Vec<u8> = (0..300).map(|_| rng.random_range(0..VOCAB as u8)).collect();
        let source = Hidden::new(&lm, &text, 64, 512, &mut rng);
        let mut batch = Batch::new(64, 16);
        source.sample(&mut batch, &mut rng);
        let mean_sq: f64 = batch.x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / 64.0;
        assert!((mean_sq / 16.0 - 1.0).abs() < 0.3, "{mean_sq}");
        // The head on the model's own hidden rows gives the model's loss.
        let w = Windows::random(&text, 50, 4, &mut rng);
        let mut ws = Workspace::new(&spec, 50);
        let plain = loss(&lm, &w, &mut ws);
        let rows = ws.h[..50 * 16].to_vec();
        assert!((loss_from_hidden(&lm, &rows, &w.target, &mut ws) - plain).abs() < 1e-12);
        // Zero-ablation leaves only b₂: the loss of softmax(b₂) = uniform at the start.
        let zero = loss_from_hidden(&lm, &vec![0.0; 50 * 16], &w.target, &mut ws);
        assert!((zero - (VOCAB as f64).ln()).abs() < 1e-6, "{zero}");
    }
}
