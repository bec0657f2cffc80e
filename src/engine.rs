//! Stage 4: plan × booking × delivery events → the actions to send, and why anything was not.
//!
//! [`Engine::new`] prepares a plan once (time zones, windows, typed conditions); then
//! [`Engine::evaluate`] takes one booking at a time, so a feed of any size streams through in
//! constant memory. Nothing here reads the clock: `now` is part of [`Options`]. The rules are
//! documented in `docs/engine.md`, one section per rule, each with its test.

use chrono::{DateTime, Datelike, FixedOffset, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::booking::{Booking, Guardian, Kind, Status};
use crate::events::{About, EventIndex, EventKind};
use crate::plan::{
    self, Channel, LateBooking, MessageKind, Offset, Outcome as Awaited, Plan, Recipient, When,
};

mod condition;
mod time;

pub use condition::Context;
pub use time::{Window, local_instant, shifted};

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

/// Who an action goes to, one person each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Who {
    Patient,
    Guardian1,
    Guardian2,
    Staff,
}

impl Who {
    pub fn as_str(self) -> &'static str {
        match self {
            Who::Patient => "patient",
            Who::Guardian1 => "guardian1",
            Who::Guardian2 => "guardian2",
            Who::Staff => "staff",
        }
    }

    pub fn parse(word: &str) -> Option<Who> {
        [Who::Patient, Who::Guardian1, Who::Guardian2, Who::Staff]
            .into_iter()
            .find(|w| w.as_str() == word)
    }
}

/// Where an action is delivered. Phone numbers and e-mail addresses are the booking's; the
/// inbox and the print shop find the person by the patient id; tasks go to the unit. The
/// address is resolved against the booking when written, so outcomes borrow nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Address {
    Mobile(Who),
    Email,
    Inbox,
    Postal,
    Unit,
}

impl Address {
    /// Feeds what the address resolves to into `hasher`, without building the text.
    fn hash_into(self, booking: &Booking<'_>, hasher: &mut xxhash_rust::xxh3::Xxh3) {
        let mobile = |i: usize| {
            booking.guardians[i]
                .as_ref()
                .and_then(|g| g.mobile.as_deref())
        };
        let (tag, value): (&[u8], &str) = match self {
            Address::Mobile(Who::Guardian1) => (b"m", mobile(0).unwrap_or_default()),
            Address::Mobile(Who::Guardian2) => (b"m", mobile(1).unwrap_or_default()),
            Address::Mobile(_) => (b"m", booking.patient.mobile.as_deref().unwrap_or_default()),
            Address::Email => (b"e", booking.patient.email.as_deref().unwrap_or_default()),
            Address::Inbox => (b"i", &booking.patient_id),
            Address::Postal => (b"p", &booking.patient_id),
            Address::Unit => (b"u", &booking.unit),
        };
        hasher.update(tag);
        hash_piece(hasher, value.as_bytes());
    }

    /// The address as the sending system reads it: `+46...`, `a@b.se`, `inbox:ID`,
    /// `postal:ID`, `unit:NAME`.
    pub fn resolve(self, booking: &Booking<'_>) -> String {
        let mobile = |i: usize| {
            booking.guardians[i]
                .as_ref()
                .and_then(|g| g.mobile.as_deref())
        };
        match self {
            Address::Mobile(Who::Guardian1) => mobile(0).unwrap_or_default().to_string(),
            Address::Mobile(Who::Guardian2) => mobile(1).unwrap_or_default().to_string(),
            Address::Mobile(_) => booking
                .patient
                .mobile
                .as_deref()
                .unwrap_or_default()
                .to_string(),
            Address::Email => booking
                .patient
                .email
                .as_deref()
                .unwrap_or_default()
                .to_string(),
            Address::Inbox => format!("inbox:{}", booking.patient_id),
            Address::Postal => format!("postal:{}", booking.patient_id),
            Address::Unit => format!("unit:{}", booking.unit),
        }
    }
}

/// Which statement of the message made the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The message's own channel, by its trigger number.
    Trigger(usize),
    /// `also CHANNEL` number `.1`, for trigger `.0`.
    Complement(usize, usize),
    /// The fallback of trigger `.0`.
    Fallback(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// Stable across runs; changes when the booking is moved to another start.
    pub key: u128,
    pub policy: usize,
    pub message: usize,
    pub origin: Origin,
    pub channel: Channel,
    pub recipient: Who,
    pub address: Address,
    pub send_at: DateTime<FixedOffset>,
    /// The message's recipient line (`to ...`) that made the action, by number; none for
    /// complements, which go to the patient.
    pub rule: Option<usize>,
    /// A fallback not yet decided: sent unless the event arrives by this time.
    pub unless: Option<(EventKind, DateTime<FixedOffset>)>,
}

/// Why a message (or one recipient's copy of it) is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    NoPolicy,
    /// By exclusion number.
    Excluded(usize),
    /// By the winning policy's number.
    ReplacedBy(usize),
    Cancelled,
    NotCancelled,
    NotRescheduled,
    BookedTooLate,
    AfterVisit,
    WindowPastVisit,
    ConditionFalse,
    ComplementConditionFalse,
    NoGuardian,
    NoConsent(Channel),
    NoMobile,
    NoEmail,
    /// An e-mail address was given, but it cannot be sent to.
    InvalidEmail,
    NoInboxAccount,
    AlreadyComplement(Channel),
    FallbackAfterVisit,
    FallbackAnswered(EventKind),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub policy: Option<usize>,
    pub message: Option<usize>,
    pub origin: Option<Origin>,
    pub recipient: Option<Who>,
    pub reason: Reason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Action(Action),
    Skip(Skip),
}

pub struct Engine {
    plan: Plan,
    policies: Vec<Policy>,
}

struct Settings {
    minor_age: i64,
    window: Option<Window>,
    late_booking: LateBooking,
}

struct Policy {
    tz: Tz,
    kinds: Option<Vec<Kind>>,
    settings: Settings,
    unit_settings: Vec<(String, Settings)>,
    /// Policies this one wins over, by number.
    wins_over: Vec<usize>,
    exclusions: Vec<condition::Condition>,
    messages: Vec<Message>,
}

struct Message {
    triggers: Vec<(When, Option<NaiveTime>, String)>,
    recipients: Vec<(Recipient, Option<condition::Condition>, bool)>,
    complements: Vec<(Channel, Option<condition::Condition>)>,
    window: Option<Window>,
    late_booking: Option<LateBooking>,
}

impl Engine {
    /// Prepares a plan for evaluation.
    pub fn new(plan: Plan) -> Result<Engine, PlanError> {
        if plan.format_version != plan::FORMAT_VERSION {
            return Err(PlanError::Version {
                found: plan.format_version,
                expected: plan::FORMAT_VERSION,
            });
        }
        let policies = plan
            .policies
            .iter()
            .map(|p| prepare(p, &plan))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Engine { plan, policies })
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The time zone of policy `p`, parsed once.
    pub fn timezone(&self, p: usize) -> Tz {
        self.policies[p].tz
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
        let in_scope: Vec<usize> = (0..self.policies.len())
            .filter(|&p| self.in_scope(p, booking))
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
        for &p in &in_scope {
            self.evaluate_policy(p, &in_scope, booking, events, options, out);
        }
        if options.mode == Mode::Due {
            let (since, now) = (options.since, options.now);
            // Only this booking's outcomes (from `first` on) are filtered, in one pass.
            let mut index = 0;
            out.retain(|o| {
                index += 1;
                index <= first
                    || match o {
                        Outcome::Action(a) => {
                            a.unless.is_none()
                                && a.send_at <= now
                                && since.is_none_or(|s| a.send_at > s)
                        }
                        Outcome::Skip(_) => true,
                    }
            });
        }
        // Actions by send time, then skips; the sort is stable, so ties keep plan order.
        out[first..].sort_by_key(|o| match o {
            Outcome::Action(a) => (0, Some(a.send_at)),
            Outcome::Skip(_) => (1, None),
        });
    }

    fn in_scope(&self, p: usize, booking: &Booking<'_>) -> bool {
        let scope = &self.plan.policies[p].scope;
        let listed = |list: &Option<Vec<String>>, value: &str| {
            list.as_ref().is_none_or(|l| l.iter().any(|x| x == value))
        };
        scope.clinics.iter().any(|c| c == booking.clinic.as_ref())
            && listed(&scope.units, &booking.unit)
            && listed(&scope.exams, &booking.exam)
            && self.policies[p]
                .kinds
                .as_ref()
                .is_none_or(|k| k.contains(&booking.kind))
    }

    /// The policy that replaces message `m` of policy `p` for this booking, if any.
    fn replaced_by(&self, p: usize, m: usize, in_scope: &[usize]) -> Option<usize> {
        let message = &self.plan.policies[p].messages[m];
        in_scope.iter().copied().find(|&q| {
            self.policies[q].wins_over.contains(&p)
                && self.plan.policies[q].messages.iter().any(|other| {
                    other.kind == message.kind
                        && other.channel == message.channel
                        && other.recipients.iter().any(|a| {
                            message
                                .recipients
                                .iter()
                                .any(|b| a.recipient.overlaps(b.recipient))
                        })
                })
        })
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one pass over the rules of docs/engine.md, in their order"
    )]
    fn evaluate_policy(
        &self,
        p: usize,
        in_scope: &[usize],
        booking: &Booking<'_>,
        events: &EventIndex,
        options: &Options,
        out: &mut Vec<Outcome>,
    ) {
        let policy = &self.policies[p];
        let plan_policy = &self.plan.policies[p];
        let settings = policy
            .unit_settings
            .iter()
            .find(|(unit, _)| unit == booking.unit.as_ref())
            .map_or(&policy.settings, |(_, s)| s);
        let tz = policy.tz;
        let visit = booking.start.with_timezone(&tz);
        let age = age_on(booking.patient.birth_date, visit.date_naive());
        let context = Context {
            booking,
            age,
            minor: age < settings.minor_age,
            guardian: None,
        };
        let skip = |message: Option<usize>,
                    origin: Option<Origin>,
                    recipient: Option<Who>,
                    reason: Reason| {
            Outcome::Skip(Skip {
                policy: Some(p),
                message,
                origin,
                recipient,
                reason,
            })
        };

        if let Some(e) = policy.exclusions.iter().position(|c| c.holds(&context)) {
            for m in 0..policy.messages.len() {
                out.push(skip(Some(m), None, None, Reason::Excluded(e)));
            }
            return;
        }

        for (m, message) in policy.messages.iter().enumerate() {
            let plan_message = &plan_policy.messages[m];
            if let Some(q) = self.replaced_by(p, m, in_scope) {
                out.push(skip(Some(m), None, None, Reason::ReplacedBy(q)));
                continue;
            }
            let status_rule = match (plan_message.kind, booking.status) {
                (MessageKind::Cancellation, Status::Booked) => Some(Reason::NotCancelled),
                (MessageKind::Cancellation, Status::Cancelled) => None,
                (_, Status::Cancelled) => Some(Reason::Cancelled),
                (MessageKind::Rebooking, Status::Booked) if booking.previous_start.is_none() => {
                    Some(Reason::NotRescheduled)
                }
                _ => None,
            };
            if let Some(reason) = status_rule {
                out.push(skip(Some(m), None, None, reason));
                continue;
            }
            let window = message.window.or(settings.window);
            let late_booking = message.late_booking.unwrap_or(settings.late_booking);
            let push = |t: DateTime<Tz>| window.map_or(t, |w| w.push(tz, t));
            // A moved booking was made anew, as it is now, when it was moved: offsets that fell
            // before the move were booked too late, and a message `at booking` (the letter
            // with the new time) goes out again then, unless a `rebooking` notice on the same
            // channel tells the patient instead.
            let moved_at = booking
                .previous_start
                .map(|_| booking.status_at.unwrap_or(booking.created));
            let created = moved_at.unwrap_or(booking.created).with_timezone(&tz);
            let announced = plan_policy.messages.iter().any(|other| {
                other.kind == MessageKind::Rebooking && other.channel == plan_message.channel
            });
            let booked_at = match moved_at {
                Some(at) if !announced => at,
                _ => booking.created,
            }
            .with_timezone(&tz);

            for (t, (when, at, tag)) in message.triggers.iter().enumerate() {
                let origin = Origin::Trigger(t);
                let (base, may_follow_visit, may_be_late) = match when {
                    When::AtBooking => (booked_at, false, false),
                    When::OnCancellation | When::OnRescheduling => (
                        booking
                            .status_at
                            .unwrap_or(booking.created)
                            .with_timezone(&tz),
                        plan_message.kind == MessageKind::Cancellation,
                        false,
                    ),
                    When::Before { offset, .. } => match shifted(tz, visit, *offset, *at, -1) {
                        Some(t) => (t, false, true),
                        None => continue,
                    },
                    When::After { offset, .. } => match shifted(tz, visit, *offset, *at, 1) {
                        // Late too when it falls before the booking was made (`0 days after at 02:30`
                        // for a visit made that morning): nothing is sent before a booking exists.
                        Some(t) => (t, true, true),
                        None => continue,
                    },
                };
                let mut send_at = push(base);
                if may_be_late && send_at < created {
                    match late_booking {
                        LateBooking::Skip => {
                            out.push(skip(Some(m), Some(origin), None, Reason::BookedTooLate));
                            continue;
                        }
                        LateBooking::SendNow => send_at = push(created),
                    }
                }
                if !may_follow_visit && send_at >= visit {
                    let reason = if base < visit {
                        Reason::WindowPastVisit
                    } else {
                        Reason::AfterVisit
                    };
                    out.push(skip(Some(m), Some(origin), None, reason));
                    continue;
                }
                let send_at = send_at.fixed_offset();
                // What was sent before a booking was moved belongs to the booking as it was:
                // it keeps the key it had (a sender that de-duplicates by key does not send that
                // letter again); everything else gets a key for the new start.
                let keyed_start = match (moved_at, booking.previous_start) {
                    (Some(moved), Some(previous)) if send_at < moved => previous,
                    _ => booking.start,
                };

                // Complements are decided first (a fallback is not sent where the complement
                // already went) but written after the message's own recipients.
                let mut complements: Vec<Outcome> = Vec::new();
                let mut complemented: Vec<Channel> = Vec::new();
                for (c, (channel, condition)) in message.complements.iter().enumerate() {
                    let origin = Origin::Complement(t, c);
                    if condition.as_ref().is_some_and(|cond| !cond.holds(&context)) {
                        complements.push(skip(
                            Some(m),
                            Some(origin),
                            Some(Who::Patient),
                            Reason::ComplementConditionFalse,
                        ));
                        continue;
                    }
                    match address(booking, Who::Patient, *channel, true) {
                        Ok(address) => {
                            complemented.push(*channel);
                            complements.push(Outcome::Action(Action {
                                key: key(
                                    plan_policy,
                                    plan_message,
                                    booking,
                                    tag,
                                    "also",
                                    *channel,
                                    Who::Patient,
                                    address,
                                    keyed_start,
                                ),
                                policy: p,
                                message: m,
                                origin,
                                channel: *channel,
                                recipient: Who::Patient,
                                address,
                                send_at,
                                rule: None,
                                unless: None,
                            }));
                        }
                        Err(reason) => complements.push(skip(
                            Some(m),
                            Some(origin),
                            Some(Who::Patient),
                            reason,
                        )),
                    }
                }

                for (rule, (recipient, condition, needs_consent)) in
                    message.recipients.iter().enumerate()
                {
                    let people: &[Who] = match recipient {
                        Recipient::Patient => &[Who::Patient],
                        Recipient::Guardians => &[Who::Guardian1, Who::Guardian2],
                        Recipient::Guardian1 => &[Who::Guardian1],
                        Recipient::Guardian2 => &[Who::Guardian2],
                        Recipient::Staff => &[Who::Staff],
                    };
                    for &who in people {
                        let guardian = match who {
                            Who::Guardian1 => booking.guardians[0].as_ref().map(|g| (1, g)),
                            Who::Guardian2 => booking.guardians[1].as_ref().map(|g| (2, g)),
                            _ => None,
                        };
                        let is_guardian = matches!(who, Who::Guardian1 | Who::Guardian2);
                        if is_guardian && guardian.is_none() {
                            // "Each guardian": only a named guardian missing is worth a line.
                            if *recipient != Recipient::Guardians {
                                out.push(skip(
                                    Some(m),
                                    Some(origin),
                                    Some(who),
                                    Reason::NoGuardian,
                                ));
                            }
                            continue;
                        }
                        let context = Context {
                            guardian,
                            ..context
                        };
                        if condition.as_ref().is_some_and(|c| !c.holds(&context)) {
                            out.push(skip(
                                Some(m),
                                Some(origin),
                                Some(who),
                                Reason::ConditionFalse,
                            ));
                            continue;
                        }
                        let address =
                            match address(booking, who, plan_message.channel, *needs_consent) {
                                Ok(address) => address,
                                Err(reason) => {
                                    out.push(skip(Some(m), Some(origin), Some(who), reason));
                                    continue;
                                }
                            };
                        let action_key = key(
                            plan_policy,
                            plan_message,
                            booking,
                            tag,
                            "",
                            plan_message.channel,
                            who,
                            address,
                            keyed_start,
                        );
                        out.push(Outcome::Action(Action {
                            key: action_key,
                            policy: p,
                            message: m,
                            origin,
                            channel: plan_message.channel,
                            recipient: who,
                            address,
                            send_at,
                            rule: Some(rule),
                            unless: None,
                        }));

                        let Some(fallback) = &plan_message.fallback else {
                            continue;
                        };
                        let origin = Origin::Fallback(t);
                        if who == Who::Patient && complemented.contains(&fallback.channel) {
                            out.push(skip(
                                Some(m),
                                Some(origin),
                                Some(who),
                                Reason::AlreadyComplement(fallback.channel),
                            ));
                            continue;
                        }
                        let Some(due) =
                            shifted(tz, send_at.with_timezone(&tz), fallback.after, None, 1)
                        else {
                            continue;
                        };
                        // The deadline is when the fallback would go out, after the window:
                        // an event that arrives before then still makes it unnecessary.
                        let deadline = push(due);
                        if deadline >= visit {
                            out.push(skip(
                                Some(m),
                                Some(origin),
                                Some(who),
                                Reason::FallbackAfterVisit,
                            ));
                            continue;
                        }
                        let awaited = match fallback.waits_for {
                            Awaited::Unopened => EventKind::Opened,
                            Awaited::Undelivered => EventKind::Delivered,
                        };
                        let about = About {
                            key: action_key,
                            booking_id: &booking.id,
                            message: &plan_message.name,
                            channel: plan_message.channel,
                            recipient: who,
                            sent_at: send_at,
                        };
                        let answered = events.first(&about, awaited);
                        if answered.is_some_and(|at| at <= deadline) {
                            out.push(skip(
                                Some(m),
                                Some(origin),
                                Some(who),
                                Reason::FallbackAnswered(awaited),
                            ));
                            continue;
                        }
                        let address = match address_for_fallback(booking, who, fallback.channel) {
                            Ok(address) => address,
                            Err(reason) => {
                                out.push(skip(Some(m), Some(origin), Some(who), reason));
                                continue;
                            }
                        };
                        let decided = options.now >= deadline;
                        out.push(Outcome::Action(Action {
                            key: key(
                                plan_policy,
                                plan_message,
                                booking,
                                tag,
                                "fallback",
                                fallback.channel,
                                who,
                                address,
                                keyed_start,
                            ),
                            policy: p,
                            message: m,
                            origin,
                            channel: fallback.channel,
                            recipient: who,
                            address,
                            send_at: deadline.fixed_offset(),
                            rule: Some(rule),
                            unless: (!decided).then(|| (awaited, deadline.fixed_offset())),
                        }));
                    }
                }
                out.append(&mut complements);
            }
        }
    }

    /// The plan's words for a reason, e.g. the exclusion's name.
    pub fn describe(&self, policy: Option<usize>, reason: Reason) -> String {
        let plan_policy = policy.map(|p| &self.plan.policies[p]);
        match reason {
            Reason::NoPolicy => "no policy covers this booking".to_string(),
            Reason::Excluded(e) => {
                plan_policy.map_or_else(String::new, |p| p.exclusions[e].name.clone())
            }
            Reason::ReplacedBy(q) => format!("replaced by policy `{}`", self.plan.policies[q].name),
            Reason::Cancelled => "booking cancelled".to_string(),
            Reason::NotCancelled => "booking not cancelled".to_string(),
            Reason::NotRescheduled => "booking not rescheduled".to_string(),
            Reason::BookedTooLate => "booked too late".to_string(),
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
        }
    }
}

/// Age in whole years on `date`.
fn age_on(birth: chrono::NaiveDate, date: chrono::NaiveDate) -> i64 {
    let mut age = i64::from(date.year()) - i64::from(birth.year());
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Where `who` is reached on `channel`, checking the consent that the channel needs (R1).
fn address(
    booking: &Booking<'_>,
    who: Who,
    channel: Channel,
    needs_consent: bool,
) -> Result<Address, Reason> {
    match (channel, who) {
        (Channel::Task, _) | (_, Who::Staff) => Ok(Address::Unit),
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
                .ok_or(Reason::NoMobile)
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
                .ok_or(Reason::NoMobile)
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

fn address_for_fallback(
    booking: &Booking<'_>,
    who: Who,
    channel: Channel,
) -> Result<Address, Reason> {
    address(booking, who, channel, channel.required_consent().is_some())
}

/// One part of a key, with its length in front, so that no two different lists of parts give
/// the same bytes (names may hold any character, even the separator a key could use).
fn hash_piece(hasher: &mut xxhash_rust::xxh3::Xxh3, piece: &[u8]) {
    hasher.update(&(piece.len() as u64).to_le_bytes());
    hasher.update(piece);
}

/// The idempotency key: a hash of what identifies the action, including the visit's start, so
/// that moving the booking voids the old reminders, and the patient and the address, so that
/// two actions for different people or addresses never share a key (even when a faulty export
/// gives two patients one booking id).
#[expect(
    clippy::too_many_arguments,
    reason = "each argument is one part of what identifies an action"
)]
fn key(
    policy: &plan::Policy,
    message: &plan::Message,
    booking: &Booking<'_>,
    trigger: &str,
    part: &str,
    channel: Channel,
    who: Who,
    address: Address,
    start: DateTime<FixedOffset>,
) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let start = start.timestamp();
    for piece in [
        policy.name.as_str(),
        message.name.as_str(),
        &booking.id,
        trigger,
        part,
        channel.as_str(),
        who.as_str(),
        &booking.patient_id,
    ] {
        hash_piece(&mut hasher, piece.as_bytes());
    }
    address.hash_into(booking, &mut hasher);
    hasher.update(&start.to_le_bytes());
    hasher.digest128()
}

/// A stable text for a trigger, part of the idempotency key.
fn trigger_tag(when: &When) -> String {
    let offset = |o: &Offset| match o {
        Offset::Days(d) => format!("{d}d"),
        Offset::Minutes(m) => format!("{m}m"),
    };
    match when {
        When::AtBooking => "at_booking".to_string(),
        When::OnCancellation => "on_cancellation".to_string(),
        When::OnRescheduling => "on_rescheduling".to_string(),
        When::Before { offset: o, at } => {
            format!("before:{}@{}", offset(o), at.as_deref().unwrap_or(""))
        }
        When::After { offset: o, at } => {
            format!("after:{}@{}", offset(o), at.as_deref().unwrap_or(""))
        }
    }
}

fn prepare(policy: &plan::Policy, plan: &Plan) -> Result<Policy, PlanError> {
    let invalid = |problem: String| PlanError::Invalid {
        policy: policy.name.clone(),
        problem,
    };
    let tz: Tz = policy
        .timezone
        .parse()
        .map_err(|_| invalid(format!("unknown time zone `{}`", policy.timezone)))?;
    let window = |w: &Option<plan::Window>| -> Result<Option<Window>, PlanError> {
        w.as_ref()
            .map(|w| {
                Window::from_plan(w)
                    .ok_or_else(|| invalid(format!("invalid window {}..{}", w.from, w.until)))
            })
            .transpose()
    };
    let settings = |s: &plan::Settings| -> Result<Settings, PlanError> {
        Ok(Settings {
            minor_age: i64::try_from(s.minor_age).unwrap_or(i64::MAX),
            window: window(&s.window)?,
            late_booking: s.late_booking,
        })
    };
    let condition = |e: &plan::Expr| condition::Condition::new(e).map_err(invalid);
    let kinds = policy
        .scope
        .kinds
        .as_ref()
        .map(|kinds| {
            kinds
                .iter()
                .map(|k| {
                    Kind::parse(k).ok_or_else(|| invalid(format!("unknown booking kind `{k}`")))
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let wins_over = policy
        .wins_over
        .iter()
        .map(|name| {
            plan.policies
                .iter()
                .position(|p| &p.name == name)
                .ok_or_else(|| invalid(format!("wins over unknown policy `{name}`")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let messages = policy
        .messages
        .iter()
        .map(|m| {
            let triggers =
                m.triggers
                    .iter()
                    .map(|t| {
                        if let When::Before { offset, .. } | When::After { offset, .. } = &t.when {
                            if !offset.in_range() {
                                return Err(invalid(format!(
                                    "message `{}`: an offset beyond {} days",
                                    m.name,
                                    plan::MAX_OFFSET_DAYS
                                )));
                            }
                        }
                        let at = match &t.when {
                            When::Before { at: Some(at), .. }
                            | When::After { at: Some(at), .. } => Some(
                                NaiveTime::parse_from_str(at, "%H:%M")
                                    .map_err(|_| invalid(format!("invalid time `{at}`")))?,
                            ),
                            _ => None,
                        };
                        Ok((t.when.clone(), at, trigger_tag(&t.when)))
                    })
                    .collect::<Result<Vec<_>, PlanError>>()?;
            let recipients = m
                .recipients
                .iter()
                .map(|r| {
                    Ok((
                        r.recipient,
                        r.condition.as_ref().map(condition).transpose()?,
                        // R1: the channel decides the consent needed, whatever a hand-edited
                        // plan says.
                        m.channel.required_consent().is_some(),
                    ))
                })
                .collect::<Result<Vec<_>, PlanError>>()?;
            let complements = m
                .complements
                .iter()
                .map(|c| Ok((c.channel, c.condition.as_ref().map(condition).transpose()?)))
                .collect::<Result<Vec<_>, PlanError>>()?;
            if m.fallback.as_ref().is_some_and(|f| !f.after.in_range()) {
                return Err(invalid(format!(
                    "message `{}`: a fallback delay beyond {} days",
                    m.name,
                    plan::MAX_OFFSET_DAYS
                )));
            }
            Ok(Message {
                triggers,
                recipients,
                complements,
                window: window(&m.settings.window)?,
                late_booking: m.settings.late_booking,
            })
        })
        .collect::<Result<Vec<_>, PlanError>>()?;
    Ok(Policy {
        tz,
        kinds,
        settings: settings(&policy.settings)?,
        unit_settings: policy
            .unit_settings
            .iter()
            .map(|(unit, s)| Ok((unit.clone(), settings(s)?)))
            .collect::<Result<Vec<_>, PlanError>>()?,
        wins_over,
        exclusions: policy
            .exclusions
            .iter()
            .map(|e| condition(&e.condition))
            .collect::<Result<Vec<_>, _>>()?,
        messages,
    })
}

impl Engine {
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
        let Some(policy) = policy.map(|p| &self.plan.policies[p]) else {
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
        let rule = |who: Who| {
            message.recipients.iter().find(|r| {
                matches!(
                    (r.recipient, who),
                    (Recipient::Patient, Who::Patient)
                        | (Recipient::Staff, Who::Staff)
                        | (Recipient::Guardians, Who::Guardian1 | Who::Guardian2)
                        | (Recipient::Guardian1, Who::Guardian1)
                        | (Recipient::Guardian2, Who::Guardian2)
                )
            })
        };
        let mut found = Vec::new();
        match origin {
            Some(Origin::Trigger(t)) => {
                found.push((&message.triggers[t].source, "when".to_string()));
                let made_by = match outcome {
                    Outcome::Action(a) => a.rule.and_then(|r| message.recipients.get(r)),
                    Outcome::Skip(_) => recipient.and_then(rule),
                };
                if let Some(r) = made_by {
                    found.push((&r.source, "to whom".to_string()));
                }
            }
            Some(Origin::Complement(_, c)) => {
                found.push((&message.complements[c].source, "the complement".to_string()))
            }
            Some(Origin::Fallback(_)) => {
                if let Some(f) = &message.fallback {
                    found.push((&f.source, "the fallback".to_string()));
                }
            }
            None => found.push((&message.source, "this message".to_string())),
        }
        if let Outcome::Skip(skip) = outcome {
            let label = self.describe(Some(skip.policy.unwrap_or_default()), skip.reason);
            if let Some(last) = found.last_mut() {
                last.1 = label;
            }
        }
        found
    }
}
