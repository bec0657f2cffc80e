//! Mistakes in a test file, pointing into it. Each variant holds the facts; its words, help
//! included, are written here.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::check::suggest::{did_you_mean, quoted};

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
    #[diagnostic(
        code(rem::E101),
        help(
            "{}",
            did_you_mean(
                .suggestion,
                "the fields are the columns of the booking feed, see docs/feed-format.md"
            )
        )
    )]
    UnknownColumn {
        name: String,
        #[label("not a booking field")]
        span: SourceSpan,
        /// The column whose name is closest, if one is close enough to be a likely typo.
        suggestion: Option<String>,
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
    #[diagnostic(
        code(rem::E103),
        help(
            "{}",
            did_you_mean(.suggestion, format!("the {what}s are {}", quoted(.known)))
        )
    )]
    UnknownName {
        /// "message", "policy", "channel" or "recipient".
        what: String,
        name: String,
        #[label("in this expectation")]
        span: SourceSpan,
        /// The names there are.
        known: Vec<String>,
        suggestion: Option<String>,
    },

    #[error("no reason named `{name}` in the policies under test")]
    #[diagnostic(
        code(rem::E103),
        help(
            "{}",
            did_you_mean(
                .suggestion,
                "the reasons are the codes listed in docs/output-format.md, and the names of the policies' exclusions"
            )
        )
    )]
    UnknownReason {
        name: String,
        #[label("in this expectation")]
        span: SourceSpan,
        suggestion: Option<String>,
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
