//! Mistakes in a test file, pointing into it.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

#[derive(Debug, Clone, Error, Diagnostic, PartialEq)]
pub enum TestError {
    #[error("the test file is not valid TOML: {message}")]
    #[diagnostic(
        code(rem::E100),
        help("see docs/testing.md for the layout of a test file")
    )]
    Syntax {
        message: String,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("unknown booking field `{name}`")]
    #[diagnostic(code(rem::E101), help("{help}"))]
    UnknownColumn {
        name: String,
        #[label("not a booking field")]
        span: SourceSpan,
        help: String,
    },

    #[error("`{field}` {reason}")]
    #[diagnostic(
        code(rem::E102),
        help("see docs/testing.md and docs/feed-format.md for the values a field takes")
    )]
    BadValue {
        field: String,
        reason: String,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("no {what} named `{name}` in the policies under test")]
    #[diagnostic(code(rem::E103), help("{help}"))]
    UnknownName {
        what: String,
        name: String,
        #[label("in this expectation")]
        span: SourceSpan,
        help: String,
    },

    #[error("cannot read `{path}`: {reason}")]
    #[diagnostic(
        code(rem::E104),
        help("paths in a test file are relative to the test file")
    )]
    Unreadable {
        path: String,
        reason: String,
        #[label("named here")]
        span: SourceSpan,
    },
}
