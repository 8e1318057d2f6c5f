//! Writing results: atomic files, Markdown tables, JSON reports, and the
//! formatting of numbers for the prose.
//!
//! Every file is written to a temporary file in the same folder and then
//! renamed, so an interrupted run never leaves a half-written figure.

use anyhow::Context;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The folders a chapter writes into: `out/figures` and `out/generated`.
#[derive(Debug, Clone)]
pub struct OutDirs {
    pub figures: PathBuf,
    pub generated: PathBuf,
}

impl OutDirs {
    /// The two folders under `out`, created if missing.
    pub fn create(out: &Path) -> anyhow::Result<Self> {
        let dirs = OutDirs { figures: out.join("figures"), generated: out.join("generated") };
        for dir in [&dirs.figures, &dirs.generated] {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        Ok(dirs)
    }
}

/// A chapter's outputs, written first into a hidden folder inside `out`
/// (`out/.partial-<process>-…/figures` and `…/generated`) and moved into
/// `out/figures` and `out/generated` together by [`Staged::finish`]. A run
/// that fails, panics or is killed before then leaves `out` exactly as it
/// was; the hidden folder of a killed run is removed by the next run.
#[derive(Debug)]
pub struct Staged {
    /// Where the chapter writes while it runs.
    pub dirs: OutDirs,
    out: PathBuf,
    // Removed (with whatever is left in it) when dropped.
    _staging: tempfile::TempDir,
}

/// The prefix of staging folders, followed by the process id.
const STAGING_PREFIX: &str = ".partial-";

impl Staged {
    /// A fresh staging folder inside `out` (created if missing).
    pub fn new(out: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        remove_abandoned_staging(out);
        let prefix = format!("{STAGING_PREFIX}{}-", std::process::id());
        let staging = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir_in(out)
            .with_context(|| format!("cannot write in {}", out.display()))?;
        let dirs = OutDirs::create(staging.path())?;
        Ok(Staged { dirs, out: out.to_path_buf(), _staging: staging })
    }

    /// Move every staged file into `out/figures` and `out/generated`
    /// (renames within one folder tree: no file is ever half-written).
    pub fn finish(self) -> anyhow::Result<()> {
        let target = OutDirs::create(&self.out)?;
        for (from, to) in [(&self.dirs.figures, &target.figures), (&self.dirs.generated, &target.generated)] {
            let mut names: Vec<_> =
                std::fs::read_dir(from)?.map(|e| e.map(|e| e.file_name())).collect::<Result<_, _>>()?;
            names.sort();
            for name in names {
                let dest = to.join(&name);
                std::fs::rename(from.join(&name), &dest)
                    .with_context(|| format!("cannot write {}", dest.display()))?;
            }
        }
        Ok(())
    }
}

/// Remove staging folders left in `out` by runs that were killed: on Linux,
/// those whose process no longer exists (elsewhere none are removed).
fn remove_abandoned_staging(out: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(STAGING_PREFIX)) else { continue };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        let proc = Path::new("/proc");
        if proc.join("self").exists() && !proc.join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The book's own source folder, `<crate>/book`: where examples write by default.
pub fn book_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("book")
}

/// Write `bytes` to `path` atomically: a temporary file in the same folder,
/// then a rename over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp =
        tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    abort_if_asked();
    Ok(())
}

/// A test hook: with `SUPERPOSITION_ABORT_AFTER_WRITES=N` in the
/// environment the process aborts (no clean-up, as if killed) right after
/// writing its N-th file, so a test can stop a run in the middle of writing
/// its outputs.
fn abort_if_asked() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static WRITES: AtomicUsize = AtomicUsize::new(0);
    let Some(limit) = std::env::var("SUPERPOSITION_ABORT_AFTER_WRITES").ok().and_then(|v| v.parse().ok())
    else {
        return;
    };
    if WRITES.fetch_add(1, Ordering::Relaxed) + 1 >= limit {
        std::process::abort();
    }
}

/// A chapter's inline numbers: each a short text (one line) under a name,
/// written together into one generated file of mdBook anchors,
/// `generated/chN_numbers.md`, which the chapter's text includes one at a
/// time: `{{#include generated/ch3_numbers.md:points}}`.
#[derive(Debug, Default)]
pub struct Numbers(std::collections::BTreeMap<String, String>);

impl Numbers {
    /// Record the text shown for `name`.
    pub fn set(&mut self, name: &str, text: impl Into<String>) {
        let text = text.into();
        // Both are mistakes in the chapter's code, not in its input.
        assert!(!text.contains('\n'), "the inline number {name} spans lines: make it a table");
        let old = self.0.insert(name.to_string(), text);
        assert!(old.is_none(), "the inline number {name} is set twice");
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// The file: each number between its `ANCHOR:` and `ANCHOR_END:` lines
    /// (mdBook includes the lines between, without the final newline).
    pub fn markdown(&self) -> String {
        let mut text = String::new();
        for (name, value) in &self.0 {
            text.push_str(&format!("<!-- ANCHOR: {name} -->\n{value}\n<!-- ANCHOR_END: {name} -->\n"));
        }
        text
    }
}

/// A report as pretty JSON with a final newline, written atomically.
pub fn write_json<T: Serialize>(path: &Path, report: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// A Markdown table: a header row, an alignment row (numbers right-aligned
/// when `right` is set for that column), and the rows.
pub fn markdown_table(header: &[&str], right: &[bool], rows: &[Vec<String>]) -> String {
    // A bare `|` in a header splits the column and breaks the table: write `\\|`.
    assert!(
        header.iter().all(|h| h.match_indices('|').all(|(i, _)| h[..i].ends_with('\\'))),
        "an unescaped '|' in a table header: {header:?}"
    );
    // A row with more or fewer cells than the header shifts its columns.
    assert!(
        rows.iter().all(|r| r.len() == header.len()),
        "a table row without one cell per column: {header:?}"
    );
    let mut s = String::new();
    s.push_str(&format!("| {} |\n", header.join(" | ")));
    let align: Vec<&str> = (0..header.len())
        .map(|i| if right.get(i).copied().unwrap_or(false) { "---:" } else { "---" })
        .collect();
    s.push_str(&format!("|{}|\n", align.join("|")));
    for row in rows {
        s.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    s
}

/// 1234567 as "1,234,567".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number with `sig` significant digits, in plain notation when it is
/// between 1e−4 and 1e6, else as `m × 10^e` in inline LaTeX.
///
/// ```
/// use superposition::output::sci;
/// assert_eq!(sci(0.04567, 2), "0.046");
/// assert_eq!(sci(3.2e-9, 2), "$3.2 \\times 10^{-9}$");
/// ```
pub fn sci(x: f64, sig: usize) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let e = x.abs().log10().floor() as i32;
    if (-4..6).contains(&e) {
        let decimals = (sig as i32 - 1 - e).max(0) as usize;
        return format!("{x:.decimals$}");
    }
    let m = x / 10f64.powi(e);
    // Rounding may carry the mantissa to 10.0.
    let (m, e) =
        if format!("{:.*}", sig - 1, m.abs()).starts_with("10") { (m / 10.0, e + 1) } else { (m, e) };
    format!("${:.*} \\times 10^{{{}}}$", sig - 1, m, e)
}

/// A probability given by its natural log, as a readable number even when it
/// underflows f64: `sci` when representable, otherwise `10^{x}` from the log.
pub fn sci_from_ln(ln_x: f64, sig: usize) -> String {
    let log10 = ln_x / std::f64::consts::LN_10;
    if log10 > -300.0 {
        return sci(ln_x.exp(), sig);
    }
    let e = log10.floor();
    let m = 10f64.powf(log10 - e);
    format!("${:.*} \\times 10^{{{}}}$", sig - 1, m, e as i64)
}

/// A value in a report rounded to `sig` significant digits: reports are
/// stored rounded so that last-bit differences between machines (FMA code
/// paths in the matrix kernels) do not show up in the committed files.
pub fn round_sig(x: f64, sig: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(sig - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// Read back an f64 that may be infinite: JSON has no ∞, so serde_json
/// writes it as `null`, which this reads as +∞ (for
/// `#[serde(deserialize_with = "...")]`).
pub fn f64_or_infinity<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(<Option<f64> as serde::Deserialize>::deserialize(d)?.unwrap_or(f64::INFINITY))
}

/// Round every float in a serialisable value to `sig` significant digits
/// (for snapshot tests and committed JSON).
pub fn rounded_json<T: Serialize>(value: &T, sig: i32) -> serde_json::Value {
    fn walk(v: &mut serde_json::Value, sig: i32) {
        match v {
            serde_json::Value::Number(n) if n.is_f64() => {
                let r = round_sig(n.as_f64().unwrap_or_default(), sig);
                if let Some(num) = serde_json::Number::from_f64(r) {
                    *n = num;
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| walk(x, sig)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|x| walk(x, sig)),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(value).expect("reports serialise");
    walk(&mut v, sig);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sci_formats_plain_and_powers_of_ten() {
        assert_eq!(sci(0.3712, 3), "0.371");
        assert_eq!(sci(1234.0, 3), "1234");
        assert_eq!(sci(2.5e-7, 2), "$2.5 \\times 10^{-7}$");
        assert_eq!(sci(9.99e8, 2), "$1.0 \\times 10^{9}$");
        assert_eq!(sci_from_ln(-1000.0 * std::f64::consts::LN_10, 2), "$1.0 \\times 10^{-1000}$");
    }

    #[test]
    fn round_sig_rounds() {
        assert_eq!(round_sig(0.123456, 3), 0.123);
        assert_eq!(round_sig(-98765.0, 2), -99000.0);
        assert_eq!(round_sig(0.0, 3), 0.0);
    }

    #[test]
    fn markdown_table_has_alignment_row() {
        let t = markdown_table(&["d", "p"], &[true, true], &[vec!["3".into(), "0.5".into()]]);
        assert_eq!(t, "| d | p |\n|---:|---:|\n| 3 | 0.5 |\n");
    }

    #[test]
    fn staged_outputs_appear_only_when_finished() {
        let out = tempfile::tempdir().unwrap();
        write_atomic(&out.path().join("old.txt"), b"kept").unwrap();
        let listing = |dir: &Path| {
            let mut names: Vec<String> = walk(dir);
            names.sort();
            names
        };
        fn walk(dir: &Path) -> Vec<String> {
            std::fs::read_dir(dir)
                .unwrap()
                .flat_map(|e| {
                    let path = e.unwrap().path();
                    if path.is_dir() { walk(&path) } else { vec![path.display().to_string()] }
                })
                .collect()
        }
        let before = listing(out.path());
        // A run that fails: nothing of it stays.
        {
            let staged = Staged::new(out.path()).unwrap();
            write_atomic(&staged.dirs.figures.join("a.svg"), b"<svg/>").unwrap();
        }
        assert_eq!(listing(out.path()), before);
        // A run that finishes: its files are in place, the staging folder gone.
        let staged = Staged::new(out.path()).unwrap();
        write_atomic(&staged.dirs.figures.join("a.svg"), b"<svg/>").unwrap();
        write_atomic(&staged.dirs.generated.join("t.md"), b"| a |").unwrap();
        staged.finish().unwrap();
        assert_eq!(std::fs::read(out.path().join("figures/a.svg")).unwrap(), b"<svg/>");
        assert_eq!(std::fs::read(out.path().join("generated/t.md")).unwrap(), b"| a |");
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 3, "old.txt, figures, generated");
    }

    #[test]
    fn atomic_write_replaces_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
