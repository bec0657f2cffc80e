//! Delivery events (R12, R13): what the SMS gateway, the inbox and the mail system reported
//! about earlier actions. They decide fallbacks. The event feed is indexed by booking id; it
//! is the one input the engine holds in memory. The feed is read by `feed::events`.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};

pub use crate::schema::EventKind;
use crate::schema::{Channel, Who};

/// One reported event: about one action (a delivery report, a reply), or about the booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The action's idempotency key, when the sender echoed it back; it identifies the action
    /// exactly. Without it, the event matches by message, channel and recipient.
    pub key: Option<u128>,
    /// The action's message; empty for an event about the booking.
    pub message: String,
    pub channel: Option<Channel>,
    pub recipient: Option<Who>,
    pub kind: EventKind,
    pub at: DateTime<FixedOffset>,
    /// Of a `reply`: its first word in upper case, the only part of a patient's text the
    /// engine keeps.
    pub reply: Option<Box<str>>,
}

/// The word a reply is matched by: its first word, in upper case (`avboka tack` → `AVBOKA`).
pub fn reply_word(text: &str) -> Option<Box<str>> {
    text.split_whitespace()
        .next()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_uppercase()
                .into_boxed_str()
        })
        .filter(|w| !w.is_empty())
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

    /// The events of one booking, in the order they were read.
    pub fn of(&self, booking_id: &str) -> &[Event] {
        self.by_booking.get(booking_id).map_or(&[], Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The earliest event of `kind` about the booking (`results_ready`, ...).
    pub fn about_booking(
        &self,
        booking_id: &str,
        kind: EventKind,
    ) -> Option<DateTime<FixedOffset>> {
        self.of(booking_id)
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.at)
            .min()
    }

    /// The earliest reply to any message of the booking whose word is one of `words` (compared
    /// in upper case).
    pub fn first_reply(&self, booking_id: &str, words: &[String]) -> Option<DateTime<FixedOffset>> {
        self.of(booking_id)
            .iter()
            .filter(|e| e.kind == EventKind::Reply)
            .filter(|e| {
                e.reply
                    .as_deref()
                    .is_some_and(|r| words.iter().any(|w| w.to_uppercase() == r))
            })
            .map(|e| e.at)
            .min()
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
                        && e.channel == Some(about.channel)
                        && e.recipient == Some(about.recipient)
                        && e.at >= about.sent_at
                }
            })
            .map(|e| e.at)
            .min()
    }
}
