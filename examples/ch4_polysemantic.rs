//! Chapter 4 — Polysemantic neurons. Trains the chapter's toy models and
//! regenerates its figures and tables.
//!
//!     cargo run --release --example ch4_polysemantic            # the book's configuration
//!     cargo run --release --example ch4_polysemantic -- --quick # a small one, in seconds

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
}

fn main() {
    let args: Args = cli::parse();
    let mut config = if args.common.quick { ch4::Config::quick() } else { ch4::Config::default() };
    config.seed = args.common.seed;
    if let Some(steps) = args.steps {
        config.train.steps = steps;
    }
    if let Some(seeds) = args.seeds {
        config.seeds = seeds;
    }
    if let Err(message) = config.validate() {
        cli::exit_bad_input(message);
    }
    cli::exit_if_too_big(ch4::memory_bytes(&config));
    // Measured: the book's configuration in 98 s (release, 2 cores).
    cli::announce_duration("ch4_polysemantic", ch4::work(&config), ch4::work(&ch4::Config::default()), 98.0);
    cli::run_or_exit(|| {
        let start = std::time::Instant::now();
        let report = ch4::generate(&config, &args.common.out)?;
        let seconds = start.elapsed().as_secs_f64();
        for m in report.gram.iter().chain(&report.linear) {
            println!(
                "n = 20, m = 5, {:?}, density {:<6}: {:>2} features represented, max |cos| {:.3}, loss {:.5}",
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
        let steps: usize = ch4::trained_steps(&report);
        println!(
            "ch4_polysemantic: figures in {}, tables in {} ({:.1} s, {:.0} model-steps/s)",
            args.common.out.join("figures").display(),
            args.common.out.join("generated").display(),
            seconds,
            steps as f64 / seconds
        );
        Ok(())
    });
}
