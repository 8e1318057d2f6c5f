//! The command-line conventions every example shares.
//!
//! `--seed`, `--out` and `--quick` on every example, `--help` to explain
//! them; bad input gets one line on stderr and exit code 2, never a panic.

use clap::Parser;
use std::path::PathBuf;

/// Flags common to every chapter's example (flatten into its own `Args`).
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// Seed of the random generator (ChaCha8); the same seed gives the same bytes.
    #[arg(long, default_value_t = crate::rng::DEFAULT_SEED)]
    pub seed: u64,
    /// Folder to write into: figures go to OUT/figures, tables and the JSON
    /// report to OUT/generated. Default: the book's own folders.
    #[arg(long, value_name = "DIR", default_value_os_t = crate::output::book_dir())]
    pub out: PathBuf,
    /// A small configuration that runs in seconds (for a quick look and tests).
    #[arg(long)]
    pub quick: bool,
}

/// Print one line on stderr and exit with code 2 (bad input).
pub fn exit_bad_input(message: impl std::fmt::Display) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}

/// Parse the command line. `--help` and `--version` print and exit 0; any
/// error prints only its first line (clap's own message) and exits 2.
pub fn parse<A: Parser>() -> A {
    match A::try_parse() {
        Ok(args) => args,
        Err(e) => match e.kind() {
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => e.exit(),
            _ => {
                let text = e.render().to_string();
                let first = text.lines().next().unwrap_or("invalid arguments");
                eprintln!("{}", first.trim_end());
                std::process::exit(2)
            }
        },
    }
}

/// A clap value parser for sizes: a whole number ≥ `min`.
pub fn size_at_least(min: usize) -> impl Fn(&str) -> Result<usize, String> + Clone {
    move |s: &str| {
        let n: usize = s.trim().parse().map_err(|_| format!("'{s}' is not a whole number"))?;
        if n < min { Err(format!("must be at least {min}, got {n}")) } else { Ok(n) }
    }
}

/// Run a chapter's main body; an error (e.g. an unwritable folder) becomes
/// one line on stderr and exit code 2.
pub fn run_or_exit(body: impl FnOnce() -> anyhow::Result<()>) {
    if let Err(e) = body() {
        // `{:#}` joins anyhow's context chain on one line.
        exit_bad_input(format!("{e:#}"));
    }
}

/// A progress bar for long work, drawn on stderr only when it is a terminal
/// (indicatif hides it otherwise, e.g. in CI).
pub fn progress(len: u64, message: &'static str) -> indicatif::ProgressBar {
    let style = indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} ({elapsed})")
        .expect("a valid template");
    indicatif::ProgressBar::new(len).with_style(style).with_message(message)
}
