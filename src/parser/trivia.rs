//! What the grammar skips: comments (kept for the formatter) and a guard against nesting
//! that would exhaust the stack of a recursive-descent parser.

use crate::ast::Span;

use super::ParseError;

/// A `// ...` comment; `text` includes the slashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

/// What a scan found besides the bytes it visited.
#[derive(Default)]
struct Scanned {
    comments: Vec<Comment>,
    /// Where each string without its closing quote on its line starts.
    unclosed_strings: Vec<usize>,
}

/// Walks the source, calling `visit` for every byte outside strings and comments, and
/// collecting the comments and the strings left open.
fn scan(
    source: &str,
    mut visit: impl FnMut(usize, u8) -> Result<(), ParseError>,
) -> Result<Scanned, ParseError> {
    let bytes = source.as_bytes();
    let mut comments = Vec::new();
    let mut unclosed_strings = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if bytes.get(i) != Some(&b'"') {
                    unclosed_strings.push(start);
                }
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let start = i;
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                let text = source[start..i].trim_end().to_string();
                comments.push(Comment {
                    span: Span::new(start, start + text.len()),
                    text,
                });
            }
            byte => {
                visit(i, byte)?;
                i += 1;
            }
        }
    }
    Ok(Scanned {
        comments,
        unclosed_strings,
    })
}

/// Every comment in the source, in order. Never fails: the scan only fails when the visitor
/// does, and this one accepts everything.
pub fn comments(source: &str) -> Vec<Comment> {
    scan(source, |_, _| Ok(())).unwrap_or_default().comments
}

/// What is left open in the source: the first string without its closing quote, and the
/// blocks (`{`) never closed, outermost first.
pub(super) fn left_open(source: &str) -> (Option<usize>, Vec<usize>) {
    let mut blocks = Vec::new();
    let scanned = scan(source, |at, byte| {
        match byte {
            b'{' => blocks.push(at),
            b'}' => {
                blocks.pop();
            }
            _ => {}
        }
        Ok(())
    })
    .unwrap_or_default();
    (scanned.unclosed_strings.first().copied(), blocks)
}

/// The byte range of the line that holds `offset`, without its line end.
pub fn line_around(text: &str, offset: usize) -> std::ops::Range<usize> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    start..end
}

/// `end` moved back over whitespace and `//` comments, but not before `start`.
pub(super) fn trimmed_end(source: &str, start: usize, mut end: usize) -> usize {
    loop {
        let trimmed = source[start..end].trim_end().len() + start;
        let line_start = source[..trimmed]
            .rfind('\n')
            .map_or(0, |i| i + 1)
            .max(start);
        match comment_start(&source[line_start..trimmed]) {
            Some(at) => end = line_start + at,
            None => return trimmed,
        }
    }
}

/// Where a `//` comment starts on one line, outside strings.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Refuses brackets nested deeper than `limit`.
pub(super) fn check_nesting(source: &str, limit: usize) -> Result<(), ParseError> {
    let mut depth = 0usize;
    scan(source, |at, byte| {
        match byte {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(ParseError::TooDeep {
                        span: Span::new(at, at + 1).into(),
                        limit,
                    });
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        Ok(())
    })
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_inside_strings_are_not_comments() {
        let found = comments("policy \"a//b\" { // real\n}\n// last");
        let texts: Vec<_> = found.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["// real", "// last"]);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!(
            "policy \"p\" {{ exclude \"x\" when {}a.b{} }}",
            "(".repeat(100),
            ")".repeat(100)
        );
        assert!(matches!(
            check_nesting(&deep, 64),
            Err(ParseError::TooDeep { .. })
        ));
    }
}
