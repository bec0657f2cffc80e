//! How a command ends: its exit status, and the one error type of the command line.

use super::write::{WriteError, say};

/// The exit status of `rem`, documented in `--help` and `docs/output-format.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Done: the policies are clean, the tests passed, nothing changed.
    Ok = 0,
    /// The policies have errors (or warnings, with `--deny-warnings`), a test failed, a file is
    /// not formatted, or `rem diff` found changes.
    Failed = 1,
    /// The command could not run (a file that cannot be read, a feed or plan that cannot be
    /// used) or could not write its output (a full disk, a closed pipe).
    Unusable = 2,
    /// `rem eval` is done, but rows were rejected (see the rejects file).
    Rejected = 3,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// Why a command stopped before it was done. Each is reported once, by [`Failure::report`],
/// where the command ends.
#[derive(Debug)]
pub enum Failure {
    /// Said in one sentence: a path that does not exist, a name that cannot be told apart.
    Message(String),
    /// A report with a code and help: a feed or a plan that cannot be used; `file` names the
    /// input it is about.
    Report {
        file: Option<String>,
        report: Box<dyn miette::Diagnostic + Send + Sync>,
    },
    /// An output that cannot be written.
    Write(WriteError),
    /// Already reported (the policies' diagnostics, a failed test): only the status is left.
    Reported(Exit),
}

impl Failure {
    pub fn message(text: impl Into<String>) -> Failure {
        Failure::Message(text.into())
    }

    /// A report about one input file.
    pub fn about(
        file: impl std::fmt::Display,
        report: impl miette::Diagnostic + Send + Sync + 'static,
    ) -> Failure {
        Failure::Report {
            file: Some(file.to_string()),
            report: Box::new(report),
        }
    }

    pub fn report_of(report: impl miette::Diagnostic + Send + Sync + 'static) -> Failure {
        Failure::Report {
            file: None,
            report: Box::new(report),
        }
    }

    /// Says what went wrong on standard error, and gives the exit status for it.
    pub fn report(self) -> Exit {
        match self {
            Failure::Message(text) => {
                say!("error: {text}");
                Exit::Unusable
            }
            Failure::Report { file, report } => {
                if let Some(file) = file {
                    say!("error in {file}:");
                }
                super::report_error(report.as_ref());
                Exit::Unusable
            }
            Failure::Write(error) => {
                say!("error: {error}");
                Exit::Unusable
            }
            Failure::Reported(exit) => exit,
        }
    }
}

impl From<WriteError> for Failure {
    fn from(error: WriteError) -> Failure {
        Failure::Write(error)
    }
}

/// The outcome of a command: how it ended, or why it stopped.
pub type Outcome = Result<Exit, Failure>;
