//! Sparse autoencoders on data whose true features are known (Chapter 5).
//!
//! [`data`] draws the ground truth and its samples; [`model`] is the SAE
//! with its loss and hand-written gradients, made fast; [`reference`] is the
//! same SAE written to be read, as the chapter shows it; [`train`] runs Adam
//! on it.

pub mod auxk;
pub mod choosing;
pub mod coding;
pub mod data;
pub mod hierarchy;
pub mod known;
pub mod metrics;
pub mod model;
pub mod reference;
pub mod train;
