//! `rem gaps` (issue 14, R20): who gets nothing, by reason and profile. Its counts agree with
//! `rem eval` on the same feed, and no row is lost: every row is evaluated or rejected.

use std::collections::BTreeSet;

use assert_cmd::Command;
use serde_json::Value;

const NOW: &str = "2026-03-24T12:00:00+01:00";

fn rem(args: &[&str]) -> String {
    run(args, true)
}

/// `rem` with `args`; with `succeed`, it must exit 0.
fn run(args: &[&str], succeed: bool) -> String {
    let output = Command::cargo_bin("rem")
        .expect("the rem binary is built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("rem runs");
    assert!(
        output.status.success() || !succeed,
        "rem {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// `docs/gaps.md` shows `rem gaps` on the shipped examples: the text is what it prints.
#[test]
fn the_example_in_the_docs_is_what_rem_gaps_prints() {
    let text = rem(&[
        "gaps",
        "policies/",
        "--feed",
        "examples/bookings.csv",
        "--now",
        NOW,
    ]);
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/gaps.md"),
    )
    .expect("docs/gaps.md");
    let shown = super::docs::first_block(&doc, "text");
    assert_eq!(
        shown, text,
        "docs/gaps.md's example differs from what rem gaps prints"
    );
    assert!(text.contains("6 get nothing"), "{text}");
}

#[test]
fn the_counts_agree_with_rem_eval_and_no_row_is_lost() {
    // The shipped feed, and a row whose visit time cannot be read.
    let feed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bookings.csv"),
    )
    .expect("the example feed");
    let rows = feed.lines().count() - 1;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let messy = dir.path().join("bookings.csv");
    let broken = feed
        .lines()
        .nth(1)
        .expect("a row")
        .replace("VAS-1,", "BROKEN-1,")
        .replace("2026-03-30T09:00:00+02:00", "next monday");
    std::fs::write(&messy, format!("{feed}{broken}\n")).expect("written");
    let messy = messy.to_string_lossy().to_string();

    let report: Value = serde_json::from_str(&rem(&[
        "gaps",
        "policies/",
        "--feed",
        &messy,
        "--now",
        NOW,
        "--output",
        "json",
    ]))
    .expect("JSON");
    let count = |key: &str| report[key].as_u64().unwrap_or(u64::MAX);
    assert_eq!(count("bookings") + count("rejected"), rows as u64 + 1);
    assert_eq!(count("rejected"), 1);
    assert_eq!(count("reached") + count("nothing"), count("bookings"));
    let grouped: u64 = report["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            let profiles: u64 = g["profiles"]
                .as_array()
                .expect("profiles")
                .iter()
                .map(|p| p["count"].as_u64().unwrap_or(0))
                .sum();
            assert_eq!(Some(profiles), g["count"].as_u64(), "{g}");
            profiles
        })
        .sum();
    assert_eq!(grouped, count("nothing"));

    // `rem eval`: the bookings some action reaches (the patient or a guardian).
    let out = dir.path().join("actions.jsonl");
    let out = out.to_string_lossy().to_string();
    // It exits 1 for the rejected row, which it writes to its rejects file.
    run(
        &[
            "eval",
            "policies/",
            "--feed",
            &messy,
            "--now",
            NOW,
            "-o",
            &out,
        ],
        false,
    );
    let actions = std::fs::read_to_string(&out).expect("the actions");
    let reached: BTreeSet<String> = actions
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line"))
        .filter(|a| a["recipient"] != "staff")
        .filter_map(|a| a["booking_id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(reached.len() as u64, count("reached"));
}

/// The recalls are no bookings: `--services` is refused with what to use, never left out
/// without a word.
#[test]
fn recalls_are_refused_with_the_commands_that_list_them() {
    for command in ["gaps", "diff"] {
        let mut args = vec![command, "policies/"];
        if command == "diff" {
            args.push("policies/");
        }
        args.extend([
            "--feed",
            "examples/bookings.csv",
            "--services",
            "examples/services.csv",
            "--now",
            NOW,
        ]);
        let output = Command::cargo_bin("rem")
            .expect("the rem binary is built")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(&args)
            .output()
            .expect("rem runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("leave out `--services`") && stderr.contains("rem due --services"),
            "{command}: {stderr}"
        );
    }
}
