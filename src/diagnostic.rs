//! Errors as data: every stage's error type, gathered into one [`Diagnostic`] that knows which
//! file it is about. Rendering (text for people, JSON for CI) happens in one place, in
//! [`render`]. Codes are listed, one line each, in `docs/errors.md`.

use miette::Diagnostic as MietteDiagnostic;
use thiserror::Error;

use crate::check::CheckError;
use crate::fmt::FormatError;
use crate::parser::ParseError;
use crate::source::{FileId, LoadError, LoadFailure};

pub mod render;

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

impl From<(Option<FileId>, LoadFailure)> for Diagnostic {
    fn from((file, failure): (Option<FileId>, LoadFailure)) -> Self {
        match failure {
            LoadFailure::Load(error) => Diagnostic::new(file, error),
            LoadFailure::Parse(error) => Diagnostic::new(file, error),
        }
    }
}

impl From<(FileId, CheckError)> for Diagnostic {
    fn from((file, error): (FileId, CheckError)) -> Self {
        Diagnostic::new(Some(file), error)
    }
}

/// Sorts diagnostics by file and position so output is stable whatever order stages ran in.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| (d.file, d.offset()));
}
