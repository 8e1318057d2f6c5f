//! Mutually unbiased bases in R^d for d = 4^k: d/2 + 1 orthonormal bases,
//! d(d/2 + 1) unit vectors in all, any two from different bases at
//! |cos| = 1/√d exactly (Cameron & Seidel 1973; Calderbank, Cameron, Kantor
//! & Seidel 1997). They meet the Levenstein bound.
//!
//! The construction is the Z₄-linear Kerdock code (Hammons, Kumar,
//! Calderbank, Sloane & Solé 1994). With d = 2^(m+1), m odd, let ξ be a
//! root of the Hensel lift to Z₄ of a primitive binary polynomial of degree
//! m, T = {0, 1, ξ, …, ξ^(2^m − 2)} (the Teichmüller set of the Galois ring
//! GR(4, m)) and Tr the ring's trace to Z₄. For s, λ ∈ T and c ∈ {0, 1},
//!
//!   z(x) = Tr(s x) + 2 tr(λ x) + c  (mod 4),   x ∈ T,
//!
//! (tr = Tr mod 2 is the binary trace) is a word of length 2^m over Z₄; the
//! Gray map 0 ↦ 00, 1 ↦ 01, 2 ↦ 11, 3 ↦ 10 turns it into 2^(m+1) = d bits
//! and the bits into signs. For each s the 2^m · 2 words (λ, c) are the
//! rows of a Hadamard matrix: basis s. Two words with different s differ in
//! 2^m ± 2^((m−1)/2) places (the Kerdock code's distances), so their sign
//! vectors have inner product ±√d. With the standard basis, that is
//! 2^m + 1 = d/2 + 1 bases.

/// Primitive binary polynomials of odd degree m, lowest coefficient first
/// (x³ + x + 1 is `[1, 1, 0, 1]`), for d = 2^(m+1) = 4 … 65536.
const PRIMITIVE: [(usize, &[u8]); 8] = [
    (1, &[1, 1]),
    (3, &[1, 1, 0, 1]),
    (5, &[1, 0, 1, 0, 0, 1]),
    (7, &[1, 1, 0, 0, 0, 0, 0, 1]),
    (9, &[1, 0, 0, 0, 1, 0, 0, 0, 0, 1]),
    (11, &[1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    (13, &[1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    (15, &[1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
];

/// The largest dimension [`Kerdock::new`] builds.
pub const MAX_DIM: usize = 1 << 16;

/// The mutually unbiased bases of R^d, d = 4^k, generated one vector at a
/// time (there are too many to store: 8,392,704 of length 4096 for d = 4096).
#[derive(Debug, Clone)]
pub struct Kerdock {
    m: usize,
    /// `trace[k]` = Tr(ξ^k) in Z₄, for k = 0 … 2^m − 2.
    trace: Vec<u8>,
}

/// The number of lines in the d/2 + 1 bases: d (d/2 + 1).
pub fn lines(d: usize) -> usize {
    d * (d / 2 + 1)
}

/// The largest power of four that is at most `d` (at least 1).
pub fn largest_power_of_four(d: usize) -> usize {
    let mut b = 1;
    while b * 4 <= d {
        b *= 4;
    }
    b
}

impl Kerdock {
    /// The bases of R^d, or `None` unless d = 4^k with 4 ≤ d ≤ [`MAX_DIM`].
    pub fn new(d: usize) -> Option<Self> {
        let m = (d.is_power_of_two() && d >= 4 && d.trailing_zeros().is_multiple_of(2))
            .then(|| d.trailing_zeros() as usize - 1)?;
        let (_, h) = PRIMITIVE.iter().find(|(deg, _)| *deg == m)?;
        Some(Kerdock { m, trace: ring_traces(&hensel_lift(h)) })
    }

    /// The dimension d = 2^(m+1).
    pub fn dim(&self) -> usize {
        2 << self.m
    }

    /// The number of bases, d/2 + 1 (basis 0 is the standard basis).
    pub fn bases(&self) -> usize {
        (1 << self.m) + 1
    }

    /// Tr(a b) for two elements of T, numbered 0 for 0 and k + 1 for ξ^k.
    fn tr(&self, a: usize, b: usize) -> u8 {
        if a == 0 || b == 0 { 0 } else { self.trace[(a - 1 + b - 1) % self.trace.len()] }
    }

    /// Vector `j` of basis `basis`, times √d, into `out` (length d): for
    /// basis 0 the standard basis vector e_j (times √d), otherwise signs.
    // ANCHOR: kerdock_vector
    pub fn vector(&self, basis: usize, j: usize, out: &mut [i32]) {
        let d = self.dim();
        assert!(basis < self.bases() && j < d && out.len() == d, "no such vector");
        if basis == 0 {
            out.fill(0);
            out[j] = 1 << (self.m.div_ceil(2)); // √d = 2^((m+1)/2)
            return;
        }
        let (s, lambda, c) = (basis - 1, j / 2, (j % 2) as u8);
        for x in 0..d / 2 {
            // z = Tr(s x) + 2 tr(λ x) + c in Z₄ (tr is Tr mod 2).
            let z = (self.tr(s, x) + 2 * (self.tr(lambda, x) & 1) + c) % 4;
            // Gray map: z = a + 2b ↦ the bits (b, a ⊕ b); bit β ↦ (−1)^β.
            let (a, b) = (z & 1, z >> 1);
            out[2 * x] = if b == 0 { 1 } else { -1 };
            out[2 * x + 1] = if a ^ b == 0 { 1 } else { -1 };
        }
    }
    // ANCHOR_END: kerdock_vector
}

/// The Hensel lift H of a primitive binary polynomial h to Z₄ (Graeffe's
/// method): with h = e + o split into even and odd powers,
/// H(x²) = ±(e(x)² − o(x)²) mod 4, monic. H divides x^(2^m − 1) − 1.
fn hensel_lift(h: &[u8]) -> Vec<u8> {
    let parts = |odd: usize| -> Vec<i64> {
        h.iter().enumerate().map(|(i, &c)| if i % 2 == odd { c as i64 } else { 0 }).collect()
    };
    let square = |p: &[i64]| -> Vec<i64> {
        let mut r = vec![0; 2 * p.len() - 1];
        for (i, a) in p.iter().enumerate() {
            for (j, b) in p.iter().enumerate() {
                r[i + j] += a * b;
            }
        }
        r
    };
    let (e2, o2) = (square(&parts(0)), square(&parts(1)));
    let mut lift: Vec<u8> = e2.iter().zip(&o2).step_by(2).map(|(a, b)| (a - b).rem_euclid(4) as u8).collect();
    if lift.last() == Some(&3) {
        lift.iter_mut().for_each(|c| *c = (4 - *c) % 4);
    }
    assert_eq!(lift.last(), Some(&1), "a monic lift");
    lift
}

/// Tr(ξ^k) = Σ_{j<m} ξ^(k·2^j) for k = 0 … 2^m − 2, where ξ = x mod H
/// (the Frobenius map of the Galois ring squares Teichmüller elements).
/// Every sum lands in Z₄ (its other coefficients vanish; checked).
fn ring_traces(lift: &[u8]) -> Vec<u8> {
    let m = lift.len() - 1;
    let q = (1usize << m) - 1;
    // ξ^k for every k, as coefficient vectors over Z₄.
    let mut powers = Vec::with_capacity(q);
    let mut p = vec![0u8; m];
    p[0] = 1;
    for k in 0..q {
        assert!(k == 0 || p[0] != 1 || p[1..].iter().any(|&c| c != 0), "ξ has order 2^m − 1");
        powers.push(p.clone());
        // times x, reducing x^m = −(H − x^m)
        let top = p[m - 1];
        p.rotate_right(1);
        p[0] = 0;
        for (c, &l) in p.iter_mut().zip(lift) {
            *c = (*c + 4 * 4 - top * l) % 4;
        }
    }
    assert!(p[0] == 1 && p[1..].iter().all(|&c| c == 0), "ξ^(2^m − 1) = 1");
    (0..q)
        .map(|k| {
            let mut sum = vec![0u8; m];
            for j in 0..m {
                for (s, &c) in sum.iter_mut().zip(&powers[(k << j) % q]) {
                    *s = (*s + c) % 4;
                }
            }
            assert!(sum[1..].iter().all(|&c| c == 0), "the trace lies in Z₄");
            sum[0]
        })
        .collect()
}

/// A set of lines in R^d built from blocks in orthogonal subspaces (lines
/// in different blocks are orthogonal, so the worst |cos| is the worst
/// block's): MUBs in 4^k dimensions (4^k (4^k/2 + 1) lines at 1/√(4^k)),
/// the identity plus a Hadamard matrix in 2^a dimensions (2^(a+1) lines at
/// 1/√(2^a)), and single basis vectors for the rest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Built {
    pub lines: u64,
    /// The dimensions of the MUB blocks, largest first.
    pub mub_blocks: Vec<usize>,
    /// The dimensions of the identity-plus-Hadamard blocks, largest first.
    pub hadamard_blocks: Vec<usize>,
    /// Basis vectors of the dimensions left over.
    pub basis: usize,
}

#[derive(Clone, Copy)]
enum Block {
    Basis,
    Mub(usize),
    Hadamard(usize),
}

/// For every r ≤ d, the most lines with every |cos| ≤ ε that blocks give in
/// R^r, and the last block of the best split (dynamic programming over the
/// dimensions: the best split of r ends with some block, and the rest is
/// the best split of what remains).
fn most_lines(d: usize, eps: f64) -> Vec<(u64, Block)> {
    let fits = |b: usize| 1.0 / (b as f64).sqrt() <= eps * (1.0 + 1e-12);
    let mut options = Vec::new();
    for a in 1..=MAX_DIM.trailing_zeros() {
        let b = 1usize << a;
        if b <= d && fits(b) {
            options.push((b, 2 * b as u64, Block::Hadamard(b)));
            if a % 2 == 0 {
                options.push((b, lines(b) as u64, Block::Mub(b)));
            }
        }
    }
    // most[r]: the most lines in r dimensions, and the last block used.
    let mut most = vec![(0u64, Block::Basis); d + 1];
    for r in 1..=d {
        most[r] = (most[r - 1].0 + 1, Block::Basis);
        for &(b, count, block) in options.iter().filter(|o| o.0 <= r) {
            if most[r - b].0 + count > most[r].0 {
                most[r] = (most[r - b].0 + count, block);
            }
        }
    }
    most
}

/// The number of lines [`best_built`] gives in R^r with every |cos| ≤ ε,
/// for every r = 0 … d at once.
pub fn built_counts(d: usize, eps: f64) -> Vec<u64> {
    most_lines(d, eps).into_iter().map(|(count, _)| count).collect()
}

/// The most lines with every |cos| ≤ ε that such blocks give in R^d (the
/// best split of d, found by dynamic programming over the dimensions).
pub fn best_built(d: usize, eps: f64) -> Built {
    let most = most_lines(d, eps);
    let mut built = Built { lines: most[d].0, mub_blocks: vec![], hadamard_blocks: vec![], basis: 0 };
    let mut r = d;
    while r > 0 {
        r -= match most[r].1 {
            Block::Basis => {
                built.basis += 1;
                1
            }
            Block::Mub(b) => {
                built.mub_blocks.push(b);
                b
            }
            Block::Hadamard(b) => {
                built.hadamard_blocks.push(b);
                b
            }
        };
    }
    built.mub_blocks.sort_unstable_by(|a, b| b.cmp(a));
    built.hadamard_blocks.sort_unstable_by(|a, b| b.cmp(a));
    built
}

/// What [`check`] found: the worst |cos| over the pairs it visited, within
/// one basis and across two, and whether every pair was exactly as the
/// construction promises (inner product 0 within a basis, ±√d across, for
/// the vectors scaled to squared length d).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Check {
    pub pairs: u64,
    pub worst_within: f64,
    pub worst_across: f64,
    pub exact: bool,
}

/// Check the inner products of every pair of the d(d/2 + 1) vectors
/// (`samples = None`), or of `samples` random pairs, half of them from one
/// basis and half from two.
pub fn check(k: &Kerdock, samples: Option<u64>, rng: &mut impl rand::Rng) -> Check {
    let d = k.dim();
    let sqrt_d = 1i64 << k.m.div_ceil(2);
    let vector = |(basis, j): (usize, usize)| {
        let mut v = vec![0; d];
        k.vector(basis, j, &mut v);
        v
    };
    let mut out = Check { pairs: 0, worst_within: 0.0, worst_across: 0.0, exact: true };
    let mut visit = |a: (usize, usize), b: (usize, usize), u: &[i32], v: &[i32]| {
        let ip: i64 = u.iter().zip(v).map(|(&x, &y)| (x * y) as i64).sum();
        let cos = ip.unsigned_abs() as f64 / d as f64;
        if a.0 == b.0 {
            out.worst_within = out.worst_within.max(cos);
            out.exact &= ip == 0;
        } else {
            out.worst_across = out.worst_across.max(cos);
            out.exact &= ip.abs() == sqrt_d;
        }
        out.pairs += 1;
    };
    let all: Vec<(usize, usize)> = (0..k.bases()).flat_map(|b| (0..d).map(move |j| (b, j))).collect();
    match samples {
        None => {
            let vectors: Vec<Vec<i32>> = all.iter().map(|&a| vector(a)).collect();
            for t in 0..all.len() {
                for u in 0..t {
                    visit(all[u], all[t], &vectors[u], &vectors[t]);
                }
            }
        }
        Some(count) => {
            for t in 0..count {
                let basis = rng.random_range(0..k.bases());
                let (i, j) = (rng.random_range(0..d), rng.random_range(1..d));
                let a = (basis, i);
                let b = if t % 2 == 0 {
                    (basis, (i + j) % d)
                } else {
                    ((basis + rng.random_range(1..k.bases())) % k.bases(), j)
                };
                visit(a, b, &vector(a), &vector(b));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn every_pair_is_exact_in_small_dimensions() {
        for d in [4, 16, 64] {
            let k = Kerdock::new(d).expect("a power of four");
            assert_eq!(k.bases() * d, lines(d));
            let c = check(&k, None, &mut stream(1, 0));
            let n = lines(d) as u64;
            assert_eq!(c.pairs, n * (n - 1) / 2, "d = {d}");
            assert!(c.exact, "d = {d}: {c:?}");
            assert_eq!(c.worst_within, 0.0);
            assert_eq!(c.worst_across, 1.0 / (d as f64).sqrt());
        }
    }

    #[test]
    fn sampled_pairs_are_exact_up_to_4096() {
        for d in [256, 1024, 4096] {
            let k = Kerdock::new(d).expect("a power of four");
            let c = check(&k, Some(400), &mut stream(2, d as u64));
            assert!(c.exact, "d = {d}: {c:?}");
            assert_eq!(c.worst_across, 1.0 / (d as f64).sqrt());
        }
    }

    /// The check can fail: flip one sign of a vector and a pair breaks.
    #[test]
    fn a_wrong_trace_is_caught() {
        let mut k = Kerdock::new(16).expect("a power of four");
        k.trace[2] = (k.trace[2] + 1) % 4;
        assert!(!check(&k, None, &mut stream(3, 0)).exact);
    }

    #[test]
    fn the_best_built_sets() {
        let eps = |deg: f64| f64::cos(deg.to_radians());
        // 4096 = 4^6: one block of MUBs at 1/64 (89.1°) whenever ε allows it.
        assert_eq!(best_built(4096, eps(89.0)).lines, lines(4096) as u64);
        assert_eq!(best_built(4096, eps(89.0)).mub_blocks, vec![4096]);
        // 12288 = 3 × 4096.
        assert_eq!(best_built(12288, eps(89.0)).lines, 3 * lines(4096) as u64);
        // Too tight for any block: the orthonormal basis.
        let basis = best_built(100, eps(89.0));
        assert_eq!((basis.lines, basis.basis), (100, 100));
        // 768 at 87° (ε = 0.052): 1/√512 fits, 1/√1024 would not be needed,
        // but 1024 > 768: identity + Hadamard in 512 dimensions, 256 basis vectors.
        let h = best_built(768, eps(87.0));
        assert_eq!((h.lines, h.hadamard_blocks.clone(), h.basis), (1024 + 256, vec![512], 256));
        // The counts for every dimension at once are the same.
        let all = built_counts(1000, eps(85.0));
        for d in [1, 63, 64, 65, 255, 256, 700, 1000] {
            assert_eq!(all[d], best_built(d, eps(85.0)).lines, "d = {d}");
        }
        // Every split accounts for every dimension.
        for (d, deg) in [(100, 80.0), (768, 85.0), (100_000, 89.0), (100_000, 80.0)] {
            let b = best_built(d, eps(deg));
            let used: usize = b.mub_blocks.iter().chain(&b.hadamard_blocks).sum::<usize>() + b.basis;
            assert_eq!(used, d, "d = {d}, {deg}°");
            let count: u64 = b.mub_blocks.iter().map(|&m| lines(m) as u64).sum::<u64>()
                + b.hadamard_blocks.iter().map(|&h| 2 * h as u64).sum::<u64>()
                + b.basis as u64;
            assert_eq!(count, b.lines);
        }
    }

    #[test]
    fn only_powers_of_four() {
        for d in [0, 1, 2, 8, 32, 100, 1 << 17] {
            assert!(Kerdock::new(d).is_none(), "d = {d}");
        }
        let mut d = 4;
        while d <= MAX_DIM {
            // Building checks that ξ has order exactly 2^m − 1 (the polynomial is primitive).
            assert_eq!(Kerdock::new(d).map(|k| k.dim()), Some(d));
            d *= 4;
        }
        assert_eq!(largest_power_of_four(100), 64);
        assert_eq!(largest_power_of_four(4096), 4096);
        assert_eq!(largest_power_of_four(3), 1);
    }

    /// The bases meet the Levenstein bound: d(d/2 + 1) lines cannot have
    /// worst |cos| below 1/√d, and these have exactly that.
    #[test]
    fn they_meet_levenstein() {
        for d in [4usize, 16, 64, 4096] {
            let bound = crate::bounds::levenstein(lines(d), d).expect("above d(d+1)/2");
            assert!((bound - 1.0 / (d as f64).sqrt()).abs() < 1e-12, "d = {d}: {bound}");
        }
    }
}
