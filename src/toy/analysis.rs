//! What a trained toy model learned, read off its weights.
//!
//! For a tied model with weights W (d × N, columns W_i):
//!
//! - ‖W_i‖ ≈ 1 means feature i is represented, ≈ 0 that it is dropped;
//! - the interference Σ_{j≠i} (Ŵ_i·W_j)² says how much of the other features
//!   leaks into the direction of feature i (0: it has the direction to itself);
//! - the *dimensions per feature* d / ‖W‖²_F (Elhage et al., §6);
//! - the *feature dimensionality* D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)², the share of
//!   a dimension feature i gets: 1 for a dedicated direction, 1/2 for an
//!   antipodal pair, 2/5 for a pentagon, 0 when dropped.

use serde::Serialize;

/// Column i of an d × N row-major matrix, in f64.
pub fn column(w: &[f32], n: usize, i: usize) -> Vec<f64> {
    w.iter().skip(i).step_by(n).map(|&v| v as f64).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The columns W_i of an d × N row-major matrix.
pub fn columns(w: &[f32], n: usize) -> Vec<Vec<f64>> {
    (0..n).map(|i| column(w, n, i)).collect()
}

/// The n × n Gram matrix WᵀW, G_ij = W_i·W_j (row-major).
pub fn gram(w: &[f32], n: usize) -> Vec<f64> {
    let cols = columns(w, n);
    let mut g = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            g[i * n + j] = dot(&cols[i], &cols[j]);
        }
    }
    g
}

/// Per-feature measures of one tied model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Features {
    /// ‖W_i‖.
    pub norm: Vec<f64>,
    /// Σ_{j≠i} (Ŵ_i·W_j)² (0 for a dropped feature).
    pub interference: Vec<f64>,
    /// D_i = ‖W_i‖² / Σ_j (Ŵ_i·W_j)² (0 for a dropped feature).
    pub dimensionality: Vec<f64>,
}

/// A feature whose ‖W_i‖ is below this counts as not represented.
pub const REPRESENTED: f64 = 0.5;

// ANCHOR: features
pub fn features(w: &[f32], n: usize) -> Features {
    let cols = columns(w, n);
    let norm: Vec<f64> = cols.iter().map(|c| dot(c, c).sqrt()).collect();
    let mut interference = vec![0.0; n];
    let mut dimensionality = vec![0.0; n];
    for i in 0..n {
        if norm[i] < 1e-9 {
            continue;
        }
        // (Ŵ_i·W_j)² = (W_i·W_j)² / ‖W_i‖²
        let overlaps: Vec<f64> = (0..n).map(|j| dot(&cols[i], &cols[j]).powi(2) / norm[i].powi(2)).collect();
        let total: f64 = overlaps.iter().sum(); // includes j = i: ‖W_i‖²
        interference[i] = total - overlaps[i];
        dimensionality[i] = norm[i].powi(2) / total;
    }
    Features { norm, interference, dimensionality }
}
// ANCHOR_END: features

/// Elhage et al.'s dimensions per feature, d / ‖W‖²_F.
pub fn dimensions_per_feature(w: &[f32], d: usize) -> f64 {
    d as f64 / w.iter().map(|&v| (v as f64).powi(2)).sum::<f64>()
}

/// The number of features with ‖W_i‖ ≥ [`REPRESENTED`].
pub fn represented(f: &Features) -> usize {
    f.norm.iter().filter(|&&v| v >= REPRESENTED).count()
}

/// The largest |cos| between two represented features' directions (0 if
/// fewer than two are represented).
pub fn max_abs_cos_represented(w: &[f32], n: usize) -> f64 {
    let cols = columns(w, n);
    let norms: Vec<f64> = cols.iter().map(|c| dot(c, c).sqrt()).collect();
    let mut worst = 0.0f64;
    for i in 0..n {
        for j in 0..i {
            if norms[i] >= REPRESENTED && norms[j] >= REPRESENTED {
                worst = worst.max((dot(&cols[i], &cols[j]) / (norms[i] * norms[j])).abs());
            }
        }
    }
    worst
}

/// The smallest angle, in degrees, between the directions of two represented
/// features (180 if fewer than two are represented).
pub fn smallest_angle_represented(w: &[f32], n: usize) -> f64 {
    let cols = columns(w, n);
    let norms: Vec<f64> = cols.iter().map(|c| dot(c, c).sqrt()).collect();
    let mut best = -1.0f64;
    for i in 0..n {
        for j in 0..i {
            if norms[i] >= REPRESENTED && norms[j] >= REPRESENTED {
                best = best.max(dot(&cols[i], &cols[j]) / (norms[i] * norms[j]));
            }
        }
    }
    best.clamp(-1.0, 1.0).acos().to_degrees()
}

/// Groups of represented features that share dimensions: features i and j
/// are linked when |cos(W_i, W_j)| > `link`, and a group is a connected set.
/// Returns (features in the group, dimensions they span, how many such
/// groups), sorted. An antipodal pair is (2, 1), a pentagon (5, 2), a
/// tetrahedron (4, 3); a dedicated feature is (1, 1).
pub fn groups(w: &[f32], n: usize, link: f64) -> Vec<(usize, usize, usize)> {
    let cols = columns(w, n);
    let norms: Vec<f64> = cols.iter().map(|c| dot(c, c).sqrt()).collect();
    let live: Vec<usize> = (0..n).filter(|&i| norms[i] >= REPRESENTED).collect();
    // Union–find over the live features.
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (a, &i) in live.iter().enumerate() {
        for &j in &live[..a] {
            if (dot(&cols[i], &cols[j]) / (norms[i] * norms[j])).abs() > link {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                parent[ri] = rj;
            }
        }
    }
    let mut members: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for &i in &live {
        let r = root(&mut parent, i);
        members.entry(r).or_default().push(i);
    }
    let mut shapes: std::collections::BTreeMap<(usize, usize), usize> = Default::default();
    for group in members.values() {
        let vectors: Vec<&Vec<f64>> = group.iter().map(|&i| &cols[i]).collect();
        *shapes.entry((group.len(), span(&vectors))).or_default() += 1;
    }
    shapes.into_iter().map(|((features, dims), count)| (features, dims, count)).collect()
}

/// The number of directions a set of vectors spans: Gram–Schmidt, counting
/// the vectors that keep more than 20% of their length after removing the
/// directions found so far.
fn span(vectors: &[&Vec<f64>]) -> usize {
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for v in vectors {
        let mut r = (*v).clone();
        for e in &basis {
            let c = dot(&r, e);
            r.iter_mut().zip(e).for_each(|(r, e)| *r -= c * e);
        }
        let len = dot(&r, &r).sqrt();
        if len > 0.2 * dot(v, v).sqrt() {
            basis.push(r.iter().map(|x| x / len).collect());
        }
    }
    basis.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pentagon_and_antipodal_pair_have_the_textbook_dimensionalities() {
        // Five unit vectors at 72° in the plane (d = 2, N = 5): D_i = 2/5.
        let n = 5;
        let mut w = vec![0.0f32; 2 * n];
        for i in 0..n {
            let a = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            w[i] = a.cos() as f32;
            w[n + i] = a.sin() as f32;
        }
        let f = features(&w, n);
        for &d in &f.dimensionality {
            assert!((d - 0.4).abs() < 1e-6, "{d}");
        }
        assert!((dimensions_per_feature(&w, 2) - 0.4).abs() < 1e-6);
        assert!((smallest_angle_represented(&w, n) - 72.0).abs() < 1e-4);
        assert!((max_abs_cos_represented(&w, n) - (144f64).to_radians().cos().abs()).abs() < 1e-6);
        // An antipodal pair plus a dropped feature (d = 1, N = 3): 1/2, 1/2, 0.
        let f = features(&[1.0, -1.0, 0.0], 3);
        assert_eq!(f.dimensionality, vec![0.5, 0.5, 0.0]);
        assert_eq!(f.interference, vec![1.0, 1.0, 0.0]);
        assert_eq!(represented(&f), 2);
    }

    #[test]
    fn groups_find_polygons_in_orthogonal_planes() {
        // d = 4: a pentagon in dimensions 1–2, an antipodal pair on 3, one
        // dedicated feature on 4, one dropped feature. N = 9.
        let n = 9;
        let mut w = vec![0.0f32; 4 * n];
        for i in 0..5 {
            let a = std::f64::consts::TAU * i as f64 / 5.0;
            w[i] = a.cos() as f32;
            w[n + i] = a.sin() as f32;
        }
        w[2 * n + 5] = 1.0;
        w[2 * n + 6] = -1.0;
        w[3 * n + 7] = 1.0;
        w[3 * n + 8] = 0.1; // dropped: ‖W_8‖ < 1/2
        assert_eq!(groups(&w, n, 0.2), vec![(1, 1, 1), (2, 1, 1), (5, 2, 1)]);
    }
}
