//! Rules 6 to 9: when a message is sent. The trigger gives a time (calendar days in the
//! policy's zone, exact hours), the send window pushes it forward, a time before the booking was
//! made is booked too late, and nothing but cancellation notices and after-visit tasks goes out
//! at or after the visit.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

use super::outcome::Reason;
use super::prepare::{MessageRules, Trigger};
use super::time::{Window, repetitions, shifted};
use super::{Evaluation, changes};
use crate::events::EventIndex;
use crate::plan::{self, Anchor, LateBooking, When};
use crate::schema::MessageKind;

/// What the timing rules of one message need, worked out once per booking.
pub(super) struct MessageTiming<'a> {
    booking_id: &'a str,
    events: &'a EventIndex,
    /// The message belongs to a recall: `visit` is the due date, which it may follow.
    recall: bool,
    /// A recall's service was booked then: nothing is sent from then on.
    recall_booked: Option<DateTime<FixedOffset>>,
    tz: Tz,
    visit: DateTime<Tz>,
    window: Option<Window>,
    late_booking: LateBooking,
    kind: MessageKind,
    // The feed's times below are put in the policy's zone only where a rule needs them
    // there (a zone's offset is looked up each time): they compare as instants as they are.
    /// When the booking counts as made: its creation, or the move.
    created: DateTime<FixedOffset>,
    /// The time of `at booking`: the creation, or the move when the letter goes out again.
    booked_at: DateTime<FixedOffset>,
    /// For `on cancellation` and `on rescheduling`.
    status_at: DateTime<FixedOffset>,
}

/// One send time of a trigger: `every` has several, numbered from 1.
pub(super) struct Occurrence {
    pub number: Option<u64>,
    pub at: Result<DateTime<FixedOffset>, Option<Reason>>,
    /// The trigger's time was before the booking was made, and `late_booking send_now` sends
    /// it when the booking was made instead.
    pub sent_now: bool,
}

impl<'a> MessageTiming<'a> {
    pub fn new(
        ev: &Evaluation<'a, '_>,
        plan_message: &plan::Message,
        rules: &MessageRules,
    ) -> MessageTiming<'a> {
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
            booking_id: &booking.id,
            events: ev.events,
            recall: ev.policy.recall.is_some(),
            recall_booked: booking.recall.and_then(|r| r.booked_at),
            tz,
            visit: ev.visit,
            window: rules.window.or(ev.settings.window),
            late_booking: rules.late_booking.unwrap_or(ev.settings.late_booking),
            kind: plan_message.kind,
            created: moved_at.unwrap_or(booking.created),
            booked_at,
            status_at: booking.status_at.unwrap_or(booking.created),
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

    /// The send times of one trigger, or why each is not sent.
    pub fn occurrences(&self, trigger: &Trigger) -> Vec<Occurrence> {
        let When::Every {
            step, times, from, ..
        } = trigger.when
        else {
            let (at, sent_now) = match self.send_time(trigger) {
                Ok((at, sent_now)) => (Ok(at), sent_now),
                Err(reason) => (Err(reason), false),
            };
            return vec![Occurrence {
                number: None,
                at,
                sent_now,
            }];
        };
        let anchor = match from {
            Anchor::Start => self.visit,
            Anchor::Booking => self.created.with_timezone(&self.tz),
            Anchor::Event(kind) => match self.events.about_booking(self.booking_id, kind) {
                Some(at) => at.with_timezone(&self.tz),
                None => {
                    let at = Err(Some(Reason::NotReported(kind)));
                    return vec![Occurrence {
                        number: None,
                        at,
                        sent_now: false,
                    }];
                }
            },
        };
        repetitions(self.tz, anchor, step, trigger.at, times)
            .into_iter()
            .zip(1..)
            .map(|(t, n)| Occurrence {
                number: Some(n),
                // A repetition before the booking was made is not sent, whatever
                // `late_booking` says: sending them all at once would help nobody.
                at: self
                    .finish(t, true, Some(LateBooking::Skip))
                    .map(|(at, _)| at),
                sent_now: false,
            })
            .collect()
    }

    /// The send time of one trigger (not `every`) and whether it was sent now for being late,
    /// or why it is not sent. `Err(None)`: the trigger has no time on the calendar (an offset
    /// beyond it; plans refuse those).
    fn send_time(
        &self,
        trigger: &Trigger,
    ) -> Result<(DateTime<FixedOffset>, bool), Option<Reason>> {
        // (the time, whether it may follow the visit, whether it may be too late)
        let (base, may_follow_visit, may_be_late): (_, _, bool) = match &trigger.when {
            When::AtBooking => (self.booked_at.with_timezone(&self.tz), false, false),
            When::OnCancellation | When::OnRescheduling => (
                self.status_at.with_timezone(&self.tz),
                self.kind == MessageKind::Cancellation,
                false,
            ),
            When::OnEvent { event } => {
                let at = self.events.about_booking(self.booking_id, *event);
                let at = at.ok_or(Some(Reason::NotReported(*event)))?;
                (at.with_timezone(&self.tz), true, false)
            }
            When::OnReply { words } => {
                let at = self.events.first_reply(self.booking_id, words);
                let at = at.ok_or(Some(Reason::NoReply))?;
                (at.with_timezone(&self.tz), true, false)
            }
            When::Before { offset, .. } => {
                let t = shifted(self.tz, self.visit, *offset, trigger.at, -1).ok_or(None)?;
                (t, false, true)
            }
            // Late too when it falls before the booking was made (`0 days after at 02:30` for
            // a visit made that morning): nothing is sent before a booking exists.
            When::After { offset, .. } => {
                let t = shifted(self.tz, self.visit, *offset, trigger.at, 1).ok_or(None)?;
                (t, true, true)
            }
            When::Every { .. } => return Err(None),
        };
        // A recall's offset before the service was performed is not sent: sending it when
        // the service is performed would tell of a due date a year away.
        let late = match (may_be_late, self.recall) {
            (false, _) => None,
            (true, true) => Some(LateBooking::Skip),
            (true, false) => Some(self.late_booking),
        };
        self.finish(base, may_follow_visit, late)
    }

    /// A trigger's time `base`, pushed into the send window and checked against when the
    /// booking was made, the visit and, for a recall, its booking; and whether it is sent now
    /// for being late.
    fn finish(
        &self,
        base: DateTime<Tz>,
        may_follow_visit: bool,
        late: Option<LateBooking>,
    ) -> Result<(DateTime<FixedOffset>, bool), Option<Reason>> {
        let mut send_at = self.push(base);
        let mut sent_now = false;
        match late {
            Some(rule) if send_at < self.created => match rule {
                LateBooking::Skip => return Err(Some(Reason::BookedTooLate)),
                LateBooking::SendNow => {
                    send_at = self.push(self.created.with_timezone(&self.tz));
                    sent_now = true;
                }
            },
            _ => {}
        }
        // A recall's messages may follow its due date: that is what a reminder of an overdue
        // service is.
        if !may_follow_visit && !self.recall && send_at >= self.visit {
            return Err(Some(if base < self.visit {
                Reason::WindowPastVisit
            } else {
                Reason::AfterVisit
            }));
        }
        if self.recall_booked.is_some_and(|booked| send_at >= booked) {
            return Err(Some(Reason::RecallBooked));
        }
        Ok((send_at.fixed_offset(), sent_now))
    }
}
