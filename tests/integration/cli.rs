//! The `rem` binary as CI and policy authors run it: exit codes, streams, files.

use crate::run::{assert_run_snapshot, rem, rem_in, run};

fn temp_policy(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.rem");
    std::fs::write(&path, text).expect("write policy");
    (dir, path)
}

const CLEAN: &str = "policy \"p\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n\n    reminder \"m\" {\n        send 1 day before at 10:00\n        via sms\n        to patient\n        template \"t\"\n    }\n}\n";

#[test]
fn check_shipped_policies_is_clean() {
    let run = run(rem().args(["check", "policies/"]));
    run.assert_code(0);
    assert_run_snapshot!("check_shipped_policies", run);
}

#[test]
fn check_reports_errors_on_stderr_with_exit_1() {
    let run = run(rem().args(["check", "tests/check/errors/fallback_sms_unopened.rem"]));
    assert_run_snapshot!("check_error", run);
}

#[test]
fn check_json_format_for_ci() {
    let run = run(rem().args([
        "check",
        "--format",
        "json",
        "tests/check/errors/unknown_timezone.rem",
    ]));
    serde_json::from_slice::<serde_json::Value>(&run.output.stdout).expect("JSON on stdout");
    assert_run_snapshot!("check_json", run);
}

#[test]
fn warnings_pass_unless_denied() {
    let file = "tests/check/errors/warning_coinciding_offsets.rem";
    let allowed = run(rem().args(["check", file]));
    assert_run_snapshot!("check_warning", allowed);
    let denied = run(rem().args(["check", "--deny-warnings", file]));
    assert_run_snapshot!("check_warning_denied", denied);
}

#[test]
fn missing_path_is_a_usage_error() {
    let run = run(rem().args(["check", "no/such/dir"]));
    assert_run_snapshot!("check_missing_path", run);
}

#[test]
fn non_utf8_file_is_reported_not_panicked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("latin1.rem");
    std::fs::write(&path, b"policy \"V\xe5rdcentral\" {}\n").expect("write");
    let run = run(rem_in(dir.path()).args(["check", "latin1.rem"]));
    assert_run_snapshot!("check_non_utf8", run);
}

#[test]
fn compile_writes_the_plan_to_stdout_or_a_file() {
    let (_dir, path) = temp_policy(CLEAN);
    let to_stdout = run(rem().arg("compile").arg(&path));
    to_stdout.assert_code(0);
    let plan: rem::plan::Plan =
        serde_json::from_slice(&to_stdout.output.stdout).expect("a plan on stdout");
    assert_eq!(plan.policies[0].name, "p");

    let out = path.with_extension("json");
    let to_file = run(rem().arg("compile").arg(&path).arg("-o").arg(&out));
    to_file.assert_code(0);
    assert_eq!(to_file.stdout(), "");
    assert_eq!(
        std::fs::read(&out).expect("plan file"),
        to_stdout.output.stdout
    );
}

#[test]
fn compile_with_errors_writes_nothing() {
    let (_dir, path) = temp_policy("policy \"p\" {\n    clinic \"C\"\n}\n");
    let out = path.with_extension("json");
    let run = run(rem().arg("compile").arg(&path).arg("-o").arg(&out));
    assert_eq!(run.code(), Some(1));
    assert!(!out.exists());
}

#[test]
fn fmt_rewrites_in_place_and_check_lists_unformatted_files() {
    let messy = CLEAN
        .replace("    ", "  ")
        .replace("at 10:00\n", "at 10:00 // R5\n");
    let (dir, path) = temp_policy(&messy);
    let check = run(rem_in(dir.path()).args(["fmt", "--check", "policy.rem"]));
    assert_run_snapshot!("fmt_check_lists_the_file", check);
    assert_eq!(std::fs::read_to_string(&path).expect("unchanged"), messy);
    run(rem().arg("fmt").arg(&path)).assert_code(0);
    assert_eq!(
        std::fs::read_to_string(&path).expect("formatted"),
        CLEAN.replace("at 10:00\n", "at 10:00 // R5\n")
    );
    run(rem().args(["fmt", "--check"]).arg(&path)).assert_code(0);
}

#[test]
fn fmt_refuses_files_with_syntax_errors() {
    let (dir, path) = temp_policy("policy \"p\" {\n");
    let run = run(rem_in(dir.path()).args(["fmt", "policy.rem"]));
    assert_run_snapshot!("fmt_syntax_error", run);
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
    let (dir, path) = temp_policy(&text);
    let run = run(rem_in(dir.path()).args(["fmt", "policy.rem"]));
    assert_run_snapshot!("fmt_over_the_size_limit", run);
    assert!(std::fs::read_to_string(&path).expect("unchanged") == text);
}

#[test]
fn help_shows_examples() {
    let run = run(rem().args(["check", "--help"]));
    assert_run_snapshot!("check_help", run);
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
        let run = run(rem().arg("check").arg(&path));
        assert!(matches!(run.code(), Some(0..=2)), "{input:?}: {run}");
        assert!(!run.stderr().contains("panicked"), "{input:?} panicked");
    }
}

/// A policy file may name anything in a `use`, and a path on the command line may be anything:
/// rem reads only regular `.rem` files, never more than a policy file may hold, and never shows
/// what another file holds.
mod untrusted_paths {
    use std::path::Path;
    use std::time::Duration;

    use super::temp_policy;
    use crate::run::{Run, assert_run_snapshot, rem_in, run_within};

    /// Long enough for a slow machine, short enough that a hang fails the test.
    const PROMPTLY: Duration = Duration::from_secs(30);

    fn mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .expect("mkfifo runs");
        assert!(status.success(), "mkfifo {}", path.display());
    }

    /// `rem check NAME`, run in `dir`.
    fn check(dir: &Path, name: &str) -> Run {
        let mut cmd = rem_in(dir);
        cmd.args(["check", name]);
        run_within(cmd, PROMPTLY)
    }

    #[test]
    fn use_of_a_system_file_is_refused_and_not_shown() {
        for (name, target) in [
            ("use_absolute_path", "/etc/passwd"),
            ("use_path_outside", "../../../../../../../../etc/passwd"),
        ] {
            let (dir, _) = temp_policy(&format!("use \"{target}\"\n"));
            let run = check(dir.path(), "policy.rem");
            assert!(!run.stderr().contains("root:"), "{target}: {run}");
            assert_run_snapshot!(name, run);
        }
    }

    #[test]
    fn use_of_a_fifo_is_refused_without_waiting() {
        let (dir, _) = temp_policy("use \"pipe.rem\"\n");
        mkfifo(&dir.path().join("pipe.rem"));
        assert_run_snapshot!("use_fifo", check(dir.path(), "policy.rem"));
    }

    #[test]
    fn a_fifo_on_the_command_line_is_refused_without_waiting() {
        let dir = tempfile::tempdir().expect("temp dir");
        mkfifo(&dir.path().join("pipe.rem"));
        assert_run_snapshot!("check_fifo", check(dir.path(), "pipe.rem"));
    }

    /// A sparse file of 2 GiB costs nothing on disk; reading it all would take seconds and
    /// 2 GiB of memory, so a prompt E009 shows that the limit holds while reading.
    #[test]
    fn a_file_over_the_limit_is_refused_without_reading_it_all() {
        let (dir, _) = temp_policy("use \"huge.rem\"\n");
        let huge = dir.path().join("huge.rem");
        std::fs::File::create(&huge)
            .and_then(|f| f.set_len(2 << 30))
            .expect("sparse file");
        assert_run_snapshot!("check_huge_file", check(dir.path(), "huge.rem"));
        assert_run_snapshot!("use_huge_file", check(dir.path(), "policy.rem"));
    }

    #[test]
    fn a_file_that_is_not_a_policy_is_not_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("notes.txt"), "secret: do not show\n").expect("write");
        let run = check(dir.path(), "notes.txt");
        assert!(!run.stderr().contains("secret"), "{run}");
        assert_run_snapshot!("check_not_a_policy", run);
    }
}
