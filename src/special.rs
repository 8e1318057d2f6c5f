//! Special functions, in log space where the values get tiny.
//!
//! The tail probabilities of the book reach far below the smallest `f64`
//! (1e−308): the chance that two random unit vectors in R^100000 are more
//! than 5° from perpendicular is about e^(−760). So these functions return
//! natural logarithms, and never exponentiate along the way.

use std::f64::consts::PI;

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9; relative error
/// about 1e−15). For x < 0.5 the reflection formula Γ(x)Γ(1−x) = π / sin(πx).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEF[0];
    for (i, &c) in COEF.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ln(1 − e^y) for y ≤ 0, accurate at both ends (Mächler, 2012).
pub fn ln_one_minus_exp(y: f64) -> f64 {
    if y > -std::f64::consts::LN_2 { (-y.exp_m1()).ln() } else { (-y.exp()).ln_1p() }
}

/// ln I_x(a, b): the logarithm of the regularised incomplete beta function
/// I_x(a, b) = (1/B(a,b)) ∫₀ˣ t^(a−1) (1−t)^(b−1) dt.
///
/// Uses the continued fraction of Numerical Recipes §6.4 (modified Lentz),
/// with the prefactor x^a (1−x)^b / (a B(a,b)) kept as a logarithm. The
/// fraction converges fast for x < (a+1)/(a+b+2); above that we use the
/// symmetry I_x(a, b) = 1 − I_{1−x}(b, a).
pub fn ln_beta_inc(a: f64, b: f64, x: f64) -> f64 {
    assert!(a > 0.0 && b > 0.0, "ln_beta_inc needs a, b > 0");
    if x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if x >= 1.0 {
        return 0.0;
    }
    if x > (a + 1.0) / (a + b + 2.0) {
        return ln_one_minus_exp(ln_beta_inc_cf(b, a, 1.0 - x));
    }
    ln_beta_inc_cf(a, b, x)
}

/// The continued-fraction branch of [`ln_beta_inc`], for x < (a+1)/(a+b+2).
fn ln_beta_inc_cf(a: f64, b: f64, x: f64) -> f64 {
    let ln_front = a * x.ln() + b * (-x).ln_1p() - ln_beta(a, b) - a.ln();
    ln_front + beta_continued_fraction(a, b, x).ln()
}

/// The continued fraction 1/(1+ d₁/(1+ d₂/(1+ …))) of I_x(a, b), evaluated
/// by the modified Lentz method (Numerical Recipes, `betacf`).
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-16;
    // Convergence takes O(√max(a, b)) terms.
    let max_iter = 200 + 20 * (a.max(b).sqrt() as usize);
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let clamp = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / clamp(1.0 - qab * x / qap);
    let mut h = d;
    // One Lentz update with partial numerator `aa`: returns the factor h gains.
    let mut step = |aa: f64| {
        d = 1.0 / clamp(1.0 + aa * d);
        c = clamp(1.0 + aa / c);
        d * c
    };
    for m in 1..=max_iter {
        let m = m as f64;
        let m2 = 2.0 * m;
        // Even step: d_{2m} = m(b−m)x / ((a+2m−1)(a+2m)).
        h *= step(m * (b - m) * x / ((qam + m2) * (a + m2)));
        // Odd step: d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)).
        let del = step(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)));
        h *= del;
        if (del - 1.0).abs() < EPS {
            return h;
        }
    }
    panic!("incomplete beta continued fraction did not converge (a={a}, b={b}, x={x})");
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        // Γ(n) = (n−1)!
        let mut fact = 1.0_f64;
        for n in 1..30 {
            assert_relative_eq!(ln_gamma(n as f64), fact.ln(), max_relative = 1e-13, epsilon = 1e-14);
            fact *= n as f64;
        }
        // Γ(1/2) = √π, Γ(3/2) = √π / 2
        assert_relative_eq!(ln_gamma(0.5), PI.sqrt().ln(), max_relative = 1e-14);
        assert_relative_eq!(ln_gamma(1.5), (PI.sqrt() / 2.0).ln(), max_relative = 1e-13);
    }

    #[test]
    fn ln_gamma_large_argument_matches_stirling() {
        // ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + 1/(12x) − 1/(360x³) + …
        let x = 5.0e4_f64;
        let stirling =
            (x - 0.5) * x.ln() - x + 0.5 * (2.0 * PI).ln() + 1.0 / (12.0 * x) - 1.0 / (360.0 * x.powi(3));
        assert_relative_eq!(ln_gamma(x), stirling, max_relative = 1e-14);
    }

    #[test]
    fn incomplete_beta_closed_forms() {
        // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 − (1−x)^b.
        for &x in &[1e-6, 0.1, 0.37, 0.5, 0.9, 0.999] {
            assert_relative_eq!(ln_beta_inc(1.0, 1.0, x).exp(), x, max_relative = 1e-13);
            assert_relative_eq!(ln_beta_inc(3.5, 1.0, x).exp(), x.powf(3.5), max_relative = 1e-12);
            let want = 1.0 - (1.0 - x).powf(2.5);
            assert_relative_eq!(ln_beta_inc(1.0, 2.5, x).exp(), want, max_relative = 1e-12);
        }
        // I_x(½, ½) = (2/π) arcsin √x.
        for &x in &[0.01f64, 0.25, 0.5, 0.8] {
            let want = 2.0 / PI * x.sqrt().asin();
            assert_relative_eq!(ln_beta_inc(0.5, 0.5, x).exp(), want, max_relative = 1e-12);
        }
    }

    /// ln I_x(a, b) from the hypergeometric series
    /// I_x(a, b) = x^a (1−x)^b / (a B(a,b)) · Σₙ [(a+b)ₙ / (a+1)ₙ] xⁿ
    /// (Abramowitz & Stegun 26.5.4 with 15.1.1): an independent method.
    fn ln_beta_inc_series(a: f64, b: f64, x: f64) -> f64 {
        let (mut term, mut sum) = (1.0, 1.0);
        for n in 0..10_000 {
            let n = n as f64;
            term *= (a + b + n) / (a + 1.0 + n) * x;
            sum += term;
            if term < 1e-18 * sum {
                break;
            }
        }
        a * x.ln() + b * (-x).ln_1p() - ln_beta(a, b) - a.ln() + sum.ln()
    }

    #[test]
    fn incomplete_beta_deep_tail_matches_series() {
        // The tail of two random unit vectors in R^100000 beyond 5° from
        // perpendicular: I_{sin²5°}((d−1)/2, ½). Its log is far below
        // ln(1e−308) ≈ −709, so only a log-space method can represent it.
        let a = 49_999.5;
        let x = 5.0_f64.to_radians().sin().powi(2);
        let got = ln_beta_inc(a, 0.5, x);
        assert!(got < -709.0, "{got}");
        assert_relative_eq!(got, ln_beta_inc_series(a, 0.5, x), max_relative = 1e-12);
        // and at moderate sizes, where the two branches of the function meet
        for &(a, b, x) in &[(5.0, 0.5, 0.3), (50.0, 0.5, 0.9), (0.5, 49.5, 0.01), (200.0, 3.0, 0.97)] {
            assert_relative_eq!(ln_beta_inc(a, b, x), ln_beta_inc_series(a, b, x), max_relative = 1e-10);
        }
    }

    #[test]
    fn ln_one_minus_exp_is_accurate_at_both_ends() {
        assert_relative_eq!(ln_one_minus_exp(-1e-20), (1e-20_f64).ln(), max_relative = 1e-12);
        assert_relative_eq!(ln_one_minus_exp(-50.0), -(-50.0_f64).exp(), max_relative = 1e-12);
    }
}
