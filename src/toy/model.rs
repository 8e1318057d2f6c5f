//! The toy models of superposition, their loss, and a hand-written backward pass.
//!
//! All four models share one shape: a hidden layer of m < n dimensions,
//!
//!   h  = W_in x            (optionally ReLU(W_in x)),
//!   x' = W_outᵀ h + b      (optionally ReLU(W_outᵀ h + b)),
//!
//! with W_out = W_in = W for the *tied* models of Elhage et al. (2022), and
//! the importance-weighted squared error of the reference notebook,
//!
//!   L = 1/(B·n) Σ_s Σ_i I_i (x'_si − t_si)²,
//!
//! averaged over the batch and the features (the target t is x, or |x| for
//! the absolute-value model). W_in and W_out are stored as m × n row-major
//! matrices, the paper's layout: column i of W is the direction W_i of
//! feature i, row j holds neuron j's weights.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use super::batched::Batched;
use super::data::Batch;
use super::per_sample::PerSample;
#[cfg(target_arch = "x86_64")]
use super::simd::Avx2;
use super::simd::{Dot, Portable};

/// Which toy model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// x' = Wᵀ W x + b: the linear baseline.
    Linear,
    /// x' = ReLU(Wᵀ W x + b): the ReLU output model.
    ReluOutput,
    /// h = ReLU(W x), x' = ReLU(Wᵀ h + b): a privileged hidden basis.
    HiddenRelu,
    /// h = ReLU(W₁ x), y = ReLU(W₂ h + b) with untied W₁, W₂, trained on
    /// signed inputs to compute |x|.
    AbsValue,
}

impl Kind {
    /// Every kind of toy model.
    pub const ALL: [Kind; 4] = [Kind::Linear, Kind::ReluOutput, Kind::HiddenRelu, Kind::AbsValue];

    pub fn tied(self) -> bool {
        self != Kind::AbsValue
    }
    pub fn hidden_relu(self) -> bool {
        matches!(self, Kind::HiddenRelu | Kind::AbsValue)
    }
    pub fn output_relu(self) -> bool {
        self != Kind::Linear
    }
    /// Inputs uniform on [−1, 1] (else [0, 1]) and target |x| (else x).
    pub fn signed(self) -> bool {
        self == Kind::AbsValue
    }
}

/// A model's kind and size: n features, m hidden dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Spec {
    pub kind: Kind,
    pub n: usize,
    pub m: usize,
}

/// Borrowed views of the parameters in their flat vector
/// `[W_in (m×n) | W_out (m×n), untied only | b (n)]`.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a> {
    pub w_in: &'a [f32],
    pub w_out: &'a [f32],
    pub b: &'a [f32],
}

impl Spec {
    pub fn new(kind: Kind, n: usize, m: usize) -> Self {
        Spec { kind, n, m }
    }

    pub(crate) fn weights_len(&self) -> usize {
        self.m * self.n * if self.kind.tied() { 1 } else { 2 }
    }

    /// Where W_out starts in the flat vector (0 when tied: it *is* W_in).
    pub(crate) fn w_out_offset(&self) -> usize {
        if self.kind.tied() { 0 } else { self.m * self.n }
    }

    /// The number of parameters in the flat vector.
    pub fn param_count(&self) -> usize {
        self.weights_len() + self.n
    }

    pub fn split<'a>(&self, params: &'a [f32]) -> Params<'a> {
        let mn = self.m * self.n;
        let out = self.w_out_offset();
        Params {
            w_in: &params[..mn],
            w_out: &params[out..out + mn],
            b: &params[self.weights_len()..self.param_count()],
        }
    }

    /// Random weights and a starting bias, as `init` says, for features of
    /// the given density.
    pub fn init(&self, init: Init, density: f32, rng: &mut ChaCha8Rng) -> Vec<f32> {
        let normal = Normal::new(0.0, init.sd(self)).expect("a positive sd");
        let mut params = vec![0.0; self.param_count()];
        for w in &mut params[..self.weights_len()] {
            *w = normal.sample(rng);
        }
        if let Init::Small { .. } = init {
            // E t_i = p/2 for x (or |x|) uniform on [0, 1] when present.
            params[self.weights_len()..].fill(density / 2.0);
        }
        params
    }
}

/// How a model's parameters start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Init {
    /// Xavier-normal weights, N(0, 2/(fan_in + fan_out)) = N(0, 2/(n + m))
    /// with the fans of the m × n matrix itself, and a zero bias. (The
    /// reference notebook applies PyTorch's `xavier_normal_` to a 3-D
    /// instances × n × m tensor, whose fans come out as n·m and instances·m.)
    Xavier,
    /// Small weights, N(0, sd²), and each output's bias at the mean of its
    /// target, the best constant output: the start of the |x| models, whose
    /// neurons must pick their features before outputs die (see Chapter 4).
    Small { sd: f32 },
}

impl Init {
    /// The standard deviation of each initial weight.
    pub fn sd(self, spec: &Spec) -> f32 {
        match self {
            Init::Xavier => (2.0 / (spec.n + spec.m) as f32).sqrt(),
            Init::Small { sd } => sd,
        }
    }
}

/// Models up to this many weights (n·m) are trained with the batched kernel,
/// larger ones one sample at a time (where the weights stay in the L1 cache).
/// Measured with `cargo run --release --example bench`.
pub const BATCHED_MAX_WEIGHTS: usize = 128;

fn batched(spec: &Spec) -> bool {
    spec.n * spec.m <= BATCHED_MAX_WEIGHTS
}

/// Scratch space for one model's loss and gradient, allocated once.
#[derive(Debug, Clone)]
pub enum Workspace {
    Batched(Batched),
    PerSample(PerSample),
}

impl Workspace {
    /// The workspace of the kernel that suits the model's size.
    pub fn new(spec: &Spec, batch: usize) -> Self {
        if batched(spec) {
            Workspace::Batched(Batched::new(spec, batch))
        } else {
            Workspace::PerSample(PerSample::new(spec))
        }
    }

    /// An empty batch of `size` samples for the kernel that suits the
    /// model: the batched kernel reads only the dense rows, so its batches
    /// skip the lists of present features.
    pub fn batch_for(spec: &Spec, size: usize) -> Batch {
        let batch = Batch::new(size, spec.n);
        if batched(spec) { batch.without_lists() } else { batch }
    }
}

/// The loss of the model on `batch`,
///
///   L = 1/(B·n) Σ_s Σ_i I_i (x'_si − t_si)²,
///
/// and, if `grad` is given, its gradient (overwritten; the same layout as the
/// parameters). Runs the AVX2 build of the kernels when the CPU has it; the
/// results are the same bits either way.
pub fn loss_and_grad(
    spec: &Spec,
    params: &[f32],
    importance: &[f32],
    batch: &Batch,
    ws: &mut Workspace,
    grad: Option<&mut [f32]>,
) -> f64 {
    dispatch::<true>(spec, params, importance, batch, ws, grad)
}

/// The gradient of the loss alone, overwriting `grad`: the same bits as
/// [`loss_and_grad`]'s gradient, without the pass that sums the loss (the
/// training loop never reads it).
pub fn gradient(
    spec: &Spec,
    params: &[f32],
    importance: &[f32],
    batch: &Batch,
    ws: &mut Workspace,
    grad: &mut [f32],
) {
    dispatch::<false>(spec, params, importance, batch, ws, Some(grad));
}

/// Check the sizes, then run the kernel built for the CPU. `LOSS` says
/// whether to sum the loss (without it the result is 0).
fn dispatch<const LOSS: bool>(
    spec: &Spec,
    params: &[f32],
    importance: &[f32],
    batch: &Batch,
    ws: &mut Workspace,
    grad: Option<&mut [f32]>,
) -> f64 {
    assert_eq!(params.len(), spec.param_count(), "parameter vector of another model");
    assert_eq!(importance.len(), spec.n, "one importance per feature");
    assert_eq!(batch.n, spec.n, "a batch of another model");
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { dispatch_avx2::<LOSS>(spec, params, importance, batch, ws, grad) };
    }
    kernel::<Portable, LOSS>(spec, params, importance, batch, ws, grad)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dispatch_avx2<const LOSS: bool>(
    spec: &Spec,
    params: &[f32],
    importance: &[f32],
    batch: &Batch,
    ws: &mut Workspace,
    grad: Option<&mut [f32]>,
) -> f64 {
    kernel::<Avx2, LOSS>(spec, params, importance, batch, ws, grad)
}

#[inline(always)]
fn kernel<D: Dot, const LOSS: bool>(
    spec: &Spec,
    params: &[f32],
    importance: &[f32],
    batch: &Batch,
    ws: &mut Workspace,
    grad: Option<&mut [f32]>,
) -> f64 {
    match ws {
        Workspace::Batched(ws) => {
            super::batched::loss_and_grad::<D, LOSS>(spec, params, importance, batch, ws, grad)
        }
        Workspace::PerSample(ws) => {
            super::per_sample::loss_and_grad::<D, LOSS>(spec, params, importance, batch, ws, grad)
        }
    }
}

/// Random parameters for tests: weights and biases of both signs.
pub fn random_params(spec: &Spec, rng: &mut ChaCha8Rng) -> Vec<f32> {
    (0..spec.param_count()).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    const KINDS: [Kind; 4] = Kind::ALL;

    fn both_workspaces(spec: &Spec, batch: usize) -> [Workspace; 2] {
        [Workspace::Batched(Batched::new(spec, batch)), Workspace::PerSample(PerSample::new(spec))]
    }

    /// Central finite differences of the loss against the backward pass, for
    /// every parameter of a small model of each kind, with both kernels and
    /// with dense and sparse samples (which take different paths).
    #[test]
    fn gradients_match_finite_differences() {
        for (k, kind) in KINDS.into_iter().enumerate() {
            for density in [1.0, 0.3, 0.1] {
                let spec = Spec::new(kind, 9, 3);
                let mut rng = stream(10, k as u64);
                let params = random_params(&spec, &mut rng);
                let importance: Vec<f32> = (0..9).map(|i| 0.8f32.powi(i)).collect();
                let mut batch = Batch::new(16, 9);
                batch.fill(density, kind.signed(), &mut rng);
                for mut ws in both_workspaces(&spec, 16) {
                    let mut grad = vec![0.0; spec.param_count()];
                    loss_and_grad(&spec, &params, &importance, &batch, &mut ws, Some(&mut grad));
                    let eps = 1e-3;
                    let mut worst = 0.0f64;
                    for q in 0..params.len() {
                        let mut plus = params.clone();
                        plus[q] += eps;
                        let mut minus = params.clone();
                        minus[q] -= eps;
                        let lp = loss_and_grad(&spec, &plus, &importance, &batch, &mut ws, None);
                        let lm = loss_and_grad(&spec, &minus, &importance, &batch, &mut ws, None);
                        let numeric = (lp - lm) / (2.0 * eps as f64);
                        let scale = numeric.abs().max(grad[q].abs() as f64);
                        worst = worst.max((numeric - grad[q] as f64).abs() / (1e-3 + scale));
                    }
                    let name = if matches!(ws, Workspace::Batched(_)) { "batched" } else { "per-sample" };
                    assert!(
                        worst < 2e-2,
                        "{kind:?}, {name}, density {density}: worst relative error {worst:.2e}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_two_kernels_agree() {
        for (k, kind) in KINDS.into_iter().enumerate() {
            let spec = Spec::new(kind, 6, 4);
            let mut rng = stream(12, k as u64);
            let params = random_params(&spec, &mut rng);
            let mut batch = Batch::new(64, 6);
            batch.fill(0.4, kind.signed(), &mut rng);
            let [mut a, mut b] = both_workspaces(&spec, 64);
            let (mut ga, mut gb) = (vec![0.0; spec.param_count()], vec![0.0; spec.param_count()]);
            let la = loss_and_grad(&spec, &params, &[1.0; 6], &batch, &mut a, Some(&mut ga));
            let lb = loss_and_grad(&spec, &params, &[1.0; 6], &batch, &mut b, Some(&mut gb));
            assert!((la - lb).abs() <= 1e-6 * la.abs(), "{kind:?}: {la} vs {lb}");
            for (x, y) in ga.iter().zip(&gb) {
                assert!((x - y).abs() <= 1e-5 * (1.0 + x.abs()), "{kind:?}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn the_gradient_alone_is_the_same_bits() {
        for (k, kind) in KINDS.into_iter().enumerate() {
            for (n, m) in [(6, 4), (30, 7)] {
                let spec = Spec::new(kind, n, m);
                let mut rng = stream(13, k as u64);
                let params = random_params(&spec, &mut rng);
                let importance: Vec<f32> = (0..n).map(|i| 0.9f32.powi(i as i32)).collect();
                let mut batch = Workspace::batch_for(&spec, 64);
                batch.fill(0.3, kind.signed(), &mut rng);
                let mut ws = Workspace::new(&spec, 64);
                let (mut ga, mut gb) = (vec![0.0; spec.param_count()], vec![0.0; spec.param_count()]);
                loss_and_grad(&spec, &params, &importance, &batch, &mut ws, Some(&mut ga));
                gradient(&spec, &params, &importance, &batch, &mut ws, &mut gb);
                let bits = |g: &[f32]| g.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&ga), bits(&gb), "{kind:?}, n = {n}");
            }
        }
    }

    #[test]
    fn a_perfect_linear_model_has_zero_loss() {
        // n = m, W = identity, b = 0 reproduces x exactly.
        let spec = Spec::new(Kind::Linear, 4, 4);
        let mut params = vec![0.0; spec.param_count()];
        for i in 0..4 {
            params[i * 4 + i] = 1.0;
        }
        let mut batch = Batch::new(32, 4);
        batch.fill(0.5, false, &mut stream(11, 0));
        for mut ws in both_workspaces(&spec, 32) {
            assert_eq!(loss_and_grad(&spec, &params, &[1.0; 4], &batch, &mut ws, None), 0.0);
        }
    }
}
