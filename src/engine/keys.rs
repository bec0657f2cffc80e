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

fn piece(hasher: &mut Xxh3, piece: &[u8]) {
    hasher.update(&(piece.len() as u64).to_le_bytes());
    hasher.update(piece);
}

impl KeyOf<'_> {
    pub fn key(&self, booking: &Booking<'_>) -> u128 {
        let mut hasher = Xxh3::new();
        for part in [
            self.policy,
            self.message,
            &booking.id,
            self.trigger,
            self.part.tag(),
            self.channel.as_str(),
            self.who.as_str(),
            &booking.patient_id,
        ] {
            piece(&mut hasher, part.as_bytes());
        }
        let (_, value) = self.address.parts(booking);
        hasher.update(&[self.address.tag()]);
        piece(&mut hasher, value.as_bytes());
        hasher.update(&self.start.timestamp().to_le_bytes());
        hasher.digest128()
    }
}
