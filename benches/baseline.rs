//! The baseline of issue 12: a plain hand-written evaluator of the benchmark's policies
//! (`policies/vas-vardcentral.rem` and `policies/jonkoping-kf.rem`), as a programmer would
//! write it for these policies alone, with the csv crate, chrono-tz and serde_json, without
//! caching. `benches/run.sh` runs it beside `rem eval` on the same feed, so the ratio can be
//! measured again on any machine.
//!
//! It does what rem does for these policies on a feed from `rem gen`: scope by clinic, unit
//! and exam; the VAS exclusions and age limits; the day-before SMS to the patient or to a
//! minor's guardians; the digital letter with its paper complement and the paper fallback
//! after three unopened days, settled by the `opened` events; the two windowed SMS offsets;
//! consent, cancellations, late bookings. It writes one JSON line an action with the fields of
//! rem's output. Not a reference model (`tests/integration/invariants.rs` is one): a yardstick
//! of speed.
//!
//! Usage: `cargo bench --bench baseline -- FEED.csv EVENTS.jsonl NOW OUT.jsonl`

#![expect(
    clippy::too_many_lines,
    reason = "the baseline is written as a plain program would be: one main loop"
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, BufWriter, Write};

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

const ZONE: Tz = chrono_tz::Europe::Stockholm;
const VAS: &str = "Vårdcentral Exempel";
const KF: &str = "Klinisk fysiologi RJL";
const KF_UNITS: [&str; 3] = ["KF-RYHOV", "KF-HÖGLAND", "KF-VÄRNAMO"];
const KF_EXAMS: [&str; 6] = [
    "ltekg-1d",
    "ltekg-2d",
    "ltekg-6d",
    "ekko",
    "bukaorta",
    "arbetsprov",
];
const WEEKDAYS: [&str; 7] = [
    "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag",
];

#[derive(serde::Serialize)]
struct Action<'a> {
    key: String,
    booking_id: &'a str,
    policy: &'a str,
    message: &'a str,
    kind: &'a str,
    channel: &'a str,
    recipient: &'a str,
    address: String,
    send_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<String>,
}

#[derive(serde::Deserialize)]
struct Event {
    booking_id: String,
    message: String,
    event: String,
    at: String,
}

fn time(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).ok()
}

fn local(date: NaiveDate, at: NaiveTime) -> DateTime<FixedOffset> {
    let naive = date.and_time(at);
    ZONE.from_local_datetime(&naive)
        .earliest()
        .unwrap_or_else(|| ZONE.from_utc_datetime(&naive))
        .fixed_offset()
}

fn key(booking: &str, message: &str, channel: &str, recipient: &str, at: &str) -> String {
    let hash = xxhash_rust::xxh3::xxh3_128(
        format!("{booking}|{message}|{channel}|{recipient}|{at}").as_bytes(),
    );
    format!("{hash:032x}")
}

struct Row<'r> {
    id: &'r str,
    patient_id: &'r str,
    unit: &'r str,
    source: &'r str,
    start: DateTime<FixedOffset>,
    minor: bool,
    reserve: bool,
    mobile: Option<&'r str>,
    consent_sms: bool,
}

fn age(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

fn usable(mobile: &str) -> bool {
    mobile.starts_with('+') && mobile.len() >= 9 && mobile[1..].bytes().all(|b| b.is_ascii_digit())
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [feed, events, now, out] = args.as_slice() else {
        eprintln!(
            "usage: cargo bench --bench baseline -- FEED.csv EVENTS.jsonl NOW OUT.jsonl (benches/run.sh runs it)"
        );
        return;
    };
    let now = time(now).unwrap_or_else(|| panic!("NOW is not RFC 3339"));
    let mut opened: HashMap<String, Vec<DateTime<FixedOffset>>> = HashMap::new();
    let events = BufReader::new(std::fs::File::open(events).unwrap_or_else(|e| panic!("{e}")));
    for line in events.lines() {
        let line = line.unwrap_or_else(|e| panic!("{e}"));
        let Ok(event) = serde_json::from_str::<Event>(&line) else {
            continue;
        };
        if event.event == "opened" && event.message == "kallelse" {
            if let Some(at) = time(&event.at) {
                opened.entry(event.booking_id).or_default().push(at);
            }
        }
    }
    let mut reader = csv::Reader::from_path(feed).unwrap_or_else(|e| panic!("{e}"));
    let headers = reader.headers().unwrap_or_else(|e| panic!("{e}")).clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let c = |name| column(name);
    let (id, patient, clinic, unit, exam, source, status) = (
        c("booking_id"),
        c("patient_id"),
        c("clinic"),
        c("unit"),
        c("exam"),
        c("source"),
        c("status"),
    );
    let (start, created, reminder, birth, id_kind) = (
        c("start"),
        c("created"),
        c("reminder"),
        c("birth_date"),
        c("id_kind"),
    );
    let (mobile, consent_sms, inbox, notifications, interpreter) = (
        c("mobile"),
        c("consent_sms"),
        c("inbox_account"),
        c("inbox_notifications"),
        c("interpreter"),
    );
    let guardians = [
        (
            c("guardian1_mobile"),
            c("guardian1_consent_sms"),
            "guardian1",
        ),
        (
            c("guardian2_mobile"),
            c("guardian2_consent_sms"),
            "guardian2",
        ),
    ];
    let (patient_status, previous_start, status_at) =
        (c("patient_status"), c("previous_start"), c("status_at"));
    let file = std::fs::File::create(out).unwrap_or_else(|e| panic!("{e}"));
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut record = csv::StringRecord::new();
    let mut write = |action: &Action<'_>| {
        serde_json::to_writer(&mut out, action).unwrap_or_else(|e| panic!("{e}"));
        out.write_all(b"\n").unwrap_or_else(|e| panic!("{e}"));
    };
    let mut rows = 0u64;
    while reader
        .read_record(&mut record)
        .unwrap_or_else(|e| panic!("{e}"))
    {
        rows += 1;
        let r = &record;
        if r[status] != *"booked" || r[patient_status] != *"active" {
            continue;
        }
        let (Some(start_at), Some(created_at)) = (time(&r[start]), time(&r[created])) else {
            continue;
        };
        // A moved booking counts as made anew when it was moved.
        let created_at = match (r[previous_start].is_empty(), time(&r[status_at])) {
            (false, Some(moved)) => moved,
            _ => created_at,
        };
        let Ok(birth_date) = NaiveDate::parse_from_str(&r[birth], "%Y-%m-%d") else {
            continue;
        };
        let visit_day = start_at.with_timezone(&ZONE).date_naive();
        let years = age(birth_date, visit_day);
        let row = Row {
            id: &r[id],
            patient_id: &r[patient],
            unit: &r[unit],
            source: &r[source],
            start: start_at,
            minor: years < if &r[unit] == "DSK" { 16 } else { 18 },
            reserve: &r[id_kind] == "reserve",
            mobile: Some(&r[mobile]).filter(|m| usable(m)),
            consent_sms: &r[consent_sms] == "true",
        };
        if &r[clinic] == VAS && (row.unit == "LAK" || row.unit == "DSK") {
            let excluded = row.source == "quick_book"
                || (&r[reminder] == "false" && row.source != "portal")
                || (row.minor && row.reserve);
            if excluded {
                continue;
            }
            let local_start = start_at.with_timezone(&ZONE);
            let send = local(
                local_start.date_naive() - Duration::days(1),
                local_start.time(),
            );
            if send < created_at {
                continue;
            }
            let send_at = send.to_rfc3339();
            let mut sms = |recipient: &'static str, address: &str| {
                write(&Action {
                    key: key(row.id, "dagen före", "sms", recipient, &send_at),
                    booking_id: row.id,
                    policy: "SMS-påminnelse",
                    message: "dagen före",
                    kind: "reminder",
                    channel: "sms",
                    recipient,
                    address: address.to_string(),
                    send_at: send_at.clone(),
                    template: Some("vas-sms-paminnelse"),
                    text: None,
                    condition: None,
                });
            };
            if !row.minor || row.mobile.is_some() {
                if let (Some(m), true) = (row.mobile, row.consent_sms) {
                    sms("patient", m);
                }
            }
            if row.minor {
                for (m, consent, who) in guardians {
                    if usable(&r[m]) && &r[consent] == "true" {
                        sms(who, &r[m]);
                    }
                }
            }
        } else if &r[clinic] == KF {
            if KF_UNITS.contains(&row.unit) && KF_EXAMS.contains(&&r[exam]) {
                let send_at = created_at.to_rfc3339();
                let has_inbox = &r[inbox] == "true";
                let paper_too = row.minor
                    || &r[interpreter] == "true"
                    || &r[id_kind] != "personal"
                    || !has_inbox
                    || &r[notifications] != "true";
                let letter =
                    |channel: &'static str, address: String, send_at: String, condition| Action {
                        key: key(row.id, "kallelse", channel, "patient", &send_at),
                        booking_id: row.id,
                        policy: "Digital kallelse",
                        message: "kallelse",
                        kind: "letter",
                        channel,
                        recipient: "patient",
                        address,
                        send_at,
                        template: Some("kf-digital-kallelse"),
                        text: None,
                        condition,
                    };
                if has_inbox {
                    write(&letter(
                        "inbox",
                        format!("inbox:{}", row.patient_id),
                        send_at.clone(),
                        None,
                    ));
                }
                if paper_too {
                    write(&letter(
                        "paper",
                        format!("postal:{}", row.patient_id),
                        send_at,
                        None,
                    ));
                } else {
                    let deadline = created_at + Duration::days(3);
                    let read = opened
                        .get(row.id)
                        .is_some_and(|o| o.iter().any(|&at| at <= deadline));
                    if deadline < row.start && !read {
                        let at = deadline.to_rfc3339();
                        let condition = Some(format!("unless opened by {at}"));
                        write(&letter(
                            "paper",
                            format!("postal:{}", row.patient_id),
                            at,
                            condition,
                        ));
                    }
                }
            }
            let (Some(m), true) = (row.mobile, row.consent_sms) else {
                continue;
            };
            let local_start = start_at.with_timezone(&ZONE);
            for days in [4, 1] {
                let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default();
                let send = local(local_start.date_naive() - Duration::days(days), ten);
                if send < created_at {
                    continue;
                }
                let send_at = send.to_rfc3339();
                let text = format!(
                    "Påminnelse från Klinisk fysiologi: du har en tid {} {} kl {}, {}. Boka om eller av: {{links.rebook}}",
                    WEEKDAYS[local_start.weekday().num_days_from_monday() as usize],
                    local_start.format("%Y-%m-%d"),
                    local_start.format("%H:%M"),
                    row.unit
                );
                write(&Action {
                    key: key(row.id, "fyra och en dag före", "sms", "patient", &send_at),
                    booking_id: row.id,
                    policy: "KF SMS-påminnelse",
                    message: "fyra och en dag före",
                    kind: "reminder",
                    channel: "sms",
                    recipient: "patient",
                    address: m.to_string(),
                    send_at,
                    template: None,
                    text: Some(text),
                    condition: None,
                });
            }
        }
    }
    out.flush().unwrap_or_else(|e| panic!("{e}"));
    let _ = now;
    eprintln!("baseline: {rows} rows");
}
