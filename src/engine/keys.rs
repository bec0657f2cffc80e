//! Rule 14: idempotency keys. A key is a 128-bit hash (xxh3) of what identifies an action: the
//! policy, message, booking id, trigger, part (the message, a complement, a fallback), channel,
//! recipient, patient id, address and the visit's start. Each part goes in with its length in
//! front, so that names holding any character cannot make two keys equal.

use chrono::{DateTime, FixedOffset};
use xxhash_rust::xxh3::Xxh3;

use super::outcome::Address;
use crate::booking::Booking;
use crate::schema::{Channel, Who};

/// Which part of a message an action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Message,
    Complement,
    Fallback,
}

impl Part {
    /// The part's text in the key.
    pub(crate) fn tag(self) -> &'static str {
        match self {
            Part::Message => "",
            Part::Complement => "also",
            Part::Fallback => "fallback",
        }
    }
}

/// What identifies one action.
pub(super) struct KeyOf<'a> {
    pub policy: &'a str,
    pub message: &'a str,
    pub trigger: &'a str,
    pub part: Part,
    pub channel: Channel,
    pub who: Who,
    pub address: Address,
    /// The visit's start the action belongs to: the booking's, or, for what was sent before
    /// the booking was moved, the start it had then.
    pub start: DateTime<FixedOffset>,
}

impl KeyOf<'_> {
    /// The hash of the pieces that identify the action, each after its length. They are
    /// gathered on the stack and hashed at once when they fit (the same digest as hashing them
    /// piece by piece, which is done when they do not).
    pub fn key(&self, booking: &Booking<'_>) -> u128 {
        const ROOM: usize = 256;
        let parts = [
            self.policy,
            self.message,
            &booking.id,
            self.trigger,
            self.part.tag(),
            self.channel.as_str(),
            self.who.as_str(),
            &booking.patient_id,
        ];
        let (_, value) = self.address.parts(booking);
        let tag = [self.address.tag()];
        let start = self.start.timestamp().to_le_bytes();
        let lengths = parts.map(|p| (p.len() as u64).to_le_bytes());
        let value_length = (value.len() as u64).to_le_bytes();
        let mut pieces: [&[u8]; 20] = [&[]; 20];
        for (i, part) in parts.iter().enumerate() {
            pieces[2 * i] = &lengths[i];
            pieces[2 * i + 1] = part.as_bytes();
        }
        pieces[16] = &tag;
        pieces[17] = &value_length;
        pieces[18] = value.as_bytes();
        pieces[19] = &start;
        let total: usize = pieces.iter().map(|p| p.len()).sum();
        if total <= ROOM {
            let mut bytes = [0u8; ROOM];
            let mut at = 0;
            for piece in pieces {
                bytes[at..at + piece.len()].copy_from_slice(piece);
                at += piece.len();
            }
            return xxhash_rust::xxh3::xxh3_128(&bytes[..at]);
        }
        let mut hasher = Xxh3::new();
        for piece in pieces {
            hasher.update(piece);
        }
        hasher.digest128()
    }
}
