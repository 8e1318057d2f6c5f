//! Checks every `{{#include}}` before rendering.
//!
//! mdBook's `links` preprocessor only logs a failed include (the log goes
//! nowhere here: this program installs no logger) and leaves the directive in
//! the page; an include of a missing anchor quietly includes nothing. Both
//! would let a broken book pass, so check that every file and anchor exists.
//! (Includes inside included files are not followed; the book does not nest
//! them.)

use anyhow::{Result, bail};
use mdbook_driver::MDBook;
use std::path::Path;

/// Fails, naming each one, if any include in the book points to a missing file
/// or anchor.
pub fn check(book: &MDBook) -> Result<()> {
    let src = book.root.join(&book.config.book.src);
    let mut problems = Vec::new();
    for chapter in book.book.chapters() {
        let Some(path) = &chapter.path else { continue };
        // Include paths are relative to the chapter's folder.
        let dir = src.join(path.parent().unwrap_or(Path::new("")));
        for target in directives(&chapter.content) {
            if let Err(e) = resolve(&dir, target) {
                problems.push(format!("{}: include {target}: {e}", path.display()));
            }
        }
    }
    if !problems.is_empty() {
        bail!("broken includes:\n{}", problems.join("\n"));
    }
    Ok(())
}

/// The targets (`path` or `path:anchor` or `path:from:to`) of the
/// `{{#include ...}}`, `{{#rustdoc_include ...}}` and `{{#playground ...}}`
/// directives in `text`, leaving out escaped ones (`\{{#include ...}}`).
fn directives(text: &str) -> Vec<&str> {
    let mut targets = Vec::new();
    for (i, _) in text.match_indices("{{") {
        if text[..i].ends_with('\\') {
            continue;
        }
        let Some(rest) = text[i + 2..].trim_start().strip_prefix('#') else {
            continue;
        };
        let Some((name, args)) = rest.split_once(char::is_whitespace) else {
            continue;
        };
        let args = args.split("}}").next().unwrap_or_default();
        if matches!(name, "include" | "rustdoc_include" | "playground")
            && let Some(target) = args.split_whitespace().next()
        {
            targets.push(target);
        }
    }
    targets
}

/// Checks that the target's file exists and, if it names an anchor (a
/// selector that is not a line range), that the file marks it with `ANCHOR:`.
fn resolve(dir: &Path, target: &str) -> Result<()> {
    let (file, selector) = target.split_once(':').unwrap_or((target, ""));
    let Ok(content) = std::fs::read_to_string(dir.join(file)) else {
        bail!("cannot read {}", dir.join(file).display());
    };
    let anchor = selector.split(':').next().unwrap_or_default();
    let is_range = anchor.is_empty() || anchor.parse::<usize>().is_ok();
    let marks = |line: &str| {
        line.split_once("ANCHOR:").is_some_and(|(_, name)| {
            let name = name.trim_start();
            let end = name.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'));
            name[..end.unwrap_or(name.len())] == *anchor
        })
    };
    if !is_range && !content.lines().any(marks) {
        bail!("no `ANCHOR: {anchor}` in {}", dir.join(file).display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_directives_but_not_escaped_ones() {
        let text = "{{#include a.md}}\n```rust,ignore\n{{ #include ../src/x.rs:setup }}\n```\n\
                    \\{{#include shown.md}} {{#title T}} {{#rustdoc_include b.rs:1:5}}";
        assert_eq!(directives(text), ["a.md", "../src/x.rs:setup", "b.rs:1:5"]);
    }

    #[test]
    fn resolves_files_and_anchors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.rs"), "// ANCHOR: setup\nfn f() {}\n// ANCHOR_END: setup\n")
            .unwrap();
        assert!(resolve(dir.path(), "x.rs").is_ok());
        assert!(resolve(dir.path(), "x.rs:setup").is_ok());
        assert!(resolve(dir.path(), "x.rs:2:3").is_ok());
        assert!(resolve(dir.path(), "x.rs:set").is_err());
        assert!(resolve(dir.path(), "y.rs").is_err());
    }
}
