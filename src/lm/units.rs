//! What a unit (a neuron of the hidden layer, or an SAE latent) responds to:
//! its top-activating contexts, and whether they share one kind of text.
//!
//! A context is a window of the held-out text; its *label* is the lexer's
//! label of its last character (the one the model has just read), its
//! *character* that character itself. A unit is
//! - **dead** if it is positive on fewer than [`TOP`] windows;
//! - a **character unit** if at least [`PURE`] of its top windows end in the
//!   same character: it detects a character, whatever the context;
//! - **monosemantic** otherwise if at least [`PURE`] of its top windows share
//!   a label, and 32 windows drawn at random would share that label that
//!   often with probability below [`CHANCE`] (a label that covers most of
//!   the text would make any unit look pure);
//! - **polysemantic** otherwise: its strongest responses mix kinds of text.

use super::lexer::Label;
use serde::{Deserialize, Serialize};

/// Top-activating windows kept per unit.
pub const TOP: usize = 32;
/// The share of the top windows that must agree.
pub const PURE: f64 = 0.9;
/// The largest chance probability of that agreement that still counts.
pub const CHANCE: f64 = 1e-3;

/// The [`TOP`] largest activations of every unit over a stream of windows,
/// kept as they come (the activations of the whole held-out text need not
/// be in memory at once).
#[derive(Debug, Clone)]
pub struct TopWindows {
    units: usize,
    /// Per unit: (activation, position), best first; ties by position.
    best: Vec<Vec<(f32, usize)>>,
}

impl TopWindows {
    pub fn new(units: usize) -> Self {
        TopWindows { units, best: vec![Vec::with_capacity(TOP + 1); units] }
    }

    /// Windows at `positions`, their activations row by row (one row of
    /// `units` per position).
    pub fn observe(&mut self, acts: &[f32], positions: &[usize]) {
        for (row, &at) in acts.chunks_exact(self.units).zip(positions) {
            for (best, &a) in self.best.iter_mut().zip(row) {
                if a <= 0.0 || (best.len() == TOP && a <= best[TOP - 1].0) {
                    continue; // not active, or no better than the worst kept
                }
                // After the kept ones at least as large (earlier positions win ties).
                let place = best.partition_point(|&(b, _)| b >= a);
                best.insert(place, (a, at));
                best.truncate(TOP);
            }
        }
    }

    /// Per unit, its top windows (activation, position), best first.
    pub fn finish(self) -> Vec<Vec<(f32, usize)>> {
        self.best
    }
}

/// How a unit's top windows read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Dead,
    Character,
    Monosemantic,
    Polysemantic,
}

/// One unit's verdict and the numbers behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub kind: Kind,
    /// The most common label among the top windows, and its share.
    pub label: Option<Label>,
    pub label_share: f64,
    /// The most common last character among the top windows, and its share.
    pub character: Option<u8>,
    pub character_share: f64,
    /// P(at least that many of TOP random windows carry the label).
    pub chance: f64,
}

/// The most common value and its count (ties: the smallest value).
fn mode<T: Ord + Copy>(values: impl Iterator<Item = T>) -> Option<(T, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    values.for_each(|v| *counts.entry(v).or_insert(0usize) += 1);
    counts.into_iter().fold(None, |best, (v, c)| match best {
        Some((_, b)) if b >= c => best,
        _ => Some((v, c)),
    })
}

/// P(X ≥ k) for X ~ Binomial(n, p).
pub fn binomial_tail(n: usize, p: f64, k: usize) -> f64 {
    let mut term = (1.0 - p).powi(n as i32); // P(X = 0)
    let mut tail = if k == 0 { term } else { 0.0 };
    for j in 1..=n {
        term *= (n - j + 1) as f64 / j as f64 * p / (1.0 - p).max(f64::MIN_POSITIVE);
        if j >= k {
            tail += term;
        }
    }
    if p >= 1.0 { 1.0 } else { tail.min(1.0) }
}

// ANCHOR: classify
/// The verdict on a unit from its top windows: `text` and `labels` are the
/// held-out symbols and their labels, `share[l]` each label's share of the
/// windows the units were shown.
pub fn classify(top: &[(f32, usize)], text: &[u8], labels: &[Label], share: &[f64]) -> Profile {
    // A window ending before position `at` was read up to character at − 1.
    let last = |&(_, at): &(f32, usize)| at - 1;
    let label = mode(top.iter().map(|w| labels[last(w)]));
    let character = mode(top.iter().map(|w| text[last(w)]));
    let of = |count: Option<usize>| count.map_or(0.0, |c| c as f64 / TOP as f64);
    let (label_share, character_share) = (of(label.map(|l| l.1)), of(character.map(|c| c.1)));
    let chance = label.map_or(1.0, |(l, count)| binomial_tail(TOP, share[l as usize], count));
    let kind = if top.len() < TOP {
        Kind::Dead
    } else if character_share >= PURE {
        Kind::Character
    } else if label_share >= PURE && chance < CHANCE {
        Kind::Monosemantic
    } else {
        Kind::Polysemantic
    };
    Profile {
        kind,
        label: label.map(|l| l.0),
        label_share,
        character: character.map(|c| c.0),
        character_share,
        chance,
    }
}
// ANCHOR_END: classify

/// Each label's share of the windows ending before `positions` (indexed
/// by `Label as usize`).
pub fn label_shares(labels: &[Label], positions: &[usize]) -> Vec<f64> {
    let mut share = vec![0.0; Label::ALL.len()];
    for &at in positions {
        share[labels[at - 1] as usize] += 1.0;
    }
    share.iter_mut().for_each(|s| *s /= positions.len().max(1) as f64);
    share
}

/// A uniformly random rotation of R^H (Gaussian rows made orthonormal),
/// H × H row-major: the control for the neurons' basis. Its rows are the
/// directions of H "units" as random as the neurons are not.
pub fn random_rotation(h: usize, rng: &mut rand_chacha::ChaCha8Rng) -> Vec<f32> {
    crate::sparse::orthonormal_rows(h, h, rng).iter().map(|&v| v as f32).collect()
}

/// The activations of the rotated units, u = Q h for every row h of `rows`.
pub fn rotate(rows: &[f32], q: &[f32], h: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows.chunks_exact(h) {
        out.extend(q.chunks_exact(h).map(|qi| crate::simd::dot(qi, row)));
    }
    out
}

/// Windows per chunk when streaming the held-out text through the model.
const CHUNK: usize = 8192;

/// The top windows and verdict of every unit: the model's hidden rows at
/// `positions` of `text` (scaled by nothing), mapped to `units` activations
/// per window by `map` (the identity for the neurons; a rotation, or an
/// SAE's encoder, for the others).
pub fn profile_units(
    lm: &super::model::Lm,
    text: &[u8],
    labels: &[Label],
    positions: &[usize],
    units: usize,
    map: impl Fn(&[f32]) -> Vec<f32>,
) -> (Vec<Vec<(f32, usize)>>, Vec<Profile>) {
    let mut top = TopWindows::new(units);
    for chunk in positions.chunks(CHUNK) {
        let acts = map(&super::train::hidden_activations(lm, text, chunk));
        top.observe(&acts, chunk);
    }
    let best = top.finish();
    let share = label_shares(labels, positions);
    let profiles = best.iter().map(|b| classify(b, text, labels, &share)).collect();
    (best, profiles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_windows_are_the_largest_activations_ties_to_the_earlier() {
        let mut top = TopWindows::new(2);
        let positions: Vec<usize> = (100..200).collect();
        // Unit 0: activation = position mod 7 (many ties); unit 1 never positive.
        let acts: Vec<f32> = positions.iter().flat_map(|&p| [(p % 7) as f32, -1.0]).collect();
        top.observe(&acts[..100], &positions[..50]);
        top.observe(&acts[100..], &positions[50..]);
        let best = top.finish();
        assert!(best[1].is_empty());
        let mut expected: Vec<(f32, usize)> =
            positions.iter().map(|&p| ((p % 7) as f32, p)).filter(|w| w.0 > 0.0).collect();
        expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        expected.truncate(TOP);
        assert_eq!(best[0], expected);
    }

    /// The neurons' profiles through `profile_units` are those of their
    /// activations observed directly, and a map that negates every unit
    /// leaves every unit dead (a ReLU's output is never negative).
    #[test]
    fn profiling_streams_the_text_through_the_model() {
        use crate::lm::corpus::symbol;
        use crate::lm::model::{Lm, LmSpec};
        let text: Vec<u8> = "/// doc\nfn f(x: u8) -> u8 { x + 1 }\n".repeat(30).chars().map(symbol).collect();
        let labels = crate::lm::lexer::labels(&text);
        let lm = Lm::new(LmSpec { context: 4, embed: 3, hidden: 8 }, &mut crate::rng::stream(74, 0));
        let positions: Vec<usize> = (4..text.len()).collect();
        let (best, profiles) = profile_units(&lm, &text, &labels, &positions, 8, |h| h.to_vec());
        let mut direct = TopWindows::new(8);
        direct.observe(&crate::lm::train::hidden_activations(&lm, &text, &positions), &positions);
        assert_eq!(best, direct.finish());
        assert_eq!(profiles.len(), 8);
        let (_, negated) =
            profile_units(&lm, &text, &labels, &positions, 8, |h| h.iter().map(|v| -v).collect());
        assert!(negated.iter().all(|p| p.kind == Kind::Dead));
        let share = label_shares(&labels, &positions);
        assert!((share.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_random_rotation_is_orthogonal_and_rotates() {
        let q = random_rotation(6, &mut crate::rng::stream(75, 0));
        for (i, qi) in q.chunks_exact(6).enumerate() {
            for (j, qj) in q.chunks_exact(6).enumerate() {
                let dot: f32 = qi.iter().zip(qj).map(|(a, b)| a * b).sum();
                assert!((dot - (i == j) as u8 as f32).abs() < 1e-5, "{i} {j}: {dot}");
            }
        }
        let rows = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0];
        let u = rotate(&rows, &q, 6);
        // The first row picks out Q's first column, the second twice its last.
        for i in 0..6 {
            assert_eq!(u[i], q[i * 6]);
            assert_eq!(u[6 + i], 2.0 * q[i * 6 + 5]);
        }
    }

    #[test]
    fn the_binomial_tail_has_its_known_values() {
        assert!((binomial_tail(2, 0.5, 1) - 0.75).abs() < 1e-12);
        assert!((binomial_tail(32, 0.3, 0) - 1.0).abs() < 1e-12);
        assert!((binomial_tail(32, 0.3, 32) - 0.3f64.powi(32)).abs() < 1e-25);
        assert_eq!(binomial_tail(32, 1.0, 32), 1.0);
    }

    #[test]
    fn verdicts_follow_the_rules() {
        use Label::*;
        // Positions 1..=64: the text alternates two characters; labels are
        // doc comment on the first 40, identifier after.
        let text: Vec<u8> = (0..70).map(|i| 10 + (i % 2) as u8).collect();
        let labels: Vec<Label> = (0..70).map(|i| if i < 40 { DocComment } else { Identifier }).collect();
        let share = {
            let mut s = vec![0.0; Label::ALL.len()];
            (s[DocComment as usize], s[Identifier as usize]) = (0.3, 0.2);
            s
        };
        let window = |ats: Vec<usize>| ats.into_iter().map(|at| (1.0, at)).collect::<Vec<_>>();
        let docs = classify(&window((1..=32).collect()), &text, &labels, &share);
        assert_eq!((docs.kind, docs.label), (Kind::Monosemantic, Some(DocComment)));
        let one_char = classify(&window((1..=64).step_by(2).collect()), &text, &labels, &share);
        assert_eq!(one_char.kind, Kind::Character);
        let mixed = classify(&window((20..52).collect()), &text, &labels, &share);
        assert_eq!(mixed.kind, Kind::Polysemantic);
        assert_eq!(classify(&window(vec![5, 6]), &text, &labels, &share).kind, Kind::Dead);
        // A label that covers nearly all the text is no evidence.
        let common = {
            let mut s = share.clone();
            s[DocComment as usize] = 0.99;
            s
        };
        assert_eq!(classify(&window((1..=32).collect()), &text, &labels, &common).kind, Kind::Polysemantic);
    }
}
