//! `rem test` and `rem diff` as CI runs them.

use assert_cmd::Command;
use predicates::prelude::*;

fn rem() -> Command {
    let mut cmd = Command::cargo_bin("rem").expect("the rem binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    cmd
}

fn stdout(cmd: &mut Command, code: i32) -> String {
    let output = cmd.output().expect("rem runs");
    assert_eq!(
        output.status.code(),
        Some(code),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn a_passing_suite_prints_cargo_style_lines_and_exits_0() {
    let out = stdout(rem().args(["test", "tests/runner/passing"]), 0);
    assert!(out.contains("test tests/runner/passing/letters.test.toml :: R7: the letter goes to the inbox when the booking is made ... ok"));
    assert_eq!(out.lines().last(), Some("2 passed, 0 failed"));
}

#[test]
fn a_failing_suite_shows_expected_against_actual_at_the_test_line() {
    let out = stdout(rem().args(["test", "tests/runner/failing"]), 1);
    assert_eq!(out.lines().last(), Some("1 passed, 2 failed"));
    insta::assert_snapshot!(out);
}

#[test]
fn coverage_lists_what_no_test_exercised_and_can_fail_ci() {
    let out = stdout(
        rem().args(["test", "tests/runner/passing", "--coverage"]),
        0,
    );
    assert!(out.contains("coverage: 66.7% (4 of 6"), "{out}");
    assert!(
        out.contains("not exercised: tests/runner/passing/letters.rem:5:5  exclusion `quick-book`"),
        "{out}"
    );
    assert!(out.contains("not exercised: tests/runner/passing/letters.rem:11:9  complement `also paper` of letter `kallelse`"), "{out}");
    let below = stdout(
        rem().args(["test", "tests/runner/passing", "--min-coverage", "100"]),
        1,
    );
    assert!(
        below.contains("coverage 66.7% is below the required 100%"),
        "{below}"
    );
    stdout(
        rem().args(["test", "tests/runner/passing", "--min-coverage", "60"]),
        0,
    );
}

#[test]
fn junit_report_is_valid_xml_with_one_case_per_test() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("junit.xml");
    rem()
        .args(["test", "tests/runner/failing", "--junit"])
        .arg(&report)
        .assert()
        .code(1);
    let xml = std::fs::read_to_string(&report).expect("report written");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("a testsuite");
    assert_eq!(suite.attribute("tests"), Some("3"));
    assert_eq!(suite.attribute("failures"), Some("2"));
    let cases: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(cases.len(), 3);
    assert!(cases[1].starts_with("R7:"));
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failure");
    assert!(
        failure
            .attribute("message")
            .is_some_and(|m| m.contains("expected, not sent"))
    );
}

#[test]
fn json_report_for_ci() {
    let out = stdout(
        rem().args([
            "test",
            "tests/runner/failing",
            "--format",
            "json",
            "--coverage",
        ]),
        1,
    );
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["passed"], 1);
    assert_eq!(json["failed"], 2);
    assert_eq!(json["tests"][1]["line"], 13);
    assert_eq!(json["tests"][1]["passed"], false);
    assert_eq!(json["coverage"]["total"], 6);
}

#[test]
fn mistakes_in_a_test_file_point_at_the_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        "tests/runner/passing/letters.rem",
        dir.path().join("letters.rem"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join("letters.test.toml"),
        "[[test]]\nname = \"typo\"\nnow = \"2026-03-17T12:00:00+01:00\"\nbookings = [{ start = \"2026-04-15T09:00:00+02:00\", interpretr = true }]\n\n[[test]]\nname = \"unknown message\"\nnow = \"2026-03-17T12:00:00+01:00\"\nbookings = [{ start = \"2026-04-15T09:00:00+02:00\" }]\nsent = [{ message = \"kallelsen\" }]\n",
    )
    .expect("write");
    let out = stdout(rem().arg("test").arg(dir.path()), 1);
    assert!(
        out.contains("rem::E101") && out.contains("did you mean `interpreter`?"),
        "{out}"
    );
    assert!(
        out.contains("rem::E103") && out.contains("did you mean `kallelse`?"),
        "{out}"
    );
    assert!(out.contains("letters.test.toml:4:"), "{out}");
}

#[test]
fn the_shipped_policies_pass_their_tests_with_full_coverage() {
    let out = stdout(
        rem().args(["test", "policies/", "--min-coverage", "100"]),
        0,
    );
    assert!(out.contains(" 0 failed"), "{out}");
}

#[test]
fn diff_of_two_policy_versions_on_the_example_bookings() {
    let out = stdout(
        rem().args([
            "diff",
            "examples/diff/jonkoping-kf-pilot.rem",
            "policies/jonkoping-kf.rem",
            "--feed",
            "examples/bookings.csv",
            "--now",
            "2026-03-24T12:00:00+01:00",
        ]),
        1,
    );
    insta::assert_snapshot!(out);
}

#[test]
fn diff_without_changes_exits_0() {
    rem()
        .args([
            "diff",
            "policies/jonkoping-kf.rem",
            "policies/jonkoping-kf.rem",
            "--feed",
            "examples/bookings.csv",
        ])
        .args(["--now", "2026-03-24T12:00:00+01:00"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no changes for the 20 bookings"));
}

#[test]
fn diff_as_json() {
    let out = stdout(
        rem().args([
            "diff",
            "examples/diff/jonkoping-kf-pilot.rem",
            "policies/jonkoping-kf.rem",
            "--feed",
            "examples/bookings.jsonl",
            "--now",
            "2026-03-24T12:00:00+01:00",
            "--output",
            "json",
        ]),
        1,
    );
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["bookings_changed"], 5);
    assert_eq!(json["changes"][0]["booking_id"], "KF-1");
    assert_eq!(json["changes"][0]["change"], "added");
}
