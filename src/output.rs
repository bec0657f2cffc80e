//! Stage 5: outcomes → the lines the SMS gateway, the inbox and the print shop read (JSON
//! Lines or CSV), the rejects file, and the counts of the summary. Writers take any
//! `io::Write`; the CLI decides where it goes. The format is documented in
//! `docs/output-format.md`.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use std::io::{self, Write};

use chrono::{Datelike, Timelike};
use serde::Serialize;

use crate::booking::Booking;
use crate::engine::{Action, Engine, Origin, Outcome, PolicyId, Reason, Skip};
use crate::feed::{Location, Reject};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Jsonl,
    Csv,
}

/// One line of output, borrowed from the engine and the booking.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    booking_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    send_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skip: Option<String>,
    /// The stable code of `skip` (`docs/output-format.md`).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

const CSV_HEADER: [&str; 15] = [
    "key",
    "booking_id",
    "policy",
    "message",
    "kind",
    "channel",
    "recipient",
    "address",
    "send_at",
    "sender",
    "template",
    "text",
    "condition",
    "skip",
    "reason",
];

/// Writes actions (and, with `explain`, the reasons for what was not sent).
pub struct ActionWriter<W: Write> {
    explain: bool,
    sink: Sink<W>,
}

enum Sink<W: Write> {
    Jsonl {
        out: W,
        buffer: Vec<u8>,
    },
    /// CSV lines are written into a buffer first, moved to `out` a block at a time.
    Csv {
        out: W,
        csv: Box<csv::Writer<Vec<u8>>>,
    },
}

impl<W: Write> ActionWriter<W> {
    pub fn new(out: W, format: OutputFormat, explain: bool) -> io::Result<Self> {
        let mut writer = ActionWriter::continuing(out, format, explain);
        if let Sink::Csv { csv, .. } = &mut writer.sink {
            csv.write_record(CSV_HEADER).map_err(io::Error::other)?;
        }
        Ok(writer)
    }

    /// A writer of lines that continue an output begun by [`ActionWriter::new`] (no CSV
    /// header): the part of one chunk of the feed, evaluated on its own thread.
    pub fn continuing(out: W, format: OutputFormat, explain: bool) -> Self {
        let sink = match format {
            OutputFormat::Jsonl => Sink::Jsonl {
                out,
                buffer: Vec::with_capacity(1 << 16),
            },
            OutputFormat::Csv => Sink::Csv {
                out,
                csv: Box::new(csv::Writer::from_writer(Vec::with_capacity(1 << 16))),
            },
        };
        ActionWriter { explain, sink }
    }

    /// Appends lines written by a [`ActionWriter::continuing`] writer, as they are.
    pub fn write_lines(&mut self, lines: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Jsonl { out, buffer } => {
                out.write_all(buffer)?;
                buffer.clear();
                out.write_all(lines)
            }
            Sink::Csv { out, csv } => {
                out.write_all(&take_csv(csv)?)?;
                out.write_all(lines)
            }
        }
    }

    pub fn write(
        &mut self,
        engine: &Engine,
        booking: &Booking<'_>,
        outcome: &Outcome,
    ) -> io::Result<()> {
        // Actions in JSON Lines are the hot path of a large feed: written straight into the
        // buffer, without building the line first.
        if let (Sink::Jsonl { out, buffer }, Outcome::Action(action)) = (&mut self.sink, outcome) {
            write_action_json(buffer, engine, booking, action);
            if buffer.len() > 1 << 16 {
                out.write_all(buffer)?;
                buffer.clear();
            }
            return Ok(());
        }
        let line = match outcome {
            Outcome::Action(action) => action_line(engine, booking, action),
            Outcome::Skip(skip) if self.explain => skip_line(engine, booking, skip),
            Outcome::Skip(_) => return Ok(()),
        };
        match &mut self.sink {
            Sink::Jsonl { out, buffer } => {
                serde_json::to_writer(&mut *buffer, &line).map_err(io::Error::other)?;
                buffer.push(b'\n');
                if buffer.len() > 1 << 16 {
                    out.write_all(buffer)?;
                    buffer.clear();
                }
                Ok(())
            }
            Sink::Csv { out, csv } => {
                let record = [
                    line.key.as_deref().unwrap_or(""),
                    line.booking_id,
                    line.policy.unwrap_or(""),
                    line.message.unwrap_or(""),
                    line.kind.unwrap_or(""),
                    line.channel.unwrap_or(""),
                    line.recipient.unwrap_or(""),
                    line.address.as_deref().unwrap_or(""),
                    line.send_at.as_deref().unwrap_or(""),
                    line.sender.unwrap_or(""),
                    line.template.unwrap_or(""),
                    line.text.as_deref().unwrap_or(""),
                    line.condition.as_deref().unwrap_or(""),
                    line.skip.as_deref().unwrap_or(""),
                    line.reason.unwrap_or(""),
                ];
                csv.write_record(record.map(neutral_cell))
                    .map_err(io::Error::other)?;
                if csv.get_ref().len() > 1 << 16 {
                    out.write_all(&take_csv(csv)?)?;
                }
                Ok(())
            }
        }
    }

    /// Writes what is buffered, flushes, and gives the output back.
    pub fn finish(self) -> io::Result<W> {
        match self.sink {
            Sink::Jsonl { mut out, buffer } => {
                out.write_all(&buffer)?;
                out.flush()?;
                Ok(out)
            }
            Sink::Csv { mut out, mut csv } => {
                out.write_all(&take_csv(&mut csv)?)?;
                out.flush()?;
                Ok(out)
            }
        }
    }
}

/// The CSV lines written so far, the writer left empty.
fn take_csv(csv: &mut Box<csv::Writer<Vec<u8>>>) -> io::Result<Vec<u8>> {
    let empty = Box::new(csv::Writer::from_writer(Vec::with_capacity(1 << 16)));
    std::mem::replace(csv, empty)
        .into_inner()
        .map_err(|e| e.into_error())
}

fn action_line<'a>(engine: &'a Engine, booking: &'a Booking<'_>, action: &'a Action) -> Line<'a> {
    let policy = engine.policy(action.policy);
    let message = &policy.messages[action.message];
    Line {
        key: Some(format!("{:032x}", action.key)),
        booking_id: &booking.id,
        policy: Some(&policy.name),
        message: Some(&message.name),
        kind: Some(message.kind.as_str()),
        channel: Some(action.channel.as_str()),
        recipient: Some(action.recipient.as_str()),
        address: Some(action.address.resolve(booking)),
        send_at: Some(rfc3339(action.send_at)),
        sender: action.sender.as_deref(),
        template: message.wording(action.origin.is_fallback()).template,
        text: action.text.clone(),
        condition: action
            .unless
            .map(|u| format!("unless {} by {}", u.event.as_str(), rfc3339(u.by))),
        skip: None,
        reason: None,
    }
}

/// The channel a skip is about: a complement's or a fallback's own, else the message's.
fn skip_channel(message: &crate::plan::Message, origin: Option<Origin>) -> crate::plan::Channel {
    let own = match origin {
        Some(Origin::Complement { complement, .. }) => {
            message.complements.get(complement).map(|c| c.channel)
        }
        Some(Origin::Fallback(_)) => message.fallback.as_ref().map(|f| f.channel),
        Some(Origin::Trigger(_)) | None => None,
    };
    own.unwrap_or(message.channel)
}

fn skip_line<'a>(engine: &'a Engine, booking: &'a Booking<'_>, skip: &Skip) -> Line<'a> {
    let policy = skip.policy.map(|p| engine.policy(p));
    let message = policy.zip(skip.message).map(|(p, m)| &p.messages[m]);
    Line {
        key: None,
        booking_id: &booking.id,
        policy: policy.map(|p| p.name.as_str()),
        message: message.map(|m| m.name.as_str()),
        kind: message.map(|m| m.kind.as_str()),
        channel: message.map(|m| skip_channel(m, skip.origin).as_str()),
        recipient: skip.recipient.map(|r| r.as_str()),
        address: None,
        send_at: None,
        sender: None,
        template: None,
        text: None,
        condition: None,
        skip: Some(engine.describe_for(booking, skip.policy, skip.reason)),
        reason: Some(engine.reason_code(skip.policy, skip.reason)),
    }
}

/// `2026-03-29T10:00:00+02:00`: RFC 3339 with the local offset, whole seconds.
fn rfc3339(t: chrono::DateTime<chrono::FixedOffset>) -> String {
    let mut out = Vec::with_capacity(25);
    push_rfc3339(&mut out, t);
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `n` in decimal with at least `width` digits.
fn push_digits(out: &mut Vec<u8>, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut i = digits.len();
    let mut n = n;
    while n > 0 || digits.len() - i < width {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend_from_slice(&digits[i..]);
}

fn push_rfc3339(out: &mut Vec<u8>, t: chrono::DateTime<chrono::FixedOffset>) {
    let year = t.year();
    let offset = t.offset().local_minus_utc();
    if (0..=9999).contains(&year) && offset % 60 == 0 {
        // The common case, written into one array and copied once.
        let two = |n: u32| [b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8];
        let minutes = offset.unsigned_abs() / 60;
        let [y1, y2] = two(year.unsigned_abs() / 100);
        let [y3, y4] = two(year.unsigned_abs() % 100);
        let [mo1, mo2] = two(t.month());
        let [d1, d2] = two(t.day());
        let [h1, h2] = two(t.hour());
        let [mi1, mi2] = two(t.minute());
        let [s1, s2] = two(t.second());
        let [oh1, oh2] = two(minutes / 60);
        let [om1, om2] = two(minutes % 60);
        let sign = if offset < 0 { b'-' } else { b'+' };
        out.extend_from_slice(&[
            y1, y2, y3, y4, b'-', mo1, mo2, b'-', d1, d2, b'T', h1, h2, b':', mi1, mi2, b':', s1,
            s2, sign, oh1, oh2, b':', om1, om2,
        ]);
        return;
    }
    if year < 0 {
        out.push(b'-');
    }
    push_digits(out, year.unsigned_abs(), 4);
    for (separator, value) in [
        (b'-', t.month()),
        (b'-', t.day()),
        (b'T', t.hour()),
        (b':', t.minute()),
        (b':', t.second()),
    ] {
        out.push(separator);
        push_digits(out, value, 2);
    }
    let offset = t.offset().local_minus_utc();
    out.push(if offset < 0 { b'-' } else { b'+' });
    let minutes = offset.unsigned_abs() / 60;
    push_digits(out, minutes / 60, 2);
    out.push(b':');
    push_digits(out, minutes % 60, 2);
}

/// Appends `text` as the inside of a JSON string (without its quotes), escaped as serde_json
/// escapes it.
fn push_json_inner(out: &mut Vec<u8>, text: &str) {
    // Most texts need no escape (serde_json escapes control characters, quotes and
    // backslashes, nothing else): they are copied as they are.
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    let at = out.len();
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
    out.pop();
    out.remove(at);
}

/// One action as a JSON line, byte for byte what serialising its `Line` gives.
fn write_action_json(out: &mut Vec<u8>, engine: &Engine, booking: &Booking<'_>, action: &Action) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let policy = engine.policy(action.policy);
    let message = &policy.messages[action.message];
    out.extend_from_slice(b"{\"key\":\"");
    let mut hex = [0u8; 32];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(action.key.to_be_bytes()) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0xf)];
    }
    out.extend_from_slice(&hex);
    // Every field is a string; the closing quote is written with the next field's start.
    // `start` is the end of the field before and the name: `","policy":"`.
    let field = |out: &mut Vec<u8>, start: &[u8], value: &str| {
        out.extend_from_slice(start);
        push_json_inner(out, value);
    };
    field(out, b"\",\"booking_id\":\"", &booking.id);
    field(out, b"\",\"policy\":\"", &policy.name);
    field(out, b"\",\"message\":\"", &message.name);
    field(out, b"\",\"kind\":\"", message.kind.as_str());
    field(out, b"\",\"channel\":\"", action.channel.as_str());
    field(out, b"\",\"recipient\":\"", action.recipient.as_str());
    // The address is its prefix and its value, escaped one after the other (JSON escapes
    // character by character), without building the string.
    let (prefix, value) = action.address.parts(booking);
    field(out, b"\",\"address\":\"", prefix);
    push_json_inner(out, value);
    out.extend_from_slice(b"\",\"send_at\":\"");
    push_rfc3339(out, action.send_at);
    if let Some(sender) = &action.sender {
        field(out, b"\",\"sender\":\"", sender);
    }
    if let Some(template) = message.wording(action.origin.is_fallback()).template {
        field(out, b"\",\"template\":\"", template);
    }
    if let Some(text) = &action.text {
        field(out, b"\",\"text\":\"", text);
    }
    if let Some(unless) = action.unless {
        out.extend_from_slice(b"\",\"condition\":\"unless ");
        out.extend_from_slice(unless.event.as_str().as_bytes());
        out.extend_from_slice(b" by ");
        push_rfc3339(out, unless.by);
    }
    out.extend_from_slice(b"\"}\n");
}

/// A CSV cell made safe to open in a spreadsheet (OWASP, "CSV Injection"): a cell that starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula, so it gets a
/// `'` in front. A phone number in E.164 form (`+46701234567`) is left as it is: the SMS gateway
/// needs it, and a spreadsheet reads it as a number, not a formula.
pub fn neutral(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(crate::booking::FORMULA_STARTS);
    if risky && !crate::booking::is_e164(cell) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// [`neutral`], as the bytes of a CSV cell, copied only when it changes.
fn neutral_cell(cell: &str) -> std::borrow::Cow<'_, [u8]> {
    match neutral(cell) {
        std::borrow::Cow::Borrowed(text) => std::borrow::Cow::Borrowed(text.as_bytes()),
        std::borrow::Cow::Owned(text) => std::borrow::Cow::Owned(text.into_bytes()),
    }
}

/// Writes rejected rows: where, which booking, which field, why. No values of personal fields.
pub struct RejectWriter<W: Write> {
    csv: csv::Writer<W>,
}

impl<W: Write> RejectWriter<W> {
    pub fn new(out: W) -> io::Result<Self> {
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record([
            "input",
            "line",
            "entry",
            "booking_id",
            "field",
            "code",
            "reason",
            "severity",
        ])
        .map_err(io::Error::other)?;
        Ok(RejectWriter { csv })
    }

    pub fn write(&mut self, input: &str, reject: &Reject) -> io::Result<()> {
        let (line, entry) = match reject.location {
            Location::Line(n) => (n.to_string(), String::new()),
            Location::Entry(n) => (String::new(), n.to_string()),
        };
        self.csv
            .write_record(
                [
                    input,
                    &line,
                    &entry,
                    reject.booking_id.as_deref().unwrap_or(""),
                    reject.field.unwrap_or(""),
                    reject.problem.code(),
                    &reject.reason(),
                    reject.severity.as_str(),
                ]
                .map(neutral_cell),
            )
            .map_err(io::Error::other)
    }

    /// Flushes, and gives the output back.
    pub fn finish(self) -> io::Result<W> {
        self.csv.into_inner().map_err(|e| e.into_error())
    }
}

/// The counts of the run summary. Every feed row is either evaluated or rejected, so
/// `rows_read == bookings_evaluated + rows_rejected`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub rows_read: u64,
    pub rows_rejected: u64,
    pub bookings_evaluated: u64,
    pub bookings_in_scope: u64,
    pub actions: u64,
    pub conditional: u64,
    /// Counted in hash maps (a count for every outcome of millions of rows), given sorted.
    actions_by_channel: FxHashMap<&'static str, u64>,
    /// By policy and message number.
    actions_by_message: FxHashMap<(PolicyId, usize), u64>,
    skips: FxHashMap<(Option<PolicyId>, Reason), u64>,
    pub event_rows_read: u64,
    pub event_rows_rejected: u64,
    /// Rows of the services feed (R8): each a recall evaluated, a performance replaced by a
    /// later one, or rejected.
    pub service_rows_read: u64,
    pub service_rows_rejected: u64,
    pub recalls_evaluated: u64,
    pub superseded: u64,
    /// FHIR appointments `entered-in-error`: counted, not evaluated, not rejected.
    pub left_out: u64,
    /// FHIR appointments given twice alike (on two pages of a search): evaluated once.
    pub repeated: u64,
    /// Fields that cost their messages, not their rows (an unusable mobile number).
    pub warnings: u64,
}

impl Tally {
    /// Counts a recall record's outcomes (its row is counted with the services feed's).
    pub fn count_recall(&mut self, outcomes: &[Outcome]) {
        self.recalls_evaluated += 1;
        self.count_outcomes(outcomes);
    }

    pub fn count_booking(&mut self, outcomes: &[Outcome]) {
        self.rows_read += 1;
        self.bookings_evaluated += 1;
        let out_of_scope = outcomes.iter().any(|o| {
            matches!(
                o,
                Outcome::Skip(Skip {
                    reason: Reason::NoPolicy,
                    ..
                })
            )
        });
        if !out_of_scope {
            self.bookings_in_scope += 1;
        }
        self.count_outcomes(outcomes);
    }

    fn count_outcomes(&mut self, outcomes: &[Outcome]) {
        for outcome in outcomes {
            match outcome {
                Outcome::Action(a) => {
                    self.actions += 1;
                    if a.unless.is_some() {
                        self.conditional += 1;
                    }
                    *self
                        .actions_by_channel
                        .entry(a.channel.as_str())
                        .or_default() += 1;
                    *self
                        .actions_by_message
                        .entry((a.policy, a.message))
                        .or_default() += 1;
                }
                Outcome::Skip(s) => *self.skips.entry((s.policy, s.reason)).or_default() += 1,
            }
        }
    }

    /// Adds the counts of another part of the same run (a chunk evaluated on its own thread).
    pub fn merge(&mut self, other: &Tally) {
        fn add<K: std::hash::Hash + Eq + Copy>(
            to: &mut FxHashMap<K, u64>,
            from: &FxHashMap<K, u64>,
        ) {
            for (key, count) in from {
                *to.entry(*key).or_default() += count;
            }
        }
        let Tally {
            rows_read,
            rows_rejected,
            bookings_evaluated,
            bookings_in_scope,
            actions,
            conditional,
            actions_by_channel,
            actions_by_message,
            skips,
            event_rows_read,
            event_rows_rejected,
            service_rows_read,
            service_rows_rejected,
            recalls_evaluated,
            superseded,
            left_out,
            repeated,
            warnings,
        } = other;
        self.rows_read += rows_read;
        self.rows_rejected += rows_rejected;
        self.bookings_evaluated += bookings_evaluated;
        self.bookings_in_scope += bookings_in_scope;
        self.actions += actions;
        self.conditional += conditional;
        add(&mut self.actions_by_channel, actions_by_channel);
        add(&mut self.actions_by_message, actions_by_message);
        add(&mut self.skips, skips);
        self.event_rows_read += event_rows_read;
        self.event_rows_rejected += event_rows_rejected;
        self.service_rows_read += service_rows_read;
        self.service_rows_rejected += service_rows_rejected;
        self.recalls_evaluated += recalls_evaluated;
        self.superseded += superseded;
        self.left_out += left_out;
        self.repeated += repeated;
        self.warnings += warnings;
    }

    pub fn count_left_out(&mut self) {
        self.rows_read += 1;
        self.left_out += 1;
    }

    /// Counts a row that was not evaluated: left out, or rejected; true when rejected.
    pub fn count_unevaluated(&mut self, problem: crate::feed::Problem) -> bool {
        if problem.is_left_out() {
            self.count_left_out();
            false
        } else {
            self.count_reject();
            true
        }
    }

    pub fn count_reject(&mut self) {
        self.rows_read += 1;
        self.rows_rejected += 1;
    }

    /// Actions by channel, in the channels' order by name.
    pub fn actions_by_channel(&self) -> BTreeMap<&'static str, u64> {
        self.actions_by_channel
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect()
    }

    /// Actions by policy and message number, in the plan's order.
    pub fn actions_by_message(&self) -> BTreeMap<(PolicyId, usize), u64> {
        self.actions_by_message
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect()
    }

    /// Skips by the words of their reason (an exclusion's name, "no consent for sms", ...).
    pub fn skips_by_reason(&self, engine: &Engine) -> BTreeMap<String, u64> {
        let mut by_reason = BTreeMap::new();
        for (&(policy, reason), &count) in &self.skips {
            *by_reason
                .entry(engine.describe(policy, reason))
                .or_default() += count;
        }
        by_reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Issue 12: a text without anything to escape is copied; every text comes out as
        /// serde_json writes it.
        #[test]
        fn json_strings_are_written_as_serde_json_writes_them(text in "(\\PC|[\"\\\\\u{0}-\u{1f}\u{7f}])*") {
            let mut out = Vec::new();
            out.push(b'"');
            push_json_inner(&mut out, &text);
            out.push(b'"');
            proptest::prop_assert_eq!(String::from_utf8(out).ok(), serde_json::to_string(&text).ok());
        }
    }
    use crate::engine::{Mode, Options};
    use crate::events::EventIndex;

    /// The fast JSON path writes exactly what serialising the line would.
    #[test]
    fn direct_json_equals_the_serialised_line() {
        let policy = "policy \"p\" {\n    timezone \"Europe/Stockholm\"\n    clinic \"C\"\n    sender \"VC Ost\"\n\n    letter \"l\" {\n        send at booking\n        via inbox\n        to patient\n        also paper\n        fallback sms after 3 days unopened\n        text \"Tid {booking.weekday} {booking.date} kl {booking.time}, {booking.unit}\"\n    }\n}\n";
        let checked = crate::compile(&[std::path::PathBuf::from("p.rem")], |p| {
            if p.extension().is_some_and(|e| e == "rem") {
                Ok(policy.as_bytes().to_vec())
            } else {
                Err(std::io::ErrorKind::NotFound.into())
            }
        });
        assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        let engine = Engine::new(checked.plan).expect("runs");
        let feed = "booking_id,patient_id,clinic,unit,exam,kind,series_id,group_id,source,status,status_at,start,created,reminder,birth_date,id_kind,mobile,email,consent_sms,consent_email,consent_source,inbox_account,inbox_notifications,interpreter,language,guardian1_mobile,guardian1_consent_sms,guardian2_mobile,guardian2_consent_sms\n\"B\"\"1\",P1,C,\"Enhet \"\"A\"\"\",x,single,,,staff,booked,,2026-03-30T09:00:00+02:00,2026-03-01T10:00:00+01:00,true,1980-01-01,personal,+46701234567,,true,false,clinic,true,true,false,sv,,,,\n";
        let mut csv = crate::feed::csv::CsvFeed::new(feed.as_bytes()).expect("header");
        let (_, row) = csv.next_row().expect("a row").expect("readable");
        let booking = row.expect("valid");
        let options = Options {
            now: chrono::DateTime::parse_from_rfc3339("2026-03-02T12:00:00+01:00")
                .expect("time")
                .with_timezone(&chrono::Utc),
            since: None,
            mode: Mode::Forecast,
        };
        let mut outcomes = Vec::new();
        engine.evaluate(&booking, &EventIndex::default(), &options, &mut outcomes);
        let mut actions = 0;
        for outcome in &outcomes {
            let Outcome::Action(action) = outcome else {
                continue;
            };
            actions += 1;
            let mut fast = Vec::new();
            write_action_json(&mut fast, &engine, &booking, action);
            let mut slow =
                serde_json::to_vec(&action_line(&engine, &booking, action)).expect("serialises");
            slow.push(b'\n');
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&slow)
            );
        }
        assert_eq!(
            actions, 3,
            "inbox, paper complement and the conditional fallback"
        );
    }
}
