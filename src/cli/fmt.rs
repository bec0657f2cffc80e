//! `rem fmt`: rewrite files in place, or list the unformatted ones with `--check`.

use std::path::PathBuf;

use rem::diagnostic::{self, Diagnostic};
use rem::source::{Program, SourceFile};

use super::exit::{Exit, Failure, Outcome};
use super::policy_files;
use super::write::{self, say};

pub fn run(paths: &[PathBuf], check: bool) -> Outcome {
    let files = policy_files(paths).map_err(Failure::Message)?;
    let mut status = Exit::Ok;
    let mut unformatted = Vec::new();
    for path in &files {
        // Read the safe way (a regular file within the size limit); the formatted file is
        // written without a byte-order mark.
        let text = match super::read::policy_file_text(path) {
            Ok(text) => text,
            Err(message) => {
                say!("error: {message}");
                status = status.max(Exit::Unusable);
                continue;
            }
        };
        match rem::fmt::format(&text) {
            Ok(formatted) if formatted == text => {}
            Ok(_) if check => unformatted.push(path),
            Ok(formatted) => {
                // Written beside the file and renamed over it: a full disk never leaves half a
                // policy.
                if let Err(error) = write::write_file(path, formatted.as_bytes()) {
                    status = status.max(Failure::from(error).report());
                }
            }
            Err(error) => {
                report_format_error(path, text, error);
                status = status.max(Exit::Failed);
            }
        }
    }
    let listed: String = unformatted
        .iter()
        .map(|p| format!("{}\n", p.display()))
        .collect();
    write::print(&listed)?;
    if !unformatted.is_empty() {
        let n = unformatted.len();
        say!(
            "{n} file{} not formatted; run `rem fmt` on {}",
            super::plural(n),
            if n == 1 { "it" } else { "them" }
        );
        status = status.max(Exit::Failed);
    }
    Ok(status)
}

/// A file that cannot be formatted, as a diagnostic on its text.
fn report_format_error(path: &std::path::Path, text: String, error: rem::fmt::FormatError) {
    let program = Program {
        files: vec![SourceFile::new(path.to_string_lossy(), text)],
        ..Program::default()
    };
    let diagnostics = [Diagnostic::new(Some(0), error)];
    write::say_text(&diagnostic::render::human(&diagnostics, &program, false));
}
