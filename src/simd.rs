//! The two vector operations the fast kernels (toy models and SAEs) are made of, a · b and
//! y ← y + a x, written so that the result does not depend on the CPU.
//!
//! Element-wise operations (axpy) give the same bits however many lanes the
//! compiler uses. Sums do not: their order is part of the result. So the dot
//! product fixes its order once (eight running sums), and the AVX2 version
//! performs exactly the same additions. No FMA anywhere: a fused multiply-add
//! rounds once instead of twice and would change the bits on CPUs that have it.

// ANCHOR: dot
/// a · b with eight running sums (lane k adds the products at positions
/// k, k + 8, k + 16, …), combined in a fixed order at the end. The order of the
/// additions is part of the result, so it is fixed here once, and [`dot_avx2`]
/// performs exactly the same additions eight lanes at a time: the same bytes
/// on every run and on every x86-64 CPU.
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (a8.remainder(), b8.remainder());
    for (x, y) in a8.zip(b8) {
        for ((acc, &x), &y) in acc.iter_mut().zip(x).zip(y) {
            *acc += x * y;
        }
    }
    let (tail_a, tail_b) = (padded(ra), padded(rb));
    for ((acc, &x), &y) in acc.iter_mut().zip(&tail_a).zip(&tail_b) {
        *acc += x * y;
    }
    combine(acc)
}

/// The last (fewer than 8) entries, padded with zeros to a full chunk: every
/// lane then takes the same number of additions on every path.
#[inline(always)]
fn padded(tail: &[f32]) -> [f32; 8] {
    std::array::from_fn(|k| tail.get(k).copied().unwrap_or(0.0))
}

#[inline(always)]
fn combine(acc: [f32; 8]) -> f32 {
    let pairs = [acc[0] + acc[4], acc[1] + acc[5], acc[2] + acc[6], acc[3] + acc[7]];
    (pairs[0] + pairs[1]) + (pairs[2] + pairs[3])
}
// ANCHOR_END: dot

/// [`dot`] with AVX registers (the compiler does not find this form itself).
/// The tail is read with a masked load, whose masked-off lanes are zero: the
/// same padding as [`padded`], and so the same additions.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
pub fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    use std::arch::x86_64::{
        _mm_add_ps, _mm_cvtss_f32, _mm_hadd_ps, _mm256_add_ps, _mm256_castps256_ps128, _mm256_cmpgt_epi32,
        _mm256_extractf128_ps, _mm256_loadu_ps, _mm256_maskload_ps, _mm256_mul_ps, _mm256_set_epi32,
        _mm256_set1_epi32, _mm256_setzero_ps,
    };
    let len = a.len().min(b.len());
    let full = len / 8 * 8;
    let rest = (len - full) as i32;
    // SAFETY: the loads read a[k..k + 8] and b[k..k + 8] with k + 8 ≤ len,
    // then the masked tails read only a[full..len] and b[full..len].
    unsafe {
        let mut sum = _mm256_setzero_ps();
        let mut k = 0;
        while k < full {
            let prod = _mm256_mul_ps(_mm256_loadu_ps(a.as_ptr().add(k)), _mm256_loadu_ps(b.as_ptr().add(k)));
            sum = _mm256_add_ps(sum, prod);
            k += 8;
        }
        // Lane k is read when k < rest (the sign bit of the mask is set).
        let lane = _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0);
        let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(rest), lane);
        let ta = _mm256_maskload_ps(a.as_ptr().add(full), mask);
        let tb = _mm256_maskload_ps(b.as_ptr().add(full), mask);
        sum = _mm256_add_ps(sum, _mm256_mul_ps(ta, tb));
        // combine: s = (acc₀ + acc₄, acc₁ + acc₅, acc₂ + acc₆, acc₃ + acc₇),
        // then (s₀ + s₁) + (s₂ + s₃) with two horizontal adds.
        let s = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps::<1>(sum));
        let pairs = _mm_hadd_ps(s, s);
        _mm_cvtss_f32(_mm_hadd_ps(pairs, pairs))
    }
}

/// Four dot products against one vector, `[a₀ · b, a₁ · b, a₂ · b, a₃ · b]`,
/// each the same bits as [`dot_avx2`]: the four running sums are independent,
/// so the processor overlaps their additions instead of waiting for each
/// (one vector of running sums per product is a chain of dependent additions,
/// bound by their latency).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
pub fn dot4_avx2(a: [&[f32]; 4], b: &[f32]) -> [f32; 4] {
    use std::arch::x86_64::{
        __m256, _mm_add_ps, _mm_hadd_ps, _mm_storeu_ps, _mm256_add_ps, _mm256_castps256_ps128,
        _mm256_cmpgt_epi32, _mm256_extractf128_ps, _mm256_loadu_ps, _mm256_maskload_ps, _mm256_mul_ps,
        _mm256_set_epi32, _mm256_set1_epi32, _mm256_setzero_ps,
    };
    let len = a.iter().fold(b.len(), |len, a| len.min(a.len()));
    let full = len / 8 * 8;
    let rest = (len - full) as i32;
    // SAFETY: as in `dot_avx2`, every load reads below `len` in every row.
    unsafe {
        let mut sum: [__m256; 4] = [_mm256_setzero_ps(); 4];
        let mut k = 0;
        while k < full {
            let bk = _mm256_loadu_ps(b.as_ptr().add(k));
            for (sum, a) in sum.iter_mut().zip(a) {
                *sum = _mm256_add_ps(*sum, _mm256_mul_ps(_mm256_loadu_ps(a.as_ptr().add(k)), bk));
            }
            k += 8;
        }
        let lane = _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0);
        let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(rest), lane);
        let tb = _mm256_maskload_ps(b.as_ptr().add(full), mask);
        for (sum, a) in sum.iter_mut().zip(a) {
            *sum = _mm256_add_ps(*sum, _mm256_mul_ps(_mm256_maskload_ps(a.as_ptr().add(full), mask), tb));
        }
        // Each row's combine as in `dot_avx2`: s = lower half + upper half,
        // then (s₀ + s₁) + (s₂ + s₃), here for four rows with three
        // horizontal adds.
        let s = sum.map(|v| _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v)));
        let all = _mm_hadd_ps(_mm_hadd_ps(s[0], s[1]), _mm_hadd_ps(s[2], s[3]));
        let mut out = [0.0f32; 4];
        _mm_storeu_ps(out.as_mut_ptr(), all);
        out
    }
}

/// The mask that reads or writes the first `rest` (< 8) lanes of a vector.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn tail_mask(rest: usize) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::{_mm256_cmpgt_epi32, _mm256_set_epi32, _mm256_set1_epi32};
    _mm256_cmpgt_epi32(_mm256_set1_epi32(rest as i32), _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0))
}

/// [`axpy`] with AVX registers. Element by element the same operations, so
/// the same bits.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
pub fn axpy_avx2(a: f32, x: &[f32], y: &mut [f32]) {
    use std::arch::x86_64::{
        _mm256_add_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps, _mm256_storeu_ps,
    };
    let len = x.len().min(y.len());
    let full = len / 8 * 8;
    // SAFETY: full loads and stores below `full`, masked ones below `len`.
    unsafe {
        let av = _mm256_set1_ps(a);
        let (xp, yp) = (x.as_ptr(), y.as_mut_ptr());
        let mut k = 0;
        while k < full {
            let sum =
                _mm256_add_ps(_mm256_loadu_ps(yp.add(k)), _mm256_mul_ps(av, _mm256_loadu_ps(xp.add(k))));
            _mm256_storeu_ps(yp.add(k), sum);
            k += 8;
        }
        // The last entries one at a time: a masked store is slow on some
        // processors (AMD's), and short vectors are common here.
        for k in full..len {
            *yp.add(k) += a * *xp.add(k);
        }
    }
}

/// [`axpy_rows`] with AVX registers: 32 entries of y stay in four registers
/// while every row is added to them (one load per product instead of two
/// loads and a store), the same additions in the same order.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
pub fn axpy_rows_avx2(y: &mut [f32], from: &[f32], rows: &[u32], coef: &[f32], w: &[f32], stride: usize) {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_loadu_ps, _mm256_maskload_ps, _mm256_maskstore_ps, _mm256_mul_ps,
        _mm256_set1_ps, _mm256_storeu_ps,
    };
    let len = y.len().min(stride).min(from.len());
    assert!(rows.iter().all(|&j| (j as usize) < coef.len() && (j as usize + 1) * stride <= w.len()));
    let (yp, fp) = (y.as_mut_ptr(), from.as_ptr());
    // SAFETY: every row j has stride ≥ len entries in w (checked above); the
    // loads and stores of y stay below len, full ones below len / 8 · 8.
    unsafe {
        let mut k = 0;
        while k + 32 <= len {
            let mut acc: [__m256; 4] = std::array::from_fn(|v| _mm256_loadu_ps(fp.add(k + 8 * v)));
            for &j in rows {
                let (c, row) = (
                    _mm256_set1_ps(*coef.get_unchecked(j as usize)),
                    w.as_ptr().add(j as usize * stride + k),
                );
                for (v, acc) in acc.iter_mut().enumerate() {
                    *acc = _mm256_add_ps(*acc, _mm256_mul_ps(c, _mm256_loadu_ps(row.add(8 * v))));
                }
            }
            for (v, acc) in acc.iter().enumerate() {
                _mm256_storeu_ps(yp.add(k + 8 * v), *acc);
            }
            k += 32;
        }
        while k < len {
            let mask = tail_mask((len - k).min(8));
            let mut acc = _mm256_maskload_ps(fp.add(k), mask);
            for &j in rows {
                let c = _mm256_set1_ps(*coef.get_unchecked(j as usize));
                let row = _mm256_maskload_ps(w.as_ptr().add(j as usize * stride + k), mask);
                acc = _mm256_add_ps(acc, _mm256_mul_ps(c, row));
            }
            _mm256_maskstore_ps(yp.add(k), mask, acc);
            k += 8;
        }
    }
}

/// [`add_outer`] with AVX registers: a block of R rows × 16 columns stays in
/// registers while every term is added to it (two loads and R broadcasts per
/// 2·R products, instead of two loads and a store per product), the same
/// additions in the same order.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
pub fn add_outer_avx2(rows: &mut [f32], n: usize, terms: &[(&[f32], &[f32])]) {
    let d = rows.len() / n.max(1);
    assert!(terms.iter().all(|(c, v)| c.len() >= d && v.len() >= n), "terms shorter than the rows");
    let mut j = 0;
    // SAFETY: every group reads coefficients j..j + R < d and entries below n
    // of each vector, and writes rows j..j + R of `rows` (checked above).
    unsafe {
        while j + 4 <= d {
            outer_rows::<4>(rows, n, terms, j);
            j += 4;
        }
        while j < d {
            outer_rows::<1>(rows, n, terms, j);
            j += 1;
        }
    }
}

/// Rows j..j + R of [`add_outer_avx2`].
///
/// # Safety
/// AVX2, and j + R ≤ d with the lengths checked by the caller.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn outer_rows<const R: usize>(rows: &mut [f32], n: usize, terms: &[(&[f32], &[f32])], j: usize) {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_loadu_ps, _mm256_maskload_ps, _mm256_maskstore_ps, _mm256_mul_ps,
        _mm256_set1_ps, _mm256_storeu_ps,
    };
    let base = rows.as_mut_ptr();
    let row = |r: usize| unsafe { base.add((j + r) * n) };
    let mut k = 0;
    unsafe {
        while k + 16 <= n {
            let mut acc: [[__m256; 2]; R] =
                std::array::from_fn(|r| [_mm256_loadu_ps(row(r).add(k)), _mm256_loadu_ps(row(r).add(k + 8))]);
            for (c, v) in terms {
                let v = [_mm256_loadu_ps(v.as_ptr().add(k)), _mm256_loadu_ps(v.as_ptr().add(k + 8))];
                for (r, acc) in acc.iter_mut().enumerate() {
                    let c = _mm256_set1_ps(*c.get_unchecked(j + r));
                    acc[0] = _mm256_add_ps(acc[0], _mm256_mul_ps(c, v[0]));
                    acc[1] = _mm256_add_ps(acc[1], _mm256_mul_ps(c, v[1]));
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                _mm256_storeu_ps(row(r).add(k), acc[0]);
                _mm256_storeu_ps(row(r).add(k + 8), acc[1]);
            }
            k += 16;
        }
        while k < n {
            let mask = tail_mask((n - k).min(8));
            let mut acc: [__m256; R] = std::array::from_fn(|r| _mm256_maskload_ps(row(r).add(k), mask));
            for (c, v) in terms {
                let v = _mm256_maskload_ps(v.as_ptr().add(k), mask);
                for (r, acc) in acc.iter_mut().enumerate() {
                    *acc = _mm256_add_ps(*acc, _mm256_mul_ps(_mm256_set1_ps(*c.get_unchecked(j + r)), v));
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                _mm256_maskstore_ps(row(r).add(k), mask, *acc);
            }
            k += 8;
        }
    }
}

/// How the kernel takes dot products: plain Rust, or AVX2.
pub trait Dot {
    fn dot(a: &[f32], b: &[f32]) -> f32;

    /// Four dot products against one vector: the same bits as four calls of
    /// [`Dot::dot`].
    #[inline(always)]
    fn dot4(a: [&[f32]; 4], b: &[f32]) -> [f32; 4] {
        a.map(|a| Self::dot(a, b))
    }

    /// y ← y + a x: the same bits as [`axpy`].
    #[inline(always)]
    fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
        axpy(a, x, y)
    }

    /// y ← from + Σ_{j ∈ rows} coef_j w_j, with w_j = w[j·stride..][..y.len()],
    /// row after row: the same bits as [`axpy_rows`].
    #[inline(always)]
    fn axpy_rows(y: &mut [f32], from: &[f32], rows: &[u32], coef: &[f32], w: &[f32], stride: usize) {
        axpy_rows(y, from, rows, coef, w, stride)
    }

    /// The d × n matrix `rows` += Σ_k c_k v_kᵀ, term after term: the same bits
    /// as [`add_outer`].
    #[inline(always)]
    fn add_outer(rows: &mut [f32], n: usize, terms: &[(&[f32], &[f32])]) {
        add_outer(rows, n, terms)
    }

    /// The indices of the nonzero entries of `v`, in order, into the start
    /// of `out`; returns how many: the same list as [`nonzero_indices`].
    #[inline(always)]
    fn nonzero_indices(v: &[f32], out: &mut [u32]) -> usize {
        nonzero_indices(v, out)
    }
}

/// `out[r] = rows(r) · b` for r in 0..out.len(), four rows at a time (the
/// last group repeats its last row and drops the extra results).
#[inline(always)]
pub fn dot_rows<'a, D: Dot>(rows: impl Fn(usize) -> &'a [f32], b: &[f32], out: &mut [f32]) {
    for (g, out) in out.chunks_mut(4).enumerate() {
        let (first, last) = (4 * g, 4 * g + out.len() - 1);
        let row = |k: usize| rows((first + k).min(last));
        let four = D::dot4([row(0), row(1), row(2), row(3)], b);
        out.copy_from_slice(&four[..out.len()]);
    }
}

pub struct Portable;
impl Dot for Portable {
    #[inline(always)]
    fn dot(a: &[f32], b: &[f32]) -> f32 {
        dot(a, b)
    }
}

#[cfg(target_arch = "x86_64")]
pub struct Avx2;
#[cfg(target_arch = "x86_64")]
impl Dot for Avx2 {
    #[inline(always)]
    fn dot(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: `Avx2` is only used inside `#[target_feature(enable = "avx2")]`
        // functions, which run on CPUs with AVX2.
        unsafe { dot_avx2(a, b) }
    }
    #[inline(always)]
    fn dot4(a: [&[f32]; 4], b: &[f32]) -> [f32; 4] {
        // SAFETY: as for `dot`.
        unsafe { dot4_avx2(a, b) }
    }
    #[inline(always)]
    fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
        // SAFETY: as for `dot`.
        unsafe { axpy_avx2(a, x, y) }
    }
    #[inline(always)]
    fn axpy_rows(y: &mut [f32], from: &[f32], rows: &[u32], coef: &[f32], w: &[f32], stride: usize) {
        // SAFETY: as for `dot`.
        unsafe { axpy_rows_avx2(y, from, rows, coef, w, stride) }
    }
    #[inline(always)]
    fn add_outer(rows: &mut [f32], n: usize, terms: &[(&[f32], &[f32])]) {
        // SAFETY: as for `dot`.
        unsafe { add_outer_avx2(rows, n, terms) }
    }
    #[inline(always)]
    fn nonzero_indices(v: &[f32], out: &mut [u32]) -> usize {
        // SAFETY: as for `dot`.
        unsafe { nonzero_indices_avx2(v, out) }
    }
}

/// The indices of the nonzero entries of `v`, in order, into the start of
/// `out` (at least as long as the count); returns how many. Eight entries
/// at a time: a mask of the nonzero ones, then one step per set bit, so a
/// run of zeros costs one test per eight entries (and whether an entry is
/// zero, a coin flip to the branch predictor, is never a branch of its own).
#[inline(always)]
pub fn nonzero_indices(v: &[f32], out: &mut [u32]) -> usize {
    let mut count = 0;
    for (c, chunk) in v.chunks(8).enumerate() {
        let mask = chunk.iter().enumerate().fold(0u32, |m, (k, &x)| m | ((x != 0.0) as u32) << k);
        count = push_bits(mask, 8 * c as u32, out, count);
    }
    count
}

/// The indices of the positive entries of `v` (x > 0, so not NaN), in
/// order, into the start of `out`; returns how many. Eight entries at a
/// time, as [`nonzero_indices`]: a ReLU's input is mostly negative in a
/// sparse model, and a run of negatives costs one test per eight entries.
#[inline(always)]
pub fn positive_indices(v: &[f32], out: &mut [u32]) -> usize {
    let mut count = 0;
    for (c, chunk) in v.chunks(8).enumerate() {
        let mask = chunk.iter().enumerate().fold(0u32, |m, (k, &x)| m | ((x > 0.0) as u32) << k);
        count = push_bits(mask, 8 * c as u32, out, count);
    }
    count
}

/// Append `base + k` to `out[count..]` for every set bit k of `mask`, in
/// increasing order; returns the new count.
#[inline(always)]
fn push_bits(mut mask: u32, base: u32, out: &mut [u32], mut count: usize) -> usize {
    while mask != 0 {
        out[count] = base + mask.trailing_zeros();
        count += 1;
        mask &= mask - 1;
    }
    count
}

/// [`nonzero_indices`] with AVX2: one comparison and one mask per eight
/// entries; the same list.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
pub fn nonzero_indices_avx2(v: &[f32], out: &mut [u32]) -> usize {
    use std::arch::x86_64::{
        _CMP_NEQ_UQ, _mm256_cmp_ps, _mm256_loadu_ps, _mm256_movemask_ps, _mm256_setzero_ps,
    };
    let full = v.len() / 8 * 8;
    let mut count = 0;
    let mut k = 0;
    // SAFETY: each load reads v[k..k + 8] with k + 8 ≤ full ≤ v.len().
    unsafe {
        let zero = _mm256_setzero_ps();
        while k < full {
            // Not-equal-or-unordered: true for NaN, as `x != 0.0` is.
            let mask =
                _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_NEQ_UQ>(_mm256_loadu_ps(v.as_ptr().add(k)), zero));
            count = push_bits(mask as u32, k as u32, out, count);
            k += 8;
        }
    }
    let mask = v[full..].iter().enumerate().fold(0u32, |m, (k, &x)| m | ((x != 0.0) as u32) << k);
    push_bits(mask, full as u32, out, count)
}

/// y ← y + a x.
#[inline(always)]
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// y ← from + Σ_{j ∈ rows} coef_j w_j, row after row (w_j is row j of a matrix
/// with `stride` columns).
#[inline(always)]
pub fn axpy_rows(y: &mut [f32], from: &[f32], rows: &[u32], coef: &[f32], w: &[f32], stride: usize) {
    y.copy_from_slice(from);
    let len = y.len();
    for &j in rows {
        let j = j as usize;
        axpy(coef[j], &w[j * stride..j * stride + len], y);
    }
}

// ANCHOR: add_outer
/// The d × n matrix `rows` (row-major) += Σ_k c_k v_kᵀ, the outer products
/// of the terms (c_k, v_k) added one after the other: row j gets c_kj v_k.
/// (The AVX2 version, `add_outer_avx2`, adds the same terms in the same
/// order to a block of 4 rows × 16 columns held in registers.)
#[inline(always)]
pub fn add_outer(rows: &mut [f32], n: usize, terms: &[(&[f32], &[f32])]) {
    for (c, v) in terms {
        for (row, &c) in rows.chunks_exact_mut(n).zip(c.iter()) {
            axpy(c, &v[..n], row);
        }
    }
}
// ANCHOR_END: add_outer

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_plain_sum() {
        // Values whose sums round differently in a different order.
        let a: Vec<f32> = (0..21).map(|i| (i as f32 * 0.37).sin() * 1e3).collect();
        let b: Vec<f32> = (0..21).map(|i| 1.0 - (i as f32 * 1.3).cos() / 7.0).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-3 * plain.abs().max(1.0));
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // Bit for bit, for every tail length: the two paths add in the
            // same order.
            for len in 0..=a.len() {
                let (a, b) = (&a[..len], &b[..len]);
                // SAFETY: AVX2 is present, checked just above.
                assert_eq!(dot(a, b).to_bits(), unsafe { dot_avx2(a, b) }.to_bits(), "length {len}");
                // Four rows at once: each the bits of its own dot product.
                let rows: [Vec<f32>; 4] =
                    std::array::from_fn(|r| a.iter().map(|x| x * (r as f32 + 0.3)).collect());
                let four = unsafe { dot4_avx2(std::array::from_fn(|r| &rows[r][..]), b) };
                for r in 0..4 {
                    assert_eq!(four[r].to_bits(), dot(&rows[r], b).to_bits(), "length {len}, row {r}");
                }
            }
        }
    }

    /// Values whose products and sums round (so a different order or a fused
    /// multiply-add would show).
    fn wavy(len: usize, f: f32) -> Vec<f32> {
        (0..len).map(|i| ((i as f32 + f) * 0.731).sin() * 3.7).collect()
    }

    #[test]
    fn dot_rows_gives_each_rows_dot_product() {
        let rows: Vec<Vec<f32>> = (0..7).map(|r| wavy(13, r as f32)).collect();
        let b = wavy(13, 0.5);
        for count in 0..=7 {
            let mut out = vec![f32::NAN; count];
            dot_rows::<Portable>(|r| &rows[r], &b, &mut out);
            let each: Vec<f32> = rows[..count].iter().map(|r| dot(r, &b)).collect();
            assert_eq!(out, each, "{count} rows");
        }
    }

    #[test]
    fn nonzero_indices_list_the_nonzero_entries_in_order() {
        for len in [0, 1, 7, 8, 9, 16, 23, 100] {
            for pattern in 0..6u32 {
                // Zeros of both signs, NaN (which is not zero) and values.
                let v: Vec<f32> = (0..len as u32)
                    .map(|i| match (i * 7 + pattern * 3) % (pattern + 2) {
                        0 => 0.0,
                        1 if pattern == 3 => -0.0,
                        1 if pattern == 4 => f32::NAN,
                        _ => i as f32 - 4.5,
                    })
                    .collect();
                let expected: Vec<u32> = (0..len as u32).filter(|&i| v[i as usize] != 0.0).collect();
                let mut out = vec![u32::MAX; len];
                let count = nonzero_indices(&v, &mut out);
                assert_eq!(&out[..count], &expected[..], "length {len}, pattern {pattern}");
                let positive: Vec<u32> = (0..len as u32).filter(|&i| v[i as usize] > 0.0).collect();
                let count = positive_indices(&v, &mut out);
                assert_eq!(&out[..count], &positive[..], "positive, length {len}, pattern {pattern}");
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2") {
                    let mut wide = vec![u32::MAX; len];
                    // SAFETY: AVX2 is present, checked just above.
                    let count = unsafe { nonzero_indices_avx2(&v, &mut wide) };
                    assert_eq!(&wide[..count], &expected[..], "AVX2, length {len}, pattern {pattern}");
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn axpy_with_avx2_is_the_same_bits() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for len in [0, 1, 7, 8, 9, 31, 32, 33, 40, 67, 100] {
            let (x, y) = (wavy(len, 0.2), wavy(len, 1.9));
            let (mut plain, mut wide) = (y.clone(), y.clone());
            axpy(-1.37, &x, &mut plain);
            // SAFETY: AVX2 is present, checked above.
            unsafe { axpy_avx2(-1.37, &x, &mut wide) };
            assert_eq!(bits(&plain), bits(&wide), "axpy, length {len}");
            // Rows 0..5 of a 5 × (len + 3) matrix, in a scrambled order with a repeat.
            let stride = len + 3;
            let (w, coef) = (wavy(5 * stride, 4.4), wavy(5, 8.8));
            let rows = [3, 0, 4, 4, 1];
            let (mut plain, mut wide) = (y.clone(), y.clone());
            let from = wavy(len, 6.1);
            axpy_rows(&mut plain, &from, &rows, &coef, &w, stride);
            // SAFETY: as above.
            unsafe { axpy_rows_avx2(&mut wide, &from, &rows, &coef, &w, stride) };
            assert_eq!(bits(&plain), bits(&wide), "axpy_rows, length {len}");
            // Outer products of 3 terms into a 6 × len matrix (a group of
            // four rows and two single rows; 16-column blocks and a tail).
            let coefs: Vec<Vec<f32>> = (0..3).map(|k| wavy(6, 2.0 * k as f32)).collect();
            let vecs: Vec<Vec<f32>> = (0..3).map(|k| wavy(len, 0.7 * k as f32)).collect();
            let terms: Vec<(&[f32], &[f32])> =
                coefs.iter().zip(&vecs).map(|(c, v)| (&c[..], &v[..])).collect();
            let start = wavy(6 * len, 5.5);
            let (mut plain, mut wide) = (start.clone(), start.clone());
            if len > 0 {
                add_outer(&mut plain, len, &terms);
                // SAFETY: as above.
                unsafe { add_outer_avx2(&mut wide, len, &terms) };
            }
            assert_eq!(bits(&plain), bits(&wide), "add_outer, length {len}");
        }
    }
}
