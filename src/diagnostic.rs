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

    #[error("`{path}` is an absolute path")]
    #[diagnostic(
        code(rem::E007),
        help(
            "write the path relative to the file that has the `use`, e.g. `use \"shared/clinic-defaults.rem\"`"
        )
    )]
    AbsoluteUse {
        path: String,
        #[label("absolute")]
        span: Option<SourceSpan>,
    },

    #[error("`{path}` is not a .rem file")]
    #[diagnostic(
        code(rem::E007),
        help(
            "rem reads only policy files, whose names end in `.rem`; write e.g. `use \"shared/clinic-defaults.rem\"`, relative to the file that has the `use`"
        )
    )]
    NotRemFile {
        path: String,
        #[label("not a .rem file")]
        span: Option<SourceSpan>,
    },

    #[error("`{path}` is not a regular file")]
    #[diagnostic(
        code(rem::E008),
        help(
            "name a .rem file saved on disk; folders, pipes and devices are not read as policies"
        )
    )]
    NotRegularFile {
        path: String,
        #[label("used here")]
        span: Option<SourceSpan>,
    },

    #[error("`{path}` is larger than the {limit} bytes a policy file may have")]
    #[diagnostic(
        code(rem::E009),
        help("check that this is the file you meant; real policy files are a few kilobytes")
    )]
    TooLarge {
        path: String,
        limit: usize,
        #[label("used here")]
        span: Option<SourceSpan>,
    },
}

impl LoadError {
    /// Points the error at the `use` line that asked for the file.
    pub fn at(mut self, at: Span) -> Self {
        match &mut self {
            LoadError::Unreadable { span, .. }
            | LoadError::NotUtf8 { span, .. }
            | LoadError::AbsoluteUse { span, .. }
            | LoadError::NotRemFile { span, .. }
            | LoadError::NotRegularFile { span, .. }
            | LoadError::TooLarge { span, .. } => *span = Some(at.into()),
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
