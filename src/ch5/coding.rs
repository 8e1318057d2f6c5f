//! The amortisation gap: the sweep's L1 SAEs at the main size, their
//! encoders' codes against the best codes for their own dictionaries
//! (FISTA on the SAE's objective), both measured like every SAE.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use super::{Config, Run};
use crate::sae::coding::{encoder_codes, fista, optimality_gap};
use crate::sae::data::{Batch, GroundTruth};
use crate::sae::known::truth_sae;
use crate::sae::metrics::{Metrics, evaluate, measure};
use crate::sae::model::{Activation, Sae, Workspace, decode_codes};

/// One SAE: its encoder's metrics and those of the optimal codes on the same
/// samples; the known solution, the true dictionary with its optimal codes;
/// and how far FISTA's codes are from optimal (in units of λ, the larger of
/// the two dictionaries').
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodingRow {
    pub l1: f32,
    pub encoder: Metrics,
    pub optimal: Metrics,
    pub truth: Metrics,
    pub optimality_gap: f64,
}

/// The metrics of `sae`'s optimal codes on `set` (FISTA from its encoder's
/// codes), and how far they are from optimal.
pub(super) fn optimal_codes(sae: &Sae, truth: &GroundTruth, set: &Batch, steps: usize) -> (Metrics, f64) {
    let x = ArrayView2::from_shape((set.size, set.d), &set.x[..]).expect("B × d");
    let codes = fista(sae, x, encoder_codes(sae, &set.x), steps);
    let mut ws = Workspace::new(&sae.spec, set.size);
    decode_codes(sae, &set.x, codes.as_slice().expect("contiguous"), &mut ws);
    (measure(sae, truth, set, &ws), optimality_gap(sae, x, &codes))
}

/// The rows for the sweep's L1 SAEs at `config.main_size`, on the first
/// `config.coding_samples` samples of the evaluation set `eval`.
pub fn analyse(config: &Config, sweep: &[(Run, Sae)], truth: &GroundTruth, eval: &Batch) -> Vec<CodingRow> {
    let set = eval.head(config.coding_samples);
    let saes: Vec<&(Run, Sae)> =
        sweep.iter().filter(|(r, _)| r.m == config.main_size && r.activation == Activation::Relu).collect();
    crate::parallel::map(&saes, |(run, sae)| {
        let steps = config.coding_iterations;
        let (optimal, gap) = optimal_codes(sae, truth, &set, steps);
        // The true dictionary (b_dec = 0), read first by f = ReLU(F x).
        let known = truth_sae(truth, Activation::Relu, run.l1, 1.0, 0.0);
        let (truth_codes, truth_gap) = optimal_codes(&known, truth, &set, steps);
        CodingRow {
            l1: run.l1,
            encoder: evaluate(sae, truth, &set),
            optimal,
            truth: truth_codes,
            optimality_gap: gap.max(truth_gap),
        }
    })
}

/// The table of the amortisation gap, and its inline values.
pub(super) fn table(
    report: &super::Report,
    dirs: &crate::output::OutDirs,
    numbers: &mut crate::output::Numbers,
) -> anyhow::Result<()> {
    use crate::output::{markdown_table, sci, write_atomic};
    let c = &report.config;
    let opt = |v: Option<f64>, digits: usize| v.map_or("—".into(), |v| format!("{v:.digits$}"));
    let cells = |m: &Metrics| {
        vec![
            format!("{:.4}", m.objective),
            format!("{:.1}", m.l0),
            format!("{:.3}", m.fvu),
            m.latents.missed.map_or("—".into(), |v| format!("{:.0}%", 100.0 * v)),
            opt(m.latents.slope, 2),
            opt(m.latents.offset, 3),
        ]
    };
    let header = ["λ", "codes", "objective", "L₀", "FVU", "missed", "slope", "offset"];
    let mut rows: Vec<Vec<String>> = Vec::new();
    for r in &report.coding {
        let reads = [("encoder", &r.encoder), ("optimal", &r.optimal), ("truth", &r.truth)];
        for (name, m) in reads {
            let mut row = vec![if name == "encoder" { r.l1.to_string() } else { String::new() }, name.into()];
            row.extend(cells(m));
            rows.push(row);
        }
    }
    let right = [true, false, true, true, true, true, true, true];
    let text = markdown_table(&header, &right, &rows);
    write_atomic(&dirs.generated.join("ch5_coding.md"), text.as_bytes())?;
    numbers.set("coding_samples", c.coding_samples.to_string());
    numbers.set("coding_iterations", c.coding_iterations.to_string());
    numbers.set("learn_steps", c.learn.steps.to_string());
    numbers.set("learn_coding_steps", c.learn.coding_steps.to_string());
    let worst = report.coding.iter().map(|r| r.optimality_gap).fold(0.0, f64::max);
    numbers.set("coding_optimality", sci(worst, 1));
    let good = report.coding.iter().find(|r| r.l1 == c.good_l1).expect("validated: the good λ is swept");
    let lower = 1.0 - good.optimal.objective / good.encoder.objective;
    numbers.set("coding_good_lower", format!("{:.0}%", 100.0 * lower));
    let above = good.optimal.objective / good.truth.objective - 1.0;
    numbers.set("coding_good_above_truth", format!("{:.1}%", 100.0 * above));
    let below: Vec<String> = report
        .coding
        .iter()
        .filter(|r| r.optimal.objective < r.truth.objective)
        .map(|r| r.l1.to_string())
        .collect();
    numbers.set("coding_below_truth", if below.is_empty() { "none".into() } else { below.join(" and ") });
    numbers.set("coding_good_l0", format!("{:.1} → {:.1}", good.encoder.l0, good.optimal.l0));
    numbers.set("coding_good_fvu", format!("{:.3} → {:.3}", good.encoder.fvu, good.optimal.fvu));
    Ok(())
}
