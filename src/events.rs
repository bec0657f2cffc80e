//! Delivery events (R12, R13): what the SMS gateway, the inbox and the mail system reported
//! about earlier actions. They decide fallbacks. The event feed is indexed by booking id; it
//! is the one input the engine holds in memory.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};

use crate::engine::Who;
use crate::plan::Channel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    Sent,
    Delivered,
    Failed,
    Opened,
}

impl EventKind {
    pub fn parse(word: &str) -> Option<EventKind> {
        Some(match word {
            "sent" => EventKind::Sent,
            "delivered" => EventKind::Delivered,
            "failed" => EventKind::Failed,
            "opened" => EventKind::Opened,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Sent => "sent",
            EventKind::Delivered => "delivered",
            EventKind::Failed => "failed",
            EventKind::Opened => "opened",
        }
    }
}

/// One reported event about one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The action's idempotency key, when the sender echoed it back; it identifies the action
    /// exactly. Without it, the event matches by message, channel and recipient.
    pub key: Option<u128>,
    pub message: String,
    pub channel: Channel,
    pub recipient: Who,
    pub kind: EventKind,
    pub at: DateTime<FixedOffset>,
}

/// The action an event may be about.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub key: u128,
    pub booking_id: &'a str,
    pub message: &'a str,
    pub channel: Channel,
    pub recipient: Who,
    pub sent_at: DateTime<FixedOffset>,
}

/// Events by booking id.
#[derive(Debug, Clone, Default)]
pub struct EventIndex {
    by_booking: HashMap<String, Vec<Event>>,
    count: usize,
}

impl EventIndex {
    pub fn insert(&mut self, booking_id: String, event: Event) {
        self.by_booking.entry(booking_id).or_default().push(event);
        self.count += 1;
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The earliest event of `kind` about the action with this key, or, for events without a
    /// key, about this booking's message on this channel to this recipient at or after the
    /// action was sent (so an event about an earlier offset's message does not count).
    pub fn first(&self, about: &About<'_>, kind: EventKind) -> Option<DateTime<FixedOffset>> {
        self.by_booking
            .get(about.booking_id)?
            .iter()
            .filter(|e| e.kind == kind)
            .filter(|e| match e.key {
                Some(k) => k == about.key,
                None => {
                    e.message == about.message
                        && e.channel == about.channel
                        && e.recipient == about.recipient
                        && e.at >= about.sent_at
                }
            })
            .map(|e| e.at)
            .min()
    }
}

/// Reads an event feed (JSON Lines, or CSV with a header) into an index; bad rows are
/// rejected with their line and field, never dropped.
pub fn read(text: &str, csv: bool) -> (EventIndex, Vec<crate::feed::Reject>) {
    let mut index = EventIndex::default();
    let mut rejects = Vec::new();
    let mut header: Vec<String> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let location = crate::feed::Location::Line(number as u64 + 1);
        if line.trim().is_empty() {
            continue;
        }
        let fields: Result<Vec<(String, String)>, String> = if csv {
            let mut reader = ::csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(line.as_bytes());
            let record = reader
                .records()
                .next()
                .and_then(Result::ok)
                .map(|r| r.iter().map(str::to_string).collect::<Vec<_>>());
            match record {
                Some(values) if header.is_empty() => {
                    header = values;
                    continue;
                }
                Some(values) if values.len() == header.len() => {
                    Ok(header.iter().cloned().zip(values).collect())
                }
                Some(values) => Err(format!(
                    "the line has {} fields, the header has {}",
                    values.len(),
                    header.len()
                )),
                None => Err("the line cannot be read as CSV".to_string()),
            }
        } else {
            match serde_json::from_str::<std::collections::BTreeMap<String, serde_json::Value>>(
                line,
            ) {
                Ok(map) => Ok(map
                    .into_iter()
                    .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                    .collect()),
                Err(e) => Err(format!(
                    "the line is not a JSON object (column {})",
                    e.column()
                )),
            }
        };
        match fields.and_then(|fields| event(&fields)) {
            Ok((booking_id, event)) => index.insert(booking_id, event),
            Err(reason) => rejects.push(crate::feed::Reject {
                location,
                booking_id: None,
                field: None,
                reason,
            }),
        }
    }
    (index, rejects)
}

/// One event from its fields by name.
pub fn event(fields: &[(String, String)]) -> Result<(String, Event), String> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let need = |name: &str| get(name).ok_or_else(|| format!("`{name}` is missing"));
    let booking_id = need("booking_id")?.to_string();
    let channel = need("channel")?;
    let channel = Channel::named(channel).ok_or_else(|| {
        format!("`channel` value `{channel}` is not one of sms, email, inbox, paper, task")
    })?;
    let recipient = need("recipient")?;
    let recipient = Who::parse(recipient).ok_or_else(|| {
        format!(
            "`recipient` value `{recipient}` is not one of patient, guardian1, guardian2, staff"
        )
    })?;
    let kind = need("event")?;
    let kind = EventKind::parse(kind).ok_or_else(|| {
        format!("`event` value `{kind}` is not one of sent, delivered, failed, opened")
    })?;
    let at = need("at")?;
    let at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| format!("`at` value `{at}` is not an RFC 3339 time with offset"))?;
    let key = get("key")
        .map(|k| {
            u128::from_str_radix(k, 16)
                .map_err(|_| format!("`key` value `{k}` is not an action key"))
        })
        .transpose()?;
    Ok((
        booking_id,
        Event {
            key,
            message: need("message")?.to_string(),
            channel,
            recipient,
            kind,
            at,
        },
    ))
}
