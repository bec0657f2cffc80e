//! Faults an adversarial audit found in the command line, one test each: outputs that destroy
//! inputs, half-written or stale files, writes to a closed pipe or a full disk, and plans that
//! must be refused. The malformed feeds themselves are in `malformed.rs`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::run::{Run, assert_run_snapshot, finished, rem, rem_in, run, session};

const NOW: &str = "2026-03-24T12:00:00+01:00";

fn root(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The examples' bookings, with `extra` rows appended, in a file of its own.
fn feed_copy(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let path = dir.join(name);
    let mut text = std::fs::read_to_string(root("examples/bookings.csv")).expect("example feed");
    text.push_str(extra);
    std::fs::write(&path, text).expect("writes");
    path
}

fn eval_with(feed: &Path, extra: &[&str]) -> Run {
    run(rem()
        .args(["eval", "policies/", "--now", NOW, "--feed"])
        .arg(feed)
        .args(extra))
}

#[test]
fn an_output_that_names_an_input_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A bad row, so that the rejects file would be written at once.
    let feed = feed_copy(dir.path(), "bookings.csv", "BROKEN,\"unclosed\n");
    let before = std::fs::read(&feed).expect("reads");
    let events = dir.path().join("events.jsonl");
    std::fs::copy(root("examples/events.jsonl"), &events).expect("copies");
    let events_before = std::fs::read(&events).expect("reads");
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&feed, &link).expect("symlink");
    let out = dir.path().join("out.jsonl");
    let policy_before = std::fs::read(root("policies/vas-vardcentral.rem")).expect("reads");
    let mut runs = Vec::new();
    for args in [
        vec!["--rejects", feed.to_str().expect("path")],
        vec!["-o", feed.to_str().expect("path")],
        vec!["--rejects", link.to_str().expect("path")],
        vec![
            "--events",
            events.to_str().expect("path"),
            "-o",
            events.to_str().expect("path"),
        ],
        vec![
            "-o",
            out.to_str().expect("path"),
            "--rejects",
            out.to_str().expect("path"),
        ],
        vec!["-o", "policies/vas-vardcentral.rem"],
    ] {
        let refused = eval_with(&feed, &args);
        assert_eq!(refused.code(), Some(2), "{refused}");
        assert_eq!(
            std::fs::read(&feed).expect("reads"),
            before,
            "{args:?} touched the feed"
        );
        assert_eq!(std::fs::read(&events).expect("reads"), events_before);
        assert!(!out.exists());
        runs.push(refused);
    }
    assert_eq!(
        std::fs::read(root("policies/vas-vardcentral.rem")).expect("reads"),
        policy_before,
        "the policy is intact"
    );
    // `rem compile -o` and `rem test --junit` refuse their inputs too.
    let plan_over_policy = run(rem().args(["compile", "policies/", "-o", "policies/asl-sms.rem"]));
    assert_eq!(plan_over_policy.code(), Some(2));
    runs.push(plan_over_policy);
    let junit_over_test =
        run(rem().args(["test", "policies/", "--junit", "policies/asl-sms.test.toml"]));
    assert_eq!(junit_over_test.code(), Some(2));
    runs.push(junit_over_test);
    assert_run_snapshot!("outputs_that_name_an_input", session(&runs));
}

#[test]
fn a_failed_run_leaves_no_half_written_file_and_no_stale_rejects() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("actions.jsonl");
    let rejects = dir.path().join("actions.rejects.csv");
    let bad = feed_copy(dir.path(), "bad.csv", "BROKEN,\"unclosed\n");
    let good = feed_copy(dir.path(), "good.csv", "");
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("lists")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };

    eval_with(&bad, &["-o", out.to_str().expect("path")]).assert_code(3);
    assert_eq!(
        std::fs::read_to_string(&rejects).expect("rejects"),
        format!(
            "input,line,entry,booking_id,field,code,reason,severity\n\
             {},22,,,,broken_quoting,broken quoting: a quote is not closed on this line,reject\n",
            bad.display()
        )
    );
    let actions = std::fs::read(&out).expect("actions");

    // A feed that cannot be read at all: nothing is replaced, nothing half-written is left.
    let refused = dir.path().join("refused.csv");
    std::fs::write(&refused, "booking_id,booking_id\nX,Y\n").expect("writes");
    let failed = eval_with(&refused, &["-o", out.to_str().expect("path")]);
    assert_run_snapshot!("run_with_an_unreadable_feed", failed);
    assert_eq!(std::fs::read(&out).expect("actions"), actions);
    assert_eq!(
        listing(),
        [
            "actions.jsonl",
            "actions.rejects.csv",
            "bad.csv",
            "good.csv",
            "refused.csv"
        ]
    );

    // A clean run removes the rejects file of the earlier run: it is not this run's.
    eval_with(&good, &["-o", out.to_str().expect("path")]).assert_code(0);
    assert!(!rejects.exists(), "a stale rejects file was left");
    assert_eq!(
        listing(),
        ["actions.jsonl", "bad.csv", "good.csv", "refused.csv"]
    );
}

#[test]
fn a_closed_pipe_ends_the_run_with_a_message_and_a_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Enough rows that the actions cannot all fit in the pipe before the reader leaves.
    let template = std::fs::read_to_string(root("examples/bookings.csv")).expect("feed");
    let mut lines = template.lines();
    let mut feed = format!("{}\n", lines.next().expect("header"));
    let rows: Vec<&str> = lines.collect();
    for i in 0..3000 {
        for row in &rows {
            let (id, rest) = row.split_once(',').expect("a row");
            feed.push_str(&format!("{id}-{i},{rest}\n"));
        }
    }
    let path = dir.path().join("big.csv");
    std::fs::write(&path, feed).expect("writes");
    let mut cmd = rem();
    cmd.args(["eval", "policies/", "--now", NOW, "--feed"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("reads a line");
    // The reader is gone (like `| head -1`).
    let closed = finished(&cmd, child.wait_with_output().expect("ends"));
    assert!(first.starts_with("{\"key\""));
    assert!(
        !closed.stderr().contains("rows read"),
        "no summary claims a finished run: {closed}"
    );
    // The test took standard output to read the first line, so the snapshot shows it empty.
    assert_run_snapshot!("closed_pipe", closed);
}

/// Runs `rem ARGS` with standard output on a full disk.
fn on_full_disk(args: &[&str]) -> Run {
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    run(rem().args(args).stdout(Stdio::from(full)))
}

#[test]
fn every_command_reports_a_full_disk_instead_of_claiming_success() {
    let dir = tempfile::tempdir().expect("temp dir");
    let unformatted = dir.path().join("messy.rem");
    std::fs::write(
        &unformatted,
        "policy \"p\" {\n  timezone \"Europe/Stockholm\"\n  clinic \"C\"\n}\n",
    )
    .expect("writes");
    let messy = unformatted.to_str().expect("path");
    let mut runs = Vec::new();
    for args in [
        vec![
            "eval",
            "policies/",
            "--feed",
            "examples/bookings.csv",
            "--now",
            NOW,
        ],
        vec!["compile", "policies/"],
        vec!["check", "--format", "json", "policies/"],
        vec![
            "explain",
            "KF-1",
            "--feed",
            "examples/bookings.csv",
            "--now",
            NOW,
            "policies/",
        ],
        vec!["test", "policies/"],
        vec!["fmt", "--check", messy],
        vec![
            "diff",
            "examples/diff/jonkoping-kf-pilot.rem",
            "policies/jonkoping-kf.rem",
            "--feed",
            "examples/bookings.csv",
            "--now",
            NOW,
        ],
    ] {
        let full = on_full_disk(&args);
        assert_eq!(full.code(), Some(2), "{full}");
        assert!(!full.stderr().contains("panicked"), "{full}");
        runs.push(full);
    }
    assert_run_snapshot!("full_disk", session(&runs));
}

#[test]
fn a_plan_of_another_version_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = dir.path().join("plan.json");
    run(rem().args(["compile", "policies/", "-o"]).arg(&plan)).assert_code(0);
    let text = std::fs::read_to_string(&plan).expect("plan");
    let newer = text.replace("\"format_version\": 1", "\"format_version\": 2");
    assert_ne!(text, newer);
    std::fs::write(&plan, newer).expect("writes");
    let refused =
        run(rem()
            .arg("eval")
            .arg(&plan)
            .args(["--feed", "examples/bookings.csv", "--now", NOW]));
    assert_run_snapshot!("plan_of_another_version", refused);
}

#[test]
fn a_plan_given_with_its_own_source_is_refused() {
    // In a folder of its own, so that the message names short relative paths and is wrapped the
    // same on every machine.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        root("policies/vas-vardcentral.rem"),
        dir.path().join("vas-vardcentral.rem"),
    )
    .expect("copies");
    run(rem_in(dir.path()).args(["compile", "vas-vardcentral.rem", "-o", "plan.json"]))
        .assert_code(0);
    let refused = run(rem_in(dir.path())
        .args([
            "eval",
            "plan.json",
            "vas-vardcentral.rem",
            "--now",
            NOW,
            "--feed",
        ])
        .arg(root("examples/bookings.csv")));
    assert_run_snapshot!("plan_with_its_own_source", refused);
}
