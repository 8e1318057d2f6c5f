//! The angle between two random unit vectors in R^d, exactly.
//!
//! Let u, v be independent and uniform on the sphere S^(d−1), and θ the angle
//! between them. By rotational symmetry we may fix v = e₁; then
//! t = cos θ = u₁, and u₁² ~ Beta(½, (d−1)/2). Equivalently θ has density
//!
//!   f_d(θ) = sin^(d−2) θ / c_d on [0, π],  c_d = √π Γ((d−1)/2) / Γ(d/2),
//!
//! so E[cos θ] = 0 and Var[cos θ] = E[u₁²] = 1/d: in high dimension almost
//! every pair is nearly perpendicular ("concentration of measure").

use crate::special::{ln_beta_inc, ln_gamma, ln_one_minus_exp};
use std::f64::consts::{FRAC_PI_2, PI};

/// ln c_d, the log of the normalising constant ∫₀^π sin^(d−2)θ dθ.
pub fn ln_norm_const(d: usize) -> f64 {
    let d = d as f64;
    0.5 * PI.ln() + ln_gamma((d - 1.0) / 2.0) - ln_gamma(d / 2.0)
}

/// The density f_d(θ) of the angle (in radians) between two random unit
/// vectors in R^d, d ≥ 2.
pub fn angle_density(d: usize, theta: f64) -> f64 {
    assert!(d >= 2, "the angle needs d ≥ 2");
    if !(0.0..=PI).contains(&theta) {
        return 0.0;
    }
    if d == 2 {
        return 1.0 / PI;
    }
    ((d as f64 - 2.0) * theta.sin().ln() - ln_norm_const(d)).exp()
}

/// ln P(|cos θ| > ε): the log-probability that two random unit vectors in
/// R^d are further than arcsin ε from perpendicular.
///
/// Since t² = cos²θ ~ Beta(½, (d−1)/2),
/// P(|t| > ε) = P(t² > ε²) = I_{1−ε²}((d−1)/2, ½).
// ANCHOR: tail
pub fn ln_tail(d: usize, eps: f64) -> f64 {
    assert!(d >= 2 && (0.0..=1.0).contains(&eps));
    let a = (d as f64 - 1.0) / 2.0;
    ln_beta_inc(a, 0.5, 1.0 - eps * eps)
}
// ANCHOR_END: tail

/// P(|cos θ| ≤ ε): the probability that a random pair is within arcsin ε of
/// perpendicular.
///
/// In R³, cos θ is uniform on [−1, 1], so the chance of |cos θ| ≤ ½ is ½:
///
/// ```
/// use superposition::angles::prob_within;
/// assert!((prob_within(3, 0.5) - 0.5).abs() < 1e-12);
/// // In 12288 dimensions most pairs are within 1° of perpendicular.
/// assert!(prob_within(12288, 1f64.to_radians().sin()) > 0.9);
/// ```
pub fn prob_within(d: usize, eps: f64) -> f64 {
    -ln_tail(d, eps).exp_m1()
}

/// ln P(|cos θ| ≤ ε), accurate when the probability is tiny.
pub fn ln_prob_within(d: usize, eps: f64) -> f64 {
    ln_one_minus_exp(ln_tail(d, eps))
}

/// The exact standard deviation of θ (radians), from the density by
/// composite Simpson quadrature. θ is symmetric about π/2, so
/// sd(θ)² = ∫ (θ − π/2)² f_d(θ) dθ. For large d the mass sits within a few
/// multiples of 1/√d of π/2, so we integrate over π/2 ± min(π/2, 40/√d).
pub fn angle_sd(d: usize) -> f64 {
    let half_width = FRAC_PI_2.min(40.0 / (d as f64).sqrt());
    let n = 4000; // even number of Simpson intervals
    let (lo, h) = (FRAC_PI_2 - half_width, 2.0 * half_width / n as f64);
    let mut acc = 0.0;
    for i in 0..=n {
        let theta = lo + i as f64 * h;
        let w = if i == 0 || i == n {
            1.0
        } else if i % 2 == 1 {
            4.0
        } else {
            2.0
        };
        acc += w * (theta - FRAC_PI_2).powi(2) * angle_density(d, theta);
    }
    (acc * h / 3.0).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn density_integrates_to_one() {
        for &d in &[2, 3, 4, 10, 100, 1000, 12288] {
            let half_width = FRAC_PI_2.min(40.0 / (d as f64).sqrt());
            let n = 20_000;
            let h = 2.0 * half_width / n as f64;
            let total: f64 =
                (0..n).map(|i| angle_density(d, FRAC_PI_2 - half_width + (i as f64 + 0.5) * h) * h).sum();
            assert_relative_eq!(total, 1.0, max_relative = 1e-6);
        }
    }

    #[test]
    fn three_dimensions_cosine_is_uniform() {
        // In R³, cos θ is uniform on [−1, 1] (Archimedes' hat-box theorem),
        // so P(|cos θ| > ε) = 1 − ε and f₃(θ) = sin θ / 2.
        for &eps in &[0.0, 0.1, 0.5, 0.9, 0.999] {
            assert_relative_eq!(ln_tail(3, eps).exp(), 1.0 - eps, max_relative = 1e-12, epsilon = 1e-15);
        }
        assert_relative_eq!(angle_density(3, 1.0), 1.0_f64.sin() / 2.0, max_relative = 1e-12);
    }

    #[test]
    fn two_dimensions_angle_is_uniform() {
        // In R², θ is uniform on [0, π], so P(|cos θ| > ε) is the share of
        // [0, π] outside π/2 ± arcsin ε, and sd(θ) = π/√12.
        for &eps in &[0.1f64, 0.5, 0.9] {
            let want = 1.0 - 2.0 * eps.asin() / PI;
            assert_relative_eq!(ln_tail(2, eps).exp(), want, max_relative = 1e-12);
        }
        assert_relative_eq!(angle_sd(2), PI / 12.0_f64.sqrt(), max_relative = 1e-9);
    }

    #[test]
    fn angle_sd_approaches_one_over_sqrt_d() {
        // θ − π/2 ≈ −cos θ for large d, and Var cos θ = 1/d.
        let d = 12288;
        assert_relative_eq!(angle_sd(d), 1.0 / (d as f64).sqrt(), max_relative = 1e-3);
    }

    #[test]
    fn within_and_tail_add_to_one() {
        for &d in &[10, 768, 12288] {
            let eps = 1.0_f64.to_radians().sin();
            assert_relative_eq!(prob_within(d, eps) + ln_tail(d, eps).exp(), 1.0, max_relative = 1e-14);
            assert_relative_eq!(ln_prob_within(d, eps), prob_within(d, eps).ln(), max_relative = 1e-12);
        }
    }
}
