//! One shape for every chapter, and the registry of what the whole-book
//! command runs, in order.
//!
//! A chapter is a [`Chapter`]: a configuration (validated before anything
//! runs), `run(config, progress) -> Report` that computes every number the
//! chapter prints, and `write(report, dirs)` that only draws and formats
//! what the report holds. [`generate`] does the rest the same way for every
//! chapter: it stages the output folders, runs, writes, saves the report as
//! JSON and moves the files into place. The examples and the book command
//! call the same function, so the book and the examples cannot disagree.

use crate::output::{Numbers, OutDirs, Staged, rounded_json, write_atomic, write_json};
use crate::progress::Progress;
use serde::Serialize;
use std::path::Path;

/// What a chapter provides; see the module documentation.
pub trait Chapter {
    /// The example's name, e.g. `ch1_dimension`.
    const NAME: &'static str;
    /// The short name of the chapter's generated files, e.g. `ch1`: the
    /// report `generated/ch1.json` and the inline numbers
    /// `generated/ch1_numbers.md`.
    const ID: &'static str;
    /// Significant digits of the numbers in the JSON report: 8 for chapters
    /// computed in f64, 6 for chapters trained in f32 (whose 7th digit is
    /// rounding noise).
    const DIGITS: i32;
    /// Seconds the book's configuration takes (release, on the 2-core
    /// machine the book is measured on), for the estimate before a long run.
    const BOOK_SECONDS: f64;

    type Config: Default + Clone + Serialize;
    type Report: Serialize;

    /// Refuse a configuration the chapter cannot run, with one line saying why.
    fn validate(config: &Self::Config) -> Result<(), String>;
    /// The estimated peak memory of a run, in bytes, checked before it
    /// starts (None: no flag can make this chapter's run large).
    fn memory_bytes(_config: &Self::Config) -> Option<f64> {
        None
    }
    /// The work a run does, in the chapter's own unit: only the ratio to the
    /// book's configuration matters (None: the chapter takes seconds and
    /// needs no estimate).
    fn work(_config: &Self::Config) -> Option<f64> {
        None
    }
    /// Compute everything the chapter shows.
    fn run(config: &Self::Config, progress: &dyn Progress) -> Self::Report;
    /// Draw the figures, write the tables and set the inline numbers the
    /// text quotes: formatting only.
    fn write(report: &Self::Report, dirs: &OutDirs, numbers: &mut Numbers) -> anyhow::Result<()>;
    /// What goes into the JSON report (by default the whole report).
    fn json(report: &Self::Report) -> serde_json::Value {
        rounded_json(report, Self::DIGITS)
    }
}

/// Run chapter `C` and write everything it shows under `out`: figures into
/// `out/figures`, tables and the JSON report into `out/generated`. The files
/// appear together at the end; a run that fails leaves `out` as it was.
pub fn generate<C: Chapter>(
    config: &C::Config,
    out: &Path,
    progress: &dyn Progress,
) -> anyhow::Result<C::Report> {
    C::validate(config).map_err(anyhow::Error::msg)?;
    // Staged first, so that an unwritable folder fails before a long run.
    let staged = Staged::new(out)?;
    let report = C::run(config, progress);
    let mut numbers = Numbers::default();
    C::write(&report, &staged.dirs, &mut numbers)?;
    let generated = &staged.dirs.generated;
    write_atomic(&generated.join(format!("{}_numbers.md", C::ID)), numbers.markdown().as_bytes())?;
    write_json(&generated.join(format!("{}.json", C::ID)), &C::json(&report))?;
    staged.finish()?;
    Ok(report)
}

/// One entry of the whole book.
pub struct Entry {
    /// The example's name, e.g. `ch1_dimension`.
    pub name: &'static str,
    /// Run the chapter at its default configuration and seed, writing into
    /// `out/figures` and `out/generated`.
    pub generate: fn(out: &Path, progress: &dyn Progress) -> anyhow::Result<()>,
}

const fn entry<C: Chapter>() -> Entry {
    Entry { name: C::NAME, generate: generate_default::<C> }
}

/// [`generate`] at the chapter's default configuration and seed.
fn generate_default<C: Chapter>(out: &Path, progress: &dyn Progress) -> anyhow::Result<()> {
    generate::<C>(&C::Config::default(), out, progress).map(drop)
}

/// Every chapter whose experiment exists, in reading order.
pub const ALL: &[Entry] = &[
    entry::<crate::ch1::Ch1>(),
    entry::<crate::ch2::Ch2>(),
    entry::<crate::ch3::Ch3>(),
    entry::<crate::ch4::Ch4>(),
    entry::<crate::ch5::Ch5>(),
    // Reads the reports the chapters above just wrote into the same folder.
    Entry { name: "appendix_claims", generate: |out, _| crate::claims::generate(out).map(drop) },
];
