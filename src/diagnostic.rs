//! Errors as data: every stage's error type, gathered into one [`Diagnostic`] that knows which
//! file it is about. Rendering (text for people, JSON for CI) happens in one place, in
//! [`render`]. Codes are listed, one line each, in `docs/errors.md`.

use miette::{Diagnostic as MietteDiagnostic, SourceSpan};
use thiserror::Error;

use crate::ast::Span;
use crate::check::CheckError;
use crate::fmt::FormatError;
use crate::parser::ParseError;
use crate::source::FileId;

pub mod render;

/// A file that could not be read.
#[derive(Debug, Clone, Error, MietteDiagnostic, PartialEq)]
pub enum LoadError {
    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(rem::E005),
        help("check the path; a path in `use` is relative to the file that holds the `use`")
    )]
    Unreadable {
        path: String,
        reason: String,
        #[label("used here")]
        span: Option<SourceSpan>,
    },

    #[error("`{path}` is not UTF-8 text")]
    #[diagnostic(
        code(rem::E006),
        help("save the file as UTF-8 (most editors have this under \"Save with encoding\")")
    )]
    NotUtf8 {
        path: String,
        #[label("used here")]
        span: Option<SourceSpan>,
    },
}

impl LoadError {
    /// Points the error at the `use` line that asked for the file.
    pub fn at(mut self, at: Span) -> Self {
        match &mut self {
            LoadError::Unreadable { span, .. } | LoadError::NotUtf8 { span, .. } => {
                *span = Some(at.into())
            }
        }
        self
    }
}

/// An error of any stage.
#[derive(Debug, Clone, Error, MietteDiagnostic, PartialEq)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] CheckError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Format(#[from] FormatError),
}

/// An error or warning, and the file it is about (none for a file that could not be read).
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub file: Option<FileId>,
    pub error: Error,
}

impl Diagnostic {
    pub fn new(file: Option<FileId>, error: impl Into<Error>) -> Self {
        Diagnostic {
            file,
            error: error.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        !matches!(
            self.error.severity(),
            Some(miette::Severity::Warning | miette::Severity::Advice)
        )
    }

    pub fn code(&self) -> String {
        self.error.code().map(|c| c.to_string()).unwrap_or_default()
    }

    /// Where the diagnostic's first label points, for sorting and JSON.
    pub fn offset(&self) -> Option<usize> {
        self.error
            .labels()
            .and_then(|mut labels| labels.next())
            .map(|l| l.offset())
    }
}

/// Sorts diagnostics by file and position so output is stable whatever order stages ran in.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| (d.file, d.offset()));
}
