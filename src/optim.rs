//! Adam and AdamW, over a flat slice of parameters.
//!
//! Adam (Kingma & Ba, 2015) keeps two running averages per parameter, of the
//! gradient and of its square, and scales each step by their ratio:
//!
//!   m_t = β₁ m_{t−1} + (1 − β₁) g_t
//!   v_t = β₂ v_{t−1} + (1 − β₂) g_t²
//!   m̂_t = m_t / (1 − β₁ᵗ),  v̂_t = v_t / (1 − β₂ᵗ)      (bias correction)
//!   θ_t = θ_{t−1} − η_t m̂_t / (√v̂_t + ε)
//!
//! so every parameter moves by about η_t per step, whatever the scale of its
//! gradient. AdamW (Loshchilov & Hutter, 2019) adds *decoupled* weight decay:
//! the parameter shrinks by the factor 1 − η_t λ before the Adam step,
//!
//!   θ_t = (1 − η_t λ) θ_{t−1} − η_t m̂_t / (√v̂_t + ε),
//!
//! instead of adding λθ to the gradient (L2 regularisation), which Adam's
//! rescaling would distort. This is PyTorch's `torch.optim.AdamW` (and
//! `torch.optim.Adam` when λ = 0), step for step.
//!
//! The optimiser knows nothing about the model: parameters and gradients are
//! flat `f32` slices of the same length, so the toy models of Chapter 4 and the
//! sparse autoencoders of Chapter 5 pass their weight matrices as
//! `as_slice_mut()`. A step allocates nothing.

use ndarray::Array1;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// How the learning rate η_t changes over the run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    /// η_t = η.
    Constant,
    /// Cosine decay from η to `floor`·η over `steps` steps, then flat:
    /// η_t = η (f + (1 − f) ½ (1 + cos(π min(t, T)/T))), with t = 0 for the first step.
    Cosine { steps: usize, floor: f32 },
    /// A linear warm-up over the first `steps` steps, then constant:
    /// η_t = η min(1, (t + 1)/T).
    Warmup { steps: usize },
    /// The warm-up, then cosine decay (as nanoGPT trains): the product of the
    /// two factors above, η_t = η min(1, (t + 1)/W) (f + (1 − f) ½ (1 + cos(π min(t, T)/T))).
    WarmupCosine { warmup: usize, steps: usize, floor: f32 },
}

impl Schedule {
    /// The factor η_t / η for the step with index `t` (0 for the first step).
    pub fn factor(&self, t: u64) -> f32 {
        match *self {
            Schedule::Constant => 1.0,
            Schedule::Cosine { steps, floor } => {
                let progress = (t as f64 / steps.max(1) as f64).min(1.0);
                let cosine = 0.5 * (1.0 + (PI * progress).cos());
                (floor as f64 + (1.0 - floor as f64) * cosine) as f32
            }
            Schedule::Warmup { steps } => ((t + 1) as f64 / steps.max(1) as f64).min(1.0) as f32,
            Schedule::WarmupCosine { warmup, steps, floor } => {
                Schedule::Warmup { steps: warmup }.factor(t) * Schedule::Cosine { steps, floor }.factor(t)
            }
        }
    }
}

/// The hyper-parameters of Adam / AdamW.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdamConfig {
    /// The base learning rate η.
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    /// Decoupled weight decay λ (0 for plain Adam).
    pub weight_decay: f32,
    pub schedule: Schedule,
}

impl AdamConfig {
    /// Adam with the usual β₁ = 0.9, β₂ = 0.999, ε = 1e−8 and a constant rate.
    pub fn adam(lr: f32) -> Self {
        AdamConfig {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            schedule: Schedule::Constant,
        }
    }

    /// AdamW: Adam with decoupled weight decay λ.
    pub fn adamw(lr: f32, weight_decay: f32) -> Self {
        AdamConfig { weight_decay, ..AdamConfig::adam(lr) }
    }

    /// The same optimiser with a learning-rate schedule.
    pub fn with_schedule(self, schedule: Schedule) -> Self {
        AdamConfig { schedule, ..self }
    }
}

/// The state of Adam for one flat parameter vector: the two moment estimates
/// and the number of steps taken.
#[derive(Debug, Clone)]
pub struct Adam {
    pub config: AdamConfig,
    m: Vec<f32>,
    v: Vec<f32>,
    t: u64,
}

impl Adam {
    /// A fresh optimiser for `len` parameters (moments start at zero).
    pub fn new(config: AdamConfig, len: usize) -> Self {
        Adam { config, m: vec![0.0; len], v: vec![0.0; len], t: 0 }
    }

    /// The number of steps taken so far.
    pub fn steps_taken(&self) -> u64 {
        self.t
    }

    /// The learning rate η_t the next step will use.
    pub fn current_lr(&self) -> f32 {
        self.config.lr * self.config.schedule.factor(self.t)
    }

    /// Forget the moments and the step count (for a restart).
    pub fn reset(&mut self) {
        self.m.fill(0.0);
        self.v.fill(0.0);
        self.t = 0;
    }

    /// Forget the moments of the parameters in `range` (after they were
    /// re-initialised, e.g. a resampled latent of a sparse autoencoder).
    pub fn reset_range(&mut self, range: std::ops::Range<usize>) {
        self.m[range.clone()].fill(0.0);
        self.v[range].fill(0.0);
    }

    /// One step: update the moments with `grads` and move `params`.
    // ANCHOR: adam_step
    #[inline(always)]
    pub fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        assert_eq!(params.len(), self.m.len(), "parameter count changed");
        assert_eq!(grads.len(), self.m.len(), "one gradient per parameter");
        let AdamConfig { beta1, beta2, eps, weight_decay, .. } = self.config;
        let lr = self.current_lr();
        self.t += 1;
        // Bias corrections 1 − βᵗ, in f64 so that β₂ᵗ stays accurate for long runs.
        let correction1 = (1.0 - (beta1 as f64).powf(self.t as f64)) as f32;
        let correction2 = (1.0 - (beta2 as f64).powf(self.t as f64)) as f32;
        let step_size = lr / correction1; // η / (1 − β₁ᵗ)
        let root_correction2 = correction2.sqrt(); // √(1 − β₂ᵗ)
        let shrink = 1.0 - lr * weight_decay; // decoupled decay: θ ← (1 − ηλ) θ
        for ((theta, &g), (m, v)) in
            params.iter_mut().zip(grads).zip(self.m.iter_mut().zip(self.v.iter_mut()))
        {
            *m = beta1 * *m + (1.0 - beta1) * g;
            *v = beta2 * *v + (1.0 - beta2) * g * g;
            // m̂ / (√v̂ + ε) = (m / (1 − β₁ᵗ)) / (√v / √(1 − β₂ᵗ) + ε)
            let denom = v.sqrt() / root_correction2 + eps;
            *theta = *theta * shrink - step_size * *m / denom;
        }
    }
    // ANCHOR_END: adam_step
}

/// A vector of single-precision numbers.
pub type Vector = Array1<f32>;

/// The state of [`adamw_step`]: the two moment estimates and the number of
/// steps taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    pub m: Array1<f32>,
    pub v: Array1<f32>,
    pub t: i32,
}

impl Moments {
    pub fn new(len: usize) -> Self {
        Moments { m: Array1::zeros(len), v: Array1::zeros(len), t: 0 }
    }
}

// ANCHOR: adamw_reference
/// One AdamW step written to be read, one formula per line: what
/// [`Adam::step`] computes, without its loop over a flat slice.
pub fn adamw_step(theta: &mut Vector, g: &Vector, s: &mut Moments, c: &AdamConfig) {
    let lr = c.lr * c.schedule.factor(s.t as u64); // η_t
    s.t += 1;
    s.m = c.beta1 * &s.m + (1.0 - c.beta1) * g; // m_t
    s.v = c.beta2 * &s.v + (1.0 - c.beta2) * (g * g); // v_t
    let m_hat = &s.m / (1.0 - c.beta1.powi(s.t)); // bias corrections
    let v_hat = &s.v / (1.0 - c.beta2.powi(s.t));
    *theta *= 1.0 - lr * c.weight_decay; // decoupled weight decay
    *theta -= &(lr * m_hat / (v_hat.mapv(f32::sqrt) + c.eps));
}
// ANCHOR_END: adamw_reference

/// The minimiser of a unimodal f on [lo, hi] by golden-section search,
/// down to an interval of width `tol`.
pub fn golden_section(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64, tol: f64) -> f64 {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut x1 = hi - ratio * (hi - lo);
    let mut x2 = lo + ratio * (hi - lo);
    let (mut f1, mut f2) = (f(x1), f(x2));
    while hi - lo > tol {
        if f1 <= f2 {
            hi = x2;
            (x2, f2) = (x1, f1);
            x1 = hi - ratio * (hi - lo);
            f1 = f(x1);
        } else {
            lo = x1;
            (x1, f1) = (x2, f2);
            x2 = lo + ratio * (hi - lo);
            f2 = f(x2);
        }
    }
    (lo + hi) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// The flat-slice optimiser the trainers run against the reference
    /// step, over 3000 steps of random gradients (of scales from 1e-3 to
    /// 10), with weight decay and each schedule.
    #[test]
    fn the_fast_step_is_the_reference_step() {
        use rand::Rng;
        let schedules = [
            Schedule::Constant,
            Schedule::Warmup { steps: 100 },
            Schedule::Cosine { steps: 2000, floor: 0.1 },
        ];
        for schedule in schedules {
            let config = AdamConfig::adamw(1e-2, 0.05).with_schedule(schedule);
            let mut rng = crate::rng::stream(60, 0);
            let start: Vec<f32> = (0..40).map(|_| rng.random::<f32>() - 0.5).collect();
            let (mut fast, mut reference) = (start.clone(), Array1::from(start));
            let (mut adam, mut moments) = (Adam::new(config, 40), Moments::new(40));
            for _ in 0..3000 {
                let g: Vec<f32> =
                    (0..40).map(|i| (rng.random::<f32>() - 0.3) * 10f32.powi(i % 5 - 3)).collect();
                adam.step(&mut fast, &g);
                adamw_step(&mut reference, &Array1::from(g), &mut moments, &config);
            }
            for (a, b) in fast.iter().zip(&reference) {
                assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{schedule:?}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn golden_section_finds_the_minimum() {
        let x = golden_section(|x| (x - 0.3).powi(2) + 1.0, -1.0, 2.0, 1e-9);
        // The objective is flat to rounding within about √ε of the minimum.
        assert!((x - 0.3).abs() < 1e-7, "{x}");
    }

    #[test]
    fn minimises_a_quadratic() {
        // f(x) = Σ a_i (x_i − c_i)², with curvatures a_i spread over four
        // orders of magnitude: Adam's per-coordinate scaling handles them all.
        let a = [1e-2f32, 1.0, 10.0, 100.0];
        let c = [1.0f32, -2.0, 0.5, 3.0];
        let mut x = [0.0f32; 4];
        let mut g = [0.0f32; 4];
        let steps = 3000;
        let config = AdamConfig::adam(0.05).with_schedule(Schedule::Cosine { steps, floor: 0.0 });
        let mut adam = Adam::new(config, 4);
        for _ in 0..steps {
            for i in 0..4 {
                g[i] = 2.0 * a[i] * (x[i] - c[i]);
            }
            adam.step(&mut x, &g);
        }
        for i in 0..4 {
            assert!((x[i] - c[i]).abs() < 1e-3, "x = {x:?}, want {c:?}");
        }
        assert_eq!(adam.steps_taken(), steps as u64);
    }

    #[test]
    fn two_steps_match_a_hand_computation() {
        // η = 0.1, θ₀ = 1, g₁ = 0.5, g₂ = −1:
        // m₁ = 0.05, v₁ = 0.00025, m̂₁ = 0.5, v̂₁ = 0.25, θ₁ = 1 − 0.1·0.5/(0.5 + 1e−8) = 0.900000002
        // m₂ = 0.9·0.05 − 0.1 = −0.055, v₂ = 0.999·0.00025 + 0.001 = 0.00124975,
        // m̂₂ = −0.055/0.19 = −0.28947368, v̂₂ = 0.00124975/0.001999 = 0.62518759,
        // θ₂ = θ₁ + 0.1·0.28947368/(0.79068805 + 1e−8) = 0.93661035.
        let mut adam = Adam::new(AdamConfig::adam(0.1), 1);
        let mut theta = [1.0f32];
        adam.step(&mut theta, &[0.5]);
        assert_relative_eq!(theta[0], 0.9, max_relative = 1e-7); // 0.900000002 rounds to 0.9 in f32
        adam.step(&mut theta, &[-1.0]);
        assert_relative_eq!(theta[0], 0.936_610_35, max_relative = 1e-6);
    }

    #[test]
    fn first_step_moves_every_parameter_by_the_learning_rate() {
        // m̂₁ = g and v̂₁ = g², so the first step is −η·sign(g), whatever |g| is.
        let mut adam = Adam::new(AdamConfig::adam(0.01), 3);
        let mut theta = [0.0f32; 3];
        adam.step(&mut theta, &[1e-3, -50.0, 7.0]);
        assert_relative_eq!(theta[0], -0.01, max_relative = 1e-4);
        assert_relative_eq!(theta[1], 0.01, max_relative = 1e-6);
        assert_relative_eq!(theta[2], -0.01, max_relative = 1e-6);
    }

    #[test]
    fn weight_decay_is_decoupled() {
        let (lr, wd) = (0.01f32, 0.1f32);
        // With a zero gradient Adam does not move, so AdamW only shrinks: θ(1 − ηλ).
        let mut adamw = Adam::new(AdamConfig::adamw(lr, wd), 2);
        let mut theta = [2.0f32, -3.0];
        adamw.step(&mut theta, &[0.0, 0.0]);
        assert_relative_eq!(theta[0], 2.0 * (1.0 - lr * wd), max_relative = 1e-7);
        assert_relative_eq!(theta[1], -3.0 * (1.0 - lr * wd), max_relative = 1e-7);

        // With a gradient, AdamW = Adam's step minus ηλθ₀, and the decay term
        // does not depend on the gradient's scale (L2 regularisation would:
        // Adam would divide λθ by the gradient's running RMS).
        for scale in [1e-3f32, 1.0, 1e3] {
            let grads = [0.3 * scale, -0.7 * scale];
            let theta0 = [2.0f32, -3.0];
            let (mut plain, mut decayed) = (theta0, theta0);
            Adam::new(AdamConfig::adam(lr), 2).step(&mut plain, &grads);
            Adam::new(AdamConfig::adamw(lr, wd), 2).step(&mut decayed, &grads);
            for i in 0..2 {
                assert_relative_eq!(decayed[i], plain[i] - lr * wd * theta0[i], max_relative = 1e-6);
            }
        }
    }

    #[test]
    fn cosine_schedule_decays_to_the_floor() {
        let w = Schedule::Warmup { steps: 4 };
        assert_eq!([w.factor(0), w.factor(1), w.factor(3), w.factor(50)], [0.25, 0.5, 1.0, 1.0]);
        let s = Schedule::Cosine { steps: 100, floor: 0.1 };
        assert_relative_eq!(s.factor(0), 1.0);
        assert_relative_eq!(s.factor(50), 0.1 + 0.9 * 0.5, max_relative = 1e-6);
        assert_relative_eq!(s.factor(100), 0.1, max_relative = 1e-6);
        assert_relative_eq!(s.factor(1000), 0.1, max_relative = 1e-6);
        assert!(s.factor(25) > s.factor(26));
        // The optimiser uses it: after 100 steps the rate is at the floor.
        let mut adam = Adam::new(AdamConfig::adam(0.5).with_schedule(s), 1);
        let mut x = [0.0f32];
        for _ in 0..100 {
            adam.step(&mut x, &[1.0]);
        }
        assert_relative_eq!(adam.current_lr(), 0.05, max_relative = 1e-6);
        adam.reset();
        assert_eq!(adam.steps_taken(), 0);
        assert_relative_eq!(adam.current_lr(), 0.5);
    }

    #[test]
    fn warmup_cosine_is_the_product_of_its_parts() {
        let both = Schedule::WarmupCosine { warmup: 10, steps: 100, floor: 0.2 };
        let (w, c) = (Schedule::Warmup { steps: 10 }, Schedule::Cosine { steps: 100, floor: 0.2 });
        for t in [0, 4, 9, 10, 50, 99, 100, 500] {
            assert_relative_eq!(both.factor(t), w.factor(t) * c.factor(t), max_relative = 1e-6);
        }
        assert_relative_eq!(both.factor(0), 0.1, max_relative = 1e-5);
        assert_relative_eq!(both.factor(1000), 0.2, max_relative = 1e-6);
    }
}
