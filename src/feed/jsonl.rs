//! JSON Lines feeds: one booking object a line, with the CSV's names; patient fields nested
//! under `patient`, guardians as a list under `guardians`.

use std::borrow::Cow;
use std::io::BufRead;

use serde::Deserialize;

use super::lines::{Line as LineRead, LineReader};
use super::{Column, FeedError, Location, RawBooking, Reject, Row, reject};

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    booking_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    patient_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    clinic: Option<Cow<'a, str>>,
    #[serde(borrow)]
    unit: Option<Cow<'a, str>>,
    #[serde(borrow)]
    exam: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    series_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    group_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    start: Option<Cow<'a, str>>,
    #[serde(borrow)]
    created: Option<Cow<'a, str>>,
    #[serde(borrow)]
    previous_start: Option<Cow<'a, str>>,
    reminder: Option<bool>,
    #[serde(borrow, default)]
    patient: Option<PatientLine<'a>>,
    #[serde(borrow, default)]
    guardians: Vec<GuardianLine<'a>>,
}

#[derive(Deserialize)]
struct PatientLine<'a> {
    #[serde(borrow)]
    birth_date: Option<Cow<'a, str>>,
    #[serde(borrow)]
    id_kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    mobile: Option<Cow<'a, str>>,
    #[serde(borrow)]
    email: Option<Cow<'a, str>>,
    consent_sms: Option<bool>,
    consent_email: Option<bool>,
    #[serde(borrow)]
    consent_source: Option<Cow<'a, str>>,
    inbox_account: Option<bool>,
    inbox_notifications: Option<bool>,
    interpreter: Option<bool>,
    #[serde(borrow)]
    language: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct GuardianLine<'a> {
    #[serde(borrow)]
    mobile: Option<Cow<'a, str>>,
    consent_sms: Option<bool>,
}

fn flag(value: Option<bool>) -> Option<Cow<'static, str>> {
    value.map(|v| Cow::Borrowed(if v { "true" } else { "false" }))
}

impl<'a> Line<'a> {
    fn into_raw(self) -> Result<RawBooking<'a>, (Column, String)> {
        let mut raw = RawBooking::default();
        let mut put =
            |column: Column, value: Option<Cow<'a, str>>| raw.values[column as usize] = value;
        put(Column::BookingId, self.booking_id);
        put(Column::PatientId, self.patient_id);
        put(Column::Clinic, self.clinic);
        put(Column::Unit, self.unit);
        put(Column::Exam, self.exam);
        put(Column::Kind, self.kind);
        put(Column::SeriesId, self.series_id);
        put(Column::GroupId, self.group_id);
        put(Column::Source, self.source);
        put(Column::Status, self.status);
        put(Column::StatusAt, self.status_at);
        put(Column::Start, self.start);
        put(Column::Created, self.created);
        put(Column::PreviousStart, self.previous_start);
        put(Column::Reminder, flag(self.reminder));
        if let Some(p) = self.patient {
            put(Column::BirthDate, p.birth_date);
            put(Column::IdKind, p.id_kind);
            put(Column::Mobile, p.mobile);
            put(Column::Email, p.email);
            put(Column::ConsentSms, flag(p.consent_sms));
            put(Column::ConsentEmail, flag(p.consent_email));
            put(Column::ConsentSource, p.consent_source);
            put(Column::InboxAccount, flag(p.inbox_account));
            put(Column::InboxNotifications, flag(p.inbox_notifications));
            put(Column::Interpreter, flag(p.interpreter));
            put(Column::Language, p.language);
        }
        if self.guardians.len() > 2 {
            return Err((
                Column::Guardian2Mobile,
                format!(
                    "lists {} guardians; at most two are registered",
                    self.guardians.len()
                ),
            ));
        }
        let columns = [
            (Column::Guardian1Mobile, Column::Guardian1ConsentSms),
            (Column::Guardian2Mobile, Column::Guardian2ConsentSms),
        ];
        for (guardian, (mobile, consent)) in self.guardians.into_iter().zip(columns) {
            put(mobile, guardian.mobile);
            put(consent, flag(guardian.consent_sms));
        }
        Ok(raw)
    }
}

pub struct JsonlFeed<R> {
    input: LineReader<R>,
    line: String,
    bytes: Vec<u8>,
}

impl<R: BufRead> JsonlFeed<R> {
    pub fn new(input: R) -> Self {
        JsonlFeed {
            input: LineReader::new(input),
            line: String::with_capacity(1024),
            bytes: Vec::with_capacity(1024),
        }
    }

    pub fn next_row(&mut self) -> Option<Result<Row<'_>, FeedError>> {
        let read = match self.input.next_line(&mut self.bytes) {
            Ok(LineRead::End) => return None,
            Ok(read) => read,
            Err(error) => return Some(Err(FeedError::Io(error.to_string()))),
        };
        let location = Location::Line(self.input.number());
        let bad_line = |reason: &str| {
            Some(Ok((
                location,
                Err(Reject {
                    location,
                    booking_id: None,
                    field: None,
                    reason: reason.to_string(),
                }),
            )))
        };
        if read == LineRead::TooLong {
            return bad_line(super::LINE_TOO_LONG);
        }
        self.line.clear();
        match std::str::from_utf8(&self.bytes) {
            Ok(text) => self.line.push_str(text),
            Err(_) => return bad_line("the line is not valid UTF-8"),
        }
        let line = self.line.as_str();
        let row = match serde_json::from_str::<Line<'_>>(line) {
            Ok(parsed) => {
                let booking_id = parsed.booking_id.as_ref().map(|b| b.to_string());
                parsed
                    .into_raw()
                    .and_then(RawBooking::validate)
                    .map_err(|e| reject(location, booking_id, e))
            }
            Err(error) => Err(json_reject(location, line, &error)),
        };
        Some(Ok((location, row)))
    }
}

/// A reject for a line that is not a booking object. serde's messages can quote the value
/// (a phone number, say), so only the kind of error and the field's name are kept.
fn json_reject(location: Location, line: &str, error: &serde_json::Error) -> Reject {
    let at = line
        .char_indices()
        .nth(error.column().saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    let field = line[..at].rfind("\":").and_then(|end| {
        let start = line[..end].rfind('"')? + 1;
        let name = &line[start..end];
        Column::named(name).map(Column::name).or(match name {
            "patient" => Some("patient"),
            "guardians" => Some("guardians"),
            _ => None,
        })
    });
    let reason = match error.classify() {
        serde_json::error::Category::Data => {
            "has the wrong type (text in quotes, true/false, a list or an object as documented)"
                .to_string()
        }
        serde_json::error::Category::Eof => "the line ends inside the JSON object".to_string(),
        _ => format!("the line is not valid JSON (column {})", error.column()),
    };
    // The booking id is not personal: read it from the line when the line is still JSON.
    let booking_id = serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .and_then(|v| {
            v.get("booking_id")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
        });
    Reject {
        location,
        booking_id,
        field: if error.classify() == serde_json::error::Category::Data {
            field
        } else {
            None
        },
        reason,
    }
}
