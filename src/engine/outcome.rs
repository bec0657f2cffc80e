//! What the engine gives for a booking: actions to send, and the reasons for what is not sent.
//! Outcomes borrow nothing from the booking, so one vector serves every row of a feed.

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use crate::booking::Booking;
use crate::schema::{Channel, EventKind, Who};

/// A policy of the engine's plan, by its place in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyId(pub usize);

/// Where an action is delivered. Phone numbers and e-mail addresses are the booking's; the
/// inbox and the print shop find the person by the patient id; tasks go to the unit. The
/// address is resolved against the booking when written, so outcomes borrow nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address {
    Mobile(Who),
    Email,
    Inbox,
    Postal,
    Unit,
}

impl Address {
    /// The kind of address and its value, without building the text.
    pub fn parts<'a>(self, booking: &'a Booking<'_>) -> (&'static str, &'a str) {
        let guardian_mobile = |i: usize| {
            booking.guardians[i]
                .as_ref()
                .and_then(|g| g.mobile.as_deref())
                .unwrap_or_default()
        };
        match self {
            Address::Mobile(Who::Guardian1) => ("", guardian_mobile(0)),
            Address::Mobile(Who::Guardian2) => ("", guardian_mobile(1)),
            Address::Mobile(_) => ("", booking.patient.mobile.as_deref().unwrap_or_default()),
            Address::Email => ("", booking.patient.email.as_deref().unwrap_or_default()),
            Address::Inbox => ("inbox:", &booking.patient_id),
            Address::Postal => ("postal:", &booking.patient_id),
            Address::Unit => ("unit:", &booking.unit),
        }
    }

    /// The kind of address, in the idempotency key: one byte.
    pub(crate) fn tag(self) -> u8 {
        match self {
            Address::Mobile(_) => b'm',
            Address::Email => b'e',
            Address::Inbox => b'i',
            Address::Postal => b'p',
            Address::Unit => b'u',
        }
    }

    /// The address as the sending system reads it: `+46...`, `a@b.se`, `inbox:ID`,
    /// `postal:ID`, `unit:NAME`.
    pub fn resolve(self, booking: &Booking<'_>) -> String {
        let (prefix, value) = self.parts(booking);
        format!("{prefix}{value}")
    }
}

/// Which statement of the message made the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The message's own channel, by its trigger number.
    Trigger(usize),
    /// `also CHANNEL` number `complement`, for trigger `trigger`.
    Complement { trigger: usize, complement: usize },
    /// The fallback of trigger `.0`.
    Fallback(usize),
}

impl Origin {
    pub fn is_fallback(self) -> bool {
        matches!(self, Origin::Fallback(_))
    }
}

/// A fallback not yet decided: it is sent unless the event arrives by the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unless {
    pub event: EventKind,
    pub by: DateTime<FixedOffset>,
}

/// One message to send to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Stable across runs; changes when the booking is moved to another start.
    pub key: u128,
    pub policy: PolicyId,
    pub message: usize,
    pub origin: Origin,
    pub channel: Channel,
    pub recipient: Who,
    pub address: Address,
    pub send_at: DateTime<FixedOffset>,
    /// The message's recipient line (`to ...`) that made the action, by number; none for
    /// complements, which go to the patient.
    pub rule: Option<usize>,
    pub unless: Option<Unless>,
    /// The sender alias: the message's, else the unit's, else the policy's (R19).
    pub sender: Option<Arc<str>>,
    /// The inline text with its placeholders filled, when the message has one.
    pub text: Option<String>,
}

/// Why a message (or one recipient's copy of it) is not sent. Each has a stable code
/// ([`Reason::code`]) and plain words ([`crate::engine::Engine::describe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    NoPolicy,
    /// By exclusion number; its code is the exclusion's name.
    Excluded(usize),
    /// By the winning policy.
    ReplacedBy(PolicyId),
    Cancelled,
    NotCancelled,
    NotRescheduled,
    BookedTooLate,
    /// An offset too late for the booking, under `late_booking send_now`, when an earlier
    /// offset of the message was already sent when the booking was made.
    SentNowAlready,
    AfterVisit,
    WindowPastVisit,
    ConditionFalse,
    ComplementConditionFalse,
    NoGuardian,
    NoConsent(Channel),
    NoMobile,
    NoEmail,
    /// An e-mail address was given, but it cannot be sent to.
    InvalidEmail,
    NoInboxAccount,
    AlreadyComplement(Channel),
    FallbackAfterVisit,
    FallbackAnswered(EventKind),
    /// A message `on` an event about the booking that the event feed has not reported.
    NotReported(EventKind),
    /// A message `on reply` that no reply with one of its words has answered.
    NoReply,
    /// The patient replied that the booking is to be cancelled before the message was due.
    CancelledByReply,
    /// A recall's service was booked before the message was due (R8).
    RecallBooked,
    /// A mobile number was given, but it cannot be sent to.
    InvalidMobile,
    /// The visit is proposed, pending or on a waiting list: not booked yet.
    NotBookedYet,
    /// The patient declined the visit.
    Declined,
    /// The patient's record is inactive.
    PatientInactive,
    /// The patient has died.
    PatientDeceased,
}

impl Reason {
    /// The stable `snake_case` code of the reason, for programs and test files; an exclusion
    /// has none of its own (its name is its code, see `Engine::reason_code`).
    pub fn code(self) -> Option<&'static str> {
        Some(match self {
            Reason::NoPolicy => "no_policy",
            Reason::Excluded(_) => return None,
            Reason::ReplacedBy(_) => "replaced_by_policy",
            Reason::Cancelled => "cancelled",
            Reason::NotCancelled => "not_cancelled",
            Reason::NotRescheduled => "not_rescheduled",
            Reason::BookedTooLate => "booked_too_late",
            Reason::SentNowAlready => "sent_now_already",
            Reason::AfterVisit => "after_visit",
            Reason::WindowPastVisit => "outside_window",
            Reason::ConditionFalse => "condition_false",
            Reason::ComplementConditionFalse => "complement_condition_false",
            Reason::NoGuardian => "no_guardian",
            Reason::NoConsent(Channel::Email) => "no_consent_email",
            Reason::NoConsent(_) => "no_consent_sms",
            Reason::NoMobile => "no_mobile",
            Reason::NoEmail => "no_email",
            Reason::InvalidEmail => "invalid_email",
            Reason::NoInboxAccount => "no_inbox_account",
            Reason::AlreadyComplement(_) => "already_complement",
            Reason::FallbackAfterVisit => "fallback_after_visit",
            Reason::FallbackAnswered(EventKind::Opened) => "opened_in_time",
            Reason::FallbackAnswered(_) => "delivered_in_time",
            Reason::NotReported(_) => "event_not_reported",
            Reason::NoReply => "no_reply",
            Reason::CancelledByReply => "cancelled_by_reply",
            Reason::RecallBooked => "already_booked",
            Reason::InvalidMobile => "invalid_mobile",
            Reason::NotBookedYet => "not_booked_yet",
            Reason::Declined => "declined",
            Reason::PatientInactive => "patient_inactive",
            Reason::PatientDeceased => "patient_deceased",
        })
    }

    /// Every code, for the documentation and for test files that name one.
    pub const CODES: &'static [&'static str] = &[
        "no_policy",
        "replaced_by_policy",
        "cancelled",
        "not_cancelled",
        "not_rescheduled",
        "booked_too_late",
        "sent_now_already",
        "after_visit",
        "outside_window",
        "condition_false",
        "complement_condition_false",
        "no_guardian",
        "no_consent_sms",
        "no_consent_email",
        "no_mobile",
        "no_email",
        "invalid_email",
        "no_inbox_account",
        "already_complement",
        "fallback_after_visit",
        "opened_in_time",
        "delivered_in_time",
        "event_not_reported",
        "no_reply",
        "cancelled_by_reply",
        "already_booked",
        "invalid_mobile",
        "not_booked_yet",
        "declined",
        "patient_inactive",
        "patient_deceased",
    ];
}

/// A message, or one recipient's copy of it, that is not sent, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub policy: Option<PolicyId>,
    pub message: Option<usize>,
    pub origin: Option<Origin>,
    pub recipient: Option<Who>,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Action(Action),
    Skip(Skip),
}
