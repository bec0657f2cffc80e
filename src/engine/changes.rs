//! Rule 5: cancelled and moved bookings. A cancelled booking gets only its cancellation
//! notices; a moved booking counts as made anew when it was moved.

use chrono::{DateTime, FixedOffset};

use super::Engine;
use super::outcome::{Outcome, PolicyId, Reason, Skip};
use crate::booking::{Booking, PatientStatus, Status};
use crate::events::EventIndex;
use crate::plan::{self, When};
use crate::schema::MessageKind;

/// Whether the message is sent when the patient replies to cancel.
fn on_reply(message: &plan::Message) -> bool {
    message
        .triggers
        .iter()
        .any(|t| matches!(t.when, When::OnReply { .. }))
}

/// Whether the message is sent when the event feed reports the booking rebooked.
fn on_rebooked(message: &plan::Message) -> bool {
    message.triggers.iter().any(|t| {
        t.when
            == When::OnEvent {
                event: crate::schema::EventKind::Rebooked,
            }
    })
}

/// When the patient replied to cancel: the earliest reply whose word one of the policies'
/// `on reply` lists (R7: reply-to-cancel).
fn replied_at(
    engine: &Engine,
    in_scope: &[PolicyId],
    booking: &Booking<'_>,
    events: &EventIndex,
) -> Option<DateTime<FixedOffset>> {
    in_scope
        .iter()
        .flat_map(|&id| &engine.policy(id).messages)
        .flat_map(|m| &m.triggers)
        .filter_map(|t| match &t.when {
            When::OnReply { words } => events.first_reply(&booking.id, words),
            _ => None,
        })
        .min()
}

/// A reply that cancels voids every later action about the visit (confirmations, letters,
/// reminders): each becomes a skip that says so. Cancellation notices, and notices that do
/// not depend on the visit (results, invoices, therapy alerts), still go out.
pub(super) fn void_after_reply(
    engine: &Engine,
    in_scope: &[PolicyId],
    booking: &Booking<'_>,
    events: &EventIndex,
    outcomes: &mut [Outcome],
) {
    let Some(replied) = replied_at(engine, in_scope, booking, events) else {
        return;
    };
    for outcome in outcomes {
        let Outcome::Action(action) = outcome else {
            continue;
        };
        let message = &engine.policy(action.policy).messages[action.message];
        let about_visit = matches!(
            message.kind,
            MessageKind::Confirmation | MessageKind::Letter | MessageKind::Reminder
        );
        if !about_visit || action.send_at <= replied {
            continue;
        }
        *outcome = Outcome::Skip(Skip {
            policy: Some(action.policy),
            message: Some(action.message),
            origin: Some(action.origin),
            recipient: Some(action.recipient),
            reason: Reason::CancelledByReply,
        });
    }
}

/// Why a message of this kind does not apply to the booking's status, if it does not. A
/// cancellation `on reply` is what cancels a booking that is still booked.
pub(super) fn status_rule(message: &plan::Message, booking: &Booking<'_>) -> Option<Reason> {
    match booking.patient.status {
        PatientStatus::Active => {}
        PatientStatus::Inactive => return Some(Reason::PatientInactive),
        PatientStatus::Deceased => return Some(Reason::PatientDeceased),
    }
    match (message.kind, booking.status) {
        (_, Status::Pending) => Some(Reason::NotBookedYet),
        (_, Status::Declined) => Some(Reason::Declined),
        (MessageKind::Cancellation, Status::Booked) if on_reply(message) => None,
        (MessageKind::Cancellation, Status::Booked) => Some(Reason::NotCancelled),
        (MessageKind::Cancellation, Status::Cancelled) => None,
        (_, Status::Cancelled) => Some(Reason::Cancelled),
        // A rebooking notice `on rebooked` waits for that event instead (its own rule).
        (MessageKind::Rebooking, Status::Booked)
            if booking.previous_start.is_none() && !on_rebooked(message) =>
        {
            Some(Reason::NotRescheduled)
        }
        _ => None,
    }
}

/// When a moved booking was moved: its `status_at` (else, lacking one, its creation).
pub(super) fn moved_at(booking: &Booking<'_>) -> Option<DateTime<FixedOffset>> {
    booking
        .previous_start
        .map(|_| booking.status_at.unwrap_or(booking.created))
}

/// The start an action belongs to: what was sent before a booking was moved belongs to the
/// booking as it was, and keeps the key it had (a sender that de-duplicates by key does not
/// send that letter again); everything else belongs to the new start.
pub(super) fn keyed_start(
    booking: &Booking<'_>,
    send_at: DateTime<FixedOffset>,
) -> DateTime<FixedOffset> {
    match (moved_at(booking), booking.previous_start) {
        (Some(moved), Some(previous)) if send_at < moved => previous,
        _ => booking.start,
    }
}
