//! Tests of the coding exercises, against the book's own implementations.
//!
//!     cargo test --features exercises            # all of them (your stubs fail until filled in)
//!     cargo test --features exercises ch3        # one chapter's
//!     cargo test --features solutions            # the reference solutions (what CI runs)
#![cfg(feature = "exercises")]

use superposition::exercises as ex;
use superposition::rng::stream;

#[test]
fn ch1_random_unit_vectors_are_unit_and_isotropic() {
    let mut rng = stream(70, 0);
    let d = 20;
    let vs: Vec<Vec<f64>> = (0..4000).map(|_| ex::random_unit_vector(d, &mut rng)).collect();
    for v in &vs {
        assert_eq!(v.len(), d);
        assert!((v.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-9, "not a unit vector");
    }
    // Each coordinate has mean 0 and E[x²] = 1/d; consecutive pairs have E[cos²] = 1/d.
    let mean0 = vs.iter().map(|v| v[0]).sum::<f64>() / 4000.0;
    let sq0 = vs.iter().map(|v| v[0] * v[0]).sum::<f64>() / 4000.0;
    let cos2 =
        vs.windows(2).map(|w| w[0].iter().zip(&w[1]).map(|(a, b)| a * b).sum::<f64>().powi(2)).sum::<f64>()
            / 3999.0;
    assert!(
        mean0.abs() < 0.02 && (sq0 - 0.05).abs() < 0.01 && (cos2 - 0.05).abs() < 0.01,
        "{mean0} {sq0} {cos2}"
    );
}

#[test]
fn ch1_max_abs_cos_matches_the_book() {
    let mut rng = stream(71, 0);
    let vs = superposition::geometry::random_unit_vectors(30, 8, &mut rng);
    let rows: Vec<Vec<f64>> = vs.rows().into_iter().map(|r| r.iter().map(|&x| 3.0 * x).collect()).collect();
    let want = superposition::geometry::max_abs_cos(&vs);
    assert!((ex::max_abs_cos(&rows) - want).abs() < 1e-12, "lengths must not matter");
}

#[test]
fn ch2_welch_bound_matches_the_book() {
    for (n, d) in [(3, 3), (6, 3), (10, 5), (10_000, 100), (2, 1)] {
        assert!((ex::welch_bound(n, d) - superposition::bounds::welch(n, d)).abs() < 1e-12, "n {n}, d {d}");
    }
}

#[test]
fn ch2_tail_probability_matches_the_exact_tail() {
    let mut rng = stream(72, 0);
    for (d, eps) in [(10, 0.3), (50, 0.1)] {
        let exact = superposition::angles::ln_tail(d, eps).exp();
        let pairs = 20_000;
        let sampled = ex::tail_probability(d, eps, pairs, &mut rng);
        let sd = (exact * (1.0 - exact) / pairs as f64).sqrt();
        assert!((sampled - exact).abs() < 5.0 * sd, "d {d}, ε {eps}: {sampled} vs {exact}");
    }
}

#[test]
fn ch3_jl_dimension_matches_the_book() {
    for (n, eps) in [(300, 0.25), (1_000_000_000, 0.2), (10, 0.5)] {
        assert_eq!(ex::jl_dimension(n, eps), superposition::jl::dasgupta_gupta_k(n, eps), "n {n}, ε {eps}");
    }
}

#[test]
fn ch3_gaussian_projection_preserves_squared_norms_on_average() {
    let mut rng = stream(73, 0);
    let x = vec![(0..50).map(|i| (i as f64 * 0.37).sin()).collect::<Vec<f64>>()];
    let norm2: f64 = x[0].iter().map(|v| v * v).sum();
    let k = 16;
    // ‖f(x)‖² / ‖x‖² is χ²_k / k: mean 1, variance 2/k.
    let ratios: Vec<f64> = (0..3000)
        .map(|_| {
            let y = ex::gaussian_projection(&x, k, &mut rng);
            assert_eq!((y.len(), y[0].len()), (1, k));
            y[0].iter().map(|v| v * v).sum::<f64>() / norm2
        })
        .collect();
    let mean = ratios.iter().sum::<f64>() / 3000.0;
    let var = ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / 2999.0;
    assert!((mean - 1.0).abs() < 0.03 && (var - 2.0 / k as f64).abs() < 0.025, "mean {mean}, variance {var}");
}

#[test]
fn ch3_readout_errors_are_the_interference_and_follow_the_law() {
    let mut rng = stream(74, 0);
    let (n, d, k) = (400, 64, 9);
    let directions: Vec<Vec<f64>> = (0..n).map(|_| ex_unit(d, &mut rng)).collect();
    let mut squares = 0.0;
    for t in 0..300 {
        let active: Vec<usize> = (0..k).map(|j| (t * 37 + j * 41) % n).collect();
        let errors = ex::readout_errors(&directions, &active);
        assert_eq!(errors.len(), k);
        // Each error is the sum of the cosines with the other active features.
        for (&i, e) in active.iter().zip(&errors) {
            let others: f64 = active
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| directions[i].iter().zip(&directions[j]).map(|(a, b)| a * b).sum::<f64>())
                .sum();
            assert!((e - others).abs() < 1e-9, "{e} vs {others}");
        }
        squares += errors.iter().map(|e| e * e).sum::<f64>();
    }
    let rms = (squares / (300 * k) as f64).sqrt();
    let law = superposition::sparse::interference_law(k, d);
    assert!((rms / law - 1.0).abs() < 0.1, "RMS {rms} vs √((K − 1)/d) = {law}");
}

/// A unit vector from the library (the exercise's own is Chapter 1's).
fn ex_unit(d: usize, rng: &mut superposition::rng::ChaCha8Rng) -> Vec<f64> {
    superposition::geometry::random_unit_vector(d, rng).to_vec()
}

#[test]
fn ch3_ista_recovers_a_sparse_vector_and_not_a_dense_one() {
    let mut rng = stream(75, 0);
    let (n, d) = (60, 30);
    let q = superposition::sparse::orthonormal_rows(d, n, &mut rng);
    let a: Vec<Vec<f64>> = q.rows().into_iter().map(|r| r.to_vec()).collect();
    for (k, recovers) in [(3, true), (25, false)] {
        let x = superposition::sparse::sparse_signs(n, k, &mut rng);
        let y: Vec<f64> = a.iter().map(|row| row.iter().zip(&x).map(|(p, q)| p * q).sum()).collect();
        let x_hat = ex::ista(&a, &y, 1e-3, 20_000);
        let error = x_hat.iter().zip(&x).map(|(p, q)| (p - q).powi(2)).sum::<f64>().sqrt();
        let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        // The lasso shrinks by about λ: within a few λ of the truth, or far off.
        assert_eq!(error < 0.02 * norm, recovers, "K = {k}: error {error}, ‖x‖ {norm}");
    }
}

#[test]
fn ch4_toy_model_gradient_matches_the_book() {
    // Compared with the reference code the chapter shows (`toy::reference`),
    // on one sample: the exercise is that code, one sample at a time.
    use ndarray::Array1;
    use superposition::toy::model::{Kind, Spec, random_params};
    use superposition::toy::reference::{Model, loss_and_grad, sample};
    let (n, d) = (7, 3);
    let spec = Spec::new(Kind::ReluOutput, n, d);
    let mut rng = stream(74, 0);
    let params = random_params(&spec, &mut rng);
    let importance: Vec<f32> = (0..n).map(|i| 0.8f32.powi(i as i32)).collect();
    let x = sample(&spec, 1, 0.6, &mut rng);
    let want = loss_and_grad(&Model::from_flat(&spec, &params), &Array1::from(importance.clone()), &x);
    let grad = want.flat_gradient(&spec);
    let f = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let x = x.iter().copied().collect::<Vec<f32>>();
    let (loss, dw, db) =
        ex::toy_model_gradient(&f(&params[..d * n]), &f(&params[d * n..]), &f(&x), &f(&importance), d);
    let want = want.value as f64;
    assert!((loss - want).abs() < 1e-5 * (1.0 + want), "loss {loss} vs {want}");
    assert_eq!(dw.len() + db.len(), grad.len());
    for (k, (a, &b)) in dw.iter().chain(&db).zip(&grad).enumerate() {
        assert!((a - b as f64).abs() < 1e-4 * (1.0 + b.abs() as f64), "parameter {k}: {a} vs {b}");
    }
}

#[test]
fn ch4_feature_dimensionality_matches_the_book() {
    let (n, d) = (9, 4);
    let mut w: Vec<f32> = (0..d * n).map(|k| ((k * 7919 % 23) as f32 / 11.0) - 1.0).collect();
    w[2] = 0.0; // a dropped feature: column 2 is zero
    w[n + 2] = 0.0;
    w[2 * n + 2] = 0.0;
    w[3 * n + 2] = 0.0;
    let want = superposition::toy::analysis::features(&w, n).dimensionality;
    let got = ex::feature_dimensionality(&w.iter().map(|&v| v as f64).collect::<Vec<f64>>(), d);
    for (a, b) in got.iter().zip(&want) {
        assert!((a - b).abs() < 1e-6, "{got:?} vs {want:?}");
    }
}

/// An SAE and its ground truth, small and slightly trained, so that the
/// cosines are neither all 1 nor all 0.
fn small_sae() -> (superposition::sae::data::GroundTruth, superposition::sae::model::Sae) {
    use superposition::optim::AdamConfig;
    use superposition::sae::data::{Batch, GroundTruth, TruthConfig};
    use superposition::sae::model::{Activation, Sae, SaeSpec};
    use superposition::sae::train::{SaeTrainConfig, train};
    let mut rng = stream(75, 0);
    let config = TruthConfig { d: 8, n: 12, mean_active: 2.0, decay: 0.95, pair_correlation: 0.0 };
    let truth = GroundTruth::new(config, &mut rng);
    let mut sae = Sae::new(SaeSpec { d: 8, m: 16, activation: Activation::Relu, l1: 0.1 }, &mut rng);
    let mut probe = Batch::new(256, 8);
    truth.sample(&mut probe, &mut rng);
    sae.init_decoder_bias(&probe.x);
    let train_config = SaeTrainConfig {
        steps: 100,
        batch: 64,
        adam: AdamConfig::adam(1e-3),
        dead_window: 50,
        resample: None,
        auxk: None,
    };
    train(&mut sae, &truth, &train_config, &mut rng, |_, _| {});
    (truth, sae)
}

#[test]
fn ch5_mean_max_cosine_matches_the_book() {
    use superposition::sae::data::Batch;
    use superposition::sae::metrics::evaluate;
    let (truth, sae) = small_sae();
    let mut eval = Batch::new(4096, 8);
    truth.sample(&mut eval, &mut stream(75, 1));
    let want = evaluate(&sae, &truth, &eval).mmcs_truth_to_learned;
    let f = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let learned: Vec<f64> = (0..16).flat_map(|j| f(sae.decoder(j))).collect();
    let got = ex::mean_max_cosine(&f(&truth.features), &learned, 8);
    assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    assert!(got > 0.3 && got < 0.999, "a half-trained SAE: {got}");
}

#[test]
fn ch5_fraction_of_variance_unexplained_matches_the_book() {
    use superposition::sae::data::Batch;
    use superposition::sae::metrics::evaluate;
    use superposition::sae::model::{Workspace, forward};
    let (truth, sae) = small_sae();
    let mut eval = Batch::new(2048, 8);
    truth.sample(&mut eval, &mut stream(75, 2));
    let want = evaluate(&sae, &truth, &eval).fvu;
    let mut ws = Workspace::new(&sae.spec, 2048);
    forward(&sae, &eval.x, &mut ws);
    let f = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let got = ex::fraction_of_variance_unexplained(&f(&eval.x), &f(ws.reconstruction(2048, 8)), 8);
    assert!((got - want).abs() < 1e-6 * (1.0 + want), "{got} vs {want}");
    assert!(got > 1e-3, "the SAE is not perfect: {got}");
}

#[test]
fn ch5_lasso_code_matches_the_books_sparse_coding() {
    use ndarray::{Array2, ArrayView2};
    use superposition::sae::coding::fista;
    use superposition::sae::data::Batch;
    let (truth, sae) = small_sae();
    let mut set = Batch::new(8, 8);
    truth.sample(&mut set, &mut stream(75, 3));
    let x = ArrayView2::from_shape((8, 8), &set.x[..]).unwrap();
    let book = fista(&sae, x, Array2::zeros((8, 16)), 3000);
    let f = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let dictionary: Vec<f64> = (0..16).flat_map(|j| f(sae.decoder(j))).collect();
    let lay = sae.spec.layout();
    let b_dec = f(&sae.params[lay.b_dec..lay.b_dec + 8]);
    let mut active = 0;
    for s in 0..8 {
        let xbar: Vec<f64> = f(&set.x[s * 8..(s + 1) * 8]).iter().zip(&b_dec).map(|(x, b)| x - b).collect();
        let got = ex::lasso_code(&xbar, &dictionary, sae.spec.l1 as f64, 20_000);
        for (j, &g) in got.iter().enumerate() {
            let want = book[[s, j]] as f64;
            assert!((g - want).abs() < 2e-3, "sample {s}, latent {j}: {g} vs {want}");
            active += (g > 0.0) as usize;
        }
    }
    assert!(active > 0 && active < 8 * 16, "a sparse, non-empty code: {active} active");
}

#[test]
fn ch5_nearest_node_matches_the_books() {
    use superposition::sae::hierarchy::{Families, FamiliesConfig};
    let config = FamiliesConfig { d: 16, families: 1, children: 4, rate: 0.5, sibling_cos: 0.5 };
    let fam = Families::new(config, &mut stream(76, 0));
    let f = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let children: Vec<f64> = (0..4).flat_map(|c| f(fam.truth.feature(c))).collect();
    // Random directions, the parent, a child and a pair: the same node and cosine.
    let mut rng = stream(76, 1);
    let mut rows: Vec<Vec<f32>> = (0..50).map(|_| ex_random(16, &mut rng)).collect();
    rows.push(fam.parent(0).to_vec());
    rows.push(fam.truth.feature(2).to_vec());
    rows.push(fam.truth.feature(0).iter().zip(fam.truth.feature(3)).map(|(a, b)| a + b).collect());
    let mut masks = std::collections::BTreeSet::new();
    for row in &rows {
        let want = fam.nearest_node(row);
        let (mask, cos) = ex::nearest_node(&f(row), &children);
        assert_eq!(mask, want.children, "{row:?}");
        assert!((cos - want.cos).abs() < 1e-5, "{cos} vs {}", want.cos);
        masks.insert(mask);
    }
    assert!(masks.contains(&0b1111) && masks.contains(&0b0100) && masks.contains(&0b1001), "{masks:?}");
}

/// A random direction in f32 (Gaussian coordinates; its length does not matter).
fn ex_random(d: usize, rng: &mut rand_chacha::ChaCha8Rng) -> Vec<f32> {
    use rand_distr::{Distribution, StandardNormal};
    (0..d).map(|_| StandardNormal.sample(rng)).collect()
}
