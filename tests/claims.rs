//! The claims appendix: verdicts follow from the reports, and move when the
//! deciding numbers move.

use serde_json::Value;
use superposition::claims::{Claim, Reports, Verdict, check};
use superposition::output::book_dir;

fn committed() -> Reports {
    Reports::load(&book_dir()).expect("the committed reports (run `cargo book build`)")
}

fn verdict(claims: &[Claim], id: usize) -> Verdict {
    claims.iter().find(|c| c.id == id).unwrap().verdict
}

/// The capacity cell of ch2.json for (d, angle), mutably.
fn cell(r: &mut Reports, d: u64, angle: f64) -> &mut Value {
    r.ch2["capacity"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["d"] == d && c["angle_deg"].as_f64() == Some(angle))
        .unwrap()
}

#[test]
fn the_committed_table_is_what_the_committed_reports_decide() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("generated")).unwrap();
    for name in ["ch1.json", "ch2.json", "ch3.json", "ch4.json", "ch5.json"] {
        std::fs::copy(book_dir().join("generated").join(name), dir.path().join("generated").join(name))
            .unwrap();
    }
    superposition::claims::generate(dir.path()).unwrap();
    let fresh = std::fs::read_to_string(dir.path().join("generated/appendix_claims.md")).unwrap();
    let on_disk = std::fs::read_to_string(book_dir().join("generated/appendix_claims.md")).unwrap();
    assert_eq!(fresh, on_disk, "book/generated/appendix_claims.md is stale: run `cargo book build`");
    // Every claim listed in the design has a row.
    let claims = check(&committed()).unwrap();
    assert!((1..=9).all(|id| claims.iter().any(|c| c.id == id)));
}

#[test]
fn the_capacity_verdicts_flip_with_the_cap() {
    let mut r = committed();
    let before = check(&r).unwrap();
    assert_eq!(verdict(&before, 4), Verdict::Wrong);
    assert_eq!(verdict(&before, 6), Verdict::Holds);
    // Were the rigorous cap at 89° in 100 dimensions 10^5, the demonstration's
    // claim could hold and "about 100 at most" would be wrong.
    cell(&mut r, 100, 89.0)["log10_upper"] = Value::from(5.0);
    let after = check(&r).unwrap();
    assert_ne!(verdict(&after, 4), Verdict::Wrong);
    assert_eq!(verdict(&after, 6), Verdict::Wrong);
}

#[test]
fn the_other_verdicts_flip_with_their_numbers() {
    let mut r = committed();
    let before = check(&r).unwrap();
    assert_eq!(verdict(&before, 2), Verdict::Holds);
    assert_eq!(verdict(&before, 10), Verdict::Wrong);
    assert_eq!(verdict(&before, 1), Verdict::HoldsWithConditions);
    // A Gram–Schmidt residual of 0.1 after n vectors would refute "at most n".
    r.ch1["gram_schmidt"][0]["max_after_n"] = Value::from(0.1);
    // A Gaussian projection needing a tenth of the bound would make it pessimistic.
    for e in r.ch3["experiments"].as_array_mut().unwrap() {
        if e["method"] == "Gaussian" {
            let last = e["smallest_k_by_size"].as_array().unwrap().len() - 1;
            e["smallest_k_by_size"][last] = Value::from(50);
        }
    }
    // A greedy guarantee below 10,000 at 85° would make claim 1 wrong.
    cell(&mut r, 4096, 85.0)["log10_greedy"] = Value::from(3.0);
    let after = check(&r).unwrap();
    assert_eq!(verdict(&after, 2), Verdict::Wrong);
    assert_eq!(verdict(&after, 10), Verdict::Holds);
    assert_eq!(verdict(&after, 1), Verdict::Wrong);
}

#[test]
fn the_toy_model_verdict_flips_when_a_regime_disappears() {
    let mut r = committed();
    assert_eq!(verdict(&check(&r).unwrap(), 8), Verdict::Holds);
    // Were the sparsest n = 20, m = 5 model to keep only 5 features, there
    // would be no superposition to speak of.
    let last = r.ch4["gram"].as_array().unwrap().len() - 1;
    let kept = r.ch4["gram"][last]["represented"].clone();
    r.ch4["gram"][last]["represented"] = Value::from(5);
    assert_eq!(verdict(&check(&r).unwrap(), 8), Verdict::Wrong);
    // Nor, were a dense neuron polysemantic, would single features own single neurons.
    r.ch4["gram"][last]["represented"] = kept;
    r.ch4["privileged"][0]["neurons"][1] = Value::from(1);
    assert_eq!(verdict(&check(&r).unwrap(), 8), Verdict::Wrong);
}

#[test]
fn the_toy_model_verdict_needs_converged_models() {
    // A stuck model is not evidence: were the sparsest |x| model above its
    // known solution, or a kept model not converged, the claim is not shown.
    let fresh = committed();
    let last = fresh.ch4["abs_large"].as_array().unwrap().len() - 1;
    let mut r = committed();
    let known = r.ch4["abs_large"][last]["construction"].as_f64().unwrap();
    r.ch4["abs_large"][last]["loss"] = Value::from(1.02 * known);
    assert_eq!(verdict(&check(&r).unwrap(), 8), Verdict::Wrong);
    let mut r = committed();
    r.ch4["privileged"][0]["converged"] = Value::from(false);
    assert_eq!(verdict(&check(&r).unwrap(), 8), Verdict::Wrong);
    // And superposition that does not pay (sparse model no better than the
    // construction) does not show the sparse regime.
    let mut r = committed();
    let p = r.ch4["privileged"].as_array().unwrap().len() - 1;
    let known = r.ch4["privileged"][p]["construction"].as_f64().unwrap();
    r.ch4["privileged"][p]["loss"] = Value::from(known);
    assert_eq!(verdict(&check(&r).unwrap(), 8), Verdict::Wrong);
}

/// The sweep run of ch5.json at (M, λ), mutably.
fn sae_run(r: &mut Reports, m: u64, l1: f64) -> &mut Value {
    r.ch5["sweep"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|s| s["m"] == m && s["l1"].as_f64() == Some(l1))
        .unwrap()
}

#[test]
fn the_sae_verdict_follows_recovery_and_its_failure() {
    let mut r = committed();
    assert_eq!(verdict(&check(&r).unwrap(), 9), Verdict::HoldsWithConditions);
    let c = &r.ch5["config"];
    let (m, low) = (c["main_size"].as_u64().unwrap(), c["low_l1"].as_f64().unwrap());
    // Were the small penalty to recover the features too, no condition would be left.
    sae_run(&mut r, m, low)["metrics"]["recovered"] = Value::from(0.95);
    assert_eq!(verdict(&check(&r).unwrap(), 9), Verdict::Holds);
    // Nor if it reconstructed worse than the larger penalty.
    sae_run(&mut r, m, low)["metrics"]["recovered"] = Value::from(0.04);
    sae_run(&mut r, m, low)["metrics"]["fvu"] = Value::from(0.5);
    assert_eq!(verdict(&check(&r).unwrap(), 9), Verdict::Holds);
    // Were no SAE to recover 90% of the features, the claim would be wrong.
    for run in r.ch5["sweep"].as_array_mut().unwrap() {
        run["metrics"]["recovered"] = Value::from(0.5);
    }
    assert_eq!(verdict(&check(&r).unwrap(), 9), Verdict::Wrong);
}

#[test]
fn a_missing_report_is_an_error_not_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    assert!(Reports::load(dir.path()).is_err());
}
