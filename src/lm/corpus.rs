//! The corpus: the Rust source of crates this book already depends on, at
//! the versions `Cargo.lock` pins, found through cargo's own record of where
//! their sources are (`cargo metadata`), never by searching cargo's folders.
//!
//! The text becomes a stream of symbols, one per character: the newline,
//! the 95 printable ASCII characters, and one symbol for everything else
//! (tabs, and the few non-ASCII characters of the doc comments). Carriage
//! returns are dropped. Every tenth file (by its place in the sorted list) is
//! held out: the models never train on it, and every loss the chapter
//! reports is measured on it.

use std::path::{Path, PathBuf};

/// The crates whose `src/**/*.rs` make the corpus: hand-written code, no
/// generated bindings, about 5 MB together, a third of it English comments.
pub const CRATES: [&str; 13] = [
    "anyhow",
    "clap_builder",
    "indicatif",
    "matrixmultiply",
    "memchr",
    "ndarray",
    "num-traits",
    "plotters",
    "rand",
    "rand_chacha",
    "rand_distr",
    "serde_core",
    "serde_json",
];

/// Symbols: 0 is the newline, 1..=95 the printable ASCII characters from
/// the space to `~`, and [`OTHER`] everything else.
pub const VOCAB: usize = 97;
pub const OTHER: u8 = 96;

/// Every `HELD_OUT`-th file is held out.
pub const HELD_OUT: usize = 10;

/// The symbol of a character.
pub fn symbol(c: char) -> u8 {
    match c {
        '\n' => 0,
        ' '..='~' => c as u8 - b' ' + 1,
        _ => OTHER,
    }
}

/// The character a symbol stands for (`OTHER` is shown as `¤`).
pub fn character(s: u8) -> char {
    match s {
        0 => '\n',
        1..=95 => (s - 1 + b' ') as char,
        _ => '¤',
    }
}

/// One source file of the corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFile {
    /// `crate-version/path/inside/src.rs`.
    pub name: String,
    pub held_out: bool,
    /// Where its symbols start and end in its stream (train or held out).
    pub range: std::ops::Range<usize>,
}

/// The corpus as two streams of symbols.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub train: Vec<u8>,
    pub held_out: Vec<u8>,
    pub files: Vec<SourceFile>,
    /// FNV-1a (64 bits) of every file's name and symbols, in order: a
    /// changed lock file shows up as a changed hash.
    pub hash: u64,
}

/// The platform rustc builds for here (`rustc -vV`'s host line): cargo
/// has the sources of this platform's dependencies, not of every platform's.
fn host_triple() -> Result<String, String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let output = std::process::Command::new(rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run `rustc -vV` to find the corpus: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let host = text.lines().find_map(|l| l.strip_prefix("host: "));
    host.map(str::to_string).ok_or_else(|| "`rustc -vV` names no host platform".into())
}

/// The source folders of [`CRATES`], as `cargo metadata` reports them for
/// the book's lock file (the highest version, should a crate appear twice).
pub fn crate_sources() -> Result<Vec<(String, PathBuf)>, String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let output = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--offline", "--locked", "--format-version", "1", "--filter-platform"])
        .arg(host_triple()?)
        .arg("--manifest-path")
        .arg(&manifest)
        .output()
        .map_err(|e| format!("cannot run `cargo metadata` to find the corpus: {e}"))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("no message");
        return Err(format!("`cargo metadata` failed to find the corpus: {first}"));
    }
    let meta: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("`cargo metadata` printed something unexpected: {e}"))?;
    let packages = meta["packages"].as_array().ok_or("`cargo metadata` listed no packages")?;
    let mut found = Vec::new();
    for name in CRATES {
        let best = packages
            .iter()
            .filter(|p| p["name"] == name)
            .filter_map(|p| Some((version_key(p["version"].as_str()?), p)))
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, p)| p)
            .ok_or(format!("the corpus crate {name} is not in Cargo.lock"))?;
        let manifest = best["manifest_path"].as_str().ok_or("a package without a manifest path")?;
        let src = Path::new(manifest).parent().ok_or("a manifest without a folder")?.join("src");
        if !src.is_dir() {
            return Err(format!(
                "the source of {name} is not on this machine ({}): run `cargo fetch`",
                src.display()
            ));
        }
        let version = best["version"].as_str().unwrap_or("?");
        found.push((format!("{name}-{version}"), src));
    }
    Ok(found)
}

/// A version as numbers, for ordering ("0.10.1" after "0.9.5").
fn version_key(v: &str) -> Vec<u64> {
    v.split(['.', '-', '+']).map(|p| p.parse().unwrap_or(0)).collect()
}

/// Every `.rs` file under `dir`, by path relative to it, in sorted order.
fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("cannot read {}: {e}", d.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("cannot read {}: {e}", d.display()))?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Read the corpus.
pub fn load() -> Result<Corpus, String> {
    let mut named = Vec::new();
    for (krate, src) in crate_sources()? {
        for path in rust_files(&src)? {
            let text = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let rel = path.strip_prefix(&src).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            named.push((format!("{krate}/src/{rel}"), String::from_utf8_lossy(&text).into_owned()));
        }
    }
    Ok(from_files(&named))
}

/// The corpus of the given (name, text) files, in the given order.
pub fn from_files(files: &[(String, String)]) -> Corpus {
    let mut corpus = Corpus { train: Vec::new(), held_out: Vec::new(), files: Vec::new(), hash: FNV_OFFSET };
    for (k, (name, text)) in files.iter().enumerate() {
        let held_out = k % HELD_OUT == HELD_OUT - 1;
        let stream = if held_out { &mut corpus.held_out } else { &mut corpus.train };
        let start = stream.len();
        stream.extend(text.chars().filter(|&c| c != '\r').map(symbol));
        let range = start..stream.len();
        corpus.hash = fnv(corpus.hash, name.as_bytes());
        corpus.hash = fnv(corpus.hash, &stream[range.clone()]);
        corpus.files.push(SourceFile { name: name.clone(), held_out, range });
    }
    corpus
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, continued from `hash` over `bytes`.
fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash = (hash ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_round_trip_and_other_characters_share_one() {
        for c in ['\n', ' ', 'a', 'Z', '~', '{', '0'] {
            assert_eq!(character(symbol(c)), c);
        }
        assert_eq!(symbol('\t'), OTHER);
        assert_eq!(symbol('é'), OTHER);
        assert!((0..VOCAB as u8).all(|s| symbol(character(s)) == s || s == OTHER));
    }

    #[test]
    fn every_tenth_file_is_held_out_and_the_hash_sees_every_symbol() {
        let files: Vec<(String, String)> =
            (0..25).map(|k| (format!("f{k:02}.rs"), format!("fn f{k}() {{}}\r\n"))).collect();
        let corpus = from_files(&files);
        let held: Vec<&str> = corpus.files.iter().filter(|f| f.held_out).map(|f| f.name.as_str()).collect();
        assert_eq!(held, ["f09.rs", "f19.rs"]);
        assert!(!corpus.train.contains(&OTHER), "carriage returns are dropped");
        let mut changed = files.clone();
        changed[3].1.push('x');
        assert_ne!(from_files(&changed).hash, corpus.hash);
        assert_eq!(from_files(&files).hash, corpus.hash);
    }

    /// The corpus is on this machine (cargo built the book from these
    /// crates), read in a fixed order, and of the size the chapter expects.
    #[test]
    fn the_corpus_is_found_through_cargo() {
        let corpus = load().expect("the corpus");
        let total = corpus.train.len() + corpus.held_out.len();
        assert!((3_000_000..9_000_000).contains(&total), "{total} characters");
        assert!(corpus.held_out.len() * 20 > total, "about a tenth held out");
        let names: Vec<&String> = corpus.files.iter().map(|f| &f.name).collect();
        assert!(names.windows(2).all(|w| w[0].split('/').next() <= w[1].split('/').next()));
    }
}
