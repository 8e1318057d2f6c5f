//! The toy models' loss and hand-written gradient, as they run: each call
//! goes to the batched kernel ([`super::batched`]) for small models and to
//! the per-sample kernel ([`super::per_sample`]) for larger ones, with AVX2
//! dot products where the processor has them. The model itself is defined
//! in [`super::spec`]; [`super::reference`] is the same loss written to be
//! read.
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::batched::Batched;
use super::data::Batch;
use super::per_sample::PerSample;
pub use super::spec::{Init, Kind, Params, Spec};
#[cfg(target_arch = "x86_64")]
use crate::simd::Avx2;
use crate::simd::{Dot, Portable};

/// Models up to this many weights (N·d) are trained with the batched kernel,
/// larger ones one sample at a time (where the weights stay in the L1 cache).
/// Measured with `cargo run --release --example bench`.
pub const BATCHED_MAX_WEIGHTS: usize = 128;

fn batched(spec: &Spec) -> bool {
    spec.n * spec.d <= BATCHED_MAX_WEIGHTS
}

/// Scratch space for one model's loss and gradient, allocated once.
#[derive(Debug, Clone)]
pub enum Workspace {
    Batched(Batched),
    PerSample(Box<PerSample>),
}

impl Workspace {
    /// The workspace of the kernel that suits the model's size.
    pub fn new(spec: &Spec, batch: usize) -> Self {
        if batched(spec) {
            Workspace::Batched(Batched::new(spec, batch))
        } else {
            Workspace::PerSample(Box::new(PerSample::new(spec)))
        }
    }

    /// The batched kernel's workspace, whatever the model's size (for the
    /// benchmark that measures what each kernel buys).
    pub fn batched(spec: &Spec, batch: usize) -> Self {
        Workspace::Batched(Batched::new(spec, batch))
    }

    /// The per-sample kernel's workspace, whatever the model's size.
    pub fn per_sample(spec: &Spec) -> Self {
        Workspace::PerSample(Box::new(PerSample::new(spec)))
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
///   L = 1/(B·N) Σ_s Σ_i I_i (x'_si − t_si)²,
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

/// [`gradient`] without AVX2, as it runs on a processor that lacks it: the
/// same bits (a test checks), for the benchmark that measures what the
/// vector instructions buy.
pub fn gradient_portable(
    spec: &Spec,
    params: &[f32],
    importance: &[f32],
    batch: &Batch,
    ws: &mut Workspace,
    grad: &mut [f32],
) {
    kernel::<Portable, false>(spec, params, importance, batch, ws, Some(grad));
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
        [Workspace::batched(spec, batch), Workspace::per_sample(spec)]
    }

    /// A model of `kind` with N features in d dimensions and random
    /// parameters, importances `decay^i`, and a batch of `size` samples at
    /// `density`, all from stream (`seed`, `k`).
    fn problem(
        kind: Kind,
        (n, d): (usize, usize),
        decay: f32,
        size: usize,
        density: f32,
        (seed, k): (u64, u64),
    ) -> (Spec, Vec<f32>, Vec<f32>, Batch) {
        let spec = Spec::new(kind, n, d);
        let mut rng = stream(seed, k);
        let params = random_params(&spec, &mut rng);
        let importance: Vec<f32> = (0..n).map(|i| decay.powi(i as i32)).collect();
        let mut batch = Batch::new(size, n);
        batch.fill(density, kind.signed(), &mut rng);
        (spec, params, importance, batch)
    }

    /// A gradient's bits, for comparisons that must be exact.
    fn bits(g: &[f32]) -> Vec<u32> {
        g.iter().map(|x| x.to_bits()).collect()
    }

    /// Central finite differences of the loss against the backward pass, for
    /// every parameter of a small model of each kind, with both kernels and
    /// with dense and sparse samples (which take different paths).
    #[test]
    fn gradients_match_finite_differences() {
        for (k, kind) in KINDS.into_iter().enumerate() {
            for density in [1.0, 0.3, 0.1] {
                let (spec, params, importance, batch) =
                    problem(kind, (9, 3), 0.8, 16, density, (10, k as u64));
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
            for (n, d) in [(6, 4), (30, 7)] {
                let spec = Spec::new(kind, n, d);
                let mut rng = stream(13, k as u64);
                let params = random_params(&spec, &mut rng);
                let importance: Vec<f32> = (0..n).map(|i| 0.9f32.powi(i as i32)).collect();
                let mut batch = Workspace::batch_for(&spec, 64);
                batch.fill(0.3, kind.signed(), &mut rng);
                let mut ws = Workspace::new(&spec, 64);
                let (mut ga, mut gb) = (vec![0.0; spec.param_count()], vec![0.0; spec.param_count()]);
                loss_and_grad(&spec, &params, &importance, &batch, &mut ws, Some(&mut ga));
                gradient(&spec, &params, &importance, &batch, &mut ws, &mut gb);
                assert_eq!(bits(&ga), bits(&gb), "{kind:?}, n = {n}");
            }
        }
    }

    /// The promise of the same bytes on any x86 processor: the gradient with
    /// AVX2 (where this machine has it) and without are the same bits, for
    /// both kernels, every kind, dense and sparse samples.
    #[test]
    fn with_and_without_avx2_the_same_bits() {
        for (k, kind) in KINDS.into_iter().enumerate() {
            for density in [0.6, 0.05] {
                let (spec, params, importance, batch) =
                    problem(kind, (37, 11), 0.9, 64, density, (14, k as u64));
                for mut ws in both_workspaces(&spec, 64) {
                    let (mut ga, mut gb) = (vec![0.0; spec.param_count()], vec![0.0; spec.param_count()]);
                    gradient(&spec, &params, &importance, &batch, &mut ws, &mut ga);
                    gradient_portable(&spec, &params, &importance, &batch, &mut ws, &mut gb);
                    assert_eq!(bits(&ga), bits(&gb), "{kind:?}, density {density}");
                }
            }
        }
    }

    #[test]
    fn a_perfect_linear_model_has_zero_loss() {
        // N = d, W = identity, b = 0 reproduces x exactly.
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
