//! The k-gram baselines: what counting alone achieves, the known solutions
//! a trained language model is measured against.
//!
//! A k-gram model predicts a character from the k before it by counting, in
//! the training text, what followed each context. Unseen contexts and
//! characters are handled by interpolation with the (k − 1)-gram model,
//! Witten–Bell's way (Witten and Bell 1991; Chen and Goodman 1998, §2.5),
//! which has no parameter to tune:
//!
//!   P_k(c | h) = (C(h c) + T(h) · P_{k−1}(c | h′)) / (C(h) + T(h)),
//!
//! where C counts occurrences, T(h) is the number of different characters
//! seen after h, and h′ is h without its first character; a context never
//! seen falls back to P_{k−1}, and below order 0 every character has 1/V.

use super::corpus::VOCAB;

/// Bits per symbol in a packed context key (V = 97 < 2⁷).
const BITS: u32 = 7;

/// The counts of one order: sorted keys with their counts.
#[derive(Debug, Clone, Default)]
struct Order {
    /// (context, character) packed, sorted, with C(h c).
    pairs: Vec<(u64, u32)>,
    /// context packed, sorted, with C(h) and T(h).
    contexts: Vec<(u64, u32, u32)>,
}

/// Interpolated k-gram models of every order up to `max_order`.
#[derive(Debug, Clone)]
pub struct NGram {
    orders: Vec<Order>,
}

/// The key of the `k` symbols before position `at` (the nearest in the
/// lowest bits), or `None` if the stream starts less than `k` before.
fn context_key(text: &[u8], at: usize, k: usize) -> Option<u64> {
    (at >= k).then(|| text[at - k..at].iter().rev().fold(0u64, |key, &s| key << BITS | s as u64))
}

impl NGram {
    /// Count every order 0..=`max_order` in `train`.
    pub fn fit(train: &[u8], max_order: usize) -> NGram {
        assert!(max_order <= 8, "contexts are packed in 64 bits");
        let orders = (0..=max_order)
            .map(|k| {
                let mut keys: Vec<u64> = (k..train.len())
                    .map(|at| context_key(train, at, k).expect("at ≥ k") << BITS | train[at] as u64)
                    .collect();
                keys.sort_unstable();
                let mut pairs: Vec<(u64, u32)> = Vec::new();
                for key in keys {
                    match pairs.last_mut() {
                        Some((last, count)) if *last == key => *count += 1,
                        _ => pairs.push((key, 1)),
                    }
                }
                let mut contexts: Vec<(u64, u32, u32)> = Vec::new();
                for &(key, count) in &pairs {
                    let h = key >> BITS;
                    match contexts.last_mut() {
                        Some((last, total, kinds)) if *last == h => {
                            (*total, *kinds) = (*total + count, *kinds + 1)
                        }
                        _ => contexts.push((h, count, 1)),
                    }
                }
                Order { pairs, contexts }
            })
            .collect();
        NGram { orders }
    }

    pub fn max_order(&self) -> usize {
        self.orders.len() - 1
    }

    // ANCHOR: witten_bell
    /// P_k(c | the k symbols before `at` in `text`), interpolated down to
    /// order 0 and the uniform distribution (a context cut off by the start
    /// of `text` uses the orders that fit).
    pub fn probability(&self, k: usize, text: &[u8], at: usize) -> f64 {
        let c = text[at] as u64;
        let mut p = 1.0 / VOCAB as f64; // below order 0
        for (j, order) in self.orders.iter().enumerate().take(k + 1) {
            let Some(h) = context_key(text, at, j) else { break };
            let Ok(i) = order.contexts.binary_search_by_key(&h, |&(h, _, _)| h) else {
                continue; // an unseen context: P_j = P_{j−1}
            };
            let (_, total, kinds) = order.contexts[i];
            let pair = order.pairs.binary_search_by_key(&(h << BITS | c), |&(key, _)| key);
            let count = pair.map_or(0, |i| order.pairs[i].1);
            p = (count as f64 + kinds as f64 * p) / (total as f64 + kinds as f64);
        }
        p
    }
    // ANCHOR_END: witten_bell

    /// Mean −ln P_k over the positions `from..` of `text`, in nats per
    /// character.
    pub fn cross_entropy(&self, k: usize, text: &[u8], from: usize) -> f64 {
        let n = text.len().saturating_sub(from);
        let sum: f64 = (from..text.len()).map(|at| -self.probability(k, text, at).ln()).sum();
        sum / n.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The probabilities of every order sum to 1 over the vocabulary, in a
    /// seen context and an unseen one.
    #[test]
    fn every_order_is_a_distribution() {
        let train: Vec<u8> = b"abracadabra abracadabra".iter().map(|&b| b - b' ' + 1).collect();
        let model = NGram::fit(&train, 3);
        for probe in [&b"abr"[..], b"zzq"] {
            let mut text: Vec<u8> = probe.iter().map(|&b| b - b' ' + 1).collect();
            text.push(0);
            for k in 0..=3 {
                let total: f64 = (0..VOCAB as u8)
                    .map(|c| {
                        *text.last_mut().unwrap() = c;
                        model.probability(k, &text, 3)
                    })
                    .sum();
                assert!((total - 1.0).abs() < 1e-12, "order {k} after {probe:?}: {total}");
            }
        }
    }

    /// Witten–Bell by hand: after "ab" the training text "abcabd" has seen
    /// c once and d once (C = 2, T = 2); order 1 after "b" the same; order
    /// 0 has 6 symbols of 4 kinds.
    #[test]
    fn the_formula_by_hand() {
        let train: Vec<u8> = b"abcabd".iter().map(|&b| b - b' ' + 1).collect();
        let model = NGram::fit(&train, 2);
        let text: Vec<u8> = b"abc".iter().map(|&b| b - b' ' + 1).collect();
        let uniform = 1.0 / VOCAB as f64;
        let p0 = (1.0 + 4.0 * uniform) / (6.0 + 4.0); // C(c) = 1, N = 6, T = 4
        let p1 = (1.0 + 2.0 * p0) / (2.0 + 2.0);
        let p2 = (1.0 + 2.0 * p1) / (2.0 + 2.0);
        for (k, p) in [p0, p1, p2].into_iter().enumerate() {
            assert!((model.probability(k, &text, 2) - p).abs() < 1e-15, "order {k}");
        }
        // More context predicts this text better.
        assert!(model.cross_entropy(2, &text, 2) < model.cross_entropy(0, &text, 2));
    }
}
