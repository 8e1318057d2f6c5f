//! A sparse autoencoder on the language model's hidden layer (Chapter 5's
//! engine), and what it keeps of what the model knows: the model's loss
//! with its hidden rows replaced by the SAE's reconstructions, against the
//! same loss with the rows zeroed or set to their mean ("loss recovered").

use super::hidden::Hidden;
use super::model::{Lm, Workspace as LmWorkspace, loss_from_hidden};
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
    /// The SAE's forward pass on hidden rows (B × H, unscaled): the active
    /// latents and the (scaled) reconstructions in the workspace.
    fn run(&self, rows: &[f32]) -> Workspace {
        let b = rows.len() / self.sae.spec.d;
        let x: Vec<f32> = rows.iter().map(|v| v * self.scale).collect();
        let mut ws = Workspace::new(&self.sae.spec, b);
        reconstruct(&self.sae, &x, &mut ws);
        ws
    }

    /// The latents' activations (dense, B × M) for hidden rows (B × H,
    /// unscaled).
    pub fn latents(&self, rows: &[f32]) -> Vec<f32> {
        let (h, m) = (self.sae.spec.d, self.sae.spec.m);
        let b = rows.len() / h;
        let ws = self.run(rows);
        let mut dense = vec![0.0f32; b * m];
        for s in 0..b {
            for k in ws.start[s]..ws.start[s + 1] {
                dense[s * m + ws.active[k] as usize] = ws.value[k];
            }
        }
        dense
    }

    /// The reconstructions of hidden rows, unscaled (B × H in and out), and
    /// the number of active latents over all of them.
    pub fn reconstruct(&self, rows: &[f32]) -> (Vec<f32>, usize) {
        let h = self.sae.spec.d;
        let ws = self.run(rows);
        let xhat = ws.reconstruction(rows.len() / h, h).iter().map(|v| v / self.scale).collect();
        (xhat, ws.active.len())
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

/// Windows per chunk of the held-out text (the SAE's workspace holds a
/// chunk's B × M pre-activations).
const CHUNK: usize = 4096;

/// [`Splice`] at `positions` of `text`: the model's hidden rows computed
/// once per chunk (after a first pass for their mean), the SAE run once on
/// them, and the head given each version of the rows.
pub fn splice(lm: &Lm, dict: &Dictionary, text: &[u8], positions: &[usize]) -> Splice {
    let h = lm.spec.hidden;
    let mut mean = vec![0.0f64; h];
    for chunk in positions.chunks(CHUNK) {
        for row in hidden_activations(lm, text, chunk).chunks_exact(h) {
            mean.iter_mut().zip(row).for_each(|(m, &v)| *m += v as f64);
        }
    }
    let mean: Vec<f32> = mean.iter().map(|m| (m / positions.len() as f64) as f32).collect();
    let mut ws = LmWorkspace::new(&lm.spec, CHUNK);
    let (mut sums, mut sse, mut var, mut active) = ([0.0f64; 4], 0.0, 0.0, 0);
    for chunk in positions.chunks(CHUNK) {
        let rows = hidden_activations(lm, text, chunk);
        let target: Vec<u8> = chunk.iter().map(|&at| text[at]).collect();
        let (xhat, fired) = dict.reconstruct(&rows);
        active += fired;
        let means: Vec<f32> = mean.iter().copied().cycle().take(rows.len()).collect();
        for (k, version) in [&rows, &xhat, &vec![0.0; rows.len()], &means].into_iter().enumerate() {
            sums[k] += loss_from_hidden(lm, version, &target, &mut ws) * chunk.len() as f64;
        }
        sse += rows.iter().zip(&xhat).map(|(&a, &b)| ((a - b) as f64).powi(2)).sum::<f64>();
        var += rows.iter().zip(&means).map(|(&a, &m)| ((a - m) as f64).powi(2)).sum::<f64>();
    }
    let n = positions.len() as f64;
    let [clean, spliced, zero, mean] = sums.map(|s| s / n);
    // The scale multiplies both sums of squares: the FVU is the SAE's own.
    Splice { clean, spliced, zero, mean, fvu: sse / var, l0: active as f64 / n }
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
