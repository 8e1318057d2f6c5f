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

/// How the kernel takes dot products: plain Rust, or AVX2.
pub trait Dot {
    fn dot(a: &[f32], b: &[f32]) -> f32;
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
}

/// y ← y + a x.
#[inline(always)]
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

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
            }
        }
    }
}
