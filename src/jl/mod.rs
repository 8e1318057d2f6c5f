//! Random projections and the Johnson–Lindenstrauss lemma.
//!
//! **Lemma** (Johnson & Lindenstrauss 1984; this form Dasgupta & Gupta 2003).
//! For 0 < ε < 1 and any n points in R^D, if
//!
//!   k ≥ 4 ln n / (ε²/2 − ε³/3),
//!
//! then a random linear map f: R^D → R^k (a Gaussian matrix scaled by 1/√k)
//! satisfies, for every pair u, v of the points,
//!
//!   (1 − ε) ‖u − v‖² ≤ ‖f(u) − f(v)‖² ≤ (1 + ε) ‖u − v‖²
//!
//! with probability at least 1/n (each pair fails with probability at most
//! 2/n², and there are fewer than n²/2 pairs).

use ndarray::{Array2, ArrayView1, ArrayView2, s};
use rand::Rng;
use rand_distr::StandardNormal;

pub mod scan;

/// The Dasgupta–Gupta dimension: the smallest whole k with
/// k ≥ 4 ln n / (ε²/2 − ε³/3).
// ANCHOR: bound
pub fn dasgupta_gupta_k(n: usize, eps: f64) -> usize {
    assert!(n >= 2 && eps > 0.0 && eps < 1.0, "need n ≥ 2 and 0 < ε < 1");
    let k = 4.0 * (n as f64).ln() / (eps * eps / 2.0 - eps.powi(3) / 3.0);
    k.ceil() as usize
}
// ANCHOR_END: bound

/// The ε that the Dasgupta–Gupta bound guarantees for n points in k
/// dimensions: the solution of k = 4 ln n / (ε²/2 − ε³/3), by bisection
/// (the right-hand side decreases in ε on (0, 1)). `None` when even ε → 1
/// needs more than k dimensions.
pub fn dasgupta_gupta_eps(n: usize, k: usize) -> Option<f64> {
    let need = |eps: f64| 4.0 * (n as f64).ln() / (eps * eps / 2.0 - eps.powi(3) / 3.0);
    if need(1.0 - 1e-12) > k as f64 {
        return None;
    }
    let (mut lo, mut hi) = (1e-9, 1.0 - 1e-12);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if need(mid) > k as f64 { lo = mid } else { hi = mid }
    }
    Some(hi)
}

/// The three ways the chapter draws a random projection matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Method {
    /// Entries N(0, 1).
    Gaussian,
    /// Achlioptas (2003): √3 · {+1, 0, −1} with probabilities 1/6, 2/3, 1/6.
    Achlioptas,
    /// Li, Hastie & Church (2006): √s · {+1, 0, −1} with probabilities
    /// 1/(2s), 1 − 1/s, 1/(2s), with s = √D.
    VerySparse,
}

impl Method {
    pub const ALL: [Method; 3] = [Method::Gaussian, Method::Achlioptas, Method::VerySparse];

    /// The name used in figures and tables.
    pub fn name(self) -> &'static str {
        match self {
            Method::Gaussian => "Gaussian",
            Method::Achlioptas => "Achlioptas",
            Method::VerySparse => "very sparse",
        }
    }
}

/// A D × k projection matrix R with entries of mean 0 and variance 1, so
/// that f(x) = x R / √k preserves squared lengths in expectation.
// ANCHOR: matrix
pub fn projection_matrix<R: Rng>(
    method: Method,
    dim: usize, // D, the dimension of the points
    k: usize,   // the dimension they are projected to
    rng: &mut R,
) -> Array2<f64> {
    let s = (dim as f64).sqrt(); // the very sparse method's 1/s density
    Array2::from_shape_simple_fn((dim, k), || match method {
        Method::Gaussian => rng.sample(StandardNormal),
        Method::Achlioptas => match rng.random_range(0..6) {
            0 => 3f64.sqrt(),
            1 => -(3f64.sqrt()),
            _ => 0.0,
        },
        Method::VerySparse => {
            let u: f64 = rng.random();
            if u < 0.5 / s {
                s.sqrt()
            } else if u < 1.0 / s {
                -s.sqrt()
            } else {
                0.0
            }
        }
    })
}
// ANCHOR_END: matrix

/// Project the rows of `x` (n × D) with the first k columns of `r`: x R / √k.
pub fn project(x: ArrayView2<f64>, r: ArrayView2<f64>) -> Array2<f64> {
    let k = r.ncols() as f64;
    x.dot(&r) / k.sqrt()
}

/// The distance ratio of every pair of points, for one k: project with the
/// first k columns of `r`, then divide each pair's squared distance after
/// the projection by its squared distance before. This is what
/// [`scan::scan`] computes for every pair and every k, made fast.
// ANCHOR: ratios
pub fn distance_ratios(x: ArrayView2<f64>, r: ArrayView2<f64>, k: usize) -> Vec<f64> {
    let y = project(x, r.slice(s![.., ..k]));
    // ‖a − b‖², the squared distance between two points.
    let squared_distance = |a: ArrayView1<f64>, b: ArrayView1<f64>| {
        let d = &a - &b;
        d.dot(&d)
    };
    let mut ratios = Vec::new();
    for j in 0..x.nrows() {
        for i in 0..j {
            let before = squared_distance(x.row(i), x.row(j));
            let after = squared_distance(y.row(i), y.row(j));
            ratios.push(after / before);
        }
    }
    ratios
}
// ANCHOR_END: ratios

/// The density of the Gaussian projection's squared-distance ratio: exactly
/// χ²_k / k, whose density at r is k · χ²_k(k r), with mean 1 and variance 2/k.
pub fn chi2_ratio_density(k: usize, r: f64) -> f64 {
    if r <= 0.0 {
        return 0.0;
    }
    let (k, x) = (k as f64, k as f64 * r);
    let ln_chi2 =
        (k / 2.0 - 1.0) * x.ln() - x / 2.0 - (k / 2.0) * 2f64.ln() - crate::special::ln_gamma(k / 2.0);
    k * ln_chi2.exp()
}

/// The smallest k from which on every pair stays inside 1 ± ε, given the
/// last k (of 1..=`kmax`) at which some pair is outside (0 if none), or `None`
/// if even `kmax` fails.
pub fn smallest_good_k(last_bad: usize, kmax: usize) -> Option<usize> {
    (last_bad < kmax).then_some(last_bad + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn bound_matches_hand_computation() {
        // n = 1000, ε = 0.1: 4 ln 1000 = 27.631021; ε²/2 − ε³/3 = 0.005 − 0.000333… = 0.0046667;
        // 27.631021 / 0.0046667 = 5920.9 → 5921.
        assert_eq!(dasgupta_gupta_k(1000, 0.1), 5921);
        // n = 10, ε = 0.5: 4 ln 10 = 9.2103404; 0.125 − 0.0416667 = 0.0833333; 110.52 → 111.
        assert_eq!(dasgupta_gupta_k(10, 0.5), 111);
        // n = 10⁶, ε = 0.2: 4 · 13.815511 = 55.262042; 0.02 − 0.0026667 = 0.0173333; 3188.2 → 3189.
        assert_eq!(dasgupta_gupta_k(1_000_000, 0.2), 3189);
    }

    #[test]
    fn chi2_density_integrates_to_one_with_mean_one() {
        for &k in &[2usize, 10, 100] {
            let h = 1e-4;
            let (mut mass, mut mean) = (0.0, 0.0);
            for i in 0..400_000 {
                let r = (i as f64 + 0.5) * h;
                mass += chi2_ratio_density(k, r) * h;
                mean += r * chi2_ratio_density(k, r) * h;
            }
            assert!((mass - 1.0).abs() < 1e-4 && (mean - 1.0).abs() < 1e-4, "k={k}: {mass} {mean}");
        }
    }

    #[test]
    fn eps_inverts_the_bound() {
        for &(n, eps) in &[(1000, 0.1), (10, 0.5), (50_000, 0.3)] {
            let k = dasgupta_gupta_k(n, eps);
            let back = dasgupta_gupta_eps(n, k).unwrap();
            assert!(back <= eps && back > eps * 0.99, "{n} {eps} {back}");
        }
        assert_eq!(dasgupta_gupta_eps(1_000_000, 5), None);
    }

    #[test]
    fn matrices_have_unit_variance_entries() {
        let mut rng = seeded(5);
        for method in Method::ALL {
            let r = projection_matrix(method, 400, 250, &mut rng);
            let n = r.len() as f64;
            let mean = r.sum() / n;
            let var = r.mapv(|x| x * x).sum() / n;
            // 100,000 entries. The mean has sd 1/√n ≈ 0.003. The sample second
            // moment has sd √((E[x⁴] − 1)/n), largest for the very sparse
            // method, whose E[x⁴] = s = √400 = 20: ≈ 0.014. Allow 5 sd.
            assert!(mean.abs() < 0.016 && (var - 1.0).abs() < 0.07, "{method:?}: {mean} {var}");
        }
    }

    /// Squared distances ‖x_i − x_j‖² for all pairs i < j of rows, in row order.
    pub fn pair_sq_distances(x: ArrayView2<f64>) -> Vec<f64> {
        // ‖x_i − x_j‖² = ‖x_i‖² + ‖x_j‖² − 2⟨x_i, x_j⟩: one Gram matrix.
        let gram = x.dot(&x.t());
        let n = x.nrows();
        let mut out = Vec::with_capacity(n * (n - 1) / 2);
        for i in 0..n {
            for j in i + 1..n {
                out.push((gram[[i, i]] + gram[[j, j]] - 2.0 * gram[[i, j]]).max(0.0));
            }
        }
        out
    }

    #[test]
    fn identity_projection_keeps_every_ratio() {
        // With R = √k·I (k = D), the projection is the identity at k = D.
        let x = ndarray::array![[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [3.0, 1.0, 0.0]];
        let r = Array2::eye(3) * 3f64.sqrt();
        assert!(distance_ratios(x.view(), r.view(), 3).iter().all(|r| (r - 1.0).abs() < 1e-12));
        // The squared distances agree with the direct computation.
        assert_eq!(pair_sq_distances(x.view()), vec![3.0, 9.0, 10.0]);
        assert_eq!(smallest_good_k(0, 5), Some(1));
        assert_eq!(smallest_good_k(4, 5), Some(5));
        assert_eq!(smallest_good_k(5, 5), None);
    }
}
