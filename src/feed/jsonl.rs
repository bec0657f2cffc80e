//! JSON Lines feeds: one booking object a line, with the CSV's names; patient fields nested
//! under `patient`, guardians as a list under `guardians`.

use std::borrow::Cow;
use std::io::BufRead;

use serde::Deserialize;

use super::lines::{Line as LineRead, LineReader};
use super::{Column, FeedError, Location, RawBooking, Reject, Row, reject};
use crate::booking::Booking;

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

/// A booking as one line of this format: what [`JsonlFeed`] reads back as an equal booking.
/// Used to hold rows back in a temporary file (group bookings wait for the end of the feed; see
/// `feed::rules`) instead of in memory.
pub fn write_booking(out: &mut Vec<u8>, booking: &Booking<'_>) {
    #[derive(serde::Serialize)]
    struct GuardianOut<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        mobile: Option<&'a str>,
        consent_sms: bool,
    }
    let time = |t: &chrono::DateTime<chrono::FixedOffset>| {
        t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
    };
    let patient = &booking.patient;
    // An unusable e-mail address was not kept; one that can never be valid stands for it.
    let email = match (&patient.email, patient.email_invalid) {
        (Some(email), _) => Some(email.as_ref()),
        (None, true) => Some("not an address"),
        (None, false) => None,
    };
    let guardians: Vec<serde_json::Value> = booking
        .guardians
        .iter()
        .map(|g| match g {
            Some(g) => serde_json::to_value(GuardianOut {
                mobile: g.mobile.as_deref(),
                consent_sms: g.consent_sms,
            })
            .unwrap_or_default(),
            // An empty object is "not registered", and keeps guardian 2 in its place.
            None => serde_json::json!({}),
        })
        .collect();
    let line = serde_json::json!({
        "booking_id": booking.id,
        "patient_id": booking.patient_id,
        "clinic": booking.clinic,
        "unit": booking.unit,
        "exam": booking.exam,
        "kind": booking.kind.as_str(),
        "series_id": booking.series_id,
        "group_id": booking.group_id,
        "source": booking.source.as_str(),
        "status": booking.status.as_str(),
        "status_at": booking.status_at.as_ref().map(time),
        "start": time(&booking.start),
        "created": time(&booking.created),
        "previous_start": booking.previous_start.as_ref().map(time),
        "reminder": booking.reminder,
        "patient": {
            "birth_date": patient.birth_date.format("%Y-%m-%d").to_string(),
            "id_kind": patient.id_kind.as_str(),
            "mobile": patient.mobile,
            "email": email,
            "consent_sms": patient.consent_sms,
            "consent_email": patient.consent_email,
            "consent_source": patient.consent_source.as_str(),
            "inbox_account": patient.inbox_account,
            "inbox_notifications": patient.inbox_notifications,
            "interpreter": patient.interpreter,
            "language": patient.language,
        },
        "guardians": guardians,
    });
    // Writing a JSON value into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &line);
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every example booking, written and read back, is the same booking.
    #[test]
    fn a_written_booking_reads_back_equal() {
        let text = include_str!("../../examples/bookings.jsonl").to_string()
            + "{\"booking_id\":\"G2\",\"patient_id\":\"P\",\"clinic\":\"C\",\"unit\":\"U\",\"kind\":\"group\",\"group_id\":\"G\",\"source\":\"staff\",\"status\":\"booked\",\"start\":\"2026-03-30T09:00:00.250+02:00\",\"created\":\"2026-03-01T09:00:00Z\",\"patient\":{\"birth_date\":\"2015-01-01\",\"id_kind\":\"reserve\",\"email\":\"a@b,c@d.se\"},\"guardians\":[{},{\"mobile\":\"+46701234512\",\"consent_sms\":true}]}\n";
        let mut feed = JsonlFeed::new(text.as_bytes());
        let mut count = 0;
        while let Some(row) = feed.next_row() {
            let (_, row) = row.expect("readable");
            let booking = row.expect("valid").into_owned();
            let mut line = Vec::new();
            write_booking(&mut line, &booking);
            let mut again = JsonlFeed::new(&line[..]);
            let (_, read) = again.next_row().expect("a row").expect("readable");
            assert_eq!(read.expect("valid"), booking);
            count += 1;
        }
        assert_eq!(count, 21);
    }
}
