//! Reference solutions to the coding exercises (shown, collapsed, in the book).

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

// ANCHOR: ch1
pub fn random_unit_vector(d: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    // The standard normal distribution in R^d is rotation invariant, so its
    // direction is uniform on the sphere.
    let v: Vec<f64> = (0..d).map(|_| StandardNormal.sample(rng)).collect();
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.into_iter().map(|x| x / norm).collect()
}

pub fn max_abs_cos(vectors: &[Vec<f64>]) -> f64 {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut worst = 0.0f64;
    for (i, u) in vectors.iter().enumerate() {
        for v in &vectors[..i] {
            worst = worst.max(dot(u, v).abs() / (dot(u, u) * dot(v, v)).sqrt());
        }
    }
    worst
}
// ANCHOR_END: ch1

// ANCHOR: ch2
pub fn welch_bound(n: usize, d: usize) -> f64 {
    if n <= d { 0.0 } else { ((n - d) as f64 / (d as f64 * (n - 1) as f64)).sqrt() }
}

pub fn tail_probability(
    d: usize,
    eps: f64,
    pairs: usize, // how many random pairs to draw
    rng: &mut ChaCha8Rng,
) -> f64 {
    let hits = (0..pairs)
        .filter(|_| {
            let (u, v) = (random_unit_vector(d, rng), random_unit_vector(d, rng));
            u.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>().abs() > eps
        })
        .count();
    hits as f64 / pairs as f64
}
// ANCHOR_END: ch2

// ANCHOR: ch3
pub fn jl_dimension(n: usize, eps: f64) -> usize {
    (4.0 * (n as f64).ln() / (eps * eps / 2.0 - eps.powi(3) / 3.0)).ceil() as usize
}

pub fn gaussian_projection(
    points: &[Vec<f64>],
    k: usize, // the target dimension
    rng: &mut ChaCha8Rng,
) -> Vec<Vec<f64>> {
    let dim = points.first().map_or(0, Vec::len);
    // R: D × k, row-major, with independent N(0, 1) entries.
    let r: Vec<f64> = (0..dim * k).map(|_| StandardNormal.sample(rng)).collect();
    let scale = 1.0 / (k as f64).sqrt();
    points
        .iter()
        .map(|x| {
            let entry = |c: usize| (0..dim).map(|i| x[i] * r[i * k + c]).sum::<f64>();
            (0..k).map(|c| scale * entry(c)).collect()
        })
        .collect()
}
// ANCHOR_END: ch3

// ANCHOR: ch3_sparse
pub fn readout_errors(directions: &[Vec<f64>], active: &[usize]) -> Vec<f64> {
    let d = directions.first().map_or(0, Vec::len);
    // y = Σ_k f_k over the active features, coordinate by coordinate.
    let coordinate = |j: usize| active.iter().map(|&k| directions[k][j]).sum();
    let y: Vec<f64> = (0..d).map(coordinate).collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
    active.iter().map(|&i| dot(&directions[i], &y) - 1.0).collect()
}

pub fn ista(a: &[Vec<f64>], y: &[f64], lambda: f64, steps: usize) -> Vec<f64> {
    let n = a.first().map_or(0, Vec::len);
    let mut x = vec![0.0; n];
    for _ in 0..steps {
        // r = A x − y, then x ← soft(x − Aᵀ r, λ): a gradient step (of size
        // 1, as ‖A‖ = 1) on ½‖A x − y‖², then the ℓ1 term's proximal step.
        let dot = |row: &[f64]| row.iter().zip(&x).map(|(p, q)| p * q).sum::<f64>();
        let r: Vec<f64> = a.iter().zip(y).map(|(row, yi)| dot(row) - yi).collect();
        for (i, xi) in x.iter_mut().enumerate() {
            let w = *xi - a.iter().zip(&r).map(|(row, ri)| row[i] * ri).sum::<f64>();
            *xi = w.signum() * (w.abs() - lambda).max(0.0);
        }
    }
    x
}
// ANCHOR_END: ch3_sparse

// ANCHOR: ch4_gradient
pub fn toy_model_gradient(
    w: &[f64],
    b: &[f64],
    x: &[f64],
    importance: &[f64],
    d: usize,
) -> (f64, Vec<f64>, Vec<f64>) {
    let n = b.len();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>();
    // Forward: h = W x, o = Wᵀ h + b, x' = ReLU(o).
    let h: Vec<f64> = w.chunks_exact(n).map(|row| dot(row, x)).collect();
    let wt_h = |i: usize| (0..d).map(|j| w[j * n + i] * h[j]).sum::<f64>();
    let o: Vec<f64> = (0..n).map(|i| b[i] + wt_h(i)).collect();
    let err: Vec<f64> = (0..n).map(|i| o[i].max(0.0) - x[i]).collect();
    let weighted: f64 = (0..n).map(|i| importance[i] * err[i] * err[i]).sum();
    let loss = weighted / n as f64;
    // Backward: g_i = ∂L/∂o_i = 2 I_i err_i / n where o_i > 0, else 0.
    let mut g = vec![0.0; n];
    for i in (0..n).filter(|&i| o[i] > 0.0) {
        g[i] = 2.0 * importance[i] * err[i] / n as f64;
    }
    // W appears twice, so ∂L/∂W[j, i] has two terms:
    // h_j g_i (through Wᵀ) + (W g)_j x_i (through W x).
    let wg: Vec<f64> = w.chunks_exact(n).map(|row| dot(row, &g)).collect();
    let mut dw = vec![0.0; d * n];
    for j in 0..d {
        for i in 0..n {
            dw[j * n + i] = h[j] * g[i] + wg[j] * x[i];
        }
    }
    (loss, dw, g)
}
// ANCHOR_END: ch4_gradient

// ANCHOR: ch4_dimensionality
pub fn feature_dimensionality(w: &[f64], d: usize) -> Vec<f64> {
    let n = w.len() / d;
    let column = |i: usize| (0..d).map(|j| w[j * n + i]).collect::<Vec<f64>>();
    let cols: Vec<Vec<f64>> = (0..n).map(column).collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    (0..n)
        .map(|i| {
            let norm2 = dot(&cols[i], &cols[i]);
            if norm2 == 0.0 {
                return 0.0;
            }
            // Σ_j (Ŵ_i·W_j)² = Σ_j (W_i·W_j)² / ‖W_i‖²
            let overlap: f64 = cols.iter().map(|c| dot(&cols[i], c).powi(2)).sum();
            norm2 / (overlap / norm2)
        })
        .collect()
}
// ANCHOR_END: ch4_dimensionality

// ANCHOR: ch5
pub fn mean_max_cosine(truth: &[f64], learned: &[f64], d: usize) -> f64 {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let cos = |a: &[f64], b: &[f64]| dot(a, b) / (dot(a, a) * dot(b, b)).sqrt();
    let rows = truth.len() / d;
    let best = |t: &[f64]| {
        let cosines = learned.chunks_exact(d).map(|l| cos(t, l));
        cosines.fold(f64::NEG_INFINITY, f64::max)
    };
    truth.chunks_exact(d).map(best).sum::<f64>() / rows as f64
}

pub fn fraction_of_variance_unexplained(x: &[f64], x_hat: &[f64], d: usize) -> f64 {
    let samples = x.len() / d;
    let mut mean = vec![0.0; d];
    for row in x.chunks_exact(d) {
        mean.iter_mut().zip(row).for_each(|(mu, v)| *mu += v / samples as f64);
    }
    // Both sums run over every sample and coordinate before dividing.
    let error: f64 = x.iter().zip(x_hat).map(|(a, b)| (a - b).powi(2)).sum();
    let mut variance = 0.0;
    for row in x.chunks_exact(d) {
        for (v, mu) in row.iter().zip(&mean) {
            variance += (v - mu).powi(2);
        }
    }
    error / variance
}
// ANCHOR_END: ch5

// ANCHOR: ch5_lasso
pub fn lasso_code(xbar: &[f64], dict: &[f64], l1: f64, steps: usize) -> Vec<f64> {
    let rows: Vec<&[f64]> = dict.chunks_exact(xbar.len()).collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    // 2 Σ‖D_j‖² ≥ 2‖D‖², the gradient's Lipschitz constant.
    let step = 1.0 / (2.0 * rows.iter().map(|r| dot(r, r)).sum::<f64>());
    let mut f = vec![0.0; rows.len()];
    for _ in 0..steps {
        // r = x̄ − Σ_j f_j D_j; ∂/∂f_j ‖r‖² = −2 r · D_j.
        let mut r = xbar.to_vec();
        for (fj, row) in f.iter().zip(&rows) {
            r.iter_mut().zip(row.iter()).for_each(|(r, d)| *r -= fj * d);
        }
        for (fj, row) in f.iter_mut().zip(&rows) {
            *fj = (*fj + 2.0 * step * dot(&r, row) - l1 * step).max(0.0);
        }
    }
    f
}
// ANCHOR_END: ch5_lasso

// ANCHOR: ch5_node
pub fn nearest_node(row: &[f64], children: &[f64]) -> (u32, f64) {
    let d = row.len();
    let k = children.len() / d;
    let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(x, y)| x * y).sum::<f64>();
    let cos = |a: &[f64], b: &[f64]| dot(a, b) / (dot(a, a) * dot(b, b)).sqrt();
    let mut best = (0, f64::NEG_INFINITY);
    // Every subset of k children is a number below 2^k.
    for mask in 1u32..(1 << k) {
        let mut sum = vec![0.0; d];
        for (i, child) in children.chunks_exact(d).enumerate() {
            if mask >> i & 1 == 1 {
                sum.iter_mut().zip(child).for_each(|(s, c)| *s += c);
            }
        }
        let c = cos(&sum, row);
        if c > best.1 {
            best = (mask, c);
        }
    }
    best
}
// ANCHOR_END: ch5_node
