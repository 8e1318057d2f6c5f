//! The whole-book command: `cargo book build` and `cargo book check`.
//!
//! `build` runs every chapter's experiment, which writes the figures
//! (`book/figures/`) and the generated tables and numbers
//! (`book/generated/`), then renders the HTML book into `target/book/`.
//! `check` regenerates everything into a temporary folder and fails, naming
//! each file, if the committed files are not exactly what the code produces
//! now; it also renders the book to prove that it renders. CI runs `check`.
//!
//! Rendering uses mdBook as a library, plus two preprocessors of our own:
//! [`figures`] numbers the figures and gives each its caption, and
//! [`mathml`] turns the LaTeX in the chapters into MathML, so the book
//! needs no network to build or to read.

// A crate root's modules live beside it (src/bin/), so point into src/bin/book/.
#[path = "book/browser.rs"]
mod browser;
#[path = "book/figures.rs"]
mod figures;
#[path = "book/includes.rs"]
mod includes;
#[path = "book/mathml.rs"]
mod mathml;

use anyhow::{Context, Result};
use clap::error::ErrorKind;
use clap::{Parser, Subcommand};
use mdbook_driver::MDBook;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use superposition::chapters;

/// Build or check the whole book.
#[derive(Parser)]
#[command(bin_name = "cargo book")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every chapter (rewriting book/figures and book/generated), then
    /// render the HTML into target/book
    Build {
        /// Only render the HTML, from the figures and tables already in book/
        #[arg(long)]
        skip_run: bool,
        /// Run only these chapters (comma-separated example names, e.g.
        /// ch5_sae); the claims appendix always runs, from the reports in book/
        #[arg(long, value_name = "NAMES", value_delimiter = ',', conflicts_with = "skip_run")]
        only: Vec<String>,
    },
    /// Regenerate every chapter into a temporary folder, fail if any committed
    /// figure or generated file differs, and check that the book renders
    Check,
    /// Render the book into a temporary folder and open every page in
    /// headless Chromium: figures displayed and captioned, their text at
    /// least 12 px as shown and their files at most 150 KB, stylesheets and
    /// fonts loaded, formulas rendered as MathML, no broken link inside the book
    Browse {
        /// Check this already rendered book (e.g. target/book) instead
        #[arg(long, value_name = "DIR")]
        html: Option<PathBuf>,
    },
}

/// The folders of `book/` that the chapters write, and `check` compares.
const OUTPUT_DIRS: [&str; 2] = ["figures", "generated"];

fn main() -> ExitCode {
    // SAFETY: first thing in main, no other thread yet.
    unsafe { superposition::parallel::one_thread_per_matrix_product() };
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // `--help`: print it and succeed.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let message = e.to_string();
            let first_line = message.lines().next().unwrap_or_default();
            match e.kind() {
                // With no command at all, clap's first line would be the help's title.
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    eprintln!(
                        "error: say `cargo book build`, `cargo book check` or `cargo book browse` (or --help)"
                    )
                }
                _ => eprintln!("{first_line}"),
            }
            return ExitCode::from(2);
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let result = match cli.command {
        Command::Build { skip_run, only } => {
            if let Some(name) = only.iter().find(|n| !chapters::ALL.iter().any(|c| &c.name == n)) {
                let names: Vec<&str> = chapters::ALL.iter().map(|c| c.name).collect();
                eprintln!("error: no chapter named {name:?}; the chapters are {}", names.join(", "));
                return ExitCode::from(2);
            }
            build(root, skip_run, &only).map(|()| true)
        }
        Command::Check => check(root),
        Command::Browse { html } => browse(root, html.as_deref()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo book build`.
fn build(root: &Path, skip_run: bool, only: &[String]) -> Result<()> {
    let start = Instant::now();
    if !skip_run {
        run_chapters(&root.join("book"), only)?;
    }
    let html = render(root, None)?;
    println!("book: {}", html.join("index.html").display());
    println!("built in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// `cargo book browse`: returns whether every page passed.
fn browse(root: &Path, rendered: Option<&Path>) -> Result<bool> {
    let start = Instant::now();
    let Some(chromium) = browser::chromium() else {
        anyhow::bail!("no Chromium on PATH (Debian: `apt-get install chromium`)");
    };
    let html = tempfile::tempdir()?;
    let out = match rendered {
        Some(dir) => dir.to_path_buf(),
        None => render(root, Some(html.path()))?,
    };
    let (pages, problems) = browser::browse(&out, &chromium)?;
    for p in &problems {
        eprintln!("{p}");
    }
    if problems.is_empty() {
        println!(
            "OK: {pages} pages open in Chromium with every figure, formula and link intact ({:.1} s)",
            start.elapsed().as_secs_f64()
        );
    }
    Ok(problems.is_empty())
}

/// `cargo book check`: returns whether the committed files are up to date.
fn check(root: &Path) -> Result<bool> {
    let start = Instant::now();
    let fresh = tempfile::tempdir()?;
    run_chapters(fresh.path(), &[])?;
    let committed = root.join("book");
    let (compared, problems) = compare(&committed, fresh.path())?;
    for problem in &problems {
        println!("{problem}");
    }

    let html = tempfile::tempdir()?;
    render(root, Some(html.path())).context("the book does not render")?;

    let seconds = start.elapsed().as_secs_f64();
    if problems.is_empty() {
        println!("OK: {compared} generated files match book/, and the book renders ({seconds:.1} s)");
        Ok(true)
    } else {
        println!(
            "{} of {compared} files are out of date; run `cargo book build` and commit the result",
            problems.len()
        );
        Ok(false)
    }
}

/// Runs every chapter's experiment (or those named in `only`, and the claims
/// appendix), writing into `out/figures` and `out/generated`, and prints how
/// long each took.
fn run_chapters(out: &Path, only: &[String]) -> Result<()> {
    let selected: Vec<&chapters::Entry> = chapters::ALL
        .iter()
        .filter(|c| only.is_empty() || c.name == "appendix_claims" || only.iter().any(|n| n == c.name))
        .collect();
    // Each chapter's long stages show a bar on a terminal; indicatif draws
    // nothing when stderr is not one (CI).
    let bar = superposition::cli::Bar::default();
    for chapter in selected {
        let start = Instant::now();
        (chapter.generate)(out, &bar).with_context(|| format!("chapter {} failed", chapter.name))?;
        println!("{:<28}{:>6.1} s", chapter.name, start.elapsed().as_secs_f64());
    }
    Ok(())
}

/// Compares the outputs committed under `committed` with freshly generated
/// ones under `fresh`. Returns how many files were compared, and one line for
/// each that differs, is not committed, or is committed but no longer generated.
fn compare(committed: &Path, fresh: &Path) -> Result<(usize, Vec<String>)> {
    let (old, new) = (output_files(committed)?, output_files(fresh)?);
    let mut problems = Vec::new();
    for file in old.union(&new) {
        let shown = Path::new("book").join(file);
        let shown = shown.display();
        if !old.contains(file) {
            problems.push(format!("not in the repository: {shown}"));
        } else if !new.contains(file) {
            problems.push(format!("no longer generated:   {shown}"));
        } else {
            let read = |dir: &Path| std::fs::read(dir.join(file));
            let (a, b) = (read(committed)?, read(fresh)?);
            if a != b {
                problems.push(format!("differs:               {shown}{}", first_difference(&a, &b)));
            }
        }
    }
    Ok((old.union(&new).count(), problems))
}

/// Where two versions of a file first differ, for text files: " (line N)".
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let line = 1 + a[..same].iter().filter(|&&c| c == b'\n').count();
    if std::str::from_utf8(a).is_ok() { format!(" (line {line})") } else { String::new() }
}

/// The files under `dir`'s output folders, as paths relative to `dir`.
fn output_files(dir: &Path) -> Result<BTreeSet<PathBuf>> {
    fn walk(dir: &Path, base: &Path, files: &mut BTreeSet<PathBuf>) -> Result<()> {
        if !dir.exists() {
            return Ok(());
        }
        for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, base, files)?;
            } else {
                files.insert(path.strip_prefix(base)?.to_path_buf());
            }
        }
        Ok(())
    }
    let mut files = BTreeSet::new();
    for sub in OUTPUT_DIRS {
        walk(&dir.join(sub), dir, &mut files)?;
    }
    Ok(files)
}

/// Renders the HTML book (into `build_dir`, or book.toml's `target/book`),
/// converting math to MathML. Returns the folder it wrote.
fn render(root: &Path, build_dir: Option<&Path>) -> Result<PathBuf> {
    let mut book = MDBook::load(root).context("cannot load the book")?;
    if let Some(dir) = build_dir {
        book.config.build.build_dir = dir.to_path_buf();
    }
    includes::check(&book)?;
    // Registered preprocessors run after mdBook's own `links`, so math in
    // `{{#include}}`d files is converted too.
    book.with_preprocessor(figures::Figures);
    book.with_preprocessor(mathml::MathMl);
    book.build().context("mdBook failed")?;
    Ok(book.build_dir_for("html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_names_every_changed_missing_and_stale_file() {
        let (committed, fresh) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let write = |dir: &Path, file: &str, text: &str| {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(committed.path(), "figures/same.svg", "<svg/>");
        write(fresh.path(), "figures/same.svg", "<svg/>");
        write(committed.path(), "generated/table.md", "a\nb\n");
        write(fresh.path(), "generated/table.md", "a\nc\n");
        write(committed.path(), "generated/stale.md", "old");
        write(fresh.path(), "figures/new.svg", "<svg/>");
        write(fresh.path(), "elsewhere.txt", "not an output");

        let (count, problems) = compare(committed.path(), fresh.path()).unwrap();
        assert_eq!(count, 4);
        assert_eq!(
            problems,
            [
                "not in the repository: book/figures/new.svg",
                "no longer generated:   book/generated/stale.md",
                "differs:               book/generated/table.md (line 2)",
            ]
        );
    }
}
