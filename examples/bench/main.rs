//! Benchmarks that print figures (never timed tests):
//!
//!     cargo run --release --example bench            # everything
//!     cargo run --release --example bench -- --quick # fewer repetitions
//!     cargo run --release --example bench -- --kernels --write-kernels book/measured/fast_kernels.md \
//!         --write-tricks book/measured/tricks.md
//!
//! - seconds per optimiser step of Chapter 2's demonstration at its original
//!   size (N = 10,000 vectors, d = 100), and steps per second;
//! - steps per second of the toy-model trainer (Chapter 4) for the two
//!   reference configurations (N = 5, d = 2, 10 instances; N = 100, d = 20,
//!   20 instances; batch 1024), where one step advances every instance;
//! - samples per second of the sparse-autoencoder trainer (Chapter 5) for
//!   d = 256, a dictionary of 1024, batch 256, data generation included,
//!   with one thread per matrix product as the chapters run it (set
//!   `MATMUL_NUM_THREADS=2` to see one SAE using both cores);
//! - the toy models' kernels, the reference code the chapter shows against
//!   the fast code that trains (microseconds per batch of 1024, sampling
//!   and gradient apart), at four of Chapter 4's sizes; `--write-kernels
//!   FILE` also writes them as the Markdown table of the appendix "How the
//!   code is made fast";
//! - what each trick of that appendix buys on its own, the same computation
//!   without the trick and with it (`--write-tricks FILE` writes the table);
//! - seconds per chapter for every chapter at its book configuration.

use clap::Parser;
use std::time::Instant;
use superposition::packing::{Demo, DemoConfig};
use superposition::toy::{Init, Job, Kind, Spec, TrainConfig, train};
use superposition::{chapters, cli, rng};

mod kernels;
mod tricks;

/// Print steps per second and seconds per chapter.
#[derive(Parser)]
#[command(name = "bench")]
struct Args {
    /// Fewer repetitions (a rough figure in a few seconds).
    #[arg(long)]
    quick: bool,
    /// Only the comparison of the toy models' kernels.
    #[arg(long)]
    kernels: bool,
    /// Also write the kernel comparison as a Markdown table to this file
    /// (the book's is `book/measured/fast_kernels.md`).
    #[arg(long, value_name = "FILE")]
    write_kernels: Option<std::path::PathBuf>,
    /// Also write what each trick of the appendix buys on its own as a
    /// Markdown table to this file (the book's is `book/measured/tricks.md`).
    #[arg(long, value_name = "FILE")]
    write_tricks: Option<std::path::PathBuf>,
    /// Only the two loops made of matrix products (Chapter 2's step and the
    /// SAE), with the threads `MATMUL_NUM_THREADS` gives them: how the
    /// benchmark measures them again on both cores.
    #[arg(long, hide = true)]
    products_only: bool,
}

fn main() {
    // SAFETY: first thing in main, no other thread yet.
    unsafe { superposition::parallel::one_thread_per_matrix_product() };
    let args: Args = cli::parse();
    if args.products_only {
        demo_bench(if args.quick { 2 } else { 10 });
        sae_bench(if args.quick { 100 } else { 2000 });
        return;
    }
    // The kernels first, while the allocator is fresh (see kernels::compare).
    compare_kernels(&args);
    if args.kernels {
        return;
    }
    demo_bench(if args.quick { 2 } else { 10 });
    toy_bench("toy models, N = 5, d = 2, 10 instances", 5, 2, 10, if args.quick { 500 } else { 5000 });
    toy_bench("toy models, N = 100, d = 20, 20 instances", 100, 20, 20, if args.quick { 20 } else { 200 });
    sae_bench(if args.quick { 100 } else { 2000 });
    products_on_both_cores(args.quick);
    if args.quick {
        return;
    }
    chapter_times();
}

/// The loops made of matrix products once more with two threads per product
/// (a new process: matrixmultiply reads `MATMUL_NUM_THREADS` once), the
/// setting to compare with PyTorch's best of one and two threads.
fn products_on_both_cores(quick: bool) {
    let Ok(me) = std::env::current_exe() else { return };
    let mut command = std::process::Command::new(me);
    command.arg("--products-only").env("MATMUL_NUM_THREADS", "2");
    if quick {
        command.arg("--quick");
    }
    match command.output() {
        Ok(out) if out.status.success() => print!("{}", String::from_utf8_lossy(&out.stdout)),
        _ => println!("(the two-thread run of the matrix products failed)"),
    }
}

/// Seconds per chapter at its book configuration, their sum and each one's share.
fn chapter_times() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let mut times = Vec::new();
    for chapter in chapters::ALL {
        let start = Instant::now();
        cli::run_or_exit(|| (chapter.generate)(out.path(), &superposition::progress::Quiet));
        times.push((chapter.name, start.elapsed().as_secs_f64()));
    }
    let total: f64 = times.iter().map(|t| t.1).sum();
    for (name, seconds) in &times {
        println!("{name:<28}{seconds:>7.2} s  {:>4.1}%", 100.0 * seconds / total);
    }
    println!("{:<28}{total:>7.2} s", "all chapters");
}

/// Seconds per optimiser step of Chapter 2's demonstration at its original size.
fn demo_bench(steps: usize) {
    let config = DemoConfig::default();
    let mut demo = Demo::new(config, &mut rng::seeded(rng::DEFAULT_SEED));
    demo.step(); // warm-up: first touch of the buffers
    let start = Instant::now();
    for _ in 0..steps {
        demo.step();
    }
    let per_step = start.elapsed().as_secs_f64() / steps as f64;
    println!(
        "ch2 demonstration, N = {}, d = {}: {:.3} s per Adam step ({:.2} steps/s, {} steps timed; matrix \
         products on {} thread(s))",
        config.n,
        config.d,
        per_step,
        1.0 / per_step,
        steps,
        product_threads()
    );
}

/// How many threads each matrix product may use (`MATMUL_NUM_THREADS`).
fn product_threads() -> String {
    std::env::var("MATMUL_NUM_THREADS").unwrap_or_else(|_| "their default number of".into())
}

/// The toy models' reference code against the fast kernels; the table goes
/// to `--write-kernels FILE` if given.
fn compare_kernels(args: &Args) {
    let table = kernels::compare(if args.quick { 0.05 } else { 0.5 });
    if let Some(path) = &args.write_kernels {
        cli::run_or_exit(|| superposition::output::write_atomic(path, table.as_bytes()));
        println!("wrote {}", path.display());
    }
    let table = tricks::measure(if args.quick { 0.05 } else { 0.5 });
    if let Some(path) = &args.write_tricks {
        cli::run_or_exit(|| superposition::output::write_atomic(path, table.as_bytes()));
        println!("wrote {}", path.display());
    }
}

/// Train `instances` ReLU-output models side by side for `steps` steps,
/// densities 20^−linspace(0, 1, instances), importance 0.9^i; print steps/s.
fn toy_bench(name: &str, n: usize, d: usize, instances: usize, steps: usize) {
    let jobs: Vec<Job> = (0..instances)
        .map(|k| Job {
            spec: Spec::new(Kind::ReluOutput, n, d),
            density: 20f32.powf(-(k as f32) / (instances - 1) as f32),
            importance: (0..n).map(|i| 0.9f32.powi(i as i32)).collect(),
            init: Init::Xavier,
            stream: k as u64,
        })
        .collect();
    let config = TrainConfig { steps, eval_samples: 1, ..TrainConfig::default() };
    let start = Instant::now();
    train::train_all(&jobs, &config, rng::DEFAULT_SEED, &|_| {});
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{name}, batch {}: {:.0} steps/s ({steps} steps in {seconds:.2} s)",
        config.batch,
        steps as f64 / seconds
    );
}

/// Train an SAE (d = 256, M = 1024, L1) on the published ground-truth setting
/// (G = 512, about 5 active features, decay 0.99) for `steps` batches of 256.
fn sae_bench(steps: usize) {
    use superposition::optim::AdamConfig;
    use superposition::sae::data::{Batch, GroundTruth, TruthConfig};
    use superposition::sae::model::{Activation, Sae, SaeSpec};
    use superposition::sae::train::{SaeTrainConfig, train};
    let mut rng = rng::seeded(rng::DEFAULT_SEED);
    let truth = GroundTruth::new(
        TruthConfig { d: 256, n: 512, mean_active: 5.0, decay: 0.99, pair_correlation: 0.0 },
        &mut rng,
    );
    let spec = SaeSpec { d: 256, m: 1024, activation: Activation::Relu, l1: 0.1 };
    let mut sae = Sae::new(spec, &mut rng);
    let mut probe = Batch::new(1024, 256);
    truth.sample(&mut probe, &mut rng);
    sae.init_decoder_bias(&probe.x);
    let config = SaeTrainConfig {
        steps,
        batch: 256,
        adam: AdamConfig::adam(1e-3),
        dead_window: 500,
        resample: None,
        auxk: None,
    };
    let start = Instant::now();
    train(&mut sae, &truth, &config, &mut rng, |_, _| {});
    let seconds = start.elapsed().as_secs_f64();
    // The speed depends on how many latents are active (the backward pass
    // visits only those once they are few), so say where training stands.
    let mut ws = superposition::sae::model::Workspace::new(&spec, 1024);
    let l0 = superposition::sae::model::forward(&sae, &probe.x, &mut ws).l0;
    println!(
        "sparse autoencoder, d = 256, M = 1024, batch 256: {:.0} samples/s ({steps} steps from initialisation in \
         {seconds:.2} s; L0 at the end {l0:.0}; matrix products on {} thread(s){})",
        (steps * 256) as f64 / seconds,
        product_threads(),
        if product_threads() == "1" { ", as the chapters run them" } else { "" }
    );
}
