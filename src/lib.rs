//! # Superposition, runnable
//!
//! The library behind the book: the mathematics of packing many feature
//! directions into few dimensions, one concept per module, and one module per
//! chapter that runs that chapter's experiment and draws its figures.
//!
//! Every chapter follows the same shape: `run(&Config) -> Report` computes
//! everything (plain data, serialisable), `figures(&Report, dir)` draws it,
//! and `generate(&Config, dir)` does both and writes the report as JSON.

pub mod angles;
pub mod bounds;
pub mod chapters;
pub mod claims;
pub mod cli;
#[cfg(feature = "exercises")]
pub mod exercises;
pub mod geometry;
pub mod jl;
pub mod optim;
pub mod output;
pub mod packing;
pub mod parallel;
pub mod plot;
pub mod rng;
pub mod sae;
pub mod special;
pub mod toy;

pub mod ch1;
pub mod ch2;
pub mod ch3;
pub mod ch4;
pub mod ch5;
