//! Stage 4: plan × booking × delivery events → the actions to send, and why anything was not.
//!
//! [`Engine::new`] prepares a plan once (conditions, windows, senders); then
//! [`Engine::evaluate`] takes one booking at a time, so a feed of any size streams through in
//! constant memory. Nothing here reads the clock: `now` is part of [`Options`].
//!
//! The rules are documented in `docs/engine.md`; each has its module, in that order:
//!
//! | rule | module |
//! |---|---|
//! | 1–2. scope and unit settings | [`scope`] |
//! | 3–4. exclusions and precedence (`wins_over`) | [`exclusions`] |
//! | 5. cancelled and moved bookings | [`changes`] |
//! | 6–9. send times: trigger, window, late booking, nothing after the visit | [`timing`] (calendar arithmetic in [`time`]) |
//! | 10. recipients and consent | [`recipients`] |
//! | 11. complements | [`complements`] |
//! | 12. fallbacks | [`fallbacks`] |
//! | 13. modes | [`modes`] |
//! | 14. idempotency keys | [`keys`] |
//! | what is sent, and why not | [`outcome`], [`text`], [`why`] |

use std::borrow::Cow;
use std::cell::OnceCell;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

use crate::booking::Booking;
use crate::events::EventIndex;
use crate::plan::{self, Plan};
use crate::schema::{Channel, Who};

mod changes;
mod complements;
mod condition;
mod exclusions;
mod fallbacks;
mod keys;
mod modes;
mod outcome;
mod prepare;
mod recipients;
mod scope;
mod text;
mod time;
mod timing;
mod why;

pub use condition::Context;
pub use outcome::{Action, Address, Origin, Outcome, PolicyId, Reason, Skip, Unless};
pub use prepare::{PlanError, PlanOverlap};
pub use text::{Piece, WEEKDAY_LANGUAGES, pieces, weekday_names};
pub use time::{Window, local_instant, shifted};

use keys::KeyOf;
pub(crate) use keys::Part;
pub(crate) use prepare::trigger_tag;
use prepare::{MessageRules, PolicyRules, Settings};
use timing::MessageTiming;

/// What the engine was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every planned action of every booking, past or future; undecided fallbacks are
    /// conditional.
    Forecast,
    /// Only the actions whose send time is in `(since, now]`, fallbacks decided by events.
    Due,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub now: DateTime<Utc>,
    pub since: Option<DateTime<Utc>>,
    pub mode: Mode,
}

/// A plan, ready to evaluate bookings.
pub struct Engine {
    plan: Plan,
    /// What was prepared of each policy of the plan, by [`PolicyId`].
    rules: Vec<PolicyRules>,
}

/// What the rules read while one policy evaluates one booking.
struct Evaluation<'e, 'b> {
    id: PolicyId,
    policy: &'e plan::Policy,
    rules: &'e PolicyRules,
    settings: &'e Settings,
    booking: &'e Booking<'b>,
    events: &'e EventIndex,
    options: &'e Options,
    tz: Tz,
    visit: DateTime<Tz>,
    context: Context<'e, 'b>,
}

/// One trigger of one message, being sent.
struct Sending<'a> {
    message: usize,
    plan: &'a plan::Message,
    rules: &'a MessageRules,
    timing: &'a MessageTiming<'a>,
    trigger: usize,
    tag: &'a str,
    send_at: DateTime<FixedOffset>,
    sender: Option<Arc<str>>,
    /// The message's text, filled in at its first action (most messages of most bookings send
    /// nothing, and need none).
    text: &'a OnceCell<Option<String>>,
}

impl Engine {
    /// Prepares a plan for evaluation.
    pub fn new(plan: Plan) -> Result<Engine, PlanError> {
        let rules = prepare::prepare(&plan)?;
        Ok(Engine { plan, rules })
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn policy(&self, id: PolicyId) -> &plan::Policy {
        &self.plan.policies[id.0]
    }

    /// Every policy's id, in plan order.
    pub fn policy_ids(&self) -> impl Iterator<Item = PolicyId> + use<> {
        (0..self.plan.policies.len()).map(PolicyId)
    }

    /// The time zone of a policy.
    pub fn timezone(&self, id: PolicyId) -> Tz {
        self.policy(id).timezone
    }

    /// A recall record's due date under each recall policy that covers it (R8), in plan order.
    pub fn recall_due(&self, record: &Booking<'_>) -> Vec<(PolicyId, DateTime<Tz>)> {
        self.policy_ids()
            .filter(|&id| scope::covers(self, id, record))
            .filter_map(|id| {
                let policy = self.policy(id);
                let performed = record.start.with_timezone(&policy.timezone);
                Some((
                    id,
                    time::due(policy.timezone, performed, policy.recall.as_ref()?.interval)?,
                ))
            })
            .collect()
    }

    /// Evaluates one booking, appending its outcomes to `out` in output order: actions by send
    /// time, then the reasons for what was not sent.
    pub fn evaluate(
        &self,
        booking: &Booking<'_>,
        events: &EventIndex,
        options: &Options,
        out: &mut Vec<Outcome>,
    ) {
        let first = out.len();
        let in_scope: Vec<PolicyId> = self
            .policy_ids()
            .filter(|&id| scope::covers(self, id, booking))
            .collect();
        if in_scope.is_empty() {
            out.push(Outcome::Skip(Skip {
                policy: None,
                message: None,
                origin: None,
                recipient: None,
                reason: Reason::NoPolicy,
            }));
        }
        for &id in &in_scope {
            let ev = self.evaluation(id, booking, events, options);
            self.evaluate_policy(&ev, &in_scope, out);
        }
        changes::void_after_reply(self, &in_scope, booking, events, &mut out[first..]);
        modes::finish(options, first, out);
    }

    fn evaluation<'e, 'b>(
        &'e self,
        id: PolicyId,
        booking: &'e Booking<'b>,
        events: &'e EventIndex,
        options: &'e Options,
    ) -> Evaluation<'e, 'b> {
        let policy = self.policy(id);
        let rules = &self.rules[id.0];
        let settings = rules.settings_for(&booking.unit);
        let tz = policy.timezone;
        let visit = match &policy.recall {
            // A recall's messages are timed from the due date; `prepare` refuses intervals
            // that leave the calendar.
            Some(recall) => {
                let performed = booking.start.with_timezone(&tz);
                time::due(tz, performed, recall.interval).unwrap_or(performed)
            }
            None => booking.start.with_timezone(&tz),
        };
        let age = scope::age_on(booking.patient.birth_date, visit.date_naive());
        Evaluation {
            id,
            policy,
            rules,
            settings,
            booking,
            events,
            options,
            tz,
            visit,
            context: Context {
                booking,
                age,
                minor: age < settings.minor_age,
                guardian: None,
            },
        }
    }

    /// The rules of `docs/engine.md`, in their order, for one policy and one booking.
    fn evaluate_policy(
        &self,
        ev: &Evaluation<'_, '_>,
        in_scope: &[PolicyId],
        out: &mut Vec<Outcome>,
    ) {
        if let Some(e) = exclusions::first_holding(ev) {
            for m in 0..ev.policy.messages.len() {
                out.push(ev.skip(m, None, None, Reason::Excluded(e)));
            }
            return;
        }
        for (m, (plan_message, rules)) in ev
            .policy
            .messages
            .iter()
            .zip(&ev.rules.messages)
            .enumerate()
        {
            if let Some(winner) = exclusions::replaced_by(self, ev.id, m, in_scope) {
                out.push(ev.skip(m, None, None, Reason::ReplacedBy(winner)));
                continue;
            }
            if let Some(reason) = changes::status_rule(plan_message, ev.booking) {
                out.push(ev.skip(m, None, None, reason));
                continue;
            }
            let timing = MessageTiming::new(ev, plan_message, rules);
            let sender = rules.sender_for(&ev.booking.unit);
            let text = OnceCell::new();
            // Rule 8: offsets that were all too late are sent once, when the booking was made.
            let mut sent_now = false;
            for (t, trigger) in rules.triggers.iter().enumerate() {
                for occurrence in timing.occurrences(trigger) {
                    let send_at = match occurrence.at {
                        Ok(_) if occurrence.sent_now && sent_now => {
                            let reason = Reason::SentNowAlready;
                            out.push(ev.skip(m, Some(Origin::Trigger(t)), None, reason));
                            continue;
                        }
                        Ok(at) => at,
                        Err(Some(reason)) => {
                            out.push(ev.skip(m, Some(Origin::Trigger(t)), None, reason));
                            continue;
                        }
                        Err(None) => continue,
                    };
                    sent_now |= occurrence.sent_now;
                    // Each repetition of `every` is its own action, with its own key.
                    let tag = match occurrence.number {
                        Some(n) => Cow::Owned(format!("{}#{n}", trigger.tag)),
                        None => Cow::Borrowed(trigger.tag.as_str()),
                    };
                    let sending = Sending {
                        message: m,
                        plan: plan_message,
                        rules,
                        timing: &timing,
                        trigger: t,
                        tag: &tag,
                        send_at,
                        sender: sender.clone(),
                        text: &text,
                    };
                    let (mut complements, complemented) = complements::decide(ev, &sending);
                    recipients::send(ev, &sending, &complemented, out);
                    out.append(&mut complements);
                }
            }
        }
    }
}

impl Evaluation<'_, '_> {
    fn skip(
        &self,
        message: usize,
        origin: Option<Origin>,
        recipient: Option<Who>,
        reason: Reason,
    ) -> Outcome {
        Outcome::Skip(Skip {
            policy: Some(self.id),
            message: Some(message),
            origin,
            recipient,
            reason,
        })
    }

    /// An action of the message being sent, with its key.
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is one part of what identifies an action"
    )]
    fn action(
        &self,
        sending: &Sending<'_>,
        origin: Origin,
        channel: Channel,
        recipient: Who,
        address: Address,
        part: Part,
        rule: Option<usize>,
    ) -> Action {
        let key = KeyOf {
            policy: &self.policy.name,
            message: &sending.plan.name,
            trigger: sending.tag,
            part,
            channel,
            who: recipient,
            address,
            start: changes::keyed_start(self.booking, sending.send_at),
        }
        .key(self.booking);
        Action {
            key,
            policy: self.id,
            message: sending.message,
            origin,
            channel,
            recipient,
            address,
            send_at: sending.send_at,
            rule,
            unless: None,
            sender: sending.sender.clone(),
            text: if part == Part::Fallback
                && sending
                    .plan
                    .fallback
                    .as_ref()
                    .is_some_and(plan::Fallback::has_own_wording)
            {
                self.render(sending, sending.plan.wording(true))
            } else {
                sending
                    .text
                    .get_or_init(|| self.render(sending, sending.plan.wording(false)))
                    .clone()
            },
        }
    }

    /// The text of `wording`: a template's in the patient's language, else in its fallback
    /// language (R19), or the inline text; placeholders filled.
    fn render(&self, sending: &Sending<'_>, wording: plan::Wording<'_>) -> Option<String> {
        let (text, language) = match wording.localized {
            Some(l) => {
                let patient = self.booking.patient.language.as_deref();
                (Some(l.text_for(patient)), Some(l.language_for(patient)))
            }
            None => (wording.text, None),
        };
        text.map(|t| {
            let sender = sending.sender.as_deref();
            text::render(t, self.booking, self.visit, sender, language)
        })
    }
}
