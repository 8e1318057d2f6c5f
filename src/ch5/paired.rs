//! Features that fire in pairs: does an SAE find both members, or one
//! latent on their sum?

use super::Run;
use super::hierarchy::{Absorption, absorption};
use crate::sae::data::{Batch, GroundTruth};
use crate::sae::metrics::{RECOVERED, cosine, cosines, evaluate};
use crate::sae::model::Sae;
use serde::{Deserialize, Serialize};

/// The features that fire in pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    pub run: Run,
    /// The same SAE on independent features (from the sweep), for comparison.
    pub independent_recovered: f64,
    /// Absorption, with the first of each pair as the specific feature and
    /// its partner as the general one (the first implies its partner nine
    /// times in ten); and the independent SAE measured the same way.
    pub absorption: Absorption,
    pub independent_absorption: Absorption,
    /// Measured P(partner fires | first fires) on the evaluation set.
    pub co_firing: f64,
    /// Pairs whose normalised sum F_2k + F_2k+1 has a latent at cos > 0.9.
    pub sum_latents: usize,
    /// Pairs whose two members are both recovered.
    pub both_recovered: usize,
    pub pairs: usize,
}

/// Do paired features come back one by one, or as their sum?
pub(super) fn analyse(
    (run, sae): (Run, Sae),
    truth: &GroundTruth,
    eval: &Batch,
    (independent, independent_eval): (&Sae, &Batch),
) -> Paired {
    let (n, m) = (truth.config.n, run.m);
    let pairs = n / 2;
    let c = cosines(&sae, truth);
    let best = |i: usize| (0..m).map(|j| c[i * m + j]).fold(f64::NEG_INFINITY, f64::max);
    let both_recovered =
        (0..pairs).filter(|&k| best(2 * k) > RECOVERED && best(2 * k + 1) > RECOVERED).count();
    let sum_latents = (0..pairs)
        .filter(|&k| {
            let sum: Vec<f32> =
                truth.feature(2 * k).iter().zip(truth.feature(2 * k + 1)).map(|(a, b)| a + b).collect();
            (0..m).any(|j| cosine(&sum, sae.decoder(j)) > RECOVERED)
        })
        .count();
    let (mut first, mut both) = (0usize, 0usize);
    for s in 0..eval.size {
        let on = &eval.active[eval.start[s]..eval.start[s + 1]];
        for &i in on.iter().filter(|&&i| i % 2 == 0 && (i as usize) + 1 < n) {
            first += 1;
            both += on.contains(&(i + 1)) as usize;
        }
    }
    // (general, specific): the partner is implied by the first.
    let roles: Vec<(usize, usize)> = (0..pairs).map(|k| (2 * k + 1, 2 * k)).collect();
    let independent_recovered = evaluate(independent, truth, independent_eval).recovered;
    Paired {
        absorption: absorption(&sae, truth, eval, &roles),
        independent_absorption: absorption(independent, truth, independent_eval, &roles),
        run,
        independent_recovered,
        co_firing: both as f64 / first.max(1) as f64,
        sum_latents,
        both_recovered,
        pairs,
    }
}
