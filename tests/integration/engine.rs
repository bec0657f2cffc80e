//! Scenario tests of the engine, one or more per requirement of DOMAIN.md: a small policy, a
//! few bookings, and the actions (or reasons) a policy author would expect.

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
        let (program, mut diagnostics) = rem::source::load(&[PathBuf::from("policy.rem")], |_| {
            Ok(self.policy.as_bytes().to_vec())
        });
        let checked = rem::check::check(&program);
        diagnostics.extend(checked.diagnostics.iter().cloned());
        assert!(
            !diagnostics
                .iter()
                .any(rem::diagnostic::Diagnostic::is_error),
            "{}",
            rem::diagnostic::render::human(&diagnostics, &program, false)
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

/// The named fields of each action, joined by spaces, for compact assertions.
fn fields(actions: &[Value], names: &[&str]) -> Vec<String> {
    actions
        .iter()
        .map(|a| {
            names
                .iter()
                .map(|n| a[*n].as_str().unwrap_or(""))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
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
fn r1_consent_is_required_for_the_channel() {
    let policy = sms_policy("", "1 day before at 10:00");
    let run = Run::new(
        &policy,
        vec![
            row(&[("booking_id", "yes")]),
            row(&[("booking_id", "no"), ("consent_sms", "false")]),
        ],
    );
    let lines = run.lines();
    assert_eq!(lines[0]["booking_id"], "yes");
    assert_eq!(lines[0]["address"], "+46701234567");
    assert_eq!(lines[1]["booking_id"], "no");
    assert_eq!(lines[1]["skip"], "no consent for sms");
}

#[test]
fn r1_registry_consent_counts_like_any_other() {
    let policy = sms_policy("", "1 day before at 10:00");
    let run = Run::new(&policy, vec![row(&[("consent_source", "registry")])]);
    assert_eq!(run.actions().len(), 1);
}

#[test]
fn r2_r3_only_listed_units_and_exams_send() {
    let policy = sms_policy(
        "    units \"LAK\", \"DSK\"\n    exams \"ekg\"",
        "1 day before at 10:00",
    );
    let run = Run::new(
        &policy,
        vec![
            row(&[("unit", "LAK")]),
            row(&[("unit", "BVC")]),
            row(&[("unit", "DSK"), ("exam", "ultraljud")]),
        ],
    );
    assert_eq!(
        summary(&run.actions()),
        ["sms patient 2026-04-14T10:00:00+02:00"]
    );
    assert_eq!(
        run.skips(),
        [
            "no policy covers this booking",
            "no policy covers this booking"
        ]
    );
}

#[test]
fn r4_r14_minor_age_is_set_per_unit() {
    let policy = "policy \"p\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n    units \"LAK\", \"DSK\"\n    unit \"DSK\" { minor_age 16 }\n\n    reminder \"r\" {\n        send 1 day before at 10:00\n        via sms\n        to patient when not patient.minor\n        to guardians when patient.minor\n        template \"t\"\n    }\n}\n";
    // Seventeen on the visit's date: a minor at LAK (18), not at DSK (16).
    let seventeen = [
        ("birth_date", "2009-01-01"),
        ("guardian1_mobile", "+46709999901"),
        ("guardian1_consent_sms", "true"),
    ];
    let mut lak = seventeen.to_vec();
    lak.push(("unit", "LAK"));
    let mut dsk = seventeen.to_vec();
    dsk.push(("unit", "DSK"));
    let run = Run::new(policy, vec![row(&lak), row(&dsk)]);
    let recipients: Vec<(String, String)> = run
        .actions()
        .iter()
        .map(|a| {
            (
                a["booking_id"].as_str().unwrap_or("").to_string(),
                a["recipient"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        recipients,
        [
            ("B1".to_string(), "guardian1".to_string()),
            ("B1".to_string(), "patient".to_string())
        ]
    );
}

#[test]
fn r5_one_day_before_at_a_local_time() {
    let policy = sms_policy("", "1 day before at 18:00");
    assert_eq!(
        summary(&Run::new(&policy, vec![row(&[])]).actions()),
        ["sms patient 2026-04-14T18:00:00+02:00"]
    );
    // Without `at`, the reminder keeps the visit's time of day.
    let policy = sms_policy("", "1 day before");
    assert_eq!(
        summary(&Run::new(&policy, vec![row(&[])]).actions()),
        ["sms patient 2026-04-14T09:00:00+02:00"]
    );
}

#[test]
fn r6_several_offsets_in_time_order() {
    let policy = sms_policy(
        "",
        "1 day before at 09:00, 4 days before at 09:00, 2 hours before",
    );
    assert_eq!(
        summary(&Run::new(&policy, vec![row(&[])]).actions()),
        [
            "sms patient 2026-04-11T09:00:00+02:00",
            "sms patient 2026-04-14T09:00:00+02:00",
            "sms patient 2026-04-15T07:00:00+02:00",
        ]
    );
}

#[test]
fn r7_at_booking_is_sent_when_the_booking_is_made() {
    let policy = sms_policy("", "at booking");
    assert_eq!(
        summary(&Run::new(&policy, vec![row(&[])]).actions()),
        ["sms patient 2026-03-01T10:00:00+01:00"]
    );
}

#[test]
fn r10_channels_and_their_addresses() {
    let policy = "policy \"p\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n\n    letter \"l\" {\n        send at booking\n        via inbox\n        to patient\n        also paper\n        template \"t\"\n    }\n\n    reminder \"e\" {\n        send 2 days before at 08:00\n        via email\n        to patient\n        template \"t\"\n    }\n\n    reminder \"call\" {\n        send 1 day after at 10:00\n        via task\n        to staff\n        text \"Phone the patient\"\n    }\n}\n";
    let run = Run::new(
        policy,
        vec![row(&[
            ("inbox_account", "true"),
            ("email", "a@example.se"),
            ("consent_email", "true"),
        ])],
    );
    let addresses = fields(&run.actions(), &["channel", "address", "send_at"]);
    assert_eq!(
        addresses,
        [
            "inbox inbox:P1 2026-03-01T10:00:00+01:00",
            "paper postal:P1 2026-03-01T10:00:00+01:00",
            "email a@example.se 2026-04-13T08:00:00+02:00",
            "task unit:U 2026-04-16T10:00:00+02:00",
        ]
    );
}

const LETTER: &str = "policy \"kf\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n\n    letter \"kallelse\" {\n        send at booking\n        via inbox\n        to patient\n        also paper when patient.interpreter or not patient.inbox.account\n        fallback paper after 3 days unopened\n        template \"t\"\n    }\n}\n";

#[test]
fn r11_paper_complement_for_those_who_need_it() {
    let run = Run::new(
        LETTER,
        vec![
            row(&[
                ("booking_id", "digital"),
                ("inbox_account", "true"),
                ("inbox_notifications", "true"),
            ]),
            row(&[
                ("booking_id", "interpreter"),
                ("inbox_account", "true"),
                ("interpreter", "true"),
            ]),
            row(&[("booking_id", "no-account")]),
        ],
    )
    .now("2026-03-01T12:00:00+01:00");
    let by_booking = fields(&run.actions(), &["booking_id", "channel"]);
    assert_eq!(
        by_booking,
        [
            "digital inbox",
            "digital paper",
            "interpreter inbox",
            "interpreter paper",
            "no-account paper"
        ]
    );
    let skips = run.skips();
    assert!(
        skips.contains(&"already sent on paper as a complement (patient)".to_string()),
        "{skips:?}"
    );
    assert!(
        skips.contains(&"no inbox account (patient)".to_string()),
        "{skips:?}"
    );
}

#[test]
fn r12_paper_after_three_days_unopened() {
    let digital = row(&[("inbox_account", "true"), ("inbox_notifications", "true")]);
    // Before the deadline the paper letter is conditional.
    let early = Run::new(LETTER, vec![digital.clone()]).now("2026-03-02T12:00:00+01:00");
    assert_eq!(
        summary(&early.actions()),
        [
            "inbox patient 2026-03-01T10:00:00+01:00",
            "paper patient 2026-03-04T10:00:00+01:00 [unless opened by 2026-03-04T10:00:00+01:00]"
        ]
    );
    // After it, with no `opened` event, it is a plain action.
    let late = Run::new(LETTER, vec![digital.clone()]).now("2026-03-05T12:00:00+01:00");
    assert_eq!(
        summary(&late.actions())[1],
        "paper patient 2026-03-04T10:00:00+01:00"
    );
    // Opened in time: no paper letter, and the reason says so.
    let opened = "{\"booking_id\":\"B1\",\"message\":\"kallelse\",\"channel\":\"inbox\",\"recipient\":\"patient\",\"event\":\"opened\",\"at\":\"2026-03-03T19:00:00+01:00\"}";
    let run = Run::new(LETTER, vec![digital.clone()])
        .now("2026-03-05T12:00:00+01:00")
        .events(opened);
    assert_eq!(run.actions().len(), 1);
    assert_eq!(
        run.skips(),
        [
            "opened before the fallback deadline (patient)",
            "complement condition not met (patient)"
        ]
    );
    // Opened too late: the paper letter was due.
    let too_late = opened.replace("2026-03-03T19:00", "2026-03-04T19:00");
    let run = Run::new(LETTER, vec![digital])
        .now("2026-03-05T12:00:00+01:00")
        .events(&too_late);
    assert_eq!(run.actions().len(), 2);
}

#[test]
fn r12_a_letter_that_would_arrive_after_the_visit_is_not_sent() {
    let run = Run::new(
        LETTER,
        vec![row(&[
            ("inbox_account", "true"),
            ("created", "2026-04-13T10:00:00+02:00"),
        ])],
    )
    .now("2026-04-13T11:00:00+02:00");
    assert_eq!(run.actions().len(), 1);
    assert_eq!(
        run.skips(),
        [
            "fallback would land after the visit (patient)",
            "complement condition not met (patient)"
        ]
    );
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
fn r14_guardians_of_minors_and_reserve_numbers() {
    let policy = "policy \"p\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n    exclude \"minor with reserve number\" when patient.minor and patient.id_kind == reserve\n\n    reminder \"r\" {\n        send 1 day before at 10:00\n        via sms\n        to patient when not patient.minor or patient.has_mobile\n        to guardians when patient.minor\n        template \"t\"\n    }\n}\n";
    let child = [
        ("birth_date", "2015-05-05"),
        ("mobile", ""),
        ("guardian1_mobile", "+46701111111"),
        ("guardian1_consent_sms", "true"),
        ("guardian2_mobile", "+46702222222"),
        ("guardian2_consent_sms", "false"),
    ];
    let mut own_mobile = child.to_vec();
    own_mobile.extend([("booking_id", "own"), ("mobile", "+46703333333")]);
    let mut reserve = child.to_vec();
    reserve.extend([("booking_id", "reserve"), ("id_kind", "reserve")]);
    let run = Run::new(policy, vec![row(&child), row(&own_mobile), row(&reserve)]);
    let sent = fields(&run.actions(), &["booking_id", "recipient"]);
    // Guardian 2 gave no consent; a minor with a mobile also gets an own reminder.
    assert_eq!(sent, ["B1 guardian1", "own patient", "own guardian1"]);
    let skips = run.skips();
    assert!(
        skips.contains(&"no consent for sms (guardian2)".to_string()),
        "{skips:?}"
    );
    assert!(
        skips.contains(&"minor with reserve number".to_string()),
        "{skips:?}"
    );
}

const VAS: &str = "policy \"vas\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n    exclude \"quick-book\" when booking.source == quick_book\n    exclude \"switched off\" when not booking.reminder and booking.source != portal\n\n    reminder \"r\" {\n        send 1 day before at 10:00\n        via sms\n        to patient\n        template \"t\"\n    }\n}\n";

#[test]
fn r15_quick_booked_visits_get_nothing_and_say_why() {
    let run = Run::new(VAS, vec![row(&[("source", "quick_book")])]);
    assert!(run.actions().is_empty());
    assert_eq!(run.skips(), ["quick-book"]);
}

#[test]
fn r16_switched_off_flag_except_portal_bookings() {
    let run = Run::new(
        VAS,
        vec![
            row(&[("booking_id", "staff-off"), ("reminder", "false")]),
            row(&[
                ("booking_id", "portal-off"),
                ("reminder", "false"),
                ("source", "portal"),
            ]),
            row(&[("booking_id", "default"), ("reminder", "")]),
        ],
    );
    let sent: Vec<&str> = run
        .actions()
        .iter()
        .filter_map(|a| a["booking_id"].as_str().map(|_| ""))
        .collect();
    assert_eq!(sent.len(), 2);
    let lines = run.lines();
    assert_eq!(lines[0]["skip"], "switched off");
    assert_eq!(lines[1]["booking_id"], "portal-off");
    assert_eq!(lines[2]["booking_id"], "default");
}

#[test]
fn r17_kinds_in_scope_and_each_series_visit_on_its_own() {
    let policy = sms_policy("    kinds single, series", "1 day before at 10:00");
    let run = Run::new(
        &policy,
        vec![
            row(&[
                ("booking_id", "s1"),
                ("kind", "series"),
                ("series_id", "S"),
                ("start", "2026-04-15T09:00:00+02:00"),
            ]),
            row(&[
                ("booking_id", "s2"),
                ("kind", "series"),
                ("series_id", "S"),
                ("start", "2026-04-22T09:00:00+02:00"),
                ("reminder", "false"),
            ]),
            row(&[("booking_id", "g"), ("kind", "group"), ("group_id", "G")]),
        ],
    );
    let actions = run.actions();
    let sent: Vec<&str> = actions
        .iter()
        .filter_map(|a| a["booking_id"].as_str())
        .collect();
    // This policy does not exclude switched-off flags, so s2 is reminded too; the group is out.
    assert_eq!(sent, ["s1", "s2"]);
    assert_eq!(run.skips(), ["no policy covers this booking"]);
}

#[test]
fn r18_cancellation_and_rebooking_notices() {
    let policy = "policy \"p\" {\n    timezone \"Europe/Rome\"\n    clinic \"C\"\n\n    reminder \"r\" {\n        send 3 days before at 10:00\n        via sms\n        to patient\n        template \"r\"\n    }\n\n    cancellation \"x\" {\n        send on cancellation\n        via sms\n        to patient\n        template \"x\"\n    }\n\n    rebooking \"m\" {\n        send on rescheduling\n        via sms\n        to patient\n        template \"m\"\n    }\n}\n";
    let run = Run::new(
        policy,
        vec![
            row(&[
                ("booking_id", "cancelled"),
                ("status", "cancelled"),
                ("status_at", "2026-03-10T08:30:00+01:00"),
            ]),
            row(&[
                ("booking_id", "moved"),
                ("status_at", "2026-03-11T09:00:00+01:00"),
                ("previous_start", "2026-04-08T09:00:00+02:00"),
            ]),
        ],
    );
    let sent = fields(&run.actions(), &["booking_id", "message", "send_at"]);
    assert_eq!(
        sent,
        [
            "cancelled x 2026-03-10T08:30:00+01:00",
            "moved m 2026-03-11T09:00:00+01:00",
            "moved r 2026-04-12T10:00:00+02:00",
        ]
    );
    assert!(run.skips().contains(&"booking cancelled".to_string()));
}

#[test]
fn r19_sender_alias_and_text_with_placeholders() {
    let policy = "policy \"p\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n    sender \"Vardcentral\"\n\n    reminder \"r\" {\n        send 1 day before at 10:00\n        via sms\n        to patient\n        text \"Tid {booking.weekday} {booking.date} kl {booking.time} på {booking.unit}. Avboka: {links.cancel}\"\n    }\n}\n";
    let action = &Run::new(policy, vec![row(&[])]).actions()[0];
    assert_eq!(action["sender"], "Vardcentral");
    assert_eq!(
        action["text"],
        "Tid onsdag 2026-04-15 kl 09:00 på U. Avboka: {links.cancel}"
    );
}

#[test]
fn r20_a_late_booking_is_skipped_with_a_reason_or_sent_at_once() {
    let booked_late = row(&[("created", "2026-04-14T15:00:00+02:00")]);
    let skip = sms_policy("", "1 day before at 10:00");
    let run = Run::new(&skip, vec![booked_late.clone()]).now("2026-04-14T16:00:00+02:00");
    assert!(run.actions().is_empty());
    assert_eq!(run.skips(), ["booked too late"]);
    let now = sms_policy("    late_booking send_now", "1 day before at 10:00");
    let run = Run::new(&now, vec![booked_late]).now("2026-04-14T16:00:00+02:00");
    assert_eq!(
        summary(&run.actions()),
        ["sms patient 2026-04-14T15:00:00+02:00"]
    );
}

#[test]
fn dst_stockholm_spring_forward() {
    // Clocks go forward on Sunday 2026-03-29; the visit is on the Monday.
    let visit = [
        ("start", "2026-03-30T09:00:00+02:00"),
        ("created", "2026-03-01T10:00:00+01:00"),
    ];
    let days = sms_policy("", "1 day before at 10:00, 1 day before");
    assert_eq!(
        summary(&Run::new(&days, vec![row(&visit)]).actions()),
        [
            "sms patient 2026-03-29T09:00:00+02:00",
            "sms patient 2026-03-29T10:00:00+02:00"
        ]
    );
    // Hours are exact: for a visit at noon on the Sunday itself, 24 hours before is 11:00 on
    // the Saturday (the night was an hour short), while 1 day before keeps noon.
    let sunday = [
        ("start", "2026-03-29T12:00:00+02:00"),
        ("created", "2026-03-01T10:00:00+01:00"),
    ];
    let hours = sms_policy("", "24 hours before, 1 day before");
    assert_eq!(
        summary(&Run::new(&hours, vec![row(&sunday)]).actions()),
        [
            "sms patient 2026-03-28T11:00:00+01:00",
            "sms patient 2026-03-28T12:00:00+01:00"
        ]
    );
    // 02:30 does not exist on the Sunday: the first valid instant after it is 03:00.
    let gap = sms_policy("", "1 day before at 02:30");
    assert_eq!(
        summary(&Run::new(&gap, vec![row(&visit)]).actions()),
        ["sms patient 2026-03-29T03:00:00+02:00"]
    );
}

#[test]
fn dst_copenhagen_fall_back() {
    let policy = "policy \"p\" {\n    timezone \"Europe/Copenhagen\"\n    clinic \"C\"\n\n    reminder \"r\" {\n        send 1 day before at 02:30, 1 day before at 10:00\n        via sms\n        to patient\n        template \"t\"\n    }\n}\n";
    // Clocks go back on Sunday 2026-10-25: 02:30 happens twice and the earlier one counts.
    let visit = [
        ("start", "2026-10-26T09:00:00+01:00"),
        ("created", "2026-10-01T10:00:00+02:00"),
    ];
    assert_eq!(
        summary(&Run::new(policy, vec![row(&visit)]).actions()),
        [
            "sms patient 2026-10-25T02:30:00+02:00",
            "sms patient 2026-10-25T10:00:00+01:00"
        ]
    );
}

#[test]
fn age_is_counted_on_the_visits_local_date() {
    // Born 2008-04-15: eighteen on the visit's date in Stockholm, though still 17 in UTC at 00:30.
    let policy = "policy \"p\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n\n    reminder \"r\" {\n        send 1 day before at 10:00\n        via sms\n        to patient when not patient.minor\n        template \"t\"\n    }\n}\n";
    let run = Run::new(
        policy,
        vec![row(&[
            ("birth_date", "2008-04-15"),
            ("start", "2026-04-15T00:30:00+02:00"),
        ])],
    );
    assert_eq!(run.actions().len(), 1);
}

#[test]
fn windows_push_forward_and_never_past_the_visit() {
    let policy = sms_policy(
        "    window 08:00..20:00 weekdays",
        "1 day before at 21:00, 1 day before at 07:00",
    );
    // Visit on Wednesday 09:00: Tuesday 21:00 moves to Wednesday 08:00, still before the visit;
    // Tuesday 07:00 moves to Tuesday 08:00.
    let run = Run::new(&policy, vec![row(&[])]);
    assert_eq!(
        summary(&run.actions()),
        [
            "sms patient 2026-04-14T08:00:00+02:00",
            "sms patient 2026-04-15T08:00:00+02:00"
        ]
    );
    // A Monday 07:30 visit: Sunday's reminder is pushed to Monday 08:00, after the visit.
    let monday = row(&[("start", "2026-04-13T07:30:00+02:00")]);
    let run = Run::new(&policy, vec![monday]);
    assert!(run.actions().is_empty());
    assert_eq!(
        run.skips(),
        [
            "outside window: the next open window is after the visit",
            "outside window: the next open window is after the visit"
        ]
    );
}

#[test]
fn nothing_but_cancellation_notices_at_or_after_the_visit() {
    let policy = sms_policy("", "0 days before at 10:00");
    let run = Run::new(&policy, vec![row(&[])]);
    assert!(run.actions().is_empty());
    assert_eq!(run.skips(), ["send time at or after the visit"]);
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

#[test]
fn due_mode_lists_what_to_send_now() {
    let policy = sms_policy("", "4 days before at 10:00, 1 day before at 10:00");
    let mut run = Run::new(&policy, vec![row(&[])]).now("2026-04-14T10:00:00+02:00");
    run.mode = Mode::Due;
    run.since = Some("2026-04-14T09:55:00+02:00");
    assert_eq!(
        summary(&run.actions()),
        ["sms patient 2026-04-14T10:00:00+02:00"]
    );
    run.since = Some("2026-04-14T10:00:00+02:00");
    assert!(run.actions().is_empty(), "the interval is (since, now]");
    // Conditional fallbacks are never due; decided ones are.
    let mut run =
        Run::new(LETTER, vec![row(&[("inbox_account", "true")])]).now("2026-03-03T12:00:00+01:00");
    run.mode = Mode::Due;
    assert_eq!(
        summary(&run.actions()),
        ["inbox patient 2026-03-01T10:00:00+01:00"]
    );
    run.now = "2026-03-04T10:00:00+01:00";
    run.since = Some("2026-03-04T09:00:00+01:00");
    assert_eq!(
        summary(&run.actions()),
        ["paper patient 2026-03-04T10:00:00+01:00"]
    );
}

#[test]
fn wins_over_replaces_the_other_policys_message() {
    let policy = "policy \"general\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n\n    reminder \"r\" {\n        send 1 day before at 10:00\n        via sms\n        to patient\n        template \"general\"\n    }\n}\n\npolicy \"ekg\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n    exams \"ekg\"\n    wins_over \"general\"\n\n    reminder \"r\" {\n        send 2 days before at 10:00\n        via sms\n        to patient\n        template \"ekg\"\n    }\n}\n";
    let run = Run::new(
        policy,
        vec![
            row(&[("booking_id", "ekg")]),
            row(&[("booking_id", "other"), ("exam", "xray")]),
        ],
    );
    let sent = fields(&run.actions(), &["booking_id", "template"]);
    assert_eq!(sent, ["ekg ekg", "other general"]);
    assert_eq!(run.skips(), ["replaced by policy `ekg`"]);
}

#[test]
fn r12_r13_the_fallback_deadline_is_when_the_window_lets_it_go_out() {
    // An SMS confirmation on Saturday evening; the e-mail fallback after 1 day would be Sunday
    // evening, but the window (Mon-Sat 08-20) holds it until Monday 08:00. A delivery report
    // that arrives on Sunday night still makes the e-mail unnecessary.
    let policy = "policy \"p\" {\n    timezone \"Europe/Rome\"\n    clinic \"C\"\n    window 08:00..20:00 mon, tue, wed, thu, fri, sat\n\n    confirmation \"c\" {\n        send at booking\n        via sms\n        to patient\n        fallback email after 1 day undelivered\n        template \"t\"\n    }\n}\n";
    let booking = row(&[
        ("created", "2026-04-18T19:30:00+02:00"),
        ("start", "2026-04-30T09:00:00+02:00"),
        ("email", "p@example.it"),
        ("consent_email", "true"),
    ]);
    let early = Run::new(policy, vec![booking.clone()]).now("2026-04-19T12:00:00+02:00");
    assert_eq!(
        summary(&early.actions()),
        [
            "sms patient 2026-04-18T19:30:00+02:00",
            "email patient 2026-04-20T08:00:00+02:00 [unless delivered by 2026-04-20T08:00:00+02:00]"
        ]
    );
    let sunday_night = "{\"booking_id\":\"B1\",\"message\":\"c\",\"channel\":\"sms\",\"recipient\":\"patient\",\"event\":\"delivered\",\"at\":\"2026-04-19T22:00:00+02:00\"}";
    let run = Run::new(policy, vec![booking])
        .now("2026-04-21T12:00:00+02:00")
        .events(sunday_night);
    assert_eq!(run.actions().len(), 1);
    assert_eq!(
        run.skips(),
        ["delivered before the fallback deadline (patient)"]
    );
}

#[test]
fn r13_an_event_about_an_earlier_offset_does_not_answer_a_later_one() {
    let policy = "policy \"p\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n\n    reminder \"r\" {\n        send 4 days before at 10:00, 1 day before at 10:00\n        via sms\n        to patient\n        fallback email after 2 hours undelivered\n        template \"t\"\n    }\n}\n";
    let booking = row(&[("email", "p@example.se"), ("consent_email", "true")]);
    // Delivered: the first SMS only (no key, so matched by time).
    let delivered = "{\"booking_id\":\"B1\",\"message\":\"r\",\"channel\":\"sms\",\"recipient\":\"patient\",\"event\":\"delivered\",\"at\":\"2026-04-11T10:00:04+02:00\"}";
    let run = Run::new(policy, vec![booking])
        .now("2026-04-15T08:00:00+02:00")
        .events(delivered);
    assert_eq!(
        summary(&run.actions()),
        [
            "sms patient 2026-04-11T10:00:00+02:00",
            "sms patient 2026-04-14T10:00:00+02:00",
            "email patient 2026-04-14T12:00:00+02:00"
        ]
    );
}

#[test]
fn r18_a_moved_booking_gets_its_letter_again_unless_a_rebooking_notice_tells_it() {
    let letter_only = "policy \"p\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n\n    letter \"kallelse\" {\n        send at booking\n        via inbox\n        to patient\n        template \"t\"\n    }\n}\n";
    let moved = row(&[
        ("inbox_account", "true"),
        ("previous_start", "2026-04-08T09:00:00+02:00"),
        ("status_at", "2026-03-20T11:00:00+01:00"),
    ]);
    let run = Run::new(letter_only, vec![moved.clone()]);
    assert_eq!(
        summary(&run.actions()),
        ["inbox patient 2026-03-20T11:00:00+01:00"],
        "the new letter goes out when the visit is moved"
    );
    let with_notice = letter_only.replace(
        "}\n}\n",
        "}\n\n    rebooking \"flyttad\" {\n        send on rescheduling\n        via inbox\n        to patient\n        template \"flyttad\"\n    }\n}\n",
    );
    let run = Run::new(&with_notice, vec![moved]);
    let sent = fields(&run.actions(), &["message", "send_at"]);
    assert_eq!(
        sent,
        [
            "kallelse 2026-03-01T10:00:00+01:00",
            "flyttad 2026-03-20T11:00:00+01:00"
        ]
    );
}
