//! The toy models' definition: which model ([`Kind`]), its sizes ([`Spec`])
//! and its initial weights ([`Init`]).
//!
//! All four models share one shape: a hidden layer of d < n dimensions,
//!
//!   h  = W_in x            (optionally ReLU(W_in x)),
//!   x' = W_outᵀ h + b      (optionally ReLU(W_outᵀ h + b)),
//!
//! with W_out = W_in = W for the *tied* models of Elhage et al. (2022), and
//! the importance-weighted squared error of the reference notebook,
//!
//!   L = 1/(B·N) Σ_s Σ_i I_i (x'_si − t_si)²,
//!
//! averaged over the batch and the features (the target t is x, or |x| for
//! the absolute-value model). W_in and W_out are stored as d × N row-major
//! matrices, the paper's layout: column i of W is the direction W_i of
//! feature i, row j holds neuron j's weights.

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

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

/// A model's kind and size: N features, d hidden dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    pub kind: Kind,
    pub n: usize,
    pub d: usize,
}

/// Borrowed views of the parameters in their flat vector
/// `[W_in (d×n) | W_out (d×n), untied only | b (n)]`.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a> {
    pub w_in: &'a [f32],
    pub w_out: &'a [f32],
    pub b: &'a [f32],
}

impl Spec {
    pub fn new(kind: Kind, n: usize, d: usize) -> Self {
        Spec { kind, n, d }
    }

    pub(crate) fn weights_len(&self) -> usize {
        self.d * self.n * if self.kind.tied() { 1 } else { 2 }
    }

    /// Where W_out starts in the flat vector (0 when tied: it *is* W_in).
    pub(crate) fn w_out_offset(&self) -> usize {
        if self.kind.tied() { 0 } else { self.d * self.n }
    }

    /// The number of parameters in the flat vector.
    pub fn param_count(&self) -> usize {
        self.weights_len() + self.n
    }

    pub fn split<'a>(&self, params: &'a [f32]) -> Params<'a> {
        let dn = self.d * self.n;
        let out = self.w_out_offset();
        Params {
            w_in: &params[..dn],
            w_out: &params[out..out + dn],
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
    /// Xavier-normal weights, N(0, 2/(fan_in + fan_out)) = N(0, 2/(n + d))
    /// with the fans of the d × N matrix itself, and a zero bias. (The
    /// reference notebook applies PyTorch's `xavier_normal_` to a 3-D
    /// instances × n × d tensor, whose fans come out as N·d and instances·d.)
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
            Init::Xavier => (2.0 / (spec.n + spec.d) as f32).sqrt(),
            Init::Small { sd } => sd,
        }
    }
}
