//! Vectors, angles and orthogonality.
//!
//! Random unit vectors are drawn as normalised standard Gaussian vectors: the
//! Gaussian is rotation-invariant, so g/‖g‖ is uniform on the sphere.

use ndarray::{Array1, Array2, ArrayView1, Axis};
use rand::Rng;
use rand_distr::StandardNormal;

/// One random unit vector in R^d.
pub fn random_unit_vector<R: Rng>(d: usize, rng: &mut R) -> Array1<f64> {
    let mut g: Array1<f64> = (0..d).map(|_| rng.sample::<f64, _>(StandardNormal)).collect();
    let norm = g.dot(&g).sqrt();
    g /= norm;
    g
}

/// `n` random unit vectors in R^d, one per row.
// ANCHOR: random_unit_vectors
pub fn random_unit_vectors<R: Rng>(n: usize, d: usize, rng: &mut R) -> Array2<f64> {
    let normal = || rng.sample::<f64, _>(StandardNormal);
    let mut v = Array2::from_shape_simple_fn((n, d), normal);
    for mut row in v.rows_mut() {
        let norm = row.dot(&row).sqrt();
        row /= norm;
    }
    v
}
// ANCHOR_END: random_unit_vectors

/// cos θ between two vectors.
pub fn cosine(u: ArrayView1<f64>, v: ArrayView1<f64>) -> f64 {
    u.dot(&v) / (u.dot(&u).sqrt() * v.dot(&v).sqrt())
}

/// The cosines of all pairs i < j among the rows of `v` (unit rows), in row
/// order: one matrix product V Vᵀ, then the upper triangle.
// ANCHOR: pair_cosines
pub fn pair_cosines(v: &Array2<f64>) -> Vec<f64> {
    let gram = v.dot(&v.t());
    let n = v.nrows();
    let mut out = Vec::with_capacity(n * (n - 1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            out.push(gram[[i, j]].clamp(-1.0, 1.0));
        }
    }
    out
}
// ANCHOR_END: pair_cosines

/// The largest |cos| over all pairs of rows of `v` (unit rows): the worst
/// pair, which decides whether a set is within a tolerance of orthogonal.
pub fn max_abs_cos(v: &Array2<f64>) -> f64 {
    pair_cosines(v).iter().fold(0.0, |m, c| m.max(c.abs()))
}

/// Gram–Schmidt on the rows of `v`, in order, reporting for each row the
/// norm of what is left after removing its components along all previous
/// directions, relative to its own norm: ‖v_j − Σ_{i<j} ⟨v_j, q_i⟩ q_i‖ / ‖v_j‖.
///
/// In R^n the first n residuals are of order one (for random vectors) and
/// every later one is rounding error: n orthonormal directions already span
/// the space, so nothing is left for vector n+1.
///
/// This is modified Gram–Schmidt: each projection is removed from the
/// running remainder `w`, one direction at a time.
// ANCHOR: gram_schmidt
pub fn gram_schmidt_residuals(v: &Array2<f64>) -> Vec<f64> {
    let mut basis: Vec<Array1<f64>> = Vec::new();
    let mut residuals = Vec::with_capacity(v.nrows());
    for row in v.axis_iter(Axis(0)) {
        let mut w = row.to_owned();
        for q in &basis {
            let along = w.dot(q); // ⟨w, q_i⟩
            w.scaled_add(-along, q); // w ← w − ⟨w, q_i⟩ q_i
        }
        let residual = w.dot(&w).sqrt() / row.dot(&row).sqrt();
        residuals.push(residual);
        // Only a genuinely new direction joins the basis.
        if residual > 1e-8 {
            let norm = w.dot(&w).sqrt();
            basis.push(w / norm);
        }
    }
    residuals
}
// ANCHOR_END: gram_schmidt

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::seeded;
    use approx::assert_relative_eq;

    #[test]
    fn unit_vectors_have_norm_one() {
        let v = random_unit_vectors(20, 7, &mut seeded(1));
        for row in v.rows() {
            assert_relative_eq!(row.dot(&row), 1.0, max_relative = 1e-14);
        }
        let u = random_unit_vector(9, &mut seeded(2));
        assert_relative_eq!(u.dot(&u), 1.0, max_relative = 1e-14);
    }

    #[test]
    fn pair_cosines_match_direct_dot_products() {
        let v = random_unit_vectors(6, 4, &mut seeded(3));
        let c = pair_cosines(&v);
        assert_eq!(c.len(), 15);
        assert_relative_eq!(c[0], cosine(v.row(0), v.row(1)), max_relative = 1e-12);
        assert_relative_eq!(c[14], cosine(v.row(4), v.row(5)), max_relative = 1e-12);
    }

    #[test]
    fn gram_schmidt_runs_out_of_room_after_n_vectors() {
        let n = 12;
        let v = random_unit_vectors(n + 4, n, &mut seeded(4));
        let r = gram_schmidt_residuals(&v);
        assert_relative_eq!(r[0], 1.0, max_relative = 1e-14);
        assert!(r[..n].iter().all(|&x| x > 1e-6), "{r:?}");
        assert!(r[n..].iter().all(|&x| x < 1e-13), "{r:?}");
    }

    #[test]
    fn gram_schmidt_of_dependent_vector_is_zero() {
        // The third row is the sum of the first two.
        let v = ndarray::array![[1.0, 2.0, 0.0], [0.0, 1.0, 1.0], [1.0, 3.0, 1.0]];
        let r = gram_schmidt_residuals(&v);
        assert!(r[2] < 1e-15, "{r:?}");
    }
}
