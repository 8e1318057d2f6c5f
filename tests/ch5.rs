//! Chapter 5: snapshots of the quick report and figures, determinism, and
//! behaviour checks of trained sparse autoencoders that must hold for the
//! right reasons (each trains a few small SAEs).

mod common;

use superposition::ch5;
use superposition::chapters::generate;
use superposition::optim::AdamConfig;
use superposition::output::rounded_json;
use superposition::progress::Quiet;
use superposition::rng::stream;
use superposition::sae::data::{Batch, GroundTruth, TruthConfig};
use superposition::sae::metrics::{Metrics, evaluate};
use superposition::sae::model::{Activation, Sae, SaeSpec};
use superposition::sae::train::{SaeTrainConfig, train};

#[test]
fn quick_report_snapshot() {
    let report = ch5::run(&ch5::Config::quick(), &Quiet);
    insta::assert_json_snapshot!("ch5_quick_report", rounded_json(&report, 3));
}

#[test]
fn quick_figures_snapshot_and_determinism() {
    let (_, svgs) = common::generate_twice(|out| {
        generate::<ch5::Ch5>(&ch5::Config::quick(), out, &Quiet).unwrap();
    });
    for (name, svg) in svgs {
        insta::assert_snapshot!(name, svg);
    }
}

/// Train one ReLU SAE with M latents and penalty λ on d = 32, N = 64 (five
/// features per sample), and measure it on a fixed evaluation set.
fn trained(m: usize, l1: f32) -> Metrics {
    let config = TruthConfig { d: 32, n: 64, mean_active: 5.0, decay: 0.99, pair_correlation: 0.0 };
    let truth = GroundTruth::new(config, &mut stream(80, 0));
    let mut eval = Batch::new(4096, 32);
    truth.sample(&mut eval, &mut stream(80, 1));
    let mut rng = stream(80, 2);
    let mut sae = Sae::new(SaeSpec { d: 32, m, activation: Activation::Relu, l1 }, &mut rng);
    let mut probe = Batch::new(4096, 32);
    truth.sample(&mut probe, &mut rng);
    sae.init_decoder_bias(&probe.x);
    let train_config = SaeTrainConfig {
        steps: 4000,
        batch: 256,
        adam: AdamConfig::adam(1e-3),
        dead_window: 500,
        resample: None,
        auxk: None,
    };
    train(&mut sae, &truth, &train_config, &mut rng, |_, _| {});
    evaluate(&sae, &truth, &eval)
}

#[test]
fn recovery_needs_sparsity_and_enough_latents_and_reconstruction_does_not_show_it() {
    let settings = [(128, 0.2f32), (128, 0.02), (32, 0.2)];
    let [good, low, small] =
        superposition::parallel::map(&settings, |&(m, l1)| trained(m, l1)).try_into().unwrap();
    // M = 2N with a penalty in the window: nearly every feature comes back.
    assert!(good.recovered >= 0.9, "{good:?}");
    assert!(good.mmcs_truth_to_learned > 0.95, "{good:?}");
    // A tenth of the penalty reconstructs better and recovers little: more
    // latents are active than there are dimensions.
    assert!(low.fvu < good.fvu, "low λ FVU {} vs {}", low.fvu, good.fvu);
    assert!(low.recovered < 0.5, "{low:?}");
    assert!(low.l0 > 32.0, "L0 {}", low.l0);
    // Half as many latents as features cannot give each its own.
    assert!(small.recovered < 0.6, "{small:?}");
    // The L1 penalty shrinks reconstructions; with λ ten times smaller, less.
    assert!(good.shrinkage < low.shrinkage && good.shrinkage < 0.95, "{good:?} {low:?}");
}

#[test]
fn an_sae_finds_the_columns_of_the_pentagon_toy_model() {
    let report = ch5::run(&ch5::Config::quick(), &Quiet);
    let pentagon = report.loops.iter().find(|l| (l.config.n, l.config.d) == (5, 2)).unwrap();
    assert_eq!(pentagon.represented, 5, "norms {:?}", pentagon.norms);
    assert_eq!(pentagon.recovered, 5, "best cosines {:?}", pentagon.best_cos);
    // Five distinct latents, one per feature.
    let mut latents = pentagon.best_latent.clone();
    latents.sort();
    latents.dedup();
    assert_eq!(latents.len(), 5);
}

#[test]
fn paired_features_co_fire_at_the_configured_rate() {
    let report = ch5::run(&ch5::Config::quick(), &Quiet);
    let p = &report.paired;
    let rho = report.config.pair_correlation;
    // P(partner | first) = ρ + (1 − ρ) p_partner, with p_partner ≤ p_1.
    assert!(
        p.co_firing >= rho - 0.05 && p.co_firing <= rho + (1.0 - rho) * report.truth.p_first + 0.05,
        "{}",
        p.co_firing
    );
}

/// The book's own run (committed ch5.json): no SAE on the frontier has a
/// higher objective than the SAE built from the truth for its objective, and
/// the truth SAE's dictionary recovers every feature.
#[test]
fn every_frontier_sae_meets_the_truth_sae() {
    use superposition::ch5::KNOWN_MARGIN;
    let path = superposition::output::book_dir().join("generated/ch5.json");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("ch5.json (run `cargo book build`)"))
            .expect("valid JSON");
    let num = |v: &serde_json::Value| v.as_f64().expect("a number");
    let c = &report["config"];
    let main = num(&c["main_size"]);
    let mut frontier: Vec<&serde_json::Value> = Vec::new();
    for l1 in c["l1s"].as_array().expect("λs") {
        let run = report["sweep"]
            .as_array()
            .expect("sweep")
            .iter()
            .find(|r| num(&r["m"]) == main && r["l1"] == *l1)
            .expect("a run at the main size");
        frontier.push(run);
    }
    frontier.extend(report["topk"].as_array().expect("topk"));
    frontier.extend(report["jump"].as_array().expect("the JumpReLU runs"));
    let known = report["known"].as_array().expect("the truth SAEs");
    assert_eq!(known.len(), frontier.len());
    // The Chapter 4 toy models the SAEs read meet their own known solution.
    for l in report["loops"].as_array().expect("loops") {
        let (toy, construction) = (num(&l["toy_loss"]), num(&l["toy_construction"]));
        assert!(toy <= (1.0 + KNOWN_MARGIN) * construction, "toy model {toy} vs {construction}");
    }
    // Every swept SAE with at least N latents (the truth SAE has N) is at or
    // below the truth SAE for its λ.
    let features = num(&c["truth"]["n"]);
    let l1s = c["l1s"].as_array().expect("λs");
    for run in report["sweep"].as_array().expect("sweep").iter().filter(|r| num(&r["m"]) >= features) {
        let k = l1s.iter().position(|l| *l == run["l1"]).expect("a swept λ");
        let (trained, truth) = (num(&run["metrics"]["objective"]), num(&known[k]["objective"]));
        assert!(
            trained <= (1.0 + KNOWN_MARGIN) * truth,
            "M = {}, λ = {}: {trained} vs {truth}",
            run["m"],
            run["l1"]
        );
    }
    for (run, k) in frontier.iter().zip(known) {
        let (trained, truth) = (num(&run["metrics"]["objective"]), num(&k["objective"]));
        assert!(trained <= (1.0 + KNOWN_MARGIN) * truth, "{}: {trained} vs truth SAE {truth}", run["l1"]);
        assert_eq!(num(&k["metrics"]["recovered"]), 1.0);
        // The truth SAE reconstructs worse than the trained one (its encoder
        // reads along the true directions and picks up their interference).
        assert!(num(&k["metrics"]["fvu"]) > num(&run["metrics"]["fvu"]), "{run} vs {k}");
    }
}

/// The book's own run (the committed ch5.json, which `cargo book check`
/// regenerates) says what "Choosing λ and k without the truth" says of it.
#[test]
fn the_committed_run_chooses_as_the_chapter_says() {
    let path = superposition::output::book_dir().join("generated/ch5.json");
    let report: ch5::Report =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("ch5.json")).expect("a Chapter 5 report");
    let ch = &report.choosing;
    // The smallest dictionary agrees more with the next size as λ grows...
    let smallest = &ch.pairs[0].agreement;
    assert!(smallest.windows(2).all(|a| a[1] > a[0]), "{smallest:?}");
    // ...although it cannot hold every feature.
    assert!(ch.sizes[0].best_recovery <= ch.sizes[0].m as f64 / report.config.truth.n as f64);
    // TopK's knee is the swept k nearest the measured mean number of active features.
    let mean = report.truth.mean_active;
    let nearest = report
        .config
        .topks
        .iter()
        .min_by(|a, b| ((**a as f64) - mean).abs().total_cmp(&((**b as f64) - mean).abs()));
    assert_eq!(ch.knee_k.as_ref(), nearest, "mean active {mean}");
    // The window of good λ is wide once M ≥ N: several λ reach the best recovery.
    for s in ch.sizes.iter().filter(|s| s.m >= report.config.truth.n) {
        let best =
            report.sweep.iter().filter(|r| r.m == s.m && r.metrics.recovered >= s.best_recovery).count();
        assert!(best >= 2, "M = {}: {best} λ at the best recovery", s.m);
    }
}

/// The committed run says what "The encoder's gap" says of it: with the same
/// dictionary, the optimal codes beat the encoder on its own objective with
/// fewer latents and a smaller FVU at every λ, and still shrink.
#[test]
fn the_committed_run_has_the_encoders_gap_the_chapter_describes() {
    let path = superposition::output::book_dir().join("generated/ch5.json");
    let report: ch5::Report =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("ch5.json")).expect("a Chapter 5 report");
    assert_eq!(report.coding.len(), report.config.l1s.len());
    for row in &report.coding {
        let (e, o) = (&row.encoder, &row.optimal);
        let what = format!("λ = {}", row.l1);
        assert!(o.objective < e.objective && o.l0 < e.l0 && o.fvu < e.fvu, "{what}: {e:?} vs {o:?}");
        // The same dictionary: the same recovery.
        assert_eq!(o.recovered, e.recovered, "{what}");
        let (slope, offset) = (o.latents.slope.expect("a slope"), o.latents.offset.expect("an offset"));
        assert!(slope < 1.0 && offset < 0.0, "{what}: slope {slope}, offset {offset}");
        assert!(row.optimality_gap < 0.1, "{what}: FISTA {} λ from optimal", row.optimality_gap);
        // The true dictionary's optimal codes: slope about 1, offset about −λ/2.
        let t = &row.truth.latents;
        let (slope, offset) = (t.slope.expect("a slope"), t.offset.expect("an offset"));
        let half = row.l1 as f64 / 2.0;
        assert!((slope - 1.0).abs() < 0.1 && (offset + half).abs() < 0.3 * half, "{what}: {t:?}");
    }
    // Near the truth where the dictionary found every feature; below it at
    // some larger λ.
    let good = report.coding.iter().find(|r| r.l1 == report.config.good_l1).expect("the good λ");
    assert!(good.optimal.objective >= good.truth.objective);
    assert!(good.optimal.objective < 1.05 * good.truth.objective);
    assert!(
        report.coding.iter().any(|r| r.l1 > report.config.good_l1 && r.optimal.objective < r.truth.objective)
    );
}

/// The committed run says what "Closing the loop" says of dictionary
/// learning: with the best codes in place of the encoder's, both toy
/// layers give back every represented feature, the SAE itself fewer on the
/// tighter packing, and the looser packing more completely to the SAE.
#[test]
fn the_committed_run_learns_every_toy_feature_with_the_best_codes() {
    let path = superposition::output::book_dir().join("generated/ch5.json");
    let report: ch5::Report =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("ch5.json")).expect("a Chapter 5 report");
    for l in &report.loops {
        assert_eq!(l.learned_recovered, l.represented, "{:?}", l.config);
        assert!(l.learned_worst >= l.worst_represented, "{:?}", l.config);
    }
    let share = |l: &ch5::Loop| l.recovered as f64 / l.represented as f64;
    let (loose, tight) = (&report.loops[0], &report.loops[1]);
    assert!(tight.recovered < tight.represented && share(loose) > share(tight));
}

/// The committed run says what "Features inside features" says of it.
#[test]
fn the_committed_run_splits_and_absorbs_as_the_chapter_says() {
    let path = superposition::output::book_dir().join("generated/ch5.json");
    let report: ch5::Report =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("ch5.json")).expect("a Chapter 5 report");
    let (h, s) = (&report.config.hierarchy, &report.hierarchy.splitting);
    let (families, n) = (h.families.families, h.families.families * h.families.children);
    let at = |m: usize| s.runs.iter().find(|r| r.run.m == m).expect("a splitting size");
    // One latent per family: the parents, no child.
    let small = at(families);
    assert!(small.parents_found == families && small.children_found == 0, "{small:?}");
    // Two per family: a mix of levels, better than cutting every family in two.
    let middle = at(2 * families);
    assert!(middle.parents > 0 && middle.between > 0 && middle.children > 0, "{middle:?}");
    assert!(middle.optimal < middle.level_optimal);
    // One per child: every child, no parent.
    let full = at(n);
    assert!(full.children_found == n && full.parents == 0 && full.between == 0, "{full:?}");
    // No SAE's dictionary is worse than the tree's level (1% margin).
    for r in &s.runs {
        assert!(r.optimal < (1.0 + ch5::KNOWN_MARGIN) * r.level_optimal, "M = {}", r.run.m);
    }
    // Absorption: with coupled coefficients and S ⇒ G, G's latent is
    // silent most of the time S is present and at the baseline otherwise;
    // no S is recovered; the absorbed dictionary beats the truth.
    let rows = &report.hierarchy.absorption;
    let row = |strength: f64, coupled: bool| {
        rows.iter().find(|r| r.data.implication == strength && r.data.coupled == coupled).expect("a row")
    };
    let full = row(1.0, true);
    let a = &full.absorption;
    assert!(a.silent_with > 0.5 && a.silent_without < 0.15 && full.specific_found == 0, "{full:?}");
    assert!(full.absorbed_optimal < full.truth_optimal && full.optimal < full.truth_optimal);
    assert!((a.lean - full.absorbed_lean).abs() < 0.1, "{a:?}");
    // Independent coefficients: a partial lean, every specific feature
    // still (nearly) found, G's latent silent more often with S than without.
    let partial = row(1.0, false);
    let p = &partial.absorption;
    assert!(
        p.lean > 0.15 && p.lean < full.absorption.lean && p.silent_with > 2.0 * p.silent_without,
        "{p:?}"
    );
    assert!(partial.specific_found + 2 >= h.implications.pairs, "{partial:?}");
    // The weakest implication: no lean, no extra silence.
    let weak = row(h.strengths[0], false);
    assert!(
        weak.absorption.lean < 0.1 && weak.absorption.silent_with < weak.absorption.silent_without + 0.03
    );
    // The lean grows with the strength, for both kinds of coefficients.
    for coupled in [false, true] {
        let leans: Vec<f64> = h.strengths.iter().map(|&s| row(s, coupled).absorption.lean).collect();
        assert!(leans.windows(2).all(|w| w[1] > w[0]), "coupled {coupled}: {leans:?}");
    }
    // The paired run leans towards the partner; the independent SAE does not.
    let (paired, alone) = (&report.paired.absorption, &report.paired.independent_absorption);
    assert!(paired.lean > 0.15 && alone.lean.abs() < 0.05, "{paired:?} {alone:?}");
}

/// The committed run says what "Dead latents: resampling and AuxK" says:
/// with the auxiliary loss the TopK SAE ends with fewer dead latents than
/// without repair, recovers more of the features and reconstructs better.
#[test]
fn the_committed_run_keeps_latents_alive_with_auxk() {
    let path = superposition::output::book_dir().join("generated/ch5.json");
    let report: ch5::Report =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("ch5.json")).expect("a Chapter 5 report");
    let (plain, resampled, auxk) = (&report.resampled[1], &report.resampled[2], &report.resampled[3]);
    assert!(auxk.auxk && !auxk.resample && !plain.auxk && resampled.resample);
    assert!(auxk.dead_at_end < plain.dead_at_end, "{} vs {}", auxk.dead_at_end, plain.dead_at_end);
    assert!(auxk.metrics.recovered > plain.metrics.recovered + 0.05);
    assert!(auxk.metrics.fvu < plain.metrics.fvu);
}

/// The committed run says what "A learned threshold: JumpReLU" says: at the
/// penalty whose L0 is nearest the true one it recovers the features, its
/// latents have no soft threshold (an offset near 0, where the L1 SAE's is
/// clearly negative) and miss more occurrences than the L1 SAE's; a larger
/// penalty raises the thresholds and lowers L0; the smallest finds nothing.
/// Where they recover, the trained and truth SAEs switch on at nearly the
/// same true coefficient, at or above √λ.
#[test]
fn the_committed_run_has_the_jumprelu_the_chapter_describes() {
    let path = superposition::output::book_dir().join("generated/ch5.json");
    let report: ch5::Report =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("ch5.json")).expect("a Chapter 5 report");
    let c = &report.config;
    let l1 = report.sweep_run(c.main_size, c.good_l1);
    let working: Vec<&ch5::Run> = report.jump.iter().filter(|r| r.metrics.recovered >= 0.9).collect();
    assert!(working.len() >= 2, "{} JumpReLU runs recover", working.len());
    let true_l0 = report.truth.mean_active;
    let near = working
        .iter()
        .min_by(|a, b| (a.metrics.l0 - true_l0).abs().total_cmp(&(b.metrics.l0 - true_l0).abs()))
        .unwrap();
    assert!((near.metrics.l0 - true_l0).abs() < 1.0, "L0 {} against {true_l0}", near.metrics.l0);
    let (fit, l1_fit) = (&near.metrics.latents, &l1.metrics.latents);
    assert!(fit.offset.unwrap().abs() < 0.05 && l1_fit.offset.unwrap() < -0.05, "{fit:?} {l1_fit:?}");
    assert!(fit.missed.unwrap() > l1_fit.missed.unwrap());
    for w in working.windows(2) {
        assert!(w[1].l1 > w[0].l1 && w[1].threshold > w[0].threshold && w[1].metrics.l0 < w[0].metrics.l0);
    }
    assert!(report.jump[0].metrics.recovered < 0.1, "the smallest λ: {:?}", report.jump[0].metrics);
    let gate = |m: &superposition::sae::metrics::Metrics, theta: f64| {
        (theta - m.latents.offset.unwrap()) / m.latents.slope.unwrap()
    };
    let first = c.l1s.len() + c.topks.len();
    for r in &working {
        let k = &report.known[first + c.jump_l1s.iter().position(|&l| l == r.l1).unwrap()];
        let (trained, truth) =
            (gate(&r.metrics, r.threshold.unwrap()), gate(&k.metrics, k.theta.unwrap() as f64));
        let root = (r.l1 as f64).sqrt();
        assert!((trained - truth).abs() < 0.05, "λ = {}: gates {trained} and {truth}", r.l1);
        assert!((k.theta.unwrap() as f64 - root).abs() < 0.05, "λ = {}: truth θ {:?}", r.l1, k.theta);
        assert!(trained.min(truth) > root - 0.02, "λ = {}: gates {trained}, {truth}, √λ {root}", r.l1);
    }
    // The gap above √λ closes as λ grows.
    let (low, high) = (working[0], working[working.len() - 1]);
    let above = |r: &ch5::Run| gate(&r.metrics, r.threshold.unwrap()) - (r.l1 as f64).sqrt();
    assert!(above(low) > above(high) + 0.05, "{} vs {}", above(low), above(high));
}
