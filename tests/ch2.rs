//! Chapter 2: snapshots of the quick report and figures, determinism, and
//! checks that no construction ever beats a rigorous bound.

mod common;

use std::sync::OnceLock;
use superposition::bounds::{best_lower_bound, welch};
use superposition::ch2;
use superposition::chapters::generate;
use superposition::output::rounded_json;
use superposition::progress::Quiet;

/// The chapter's own report at its default configuration, computed once for
/// all the tests in this file.
fn book_report() -> &'static ch2::Report {
    static REPORT: OnceLock<ch2::Report> = OnceLock::new();
    REPORT.get_or_init(|| ch2::run(&ch2::Config::default(), &Quiet))
}

#[test]
fn quick_report_snapshot() {
    let report = ch2::run(&ch2::Config::quick(), &Quiet);
    insta::assert_json_snapshot!("ch2_quick_report", rounded_json(&report, 4));
}

#[test]
fn quick_figures_snapshot_and_determinism() {
    let (_, svgs) = common::generate_twice(|out| {
        generate::<ch2::Ch2>(&ch2::Config::quick(), out, &Quiet).unwrap();
    });
    for (name, svg) in svgs {
        insta::assert_snapshot!(name, svg);
    }
}

#[test]
fn no_construction_beats_a_rigorous_bound() {
    let report = book_report();
    for row in &report.bounds {
        let bound = best_lower_bound(row.n, report.config.bound_dim);
        assert!(row.random_worst >= bound, "N={}: random {} < bound {bound}", row.n, row.random_worst);
    }
    for h in &report.hadamard {
        assert!(h.structured_worst >= welch(2 * h.d, h.d) - 1e-12);
        // The construction delivers exactly what it promises.
        assert!((h.structured_worst - h.one_over_sqrt_d).abs() < 1e-12, "d={}", h.d);
        assert!(h.structured_worst < h.random_worst);
    }
    // The optimiser never beats the best rigorous bound, and beats random sets.
    for o in &report.optimised {
        assert!(o.found >= o.best_bound - 1e-6, "d={} N={}: {} < {}", o.d, o.n, o.found, o.best_bound);
        assert!(o.found < o.random, "d={} N={}", o.d, o.n);
    }
    // The demonstration cannot beat Welch either: its worst pair is at most the Welch angle from parallel.
    assert!(report.demo.after.worst_abs_cos >= report.demo.welch);
    assert!(report.demo.before.worst_abs_cos >= report.demo.welch);
    // Lines in R³: never better than the literature's packings (up to float tolerance).
    for l in &report.lines {
        assert!(l.found_deg <= l.known_deg + 1e-4, "N={}: {} > {}", l.n, l.found_deg, l.known_deg);
    }
    // Every capacity row: random and greedy counts never exceed the rigorous cap.
    for c in &report.capacity {
        assert!(c.log10_greedy <= c.log10_upper, "d={} {}°", c.d, c.angle_deg);
        assert!(c.log10_random_median <= c.log10_upper);
    }
}

#[test]
fn simulations_follow_the_formulas() {
    let report = book_report();
    assert!(report.random.len() >= 10);
    for s in &report.random {
        // The greedy construction is (nearly) maximal, so it reaches the guarantee 1/p.
        assert!(s.greedy_simulated as f64 >= s.greedy_formula, "{s:?}");
        // The median of 400 sequential runs is within one vector or 15% of √(2 ln 2/p)
        // (the formula treats the pairs as independent; counts are whole numbers).
        let tol = (0.15 * s.median_formula).max(1.0);
        assert!((s.median_simulated - s.median_formula).abs() <= tol, "{s:?}");
    }
}

#[test]
fn the_demonstration_looks_good_but_collapses_pairs() {
    // What the chapter's text says about the default run, checked.
    let report = book_report();
    let d = &report.demo;
    assert!(d.after.within_one_degree > 0.9 && d.before.within_one_degree < 0.2);
    assert!(d.after.worst_angle_deg < 5.0, "{}", d.after.worst_angle_deg);
    assert!(d.near_parallel_after > 0.001, "{}", d.near_parallel_after);
    assert!(d.loss_last < d.loss_first);
    // The smooth-max optimiser finds the Welch-optimal packings where they exist.
    for o in report.optimised.iter().filter(|o| (o.d, o.n) == (3, 6) || (o.d, o.n) == (5, 10)) {
        assert!((o.found - o.welch).abs() < 1e-4, "{o:?}");
    }
    // ...and every proven optimum for lines in R³ to within 0.01°.
    for l in report.lines.iter().filter(|l| l.proven) {
        assert!(l.known_deg - l.found_deg < 0.01, "N={}", l.n);
    }
}

#[test]
fn capacity_claims_the_book_makes() {
    let report = book_report();
    let cell = |d: usize, a: f64| report.capacity.iter().find(|c| c.d == d && c.angle_deg == a).unwrap();
    // 100 dimensions at 89°: at most 103 vectors (Welch), so 10,000 is impossible.
    let c = cell(100, 89.0);
    assert_eq!(c.upper_kind, "Welch");
    assert_eq!(10f64.powf(c.log10_upper).floor(), 103.0);
    // GPT-3 width at 85°: the random-draw median is about 10^10–10^11 vectors.
    let c = cell(12288, 85.0);
    assert!(c.log10_random_median > 10.0 && c.log10_random_median < 11.5, "{}", c.log10_random_median);
}
