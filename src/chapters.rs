//! The registry of chapters: what the whole-book command runs, in order.
//!
//! Each chapter module exposes `generate(&Config, out_dir)`, which runs the
//! experiment and writes `out_dir/figures/*.svg`, `out_dir/generated/*`
//! (Markdown fragments and `chN.json`). The examples and the book command
//! call the same function, so the book and the examples cannot disagree.

use std::path::Path;

/// One chapter that has an experiment.
pub struct Chapter {
    /// The example's name, e.g. `ch1_dimension`.
    pub name: &'static str,
    /// Run the chapter at its default configuration and seed, writing into
    /// `out/figures` and `out/generated`.
    pub generate: fn(out: &Path) -> anyhow::Result<()>,
}

/// Every chapter whose experiment exists, in reading order.
pub const ALL: &[Chapter] = &[
    Chapter {
        name: "ch1_dimension",
        generate: |out| crate::ch1::generate(&crate::ch1::Config::default(), out).map(drop),
    },
    Chapter {
        name: "ch2_near_orthogonality",
        generate: |out| crate::ch2::generate(&crate::ch2::Config::default(), out).map(drop),
    },
    Chapter {
        name: "ch3_jl",
        generate: |out| crate::ch3::generate(&crate::ch3::Config::default(), out).map(drop),
    },
    Chapter {
        name: "ch4_polysemantic",
        generate: |out| crate::ch4::generate(&crate::ch4::Config::default(), out).map(drop),
    },
    Chapter {
        name: "ch5_sae",
        generate: |out| crate::ch5::generate(&crate::ch5::Config::default(), out).map(drop),
    },
    // Reads the reports the chapters above just wrote into the same folder.
    Chapter { name: "appendix_claims", generate: |out| crate::claims::generate(out).map(drop) },
];
