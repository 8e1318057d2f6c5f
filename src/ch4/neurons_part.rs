//! Chapter 4, part 2: measurements on the models with a hidden ReLU.

use super::Model;
use crate::toy::neurons::{LIVE_WEIGHT, Role};
use serde::{Deserialize, Serialize};

/// One polysemantic neuron of the absolute-value model, up close.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpClose {
    pub density: f32,
    pub neuron: usize,
    /// Its share of squared input weight on the top feature.
    pub share: f64,
    /// How many features it serves (see [`served`]).
    pub served: usize,
    /// The features that drive it: (feature, input weight W₁[j, i], the
    /// activation ReLU(W₁[j, i] x) at x = +1 and at x = −1, its output weight
    /// W₂[i, j] to that feature's output), by |input weight|, largest first.
    pub features: Vec<(usize, f64, f64, f64, f64)>,
}

/// Features that neuron j of an untied model *serves*: it is driven by them
/// (|W₁[j, i]| ≥ [`LIVE_WEIGHT`]) and writes back to their own output
/// (W₂[i, j] ≥ [`LIVE_WEIGHT`]), so it helps compute |x_i|.
pub fn served(model: &Model, j: usize) -> usize {
    let n = model.n;
    (0..n)
        .filter(|&i| {
            (model.w[j * n + i] as f64).abs() >= LIVE_WEIGHT && model.w_out[j * n + i] as f64 >= LIVE_WEIGHT
        })
        .count()
}

/// The polysemantic neuron that serves the most features in the sparsest
/// absolute-value model that converged (at most as bad as its
/// construction; ties: the one driven by more features, then the lower
/// index).
pub fn up_close(models: &[Model]) -> Option<UpClose> {
    let model = models.iter().filter(|m| m.converged()).min_by(|a, b| a.density.total_cmp(&b.density))?;
    let (j, neuron) = model.neurons.iter().enumerate().filter(|(_, n)| n.role == Role::Polysemantic).max_by(
        |(a, x), (b, y)| {
            served(model, *a).cmp(&served(model, *b)).then(x.features.cmp(&y.features)).then(b.cmp(a))
        },
    )?;
    let n = model.n;
    let mut features: Vec<(usize, f64, f64, f64, f64)> = (0..n)
        .map(|i| {
            let w = model.w[j * n + i] as f64;
            (i, w, w.max(0.0), (-w).max(0.0), model.w_out[j * n + i] as f64)
        })
        .filter(|f| f.1.abs() >= LIVE_WEIGHT)
        .collect();
    features.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    Some(UpClose {
        density: model.density,
        neuron: j,
        share: neuron.share,
        served: served(model, j),
        features,
    })
}

/// The outputs of an untied model, y = ReLU(W₂ ReLU(W₁ x) + b), for a single
/// feature `i` at value `x`.
pub fn respond(m: &Model, i: usize, x: f64) -> Vec<f64> {
    let n = m.n;
    let h: Vec<f64> = (0..m.d).map(|j| (m.w[j * n + i] as f64 * x).max(0.0)).collect();
    (0..n)
        .map(|o| {
            let s: f64 = (0..m.d).map(|j| m.w_out[j * n + o] as f64 * h[j]).sum();
            (s + m.b[o] as f64).max(0.0)
        })
        .collect()
}

/// Output `i` of the model against input `i` alone, at 201 points of [−1, 1].
pub fn response_curve(m: &Model, i: usize) -> Vec<(f64, f64)> {
    (0..=200).map(|k| -1.0 + k as f64 / 100.0).map(|x| (x, respond(m, i, x)[i])).collect()
}

/// Features of the small |x| model served by a pair of monosemantic
/// neurons, one for x > 0 and one for x < 0.
pub fn paired_features(model: &Model) -> usize {
    (0..model.n)
        .filter(|&i| {
            let serving = |positive: bool| {
                model.neurons.iter().enumerate().any(|(j, nr)| {
                    let w = model.w[j * model.n + i] as f64;
                    nr.role == Role::Monosemantic && nr.top_feature == i && (w > 0.0) == positive
                })
            };
            serving(true) && serving(false)
        })
        .count()
}
