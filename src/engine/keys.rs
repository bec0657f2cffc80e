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

/// The bytes a key is the hash of: each piece after its length. Gathered on the stack and
/// hashed at once (the same digest as hashing them piece by piece, faster); a key whose pieces
/// do not fit is hashed piece by piece.
struct Pieces {
    bytes: [u8; 512],
    len: usize,
    overflow: Option<Xxh3>,
}

impl Pieces {
    fn push(&mut self, piece: &[u8]) {
        self.raw(&(piece.len() as u64).to_le_bytes());
        self.raw(piece);
    }

    fn raw(&mut self, bytes: &[u8]) {
        if let Some(hasher) = &mut self.overflow {
            hasher.update(bytes);
            return;
        }
        match self.bytes.get_mut(self.len..self.len + bytes.len()) {
            Some(free) => {
                free.copy_from_slice(bytes);
                self.len += bytes.len();
            }
            None => {
                let mut hasher = Xxh3::new();
                hasher.update(&self.bytes[..self.len]);
                hasher.update(bytes);
                self.overflow = Some(hasher);
            }
        }
    }

    fn digest(&self) -> u128 {
        match &self.overflow {
            Some(hasher) => hasher.digest128(),
            None => xxhash_rust::xxh3::xxh3_128(&self.bytes[..self.len]),
        }
    }
}

impl KeyOf<'_> {
    pub fn key(&self, booking: &Booking<'_>) -> u128 {
        let mut pieces = Pieces {
            bytes: [0; 512],
            len: 0,
            overflow: None,
        };
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
            pieces.push(part.as_bytes());
        }
        let (_, value) = self.address.parts(booking);
        pieces.raw(&[self.address.tag()]);
        pieces.push(value.as_bytes());
        pieces.raw(&self.start.timestamp().to_le_bytes());
        pieces.digest()
    }
}
