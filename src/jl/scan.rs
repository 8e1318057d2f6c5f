//! Every pair of many points, at every k: the blocked scan behind Chapter 3's
//! experiment (10,000 points have 5·10⁷ pairs).
//!
//! The ratio of a pair (i, j) at k is S_k / (k d²), where d² = ‖x_i − x_j‖² and
//! S_k = Σ_{c<k} (y_ic − y_jc)² is the pair's squared distance after the
//! projection by the first k columns, before the 1/k scaling (y = x R). The
//! pairs are cut into tiles (a block of rows i against a chunk of columns j < i).
//! In each tile, d² comes from one matrix product of the points, and S_k at
//! the grid points k₁ < k₂ < … from the running matrix product
//! C = Σ_c y_c y_cᵀ, one block of columns at a time:
//! S_k = N_i(k) + N_j(k) − 2 C_ij(k), with N_i(k) = Σ_{c<k} y_ic².
//!
//! Between two grid points nothing is lost: S_k only grows with k, so for
//! k_a < k < k_b the ratio lies in [S_{k_a} / (k_b d²), S_{k_b} / (k_a d²)].
//! A pair whose interval stays inside 1 ± ε is inside at every k in between;
//! the few others are checked one k at a time. The smallest k from which on
//! every pair stays inside is therefore exact, not rounded to the grid.

use crate::stats::Bins;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, s};

/// What the scan measures.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Increasing values of k; the last is the number of projected columns.
    pub grid: Vec<usize>,
    /// The tolerances ε whose "last k with a pair outside 1 ± ε" is found.
    pub eps: Vec<f64>,
    /// Histograms of the ratios of all pairs at some grid points.
    pub hists: Vec<HistSpec>,
}

/// A histogram to fill: the ratios at k (a grid point) over [lo, hi).
#[derive(Debug, Clone, Copy)]
pub struct HistSpec {
    pub k: usize,
    pub lo: f64,
    pub hi: f64,
    pub bins: usize,
}

/// The ratios of all pairs at one k: histogram and moments.
#[derive(Debug, Clone)]
pub struct RatioStats {
    pub k: usize,
    pub bins: Bins,
    /// Σ (r − 1) and Σ (r − 1)² over the pairs (sums of deviations keep the
    /// variance accurate: the ratios are all near 1).
    pub sum: f64,
    pub sum_sq: f64,
}

/// What the scan found for the pairs (i, j < i) of one block of rows.
#[derive(Debug, Clone)]
pub struct BlockScan {
    /// The largest |ratio − 1| at each grid point.
    pub worst: Vec<f64>,
    /// `inside[t][e]`: pairs inside 1 ± eps[e] at grid point t.
    pub inside: Vec<Vec<u64>>,
    /// `last_bad[g][e]`: for the g-th group of [`GROUP`] rows of the block, the
    /// largest k (1 ≤ k ≤ K) at which a pair (i, j < i) is outside 1 ± eps[e];
    /// 0 if none. The answer for the first n points, n a multiple of `GROUP`,
    /// is the largest over the groups below n.
    pub last_bad: Vec<Vec<usize>>,
    pub hists: Vec<RatioStats>,
}

/// Scan every pair of the rows of `x` (n × D), for each projection in `ys`
/// (each n × K: x R, unscaled), one block of rows per job on every core.
/// The result is `[projection][block]`. The projections share each tile's d².
pub fn scan(x: ArrayView2<f32>, ys: &[ArrayView2<f32>], plan: &Plan) -> Vec<Vec<BlockScan>> {
    let n = x.nrows();
    assert!(plan.grid.windows(2).all(|w| w[0] < w[1]) && plan.grid[0] >= 1);
    for y in ys {
        assert_eq!(y.nrows(), n);
        assert_eq!(plan.grid.last().copied(), Some(y.ncols()), "the grid must end at K");
    }
    let points = Points::new(x);
    let norms: Vec<Array2<f32>> = ys.iter().map(|&y| prefix_norms(y, &plan.grid)).collect();
    let blocks: Vec<(usize, usize)> = (0..n).step_by(ROWS).map(|i| (i, (i + ROWS).min(n))).collect();
    // A block's cost grows with the number of pairs it holds.
    let cost = |&(i0, i1): &(usize, usize)| (i1 * i1 - i0 * i0) as f64;
    let by_block = crate::parallel::map_costliest_first(&blocks, cost, |&rows| {
        scan_block(&points, ys, &norms, plan, rows)
    });
    (0..ys.len()).map(|m| by_block.iter().map(|b| b[m].clone()).collect()).collect()
}

/// `norms[[t, i]]` = N_i(grid[t]) = Σ_{c < grid[t]} y_ic².
fn prefix_norms(y: ArrayView2<f32>, grid: &[usize]) -> Array2<f32> {
    let mut norms = Array2::zeros((grid.len(), y.nrows()));
    for (i, row) in y.rows().into_iter().enumerate() {
        let (mut sum, mut c) = (0.0f32, 0);
        for (t, &k) in grid.iter().enumerate() {
            while c < k {
                sum += row[c] * row[c];
                c += 1;
            }
            norms[[t, i]] = sum;
        }
    }
    norms
}

/// One row of a tile at one grid point k (`inv_k` = 1/k; `inv_prev` = 1 over
/// the previous grid point, or 1).
struct Row<'a> {
    c: &'a [f32],
    inv_d2: &'a [f32],
    before: &'a [f32],
    n_i: f32,
    n_j: &'a [f32],
    inv_k: f32,
    inv_prev: f32,
    eps: &'a [f32],
}

/// Where [`Row::step`] writes: S, the deviation and the bound of each pair,
/// and the counts inside each tolerance.
struct RowOut<'a> {
    now: &'a mut [f32],
    dev: &'a mut [f32],
    need: &'a mut [f32],
    inside: &'a mut [u64],
}

impl Row<'_> {
    /// S = N_i + N_j − 2C for each pair (into `now`), its deviation
    /// |S/(k d²) − 1| (into `dev`), and how far outside 1 its ratio can be
    /// between the previous grid point and k (into `need`); the largest of
    /// each; and, per tolerance, how many pairs are inside (added to
    /// `inside`). Written as plain loops the compiler vectorises (with AVX2 where
    /// the CPU has it: element-wise operations and maxima give the same bits
    /// on every path).
    fn step(&self, out: RowOut) -> (f32, f32) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { self.step_avx2(out) };
        }
        self.step_portable(out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn step_avx2(&self, out: RowOut) -> (f32, f32) {
        self.step_portable(out)
    }

    // ANCHOR: step
    #[inline(always)]
    fn step_portable(&self, out: RowOut) -> (f32, f32) {
        let RowOut { now, dev, need, inside } = out;
        let (n_i, inv_k, inv_prev) = (self.n_i, self.inv_k, self.inv_prev);
        for b in 0..now.len() {
            let s = n_i + self.n_j[b] - 2.0 * self.c[b];
            now[b] = s;
            dev[b] = (s * self.inv_d2[b] * inv_k - 1.0).abs();
            // S only grows with k: between the grid points the ratio lies in
            // [S_before / (k d²), S / (k_before d²)].
            let low = 1.0 - self.before[b] * self.inv_d2[b] * inv_k;
            let high = s * self.inv_d2[b] * inv_prev - 1.0;
            need[b] = if low > high { low } else { high };
        }
        for (count, &tol) in inside.iter_mut().zip(self.eps) {
            // Counted in 32-bit lanes: a row has at most CHUNK pairs.
            *count += dev.iter().map(|&d| (d <= tol) as u32).sum::<u32>() as u64;
        }
        (lane_max(dev), lane_max(need))
    }
    // ANCHOR_END: step
}

/// The largest value, or 0 if all are smaller: eight running maxima, which
/// the compiler keeps in one vector register.
#[inline(always)]
fn lane_max(v: &[f32]) -> f32 {
    let mut m = [0.0f32; 8];
    let chunks = v.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (m, &x) in m.iter_mut().zip(chunk) {
            *m = if x > *m { x } else { *m };
        }
    }
    for &x in tail {
        m[0] = if x > m[0] { x } else { m[0] };
    }
    m.iter().fold(0.0, |a, &b| if b > a { b } else { a })
}

/// Rows per block (one job), and so per tile.
const ROWS: usize = 2 * GROUP;

/// Rows per group: the scan finds the last k with a pair outside for each
/// group of rows, so the subset sizes it answers are the multiples of
/// `GROUP` (and n). A group whose pairs are outside at a grid point needs no
/// check between the grid points before it; a single row would, far more often.
pub const GROUP: usize = 100;

/// Columns per tile: a tile's running product (rows × 1,024 floats) stays in
/// the core's cache. (The tests use narrower tiles, so that small cases have
/// several.)
const CHUNK: usize = if cfg!(test) { 128 } else { 1024 };

fn scan_block(
    points: &Points,
    ys: &[ArrayView2<f32>],
    norms: &[Array2<f32>],
    plan: &Plan,
    (i0, i1): (usize, usize),
) -> Vec<BlockScan> {
    let empty = BlockScan {
        worst: vec![0.0; plan.grid.len()],
        inside: vec![vec![0; plan.eps.len()]; plan.grid.len()],
        last_bad: vec![vec![0; plan.eps.len()]; (i1 - i0).div_ceil(GROUP)],
        hists: plan
            .hists
            .iter()
            .map(|h| RatioStats { k: h.k, bins: Bins::empty(h.lo, h.hi, h.bins), sum: 0.0, sum_sq: 0.0 })
            .collect(),
    };
    let mut out = vec![empty; ys.len()];
    for j0 in (0..i1.saturating_sub(1)).step_by(CHUNK) {
        let tile = Tile::new(points, (i0, i1), (j0, (j0 + CHUNK).min(i1)));
        for ((y, norms), out) in ys.iter().zip(norms).zip(&mut out) {
            tile.scan(*y, norms, plan, out);
        }
    }
    out
}

/// The points as the scan reads them: the columns where many points are
/// non-zero as one dense matrix (one matrix product per tile), the others as
/// lists. Chapter 3's documents are 98% zeros, most of them in rare words:
/// their pairs' inner products then cost a few additions, not D.
struct Points {
    dense: Array2<f32>,
    /// ‖x_i‖², over all the columns.
    sq: Vec<f32>,
    /// Per point, its (sparse column, value) entries; per sparse column, its
    /// (point, value) entries in the order of the points.
    rows: Vec<Vec<(u32, f32)>>,
    columns: Vec<Vec<(u32, f32)>>,
}

/// A column with non-zeros in more than this share of the points is dense.
const DENSE_SHARE: f64 = 0.125;

impl Points {
    fn new(x: ArrayView2<f32>) -> Self {
        let n = x.nrows() as f64;
        let is_dense: Vec<bool> = x
            .columns()
            .into_iter()
            .map(|c| c.iter().filter(|&&v| v != 0.0).count() as f64 > DENSE_SHARE * n)
            .collect();
        let dense_columns: Vec<usize> = (0..x.ncols()).filter(|&w| is_dense[w]).collect();
        let mut sparse_index = vec![u32::MAX; x.ncols()];
        let mut columns = Vec::new();
        for w in (0..x.ncols()).filter(|&w| !is_dense[w]) {
            sparse_index[w] = columns.len() as u32;
            columns.push(Vec::new());
        }
        let mut rows = vec![Vec::new(); x.nrows()];
        for (i, row) in x.rows().into_iter().enumerate() {
            for (w, &v) in row.iter().enumerate().filter(|&(w, &v)| v != 0.0 && !is_dense[w]) {
                rows[i].push((sparse_index[w], v));
                columns[sparse_index[w] as usize].push((i as u32, v));
            }
        }
        Points {
            dense: x.select(ndarray::Axis(1), &dense_columns),
            sq: x.rows().into_iter().map(|r| r.dot(&r)).collect(),
            rows,
            columns,
        }
    }
}

/// The pairs (i, j) with i in `rows`, j in `cols` and j < i.
struct Tile {
    rows: (usize, usize),
    cols: (usize, usize),
    /// 1 / d² of each pair, d² measured before the projection.
    inv_d2: Array2<f32>,
}

impl Tile {
    fn new(points: &Points, rows: (usize, usize), cols: (usize, usize)) -> Self {
        let dense = &points.dense;
        let (xi, xj) = (dense.slice(s![rows.0..rows.1, ..]), dense.slice(s![cols.0..cols.1, ..]));
        // d² = ‖x_i‖² + ‖x_j‖² − 2 ⟨x_i, x_j⟩, the dense columns' part of
        // ⟨x_i, x_j⟩ by one matrix product, the sparse columns' from their lists.
        let mut inv_d2 = Array2::zeros((rows.1 - rows.0, cols.1 - cols.0));
        general_mat_mul(-2.0, &xi, &xj.t(), 0.0, &mut inv_d2);
        for (a, mut row) in inv_d2.rows_mut().into_iter().enumerate() {
            let i = rows.0 + a;
            for &(w, v) in &points.rows[i] {
                let list = &points.columns[w as usize];
                let start = list.partition_point(|&(j, _)| (j as usize) < cols.0);
                for &(j, u) in list[start..].iter().take_while(|&&(j, _)| (j as usize) < cols.1.min(i)) {
                    row[j as usize - cols.0] -= 2.0 * v * u;
                }
            }
        }
        for ((a, b), v) in inv_d2.indexed_iter_mut() {
            *v = 1.0 / (*v + points.sq[rows.0 + a] + points.sq[cols.0 + b]);
        }
        Tile { rows, cols, inv_d2 }
    }

    /// How many columns of row `a` are pairs (j < i).
    fn width(&self, a: usize) -> usize {
        (self.rows.0 + a).saturating_sub(self.cols.0).min(self.cols.1 - self.cols.0)
    }

    fn scan(&self, y: ArrayView2<f32>, norms: &Array2<f32>, plan: &Plan, out: &mut BlockScan) {
        let (ni, nj) = self.inv_d2.dim();
        let (yi, yj) = (y.slice(s![self.rows.0..self.rows.1, ..]), y.slice(s![self.cols.0..self.cols.1, ..]));
        let mut c = Array2::<f32>::zeros((ni, nj));
        let mut before = Array2::<f32>::zeros((ni, nj)); // S at the previous grid point
        let mut now = Array2::<f32>::zeros((ni, nj));
        let mut dev = vec![0.0f32; nj];
        let mut need = Array2::<f32>::zeros((ni, nj)); // how far outside 1 a ratio can be between grid points
        let (mut row_need, mut row_worst) = (vec![0.0f32; ni], vec![0.0f32; ni]);
        let eps: Vec<f32> = plan.eps.iter().map(|&e| e as f32).collect();
        let mut prev = 0;
        for (t, &k) in plan.grid.iter().enumerate() {
            let (ya, yb) = (yi.slice(s![.., prev..k]), yj.slice(s![.., prev..k]));
            general_mat_mul(1.0, &ya, &yb.t(), 1.0, &mut c);
            let (inv_k, inv_prev) = (1.0 / k as f32, 1.0 / prev.max(1) as f32);
            let norms_t = norms.row(t);
            let norms_t = norms_t.as_slice().expect("standard layout");
            let mut worst = 0.0f32;
            for a in 0..ni {
                let w = self.width(a);
                let row = Row {
                    c: &c.row(a).to_slice().expect("standard layout")[..w],
                    inv_d2: &self.inv_d2.row(a).to_slice().expect("standard layout")[..w],
                    before: &before.row(a).to_slice().expect("standard layout")[..w],
                    n_i: norms_t[self.rows.0 + a],
                    n_j: &norms_t[self.cols.0..self.cols.0 + w],
                    inv_k,
                    inv_prev,
                    eps: &eps,
                };
                let s_now = &mut now.row_mut(a).into_slice().expect("standard layout")[..w];
                let need_row = &mut need.row_mut(a).into_slice().expect("standard layout")[..w];
                let (worst_a, need_a) = row.step(RowOut {
                    now: s_now,
                    dev: &mut dev[..w],
                    need: need_row,
                    inside: &mut out.inside[t],
                });
                let inv_d2 = row.inv_d2;
                worst = worst.max(worst_a);
                (row_worst[a], row_need[a]) = (worst_a, need_a);
                if let Some(h) = plan.hists.iter().position(|h| h.k == k) {
                    let stats = &mut out.hists[h];
                    let bins = &mut stats.bins;
                    // Bin i holds lo + i·width ≤ r < lo + (i + 1)·width: position (r − lo)/width.
                    let (lo, scale) =
                        (bins.lo as f32, (bins.counts.len() as f64 / (bins.hi - bins.lo)) as f32);
                    for b in 0..w {
                        let r = s_now[b] * inv_d2[b] * inv_k;
                        let position = (r - lo) * scale;
                        match bins.counts.get_mut(position as usize) {
                            _ if position < 0.0 => bins.below += 1,
                            Some(count) => *count += 1,
                            None => bins.above += 1,
                        }
                        let dev = (r - 1.0) as f64;
                        stats.sum += dev;
                        stats.sum_sq += dev * dev;
                    }
                }
            }
            out.worst[t] = out.worst[t].max(worst as f64);
            for (g, last) in out.last_bad.iter_mut().enumerate() {
                let rows = g * GROUP..((g + 1) * GROUP).min(ni);
                let group_worst = row_worst[rows.clone()].iter().fold(0.0f32, |m, &w| m.max(w));
                // The tolerances some pair of the group breaks at k itself need
                // nothing more; the others are checked between the grid points.
                let mut open = f32::INFINITY;
                for (last, &tol) in last.iter_mut().zip(&eps) {
                    if group_worst > tol {
                        *last = (*last).max(k);
                    } else {
                        open = open.min(tol);
                    }
                }
                for a in rows.filter(|&a| k - prev > 1 && row_need[a] > open) {
                    self.between((yi, yj), (&before, &need), a, (prev, k), (&eps, group_worst), last);
                }
            }
            std::mem::swap(&mut before, &mut now);
            prev = k;
        }
    }

    /// For row `a`, the largest k with prev < k < next at which a pair is
    /// outside 1 ± tol, for each tolerance not already broken at `next` (the
    /// group's worst there is `worst`), into `last`. Only the pairs whose bounds
    /// (`need`) leave 1 ± tol are followed, one column at a time from S at prev.
    fn between(
        &self,
        (yi, yj): (ArrayView2<f32>, ArrayView2<f32>),
        (before, need): (&Array2<f32>, &Array2<f32>),
        a: usize,
        (prev, next): (usize, usize),
        (eps, worst): (&[f32], f32),
        last: &mut [usize],
    ) {
        let open = eps.iter().copied().filter(|&tol| tol >= worst).fold(f32::INFINITY, f32::min);
        for b in (0..self.width(a)).filter(|&b| need[[a, b]] > open) {
            let inv_d2 = self.inv_d2[[a, b]];
            let mut s = before[[a, b]];
            for c in prev..next - 1 {
                let diff = yi[[a, c]] - yj[[b, c]];
                s += diff * diff;
                let dev = (s * inv_d2 / (c + 1) as f32 - 1.0).abs();
                for (last, &tol) in last.iter_mut().zip(eps) {
                    if tol >= worst && dev > tol {
                        *last = (*last).max(c + 1);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jl::{Method, distance_ratios, projection_matrix};
    use crate::rng::seeded;
    use rand::Rng;
    use rand_distr::StandardNormal;

    /// The scan of `x` projected by `r`, checked against the reference
    /// ratios at every k: the worst pair and the count inside at each grid
    /// point, the last k outside per group over every k, the histogram.
    fn check_against_the_reference(x: &Array2<f64>, r: &Array2<f64>) {
        let (n, kmax) = (x.nrows(), r.ncols());
        let reference: Vec<Vec<f64>> = (1..=kmax).map(|k| distance_ratios(x.view(), r.view(), k)).collect();
        let y = x.dot(r).mapv(|v| v as f32);
        let x32 = x.mapv(|v| v as f32);
        let eps = vec![0.3, 0.5, 0.8];
        let grid = vec![3, 10, 17, 30];
        let hists = vec![HistSpec { k: 10, lo: 0.0, hi: 2.0, bins: 8 }];
        let plan = Plan { grid: grid.clone(), eps: eps.clone(), hists };
        let blocks = scan(x32.view(), &[y.view()], &plan).remove(0);
        // The reference lists the pairs (i, j < i) with i outer: pair p has row i.
        let rows: Vec<usize> = (1..n).flat_map(|i| std::iter::repeat_n(i, i)).collect();
        for (t, &k) in grid.iter().enumerate() {
            let devs: Vec<f64> = reference[k - 1].iter().map(|r| (r - 1.0).abs()).collect();
            let worst = blocks.iter().map(|b| b.worst[t]).fold(0.0, f64::max);
            assert!((worst - devs.iter().copied().fold(0.0, f64::max)).abs() < 1e-4, "k = {k}");
            for (e, &tol) in eps.iter().enumerate() {
                // The scan works in f32: a pair within rounding of the edge may
                // fall either side.
                let inside: u64 = blocks.iter().map(|b| b.inside[t][e]).sum();
                let count = |tol: f64| devs.iter().filter(|&&d| d <= tol).count() as u64;
                assert!((count(tol - 1e-5)..=count(tol + 1e-5)).contains(&inside), "k = {k}, ε = {tol}");
            }
        }
        // Per group of rows, the last k, over every k (not only the grid), with a pair outside.
        let last_bad: Vec<&Vec<usize>> = blocks.iter().flat_map(|b| &b.last_bad).collect();
        assert_eq!(last_bad.len(), n.div_ceil(GROUP));
        for (g, found) in last_bad.iter().enumerate() {
            let group = g * GROUP..(g + 1) * GROUP;
            for (e, &tol) in eps.iter().enumerate() {
                let last = |tol: f64| {
                    let outside = |k: usize| {
                        (0..rows.len())
                            .any(|p| group.contains(&rows[p]) && (reference[k - 1][p] - 1.0).abs() > tol)
                    };
                    (1..=kmax).filter(|&k| outside(k)).max().unwrap_or(0)
                };
                assert!((last(tol + 1e-5)..=last(tol - 1e-5)).contains(&found[e]), "group {g}, ε = {tol}");
            }
        }
        // The histogram holds every pair once, in the reference's bins (but
        // for a pair or two within rounding of an edge).
        let mut bins = Bins::empty(0.0, 2.0, 8);
        blocks.iter().for_each(|b| bins.merge(&b.hists[0].bins));
        let want = Bins::new(&reference[9], 0.0, 2.0, 8);
        assert_eq!(bins.total(), want.total());
        let moved: u64 = bins.counts.iter().zip(&want.counts).map(|(a, b)| a.abs_diff(*b)).sum();
        assert!(moved <= 2, "{bins:?} vs {want:?}");
    }

    #[test]
    fn the_blocked_scan_finds_the_reference_answers() {
        // 450 points: three blocks of rows, each with several column chunks.
        let mut rng = seeded(11);
        let x = Array2::from_shape_simple_fn((450, 24), || rng.sample::<f64, _>(StandardNormal));
        let r = projection_matrix(Method::Gaussian, 24, 30, &mut rng);
        check_against_the_reference(&x, &r);
    }

    #[test]
    fn sparse_points_take_the_lists_and_find_the_same() {
        // Counts like Chapter 3's documents: two columns in nearly every
        // point (dense), the rest rare (kept as lists).
        let mut rng = seeded(12);
        let x = Array2::from_shape_fn((400, 40), |(_, w)| {
            let p = if w < 2 { 0.9 } else { 0.05 };
            if rng.random::<f64>() < p { rng.random_range(1..4) as f64 } else { 0.0 }
        });
        // No two points alike: a pair at distance 0 has no ratio.
        let mut seen = std::collections::BTreeSet::new();
        let rows: Vec<_> = x
            .rows()
            .into_iter()
            .filter(|r| seen.insert(r.iter().map(|&v| v as u8).collect::<Vec<_>>()))
            .collect();
        let x = ndarray::stack(ndarray::Axis(0), &rows[..300]).unwrap();
        let points = Points::new(x.mapv(|v| v as f32).view());
        assert_eq!((points.dense.ncols(), points.columns.len()), (2, 38));
        let r = projection_matrix(Method::Gaussian, 40, 30, &mut rng);
        check_against_the_reference(&x, &r);
    }

    #[test]
    fn a_pair_outside_between_grid_points_is_found() {
        // Two points whose ratio leaves 1 ± ε only at k = 5 (between grid
        // points 4 and 8): x = (0, 1) and (0, 0), and y's columns chosen so.
        let x = ndarray::array![[1.0f32, 0.0], [0.0, 0.0]];
        // d² = 1. Squared column differences 1, 1, 1, 1, 5, 0, 0, 0: S = 4 at
        // k = 4 (ratio 1), 9 at k = 5 (1.8), 9 at k = 8 (1.125).
        let y = ndarray::array![[1.0f32, 1.0, 1.0, 1.0, 5f32.sqrt(), 0.0, 0.0, 0.0], [0.0; 8]];
        let plan = Plan { grid: vec![4, 8], eps: vec![0.5, 0.9], hists: vec![] };
        let blocks = scan(x.view(), &[y.view()], &plan).remove(0);
        assert_eq!(blocks[0].last_bad, vec![vec![5, 0]]);
        assert!((blocks[0].worst[1] - 0.125).abs() < 1e-6);
    }
}
