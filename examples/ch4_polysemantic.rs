//! Chapter 4 — Polysemantic neurons. Trains the chapter's toy models and
//! regenerates its figures and tables.
//!
//!     cargo run --release --example ch4_polysemantic            # the book's configuration
//!     cargo run --release --example ch4_polysemantic -- --quick # a small one, in seconds
//!     cargo run --release --example ch4_polysemantic -- --large # the paper's size (minutes)

use clap::Parser;
use superposition::{ch4, cli};

/// Chapter 4 — Polysemantic neurons: the toy models of superposition
/// (Elhage et al., 2022) trained from scratch — the pentagon, WᵀW per
/// sparsity, the geometry of superposition and the phase diagram of two
/// features in one dimension. Writes figures to OUT/figures and tables and
/// ch4.json to OUT/generated.
#[derive(Parser)]
#[command(name = "ch4_polysemantic")]
struct Args {
    #[command(flatten)]
    common: cli::Common,
    /// Training steps per model (the reference setup: 10000).
    #[arg(long, value_name = "N", value_parser = cli::size_at_least(1))]
    steps: Option<usize>,
    /// Copies trained per setting; the one with the lowest loss is kept.
    #[arg(long, value_name = "N", value_parser = cli::size_at_least(1))]
    seeds: Option<usize>,
    /// Instead of the chapter: the geometry at the paper's size (N = 400,
    /// d = 30) and the width sweep (N = 100, d = 5 to 40), several
    /// minutes, into OUT/large (the book shows a committed run).
    #[arg(long, conflicts_with = "quick")]
    large: bool,
}

fn main() {
    let args: Args = cli::parse();
    if args.large {
        return large(args);
    }
    let mut config = if args.common.quick { ch4::Config::quick() } else { ch4::Config::default() };
    config.seed = args.common.seed;
    if let Some(steps) = args.steps {
        config.train.steps = steps;
    }
    if let Some(seeds) = args.seeds {
        config.seeds = seeds;
    }
    cli::run_chapter::<ch4::Ch4>(&args.common, &config, |report, seconds| {
        for m in report.gram.iter().chain(&report.linear) {
            println!(
                "N = 20, d = 5, {:?}, density {:<6}: {:>2} features represented, max |cos| {:.3}, loss {:.5}",
                m.kind, m.density, m.represented, m.max_cos, m.loss
            );
        }
        println!(
            "phase diagram: {} of {} cells in the predicted phase; {} others stuck above the predicted loss; \
             lowest learned/predicted loss ratio {:.3}",
            report.phase.agree,
            report.phase.cells.len(),
            report.phase.stuck,
            report.phase.min_loss_ratio
        );
        format!(", {:.0} model-steps/s", ch4::trained_steps(report) as f64 / seconds)
    });
}

/// The run behind `--large`, into OUT/large.
fn large(args: Args) {
    let mut config = ch4::large::LargeConfig { seed: args.common.seed, ..Default::default() };
    if let Some(steps) = args.steps {
        config.train.steps = steps;
    }
    if let Some(seeds) = args.seeds {
        config.seeds = seeds;
    }
    let common = cli::Common { out: args.common.out.join("large"), ..args.common };
    cli::run_chapter::<ch4::large::Ch4Large>(&common, &config, |report, _| {
        for m in report.geometry.iter().chain(&report.width) {
            println!(
                "N = {}, d = {}, density {:<8}: {:>3} features represented, d/‖W‖² {:.3}, loss ÷ known {:.3}",
                m.n,
                m.d,
                m.density,
                m.represented,
                m.dims_per_feature,
                m.loss / m.construction
            );
        }
        String::new()
    });
}
