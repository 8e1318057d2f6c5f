//! Features inside features: feature splitting on families of children,
//! absorption on general features implied by specific ones (see
//! [`crate::sae::hierarchy`] for the data), and the paired run's lean
//! measured the same way.

use serde::{Deserialize, Serialize};

use super::Run;
use super::coding::optimal_codes;
use crate::sae::data::{Batch, GroundTruth};
use crate::sae::hierarchy::{Families, FamiliesConfig, ImplicationsConfig, Node};
use crate::sae::known::truth_sae;
use crate::sae::metrics::{RECOVERED, cosine};
use crate::sae::model::{Activation, Sae, Workspace, forward};

/// The two hierarchies and what is trained on them (every SAE at the
/// chapter's well-tuned λ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HierarchyConfig {
    pub families: FamiliesConfig,
    /// Dictionary sizes trained on the families.
    pub split_sizes: Vec<usize>,
    /// The pairs; `implication` and `coupled` are set per run.
    pub implications: ImplicationsConfig,
    /// P(general | specific) of the absorption runs, each with independent
    /// and with coupled coefficients.
    pub strengths: Vec<f64>,
}

impl HierarchyConfig {
    /// The absorption data sets, in the order their runs are trained:
    /// strength-major, independent coefficients before coupled.
    pub fn implication_sets(&self) -> Vec<ImplicationsConfig> {
        let each = |&implication: &f64| {
            [false, true].map(|coupled| ImplicationsConfig { implication, coupled, ..self.implications })
        };
        self.strengths.iter().flat_map(each).collect()
    }

    pub fn validate(&self) -> Result<(), String> {
        let f = &self.families;
        if f.d == 0 || f.families == 0 || !(1..=8).contains(&f.children) {
            return Err("the families need d ≥ 1, at least one family and 1 to 8 children".into());
        }
        if !(0.0..=1.0).contains(&f.rate) || !(0.0..1.0).contains(&f.sibling_cos) {
            return Err("a family's rate must be in [0, 1] and the siblings' cosine in [0, 1)".into());
        }
        if self.split_sizes.is_empty() || self.split_sizes.contains(&0) {
            return Err("the splitting sizes must be at least 1".into());
        }
        let i = &self.implications;
        if i.d == 0
            || i.pairs == 0
            || !(0.0..1.0).contains(&i.rate)
            || !(0.0..=1.0).contains(&i.given_general)
        {
            return Err("the pairs need d ≥ 1, a rate in [0, 1) and P(specific | general) in [0, 1]".into());
        }
        if self.strengths.is_empty() || self.strengths.iter().any(|s| !(*s > 0.0 && *s <= 1.0)) {
            return Err("the strengths of implication must be in (0, 1]".into());
        }
        Ok(())
    }
}

/// One dictionary size on the families.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitRun {
    pub run: Run,
    /// Each latent's nearest node (bulk, for the figure).
    #[serde(skip)]
    pub nodes: Vec<Node>,
    /// Latents at cos > 0.9 to a parent, to a node in between, to a child;
    /// and the rest.
    pub parents: usize,
    pub between: usize,
    pub children: usize,
    pub unmatched: usize,
    /// Parents and children with a latent at cos > 0.9.
    pub parents_found: usize,
    pub children_found: usize,
    /// The objective with the best codes (FISTA) of the SAE's dictionary,
    /// and of the tree's level that fits in M latents (see [`level`]).
    pub optimal: f64,
    pub level_optimal: f64,
    /// The level's latents per family.
    pub level_groups: usize,
}

/// Feature splitting: the families, one SAE per dictionary size, and the
/// known solutions at the two sizes that have one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Splitting {
    pub runs: Vec<SplitRun>,
    /// Measured: the mean cos between siblings, and of a child with its parent.
    pub sibling_cos: f64,
    pub child_parent_cos: f64,
}

/// A level of the family tree as a dictionary: each family's children cut
/// into `groups` runs of consecutive children (as even as can be), one
/// latent on each run's normalised sum — the parents at 1, the children at k.
pub fn level(fam: &Families, groups: usize) -> GroundTruth {
    let FamiliesConfig { d, families, children: k, .. } = fam.config;
    let mut rows = Vec::with_capacity(families * groups * d);
    for f in 0..families {
        for g in 0..groups {
            let mut v = vec![0.0f32; d];
            for c in (g * k / groups)..((g + 1) * k / groups) {
                v.iter_mut().zip(fam.truth.feature(f * k + c)).for_each(|(v, x)| *v += x);
            }
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            rows.extend(v.iter().map(|x| x / norm));
        }
    }
    GroundTruth::from_directions(rows, d, fam.config.rate)
}

/// The objective of the codes that are best for the dictionary `dict`
/// (unit rows, b_dec = 0) under the L1 penalty `l1`, on `set`.
pub fn best_codes_objective(
    dict: &GroundTruth,
    truth: &GroundTruth,
    set: &Batch,
    l1: f32,
    steps: usize,
) -> f64 {
    let sae = truth_sae(dict, Activation::Relu, l1, 1.0, 0.0);
    optimal_codes(&sae, truth, set, steps).0.objective
}

/// Measure one SAE trained on the families.
fn split_run((run, sae): (Run, Sae), fam: &Families, set: &Batch, steps: usize) -> SplitRun {
    let k = fam.config.children as u32;
    let nodes: Vec<Node> = (0..run.m).map(|j| fam.nearest_node(sae.decoder(j))).collect();
    let matched = |level: &dyn Fn(u32) -> bool| {
        nodes.iter().filter(|n| n.cos > RECOVERED && level(n.children.count_ones())).count()
    };
    let (parents, children) = (matched(&|c| c == k), matched(&|c| c == 1));
    let between = matched(&|c| c > 1 && c < k);
    let found = |dirs: &mut dyn Iterator<Item = &[f32]>| {
        dirs.filter(|v| (0..run.m).any(|j| cosine(v, sae.decoder(j)) > RECOVERED)).count()
    };
    let parents_found = found(&mut (0..fam.config.families).map(|f| fam.parent(f)));
    let children_found = found(&mut (0..fam.truth.config.n).map(|c| fam.truth.feature(c)));
    let unmatched = run.m - parents - between - children;
    let level_groups = (run.m / fam.config.families).clamp(1, k as usize);
    let level_optimal = best_codes_objective(&level(fam, level_groups), &fam.truth, set, run.l1, steps);
    let optimal = optimal_codes(&sae, &fam.truth, set, steps).0.objective;
    SplitRun {
        run,
        nodes,
        parents,
        between,
        children,
        unmatched,
        parents_found,
        children_found,
        optimal,
        level_optimal,
        level_groups,
    }
}

/// The splitting runs and the known solutions, the best codes measured on
/// the first `coding.0` samples of `eval` after `coding.1` steps of FISTA.
pub(super) fn splitting(
    runs: Vec<(Run, Sae)>,
    fam: &Families,
    eval: &Batch,
    coding: (usize, usize),
) -> Splitting {
    let FamiliesConfig { families, children: k, .. } = fam.config;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (mut siblings, mut with_parent) = (Vec::new(), Vec::new());
    for c in 0..families * k {
        with_parent.push(cosine(fam.truth.feature(c), fam.parent(c / k)));
        for b in (c + 1)..(c / k + 1) * k {
            siblings.push(cosine(fam.truth.feature(c), fam.truth.feature(b)));
        }
    }
    let set = eval.head(coding.0);
    Splitting {
        runs: crate::parallel::map(&runs, |r| split_run(r.clone(), fam, &set, coding.1)),
        sibling_cos: mean(&siblings),
        child_parent_cos: mean(&with_parent),
    }
}

/// Absorption in one SAE, over pairs (general, specific) of true features.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Absorption {
    /// How often the general feature's latent stays silent while the
    /// general feature is present, with the specific present and without.
    pub silent_with: f64,
    pub silent_without: f64,
    /// The mean cos between the specific feature's latent's decoder and
    /// the general feature's direction ...
    pub lean: f64,
    /// ... and between the two true directions (what it would be without
    /// absorption).
    pub truth_lean: f64,
}

/// A general feature and a specific one, as indices of true features.
pub type Pair = (usize, usize);

/// The encoder-side measure of Chanin et al. (2024) on a known truth: the
/// general feature's latent (the decoder row nearest its direction) and how
/// often it fails to fire when the general feature is present, split by
/// whether the specific one is; and the decoder-side lean of the specific
/// feature's latent towards the general direction.
pub fn absorption(sae: &Sae, truth: &GroundTruth, eval: &Batch, pairs: &[Pair]) -> Absorption {
    // The latent whose decoder row is nearest the direction v.
    let latent = |v: &[f32]| {
        let cos = |j: &usize| cosine(v, sae.decoder(*j));
        (0..sae.spec.m).max_by(|a, b| cos(a).total_cmp(&cos(b))).expect("M ≥ 1")
    };
    let mut ws = Workspace::new(&sae.spec, eval.size);
    forward(sae, &eval.x, &mut ws);
    let general: Vec<u32> = pairs.iter().map(|&(g, _)| latent(truth.feature(g)) as u32).collect();
    let [silent_with, silent_without] = silences(&ws, eval, pairs, &general);
    let mean = |f: &dyn Fn(&[f32], &[f32]) -> f64| {
        pairs.iter().map(|&(g, s)| f(truth.feature(g), truth.feature(s))).sum::<f64>() / pairs.len() as f64
    };
    Absorption {
        silent_with,
        silent_without,
        // cos(D of S's latent, G), and cos(S, G) for comparison.
        lean: mean(&|g, s| cosine(sae.decoder(latent(s)), g)),
        truth_lean: mean(&|g, s| cosine(s, g)),
    }
}

/// How often the latent `g[k]` stays silent while pair k's general feature
/// is present, over the samples of `set` (the latents that fired in `ws`):
/// [with the specific feature present, without it].
// ANCHOR: silences
fn silences(ws: &Workspace, set: &Batch, pairs: &[Pair], g: &[u32]) -> [f64; 2] {
    // [specific present, absent] × [general present, g silent]
    let mut count = [[0usize; 2]; 2];
    for (&(general, specific), &g) in pairs.iter().zip(g) {
        for s in 0..set.size {
            let on = &set.active[set.start[s]..set.start[s + 1]];
            if !on.contains(&(general as u32)) {
                continue;
            }
            let fired = ws.active[ws.start[s]..ws.start[s + 1]].contains(&g);
            let row = &mut count[!on.contains(&(specific as u32)) as usize];
            row[0] += 1;
            row[1] += !fired as usize;
        }
    }
    count.map(|[present, silent]| silent as f64 / present.max(1) as f64)
}
// ANCHOR_END: silences

/// One absorption run: its data, the SAE's measurements, absorption, and
/// the objective with the best codes of its dictionary, of the true one,
/// and of the fully absorbed one (see [`absorbed`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbsorbRow {
    pub data: ImplicationsConfig,
    pub run: Run,
    pub absorption: Absorption,
    pub optimal: f64,
    pub truth_optimal: f64,
    pub absorbed_optimal: f64,
    /// The mean cos(normalise(S + G), G): the lean of full absorption.
    pub absorbed_lean: f64,
    /// The specific features recovered (cos > 0.9), of `pairs`.
    pub specific_found: usize,
}

/// The fully absorbed dictionary: per pair, the general direction G and
/// the specific one with the general folded in, normalise(S + G). With
/// coupled coefficients and an implication of 1 it reconstructs every
/// sample exactly, and a co-firing pair costs λ‖cS + cG‖ = λ c √2 (for
/// orthogonal S and G) in place of the truth's 2λc.
pub fn absorbed(truth: &GroundTruth) -> GroundTruth {
    let (d, pairs) = (truth.config.d, truth.config.n / 2);
    let mut rows = Vec::with_capacity(2 * pairs * d);
    for k in 0..pairs {
        let (g, s) = (truth.feature(2 * k), truth.feature(2 * k + 1));
        let sum: Vec<f32> = g.iter().zip(s).map(|(a, b)| a + b).collect();
        let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
        rows.extend_from_slice(g);
        rows.extend(sum.iter().map(|x| x / norm));
    }
    GroundTruth { features: rows, ..truth.clone() }
}

/// Measure an absorption run (with its data's truth and evaluation set;
/// the best codes on the first `coding.0` samples, `coding.1` FISTA steps).
pub(super) fn absorb_row(
    data: ImplicationsConfig,
    (run, sae): (Run, Sae),
    truth: &GroundTruth,
    eval: &Batch,
    coding: (usize, usize),
) -> AbsorbRow {
    let set = eval.head(coding.0);
    let best = |dict: &GroundTruth| best_codes_objective(dict, truth, &set, run.l1, coding.1);
    let pairs: Vec<Pair> = (0..data.pairs).map(|k| (2 * k, 2 * k + 1)).collect();
    let full = absorbed(truth);
    let specific_found = pairs
        .iter()
        .filter(|&&(_, s)| (0..run.m).any(|j| cosine(truth.feature(s), sae.decoder(j)) > RECOVERED))
        .count();
    AbsorbRow {
        data,
        absorption: absorption(&sae, truth, eval, &pairs),
        optimal: optimal_codes(&sae, truth, &set, coding.1).0.objective,
        truth_optimal: best(truth),
        absorbed_optimal: best(&full),
        absorbed_lean: pairs.iter().map(|&(g, s)| cosine(full.feature(s), truth.feature(g))).sum::<f64>()
            / pairs.len().max(1) as f64,
        run,
        specific_found,
    }
}

/// Both experiments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hierarchy {
    pub splitting: Splitting,
    /// In the order of [`HierarchyConfig::implication_sets`].
    pub absorption: Vec<AbsorbRow>,
}

/// Measure the splitting runs (in `split_sizes`' order) and the absorption
/// runs (in the order of the implication sets).
pub(super) fn analyse(
    config: &super::Config,
    sources: &super::Sources,
    split: Vec<(Run, Sae)>,
    absorb: Vec<(Run, Sae)>,
) -> Hierarchy {
    let coding = (config.coding_samples, config.coding_iterations);
    let splitting = splitting(split, &sources.families, &sources.eval_families, coding);
    let runs: Vec<(usize, (Run, Sae))> = absorb.into_iter().enumerate().collect();
    let absorption = crate::parallel::map(&runs, |(i, trained)| {
        let imp = &sources.implications[*i];
        absorb_row(imp.config, trained.clone(), &imp.truth, &sources.eval_implications[*i], coding)
    });
    Hierarchy { splitting, absorption }
}
