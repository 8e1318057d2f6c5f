//! The exercises, for you to fill in. Each `todo!()` names its exercise in
//! the book.

#![allow(unused_variables)]

use rand_chacha::ChaCha8Rng;

/// Chapter 1, exercise 5: a direction drawn uniformly from the unit sphere in
/// R^d. (Hint: normalise a vector of independent standard normals.)
pub fn random_unit_vector(d: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    todo!("Chapter 1, exercise 5")
}

/// Chapter 1, exercise 6: the largest |cos| between two of the given vectors
/// (all of the same length, none zero).
pub fn max_abs_cos(vectors: &[Vec<f64>]) -> f64 {
    todo!("Chapter 1, exercise 6")
}

/// Chapter 2, exercise 5: the Welch bound, the smallest possible largest
/// |cos| among n unit vectors in R^d: √((n − d) / (d (n − 1))) for n > d,
/// and 0 for n ≤ d.
pub fn welch_bound(n: usize, d: usize) -> f64 {
    todo!("Chapter 2, exercise 5")
}

/// Chapter 2, exercise 6: the probability that two random directions in R^d
/// have |cos| > ε, estimated from `pairs` pairs drawn with `rng`.
pub fn tail_probability(d: usize, eps: f64, pairs: usize, rng: &mut ChaCha8Rng) -> f64 {
    todo!("Chapter 2, exercise 6")
}

/// Chapter 3, exercise 5: the Dasgupta–Gupta dimension, the smallest whole k
/// with k ≥ 4 ln n / (ε²/2 − ε³/3).
pub fn jl_dimension(n: usize, eps: f64) -> usize {
    todo!("Chapter 3, exercise 5")
}

/// Chapter 3, exercise 6: project the rows of `points` (each of length D) to
/// k dimensions with a Gaussian matrix scaled by 1/√k: f(x) = x R / √k, with
/// R a D × k matrix of independent standard normals drawn row by row from `rng`.
pub fn gaussian_projection(points: &[Vec<f64>], k: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    todo!("Chapter 3, exercise 6")
}

/// Chapter 3, exercise 7: the read-out errors f_i · y − 1 of the active
/// features, where y = Σ_{k ∈ active} f_k (every active feature has value 1)
/// and `directions[i]` is f_i (unit vectors of one length d).
pub fn readout_errors(directions: &[Vec<f64>], active: &[usize]) -> Vec<f64> {
    todo!("Chapter 3, exercise 7")
}

/// Chapter 3, exercise 8: iterative soft thresholding (ISTA) for the lasso,
/// min ½‖A x − y‖² + λ‖x‖₁, from x = 0, `steps` steps of size 1: x ← S_λ(x −
/// Aᵀ(A x − y)) with S_λ(w) = sign(w) max(|w| − λ, 0). `a` holds the d rows
/// of A (each of length N); its rows are orthonormal, so a step of 1 is safe.
pub fn ista(a: &[Vec<f64>], y: &[f64], lambda: f64, steps: usize) -> Vec<f64> {
    todo!("Chapter 3, exercise 8")
}

/// Chapter 4, exercise 5: the loss of the ReLU-output toy model on one sample
/// and its gradient. W is d × N row-major (column i is W_i), b has N entries;
/// x' = ReLU(Wᵀ W x + b), L = (1/N) Σ_i I_i (x'_i − x_i)². Returns
/// (L, ∂L/∂W in the same layout, ∂L/∂b).
pub fn toy_model_gradient(
    w: &[f64],
    b: &[f64],
    x: &[f64],
    importance: &[f64],
    d: usize,
) -> (f64, Vec<f64>, Vec<f64>) {
    todo!("Chapter 4, exercise 5")
}

/// Chapter 4, exercise 6: each feature's dimensionality
/// D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)² (0 for a zero column), W d × N row-major.
pub fn feature_dimensionality(w: &[f64], d: usize) -> Vec<f64> {
    todo!("Chapter 4, exercise 6")
}

/// Chapter 5, exercise 5: the mean max cosine similarity from the rows of
/// `truth` to the rows of `learned` (both row-major with `d` columns): for
/// each row of `truth`, the largest cosine with any row of `learned`,
/// averaged over the rows of `truth`.
pub fn mean_max_cosine(truth: &[f64], learned: &[f64], d: usize) -> f64 {
    todo!("Chapter 5, exercise 5")
}

/// Chapter 5, exercise 6: FVU = Σ_s ‖x_s − x̂_s‖² / Σ_s ‖x_s − x̄‖² over the
/// whole set (rows of `d`), with x̄ the mean of the rows of `x`.
pub fn fraction_of_variance_unexplained(x: &[f64], x_hat: &[f64], d: usize) -> f64 {
    todo!("Chapter 5, exercise 6")
}

/// Chapter 5, exercise 9: one sample's best code under an L1 SAE's
/// objective, f ≥ 0 minimising ‖x̄ − Σ_j f_j D_j‖² + λ Σ_j f_j, by `steps`
/// steps of ISTA from f = 0 (a gradient step on the squared error, then
/// shift down by λ · step and clip at zero). `xbar` is x − b_dec (length
/// d), `dict` the decoder's rows (M × d, row-major); a safe step is
/// 1 / (2 Σ_j ‖D_j‖²).
pub fn lasso_code(xbar: &[f64], dict: &[f64], l1: f64, steps: usize) -> Vec<f64> {
    todo!("Chapter 5, exercise 9")
}

/// Chapter 5, exercise 10: the node of one family of the tree nearest the
/// direction `row` (length d): of every non-empty subset of the family's
/// `children` (k rows of d, row-major), the one whose summed rows meet
/// `row` at the largest cosine. Returns the subset as a bit mask (bit i:
/// child i) and that cosine.
pub fn nearest_node(row: &[f64], children: &[f64]) -> (u32, f64) {
    todo!("Chapter 5, exercise 10")
}
