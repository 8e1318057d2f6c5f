//! Chapter 1 — Dimension. Regenerates the chapter's figures and tables.
//!
//!     cargo run --example ch1_dimension            # the book's configuration
//!     cargo run --example ch1_dimension -- --quick # a small one, in about a second

use clap::Parser;
use superposition::{ch1, cli};

/// Chapter 1 — Dimension: Gram–Schmidt, features as directions, and the
/// concentration of angles between random vectors. Writes figures to
/// OUT/figures and tables and ch1.json to OUT/generated.
#[derive(Parser)]
#[command(name = "ch1_dimension")]
struct Args {
    #[command(flatten)]
    common: cli::Common,
    /// Number of random vectors per angle histogram (every pair is a sample).
    #[arg(long, value_name = "N", value_parser = cli::size_at_least(2))]
    vectors: Option<usize>,
    /// Tolerance for the "within this many degrees of 90°" table, in degrees, in (0, 90].
    #[arg(long, value_name = "DEG")]
    tolerance: Option<f64>,
}

fn main() {
    let args: Args = cli::parse();
    let mut config = if args.common.quick { ch1::Config::quick() } else { ch1::Config::default() };
    config.seed = args.common.seed;
    if let Some(n) = args.vectors {
        config.hist_vectors = n;
    }
    if let Some(t) = args.tolerance {
        config.tolerance_deg = t;
    }
    cli::run_chapter::<ch1::Ch1>(&args.common, &config, |report, _| {
        for w in &report.within {
            println!(
                "d = {:>6}: P(|θ − 90°| ≤ {}°) = {:.4} exact, {:.4} sampled over {} pairs",
                w.d, w.tolerance_deg, w.exact, w.sampled, w.pairs
            );
        }
        String::new()
    });
}
