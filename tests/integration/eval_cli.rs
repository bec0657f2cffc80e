//! `rem eval` and `rem explain` as an operator runs them on the shipped examples.

use std::process::Command;

use crate::run::{Run, assert_run_snapshot, rem, run};

const NOW: &str = "2026-03-24T12:00:00+01:00";

/// `rem eval policies/` on `feed` at `NOW`.
fn eval_command(feed: &str, extra: &[&str]) -> Command {
    let mut cmd = rem();
    cmd.args(["eval", "policies/", "--feed", feed, "--now", NOW])
        .args(extra);
    cmd
}

/// A clean run of `rem eval policies/` on `feed` at `NOW`.
fn eval(feed: &str, extra: &[&str]) -> Run {
    let run = run(&mut eval_command(feed, extra));
    run.assert_code(0);
    run
}

#[test]
fn the_three_feed_formats_give_identical_actions() {
    let csv = eval("examples/bookings.csv", &["--explain"]).stdout();
    let jsonl = eval("examples/bookings.jsonl", &["--explain"]).stdout();
    let fhir = eval("examples/bookings.fhir.json", &["--explain"]).stdout();
    assert!(!csv.is_empty());
    assert_eq!(csv, jsonl, "CSV and JSON Lines differ");
    assert_eq!(csv, fhir, "CSV and FHIR differ");
}

#[test]
fn output_is_byte_identical_across_runs_and_from_a_compiled_plan() {
    let first = eval("examples/bookings.csv", &[]).output.stdout;
    let second = eval("examples/bookings.csv", &[]).output.stdout;
    assert_eq!(first, second);
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = dir.path().join("plan.json");
    run(rem().args(["compile", "policies/", "-o"]).arg(&plan)).assert_code(0);
    let from_plan =
        run(rem()
            .arg("eval")
            .arg(&plan)
            .args(["--feed", "examples/bookings.csv", "--now", NOW]));
    from_plan.assert_code(0);
    assert_eq!(from_plan.output.stdout, first);
}

/// The operator's view of the shipped examples: the actions, one line for each message not
/// sent and why, and the summary, whose counts add up and name no one.
#[test]
fn the_summary_counts_add_up_and_name_no_one() {
    let run = eval("examples/bookings.csv", &["--explain"]);
    let summary = run.stderr();
    let actions = run
        .stdout()
        .lines()
        .filter(|line| line.starts_with("{\"key\""))
        .count();
    let counted = summary
        .lines()
        .find_map(|line| line.strip_prefix("actions: "))
        .and_then(|rest| rest.split(' ').next())
        .expect("an actions line");
    assert_eq!(counted, actions.to_string(), "{summary}");
    for personal in ["+46", "+39", "P1001"] {
        assert!(!summary.contains(personal), "{summary}");
    }
    assert_run_snapshot!("eval_examples_explained", run);
}

#[test]
fn bad_rows_are_rejected_counted_and_listed_without_personal_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("actions.jsonl");
    let run = run(eval_command("tests/eval/bad-rows.csv", &["-o"]).arg(&out)).with_file(
        "actions.rejects.csv",
        &dir.path().join("actions.rejects.csv"),
    );
    let rejects = run.to_string();
    for personal in ["0701234567", "1990-02-30"] {
        assert!(!rejects.contains(personal), "{personal} leaked: {rejects}");
    }
    let actions = std::fs::read_to_string(&out).expect("actions");
    assert!(!actions.contains("BAD-") && !actions.contains("LATIN1"));
    assert_run_snapshot!("eval_bad_csv_rows", run);
}

#[test]
fn events_decide_fallbacks() {
    let without = eval("examples/bookings.csv", &[]).stdout();
    let with = eval(
        "examples/bookings.csv",
        &["--events", "examples/events.jsonl"],
    )
    .stdout();
    let paper_for_kf1 = |out: &str| {
        out.lines().any(|line| {
            let action: serde_json::Value = serde_json::from_str(line).expect("a JSON action");
            action["booking_id"] == "KF-1" && action["channel"] == "paper"
        })
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
    let jsonl = eval("examples/bookings.csv", &[]).stdout();
    let csv = eval("examples/bookings.csv", &["--output", "csv"]).stdout();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().expect("header").clone();
    assert_eq!(&headers[0], "key");
    assert_eq!(&headers[8], "send_at");
    assert_eq!(reader.records().count(), jsonl.lines().count());
}

#[test]
fn due_mode_on_the_command_line() {
    let run = run(rem()
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
        ]));
    assert_run_snapshot!("eval_due", run);
}

#[test]
fn a_feed_without_the_canonical_columns_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let feed = dir.path().join("short.csv");
    std::fs::write(&feed, "booking_id,start\nB1,2026-04-01T09:00:00+02:00\n").expect("write");
    let run = run(rem()
        .args(["eval", "policies/", "--now", NOW, "--feed"])
        .arg(&feed));
    assert_run_snapshot!("eval_feed_without_columns", run);
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
        let run = run(cmd.arg("policies/"));
        run.assert_code(0);
        assert!(
            !run.stdout().contains("+4670"),
            "explain printed a phone number"
        );
        assert_run_snapshot!(format!("explain_{booking}"), run);
    }
}

#[test]
fn explain_an_unknown_booking() {
    let run = run(rem().args([
        "explain",
        "NOPE",
        "--feed",
        "examples/bookings.csv",
        "--now",
        NOW,
        "policies/",
    ]));
    assert_run_snapshot!("explain_unknown_booking", run);
}

#[test]
fn bad_json_lines_are_rejected_with_their_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rejects = dir.path().join("rejects.csv");
    let run = run(eval_command("tests/eval/bad-rows.jsonl", &["--rejects"]).arg(&rejects))
        .with_file("rejects.csv", &rejects);
    assert!(
        !run.to_string().contains("4670123456"),
        "a phone number leaked into the rejects"
    );
    assert_run_snapshot!("eval_bad_json_lines", run);
}

#[test]
fn bad_fhir_entries_are_rejected_by_entry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rejects = dir.path().join("rejects.csv");
    let run = run(eval_command("tests/eval/bad-bundle.fhir.json", &["--rejects"]).arg(&rejects))
        .with_file("rejects.csv", &rejects);
    assert_run_snapshot!("eval_bad_fhir_entries", run);
}

#[test]
fn a_hand_edited_plan_that_cannot_run_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = dir.path().join("plan.json");
    run(rem()
        .args(["compile", "policies/vas-vardcentral.rem", "-o"])
        .arg(&plan))
    .assert_code(0);
    let text = std::fs::read_to_string(&plan).expect("plan");
    let edited = text.replacen("\"days\": 1", "\"days\": 999999", 1);
    assert_ne!(edited, text, "the plan has a day offset to edit");
    std::fs::write(&plan, edited).expect("write");
    let run =
        run(rem()
            .arg("eval")
            .arg(&plan)
            .args(["--feed", "examples/bookings.csv", "--now", NOW]));
    assert_run_snapshot!("eval_plan_that_cannot_run", run);
}
