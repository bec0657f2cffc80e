//! Why a booking got what it got, in words: the plain words and the code of each reason, and
//! the policy lines behind an outcome, for `--explain`, `rem explain` and `rem test`.

use super::Engine;
use super::outcome::{Origin, Outcome, PolicyId, Reason, Skip};
use crate::plan;
use crate::schema::{EventKind, Who};

impl Engine {
    /// [`Engine::describe`] for one booking: "no policy covers this booking" also names the
    /// nearest policy and what keeps it out (the booking's clinic, unit, exam or kind).
    pub fn describe_for(
        &self,
        booking: &crate::booking::Booking<'_>,
        policy: Option<PolicyId>,
        reason: Reason,
    ) -> String {
        match reason {
            Reason::NoPolicy => super::scope::nearest_miss(self, booking)
                .unwrap_or_else(|| self.describe(policy, reason)),
            _ => self.describe(policy, reason),
        }
    }

    /// The plain words for a reason, e.g. the exclusion's name or `booked too late`.
    pub fn describe(&self, policy: Option<PolicyId>, reason: Reason) -> String {
        match reason {
            Reason::NoPolicy => "no policy covers this booking".to_string(),
            Reason::Excluded(e) => policy
                .map(|p| self.policy(p).exclusions[e].name.clone())
                .unwrap_or_default(),
            Reason::ReplacedBy(q) => format!("replaced by policy `{}`", self.policy(q).name),
            Reason::Cancelled => "booking cancelled".to_string(),
            Reason::NotCancelled => "booking not cancelled".to_string(),
            Reason::NotRescheduled => "booking not rescheduled".to_string(),
            Reason::BookedTooLate => "booked too late".to_string(),
            Reason::SentNowAlready => {
                "booked too late, and already sent when booked for an earlier offset".to_string()
            }
            Reason::AfterVisit => "send time at or after the visit".to_string(),
            Reason::WindowPastVisit => {
                "outside window: the next open window is after the visit".to_string()
            }
            Reason::ConditionFalse => "recipient condition not met".to_string(),
            Reason::ComplementConditionFalse => "complement condition not met".to_string(),
            Reason::NoGuardian => "no such guardian registered".to_string(),
            Reason::NoConsent(channel) => format!("no consent for {}", channel.as_str()),
            Reason::NoMobile => "no mobile number".to_string(),
            Reason::NoEmail => "no e-mail address".to_string(),
            Reason::InvalidEmail => "the e-mail address is not valid".to_string(),
            Reason::NoInboxAccount => "no inbox account".to_string(),
            Reason::AlreadyComplement(channel) => {
                format!("already sent on {} as a complement", channel.as_str())
            }
            Reason::FallbackAfterVisit => "fallback would land after the visit".to_string(),
            Reason::FallbackAnswered(EventKind::Opened) => {
                "opened before the fallback deadline".to_string()
            }
            Reason::FallbackAnswered(_) => "delivered before the fallback deadline".to_string(),
            Reason::NotReported(event) => format!("no `{event}` event reported yet"),
            Reason::NoReply => "no reply that cancels".to_string(),
            Reason::CancelledByReply => {
                "the patient replied to cancel the booking before it was due".to_string()
            }
            Reason::RecallBooked => "the service is already booked".to_string(),
            Reason::InvalidMobile => "the mobile number is not valid".to_string(),
            Reason::NotBookedYet => {
                "not booked yet (proposed, pending or on a waiting list)".to_string()
            }
            Reason::Declined => "the patient declined the visit".to_string(),
            Reason::PatientInactive => "the patient's record is inactive".to_string(),
            Reason::PatientDeceased => "the patient has died".to_string(),
        }
    }

    /// The stable code of a reason: its `snake_case` code, or an exclusion's own name.
    pub fn reason_code(&self, policy: Option<PolicyId>, reason: Reason) -> &str {
        match (reason.code(), reason, policy) {
            (Some(code), _, _) => code,
            (None, Reason::Excluded(e), Some(p)) => &self.policy(p).exclusions[e].name,
            (None, _, _) => "excluded",
        }
    }

    /// The statements of the policy behind an outcome, each with a short label, for
    /// explanations that point at the line responsible.
    pub fn responsible(&self, outcome: &Outcome) -> Vec<(&plan::Source, String)> {
        let (policy, message, origin, recipient) = match outcome {
            Outcome::Action(a) => (
                Some(a.policy),
                Some(a.message),
                Some(a.origin),
                Some(a.recipient),
            ),
            Outcome::Skip(s) => (s.policy, s.message, s.origin, s.recipient),
        };
        let Some(policy) = policy.map(|p| self.policy(p)) else {
            return Vec::new();
        };
        if let Outcome::Skip(Skip {
            reason: Reason::Excluded(e),
            ..
        }) = outcome
        {
            return vec![(
                &policy.exclusions[*e].source,
                "this exclusion holds for the booking".to_string(),
            )];
        }
        let Some(message) = message.map(|m| &policy.messages[m]) else {
            return vec![(&policy.source, "this policy".to_string())];
        };
        let mut found = places(outcome, message, origin, recipient);
        if let Outcome::Skip(skip) = outcome {
            let label = self.describe(Some(skip.policy.unwrap_or(PolicyId(0))), skip.reason);
            if let Some(last) = found.last_mut() {
                last.1 = label;
            }
        }
        found
    }
}

/// The lines of one message behind an outcome: the trigger and the recipient line, the
/// complement, or the fallback.
fn places<'p>(
    outcome: &Outcome,
    message: &'p plan::Message,
    origin: Option<Origin>,
    recipient: Option<Who>,
) -> Vec<(&'p plan::Source, String)> {
    let line_for = |who: Who| message.recipients.iter().find(|r| r.recipient.names(who));
    let mut found = Vec::new();
    match origin {
        Some(Origin::Trigger(t)) => {
            found.push((&message.triggers[t].source, "when".to_string()));
            let made_by = match outcome {
                Outcome::Action(a) => a.rule.and_then(|r| message.recipients.get(r)),
                Outcome::Skip(_) => recipient.and_then(line_for),
            };
            if let Some(r) = made_by {
                found.push((&r.source, "to whom".to_string()));
            }
        }
        Some(Origin::Complement { complement, .. }) => found.push((
            &message.complements[complement].source,
            "the complement".to_string(),
        )),
        Some(Origin::Fallback(_)) => {
            if let Some(f) = &message.fallback {
                found.push((&f.source, "the fallback".to_string()));
            }
        }
        None => found.push((&message.source, "this message".to_string())),
    }
    found
}
