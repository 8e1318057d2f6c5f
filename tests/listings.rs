//! The book's code listings are written to be read: each one that a chapter
//! includes from the source (`{{#include ../src/file.rs:anchor}}`) is at most
//! about 30 lines (an appendix that shows a fast kernel, 40), and no line is
//! wider than the page's code column.
//!
//! The column: mdBook's content is 750 px wide, its code is 14 px Source
//! Code Pro (8.4 px a character) inside 10 px of padding on each side, so 86
//! characters fit (measured in headless Chromium on the rendered book).

use std::path::Path;

const WIDEST: usize = 86;
const LONGEST: usize = 32;
const LONGEST_IN_APPENDIX: usize = 40;

/// Every `{{#include ../FILE:ANCHOR}}` of the book's chapters.
fn includes() -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("book").unwrap() {
        let page = entry.unwrap().path();
        if page.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&page).unwrap();
        for part in text.split("{{#include ../").skip(1) {
            let target = &part[..part.find("}}").unwrap()];
            if let Some((file, anchor)) = target.split_once(':') {
                let name = page.file_name().unwrap().to_string_lossy().into_owned();
                found.push((name, file.to_string(), anchor.to_string()));
            }
        }
    }
    found.sort();
    found
}

/// The lines mdBook shows for `anchor` in `file`.
fn listing(file: &str, anchor: &str) -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(file)).unwrap();
    let (start, end) = (format!("ANCHOR: {anchor}"), format!("ANCHOR_END: {anchor}"));
    let from = text.lines().position(|l| l.trim_end().ends_with(&start));
    let from = from.unwrap_or_else(|| panic!("{file}: no anchor {anchor}"));
    text.lines()
        .skip(from + 1)
        .take_while(|l| !l.trim_end().ends_with(&end))
        .filter(|l| !l.contains("ANCHOR"))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_listing_fits_the_page() {
    let mut problems = Vec::new();
    for (page, file, anchor) in includes() {
        let key = format!("{file}:{anchor}");
        let lines = listing(&file, &anchor);
        let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let longest = if page.starts_with("appendix") { LONGEST_IN_APPENDIX } else { LONGEST };
        if lines.len() > longest || widest > WIDEST {
            problems.push(format!(
                "{page}: {key} has {} lines (at most {longest}), the widest {widest} characters (at most {WIDEST})",
                lines.len()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_listing_reader_finds_what_mdbook_shows() {
    let lines = listing("src/toy/reference.rs", "sample");
    assert!(lines[0].starts_with("///"), "{lines:?}");
    assert!(lines.last().unwrap() == "}", "{lines:?}");
}
