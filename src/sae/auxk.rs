//! The auxiliary loss that keeps a TopK SAE's latents alive (Gao et al.
//! 2024, "AuxK"): the dead latents' largest pre-activations are asked to
//! reconstruct what the live latents missed,
//!
//!   e = x − x̂  (held fixed),
//!   z = ReLU of the `k` largest pre-activations a_j among the dead latents
//!       (the others zero),   ê = Σ_j z_j D_j,
//!   L_aux = (1/B) Σ_s ‖e_s − ê_s‖²  /  (1/B) Σ_s ‖e_s − ē‖²,
//!
//! normalised by the variance of e over the batch (held fixed too), and
//! added to the loss as α L_aux. A dead latent gets a gradient from every
//! sample where it is among the k, so it moves towards the error the SAE
//! leaves, before it ever fires. (Gao et al. use k_aux near d/2 and α = 1/32;
//! their reference code also leaves b_dec on both sides, where it cancels.)

use serde::{Deserialize, Serialize};

use super::model::{Sae, Workspace};
use crate::simd::{axpy, dot};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AuxK {
    /// How many dead latents reconstruct the error, per sample.
    pub k: usize,
    /// α, the loss's weight.
    pub coef: f32,
}

/// The dead latents of one sample that join the reconstruction: the `k`
/// largest pre-activations `a` among the `dead` (ties: the lower index),
/// if positive, as (latent, value).
pub fn aux_codes(a: &[f32], dead: &[bool], k: usize) -> Vec<(usize, f32)> {
    let mut codes: Vec<(usize, f32)> =
        (0..a.len()).filter(|&j| dead[j] && a[j] > 0.0).map(|j| (j, a[j])).collect();
    codes.sort_by(|p, q| q.1.total_cmp(&p.1).then(p.0.cmp(&q.0)));
    codes.truncate(k);
    codes
}

/// After a forward pass on the batch `x` (`ws` holds the pre-activations
/// and x̂): add the gradient of α L_aux to `grad`, and return L_aux.
/// Only the `dead` latents' parameters and b_dec receive any.
pub fn auxk(sae: &Sae, x: &[f32], ws: &Workspace, dead: &[bool], aux: &AuxK, grad: &mut [f32]) -> f64 {
    let (d, m, lay) = (sae.spec.d, sae.spec.m, sae.spec.layout());
    let (p, b) = (&sae.params, x.len() / d);
    let b_dec = &p[lay.b_dec..lay.b_dec + d];
    // e = x − x̂, and its variance over the batch.
    let xhat = ws.reconstruction(b, d);
    let e: Vec<f32> = x.iter().zip(xhat).map(|(x, h)| x - h).collect();
    let variance = batch_variance(&e, d);
    if variance <= 0.0 || !dead.contains(&true) {
        return 0.0;
    }
    let scale = aux.coef * 2.0 / (b as f64 * variance) as f32; // ∂(α L_aux)/∂ê_s = scale · r_s
    let mut total = 0.0f64;
    // ANCHOR: auxk
    for s in 0..b {
        let codes = aux_codes(&ws.pre[s * m..(s + 1) * m], dead, aux.k);
        // r = ê − e
        let mut r: Vec<f32> = e[s * d..(s + 1) * d].iter().map(|v| -v).collect();
        for &(j, z) in &codes {
            axpy(z, &p[lay.w_dec + j * d..lay.w_dec + (j + 1) * d], &mut r);
        }
        total += r.iter().map(|&v| (v as f64).powi(2)).sum::<f64>();
        let xs = &x[s * d..(s + 1) * d];
        let xbar: Vec<f32> = xs.iter().zip(b_dec).map(|(x, c)| x - c).collect();
        for &(j, z) in &codes {
            let (dec, enc) = (lay.w_dec + j * d, lay.w_enc + j * d);
            let da = scale * dot(&p[dec..dec + d], &r); // through z = a (a > 0)
            axpy(scale * z, &r, &mut grad[dec..dec + d]);
            axpy(da, &xbar, &mut grad[enc..enc + d]);
            grad[lay.b_enc + j] += da;
            // x̄ = x − b_dec
            axpy(-da, &p[enc..enc + d], &mut grad[lay.b_dec..lay.b_dec + d]);
        }
    }
    // ANCHOR_END: auxk
    total / b as f64 / variance
}

/// (1/B) Σ_s ‖e_s − ē‖² for the rows of `e` (B × d).
fn batch_variance(e: &[f32], d: usize) -> f64 {
    let b = e.len() / d;
    let mut mean = vec![0.0f64; d];
    for row in e.chunks_exact(d) {
        mean.iter_mut().zip(row).for_each(|(m, &v)| *m += v as f64 / b as f64);
    }
    let sq = |row: &[f32]| row.iter().zip(&mean).map(|(&v, m)| (v as f64 - m).powi(2)).sum::<f64>();
    e.chunks_exact(d).map(sq).sum::<f64>() / b as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::sae::model::{Activation, SaeSpec, reconstruct};
    use rand::Rng;

    /// α L_aux with e and its variance held at the given values, as a
    /// function of the parameters alone (what the gradient differentiates).
    fn held_loss(sae: &Sae, x: &[f32], e: &[f32], variance: f64, dead: &[bool], aux: &AuxK) -> f64 {
        let (d, m, lay) = (sae.spec.d, sae.spec.m, sae.spec.layout());
        let p = &sae.params;
        let mut total = 0.0;
        for (s, xs) in x.chunks_exact(d).enumerate() {
            let a: Vec<f32> = (0..m)
                .map(|j| {
                    let enc = &p[lay.w_enc + j * d..lay.w_enc + (j + 1) * d];
                    let xbar = xs.iter().zip(&p[lay.b_dec..lay.b_dec + d]).map(|(x, c)| (x - c) as f64);
                    (enc.iter().zip(xbar).map(|(&w, v)| w as f64 * v).sum::<f64>() + p[lay.b_enc + j] as f64)
                        as f32
                })
                .collect();
            let mut r: Vec<f64> = e[s * d..(s + 1) * d].iter().map(|&v| -(v as f64)).collect();
            for (j, z) in aux_codes(&a, dead, aux.k) {
                let row = &p[lay.w_dec + j * d..lay.w_dec + (j + 1) * d];
                r.iter_mut().zip(row).for_each(|(r, &w)| *r += z as f64 * w as f64);
            }
            total += r.iter().map(|v| v * v).sum::<f64>();
        }
        aux.coef as f64 * total / (x.len() / d) as f64 / variance
    }

    #[test]
    fn the_aux_gradient_matches_finite_differences() {
        let (d, m, b) = (6, 10, 12);
        let mut rng = stream(36, 0);
        let spec = SaeSpec { d, m, activation: Activation::TopK(2), l1: 0.0 };
        let mut sae = Sae::new(spec, &mut rng);
        let lay = spec.layout();
        // Positive encoder biases, so that dead latents have positive pre-activations.
        for v in &mut sae.params[lay.b_enc..lay.w_dec] {
            *v = 0.3;
        }
        for v in &mut sae.params[lay.b_dec..lay.b_dec + d] {
            *v = rng.random::<f32>() - 0.5;
        }
        let x: Vec<f32> = (0..b * d).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect();
        let dead: Vec<bool> = (0..m).map(|j| j % 3 != 0).collect();
        let aux = AuxK { k: 3, coef: 0.5 };
        let mut ws = Workspace::new(&spec, b);
        reconstruct(&sae, &x, &mut ws);
        let mut grad = vec![0.0f32; lay.len];
        let value = auxk(&sae, &x, &ws, &dead, &aux, &mut grad);
        let e: Vec<f32> = x.iter().zip(ws.reconstruction(b, d)).map(|(x, h)| x - h).collect();
        let variance = batch_variance(&e, d);
        let held = |sae: &Sae| held_loss(sae, &x, &e, variance, &dead, &aux);
        assert!((aux.coef as f64 * value - held(&sae)).abs() < 1e-5, "{value}");
        // Every parameter block, a live latent's rows included (zero gradient).
        let live = 0;
        let probes = [
            lay.w_enc + d + 2,
            lay.w_enc + live * d + 1,
            lay.b_enc + 2,
            lay.b_enc + live,
            lay.w_dec + 4 * d + 3,
            lay.w_dec + live * d,
            lay.b_dec + 1,
        ];
        let h = 1e-3f32;
        for &i in &probes {
            let mut up = sae.clone();
            up.params[i] += h;
            let mut down = sae.clone();
            down.params[i] -= h;
            let numeric = (held(&up) - held(&down)) / (2.0 * h as f64);
            let analytic = grad[i] as f64;
            assert!(
                (numeric - analytic).abs() < 2e-3 * (1.0 + numeric.abs()),
                "param {i}: {numeric} vs {analytic}"
            );
        }
        assert_eq!(grad[lay.b_enc + live], 0.0);
        assert!(grad[lay.b_enc + 2] != 0.0);
    }

    #[test]
    fn only_dead_latents_with_positive_pre_activations_join() {
        let a = [0.5, -1.0, 2.0, 2.0, 0.1, 3.0];
        let dead = [true, true, true, true, true, false];
        // 3.0 is live; of the dead, 2.0 twice (lower index first), then 0.5.
        assert_eq!(aux_codes(&a, &dead, 3), vec![(2, 2.0), (3, 2.0), (0, 0.5)]);
        assert_eq!(aux_codes(&a, &[false; 6], 3), vec![]);
        assert_eq!(aux_codes(&[-1.0, -2.0], &[true, true], 2), vec![]);
    }
}
