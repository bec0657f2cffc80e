//! Warnings the author means: `// rem: allow W107` silences warning `rem::W107` on its own line
//! or, written on the first line of a block (`policy`, `defaults`, a message, a unit), in the
//! whole block. Several codes are separated by commas. Errors cannot be silenced. Silenced
//! warnings are kept apart, and `rem check --format json` lists them, so that a reviewer sees
//! what was allowed.

use miette::Diagnostic as _;

use std::collections::BTreeMap;
use std::ops::Range;

use super::{CheckError, is_warning};
use crate::ast::{Item, Span};
use crate::parser::{self, line_around};
use crate::source::{FileId, Program};

/// Diagnostics with the file they are about.
type InFile = Vec<(FileId, CheckError)>;

/// The diagnostics split into those reported and the warnings an `allow` comment silences.
pub(super) fn split(program: &Program, diagnostics: InFile) -> (InFile, InFile) {
    // The allow comments of each file, read once: the line each is on, and its codes.
    let mut allowed: BTreeMap<FileId, Vec<(Range<usize>, &str)>> = BTreeMap::new();
    for module in &program.modules {
        let text = &program.file(module.file).text;
        let found = parser::comments(text).into_iter().filter_map(|comment| {
            let codes = allow_codes(&comment.text)?;
            let start = comment.span.start + comment.text.len() - codes.len();
            Some((
                line_around(text, comment.span.start),
                &text[start..comment.span.end],
            ))
        });
        allowed.insert(module.file, found.collect());
    }
    diagnostics.into_iter().partition(|(file, error)| {
        let comments = allowed.get(file).map_or(&[][..], Vec::as_slice);
        !(is_warning(error) && silenced(program, *file, comments, error))
    })
}

fn silenced(
    program: &Program,
    file: FileId,
    comments: &[(Range<usize>, &str)],
    error: &CheckError,
) -> bool {
    let Some(code) = error.code().map(|c| c.to_string()) else {
        return false;
    };
    let Some(offset) = error
        .labels()
        .and_then(|mut l| l.next())
        .map(|l| l.offset())
    else {
        return false;
    };
    let text = &program.file(file).text;
    let blocks = program
        .modules
        .iter()
        .filter(|m| m.file == file)
        .flat_map(|m| &m.ast.items)
        .flat_map(|item| {
            let inner: Vec<Span> = match item {
                Item::Policy(policy) => policy.items.iter().map(|i| i.span()).collect(),
                _ => Vec::new(),
            };
            std::iter::once(item.span()).chain(inner)
        })
        .filter(|span| span.start <= offset && offset < span.end.max(span.start + 1));
    let lines: Vec<Range<usize>> = std::iter::once(line_around(text, offset))
        .chain(blocks.map(|span| line_around(text, span.start)))
        .collect();
    comments
        .iter()
        .any(|(line, codes)| lines.contains(line) && names(codes, &code))
}

/// The codes of a comment `// rem: allow W105, W107`, if it is one.
fn allow_codes(comment: &str) -> Option<&str> {
    comment
        .strip_prefix("//")?
        .trim_start()
        .strip_prefix("rem: allow")
}

/// Whether the codes of an allow comment (`W105, rem::W107`) name `code` (`rem::W107`).
fn names(codes: &str, code: &str) -> bool {
    codes
        .split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .any(|c| c == code || code.strip_prefix("rem::") == Some(c))
}

#[cfg(test)]
mod tests {
    use super::{allow_codes, names};

    /// Whether a line has an allow comment naming `code`.
    fn allows(line: &str, code: &str) -> bool {
        crate::parser::comments(line)
            .iter()
            .filter_map(|c| allow_codes(&c.text))
            .any(|codes| names(codes, code))
    }

    #[test]
    fn an_allow_comment_names_codes_short_or_in_full() {
        assert!(allows(
            "    to patient when not patient.minor // rem: allow W107",
            "rem::W107"
        ));
        assert!(allows("// rem: allow W105, rem::W107", "rem::W107"));
        assert!(!allows("// rem: allow W105", "rem::W107"));
        assert!(!allows("    text \"rem: allow W107\"", "rem::W107"));
        assert!(!allows(
            "    text \"see https://x.se // rem: allow W107\"",
            "rem::W107"
        ));
        assert!(allows(
            "    text \"https://x.se\" // rem: allow W101",
            "rem::W101"
        ));
        assert!(!allows("// allow W107", "rem::W107"));
    }
}
