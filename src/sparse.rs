//! Sparse recovery: how many features can be active at once.
//!
//! Chapters 1–3 count how many nearly orthogonal directions fit in d
//! dimensions. How many features a layer can *use* also depends on how many
//! are active together. With K features active, the dot-product read-out of
//! one of them picks up interference from the other K − 1 only, of size
//! √((K − 1)/d) for random directions, whatever their number N
//! ([`interference_law`], measured by [`readout_rms`]). A decoder that knows
//! the signal is sparse does far better: ℓ1 minimisation (basis pursuit,
//! [`basis_pursuit`]) recovers a K-sparse vector of R^N exactly from d random
//! measurements once d exceeds a threshold near 2K ln(N/d), and the
//! threshold is sharp: the curve of Donoho and Tanner, computed here from the
//! statistical dimension of the ℓ1 descent cone ([`l1_transition`]).

use ndarray::{Array1, Array2};
use rand::Rng;
use rand_distr::StandardNormal;

use crate::geometry::random_unit_vectors;
use crate::optim::golden_section;

// ANCHOR: interference_law
/// The root-mean-square error of reading a present feature (value 1) by a
/// dot product with its own direction, when K features are active, each
/// with value 1, along random unit directions in R^d:
///
///   f_i · (Σ_k f_k) − 1 = Σ_{k ≠ i} f_i · f_k,
///
/// K − 1 terms of mean 0 and variance 1/d each (cos θ between random unit
/// vectors, Chapter 1), uncorrelated: the variance is (K − 1)/d. The number
/// N of directions does not appear.
pub fn interference_law(k: usize, d: usize) -> f64 {
    (k.saturating_sub(1) as f64 / d as f64).sqrt()
}
// ANCHOR_END: interference_law

// ANCHOR: readout_rms
/// The same error measured: N random unit directions in R^d, then `trials`
/// samples with K of them active (value 1, chosen at random), each present
/// feature read back by a dot product with its direction.
pub fn readout_rms(
    n: usize,      // directions stored
    d: usize,      // dimensions
    k: usize,      // features active in each sample
    trials: usize, // samples
    rng: &mut impl Rng,
) -> f64 {
    let f = random_unit_vectors(n, d, rng); // row i is feature i's direction
    let (mut squares, mut count) = (0.0, 0);
    for _ in 0..trials {
        let active = rand::seq::index::sample(rng, n, k);
        let mut y = Array1::<f64>::zeros(d); // the activation, Σ_k f_k
        for i in active.iter() {
            y += &f.row(i);
        }
        for i in active.iter() {
            let error = f.row(i).dot(&y) - 1.0; // read-out minus the true value
            squares += error * error;
            count += 1;
        }
    }
    (squares / count as f64).sqrt()
}
// ANCHOR_END: readout_rms

/// A d × N matrix with orthonormal rows, uniformly distributed: Gaussian
/// rows made orthonormal by Gram–Schmidt (d ≤ N). Its null space, all that
/// basis pursuit's success depends on, is distributed as a Gaussian
/// matrix's; with orthonormal rows the projection onto {x : Q x = y} is
/// x − Qᵀ(Q x − y).
pub fn orthonormal_rows(d: usize, n: usize, rng: &mut impl Rng) -> Array2<f64> {
    assert!(d <= n, "at most N orthonormal rows in R^N");
    orthonormalize_rows(Array2::from_shape_simple_fn((d, n), || rng.sample::<f64, _>(StandardNormal)))
}

/// The rows of `q` made orthonormal by Gram–Schmidt: the same row space,
/// so the same null space (the rows must be independent).
pub fn orthonormalize_rows(mut q: Array2<f64>) -> Array2<f64> {
    let d = q.nrows();
    for j in 0..d {
        for i in 0..j {
            let c = q.row(i).dot(&q.row(j));
            let qi = q.row(i).to_owned();
            q.row_mut(j).scaled_add(-c, &qi);
        }
        let norm = q.row(j).dot(&q.row(j)).sqrt();
        q.row_mut(j).mapv_inplace(|v| v / norm);
    }
    q
}

/// A K-sparse vector of R^N: K entries at random places, each +1 or −1 (ℓ1
/// minimisation's success depends only on where the nonzeros are and on
/// their signs, not on their sizes).
pub fn sparse_signs(n: usize, k: usize, rng: &mut impl Rng) -> Array1<f64> {
    let mut x = Array1::zeros(n);
    for i in rand::seq::index::sample(rng, n, k).iter() {
        x[i] = if rng.random::<bool>() { 1.0 } else { -1.0 };
    }
    x
}

/// How [`bp_recovers`] runs ADMM: its soft threshold, and at most
/// `max_iterations`; a column has converged when every entry of x − z is
/// below `tolerance`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Admm {
    /// The soft threshold 1/ρ of the ℓ1 step.
    pub threshold: f64,
    pub max_iterations: usize,
    pub tolerance: f64,
}

impl Default for Admm {
    fn default() -> Self {
        Admm { threshold: 0.2, max_iterations: 2000, tolerance: 1e-9 }
    }
}

fn soft(w: f64, t: f64) -> f64 {
    w.signum() * (w.abs() - t).max(0.0)
}

// ANCHOR: basis_pursuit
/// One step of ADMM for basis pursuit, x̂ = argmin ‖x‖₁ subject to Q x = y
/// (Boyd et al. 2011, §6.2), for every column at once: project onto the
/// solutions of Q x = y, soft-threshold, add up the disagreement u. `q`
/// has orthonormal rows and `qty` = Qᵀy. Returns x, which solves Q x = y
/// exactly; z, the sparse iterate, converges to the same point.
pub fn admm_step(
    q: &Array2<f64>,
    qty: &Array2<f64>,
    z: &mut Array2<f64>,
    u: &mut Array2<f64>,
    t: f64,
) -> Array2<f64> {
    let v = &*z - &*u;
    let x = &v - &q.t().dot(&q.dot(&v)) + qty; // v projected onto Q x = y
    *z = (&x + &*u).mapv(|w| soft(w, t)); // the ℓ1 step
    *u += &(&x - &*z);
    x
}
// ANCHOR_END: basis_pursuit

// ANCHOR: bp_recovers
/// Does basis pursuit recover each column of `truth` (N × T) from Q x?
/// ADMM runs on every column until it is decided: *recovered* once z has
/// converged (x and z agree) and is the truth to 10⁻³ of its norm; *not*
/// as soon as an exact solution x of Q x = y has a smaller ℓ1 norm than the
/// truth, which then cannot be the minimum. Columns still open after
/// `max_iterations` are judged by z.
pub fn bp_recovers(q: &Array2<f64>, truth: &Array2<f64>, admm: &Admm) -> Vec<bool> {
    let mut open: Vec<usize> = (0..truth.ncols()).collect(); // undecided columns
    let mut result = vec![false; truth.ncols()];
    let mut x0 = truth.clone();
    let mut qty = q.t().dot(&q.dot(&x0)); // Qᵀy with y = Q x₀
    let (mut z, mut u) = (Array2::zeros(x0.dim()), Array2::zeros(x0.dim()));
    for it in 1..=admm.max_iterations {
        let x = admm_step(q, &qty, &mut z, &mut u, admm.threshold);
        if it % 10 != 0 && it < admm.max_iterations {
            continue;
        }
        let mut keep = Vec::new(); // positions in the working matrices
        for (c, &col) in open.iter().enumerate() {
            let l1 = |v: ndarray::ArrayView1<f64>| v.mapv(f64::abs).sum();
            let converged = (&x.column(c) - &z.column(c)).iter().all(|e| e.abs() < admm.tolerance);
            if l1(x.column(c)) < l1(x0.column(c)) * (1.0 - 1e-9) {
                result[col] = false; // a better solution than the truth exists
            } else if (converged && recovered(z.column(c), x0.column(c))) || it == admm.max_iterations {
                result[col] = recovered(z.column(c), x0.column(c));
            } else {
                keep.push(c);
            }
        }
        if keep.is_empty() {
            break;
        }
        let pick = |m: &Array2<f64>| m.select(ndarray::Axis(1), &keep);
        (x0, qty, z, u) = (pick(&x0), pick(&qty), pick(&z), pick(&u));
        open = keep.iter().map(|&c| open[c]).collect();
    }
    result
}
// ANCHOR_END: bp_recovers

/// The three read-outs of one input with K active features (value 1) along
/// the columns of `f` (d × N, unit columns): does each return exactly the
/// active set? (a) the dot product told K: the K largest read-outs;
/// (b) the dot product thresholded at ½; (c) basis pursuit (for a batch of
/// inputs at once: see [`read_three_ways`]).
// ANCHOR: three_ways
fn dot_and_threshold(f: &Array2<f64>, active: &[usize]) -> (bool, bool) {
    let mut y = Array1::<f64>::zeros(f.nrows()); // the activation, Σ_k f_k
    for &i in active {
        y += &f.column(i);
    }
    let reads = f.t().dot(&y); // every feature's dot product
    let is_active = |i: usize| active.contains(&i);
    // (b): exactly the active ones above ½.
    let threshold = (0..reads.len()).all(|i| (reads[i] > 0.5) == is_active(i));
    // (a): the K largest are the active ones (each above every silent one).
    let lowest = active.iter().map(|&i| reads[i]).fold(f64::INFINITY, f64::min);
    let top_k = (0..reads.len()).all(|i| is_active(i) || reads[i] < lowest);
    (top_k, threshold)
}
// ANCHOR_END: three_ways

/// The share of `trials` inputs with K active out of N, in d dimensions,
/// that each read-out returns exactly: (top-K dot product, threshold at ½,
/// basis pursuit), all reading the same inputs through the same directions.
pub fn read_three_ways(
    n: usize,
    d: usize,
    k: usize,
    trials: usize,
    admm: &Admm,
    rng: &mut impl Rng,
) -> [f64; 3] {
    let f = random_unit_vectors(n, d, rng).reversed_axes(); // d × N, column i = f_i
    let actives: Vec<Vec<usize>> =
        (0..trials).map(|_| rand::seq::index::sample(rng, n, k).into_vec()).collect();
    let (mut top_k, mut threshold) = (0, 0);
    let mut truth = Array2::<f64>::zeros((n, trials));
    for (t, active) in actives.iter().enumerate() {
        let (a, b) = dot_and_threshold(&f, active);
        top_k += a as usize;
        threshold += b as usize;
        for &i in active {
            truth[[i, t]] = 1.0;
        }
    }
    // Basis pursuit sees the same measurements: rows made orthonormal keep
    // the null space, and so the answer.
    let q = orthonormalize_rows(f);
    let bp = bp_recovers(&q, &truth, admm).into_iter().filter(|&r| r).count();
    [top_k, threshold, bp].map(|c| c as f64 / trials as f64)
}

/// The threshold read-out's predicted success, a (1 − q)^(N − K): the
/// active features read right and no silent one above ½ (see
/// [`ln_threshold_capacity`]).
pub fn threshold_success(n: usize, d: usize, k: usize) -> f64 {
    let x = (0.5 / (k as f64).sqrt()).min(1.0);
    let q = 0.5 * crate::angles::ln_tail(d, x).exp();
    active_read_right(d, k) * (1.0 - q).powi((n - k) as i32)
}

/// Whether `x_hat` is `x` to within 10⁻³ of its norm: how recovery is counted.
pub fn recovered(x_hat: ndarray::ArrayView1<f64>, x: ndarray::ArrayView1<f64>) -> bool {
    let error = (&x_hat - &x).mapv(|e| e * e).sum().sqrt();
    error <= 1e-3 * x.dot(&x).sqrt()
}

/// P(Z > t) for a standard normal Z: ½ erfc(t/√2), with the complementary
/// error function of Numerical Recipes (§6.2, fractional error below
/// 1.2 · 10⁻⁷).
pub fn normal_tail(t: f64) -> f64 {
    let x = t / std::f64::consts::SQRT_2;
    let z = x.abs();
    let s = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.26551223
        + s * (1.00002368
            + s * (0.37409196
                + s * (0.09678418
                    + s * (-0.18628806
                        + s * (0.27886807
                            + s * (-1.13520398 + s * (1.48851587 + s * (-0.82215223 + s * 0.17087277))))))));
    let erfc = s * poly.exp();
    0.5 * if x >= 0.0 { erfc } else { 2.0 - erfc }
}

// ANCHOR: statistical_dimension
/// The statistical dimension of the ℓ1 norm's descent cone at a vector with
/// a share ρ = K/N of nonzeros, divided by N (Amelunxen, Lotz, McCoy &
/// Tropp 2014, Prop. 4.5): basis pursuit recovers such a vector from d
/// random measurements with high probability when d/N is above it, and
/// fails when below.
///
///   ψ(ρ) = min_{τ ≥ 0} ρ (1 + τ²) + (1 − ρ) · 2 [(1 + τ²) Q(τ) − τ φ(τ)]
///
/// (the second term is E (|Z| − τ)₊² for a standard normal Z; φ its density,
/// Q its tail). The bracket is convex in τ: a golden-section search.
pub fn l1_statistical_dimension(rho: f64) -> f64 {
    let phi = |t: f64| (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
    // E (|Z| − τ)₊², the share of the zero coordinates
    let tail = |t: f64| 2.0 * ((1.0 + t * t) * normal_tail(t) - t * phi(t));
    let f = |t: f64| rho * (1.0 + t * t) + (1.0 - rho) * tail(t);
    f(golden_section(f, 0.0, 10.0, 1e-12))
}
// ANCHOR_END: statistical_dimension

/// The phase transition in Donoho and Tanner's coordinates: for an
/// undersampling ratio δ = d/N in (0, 1), the sparsity ratio ρ = K/d above
/// which basis pursuit fails (ψ(K/N) = δ, solved by bisection: ψ grows with
/// K/N).
pub fn l1_transition(delta: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if l1_statistical_dimension(mid) < delta { lo = mid } else { hi = mid }
    }
    0.5 * (lo + hi) / delta
}

// ANCHOR: misread
/// How many silent features a thresholded dot-product read-out gets right
/// before the first mistake. K features are active (value 1) along random
/// unit directions in R^d; a feature counts as active when f · y > ½. If
/// an active feature reads ½ or less, that is a mistake already: 0.
/// Otherwise fresh random directions, the silent features, are read one
/// after another until one reads above ½ (or `cap` have been read).
pub fn reads_before_misread(d: usize, k: usize, cap: usize, rng: &mut impl Rng) -> usize {
    let active = random_unit_vectors(k, d, rng);
    let y = active.sum_axis(ndarray::Axis(0)); // the activation
    if active.rows().into_iter().any(|f| f.dot(&y) <= 0.5) {
        return 0;
    }
    let mut f = Array1::<f64>::zeros(d);
    for count in 0..cap {
        f.mapv_inplace(|_| rng.sample(StandardNormal));
        if f.dot(&y) > 0.5 * f.dot(&f).sqrt() {
            return count; // a silent feature read as active
        }
    }
    cap
}
// ANCHOR_END: misread

// ANCHOR: capacity
/// ln of the number of silent features a width-d layer reads right with K
/// active, by a dot product thresholded at ½, before the first misread (the
/// median); None if the active features themselves misread in most inputs.
/// A silent direction f reads ‖y‖ cos θ, so it misreads with probability
/// q = ½ P(|cos θ| > 1/(2‖y‖)) (Chapter 1's exact tail), taken at ‖y‖ = √K
/// (E ‖y‖² = K). All N read right with probability a (1 − q)^(N − K), a the
/// chance that the active ones do: a half at N − K ≈ ln(2a)/q.
pub fn ln_threshold_capacity(d: usize, k: usize) -> Option<f64> {
    let a = active_read_right(d, k);
    let x = 0.5 / (k as f64).sqrt();
    let ln_q = 0.5f64.ln() + crate::angles::ln_tail(d, x.min(1.0));
    (a > 0.5).then(|| (2.0 * a).ln().ln() - ln_q)
}
// ANCHOR_END: capacity

/// The chance that all K active features read above ½, each one's error
/// taken as Gaussian with the variance (K − 1)/d of [`interference_law`].
pub fn active_read_right(d: usize, k: usize) -> f64 {
    let sd = interference_law(k, d);
    if sd == 0.0 { 1.0 } else { (1.0 - normal_tail(0.5 / sd)).powi(k as i32) }
}

/// ln of the number of features basis pursuit can tell apart in d
/// dimensions with K active: the largest N on the safe side of the
/// transition, N ψ(K/N) ≤ d. Solved for ln ρ = ln(K/N) by bisection
/// (ψ(ρ)/ρ falls as ρ grows), in logarithms so that N may be astronomical.
pub fn ln_bp_capacity(d: usize, k: usize) -> f64 {
    let target = d as f64 / k as f64; // ψ(ρ)/ρ = d/K on the curve
    if target <= 1.0 {
        return (k as f64).ln(); // d ≤ K: only N ≤ d… is safe; report N = K
    }
    let (mut lo, mut hi) = (-700.0 * target.max(1.0), 0.0); // ln ρ
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if psi_over_rho(mid) > target { lo = mid } else { hi = mid }
    }
    (k as f64).ln() - 0.5 * (lo + hi)
}

/// ψ(ρ)/ρ from ln ρ, without underflow for tiny ρ:
/// min_τ (1 + τ²) + (1 − ρ) E (|Z| − τ)₊² / ρ, with the expectation
/// written as 2 φ(τ) S(τ) and φ(τ)/ρ formed in logarithms.
fn psi_over_rho(ln_rho: f64) -> f64 {
    let rho = ln_rho.exp();
    let ln_phi = |t: f64| -0.5 * t * t - 0.5 * (2.0 * std::f64::consts::PI).ln();
    let f = |t: f64| (1.0 + t * t) + (1.0 - rho) * 2.0 * tail_series(t) * (ln_phi(t) - ln_rho).exp();
    // Below τ_lo, φ(τ)/ρ exceeds e^700 (the term overflows, and it is far
    // from the minimum, which lies near √(2 ln(1/ρ))): search above it.
    let lo = (2.0 * (-ln_rho - 700.0)).max(0.0).sqrt();
    f(golden_section(f, lo, (2.0 * -ln_rho).max(0.0).sqrt() + 10.0, 1e-12))
}

/// S(τ) = E (Z − τ)₊² / φ(τ) = (1 + τ²) Q(τ)/φ(τ) − τ: directly for small τ,
/// by its asymptotic series 2/τ³ − 12/τ⁵ + 90/τ⁷ − 840/τ⁹ for large τ (where
/// the direct form cancels); both agree to 10⁻⁶ at τ = 10.
fn tail_series(t: f64) -> f64 {
    if t < 10.0 {
        let phi = (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
        (1.0 + t * t) * normal_tail(t) / phi - t
    } else {
        let u = 1.0 / (t * t);
        u / t * (2.0 - u * (12.0 - u * (90.0 - u * 840.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn the_two_forms_of_the_tail_meet() {
        let t: f64 = 10.0;
        let phi = (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let direct = (1.0 + t * t) * normal_tail(t) / phi - t;
        let u = 1.0 / (t * t);
        let series = u / t * (2.0 - u * (12.0 - u * (90.0 - u * 840.0)));
        assert!((direct / series - 1.0).abs() < 1e-3, "{direct} vs {series}");
    }

    #[test]
    fn the_bp_capacity_sits_on_the_transition_curve() {
        // Where N is moderate the log-space solution agrees with the curve.
        for (d, k) in [(50, 10), (200, 20), (400, 20)] {
            let n = ln_bp_capacity(d, k).exp();
            let psi = l1_statistical_dimension(k as f64 / n);
            assert!((n * psi / d as f64 - 1.0).abs() < 1e-3, "d = {d}, K = {k}: N = {n}, Nψ = {}", n * psi);
        }
        // And d ≈ 2K ln(N/d) as δ → 0: ln N ≈ d/(2K) + ln d, so doubling d
        // from 2000 (K = 10) adds about 100 + ln 2.
        let (a, b) = (ln_bp_capacity(2000, 10), ln_bp_capacity(4000, 10));
        assert!((b - a - 100.7).abs() < 1.0, "{a} → {b}");
        // Astronomical N (ρ far below e^−700): fewer active, more features,
        // and ln N within a few percent of d/(2K) + ln d.
        let d = 100_000;
        let ln: Vec<f64> = [10, 30, 100].map(|k| ln_bp_capacity(d, k)).to_vec();
        assert!(ln[0] > ln[1] && ln[1] > ln[2], "{ln:?}");
        for (l, k) in ln.iter().zip([10.0, 30.0, 100.0]) {
            let leading = d as f64 / (2.0 * k) + (d as f64).ln();
            assert!((l / leading - 1.0).abs() < 0.05, "K = {k}: ln N = {l}, d/(2K) + ln d = {leading}");
        }
    }

    #[test]
    fn the_threshold_capacity_predicts_the_measured_median() {
        for (d, k) in [(48, 2), (64, 4)] {
            let mut rng = stream(5, d as u64);
            let mut runs: Vec<usize> =
                (0..301).map(|_| reads_before_misread(d, k, 1 << 20, &mut rng)).collect();
            runs.sort_unstable();
            let measured = runs[150] as f64;
            let predicted = ln_threshold_capacity(d, k).unwrap().exp();
            assert!((measured / predicted).ln().abs() < 0.5, "d = {d}, K = {k}: {measured} vs {predicted}");
        }
    }

    #[test]
    fn three_read_outs_in_their_order_and_the_threshold_as_predicted() {
        let (n, d) = (256, 64);
        for (k, trials) in [(2, 300), (6, 40)] {
            let [top_k, threshold, bp] =
                read_three_ways(n, d, k, trials, &Admm::default(), &mut stream(6, k as u64));
            let predicted = threshold_success(n, d, k);
            let sd = (predicted * (1.0 - predicted) / trials as f64).sqrt();
            assert!((threshold - predicted).abs() <= 4.0 * sd + 0.02, "K = {k}: {threshold} vs {predicted}");
            // Told K, the dot product does at least as well as the threshold;
            // basis pursuit better still (far below its transition at K ≈ 17).
            assert!(top_k >= threshold && bp >= top_k && bp == 1.0, "K = {k}: {top_k} {threshold} {bp}");
        }
    }

    #[test]
    fn normal_tail_matches_known_values() {
        // Q(0) = 1/2, Q(1) = 0.158655254, Q(2) = 0.022750132, Q(−1) = 1 − Q(1).
        for (t, q) in
            [(0.0, 0.5), (1.0, 0.158655254), (2.0, 0.022750132), (-1.0, 0.841344746), (4.0, 3.167124e-5)]
        {
            assert!((normal_tail(t) - q).abs() <= 2e-7 * q.max(1e-3), "Q({t}) = {} vs {q}", normal_tail(t));
        }
    }

    #[test]
    fn the_statistical_dimension_has_its_known_ends_and_the_known_transition() {
        // No nonzeros: the cone is a point's, dimension 0; all nonzeros: N.
        assert!(l1_statistical_dimension(0.0).abs() < 1e-9);
        assert!((l1_statistical_dimension(1.0) - 1.0).abs() < 1e-9);
        // Donoho–Tanner's weak threshold for the cross-polytope at δ = 1/2 is
        // ρ ≈ 0.3848 (Donoho & Tanner 2009, Table 1 of "Counting faces of
        // randomly projected polytopes").
        let rho = l1_transition(0.5);
        assert!((rho - 0.3848).abs() < 2e-3, "ρ(1/2) = {rho}");
        // And it rises with δ.
        assert!(l1_transition(0.1) < l1_transition(0.3) && l1_transition(0.3) < l1_transition(0.7));
    }

    #[test]
    fn the_read_out_error_follows_the_law_whatever_n() {
        for (n, d, k) in [(200, 64, 8), (5000, 64, 8), (1000, 256, 32)] {
            let measured = readout_rms(n, d, k, 4000 / k, &mut stream(3, n as u64));
            let law = interference_law(k, d);
            assert!((measured / law - 1.0).abs() < 0.05, "N = {n}, d = {d}, K = {k}: {measured} vs {law}");
        }
        // One active feature is read exactly.
        assert!(readout_rms(50, 10, 1, 100, &mut stream(3, 0)) < 1e-12);
    }

    #[test]
    fn basis_pursuit_recovers_sparse_vectors_and_fails_on_dense_ones() {
        let mut rng = stream(4, 0);
        let (n, d) = (100, 50);
        let q = orthonormal_rows(d, n, &mut rng);
        let qqt = q.dot(&q.t());
        assert!((qqt - Array2::<f64>::eye(d)).iter().all(|e| e.abs() < 1e-12), "orthonormal rows");
        // K = 5 is far below the transition (ρ = 0.1 at δ = 0.5), K = 40 far above.
        for (k, expect) in [(5, true), (40, false)] {
            let xs: Vec<Array1<f64>> = (0..6).map(|_| sparse_signs(n, k, &mut rng)).collect();
            let x =
                ndarray::stack(ndarray::Axis(1), &xs.iter().map(|x| x.view()).collect::<Vec<_>>()).unwrap();
            assert_eq!(bp_recovers(&q, &x, &Admm::default()), vec![expect; 6], "K = {k}");
            // ADMM alone, run long: its x solves Q x = y, and where the
            // truth is not recovered x has the smaller ℓ1 norm (the truth
            // is not the minimum), else x is the truth.
            let qty = q.t().dot(&q.dot(&x));
            let (mut z, mut u) = (Array2::zeros(x.dim()), Array2::zeros(x.dim()));
            let mut x_hat = z.clone();
            for _ in 0..3000 {
                x_hat = admm_step(&q, &qty, &mut z, &mut u, 0.2);
            }
            for c in 0..6 {
                let residual = (q.dot(&x_hat.column(c)) - q.dot(&x.column(c))).mapv(f64::abs).sum();
                assert!(residual < 1e-9, "K = {k}: residual {residual}");
                let l1 = |v: ndarray::ArrayView1<f64>| v.mapv(f64::abs).sum();
                assert_eq!(l1(x_hat.column(c)) < l1(x.column(c)) - 1e-6, !expect, "K = {k}, column {c}");
                assert_eq!(recovered(x_hat.column(c), x.column(c)), expect, "K = {k}, column {c}");
            }
        }
    }
}
