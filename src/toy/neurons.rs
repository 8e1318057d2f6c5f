//! What the hidden neurons of a model with a hidden ReLU respond to.
//!
//! With h = ReLU(W x) the hidden coordinates are no longer interchangeable:
//! the ReLU acts on each one separately, so neuron j — row j of W — is a
//! meaningful unit (a *privileged basis*). Neuron j's input weights W[j, ·]
//! say which features drive it. We call it
//!
//! - **dead** if no weight can make it fire (all weights below
//!   [`LIVE_WEIGHT`] for non-negative inputs, all |weights| below it for
//!   signed inputs);
//! - **monosemantic** if its largest feature carries at least
//!   [`MONOSEMANTIC_SHARE`] of its squared input weight,
//!   max_i W_ji² / Σ_i W_ji²;
//! - **polysemantic** otherwise.

use serde::Serialize;

/// A share of squared input weight on one feature at or above this makes a
/// neuron monosemantic.
pub const MONOSEMANTIC_SHARE: f64 = 0.9;

/// A weight below this cannot make a neuron fire noticeably.
pub const LIVE_WEIGHT: f64 = 0.1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Role {
    Dead,
    Monosemantic,
    Polysemantic,
}

/// One neuron's input weights, summarised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Neuron {
    /// The feature with the largest |W_ji|, and its share of Σ_i W_ji².
    pub top_feature: usize,
    pub share: f64,
    /// Features with |W_ji| ≥ [`LIVE_WEIGHT`] (that can drive it).
    pub features: usize,
    pub role: Role,
}

/// Summarise each row of the d × N matrix `w` (row-major). `signed` inputs
/// can drive a neuron through negative weights too.
// ANCHOR: neurons
pub fn neurons(w: &[f32], d: usize, n: usize, signed: bool) -> Vec<Neuron> {
    // A weight drives the neuron if it is large and, for inputs ≥ 0, positive.
    let drives = |v: f64| v >= LIVE_WEIGHT || (signed && -v >= LIVE_WEIGHT);
    let mut found = Vec::with_capacity(d);
    for row in w.chunks_exact(n).take(d) {
        let row: Vec<f64> = row.iter().map(|&v| v as f64).collect();
        let total: f64 = row.iter().map(|v| v * v).sum();
        let bigger = |a: &usize, b: &usize| row[*a].abs().total_cmp(&row[*b].abs());
        let top_feature = (0..n).max_by(bigger).unwrap_or(0);
        let share = if total > 0.0 { row[top_feature].powi(2) / total } else { 0.0 };
        let features = row.iter().filter(|&&v| drives(v)).count();
        let role = if features == 0 {
            Role::Dead
        } else if share >= MONOSEMANTIC_SHARE {
            Role::Monosemantic
        } else {
            Role::Polysemantic
        };
        found.push(Neuron { top_feature, share, features, role });
    }
    found
}
// ANCHOR_END: neurons

/// (monosemantic, polysemantic, dead) counts.
pub fn count(neurons: &[Neuron]) -> (usize, usize, usize) {
    let k = |r: Role| neurons.iter().filter(|n| n.role == r).count();
    (k(Role::Monosemantic), k(Role::Polysemantic), k(Role::Dead))
}

/// An order of the neurons that makes the structure of W visible: by their
/// top feature, then by how much they concentrate on it (dead ones last).
pub fn sorted_order(neurons: &[Neuron]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..neurons.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&neurons[a], &neurons[b]);
        (x.role == Role::Dead)
            .cmp(&(y.role == Role::Dead))
            .then(x.top_feature.cmp(&y.top_feature))
            .then(y.share.total_cmp(&x.share))
            .then(a.cmp(&b))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_follow_the_weights() {
        // Three neurons over three features: one on feature 0 only, one split
        // between features 1 and 2, one with only negative weights.
        let w = [1.0, 0.05, 0.0, 0.0, 0.7, 0.7, -0.5, -0.5, -0.2];
        let r = neurons(&w, 3, 3, false);
        assert_eq!(
            r.iter().map(|n| n.role).collect::<Vec<_>>(),
            vec![Role::Monosemantic, Role::Polysemantic, Role::Dead]
        );
        assert_eq!((r[0].top_feature, r[1].features), (0, 2));
        assert!((r[1].share - 0.5).abs() < 1e-6);
        // With signed inputs the negative neuron fires (for x < 0), on two features.
        assert_eq!(neurons(&w, 3, 3, true)[2].role, Role::Polysemantic);
        assert_eq!(count(&r), (1, 1, 1));
        assert_eq!(sorted_order(&r), vec![0, 1, 2]);
    }
}
