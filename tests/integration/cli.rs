//! The `rem` binary as CI and policy authors run it: exit codes, streams, files.

use assert_cmd::Command;
use predicates::prelude::*;

fn rem() -> Command {
    let mut cmd = Command::cargo_bin("rem").expect("the rem binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    cmd
}

fn temp_policy(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.rem");
    std::fs::write(&path, text).expect("write policy");
    (dir, path)
}

const CLEAN: &str = "policy \"p\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n\n    reminder \"m\" {\n        send 1 day before at 10:00\n        via sms\n        to patient\n        template \"t\"\n    }\n}\n";

#[test]
fn check_shipped_policies_is_clean() {
    rem()
        .args(["check", "policies/"])
        .assert()
        .success()
        .stderr(predicate::str::contains("no problems"));
}

#[test]
fn check_reports_errors_on_stderr_with_exit_1() {
    rem()
        .args(["check", "tests/check/errors/fallback_sms_unopened.rem"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("rem::E055")
                .and(predicate::str::contains("fallback_sms_unopened.rem:9:")),
        );
}

#[test]
fn check_json_format_for_ci() {
    let output = rem()
        .args([
            "check",
            "--format",
            "json",
            "tests/check/errors/unknown_timezone.rem",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output).expect("JSON on stdout");
    assert_eq!(json["errors"], 1);
    assert_eq!(json["diagnostics"][0]["code"], "rem::E020");
    assert_eq!(
        json["diagnostics"][0]["help"],
        "did you mean `Europe/Stockholm`?"
    );
}

#[test]
fn warnings_pass_unless_denied() {
    let file = "tests/check/errors/warning_coinciding_offsets.rem";
    rem()
        .args(["check", file])
        .assert()
        .success()
        .stderr(predicate::str::contains("rem::W102"));
    rem()
        .args(["check", "--deny-warnings", file])
        .assert()
        .code(1);
}

#[test]
fn missing_path_is_a_usage_error() {
    rem()
        .args(["check", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no such file or folder: no/such/dir",
        ));
}

#[test]
fn non_utf8_file_is_reported_not_panicked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("latin1.rem");
    std::fs::write(&path, b"policy \"V\xe5rdcentral\" {}\n").expect("write");
    rem().arg("check").arg(&path).assert().code(2).stderr(
        predicate::str::contains("rem::E006").and(predicate::str::contains("is not UTF-8")),
    );
}

#[test]
fn compile_writes_the_plan_to_stdout_or_a_file() {
    let (_dir, path) = temp_policy(CLEAN);
    let stdout = rem()
        .arg("compile")
        .arg(&path)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan: rem::plan::Plan = serde_json::from_slice(&stdout).expect("a plan on stdout");
    assert_eq!(plan.policies[0].name, "p");

    let out = path.with_extension("json");
    rem()
        .arg("compile")
        .arg(&path)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    assert_eq!(std::fs::read(&out).expect("plan file"), stdout);
}

#[test]
fn compile_with_errors_writes_nothing() {
    let (_dir, path) = temp_policy("policy \"p\" {\n    clinic \"C\"\n}\n");
    let out = path.with_extension("json");
    rem()
        .arg("compile")
        .arg(&path)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    assert!(!out.exists());
}

#[test]
fn fmt_rewrites_in_place_and_check_lists_unformatted_files() {
    let messy = CLEAN
        .replace("    ", "  ")
        .replace("at 10:00\n", "at 10:00 // R5\n");
    let (_dir, path) = temp_policy(&messy);
    rem()
        .args(["fmt", "--check"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("policy.rem"));
    assert_eq!(std::fs::read_to_string(&path).expect("unchanged"), messy);
    rem().arg("fmt").arg(&path).assert().success();
    assert_eq!(
        std::fs::read_to_string(&path).expect("formatted"),
        CLEAN.replace("at 10:00\n", "at 10:00 // R5\n")
    );
    rem().args(["fmt", "--check"]).arg(&path).assert().success();
}

#[test]
fn fmt_refuses_files_with_syntax_errors() {
    let (_dir, path) = temp_policy("policy \"p\" {\n");
    rem()
        .arg("fmt")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("rem::E001"));
    assert_eq!(
        std::fs::read_to_string(&path).expect("unchanged"),
        "policy \"p\" {\n"
    );
}

#[test]
fn fmt_refuses_to_write_a_file_over_the_size_limit() {
    // Parses at just under 1 MiB; four-space indentation would take it over.
    let block = "policy \"p\" {\n  clinic \"A\"\n  units \"LAK\"\n}\n";
    let text = block.repeat((rem::parser::MAX_SOURCE_BYTES - 100) / block.len());
    let (_dir, path) = temp_policy(&text);
    rem()
        .arg("fmt")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("rem::E070"));
    assert!(std::fs::read_to_string(&path).expect("unchanged") == text);
}

#[test]
fn help_shows_examples() {
    rem().args(["check", "--help"]).assert().success().stdout(
        predicate::str::contains("Examples:").and(predicate::str::contains("--deny-warnings")),
    );
}

#[test]
fn garbage_input_never_panics() {
    let inputs = [
        "",
        "{{{{",
        "policy",
        "policy \"p\" { exclude \"x\" when ((((( }",
        "policy \"p\" { reminder \"r\" { send 99999999999999999999999 days before } }",
        "\u{feff}policy \"p\" {}",
        "policy \"p\" { window 99:99..00:00 }",
    ];
    for input in inputs {
        let (_dir, path) = temp_policy(input);
        let output = rem().arg("check").arg(&path).output().expect("runs");
        assert!(
            matches!(output.status.code(), Some(0..=2)),
            "{input:?} ended with {:?}",
            output.status
        );
        assert!(
            !String::from_utf8_lossy(&output.stderr).contains("panicked"),
            "{input:?} panicked"
        );
    }
}

/// A policy file may name anything in a `use`, and a path on the command line may be anything:
/// rem reads only regular `.rem` files, never more than a policy file may hold, and never shows
/// what another file holds.
mod untrusted_paths {
    use std::path::Path;
    use std::time::Duration;

    use predicates::prelude::*;

    use super::{rem, temp_policy};

    /// Long enough for a slow machine, short enough that a hang fails the test.
    const PROMPTLY: Duration = Duration::from_secs(30);

    fn mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .expect("mkfifo runs");
        assert!(status.success(), "mkfifo {}", path.display());
    }

    #[test]
    fn use_of_a_system_file_is_refused_and_not_shown() {
        for target in ["/etc/passwd", "../../../../../../../../etc/passwd"] {
            let (_dir, path) = temp_policy(&format!("use \"{target}\"\n"));
            let output = rem()
                .arg("check")
                .arg(&path)
                .timeout(PROMPTLY)
                .output()
                .expect("runs");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{target}: {stderr}");
            assert!(stderr.contains("rem::E007"), "{target}: {stderr}");
            assert!(!stderr.contains("root:"), "{target}: {stderr}");
        }
    }

    #[test]
    fn use_of_a_fifo_is_refused_without_waiting() {
        let (dir, path) = temp_policy("use \"pipe.rem\"\n");
        mkfifo(&dir.path().join("pipe.rem"));
        rem()
            .arg("check")
            .arg(&path)
            .timeout(PROMPTLY)
            .assert()
            .code(1)
            .stderr(
                predicate::str::contains("rem::E008")
                    .and(predicate::str::contains("pipe.rem` is not a regular file")),
            );
    }

    #[test]
    fn a_fifo_on_the_command_line_is_refused_without_waiting() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pipe = dir.path().join("pipe.rem");
        mkfifo(&pipe);
        rem()
            .arg("check")
            .arg(&pipe)
            .timeout(PROMPTLY)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("rem::E008"));
    }

    /// A sparse file of 2 GiB costs nothing on disk; reading it all would take seconds and
    /// 2 GiB of memory, so a prompt E009 shows that the limit holds while reading.
    #[test]
    fn a_file_over_the_limit_is_refused_without_reading_it_all() {
        let (dir, path) = temp_policy("use \"huge.rem\"\n");
        let huge = dir.path().join("huge.rem");
        std::fs::File::create(&huge)
            .and_then(|f| f.set_len(2 << 30))
            .expect("sparse file");
        rem()
            .arg("check")
            .arg(&huge)
            .timeout(PROMPTLY)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("rem::E009"));
        rem()
            .arg("check")
            .arg(&path)
            .timeout(PROMPTLY)
            .assert()
            .code(1)
            .stderr(
                predicate::str::contains("rem::E009")
                    .and(predicate::str::contains("policy.rem:1:5")),
            );
    }

    #[test]
    fn a_file_that_is_not_a_policy_is_not_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let notes = dir.path().join("notes.txt");
        std::fs::write(&notes, "secret: do not show\n").expect("write");
        rem().arg("check").arg(&notes).assert().code(2).stderr(
            predicate::str::contains("rem::E007").and(predicate::str::contains("secret").not()),
        );
    }
}
