//! What each trick of the appendix "How the code is made fast" buys on its
//! own: the same computation timed without the trick and with it, all else
//! equal (the same model, batch, kernel and processor).

use std::hint::black_box;
use std::time::Instant;

use ndarray::Array2;
use superposition::output::{grouped, markdown_table};
use superposition::packing::{DEMO_BLOCK, demo_loss_grad, demo_loss_grad_reference, random_unit_rows};
use superposition::sae::data::{Batch as SaeBatch, GroundTruth, TruthConfig};
use superposition::sae::model::{
    Activation, Sae, SaeSpec, Workspace as SaeWorkspace, backward_with, forward,
};
use superposition::toy::data::Batch;
use superposition::toy::model::{Workspace, gradient, gradient_portable, random_params};
use superposition::toy::{Init, Job, Kind, Spec, TrainConfig, train};
use superposition::{jl, parallel, rng};

use super::kernels::micros;

const BATCH: usize = 1024;

/// One row: a trick, what was timed, and the microseconds without and with it.
struct Row {
    trick: &'static str,
    timed: String,
    without: f64,
    with: f64,
}

/// Microseconds per call, the best of three calls (for calls of a second or more).
fn best_of_three(mut f: impl FnMut()) -> f64 {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e6
        })
        .fold(f64::INFINITY, f64::min)
}

/// A toy model with random parameters and a batch drawn at `density`.
struct Toy {
    spec: Spec,
    params: Vec<f32>,
    importance: Vec<f32>,
    batch: Batch,
    grad: Vec<f32>,
}

fn toy(kind: Kind, n: usize, d: usize, density: f32) -> Toy {
    let spec = Spec::new(kind, n, d);
    let mut rng = rng::stream(rng::DEFAULT_SEED, 78);
    let params = random_params(&spec, &mut rng);
    let importance = (0..n).map(|i| 0.9f32.powi(i as i32)).collect();
    let mut batch = Batch::new(BATCH, n); // with the lists, which either kernel accepts
    batch.fill(density, kind.signed(), &mut rng);
    let grad = vec![0.0; spec.param_count()];
    Toy { spec, params, importance, batch, grad }
}

/// The gradient with the workspace `ws`, in µs.
fn toy_gradient(seconds: f64, t: &mut Toy, mut ws: Workspace, portable: bool) -> f64 {
    let Toy { spec, params, importance, batch, grad } = t;
    let step = if portable { gradient_portable } else { gradient };
    micros(seconds, || step(spec, params, importance, batch, &mut ws, grad))
}

fn gaps(seconds: f64) -> Row {
    let (n, density) = (100, 0.01);
    let mut rng = rng::stream(rng::DEFAULT_SEED, 79);
    let mut batch = Batch::new(BATCH, n);
    let without = micros(seconds, || batch.draw_each(density, false, &mut rng));
    let with = micros(seconds, || batch.fill(density, false, &mut rng));
    Row {
        trick: "geometric gaps",
        timed: format!("drawing a batch, N = {n}, p = {density}: a coin per feature → the gaps"),
        without,
        with,
    }
}

fn kernels(seconds: f64) -> [Row; 2] {
    let mut small = toy(Kind::ReluOutput, 5, 2, 0.1);
    let spec = small.spec;
    let per_sample = toy_gradient(seconds, &mut small, Workspace::per_sample(&spec), false);
    let batched = toy_gradient(seconds, &mut small, Workspace::batched(&spec, BATCH), false);
    let mut large = toy(Kind::ReluOutput, 100, 10, 0.01);
    let spec = large.spec;
    let batched_large = toy_gradient(seconds, &mut large, Workspace::batched(&spec, BATCH), false);
    let per_sample_large = toy_gradient(seconds, &mut large, Workspace::per_sample(&spec), false);
    [
        Row {
            trick: "the batch as the long dimension",
            timed: "a gradient, N = 5, d = 2, p = 0.1: one sample at a time → batched".into(),
            without: per_sample,
            with: batched,
        },
        Row {
            trick: "a sample at a time over its present features",
            timed: "a gradient, N = 100, d = 10, p = 0.01: batched → one sample at a time".into(),
            without: batched_large,
            with: per_sample_large,
        },
    ]
}

fn vector_sums(seconds: f64) -> [Row; 2] {
    let mut small = toy(Kind::ReluOutput, 5, 2, 0.1);
    let mut large = toy(Kind::AbsValue, 100, 40, 0.03);
    let row = |t: &mut Toy, what: &str| {
        let ws = Workspace::new(&t.spec, BATCH);
        let without = toy_gradient(seconds, t, ws.clone(), true);
        let with = toy_gradient(seconds, t, ws, false);
        Row {
            trick: "fixed-order sums with AVX2 (eight lanes, four chains, register blocks)",
            timed: what.into(),
            without,
            with,
        }
    };
    [
        row(&mut small, "a gradient, N = 5, d = 2, p = 0.1: without AVX2 → with"),
        row(&mut large, "a gradient, absolute value, N = 100, d = 40, p = 0.03: without AVX2 → with"),
    ]
}

fn active_latents(seconds: f64) -> Row {
    let (d, m, k, b) = (64, 256, 5, 256);
    let mut rng = rng::stream(rng::DEFAULT_SEED, 80);
    let truth = GroundTruth::new(
        TruthConfig { d, n: 128, mean_active: 5.0, decay: 0.99, pair_correlation: 0.0 },
        &mut rng,
    );
    let spec = SaeSpec { d, m, activation: Activation::TopK(k), l1: 0.0 };
    let sae = Sae::new(spec, &mut rng);
    let mut batch = SaeBatch::new(b, d);
    truth.sample(&mut batch, &mut rng);
    let (mut ws, mut grad) = (SaeWorkspace::new(&spec, b), vec![0.0; spec.layout().len]);
    let mut step = |dense: bool| {
        micros(seconds, || {
            forward(&sae, &batch.x, &mut ws);
            backward_with(&sae, &batch.x, &mut ws, &mut grad, dense);
        })
    };
    let (without, with) = (step(true), step(false));
    Row {
        trick: "only the active latents",
        timed: format!(
            "an SAE's forward and backward pass, d = {d}, M = {m}, TopK k = {k}, batch {b}: \
             dense matrix products → the lists of active latents"
        ),
        without,
        with,
    }
}

fn gram_blocks() -> Row {
    let (n, d, cutoff) = (10_000, 100, 0.01f32);
    let v = random_unit_rows(n, d, &mut rng::stream(rng::DEFAULT_SEED, 81));
    let without = best_of_three(|| {
        black_box(demo_loss_grad_reference(&v, cutoff));
    });
    let (mut grad, mut work) = (Array2::zeros((n, d)), Array2::zeros((DEMO_BLOCK, DEMO_BLOCK)));
    let with = best_of_three(|| {
        black_box(demo_loss_grad(v.view(), cutoff, &mut grad, &mut work));
    });
    Row {
        trick: "the Gram matrix one block at a time",
        timed: format!(
            "the demonstration's loss and gradient, N = {}, d = {d}: whole N × N matrices (the reference) \
             → blocks on and above the diagonal",
            grouped(n as u64)
        ),
        without,
        with,
    }
}

fn one_pass() -> Row {
    let (points, dim, kmax, eps) = (300, 1000, 200, 0.5);
    let mut rng = rng::stream(rng::DEFAULT_SEED, 82);
    let x = jl::projection_matrix(jl::Method::Gaussian, points, dim, &mut rng);
    let r = jl::projection_matrix(jl::Method::Gaussian, dim, kmax, &mut rng);
    let outside = |ratios: Vec<f64>| ratios.into_iter().any(|q| (q - 1.0).abs() > eps);
    let without = best_of_three(|| {
        let last = (1..=kmax).filter(|&k| outside(jl::distance_ratios(x.view(), r.view(), k))).max();
        black_box(last);
    });
    let with = best_of_three(|| {
        let (x32, y) = (x.mapv(|v| v as f32), x.dot(&r).mapv(|v| v as f32));
        let grid: Vec<usize> = (32..=kmax)
            .step_by(32)
            .chain([kmax])
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let plan = jl::scan::Plan { grid, eps: vec![eps], hists: vec![] };
        black_box(jl::scan::scan(x32.view(), &[y.view()], &plan));
    });
    Row {
        trick: "every pair at every k, in blocks",
        timed: format!(
            "the last k ≤ {kmax} with a pair outside 1 ± {eps}, {points} points in {} dimensions: \
             a projection per k (the chapter's listing) → the blocked scan",
            grouped(dim as u64)
        ),
        without,
        with,
    }
}

fn threads() -> Row {
    let jobs: Vec<Job> = (0..8)
        .map(|k| Job {
            spec: Spec::new(Kind::ReluOutput, 20, 5),
            density: 0.1,
            importance: (0..20).map(|i| 0.9f32.powi(i)).collect(),
            init: Init::Xavier,
            stream: k,
        })
        .collect();
    let config = TrainConfig { steps: 500, eval_samples: 1, ..TrainConfig::default() };
    let on = |threads: usize| {
        best_of_three(|| {
            black_box(parallel::map_on(threads, &jobs, |job| train::train_one(job, &config, 1, |_| {})));
        })
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Row {
        trick: "one thread per model",
        timed: format!(
            "training {} models (N = 20, d = 5, {} steps each): 1 thread → {cores}",
            jobs.len(),
            config.steps
        ),
        without: on(1),
        with: on(cores),
    }
}

fn no_allocation(seconds: f64) -> Row {
    let mut t = toy(Kind::ReluOutput, 5, 2, 0.1);
    let spec = t.spec;
    let mut rng = rng::stream(rng::DEFAULT_SEED, 83);
    let without = micros(seconds, || {
        let (mut batch, mut ws) = (Workspace::batch_for(&spec, BATCH), Workspace::new(&spec, BATCH));
        let mut grad = vec![0.0; spec.param_count()];
        batch.fill(0.1, false, &mut rng);
        gradient(&spec, &t.params, &t.importance, &batch, &mut ws, &mut grad);
        black_box(&grad);
    });
    let (mut batch, mut ws) = (Workspace::batch_for(&spec, BATCH), Workspace::new(&spec, BATCH));
    let with = micros(seconds, || {
        batch.fill(0.1, false, &mut rng);
        gradient(&spec, &t.params, &t.importance, &batch, &mut ws, &mut t.grad);
    });
    Row {
        trick: "no allocation in the loop",
        timed: "a training step's batch and gradient, N = 5, d = 2: new buffers → reused".into(),
        without,
        with,
    }
}

/// Measure every trick, print each, and return the Markdown table.
pub fn measure(seconds: f64) -> String {
    let mut rows = vec![gaps(seconds)];
    rows.extend(kernels(seconds));
    rows.push(active_latents(seconds));
    rows.push(gram_blocks());
    rows.push(one_pass());
    rows.extend(vector_sums(seconds));
    rows.push(threads());
    rows.push(no_allocation(seconds));
    // A no-break space keeps each number with its unit in a narrow column.
    let us = |t: f64| match t {
        t if t >= 1e6 => format!("{:.2}\u{a0}s", t / 1e6),
        t if t >= 1e3 => format!("{:.1}\u{a0}ms", t / 1e3),
        t => format!("{t:.1}\u{a0}µs"),
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            println!(
                "{}: {}: {} → {} ({:.1}×)",
                r.trick,
                r.timed,
                us(r.without),
                us(r.with),
                r.without / r.with
            );
            let faster = format!("{:.1}×", r.without / r.with);
            vec![r.trick.to_string(), r.timed.clone(), us(r.without), us(r.with), faster]
        })
        .collect();
    let header = ["trick", "what is timed", "without", "with", "faster"];
    let table = markdown_table(&header, &[false, false, true, true, true], &cells);
    format!(
        "{table}\nEach trick alone, measured with `cargo run --release --example bench -- --kernels` on {}.\n",
        super::kernels::cpu()
    )
}
