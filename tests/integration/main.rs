//! Integration tests, one module per stage; fixtures live in `tests/<stage>/`.

#![expect(
    clippy::expect_used,
    reason = "a test fails loudly on a broken fixture"
)]

mod architecture;
mod check;
mod cli;
mod compile;
mod docs;
mod due;
mod editors;
mod engine;
mod engine_scenarios;
mod eval_cli;
mod faults;
mod feeds;
mod fhir_sources;
mod fmt;
mod gaps;
mod generate;
mod invariants;
mod load;
mod lsp;
mod malformed;
mod parse;
mod robustness;
mod run;
mod runner;
mod tasks;
mod wasm;
mod wasm_cli;
mod workbench;

use std::path::{Path, PathBuf};

/// A reader of one in-memory policy file: its text for any `.rem` path, and no other file
/// (a policy's template files, `templates/ID.toml`, are then not there).
pub fn only_rem(path: &Path, text: &[u8]) -> std::io::Result<Vec<u8>> {
    if path.extension().is_some_and(|e| e == "rem") {
        Ok(text.to_vec())
    } else {
        Err(std::io::ErrorKind::NotFound.into())
    }
}

/// Compiles one fixture under the name of its file alone, so snapshots carry no machine paths.
pub fn check_fixture(path: &Path) -> rem::Compiled {
    let dir = path.parent().expect("fixture has a folder").to_path_buf();
    let name = PathBuf::from(path.file_name().expect("fixture has a name"));
    rem::compile(&[name], |p| std::fs::read(dir.join(p)))
}

/// Every `.rem` file of the shipped policies.
pub fn policy_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/policies"))
            .expect("policies/ exists")
            .map(|e| e.expect("readable entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "rem"))
            .collect();
    files.sort();
    files
}
