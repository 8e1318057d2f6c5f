//! Choosing λ (or k) without knowing the truth: what a practitioner can
//! measure on a sweep of trained SAEs when no ground truth exists.
//!
//! - The **knee** of the sparsity–reconstruction curve (FVU against L0):
//!   where adding active latents stops buying much reconstruction. Found as
//!   in Kneedle (Satopää, Albrecht, Irwin, Raghavan 2011): both axes scaled
//!   to [0, 1], the point farthest below the chord from the sparsest run to
//!   the densest.
//! - **Agreement between dictionaries** of different sizes trained with the
//!   same λ (Sharkey, Braun, Millidge 2022): the mean, over the smaller
//!   dictionary's latents, of the largest cosine with a latent of the larger
//!   one. Two dictionaries that have found the same directions agree; blends
//!   that merely span the data do not.

use super::metrics::cosine;
use super::model::Sae;

/// The index of the knee of the curve through `points` (x, y), given in any
/// order: sorted by x, both coordinates scaled to [0, 1], the point with the
/// largest drop below the straight line from the first point to the last.
/// `None` for fewer than three points or a flat axis.
pub fn knee(points: &[(f64, f64)]) -> Option<usize> {
    if points.len() < 3 {
        return None;
    }
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| points[a].0.total_cmp(&points[b].0));
    let (first, last) = (points[order[0]], points[order[order.len() - 1]]);
    let (y_min, y_max) =
        points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let (x_span, y_span) = (last.0 - first.0, y_max - y_min);
    if x_span <= 0.0 || y_span <= 0.0 {
        return None;
    }
    // The chord's height at scaled x, minus the point's scaled y.
    let drop = |&(x, y): &(f64, f64)| {
        let t = (x - first.0) / x_span;
        let chord = ((1.0 - t) * first.1 + t * last.1 - y_min) / y_span;
        chord - (y - y_min) / y_span
    };
    let inner = &order[1..order.len() - 1];
    let best = inner.iter().copied().max_by(|&a, &b| drop(&points[a]).total_cmp(&drop(&points[b])))?;
    (drop(&points[best]) > 0.0).then_some(best)
}

/// Agreement of dictionary `a` with dictionary `b`: the mean over `a`'s
/// decoder directions of the largest cosine with one of `b`'s.
// ANCHOR: agreement
pub fn agreement(a: &Sae, b: &Sae) -> f64 {
    // For a's direction j, its best match among b's.
    let best = |j: usize| {
        let cos = (0..b.spec.m).map(|k| cosine(a.decoder(j), b.decoder(k)));
        cos.fold(-1.0, f64::max)
    };
    (0..a.spec.m).map(best).sum::<f64>() / a.spec.m as f64
}
// ANCHOR_END: agreement

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::sae::model::{Activation, SaeSpec};

    #[test]
    fn the_knee_is_the_corner_of_an_l() {
        // FVU falls steeply until L0 = 5, then barely: the corner is at 5.
        let points = [(20.0, 0.04), (1.0, 0.9), (3.0, 0.4), (5.0, 0.08), (8.0, 0.06), (12.0, 0.05)];
        assert_eq!(knee(&points), Some(3));
        // A straight line has no knee, nor has a curve bending the other way.
        assert_eq!(knee(&[(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)]), None);
        assert_eq!(knee(&[(1.0, 1.0), (2.0, 0.9), (3.0, 0.0)]), None);
        assert_eq!(knee(&[(1.0, 1.0), (2.0, 0.5)]), None);
    }

    #[test]
    fn a_dictionary_agrees_with_itself_and_a_larger_copy_not_with_a_random_one() {
        let spec = |m| SaeSpec { d: 16, m, activation: Activation::Relu, l1: 0.1 };
        let mut rng = stream(42, 0);
        let small = Sae::new(spec(8), &mut rng);
        let other = Sae::new(spec(16), &mut rng);
        assert!((agreement(&small, &small) - 1.0).abs() < 1e-6);
        // The small dictionary's rows inside a larger one.
        let mut larger = other.clone();
        let lay = larger.spec.layout();
        let rows = &small.params[small.spec.layout().w_dec..small.spec.layout().b_dec];
        larger.params[lay.w_dec..lay.w_dec + rows.len()].copy_from_slice(rows);
        assert!((agreement(&small, &larger) - 1.0).abs() < 1e-6);
        // Random directions in 16 dimensions: far from 1.
        let random = agreement(&small, &other);
        assert!(random < 0.8, "random dictionaries agree at {random}");
    }
}
