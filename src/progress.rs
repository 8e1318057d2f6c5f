//! How a chapter's `run()` reports progress without owning a terminal.
//!
//! `run()` calls [`Progress::start`] once for each long stage, then
//! [`Progress::advance`] as work is done (from any thread). Only the
//! examples and the book command draw anything: they pass a progress bar
//! (`cli::Bar`); tests and library callers pass [`Quiet`].

/// Told about the work a run does, in the run's own unit (steps, models).
pub trait Progress: Sync {
    /// A stage of `total` units begins, described by `what`.
    fn start(&self, total: u64, what: &'static str);
    /// `units` more units of the current stage are done.
    fn advance(&self, units: u64);
    /// The current stage is over.
    fn finish(&self);
}

/// Progress that nobody watches.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _: u64, _: &'static str) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
