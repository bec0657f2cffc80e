//! `rem check`'s diagnostics as the editor's: the same codes, spans and help, and for each
//! "did you mean" a quick fix that writes it.

use lsp_types::{
    CodeAction, CodeActionKind, Diagnostic as LspDiagnostic, DiagnosticRelatedInformation,
    DiagnosticSeverity, Location, NumberOrString, TextEdit, Url, WorkspaceEdit,
};
use miette::Diagnostic as _;
use serde::{Deserialize, Serialize};

use super::position::Lines;
use crate::diagnostic::Diagnostic;

/// What a quick fix writes, kept in the diagnostic's `data`.
#[derive(Debug, Serialize, Deserialize)]
struct Fix {
    replace: String,
}

/// One diagnostic of the file at `uri`, whose lines are `lines`.
pub fn to_lsp(diagnostic: &Diagnostic, lines: &Lines<'_>, uri: &Url) -> LspDiagnostic {
    let text = lines.text();
    let error = &diagnostic.error;
    let mut labels: Vec<miette::LabeledSpan> = error.labels().into_iter().flatten().collect();
    labels.sort_by_key(|l| !l.primary());
    let range = labels.first().map_or_else(
        || lines.range(0, 0),
        |l| lines.range(l.offset(), l.offset() + l.len()),
    );
    let mut message = error.to_string();
    if let Some(label) = labels.first().and_then(|l| l.label()) {
        message = format!("{message} ({label})");
    }
    if let Some(help) = error.help() {
        message = format!("{message}\n\nhelp: {help}");
    }
    let related: Vec<DiagnosticRelatedInformation> = labels
        .iter()
        .skip(1)
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), lines.range(l.offset(), l.offset() + l.len())),
            message: l.label().unwrap_or("here").to_string(),
        })
        .collect();
    let fix = labels.first().and_then(|l| {
        let written = text.get(l.offset()..l.offset() + l.len())?;
        let meant = did_you_mean(&message)?;
        Some(Fix {
            replace: keep_delimiters(written, meant),
        })
    });
    let code = diagnostic.code();
    LspDiagnostic {
        range,
        severity: Some(if diagnostic.is_error() {
            DiagnosticSeverity::ERROR
        } else {
            DiagnosticSeverity::WARNING
        }),
        code: (!code.is_empty())
            .then(|| NumberOrString::String(code.trim_start_matches("rem::").to_string())),
        source: Some("rem".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        data: fix.and_then(|f| serde_json::to_value(f).ok()),
        ..LspDiagnostic::default()
    }
}

/// The name a diagnostic's "did you mean `X`" offers.
fn did_you_mean(message: &str) -> Option<&str> {
    let rest = &message[message.find("did you mean `")? + "did you mean `".len()..];
    let end = rest.find('`')?;
    Some(&rest[..end]).filter(|s| !s.is_empty())
}

/// The suggestion written in place of `written`, keeping the quotes or braces around it: a
/// diagnostic points at `"Typo"` or `{booking.dat}` and suggests the name inside.
fn keep_delimiters(written: &str, meant: &str) -> String {
    for (open, close) in [("\"", "\""), ("{", "}")] {
        if written.len() >= 2
            && written.starts_with(open)
            && written.ends_with(close)
            && !meant.starts_with(open)
        {
            return format!("{open}{meant}{close}");
        }
    }
    meant.to_string()
}

/// The quick fixes of the diagnostics the editor sent back, for the document at `uri`.
pub fn quick_fixes(uri: &Url, diagnostics: &[LspDiagnostic]) -> Vec<CodeAction> {
    diagnostics
        .iter()
        .filter_map(|d| {
            let fix: Fix = serde_json::from_value(d.data.clone()?).ok()?;
            let edit = TextEdit::new(d.range, fix.replace.clone());
            let changes = [(uri.clone(), vec![edit])].into_iter().collect();
            Some(CodeAction {
                title: format!("Write `{}`", fix.replace),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(WorkspaceEdit::new(changes)),
                is_preferred: Some(true),
                ..CodeAction::default()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suggestion_keeps_the_quotes_and_braces_of_what_it_replaces() {
        assert_eq!(keep_delimiters("\"Typo\"", "Type"), "\"Type\"");
        assert_eq!(
            keep_delimiters("{booking.dat}", "booking.date"),
            "{booking.date}"
        );
        assert_eq!(keep_delimiters("timezon", "timezone"), "timezone");
        assert_eq!(
            did_you_mean("`timezon` is not a statement: did you mean `timezone`?"),
            Some("timezone")
        );
        assert_eq!(did_you_mean("no suggestion"), None);
    }
}
