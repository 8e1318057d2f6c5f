//! A sparse autoencoder on the language model's hidden layer (Chapter 5's
//! engine), and what it keeps of what the model knows: the model's loss
//! with its hidden rows replaced by the SAE's reconstructions, against the
//! same loss with the rows zeroed or set to their mean ("loss recovered").

use super::hidden::{Hidden, loss_with_hidden};
use super::model::{Lm, Windows};
use super::train::hidden_activations;
use crate::sae::data::{Batch, Source};
use crate::sae::model::{Sae, SaeSpec, Workspace, reconstruct};
use crate::sae::train::{SaeTrainConfig, TrainLog, train};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// An SAE trained on scaled hidden rows (see [`Hidden`]).
#[derive(Debug, Clone)]
pub struct Dictionary {
    pub sae: Sae,
    /// The hidden rows are multiplied by this before the SAE reads them.
    pub scale: f32,
    pub log: TrainLog,
}

/// Train an SAE of shape `spec` (d = H) on hidden rows of random windows
/// of `text`, its decoder bias started at the rows' mean.
pub fn train_dictionary(
    lm: &Lm,
    text: &[u8],
    spec: SaeSpec,
    config: &SaeTrainConfig,
    rng: &mut ChaCha8Rng,
) -> Dictionary {
    assert_eq!(spec.d, lm.spec.hidden, "the SAE reads the hidden layer");
    let source = Hidden::new(lm, text, config.batch, 4096, rng);
    let mut sae = Sae::new(spec, rng);
    let mut probe = Batch::new(4096, spec.d);
    source.sample(&mut probe, rng);
    sae.init_decoder_bias(&probe.x);
    let log = train(&mut sae, &source, config, rng, |_, _| {});
    Dictionary { sae, scale: source.scale, log }
}

impl Dictionary {
    /// The latents' activations (dense, B × M) for hidden rows (B × H,
    /// unscaled).
    pub fn latents(&self, rows: &[f32]) -> Vec<f32> {
        let (h, m) = (self.sae.spec.d, self.sae.spec.m);
        let b = rows.len() / h;
        let x: Vec<f32> = rows.iter().map(|v| v * self.scale).collect();
        let mut ws = Workspace::new(&self.sae.spec, b);
        reconstruct(&self.sae, &x, &mut ws);
        let mut dense = vec![0.0f32; b * m];
        for s in 0..b {
            for k in ws.start[s]..ws.start[s + 1] {
                dense[s * m + ws.active[k] as usize] = ws.value[k];
            }
        }
        dense
    }

    /// The reconstructions of hidden rows (unscaled in, unscaled out).
    pub fn reconstruct(&self, rows: &mut [f32]) {
        let h = self.sae.spec.d;
        let b = rows.len() / h;
        let x: Vec<f32> = rows.iter().map(|v| v * self.scale).collect();
        let mut ws = Workspace::new(&self.sae.spec, b);
        reconstruct(&self.sae, &x, &mut ws);
        let xhat = ws.reconstruction(b, h);
        rows.iter_mut().zip(xhat).for_each(|(r, &v)| *r = v / self.scale);
    }
}

/// The model's held-out loss with its hidden layer intact, replaced by the
/// dictionary's reconstruction, zeroed, and set to its mean row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Splice {
    pub clean: f64,
    pub spliced: f64,
    pub zero: f64,
    pub mean: f64,
    /// FVU of the reconstructions (of the scaled rows, as the SAE sees them).
    pub fvu: f64,
    /// Mean active latents per window.
    pub l0: f64,
}

impl Splice {
    /// The share of the loss that zeroing the layer costs and the
    /// reconstruction gives back: (zero − spliced) / (zero − clean).
    pub fn recovered_from_zero(&self) -> f64 {
        (self.zero - self.spliced) / (self.zero - self.clean)
    }

    /// The same against mean-ablation, the harder baseline.
    pub fn recovered_from_mean(&self) -> f64 {
        (self.mean - self.spliced) / (self.mean - self.clean)
    }
}

/// [`Splice`] at `positions` of `text`.
pub fn splice(lm: &Lm, dict: &Dictionary, text: &[u8], positions: &[usize]) -> Splice {
    let windows = Windows::at(text, positions, lm.spec.context);
    let h = lm.spec.hidden;
    let rows = hidden_activations(lm, text, positions);
    let b = positions.len();
    let mean: Vec<f32> =
        (0..h).map(|j| (rows.chunks_exact(h).map(|r| r[j] as f64).sum::<f64>() / b as f64) as f32).collect();
    // FVU and L0 of the reconstructions, on the scaled rows.
    let mut xhat = rows.clone();
    dict.reconstruct(&mut xhat);
    let s2 = (dict.scale as f64).powi(2);
    let sse: f64 = rows.iter().zip(&xhat).map(|(&a, &b)| ((a - b) as f64).powi(2)).sum::<f64>() * s2;
    let var: f64 = rows
        .chunks_exact(h)
        .flat_map(|r| r.iter().zip(&mean).map(|(&v, &m)| ((v - m) as f64).powi(2)))
        .sum::<f64>()
        * s2;
    let l0 = dict.latents(&rows).iter().filter(|&&v| v != 0.0).count() as f64 / b as f64;
    Splice {
        clean: loss_with_hidden(lm, &windows, |_| {}),
        spliced: loss_with_hidden(lm, &windows, |r| dict.reconstruct(r)),
        zero: loss_with_hidden(lm, &windows, |r| r.fill(0.0)),
        mean: loss_with_hidden(lm, &windows, |r| {
            r.chunks_exact_mut(h).for_each(|row| row.copy_from_slice(&mean))
        }),
        fvu: sse / var,
        l0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::corpus::symbol;
    use crate::lm::model::LmSpec;
    use crate::lm::train::{LmTrainConfig, trained};
    use crate::optim::AdamConfig;
    use crate::rng::stream;
    use crate::sae::model::Activation;

    /// On a small trained model, a TopK dictionary with as many latents as
    /// neurons reconstructs most of the layer and gives back most of the
    /// loss; its latents are the encoder's activations.
    #[test]
    fn a_dictionary_keeps_most_of_what_the_model_knows() {
        let text: Vec<u8> = "/// Add one.\nfn add_one(x: u32) -> u32 {\n    x + 1\n}\n"
            .repeat(30)
            .chars()
            .map(symbol)
            .collect();
        let lm = trained(
            LmSpec { context: 6, embed: 4, hidden: 16 },
            &text,
            &LmTrainConfig { steps: 300, batch: 64, lr: 1e-2, warmup: 20 },
            &mut stream(76, 0),
        );
        let spec = SaeSpec { d: 16, m: 32, activation: Activation::TopK(6), l1: 0.0 };
        let config = SaeTrainConfig {
            steps: 1500,
            batch: 64,
            adam: AdamConfig::adam(3e-3),
            dead_window: 500,
            resample: None,
            auxk: None,
        };
        let dict = train_dictionary(&lm, &text, spec, &config, &mut stream(76, 1));
        let positions: Vec<usize> = (6..text.len()).collect();
        let s = splice(&lm, &dict, &text, &positions);
        assert!(s.clean < s.spliced && s.spliced < s.zero, "{s:?}");
        assert!(s.fvu < 0.2 && s.l0 <= 6.0, "{s:?}");
        assert!(s.recovered_from_zero() > 0.8, "{s:?}");
        let rows = hidden_activations(&lm, &text, &positions[..5]);
        let latents = dict.latents(&rows);
        assert_eq!(latents.len(), 5 * 32);
        assert!(latents.chunks_exact(32).all(|r| r.iter().filter(|&&v| v != 0.0).count() <= 6));
    }
}
