//! Stage 0: which files a `use` may reach, and how what a `read` function gives is reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rem::diagnostic::Diagnostic;
use rem::source::{self, Program, Refusal};

const POLICY: &str = "policy \"p\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n}\n";

/// Loads `main.rem` from in-memory files, and lists the paths `read` was asked for.
fn load_main(files: &[(&str, &[u8])]) -> (Program, Vec<Diagnostic>, Vec<PathBuf>) {
    load_from("main.rem", files)
}

fn diagnostics(failures: Vec<(Option<usize>, rem::source::LoadFailure)>) -> Vec<Diagnostic> {
    failures.into_iter().map(Diagnostic::from).collect()
}

fn load_from(root: &str, files: &[(&str, &[u8])]) -> (Program, Vec<Diagnostic>, Vec<PathBuf>) {
    let files: BTreeMap<PathBuf, Vec<u8>> = files
        .iter()
        .map(|(path, bytes)| (PathBuf::from(path), bytes.to_vec()))
        .collect();
    let mut asked = Vec::new();
    let (program, failures) = source::load(&[PathBuf::from(root)], |path: &Path| {
        asked.push(path.to_path_buf());
        files
            .get(path)
            .cloned()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    });
    (program, diagnostics(failures), asked)
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(Diagnostic::code).collect()
}

#[test]
fn a_use_names_a_relative_rem_file_and_nothing_else_is_read() {
    for path in [
        "/etc/passwd",
        "/etc/policies/defaults.rem",
        "C:\\Policies\\defaults.rem",
        "c:defaults.rem",
        "\\\\server\\share\\defaults.rem",
        "\\defaults.rem",
    ] {
        let main = format!("use {path:?}\n{POLICY}");
        let (_, diagnostics, asked) = load_main(&[("main.rem", main.as_bytes())]);
        assert_eq!(codes(&diagnostics), ["rem::E007"], "{path}");
        assert!(
            diagnostics[0].error.to_string().contains("absolute"),
            "{path}"
        );
        assert_eq!(asked, [PathBuf::from("main.rem")], "{path} was read");
    }
    for path in [
        "../../etc/passwd",
        "defaults.txt",
        "shared/",
        ".rem",
        "defaults.REM",
    ] {
        let main = format!("use {path:?}\n{POLICY}");
        let (_, diagnostics, asked) = load_main(&[("main.rem", main.as_bytes())]);
        assert_eq!(codes(&diagnostics), ["rem::E007"], "{path}");
        assert!(
            diagnostics[0].error.to_string().contains("not a .rem file"),
            "{path}"
        );
        assert_eq!(asked, [PathBuf::from("main.rem")], "{path} was read");
    }
}

#[test]
fn a_use_may_go_up_a_folder_for_shared_defaults() {
    let defaults = b"defaults \"Region\" {\n    timezone \"Europe/Stockholm\"\n}\n";
    let (program, diagnostics, asked) = load_from(
        "clinic/main.rem",
        &[
            ("clinic/main.rem", b"use \"../shared/region.rem\"\n"),
            ("shared/region.rem", defaults),
        ],
    );
    assert!(diagnostics.is_empty(), "{:?}", codes(&diagnostics));
    assert_eq!(asked.last(), Some(&PathBuf::from("shared/region.rem")));
    assert_eq!(program.files.len(), 2);
    let (program, diagnostics, asked) = load_main(&[
        ("main.rem", b"use \"shared/../region.rem\"\n"),
        ("region.rem", defaults),
    ]);
    assert!(diagnostics.is_empty(), "{:?}", codes(&diagnostics));
    assert_eq!(asked.last(), Some(&PathBuf::from("region.rem")));
    assert_eq!(program.files.len(), 2);
}

#[test]
fn a_root_that_is_not_a_rem_file_is_not_read() {
    let mut asked = Vec::new();
    let (_, failures) = source::load(&[PathBuf::from("notes.txt")], |path: &Path| {
        asked.push(path.to_path_buf());
        Ok(b"secret".to_vec())
    });
    let diagnostics = diagnostics(failures);
    assert_eq!(codes(&diagnostics), ["rem::E007"]);
    assert!(asked.is_empty());
}

#[test]
fn refusals_of_the_read_function_keep_their_own_codes() {
    for (refusal, code) in [
        (Refusal::NotAFile, "rem::E008"),
        (Refusal::TooLarge, "rem::E009"),
    ] {
        let (_, failures) = source::load(&[PathBuf::from("main.rem")], |path: &Path| {
            if path == Path::new("main.rem") {
                Ok(format!("use \"other.rem\"\n{POLICY}").into_bytes())
            } else {
                Err(std::io::Error::other(refusal))
            }
        });
        let diagnostics = diagnostics(failures);
        assert_eq!(codes(&diagnostics), [code]);
        assert_eq!(diagnostics[0].file, Some(0), "points at the `use`");
    }
}

#[test]
fn an_os_error_shows_its_reason_and_no_content() {
    let (_, failures) = source::load(&[PathBuf::from("main.rem")], |_: &Path| {
        Err(std::io::Error::other("root:x:0:0:root:/root:/bin/bash"))
    });
    let diagnostics = diagnostics(failures);
    assert_eq!(codes(&diagnostics), ["rem::E005"]);
    assert!(!diagnostics[0].error.to_string().contains("root:"));
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_text() {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes
        .extend_from_slice(b"policy \"p\" {\n    timezone \"Nowhere/City\"\n    clinic \"C\"\n}\n");
    let (program, mut diagnostics, _) = load_main(&[("main.rem", &bytes)]);
    assert!(diagnostics.is_empty(), "{:?}", codes(&diagnostics));
    assert!(program.files[0].text.starts_with("policy"));
    diagnostics.extend(
        rem::check::check(&program)
            .errors
            .into_iter()
            .map(Diagnostic::from),
    );
    assert_eq!(codes(&diagnostics), ["rem::E020"]);
    let offset = diagnostics[0].offset().expect("a label");
    assert_eq!(
        &program.files[0].text[offset..offset + 14],
        "\"Nowhere/City\""
    );
    assert_eq!(program.files[0].line_col(offset), (2, 14));
    // The first line's columns count from after the mark, as an editor shows them.
    assert_eq!(program.files[0].line_col(7), (1, 8));
}

/// A file system that never ends (each `use` names a new, deeper file) cannot keep the
/// loader busy: it stops at `MAX_FILES` with an error at the `use`.
#[test]
fn a_use_chain_that_never_ends_is_stopped() {
    let (program, failures) = source::load(&[PathBuf::from("a/b.rem")], |_: &Path| {
        Ok(b"use \"a/b.rem\"\n".to_vec())
    });
    let diagnostics = diagnostics(failures);
    assert_eq!(program.files.len(), source::MAX_FILES);
    assert_eq!(codes(&diagnostics), ["rem::E018"]);
    assert!(diagnostics[0].file.is_some(), "points at the `use`");
}
