//! The chapter's two data sets: points in high dimension whose pairwise
//! distances the projections must keep.

use ndarray::Array2;
use rand::Rng;
use rand_distr::StandardNormal;

/// Sparse non-negative "documents": word counts over a vocabulary of `dim`
/// words with Zipf frequencies p_w ∝ 1/(w + 1), each document 20–80 words
/// long. Most coordinates are zero, as in real bag-of-words vectors.
pub fn documents<R: Rng>(n: usize, dim: usize, rng: &mut R) -> Array2<f64> {
    // Cumulative Zipf weights; a word is drawn by binary search on a uniform.
    let mut cumulative: Vec<f64> = (0..dim).map(|w| 1.0 / (w as f64 + 1.0)).collect();
    for w in 1..dim {
        cumulative[w] += cumulative[w - 1];
    }
    let total = cumulative[dim - 1];
    let mut x = Array2::zeros((n, dim));
    for mut row in x.rows_mut() {
        let words = rng.random_range(20..=80);
        for _ in 0..words {
            let u = rng.random::<f64>() * total;
            let w = cumulative.partition_point(|&c| c <= u).min(dim - 1);
            row[w] += 1.0;
        }
    }
    x
}

/// Gaussian clusters: `clusters` centres drawn from N(0, I), each point a
/// centre plus N(0, σ² I) noise with σ = ½. Distances within a cluster are
/// about σ√(2D), between clusters about √(2D(1 + σ²)).
pub fn clusters<R: Rng>(n: usize, dim: usize, clusters: usize, rng: &mut R) -> Array2<f64> {
    let centres = Array2::from_shape_simple_fn((clusters, dim), || rng.sample::<f64, _>(StandardNormal));
    let mut x = Array2::zeros((n, dim));
    for (i, mut row) in x.rows_mut().into_iter().enumerate() {
        let centre = centres.row(i % clusters);
        for (v, c) in row.iter_mut().zip(centre) {
            *v = c + 0.5 * rng.sample::<f64, _>(StandardNormal);
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;

    #[test]
    fn documents_are_sparse_counts() {
        let x = documents(50, 1000, &mut seeded(1));
        for row in x.rows() {
            let words: f64 = row.sum();
            assert!((20.0..=80.0).contains(&words));
            assert!(row.iter().all(|&v| v >= 0.0 && v.fract() == 0.0));
        }
        let nonzero = x.iter().filter(|&&v| v > 0.0).count() as f64 / x.len() as f64;
        assert!(nonzero < 0.06, "{nonzero}");
    }

    #[test]
    fn clusters_have_the_stated_spread() {
        let d = 2000;
        let x = clusters(4, d, 2, &mut seeded(2));
        let dist = |a: usize, b: usize| (&x.row(a) - &x.row(b)).mapv(|v| v * v).sum().sqrt();
        // Points 0 and 2 share a centre: about 0.5·√(2D) ≈ 31.6.
        assert!((dist(0, 2) / (0.5 * (2.0 * d as f64).sqrt()) - 1.0).abs() < 0.1);
        // Points 0 and 1 do not: about √(2.5 D) ≈ 70.7.
        assert!((dist(0, 1) / (2.5 * d as f64).sqrt() - 1.0).abs() < 0.1);
    }
}
