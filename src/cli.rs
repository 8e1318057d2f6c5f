//! The command-line conventions every example shares.
//!
//! `--seed`, `--out` and `--quick` on every example, `--help` to explain
//! them; bad input gets one line on stderr and exit code 2, never a panic.

use crate::chapters::Chapter;
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

/// Everything an example does around its chapter `C`, the same for every
/// chapter: refuse a bad configuration or one that needs more memory than the
/// machine has (one line, exit code 2), say how long a long run will take,
/// run with a progress bar, let `summary` print the chapter's own lines
/// (it gets the report and the seconds taken, and returns text for the last
/// line, e.g. ", 5000 steps/s"), and say where the files are.
pub fn run_chapter<C: Chapter>(
    common: &Common,
    config: &C::Config,
    summary: impl FnOnce(&C::Report, f64) -> String,
) {
    if let Err(message) = C::validate(config) {
        exit_bad_input(message);
    }
    if let Some(bytes) = C::memory_bytes(config) {
        exit_if_too_big(bytes);
    }
    if let (Some(work), Some(book_work)) = (C::work(config), C::work(&C::Config::default())) {
        announce_duration(C::NAME, work, book_work, C::BOOK_SECONDS);
    }
    run_or_exit(|| {
        let start = std::time::Instant::now();
        let report = crate::chapters::generate::<C>(config, &common.out, &Bar::default())?;
        let seconds = start.elapsed().as_secs_f64();
        let extra = summary(&report, seconds);
        println!(
            "{}: figures in {}, tables in {} ({seconds:.1} s{extra})",
            C::NAME,
            common.out.join("figures").display(),
            common.out.join("generated").display(),
        );
        Ok(())
    });
}

/// Run a chapter's main body; an error (e.g. an unwritable folder) becomes
/// one line on stderr and exit code 2.
pub fn run_or_exit(body: impl FnOnce() -> anyhow::Result<()>) {
    if let Err(e) = body() {
        // `{:#}` joins anyhow's context chain on one line.
        exit_bad_input(format!("{e:#}"));
    }
}

/// A progress bar for a chapter's long stages, with the time spent and an
/// estimate of the time left, drawn on stderr only when it is a terminal
/// (indicatif hides it otherwise, e.g. in CI). Pass it to a chapter's `run`.
#[derive(Default)]
pub struct Bar(std::sync::Mutex<Option<indicatif::ProgressBar>>);

impl crate::progress::Progress for Bar {
    fn start(&self, total: u64, what: &'static str) {
        let style = indicatif::ProgressStyle::with_template(
            "{msg} {bar:30} {pos}/{len} ({elapsed}, about {eta} left)",
        )
        .expect("a valid template");
        let bar = indicatif::ProgressBar::new(total).with_style(style).with_message(what);
        *self.0.lock().expect("the bar's lock") = Some(bar);
    }

    fn advance(&self, units: u64) {
        if let Some(bar) = self.0.lock().expect("the bar's lock").as_ref() {
            bar.inc(units);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.0.lock().expect("the bar's lock").take() {
            bar.finish_and_clear();
        }
    }
}

/// The memory this machine has available, in bytes (Linux: `MemAvailable`
/// in /proc/meminfo; None where it cannot be read).
pub fn available_memory() -> Option<f64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// Refuse, before anything is allocated, a run whose estimated peak memory
/// is more than the machine has available: one line, exit code 2.
pub fn exit_if_too_big(bytes: f64) {
    if let Some(available) = available_memory()
        && bytes > available
    {
        exit_bad_input(format!(
            "these sizes need about {} of memory, more than the {} available here; choose smaller ones",
            human_bytes(bytes),
            human_bytes(available)
        ));
    }
}

/// A byte count as "3.2 GB" (powers of 1000), or "1.5 × 10^21 bytes" when huge.
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = bytes;
    for unit in UNITS {
        if value < 1000.0 {
            return format!("{value:.1} {unit}");
        }
        value /= 1000.0;
    }
    let exponent = bytes.log10().floor();
    format!("{:.1} × 10^{exponent} bytes", bytes / 10f64.powf(exponent))
}

/// A duration in seconds as "45 s", "12 min", "3.4 h" or "2.1 days".
pub fn human_duration(seconds: f64) -> String {
    match seconds {
        s if s < 90.0 => format!("{s:.0} s"),
        s if s < 5400.0 => format!("{:.0} min", s / 60.0),
        s if s < 172_800.0 => format!("{:.1} h", s / 3600.0),
        s if s < 6.3e7 => format!("{:.1} days", s / 86_400.0),
        s => format!("{:.1} years", s / 3.156e7),
    }
}

/// Before a long run starts, say how long it should take: `work` in the
/// chapter's own unit, and how much of it the book's configuration does in
/// `book_seconds` on the 2-core machine the book is measured on. Quiet when
/// the run should take less than two minutes.
pub fn announce_duration(name: &str, work: f64, book_work: f64, book_seconds: f64) {
    let seconds = work / book_work * book_seconds;
    if seconds >= 120.0 {
        eprintln!(
            "{name}: this run should take about {} on a 2-core machine (the book's configuration: {}); \
             Ctrl-C stops it and leaves the output folders as they were",
            human_duration(seconds),
            human_duration(book_seconds)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_well() {
        assert_eq!(human_bytes(512.0), "512.0 bytes");
        assert_eq!(human_bytes(2.5e9), "2.5 GB");
        assert_eq!(human_bytes(8e22), "8.0 × 10^22 bytes");
        assert_eq!(human_duration(45.0), "45 s");
        assert_eq!(human_duration(720.0), "12 min");
        assert_eq!(human_duration(12_240.0), "3.4 h");
        assert_eq!(human_duration(1e6), "11.6 days");
        assert_eq!(human_duration(1e9), "31.7 years");
    }
}
