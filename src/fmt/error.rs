//! Why a file cannot be formatted.

use miette::Diagnostic;
use thiserror::Error;

use crate::parser::ParseError;

#[derive(Debug, Clone, Error, Diagnostic, PartialEq)]
pub enum FormatError {
    /// The file does not parse, so there is nothing to format.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(#[from] ParseError),

    #[error(
        "the formatted file would be {size} bytes, more than the {limit} bytes a policy file may have"
    )]
    #[diagnostic(
        code(rem::E070),
        help(
            "split the policies over several files of a few kilobytes each; they can share one file of `defaults` through `use`"
        )
    )]
    TooLarge { size: usize, limit: usize },

    /// The formatted text would not parse to the same tree, or lost a comment: a bug in the
    /// formatter, caught before it could change a policy.
    #[error("internal error in the formatter: {0}")]
    #[diagnostic(
        code(rem::E000),
        help(
            "this is a bug in rem, not in your policy, and the file was left as it was; please report it with the file that caused it"
        )
    )]
    Internal(String),
}
