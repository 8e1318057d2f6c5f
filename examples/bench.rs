//! Benchmarks that print figures (never timed tests):
//!
//!     cargo run --release --example bench            # everything
//!     cargo run --release --example bench -- --quick # fewer repetitions
//!
//! - seconds per optimiser step of Chapter 2's demonstration at its original
//!   size (N = 10,000 vectors, d = 100), and steps per second;
//! - seconds per chapter for every chapter at its book configuration.

use clap::Parser;
use std::time::Instant;
use superposition::packing::{Demo, DemoConfig};
use superposition::{chapters, cli, rng};

/// Print steps per second and seconds per chapter.
#[derive(Parser)]
#[command(name = "bench")]
struct Args {
    /// Fewer repetitions (a rough figure in a few seconds).
    #[arg(long)]
    quick: bool,
}

fn main() {
    let args: Args = cli::parse();
    let steps = if args.quick { 2 } else { 10 };
    let config = DemoConfig::default();
    let mut demo = Demo::new(config, &mut rng::seeded(rng::DEFAULT_SEED));
    demo.step(); // warm-up: first touch of the buffers
    let start = Instant::now();
    for _ in 0..steps {
        demo.step();
    }
    let per_step = start.elapsed().as_secs_f64() / steps as f64;
    println!(
        "ch2 demonstration, N = {}, d = {}: {:.3} s per Adam step ({:.2} steps/s, {} steps timed)",
        config.n,
        config.d,
        per_step,
        1.0 / per_step,
        steps
    );
    if args.quick {
        return;
    }
    let out = tempfile::tempdir().expect("a temporary folder");
    for chapter in chapters::ALL {
        let start = Instant::now();
        cli::run_or_exit(|| (chapter.generate)(out.path()));
        println!("{:<28}{:>7.2} s", chapter.name, start.elapsed().as_secs_f64());
    }
}
