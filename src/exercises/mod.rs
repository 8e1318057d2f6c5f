//! Coding exercises, chapter by chapter (feature `exercises`).
//!
//! Each exercise is a function with its signature given and a `todo!()` body
//! in `stubs.rs`: fill it in, then run its tests,
//!
//! ```text
//! cargo test --features exercises ch2     # the tests of Chapter 2's exercises
//! ```
//!
//! and they compare your function with the book's own implementation. The
//! reference solutions are in `solutions.rs`; building with the feature
//! `solutions` as well swaps them in (CI does this, so the tests are known
//! to pass with a correct answer).

#[cfg(not(feature = "solutions"))]
mod stubs;
#[cfg(not(feature = "solutions"))]
pub use stubs::*;

#[cfg(feature = "solutions")]
pub mod solutions;
#[cfg(feature = "solutions")]
pub use solutions::*;
