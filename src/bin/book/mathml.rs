//! Offline math: LaTeX between dollar signs becomes MathML when the book is built.
//!
//! mdBook's own math support loads MathJax from a CDN, which fails offline.
//! This preprocessor instead converts every formula to MathML with
//! `pulldown-latex`; browsers draw MathML natively, and
//! `book/mathml/styles.css` with its bundled fonts makes it look like TeX.
//!
//! The delimiters follow pandoc's rules:
//! - `$$...$$` is display math; it may span lines, but not a blank line.
//! - `$...$` is inline math when the opening `$` has a non-space character
//!   just after it, and the closing `$` has a non-space character just before
//!   it and no digit just after it (so "costs $5 or $6" stays text).
//! - `\$` is a literal dollar sign; fenced code blocks and code spans are left
//!   alone.
//!
//! mdBook runs this after its `links` preprocessor, so formulas in files
//! pulled in with `{{#include}}` are converted too.

use anyhow::{Result, anyhow, bail};
use mdbook_preprocessor::book::Book;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use pulldown_latex::config::DisplayMode;
use pulldown_latex::{Parser, ParserError, RenderConfig, Storage, push_mathml};

/// The preprocessor, registered with `MDBook::with_preprocessor`.
pub struct MathMl;

impl Preprocessor for MathMl {
    fn name(&self) -> &str {
        "mathml"
    }

    fn run(&self, _ctx: &PreprocessorContext, mut book: Book) -> Result<Book> {
        // Convert every chapter and report every bad formula at once.
        let mut failures = Vec::new();
        book.for_each_chapter_mut(|chapter| match convert(&chapter.content) {
            Ok(converted) => chapter.content = converted,
            Err(e) => {
                let file = chapter.source_path.as_deref().unwrap_or("?".as_ref());
                for line in e.to_string().lines() {
                    failures.push(format!("{} ({:?}): {line}", file.display(), chapter.name));
                }
            }
        });
        if failures.is_empty() { Ok(book) } else { bail!("bad LaTeX in the book:\n{}", failures.join("\n")) }
    }
}

/// Converts all the math in one chapter's Markdown. Fenced code blocks are
/// copied unchanged; the text between them goes through [`convert_text`].
/// The error lists every formula that does not typeset, one per line.
pub fn convert(markdown: &str) -> Result<String> {
    let mut out = String::with_capacity(markdown.len());
    let mut errors = Vec::new();
    let mut text = String::new(); // text since the last code block
    let mut fence: Option<&str> = None; // the open fence, e.g. "```" or "~~~~"
    for line in markdown.split_inclusive('\n') {
        let trimmed = line.trim();
        match fence {
            Some(open) => {
                out.push_str(line);
                // A fence closes with at least as many of the same character, alone on its line.
                if trimmed.starts_with(open) && trimmed.trim_matches(open.as_bytes()[0] as char).is_empty() {
                    fence = None;
                }
            }
            None => match fence_opening(trimmed) {
                Some(open) => {
                    out.push_str(&convert_text(&text, &mut errors));
                    text.clear();
                    out.push_str(line);
                    fence = Some(open);
                }
                None => text.push_str(line),
            },
        }
    }
    out.push_str(&convert_text(&text, &mut errors));
    if errors.is_empty() { Ok(out) } else { Err(anyhow!(errors.join("\n"))) }
}

/// The run of three or more backticks or tildes that opens a fenced code block.
fn fence_opening(line: &str) -> Option<&str> {
    let c = line.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let n = line.len() - line.trim_start_matches(c).len();
    (n >= 3).then(|| &line[..n])
}

/// Converts the math in Markdown text that contains no fenced code blocks.
/// A formula that does not typeset is left as it is and reported in `errors`.
fn convert_text(text: &str, errors: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['\\', '`', '$']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // The length of the next piece of `rest`, and its HTML if it is a formula.
        let (len, html) = match rest.as_bytes()[0] {
            // A backslash escape such as `\$`: Markdown turns it into the character.
            b'\\' => (1 + rest[1..].chars().next().map_or(0, char::len_utf8), None),
            b'`' => (code_span_len(rest), None),
            _ => match formula(rest) {
                Some(formula) => match to_html(&formula) {
                    Ok(html) => (formula.len, Some(html)),
                    Err(e) => {
                        errors.push(e.to_string());
                        (formula.len, None)
                    }
                },
                // A dollar that opens nothing is just a dollar ("$$" stays together).
                None if rest.starts_with("$$") => (2, None),
                None => (1, None),
            },
        };
        out.push_str(html.as_deref().unwrap_or(&rest[..len]));
        rest = &rest[len..];
    }
    out.push_str(rest);
    out
}

/// The HTML for a formula: display math as an HTML block, which Markdown
/// leaves alone; inline math as MathML protected from Markdown.
fn to_html(formula: &Formula) -> Result<String> {
    let mathml = typeset(formula.tex, formula.display)?;
    Ok(if formula.display {
        format!("\n\n<div class=\"math-display\">{mathml}</div>\n\n")
    } else {
        protect_inline(&mathml)
    })
}

/// The length of the code span that starts `s` (which starts with a backtick):
/// up to the next run of exactly as many backticks in the same paragraph, or
/// just the opening run if there is none (then the backticks are literal).
fn code_span_len(s: &str) -> usize {
    let run = |s: &str| s.len() - s.trim_start_matches('`').len();
    let open = run(s);
    let paragraph = paragraph(s);
    let mut i = open;
    while let Some(j) = paragraph[i..].find('`') {
        let close = run(&paragraph[i + j..]);
        if close == open {
            return i + j + close;
        }
        i += j + close;
    }
    open
}

/// `s` up to its first blank line: no inline element crosses one.
fn paragraph(s: &str) -> &str {
    let mut end = 0;
    for line in s.split_inclusive('\n') {
        if end > 0 && line.trim().is_empty() {
            break;
        }
        end += line.len();
    }
    &s[..end]
}

/// A formula found at the start of the text.
#[derive(Debug, PartialEq)]
struct Formula<'a> {
    /// The LaTeX between the delimiters.
    tex: &'a str,
    /// `$$...$$` rather than `$...$`.
    display: bool,
    /// Its length in the text, delimiters included (for display math, also
    /// the blanks after it: what follows on that line starts a new block).
    len: usize,
}

/// The formula that starts `s` (which starts with `$`), if the delimiters make one.
fn formula(s: &str) -> Option<Formula<'_>> {
    let paragraph = paragraph(s);
    if let Some(body) = paragraph.strip_prefix("$$") {
        let end = find_dollar(body, |j| body[j..].starts_with("$$"))?;
        let tex = &body[..end];
        let after = &body[end + 2..];
        let blanks = after.len() - after.trim_start_matches([' ', '\t']).len();
        let len = 2 + end + 2 + blanks;
        return (!tex.trim().is_empty()).then_some(Formula { tex, display: true, len });
    }
    let body = &paragraph[1..];
    if body.starts_with(char::is_whitespace) {
        return None;
    }
    // pandoc's rule for the closing `$`: not after a space, not before a digit.
    let end = find_dollar(body, |j| {
        !body[..j].ends_with(char::is_whitespace) && !body[j + 1..].starts_with(|c: char| c.is_ascii_digit())
    })?;
    (end > 0).then_some(Formula { tex: &body[..end], display: false, len: end + 2 })
}

/// The position of the first `$` in `body` that `accept` accepts, skipping
/// LaTeX escapes such as `\$` (a dollar sign inside the formula).
fn find_dollar(body: &str, accept: impl Fn(usize) -> bool) -> Option<usize> {
    let mut chars = body.char_indices();
    while let Some((j, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '$' if accept(j) => return Some(j),
            _ => {}
        }
    }
    None
}

/// Typesets one formula as MathML.
fn typeset(tex: &str, display: bool) -> Result<String> {
    let storage = Storage::new();
    // pulldown-latex reports bad LaTeX as an `Err` event, which its MathML
    // writer would draw as a red `<merror>` box; make it an error instead.
    let events = Parser::new(tex, &storage)
        .collect::<Result<Vec<_>, _>>()
        // The error's first line says what is wrong; the rest repeats the formula.
        .map_err(|e| anyhow!("cannot typeset `{tex}`: {}", e.to_string().lines().next().unwrap_or("")))?;
    let config = RenderConfig {
        display_mode: if display { DisplayMode::Block } else { DisplayMode::Inline },
        ..RenderConfig::default()
    };
    let mut mathml = String::new();
    push_mathml(&mut mathml, events.into_iter().map(Ok::<_, ParserError>), config)?;
    if mathml.contains("<merror") {
        bail!("cannot typeset `{tex}`: the MathML contains an error: {mathml}");
    }
    Ok(mathml)
}

/// Inline MathML stays inside a Markdown paragraph, where pulldown-cmark would
/// still read the text between the tags: `x_1` would start emphasis, `|`
/// would split a table cell. Replace those characters by numeric character
/// references, which the browser reads as the same characters.
fn protect_inline(mathml: &str) -> String {
    let mut out = String::with_capacity(mathml.len());
    let mut in_tag = false;
    for c in mathml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            '*' | '_' | '\\' | '`' | '[' | ']' | '~' | '$' | '|' if !in_tag => {
                out.push_str(&format!("&#{};", u32::from(c)));
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The HTML for `tex`, inline or display, as `convert` should emit it.
    fn math(tex: &str, display: bool) -> String {
        to_html(&Formula { tex, display, len: 0 }).unwrap()
    }

    #[test]
    fn inline_math_becomes_mathml() {
        let out = convert("The angle $\\theta$ is small.").unwrap();
        assert_eq!(out, format!("The angle {} is small.", math("\\theta", false)));
        assert!(out.contains("<math display=\"inline\"><mi>θ</mi></math>"), "{out}");
    }

    #[test]
    fn display_math_is_an_html_block_and_may_span_lines() {
        let out = convert("Then\n$$\n\\cos\\theta = 0\n$$\nso.\n").unwrap();
        let expected = format!("Then\n{}\nso.\n", math("\n\\cos\\theta = 0\n", true));
        assert_eq!(out, expected);
        assert!(out.contains("<math display=\"block\">"), "{out}");
        // On one line, with text after it.
        let out = convert("a $$x^2$$ b").unwrap();
        assert_eq!(out, format!("a {}b", math("x^2", true)));
    }

    #[test]
    fn code_is_left_alone() {
        let text = "```rust\nlet s = \"$x$\";\n```\n~~~~\n$$y$$\n~~~\nstill $z$\n~~~~\n";
        assert_eq!(convert(text).unwrap(), text);
        let text = "Run `echo $HOME $PATH` or ``a ` $b$``.";
        assert_eq!(convert(text).unwrap(), text);
        // An unmatched backtick is literal, so the math after it is converted.
        let out = convert("a ` then $x$").unwrap();
        assert_eq!(out, format!("a ` then {}", math("x", false)));
    }

    #[test]
    fn dollars_that_are_not_math_stay() {
        for text in [
            "It costs \\$5, or \\$6 with $x$ tax.",
            "Prices: $20,000 and $30,000.",
            "A $ sign alone, and $ spaced $ too.",
            "An empty $$$$ pair.",
            "Unclosed $x\n\nacross a paragraph$.",
        ] {
            let out = convert(text).unwrap();
            let without_math = out.replace(&math("x", false), "$x$");
            assert_eq!(without_math, text);
        }
        assert!(convert("tax $x$.").unwrap().contains("<mi>x</mi>"));
        // An escaped dollar inside a formula belongs to LaTeX.
        let out = convert("$\\$5 + y$").unwrap();
        assert_eq!(out, math("\\$5 + y", false));
    }

    #[test]
    fn inline_markdown_characters_are_protected() {
        let out = convert("$|x_1|$").unwrap();
        assert!(!out.contains('|') && out.contains("&#124;"), "{out}");
        // Inside tags nothing changes.
        assert!(out.starts_with("<math display=\"inline\">"), "{out}");
    }

    #[test]
    fn bad_latex_is_an_error_naming_every_formula() {
        let err = convert("Fine $x$, bad $\\frac{1}{$ and $$\\notacommand$$.").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("cannot typeset `\\frac{1}{`"), "{message}");
        assert!(message.contains("cannot typeset `\\notacommand`"), "{message}");
        assert_eq!(message.lines().count(), 2, "{message}");
    }
}
