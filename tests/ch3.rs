//! Chapter 3: snapshots of the quick report and figures, determinism, and
//! statistical checks of the projections against the theory.

mod common;

use superposition::ch3;
use superposition::chapters::generate;
use superposition::jl::{Method, dasgupta_gupta_k, projection_matrix};
use superposition::output::rounded_json;
use superposition::progress::Quiet;
use superposition::rng::seeded;

#[test]
fn quick_report_snapshot() {
    let report = ch3::run(&ch3::Config::quick(), &Quiet);
    let mut value = rounded_json(&report, 4);
    // Long curves are covered by the figure snapshots.
    for key in ["bound_vs_n", "bound_vs_eps", "superposition_bounds"] {
        value.as_object_mut().unwrap().remove(key);
    }
    for e in value["experiments"].as_array_mut().unwrap() {
        e.as_object_mut().unwrap().remove("worst_by_k");
    }
    insta::assert_json_snapshot!("ch3_quick_report", value);
}

#[test]
fn quick_figures_snapshot_and_determinism() {
    let (_, svgs) = common::generate_twice(|out| {
        generate::<ch3::Ch3>(&ch3::Config::quick(), out, &Quiet).unwrap();
    });
    for (name, svg) in svgs {
        insta::assert_snapshot!(name, svg);
    }
}

#[test]
fn projections_are_deterministic_for_a_seed() {
    for method in Method::ALL {
        let a = projection_matrix(method, 50, 20, &mut seeded(9));
        let b = projection_matrix(method, 50, 20, &mut seeded(9));
        let c = projection_matrix(method, 50, 20, &mut seeded(10));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}

#[test]
fn gaussian_ratio_has_mean_one_and_variance_two_over_k() {
    // One fixed vector u, many independent Gaussian projections: the ratio
    // ‖f(u)‖²/‖u‖² is exactly χ²_k/k, with mean 1 and variance 2/k; its
    // fourth central moment is 12/k² + 48/k³. Over n draws the sample mean
    // has standard error √(2/(k n)) and the sample variance about
    // √((8/k² + 48/k³)/n). Allow 4.5 standard errors.
    let (dim, k, n) = (40, 8, 20_000);
    let mut rng = seeded(11);
    let u = ndarray::Array1::from_shape_fn(dim, |i| (i as f64 * 0.7).sin() + 0.3);
    let norm2 = u.dot(&u);
    let ratios: Vec<f64> = (0..n)
        .map(|_| {
            let r = projection_matrix(Method::Gaussian, dim, k, &mut rng);
            let y = u.dot(&r) / (k as f64).sqrt();
            y.dot(&y) / norm2
        })
        .collect();
    let mean = ratios.iter().sum::<f64>() / n as f64;
    let var = ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    let kf = k as f64;
    let se_mean = (2.0 / (kf * n as f64)).sqrt();
    let se_var = ((8.0 / (kf * kf) + 48.0 / kf.powi(3)) / n as f64).sqrt();
    assert!((mean - 1.0).abs() < 4.5 * se_mean, "mean {mean} ± {se_mean}");
    assert!((var - 2.0 / kf).abs() < 4.5 * se_var, "variance {var}, want {} ± {se_var}", 2.0 / kf);
}

#[test]
fn book_report_agrees_with_the_lemma() {
    // The committed report (the book check regenerates it and compares), so
    // that CI runs the chapter once.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("book/generated/ch3.json");
    let text = std::fs::read_to_string(&path).expect("the committed ch3.json (run `cargo book build`)");
    let report: ch3::Report = serde_json::from_str(&text).expect("a Chapter 3 report");
    let config = &report.config;
    let bound = dasgupta_gupta_k(config.points, config.eps);
    for e in &report.experiments {
        // The lemma's statement for the Gaussian projection: from the bound's
        // k on, every pair is inside 1 ± ε (it holds with probability ≥ 1/n
        // per draw; our draws succeed, and if one ever did not, this test
        // would say so rather than hide it).
        if e.method == Method::Gaussian {
            for &(k, worst) in e.worst_by_k.iter().filter(|(k, _)| *k >= bound) {
                assert!(worst <= config.eps, "{} at k = {k}: {worst}", e.dataset);
            }
            let smallest = e.smallest_k_by_size.last().copied().flatten();
            assert!(smallest.is_some_and(|k| k <= bound), "{}: {smallest:?}", e.dataset);
        }
        // Distortion shrinks with k: the worst pair at the largest k is far
        // better than at the first grid point.
        assert!(e.worst_by_k.last().unwrap().1 < 0.5 * e.worst_by_k[0].1);
        // The typical pair needs far fewer dimensions than the worst.
        for (typical, worst) in e.typical_k_by_eps.iter().zip(&e.smallest_k_by_eps) {
            if let (Some(t), Some(w)) = (typical, worst) {
                assert!(t < w, "{} {:?}: {t} vs {w}", e.dataset, e.method);
            }
        }
    }
    // Sparse recovery: every measured read-out error within 5% of
    // √((K − 1)/d), whatever N; basis pursuit on the predicted side of the
    // Donoho–Tanner curve in at least 95% of the cells, and the cells that
    // are not lie near it (where a finite N blurs the transition).
    let s = &report.sparsity;
    assert!(s.worst_law_gap() < 0.05, "read-out error off the law by {}", s.worst_law_gap());
    let (agree, cells) = s.agreement();
    assert!(agree as f64 >= 0.95 * cells as f64, "{agree} of {cells} cells agree");
    assert!(s.worst_miss().is_none_or(|m| m < 0.06), "a miss {:?} from the curve", s.worst_miss());
    // Three read-outs of the same inputs: basis pursuit lasts longest, and
    // the threshold's share follows its prediction (binomial error).
    let trials = config.sparsity.compare_trials as f64;
    for r in &s.readouts {
        let [top_k, threshold, bp] = r.recovered;
        assert!(bp >= top_k && top_k >= threshold, "K = {}: {:?}", r.k, r.recovered);
        let sd = (r.threshold_predicted * (1.0 - r.threshold_predicted) / trials).sqrt();
        assert!((threshold - r.threshold_predicted).abs() <= 4.0 * sd + 0.05, "K = {}: {r:?}", r.k);
    }
    // The projected basis: the worst |cos| never exceeds the JL-route bound.
    for b in &report.superposition {
        if let Some(jl) = b.jl_bound {
            assert!(b.worst_abs_cos <= jl, "k={}: {} > {jl}", b.k, b.worst_abs_cos);
        }
        // RMS of cos is 1/√k within 5% (about 2 million pairs).
        assert!((b.rms_cos * (b.k as f64).sqrt() - 1.0).abs() < 0.05, "k={}", b.k);
    }
    // The direct route needs fewer dimensions than the route through JL.
    assert!(report.k_direct < report.k_jl);
}
