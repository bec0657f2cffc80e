//! Rule 5: cancelled and moved bookings. A cancelled booking gets only its cancellation
//! notices; a moved booking counts as made anew when it was moved.

use chrono::{DateTime, FixedOffset};

use super::outcome::Reason;
use crate::booking::{Booking, Status};
use crate::schema::MessageKind;

/// Why a message of this kind does not apply to the booking's status, if it does not.
pub(super) fn status_rule(kind: MessageKind, booking: &Booking<'_>) -> Option<Reason> {
    match (kind, booking.status) {
        (MessageKind::Cancellation, Status::Booked) => Some(Reason::NotCancelled),
        (MessageKind::Cancellation, Status::Cancelled) => None,
        (_, Status::Cancelled) => Some(Reason::Cancelled),
        (MessageKind::Rebooking, Status::Booked) if booking.previous_start.is_none() => {
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
