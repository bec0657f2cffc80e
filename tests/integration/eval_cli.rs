//! `rem eval` and `rem explain` as an operator runs them on the shipped examples.

use assert_cmd::Command;
use predicates::prelude::*;

const NOW: &str = "2026-03-24T12:00:00+01:00";

fn rem() -> Command {
    let mut cmd = Command::cargo_bin("rem").expect("the rem binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    cmd
}

/// The rejects file's rows, each as `prefix` and three of its columns joined by spaces.
fn reject_rows(text: &str, prefix: &str, columns: [usize; 3]) -> Vec<String> {
    text.lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            format!(
                "{prefix}{} {} {}",
                cols[columns[0]], cols[columns[1]], cols[columns[2]]
            )
        })
        .collect()
}

fn eval(feed: &str, extra: &[&str]) -> (Vec<u8>, String) {
    let output = rem()
        .args(["eval", "policies/", "--feed", feed, "--now", NOW])
        .args(extra)
        .output()
        .expect("rem runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.stdout,
        String::from_utf8(output.stderr).expect("UTF-8 summary"),
    )
}

#[test]
fn the_three_feed_formats_give_identical_actions() {
    let (csv, _) = eval("examples/bookings.csv", &["--explain"]);
    let (jsonl, _) = eval("examples/bookings.jsonl", &["--explain"]);
    let (fhir, _) = eval("examples/bookings.fhir.json", &["--explain"]);
    assert!(!csv.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&csv),
        String::from_utf8_lossy(&jsonl),
        "CSV and JSON Lines differ"
    );
    assert_eq!(
        String::from_utf8_lossy(&csv),
        String::from_utf8_lossy(&fhir),
        "CSV and FHIR differ"
    );
}

#[test]
fn output_is_byte_identical_across_runs_and_from_a_compiled_plan() {
    let (first, _) = eval("examples/bookings.csv", &[]);
    let (second, _) = eval("examples/bookings.csv", &[]);
    assert_eq!(first, second);
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = dir.path().join("plan.json");
    rem()
        .args(["compile", "policies/", "-o"])
        .arg(&plan)
        .assert()
        .success();
    let from_plan = rem()
        .arg("eval")
        .arg(&plan)
        .args(["--feed", "examples/bookings.csv", "--now", NOW])
        .output()
        .expect("runs");
    assert_eq!(from_plan.stdout, first);
}

#[test]
fn the_summary_counts_add_up_and_name_no_one() {
    let (stdout, summary) = eval("examples/bookings.csv", &[]);
    assert!(
        summary.contains("rows read: 20 (20 evaluated, 0 rejected)"),
        "{summary}"
    );
    let actions = String::from_utf8(stdout).expect("UTF-8").lines().count();
    assert!(
        summary.contains(&format!("actions: {actions} ")),
        "{summary}"
    );
    assert!(
        !summary.contains("+46") && !summary.contains("+39") && !summary.contains("P1001"),
        "{summary}"
    );
}

#[test]
fn bad_rows_are_rejected_counted_and_listed_without_personal_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("actions.jsonl");
    let assert = rem()
        .args([
            "eval",
            "policies/",
            "--feed",
            "tests/eval/bad-rows.csv",
            "--now",
            NOW,
            "-o",
        ])
        .arg(&out)
        .assert()
        .code(3);
    let summary = String::from_utf8(assert.get_output().stderr.clone()).expect("UTF-8");
    assert!(
        summary.contains("rows read: 10 (3 evaluated, 7 rejected)"),
        "{summary}"
    );
    let rejects = std::fs::read_to_string(dir.path().join("actions.rejects.csv"))
        .expect("rejects beside the output");
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines[0], "input,line,entry,booking_id,field,code,reason");
    let fields = reject_rows(&rejects, "", [1, 3, 4]);
    assert_eq!(
        fields,
        [
            "3 BAD-DATE start",
            "4 BAD-KIND kind",
            "5 NO-CLINIC clinic",
            "6 BAD-PHONE mobile",
            "7 BAD-BIRTH birth_date",
            "8  ",
            "10 LATIN1 unit",
        ]
    );
    assert!(rejects.contains("broken quoting"));
    assert!(
        !rejects.contains("0701234567"),
        "a phone number leaked into the rejects"
    );
    assert!(
        !rejects.contains("1990-02-30"),
        "a birth date leaked into the rejects"
    );
    let actions = std::fs::read_to_string(&out).expect("actions");
    assert!(!actions.contains("BAD-") && !actions.contains("LATIN1"));
}

#[test]
fn events_decide_fallbacks() {
    let (without, _) = eval("examples/bookings.csv", &[]);
    let (with, _) = eval(
        "examples/bookings.csv",
        &["--events", "examples/events.jsonl"],
    );
    let paper_for_kf1 = |out: &[u8]| {
        String::from_utf8_lossy(out)
            .lines()
            .any(|l| l.contains("\"KF-1\"") && l.contains("\"paper\""))
    };
    assert!(
        paper_for_kf1(&without),
        "no opened event: KF-1 gets the paper letter (R12)"
    );
    assert!(
        !paper_for_kf1(&with),
        "opened within three days: no paper letter"
    );
}

#[test]
fn csv_output_has_a_header_and_one_row_an_action() {
    let (jsonl, _) = eval("examples/bookings.csv", &[]);
    let (csv, _) = eval("examples/bookings.csv", &["--output", "csv"]);
    let csv = String::from_utf8(csv).expect("UTF-8");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().expect("header").clone();
    assert_eq!(&headers[0], "key");
    assert_eq!(&headers[8], "send_at");
    assert_eq!(
        reader.records().count(),
        String::from_utf8_lossy(&jsonl).lines().count()
    );
}

#[test]
fn due_mode_on_the_command_line() {
    let output = rem()
        .args([
            "eval",
            "policies/",
            "--feed",
            "examples/bookings.csv",
            "--mode",
            "due",
        ])
        .args([
            "--since",
            "2026-03-24T09:00:00+01:00",
            "--now",
            "2026-03-24T10:00:00+01:00",
        ])
        .output()
        .expect("runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let ids: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split("\"booking_id\":\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(ids, ["KF-4"], "{stdout}");
}

#[test]
fn a_feed_without_the_canonical_columns_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let feed = dir.path().join("short.csv");
    std::fs::write(&feed, "booking_id,start\nB1,2026-04-01T09:00:00+02:00\n").expect("write");
    rem()
        .args(["eval", "policies/", "--now", NOW, "--feed"])
        .arg(&feed)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("rem::E091")
                .or(predicate::str::contains("has no columns patient_id")),
        );
}

#[test]
fn explain_points_at_the_policy_lines() {
    for (booking, events) in [
        ("VAS-2", false),
        ("VAS-3", false),
        ("KF-1", true),
        ("VAS-8", false),
    ] {
        let mut cmd = rem();
        cmd.args([
            "explain",
            booking,
            "--feed",
            "examples/bookings.csv",
            "--now",
            NOW,
        ]);
        if events {
            cmd.args(["--events", "examples/events.jsonl"]);
        }
        let output = cmd.arg("policies/").output().expect("runs");
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8(output.stdout).expect("UTF-8");
        assert!(!text.contains("+4670"), "explain printed a phone number");
        insta::assert_snapshot!(format!("explain_{booking}"), text);
    }
}

#[test]
fn explain_an_unknown_booking() {
    rem()
        .args([
            "explain",
            "NOPE",
            "--feed",
            "examples/bookings.csv",
            "--now",
            NOW,
            "policies/",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no booking `NOPE`"));
}

#[test]
fn bad_json_lines_are_rejected_with_their_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rejects = dir.path().join("rejects.csv");
    let assert = rem()
        .args([
            "eval",
            "policies/",
            "--feed",
            "tests/eval/bad-rows.jsonl",
            "--now",
            NOW,
            "--rejects",
        ])
        .arg(&rejects)
        .assert()
        .code(3);
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).expect("UTF-8");
    assert!(
        stdout.contains("\"J-OK\""),
        "the good row is still evaluated"
    );
    let text = std::fs::read_to_string(&rejects).expect("rejects");
    let rows = reject_rows(&text, "", [1, 3, 4]);
    assert_eq!(
        rows,
        [
            "2 J-TYPE reminder",
            "3 J-PHONE mobile",
            "4  ",
            "5 J-NOPATIENT birth_date"
        ]
    );
    assert!(
        !text.contains("4670123456"),
        "a phone number leaked into the rejects"
    );
}

#[test]
fn bad_fhir_entries_are_rejected_by_entry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rejects = dir.path().join("rejects.csv");
    rem()
        .args([
            "eval",
            "policies/",
            "--feed",
            "tests/eval/bad-bundle.fhir.json",
            "--now",
            NOW,
            "--rejects",
        ])
        .arg(&rejects)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "rows read: 4 (1 evaluated, 3 rejected)",
        ));
    let text = std::fs::read_to_string(&rejects).expect("rejects");
    let rows = reject_rows(&text, "entry ", [2, 3, 4]);
    assert_eq!(
        rows,
        [
            "entry 2 F-ERROR status",
            "entry 3 F-ORPHAN patient_id",
            "entry 4 F-DATEONLY created"
        ]
    );
}

#[test]
fn a_hand_edited_plan_that_cannot_run_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = dir.path().join("plan.json");
    rem()
        .args(["compile", "policies/vas-vardcentral.rem", "-o"])
        .arg(&plan)
        .assert()
        .success();
    let text = std::fs::read_to_string(&plan).expect("plan");
    let edited = text.replacen("\"days\": 1", "\"days\": 999999", 1);
    assert_ne!(edited, text, "the plan has a day offset to edit");
    std::fs::write(&plan, edited).expect("write");
    rem()
        .arg("eval")
        .arg(&plan)
        .args(["--feed", "examples/bookings.csv", "--now", NOW])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("rem::E081").and(predicate::str::contains("beyond 3660 days")),
        );
}
