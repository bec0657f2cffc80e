//! Rule 10: recipients and consent. Each `to` line is tried for each person it names; its
//! condition is read for that person; the channel needs the person's consent (R1) and an
//! address.

use super::keys::Part;
use super::outcome::{Address, Origin, Outcome, Reason};
use super::{Evaluation, Sending, fallbacks};
use crate::booking::{Booking, Guardian};
use crate::schema::{Channel, Recipient, Who};

/// The message's own actions for one trigger, each followed by its fallback.
pub(super) fn send(
    ev: &Evaluation<'_, '_>,
    sending: &Sending<'_>,
    complemented: &[Channel],
    out: &mut Vec<Outcome>,
) {
    let origin = Origin::Trigger(sending.trigger);
    let channel = sending.plan.channel;
    for (rule, line) in sending.rules.recipients.iter().enumerate() {
        for &who in line.recipient.people() {
            let guardian = match who {
                Who::Guardian1 => ev.booking.guardians[0].as_ref().map(|g| (1, g)),
                Who::Guardian2 => ev.booking.guardians[1].as_ref().map(|g| (2, g)),
                _ => None,
            };
            let is_guardian = matches!(who, Who::Guardian1 | Who::Guardian2);
            if is_guardian && guardian.is_none() {
                // "Each guardian": only a named guardian missing is worth a line.
                if line.recipient != Recipient::Guardians {
                    out.push(ev.skip(sending.message, Some(origin), Some(who), Reason::NoGuardian));
                }
                continue;
            }
            let context = super::Context {
                guardian,
                ..ev.context
            };
            if line.condition.as_ref().is_some_and(|c| !c.holds(&context)) {
                out.push(ev.skip(
                    sending.message,
                    Some(origin),
                    Some(who),
                    Reason::ConditionFalse,
                ));
                continue;
            }
            let address = match address(ev.booking, who, channel, line.needs_consent) {
                Ok(address) => address,
                Err(reason) => {
                    out.push(ev.skip(sending.message, Some(origin), Some(who), reason));
                    continue;
                }
            };
            let action = ev.action(
                sending,
                origin,
                channel,
                who,
                address,
                Part::Message,
                Some(rule),
            );
            let key = action.key;
            out.push(Outcome::Action(action));
            fallbacks::follow(ev, sending, who, rule, key, complemented, out);
        }
    }
}

/// Where `who` is reached on `channel`, checking the consent that the channel needs (R1).
pub(super) fn address(
    booking: &Booking<'_>,
    who: Who,
    channel: Channel,
    needs_consent: bool,
) -> Result<Address, Reason> {
    match (channel, who) {
        (Channel::Task | Channel::BookingSystem, _) | (_, Who::Staff) => Ok(Address::Unit),
        (Channel::Paper, _) => Ok(Address::Postal),
        (Channel::Inbox, Who::Patient) if booking.patient.inbox_account => Ok(Address::Inbox),
        (Channel::Inbox, _) => Err(Reason::NoInboxAccount),
        (Channel::Sms, Who::Patient) => {
            if needs_consent && !booking.patient.consent_sms {
                return Err(Reason::NoConsent(Channel::Sms));
            }
            booking
                .patient
                .mobile
                .as_ref()
                .map(|_| Address::Mobile(who))
                .ok_or(if booking.patient.mobile_invalid {
                    Reason::InvalidMobile
                } else {
                    Reason::NoMobile
                })
        }
        (Channel::Sms, Who::Guardian1 | Who::Guardian2) => {
            let guardian: Option<&Guardian<'_>> =
                booking.guardians[usize::from(who == Who::Guardian2)].as_ref();
            let guardian = guardian.ok_or(Reason::NoGuardian)?;
            if needs_consent && !guardian.consent_sms {
                return Err(Reason::NoConsent(Channel::Sms));
            }
            guardian
                .mobile
                .as_ref()
                .map(|_| Address::Mobile(who))
                .ok_or(if guardian.mobile_invalid {
                    Reason::InvalidMobile
                } else {
                    Reason::NoMobile
                })
        }
        (Channel::Email, Who::Patient) => {
            if needs_consent && !booking.patient.consent_email {
                return Err(Reason::NoConsent(Channel::Email));
            }
            booking
                .patient
                .email
                .as_ref()
                .map(|_| Address::Email)
                .ok_or(if booking.patient.email_invalid {
                    Reason::InvalidEmail
                } else {
                    Reason::NoEmail
                })
        }
        (Channel::Email, _) => Err(Reason::NoEmail),
    }
}
