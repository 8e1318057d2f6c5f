//! The chapter's generated tables and inline values.

use super::{HEAT_FLOOR, KNOWN_MARGIN, Report, Run};
use crate::output::{Numbers, OutDirs, grouped, markdown_table, sci, write_atomic};
use crate::sae::metrics::RECOVERED;
use crate::sae::model::Activation;

/// The truth SAE tuned to the objective of `r` (its λ, or its TopK k).
fn known_for<'a>(report: &'a Report, r: &Run) -> Option<&'a crate::sae::known::TruthSae> {
    let c = &report.config;
    let k = match r.activation {
        Activation::Relu => c.l1s.iter().position(|&l| l == r.l1)?,
        Activation::TopK(k) => c.l1s.len() + c.topks.iter().position(|&t| t == k)?,
        Activation::JumpRelu => c.l1s.len() + c.topks.len() + c.jump_l1s.iter().position(|&l| l == r.l1)?,
    };
    report.known.get(k)
}

/// A share as a whole percentage.
fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

pub(super) fn tables(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    setup(report, numbers);
    sweep(report, dirs, numbers)?;
    frontier(report, dirs, numbers)?;
    recovery(report, dirs, numbers)?;
    paired_and_loops(report, dirs, numbers)?;
    jumprelu(report, dirs, numbers)
}

/// JumpReLU beside the chapter's L1 SAE and the TopK SAE with k near the
/// true L0: on L0, reconstruction, recovery and the latents' own line.
fn jumprelu(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let c = &report.config;
    let l0 = format!("L0 (true {:.1})", report.truth.mean_active);
    let header = ["SAE", &l0, "FVU", "recovered", "slope", "offset", "missed", "θ (c at θ)"];
    let opt = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.2}"));
    let runs = [report.sweep_run(c.main_size, c.good_l1), report.topk_run(c.dead_topk)]
        .into_iter()
        .chain(&report.jump);
    let row = |label: String, m: &crate::sae::metrics::Metrics, theta: Option<f64>| {
        let fit = &m.latents;
        vec![
            label,
            format!("{:.1}", m.l0),
            sci(m.fvu, 2),
            pct(m.recovered),
            opt(fit.slope),
            opt(fit.offset),
            fit.missed.map_or("—".into(), pct),
            match gate(m, theta) {
                Some(c) => format!("{} ({c:.2})", opt(theta)),
                None => opt(theta),
            },
        ]
    };
    let mut rows: Vec<Vec<String>> = runs.map(|r| row(r.label(), &r.metrics, r.threshold)).collect();
    // The known solution for each penalty: the truth SAE with its θ tuned.
    for r in &report.jump {
        if let Some(k) = known_for(report, r) {
            let label = format!("truth SAE, λ = {}", r.l1);
            rows.push(row(label, &k.metrics, k.theta.map(f64::from)));
        }
    }
    let right = [false, true, true, true, true, true, true, true];
    write_atomic(&dirs.generated.join("ch5_jumprelu.md"), markdown_table(&header, &right, &rows).as_bytes())?;
    let l1s: Vec<String> = c.jump_l1s.iter().map(|l| l.to_string()).collect();
    numbers.set("jump_l1s", l1s.join(", "));
    numbers.set("jump_eps", crate::sae::model::JUMP_EPS.to_string());
    numbers.set("jump_theta0", crate::sae::model::JUMP_THETA0.to_string());
    // The run whose L0 is nearest the true one, among those that recover.
    let near = report.jump.iter().filter(|r| r.metrics.recovered >= 0.9).min_by(|a, b| {
        (a.metrics.l0 - report.truth.mean_active)
            .abs()
            .total_cmp(&(b.metrics.l0 - report.truth.mean_active).abs())
    });
    if let Some(r) = near {
        numbers.set("jump_near_l1", r.l1.to_string());
        numbers.set("jump_near_l0", format!("{:.1}", r.metrics.l0));
        numbers.set("jump_near_recovery", pct(r.metrics.recovered));
        numbers.set("jump_near_offset", opt(r.metrics.latents.offset));
        numbers.set("jump_near_slope", opt(r.metrics.latents.slope));
        numbers.set("jump_near_missed", r.metrics.latents.missed.map_or("—".into(), pct));
        numbers.set("jump_near_theta", opt(r.threshold));
    }
    let failed: Vec<String> =
        report.jump.iter().filter(|r| r.metrics.recovered < 0.5).map(|r| r.l1.to_string()).collect();
    // Where trained and truth SAEs gate, on the coefficient's scale, for
    // every penalty whose SAE recovers, beside √λ.
    let (mut gates, mut roots) = (Vec::new(), Vec::new());
    for r in report.jump.iter().filter(|r| r.metrics.recovered >= 0.9) {
        let Some(k) = known_for(report, r) else { continue };
        let truth_gate = gate(&k.metrics, k.theta.map(f64::from));
        gates.push(format!("{} and {} at λ = {}", opt(gate(&r.metrics, r.threshold)), opt(truth_gate), r.l1));
        roots.push(format!("{:.2}", (r.l1 as f64).sqrt()));
    }
    numbers.set("jump_gates", gates.join(", "));
    numbers.set("jump_roots", roots.join(", "));
    numbers.set("jump_failed", if failed.is_empty() { "none".into() } else { failed.join(" and ") });
    if let Some(r) = report.jump.iter().find(|r| r.metrics.recovered < 0.5) {
        numbers.set("jump_failed_l0", format!("{:.0}", r.metrics.l0));
    }
    Ok(())
}

/// The true coefficient at which a JumpReLU SAE's matched latents switch
/// on: where their fitted line f = slope · c + offset reaches the threshold θ.
fn gate(m: &crate::sae::metrics::Metrics, theta: Option<f64>) -> Option<f64> {
    let (slope, offset) = (m.latents.slope?, m.latents.offset?);
    Some((theta? - offset) / slope)
}

/// The setup: the ground truth, the sizes and the training.
fn setup(report: &Report, numbers: &mut Numbers) {
    let c = &report.config;
    let t = &c.train;
    // Setup.
    numbers.set("d", c.truth.d.to_string());
    numbers.set("n", c.truth.n.to_string());
    numbers.set("mean_active", c.truth.mean_active.to_string());
    numbers.set("decay", c.truth.decay.to_string());
    numbers.set("p_first", sci(report.truth.p_first, 2));
    numbers.set("p_last", sci(report.truth.p_last, 2));
    numbers.set("measured_active", format!("{:.2}", report.truth.mean_active));
    numbers.set("truth_max_cos", format!("{:.2}", report.truth.max_cos));
    numbers.set("eval_samples", c.eval_samples.to_string());
    numbers.set("recovered_cos", RECOVERED.to_string());
    numbers.set("recovered_angle", format!("{:.1}°", RECOVERED.acos().to_degrees()));
    numbers.set("heat_floor", HEAT_FLOOR.to_string());
    numbers.set(
        "setup",
        format!(
            "Adam (learning rate {}), batches of {} fresh samples, {} steps ({} samples per SAE)",
            t.adam.lr,
            t.batch,
            t.steps,
            t.steps * t.batch
        ),
    );
    numbers.set("dead_window", format!("{} steps ({} samples)", t.dead_window, t.dead_window * t.batch));
    let at: Vec<String> = c.resample.at_steps.iter().map(|s| s.to_string()).collect();
    numbers.set("resample_at", at.join(", "));
    numbers.set("resample_candidates", c.resample.candidates.to_string());
    let sizes: Vec<String> = c.sizes.iter().map(|m| m.to_string()).collect();
    numbers.set("sizes", sizes.join(", "));
    numbers.set("main_size", c.main_size.to_string());
    numbers.set("good_l1", c.good_l1.to_string());
    numbers.set("low_l1", c.low_l1.to_string());
}

/// The sweep over sizes and λ, the known solution beside it, and the sizes that fail.
fn sweep(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let c = &report.config;
    // The sweep: recovery (and MMCS truth → learned) per λ and size.
    let mut header = vec!["λ".to_string()];
    header.extend(c.sizes.iter().map(|m| format!("M = {m}")));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let right = vec![true; header.len()];
    let rows: Vec<Vec<String>> = c
        .l1s
        .iter()
        .map(|&l1| {
            let mut row = vec![l1.to_string()];
            for &m in &c.sizes {
                let r = report.sweep_run(m, l1);
                row.push(format!("{} ({:.3})", pct(r.metrics.recovered), r.metrics.mmcs_truth_to_learned));
            }
            row
        })
        .collect();
    // The known solution's row: the truth SAE recovers every feature.
    let mut rows = rows;
    if let Some(k) = report.known.first() {
        let cell = format!("{} ({:.3})", pct(k.metrics.recovered), k.metrics.mmcs_truth_to_learned);
        let mut row = vec![format!("truth SAE, {} latents", c.truth.n)];
        row.extend(c.sizes.iter().map(|_| cell.clone()));
        rows.push(row);
    }
    write("ch5_sweep.md", markdown_table(&header, &right, &rows))?;
    // Which swept SAEs have a higher objective than the truth SAE for their λ.
    let above = |r: &&Run| {
        known_for(report, r).is_some_and(|k| r.metrics.objective > (1.0 + KNOWN_MARGIN) * k.objective)
    };
    let (big, small): (Vec<&Run>, Vec<&Run>) =
        report.sweep.iter().filter(above).partition(|r| r.m >= c.truth.n);
    let lambdas =
        |v: &[&Run]| v.iter().map(|r| format!("M = {}, λ = {}", r.m, r.l1)).collect::<Vec<_>>().join("; ");
    let sentence = match (big.is_empty(), small.is_empty()) {
        (true, true) => "Every swept SAE has a lower objective than the truth SAE for its λ.".to_string(),
        (true, false) => format!(
            "Every swept SAE with at least as many latents as features has a lower objective than the truth SAE \
             for its λ; with fewer ({}), the truth SAE's is lower — it has latents these SAEs lack.",
            lambdas(&small)
        ),
        (false, _) => format!(
            "The truth SAE has the lower objective for {}: there training did not reach a solution we can write \
             down.",
            lambdas(&big)
        ),
    };
    numbers.set("sweep_known", sentence);
    let best = report
        .sweep
        .iter()
        .max_by(|a, b| a.metrics.recovered.total_cmp(&b.metrics.recovered).then(b.l1.total_cmp(&a.l1)))
        .expect("a sweep");
    numbers.set("best_recovery", pct(best.metrics.recovered));
    numbers.set("best_recovery_at", format!("M = {}, λ = {}", best.m, best.l1));
    let (small_m, large_m) = (*c.sizes.iter().min().expect("sizes"), *c.sizes.iter().max().expect("sizes"));
    let smallest = report.sweep_run(small_m, c.good_l1);
    numbers.set("smallest_size_recovery", pct(smallest.metrics.recovered));
    let smallest_best =
        report.sweep.iter().filter(|r| r.m == small_m).map(|r| r.metrics.recovered).fold(0.0, f64::max);
    numbers.set("smallest_size_best", pct(smallest_best));
    let largest = report.sweep_run(large_m, c.good_l1);
    numbers.set("largest_size", largest.m.to_string());
    numbers.set("largest_size_mmcs_back", format!("{:.3}", largest.metrics.mmcs_learned_to_truth));
    numbers.set("largest_size_dead", largest.metrics.dead.to_string());
    Ok(())
}

/// A matched latent's slope or offset, or a dash where no feature was recovered.
fn slope(x: Option<f64>) -> String {
    x.map_or("—".into(), |x| format!("{x:.3}"))
}

/// The frontier of reconstruction against sparsity, and the truth SAEs on their own.
fn frontier(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let c = &report.config;
    // The frontier: every L1 run at the main size and every TopK run.
    let header = [
        "SAE",
        "L0",
        "FVU",
        "recovered",
        "MMCS truth → learned",
        "MMCS learned → truth",
        "dead (evaluation set)",
    ];
    let right = [false, true, true, true, true, true, true];
    let frontier: Vec<&Run> =
        c.l1s.iter().map(|&l| report.sweep_run(c.main_size, l)).chain(report.topk.iter()).collect();
    let rows: Vec<Vec<String>> = frontier
        .iter()
        .map(|r| {
            let m = &r.metrics;
            vec![
                r.label(),
                format!("{:.1}", m.l0),
                sci(m.fvu, 2),
                pct(m.recovered),
                format!("{:.3}", m.mmcs_truth_to_learned),
                format!("{:.3}", m.mmcs_learned_to_truth),
                m.dead.to_string(),
            ]
        })
        .collect();
    write("ch5_frontier.md", markdown_table(&header, &right, &rows))?;
    // The same SAEs' shrinkage, measured on the reconstructions and on the latents.
    let header = ["SAE", "L0", "shrinkage", "latent slope", "offset", "missed"];
    let rows: Vec<Vec<String>> = frontier
        .iter()
        .map(|r| {
            let (m, fit) = (&r.metrics, &r.metrics.latents);
            vec![
                r.label(),
                format!("{:.1}", m.l0),
                format!("{:.3}", m.shrinkage),
                slope(fit.slope),
                slope(fit.offset),
                fit.missed.map_or("—".into(), pct),
            ]
        })
        .collect();
    write("ch5_shrinkage.md", markdown_table(&header, &[false, true, true, true, true, true], &rows))?;
    truth_sae(report, &frontier, dirs, numbers)
}

/// The truth SAEs on their own: what recovering every feature costs on each
/// objective, beside the trained SAE of the frontier for that objective.
fn truth_sae(
    report: &Report,
    frontier: &[&Run],
    dirs: &OutDirs,
    numbers: &mut Numbers,
) -> anyhow::Result<()> {
    // The frontier's objectives, then JumpReLU's: the order of `known`.
    let runs: Vec<&Run> = frontier.iter().copied().chain(&report.jump).collect();
    let rows: Vec<Vec<String>> = runs
        .iter()
        .zip(&report.known)
        .map(|(r, known)| {
            let trained = r.metrics.objective;
            let label = match r.activation {
                Activation::Relu => format!("λ = {}", r.l1),
                Activation::TopK(k) => format!("TopK {k}"),
                Activation::JumpRelu => format!("JumpReLU, λ = {}", r.l1),
            };
            vec![
                label,
                format!("{trained:.4}"),
                format!("{:.4}", known.objective),
                format!("{:.3}", trained / known.objective),
                sci(known.metrics.fvu, 2),
                format!("{:.4}", known.true_codes),
                if known.true_codes > 0.0 {
                    format!("{:.3}", trained / known.true_codes)
                } else {
                    "—".into()
                },
            ]
        })
        .collect();
    let header = [
        "objective",
        "trained SAE",
        "truth SAE",
        "trained ÷ truth SAE",
        "truth SAE: FVU",
        "true codes",
        "trained ÷ true codes",
    ];
    let table = markdown_table(&header, &[false, true, true, true, true, true, true], &rows);
    write_atomic(&dirs.generated.join("ch5_truth_sae.md"), table.as_bytes())?;
    let beaten: Vec<String> = runs
        .iter()
        .zip(&report.known)
        .filter(|(r, k)| r.metrics.objective > (1.0 + KNOWN_MARGIN) * k.objective)
        .map(|(r, _)| r.label())
        .collect();
    let truth_beats = if beaten.is_empty() {
        "No trained SAE has a higher objective than the truth SAE for its objective.".to_string()
    } else {
        format!(
            "The truth SAE has the lower objective for {}: there training did not find a solution as good \
             as one we can write down.",
            beaten.join("; ")
        )
    };
    numbers.set("truth_beats", truth_beats);
    Ok(())
}

/// Reconstruction is not recovery; TopK; dead latents with and without resampling.
fn recovery(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let c = &report.config;
    // Reconstruction is not recovery.
    let (good, low) = (report.sweep_run(c.main_size, c.good_l1), report.sweep_run(c.main_size, c.low_l1));
    for (name, r) in [("good", good), ("low", low)] {
        numbers.set(&format!("{name}_fvu"), sci(r.metrics.fvu, 2));
        numbers.set(&format!("{name}_l0"), format!("{:.1}", r.metrics.l0));
        numbers.set(&format!("{name}_recovery"), pct(r.metrics.recovered));
        numbers.set(&format!("{name}_mmcs"), format!("{:.3}", r.metrics.mmcs_truth_to_learned));
    }
    numbers.set("good_shrinkage", format!("{:.3}", good.metrics.shrinkage));
    numbers.set("good_latent_slope", slope(good.metrics.latents.slope));
    numbers.set("good_latent_offset", slope(good.metrics.latents.offset));
    numbers.set("good_missed", good.metrics.latents.missed.map_or("—".into(), pct));
    let k = report.topk_run(c.dead_topk);
    numbers.set("topk_k", c.dead_topk.to_string());
    numbers.set("dead_size", c.dead_size.to_string());
    numbers.set("topk_encoder_scale", c.topk_encoder_scale.to_string());
    numbers.set("encoder_scale", c.resample.encoder_scale.to_string());
    let topk_runs = [
        ("topk_plain", &report.resampled[1]),
        ("topk_resampled", &report.resampled[2]),
        ("topk_auxk", &report.resampled[3]),
    ];
    for (name, r) in topk_runs {
        numbers.set(&format!("dead_{name}_recovery"), pct(r.metrics.recovered));
        numbers.set(&format!("dead_{name}_end"), r.dead_at_end.to_string());
        numbers.set(&format!("dead_{name}_fvu"), sci(r.metrics.fvu, 2));
        let most = r.dead_curve.iter().map(|p| p.1).max().unwrap_or(0);
        numbers.set(&format!("dead_{name}_most"), most.to_string());
        // The first logged step at which 90% of the features are recovered.
        let reached = r.recovery_curve.iter().find(|p| p.1 >= 0.9).map(|p| grouped(p.0 as u64));
        numbers.set(&format!("dead_{name}_reached"), reached.unwrap_or_else(|| "never".into()));
    }
    numbers.set("auxk_k", c.auxk.k.to_string());
    numbers.set("auxk_coef", format!("1/{}", (1.0 / c.auxk.coef).round()));
    numbers.set("topk_recovery", pct(k.metrics.recovered));
    numbers.set("topk_fvu", sci(k.metrics.fvu, 2));
    numbers.set("topk_shrinkage", format!("{:.3}", k.metrics.shrinkage));
    numbers.set("topk_latent_slope", slope(k.metrics.latents.slope));
    numbers.set("topk_latent_offset", slope(k.metrics.latents.offset));
    numbers.set("topk_missed", k.metrics.latents.missed.map_or("—".into(), pct));

    // Dead latents, with and without resampling.
    let header = [
        "SAE",
        "repair",
        "latents resampled",
        "dead: training's end · evaluation set",
        "recovered",
        "FVU",
        "objective ÷ truth SAE",
    ];
    let right = [false, false, true, true, true, true, true];
    let largest_m = *c.sizes.iter().max().expect("validated: sizes");
    let runs = [report.sweep_run(largest_m, c.good_l1)].into_iter().chain(&report.resampled);
    let rows: Vec<Vec<String>> = runs
        .map(|r| {
            let counts: Vec<String> = r.resampled.iter().map(|n| n.to_string()).collect();
            vec![
                format!("{}, M = {}", r.label(), r.m),
                r.repair().into(),
                if r.resample { counts.join(" + ") } else { "–".into() },
                format!("{} · {}", r.dead_at_end, r.metrics.dead),
                pct(r.metrics.recovered),
                sci(r.metrics.fvu, 2),
                known_for(report, r)
                    .map_or("—".into(), |k| format!("{:.3}", r.metrics.objective / k.objective)),
            ]
        })
        .collect();
    write("ch5_dead.md", markdown_table(&header, &right, &rows))?;
    Ok(())
}

/// Features that fire in pairs, and closing the loop with the toy models.
fn paired_and_loops(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let c = &report.config;
    // Paired features.
    let p = &report.paired;
    numbers.set("pair_correlation", c.pair_correlation.to_string());
    numbers.set("pair_co_firing", format!("{:.2}", p.co_firing));
    numbers.set("pair_recovery", pct(p.run.metrics.recovered));
    numbers.set("pair_independent_recovery", pct(p.independent_recovered));
    numbers.set("pair_both", format!("{} of {}", p.both_recovered, p.pairs));
    numbers.set("pair_sums", format!("{} of {}", p.sum_latents, p.pairs));

    // Closing the loop.
    for (i, l) in report.loops.iter().enumerate() {
        let tag = format!("loop{i}");
        let lc = &l.config;
        numbers.set(
            &format!("{tag}_setting"),
            format!("$N = {}$, $d = {}$, density {}", lc.n, lc.d, lc.density),
        );
        numbers.set(&format!("{tag}_latents"), lc.latents.to_string());
        numbers.set(&format!("{tag}_known"), format!("{:.3}", l.toy_loss / l.toy_construction));
        let importance = if lc.importance_decay == 1.0 {
            "equal for all features".to_string()
        } else {
            format!("$I_i = {}^{{i-1}}$", lc.importance_decay)
        };
        numbers.set(&format!("{tag}_importance"), importance);
        numbers.set(&format!("{tag}_recovered"), format!("{} of {}", l.recovered, l.represented));
        numbers.set(&format!("{tag}_worst"), format!("{:.3}", l.worst_represented));
        numbers.set(
            &format!("{tag}_learned_recovered"),
            format!("{} of {}", l.learned_recovered, l.represented),
        );
        numbers.set(&format!("{tag}_learned_worst"), format!("{:.3}", l.learned_worst));
        let header = [
            "feature i",
            "‖W_i‖",
            "best latent",
            "cos(W_i, decoder direction)",
            "the same, after learning with the best codes",
        ];
        let rows: Vec<Vec<String>> = (0..lc.n)
            .map(|f| {
                vec![
                    (f + 1).to_string(),
                    format!("{:.3}", l.norms[f]),
                    (l.best_latent[f] + 1).to_string(),
                    format!("{:.3}", l.best_cos[f]),
                    format!("{:.3}", l.learned_best_cos[f]),
                ]
            })
            .collect();
        write(&format!("ch5_{tag}.md"), markdown_table(&header, &[true; 5], &rows))?;
    }
    Ok(())
}
