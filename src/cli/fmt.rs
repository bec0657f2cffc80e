//! `rem fmt`: rewrite files in place, or list the unformatted ones with `--check`.

use std::path::PathBuf;

use rem::diagnostic::{self, Diagnostic};
use rem::source::{Program, SourceFile};

use super::{FAILED, OK, UNUSABLE, policy_files, read_text};

pub fn run(paths: &[PathBuf], check: bool) -> u8 {
    let files = match policy_files(paths) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return UNUSABLE;
        }
    };
    let mut status = OK;
    let mut unformatted = 0;
    for path in &files {
        let text = match read_text(path) {
            Ok(text) => text,
            Err(message) => {
                eprintln!("error: {message}");
                status = UNUSABLE;
                continue;
            }
        };
        match rem::fmt::format(&text) {
            Ok(formatted) if formatted == text => {}
            Ok(formatted) if check => {
                println!("{}", path.display());
                unformatted += 1;
                let _ = formatted;
            }
            Ok(formatted) => {
                if let Err(error) = std::fs::write(path, formatted) {
                    eprintln!("error: cannot write {}: {error}", path.display());
                    status = UNUSABLE;
                }
            }
            Err(error) => {
                let program = Program {
                    files: vec![SourceFile::new(path.to_string_lossy(), text)],
                    modules: Vec::new(),
                };
                let diagnostics = [Diagnostic::new(Some(0), error)];
                eprint!(
                    "{}",
                    diagnostic::render::human(&diagnostics, &program, false)
                );
                status = status.max(FAILED);
            }
        }
    }
    if check && unformatted > 0 {
        eprintln!(
            "{unformatted} file{} not formatted; run `rem fmt` on {}",
            super::plural(unformatted),
            if unformatted == 1 { "it" } else { "them" }
        );
        status = status.max(FAILED);
    }
    status
}
