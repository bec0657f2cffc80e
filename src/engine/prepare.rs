//! A plan made ready to run, once: conditions compiled, windows as bit masks, `wins_over` as
//! policy ids, senders chosen per unit, trigger tags for the keys. A plan that cannot be run
//! (hand-edited, or of another version) is a [`PlanError`].

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveTime;

use super::condition::Condition;
use super::outcome::PolicyId;
use super::time::Window;
use crate::plan::{self, LateBooking, Offset, Plan, Recipient, When};
use crate::schema::{Channel, Kind};

/// A plan that cannot be run (a hand-edited or foreign JSON plan).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum PlanError {
    #[error("the plan has format version {found}; this rem reads version {expected}")]
    #[diagnostic(
        code(rem::E080),
        help("compile the policies again with this version of rem")
    )]
    Version { found: u32, expected: u32 },
    #[error("policy `{policy}`: {problem}")]
    #[diagnostic(
        code(rem::E081),
        help(
            "compile the policies again with `rem compile`; plans are not meant to be edited by hand"
        )
    )]
    Invalid { policy: String, problem: String },
    #[error("policy `{policy}` is given twice: in {first} and in {second}")]
    #[diagnostic(
        code(rem::E082),
        help(
            "give each policy once: a compiled plan or the .rem files it was compiled from, not both (every action would be sent twice)"
        )
    )]
    Twice {
        policy: String,
        first: String,
        second: String,
    },
    #[error(
        "policy `{}` ({}) and policy `{}` ({}) would both send a {} by {} to the {}",
        .0.later, .0.later_input, .0.earlier, .0.earlier_input, .0.kind, .0.channel, .0.recipient
    )]
    #[diagnostic(
        code(rem::E083),
        help(
            "policies given in separate plans are not checked against each other when compiled: check them together with `rem check`, then narrow their scopes or write `wins_over`"
        )
    )]
    Overlap(Box<PlanOverlap>),
}

/// Two policies from inputs compiled apart that would send one message twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOverlap {
    pub earlier: String,
    pub earlier_input: String,
    pub later: String,
    pub later_input: String,
    pub kind: String,
    pub channel: String,
    pub recipient: String,
}

/// The settings that apply to a booking's unit.
#[derive(Debug, Clone)]
pub(super) struct Settings {
    pub minor_age: i64,
    pub window: Option<Window>,
    pub late_booking: LateBooking,
}

/// One policy, ready to run.
pub(super) struct PolicyRules {
    pub kinds: Option<Vec<Kind>>,
    pub settings: Settings,
    pub unit_settings: BTreeMap<String, Settings>,
    /// Policies this one wins over.
    pub wins_over: Vec<PolicyId>,
    pub exclusions: Vec<Condition>,
    pub messages: Vec<MessageRules>,
}

impl PolicyRules {
    /// The settings of the booking's unit: its override, else the policy's.
    pub fn settings_for(&self, unit: &str) -> &Settings {
        self.unit_settings.get(unit).unwrap_or(&self.settings)
    }
}

/// One trigger of a message.
pub(super) struct Trigger {
    pub when: When,
    pub at: Option<NaiveTime>,
    /// A stable text for the trigger, part of the idempotency key.
    pub tag: String,
}

/// One `to` line of a message.
pub(super) struct RecipientRule {
    pub recipient: Recipient,
    pub condition: Option<Condition>,
    /// Whether the person needs consent for the channel (R1): the channel decides.
    pub needs_consent: bool,
}

/// One `also` line of a message.
pub(super) struct Complement {
    pub channel: Channel,
    pub condition: Option<Condition>,
}

/// One message, ready to run.
pub(super) struct MessageRules {
    pub triggers: Vec<Trigger>,
    pub recipients: Vec<RecipientRule>,
    pub complements: Vec<Complement>,
    pub window: Option<Window>,
    pub late_booking: Option<LateBooking>,
    /// The sender alias for bookings at units without one of their own.
    pub sender: Option<Arc<str>>,
    /// The sender alias at units whose override sets one (when the message sets none).
    pub unit_senders: BTreeMap<String, Arc<str>>,
}

impl MessageRules {
    /// The sender alias (R19): the message's, else the unit's, else the policy's.
    pub fn sender_for(&self, unit: &str) -> Option<Arc<str>> {
        self.unit_senders
            .get(unit)
            .cloned()
            .or_else(|| self.sender.clone())
    }
}

pub(super) fn prepare(plan: &Plan) -> Result<Vec<PolicyRules>, PlanError> {
    if plan.format_version != plan::FORMAT_VERSION {
        return Err(PlanError::Version {
            found: plan.format_version,
            expected: plan::FORMAT_VERSION,
        });
    }
    plan.policies
        .iter()
        .map(|policy| prepare_policy(policy, plan))
        .collect()
}

fn invalid(policy: &plan::Policy, problem: String) -> PlanError {
    PlanError::Invalid {
        policy: policy.name.clone(),
        problem,
    }
}

fn settings(policy: &plan::Policy, settings: &plan::Settings) -> Result<Settings, PlanError> {
    Ok(Settings {
        minor_age: i64::try_from(settings.minor_age).unwrap_or(i64::MAX),
        window: window(policy, settings.window.as_ref())?,
        late_booking: settings.late_booking,
    })
}

fn window(
    policy: &plan::Policy,
    window: Option<&plan::Window>,
) -> Result<Option<Window>, PlanError> {
    window
        .map(|w| {
            Window::from_plan(w)
                .ok_or_else(|| invalid(policy, format!("invalid window {}..{}", w.from, w.until)))
        })
        .transpose()
}

fn condition(
    policy: &plan::Policy,
    expr: Option<&plan::Expr>,
) -> Result<Option<Condition>, PlanError> {
    expr.map(|e| Condition::new(e).map_err(|problem| invalid(policy, problem)))
        .transpose()
}

fn prepare_policy(policy: &plan::Policy, plan: &Plan) -> Result<PolicyRules, PlanError> {
    if let Some(recall) = &policy.recall {
        let fits = match recall.interval {
            plan::Interval::Days(d) => (1..=plan::MAX_OFFSET_DAYS).contains(&d),
            plan::Interval::Months(m) => (1..=plan::MAX_INTERVAL_MONTHS).contains(&m),
        };
        let scoped = policy.scope.exams.as_deref() == Some(std::slice::from_ref(&recall.service));
        if !fits || !scoped {
            return Err(invalid(
                policy,
                "a recall is due 1 day to 10 years after its service, and its scope's exams are that service".to_string(),
            ));
        }
    }
    let wins_over = policy
        .wins_over
        .iter()
        .map(|name| {
            plan.policies
                .iter()
                .position(|p| &p.name == name)
                .map(PolicyId)
                .ok_or_else(|| invalid(policy, format!("wins over unknown policy `{name}`")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let exclusions = policy
        .exclusions
        .iter()
        .map(|e| Condition::new(&e.condition).map_err(|problem| invalid(policy, problem)))
        .collect::<Result<Vec<_>, PlanError>>()?;
    let unit_settings = policy
        .unit_settings
        .iter()
        .map(|(unit, s)| Ok((unit.clone(), settings(policy, s)?)))
        .collect::<Result<BTreeMap<_, _>, PlanError>>()?;
    let messages = policy
        .messages
        .iter()
        .map(|m| prepare_message(policy, m))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PolicyRules {
        kinds: policy.scope.kinds.clone(),
        settings: settings(policy, &policy.settings)?,
        unit_settings,
        wins_over,
        exclusions,
        messages,
    })
}

/// One trigger, checked against the plan's limits, with its time of day and key tag.
fn prepare_trigger(
    policy: &plan::Policy,
    m: &plan::Message,
    t: &plan::Trigger,
) -> Result<Trigger, PlanError> {
    let at = match &t.when {
        When::Before { offset, at } | When::After { offset, at } => {
            if !offset.in_range() {
                return Err(invalid(
                    policy,
                    format!(
                        "message `{}`: an offset beyond {} days",
                        m.name,
                        plan::MAX_OFFSET_DAYS
                    ),
                ));
            }
            at.map(|at| at.0)
        }
        When::Every {
            step, at, times, ..
        } => {
            let days = match step {
                plan::Step::Days(d) => *d,
                plan::Step::Weekday(_) => 7,
            };
            if !(1..=plan::MAX_OFFSET_DAYS).contains(&days)
                || !(1..=plan::MAX_REPETITIONS).contains(times)
            {
                return Err(invalid(
                    policy,
                    format!(
                        "message `{}`: a repetition must be 1 to {} days apart, 1 to {} times",
                        m.name,
                        plan::MAX_OFFSET_DAYS,
                        plan::MAX_REPETITIONS
                    ),
                ));
            }
            at.map(|at| at.0)
        }
        _ => None,
    };
    Ok(Trigger {
        when: t.when.clone(),
        at,
        tag: trigger_tag(&t.when),
    })
}

fn prepare_message(policy: &plan::Policy, m: &plan::Message) -> Result<MessageRules, PlanError> {
    let too_long = |what: &str| {
        invalid(
            policy,
            format!(
                "message `{}`: {what} beyond {} days",
                m.name,
                plan::MAX_OFFSET_DAYS
            ),
        )
    };
    let triggers = m
        .triggers
        .iter()
        .map(|t| prepare_trigger(policy, m, t))
        .collect::<Result<Vec<_>, _>>()?;
    if m.fallback.as_ref().is_some_and(|f| !f.after.in_range()) {
        return Err(too_long("a fallback delay"));
    }
    let recipients = m
        .recipients
        .iter()
        .map(|r| {
            Ok(RecipientRule {
                recipient: r.recipient,
                condition: condition(policy, r.condition.as_ref())?,
                // R1: the channel decides the consent needed, whatever a hand-edited plan says.
                needs_consent: m.channel.required_consent().is_some(),
            })
        })
        .collect::<Result<Vec<_>, PlanError>>()?;
    let complements = m
        .complements
        .iter()
        .map(|c| {
            Ok(Complement {
                channel: c.channel,
                condition: condition(policy, c.condition.as_ref())?,
            })
        })
        .collect::<Result<Vec<_>, PlanError>>()?;
    let unit_senders = match &m.settings.sender {
        Some(_) => BTreeMap::new(),
        None => policy
            .unit_settings
            .iter()
            .filter_map(|(unit, s)| Some((unit.clone(), Arc::from(s.sender.as_deref()?))))
            .collect(),
    };
    Ok(MessageRules {
        triggers,
        recipients,
        complements,
        window: window(policy, m.settings.window.as_ref())?,
        late_booking: m.settings.late_booking,
        sender: m
            .settings
            .sender
            .as_deref()
            .or(policy.settings.sender.as_deref())
            .map(Arc::from),
        unit_senders,
    })
}

/// A stable text for a trigger, part of the idempotency key.
pub(crate) fn trigger_tag(when: &When) -> String {
    let offset = |o: &Offset| match o {
        Offset::Days(d) => format!("{d}d"),
        Offset::Minutes(m) => format!("{m}m"),
    };
    let at = |at: &Option<plan::TimeOfDay>| at.map(|t| t.to_string()).unwrap_or_default();
    match when {
        When::AtBooking => "at_booking".to_string(),
        When::OnCancellation => "on_cancellation".to_string(),
        When::OnRescheduling => "on_rescheduling".to_string(),
        When::OnEvent { event } => format!("on:{event}"),
        When::OnReply { .. } => "on_reply".to_string(),
        When::Every {
            step,
            at: t,
            times,
            from,
        } => {
            let step = match step {
                plan::Step::Days(d) => format!("{d}d"),
                plan::Step::Weekday(w) => w.to_string(),
            };
            format!("every:{step}@{}x{times}/{}", at(t), from.word())
        }
        When::Before { offset: o, at: t } => format!("before:{}@{}", offset(o), at(t)),
        When::After { offset: o, at: t } => format!("after:{}@{}", offset(o), at(t)),
    }
}
