//! The toy models of superposition (Elhage et al., 2022), trained from scratch.
//!
//! [`data`] draws sparse features, [`model`] holds the four models with their
//! loss and hand-written gradients, [`train`] trains many of them side by side
//! with AdamW, and [`analysis`] measures what they learned. [`reference`]
//! is the same model and sampler written to be read, as the chapter shows it.

pub mod analysis;
mod batched;
pub mod correlated;
pub mod data;
pub mod dynamics;
pub mod known;
pub mod model;
pub mod neurons;
pub mod parts;
mod per_sample;
pub mod phase;
pub mod reference;
pub mod spec;
pub mod train;

pub use data::Batch;
pub use model::{Init, Kind, Spec};
pub use train::{Best, Job, Setting, TrainConfig, Trained};
