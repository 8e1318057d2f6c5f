//! The toy models' reference code (what Chapter 4 shows) against the fast
//! code that trains, on the same model and the same kind of batch: the
//! microseconds for one batch of 1024 samples, drawing it and computing
//! the gradient apart.

use std::hint::black_box;
use std::time::Instant;

use superposition::output::markdown_table;
use superposition::rng;
use superposition::toy::model::{Workspace, gradient, random_params};
use superposition::toy::reference::{self, Model, Vector};
use superposition::toy::{Kind, Spec};

const BATCH: usize = 1024;

/// One of Chapter 4's model sizes.
struct Case {
    what: &'static str,
    spec: Spec,
    density: f32,
}

fn cases() -> [Case; 4] {
    [
        Case {
            what: "five features in two dimensions",
            spec: Spec::new(Kind::ReluOutput, 5, 2),
            density: 0.1,
        },
        Case {
            what: "twenty features in five dimensions",
            spec: Spec::new(Kind::ReluOutput, 20, 5),
            density: 0.1,
        },
        Case { what: "the geometry sweep", spec: Spec::new(Kind::ReluOutput, 100, 10), density: 0.01 },
        Case {
            what: "computing the absolute value",
            spec: Spec::new(Kind::AbsValue, 100, 40),
            density: 0.03,
        },
    ]
}

/// Microseconds per call of `f`, the best of five rounds of about
/// `seconds / 5` each (the best round is the least disturbed by the rest of
/// the machine).
pub fn micros(seconds: f64, mut f: impl FnMut()) -> f64 {
    f(); // warm-up: first touch of the buffers
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed().as_secs_f64() < seconds / 20.0 {
        f();
        calls += 1;
    }
    let calls = (calls * 4).max(1);
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / calls as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// One case's microseconds: drawing a batch and its gradient, reference
/// and fast.
struct Times {
    ref_sample: f64,
    fast_sample: f64,
    ref_grad: f64,
    fast_grad: f64,
}

fn measure(seconds: f64, case: &Case) -> Times {
    let Case { spec, density, .. } = *case;
    let mut rng = rng::stream(rng::DEFAULT_SEED, 77);
    let params = random_params(&spec, &mut rng);
    let importance: Vec<f32> = (0..spec.n).map(|i| 0.9f32.powi(i as i32)).collect();
    // Drawing a batch.
    let ref_sample = micros(seconds, || {
        black_box(reference::sample(&spec, BATCH, density, &mut rng));
    });
    let mut batch = Workspace::batch_for(&spec, BATCH);
    let fast_sample = micros(seconds, || batch.fill(density, spec.kind.signed(), &mut rng));
    // The gradient on it.
    let x = reference::sample(&spec, BATCH, density, &mut rng);
    let model = Model::from_flat(&spec, &params);
    let imp = Vector::from(importance.clone());
    let ref_grad = micros(seconds, || {
        black_box(reference::loss_and_grad(&model, &imp, &x));
    });
    batch.set_rows(x.as_slice().expect("standard layout"));
    let mut ws = Workspace::new(&spec, BATCH);
    let mut grad = vec![0.0; spec.param_count()];
    let fast_grad = micros(seconds, || gradient(&spec, &params, &importance, &batch, &mut ws, &mut grad));
    Times { ref_sample, fast_sample, ref_grad, fast_grad }
}

/// Make the allocator keep freed blocks: glibc's malloc, once a block of
/// this size has been returned to the system, raises its threshold for
/// asking the system for fresh pages to that size, so the reference code's
/// matrices of a few hundred kilobytes are recycled instead of being
/// mapped (and page-faulted) anew at every call. A long-running program
/// usually ends up in this state; a fresh one starts without it.
fn warm_the_allocator() {
    let block = vec![1u8; 16 << 20];
    drop(black_box(block));
}

/// Print the comparison and return it as a Markdown table. Run it before
/// anything else in the process: its first pass measures a fresh
/// allocator, the second one after [`warm_the_allocator`].
pub fn compare(seconds: f64) -> String {
    let fresh: Vec<Times> = cases().iter().map(|c| measure(seconds, c)).collect();
    warm_the_allocator();
    let warm: Vec<Times> = cases().iter().map(|c| measure(seconds, c)).collect();
    let cell = |reference: f64, fast: f64| {
        let ratio = reference / fast;
        let how = if ratio >= 1.0 {
            format!("{ratio:.1}× faster")
        } else {
            format!("{:.1}× slower", 1.0 / ratio)
        };
        format!("{reference:.0} → {fast:.1} ({how})")
    };
    let mut rows = Vec::new();
    for ((case, f), w) in cases().iter().zip(&fresh).zip(&warm) {
        let Case { what, spec, density } = case;
        println!(
            "toy kernels, {what} ({:?}, N = {}, d = {}, p = {density}), batch {BATCH}: sampling {:.0} → {:.1} µs, \
             gradient {:.0} → {:.1} µs; with the allocator warm, gradient {:.0} → {:.1} µs",
            spec.kind,
            spec.n,
            spec.d,
            f.ref_sample,
            f.fast_sample,
            f.ref_grad,
            f.fast_grad,
            w.ref_grad,
            w.fast_grad
        );
        let kernel = if spec.n * spec.d <= superposition::toy::model::BATCHED_MAX_WEIGHTS {
            "batched"
        } else {
            "per sample"
        };
        rows.push(vec![
            format!("{what} (N = {}, d = {}, p = {density})", spec.n, spec.d),
            cell(f.ref_sample, f.fast_sample),
            cell(f.ref_grad, f.fast_grad),
            cell(w.ref_grad, w.fast_grad),
            kernel.to_string(),
        ]);
    }
    let header = [
        "model",
        "drawing a batch (µs)",
        "its gradient (µs)",
        "its gradient, allocator warm (µs)",
        "fast kernel",
    ];
    let table = markdown_table(&header, &[false, true, true, true, false], &rows);
    format!(
        "{table}\nReference → fast, measured with `cargo run --release --example bench -- --kernels` on {}.\n",
        cpu()
    )
}

/// The processor's model name, as Linux reports it.
pub fn cpu() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let name = info.lines().find_map(|l| l.strip_prefix("model name")).and_then(|l| l.split(':').nth(1));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{} ({cores} cores)", name.map_or("an unnamed processor", str::trim))
}
