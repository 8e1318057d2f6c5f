//! Chapter 2 — Near-orthogonality. Regenerates the chapter's figures and tables.
//!
//!     cargo run --example ch2_near_orthogonality            # the book's configuration
//!     cargo run --example ch2_near_orthogonality -- --quick # a small one, in about a second

use clap::Parser;
use superposition::{ch2, cli};

/// Chapter 2 — Near-orthogonality: how many unit vectors fit in R^d when every
/// pair must be within a tolerance of 90°. Random constructions (formula and
/// simulation), rigorous bounds, a structured set, and the capacity table.
/// Writes figures to OUT/figures and tables and ch2.json to OUT/generated.
#[derive(Parser)]
#[command(name = "ch2_near_orthogonality")]
struct Args {
    #[command(flatten)]
    common: cli::Common,
    /// Angles for the capacity table: every pair must make at least this angle
    /// (e.g. 89 means within 1° of perpendicular); degrees, comma-separated, each in (0, 90].
    #[arg(long, value_name = "DEG,DEG,...", value_delimiter = ',')]
    angles: Option<Vec<f64>>,
    /// Dimensions for the capacity table, comma-separated (each at least 2).
    #[arg(long, value_name = "D,D,...", value_delimiter = ',', value_parser = cli::size_at_least(2))]
    dims: Option<Vec<usize>>,
    /// Run the well-known demonstration at its original size: 10,000 vectors in
    /// 100 dimensions, 250 Adam steps (25 times the default's pairs: use --release).
    #[arg(long)]
    full_demo: bool,
}

fn main() {
    let args: Args = cli::parse();
    let mut config = if args.common.quick { ch2::Config::quick() } else { ch2::Config::default() };
    config.seed = args.common.seed;
    if let Some(angles) = args.angles {
        config.capacity_angles = angles;
    }
    if args.full_demo {
        config.demo = superposition::packing::DemoConfig::default();
    }
    if let Some(dims) = args.dims {
        config.capacity_dims = dims;
    }
    cli::run_chapter::<ch2::Ch2>(&args.common, &config, |report, _| {
        for c in report.capacity.iter().filter(|c| c.angle_deg == config.capacity_angles[0]) {
            println!(
                "d = {:>6}, {}°: random median 10^{:.1}, greedy 10^{:.1}, rigorous cap 10^{:.1} ({})",
                c.d, c.angle_deg, c.log10_random_median, c.log10_greedy, c.log10_upper, c.upper_kind
            );
        }
        String::new()
    });
}
