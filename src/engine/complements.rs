//! Rule 11: complements. `also CHANNEL when ...` sends the same message to the patient on a
//! second channel at the same time, when its condition holds (R11).

use super::keys::Part;
use super::outcome::{Origin, Outcome, Reason};
use super::recipients::address;
use super::{Evaluation, Sending};
use crate::schema::{Channel, Who};

/// The complements of one trigger, and the channels they went to. They are decided before the
/// message's own recipients (a fallback is not sent where a complement already went) but
/// written after them.
pub(super) fn decide(
    ev: &Evaluation<'_, '_>,
    sending: &Sending<'_>,
) -> (Vec<Outcome>, Vec<Channel>) {
    let mut outcomes = Vec::new();
    let mut channels = Vec::new();
    for (c, complement) in sending.rules.complements.iter().enumerate() {
        let origin = Origin::Complement {
            trigger: sending.trigger,
            complement: c,
        };
        let skip = |reason| ev.skip(sending.message, Some(origin), Some(Who::Patient), reason);
        if complement
            .condition
            .as_ref()
            .is_some_and(|cond| !cond.holds(&ev.context))
        {
            outcomes.push(skip(Reason::ComplementConditionFalse));
            continue;
        }
        match address(ev.booking, Who::Patient, complement.channel, true) {
            Ok(to) => {
                channels.push(complement.channel);
                let action = ev.action(
                    sending,
                    origin,
                    complement.channel,
                    Who::Patient,
                    to,
                    Part::Complement,
                    None,
                );
                outcomes.push(Outcome::Action(action));
            }
            Err(reason) => outcomes.push(skip(reason)),
        }
    }
    (outcomes, channels)
}
