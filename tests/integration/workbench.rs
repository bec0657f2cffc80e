//! The workbench (`rem serve`, issue 14) as its users meet it: its API answers equal the
//! command line's, its guards refuse other pages, and the page itself, driven in headless
//! Chromium through ChromeDriver, shows the diagnostic of a slip, the explanation of a booking
//! and the counts of who gets nothing, and saves a policy.
//!
//! The browser test needs Chromium and ChromeDriver (`.ci/setup` installs them). Without them
//! it says so and passes, unless `REM_BROWSER_TESTS=1` (set by `.ci/run`) asks for it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const NOW: &str = "2026-03-24T12:00:00+01:00";
const FEED: &str = "examples/bookings.csv";
/// The services performed (R8): the recalls' records.
const SERVICES: &str = "examples/services.csv";

/// `rem serve` on a copy of a shipped policy, the shipped feeds, on a free port.
struct Served {
    child: Child,
    port: u16,
    token: String,
    policy: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn serve() -> Served {
    serve_policies(Some("asl-sms.rem"))
}

/// The policy files of `from` and their template files, copied into `to`.
fn copy_policies(from: &Path, to: &Path) {
    for (from, to) in [
        (from.to_path_buf(), to.to_path_buf()),
        (from.join("templates"), to.join("templates")),
    ] {
        std::fs::create_dir_all(&to).expect("a folder");
        for entry in std::fs::read_dir(&from).expect("the policies").flatten() {
            if entry.path().is_file() {
                std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copied");
            }
        }
    }
}

/// A copy of the shipped policies (their template files included), served whole or one file.
fn serve_policies(file: Option<&str>) -> Served {
    let dir = tempfile::tempdir().expect("a temporary folder");
    copy_policies(&root().join("policies"), dir.path());
    let policy = file.map_or_else(|| dir.path().to_path_buf(), |f| dir.path().join(f));
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("rem"))
        .args(["serve", "--port", "0", "--now", NOW, "--feed"])
        .arg(root().join(FEED))
        .arg("--services")
        .arg(root().join(SERVICES))
        .arg(&policy)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rem serve starts");
    let mut line = String::new();
    BufReader::new(child.stderr.take().expect("stderr"))
        .read_line(&mut line)
        .expect("the address");
    let address = line
        .split("http://127.0.0.1:")
        .nth(1)
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let (port, token) = address.split_once("/#token=").expect("a token");
    Served {
        child,
        port: port.parse().expect("a port"),
        token: token
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string(),
        policy,
        _dir: dir,
    }
}

/// One HTTP/1.1 request; the status and the body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let (status, _, body) = exchange(port, method, path, headers, body);
    (status, body)
}

/// One HTTP/1.1 request; the status, the headers (lowercase) and the body.
fn exchange(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str(&format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(request.as_bytes()).expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    let status = answer[9..12].parse().expect("a status");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (status, head.to_lowercase(), body.to_string())
}

/// The evaluation the page asks for with `query`.
fn evaluated(port: u16, query: &Value) -> Value {
    let (status, answer) = http(port, "POST", "/api/evaluate", &[], &query.to_string());
    assert_eq!(status, 200, "{answer}");
    serde_json::from_str(&answer).expect("JSON")
}

/// `rem COMMAND POLICY --feed FEED --services SERVICES --now NOW REST...`: what the server
/// was started with.
fn cli_on_feeds(command: &str, policy: &str, rest: &[&str]) -> String {
    let mut args = vec![
        command,
        policy,
        "--feed",
        FEED,
        "--services",
        SERVICES,
        "--now",
        NOW,
    ];
    args.extend(rest);
    cli(&args)
}

fn cli(args: &[&str]) -> String {
    let output = Command::new(assert_cmd::cargo::cargo_bin("rem"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("rem runs");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn the_api_answers_as_the_command_line_does() {
    // Every shipped policy, template files included.
    let served = serve_policies(None);
    let policy = served.policy.to_string_lossy().to_string();
    let feed = FEED;
    let (status, gaps) = http(served.port, "POST", "/api/gaps", &[], r#"{"files":{}}"#);
    assert_eq!(status, 200, "{gaps}");
    let cli_gaps = cli(&[
        "gaps", &policy, "--feed", feed, "--now", NOW, "--output", "json",
    ]);
    assert_eq!(
        serde_json::from_str::<Value>(&gaps).expect("JSON"),
        serde_json::from_str::<Value>(&cli_gaps).expect("JSON")
    );
    let (_, check) = http(served.port, "POST", "/api/check", &[], r#"{"files":{}}"#);
    let cli_check = cli(&["check", "--format", "json", &policy]);
    assert_eq!(
        serde_json::from_str::<Value>(&check).expect("JSON"),
        serde_json::from_str::<Value>(&cli_check).expect("JSON")
    );
    // A booking's explanation: `rem explain`'s text.
    let (_, explained) = http(
        served.port,
        "POST",
        "/api/explain",
        &[],
        r#"{"files":{},"booking_id":"ASL-1"}"#,
    );
    let explained: Value = serde_json::from_str(&explained).expect("JSON");
    let cli_explain = cli(&["explain", "ASL-1", &policy, "--feed", feed, "--now", NOW]);
    assert_eq!(explained["text"].as_str(), Some(cli_explain.as_str()));
    assert!(
        cli_explain.contains("sent: reminder `promemoria`"),
        "{cli_explain}"
    );
}

#[test]
fn the_evaluation_is_rem_evals_whole_or_a_page() {
    let served = serve_policies(None);
    let policy = served.policy.to_string_lossy().to_string();
    // The evaluation's lines, booking by booking and then recall by recall, are `rem eval
    // --explain`'s; a page of them is the same lines.
    let all = evaluated(served.port, &json!({"files": {}}));
    let lines = |answer: &Value| -> Vec<Value> {
        answer["bookings"]
            .as_array()
            .expect("bookings")
            .iter()
            .flat_map(|b| b["lines"].as_array().cloned().unwrap_or_default())
            .collect()
    };
    let cli_lines: Vec<Value> = cli_on_feeds("eval", &policy, &["--explain"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines(&all), cli_lines);
    assert_eq!(all["total"], 25, "20 bookings and 5 recall records");
    let page = evaluated(
        served.port,
        &json!({"files": {}, "offset": 20, "limit": 10}),
    );
    assert_eq!(
        page["bookings"],
        json!(all["bookings"].as_array().expect("all")[20..])
    );
    // By visit: the bookings by their visits' times, the recall records after them.
    let by_visit = evaluated(served.port, &json!({"files": {}, "order": "visit"}));
    let starts: Vec<(bool, chrono::DateTime<chrono::FixedOffset>)> = by_visit["bookings"]
        .as_array()
        .expect("bookings")
        .iter()
        .map(|b| {
            let recall = b["booking_id"].as_str().is_some_and(|id| id.contains('/'));
            let start = b["start"].as_str().expect("a start");
            (
                recall,
                chrono::DateTime::parse_from_rfc3339(start).expect("RFC 3339"),
            )
        })
        .collect();
    assert_eq!(starts.len(), 25);
    assert!(starts.is_sorted(), "{starts:?}");
    // A filter chooses the bookings with an action on the channel, counted over the feed.
    let by_sms: std::collections::BTreeSet<&str> = cli_lines
        .iter()
        .filter(|l| l.get("key").is_some() && l["channel"] == "sms")
        .filter_map(|l| l["booking_id"].as_str())
        .collect();
    let sms = evaluated(
        served.port,
        &json!({"files": {}, "channel": "sms", "limit": 3}),
    );
    assert_eq!(sms["matching"], by_sms.len());
    assert_eq!(sms["bookings"].as_array().map(Vec::len), Some(3));
    assert!(
        sms["facets"]["channel"]
            .as_array()
            .expect("channels")
            .contains(&json!("task"))
    );
}

#[test]
fn the_staff_lists_are_rem_due_and_rem_tasks() {
    let served = serve_policies(None);
    let policy = served.policy.to_string_lossy().to_string();
    // `rem due`'s and `rem tasks`'s JSON, whole and with their filters.
    let cases = [
        ("/api/due", "due", json!({}), vec![]),
        (
            "/api/due",
            "due",
            json!({"status": ["overdue", "booked"]}),
            vec!["--status", "overdue,booked"],
        ),
        ("/api/tasks", "tasks", json!({}), vec![]),
        (
            "/api/tasks",
            "tasks",
            json!({"units": ["Kirurgi"], "from": "2026-04-10", "to": "2026-04-10"}),
            vec![
                "--unit",
                "Kirurgi",
                "--from",
                "2026-04-10",
                "--to",
                "2026-04-10",
            ],
        ),
    ];
    for (path, command, mut body, flags) in cases {
        body["files"] = json!({});
        let (status, answer) = http(served.port, "POST", path, &[], &body.to_string());
        assert_eq!(status, 200, "{answer}");
        let mut rest = vec!["--output", "json"];
        rest.extend(flags);
        let answer: Value = serde_json::from_str(&answer).expect("JSON");
        assert_eq!(
            answer,
            serde_json::from_str::<Value>(&cli_on_feeds(command, &policy, &rest)).expect("JSON"),
            "{path} {body}"
        );
        assert!(answer["sections"][0]["rows"][0].is_object(), "{answer}");
    }
    // A recall record (R8), as the calendar lists it, explained as `rem explain` does.
    let body = json!({"files": {}, "booking_id": "P-WARF-2/inr"}).to_string();
    let (status, explained) = http(served.port, "POST", "/api/explain", &[], &body);
    assert_eq!(status, 200, "{explained}");
    let explained: Value = serde_json::from_str(&explained).expect("JSON");
    let cli_explain = cli_on_feeds("explain", "P-WARF-2/inr", &[&policy]);
    assert!(cli_explain.contains("INR-kontroll"), "{cli_explain}");
    assert_eq!(explained["text"].as_str(), Some(cli_explain.as_str()));
}

#[test]
fn the_diff_of_an_edit_is_rem_diffs() {
    let served = serve_policies(None);
    let policy = served.policy.to_string_lossy().to_string();
    let feed = FEED;
    // An edited policy, without saving: the diff against the saved ones is `rem diff`'s
    // against a copy of the folder with the edit.
    let file = served.policy.join("asl-sms.rem");
    let saved = std::fs::read_to_string(&file).expect("the policy");
    let edited = saved.replace("send 3 days before at 10:00", "send 3 days before at 18:00");
    assert_ne!(saved, edited);
    let body = json!({"files": {file.to_string_lossy(): edited}}).to_string();
    let (_, diff) = http(served.port, "POST", "/api/diff", &[], &body);
    let new = tempfile::tempdir().expect("a temporary folder");
    copy_policies(&served.policy, new.path());
    std::fs::write(new.path().join("asl-sms.rem"), &edited).expect("written");
    let cli_diff = cli(&[
        "diff",
        &policy,
        &new.path().to_string_lossy(),
        "--feed",
        feed,
        "--now",
        NOW,
        "--output",
        "json",
    ]);
    let diff: Value = serde_json::from_str(&diff).expect("JSON");
    assert_eq!(
        diff,
        serde_json::from_str::<Value>(&cli_diff).expect("JSON")
    );
    assert!(diff["bookings_changed"].as_u64().unwrap_or(0) > 0, "{diff}");
}

#[test]
fn other_pages_and_requests_without_the_token_are_refused() {
    let served = serve();
    let port = served.port;
    let policy = served.policy.to_string_lossy().to_string();
    // DNS rebinding: a page of another name that resolves to 127.0.0.1.
    let (status, _) = http(
        port,
        "GET",
        "/api/files",
        &[("Host", "evil.example:80")],
        "",
    );
    assert_eq!(status, 403);
    let (status, _) = http(
        port,
        "POST",
        "/api/check",
        &[("Origin", "http://evil.example")],
        "{}",
    );
    assert_eq!(status, 403);
    // No CORS: neither an answer nor a preflight allows another origin.
    let (status, head, _) = exchange(port, "GET", "/api/files", &[], "");
    assert_eq!(status, 200);
    assert!(head.contains("cache-control: no-store"), "{head}");
    assert!(!head.contains("access-control-allow"), "{head}");
    let preflight = [
        ("Origin", "http://evil.example"),
        ("Access-Control-Request-Method", "POST"),
    ];
    let (status, head, _) = exchange(port, "OPTIONS", "/api/save", &preflight, "");
    assert_ne!(status, 200);
    assert!(!head.contains("access-control-allow"), "{head}");
    // A policy left open: a syntax error.
    let save = json!({"path": policy, "text": "// gone\npolicy \"x\" {\n"}).to_string();
    let (status, _) = http(port, "POST", "/api/save", &[], &save);
    assert_eq!(status, 403, "no token");
    let (status, _) = http(
        port,
        "POST",
        "/api/save",
        &[("X-Rem-Token", "guess")],
        &save,
    );
    assert_eq!(status, 403, "a wrong token");
    // With the token: a file not named at start is never written, nor one with errors.
    let token = served.token.as_str();
    let elsewhere = json!({"path": "/tmp/elsewhere.rem", "text": "// x\n"}).to_string();
    let (status, _) = http(
        port,
        "POST",
        "/api/save",
        &[("X-Rem-Token", token)],
        &elsewhere,
    );
    assert_eq!(status, 403);
    let (status, _) = http(port, "POST", "/api/save", &[("X-Rem-Token", token)], &save);
    assert_eq!(status, 422, "a policy file with errors is not saved");
    let text = std::fs::read_to_string(&served.policy).expect("the policy");
    assert!(!text.starts_with("// gone"));
}

/// ChromeDriver and Chromium, if the machine has them.
fn browser_tools() -> Option<(PathBuf, PathBuf)> {
    let find = |name: &str| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(name))
                .find(|p| p.is_file())
        })
    };
    Some((find("chromedriver")?, find("chromium")?))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn text(client: &fantoccini::Client, script: &str) -> String {
    client
        .execute(script, vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Waits until the script's answer contains `wanted`.
async fn until(client: &fantoccini::Client, script: &str, wanted: &str) -> String {
    let start = Instant::now();
    loop {
        let seen = text(client, script).await;
        if seen.contains(wanted) {
            return seen;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "waited for {wanted:?}, the page shows {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_page_in_a_real_browser() {
    let Some((driver, chromium)) = browser_tools() else {
        assert!(
            std::env::var_os("REM_BROWSER_TESTS").is_none(),
            "REM_BROWSER_TESTS is set but chromedriver or chromium is missing: run .ci/setup"
        );
        eprintln!("skipped: no chromedriver and chromium (.ci/setup installs them)");
        return;
    };
    let served = serve_policies(None);
    let port = free_port();
    let _chromedriver = Stopped(
        Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let profile = tempfile::tempdir().expect("a profile folder");
    let capabilities = json!({"goog:chromeOptions": {
        "binary": chromium,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1400,900", format!("--user-data-dir={}", profile.path().display())],
    }});
    let mut builder =
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(capabilities.as_object().cloned().unwrap_or_default());
    let url = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    let client = loop {
        match builder.connect(&url).await {
            Ok(client) => break client,
            Err(e) if start.elapsed() < Duration::from_secs(20) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let _ = e;
            }
            Err(e) => panic!("cannot reach chromedriver: {e}"),
        }
    };
    drive(&client, &served).await;
    let _ = client.close().await;
}

/// A process stopped when the test ends, passed or not.
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const STATUS: &str = "return document.getElementById('status').textContent";

/// Runs `script` in the page (a click, a change).
async fn run(client: &fantoccini::Client, script: &str) {
    client
        .execute(&format!("{script}; return ''"), vec![])
        .await
        .expect("the page runs the script");
}

async fn click(client: &fantoccini::Client, id: &str) {
    run(client, &format!("document.getElementById('{id}').click()")).await;
}

/// Replaces the editor's text as typing would, and lets the page react.
async fn type_text(client: &fantoccini::Client, text: &str) {
    let literal = serde_json::to_string(text).unwrap_or_default();
    run(
        client,
        &format!("const t = document.getElementById('source'); t.value = {literal}; t.dispatchEvent(new Event('input'))"),
    )
    .await;
}

async fn drive(client: &fantoccini::Client, served: &Served) {
    let page = format!("http://127.0.0.1:{}/#token={}", served.port, served.token);
    client.goto(&page).await.expect("the page loads");
    until(client, STATUS, "no problems").await;
    // 20 bookings and the 5 recall records of the services feed, on one page.
    until(client, ROWS, "25").await;
    until(client, SHOWN, "bookings 1–25 of 25").await;
    // Each action is a dot on its booking's line.
    let dots = text(
        client,
        "return document.querySelectorAll('#bookings .timeline .mark').length + ' ' + document.querySelectorAll('#bookings .chip:not(.skip)').length",
    )
    .await;
    let (marks, chips) = dots.split_once(' ').expect("two counts");
    assert!(marks == chips && marks != "0", "{dots}");
    view(client, "calendar").await;
    filtered(client).await;
    // The tabs answer the arrow keys, as tabs do.
    client
        .find(fantoccini::Locator::Id("tab-calendar"))
        .await
        .expect("the calendar's tab")
        .send_keys(&char::from(fantoccini::key::Key::Right).to_string())
        .await
        .expect("a key");
    until(client, "return document.activeElement.id", "tab-day").await;
    until(
        client,
        "return document.getElementById('hours').textContent",
        "10:00",
    )
    .await;
    view(client, "day").await;
    click(client, "tab-calendar").await;
    let file = served.policy.join("asl-sms.rem");
    let saved = std::fs::read_to_string(&file).expect("the policy");
    slip_and_fix(client, &saved).await;
    explanation(client).await;
    who_gets_nothing(client, served).await;
    staff_lists(client).await;

    // Edited: what changes; saved with the token: the file on disk is the edited text.
    let edited = saved.replace("send 3 days before at 10:00", "send 3 days before at 18:00");
    type_text(client, &edited).await;
    click(client, "tab-diff").await;
    until(
        client,
        "return document.getElementById('diff').textContent",
        "bookings change",
    )
    .await;
    view(client, "diff").await;
    click(client, "save").await;
    until(
        client,
        "return document.getElementById('saved').textContent",
        "saved",
    )
    .await;
    let status = text(client, STATUS).await;
    assert!(!status.contains("page error"), "{status}");
    assert_eq!(std::fs::read_to_string(&file).expect("the policy"), edited);
}

const ROWS: &str = "return String(document.querySelectorAll('#bookings tr').length)";
const SHOWN: &str = "return document.getElementById('shown').textContent";

/// A filter: the bookings with a staff task, counted among the whole feed's.
async fn filtered(client: &fantoccini::Client) {
    run(
        client,
        "const s = document.getElementById('f-channel'); s.value = 'task'; s.dispatchEvent(new Event('change'))",
    )
    .await;
    until(client, SHOWN, "bookings 1–1 of 1 (of 25 in the feed)").await;
    until(client, ROWS, "1").await;
    let row = text(
        client,
        "return document.getElementById('bookings').textContent",
    )
    .await;
    assert!(row.contains("VET-1"), "{row}");
    run(
        client,
        "const s = document.getElementById('f-channel'); s.value = ''; s.dispatchEvent(new Event('change'))",
    )
    .await;
    until(client, ROWS, "25").await;
}

/// The recalls due, with their status in words and colour (R9), and the staff's tasks (R10):
/// `rem due`'s and `rem tasks`'s lists.
async fn staff_lists(client: &fantoccini::Client) {
    click(client, "tab-due").await;
    until(
        client,
        "return document.getElementById('due').textContent",
        "Services due",
    )
    .await;
    let red = text(
        client,
        "return [...document.querySelectorAll('#due td.st-red')].map((td) => td.textContent).join(',')",
    )
    .await;
    assert_eq!(red, "past due,past due");
    // Past due only: the red rows alone.
    run(
        client,
        "const s = document.getElementById('d-status'); s.value = 'overdue'; s.dispatchEvent(new Event('change'))",
    )
    .await;
    until(
        client,
        "return String(document.querySelectorAll('#due tbody tr').length)",
        "2",
    )
    .await;
    run(
        client,
        "const s = document.getElementById('d-status'); s.value = ''; s.dispatchEvent(new Event('change'))",
    )
    .await;
    until(
        client,
        "return String(document.querySelectorAll('#due tbody tr').length)",
        "5",
    )
    .await;
    let yellow = text(
        client,
        "return [...document.querySelectorAll('#due td.st-yellow')].map((td) => td.parentElement.cells[0].textContent).join(',')",
    )
    .await;
    assert_eq!(yellow, "P-WARF-1,HUND-1");
    view(client, "due").await;
    // The staff's tasks by unit and day: the veterinary clinic's call after surgery.
    click(client, "tab-tasks").await;
    let tasks = until(
        client,
        "return document.getElementById('tasks').textContent",
        "Unit Kirurgi",
    )
    .await;
    assert!(
        tasks.contains("2026-04-1008:00VET-1ring kunden efter operationen"),
        "{tasks}"
    );
    view(client, "tasks").await;
    // From the day after the call: none.
    run(
        client,
        "const d = document.getElementById('t-from'); d.value = '2026-04-11'; d.dispatchEvent(new Event('change'))",
    )
    .await;
    until(
        client,
        "return document.getElementById('tasks').textContent",
        "No staff task in these days.",
    )
    .await;
}

/// A slip: the diagnostic appears, with its code and did-you-mean; fixed, it goes.
async fn slip_and_fix(client: &fantoccini::Client, saved: &str) {
    type_text(client, &saved.replacen("via sms", "via smss", 1)).await;
    until(client, STATUS, "1 error,").await;
    let problems = until(
        client,
        "return document.getElementById('diagnostics').textContent",
        "E041",
    )
    .await;
    assert!(problems.contains("did you mean `sms`"), "{problems}");
    view(client, "diagnostic").await;
    type_text(client, saved).await;
    until(client, STATUS, "no problems").await;
    until(client, ROWS, "25").await;
}

/// A booking's explanation, with the policy line it comes from.
async fn explanation(client: &fantoccini::Client) {
    run(
        client,
        "document.querySelector('[data-booking=\"ASL-1\"] button').click()",
    )
    .await;
    let why = until(
        client,
        "return document.getElementById('why').textContent",
        "Booking ASL-1",
    )
    .await;
    // Its reminder, sent, with the line it comes from.
    assert!(
        why.contains("sent: reminder `promemoria` of policy `SMS ai pazienti` via sms to patient"),
        "{why}"
    );
    assert!(why.contains("asl-sms.rem:26 (when)"), "{why}");
    view(client, "why").await;
}

/// Who gets nothing: the counts of `rem gaps`.
async fn who_gets_nothing(client: &fantoccini::Client, served: &Served) {
    click(client, "tab-gaps").await;
    let cli_gaps: Value = serde_json::from_str(&cli(&[
        "gaps",
        &served.policy.to_string_lossy(),
        "--feed",
        "examples/bookings.csv",
        "--now",
        NOW,
        "--output",
        "json",
    ]))
    .expect("JSON");
    let expected = format!(
        "{} bookings: {} reach the patient or a guardian, {} get nothing",
        cli_gaps["bookings"], cli_gaps["reached"], cli_gaps["nothing"]
    );
    until(
        client,
        "return document.getElementById('gaps').textContent",
        &expected,
    )
    .await;
    view(client, "gaps").await;
}

/// A view as the user sees it: no violation of the WCAG 2 A and AA rules that axe-core checks
/// (labels, names, contrast, ARIA, keyboard), and with `REM_SCREENSHOTS=DIR` a PNG in DIR (the
/// docs' pictures are made so).
async fn view(client: &fantoccini::Client, name: &str) {
    accessible(client, name).await;
    if let Some(dir) = std::env::var_os("REM_SCREENSHOTS") {
        let png = client.screenshot().await.expect("a screenshot");
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).expect("written");
    }
}

/// axe-core, as `.ci/setup` installs it from tests/browser/package-lock.json.
fn axe() -> Option<String> {
    std::fs::read_to_string(root().join("tests/browser/node_modules/axe-core/axe.min.js")).ok()
}

async fn accessible(client: &fantoccini::Client, name: &str) {
    let Some(axe) = axe() else {
        assert!(
            std::env::var_os("REM_BROWSER_TESTS").is_none(),
            "REM_BROWSER_TESTS is set but axe-core is missing: run .ci/setup"
        );
        eprintln!("accessibility not checked: no axe-core (.ci/setup installs it)");
        return;
    };
    let loaded = text(client, "return typeof window.axe").await;
    if loaded != "object" {
        client
            .execute(&format!("{axe}\n;return ''"), vec![])
            .await
            .expect("axe-core loads");
    }
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
               .then((r) => done(JSON.stringify(r.violations.map((v) => ({ rule: v.id, help: v.help,
                  nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary) })))))
               .catch((e) => done(JSON.stringify([{ rule: 'axe', help: String(e), nodes: [] }])));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    let violations: Vec<Value> =
        serde_json::from_str(found.as_str().unwrap_or("[]")).expect("JSON");
    let words: Vec<String> = violations
        .iter()
        .map(|v| format!("{}: {}\n  {}", v["rule"], v["help"], v["nodes"]))
        .collect();
    assert!(
        words.is_empty(),
        "the {name} view has accessibility violations:\n{}",
        words.join("\n")
    );
}
