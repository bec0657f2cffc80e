//! `rem fmt`: rewrite files in place, or list the unformatted ones with `--check`.

use std::path::PathBuf;

use rem::diagnostic::{self, Diagnostic};
use rem::source::{Program, SourceFile};

use super::write::{self, say};
use super::{FAILED, OK, UNUSABLE, policy_files};

/// A policy file as text, read the safe way (a regular file within the size limit; see
/// `read.rs`), without a byte-order mark: the formatted file is written without one.
fn read_policy(path: &std::path::Path) -> Result<String, String> {
    let bytes = super::read::policy_file(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

pub fn run(paths: &[PathBuf], check: bool) -> u8 {
    let files = match policy_files(paths) {
        Ok(files) => files,
        Err(message) => {
            say!("error: {message}");
            return UNUSABLE;
        }
    };
    let mut status = OK;
    let mut unformatted = 0;
    let mut listed = String::new();
    for path in &files {
        let text = match read_policy(path) {
            Ok(text) => text,
            Err(message) => {
                say!("error: {message}");
                status = UNUSABLE;
                continue;
            }
        };
        match rem::fmt::format(&text) {
            Ok(formatted) if formatted == text => {}
            Ok(_) if check => {
                listed.push_str(&format!("{}\n", path.display()));
                unformatted += 1;
            }
            Ok(formatted) => {
                // Written beside the file and renamed over it: a full disk never leaves half a
                // policy.
                if let Err(error) = write::write_file(path, formatted.as_bytes()) {
                    status = status.max(error.report());
                }
            }
            Err(error) => {
                let program = Program {
                    files: vec![SourceFile::new(path.to_string_lossy(), text)],
                    modules: Vec::new(),
                };
                let diagnostics = [Diagnostic::new(Some(0), error)];
                write::say_text(&diagnostic::render::human(&diagnostics, &program, false));
                status = status.max(FAILED);
            }
        }
    }
    if let Err(error) = write::print(&listed) {
        return error.report();
    }
    if check && unformatted > 0 {
        say!(
            "{unformatted} file{} not formatted; run `rem fmt` on {}",
            super::plural(unformatted),
            if unformatted == 1 { "it" } else { "them" }
        );
        status = status.max(FAILED);
    }
    status
}
