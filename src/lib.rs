#![doc = include_str!("../ARCHITECTURE.md")]

pub mod ast;
pub mod booking;
pub mod check;
pub mod diagnostic;
pub mod diff;
pub mod engine;
pub mod events;
pub mod explain;
pub mod feed;
pub mod fmt;
pub mod gaps;
pub mod generate;
#[cfg(feature = "cli")]
pub mod lsp;
pub mod output;
pub mod parser;
pub mod plan;
pub mod recalls;
pub mod report;
pub mod schema;
pub mod source;
pub(crate) mod suggest;
pub mod testing;
pub mod wasm;
pub mod workbench;

use std::path::{Path, PathBuf};

use diagnostic::Diagnostic;
use plan::Plan;
use source::Program;

/// Policies compiled: the files read, the plan of every policy without errors, and every
/// diagnostic of every stage, sorted by file and position.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub program: Program,
    pub plan: Plan,
    pub diagnostics: Vec<Diagnostic>,
    /// Warnings the author silenced with `// rem: allow CODE`, listed apart.
    pub silenced: Vec<Diagnostic>,
}

impl Compiled {
    /// Whether any diagnostic is an error; a plan that came with errors must not be used.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Whether a file named or used could not be read at all.
    pub fn unreadable(&self) -> bool {
        self.diagnostics.iter().any(|d| d.file.is_none())
    }
}

/// The front door: loads the files and everything they `use` through `read`, checks them, and
/// compiles the plan (stages 0 to 3 of `ARCHITECTURE.md`). The command line passes a reader of
/// the file system; tests pass an in-memory one.
pub fn compile(roots: &[PathBuf], read: impl FnMut(&Path) -> std::io::Result<Vec<u8>>) -> Compiled {
    let (program, failures) = source::load(roots, read);
    let checked = check::check(&program);
    let mut diagnostics: Vec<Diagnostic> = failures.into_iter().map(Diagnostic::from).collect();
    diagnostics.extend(checked.errors.into_iter().map(Diagnostic::from));
    diagnostic::sort(&mut diagnostics);
    let mut silenced: Vec<Diagnostic> =
        checked.silenced.into_iter().map(Diagnostic::from).collect();
    diagnostic::sort(&mut silenced);
    Compiled {
        program,
        plan: checked.plan,
        diagnostics,
        silenced,
    }
}
