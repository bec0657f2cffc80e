//! `rem test` and `rem diff` as CI runs them.

use crate::run::{Run, assert_run_snapshot, rem, rem_in, run};

/// `rem ARGS`, which must end with `code`.
fn rem_test(args: &[&str], code: i32) -> Run {
    let run = run(rem().args(args));
    run.assert_code(code);
    run
}

#[test]
fn a_passing_suite_prints_cargo_style_lines_and_exits_0() {
    let run = rem_test(&["test", "tests/runner/passing"], 0);
    assert_run_snapshot!("test_passing", run);
}

#[test]
fn a_failing_suite_shows_expected_against_actual_at_the_test_line() {
    let run = rem_test(&["test", "tests/runner/failing"], 1);
    assert_run_snapshot!("test_failing", run);
}

#[test]
fn coverage_lists_what_no_test_exercised_and_can_fail_ci() {
    let below = rem_test(
        &["test", "tests/runner/passing", "--min-coverage", "100"],
        1,
    );
    assert_run_snapshot!("test_below_min_coverage", below);
    // `--coverage` alone prints the same report and does not fail.
    let report = rem_test(&["test", "tests/runner/passing", "--coverage"], 0);
    let without_verdict: String = below
        .stdout()
        .lines()
        .filter(|line| !line.starts_with("coverage 66.7% is below"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(report.stdout(), without_verdict);
    rem_test(&["test", "tests/runner/passing", "--min-coverage", "60"], 0);
}

/// The report CI reads; what `rem test` prints beside it is `test_failing`'s.
#[test]
fn junit_report_is_valid_xml_with_one_case_per_test() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("junit.xml");
    run(rem()
        .args(["test", "tests/runner/failing", "--junit"])
        .arg(&report))
    .assert_code(1);
    let xml = std::fs::read_to_string(&report).expect("report written");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(cases, 3);
    insta::assert_snapshot!("test_junit_report", xml);
}

#[test]
fn json_report_for_ci() {
    let run = rem_test(
        &[
            "test",
            "tests/runner/failing",
            "--format",
            "json",
            "--coverage",
        ],
        1,
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON");
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
    let run = run(rem_in(dir.path()).args(["test", "."]));
    assert_run_snapshot!("test_file_with_mistakes", run);
}

#[test]
fn the_shipped_policies_pass_their_tests_with_full_coverage() {
    let run = rem_test(&["test", "policies/", "--min-coverage", "100"], 0);
    let stdout = run.stdout();
    let last = stdout.lines().last().unwrap_or_default();
    let passed = last
        .strip_suffix(" passed, 0 failed")
        .and_then(|n| n.parse::<usize>().ok());
    assert!(passed.is_some_and(|n| n > 0), "{run}");
}

#[test]
fn diff_of_two_policy_versions_on_the_example_bookings() {
    let run = rem_test(
        &[
            "diff",
            "examples/diff/jonkoping-kf-pilot.rem",
            "policies/jonkoping-kf.rem",
            "--feed",
            "examples/bookings.csv",
            "--now",
            "2026-03-24T12:00:00+01:00",
        ],
        1,
    );
    assert_run_snapshot!("diff_of_two_versions", run);
}

#[test]
fn diff_without_changes_exits_0() {
    let run = rem_test(
        &[
            "diff",
            "policies/jonkoping-kf.rem",
            "policies/jonkoping-kf.rem",
            "--feed",
            "examples/bookings.csv",
            "--now",
            "2026-03-24T12:00:00+01:00",
        ],
        0,
    );
    assert_run_snapshot!("diff_without_changes", run);
}

#[test]
fn diff_as_json() {
    let run = rem_test(
        &[
            "diff",
            "examples/diff/jonkoping-kf-pilot.rem",
            "policies/jonkoping-kf.rem",
            "--feed",
            "examples/bookings.jsonl",
            "--now",
            "2026-03-24T12:00:00+01:00",
            "--output",
            "json",
        ],
        1,
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON");
    assert_eq!(json["bookings_changed"], 5);
    assert_eq!(json["changes"][0]["booking_id"], "KF-1");
    assert_eq!(json["changes"][0]["change"], "added");
}
