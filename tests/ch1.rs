//! Chapter 1: snapshots of the quick report and figures, determinism, and
//! statistical checks of the sampled angles against the exact theory.

mod common;

use superposition::angles::{ln_tail, prob_within};
use superposition::ch1;
use superposition::chapters::generate;
use superposition::geometry::random_unit_vectors;
use superposition::output::rounded_json;
use superposition::progress::Quiet;
use superposition::rng::seeded;

#[test]
fn quick_report_snapshot() {
    let report = ch1::run(&ch1::Config::quick());
    let mut value = rounded_json(&report, 4);
    // The scatter points are covered by the figure snapshot below.
    for r in value["readout"].as_array_mut().unwrap() {
        let r = r.as_object_mut().unwrap();
        r.remove("points_active");
        r.remove("points_absent");
    }
    insta::assert_json_snapshot!("ch1_quick_report", value);
}

#[test]
fn quick_figures_snapshot_and_determinism() {
    let (first, svgs) = common::generate_twice(|out| {
        generate::<ch1::Ch1>(&ch1::Config::quick(), out, &Quiet).unwrap();
    });
    for (name, svg) in svgs {
        insta::assert_snapshot!(name, svg);
    }
    for (name, bytes) in &first {
        if name.ends_with(".svg") {
            let snap = name.trim_start_matches("figures/").trim_end_matches(".svg").to_string();
            insta::assert_snapshot!(snap, String::from_utf8(bytes.clone()).unwrap());
        }
    }
    // A different seed changes the figures.
    let c = tempfile::tempdir().unwrap();
    generate::<ch1::Ch1>(&ch1::Config { seed: 7, ..ch1::Config::quick() }, c.path(), &Quiet).unwrap();
    assert_ne!(
        first["figures/ch1_angle_histograms.svg"],
        common::read_tree(c.path())["figures/ch1_angle_histograms.svg"]
    );
}

/// cos θ for `n` independent pairs of random unit vectors in R^d.
fn independent_cosines(d: usize, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = seeded(seed);
    let u = random_unit_vectors(n, d, &mut rng);
    let v = random_unit_vectors(n, d, &mut rng);
    u.rows().into_iter().zip(v.rows()).map(|(a, b)| a.dot(&b)).collect()
}

#[test]
fn variance_of_cosine_is_one_over_d() {
    // t = cos θ has E[t²] = 1/d and E[t⁴] = 3/(d(d+2)), so the sample mean of
    // t² over n pairs has standard error √((3/(d(d+2)) − 1/d²)/n). Allow 4.5
    // standard errors (a false alarm about once in 150,000 runs per d).
    let n = 20_000;
    for (k, &d) in [2usize, 5, 50, 500].iter().enumerate() {
        let t = independent_cosines(d, n, 100 + k as u64);
        let mean_sq = t.iter().map(|x| x * x).sum::<f64>() / n as f64;
        let d_f = d as f64;
        let se = ((3.0 / (d_f * (d_f + 2.0)) - 1.0 / (d_f * d_f)) / n as f64).sqrt();
        assert!(
            (mean_sq - 1.0 / d_f).abs() < 4.5 * se,
            "d={d}: E[t²]={mean_sq}, want {} ± {}",
            1.0 / d_f,
            4.5 * se
        );
        // ...and the mean is 0 within 4.5 standard errors √(1/(d n)).
        let mean = t.iter().sum::<f64>() / n as f64;
        assert!(mean.abs() < 4.5 * (1.0 / (d_f * n as f64)).sqrt(), "d={d}: mean {mean}");
    }
}

#[test]
fn three_dimensional_cosine_is_uniform_kolmogorov_smirnov() {
    // In R³ cos θ ~ U(−1, 1). Kolmogorov–Smirnov: sup |F_n − F| < 1.95/√n
    // holds with probability ≈ 0.999 under the null.
    let n = 20_000;
    let mut t = independent_cosines(3, n, 7);
    t.sort_by(f64::total_cmp);
    let ks = t
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = (x + 1.0) / 2.0;
            (f - i as f64 / n as f64).abs().max(((i + 1) as f64 / n as f64 - f).abs())
        })
        .fold(0.0, f64::max);
    assert!(ks < 1.95 / (n as f64).sqrt(), "KS statistic {ks}");
    // And the exact tail agrees: P(|t| > ε) = 1 − ε.
    assert!((ln_tail(3, 0.25).exp() - 0.75).abs() < 1e-12);
}

#[test]
fn share_within_one_degree_matches_exact_probability() {
    // Independent pairs: the count inside is Binomial(n, p); allow 4.5 sd.
    let n = 4_000;
    for &d in &[768usize, 4096] {
        let eps = 1.0f64.to_radians().sin();
        let p = prob_within(d, eps);
        let share =
            independent_cosines(d, n, d as u64).iter().filter(|c| c.abs() <= eps).count() as f64 / n as f64;
        let sd = (p * (1.0 - p) / n as f64).sqrt();
        assert!((share - p).abs() < 4.5 * sd, "d={d}: sampled {share}, exact {p}");
    }
}

#[test]
fn book_report_agrees_with_theory() {
    // The chapter's own numbers, at its default configuration, must show what
    // the text says: residuals collapse after n, sampled variance ≈ 1/d,
    // measured interference ≈ predicted.
    let report = ch1::run(&ch1::Config::default());
    for run in &report.gram_schmidt {
        assert!(run.min_first_d > 1e-3 && run.max_after_d < 1e-13, "d={}: {run:?}", run.d);
    }
    for h in &report.histograms {
        assert!((h.var_cos / h.var_cos_exact - 1.0).abs() < 0.05, "d={}: {}", h.d, h.var_cos);
        assert_eq!(h.bins.total() as usize, h.pairs);
    }
    for s in &report.spread {
        assert!((s.sd_sampled_deg / s.sd_exact_deg - 1.0).abs() < 0.05, "d={}", s.d);
    }
    let random = report.readout.iter().find(|r| r.dictionary == "random").unwrap();
    assert!((random.rms_error / random.rms_predicted - 1.0).abs() < 0.05);
    let orthogonal = report.readout.iter().find(|r| r.dictionary == "orthogonal").unwrap();
    assert!(orthogonal.rms_error < 1e-12);
}
