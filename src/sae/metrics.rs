//! How well a sparse autoencoder reconstructs its inputs, and how well its
//! dictionary recovers the true features.
//!
//! - L0: the mean number of active latents per sample.
//! - FVU, the fraction of variance unexplained: E‖x − x̂‖² / E‖x − E x‖²,
//!   both averaged over the whole evaluation set.
//! - Dead latents: latents that fire on no sample of the evaluation set.
//! - MMCS, the mean max cosine similarity, in both directions: for each true
//!   feature the best |cos| with any decoder direction, averaged (truth →
//!   learned); and for each live latent the best |cos| with any true feature
//!   (learned → truth).
//! - Recovery: the share of true features with some decoder direction at
//!   cos > [`RECOVERED`].
//! - Shrinkage: Σ x̂·x / Σ x·x over the set (after removing b_dec): below 1
//!   when the L1 penalty shrinks the reconstructions — and also when
//!   features are dropped, which it cannot tell apart.
//! - The latents' own shrinkage, which can: for each recovered feature, its
//!   best-matching latent's activation f against the feature's true
//!   coefficient c, over the samples where the feature is present and the
//!   latent fires, fitted by least squares as f ≈ slope · c + offset (pooled
//!   over the features): a slope below 1 shrinks by a factor, a negative
//!   offset by a fixed amount (the L1 penalty's soft threshold); and how
//!   often the latent stays off when its feature is present.

use super::data::{Batch, GroundTruth as Truth};
use super::model::{Sae, Workspace, forward, loss};
use serde::{Deserialize, Serialize};

/// A true feature counts as recovered at cos above this.
pub const RECOVERED: f64 = 0.9;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// The training objective on the set: MSE + λ‖f‖₁ (the MSE for TopK).
    pub objective: f64,
    pub l0: f64,
    pub fvu: f64,
    pub dead: usize,
    pub mmcs_truth_to_learned: f64,
    pub mmcs_learned_to_truth: f64,
    pub recovered: f64,
    pub shrinkage: f64,
    /// The matched latents against the true coefficients.
    pub latents: LatentFit,
}

/// The least-squares line f ≈ slope · c + offset through the (true
/// coefficient, matched latent's activation) pairs where both are non-zero:
/// slope 1 and offset 0 when latents report their features at full size
/// (`None` when fewer than two such pairs); and the share of a recovered
/// feature's occurrences where its matched latent does not fire (`None` when
/// no feature is recovered).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatentFit {
    pub slope: Option<f64>,
    pub offset: Option<f64>,
    pub missed: Option<f64>,
}

/// cos(a, b), accumulated in f64.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        ab += x as f64 * y as f64;
        aa += x as f64 * x as f64;
        bb += y as f64 * y as f64;
    }
    ab / (aa * bb).sqrt().max(1e-30)
}

/// cos(F_i, D_j) for every true feature i (rows) and latent j (columns).
pub fn cosines(sae: &Sae, truth: &Truth) -> Vec<f64> {
    let (n, m) = (truth.config.n, sae.spec.m);
    let mut c = vec![0.0; n * m];
    for i in 0..n {
        for j in 0..m {
            c[i * m + j] = cosine(truth.feature(i), sae.decoder(j));
        }
    }
    c
}

/// Every metric of the module's notes for `sae` on `eval`.
pub fn evaluate(sae: &Sae, truth: &Truth, eval: &Batch) -> Metrics {
    let mut ws = Workspace::new(&sae.spec, eval.size);
    forward(sae, &eval.x, &mut ws);
    measure(sae, truth, eval, &ws)
}

/// The metrics of the codes in `ws` (their active latents and x̂ on
/// `eval`): the encoder's after [`evaluate`]'s forward pass, or any others
/// (see [`super::model::decode_codes`]).
// ANCHOR: evaluate
pub fn measure(sae: &Sae, truth: &Truth, eval: &Batch, ws: &Workspace) -> Metrics {
    let (d, m, n) = (sae.spec.d, sae.spec.m, truth.config.n);
    let loss = loss(sae, &eval.x, ws);
    let lay = sae.spec.layout();
    let b_dec = &sae.params[lay.b_dec..lay.b_dec + d];
    // Dead latents: those that fire on no sample of the set.
    let mut fired = vec![false; m];
    for &j in &ws.active {
        fired[j as usize] = true;
    }
    let live: Vec<usize> = (0..m).filter(|&j| fired[j]).collect();
    // The dictionary against the truth: c[i·m + j] = cos(F_i, D_j).
    let c = cosines(sae, truth);
    let truth_best = |i: usize| largest((0..m).map(|j| c[i * m + j]));
    let latent_best = |&j: &usize| largest((0..n).map(|i| c[i * m + j]));
    let best_for_truth: Vec<f64> = (0..n).map(truth_best).collect();
    let best_for_latent: Vec<f64> = live.iter().map(latent_best).collect();
    let recovered = best_for_truth.iter().filter(|&&v| v > RECOVERED).count();
    Metrics {
        objective: loss.total,
        l0: loss.l0,
        fvu: fvu(&eval.x, loss.mse, d),
        dead: m - live.len(),
        mmcs_truth_to_learned: mean(&best_for_truth),
        mmcs_learned_to_truth: mean(&best_for_latent),
        recovered: recovered as f64 / n as f64,
        shrinkage: shrinkage(ws.reconstruction(eval.size, d), &eval.x, b_dec),
        latents: latent_fit(&c, m, eval, ws),
    }
}
// ANCHOR_END: evaluate

/// The matched latents' slope and miss rate (see the module's notes), from
/// the cosines `c` (N × M), the evaluation set's true codes and the
/// latents' activations on it (`ws`, after the forward pass).
fn latent_fit(c: &[f64], m: usize, eval: &Batch, ws: &Workspace) -> LatentFit {
    let n = c.len() / m;
    // The latent matched to each recovered feature.
    let matched: Vec<Option<u32>> = (0..n)
        .map(|i| {
            let row = &c[i * m..(i + 1) * m];
            let (j, &best) = row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
            (best > RECOVERED).then_some(j as u32)
        })
        .collect();
    // Sums for the least-squares line over the firing pairs (c, f).
    let (mut sc, mut sf, mut scc, mut scf) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let (mut present, mut fired) = (0usize, 0usize);
    for s in 0..eval.size {
        let latents = &ws.active[ws.start[s]..ws.start[s + 1]];
        let values = &ws.value[ws.start[s]..ws.start[s + 1]];
        for (&i, &a) in eval.active[eval.start[s]..eval.start[s + 1]].iter().zip(&eval.coef[eval.start[s]..])
        {
            let Some(j) = matched[i as usize] else { continue };
            present += 1;
            if let Some(k) = latents.iter().position(|&l| l == j) {
                let (c, f) = (a as f64, values[k] as f64);
                fired += 1;
                (sc, sf, scc, scf) = (sc + c, sf + f, scc + c * c, scf + c * f);
            }
        }
    }
    let missed = (present > 0).then(|| 1.0 - fired as f64 / present as f64);
    let count = fired as f64;
    let spread = count * scc - sc * sc;
    if fired < 2 || spread <= 0.0 {
        return LatentFit { slope: None, offset: None, missed };
    }
    let slope = (count * scf - sc * sf) / spread;
    LatentFit { slope: Some(slope), offset: Some((sf - slope * sc) / count), missed }
}

/// The fraction of variance unexplained, Σ‖x − x̂‖² / Σ‖x − x̄‖², from the
/// mean squared error that the forward pass returns (samples are rows of d).
fn fvu(x: &[f32], mse: f64, d: usize) -> f64 {
    let n = x.len() / d;
    let mut mean = vec![0.0f64; d];
    for row in x.chunks_exact(d) {
        mean.iter_mut().zip(row).for_each(|(m, &v)| *m += v as f64 / n as f64);
    }
    let squares = |row: &[f32]| row.iter().zip(&mean).map(|(&v, &m)| (v as f64 - m).powi(2)).sum::<f64>();
    let total: f64 = x.chunks_exact(d).map(squares).sum();
    mse * n as f64 / total
}

/// Shrinkage relative to b_dec: Σ (x̂ − b)·(x − b) / Σ ‖x − b‖², below 1
/// when reconstructions are too short.
fn shrinkage(xhat: &[f32], x: &[f32], b_dec: &[f32]) -> f64 {
    let d = b_dec.len();
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for (xh, x) in xhat.chunks_exact(d).zip(x.chunks_exact(d)) {
        for ((&a, &c), &b) in xh.iter().zip(x).zip(b_dec) {
            num += (a - b) as f64 * (c - b) as f64;
            den += ((c - b) as f64).powi(2);
        }
    }
    num / den.max(1e-30)
}

/// The largest of some cosines (−∞ for none).
fn largest(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(f64::NEG_INFINITY, f64::max)
}

/// The mean of a list (0 for an empty one).
fn mean(v: &[f64]) -> f64 {
    if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::sae::data::{GroundTruth, TruthConfig};
    use crate::sae::model::{Activation, SaeSpec};

    #[test]
    fn an_sae_built_from_the_truth_is_perfect() {
        // N = 6 orthonormal features in d = 8 (the standard basis); an SAE
        // whose encoder and decoder are those features reconstructs exactly.
        let mut rng = stream(60, 0);
        let mut truth = GroundTruth::new(
            TruthConfig { d: 8, n: 6, mean_active: 2.0, decay: 0.9, pair_correlation: 0.0 },
            &mut rng,
        );
        truth.features.fill(0.0);
        for i in 0..6 {
            truth.features[i * 8 + i] = 1.0;
        }
        let spec = SaeSpec { d: 8, m: 6, activation: Activation::Relu, l1: 0.0 };
        let mut sae = Sae::new(spec, &mut rng);
        let lay = spec.layout();
        sae.params.fill(0.0);
        sae.params[lay.w_enc..lay.b_enc].copy_from_slice(&truth.features);
        sae.params[lay.w_dec..lay.b_dec].copy_from_slice(&truth.features);
        let mut eval = Batch::new(4000, 8);
        truth.sample(&mut eval, &mut rng);
        let m = evaluate(&sae, &truth, &eval);
        assert!(m.fvu < 1e-10, "{m:?}");
        assert!((m.mmcs_truth_to_learned - 1.0).abs() < 1e-9 && (m.mmcs_learned_to_truth - 1.0).abs() < 1e-9);
        assert_eq!((m.recovered, m.dead), (1.0, 0));
        assert!((m.shrinkage - 1.0).abs() < 1e-9);
        assert!((m.l0 - 2.0).abs() < 0.1, "L0 {}", m.l0);
        // Halving the encoder halves every reconstruction: shrinkage 1/2,
        // FVU = E‖x/2‖² / Var = (1/4) E‖x‖² / Var > 0, recovery unchanged.
        sae.params[lay.w_enc..lay.b_enc].iter_mut().for_each(|v| *v *= 0.5);
        let half = evaluate(&sae, &truth, &eval);
        assert!((half.shrinkage - 0.5).abs() < 1e-6 && half.fvu > 0.1 && half.recovered == 1.0);
        // The latents' own measure sees the same halving...
        assert!((m.latents.slope.unwrap() - 1.0).abs() < 1e-6 && m.latents.missed == Some(0.0), "{m:?}");
        assert!(m.latents.offset.unwrap().abs() < 1e-6);
        assert!(
            (half.latents.slope.unwrap() - 0.5).abs() < 1e-6 && half.latents.missed == Some(0.0),
            "{half:?}"
        );
        // ...and tells it apart from dropping: keeping only the largest
        // latent (TopK with k = 1) reports every kept coefficient at full
        // size but misses the others, which the reconstruction measure
        // counts as shrinkage.
        let mut top1 = sae.clone();
        top1.spec.activation = Activation::TopK(1);
        top1.params[lay.w_enc..lay.b_enc].copy_from_slice(&truth.features);
        let t = evaluate(&top1, &truth, &eval);
        assert!((t.latents.slope.unwrap() - 1.0).abs() < 1e-6, "{t:?}");
        // A soft threshold (a negative encoder bias) shows as an offset,
        // not as a slope.
        let mut soft = sae.clone();
        soft.params[lay.w_enc..lay.b_enc].copy_from_slice(&truth.features);
        soft.params[lay.b_enc..lay.b_enc + 6].fill(-0.1);
        let s = evaluate(&soft, &truth, &eval);
        assert!((s.latents.slope.unwrap() - 1.0).abs() < 1e-6, "{s:?}");
        assert!((s.latents.offset.unwrap() + 0.1).abs() < 1e-6 && s.latents.missed.unwrap() > 0.05, "{s:?}");
        assert!(t.latents.missed.unwrap() > 0.2 && t.shrinkage < 0.95, "{t:?}");
    }
}
