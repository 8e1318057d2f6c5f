//! Choosing λ and k without the truth: the knee of each size's FVU–L0
//! curve and the agreement between dictionaries of neighbouring sizes,
//! measured on the sweep, against the recovery only the truth can tell.

use serde::{Deserialize, Serialize};

use super::{Report, Run};
use crate::output::{Numbers, OutDirs, markdown_table, write_atomic};
use crate::sae::choosing::{agreement, knee};
use crate::sae::model::{Activation, Sae};

/// The agreement of each size's dictionary with the next size's, at each
/// λ of the sweep (in the sweep's order).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SizePair {
    pub small: usize,
    pub large: usize,
    pub agreement: Vec<f64>,
}

/// What the truth-free rules choose at one dictionary size, and the best
/// recovery any λ reaches there.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SizeChoice {
    pub m: usize,
    /// λ at the knee of FVU against L0 (`None`: the curve has no knee).
    pub knee_l1: Option<f32>,
    /// λ where this dictionary agrees most with its neighbour `agree_with`
    /// (the next size up; the largest size, the next size down).
    pub agree_l1: f32,
    pub agree_with: usize,
    pub best_recovery: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Choosing {
    pub pairs: Vec<SizePair>,
    pub sizes: Vec<SizeChoice>,
    /// TopK's k at the knee, and the best recovery over k.
    pub knee_k: Option<usize>,
    pub best_k_recovery: f64,
}

/// The choices on the sweep (`sweep`: every (M, λ) run with its SAE, sizes
/// in `sizes`' order and λ in `l1s`' order within each) and the TopK runs.
pub fn analyse(sizes: &[usize], l1s: &[f32], sweep: &[(Run, Sae)], topk: &[Run]) -> Choosing {
    let at = |m: usize| sweep.iter().filter(move |(r, _)| r.m == m).collect::<Vec<_>>();
    let pairs: Vec<SizePair> = sizes
        .windows(2)
        .map(|w| {
            let (small, large) = (at(w[0]), at(w[1]));
            let agreement = small.iter().zip(&large).map(|((_, a), (_, b))| agreement(a, b)).collect();
            SizePair { small: w[0], large: w[1], agreement }
        })
        .collect();
    let sizes = sizes
        .iter()
        .enumerate()
        .map(|(i, &m)| {
            let runs = at(m);
            let points: Vec<(f64, f64)> = runs.iter().map(|(r, _)| (r.metrics.l0, r.metrics.fvu)).collect();
            // Its pair with the next size up, or for the largest the one below.
            let pair = &pairs[i.min(pairs.len() - 1)];
            let (q, _) = pair
                .agreement
                .iter()
                .enumerate()
                .fold((0, f64::MIN), |best, (q, &a)| if a > best.1 { (q, a) } else { best });
            SizeChoice {
                m,
                knee_l1: knee(&points).map(|k| runs[k].0.l1),
                agree_l1: l1s[q],
                agree_with: if pair.small == m { pair.large } else { pair.small },
                best_recovery: best_recovery(runs.iter().map(|(r, _)| r)),
            }
        })
        .collect();
    let points: Vec<(f64, f64)> = topk.iter().map(|r| (r.metrics.l0, r.metrics.fvu)).collect();
    let knee_k = knee(&points).and_then(|k| match topk[k].activation {
        Activation::TopK(k) => Some(k),
        Activation::Relu | Activation::JumpRelu => None,
    });
    Choosing { pairs, sizes, knee_k, best_k_recovery: best_recovery(topk.iter()) }
}

fn best_recovery<'a>(runs: impl Iterator<Item = &'a Run>) -> f64 {
    runs.map(|r| r.metrics.recovered).fold(0.0, f64::max)
}

/// The agreement table (λ by size pair), the choices table, and the
/// sentences that count how often each rule lands on the best recovery.
pub(super) fn tables(report: &Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()> {
    let write = |name: &str, text: String| write_atomic(&dirs.generated.join(name), text.as_bytes());
    let (c, ch) = (&report.config, &report.choosing);
    let pct = |x: f64| format!("{:.0}%", 100.0 * x);
    let mut header = vec!["λ".to_string()];
    header.extend(ch.pairs.iter().map(|p| format!("M = {} with {}", p.small, p.large)));
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let right = vec![true; header.len()];
    let rows: Vec<Vec<String>> = c
        .l1s
        .iter()
        .enumerate()
        .map(|(q, l1)| {
            let mut row = vec![l1.to_string()];
            row.extend(ch.pairs.iter().map(|p| format!("{:.3}", p.agreement[q])));
            row
        })
        .collect();
    write("ch5_agreement.md", markdown_table(&header, &right, &rows))?;

    let recovered = |m: usize, l1: f32| report.sweep_run(m, l1).metrics.recovered;
    let header = ["SAE", "knee of FVU against L₀", "most agreement", "best recovery"];
    let mut rows: Vec<Vec<String>> = ch
        .sizes
        .iter()
        .map(|s| {
            let knee = s.knee_l1.map_or("none".into(), |l| format!("λ = {l}: {}", pct(recovered(s.m, l))));
            let agree =
                format!("λ = {} (with {}): {}", s.agree_l1, s.agree_with, pct(recovered(s.m, s.agree_l1)));
            vec![format!("L1, M = {}", s.m), knee, agree, pct(s.best_recovery)]
        })
        .collect();
    let knee_k = ch
        .knee_k
        .map_or("none".into(), |k| format!("k = {k}: {}", pct(report.topk_run(k).metrics.recovered)));
    rows.push(vec![format!("TopK, M = {}", c.main_size), knee_k, "—".into(), pct(ch.best_k_recovery)]);
    write("ch5_choosing.md", markdown_table(&header, &[false, true, true, true], &rows))?;

    let hits = |chosen: &dyn Fn(&SizeChoice) -> Option<f32>| {
        ch.sizes.iter().filter(|s| chosen(s).is_some_and(|l| recovered(s.m, l) >= s.best_recovery)).count()
    };
    let of = ch.sizes.len();
    numbers.set("choose_knee_hits", format!("{} of {of}", hits(&|s| s.knee_l1)));
    numbers.set("choose_agree_hits", format!("{} of {of}", hits(&|s| Some(s.agree_l1))));
    numbers.set("choose_knee_k", ch.knee_k.map_or("none".into(), |k| k.to_string()));
    Ok(())
}
