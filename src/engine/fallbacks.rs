//! Rule 12: fallbacks. `fallback CHANNEL after D unopened|undelivered` follows each action of
//! the message: sent at its deadline (the action's send time plus D, pushed by the window)
//! unless the awaited event arrived by then; conditional while the deadline is ahead of `now`.

use super::keys::Part;
use super::outcome::{Origin, Outcome, Reason, Unless};
use super::recipients::address;
use super::time::shifted;
use super::{Evaluation, Sending};
use crate::events::About;
use crate::schema::{Channel, Who};

/// The fallback of the action with key `key`, sent to `who` by recipient line `rule`.
pub(super) fn follow(
    ev: &Evaluation<'_, '_>,
    sending: &Sending<'_>,
    who: Who,
    rule: usize,
    key: u128,
    complemented: &[Channel],
    out: &mut Vec<Outcome>,
) {
    let Some(fallback) = &sending.plan.fallback else {
        return;
    };
    let origin = Origin::Fallback(sending.trigger);
    let skip = |reason| ev.skip(sending.message, Some(origin), Some(who), reason);
    if who == Who::Patient && complemented.contains(&fallback.channel) {
        out.push(skip(Reason::AlreadyComplement(fallback.channel)));
        return;
    }
    let timing = sending.timing;
    let Some(due) = shifted(
        timing.tz(),
        sending.send_at.with_timezone(&timing.tz()),
        fallback.after,
        None,
        1,
    ) else {
        return;
    };
    // The deadline is when the fallback would go out, after the window: an event that arrives
    // before then still makes it unnecessary.
    let deadline = timing.push(due);
    if deadline >= timing.visit() {
        out.push(skip(Reason::FallbackAfterVisit));
        return;
    }
    let awaited = fallback.waits_for.cancelled_by();
    let about = About {
        key,
        booking_id: &ev.booking.id,
        message: &sending.plan.name,
        channel: sending.plan.channel,
        recipient: who,
        sent_at: sending.send_at,
    };
    if ev
        .events
        .first(&about, awaited)
        .is_some_and(|at| at <= deadline)
    {
        out.push(skip(Reason::FallbackAnswered(awaited)));
        return;
    }
    let to = match address(
        ev.booking,
        who,
        fallback.channel,
        fallback.channel.required_consent().is_some(),
    ) {
        Ok(to) => to,
        Err(reason) => {
            out.push(skip(reason));
            return;
        }
    };
    let deadline = deadline.fixed_offset();
    let decided = ev.options.now >= deadline;
    let mut action = ev.action(
        sending,
        origin,
        fallback.channel,
        who,
        to,
        Part::Fallback,
        Some(rule),
    );
    action.send_at = deadline;
    action.unless = (!decided).then_some(Unless {
        event: awaited,
        by: deadline,
    });
    out.push(Outcome::Action(action));
}
