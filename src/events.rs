//! Delivery events (R12, R13): what the SMS gateway, the inbox and the mail system reported
//! about earlier actions. They decide fallbacks. The event feed is indexed by booking id; it
//! is the one input the engine holds in memory. The feed is read by `feed::events`.

use rustc_hash::FxHashMap;

use chrono::{DateTime, FixedOffset, Offset};

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

/// Events by booking id, held compactly: a region's year of events fits in a few hundred MB.
///
/// Each event is a fixed record of 32 bytes: its time as seconds and offset, its message and
/// reply word as numbers into one table of the distinct words (a feed names few messages), its
/// key (rare) as a number into a table of keys, and the link to the booking's next event. A
/// booking is found by a 64-bit hash of its id ([`crate::booking::id_hash`], as the feed rules remember ids), which
/// keeps its first and last event; the chance that two of ten million ids share a hash is
/// below one in a hundred thousand. Events are given back in the order they were read.
#[derive(Debug, Clone, Default)]
pub struct EventIndex {
    bookings: FxHashMap<u64, Chain>,
    events: Vec<Stored>,
    keys: Vec<u128>,
    words: Vec<Box<str>>,
    word_numbers: FxHashMap<Box<str>, u32>,
}

/// A booking's events: the first and the last, linked through [`Stored::next`].
#[derive(Debug, Clone, Copy)]
struct Chain {
    first: u32,
    last: u32,
}

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Stored {
    /// Seconds since 1970 (events are read to the whole second).
    at: i64,
    offset: i32,
    message: u32,
    /// The reply word's number, or [`NONE`].
    reply: u32,
    /// The key's place in `keys`, or [`NONE`].
    key: u32,
    next: u32,
    kind: EventKind,
    channel: Option<Channel>,
    recipient: Option<Who>,
}

/// One event as the index gives it back, borrowing its words from the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    pub key: Option<u128>,
    pub message: &'a str,
    pub channel: Option<Channel>,
    pub recipient: Option<Who>,
    pub kind: EventKind,
    pub at: DateTime<FixedOffset>,
    pub reply: Option<&'a str>,
}

impl EventIndex {
    fn word(&mut self, word: &str) -> u32 {
        if let Some(&n) = self.word_numbers.get(word) {
            return n;
        }
        let n = u32::try_from(self.words.len()).unwrap_or(NONE);
        self.words.push(word.into());
        self.word_numbers.insert(word.into(), n);
        n
    }

    pub fn insert(&mut self, booking_id: &str, event: Event) {
        let n = u32::try_from(self.events.len()).unwrap_or(NONE);
        let key = match event.key {
            Some(key) => {
                self.keys.push(key);
                u32::try_from(self.keys.len() - 1).unwrap_or(NONE)
            }
            None => NONE,
        };
        let stored = Stored {
            at: event.at.timestamp(),
            offset: event.at.offset().local_minus_utc(),
            message: self.word(&event.message),
            reply: event.reply.as_deref().map_or(NONE, |r| self.word(r)),
            key,
            next: NONE,
            kind: event.kind,
            channel: event.channel,
            recipient: event.recipient,
        };
        self.events.push(stored);
        match self.bookings.entry(crate::booking::id_hash(booking_id)) {
            std::collections::hash_map::Entry::Occupied(mut chain) => {
                let last = chain.get().last as usize;
                self.events[last].next = n;
                chain.get_mut().last = n;
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(Chain { first: n, last: n });
            }
        }
    }

    fn view(&self, stored: &Stored) -> EventRef<'_> {
        let offset = FixedOffset::east_opt(stored.offset).unwrap_or(chrono::Utc.fix());
        let at = DateTime::from_timestamp(stored.at, 0)
            .unwrap_or_default()
            .with_timezone(&offset);
        let word = |n: u32| self.words.get(n as usize).map(AsRef::as_ref);
        EventRef {
            key: self.keys.get(stored.key as usize).copied(),
            message: word(stored.message).unwrap_or_default(),
            channel: stored.channel,
            recipient: stored.recipient,
            kind: stored.kind,
            at,
            reply: word(stored.reply),
        }
    }

    /// The stored events of one booking, in the order they were read.
    fn chain(&self, booking_id: &str) -> impl Iterator<Item = &Stored> + '_ {
        let mut next = self
            .bookings
            .get(&crate::booking::id_hash(booking_id))
            .map_or(NONE, |chain| chain.first);
        std::iter::from_fn(move || {
            let stored = self.events.get(next as usize)?;
            next = stored.next;
            Some(stored)
        })
    }

    /// The events of one booking, in the order they were read.
    pub fn of(&self, booking_id: &str) -> impl Iterator<Item = EventRef<'_>> + '_ {
        self.chain(booking_id).map(|stored| self.view(stored))
    }

    /// The earliest of `events` (the first read of those at the same instant).
    fn earliest<'s>(
        &self,
        events: impl Iterator<Item = &'s Stored>,
    ) -> Option<DateTime<FixedOffset>> {
        events
            .min_by_key(|stored| stored.at)
            .map(|stored| self.view(stored).at)
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The earliest event of `kind` about the booking (`results_ready`, ...).
    pub fn about_booking(
        &self,
        booking_id: &str,
        kind: EventKind,
    ) -> Option<DateTime<FixedOffset>> {
        self.earliest(self.chain(booking_id).filter(|e| e.kind == kind))
    }

    /// The earliest reply to any message of the booking whose word is one of `words` (compared
    /// in upper case).
    pub fn first_reply(&self, booking_id: &str, words: &[String]) -> Option<DateTime<FixedOffset>> {
        let replies = self.chain(booking_id).filter(|e| {
            e.kind == EventKind::Reply
                && self
                    .words
                    .get(e.reply as usize)
                    .is_some_and(|r| words.iter().any(|w| w.to_uppercase() == r.as_ref()))
        });
        self.earliest(replies)
    }

    /// The earliest event of `kind` about the action with this key, or, for events without a
    /// key, about this booking's message on this channel to this recipient at or after the
    /// action was sent (so an event about an earlier offset's message does not count).
    pub fn first(&self, about: &About<'_>, kind: EventKind) -> Option<DateTime<FixedOffset>> {
        let message = self.word_numbers.get(about.message).copied();
        let sent_at = about.sent_at.timestamp();
        let matching = self.chain(about.booking_id).filter(|e| {
            e.kind == kind
                && match self.keys.get(e.key as usize) {
                    Some(&k) => k == about.key,
                    None => {
                        Some(e.message) == message
                            && e.channel == Some(about.channel)
                            && e.recipient == Some(about.recipient)
                            && e.at >= sent_at
                    }
                }
        });
        self.earliest(matching)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap_or_default()
    }

    fn event(message: &str, kind: EventKind, time: &str) -> Event {
        Event {
            key: None,
            message: message.to_string(),
            channel: Some(Channel::Sms),
            recipient: Some(Who::Patient),
            kind,
            at: at(time),
            reply: None,
        }
    }

    #[test]
    fn events_come_back_per_booking_in_the_order_read_with_their_offsets_and_keys() {
        let mut index = EventIndex::default();
        index.insert(
            "A",
            event("x", EventKind::Delivered, "2026-03-20T10:00:00+01:00"),
        );
        index.insert(
            "B",
            event("y", EventKind::Opened, "2026-03-21T10:00:00+02:00"),
        );
        let keyed = Event {
            key: Some(0xfeed_u128 << 64 | 7),
            reply: Some("JA".into()),
            ..event("x", EventKind::Reply, "2026-03-22T10:00:00-05:00")
        };
        index.insert("A", keyed.clone());
        let a: Vec<EventRef<'_>> = index.of("A").collect();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].message, "x");
        assert_eq!(a[0].at, at("2026-03-20T10:00:00+01:00"));
        assert_eq!(a[0].at.offset(), at("2026-03-20T10:00:00+01:00").offset());
        assert_eq!(a[1].key, keyed.key);
        assert_eq!(a[1].reply, Some("JA"));
        assert_eq!(a[1].at.to_rfc3339(), "2026-03-22T10:00:00-05:00");
        assert_eq!(index.of("B").count(), 1);
        assert_eq!(index.of("C").count(), 0);
        assert_eq!(index.len(), 3);
    }

    #[test]
    fn an_event_is_a_fixed_record_of_32_bytes() {
        assert_eq!(std::mem::size_of::<Stored>(), 32);
    }
}
