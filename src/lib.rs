//! # Superposition, runnable
//!
//! The library behind the book: the mathematics of packing many feature
//! directions into few dimensions, one concept per module, and one module per
//! chapter that runs that chapter's experiment and draws its figures.
//!
//! Every chapter follows the same shape, [`chapters::Chapter`]: a validated
//! `Config`, `run(config, progress) -> Report` that computes everything
//! (plain data, serialisable), and `write(report, dirs)` that draws and
//! formats it; [`chapters::generate`] does these in order and writes the
//! report as JSON. Concept modules import neither `plot` nor `cli`.

pub mod angles;
pub mod bounds;
pub mod chapters;
pub mod claims;
pub mod cli;
#[cfg(feature = "exercises")]
pub mod exercises;
pub mod geometry;
pub mod jl;
pub mod lm;
pub mod mub;
pub mod optim;
pub mod output;
pub mod packing;
pub mod parallel;
pub mod plot;
pub mod progress;
pub mod rng;
pub mod sae;
pub mod simd;
pub mod sparse;
pub mod special;
pub mod stats;
pub mod toy;

pub mod ch1;
pub mod ch2;
pub mod ch3;
pub mod ch4;
pub mod ch5;
