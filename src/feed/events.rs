//! Event feeds: JSON Lines, or CSV with a header, read line by line like a booking feed.

use std::borrow::Cow;

use chrono::DateTime;

use super::lines::{Line, LineReader};
use super::{FeedError, Location, Problem, Reject};
use crate::events::{Event, EventIndex, EventKind};
use crate::schema::{Channel, Values, Who};

/// The fields of an event row.
pub const FIELDS: [&str; 8] = [
    "booking_id",
    "message",
    "channel",
    "recipient",
    "event",
    "at",
    "key",
    "text",
];

/// Reads an event feed (JSON Lines, or CSV with a header) into an index. A bad row (not JSON,
/// not UTF-8, a wrong value, an event after `now`) is rejected alone with its line and field,
/// never dropped, and never quoted: events name phone numbers, e-mail addresses and ids.
pub fn read(
    input: impl std::io::BufRead,
    csv: bool,
    now: DateTime<chrono::Utc>,
) -> Result<(EventIndex, Vec<Reject>), FeedError> {
    let mut index = EventIndex::default();
    let mut rejects = Vec::new();
    let mut lines = LineReader::new(input);
    let mut bytes = Vec::new();
    // For CSV: which event field each column holds, once the header is read.
    let mut header: Option<Vec<Option<&'static str>>> = None;
    loop {
        let read = lines
            .next_line(&mut bytes)
            .map_err(|e| FeedError::Io(e.to_string()))?;
        let location = Location::Line(lines.number());
        if csv && header.is_none() && read != Line::End {
            // The first line is the header, read like a booking feed's: names that are not
            // UTF-8 are no column of ours, and are ignored.
            if read == Line::TooLong {
                return Err(FeedError::NoHeader);
            }
            header = Some(csv_header(&String::from_utf8_lossy(&bytes))?);
            continue;
        }
        let fields = match (read, std::str::from_utf8(&bytes)) {
            (Line::End, _) => break,
            (Line::TooLong, _) => Err(Problem::LineTooLong),
            (Line::Text, Err(_)) => Err(Problem::NotUtf8),
            (Line::Text, Ok(line)) => match &header {
                Some(columns) if csv => csv_fields(columns, line),
                _ => json_fields(line),
            },
        };
        match fields {
            Ok(fields) => match to_event(location, &fields, now) {
                Ok((booking_id, event)) => index.insert(&booking_id, event),
                Err(reject) => rejects.push(reject),
            },
            Err(problem) => rejects.push(Reject::line(location, problem)),
        }
    }
    Ok((index, rejects))
}

/// The event of a row, or its reject: an event after `now` cannot have been reported.
fn to_event<S: AsRef<str>>(
    location: Location,
    fields: &[(&'static str, S)],
    now: DateTime<chrono::Utc>,
) -> Result<(String, Event), Reject> {
    let reject = |booking_id: Option<String>, field: &'static str, problem| Reject {
        location,
        booking_id,
        field: Some(field),
        problem,
        severity: Default::default(),
        input: None,
    };
    match event(fields) {
        Ok((booking_id, event)) if event.at > now => {
            Err(reject(Some(booking_id), "at", Problem::EventAfterNow))
        }
        Ok(found) => Ok(found),
        Err((field, problem)) => {
            let booking_id = fields
                .iter()
                .find(|(k, v)| *k == "booking_id" && !v.as_ref().is_empty())
                .map(|(_, v)| v.as_ref().to_string());
            Err(reject(booking_id, field, problem))
        }
    }
}

/// One CSV line split into its cells.
pub(super) fn csv_cells(line: &str) -> Option<Vec<String>> {
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(line.as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(str::to_string).collect())
}

/// The event field each column of a CSV header holds; a field named twice is refused.
fn csv_header(line: &str) -> Result<Vec<Option<&'static str>>, FeedError> {
    let names = csv_cells(line).ok_or(FeedError::NoHeader)?;
    let columns: Vec<Option<&'static str>> = names
        .iter()
        .map(|n| FIELDS.iter().copied().find(|f| f == &n.trim()))
        .collect();
    for (second, column) in columns.iter().enumerate() {
        if let Some(first) =
            column.and_then(|c| columns[..second].iter().position(|o| o == &Some(c)))
        {
            return Err(FeedError::DuplicateColumn {
                column: column.unwrap_or_default(),
                first: first + 1,
                second: second + 1,
            });
        }
    }
    Ok(columns)
}

/// The fields of one CSV row by the header's columns.
fn csv_fields<'a>(
    columns: &[Option<&'static str>],
    line: &str,
) -> Result<Vec<(&'static str, Cow<'a, str>)>, Problem> {
    let values = csv_cells(line).ok_or(Problem::NotCsv)?;
    if values.len() != columns.len() {
        return Err(Problem::FieldCount {
            found: values.len(),
            expected: columns.len(),
        });
    }
    Ok(columns
        .iter()
        .zip(values)
        .filter_map(|(c, v)| c.map(|c| (c, Cow::Owned(v))))
        .collect())
}

/// The fields of one JSON Lines row; values that are not text keep their JSON form.
fn json_fields(line: &str) -> Result<Vec<(&'static str, Cow<'_, str>)>, Problem> {
    if let Some(fields) = text_fields(line) {
        return Ok(fields);
    }
    // Anything else (a number, a field given twice, not JSON): field by field.
    let map: std::collections::BTreeMap<String, serde_json::Value> =
        serde_json::from_str(line).map_err(|e| Problem::NotJson { column: e.column() })?;
    Ok(map
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .filter_map(|(k, v)| {
            let name = FIELDS.iter().copied().find(|f| *f == k)?;
            Some((
                name,
                Cow::Owned(v.as_str().map_or_else(|| v.to_string(), str::to_string)),
            ))
        })
        .collect())
}

/// The usual row, every field of [`FIELDS`] text, `null` or absent: its text fields, borrowed
/// from the line. `None` for anything else (a value that is not text, a field given twice, not
/// an object), which [`json_fields`] reads field by field.
fn text_fields(line: &str) -> Option<Vec<(&'static str, Cow<'_, str>)>> {
    use serde::de::{self, Deserializer as _, IgnoredAny, MapAccess, Visitor};

    use super::jsonl::Text;

    struct Fields;
    impl<'de> Visitor<'de> for Fields {
        type Value = Vec<(&'static str, Cow<'de, str>)>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of text fields")
        }

        fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
            let mut fields = Vec::with_capacity(FIELDS.len());
            let mut given = 0u32;
            while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                let Some(n) = FIELDS.iter().position(|f| *f == key) else {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                };
                if given & (1 << n) != 0 {
                    return Err(de::Error::custom("a field given twice"));
                }
                given |= 1 << n;
                if let Some(Text(value)) = map.next_value::<Option<Text<'de>>>()? {
                    fields.push((FIELDS[n], value));
                }
            }
            Ok(fields)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(line);
    let fields = (&mut deserializer).deserialize_map(Fields).ok()?;
    deserializer.end().ok()?;
    Some(fields)
}

/// One event from its fields by name; on failure, the field at fault and why (never its
/// value).
pub fn event<S: AsRef<str>>(
    fields: &[(&'static str, S)],
) -> Result<(String, Event), (&'static str, Problem)> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_ref())
            .filter(|v| !v.is_empty())
    };
    let need = |name: &'static str| get(name).ok_or((name, Problem::Missing));
    let booking_id = need("booking_id")?.to_string();
    let kind =
        EventKind::parse(need("event")?).ok_or(("event", Problem::NotOneOf(EventKind::WORDS)))?;
    // An event about the booking names no action; a reply may name the one it answers.
    let about_action = !kind.is_about_booking() && kind != EventKind::Reply;
    let field = |name: &'static str| {
        if about_action {
            need(name).map(Some)
        } else {
            Ok(get(name))
        }
    };
    let channel = field("channel")?
        .map(|c| Channel::parse(c).ok_or(("channel", Problem::NotOneOf(Channel::WORDS))))
        .transpose()?;
    let recipient = field("recipient")?
        .map(|r| Who::parse(r).ok_or(("recipient", Problem::NotOneOf(Who::WORDS))))
        .transpose()?;
    let at = DateTime::parse_from_rfc3339(need("at")?)
        .map(super::whole_seconds)
        .map_err(|_| ("at", Problem::NotValid(Values::Time)))?;
    let key = get("key")
        .map(|k| {
            let hex = k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit());
            hex.then(|| u128::from_str_radix(k, 16).ok())
                .flatten()
                .ok_or(("key", Problem::NotAnActionKey))
        })
        .transpose()?;
    let message = field("message")?.unwrap_or_default().to_string();
    let reply = match kind {
        EventKind::Reply => Some(
            get("text")
                .and_then(crate::events::reply_word)
                .ok_or(("text", Problem::Missing))?,
        ),
        _ => None,
    };
    Ok((
        booking_id,
        Event {
            key,
            message,
            channel,
            recipient,
            kind,
            at,
            reply,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<chrono::Utc> {
        DateTime::parse_from_rfc3339("2026-03-24T12:00:00+01:00")
            .map(|t| t.to_utc())
            .unwrap_or_default()
    }

    /// A field that is `null` is not given, whether the rest of the row is text (read
    /// borrowed) or not (read field by field).
    #[test]
    fn null_fields_are_not_given_on_either_path() {
        let feed = concat!(
            r#"{"booking_id":"A","event":"results_ready","at":"2026-03-20T10:00:00+01:00","message":null}"#,
            "\n",
            r#"{"booking_id":"B","event":"results_ready","at":"2026-03-20T10:00:00+01:00","message":null,"text":7}"#,
            "\n",
            r#"{"booking_id":"C","event":"delivered","at":"2026-03-20T10:00:00+01:00","message":null,"channel":"sms","recipient":"patient"}"#,
            "\n",
        );
        let (index, rejects) = read(feed.as_bytes(), false, now()).expect("reads");
        for id in ["A", "B"] {
            let events: Vec<_> = index.of(id).collect();
            assert_eq!(events.len(), 1, "{id}");
            assert_eq!(events[0].message, "", "{id}");
        }
        assert_eq!(rejects.len(), 1);
        assert_eq!(rejects[0].field, Some("message"));
        assert_eq!(rejects[0].problem, Problem::Missing);
    }
}
