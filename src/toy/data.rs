//! Sparse synthetic features, the toy models' data (Elhage et al., 2022).
//!
//! Each of the N features of a sample is zero with probability S (the
//! *sparsity*) and otherwise uniform on [0, 1] (or on [−1, 1] for the
//! absolute-value model). The density p = 1 − S is what the figures plot.
//!
//! Drawing one number per feature to decide "present or not" wastes almost all
//! the draws when p is small. The gaps between present features in the
//! flattened batch are independent geometric variables, so we draw the gaps
//! instead (inversion: G = ⌊ln U / ln(1 − p)⌋ has P(G = g) = (1 − p)^g p):
//! a batch costs about 2·p·(size·n) random numbers instead of size·n.
//! (Above p = 1/4 one draw per feature is cheaper: see [`Batch::fill`].)

use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;

/// A batch of samples, stored twice: dense (row-major, zeros included) for the
/// loss, and as lists of the present features per sample (compressed sparse
/// rows) for the products where the sparsity pays.
#[derive(Debug, Clone)]
pub struct Batch {
    pub size: usize,
    pub n: usize,
    /// size × n, row-major.
    pub x: Vec<f32>,
    /// Sample s has its present features at `cols[row_start[s]..row_start[s + 1]]`
    /// (`cols` and `vals` are valid up to `row_start[size]`).
    pub row_start: Vec<usize>,
    cols: Vec<u32>,
    vals: Vec<f32>,
    /// Random bits for the dense draw.
    bits: Vec<u32>,
    /// Whether [`Batch::fill`] builds the lists of present features (the
    /// per-sample kernel reads them; the batched kernel reads only `x`).
    lists: bool,
}

impl Batch {
    /// An empty batch of `size` samples with `n` features (the buffers are
    /// reused by every [`Batch::fill`], so the training loop allocates nothing).
    pub fn new(size: usize, n: usize) -> Self {
        Batch {
            size,
            n,
            x: vec![0.0; size * n],
            row_start: vec![0; size + 1],
            cols: vec![0; size * n],
            vals: vec![0.0; size * n],
            bits: vec![0; size * n],
            lists: true,
        }
    }

    /// The same batch without the lists of present features, for a kernel
    /// that reads only the dense rows: a dense draw then skips building them.
    /// ([`Batch::sample`] and [`Batch::present`] see empty lists after such
    /// a draw.)
    pub fn without_lists(mut self) -> Self {
        self.lists = false;
        self
    }

    /// Draw a fresh batch: each feature present with probability `density`,
    /// its value uniform on [0, 1), or on [−1, 1) when `signed`. Above
    /// p = 1/4 one draw per feature is cheaper than drawing the gaps.
    pub fn fill(&mut self, density: f32, signed: bool, rng: &mut ChaCha8Rng) {
        match (density >= 0.25, self.lists) {
            (true, _) => self.draw_each(density, signed, rng),
            (false, true) => self.draw_gaps::<true>(density, signed, rng),
            (false, false) => self.draw_gaps::<false>(density, signed, rng),
        }
    }

    /// The sparse draw: jump over the absent features, with gaps
    /// G = ⌊ln U / ln(1 − p)⌋ in single precision (U has 24 random bits, so
    /// gaps are cut off at about 16.6/p, which happens with probability 2⁻²⁴).
    /// `LISTS`: also record each sample's present features.
    // ANCHOR: draw_gaps
    fn draw_gaps<const LISTS: bool>(
        &mut self,
        density: f32,
        signed: bool, // values on [−1, 1) instead of [0, 1)
        rng: &mut ChaCha8Rng,
    ) {
        let (total, n) = (self.size * self.n, self.n);
        self.x.fill(0.0);
        let ln_absent = (1.0 - density).ln();
        let (mut pos, mut nnz) = (0, 0);
        // The sample that holds `pos`, and where the next one starts.
        let (mut row, mut next_row) = (0, n);
        loop {
            let u = 1.0 - unit(rng.next_u32()); // in (0, 1]
            // The ratio is ≥ 0, so the cast is the floor.
            pos += (u.ln() / ln_absent).min(total as f32) as usize;
            if pos >= total {
                break;
            }
            let u = unit(rng.next_u32());
            let value = if signed { 2.0 * u - 1.0 } else { u };
            self.x[pos] = value;
            if LISTS {
                while pos >= next_row {
                    row += 1;
                    next_row += n;
                    self.row_start[row] = nnz;
                }
                self.cols[nnz] = (pos + n - next_row) as u32; // its feature
                self.vals[nnz] = value;
                nnz += 1;
            }
            pos += 1;
        }
        self.row_start[row + 1..].fill(nnz);
    }
    // ANCHOR_END: draw_gaps

    /// The dense draw, one random number per feature: present when u < p,
    /// and then u/p is uniform on [0, 1) (given u < p, u is uniform on
    /// [0, p)). Written without branches: a coin flip is what a branch
    /// predictor cannot learn. [`Batch::fill`] uses it above p = 1/4; it is
    /// public so that the benchmark can measure what the gaps save below.
    pub fn draw_each(&mut self, density: f32, signed: bool, rng: &mut ChaCha8Rng) {
        rng.fill(&mut self.bits[..]);
        let (inv, below_one) = (1.0 / density, 1.0 - f32::EPSILON / 2.0);
        let value = |b: u32| {
            let u = unit(b);
            let v = (u * inv).min(below_one);
            (u < density, if signed { 2.0 * v - 1.0 } else { v })
        };
        if !self.lists {
            for (x, &b) in self.x.iter_mut().zip(&self.bits) {
                let (present, v) = value(b);
                *x = if present { v } else { 0.0 };
            }
            self.row_start.fill(0);
            return;
        }
        // The values first, in a loop the compiler vectorises; then the
        // lists, whose position nnz depends on every entry before it.
        for (x, &b) in self.x.iter_mut().zip(&self.bits) {
            let (present, v) = value(b);
            *x = if present { v } else { 0.0 };
        }
        self.list_coins(density);
    }

    /// The lists of the dense draw from its coins: a feature is present when
    /// u < p, that is when its 24 bits are below ⌈p·2²⁴⌉ (u = bits·2⁻²⁴
    /// exactly), and then its value is x.
    fn list_coins(&mut self, density: f32) {
        let below = (density * (1u32 << 24) as f32).ceil() as u32;
        let (mut nnz, n) = (0, self.n);
        for (s, (row, bits)) in self.x.chunks_exact(n).zip(self.bits.chunks_exact(n)).enumerate() {
            for (i, (&x, &b)) in row.iter().zip(bits).enumerate() {
                (self.cols[nnz], self.vals[nnz]) = (i as u32, x);
                nnz += ((b >> 8) < below) as usize;
            }
            self.row_start[s + 1] = nnz;
        }
    }

    /// Set the batch to the given samples (`size × n`, row-major), and the
    /// lists of present features to match: how the tests feed the fast
    /// kernels the reference sampler's batches.
    pub fn set_rows(&mut self, x: &[f32]) {
        assert_eq!(x.len(), self.size * self.n, "size × n values");
        self.x.copy_from_slice(x);
        let mut nnz = 0;
        for (s, row) in x.chunks_exact(self.n).enumerate() {
            for (i, &v) in row.iter().enumerate().filter(|(_, v)| **v != 0.0) {
                if self.lists {
                    (self.cols[nnz], self.vals[nnz]) = (i as u32, v);
                    nnz += 1;
                }
            }
            self.row_start[s + 1] = nnz;
        }
    }

    /// Sample `s`: its dense row and its present features (index, value).
    pub fn sample(&self, s: usize) -> (&[f32], &[u32], &[f32]) {
        let range = self.row_start[s]..self.row_start[s + 1];
        (&self.x[s * self.n..(s + 1) * self.n], &self.cols[range.clone()], &self.vals[range])
    }

    /// Every present feature of the batch: (index, value), sample by sample.
    pub fn present(&self) -> (&[u32], &[f32]) {
        let nnz = self.row_start[self.size];
        (&self.cols[..nnz], &self.vals[..nnz])
    }

    /// The share of features present in this batch.
    pub fn observed_density(&self) -> f64 {
        self.row_start[self.size] as f64 / (self.size * self.n) as f64
    }
}

/// A uniform number on [0, 1) from 24 random bits (exactly representable).
#[inline(always)]
fn unit(bits: u32) -> f32 {
    (bits >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn dense_and_sparse_views_agree() {
        let mut rng = stream(1, 0);
        let mut batch = Batch::new(50, 7);
        for density in [1.0, 0.5, 0.05] {
            batch.fill(density, false, &mut rng);
            let mut rebuilt = vec![0.0; 50 * 7];
            for s in 0..50 {
                let (row, cols, vals) = batch.sample(s);
                assert_eq!(row.iter().filter(|&&v| v != 0.0).count(), cols.len());
                for (&i, &v) in cols.iter().zip(vals) {
                    rebuilt[s * 7 + i as usize] = v;
                }
            }
            assert_eq!(rebuilt, batch.x);
        }
    }

    /// The dense draw's lists are its coins: feature i of sample s is listed
    /// exactly when its uniform number is below the density (also when its
    /// value is zero), at densities whose p·2²⁴ is and is not whole.
    #[test]
    fn the_dense_draw_lists_every_feature_whose_coin_came_up() {
        let mut batch = Batch::new(300, 9);
        for density in [1.0, 0.7, 0.3, 0.25, 0.3333] {
            batch.fill(density, false, &mut stream(5, 0));
            // A coin of u = 0 exactly: present, with the value 0.
            (batch.bits[4], batch.x[4]) = (0xff, 0.0);
            batch.list_coins(density);
            for s in 0..300 {
                let coins = &batch.bits[s * 9..(s + 1) * 9];
                let expected: Vec<u32> = (0..9).filter(|&i| unit(coins[i as usize]) < density).collect();
                let (x, cols, vals) = batch.sample(s);
                assert_eq!(cols, &expected[..], "density {density}, sample {s}");
                assert!(cols.iter().zip(vals).all(|(&i, &v)| x[i as usize] == v));
            }
            assert!(batch.sample(0).1.contains(&4), "the zero-valued feature is listed");
        }
    }

    #[test]
    fn a_batch_without_lists_draws_the_same_values() {
        let mut with = Batch::new(64, 5);
        let mut without = Batch::new(64, 5).without_lists();
        for density in [1.0, 0.3, 0.2, 0.01] {
            with.fill(density, true, &mut stream(4, 0));
            without.fill(density, true, &mut stream(4, 0));
            assert_eq!(with.x, without.x, "density {density}");
        }
    }

    #[test]
    fn density_and_value_range_match_the_distribution() {
        let mut rng = stream(2, 0);
        let mut batch = Batch::new(4000, 50); // 200,000 features per fill
        for density in [1.0f32, 0.3, 0.01] {
            batch.fill(density, false, &mut rng);
            let p = density as f64;
            let sd = (p * (1.0 - p) / 200_000.0).sqrt();
            assert!((batch.observed_density() - p).abs() <= 5.0 * sd + 1e-12, "density {p}");
            let (_, vals) = batch.present();
            let mean = vals.iter().map(|&v| v as f64).sum::<f64>() / vals.len() as f64;
            assert!((mean - 0.5).abs() < 0.02, "mean of present values {mean}");
            assert!(vals.iter().all(|&v| (0.0..1.0).contains(&v)));
        }
        for density in [0.5, 0.1] {
            batch.fill(density, true, &mut rng);
            let (_, vals) = batch.present();
            assert!(vals.iter().all(|&v| (-1.0..1.0).contains(&v)));
            assert!(vals.iter().any(|&v| v < -0.99) && vals.iter().any(|&v| v > 0.99));
        }
    }

    #[test]
    fn every_feature_position_is_reached() {
        // The gaps must not skip the first position or the last one.
        let mut rng = stream(3, 0);
        let mut batch = Batch::new(1, 3);
        for density in [0.5, 0.2] {
            let mut seen = [0u32; 3];
            for _ in 0..3000 {
                batch.fill(density, false, &mut rng);
                for &i in batch.present().0 {
                    seen[i as usize] += 1;
                }
            }
            let expected = 3000.0 * density as f64;
            for count in seen {
                assert!(
                    (count as f64 - expected).abs() < 5.0 * (expected * (1.0 - density as f64)).sqrt(),
                    "{seen:?}"
                );
            }
        }
    }
}
