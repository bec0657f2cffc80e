//! The one place diagnostics become text: miette's graphical report for people, JSON for CI.
//! Every report of every command (`check`, feed and plan errors, `explain`, `test`) goes through
//! [`report`], with one width and one colour rule.

use miette::{Diagnostic as _, GraphicalReportHandler, GraphicalTheme, NamedSource, Report};

/// The width reports are wrapped at. Words are never broken and never hyphenated, so a path or
/// a piece of policy text in a help line can be copied whole.
pub const WIDTH: usize = 100;

/// Whether to colour: only when asked for (a terminal, without `NO_COLOR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Plain,
    Coloured,
}

fn handler(colour: Colour) -> GraphicalReportHandler {
    let theme = match colour {
        Colour::Coloured => GraphicalTheme::unicode(),
        Colour::Plain => GraphicalTheme::unicode_nocolor(),
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_break_words(false)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
}

/// Any report (a diagnostic with its source, a feed error, an explanation step) as text.
pub fn report(diagnostic: &dyn miette::Diagnostic, colour: Colour) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = handler(colour).render_report(&mut out, diagnostic);
    out
}
use serde::Serialize;

use super::Diagnostic;
use crate::source::Program;

/// Renders diagnostics for a terminal: source snippet, labels, help.
pub fn human(diagnostics: &[Diagnostic], program: &Program, color: bool) -> String {
    let colour = if color {
        Colour::Coloured
    } else {
        Colour::Plain
    };
    let mut out = String::new();
    for diagnostic in diagnostics {
        let mut report = Report::new(diagnostic.error.clone());
        if let Some(file) = diagnostic.file {
            let file = program.file(file);
            report = report.with_source_code(NamedSource::new(&file.path, file.text.clone()));
        }
        out.push_str(&self::report(report.as_ref(), colour));
    }
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    /// Warnings silenced by `// rem: allow CODE`: not counted, listed for review.
    silenced: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: String,
    severity: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    labels: Vec<JsonLabel>,
}

#[derive(Serialize)]
struct JsonLabel {
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    line: usize,
    column: usize,
    start: usize,
    end: usize,
}

/// Renders diagnostics as one JSON document with counts, for CI, and the warnings silenced by
/// `// rem: allow` apart.
pub fn json(diagnostics: &[Diagnostic], silenced: &[Diagnostic], program: &Program) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let report = JsonReport {
        errors,
        warnings: diagnostics.len() - errors,
        diagnostics: json_diagnostics(diagnostics, program),
        silenced: json_diagnostics(silenced, program),
    };
    let mut out = serde_json::to_string_pretty(&report).unwrap_or_default();
    out.push('\n');
    out
}

fn json_diagnostics<'a>(
    diagnostics: &[Diagnostic],
    program: &'a Program,
) -> Vec<JsonDiagnostic<'a>> {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let file = diagnostic.file.map(|id| program.file(id));
            let labels: Vec<JsonLabel> = match (file, diagnostic.error.labels()) {
                (Some(file), Some(labels)) => labels
                    .map(|label| {
                        let (line, column) = file.line_col(label.offset());
                        JsonLabel {
                            label: label.label().map(str::to_string),
                            line,
                            column,
                            start: label.offset(),
                            end: label.offset() + label.len(),
                        }
                    })
                    .collect(),
                _ => Vec::new(),
            };
            JsonDiagnostic {
                code: diagnostic.code(),
                severity: if diagnostic.is_error() {
                    "error"
                } else {
                    "warning"
                },
                message: diagnostic.error.to_string(),
                help: diagnostic.error.help().map(|h| h.to_string()),
                file: file.map(|f| f.path.as_str()),
                line: labels.first().map(|l| l.line),
                column: labels.first().map(|l| l.column),
                labels,
            }
        })
        .collect()
}
