//! `rem gen` (issue 12): a synthetic feed that rem reads without a reject, the same in every
//! format, the same for the same seed.

use crate::run::{rem, run};

const NOW: &str = "2026-03-24T12:00:00+01:00";
const POLICIES: [&str; 2] = ["policies/vas-vardcentral.rem", "policies/jonkoping-kf.rem"];

fn generate(dir: &std::path::Path, format: &str, seed: &str) -> (String, String) {
    let name = match format {
        "csv" => "bookings.csv",
        "jsonl" => "bookings.jsonl",
        _ => "bookings.json",
    };
    let out = dir.join(format!("{seed}-{name}"));
    let events = dir.join(format!("{seed}-{format}-events.jsonl"));
    run(rem()
        .arg("gen")
        .args(POLICIES)
        .args([
            "-n", "3000", "--seed", seed, "--now", NOW, "--format", format, "-o",
        ])
        .arg(&out)
        .arg("--events")
        .arg(&events))
    .assert_code(0);
    let read = |p: &std::path::Path| std::fs::read_to_string(p).expect("written");
    (read(&out), read(&events))
}

fn eval(dir: &std::path::Path, feed: &str, events: &str) -> (String, String) {
    let run = run(rem()
        .arg("eval")
        .args(POLICIES)
        .arg("--feed")
        .arg(dir.join(feed))
        .arg("--events")
        .arg(dir.join(events))
        .args(["--now", NOW, "--explain"])
        .arg("--rejects")
        .arg(dir.join(format!("{feed}.rejects.csv"))));
    // Exit 0: not one row rejected (warnings, for the unusable numbers, do not count).
    run.assert_code(0);
    (run.stdout(), run.stderr())
}

#[test]
fn the_same_seed_gives_the_same_feed_byte_for_byte_and_another_seed_another() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = generate(dir.path(), "csv", "7");
    let again = generate(dir.path(), "csv", "7");
    assert_eq!(first, again);
    assert_ne!(first.0, generate(dir.path(), "csv", "8").0);
    assert_eq!(first.0.lines().count(), 3001, "a header and 3000 bookings");
}

/// R1, R11, R12, R14, R17: the generated feed exercises the rules: every format reads without
/// a reject and gives the same actions, and the mix reaches guardians, paper complements,
/// fallbacks settled by `opened` events and unusable numbers.
#[test]
fn every_format_reads_without_a_reject_and_gives_the_same_actions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, csv_events) = generate(dir.path(), "csv", "3");
    let (_, jsonl_events) = generate(dir.path(), "jsonl", "3");
    let (_, fhir_events) = generate(dir.path(), "fhir", "3");
    assert_eq!(csv_events, jsonl_events);
    assert_eq!(csv_events, fhir_events);
    let (csv, summary) = eval(dir.path(), "3-bookings.csv", "3-csv-events.jsonl");
    let (jsonl, _) = eval(dir.path(), "3-bookings.jsonl", "3-jsonl-events.jsonl");
    let (fhir, _) = eval(dir.path(), "3-bookings.json", "3-fhir-events.jsonl");
    assert_eq!(csv, jsonl, "CSV and JSON Lines differ");
    assert_eq!(csv, fhir, "CSV and FHIR differ");
    for wanted in [
        "\"recipient\":\"guardian1\"",
        "\"recipient\":\"guardian2\"",
        "\"channel\":\"paper\"",
        "\"reason\":\"opened_in_time\"",
        "\"reason\":\"invalid_mobile\"",
        "\"reason\":\"cancelled\"",
        "\"reason\":\"no_policy\"",
    ] {
        assert!(csv.contains(wanted), "no line with {wanted}\n{summary}");
    }
    assert!(
        summary.contains("rows read: 3000 (3000 evaluated, 0 rejected)"),
        "{summary}"
    );
}

/// Issue 12: `--threads` cuts the feed into chunks evaluated side by side; the output, the
/// rejects file and the summary are byte for byte those of one thread, also when ids repeat
/// across chunks (one id a booking), rows are broken, group rows (R17) are held and lines end
/// in CRLF. And they are those of the row-by-row reader (which the wasm backend uses), which
/// applies the whole-feed rules one row at a time.
#[test]
fn several_threads_give_byte_for_byte_what_one_thread_gives() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("many.csv");
    run(rem()
        .arg("gen")
        .args(POLICIES)
        .args(["-n", "12000", "--seed", "5", "--now", NOW, "-o"])
        .arg(&path))
    .assert_code(0);
    let text = std::fs::read_to_string(&path).expect("written");
    let lines: Vec<&str> = text.lines().collect();
    let mut messy: Vec<String> = lines.iter().map(|l| (*l).to_string()).collect();
    // A row repeated in a later chunk, one repeated at once, a broken row, a blank line.
    messy.insert(9000, lines[2].to_string());
    messy.insert(40, lines[39].to_string());
    messy.insert(5000, "G-broken,P,\"unclosed".to_string());
    messy.insert(7000, String::new());
    let crlf: String = messy.iter().map(|l| format!("{l}\r\n")).collect();
    std::fs::write(&path, crlf).expect("written");
    let jsonl = dir.path().join("many.jsonl");
    run(rem()
        .arg("gen")
        .args(POLICIES)
        .args([
            "-n", "12000", "--seed", "6", "--now", NOW, "--format", "jsonl", "-o",
        ])
        .arg(&jsonl))
    .assert_code(0);
    for feed in [&path, &jsonl] {
        let eval = |threads: &str, output: &str| {
            let rejects = dir.path().join("rejects.csv");
            let (backend, threads) = match threads {
                "row by row" => ("wasm", "1"),
                threads => ("native", threads),
            };
            let run = run(rem()
                .arg("eval")
                .args(POLICIES)
                .args(["--backend", backend])
                .arg("--feed")
                .arg(feed)
                .args([
                    "--now",
                    NOW,
                    "--explain",
                    "--threads",
                    threads,
                    "--output",
                    output,
                ])
                .arg("--rejects")
                .arg(&rejects));
            let rejected = std::fs::read_to_string(&rejects).unwrap_or_default();
            (
                run.output.status.code(),
                run.stdout(),
                run.stderr(),
                rejected,
            )
        };
        let one = eval("1", "jsonl");
        assert!(one.1.lines().count() > 30_000, "{}", one.2);
        assert_eq!(one, eval("row by row", "jsonl"), "{}", feed.display());
        assert_eq!(one, eval("2", "jsonl"), "{}", feed.display());
        assert_eq!(one, eval("3", "jsonl"), "{}", feed.display());
        assert_eq!(eval("1", "csv"), eval("2", "csv"), "{}", feed.display());
    }
}
