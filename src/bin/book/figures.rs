//! Numbered figures with captions: each figure of a numbered chapter,
//! written in the Markdown as an image alone on its line,
//!
//!     ![What the figure shows](figures/ch3_smallest_k.svg)
//!
//! becomes an HTML `<figure>` whose caption is its alt text, numbered per
//! chapter ("Figure 3.5 — What the figure shows"), with an `id` the text can
//! link to (`#figure-3-5`). Fenced code blocks are left alone. The browser
//! check (`cargo book browse`) fails on a figure without a caption.

use anyhow::Result;
use mdbook_preprocessor::book::{Book, BookItem};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

/// The preprocessor, registered with `MDBook::with_preprocessor`.
pub struct Figures;

impl Preprocessor for Figures {
    fn name(&self) -> &str {
        "figures"
    }

    fn run(&self, _ctx: &PreprocessorContext, mut book: Book) -> Result<Book> {
        book.for_each_mut(|item| {
            if let BookItem::Chapter(chapter) = item
                && let Some(number) = chapter.number.as_ref().and_then(|n| n.first().copied())
            {
                chapter.content = number_figures(&chapter.content, number);
            }
        });
        Ok(book)
    }
}

/// Chapter `chapter`'s Markdown with every image alone on a line (outside
/// code blocks) turned into a numbered `<figure>`.
pub fn number_figures(markdown: &str, chapter: u32) -> String {
    let mut out = String::with_capacity(markdown.len() + 1024);
    let (mut fence, mut count) = (None::<String>, 0);
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
                count += 1;
                let (alt, src) = (escape(alt), escape(src));
                out.push_str(&format!(
                    "<figure id=\"figure-{chapter}-{count}\">\n<img src=\"{src}\" alt=\"{alt}\">\n\
                     <figcaption>Figure {chapter}.{count} — {alt}</figcaption>\n</figure>\n"
                ));
            }
            None => out.push_str(line),
        }
    }
    out
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
        let out = number_figures(md, 3);
        assert!(out.contains("Text ![inline](a.svg) stays."), "{out}");
        assert!(
            out.contains("<figure id=\"figure-3-1\">\n<img src=\"figures/a.svg\" alt=\"First &lt;one&gt;\">")
        );
        assert!(out.contains("<figcaption>Figure 3.1 — First &lt;one&gt;</figcaption>"), "{out}");
        assert!(out.contains("```\n![code](b.svg)\n```"), "code blocks are left alone: {out}");
        assert!(out.contains("<figcaption>Figure 3.2 — Second</figcaption>"), "{out}");
        assert_eq!(out.matches("<figure").count(), 2);
    }
}
