//! Event feeds: JSON Lines, or CSV with a header, read line by line like a booking feed.

use chrono::DateTime;

use super::lines::{Line, LineReader};
use super::{FeedError, Location, Reject};
use crate::events::{Event, EventIndex, EventKind};
use crate::schema::{Channel, Who};

/// The fields of an event row.
pub const FIELDS: [&str; 7] = [
    "booking_id",
    "message",
    "channel",
    "recipient",
    "event",
    "at",
    "key",
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
    // For CSV: which event field each column holds.
    let mut header: Option<Vec<Option<&'static str>>> = None;
    loop {
        let read = lines
            .next_line(&mut bytes)
            .map_err(|e| FeedError::Io(e.to_string()))?;
        let location = Location::Line(lines.number());
        let reject =
            |booking_id: Option<String>, field: Option<&'static str>, reason: String| Reject {
                location,
                booking_id,
                field,
                reason,
            };
        let line = match read {
            Line::End => break,
            Line::TooLong => {
                rejects.push(reject(None, None, crate::feed::LINE_TOO_LONG.to_string()));
                continue;
            }
            Line::Text => match std::str::from_utf8(&bytes) {
                Ok(line) => line,
                Err(_) => {
                    rejects.push(reject(
                        None,
                        None,
                        "the line is not valid UTF-8".to_string(),
                    ));
                    continue;
                }
            },
        };
        let fields: Result<Vec<(&'static str, String)>, String> = if csv {
            let record = ::csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(line.as_bytes())
                .records()
                .next()
                .and_then(Result::ok)
                .map(|r| r.iter().map(str::to_string).collect::<Vec<_>>());
            match (&header, record) {
                (None, Some(names)) => {
                    let columns: Vec<Option<&'static str>> = names
                        .iter()
                        .map(|n| FIELDS.iter().copied().find(|f| f == &n.trim()))
                        .collect();
                    for (second, column) in columns.iter().enumerate() {
                        if let Some(first) = column
                            .and_then(|c| columns[..second].iter().position(|o| o == &Some(c)))
                        {
                            return Err(FeedError::DuplicateColumn {
                                column: column.unwrap_or_default(),
                                first: first + 1,
                                second: second + 1,
                            });
                        }
                    }
                    header = Some(columns);
                    continue;
                }
                (None, None) => return Err(FeedError::NoHeader),
                (Some(columns), Some(values)) if values.len() == columns.len() => Ok(columns
                    .iter()
                    .zip(values)
                    .filter_map(|(c, v)| c.map(|c| (c, v)))
                    .collect()),
                (Some(columns), Some(values)) => Err(format!(
                    "the line has {} fields, the header has {}",
                    values.len(),
                    columns.len()
                )),
                (Some(_), None) => Err("the line cannot be read as CSV".to_string()),
            }
        } else {
            match serde_json::from_str::<std::collections::BTreeMap<String, serde_json::Value>>(
                line,
            ) {
                Ok(map) => Ok(map
                    .into_iter()
                    .filter_map(|(k, v)| {
                        let name = FIELDS.iter().copied().find(|f| *f == k)?;
                        Some((
                            name,
                            v.as_str().map_or_else(|| v.to_string(), str::to_string),
                        ))
                    })
                    .collect()),
                Err(e) => Err(format!(
                    "the line is not a JSON object (column {})",
                    e.column()
                )),
            }
        };
        let fields = match fields {
            Ok(fields) => fields,
            Err(reason) => {
                rejects.push(reject(None, None, reason));
                continue;
            }
        };
        match event(&fields) {
            Ok((booking_id, event)) if event.at > now => rejects.push(reject(
                Some(booking_id),
                Some("at"),
                "is after the evaluation time (--now): an event cannot be reported before it happens".to_string(),
            )),
            Ok((booking_id, event)) => index.insert(booking_id, event),
            Err((field, reason)) => {
                let booking_id = fields
                    .iter()
                    .find(|(k, v)| *k == "booking_id" && !v.is_empty())
                    .map(|(_, v)| v.clone());
                rejects.push(reject(booking_id, Some(field), reason));
            }
        }
    }
    Ok((index, rejects))
}

/// One event from its fields by name; on failure, the field at fault and why (never its
/// value).
pub fn event(fields: &[(&'static str, String)]) -> Result<(String, Event), (&'static str, String)> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let need = |name: &'static str| get(name).ok_or((name, "is missing".to_string()));
    let booking_id = need("booking_id")?.to_string();
    let channel = Channel::parse(need("channel")?).ok_or((
        "channel",
        "is not one of sms, email, inbox, paper, task".to_string(),
    ))?;
    let recipient = Who::parse(need("recipient")?).ok_or((
        "recipient",
        "is not one of patient, guardian1, guardian2, staff".to_string(),
    ))?;
    let kind = EventKind::parse(need("event")?).ok_or((
        "event",
        "is not one of sent, delivered, failed, opened".to_string(),
    ))?;
    let at = DateTime::parse_from_rfc3339(need("at")?).map_err(|_| {
        (
            "at",
            "is not an RFC 3339 time with offset, such as 2026-03-30T09:00:00+02:00".to_string(),
        )
    })?;
    let key = get("key")
        .map(|k| {
            let hex = k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit());
            hex.then(|| u128::from_str_radix(k, 16).ok())
                .flatten()
                .ok_or(())
                .map_err(|()| {
                    (
                        "key",
                        "is not an action key (32 hexadecimal digits, as `rem eval` writes it)"
                            .to_string(),
                    )
                })
        })
        .transpose()?;
    let message = need("message")?.to_string();
    Ok((
        booking_id,
        Event {
            key,
            message,
            channel,
            recipient,
            kind,
            at,
        },
    ))
}
