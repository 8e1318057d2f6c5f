//! Independent jobs spread over the cores.
//!
//! Each job owns its random stream, so the results do not depend on how many
//! threads run them or in which order they finish.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` applied to every item, on as many threads as there are cores, with
/// the results in the items' order.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_on(std::thread::available_parallelism().map_or(1, |t| t.get()), items, f)
}

/// [`map`] on at most `threads` threads (the same results, in the same
/// order, for any number).
pub fn map_on<T: Sync, R: Send>(threads: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.min(items.len()).max(1);
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(k) else { break };
                    let r = f(item);
                    *results[k].lock().expect("no worker panicked") = Some(r);
                }
            });
        }
    });
    results.into_iter().map(|r| r.into_inner().expect("no worker panicked").expect("every job ran")).collect()
}

/// [`map`], starting the costliest items first (by the estimate `cost`), so
/// that no long job starts last while the other cores sit idle. The results
/// are still in the items' order, and the same bits.
pub fn map_costliest_first<T: Sync, R: Send>(
    items: &[T],
    cost: impl Fn(&T) -> f64,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| cost(&items[b]).total_cmp(&cost(&items[a])));
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (k, r) in order.iter().zip(map(&order, |&k| f(&items[k]))) {
        results[*k] = Some(r);
    }
    results.into_iter().map(|r| r.expect("every job ran")).collect()
}

/// Give the matrix products (matrixmultiply) one thread, unless the user set
/// `MATMUL_NUM_THREADS`. A chapter that trains independent models on every
/// core runs faster this way: Chapter 5 takes about two thirds of the time
/// it takes with threaded products, with the same bytes (the threads split
/// the output into blocks; they do not change the order of any sum).
///
/// # Safety
/// Call it first thing in `main`, before any other thread exists: it sets an
/// environment variable.
pub unsafe fn one_thread_per_matrix_product() {
    if std::env::var_os("MATMUL_NUM_THREADS").is_none() {
        // SAFETY: the caller guarantees that no other thread is running.
        unsafe { std::env::set_var("MATMUL_NUM_THREADS", "1") };
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<u64> = (0..100).collect();
        let squares = super::map(&items, |&i| i * i);
        assert_eq!(squares, items.iter().map(|i| i * i).collect::<Vec<_>>());
        let costliest_first = super::map_costliest_first(&items, |&i| (i % 7) as f64, |&i| i * i);
        assert_eq!(costliest_first, squares);
        for threads in [1, 3] {
            assert_eq!(super::map_on(threads, &items, |&i| i * i), squares, "{threads} threads");
        }
    }
}
