//! Helpers shared by the chapter tests.

use std::collections::BTreeMap;
use std::path::Path;

/// Files by relative path, with their bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// All files under `dir/figures` and `dir/generated`, by relative path.
pub fn read_tree(dir: &Path) -> Files {
    let mut files = BTreeMap::new();
    for sub in ["figures", "generated"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{sub}/{}", path.file_name().unwrap().to_string_lossy());
            files.insert(name, std::fs::read(&path).unwrap());
        }
    }
    files
}

/// Run `generate` twice into fresh folders, assert that both runs wrote the
/// same files with the same bytes, and return them with the SVGs as
/// (snapshot name, text) pairs for the caller to snapshot.
pub fn generate_twice(generate: impl Fn(&Path)) -> (Files, Vec<(String, String)>) {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    generate(a.path());
    generate(b.path());
    let (first, second) = (read_tree(a.path()), read_tree(b.path()));
    assert_eq!(first.keys().collect::<Vec<_>>(), second.keys().collect::<Vec<_>>());
    for (name, bytes) in &first {
        assert!(bytes == &second[name], "{name} differs between two runs with the same seed");
    }
    let svgs = first
        .iter()
        .filter(|(name, _)| name.ends_with(".svg"))
        .map(|(name, bytes)| {
            let snap = name.trim_start_matches("figures/").trim_end_matches(".svg").to_string();
            (snap, String::from_utf8(bytes.clone()).unwrap())
        })
        .collect();
    (first, svgs)
}
