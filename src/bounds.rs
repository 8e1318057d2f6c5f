//! How many nearly orthogonal directions fit: bounds and estimates.
//!
//! Let N unit vectors in R^d have every pair with |cos| ≤ ε (equivalently,
//! every angle within arcsin ε of 90°). The rigorous *lower* bounds on the
//! achievable worst |cos| (Welch, Levenstein, orthoplex) become upper bounds
//! on N for a given ε; the random constructions give counts that are
//! achievable. All counts are returned as log₁₀, because they overflow f64.

use crate::angles::ln_tail;
use crate::special::ln_beta_inc;
use std::f64::consts::LN_10;

/// Welch (1974): N unit vectors in R^d, N > d, have
/// max |cos| ≥ √((N − d) / (d (N − 1))).
// ANCHOR: welch
pub fn welch(n: usize, d: usize) -> f64 {
    if n <= d {
        return 0.0; // n orthonormal vectors fit
    }
    let (n, d) = (n as f64, d as f64);
    ((n - d) / (d * (n - 1.0))).sqrt()
}
// ANCHOR_END: welch

/// Levenstein (1982), for real unit vectors with N > d(d+1)/2:
/// max |cos|² ≥ (3N − d² − 2d) / ((d + 2)(N − d)). (It meets Welch at
/// N = d(d+1)/2 and tends to 3/(d+2) as N grows.)
pub fn levenstein(n: usize, d: usize) -> Option<f64> {
    let (nf, df) = (n as f64, d as f64);
    if nf <= df * (df + 1.0) / 2.0 {
        return None;
    }
    Some(levenstein_sq(nf, df).sqrt())
}

/// The Levenstein expression (3N − d² − 2d) / ((d + 2)(N − d)).
fn levenstein_sq(n: f64, d: f64) -> f64 {
    (3.0 * n - d * d - 2.0 * d) / ((d + 2.0) * (n - d))
}

/// The orthoplex bound (Conway, Hardin & Sloane 1996): more than d(d+1)/2
/// lines in R^d have max |cos| ≥ 1/√d. It is the strongest of the three
/// just above d(d+1)/2: Levenstein reaches 1/√d only at N = d(d+2)/2, so
/// for d(d+1)/2 < N < d(d+2)/2 the orthoplex bound decides.
pub fn orthoplex(n: usize, d: usize) -> Option<f64> {
    (n as f64 > (d * (d + 1)) as f64 / 2.0).then(|| 1.0 / (d as f64).sqrt())
}

/// The best of the rigorous lower bounds on max |cos| for N vectors in R^d.
pub fn best_lower_bound(n: usize, d: usize) -> f64 {
    let w = welch(n, d);
    let l = levenstein(n, d).map_or(w, |l| l.max(w));
    orthoplex(n, d).map_or(l, |o| o.max(l))
}

/// Gerzon's bound: at most d(d+1)/2 equiangular lines in R^d.
pub fn gerzon(d: usize) -> usize {
    d * (d + 1) / 2
}

/// log₁₀ of the largest N allowed by Welch at tolerance ε: solving
/// ε² ≥ (N − d)/(d(N − 1)) gives N ≤ d(1 − ε²)/(1 − dε²) when dε² < 1,
/// and no bound otherwise.
pub fn welch_cap(d: usize, eps: f64) -> Option<f64> {
    let (df, e2) = (d as f64, eps * eps);
    (df * e2 < 1.0).then(|| (df * (1.0 - e2) / (1.0 - df * e2)).log10())
}

/// log₁₀ of the largest N allowed by Levenstein at tolerance ε (for the
/// N > d(d+1)/2 regime): ε²(d+2)(N − d) ≥ 3N − d² − 2d gives
/// N ≤ d(d+2)(1 − ε²)/(3 − ε²(d+2)) when ε²(d+2) < 3.
pub fn levenstein_cap(d: usize, eps: f64) -> Option<f64> {
    let (df, e2) = (d as f64, eps * eps);
    (e2 * (df + 2.0) < 3.0).then(|| (df * (df + 2.0) * (1.0 - e2) / (3.0 - e2 * (df + 2.0))).log10())
}

/// log₁₀ of the cap-packing bound: the 2N points ±v_i are at angle ≥
/// θ = arccos ε from each other, so caps of angular radius θ/2 around them
/// are disjoint and 2N · σ(cap) ≤ 1, where σ(cap of radius α) =
/// ½ I_{sin²α}((d−1)/2, ½) is the cap's share of the sphere. Weak, but
/// rigorous for every d and ε.
pub fn cap_packing_cap(d: usize, eps: f64) -> f64 {
    let half = eps.acos() / 2.0;
    let ln_cap = 0.5f64.ln() + ln_beta_inc((d as f64 - 1.0) / 2.0, 0.5, half.sin().powi(2));
    -(2f64.ln() + ln_cap) / LN_10
}

/// log₁₀ of the orthoplex cap: with ε < 1/√d, at most d(d+1)/2 lines.
pub fn orthoplex_cap(d: usize, eps: f64) -> Option<f64> {
    (eps < 1.0 / (d as f64).sqrt()).then(|| (gerzon(d) as f64).log10())
}

/// log₁₀ of the best rigorous upper bound on N at tolerance ε in R^d:
/// the smallest of the Welch, Levenstein, orthoplex and cap-packing caps
/// (each only in its regime; Levenstein's cap is used only when it exceeds
/// d(d+1)/2, where its hypothesis holds).
pub fn best_upper_cap(d: usize, eps: f64) -> (f64, &'static str) {
    let mut best = (cap_packing_cap(d, eps), "cap packing");
    if let Some(o) = orthoplex_cap(d, eps).filter(|&o| o < best.0) {
        best = (o, "orthoplex");
    }
    if let Some(w) = welch_cap(d, eps).filter(|&w| w < best.0) {
        best = (w, "Welch");
    }
    // Levenstein only speaks above d(d+1)/2; below that, Welch decides.
    let gerzon = (gerzon(d) as f64).log10();
    if let Some(l) = levenstein_cap(d, eps).filter(|&l| l < best.0 && l > gerzon) {
        best = (l, "Levenstein");
    }
    best
}

/// The Kabatiansky–Levenshtein (1978) rate: for spherical codes with
/// minimum angle θ, (1/d) log₂ N ≤ R(θ) + o(1) with
/// R(θ) = ((1+s)/(2s)) log₂((1+s)/(2s)) − ((1−s)/(2s)) log₂((1−s)/(2s)), s = sin θ.
pub fn kl_rate(theta: f64) -> f64 {
    let s = theta.sin();
    let a = (1.0 + s) / (2.0 * s);
    let b = (1.0 - s) / (2.0 * s);
    let xlog = |x: f64| if x > 0.0 { x * x.log2() } else { 0.0 };
    xlog(a) - xlog(b)
}

/// log₁₀ of the Kabatiansky–Levenshtein estimate of the number of lines at
/// tolerance ε: the 2N points ±v_i form a spherical code with minimum angle
/// arccos ε, so N ≈ 2^{d R(θ)} / 2 (asymptotic: the o(1) is dropped).
pub fn kl_estimate(d: usize, eps: f64) -> f64 {
    (d as f64 * kl_rate(eps.acos()) - 1.0) * 2f64.log10()
}

/// log₁₀ of the median number of random unit vectors drawn one after another
/// before the first pair violates |cos| ≤ ε: P(N vectors all fine) ≈
/// (1 − p)^{N(N−1)/2} ≈ exp(−p N²/2) = ½ gives N ≈ √(2 ln 2 / p), with
/// p = P(|cos| > ε) exact (log space).
// ANCHOR: random_counts
pub fn random_median(d: usize, eps: f64) -> f64 {
    let ln_p = ln_tail(d, eps);
    0.5 * ((2.0 * 2f64.ln()).ln() - ln_p) / LN_10
}

/// log₁₀ of the greedy guarantee 1/p: a maximal set (no further vector can
/// be added) has its "forbidden caps" covering the sphere, each of measure
/// p, so it has at least 1/p vectors.
pub fn greedy_guarantee(d: usize, eps: f64) -> f64 {
    -ln_tail(d, eps) / LN_10
}
// ANCHOR_END: random_counts

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn welch_and_levenstein_meet_at_gerzon() {
        // At N = d(d+1)/2 both give 1/(d+2).
        for d in [3usize, 10, 100] {
            let n = gerzon(d);
            assert_relative_eq!(welch(n, d).powi(2), 1.0 / (d as f64 + 2.0), max_relative = 1e-12);
            let l = levenstein_sq(n as f64, d as f64);
            assert_relative_eq!(l, 1.0 / (d as f64 + 2.0), max_relative = 1e-12);
            // Beyond Gerzon the bound keeps rising towards 3/(d+2).
            assert!(levenstein(n + 1, d).unwrap().powi(2) > l);
            assert!(levenstein(1_000_000, d).unwrap().powi(2) < 3.0 / (d as f64 + 2.0));
        }
        // 7 lines in R³: the best known packing has |cos| = 1/√3 (54.74°), above Levenstein's √0.3.
        assert_relative_eq!(levenstein(7, 3).unwrap(), 0.3f64.sqrt(), max_relative = 1e-12);
        // Known equality cases: 6 equiangular lines in R³ (icosahedron) have |cos| = 1/√5 = Welch.
        assert_relative_eq!(welch(6, 3), 1.0 / 5f64.sqrt(), max_relative = 1e-12);
        // d+1 vectors of a simplex: |cos| = 1/d = Welch.
        assert_relative_eq!(welch(4, 3), 1.0 / 3.0, max_relative = 1e-12);
    }

    /// Just above d(d+1)/2 the orthoplex bound is the strongest: 7 lines in
    /// R³ (the best packing has |cos| = 1/√3 exactly) sit on it, and
    /// Levenstein takes over only from N = d(d+2)/2, where the two meet.
    #[test]
    fn orthoplex_decides_between_gerzon_and_d_d_plus_2_over_2() {
        assert_relative_eq!(best_lower_bound(7, 3), 1.0 / 3f64.sqrt(), max_relative = 1e-12);
        for d in [3usize, 4, 10, 64] {
            let meet = (d * (d + 2)) as f64 / 2.0;
            for n in (gerzon(d) + 1..).take_while(|&n| (n as f64) < meet) {
                assert!(orthoplex(n, d).unwrap() > levenstein(n, d).unwrap(), "d = {d}, N = {n}");
                assert_eq!(best_lower_bound(n, d), orthoplex(n, d).unwrap());
            }
            if d % 2 == 0 {
                let at_meet = levenstein(meet as usize, d).unwrap();
                assert_relative_eq!(at_meet, 1.0 / (d as f64).sqrt(), max_relative = 1e-12);
            }
            // The cap: below 1/√d, no more than d(d+1)/2 lines, however
            // close ε is to 1/√d (where Welch's and Levenstein's caps blow up).
            let eps = 0.999 / (d as f64).sqrt();
            let (cap, kind) = best_upper_cap(d, eps);
            assert_eq!(kind, "orthoplex", "d = {d}");
            assert_relative_eq!(10f64.powf(cap), gerzon(d) as f64, max_relative = 1e-9);
        }
    }

    #[test]
    fn caps_invert_the_bounds() {
        // d = 100 at 89°: ε = cos 89°, Welch cap d(1−ε²)/(1−dε²).
        let eps = 89f64.to_radians().cos();
        let cap = 10f64.powf(welch_cap(100, eps).unwrap());
        let by_hand = 100.0 * (1.0 - eps * eps) / (1.0 - 100.0 * eps * eps);
        assert_relative_eq!(cap, by_hand, max_relative = 1e-12);
        // ...and at that N the Welch bound is exactly ε.
        assert!(welch(by_hand.floor() as usize + 1, 100) > eps);
        assert!(welch(by_hand.floor() as usize, 100) <= eps);
    }

    #[test]
    fn cap_packing_in_the_plane() {
        // d = 2, ε = cos 60°: each of the 2N points ±v_i gets an arc of
        // radius 30°, a sixth of the circle, so N ≤ 3 (three lines at 60°).
        let cap = 10f64.powf(cap_packing_cap(2, 0.5));
        assert_relative_eq!(cap, 3.0, max_relative = 1e-9);
    }

    #[test]
    fn kl_rate_limits() {
        // R(θ) → 0 as θ → 90°, and is increasing as θ decreases.
        assert!(kl_rate(89.9f64.to_radians()) < 1e-4);
        assert!(kl_rate(60f64.to_radians()) > kl_rate(80f64.to_radians()));
    }

    #[test]
    fn random_counts_in_three_dimensions() {
        // d = 3: p = 1 − ε exactly.
        let eps = 0.9;
        assert_relative_eq!(10f64.powf(greedy_guarantee(3, eps)), 10.0, max_relative = 1e-9);
        assert_relative_eq!(
            10f64.powf(random_median(3, eps)),
            (2.0 * 2f64.ln() / 0.1).sqrt(),
            max_relative = 1e-9
        );
    }
}
