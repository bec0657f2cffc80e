//! `rem due` (R8, R9): the staff's list of services due, as a clinic reads it in the terminal,
//! in a spreadsheet and in a browser.

use std::process::Command;

use crate::run::{Run, assert_run_snapshot, rem, run};

const NOW: &str = "2026-04-05T12:00:00+02:00";

fn due(format: &str, extra: &[&str]) -> (Run, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd: Command = rem();
    cmd.args([
        "due",
        "tests/due/lab-and-vet.rem",
        "--services",
        "tests/due/services.csv",
        "--feed",
        "tests/due/bookings.csv",
        "--now",
        NOW,
        "--output",
        format,
        "--rejects",
    ])
    .arg(dir.path().join("rejects.csv"))
    .args(extra);
    (run(&mut cmd), dir)
}

#[test]
fn r09_the_table_lists_past_due_first_with_the_status_in_words() {
    let (run, dir) = due("table", &[]);
    // One services row has a birth date that is no date: rejected, counted, named by field.
    run.assert_code(3);
    let run = run.with_file("rejects.csv", &dir.path().join("rejects.csv"));
    assert_run_snapshot!("due_table", run);
}

#[test]
fn r09_csv_has_one_row_a_service_with_its_status() {
    let (run, _dir) = due("csv", &[]);
    let text = run.stdout();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "section,patient,service,recall,last performed,due,days,status"
    );
    assert!(rows.contains(
        &"Smådjurskliniken Exempel / Lab,P7,inr,INR,2026-02-01,2026-03-01,35 days ago,past due"
    ));
    // P2's INR test is booked in the booking feed; P1's second row replaced its first.
    assert!(
        rows.iter()
            .any(|r| r.contains(",P2,inr,") && r.ends_with(",booked"))
    );
    assert_eq!(rows.iter().filter(|r| r.contains(",P1,")).count(), 1);
    assert_run_snapshot!("due_csv", run);
}

#[test]
fn r09_the_html_page_is_well_formed_self_contained_and_escaped() {
    let (run, _dir) = due("html", &[]);
    let page = run.stdout();
    let body = page
        .strip_prefix("<!DOCTYPE html>\n")
        .expect("an HTML5 page");
    let doc = roxmltree::Document::parse(body).expect("well-formed");
    let cells: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("td") && n.attribute("class").is_some())
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(
        cells,
        ["past due", "due soon", "booked", "due soon", "due later"]
    );
    assert!(doc.descendants().any(|n| n.has_tag_name("caption")));
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"));
    assert_run_snapshot!("due_html", run);
}

#[test]
fn r09_statuses_can_be_chosen_and_the_list_is_the_same_every_run() {
    let (first, _a) = due("csv", &["--status", "overdue,due-soon"]);
    let (second, _b) = due("csv", &["--status", "overdue,due-soon"]);
    assert_eq!(first.output.stdout, second.output.stdout);
    let text = first.stdout();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(!text.contains("booked") && !text.contains("due later"));
}

#[test]
fn policies_without_a_recall_are_refused_with_what_to_write() {
    let run = run(rem().args([
        "due",
        "policies/vas-vardcentral.rem",
        "--services",
        "tests/due/services.csv",
    ]));
    run.assert_code(2);
    assert!(run.stderr().contains("write one"), "{}", run.stderr());
}

#[test]
fn r09_json_has_each_row_by_column_with_its_status_in_words_and_colour() {
    let (run, _dir) = due("json", &[]);
    let list: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON");
    assert_eq!(list["title"], "Services due");
    let rows: Vec<&serde_json::Value> = list["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s["rows"].as_array().expect("rows"))
        .collect();
    let p7 = rows
        .iter()
        .find(|r| r["patient"] == "P7")
        .expect("P7's INR test");
    assert_eq!(
        (&p7["due"], &p7["status"], &p7["colour"]),
        (
            &serde_json::json!("2026-03-01"),
            &serde_json::json!("past due"),
            &serde_json::json!("red")
        )
    );
    // The same rows as the CSV, in the same order.
    let (csv, _dir) = due("csv", &[]);
    assert_eq!(rows.len() + 1, csv.stdout().lines().count());
}
