//! Numbered figures with captions: each figure of a numbered chapter,
//! written in the Markdown as an image alone on its line,
//!
//!     ![What the figure shows](figures/ch3_smallest_k.svg)
//!
//! becomes an HTML `<figure>` whose caption is its alt text, numbered per
//! chapter ("Figure 3.5 — What the figure shows"), with an `id` the text can
//! link to (`#figure-3-5`). Fenced code blocks are left alone. The browser
//! check (`cargo book browse`) fails on a figure without a caption.
//!
//! The text refers to a figure by its file's name, `{{figure ch3_smallest_k}}`,
//! which becomes a link "Figure 3.5" to it (in any chapter); a reference to
//! a figure that does not exist fails the build.

use anyhow::{Result, bail};
use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use std::collections::BTreeMap;

/// The preprocessor, registered with `MDBook::with_preprocessor`.
pub struct Figures;

impl Preprocessor for Figures {
    fn name(&self) -> &str {
        "figures"
    }

    fn run(&self, _ctx: &PreprocessorContext, mut book: Book) -> Result<Book> {
        // First number every figure of the book, then resolve the references,
        // which may point into another chapter.
        let mut numbered = BTreeMap::new();
        book.for_each_mut(|item| {
            if let BookItem::Chapter(chapter) = item
                && let Some(number) = chapter.number.as_ref().and_then(|n| n.first().copied())
            {
                let page = chapter.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
                let (content, stems) = number_figures(&chapter.content, number);
                for (count, stem) in (1..).zip(stems) {
                    numbered.insert(stem, (page.clone(), number, count));
                }
                chapter.content = content;
            }
        });
        let mut unknown = Vec::new();
        book.for_each_mut(|item| {
            if let BookItem::Chapter(chapter) = item {
                match resolve_references(&chapter.content, &numbered) {
                    Ok(text) => chapter.content = text,
                    Err(name) => unknown.push(format!("{}: {name}", chapter.name)),
                }
            }
        });
        if !unknown.is_empty() {
            bail!("references to figures that do not exist: {}", unknown.join(", "));
        }
        Ok(book)
    }
}

/// The text with every `{{figure ch4_gram}}` replaced by a link to that
/// figure, "[Figure 4.2](ch4_polysemantic.md#figure-4-2)"; the name of the
/// first figure that does not exist otherwise. A backslash before the
/// braces keeps the reference as text (as mdBook's `\{{#include}}`).
pub fn resolve_references(
    markdown: &str,
    numbered: &BTreeMap<String, (String, u32, u32)>,
) -> std::result::Result<String, String> {
    const OPEN: &str = "{{figure ";
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown;
    while let Some(at) = rest.find(OPEN) {
        // `\{{figure …}}` is written as it stands, without the backslash.
        if let Some(before) = rest[..at].strip_suffix('\\') {
            out.push_str(before);
            out.push_str(OPEN);
            rest = &rest[at + OPEN.len()..];
            continue;
        }
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim();
        let Some((page, chapter, count)) = numbered.get(name) else { return Err(name.to_string()) };
        out.push_str(&format!("[Figure {chapter}.{count}]({page}#figure-{chapter}-{count})"));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Chapter `chapter`'s Markdown with every image alone on a line (outside
/// code blocks) turned into a numbered `<figure>`, and the stems of the
/// figures' file names in order (`ch4_gram` for `figures/ch4_gram.svg`),
/// by which the text refers to them.
pub fn number_figures(markdown: &str, chapter: u32) -> (String, Vec<String>) {
    let mut out = String::with_capacity(markdown.len() + 1024);
    let (mut fence, mut stems) = (None::<String>, Vec::new());
    for line in markdown.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some(open) = &fence {
            if trimmed.starts_with(open.as_str()) {
                fence = None;
            }
            out.push_str(line);
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(trimmed[..3].to_string());
            out.push_str(line);
            continue;
        }
        match image(trimmed) {
            Some((alt, src)) => {
                let name = src.rsplit('/').next().unwrap_or(src);
                stems.push(name.split('.').next().unwrap_or(name).to_string());
                let count = stems.len();
                let (alt, src) = (escape(alt), escape(src));
                out.push_str(&format!(
                    "<figure id=\"figure-{chapter}-{count}\">\n<img src=\"{src}\" alt=\"{alt}\">\n\
                     <figcaption>Figure {chapter}.{count} — {alt}</figcaption>\n</figure>\n"
                ));
            }
            None => out.push_str(line),
        }
    }
    (out, stems)
}

/// `(alt, src)` when the line is exactly one Markdown image `![alt](src)`.
fn image(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("![")?;
    let (alt, rest) = rest.split_once("](")?;
    let src = rest.strip_suffix(')')?;
    (!alt.contains(']') && !src.contains([' ', ')'])).then_some((alt, src))
}

/// Text for an HTML attribute or element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_alone_on_a_line_become_numbered_figures() {
        let md = "Text ![inline](a.svg) stays.\n\n![First <one>](figures/a.svg)\n\n```\n![code](b.svg)\n```\n\
                  ![Second](figures/b.svg)\n";
        let (out, stems) = number_figures(md, 3);
        assert!(out.contains("Text ![inline](a.svg) stays."), "{out}");
        assert!(
            out.contains("<figure id=\"figure-3-1\">\n<img src=\"figures/a.svg\" alt=\"First &lt;one&gt;\">")
        );
        assert!(out.contains("<figcaption>Figure 3.1 — First &lt;one&gt;</figcaption>"), "{out}");
        assert!(out.contains("```\n![code](b.svg)\n```"), "code blocks are left alone: {out}");
        assert!(out.contains("<figcaption>Figure 3.2 — Second</figcaption>"), "{out}");
        assert_eq!(out.matches("<figure").count(), 2);
        assert_eq!(stems, ["a", "b"]);
    }

    #[test]
    fn references_become_links_and_unknown_ones_fail() {
        let numbered = BTreeMap::from([("ch4_gram".to_string(), ("ch4_polysemantic.md".to_string(), 4, 2))]);
        let text = "As {{figure ch4_gram}} shows, and {{figure ch4_gram }} again.";
        assert_eq!(
            resolve_references(text, &numbered).unwrap(),
            "As [Figure 4.2](ch4_polysemantic.md#figure-4-2) shows, and \
             [Figure 4.2](ch4_polysemantic.md#figure-4-2) again."
        );
        assert_eq!(resolve_references("see {{figure ch9_none}}", &numbered), Err("ch9_none".to_string()));
        assert_eq!(resolve_references("no references", &numbered).unwrap(), "no references");
        let escaped = "write `\\{{figure ch9_none}}`";
        assert_eq!(resolve_references(escaped, &numbered).unwrap(), "write `{{figure ch9_none}}`");
    }
}
