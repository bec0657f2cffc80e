//! `rem tasks` (R10): the staff's task list per unit and day, as a clinic reads it in the
//! terminal, in a spreadsheet and in a browser.

use crate::run::{Run, assert_run_snapshot, rem, run};

const NOW: &str = "2026-04-10T12:00:00+02:00";

fn tasks(output: &str, extra: &[&str]) -> Run {
    run(rem()
        .args(["tasks", "policies/", "--feed", "examples/vet-bookings.csv"])
        .args(["--now", NOW, "--output", output])
        .args(extra))
}

#[test]
fn r10_the_task_list_is_per_unit_and_day_and_waits_for_the_window() {
    let run = tasks("table", &[]);
    run.assert_code(0);
    let text = run.stdout();
    // The operation on Friday 17 April at 09:30: the call is on Monday at 08:00 (window
    // weekdays 08:00-17:00); a cancelled operation and a vaccination give no task.
    assert!(text.contains("2026-04-20  08:00  VET-102"), "{text}");
    assert!(
        !text.contains("VET-103") && !text.contains("VET-105"),
        "{text}"
    );
    assert_run_snapshot!("tasks_table", run);
}

#[test]
fn r10_units_and_days_can_be_chosen() {
    let run = tasks(
        "csv",
        &[
            "--unit",
            "Smådjur",
            "--from",
            "2026-04-18",
            "--to",
            "2026-04-24",
        ],
    );
    run.assert_code(0);
    assert_eq!(
        run.stdout(),
        "section,day,time,booking,task,what to do,policy\nUnit Smådjur,2026-04-20,08:00,VET-102,ring kunden efter operationen,Ring kunden och fråga hur djuret mår efter operationen 2026-04-17.,Uppföljning efter operation\n"
    );
}

#[test]
fn r10_the_html_page_is_well_formed_and_self_contained() {
    let run = tasks("html", &[]);
    run.assert_code(0);
    let page = run.stdout();
    let doc = roxmltree::Document::parse(page.strip_prefix("<!DOCTYPE html>\n").expect("HTML5"))
        .expect("well-formed");
    let headings: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("h2"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(headings, ["Unit Akut", "Unit Smådjur"]);
    let rows = doc.descendants().filter(|n| n.has_tag_name("tr")).count();
    assert_eq!(rows, 2 + 3, "a header row per unit and three tasks");
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"));
}

#[test]
fn a_rejected_row_is_counted_and_listed_and_the_rest_is_listed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let feed = dir.path().join("feed.csv");
    let mut text = std::fs::read_to_string("examples/vet-bookings.csv").expect("feed");
    text.push_str("VET-BAD,HUND-9,Smådjurskliniken Exempel,Smådjur,surgery,single,,,staff,booked,,tomorrow,2026-04-01T10:00:00+02:00,true,2018-03-03,personal,+46701234589,,true,false,clinic,false,false,false,sv,,,,,\n");
    std::fs::write(&feed, text).expect("written");
    let run = run(rem()
        .args(["tasks", "policies/", "--now", NOW, "--feed"])
        .arg(&feed));
    run.assert_code(3);
    assert!(
        run.stderr().contains("booking rows read: 6 (1 rejected)"),
        "{}",
        run.stderr()
    );
    assert!(run.stdout().contains("VET-101"));
    let rejects = std::fs::read_to_string(dir.path().join("feed.rejects.csv")).expect("rejects");
    assert!(
        rejects.contains("VET-BAD") && rejects.contains("not_a_time"),
        "{rejects}"
    );
}

#[test]
fn every_command_has_help() {
    for command in [
        "check", "compile", "build", "eval", "explain", "due", "tasks", "test", "diff", "fmt",
    ] {
        let run = run(rem().args([command, "--help"]));
        run.assert_code(0);
        assert!(run.stdout().contains("Usage"), "{command}");
    }
}

/// `rem render` (R19): each action's text in the patient's language, with its SMS cost, and
/// never an address.
#[test]
fn r19_render_shows_each_text_in_the_patients_language() {
    let run = run(rem().args([
        "render",
        "policies/",
        "--feed",
        "examples/vet-bookings.csv",
        "--now",
        NOW,
        "--booking",
        "VET-101",
    ]));
    run.assert_code(0);
    let text = run.stdout();
    assert!(
        text.contains("language sv · template bokningspaminnelse-epost"),
        "{text}"
    );
    assert!(text.contains("(1 SMS, 108 characters in GSM-7)"), "{text}");
    assert!(
        !text.contains("+4670") && !text.contains("@example"),
        "{text}"
    );
    assert_run_snapshot!("render_text", run);
}

#[test]
fn r10_json_lists_the_same_tasks_by_column() {
    let run = tasks("json", &["--unit", "Smådjur", "--from", "2026-04-18"]);
    run.assert_code(0);
    let list: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON");
    assert_eq!(list["sections"][0]["heading"], "Unit Smådjur");
    let first = &list["sections"][0]["rows"][0];
    assert_eq!(
        (&first["day"], &first["time"], &first["booking"]),
        (
            &serde_json::json!("2026-04-20"),
            &serde_json::json!("08:00"),
            &serde_json::json!("VET-102")
        )
    );
    assert!(first.get("status").is_none(), "a task has no status");
}
