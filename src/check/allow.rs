//! Warnings the author means: `// rem: allow W107` silences warning `rem::W107` on its own line
//! or, written on the first line of a block (`policy`, `defaults`, a message, a unit), in the
//! whole block. Several codes are separated by commas. Errors cannot be silenced. Silenced
//! warnings are kept apart, and `rem check --format json` lists them, so that a reviewer sees
//! what was allowed.

use miette::Diagnostic as _;

use super::{CheckError, is_warning};
use crate::ast::{Item, Span};
use crate::source::{FileId, Program};

/// Diagnostics with the file they are about.
type InFile = Vec<(FileId, CheckError)>;

/// The diagnostics split into those reported and the warnings an `allow` comment silences.
pub(super) fn split(program: &Program, diagnostics: InFile) -> (InFile, InFile) {
    diagnostics
        .into_iter()
        .partition(|(file, error)| !(is_warning(error) && silenced(program, *file, error)))
}

fn silenced(program: &Program, file: FileId, error: &CheckError) -> bool {
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
    let line_of = |offset: usize| {
        let offset = offset.min(text.len());
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        &text[start..end]
    };
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
    std::iter::once(line_of(offset))
        .chain(blocks.map(|span| line_of(span.start)))
        .any(|line| allows(line, &code))
}

/// Whether the line has `// rem: allow` naming `code` (`rem::W107`, written `W107` or in full).
fn allows(line: &str, code: &str) -> bool {
    // The comment starts at the first `//` outside a string (a text may hold a URL).
    let mut quoted = false;
    let mut escaped = false;
    let mut start = None;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '/' if !quoted && line[i..].starts_with("//") => {
                start = Some(i + 2);
                break;
            }
            _ => {}
        }
    }
    let Some(comment) = start.map(|i| &line[i..]) else {
        return false;
    };
    let Some(codes) = comment.trim_start().strip_prefix("rem: allow") else {
        return false;
    };
    codes
        .split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .any(|c| c == code || code.strip_prefix("rem::") == Some(c))
}

#[cfg(test)]
mod tests {
    use super::allows;

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
