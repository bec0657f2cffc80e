//! JSON Lines feeds: one booking object a line, with the CSV's names; patient fields nested
//! under `patient`, guardians as a list under `guardians`. Which name goes where comes from the
//! feed table (`schema::Column`).

use std::borrow::Cow;
use std::io::BufRead;

use std::cell::RefCell;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::lines::{Line as LineRead, LineReader};
use super::{Column, FeedError, Location, Problem, RawBooking, Reject, Row, reject};
use crate::booking::Booking;
use crate::schema::{JsonPlace, Values};

/// What the reader learnt about a line that is not a booking object: the field it was reading
/// when it failed, and the problem.
#[derive(Default)]
struct Failure {
    field: Option<&'static str>,
    problem: Option<Problem>,
}

/// Reads one booking object straight into a [`RawBooking`], by the feed table: a field's name
/// and place come from `schema::Column`, flags are JSON booleans and everything else text.
/// Unknown fields are ignored; a field given twice is refused.
struct Object<'f> {
    failure: &'f RefCell<Failure>,
}

/// One of the object's places: the booking, the patient, or guardian 1 or 2.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Booking,
    Patient,
    Guardian(u8),
}

impl Place {
    /// The column a field of this object holds: looked up in a table built once from the
    /// column table (a row has some thirty fields; the table has thirty columns).
    fn column(self, name: &str) -> Option<Column> {
        type Table = rustc_hash::FxHashMap<(u8, &'static str), Column>;
        static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
        let key = |place: Place| match place {
            Place::Booking => 0,
            Place::Patient => 1,
            Place::Guardian(n) => 1 + n,
        };
        let table = TABLE.get_or_init(|| {
            let places = [
                Place::Booking,
                Place::Patient,
                Place::Guardian(1),
                Place::Guardian(2),
            ];
            let mut table = Table::default();
            for place in places {
                for &column in Column::ALL.iter() {
                    let info = column.info();
                    let name = match info.json {
                        JsonPlace::Guardian(_, field) => field,
                        _ => info.name,
                    };
                    if place.holds(column, name) {
                        table.insert((key(place), name), column);
                    }
                }
            }
            table
        });
        table.get(&(key(self), name)).copied()
    }

    /// Whether the field `name` of this object holds `column` (by the column table).
    fn holds(self, column: Column, name: &str) -> bool {
        let info = column.info();
        match (self, info.json) {
            (Place::Booking, JsonPlace::Booking) | (Place::Patient, JsonPlace::Patient) => {
                info.name == name
            }
            (Place::Guardian(n), JsonPlace::Guardian(m, field)) => n == m && field == name,
            _ => false,
        }
    }
}

/// The fields of one place, into `raw`.
struct Fields<'r, 'a, 'f> {
    raw: &'r mut RawBooking<'a>,
    place: Place,
    failure: &'f RefCell<Failure>,
}

impl<'de, 'f> DeserializeSeed<'de> for Object<'f> {
    type Value = RawBooking<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let mut raw = RawBooking::default();
        deserializer.deserialize_map(Fields {
            raw: &mut raw,
            place: Place::Booking,
            failure: self.failure,
        })?;
        Ok(raw)
    }
}

impl<'de> DeserializeSeed<'de> for Fields<'_, 'de, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Fields<'_, 'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            let failed = |field: &'static str, problem: Problem| {
                let mut failure = self.failure.borrow_mut();
                failure.field = Some(field);
                failure.problem = Some(problem);
                de::Error::custom(problem)
            };
            match (self.place, key.as_ref()) {
                (Place::Booking, "patient") => {
                    self.failure.borrow_mut().field = Some("patient");
                    map.next_value_seed(Fields {
                        raw: self.raw,
                        place: Place::Patient,
                        failure: self.failure,
                    })?;
                }
                (Place::Booking, "guardians") => {
                    self.failure.borrow_mut().field = Some("guardians");
                    map.next_value_seed(Guardians {
                        raw: self.raw,
                        failure: self.failure,
                    })?;
                }
                (place, name) => {
                    let Some(column) = place.column(name) else {
                        map.next_value::<de::IgnoredAny>()?;
                        continue;
                    };
                    if self.raw.has(column) {
                        return Err(failed(column.name(), Problem::DuplicateJsonField));
                    }
                    self.failure.borrow_mut().field = Some(column.name());
                    let value = if let Values::Flag(_) = column.info().values {
                        map.next_value::<Option<bool>>()?
                            .map(|b| Cow::Borrowed(if b { "true" } else { "false" }))
                    } else {
                        map.next_value::<Option<Text<'de>>>()?
                            .map(|Text(text)| text)
                    };
                    if let Some(value) = value {
                        self.raw.set(column, value);
                    }
                }
            }
        }
        Ok(())
    }
}

/// The `guardians` list: guardian 1 first, at most two.
/// A string of the row, borrowed from the line when it has no escapes (serde's own `Cow`
/// always copies).
pub(super) struct Text<'de>(pub(super) Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_string())))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

struct Guardians<'r, 'a, 'f> {
    raw: &'r mut RawBooking<'a>,
    failure: &'f RefCell<Failure>,
}

impl<'de> DeserializeSeed<'de> for Guardians<'_, 'de, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Guardians<'_, 'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of guardians")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        let mut count = 0usize;
        while let Some(()) = seq.next_element_seed(Fields {
            raw: &mut *self.raw,
            place: Place::Guardian(u8::try_from(count + 1).unwrap_or(u8::MAX)),
            failure: self.failure,
        })? {
            count += 1;
            if count > 2 {
                // Counted to the end, to say how many.
                while seq.next_element::<de::IgnoredAny>()?.is_some() {
                    count += 1;
                }
                let mut failure = self.failure.borrow_mut();
                failure.field = Some(Column::Guardian2Mobile.name());
                failure.problem = Some(Problem::TooManyGuardians { found: count });
                return Err(de::Error::custom("too many guardians"));
            }
        }
        Ok(())
    }
}

pub struct JsonlFeed<R> {
    /// The country of national phone numbers (the feed configuration's `phone_region`).
    pub region: Option<phonenumber::country::Id>,
    input: LineReader<R>,
    line: String,
    bytes: Vec<u8>,
}

impl<R: BufRead> JsonlFeed<R> {
    pub fn new(input: R) -> Self {
        JsonlFeed {
            region: None,
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
        let bad_line = |problem| Some(Ok((location, Err(Reject::line(location, problem)))));
        if read == LineRead::TooLong {
            return bad_line(Problem::LineTooLong);
        }
        self.line.clear();
        match std::str::from_utf8(&self.bytes) {
            Ok(text) => self.line.push_str(text),
            Err(_) => return bad_line(Problem::NotUtf8),
        }
        let line = self.line.as_str();
        let failure = RefCell::new(Failure::default());
        let mut deserializer = serde_json::Deserializer::from_str(line);
        let parsed = Object { failure: &failure }
            .deserialize(&mut deserializer)
            .and_then(|raw| deserializer.end().map(|()| raw));
        let row = match parsed {
            Ok(mut raw) => {
                raw.region = self.region;
                let booking_id = raw.booking_id();
                raw.validate().map_err(|e| reject(location, booking_id, e))
            }
            Err(error) => Err(json_reject(location, line, &error, failure.into_inner())),
        };
        Some(Ok((location, row)))
    }
}

/// A reject for a line that is not a booking object. serde's messages can quote the value
/// (a phone number, say), so only the kind of error and the field's name are kept.
fn json_reject(
    location: Location,
    line: &str,
    error: &serde_json::Error,
    failure: Failure,
) -> Reject {
    let data = error.classify() == serde_json::error::Category::Data;
    let problem = match (failure.problem, error.classify()) {
        (Some(problem), _) => problem,
        (None, serde_json::error::Category::Data) => Problem::WrongJsonType,
        (None, serde_json::error::Category::Eof) => Problem::JsonEnds,
        (None, _) => Problem::NotJson {
            column: error.column(),
        },
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
        field: if data { failure.field } else { None },
        problem,
        severity: Default::default(),
        input: None,
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
    let email = super::as_given(
        patient.email.as_deref(),
        patient.email_invalid,
        Column::Email,
    );
    let guardians: Vec<serde_json::Value> = booking
        .guardians
        .iter()
        .map(|g| match g {
            Some(g) => serde_json::to_value(GuardianOut {
                mobile: super::as_given(g.mobile.as_deref(), g.mobile_invalid, Column::Mobile),
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
            "mobile": super::as_given(patient.mobile.as_deref(), patient.mobile_invalid, Column::Mobile),
            "email": email,
            "consent_sms": patient.consent_sms,
            "consent_email": patient.consent_email,
            "consent_source": patient.consent_source.as_str(),
            "inbox_account": patient.inbox_account,
            "inbox_notifications": patient.inbox_notifications,
            "interpreter": patient.interpreter,
            "language": patient.language,
            "patient_status": patient.status.as_str(),
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
            + "{\"booking_id\":\"G2\",\"patient_id\":\"P\",\"clinic\":\"C\",\"unit\":\"U\",\"kind\":\"group\",\"group_id\":\"G\",\"source\":\"staff\",\"status\":\"booked\",\"start\":\"2026-03-30T09:00:00.250+02:00\",\"created\":\"2026-03-01T09:00:00Z\",\"patient\":{\"birth_date\":\"2015-01-01\",\"id_kind\":\"reserve\",\"email\":\"a@b,c@d.se\"},\"guardians\":[{},{\"mobile\":\"+46701234512\",\"consent_sms\":true}]}\n"
            // A held row keeps a deceased patient's status and what makes a number unusable.
            + "{\"booking_id\":\"G3\",\"patient_id\":\"P\",\"clinic\":\"C\",\"unit\":\"U\",\"kind\":\"group\",\"group_id\":\"G\",\"source\":\"staff\",\"status\":\"booked\",\"start\":\"2026-03-30T09:00:00+02:00\",\"created\":\"2026-03-01T09:00:00Z\",\"patient\":{\"birth_date\":\"2015-01-01\",\"id_kind\":\"personal\",\"mobile\":\"070-1\",\"patient_status\":\"deceased\"},\"guardians\":[{\"mobile\":\"12\",\"consent_sms\":true},{}]}\n";
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
        assert_eq!(count, 22);
    }
}
