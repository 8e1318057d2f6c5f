//! Chapter 3 — The Johnson–Lindenstrauss lemma. Regenerates the chapter's
//! figures and tables.
//!
//!     cargo run --example ch3_jl            # the book's configuration
//!     cargo run --example ch3_jl -- --quick # a small one, in about a second

use clap::Parser;
use superposition::{ch3, cli};

/// Chapter 3 — The Johnson–Lindenstrauss lemma: random projections of two
/// data sets (Gaussian, Achlioptas, very sparse), the distortion of pairwise
/// distances, the smallest dimension that keeps them all, and the projected
/// basis as nearly orthogonal vectors. Writes figures to OUT/figures and
/// tables and ch3.json to OUT/generated.
#[derive(Parser)]
#[command(name = "ch3_jl")]
struct Args {
    #[command(flatten)]
    common: cli::Common,
    /// Number of points in each data set (at least 2).
    #[arg(long, value_name = "N", value_parser = cli::size_at_least(2))]
    points: Option<usize>,
    /// Dimension D of the data (at least 1).
    #[arg(long, value_name = "D", value_parser = cli::size_at_least(1))]
    dim: Option<usize>,
    /// Distortion tolerance ε, in (0, 1).
    #[arg(long, value_name = "EPS")]
    eps: Option<f64>,
    /// Target dimensions for the histograms, comma-separated (each between 1 and D).
    #[arg(long, value_name = "K,K,...", value_delimiter = ',', value_parser = cli::size_at_least(1))]
    k: Option<Vec<usize>>,
}

fn main() {
    // SAFETY: first thing in main, before any other thread exists.
    unsafe { superposition::parallel::one_thread_per_matrix_product() };
    let args: Args = cli::parse();
    let mut config = if args.common.quick { ch3::Config::quick() } else { ch3::Config::default() };
    config.seed = args.common.seed;
    if let Some(n) = args.points {
        config.points = n;
        // Keep the subset sizes inside the new number of points.
        config.sizes.retain(|&s| s < n);
        config.sizes.push(n);
    }
    if let Some(d) = args.dim {
        config.dim = d;
        // Without --k, keep the default target dimensions that fit.
        if args.k.is_none() {
            config.ks.retain(|&k| k <= d);
            if config.ks.is_empty() {
                config.ks.push(d);
            }
        }
    }
    if let Some(eps) = args.eps {
        config.eps = eps;
    }
    if let Some(k) = args.k {
        config.ks = k;
    }
    cli::run_chapter::<ch3::Ch3>(&args.common, &config, |report, _| {
        let pairs = config.points * (config.points - 1) / 2;
        println!(
            "time to draw a {} × {} matrix, project {} points and follow {} pairs to every k \
             (a third of each data set's time):",
            config.dim,
            report.k_search,
            config.points,
            superposition::output::grouped(pairs as u64)
        );
        for (dataset, method, time) in ch3::timings(report) {
            println!("  {dataset:<10} {method:<20} {:>8.1} ms", time.as_secs_f64() * 1e3);
        }
        for e in report.experiments.iter().filter(|e| e.dataset == "documents") {
            let k = e.smallest_k_by_size.last().copied().flatten();
            println!(
                "documents, {}: smallest k with every pair inside 1 ± {} is {} (bound {})",
                e.method.name(),
                config.eps,
                k.map_or(format!("> {}", report.k_search), |k| k.to_string()),
                superposition::jl::dasgupta_gupta_k(config.points, config.eps)
            );
        }
        String::new()
    });
}
