//! Rules 6 to 9: when a message is sent. The trigger gives a time (calendar days in the
//! policy's zone, exact hours), the send window pushes it forward, a time before the booking was
//! made is booked too late, and nothing but cancellation notices and after-visit tasks goes out
//! at or after the visit.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

use super::outcome::Reason;
use super::prepare::{MessageRules, Trigger};
use super::time::{Window, shifted};
use super::{Evaluation, changes};
use crate::plan::{self, LateBooking, When};
use crate::schema::MessageKind;

/// What the timing rules of one message need, worked out once per booking.
pub(super) struct MessageTiming {
    tz: Tz,
    visit: DateTime<Tz>,
    window: Option<Window>,
    late_booking: LateBooking,
    kind: MessageKind,
    /// When the booking counts as made: its creation, or the move.
    created: DateTime<Tz>,
    /// The time of `at booking`: the creation, or the move when the letter goes out again.
    booked_at: DateTime<Tz>,
    /// For `on cancellation` and `on rescheduling`.
    status_at: DateTime<Tz>,
}

impl MessageTiming {
    pub fn new(
        ev: &Evaluation<'_, '_>,
        plan_message: &plan::Message,
        rules: &MessageRules,
    ) -> MessageTiming {
        let booking = ev.booking;
        let tz = ev.tz;
        // A moved booking was made anew, as it is now, when it was moved: offsets that fell
        // before the move were booked too late, and a message `at booking` (the letter with
        // the new time) goes out again then, unless a `rebooking` notice on the same channel
        // tells the patient instead.
        let moved_at = changes::moved_at(booking);
        let announced = ev.policy.messages.iter().any(|other| {
            other.kind == MessageKind::Rebooking && other.channel == plan_message.channel
        });
        let booked_at = match moved_at {
            Some(at) if !announced => at,
            _ => booking.created,
        };
        MessageTiming {
            tz,
            visit: ev.visit,
            window: rules.window.or(ev.settings.window),
            late_booking: rules.late_booking.unwrap_or(ev.settings.late_booking),
            kind: plan_message.kind,
            created: moved_at.unwrap_or(booking.created).with_timezone(&tz),
            booked_at: booked_at.with_timezone(&tz),
            status_at: booking
                .status_at
                .unwrap_or(booking.created)
                .with_timezone(&tz),
        }
    }

    /// `t`, pushed forward into the send window if there is one.
    pub fn push(&self, t: DateTime<Tz>) -> DateTime<Tz> {
        self.window.map_or(t, |w| w.push(self.tz, t))
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    pub fn visit(&self) -> DateTime<Tz> {
        self.visit
    }

    /// The send time of one trigger, or why it is not sent. `Err(None)`: the trigger has no
    /// time on the calendar (an offset beyond it; plans refuse those).
    pub fn send_time(&self, trigger: &Trigger) -> Result<DateTime<FixedOffset>, Option<Reason>> {
        // (the time, whether it may follow the visit, whether it may be too late)
        let (base, may_follow_visit, may_be_late) = match trigger.when {
            When::AtBooking => (self.booked_at, false, false),
            When::OnCancellation | When::OnRescheduling => (
                self.status_at,
                self.kind == MessageKind::Cancellation,
                false,
            ),
            When::Before { offset, .. } => {
                let t = shifted(self.tz, self.visit, offset, trigger.at, -1).ok_or(None)?;
                (t, false, true)
            }
            // Late too when it falls before the booking was made (`0 days after at 02:30` for
            // a visit made that morning): nothing is sent before a booking exists.
            When::After { offset, .. } => {
                let t = shifted(self.tz, self.visit, offset, trigger.at, 1).ok_or(None)?;
                (t, true, true)
            }
        };
        let mut send_at = self.push(base);
        if may_be_late && send_at < self.created {
            match self.late_booking {
                LateBooking::Skip => return Err(Some(Reason::BookedTooLate)),
                LateBooking::SendNow => send_at = self.push(self.created),
            }
        }
        if !may_follow_visit && send_at >= self.visit {
            return Err(Some(if base < self.visit {
                Reason::WindowPastVisit
            } else {
                Reason::AfterVisit
            }));
        }
        Ok(send_at.fixed_offset())
    }
}
