//! Solutions we can write down, to measure every trained toy model against.
//!
//! A trained model is a result only next to a solution whose loss we know.
//! The simplest one, for every model of Chapter 4, gives the most important
//! features a hidden dimension (or, for |x|, a pair of neurons) of their own
//! and replaces every other feature by its mean through the bias:
//!
//! - the tied models, linear, ReLU-output and hidden-ReLU: row j of W is the
//!   unit vector of the j-th most important feature (for j < d), so the
//!   kept features come back exactly (x ≥ 0 passes every ReLU);
//! - the |x| model: two neurons per kept feature, +x_i and −x_i, both written
//!   back to output i, since |x| = ReLU(x) + ReLU(−x); ⌊d/2⌋ features kept.
//!
//! A dropped feature's output is its mean, b_i = E t_i = p/2 (t is x or |x|,
//! uniform on [0, 1] when present), and costs its variance
//! V(p) = p/3 − p²/4. So the loss, with the trainer's normalisation, is
//!
//!   L = (1/N) Σ_{i dropped} I_i V(p).
//!
//! For the linear model this is the optimum (Eckart–Young, see Chapter 4).
//! The ReLU models can beat it only by superposition.

use super::phase::dropped_cost;
use super::spec::{Kind, Spec};

/// How many features the construction keeps: d, or ⌊d/2⌋ for |x|.
pub fn kept(spec: &Spec) -> usize {
    let k = if spec.kind == Kind::AbsValue { spec.d / 2 } else { spec.d };
    k.min(spec.n)
}

/// The features by importance, most important first (ties: lower index).
fn by_importance(importance: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..importance.len()).collect();
    order.sort_by(|&a, &b| importance[b].total_cmp(&importance[a]).then(a.cmp(&b)));
    order
}

// ANCHOR: construction_loss
/// The construction's expected loss, L = (1/N) Σ_{i dropped} I_i V(p).
pub fn construction_loss(spec: &Spec, importance: &[f32], density: f32) -> f64 {
    let dropped = &by_importance(importance)[kept(spec)..];
    let v = dropped_cost(density as f64);
    dropped.iter().map(|&i| importance[i] as f64 * v).sum::<f64>() / spec.n as f64
}
// ANCHOR_END: construction_loss

/// The loss of the model that represents nothing and outputs every mean:
/// (1/N) Σ_i I_i V(p), the scale against which an exact model's rounding is
/// judged.
pub fn mean_only_loss(importance: &[f32], density: f32) -> f64 {
    let v = dropped_cost(density as f64);
    importance.iter().map(|&i| i as f64 * v).sum::<f64>() / importance.len() as f64
}

/// The construction's parameters, in the trainer's flat layout
/// `[W_in (d×n) | W_out (d×n), untied only | b (n)]`.
pub fn construction_params(spec: &Spec, importance: &[f32], density: f32) -> Vec<f32> {
    let Spec { n, d, .. } = *spec;
    let mut params = vec![0.0; spec.param_count()];
    let order = by_importance(importance);
    let (w_out, b) = (spec.w_out_offset(), spec.weights_len());
    for (k, &i) in order.iter().enumerate() {
        if k >= kept(spec) {
            params[b + i] = density / 2.0; // the mean of x_i (or |x_i|)
        } else if spec.kind == Kind::AbsValue {
            // Neurons 2k and 2k + 1 read +x_i and −x_i and both write to output i.
            for (j, sign) in [(2 * k, 1.0), (2 * k + 1, -1.0)] {
                params[j * n + i] = sign;
                params[w_out + j * n + i] = 1.0;
            }
        } else {
            params[k * n + i] = 1.0; // row k of W is e_i (and W_out = W: tied)
        }
    }
    assert!(kept(spec) <= d);
    params
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toy::Batch;
    use crate::toy::model::{Workspace, loss_and_grad};

    /// The closed form against the construction's parameters run through the
    /// trainer's own loss on a large sampled batch, for every kind.
    #[test]
    fn the_closed_form_is_the_constructions_loss() {
        let kinds = [
            (Kind::Linear, 7, 3),
            (Kind::ReluOutput, 7, 3),
            (Kind::HiddenRelu, 7, 3),
            (Kind::AbsValue, 7, 6),
        ];
        for (k, (kind, n, d)) in kinds.into_iter().enumerate() {
            let spec = Spec::new(kind, n, d);
            // Importances out of order, so "the most important" is not "the first".
            let importance: Vec<f32> = [0.3, 1.0, 0.5, 0.9, 0.2, 0.7, 0.4].to_vec();
            for density in [1.0, 0.3, 0.05] {
                let params = construction_params(&spec, &importance, density);
                let mut batch = Batch::new(200_000, n);
                batch.fill(density, kind.signed(), &mut crate::rng::stream(31, k as u64));
                let mut ws = Workspace::new(&spec, batch.size);
                let sampled = loss_and_grad(&spec, &params, &importance, &batch, &mut ws, None);
                let exact = construction_loss(&spec, &importance, density);
                assert!(
                    (sampled - exact).abs() < 0.02 * exact,
                    "{kind:?} at density {density}: sampled {sampled:.5e}, closed form {exact:.5e}"
                );
            }
        }
        // Enough hidden dimensions for every feature: nothing is dropped.
        assert_eq!(construction_loss(&Spec::new(Kind::AbsValue, 3, 6), &[1.0; 3], 1.0), 0.0);
    }
}
