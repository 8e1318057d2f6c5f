//! The book's generated text: every `{{#include generated/…}}` (or
//! `large/generated/…`, the committed runs behind `--large`) of a page
//! names a committed file (and, for an inline number, an anchor of the
//! chapter's `chN_numbers.md`), and every generated number and table is
//! included by some page — none is computed for nobody.

use std::collections::BTreeSet;

/// The folders of generated text, relative to `book/`.
const GENERATED: [&str; 2] = ["generated", "large/generated"];

/// Every `(file, anchor)` the book's pages include, the file relative to
/// `book/` (e.g. `generated/ch1_numbers.md`).
fn includes() -> BTreeSet<(String, Option<String>)> {
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir("book").unwrap() {
        let page = entry.unwrap().path();
        if page.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&page).unwrap();
        for dir in GENERATED {
            for part in text.split(&format!("{{{{#include {dir}/")).skip(1) {
                let target = format!("{dir}/{}", &part[..part.find("}}").unwrap()]);
                match target.split_once(':') {
                    Some((file, anchor)) => found.insert((file.to_string(), Some(anchor.to_string()))),
                    None => found.insert((target, None)),
                };
            }
        }
    }
    found
}

/// The anchors of a numbers file.
fn anchors(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("<!-- ANCHOR: "))
        .map(|l| l.trim_end_matches(" -->").to_string())
        .collect()
}

#[test]
fn every_include_resolves() {
    for (file, anchor) in includes() {
        let path = format!("book/{file}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{path} is not generated"));
        match anchor {
            Some(a) => assert!(anchors(&text).contains(&a), "{path} has no number {a}"),
            None => assert!(!file.ends_with("_numbers.md"), "{path} is included whole"),
        }
    }
}

#[test]
fn every_generated_text_is_included() {
    let used = includes();
    for dir in GENERATED {
        let Ok(entries) = std::fs::read_dir(format!("book/{dir}")) else { continue };
        for entry in entries {
            let name = format!("{dir}/{}", entry.unwrap().file_name().to_string_lossy());
            if !name.ends_with(".md") {
                continue;
            }
            if name.ends_with("_numbers.md") {
                let text = std::fs::read_to_string(format!("book/{name}")).unwrap();
                for a in anchors(&text) {
                    assert!(used.contains(&(name.clone(), Some(a.clone()))), "{name}: no page quotes {a}");
                }
            } else {
                assert!(used.contains(&(name.clone(), None)), "no page includes {name}");
            }
        }
    }
}
