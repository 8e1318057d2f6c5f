//! An SAE built from the truth: the known solution every trained SAE of
//! Chapter 5 is measured against.
//!
//! With N true features F_i, the SAE that recovers everything has N latents,
//! decoder rows F_i, and an encoder along the same directions,
//!
//!   f = act(s · F x + β),   x̂ = Fᵀ f,   b_dec = 0,
//!
//! with one scale s and one bias β for all latents, tuned to minimise the
//! SAE's own objective (MSE + λ‖f‖₁, or the MSE alone for TopK) on the
//! evaluation set. Its dictionary is the truth (recovery 100%, MMCS 1); its
//! objective says how well a dictionary that recovers every feature can do
//! on the loss the SAEs are trained on. A trained SAE above it has not
//! found that solution; one below it has found something the objective
//! prefers to the truth.

use super::data::{Batch, GroundTruth};
use super::metrics::{Metrics, evaluate};
use super::model::{Activation, Sae, SaeSpec, Workspace, forward};
use crate::optim::golden_section;
use serde::{Deserialize, Serialize};

/// The truth SAE at encoder scale s and bias β. A JumpReLU truth SAE
/// gets the threshold θ = √λ on every latent (see [`with_threshold`]):
/// dropping a code c costs c² of squared error and saves λ, so for
/// orthogonal features the codes worth keeping are those above √λ.
pub fn truth_sae(truth: &GroundTruth, activation: Activation, l1: f32, scale: f32, bias: f32) -> Sae {
    let (d, n) = (truth.config.d, truth.config.n);
    let spec = SaeSpec { d, m: n, activation, l1 };
    let lay = spec.layout();
    let mut params = vec![0.0f32; lay.len];
    for (k, &v) in truth.features.iter().enumerate() {
        params[lay.w_enc + k] = scale * v;
        params[lay.w_dec + k] = v;
    }
    params[lay.b_enc..lay.w_dec].fill(bias);
    with_threshold(Sae { spec, params }, l1.sqrt())
}

/// The SAE with JumpReLU threshold θ on every latent (no change for the
/// other activations, which have no threshold).
pub fn with_threshold(mut sae: Sae, theta: f32) -> Sae {
    let lay = sae.spec.layout();
    sae.params[lay.log_theta..lay.len].fill(theta.ln());
    sae
}

/// The best truth SAE for one objective, and how it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthSae {
    pub scale: f32,
    pub bias: f32,
    /// JumpReLU's threshold θ on every latent, tuned with s and β (`None`
    /// for the other activations).
    pub theta: Option<f32>,
    /// Its objective on the evaluation set (MSE + λ‖f‖₁; MSE for TopK).
    pub objective: f64,
    pub metrics: Metrics,
    /// The objective of the true codes (see [`true_codes`]).
    pub true_codes: f64,
}

/// The objective of `sae` on `eval`: MSE + λ‖f‖₁ (λ is 0 for TopK).
pub fn objective(sae: &Sae, eval: &Batch) -> f64 {
    let mut ws = Workspace::new(&sae.spec, eval.size);
    forward(sae, &eval.x, &mut ws).total
}

/// Samples of the evaluation set the scale and bias are tuned on (the
/// objective and metrics are then measured on the whole set).
pub const TUNING_SAMPLES: usize = 2048;

/// The truth SAE with s and β tuned to the objective (see [`tune`]),
/// measured on the whole of `eval`.
pub fn best_truth_sae(truth: &GroundTruth, eval: &Batch, activation: Activation, l1: f32) -> TruthSae {
    let (scale, bias, theta) = tune(truth, eval, activation, l1);
    let mut sae = truth_sae(truth, activation, l1, scale, bias);
    if let Some(theta) = theta {
        sae = with_threshold(sae, theta);
    }
    let metrics = evaluate(&sae, truth, eval);
    let objective = metrics.objective;
    let true_codes = true_codes(truth, eval, activation, l1);
    TruthSae { scale, bias, theta, objective, metrics, true_codes }
}

/// The encoder scale s and bias β of the best truth SAE for the dictionary
/// `truth` (any unit directions: the features, or others, such as the
/// parents of families of features), tuned on the first
/// [`TUNING_SAMPLES`] samples of `eval`: a grid over s ∈ [0.5, 1.5] and
/// β ∈ [−0.5, 0.1] in steps of 0.2 and 0.1, then two rounds of
/// golden-section refinement of each in turn around the best point. A
/// JumpReLU truth SAE also tunes its threshold θ (from √λ, refined within a
/// factor e either side in each round); the others return `None` for it.
pub fn tune(truth: &GroundTruth, eval: &Batch, activation: Activation, l1: f32) -> (f32, f32, Option<f32>) {
    let tune = eval.head(TUNING_SAMPLES);
    let ws =
        std::cell::RefCell::new(Workspace::new(&truth_sae(truth, activation, l1, 1.0, 0.0).spec, tune.size));
    let jump = activation == Activation::JumpRelu;
    let loss = |s: f32, b: f32, theta: f32| {
        let sae = truth_sae(truth, activation, l1, s, b);
        let sae = if jump { with_threshold(sae, theta) } else { sae };
        forward(&sae, &tune.x, &mut ws.borrow_mut()).total
    };
    let theta = l1.sqrt();
    let mut best = (1.0f32, 0.0f32, theta, loss(1.0, 0.0, theta));
    for i in 0..=5 {
        for j in 0..=6 {
            let (s, b) = (0.5 + 0.2 * i as f32, -0.5 + 0.1 * j as f32);
            let l = loss(s, b, theta);
            if l < best.3 {
                best = (s, b, theta, l);
            }
        }
    }
    for _round in 0..2 {
        let search = |f: &dyn Fn(f32) -> f64, at: f32, half: f32| {
            golden_section(|v| f(v as f32), (at - half) as f64, (at + half) as f64, 1e-4) as f32
        };
        let (s0, b0, t0, _) = best;
        let s = search(&|s| loss(s, b0, t0), s0, 0.2);
        let b = search(&|b| loss(s, b, t0), b0, 0.1);
        // θ on a log scale (θ > 0).
        let t = if jump && t0 > 0.0 { search(&|lt| loss(s, b, lt.exp()), t0.ln(), 1.0).exp() } else { t0 };
        let l = loss(s, b, t);
        if l < best.3 {
            best = (s, b, t, l);
        }
    }
    (best.0, best.1, jump.then_some(best.2))
}

// ANCHOR: true_codes
/// The objective of the true codes c of the samples `x` themselves, f = c
/// (TopK: the k largest; JumpReLU: those with c² > λ, worth their λ for
/// orthogonal features), decoded by the true features. The MSE is what the
/// dropped codes leave out, ‖Σ_{i dropped} c_i F_i‖², and the penalty is
/// λ Σ_{i kept} c_i (JumpReLU: λ times their number).
pub fn true_codes(truth: &GroundTruth, x: &Batch, act: Activation, l1: f32) -> f64 {
    let d = truth.config.d;
    let mut total = 0.0f64;
    for s in 0..x.size {
        let range = x.start[s]..x.start[s + 1];
        let coefs = x.coef[range.clone()].iter().zip(&x.active[range]);
        let mut codes: Vec<_> = coefs.map(|(&c, &i)| (c, i as usize)).collect();
        codes.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let keep = match act {
            Activation::Relu => codes.len(),
            Activation::JumpRelu => codes.partition_point(|(c, _)| c * c > l1),
            Activation::TopK(k) => k.min(codes.len()),
        };
        let mut residual = vec![0.0f64; d];
        for &(c, i) in &codes[keep..] {
            for (r, &f) in residual.iter_mut().zip(truth.feature(i)) {
                *r += c as f64 * f as f64;
            }
        }
        let kept: f64 = match act {
            Activation::JumpRelu => keep as f64, // λ‖f‖₀ counts the codes
            _ => codes[..keep].iter().map(|&(c, _)| c as f64).sum(),
        };
        total += residual.iter().map(|r| r * r).sum::<f64>() + l1 as f64 * kept;
    }
    total / x.size as f64
}
// ANCHOR_END: true_codes

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::sae::data::TruthConfig;

    #[test]
    fn the_truth_sae_recovers_everything_and_its_tuning_helps() {
        let mut rng = stream(61, 0);
        let truth = GroundTruth::new(
            TruthConfig { d: 32, n: 64, mean_active: 3.0, decay: 0.99, pair_correlation: 0.0 },
            &mut rng,
        );
        let mut eval = Batch::new(2048, 32);
        truth.sample(&mut eval, &mut rng);
        let best = best_truth_sae(&truth, &eval, Activation::Relu, 0.1);
        assert_eq!(best.metrics.recovered, 1.0);
        assert!((best.metrics.mmcs_truth_to_learned - 1.0).abs() < 1e-6);
        // The tuned (s, β) is no worse than the plain s = 1, β = 0.
        let plain = objective(&truth_sae(&truth, Activation::Relu, 0.1, 1.0, 0.0), &eval);
        assert!(best.objective <= plain, "{} vs {plain}", best.objective);
        // With λ > 0 the tuned encoder shrinks: a negative bias or a scale below 1.
        assert!(best.bias < 0.0 || best.scale < 1.0, "{best:?}");
        // The true codes: no reconstruction error, so the objective is λ E Σ c_i
        // (the coefficients are uniform on (0, 1], mean 1/2 per active feature).
        let mean_active = eval.active.len() as f64 / eval.size as f64;
        let l1_part: f64 = eval.coef.iter().map(|&c| c as f64).sum::<f64>() / eval.size as f64;
        assert!(
            (best.true_codes - 0.1 * l1_part).abs() < 1e-6 * l1_part,
            "{} vs {}",
            best.true_codes,
            0.1 * l1_part
        );
        assert!((l1_part / mean_active - 0.5).abs() < 0.02);
        // TopK with k = 1 leaves out all but the largest code: a positive MSE,
        // equal to ‖x − c_max F_max‖² when computed directly.
        let top1 = true_codes(&truth, &eval, Activation::TopK(1), 0.0);
        let mut direct = 0.0f64;
        for s in 0..eval.size {
            let r = eval.start[s]..eval.start[s + 1];
            let mut x: Vec<f64> = eval.x[s * 32..(s + 1) * 32].iter().map(|&v| v as f64).collect();
            if let Some((c, i)) =
                eval.coef[r.clone()].iter().zip(&eval.active[r]).max_by(|a, b| a.0.total_cmp(b.0))
            {
                x.iter_mut().zip(truth.feature(*i as usize)).for_each(|(v, &f)| *v -= *c as f64 * f as f64);
            }
            direct += x.iter().map(|v| v * v).sum::<f64>();
        }
        direct /= eval.size as f64;
        assert!(top1 > 0.0 && (top1 - direct).abs() < 1e-4 * direct, "{top1} vs {direct}");
    }

    /// JumpReLU: the tuned threshold does no worse than √λ with s = 1,
    /// β = 0, and the true codes keep exactly the codes with c² > λ.
    #[test]
    fn the_jumprelu_truth_sae_tunes_its_threshold() {
        let mut rng = stream(62, 0);
        let config = TruthConfig { d: 32, n: 64, mean_active: 3.0, decay: 0.99, pair_correlation: 0.0 };
        let truth = GroundTruth::new(config, &mut rng);
        let mut eval = Batch::new(TUNING_SAMPLES, 32);
        truth.sample(&mut eval, &mut rng);
        let l1 = 0.03;
        let best = best_truth_sae(&truth, &eval, Activation::JumpRelu, l1);
        let theta = best.theta.expect("JumpReLU has a threshold");
        assert!(theta > 0.0 && theta.is_finite(), "{best:?}");
        let plain = objective(&truth_sae(&truth, Activation::JumpRelu, l1, 1.0, 0.0), &eval);
        assert!(best.objective <= plain, "{} vs {plain}", best.objective);
        assert!(best_truth_sae(&truth, &eval, Activation::Relu, l1).theta.is_none());
        let mut direct = 0.0f64;
        for s in 0..eval.size {
            let r = eval.start[s]..eval.start[s + 1];
            let mut x = vec![0.0f64; 32];
            for (&c, &i) in eval.coef[r.clone()].iter().zip(&eval.active[r]) {
                if c * c > l1 {
                    direct += l1 as f64;
                } else {
                    x.iter_mut().zip(truth.feature(i as usize)).for_each(|(v, &f)| *v += c as f64 * f as f64);
                }
            }
            direct += x.iter().map(|v| v * v).sum::<f64>();
        }
        direct /= eval.size as f64;
        assert!((best.true_codes - direct).abs() < 1e-9 * direct.max(1.0), "{} vs {direct}", best.true_codes);
    }
}
