//! Chapter 5 — Sparse autoencoders. Trains the chapter's SAEs on data whose
//! true features are known and regenerates its figures and tables.
//!
//!     cargo run --release --example ch5_sae            # the book's configuration
//!     cargo run --release --example ch5_sae -- --quick # a small one, in seconds
//!     cargo run --release --example ch5_sae -- --large # the published size, d = 256, N = 512

use clap::Parser;
use superposition::{ch5, cli};

/// Chapter 5 — Sparse autoencoders: SAEs trained on synthetic data with known
/// feature directions, measured by how many directions come back (MMCS,
/// recovery), against λ, dictionary size and TopK; dead latents and
/// resampling; and an SAE on the hidden layer of a Chapter 4 toy model.
/// Writes figures to OUT/figures and tables and ch5.json to OUT/generated.
#[derive(Parser)]
#[command(name = "ch5_sae")]
struct Args {
    #[command(flatten)]
    common: cli::Common,
    /// The published size: d = 256, N = 512, dictionaries of 256 to 1024 latents (minutes).
    #[arg(long, conflicts_with = "quick")]
    large: bool,
    /// Training steps per SAE (the book: 6000).
    #[arg(long, value_name = "N", value_parser = cli::size_at_least(1))]
    steps: Option<usize>,
}

fn main() {
    // SAFETY: first thing in main, no other thread yet.
    unsafe { superposition::parallel::one_thread_per_matrix_product() };
    let args: Args = cli::parse();
    let mut config = if args.common.quick {
        ch5::Config::quick()
    } else if args.large {
        ch5::Config::large()
    } else {
        ch5::Config::default()
    };
    config.seed = args.common.seed;
    if let Some(steps) = args.steps {
        config.set_steps(steps);
    }
    cli::run_chapter::<ch5::Ch5>(&args.common, &config, |report, seconds| {
        for r in report.sweep.iter().filter(|r| r.m == config.main_size).chain(&report.topk) {
            let m = &r.metrics;
            println!(
                "M = {:>4}, {:<16}: L0 {:>6.1}, FVU {:.4}, MMCS {:.3} / {:.3}, recovered {:>5.1}%, dead {}",
                r.m,
                format!("{:?} {}", r.activation, if r.l1 > 0.0 { r.l1.to_string() } else { String::new() }),
                m.l0,
                m.fvu,
                m.mmcs_truth_to_learned,
                m.mmcs_learned_to_truth,
                100.0 * m.recovered,
                m.dead
            );
        }
        for l in &report.loops {
            println!(
                "toy model N = {}, d = {}: {} of {} represented features recovered (worst cos {:.3})",
                l.config.n, l.config.d, l.recovered, l.represented, l.worst_represented
            );
        }
        let samples_per_second = ch5::trained_samples(&config) as f64 / seconds;
        format!(", {samples_per_second:.0} samples/s over {} SAEs", config.sae_runs())
    });
}
