//! The malformed-input corpus (`tests/eval/malformed/`): each file is one way a real export goes
//! wrong, run through `rem eval` as an operator would. The snapshot shows the exit status, the
//! summary, the rejects file and the actions, so the expected rejects of each case are plain to
//! read. A file `NAME.events.jsonl` beside `NAME.csv` is its event feed.
//!
//! For every case: every row is evaluated or rejected and counted, and no personal value from
//! the input (phone numbers, id numbers, e-mail addresses) appears in the summary or the
//! rejects file.

use assert_cmd::Command;

const NOW: &str = "2026-03-24T12:00:00+01:00";

/// Values of the corpus that are personal data and must never be repeated.
const PERSONAL: &[&str] = &[
    "+46709876543",
    "709876543",
    "19121212-1212",
    "191212121212",
    "anna.karlsson@example.se",
    "anna@example.se",
    "P9999",
    "P2002",
];

#[test]
fn malformed_inputs() {
    insta::glob!("..", "eval/malformed/*.{csv,jsonl,json}", |path| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a file name");
        if name.ends_with(".events.jsonl") {
            return;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let rejects = dir.path().join("rejects.csv");
        let feed = format!("tests/eval/malformed/{name}");
        let mut cmd = Command::cargo_bin("rem").expect("the rem binary is built");
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .args(["eval", "policies/", "--explain", "--output", "csv"])
            .args(["--now", NOW, "--feed", &feed, "--rejects"])
            .arg(&rejects);
        let stem = name.split('.').next().unwrap_or_default();
        let events = format!("tests/eval/malformed/{stem}.events.jsonl");
        if std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(&events)
            .exists()
        {
            cmd.args(["--events", &events]);
        }
        let output = cmd.output().expect("rem runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let rejected = std::fs::read_to_string(&rejects).unwrap_or_default();
        for value in PERSONAL {
            assert!(
                !stderr.contains(value) && !rejected.contains(value),
                "{name}: `{value}` leaked into the summary or the rejects file"
            );
        }
        if let Some(line) = stderr.lines().find(|l| l.starts_with("rows read:")) {
            // `rows read: N (E evaluated, R rejected)`
            let numbers: Vec<u64> = line
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse().ok())
                .collect();
            assert_eq!(numbers[0], numbers[1] + numbers[2], "{name}: {line}");
            let rejected_rows = rejected
                .lines()
                .skip(1)
                .filter(|l| l.starts_with("tests/eval/malformed/") && !l.contains(".events."))
                .filter(|l| l.ends_with(",reject"))
                .count() as u64;
            assert_eq!(numbers[2], rejected_rows, "{name}: rejects listed");
        }
        let stderr = stderr.replace(rejects.to_string_lossy().as_ref(), "REJECTS");
        insta::assert_snapshot!(format!(
            "exit status: {}\n--- standard error\n{stderr}--- rejects file\n{rejected}--- actions\n{stdout}",
            output.status.code().unwrap_or(-1)
        ));
    });
}
