//! Training the language model: Adam on random windows of the training
//! stream, and its loss measured on the held-out stream.

use super::model::{Lm, LmSpec, Windows, Workspace, loss, loss_and_grad};
use crate::optim::{Adam, AdamConfig, Schedule};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How the model trains.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LmTrainConfig {
    pub steps: usize,
    pub batch: usize,
    /// The peak learning rate: Adam, a linear warm-up over the first
    /// `warmup` steps, then a cosine decay to 5% of it by the last step.
    pub lr: f32,
    pub warmup: usize,
}

// ANCHOR: lm_train
/// Train `lm` from where it is; `on_step(step, loss)` after every step.
pub fn train(
    lm: &mut Lm,
    text: &[u8],
    config: &LmTrainConfig,
    rng: &mut ChaCha8Rng,
    mut on_step: impl FnMut(usize, f64),
) {
    let schedule = Schedule::WarmupCosine { warmup: config.warmup, steps: config.steps, floor: 0.05 };
    let mut adam = Adam::new(AdamConfig::adam(config.lr).with_schedule(schedule), lm.params.len());
    let mut ws = Workspace::new(&lm.spec, config.batch);
    let mut grad = vec![0.0f32; lm.params.len()];
    for step in 0..config.steps {
        let windows = Windows::random(text, config.batch, lm.spec.context, rng);
        let loss = loss_and_grad(lm, &windows, &mut ws, &mut grad);
        adam.step(&mut lm.params, &grad);
        on_step(step, loss);
    }
}
// ANCHOR_END: lm_train

/// Windows per evaluation batch.
const EVAL_BATCH: usize = 4096;

/// The mean loss (nats per character) at the given positions of `text`.
pub fn held_out_loss(lm: &Lm, text: &[u8], positions: &[usize]) -> f64 {
    let mut ws = Workspace::new(&lm.spec, EVAL_BATCH.min(positions.len().max(1)));
    let mut total = 0.0;
    for chunk in positions.chunks(EVAL_BATCH) {
        total += loss(lm, &Windows::at(text, chunk, lm.spec.context), &mut ws) * chunk.len() as f64;
    }
    total / positions.len().max(1) as f64
}

/// The hidden activations (one row of H per position) at the given
/// positions of `text`, row-major.
pub fn hidden_activations(lm: &Lm, text: &[u8], positions: &[usize]) -> Vec<f32> {
    let h = lm.spec.hidden;
    let mut out = Vec::with_capacity(positions.len() * h);
    let mut ws = Workspace::new(&lm.spec, EVAL_BATCH.min(positions.len().max(1)));
    for chunk in positions.chunks(EVAL_BATCH) {
        super::model::forward(lm, &Windows::at(text, chunk, lm.spec.context), &mut ws);
        out.extend_from_slice(&ws.h[..chunk.len() * h]);
    }
    out
}

/// A model of this shape, trained (for tests and a quick look).
pub fn trained(spec: LmSpec, text: &[u8], config: &LmTrainConfig, rng: &mut ChaCha8Rng) -> Lm {
    let mut lm = Lm::new(spec, rng);
    train(&mut lm, text, config, rng, |_, _| {});
    lm
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::corpus::symbol;
    use crate::rng::stream;

    /// On a text with a fixed period the model learns to predict it: the
    /// held-out loss falls far below ln V, and the hidden rows are B × H.
    #[test]
    fn a_small_model_learns_a_periodic_text() {
        let text: Vec<u8> = "fn main() { let x = 1; }\n".repeat(40).chars().map(symbol).collect();
        let spec = LmSpec { context: 6, embed: 4, hidden: 32 };
        let config = LmTrainConfig { steps: 400, batch: 64, lr: 1e-2, warmup: 20 };
        let lm = trained(spec, &text, &config, &mut stream(72, 0));
        let positions: Vec<usize> = (6..text.len()).collect();
        let l = held_out_loss(&lm, &text, &positions);
        assert!(l < 0.2, "{l}");
        assert_eq!(hidden_activations(&lm, &text, &positions[..10]).len(), 10 * 32);
    }
}
