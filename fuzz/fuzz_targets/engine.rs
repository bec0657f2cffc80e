//! The engine on the shipped policies: bookings from the fuzzer, evaluated in forecast and due
//! mode and written as JSON Lines and CSV. Nothing may panic, and two cheap rules of
//! `docs/engine.md` must hold for every booking:
//!
//! - rule 9: no action is sent at or after the visit's start, unless it is a `cancellation`
//!   message or its trigger is `after` the visit;
//! - rule 14: no two actions of one booking share an idempotency key.
//!
//! The input has two shapes, chosen by its first byte:
//!
//! - `0`: raw. Then `now` (seconds since the epoch, i64 little-endian) and a CSV body that is
//!   appended to the canonical header of `docs/feed-format.md`. The seeds cut from
//!   `examples/bookings.csv` have this shape.
//! - anything else: structured. The rest is decoded with `arbitrary` into bookings whose
//!   fields are mostly picked from the values the policies test for (their clinics, units,
//!   exams, message names) and times near the visit, so that the fuzzer spends its time in the
//!   engine rather than in the feed's validation; any field may also be arbitrary text. Events
//!   about those bookings are generated too, to decide fallbacks.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use libfuzzer_sys::fuzz_target;
use rem::booking::Booking;
use rem::engine::{Engine, Mode, Options, Origin, Outcome};
use rem::events::EventIndex;
use rem::feed::Column;
use rem::output::{ActionWriter, OutputFormat};
use rem::plan::When;
use rem::schema::MessageKind;

const POLICIES: [(&str, &str); 5] = [
    ("asl-sms.rem", include_str!("../../policies/asl-sms.rem")),
    (
        "jonkoping-kf.rem",
        include_str!("../../policies/jonkoping-kf.rem"),
    ),
    (
        "midtjylland-sms.rem",
        include_str!("../../policies/midtjylland-sms.rem"),
    ),
    (
        "provet-vet.rem",
        include_str!("../../policies/provet-vet.rem"),
    ),
    (
        "vas-vardcentral.rem",
        include_str!("../../policies/vas-vardcentral.rem"),
    ),
];

/// The canonical header of `docs/feed-format.md` (every column but `previous_start`).
const CANONICAL_HEADER: &str = "booking_id,patient_id,clinic,unit,exam,kind,series_id,group_id,source,status,status_at,start,created,reminder,birth_date,id_kind,mobile,email,consent_sms,consent_email,consent_source,inbox_account,inbox_notifications,interpreter,language,guardian1_mobile,guardian1_consent_sms,guardian2_mobile,guardian2_consent_sms";

/// 2026-03-24T11:00:00Z, the `now` of the examples; structured times count from here.
const BASE: i64 = 1_774_350_000;

fn compile(files: &[&str]) -> Engine {
    let roots: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    let read = |path: &Path| {
        POLICIES
            .iter()
            .find(|(name, _)| Path::new(name) == path)
            .map(|(_, text)| text.as_bytes().to_vec())
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    };
    let checked = rem::compile(&roots, read);
    assert!(
        !checked.has_errors(),
        "the shipped policies {files:?} do not compile"
    );
    Engine::new(checked.plan).expect("a checked plan runs")
}

/// All shipped policies in one plan (as `rem eval policies/` runs them, overlaps and all),
/// then each on its own.
fn engines() -> &'static [Engine] {
    static ENGINES: OnceLock<Vec<Engine>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let all: Vec<&str> = POLICIES.iter().map(|(name, _)| *name).collect();
        std::iter::once(compile(&all))
            .chain(all.iter().map(|name| compile(&[name])))
            .collect()
    })
}

/// Values worth picking for the text fields: what the policies test for, and near misses.
struct Words {
    clinics: Vec<String>,
    units: Vec<String>,
    exams: Vec<String>,
    messages: Vec<String>,
}

fn words() -> &'static Words {
    static WORDS: OnceLock<Words> = OnceLock::new();
    WORDS.get_or_init(|| {
        let plan = engines()[0].plan();
        let mut words = Words {
            clinics: vec!["Other clinic".into()],
            units: vec!["OTHER".into()],
            exams: vec![String::new(), "other".into()],
            messages: vec!["other".into()],
        };
        for policy in &plan.policies {
            words.clinics.extend(policy.scope.clinics.iter().cloned());
            words
                .units
                .extend(policy.scope.units.iter().flatten().cloned());
            words.units.extend(policy.unit_settings.keys().cloned());
            words
                .exams
                .extend(policy.scope.exams.iter().flatten().cloned());
            words
                .messages
                .extend(policy.messages.iter().map(|m| m.name.clone()));
        }
        for list in [
            &mut words.clinics,
            &mut words.units,
            &mut words.exams,
            &mut words.messages,
        ] {
            list.sort();
            list.dedup();
        }
        words
    })
}

/// A text field: one of the usual values, empty, or anything.
#[derive(Arbitrary, Debug)]
enum Text {
    Pick(u8),
    Empty,
    Raw(String),
}

impl Text {
    fn render<S: AsRef<str>>(&self, choices: &[S]) -> String {
        match self {
            Text::Pick(i) if !choices.is_empty() => choices[usize::from(*i) % choices.len()]
                .as_ref()
                .to_string(),
            Text::Pick(_) | Text::Empty => String::new(),
            Text::Raw(text) => text.clone(),
        }
    }
}

const OFFSETS: [&str; 8] = [
    "+01:00", "+02:00", "Z", "+00:00", "-05:00", "+14:00", "-12:00", "+05:45",
];

/// A time: minutes from `BASE` (within about a year) in one of a few offsets, or anything.
#[derive(Arbitrary, Debug)]
enum Time {
    Near { minutes: i32, offset: u8 },
    Empty,
    Raw(String),
}

impl Time {
    fn instant(minutes: i32, offset: u8) -> DateTime<FixedOffset> {
        let at = DateTime::<Utc>::from_timestamp(BASE, 0).expect("BASE is a valid time")
            + Duration::minutes(i64::from(minutes % (365 * 24 * 60)));
        let offset = OFFSETS[usize::from(offset) % OFFSETS.len()];
        let zone: FixedOffset = match offset {
            "Z" => FixedOffset::east_opt(0),
            text => text.parse().ok(),
        }
        .unwrap_or(FixedOffset::east_opt(0).expect("UTC is an offset"));
        at.with_timezone(&zone)
    }

    fn render(&self) -> String {
        match self {
            Time::Near { minutes, offset } => {
                let at = Time::instant(*minutes, *offset);
                let text = at.to_rfc3339();
                if OFFSETS[usize::from(*offset) % OFFSETS.len()] == "Z" {
                    text.replace("+00:00", "Z")
                } else {
                    text
                }
            }
            Time::Empty => String::new(),
            Time::Raw(text) => text.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Date {
    /// Days before 2026-03-24: children, adults, the very old, and the day of an 18th birthday.
    DaysBefore(u16),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct Row {
    booking_id: Text,
    patient_id: Text,
    clinic: Text,
    unit: Text,
    exam: Text,
    kind: Text,
    series_id: Text,
    group_id: Text,
    source: Text,
    status: Text,
    status_at: Time,
    start: Time,
    created: Time,
    reminder: Text,
    birth_date: Date,
    id_kind: Text,
    mobile: Text,
    email: Text,
    consent_sms: Text,
    consent_email: Text,
    consent_source: Text,
    inbox_account: Text,
    inbox_notifications: Text,
    interpreter: Text,
    language: Text,
    guardian1_mobile: Text,
    guardian1_consent_sms: Text,
    guardian2_mobile: Text,
    guardian2_consent_sms: Text,
    previous_start: Time,
}

const BOOLEANS: [&str; 3] = ["true", "false", ""];
const MOBILES: [&str; 5] = [
    "+46701234501",
    "+4512345678",
    "+393331234567",
    "0701234567",
    "+0123",
];
const EMAILS: [&str; 4] = ["anna@example.org", "not an address", "a@b", "ö@exämple.se"];

impl Row {
    /// The row's fields in the order of `rem::feed::Column::ALL`.
    fn fields(&self, number: usize) -> Vec<String> {
        let words = words();
        let ids = [format!("B-{number}"), "B-0".to_string()];
        let birth = match &self.birth_date {
            Date::DaysBefore(days) => (DateTime::<Utc>::from_timestamp(BASE, 0)
                .expect("BASE is a valid time")
                - Duration::days(i64::from(*days % (120 * 366))))
            .format("%Y-%m-%d")
            .to_string(),
            Date::Raw(text) => text.clone(),
        };
        vec![
            self.booking_id.render(&ids),
            self.patient_id.render(&["P1001", "P1002"]),
            self.clinic.render(&words.clinics),
            self.unit.render(&words.units),
            self.exam.render(&words.exams),
            self.kind.render(&["single", "series", "team", "group"]),
            self.series_id.render(&["S-1", "S-2"]),
            self.group_id.render(&["G-1", "G-2"]),
            self.source.render(&["staff", "portal", "quick_book"]),
            self.status.render(&["booked", "cancelled"]),
            self.status_at.render(),
            self.start.render(),
            self.created.render(),
            self.reminder.render(&BOOLEANS),
            birth,
            self.id_kind
                .render(&["personal", "coordination", "reserve"]),
            self.mobile.render(&MOBILES),
            self.email.render(&EMAILS),
            self.consent_sms.render(&BOOLEANS),
            self.consent_email.render(&BOOLEANS),
            self.consent_source
                .render(&["none", "clinic", "portal", "registry"]),
            self.inbox_account.render(&BOOLEANS),
            self.inbox_notifications.render(&BOOLEANS),
            self.interpreter.render(&BOOLEANS),
            self.language.render(&["sv", "da", "it", "en", "xx"]),
            self.guardian1_mobile.render(&MOBILES),
            self.guardian1_consent_sms.render(&BOOLEANS),
            self.guardian2_mobile.render(&MOBILES),
            self.guardian2_consent_sms.render(&BOOLEANS),
            self.previous_start.render(),
        ]
    }
}

#[derive(Arbitrary, Debug)]
struct EventRow {
    booking: u8,
    message: Text,
    channel: Text,
    recipient: Text,
    event: Text,
    at: Time,
}

#[derive(Arbitrary, Debug)]
struct Scenario {
    now: i32,
    since: Option<i32>,
    rows: Vec<Row>,
    events: Vec<EventRow>,
}

/// Turns the input into a CSV feed, an event feed (JSON Lines), `now` and `since`.
fn decode(data: &[u8]) -> Option<(Vec<u8>, Vec<u8>, DateTime<Utc>, Option<DateTime<Utc>>)> {
    let (&shape, rest) = data.split_first()?;
    if shape == 0 {
        let (now, body) = rest.split_first_chunk::<8>()?;
        let now = DateTime::<Utc>::from_timestamp(i64::from_le_bytes(*now), 0)?;
        let mut feed = format!("{CANONICAL_HEADER}\n").into_bytes();
        feed.extend_from_slice(body);
        return Some((feed, Vec::new(), now, None));
    }
    let scenario = Scenario::arbitrary_take_rest(Unstructured::new(rest)).ok()?;
    let at = |minutes: i32| Time::instant(minutes, 0).with_timezone(&Utc);
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(Column::ALL.iter().map(|c| c.name()))
        .ok()?;
    for (number, row) in scenario.rows.iter().enumerate() {
        csv.write_record(row.fields(number)).ok()?;
    }
    let feed = csv.into_inner().ok()?;
    let mut events = Vec::new();
    for event in &scenario.events {
        let line = serde_json::json!({
            "booking_id": format!("B-{}", usize::from(event.booking) % scenario.rows.len().max(1)),
            "message": event.message.render(&words().messages),
            "channel": event.channel.render(&["sms", "email", "inbox", "paper", "task"]),
            "recipient": event.recipient.render(&["patient", "guardian1", "guardian2", "staff"]),
            "event": event.event.render(&["sent", "delivered", "failed", "opened"]),
            "at": event.at.render(),
        });
        events.extend_from_slice(line.to_string().as_bytes());
        events.push(b'\n');
    }
    Some((feed, events, at(scenario.now), scenario.since.map(at)))
}

/// Rules 9 and 14 for the outcomes of one booking.
fn check_invariants(engine: &Engine, booking: &Booking<'_>, outcomes: &[Outcome]) {
    let mut keys = Vec::new();
    for outcome in outcomes {
        let Outcome::Action(action) = outcome else {
            continue;
        };
        let message = &engine.policy(action.policy).messages[action.message];
        let trigger = match action.origin {
            Origin::Trigger(t) | Origin::Complement { trigger: t, .. } | Origin::Fallback(t) => t,
        };
        let after = matches!(message.triggers[trigger].when, When::After { .. });
        assert!(
            action.send_at < booking.start || message.kind == MessageKind::Cancellation || after,
            "`{}` of booking `{}` is sent at {}, not before the visit at {}: {action:?}",
            message.name,
            booking.id,
            action.send_at,
            booking.start
        );
        assert!(
            !keys.contains(&action.key),
            "two actions of booking `{}` share the key {:032x}: {outcomes:#?}",
            booking.id,
            action.key
        );
        keys.push(action.key);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((feed, events, now, since)) = decode(data) else {
        return;
    };
    let (index, _) = rem::feed::events::read(&events[..], false, now)
        .unwrap_or((EventIndex::default(), Vec::new()));
    let Ok(mut feed) = rem::feed::csv::CsvFeed::new(&feed[..]) else {
        return;
    };
    let engines = engines();
    let mut writers: Vec<ActionWriter<std::io::Sink>> = [OutputFormat::Jsonl, OutputFormat::Csv]
        .into_iter()
        .map(|format| ActionWriter::new(std::io::sink(), format, true).expect("sink"))
        .collect();
    let mut outcomes = Vec::new();
    while let Some(row) = feed.next_row() {
        let Ok((_, Ok(booking))) = row else { continue };
        for engine in engines {
            for mode in [Mode::Forecast, Mode::Due] {
                outcomes.clear();
                let options = Options { now, since, mode };
                engine.evaluate(&booking, &index, &options, &mut outcomes);
                check_invariants(engine, &booking, &outcomes);
                for writer in &mut writers {
                    for outcome in &outcomes {
                        writer
                            .write(engine, &booking, outcome)
                            .expect("a sink takes anything");
                    }
                }
            }
        }
    }
    for writer in writers {
        writer.finish().expect("a sink takes anything");
    }
});
