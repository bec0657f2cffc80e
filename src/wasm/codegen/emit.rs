//! Lines of WebAssembly text, indented by their nesting.

use std::fmt::Write as _;

#[derive(Default)]
pub(super) struct Wat {
    text: String,
    depth: usize,
}

impl Wat {
    pub fn line(&mut self, line: impl AsRef<str>) {
        for _ in 0..self.depth {
            self.text.push_str("  ");
        }
        self.text.push_str(line.as_ref());
        self.text.push('\n');
    }

    /// A line that opens a form: what follows is inside it until [`Wat::close`].
    pub fn open(&mut self, line: impl AsRef<str>) {
        self.line(line);
        self.depth += 1;
    }

    /// Lines written elsewhere, each indented to this depth.
    pub fn lines(&mut self, text: &str) {
        for line in text.lines() {
            self.line(line);
        }
    }

    pub fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        // The closing parenthesis goes at the end of the last line.
        if self.text.ends_with('\n') {
            self.text.pop();
        }
        self.text.push_str(")\n");
    }

    /// A comment; names from policies may hold any character, so what is not a letter, a
    /// digit, punctuation or a space is written as `\u{...}` (the assembler refuses invisible
    /// and bidirectional characters even in comments).
    pub fn comment(&mut self, comment: impl AsRef<str>) {
        for line in comment.as_ref().lines() {
            let mut text = String::with_capacity(line.len() + 3);
            text.push_str(";; ");
            for c in line.chars() {
                if readable(c) {
                    text.push(c);
                } else {
                    let _ = write!(text, "\\u{{{:x}}}", u32::from(c));
                }
            }
            self.line(text);
        }
    }

    pub fn into_text(self) -> String {
        self.text
    }
}

/// Whether a character of a name may stand as it is in a comment of the module text: letters,
/// digits, ASCII punctuation and spaces (the assembler refuses invisible and bidirectional
/// characters even in comments).
pub(super) fn readable(c: char) -> bool {
    c.is_alphanumeric() || c.is_ascii_punctuation() || c == ' '
}

/// Bytes as a WebAssembly string literal: printable ASCII as it is, the rest escaped.
pub(super) fn literal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                let _ = write!(out, "\\{b:02x}");
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:02x}");
            }
        }
    }
    out.push('"');
    out
}
