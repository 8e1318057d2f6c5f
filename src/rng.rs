//! Seeded randomness.
//!
//! Every random draw in the book comes from a [`ChaCha8Rng`] built here: its
//! output stream is fixed by the seed and stable across platforms and crate
//! versions, so the same seed gives the same figures, byte for byte.

use rand::SeedableRng;
pub use rand_chacha::ChaCha8Rng;

/// The seed every example uses unless `--seed` says otherwise.
pub const DEFAULT_SEED: u64 = 2022;

/// A generator for one experiment.
pub fn seeded(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// An independent generator for a sub-experiment, derived from a seed and a
/// stream index, so that adding or reordering one part of a chapter does not
/// shift the random numbers of another.
pub fn stream(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = seeded(seed);
    rng.set_stream(index);
    rng
}

/// The stream index of item `index` of a named group of draws (one
/// experiment of a chapter). Each group owns the 2^32 indices from
/// `group · 2^32`, so the groups' draws never meet, and adding, removing or
/// reordering the items of one group shifts no other group's numbers.
pub fn group_stream(group: u64, index: u64) -> u64 {
    assert!(index < 1 << 32, "stream index {index} outside its group");
    (group << 32) | index
}
