//! A small lexer of Rust that labels every character with the kind of text
//! it is part of (a doc comment, a string, a keyword, …): the labels the
//! chapter names neurons and latents by. It follows the Rust Reference's
//! lexical structure closely enough for hand-written code (nested block
//! comments, raw strings, lifetimes against character literals,
//! attributes); a label is a property of the text, found without the model.

use super::corpus::character;
use serde::{Deserialize, Serialize};

/// What a character is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Label {
    /// `///`, `//!`, `/** */` and `/*! */`: the English of the corpus.
    DocComment,
    /// Other comments.
    Comment,
    /// String literals, quotes included (also raw and byte strings).
    Str,
    /// Character literals, `'a'` and `b'a'`.
    Char,
    /// `'a`, `'static`.
    Lifetime,
    Number,
    Keyword,
    Identifier,
    /// `#[…]` and `#![…]`, brackets included.
    Attribute,
    /// Spaces at the start of a line.
    Indentation,
    /// Other spaces and the newline.
    Space,
    /// Operators and punctuation.
    Punctuation,
}

impl Label {
    pub const ALL: [Label; 12] = [
        Label::DocComment,
        Label::Comment,
        Label::Str,
        Label::Char,
        Label::Lifetime,
        Label::Number,
        Label::Keyword,
        Label::Identifier,
        Label::Attribute,
        Label::Indentation,
        Label::Space,
        Label::Punctuation,
    ];

    /// The label's name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Label::DocComment => "doc comment",
            Label::Comment => "comment",
            Label::Str => "string",
            Label::Char => "char literal",
            Label::Lifetime => "lifetime",
            Label::Number => "number",
            Label::Keyword => "keyword",
            Label::Identifier => "identifier",
            Label::Attribute => "attribute",
            Label::Indentation => "indentation",
            Label::Space => "space",
            Label::Punctuation => "operator",
        }
    }
}

/// Rust's strict and reserved keywords in use (2021 edition).
const KEYWORDS: [&str; 38] = [
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while",
];

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The label of every symbol of `text` (a stream of the corpus's symbols).
pub fn labels(text: &[u8]) -> Vec<Label> {
    let s: Vec<char> = text.iter().map(|&v| character(v)).collect();
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    let mut out = vec![Label::Punctuation; s.len()];
    let (mut i, mut line_start) = (0, true);
    while i < s.len() {
        let c = s[i];
        let start = i;
        let label = match c {
            '\n' => {
                i += 1;
                line_start = true;
                out[start] = Label::Space;
                continue;
            }
            ' ' | '¤' if line_start => {
                while matches!(at(i), ' ' | '¤') {
                    i += 1;
                }
                out[start..i].fill(Label::Indentation);
                continue;
            }
            ' ' | '¤' => {
                i += 1;
                Label::Space
            }
            '/' if at(i + 1) == '/' => {
                let doc = (at(i + 2) == '/' && at(i + 3) != '/') || at(i + 2) == '!';
                while i < s.len() && s[i] != '\n' {
                    i += 1;
                }
                if doc { Label::DocComment } else { Label::Comment }
            }
            '/' if at(i + 1) == '*' => {
                let doc = (at(i + 2) == '*' && !matches!(at(i + 3), '*' | '/')) || at(i + 2) == '!';
                let mut depth = 0;
                while i < s.len() {
                    if s[i] == '/' && at(i + 1) == '*' {
                        (depth, i) = (depth + 1, i + 2);
                    } else if s[i] == '*' && at(i + 1) == '/' {
                        (depth, i) = (depth - 1, i + 2);
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                if doc { Label::DocComment } else { Label::Comment }
            }
            '"' => {
                i = string_end(&s, i + 1);
                Label::Str
            }
            'b' if at(i + 1) == '"' => {
                i = string_end(&s, i + 2);
                Label::Str
            }
            'r' | 'b' if raw_string_start(&s, i).is_some() => {
                let (hashes, open) = raw_string_start(&s, i).expect("checked");
                i = raw_string_end(&s, open + 1, hashes);
                Label::Str
            }
            'b' if at(i + 1) == '\'' => {
                i = char_end(&s, i + 1).unwrap_or(i + 2);
                Label::Char
            }
            '\'' => match char_end(&s, i) {
                Some(end) => {
                    i = end;
                    Label::Char
                }
                None => {
                    i += 1;
                    while is_ident(at(i)) {
                        i += 1;
                    }
                    Label::Lifetime
                }
            },
            '0'..='9' => {
                i += 1;
                while is_ident(at(i)) || (at(i) == '.' && at(i + 1).is_ascii_digit()) {
                    i += 1;
                }
                Label::Number
            }
            c if is_ident_start(c) => {
                while is_ident(at(i)) {
                    i += 1;
                }
                let word: String = s[start..i].iter().collect();
                if KEYWORDS.contains(&word.as_str()) { Label::Keyword } else { Label::Identifier }
            }
            '#' if at(i + 1) == '[' || (at(i + 1) == '!' && at(i + 2) == '[') => {
                let mut depth = 0;
                while i < s.len() {
                    match s[i] {
                        '[' => depth += 1,
                        ']' => depth -= 1,
                        '"' => i = string_end(&s, i + 1) - 1,
                        _ => {}
                    }
                    i += 1;
                    if depth == 0 && s[i - 1] == ']' {
                        break;
                    }
                }
                Label::Attribute
            }
            _ => {
                i += 1;
                Label::Punctuation
            }
        };
        out[start..i].fill(label);
        line_start = false;
    }
    out
}

/// Just past the closing quote of a string whose text starts at `i`.
fn string_end(s: &[char], mut i: usize) -> usize {
    while i < s.len() {
        match s[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    s.len()
}

/// `r"`, `r#"`, `br##"`, …: the number of hashes and where the quote is.
fn raw_string_start(s: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i + usize::from(s[i] == 'b');
    if s.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = s[j..].iter().take_while(|&&c| c == '#').count();
    (s.get(j + hashes) == Some(&'"')).then_some((hashes, j + hashes))
}

/// Just past the `"` and `hashes` hashes that close a raw string.
fn raw_string_end(s: &[char], mut i: usize, hashes: usize) -> usize {
    while i < s.len() {
        if s[i] == '"' && s[i + 1..].iter().take(hashes).filter(|&&c| c == '#').count() == hashes {
            return (i + 1 + hashes).min(s.len());
        }
        i += 1;
    }
    s.len()
}

/// A character literal starting at the quote `i`: just past its closing
/// quote, or `None` if this quote starts a lifetime.
fn char_end(s: &[char], i: usize) -> Option<usize> {
    let at = |k: usize| s.get(k).copied().unwrap_or('\0');
    if at(i + 1) == '\\' {
        let close = (i + 2..s.len().min(i + 12)).find(|&k| s[k] == '\'')?;
        return Some(close + 1);
    }
    (at(i + 2) == '\'' && at(i + 1) != '\n').then_some(i + 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::corpus::symbol;

    fn labelled(code: &str) -> Vec<(String, Label)> {
        let text: Vec<u8> = code.chars().map(symbol).collect();
        let labels = labels(&text);
        // Runs of equal labels, with their text.
        let mut runs: Vec<(String, Label)> = Vec::new();
        for (c, l) in code.chars().zip(labels) {
            match runs.last_mut() {
                Some((t, last)) if *last == l => t.push(c),
                _ => runs.push((c.to_string(), l)),
            }
        }
        runs
    }

    #[test]
    fn each_kind_of_text_gets_its_label() {
        use Label::*;
        let runs = labelled(
            "/// Docs.\n#[inline]\nfn f<'a>(x: &'a str) -> u8 {\n    let c = 'x'; // note\n    0x1F\n}\n",
        );
        let find = |text: &str| runs.iter().find(|(t, _)| t == text).map(|r| r.1);
        assert_eq!(find("/// Docs."), Some(DocComment));
        assert_eq!(find("#[inline]"), Some(Attribute));
        assert_eq!(find("fn"), Some(Keyword));
        assert_eq!(find("f"), Some(Identifier));
        assert_eq!(find("'a"), Some(Lifetime));
        assert_eq!(find("    "), Some(Indentation));
        assert_eq!(find("'x'"), Some(Char));
        assert_eq!(find("// note"), Some(Comment));
        assert_eq!(find("0x1F"), Some(Number));
        assert_eq!(find("->"), Some(Punctuation));
    }

    #[test]
    fn strings_of_every_form_end_where_they_should() {
        use Label::*;
        let runs = labelled(r###"a("q\"x", r#"raw " x"#, b"by", '\n', b'z') /* a /* nested */ b */ c"###);
        let labels: Vec<(&str, Label)> = runs.iter().map(|(t, l)| (t.as_str(), *l)).collect();
        assert!(labels.contains(&(r#""q\"x""#, Str)), "{labels:?}");
        assert!(labels.contains(&(r###"r#"raw " x"#"###, Str)), "{labels:?}");
        assert!(labels.contains(&(r#"b"by""#, Str)), "{labels:?}");
        assert!(labels.contains(&(r"'\n'", Char)), "{labels:?}");
        assert!(labels.contains(&("b'z'", Char)), "{labels:?}");
        assert!(labels.contains(&("/* a /* nested */ b */", Comment)), "{labels:?}");
        assert_eq!(labels.last(), Some(&("c", Identifier)));
    }
}
