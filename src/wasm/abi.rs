//! The module's ABI: one spelling of every layout the generated code, the runtime and the hosts
//! share. `docs/wasm.md` documents it for hosts in other languages; `tests/integration/wasm.rs`
//! keeps that page and these constants in step.
//!
//! All numbers are little-endian. Instants are whole seconds since 1970-01-01T00:00:00Z
//! (`i64`); dates are days since 1970-01-01 (`i32`); times of day are seconds after midnight
//! (`i32`). "None" is [`NONE_I64`] for instants and [`NONE_I32`] for numbers and string
//! offsets.

/// What hosts check before they use a module: the `rem_abi_version` export returns it.
pub const ABI_VERSION: i32 = 4;

/// An absent instant.
pub const NONE_I64: i64 = i64::MIN;
/// An absent number, index or string.
pub const NONE_I32: i32 = -1;

/// The memory map. Below `RUNTIME_DATA` nothing is stored, so a null pointer reads zeroes.
pub mod memory {
    /// The 192-byte default secret of xxh3.
    pub const XXH3_SECRET: u32 = 64;
    /// Tables of the hand-written runtime (weekday names, ...): up to `PLAN_DATA`.
    pub const RUNTIME_DATA: u32 = 256;
    /// Where the generator places the plan's strings and time-zone tables.
    pub const PLAN_DATA: u32 = 4096;
}

/// A time-zone table, as the generator writes it and `runtime/time.wat` reads it: at an
/// 8-byte aligned address, an `i32` count of spans, 4 bytes of padding, then each span in 16
/// bytes: the `i64` instant it starts (the first starts at `i64::MIN`), the `i32` offset from
/// UTC in seconds, 4 bytes of padding. Spans are in time order.
pub mod tz {
    pub const HEADER: u32 = 8;
    pub const SPAN: u32 = 16;
}

/// One booking as `evaluate` reads it: a header of [`booking::SIZE`] bytes, then the bytes of
/// its strings and its events anywhere after it (offsets count from the header's start).
/// Enumerations are one byte each: the value's place in its list in `docs/feed-format.md`
/// (`schema::Kind::index` and so on).
pub mod booking {
    /// `i64` instants.
    pub const START: u32 = 0;
    pub const CREATED: u32 = 8;
    /// Or `NONE_I64`.
    pub const STATUS_AT: u32 = 16;
    /// Or `NONE_I64`.
    pub const PREVIOUS_START: u32 = 24;
    /// `i32` date.
    pub const BIRTH_DATE: u32 = 32;
    /// One byte each.
    pub const KIND: u32 = 36;
    pub const SOURCE: u32 = 37;
    pub const STATUS: u32 = 38;
    pub const ID_KIND: u32 = 39;
    pub const CONSENT_SOURCE: u32 = 40;
    /// The patient's flags, one bit each ([`flag`]).
    pub const FLAGS: u32 = 41;
    /// The guardians, one bit each ([`guardian`]).
    pub const GUARDIANS: u32 = 42;
    /// 1 for a recall record (a service due again, R8), 0 for a booking.
    pub const RECALL: u32 = 43;
    /// Strings: each a `u32` offset from the header's start and a `u32` length in bytes of
    /// UTF-8; an absent string has offset `u32::MAX`.
    pub const ID: u32 = 44;
    pub const PATIENT_ID: u32 = 52;
    pub const CLINIC: u32 = 60;
    pub const UNIT: u32 = 68;
    pub const EXAM: u32 = 76;
    pub const MOBILE: u32 = 84;
    pub const EMAIL: u32 = 92;
    pub const LANGUAGE: u32 = 100;
    pub const GUARDIAN1_MOBILE: u32 = 108;
    pub const GUARDIAN2_MOBILE: u32 = 116;
    /// The booking's events: `u32` offset of the first and `u32` count; each
    /// [`event::SIZE`] bytes.
    pub const EVENTS: u32 = 124;
    pub const EVENT_COUNT: u32 = 128;
    /// `i64` instant: when a visit for a recall's service was booked, or `NONE_I64`.
    /// One byte: `schema::PatientStatus`.
    pub const PATIENT_STATUS: u32 = 132;
    pub const RECALL_BOOKED_AT: u32 = 136;
    pub const SIZE: u32 = 144;

    /// Bits of [`FLAGS`].
    pub mod flag {
        pub const REMINDER: u8 = 1;
        pub const CONSENT_SMS: u8 = 2;
        pub const CONSENT_EMAIL: u8 = 4;
        pub const INBOX_ACCOUNT: u8 = 8;
        pub const INBOX_NOTIFICATIONS: u8 = 16;
        pub const INTERPRETER: u8 = 32;
        /// An e-mail address was given but cannot be used (`EMAIL` is then absent).
        pub const EMAIL_INVALID: u8 = 64;
        /// A mobile number was given but cannot be used (`MOBILE` is then absent).
        pub const MOBILE_INVALID: u8 = 128;
    }

    /// Bits of [`GUARDIANS`].
    pub mod guardian {
        pub const FIRST: u8 = 1;
        pub const FIRST_CONSENT_SMS: u8 = 2;
        pub const SECOND: u8 = 4;
        pub const SECOND_CONSENT_SMS: u8 = 8;
        /// The guardian's mobile number was given but cannot be used.
        pub const FIRST_MOBILE_INVALID: u8 = 16;
        pub const SECOND_MOBILE_INVALID: u8 = 32;
    }
}

/// One delivery event of the booking.
pub mod event {
    /// `i64` instant.
    pub const AT: u32 = 0;
    /// The action's key, low and high 64 bits, when `HAS_KEY` is 1.
    pub const KEY: u32 = 8;
    pub const HAS_KEY: u32 = 24;
    /// One byte each: `schema::EventKind`, `Channel`, `Who`.
    pub const KIND: u32 = 25;
    pub const CHANNEL: u32 = 26;
    pub const RECIPIENT: u32 = 27;
    /// The message's name: `u32` offset from the booking's header, `u32` length (empty for
    /// an event about the booking).
    pub const MESSAGE: u32 = 28;
    /// A reply's word (its first word in upper case, `events::reply_word`): `u32` offset from
    /// the booking's header, `u32` length; empty for other events.
    pub const REPLY: u32 = 40;
    pub const SIZE: u32 = 48;
}

/// What `evaluate` returns: the address of a `u32` count, 4 bytes of padding, then the
/// outcomes in output order, [`outcome::SIZE`] bytes each. They stay valid until the next
/// call to `alloc`.
pub mod outcome {
    pub const HEADER: u32 = 8;
    /// One byte each: [`ACTION`] or [`SKIP`]; `schema::Channel`; `schema::Who` (or 255);
    /// the address ([`address`]); the origin ([`origin`]); the reason of a skip
    /// ([`super::reason`]); the event of `unless` (`schema::EventKind`, or 255).
    pub const TAG: u32 = 0;
    pub const CHANNEL: u32 = 1;
    pub const RECIPIENT: u32 = 2;
    pub const ADDRESS: u32 = 3;
    pub const ORIGIN: u32 = 4;
    pub const REASON: u32 = 5;
    pub const UNLESS_EVENT: u32 = 6;
    /// `i32` each, or `NONE_I32`: the policy (its place in the plan), the message (its place
    /// in the policy), the trigger and the complement of the origin, the recipient line, the
    /// reason's parameter (an exclusion's number, the winning policy, a channel, an event).
    pub const POLICY: u32 = 8;
    pub const MESSAGE: u32 = 12;
    pub const TRIGGER: u32 = 16;
    pub const COMPLEMENT: u32 = 20;
    pub const RULE: u32 = 24;
    pub const PARAM: u32 = 28;
    /// `i64` instant and `i32` offset from UTC in seconds.
    pub const SEND_AT: u32 = 32;
    pub const SEND_AT_OFFSET: u32 = 40;
    pub const UNLESS_BY_OFFSET: u32 = 44;
    pub const UNLESS_BY: u32 = 48;
    /// The idempotency key: low, then high 64 bits.
    pub const KEY: u32 = 56;
    /// Strings in the module's memory: `i32` address (or `NONE_I32`) and `i32` length.
    pub const SENDER: u32 = 72;
    pub const TEXT: u32 = 80;
    pub const SIZE: u32 = 88;

    pub const ACTION: u8 = 1;
    pub const SKIP: u8 = 2;

    /// Where an action goes (with the recipient for a mobile number).
    pub mod address {
        pub const MOBILE: u8 = 0;
        pub const EMAIL: u8 = 1;
        pub const INBOX: u8 = 2;
        pub const POSTAL: u8 = 3;
        pub const UNIT: u8 = 4;
    }

    /// Which statement of the message made the outcome.
    pub mod origin {
        pub const NONE: u8 = 0;
        pub const TRIGGER: u8 = 1;
        pub const COMPLEMENT: u8 = 2;
        pub const FALLBACK: u8 = 3;
    }
}

/// The reasons of skips, by number, and their parameter.
pub mod reason {
    use crate::engine::{PolicyId, Reason};
    use crate::schema::{Channel, EventKind};

    /// A reason as its number and parameter (or `NONE_I32`).
    pub fn encode(reason: Reason) -> (u8, i32) {
        let index = |i: usize| i32::try_from(i).unwrap_or(i32::MAX);
        match reason {
            Reason::NoPolicy => (0, super::NONE_I32),
            Reason::Excluded(e) => (1, index(e)),
            Reason::ReplacedBy(p) => (2, index(p.0)),
            Reason::Cancelled => (3, super::NONE_I32),
            Reason::NotCancelled => (4, super::NONE_I32),
            Reason::NotRescheduled => (5, super::NONE_I32),
            Reason::BookedTooLate => (6, super::NONE_I32),
            Reason::AfterVisit => (7, super::NONE_I32),
            Reason::WindowPastVisit => (8, super::NONE_I32),
            Reason::ConditionFalse => (9, super::NONE_I32),
            Reason::ComplementConditionFalse => (10, super::NONE_I32),
            Reason::NoGuardian => (11, super::NONE_I32),
            Reason::NoConsent(c) => (12, i32::from(c.index())),
            Reason::NoMobile => (13, super::NONE_I32),
            Reason::NoEmail => (14, super::NONE_I32),
            Reason::InvalidEmail => (15, super::NONE_I32),
            Reason::NoInboxAccount => (16, super::NONE_I32),
            Reason::AlreadyComplement(c) => (17, i32::from(c.index())),
            Reason::FallbackAfterVisit => (18, super::NONE_I32),
            Reason::FallbackAnswered(e) => (19, i32::from(e.index())),
            Reason::NotReported(e) => (20, i32::from(e.index())),
            Reason::NoReply => (21, super::NONE_I32),
            Reason::CancelledByReply => (22, super::NONE_I32),
            Reason::RecallBooked => (23, super::NONE_I32),
            Reason::InvalidMobile => (24, super::NONE_I32),
            Reason::NotBookedYet => (25, super::NONE_I32),
            Reason::Declined => (26, super::NONE_I32),
            Reason::PatientInactive => (27, super::NONE_I32),
            Reason::PatientDeceased => (28, super::NONE_I32),
            Reason::SentNowAlready => (29, super::NONE_I32),
        }
    }

    /// The reason of a number and parameter; `None` for numbers no reason has.
    pub fn decode(number: u8, param: i32) -> Option<Reason> {
        let index = usize::try_from(param).ok();
        let channel = || Channel::from_index(u8::try_from(param).ok()?);
        Some(match number {
            0 => Reason::NoPolicy,
            1 => Reason::Excluded(index?),
            2 => Reason::ReplacedBy(PolicyId(index?)),
            3 => Reason::Cancelled,
            4 => Reason::NotCancelled,
            5 => Reason::NotRescheduled,
            6 => Reason::BookedTooLate,
            7 => Reason::AfterVisit,
            8 => Reason::WindowPastVisit,
            9 => Reason::ConditionFalse,
            10 => Reason::ComplementConditionFalse,
            11 => Reason::NoGuardian,
            12 => Reason::NoConsent(channel()?),
            13 => Reason::NoMobile,
            14 => Reason::NoEmail,
            15 => Reason::InvalidEmail,
            16 => Reason::NoInboxAccount,
            17 => Reason::AlreadyComplement(channel()?),
            18 => Reason::FallbackAfterVisit,
            19 => Reason::FallbackAnswered(EventKind::from_index(u8::try_from(param).ok()?)?),
            20 => Reason::NotReported(
                EventKind::from_index(u8::try_from(param).ok()?)
                    .filter(|e| e.is_about_booking())?,
            ),
            21 => Reason::NoReply,
            22 => Reason::CancelledByReply,
            23 => Reason::RecallBooked,
            24 => Reason::InvalidMobile,
            25 => Reason::NotBookedYet,
            26 => Reason::Declined,
            27 => Reason::PatientInactive,
            28 => Reason::PatientDeceased,
            29 => Reason::SentNowAlready,
            _ => return None,
        })
    }
}

/// The constant a `@name` word of the runtime's text stands for (`runtime::expand`).
pub fn constant(name: &str) -> Option<i64> {
    use booking as b;
    use outcome as o;
    let value = |v: u32| Some(i64::from(v));
    let byte = |v: u8| Some(i64::from(v));
    match name {
        "NONE_I64" => Some(NONE_I64),
        "NONE_I32" => Some(i64::from(NONE_I32)),
        "memory.RUNTIME_DATA" => value(memory::RUNTIME_DATA),
        "memory.XXH3_SECRET" => value(memory::XXH3_SECRET),
        "booking.START" => value(b::START),
        "booking.CREATED" => value(b::CREATED),
        "booking.STATUS_AT" => value(b::STATUS_AT),
        "booking.PREVIOUS_START" => value(b::PREVIOUS_START),
        "booking.ID" => value(b::ID),
        "booking.PATIENT_ID" => value(b::PATIENT_ID),
        "booking.EVENTS" => value(b::EVENTS),
        "booking.EVENT_COUNT" => value(b::EVENT_COUNT),
        "booking.RECALL" => value(b::RECALL),
        "booking.RECALL_BOOKED_AT" => value(b::RECALL_BOOKED_AT),
        "event.AT" => value(event::AT),
        "event.KEY" => value(event::KEY),
        "event.HAS_KEY" => value(event::HAS_KEY),
        "event.KIND" => value(event::KIND),
        "event.CHANNEL" => value(event::CHANNEL),
        "event.RECIPIENT" => value(event::RECIPIENT),
        "event.MESSAGE" => value(event::MESSAGE),
        "event.REPLY" => value(event::REPLY),
        "event.KIND_REPLY" => byte(crate::schema::EventKind::Reply.index()),
        "event.SIZE" => value(event::SIZE),
        "outcome.HEADER" => value(o::HEADER),
        "outcome.TAG" => value(o::TAG),
        "outcome.CHANNEL" => value(o::CHANNEL),
        "outcome.RECIPIENT" => value(o::RECIPIENT),
        "outcome.ADDRESS" => value(o::ADDRESS),
        "outcome.ORIGIN" => value(o::ORIGIN),
        "outcome.REASON" => value(o::REASON),
        "outcome.UNLESS_EVENT" => value(o::UNLESS_EVENT),
        "outcome.POLICY" => value(o::POLICY),
        "outcome.MESSAGE" => value(o::MESSAGE),
        "outcome.TRIGGER" => value(o::TRIGGER),
        "outcome.COMPLEMENT" => value(o::COMPLEMENT),
        "outcome.RULE" => value(o::RULE),
        "outcome.PARAM" => value(o::PARAM),
        "outcome.SEND_AT" => value(o::SEND_AT),
        "outcome.SEND_AT_OFFSET" => value(o::SEND_AT_OFFSET),
        "outcome.UNLESS_BY_OFFSET" => value(o::UNLESS_BY_OFFSET),
        "outcome.UNLESS_BY" => value(o::UNLESS_BY),
        "outcome.KEY" => value(o::KEY),
        "outcome.SENDER" => value(o::SENDER),
        "outcome.TEXT" => value(o::TEXT),
        "outcome.SIZE" => value(o::SIZE),
        "outcome.ACTION" => byte(o::ACTION),
        "outcome.SKIP" => byte(o::SKIP),
        "outcome.REASON_CANCELLED_BY_REPLY" => {
            byte(reason::encode(crate::engine::Reason::CancelledByReply).0)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::reason::{decode, encode};

    #[test]
    fn every_reason_number_reads_back_as_itself() {
        for number in 0..=u8::MAX {
            for param in -1..8 {
                if let Some(reason) = decode(number, param) {
                    let (n, p) = encode(reason);
                    assert_eq!(n, number);
                    assert_eq!(decode(n, p), Some(reason));
                }
            }
        }
    }
}
