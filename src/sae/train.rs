//! Training a sparse autoencoder with Adam, fresh samples every step, the
//! decoder kept at unit norm, and (optionally) dead latents resampled.

use super::auxk::{AuxK, auxk};
use super::data::{Batch, Source};
use super::model::{Sae, Workspace, backward, project_decoder_grad, reconstruct};
use crate::optim::{Adam, AdamConfig};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Resampling of dead latents (Bricken et al., 2023): at the given steps,
/// every latent that is dead (has not fired for the training's
/// `dead_window` steps) gets a new direction:
/// an input drawn with probability proportional to its squared loss,
/// normalised, as its decoder row; the same, scaled to `encoder_scale` × the
/// mean norm of the live encoder rows (Bricken et al.: 0.2), as its encoder
/// row; a zero bias; and fresh Adam moments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resample {
    pub at_steps: Vec<usize>,
    /// Inputs scored to pick the new directions from.
    pub candidates: usize,
    pub encoder_scale: f32,
}

impl Resample {
    /// Whether to resample after step `step` (counted from 0).
    pub fn due(&self, step: usize) -> bool {
        self.at_steps.contains(&(step + 1))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaeTrainConfig {
    pub steps: usize,
    pub batch: usize,
    pub adam: AdamConfig,
    /// A latent is dead when it has not fired on any sample of this many steps.
    pub dead_window: usize,
    pub resample: Option<Resample>,
    /// The auxiliary loss on the dead latents (TopK SAEs).
    pub auxk: Option<AuxK>,
}

/// How many times during training the dead latents are counted for the log.
pub const DEAD_LOG_POINTS: usize = 60;

/// What happened during training.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrainLog {
    /// Latents resampled at each resampling step.
    pub resampled: Vec<usize>,
    /// The step at which each latent last fired (for the dead-latent count).
    pub last_fired: Vec<usize>,
    /// (step, dead latents) at [`DEAD_LOG_POINTS`] evenly spaced steps.
    pub dead: Vec<(usize, usize)>,
}

/// Latents that fired on no sample in the `window` steps up to `step`
/// (counting from the start of training, or from their last resampling).
pub fn dead_latents(last_fired: &[usize], step: usize, window: usize) -> Vec<usize> {
    (0..last_fired.len()).filter(|&j| step - last_fired[j].min(step) >= window).collect()
}

impl TrainLog {
    fn new(latents: usize) -> Self {
        TrainLog { resampled: Vec::new(), last_fired: vec![0; latents], dead: Vec::new() }
    }

    /// Note the latents active in this step's batch.
    #[inline(always)]
    fn fired(&mut self, active: &[u32], step: usize) {
        for &j in active {
            self.last_fired[j as usize] = step;
        }
    }

    /// With AuxK, the gradient of the auxiliary loss (see [`super::auxk`])
    /// on the latents dead at `step`, from the forward pass in `ws` (which
    /// the backward pass overwrites, so it comes first).
    fn auxk_gradient(
        &self,
        sae: &Sae,
        x: &[f32],
        ws: &Workspace,
        step: usize,
        config: &SaeTrainConfig,
    ) -> Option<Vec<f32>> {
        let aux = config.auxk.as_ref()?;
        let window = config.dead_window;
        let dead: Vec<bool> = self.last_fired.iter().map(|&last| step - last.min(step) >= window).collect();
        let mut grad = vec![0.0f32; sae.params.len()];
        auxk(sae, x, ws, &dead, aux, &mut grad);
        Some(grad)
    }

    /// Log the dead latents at [`DEAD_LOG_POINTS`] evenly spaced steps.
    #[inline(always)]
    fn count_dead(&mut self, step: usize, config: &SaeTrainConfig) {
        let every = config.steps.div_ceil(DEAD_LOG_POINTS).max(1);
        if (step + 1).is_multiple_of(every) || step + 1 == config.steps {
            let dead = dead_latents(&self.last_fired, step, config.dead_window).len();
            self.dead.push((step + 1, dead));
        }
    }

    /// The latents just resampled start their dead-latent window again.
    fn resampled(&mut self, latents: &[usize], step: usize) {
        for &j in latents {
            self.last_fired[j] = step;
        }
        self.resampled.push(latents.len());
    }
}

/// Train `sae` on fresh samples drawn from `truth`: [`train_loop`],
/// compiled for AVX2 where the processor has it (the same operations in
/// wider registers, so the same bits; every sum keeps its order).
pub fn train(
    sae: &mut Sae,
    truth: &dyn Source,
    config: &SaeTrainConfig,
    rng: &mut ChaCha8Rng,
    on_step: impl FnMut(usize, &Sae),
) -> TrainLog {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        return unsafe { train_avx2(sae, truth, config, rng, on_step) };
    }
    train_loop(sae, truth, config, rng, on_step)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn train_avx2(
    sae: &mut Sae,
    truth: &dyn Source,
    config: &SaeTrainConfig,
    rng: &mut ChaCha8Rng,
    on_step: impl FnMut(usize, &Sae),
) -> TrainLog {
    train_loop(sae, truth, config, rng, on_step)
}

/// The training loop: a batch, the forward and backward pass, an Adam
/// step, the decoder rows back to unit length; dead latents counted and,
/// if asked, resampled.
#[inline(always)]
// ANCHOR: train
pub fn train_loop(
    sae: &mut Sae,
    truth: &dyn Source,
    config: &SaeTrainConfig,
    rng: &mut ChaCha8Rng,
    mut on_step: impl FnMut(usize, &Sae),
) -> TrainLog {
    let mut batch = Batch::new(config.batch, sae.spec.d);
    let mut ws = Workspace::new(&sae.spec, config.batch);
    let mut grad = vec![0.0f32; sae.params.len()];
    let mut adam = Adam::new(config.adam, sae.params.len());
    let mut log = TrainLog::new(sae.spec.m);
    for step in 0..config.steps {
        truth.sample(&mut batch, rng);
        reconstruct(sae, &batch.x, &mut ws);
        log.fired(&ws.active, step);
        let aux = log.auxk_gradient(sae, &batch.x, &ws, step, config);
        backward(sae, &batch.x, &mut ws, &mut grad);
        aux.iter().for_each(|a| grad.iter_mut().zip(a).for_each(|(g, a)| *g += a));
        project_decoder_grad(sae, &mut grad);
        adam.step(&mut sae.params, &grad);
        sae.normalise_decoder();
        log.count_dead(step, config);
        if let Some(r) = config.resample.as_ref().filter(|r| r.due(step)) {
            let dead = dead_latents(&log.last_fired, step, config.dead_window);
            resample(sae, truth, &dead, r, &mut adam, rng);
            log.resampled(&dead, step);
        }
        on_step(step, sae);
    }
    log
}
// ANCHOR_END: train

/// Give each `dead` latent a new direction taken from a badly reconstructed input.
fn resample(
    sae: &mut Sae,
    truth: &dyn Source,
    dead: &[usize],
    r: &Resample,
    adam: &mut Adam,
    rng: &mut ChaCha8Rng,
) {
    if dead.is_empty() {
        return;
    }
    let (d, lay, candidates) = (sae.spec.d, sae.spec.layout(), r.candidates);
    let mut batch = Batch::new(candidates, d);
    truth.sample(&mut batch, rng);
    let mut ws = Workspace::new(&sae.spec, candidates);
    reconstruct(sae, &batch.x, &mut ws);
    // Squared reconstruction error of each candidate, squared again as the weight.
    let xhat = ws.reconstruction(candidates, d);
    let weights: Vec<f64> = (0..candidates)
        .map(|s| {
            let e: f64 = (0..d).map(|i| ((xhat[s * d + i] - batch.x[s * d + i]) as f64).powi(2)).sum();
            e * e
        })
        .collect();
    let total: f64 = weights.iter().sum();
    // The mean norm of the live encoder rows.
    let live: Vec<usize> = (0..sae.spec.m).filter(|j| !dead.contains(j)).collect();
    let enc_norm = if live.is_empty() {
        1.0
    } else {
        live.iter()
            .map(|&j| {
                sae.params[lay.w_enc + j * d..lay.w_enc + (j + 1) * d]
                    .iter()
                    .map(|v| v * v)
                    .sum::<f32>()
                    .sqrt()
            })
            .sum::<f32>()
            / live.len() as f32
    };
    let b_dec: Vec<f32> = sae.params[lay.b_dec..lay.b_dec + d].to_vec();
    for &j in dead {
        // Draw s with probability weights[s] / total.
        let mut u = rng.random::<f64>() * total;
        let mut s = candidates - 1;
        for (k, &w) in weights.iter().enumerate() {
            if u < w {
                s = k;
                break;
            }
            u -= w;
        }
        let mut v: Vec<f32> = (0..d).map(|i| batch.x[s * d + i] - b_dec[i]).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        v.iter_mut().for_each(|x| *x /= norm);
        let (dec, enc) = (lay.w_dec + j * d, lay.w_enc + j * d);
        sae.params[dec..dec + d].copy_from_slice(&v);
        for (w, &v) in sae.params[enc..enc + d].iter_mut().zip(&v) {
            *w = r.encoder_scale * enc_norm * v;
        }
        sae.params[lay.b_enc + j] = 0.0;
        adam.reset_range(dec..dec + d);
        adam.reset_range(enc..enc + d);
        adam.reset_range(lay.b_enc + j..lay.b_enc + j + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::sae::data::{GroundTruth, TruthConfig};
    use crate::sae::model::{Activation, SaeSpec, forward};

    #[test]
    fn training_lowers_the_loss_and_keeps_the_decoder_unit() {
        let mut rng = stream(50, 0);
        let truth = GroundTruth::new(
            TruthConfig { d: 16, n: 24, mean_active: 2.0, decay: 0.97, pair_correlation: 0.0 },
            &mut rng,
        );
        let spec = SaeSpec { d: 16, m: 32, activation: Activation::Relu, l1: 1e-3 };
        let mut sae = Sae::new(spec, &mut rng);
        let mut probe = Batch::new(512, 16);
        truth.sample(&mut probe, &mut rng);
        sae.init_decoder_bias(&probe.x);
        let mut ws = Workspace::new(&spec, 512);
        let before = forward(&sae, &probe.x, &mut ws).mse;
        let config = SaeTrainConfig {
            steps: 600,
            batch: 64,
            adam: AdamConfig::adam(3e-3),
            dead_window: 200,
            resample: Some(Resample { at_steps: vec![300], candidates: 256, encoder_scale: 0.2 }),
            auxk: None,
        };
        let log = train(&mut sae, &truth, &config, &mut rng, |_, _| {});
        let after = forward(&sae, &probe.x, &mut ws).mse;
        assert!(after < 0.3 * before, "mse {before} → {after}");
        assert_eq!(log.resampled.len(), 1);
        for j in 0..32 {
            let norm: f32 = sae.decoder(j).iter().map(|v| v * v).sum();
            assert!((norm - 1.0).abs() < 1e-4);
        }
    }
}
