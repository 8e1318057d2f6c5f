//! Statistics the chapters compute and report: histograms of values.
//!
//! Compute code bins its values here; the figure code (`plot`) only draws
//! the bins it is given.

/// Equal-width bins over [lo, hi): edges and counts. Values outside are
/// counted in `below` / `above` so that nothing is silently dropped.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bins {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<u64>,
    pub below: u64,
    pub above: u64,
}

impl Bins {
    /// Bin `values` into `n` equal bins over [lo, hi).
    pub fn new(values: &[f64], lo: f64, hi: f64, n: usize) -> Self {
        let mut counts = vec![0u64; n];
        let (mut below, mut above) = (0, 0);
        let width = (hi - lo) / n as f64;
        for &v in values {
            if v < lo {
                below += 1;
            } else if v >= hi {
                above += 1;
            } else {
                let i = (((v - lo) / width) as usize).min(n - 1);
                counts[i] += 1;
            }
        }
        Bins { lo, hi, counts, below, above }
    }

    /// Empty bins over [lo, hi), to be filled by [`Bins::merge`].
    pub fn empty(lo: f64, hi: f64, n: usize) -> Self {
        Bins { lo, hi, counts: vec![0; n], below: 0, above: 0 }
    }

    /// Add the counts of `other`, binned over the same edges.
    pub fn merge(&mut self, other: &Bins) {
        assert!(self.lo == other.lo && self.hi == other.hi && self.counts.len() == other.counts.len());
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.below += other.below;
        self.above += other.above;
    }

    /// The width of one bin.
    pub fn width(&self) -> f64 {
        (self.hi - self.lo) / self.counts.len() as f64
    }

    /// The total number of values binned, including those outside.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.below + self.above
    }

    /// (left edge, right edge, density) per bin: count / (total · width), so
    /// the bars integrate to the share of values inside [lo, hi).
    pub fn densities(&self) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        let (w, total) = (self.width(), self.total() as f64);
        self.counts.iter().enumerate().map(move |(i, &c)| {
            let left = self.lo + i as f64 * w;
            (left, left + w, c as f64 / (total * w))
        })
    }

    /// The largest density of any bin.
    pub fn max_density(&self) -> f64 {
        self.densities().map(|(_, _, d)| d).fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_count_every_value_once() {
        let b = Bins::new(&[-1.0, 0.0, 0.1, 0.5, 0.99, 1.0, 2.0], 0.0, 1.0, 4);
        assert_eq!(b.counts, vec![2, 0, 1, 1]);
        assert_eq!((b.below, b.above, b.total()), (1, 2, 7));
        // Two halves merged into empty bins give the same bins.
        let mut merged = Bins::empty(0.0, 1.0, 4);
        merged.merge(&Bins::new(&[-1.0, 0.0, 0.1], 0.0, 1.0, 4));
        merged.merge(&Bins::new(&[0.5, 0.99, 1.0, 2.0], 0.0, 1.0, 4));
        assert_eq!(merged, b);
    }

    #[test]
    fn densities_integrate_to_share_inside() {
        let vals: Vec<f64> = (0..1000).map(|i| i as f64 / 1000.0).collect();
        let b = Bins::new(&vals, 0.0, 0.5, 10);
        let area: f64 = b.densities().map(|(l, r, d)| (r - l) * d).sum();
        assert!((area - 0.5).abs() < 1e-12);
    }
}
