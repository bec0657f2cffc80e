//! The engine's scenarios live as policy and test files in `tests/engine/` (run by
//! `engine_scenarios.rs`). The two kept here compare idempotency keys between runs, which a
//! test file cannot: it would have to spell out 128-bit hashes, and would then pin their
//! values rather than show how keys relate (equal across runs, new when a booking moves, the
//! one a gateway reports).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value;

use rem::engine::{Engine, Mode, Options, Outcome};
use rem::feed::csv::CsvFeed;
use rem::output::{ActionWriter, OutputFormat};

const HEADER: &str = "booking_id,patient_id,clinic,unit,exam,kind,series_id,group_id,source,status,status_at,start,created,reminder,birth_date,id_kind,mobile,email,consent_sms,consent_email,consent_source,inbox_account,inbox_notifications,interpreter,language,guardian1_mobile,guardian1_consent_sms,guardian2_mobile,guardian2_consent_sms,previous_start";

/// A CSV row: an adult at clinic C, unit U, with a mobile and SMS consent, booked on
/// 2026-03-01 for 2026-04-15 09:00 Stockholm time; `changes` override columns by name.
fn row(changes: &[(&str, &str)]) -> String {
    let mut values: Vec<(&str, String)> = HEADER.split(',').map(|c| (c, String::new())).collect();
    let defaults = [
        ("booking_id", "B1"),
        ("patient_id", "P1"),
        ("clinic", "C"),
        ("unit", "U"),
        ("exam", "ekg"),
        ("kind", "single"),
        ("source", "staff"),
        ("status", "booked"),
        ("start", "2026-04-15T09:00:00+02:00"),
        ("created", "2026-03-01T10:00:00+01:00"),
        ("reminder", "true"),
        ("birth_date", "1970-01-01"),
        ("id_kind", "personal"),
        ("mobile", "+46701234567"),
        ("consent_sms", "true"),
        ("consent_source", "clinic"),
        ("language", "sv"),
    ];
    for (name, value) in defaults.iter().chain(changes) {
        if let Some(slot) = values.iter_mut().find(|(c, _)| c == name) {
            slot.1 = (*value).to_string();
        }
    }
    values
        .into_iter()
        .map(|(_, v)| v)
        .collect::<Vec<_>>()
        .join(",")
}

fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("test time")
        .with_timezone(&Utc)
}

struct Run<'a> {
    policy: &'a str,
    rows: Vec<String>,
    now: &'a str,
    events: &'a str,
    mode: Mode,
    since: Option<&'a str>,
}

impl<'a> Run<'a> {
    fn new(policy: &'a str, rows: Vec<String>) -> Self {
        Run {
            policy,
            rows,
            now: "2026-03-02T12:00:00+01:00",
            events: "",
            mode: Mode::Forecast,
            since: None,
        }
    }

    fn now(mut self, now: &'a str) -> Self {
        self.now = now;
        self
    }

    fn events(mut self, events: &'a str) -> Self {
        self.events = events;
        self
    }

    /// Every output line (actions and, as with `--explain`, skips) as JSON.
    fn lines(&self) -> Vec<Value> {
        let checked = rem::compile(&[PathBuf::from("policy.rem")], |p| {
            crate::only_rem(p, self.policy.as_bytes())
        });
        let (program, diagnostics) = (&checked.program, &checked.diagnostics);
        assert!(
            !checked.has_errors(),
            "{}",
            rem::diagnostic::render::human(diagnostics, program, false)
        );
        let engine = Engine::new(checked.plan).expect("plan runs");
        let options = Options {
            now: time(self.now),
            since: self.since.map(time),
            mode: self.mode,
        };
        let (index, rejects) = rem::feed::events::read(self.events.as_bytes(), false, options.now)
            .expect("events read");
        assert!(rejects.is_empty(), "bad test events: {rejects:?}");
        let feed = format!("{HEADER}\n{}\n", self.rows.join("\n"));
        let mut csv = CsvFeed::new(feed.as_bytes()).expect("header");
        let mut out = Vec::new();
        {
            let mut writer =
                ActionWriter::new(&mut out, OutputFormat::Jsonl, true).expect("writer");
            while let Some(row) = csv.next_row() {
                let (_, row) = row.expect("readable");
                let booking = row.expect("valid test row");
                let mut outcomes: Vec<Outcome> = Vec::new();
                engine.evaluate(&booking, &index, &options, &mut outcomes);
                for outcome in &outcomes {
                    writer.write(&engine, &booking, outcome).expect("written");
                }
            }
            writer.finish().expect("flushed");
        }
        String::from_utf8(out)
            .expect("UTF-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect()
    }

    fn actions(&self) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter(|l| l.get("skip").is_none())
            .collect()
    }

    fn skips(&self) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter_map(|l| {
                let recipient = l
                    .get("recipient")
                    .and_then(Value::as_str)
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                l.get("skip")
                    .and_then(Value::as_str)
                    .map(|s| format!("{s}{recipient}"))
            })
            .collect()
    }
}

/// `channel recipient send_at` of each action, for compact assertions.
fn summary(actions: &[Value]) -> Vec<String> {
    actions
        .iter()
        .map(|a| {
            let mut s = format!(
                "{} {} {}",
                a["channel"].as_str().unwrap_or(""),
                a["recipient"].as_str().unwrap_or(""),
                a["send_at"].as_str().unwrap_or("")
            );
            if let Some(c) = a.get("condition").and_then(Value::as_str) {
                s.push_str(&format!(" [{c}]"));
            }
            s
        })
        .collect()
}

fn sms_policy(extra: &str, send: &str) -> String {
    format!(
        "policy \"p\" {{\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n{extra}\n    reminder \"r\" {{\n        send {send}\n        via sms\n        to patient\n        template \"t\"\n    }}\n}}\n"
    )
}

#[test]
fn r13_fallback_on_undelivered_sms_by_key() {
    let policy = "policy \"p\" {\n    timezone \"Europe/Rome\"\n    clinic \"C\"\n\n    confirmation \"c\" {\n        send at booking\n        via sms\n        to patient\n        fallback email after 1 day undelivered\n        template \"t\"\n    }\n}\n";
    let booking = row(&[("email", "p@example.it"), ("consent_email", "true")]);
    let run = Run::new(policy, vec![booking.clone()]).now("2026-03-03T12:00:00+01:00");
    let actions = run.actions();
    assert_eq!(
        summary(&actions),
        [
            "sms patient 2026-03-01T10:00:00+01:00",
            "email patient 2026-03-02T10:00:00+01:00"
        ]
    );
    // The gateway reports delivery with the action's key: no e-mail.
    let key = actions[0]["key"].as_str().expect("key");
    let delivered = format!(
        "{{\"key\":\"{key}\",\"booking_id\":\"B1\",\"message\":\"other-name\",\"channel\":\"sms\",\"recipient\":\"patient\",\"event\":\"delivered\",\"at\":\"2026-03-01T10:00:05+01:00\"}}"
    );
    let run = Run::new(policy, vec![booking])
        .now("2026-03-03T12:00:00+01:00")
        .events(&delivered);
    assert_eq!(run.actions().len(), 1);
    assert_eq!(
        run.skips(),
        ["delivered before the fallback deadline (patient)"]
    );
}

#[test]
fn keys_are_stable_and_change_when_the_booking_moves() {
    let policy = sms_policy("", "4 days before at 10:00, 1 day before at 10:00");
    let keys = |start: &str| -> Vec<String> {
        Run::new(&policy, vec![row(&[("start", start)])])
            .actions()
            .iter()
            .map(|a| a["key"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let first = keys("2026-04-15T09:00:00+02:00");
    assert_eq!(
        first,
        keys("2026-04-15T09:00:00+02:00"),
        "same input, same keys"
    );
    assert_eq!(first.len(), 2);
    assert_ne!(first[0], first[1], "each offset has its own key");
    let moved = keys("2026-04-16T09:00:00+02:00");
    assert!(
        moved.iter().all(|k| !first.contains(k)),
        "a new start voids the old reminders"
    );
    assert!(
        first
            .iter()
            .all(|k| k.len() == 32 && k.chars().all(|c| c.is_ascii_hexdigit()))
    );
}

/// Issue 13: "no policy covers this booking" says what keeps the nearest policy out, so an
/// administrator can tell a unit missing from a list from a booking of another clinic. A
/// policy of the booking's clinic is nearer than one of another clinic; between equals, the
/// first.
#[test]
fn no_policy_names_the_nearest_policy_and_what_keeps_it_out() {
    let policy = format!(
        "{}\npolicy \"Other clinic\" {{\n    timezone \"Europe/Stockholm\"\n    clinic \"D\"\n\n    reminder \"r\" {{\n        send 1 day before at 10:00\n        via sms\n        to patient\n        template \"t\"\n    }}\n}}\n",
        sms_policy(
            "    units \"U\", \"V\"\n    exams \"ekg\"\n",
            "1 day before at 10:00"
        )
    );
    let skips = |changes: &[(&str, &str)]| Run::new(&policy, vec![row(changes)]).skips();
    assert_eq!(
        skips(&[("unit", "W")]),
        ["no policy covers this booking: the nearest, `p`, is for units `U`, `V`, not `W`"]
    );
    assert_eq!(
        skips(&[("exam", "besok"), ("unit", "W")]),
        [
            "no policy covers this booking: the nearest, `p`, is for units `U`, `V`, not `W` (nor its exam)"
        ]
    );
    assert_eq!(
        skips(&[("clinic", "E")]),
        ["no policy covers this booking: the nearest, `p`, is for clinic `C`, not `E`"]
    );
}
