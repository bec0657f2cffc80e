//! Property tests of the engine's invariants (`docs/engine.md`) over generated policies and
//! bookings: random but valid `.rem` programs, bookings across clinics, units, statuses and DST
//! change days, and delivery events. Each invariant is one `proptest!` test named after what it
//! protects. The exclusion oracle below evaluates conditions from the generated booking fields
//! on its own, without the engine's condition code.
//!
//! Phone numbers are from the range Swedish regulators reserve for fiction (070-1740605 to
//! 070-1740699); e-mail addresses use `example.org`.
#![expect(
    clippy::too_many_lines,
    reason = "the generators spell out whole policies and bookings; the rule is for the library"
)]

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use rem::booking::{Booking, ConsentSource, Guardian, IdKind, Kind, Patient, Source, Status};
use rem::engine::{Engine, Mode, Options, Origin, Outcome, PolicyId, Reason, Skip, local_instant};
use rem::events::{Event, EventIndex, EventKind};
use rem::feed::csv::CsvFeed;
use rem::output::Tally;
use rem::plan::{Channel, MessageKind, When};
use rem::schema::Who;

// ---------------------------------------------------------------------------------------------
// The vocabulary the generators draw from.

const CLINICS: [&str; 2] = ["Vårdcentral Exempel", "ASL Roma 1"];
/// Bookings may also be at a clinic no policy covers.
const BOOKING_CLINICS: [&str; 3] = ["Vårdcentral Exempel", "ASL Roma 1", "Klinik Utanför"];
/// One unit name has a comma and a non-ASCII letter, to exercise CSV quoting.
const UNITS: [&str; 4] = ["LAK", "DSK", "BVC, Öst", "KF-HÖGLAND"];
const EXAMS: [&str; 3] = ["besok", "ekg", "vaccination"];
const ZONES: [&str; 3] = ["Europe/Stockholm", "Europe/Copenhagen", "Europe/Rome"];
const KINDS: [Kind; 4] = [Kind::Single, Kind::Series, Kind::Team, Kind::Group];
const LANGUAGES: [&str; 4] = ["sv", "en", "da", "it"];

// ---------------------------------------------------------------------------------------------
// Conditions: generated as a small tree, rendered as `.rem` text, and evaluated by the oracle.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn text(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }

    fn holds(self, left: i64, right: i64) -> bool {
        match self {
            Cmp::Eq => left == right,
            Cmp::Ne => left != right,
            Cmp::Lt => left < right,
            Cmp::Le => left <= right,
            Cmp::Gt => left > right,
            Cmp::Ge => left >= right,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Atom {
    Source(bool, Source),
    KindIn(Vec<Kind>),
    Status(Status),
    Unit(&'static str),
    ExamIn(Vec<&'static str>),
    Reminder,
    /// Minutes, rendered in hours or days.
    LeadTime(Cmp, i64),
    Age(Cmp, i64),
    Minor,
    IdKind(bool, IdKind),
    IdKindIn(Vec<IdKind>),
    HasMobile,
    HasEmail,
    ConsentSms,
    ConsentEmail,
    ConsentSource(ConsentSource),
    InboxAccount,
    InboxNotifications,
    Interpreter,
    Language(bool, &'static str),
    GuardianHasMobile,
    GuardianConsentSms,
    GuardianNumber(i64),
}

#[derive(Debug, Clone, PartialEq)]
enum Cond {
    Atom(Atom),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

fn eq(positive: bool) -> &'static str {
    if positive { "==" } else { "!=" }
}

impl Atom {
    fn text(&self) -> String {
        match self {
            Atom::Source(p, s) => format!("booking.source {} {}", eq(*p), s.as_str()),
            Atom::KindIn(kinds) => format!(
                "booking.kind in [{}]",
                kinds
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Atom::Status(s) => format!("booking.status == {}", s.as_str()),
            Atom::Unit(u) => format!("booking.unit == \"{u}\""),
            Atom::ExamIn(exams) => format!(
                "booking.exam in [{}]",
                exams
                    .iter()
                    .map(|e| format!("\"{e}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Atom::Reminder => "booking.reminder".to_string(),
            Atom::LeadTime(cmp, minutes) => {
                let amount = if minutes % 1440 == 0 {
                    format!("{} days", minutes / 1440)
                } else {
                    format!("{} hours", minutes / 60)
                };
                format!("booking.lead_time {} {amount}", cmp.text())
            }
            Atom::Age(cmp, n) => format!("patient.age {} {n}", cmp.text()),
            Atom::Minor => "patient.minor".to_string(),
            Atom::IdKind(p, k) => format!("patient.id_kind {} {}", eq(*p), k.as_str()),
            Atom::IdKindIn(kinds) => format!(
                "patient.id_kind in [{}]",
                kinds
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Atom::HasMobile => "patient.has_mobile".to_string(),
            Atom::HasEmail => "patient.has_email".to_string(),
            Atom::ConsentSms => "patient.consent.sms".to_string(),
            Atom::ConsentEmail => "patient.consent.email == true".to_string(),
            Atom::ConsentSource(s) => format!("patient.consent.source == {}", s.as_str()),
            Atom::InboxAccount => "patient.inbox.account".to_string(),
            Atom::InboxNotifications => "patient.inbox.notifications == false".to_string(),
            Atom::Interpreter => "patient.interpreter".to_string(),
            Atom::Language(p, l) => format!("patient.language {} \"{l}\"", eq(*p)),
            Atom::GuardianHasMobile => "guardian.has_mobile".to_string(),
            Atom::GuardianConsentSms => "guardian.consent.sms".to_string(),
            Atom::GuardianNumber(n) => format!("guardian.number == {n}"),
        }
    }

    /// The oracle: the atom's truth from the booking's fields, as `docs/language.md` defines
    /// the fields.
    fn holds(&self, cx: &Cx<'_>) -> bool {
        let b = cx.booking;
        let p = &b.patient;
        match self {
            Atom::Source(pos, s) => (b.source == *s) == *pos,
            Atom::KindIn(kinds) => kinds.contains(&b.kind),
            Atom::Status(s) => b.status == *s,
            Atom::Unit(u) => b.unit == *u,
            Atom::ExamIn(exams) => exams.iter().any(|e| b.exam == *e),
            Atom::Reminder => b.reminder,
            Atom::LeadTime(cmp, minutes) => {
                cmp.holds((b.start - b.created).num_minutes(), *minutes)
            }
            Atom::Age(cmp, n) => cmp.holds(cx.age, *n),
            Atom::Minor => cx.minor,
            Atom::IdKind(pos, k) => (p.id_kind == *k) == *pos,
            Atom::IdKindIn(kinds) => kinds.contains(&p.id_kind),
            Atom::HasMobile => p.mobile.is_some(),
            Atom::HasEmail => p.email.is_some(),
            Atom::ConsentSms => p.consent_sms,
            Atom::ConsentEmail => p.consent_email,
            Atom::ConsentSource(s) => p.consent_source == *s,
            Atom::InboxAccount => p.inbox_account,
            Atom::InboxNotifications => !p.inbox_notifications,
            Atom::Interpreter => p.interpreter,
            Atom::Language(pos, l) => (p.language.as_deref() == Some(*l)) == *pos,
            Atom::GuardianHasMobile => cx.guardian.is_some_and(|(_, g)| g.mobile.is_some()),
            Atom::GuardianConsentSms => cx.guardian.is_some_and(|(_, g)| g.consent_sms),
            Atom::GuardianNumber(n) => cx.guardian.is_some_and(|(number, _)| number == *n),
        }
    }
}

impl Cond {
    fn text(&self) -> String {
        let part = |c: &Cond| match c {
            Cond::Atom(a) => a.text(),
            other => format!("({})", other.text()),
        };
        match self {
            Cond::Atom(a) => a.text(),
            Cond::Not(c) => format!("not ({})", c.text()),
            Cond::And(cs) => cs.iter().map(part).collect::<Vec<_>>().join(" and "),
            Cond::Or(cs) => cs.iter().map(part).collect::<Vec<_>>().join(" or "),
        }
    }

    fn holds(&self, cx: &Cx<'_>) -> bool {
        match self {
            Cond::Atom(a) => a.holds(cx),
            Cond::Not(c) => !c.holds(cx),
            Cond::And(cs) => cs.iter().all(|c| c.holds(cx)),
            Cond::Or(cs) => cs.iter().any(|c| c.holds(cx)),
        }
    }
}

/// What the oracle knows about one booking under one policy.
struct Cx<'a> {
    booking: &'a Booking<'static>,
    age: i64,
    minor: bool,
    guardian: Option<(i64, &'a Guardian<'static>)>,
}

fn cmp() -> impl Strategy<Value = Cmp> {
    select(vec![Cmp::Eq, Cmp::Ne, Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge])
}

fn nonempty<T: Clone + std::fmt::Debug + 'static>(items: Vec<T>) -> impl Strategy<Value = Vec<T>> {
    let n = items.len();
    subsequence(items, 1..=n)
}

fn atom(guardian: bool) -> BoxedStrategy<Atom> {
    let common = prop_oneof![
        (
            any::<bool>(),
            select(vec![Source::Staff, Source::Portal, Source::QuickBook])
        )
            .prop_map(|(p, s)| Atom::Source(p, s)),
        nonempty(KINDS.to_vec()).prop_map(Atom::KindIn),
        select(vec![Status::Booked, Status::Cancelled]).prop_map(Atom::Status),
        select(UNITS.to_vec()).prop_map(Atom::Unit),
        nonempty(EXAMS.to_vec()).prop_map(Atom::ExamIn),
        Just(Atom::Reminder),
        (
            cmp(),
            prop_oneof![
                (1i64..=48).prop_map(|h| h * 60),
                (1i64..=14).prop_map(|d| d * 1440)
            ]
        )
            .prop_map(|(c, m)| Atom::LeadTime(c, m)),
        (cmp(), 0i64..=90).prop_map(|(c, n)| Atom::Age(c, n)),
        Just(Atom::Minor),
        (
            any::<bool>(),
            select(vec![
                IdKind::Personal,
                IdKind::Coordination,
                IdKind::Reserve
            ])
        )
            .prop_map(|(p, k)| Atom::IdKind(p, k)),
        nonempty(vec![
            IdKind::Personal,
            IdKind::Coordination,
            IdKind::Reserve
        ])
        .prop_map(Atom::IdKindIn),
        Just(Atom::HasMobile),
        Just(Atom::HasEmail),
        Just(Atom::ConsentSms),
        Just(Atom::ConsentEmail),
        select(vec![
            ConsentSource::None,
            ConsentSource::Clinic,
            ConsentSource::Portal,
            ConsentSource::Registry
        ])
        .prop_map(Atom::ConsentSource),
        Just(Atom::InboxAccount),
        Just(Atom::InboxNotifications),
        Just(Atom::Interpreter),
        (any::<bool>(), select(LANGUAGES.to_vec())).prop_map(|(p, l)| Atom::Language(p, l)),
    ];
    if guardian {
        prop_oneof![
            3 => common,
            1 => Just(Atom::GuardianHasMobile),
            1 => Just(Atom::GuardianConsentSms),
            1 => (1i64..=2).prop_map(Atom::GuardianNumber),
        ]
        .boxed()
    } else {
        common.boxed()
    }
}

fn cond(guardian: bool) -> BoxedStrategy<Cond> {
    atom(guardian)
        .prop_map(Cond::Atom)
        .prop_recursive(2, 6, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
                prop::collection::vec(inner.clone(), 2..=3).prop_map(Cond::And),
                prop::collection::vec(inner, 2..=3).prop_map(Cond::Or),
            ]
        })
        .boxed()
}

/// An exclusion's condition: mostly narrow (one comparison, or several with `and`), so that
/// most bookings still get messages; sometimes any condition.
fn exclusion() -> BoxedStrategy<Cond> {
    prop_oneof![
        3 => atom(false).prop_map(Cond::Atom),
        3 => prop::collection::vec(atom(false).prop_map(Cond::Atom), 2..=3).prop_map(Cond::And),
        1 => cond(false),
    ]
    .boxed()
}

/// `patient.minor and patient.id_kind != reserve`: what keeps guardians of minors with a
/// reserve number out (R14).
fn not_reserve_minor() -> Cond {
    Cond::And(vec![
        Cond::Atom(Atom::Minor),
        Cond::Atom(Atom::IdKind(false, IdKind::Reserve)),
    ])
}

// ---------------------------------------------------------------------------------------------
// Policies.

#[derive(Debug, Clone)]
struct WindowSpec {
    /// Hour and minute; sometimes inside the hour that occurs twice when clocks fall back.
    from: (u32, u32),
    until: u32,
    days: &'static str,
}

impl WindowSpec {
    fn text(&self) -> String {
        format!(
            "window {:02}:{:02}..{:02}:00{}",
            self.from.0, self.from.1, self.until, self.days
        )
    }
}

fn window() -> impl Strategy<Value = WindowSpec> {
    (
        prop_oneof![
            4 => (0u32..=12).prop_map(|h| (h, 0)),
            1 => select(vec![(2u32, 15u32), (2, 30), (2, 45)]),
        ],
        13u32..=23,
        select(vec![
            "",
            " weekdays",
            " weekends",
            " daily",
            " mon, wed, sat",
        ]),
    )
        .prop_map(|(from, until, days)| WindowSpec { from, until, days })
}

#[derive(Debug, Clone, PartialEq)]
enum Trigger {
    AtBooking,
    OnCancellation,
    OnRescheduling,
    DaysBefore(u32, Option<(u32, u32)>),
    HoursBefore(u32),
    MinutesBefore(u32),
    DaysAfter(u32, Option<(u32, u32)>),
}

impl Trigger {
    fn text(&self) -> String {
        let at = |at: &Option<(u32, u32)>| {
            at.map(|(h, m)| format!(" at {h:02}:{m:02}"))
                .unwrap_or_default()
        };
        match self {
            Trigger::AtBooking => "at booking".to_string(),
            Trigger::OnCancellation => "on cancellation".to_string(),
            Trigger::OnRescheduling => "on rescheduling".to_string(),
            Trigger::DaysBefore(d, t) => format!("{d} days before{}", at(t)),
            Trigger::HoursBefore(h) => format!("{h} hours before"),
            Trigger::MinutesBefore(m) => format!("{m} minutes before"),
            Trigger::DaysAfter(d, t) => format!("{d} days after{}", at(t)),
        }
    }

    /// Two triggers the checker takes for the same offset.
    fn same_as(&self, other: &Trigger) -> bool {
        let minutes = |t: &Trigger| match t {
            Trigger::HoursBefore(h) => Some(h * 60),
            Trigger::MinutesBefore(m) => Some(*m),
            _ => None,
        };
        self == other || (minutes(self).is_some() && minutes(self) == minutes(other))
    }
}

fn time_of_day() -> impl Strategy<Value = (u32, u32)> {
    prop_oneof![
        (0u32..=23, select(vec![0u32, 15, 30, 45])),
        // Inside the spring-forward gap and the fall-back hour.
        Just((2, 30)),
    ]
}

fn trigger(task: bool) -> BoxedStrategy<Trigger> {
    let before = prop_oneof![
        1 => Just(Trigger::AtBooking),
        3 => (0u32..=14, prop::option::of(time_of_day()))
            .prop_map(|(d, at)| Trigger::DaysBefore(d, at)),
        2 => (1u32..=72).prop_map(Trigger::HoursBefore),
        1 => (5u32..=600).prop_map(Trigger::MinutesBefore),
    ];
    if task {
        prop_oneof![
            2 => before,
            1 => (0u32..=7, prop::option::of(time_of_day()))
                .prop_map(|(d, at)| Trigger::DaysAfter(d, at)),
        ]
        .boxed()
    } else {
        before.boxed()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum To {
    Patient,
    Guardians,
    Guardian1,
    Guardian2,
    Staff,
}

impl To {
    fn text(self) -> &'static str {
        match self {
            To::Patient => "patient",
            To::Guardians => "guardians",
            To::Guardian1 => "guardian1",
            To::Guardian2 => "guardian2",
            To::Staff => "staff",
        }
    }

    fn is_guardian(self) -> bool {
        matches!(self, To::Guardians | To::Guardian1 | To::Guardian2)
    }

    fn overlaps(self, other: To) -> bool {
        self == other
            || (self == To::Guardians && other.is_guardian())
            || (other == To::Guardians && self.is_guardian())
    }
}

#[derive(Debug, Clone)]
struct MessageSpec {
    kind: MessageKind,
    channel: Channel,
    triggers: Vec<Trigger>,
    recipients: Vec<(To, Option<Cond>)>,
    complements: Vec<(Channel, Option<Cond>)>,
    /// Channel, delay (days or hours), `unopened`?
    fallback: Option<(Channel, u32, bool, bool)>,
    window: Option<WindowSpec>,
    late_booking: Option<bool>,
}

fn channel_word(c: Channel) -> &'static str {
    c.as_str()
}

fn message() -> impl Strategy<Value = MessageSpec> {
    let kind = select(vec![
        MessageKind::Confirmation,
        MessageKind::Letter,
        MessageKind::Reminder,
        MessageKind::Reminder,
        MessageKind::Cancellation,
        MessageKind::Rebooking,
    ]);
    let channel = select(vec![
        Channel::Sms,
        Channel::Sms,
        Channel::Email,
        Channel::Inbox,
        Channel::Paper,
        Channel::Task,
    ]);
    (kind, channel).prop_flat_map(|(kind, channel)| {
        let task = channel == Channel::Task;
        let triggers = match kind {
            MessageKind::Cancellation => Just(vec![Trigger::OnCancellation]).boxed(),
            MessageKind::Rebooking => Just(vec![Trigger::OnRescheduling]).boxed(),
            _ => prop::collection::vec(trigger(task), 1..=3)
                .prop_map(|ts| {
                    let mut out: Vec<Trigger> = Vec::new();
                    for t in ts {
                        if !out.iter().any(|o| o.same_as(&t)) {
                            out.push(t);
                        }
                    }
                    out
                })
                .boxed(),
        };
        let recipients = if task {
            prop::option::of(cond(false))
                .prop_map(|c| vec![(To::Staff, c)])
                .boxed()
        } else {
            (
                any::<bool>(),
                0usize..=4,
                prop::option::of(cond(false)),
                prop::option::of(cond(true)),
                prop::option::of(cond(true)),
            )
                .prop_map(|(patient, guardians, pc, gc1, gc2)| {
                    let mut out = Vec::new();
                    if patient || guardians == 0 {
                        out.push((To::Patient, pc));
                    }
                    match guardians {
                        1 => out.push((To::Guardians, gc1)),
                        2 => out.push((To::Guardian1, gc1)),
                        3 => out.push((To::Guardian2, gc1)),
                        4 => {
                            out.push((To::Guardian1, gc1));
                            out.push((To::Guardian2, gc2));
                        }
                        _ => {}
                    }
                    out
                })
                .boxed()
        };
        let others: Vec<Channel> = [Channel::Sms, Channel::Email, Channel::Inbox, Channel::Paper]
            .into_iter()
            .filter(|c| *c != channel)
            .collect();
        let complements = prop::collection::vec(
            (select(others.clone()), prop::option::of(cond(false))),
            0..=2,
        )
        .prop_map(|cs| {
            let mut out: Vec<(Channel, Option<Cond>)> = Vec::new();
            for (c, cond) in cs {
                if !out.iter().any(|(o, _)| *o == c) {
                    out.push((c, cond));
                }
            }
            out
        });
        let reports = matches!(channel, Channel::Sms | Channel::Email | Channel::Inbox);
        let fallback = if reports {
            prop::option::of((
                select(others),
                1u32..=5,
                any::<bool>(),
                any::<bool>().prop_map(move |u| u && channel == Channel::Inbox),
            ))
            .boxed()
        } else {
            Just(None).boxed()
        };
        (
            Just(kind),
            Just(channel),
            triggers,
            recipients,
            complements,
            fallback,
            prop::option::weighted(0.2, window()),
            prop::option::weighted(0.3, any::<bool>()),
        )
            .prop_map(
                |(
                    kind,
                    channel,
                    triggers,
                    recipients,
                    complements,
                    fallback,
                    window,
                    late_booking,
                )| MessageSpec {
                    kind,
                    channel,
                    triggers,
                    recipients,
                    complements,
                    fallback,
                    window,
                    late_booking,
                },
            )
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// `exclude "reserve" when patient.minor and patient.id_kind == reserve`
    Exclusion,
    /// Every guardian line: `when patient.minor and patient.id_kind != reserve [and ...]`
    Recipients,
}

#[derive(Debug, Clone)]
struct PolicySpec {
    name: String,
    timezone: &'static str,
    clinics: Vec<&'static str>,
    units: Option<Vec<&'static str>>,
    exams: Option<Vec<&'static str>>,
    kinds: Option<Vec<Kind>>,
    minor_age: Option<i64>,
    window: Option<WindowSpec>,
    late_booking: Option<bool>,
    /// A unit override: the unit and its minor age.
    unit_override: Option<(&'static str, i64)>,
    exclusions: Vec<Cond>,
    messages: Vec<MessageSpec>,
    wins_over: Vec<String>,
    guard: Option<Guard>,
}

impl PolicySpec {
    fn text(&self) -> String {
        let quoted = |items: &[&str]| {
            items
                .iter()
                .map(|i| format!("\"{i}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut s = format!("policy \"{}\" {{\n", self.name);
        s += &format!("    timezone \"{}\"\n", self.timezone);
        if self.clinics.len() == 1 {
            s += &format!("    clinic \"{}\"\n", self.clinics[0]);
        } else {
            s += &format!("    clinics {}\n", quoted(&self.clinics));
        }
        if let Some(units) = &self.units {
            s += &format!("    units {}\n", quoted(units));
        }
        if let Some(exams) = &self.exams {
            s += &format!("    exams {}\n", quoted(exams));
        }
        if let Some(kinds) = &self.kinds {
            let words: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            s += &format!("    kinds {}\n", words.join(", "));
        }
        if let Some(age) = self.minor_age {
            s += &format!("    minor_age {age}\n");
        }
        if let Some(w) = &self.window {
            s += &format!("    {}\n", w.text());
        }
        if let Some(late) = self.late_booking {
            s += &format!("    late_booking {}\n", late_word(late));
        }
        if !self.wins_over.is_empty() {
            let names: Vec<&str> = self.wins_over.iter().map(String::as_str).collect();
            s += &format!("    wins_over {}\n", quoted(&names));
        }
        if let Some((unit, age)) = self.unit_override {
            s += &format!("    unit \"{unit}\" {{\n        minor_age {age}\n    }}\n");
        }
        for (e, exclusion) in self.exclusion_conditions().iter().enumerate() {
            s += &format!("    exclude \"x{e}\" when {}\n", exclusion.text());
        }
        for (m, message) in self.messages.iter().enumerate() {
            s += &format!("\n    {} \"m{m}\" {{\n", message.kind.as_str());
            let triggers: Vec<String> = message.triggers.iter().map(Trigger::text).collect();
            s += &format!("        send {}\n", triggers.join(", "));
            s += &format!("        via {}\n", channel_word(message.channel));
            for (to, condition) in &message.recipients {
                let mut condition = condition.clone();
                if self.guard == Some(Guard::Recipients) && to.is_guardian() {
                    condition = Some(match condition {
                        Some(c) => Cond::And(vec![not_reserve_minor(), c]),
                        None => not_reserve_minor(),
                    });
                }
                match condition {
                    Some(c) => s += &format!("        to {} when {}\n", to.text(), c.text()),
                    None => s += &format!("        to {}\n", to.text()),
                }
            }
            for (channel, condition) in &message.complements {
                match condition {
                    Some(c) => {
                        s += &format!(
                            "        also {} when {}\n",
                            channel_word(*channel),
                            c.text()
                        )
                    }
                    None => s += &format!("        also {}\n", channel_word(*channel)),
                }
            }
            if let Some((channel, amount, days, unopened)) = message.fallback {
                s += &format!(
                    "        fallback {} after {amount} {} {}\n",
                    channel_word(channel),
                    if days { "days" } else { "hours" },
                    if unopened { "unopened" } else { "undelivered" }
                );
            }
            if let Some(w) = &message.window {
                s += &format!("        {}\n", w.text());
            }
            if let Some(late) = message.late_booking {
                s += &format!("        late_booking {}\n", late_word(late));
            }
            s += "        template \"t\"\n    }\n";
        }
        s += "}\n";
        s
    }

    fn exclusion_conditions(&self) -> Vec<Cond> {
        let mut all = Vec::new();
        if self.guard == Some(Guard::Exclusion) {
            all.push(Cond::And(vec![
                Cond::Atom(Atom::Minor),
                Cond::Atom(Atom::IdKind(true, IdKind::Reserve)),
            ]));
        }
        all.extend(self.exclusions.iter().cloned());
        all
    }

    fn tz(&self) -> Tz {
        self.timezone.parse().expect("a generated zone")
    }

    fn covers(&self, b: &Booking<'_>) -> bool {
        self.clinics.iter().any(|c| b.clinic == *c)
            && self
                .units
                .as_ref()
                .is_none_or(|u| u.iter().any(|u| b.unit == *u))
            && self
                .exams
                .as_ref()
                .is_none_or(|e| e.iter().any(|e| b.exam == *e))
            && self.kinds.as_ref().is_none_or(|k| k.contains(&b.kind))
    }

    /// Age in whole years on the visit's local date, and whether a minor at the booking's unit.
    fn age_and_minor(&self, b: &Booking<'_>) -> (i64, bool) {
        let date = b.start.with_timezone(&self.tz()).date_naive();
        let birth = b.patient.birth_date;
        let mut age = i64::from(date.year() - birth.year());
        if (date.month(), date.day()) < (birth.month(), birth.day()) {
            age -= 1;
        }
        let limit = match self.unit_override {
            Some((unit, age)) if b.unit == unit => age,
            _ => self.minor_age.unwrap_or(18),
        };
        (age, age < limit)
    }
}

fn late_word(send_now: bool) -> &'static str {
    if send_now { "send_now" } else { "skip" }
}

fn sublist<T: Clone + std::fmt::Debug + 'static>(
    items: Vec<T>,
) -> impl Strategy<Value = Option<Vec<T>>> {
    prop::option::weighted(0.25, nonempty(items))
}

fn policy(index: usize, force_guard: bool) -> impl Strategy<Value = PolicySpec> {
    let guard = if force_guard {
        prop_oneof![Just(Some(Guard::Exclusion)), Just(Some(Guard::Recipients))].boxed()
    } else {
        prop_oneof![
            3 => Just(None),
            1 => Just(Some(Guard::Exclusion)),
            1 => Just(Some(Guard::Recipients)),
        ]
        .boxed()
    };
    let scope = (
        select(ZONES.to_vec()),
        nonempty(CLINICS.to_vec()),
        sublist(UNITS.to_vec()),
        sublist(EXAMS.to_vec()),
        sublist(KINDS.to_vec()),
    );
    let settings = (
        prop::option::of(prop_oneof![Just(18i64), Just(16), 10i64..=20]),
        prop::option::weighted(0.4, window()),
        prop::option::of(any::<bool>()),
        prop::option::weighted(0.3, (any::<prop::sample::Index>(), 12i64..=17)),
    );
    let body = (
        prop_oneof![
            4 => Just(0usize),
            3 => Just(1usize),
            2 => Just(2usize),
            1 => Just(3usize),
        ]
        .prop_flat_map(|n| prop::collection::vec(exclusion(), n)),
        prop::collection::vec(message(), 1..=4),
        guard,
    );
    (scope, settings, body).prop_map(
        move |(
            (timezone, clinics, units, exams, kinds),
            (minor_age, window, late_booking, unit_override),
            (exclusions, messages, guard),
        )| {
            let unit_override = unit_override.map(|(i, age)| {
                let pool = units.clone().unwrap_or_else(|| UNITS.to_vec());
                (*i.get(&pool), age)
            });
            PolicySpec {
                name: format!("P{index}"),
                timezone,
                clinics,
                units,
                exams,
                kinds,
                minor_age,
                window,
                late_booking,
                unit_override,
                exclusions,
                messages: without_twins(messages),
                wins_over: Vec::new(),
                guard,
            }
        },
    )
}

/// The messages without one that would send what an earlier one sends, at the same trigger
/// (the checker's E067).
fn without_twins(messages: Vec<MessageSpec>) -> Vec<MessageSpec> {
    let condition = |c: &Option<Cond>| c.as_ref().map(Cond::text);
    let twins = |a: &MessageSpec, b: &MessageSpec| {
        a.kind == b.kind
            && a.channel == b.channel
            && a.triggers
                .iter()
                .any(|ta| b.triggers.iter().any(|tb| ta.same_as(tb)))
            && a.recipients.iter().any(|(ra, ca)| {
                b.recipients
                    .iter()
                    .any(|(rb, cb)| ra.overlaps(*rb) && condition(ca) == condition(cb))
            })
    };
    let mut kept: Vec<MessageSpec> = Vec::new();
    for message in messages {
        if !kept.iter().any(|k| twins(k, &message)) {
            kept.push(message);
        }
    }
    kept
}

fn lists_overlap<T: PartialEq>(a: &Option<Vec<T>>, b: &Option<Vec<T>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.iter().any(|x| b.contains(x)),
        _ => true,
    }
}

/// Whether two policies could send one booking the same kind of message on the same channel
/// to the same person (the checker's E064).
fn clash(a: &PolicySpec, b: &PolicySpec) -> bool {
    let scopes = a.clinics.iter().any(|c| b.clinics.contains(c))
        && lists_overlap(&a.units, &b.units)
        && lists_overlap(&a.exams, &b.exams)
        && lists_overlap(&a.kinds, &b.kinds);
    scopes
        && a.messages.iter().any(|ma| {
            b.messages.iter().any(|mb| {
                ma.kind == mb.kind
                    && ma.channel == mb.channel
                    && ma
                        .recipients
                        .iter()
                        .any(|(ra, _)| mb.recipients.iter().any(|(rb, _)| ra.overlaps(*rb)))
            })
        })
}

#[derive(Debug, Clone)]
pub(crate) struct Program {
    policies: Vec<PolicySpec>,
}

impl Program {
    pub(crate) fn text(&self) -> String {
        self.policies
            .iter()
            .map(PolicySpec::text)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// 1 to 3 policies; a later policy that would clash with an earlier one wins over it, so that
/// overlapping policies always say which one is sent.
fn program(force_guard: bool) -> impl Strategy<Value = Program> {
    (1usize..=3)
        .prop_flat_map(move |n| (0..n).map(|i| policy(i, force_guard)).collect::<Vec<_>>())
        .prop_map(|mut policies| {
            for j in 1..policies.len() {
                for i in 0..j {
                    if clash(&policies[i], &policies[j]) {
                        let name = policies[i].name.clone();
                        policies[j].wins_over.push(name);
                    }
                }
            }
            Program { policies }
        })
}

/// The engine for a generated program, or the checker's complaints.
pub(crate) fn compile(program: &Program) -> Result<Engine, String> {
    let text = program.text();
    let checked = rem::compile(&[PathBuf::from("generated.rem")], |p| {
        crate::only_rem(p, text.as_bytes())
    });
    let (loaded, diagnostics) = (&checked.program, &checked.diagnostics);
    if checked.has_errors() {
        return Err(format!(
            "{text}\n{}",
            rem::diagnostic::render::human(diagnostics, loaded, false)
        ));
    }
    let engine = Engine::new(checked.plan).map_err(|e| e.to_string())?;
    for (i, p) in program.policies.iter().enumerate() {
        assert_eq!(engine.plan().policies[i].name, p.name, "plan keeps order");
    }
    Ok(engine)
}

/// Removes every recipient's `consent` field from a plan in JSON form (the only object key of
/// that name in a plan).
fn drop_consent(json: &mut serde_json::Value) {
    match json {
        serde_json::Value::Object(map) => {
            map.remove("consent");
            map.values_mut().for_each(drop_consent);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_consent),
        _ => {}
    }
}

/// R1: every SMS goes to a person with SMS consent, every e-mail to a patient with e-mail
/// consent.
fn consent_is_kept(
    engine: &Engine,
    program: &Program,
    bookings: &[Booking<'static>],
    events: &[(usize, Event)],
) -> Result<(), TestCaseError> {
    let index = index(bookings, events);
    for booking in bookings {
        let outcomes = evaluate(engine, booking, &index);
        for action in actions(&outcomes) {
            let guardian = |i: usize| booking.guardians[i].as_ref().is_some_and(|g| g.consent_sms);
            let consented = match (action.channel, action.recipient) {
                (Channel::Sms, Who::Patient) => booking.patient.consent_sms,
                (Channel::Sms, Who::Guardian1) => guardian(0),
                (Channel::Sms, Who::Guardian2) => guardian(1),
                (Channel::Email, Who::Patient) => booking.patient.consent_email,
                (Channel::Sms | Channel::Email, Who::Staff | Who::Guardian1 | Who::Guardian2) => {
                    false
                }
                _ => true,
            };
            prop_assert!(
                consented,
                "no consent: {action:?}\n{}\n{booking:?}",
                program.text()
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Bookings.

fn mobile() -> impl Strategy<Value = String> {
    (5u32..=99).prop_map(|n| format!("+467017406{n:02}"))
}

fn guardian() -> impl Strategy<Value = Guardian<'static>> {
    (prop::option::of(mobile()), any::<bool>()).prop_map(|(mobile, consent_sms)| Guardian {
        mobile: mobile.map(Cow::Owned),
        mobile_invalid: false,
        consent_sms,
    })
}

/// What bookings are drawn from: the places of the policies they meet, and the zones whose
/// clocks their times follow.
#[derive(Debug, Clone)]
pub(crate) struct Vocab {
    pub clinics: Vec<String>,
    pub units: Vec<String>,
    pub exams: Vec<String>,
    pub zones: Vec<String>,
}

impl Vocab {
    /// The places of the generated policies.
    fn generated() -> Vocab {
        let owned = |words: &[&str]| words.iter().map(|w| (*w).to_string()).collect();
        Vocab {
            clinics: owned(&CLINICS),
            units: owned(&UNITS),
            exams: owned(&EXAMS),
            zones: owned(&ZONES),
        }
    }

    /// The places a plan names (and the generated ones, for bookings no policy covers).
    pub(crate) fn of(plan: &rem::plan::Plan) -> Vocab {
        let mut vocab = Vocab::generated();
        let add = |list: &mut Vec<String>, words: &mut dyn Iterator<Item = &String>| {
            for w in words {
                if !list.contains(w) {
                    list.push(w.clone());
                }
            }
        };
        for p in &plan.policies {
            add(&mut vocab.clinics, &mut p.scope.clinics.iter());
            add(&mut vocab.units, &mut p.scope.units.iter().flatten());
            add(&mut vocab.units, &mut p.unit_settings.keys());
            add(&mut vocab.exams, &mut p.scope.exams.iter().flatten());
            let zone = p.timezone.name().to_string();
            if !vocab.zones.contains(&zone) {
                vocab.zones.push(zone);
            }
        }
        vocab
    }
}

/// A visit in 2026: any day, or around the DST changes; a local time in one of the zones
/// (including the hours around the change), written with one of three offsets.
fn start(zones: Vec<String>) -> impl Strategy<Value = DateTime<FixedOffset>> {
    let day = prop_oneof![
        2 => (0u32..365).prop_map(|d| NaiveDate::from_ymd_opt(2026, 1, 1).expect("date") + Duration::days(i64::from(d))),
        1 => select(vec![(3, 28), (3, 29), (3, 30), (10, 24), (10, 25), (10, 26)])
            .prop_map(|(m, d)| NaiveDate::from_ymd_opt(2026, m, d).expect("date")),
    ];
    let minute = prop_oneof![
        3 => (6u32 * 12..20 * 12).prop_map(|f| f * 5),
        1 => (0u32..5 * 12).prop_map(|f| f * 5),
        1 => 0u32..24 * 60,
    ];
    (day, minute, select(zones), select(vec![0i32, 1, 2])).prop_map(
        |(day, minute, zone, offset)| {
            let tz: Tz = zone.parse().expect("zone");
            let local: NaiveDateTime = day.and_time(
                NaiveTime::from_num_seconds_from_midnight_opt(minute * 60, 0).expect("time"),
            );
            let instant = local_instant(tz, local);
            instant.with_timezone(&FixedOffset::east_opt(offset * 3600).expect("offset"))
        },
    )
}

#[derive(Debug, Clone, Copy)]
enum Change {
    None,
    Cancelled,
    Moved,
    MovedThenCancelled,
}

fn booking() -> impl Strategy<Value = Booking<'static>> {
    booking_in(Vocab::generated())
}

/// A booking at one of the places of `vocab` (or, rarely, at a clinic no policy covers).
pub(crate) fn booking_in(vocab: Vocab) -> impl Strategy<Value = Booking<'static>> {
    let place = (
        prop_oneof![6 => select(vocab.clinics), 1 => Just(BOOKING_CLINICS[2].to_string())],
        select(vocab.units),
        select(vocab.exams),
        select(KINDS.to_vec()),
        select(vec![
            Source::Staff,
            Source::Staff,
            Source::Portal,
            Source::QuickBook,
        ]),
        prop::bool::weighted(0.85),
    );
    let times = (
        start(vocab.zones),
        prop_oneof![
            1 => 1i64..=120,
            1 => 120i64..=3 * 1440,
            2 => 3 * 1440i64..=150 * 1440,
        ],
        prop_oneof![
            6 => Just(Change::None),
            2 => Just(Change::Cancelled),
            2 => Just(Change::Moved),
            1 => Just(Change::MovedThenCancelled),
        ],
        0i64..=1000,
        prop_oneof![(-30i64..=30).prop_map(|d| d * 1440), -600i64..=600],
        prop::bool::weighted(0.1),
        // Made in the hour that occurs twice when clocks fall back (its second time).
        prop::option::weighted(0.1, 0i64..60),
    );
    let person = (
        prop_oneof![
            2 => (1930i32..=2007, 1u32..=366).prop_map(|(y, d)| (0, y, d)),
            2 => (2008i32..=2026, 1u32..=366).prop_map(|(y, d)| (0, y, d)),
            2 => (10i32..=19, -2i64..=2).prop_map(|(y, d)| (1, y, u32::try_from(d + 2).unwrap_or(0))),
        ],
        prop_oneof![
            3 => Just(IdKind::Personal),
            1 => Just(IdKind::Coordination),
            2 => Just(IdKind::Reserve),
        ],
        prop::option::weighted(0.7, mobile()),
        prop::option::weighted(
            0.4,
            (1u32..=99).prop_map(|n| format!("patient{n}@example.org")),
        ),
        (any::<bool>(), any::<bool>()),
        select(vec![
            ConsentSource::None,
            ConsentSource::Clinic,
            ConsentSource::Portal,
            ConsentSource::Registry,
        ]),
        (any::<bool>(), any::<bool>(), prop::bool::weighted(0.2)),
        select(LANGUAGES.to_vec()),
        prop::collection::vec(guardian(), 0..=2),
        (0u32..1000).prop_map(|n| format!("P{n}")),
    );
    (place, times, person).prop_map(
        |(
            (clinic, unit, exam, kind, source, reminder),
            (start, lead, change, fraction, shift, late_status, fall_back),
            (
                born,
                id_kind,
                mobile,
                email,
                (consent_sms, consent_email),
                consent_source,
                (inbox_account, inbox_notifications, interpreter),
                language,
                guardians,
                patient_id,
            ),
        )| {
            let mut created = start - Duration::minutes(lead);
            let second_two_oclock =
                DateTime::parse_from_rfc3339("2026-10-25T02:00:00+01:00").expect("time");
            if let Some(minute) = fall_back {
                let at = second_two_oclock + Duration::minutes(minute);
                if at < start {
                    created = at;
                }
            }
            // Between booking and visit, or (rarely) after the visit.
            let span = (start - created).num_minutes();
            let mut status_at = created + Duration::minutes(span * fraction / 1000);
            if late_status {
                status_at = start + Duration::minutes(lead % 600);
            }
            let (status, status_at, previous_start) = match change {
                Change::None => (Status::Booked, None, None),
                Change::Cancelled => (Status::Cancelled, Some(status_at), None),
                Change::Moved | Change::MovedThenCancelled => {
                    let shift = if shift == 0 { 90 } else { shift };
                    let status = match change {
                        Change::Moved => Status::Booked,
                        _ => Status::Cancelled,
                    };
                    (
                        status,
                        Some(status_at),
                        Some(start + Duration::minutes(shift)),
                    )
                }
            };
            let birth_date = match born {
                (0, year, day) => NaiveDate::from_yo_opt(year, day)
                    .or_else(|| NaiveDate::from_yo_opt(year, 365))
                    .expect("date"),
                (_, years, day) => {
                    // Around a birthday that falls on the day of the visit.
                    let visit = start.date_naive();
                    let year = visit.year() - years;
                    let same = NaiveDate::from_ymd_opt(year, visit.month(), visit.day())
                        .or_else(|| NaiveDate::from_ymd_opt(year, visit.month(), 28))
                        .expect("date");
                    same + Duration::days(i64::from(day) - 2)
                }
            };
            let mut pair = guardians.into_iter();
            Booking {
                id: Cow::Owned("B".to_string()),
                patient_id: Cow::Owned(patient_id),
                clinic: Cow::Owned(clinic.to_string()),
                unit: Cow::Owned(unit.to_string()),
                exam: Cow::Owned(exam.to_string()),
                kind,
                series_id: None,
                group_id: None,
                source,
                status,
                status_at,
                start,
                created,
                previous_start,
                reminder,
                patient: Patient {
                    birth_date,
                    id_kind,
                    mobile: mobile.map(Cow::Owned),
                    mobile_invalid: false,
                    email: email.map(Cow::Owned),
                    email_invalid: false,
                    consent_sms,
                    consent_email,
                    consent_source,
                    inbox_account,
                    inbox_notifications,
                    interpreter,
                    language: Some(Cow::Owned(language.to_string())),
                    status: rem::booking::PatientStatus::Active,
                },
                guardians: [pair.next(), pair.next()],
                recall: None,
            }
        },
    )
}

/// Bookings with distinct ids `B0`, `B1`, ...
/// A booking with one of issue 11's marks: 0 and 5–7 none, 1 its numbers unusable (the
/// patient's and the guardians'), 2 not booked yet, 3 declined, 4 an inactive patient, 5 a
/// deceased one.
pub fn marked(mut booking: Booking<'static>, mark: u8) -> Booking<'static> {
    match mark {
        1 => {
            booking.patient.mobile_invalid = booking.patient.mobile.take().is_some();
            for guardian in booking.guardians.iter_mut().flatten() {
                guardian.mobile_invalid = guardian.mobile.take().is_some();
            }
        }
        2 => booking.status = Status::Pending,
        3 => booking.status = Status::Declined,
        4 => booking.patient.status = rem::booking::PatientStatus::Inactive,
        5 => booking.patient.status = rem::booking::PatientStatus::Deceased,
        _ => {}
    }
    booking
}

fn bookings(max: usize) -> impl Strategy<Value = Vec<Booking<'static>>> {
    prop::collection::vec(booking(), 1..=max).prop_map(|mut bookings| {
        for (i, b) in bookings.iter_mut().enumerate() {
            b.id = Cow::Owned(format!("B{i}"));
        }
        bookings
    })
}

/// Opened and delivered events for some bookings, matched by message, channel and recipient.
fn events(bookings: usize) -> impl Strategy<Value = Vec<(usize, Event)>> {
    prop::collection::vec(
        (
            0..bookings.max(1),
            0usize..4,
            select(vec![Channel::Sms, Channel::Email, Channel::Inbox]),
            select(vec![Who::Patient, Who::Guardian1, Who::Guardian2]),
            select(vec![EventKind::Opened, EventKind::Delivered]),
            0i64..=20 * 1440,
        ),
        0..=4,
    )
    .prop_map(|events| {
        events
            .into_iter()
            .map(|(b, m, channel, recipient, kind, after)| {
                (
                    b,
                    Event {
                        key: None,
                        message: format!("m{m}"),
                        channel: Some(channel),
                        recipient: Some(recipient),
                        kind,
                        // Relative to a fixed day; the index resolves it per booking below.
                        at: DateTime::parse_from_rfc3339("2026-01-01T00:00:00+01:00")
                            .expect("time")
                            + Duration::minutes(after),
                        reply: None,
                    },
                )
            })
            .collect()
    })
}

/// Events placed relative to each booking's creation, so that some arrive in time.
fn index(bookings: &[Booking<'static>], events: &[(usize, Event)]) -> EventIndex {
    let base = DateTime::parse_from_rfc3339("2026-01-01T00:00:00+01:00").expect("time");
    let mut index = EventIndex::default();
    for (b, event) in events {
        let Some(booking) = bookings.get(*b) else {
            continue;
        };
        let mut event = event.clone();
        event.at = booking.created + (event.at - base);
        index.insert(&booking.id, event);
    }
    index
}

fn options() -> Options {
    Options {
        now: DateTime::parse_from_rfc3339("2026-06-01T12:00:00+02:00")
            .expect("time")
            .with_timezone(&Utc),
        since: None,
        mode: Mode::Forecast,
    }
}

fn evaluate(engine: &Engine, booking: &Booking<'_>, events: &EventIndex) -> Vec<Outcome> {
    let mut out = Vec::new();
    engine.evaluate(booking, events, &options(), &mut out);
    out
}

fn actions(outcomes: &[Outcome]) -> impl Iterator<Item = &rem::engine::Action> {
    outcomes.iter().filter_map(|o| match o {
        Outcome::Action(a) => Some(a),
        Outcome::Skip(_) => None,
    })
}

/// A program with its engine, and bookings with events.
pub(crate) fn case(
    force_guard: bool,
    max_bookings: usize,
) -> impl Strategy<Value = (Program, Vec<Booking<'static>>, Vec<(usize, Event)>)> {
    (program(force_guard), bookings(max_bookings)).prop_flat_map(|(p, b)| {
        let n = b.len();
        (Just(p), Just(b), events(n))
    })
}

/// Compiles, or rejects the case (rarely: a generated exclusion the checker finds always
/// true).
macro_rules! engine {
    ($program:expr) => {
        match compile(&$program) {
            Ok(engine) => engine,
            Err(why) => {
                prop_assume!(false, "{}", why);
                unreachable!()
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// The invariants.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Issue 11: an unusable mobile number costs exactly what a missing one costs, the SMS to
    /// it, skipped as `invalid_mobile` instead of `no_mobile`; every other outcome is the same
    /// (R1, R10: the letter and the e-mail still go).
    #[test]
    fn an_unusable_mobile_costs_only_its_sms((program, bookings, events) in case(false, 6)) {
        let engine = engine!(program);
        let index = index(&bookings, &events);
        for booking in &bookings {
            let mut missing = booking.clone();
            missing.patient.mobile = None;
            for guardian in missing.guardians.iter_mut().flatten() {
                guardian.mobile = None;
            }
            let mut unusable = missing.clone();
            unusable.patient.mobile_invalid = true;
            for guardian in unusable.guardians.iter_mut().flatten() {
                guardian.mobile_invalid = true;
            }
            let expected: Vec<Outcome> = evaluate(&engine, &missing, &index)
                .into_iter()
                .map(|o| match o {
                    Outcome::Skip(s) if s.reason == Reason::NoMobile => {
                        Outcome::Skip(Skip { reason: Reason::InvalidMobile, ..s })
                    }
                    o => o,
                })
                .collect();
            prop_assert_eq!(evaluate(&engine, &unusable, &index), expected, "{}", program.text());
        }
    }

    /// Issue 11: nothing is sent about a visit not booked yet or declined, nor about a patient
    /// whose record is inactive or who has died, and each message says why.
    #[test]
    fn a_held_booking_gets_nothing_and_says_why((program, bookings, events) in case(false, 6)) {
        let engine = engine!(program);
        let index = index(&bookings, &events);
        for booking in &bookings {
            for (mark, why) in [
                (2, Reason::NotBookedYet),
                (3, Reason::Declined),
                (4, Reason::PatientInactive),
                (5, Reason::PatientDeceased),
            ] {
                let held = marked(booking.clone(), mark);
                let outcomes = evaluate(&engine, &held, &index);
                prop_assert!(actions(&outcomes).next().is_none(), "{why:?}: {outcomes:?}");
                for outcome in &outcomes {
                    if let Outcome::Skip(skip) = outcome {
                        prop_assert!(
                            skip.reason == why
                                || matches!(skip.reason, Reason::NoPolicy | Reason::Excluded(_) | Reason::ReplacedBy(_)),
                            "{why:?} expected, {skip:?}"
                        );
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Rule 9: nothing but cancellation notices and staff tasks `after` the visit is sent at
    /// or after the visit's start (R12: a letter after the visit helps nobody).
    #[test]
    fn nothing_is_sent_at_or_after_the_visit_r12((program, bookings, events) in case(false, 6)) {
        let engine = engine!(program);
        let index = index(&bookings, &events);
        for booking in &bookings {
            let outcomes = evaluate(&engine, booking, &index);
            for action in actions(&outcomes) {
                if action.send_at < booking.start {
                    continue;
                }
                let message = &engine.policy(action.policy).messages[action.message];
                let trigger = match action.origin {
                    Origin::Trigger(t) | Origin::Complement { trigger: t, .. } | Origin::Fallback(t) => t,
                };
                let after = matches!(message.triggers[trigger].when, When::After { .. });
                prop_assert!(
                    message.kind == MessageKind::Cancellation || after,
                    "sent at {} for a visit at {}: {action:?}\n{}\n{booking:?}",
                    action.send_at,
                    booking.start,
                    program.text()
                );
            }
        }
    }

    /// Rule 3: an excluded booking gets none of that policy's messages and says which
    /// exclusion held (R15, R16, R20); a booking no exclusion holds for is never reported as
    /// excluded.
    #[test]
    fn an_excluded_booking_gets_nothing_from_that_policy_r15_r16((program, bookings, events) in case(false, 6)) {
        let engine = engine!(program);
        let index = index(&bookings, &events);
        for booking in &bookings {
            let outcomes = evaluate(&engine, booking, &index);
            for (p, spec) in program.policies.iter().enumerate() {
                let of_policy = |o: &&Outcome| match o {
                    Outcome::Action(a) => a.policy == PolicyId(p),
                    Outcome::Skip(s) => s.policy == Some(PolicyId(p)),
                };
                let mine: Vec<&Outcome> = outcomes.iter().filter(of_policy).collect();
                if !spec.covers(booking) {
                    prop_assert!(mine.is_empty(), "policy {p} does not cover {booking:?}");
                    continue;
                }
                let (age, minor) = spec.age_and_minor(booking);
                let cx = Cx { booking, age, minor, guardian: None };
                let first = spec.exclusion_conditions().iter().position(|c| c.holds(&cx));
                let excluded: BTreeSet<usize> = mine
                    .iter()
                    .filter_map(|o| match o {
                        Outcome::Skip(Skip { reason: Reason::Excluded(e), .. }) => Some(*e),
                        _ => None,
                    })
                    .collect();
                match first {
                    Some(e) => {
                        prop_assert_eq!(
                            excluded,
                            BTreeSet::from([e]),
                            "age {} minor {}\n{}\n{:?}", age, minor, spec.text(), booking
                        );
                        prop_assert!(
                            !mine.iter().any(|o| matches!(o, Outcome::Action(_))),
                            "excluded by x{e} yet sent:\n{}\n{booking:?}", spec.text()
                        );
                    }
                    None => prop_assert!(
                        excluded.is_empty(),
                        "no exclusion holds (age {age}, minor {minor}), yet {excluded:?}\n{}\n{booking:?}",
                        spec.text()
                    ),
                }
            }
        }
    }

    /// Rule 10: no SMS or e-mail to a person without consent for that channel, whatever the
    /// policy's conditions say; complements and fallbacks included (R1).
    #[test]
    fn nothing_by_sms_or_email_without_consent_r1((program, bookings, events) in case(false, 6)) {
        let engine = engine!(program);
        consent_is_kept(&engine, &program, &bookings, &events)?;
    }

    /// Rule 10 for plans read from JSON (`rem eval plan.json`): the consent a channel needs
    /// does not depend on the plan's optional `consent` field; a plan without it is either
    /// refused or still keeps R1.
    #[test]
    fn a_plan_without_consent_fields_still_needs_consent_r1((program, bookings, events) in case(false, 6)) {
        let engine = engine!(program);
        let mut json = serde_json::to_value(engine.plan()).expect("a plan serialises");
        drop_consent(&mut json);
        let plan: rem::plan::Plan = serde_json::from_value(json).expect("still a plan");
        if let Ok(engine) = Engine::new(plan) {
            consent_is_kept(&engine, &program, &bookings, &events)?;
        }
    }

    /// Rule 10: a minor with a reserve number gets nothing through guardians where the policy
    /// keeps them out, by an exclusion or by the guardians' condition (R14).
    #[test]
    fn no_guardian_messages_for_a_minor_with_a_reserve_number_r14((program, bookings, events) in case(true, 6)) {
        let engine = engine!(program);
        let index = index(&bookings, &events);
        for booking in &bookings {
            if booking.patient.id_kind != IdKind::Reserve {
                continue;
            }
            let outcomes = evaluate(&engine, booking, &index);
            for action in actions(&outcomes) {
                let spec = &program.policies[action.policy.0];
                let (_, minor) = spec.age_and_minor(booking);
                prop_assert!(
                    !(minor && matches!(action.recipient, Who::Guardian1 | Who::Guardian2)),
                    "to a guardian of a minor with a reserve number: {action:?}\n{}\n{booking:?}",
                    spec.text()
                );
            }
        }
    }

    /// Rule 15: the same input gives the same outcomes, whatever the order of the feed's rows.
    #[test]
    fn output_is_deterministic_and_independent_of_row_order_r21(
        ((program, bookings, events), seed) in (case(false, 8), any::<u64>())
    ) {
        let engine = engine!(program);
        let again = engine!(program);
        let index = index(&bookings, &events);
        let mut shuffled: Vec<&Booking<'static>> = bookings.iter().collect();
        // A deterministic shuffle from the seed (Fisher-Yates with a small LCG).
        let mut state = seed;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let j = usize::try_from(state >> 33).unwrap_or(0) % (i + 1);
            shuffled.swap(i, j);
        }
        let in_order: BTreeMap<String, Vec<Outcome>> = bookings
            .iter()
            .map(|b| (b.id.to_string(), evaluate(&engine, b, &index)))
            .collect();
        let mut out_of_order: BTreeMap<String, Vec<Outcome>> = BTreeMap::new();
        // One reused vector, as `rem eval` does.
        let mut outcomes = Vec::new();
        for b in shuffled {
            outcomes.clear();
            again.evaluate(b, &index, &options(), &mut outcomes);
            out_of_order.insert(b.id.to_string(), outcomes.clone());
        }
        prop_assert_eq!(in_order, out_of_order);
    }

    /// Rule 14: within a run no two actions share a key (bookings with distinct ids), and two
    /// runs give the same keys.
    #[test]
    fn keys_are_unique_within_a_run_and_stable_across_runs_r13((program, bookings, events) in case(false, 8)) {
        let engine = engine!(program);
        let again = engine!(program);
        let index = index(&bookings, &events);
        let run = |engine: &Engine| -> Vec<u128> {
            bookings
                .iter()
                .flat_map(|b| actions(&evaluate(engine, b, &index)).map(|a| a.key).collect::<Vec<_>>())
                .collect()
        };
        let first = run(&engine);
        let unique: HashSet<u128> = first.iter().copied().collect();
        prop_assert_eq!(unique.len(), first.len(), "a key is shared\n{}", program.text());
        prop_assert_eq!(first, run(&again));
    }

    /// Rule 14: moving a booking gives keys disjoint from the old ones, so reminders for the
    /// old time are recognisably void (R18).
    #[test]
    fn a_moved_bookings_keys_are_new_r18(
        ((program, bookings, events), shift, moved_fraction) in (
            case(false, 4),
            prop_oneof![(-60i64..=60).prop_map(|d| d * 1440), -1440i64..=1440],
            0i64..=1000,
        )
    ) {
        prop_assume!(shift != 0);
        let engine = engine!(program);
        let index = index(&bookings, &events);
        for booking in &bookings {
            let mut moved = booking.clone();
            moved.start = booking.start + Duration::minutes(shift);
            moved.previous_start = Some(booking.start);
            // Moved at some moment between the booking and the earlier of the two starts.
            let until = moved.start.min(booking.start).max(booking.created);
            let at = booking.created
                + Duration::minutes((until - booking.created).num_minutes() * moved_fraction / 1000);
            moved.status_at = Some(at);
            moved.created = moved.created.min(moved.start);
            let before = evaluate(&engine, booking, &index);
            let old: HashSet<u128> = actions(&before).map(|a| a.key).collect();
            // What the booking as it was had at all: a fallback that fell after the old visit
            // was never planned, so the moved booking's has nothing to keep.
            let had = |a: &rem::engine::Action| {
                actions(&before).any(|b| {
                    (b.policy, b.message, b.origin, b.recipient, b.channel)
                        == (a.policy, a.message, a.origin, a.recipient, a.channel)
                })
            };
            // What is sent after the move is new; what was sent before it (a letter at booking,
            // when a rebooking notice announces the move) is the same action as before, with
            // the same key, so that a sender de-duplicating by key does not send it again.
            let after = evaluate(&engine, &moved, &index);
            let all: Vec<&rem::engine::Action> = actions(&after).collect();
            for &action in &all {
                // A fallback belongs to the message it follows: it keeps that message's key
                // parts, so what counts is when the message went out, not the fallback.
                let sent = match action.origin {
                    Origin::Fallback(t) => all
                        .iter()
                        .find(|a| {
                            a.policy == action.policy
                                && a.message == action.message
                                && a.origin == Origin::Trigger(t)
                                && a.recipient == action.recipient
                        })
                        .map_or(action.send_at, |a| a.send_at),
                    _ => action.send_at,
                };
                if sent >= at {
                    prop_assert!(
                        !old.contains(&action.key),
                        "a key survived the move\n{}\n{booking:?}", program.text()
                    );
                } else if booking.previous_start.is_none() && had(action) {
                    // (A booking moved twice knows only its last start before the move, so
                    // only a first move can give back the key of the very first letter.)
                    prop_assert!(
                        old.contains(&action.key),
                        "an action sent before the move changed its key\n{}\n{booking:?}",
                        program.text()
                    );
                }
            }
        }
    }
}

/// Bookings made in the hour that clocks fall back (its second time), and policies whose send
/// windows open inside that hour: where a window could move a send time earlier.
pub(crate) fn fall_back_case()
-> impl Strategy<Value = (Program, Vec<Booking<'static>>, Vec<(usize, Event)>)> {
    (
        case(false, 6),
        prop::collection::vec((any::<bool>(), select(vec![15u32, 30, 45])), 3),
        prop::collection::vec((any::<bool>(), 0i64..60, 60i64..=20 * 1440), 6),
    )
        .prop_map(|((mut program, mut bookings, events), windows, times)| {
            for (policy, (force, minute)) in program.policies.iter_mut().zip(windows) {
                if force {
                    policy.window = Some(WindowSpec {
                        from: (2, minute),
                        until: 20,
                        days: "",
                    });
                }
            }
            let second_two_oclock =
                DateTime::parse_from_rfc3339("2026-10-25T02:00:00+01:00").expect("time");
            for (booking, (force, minute, lead)) in bookings.iter_mut().zip(times) {
                if force {
                    booking.created = second_two_oclock + Duration::minutes(minute);
                    booking.start = booking.created + Duration::minutes(lead);
                    booking.status_at = booking.status_at.map(|_| booking.created);
                }
            }
            (program, bookings, events)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Rules 7 and 8: a window only moves a send time later, and a late booking's message is
    /// sent at booking time or later, so nothing is sent before the booking was made (R20).
    #[test]
    fn nothing_is_sent_before_the_booking_was_made_r20((program, bookings, events) in fall_back_case()) {
        let engine = engine!(program);
        let index = index(&bookings, &events);
        for booking in &bookings {
            let outcomes = evaluate(&engine, booking, &index);
            for action in actions(&outcomes) {
                prop_assert!(
                    action.send_at >= booking.created,
                    "sent at {} for a booking made at {}: {action:?}\n{}\n{booking:?}",
                    action.send_at,
                    booking.created,
                    program.text()
                );
            }
        }
    }

    /// Rule 14: keys stay unique when names hold the byte that separates the key's pieces.
    /// The language accepts any character but `"`, `\\` and a line break in a quoted name,
    /// NUL included.
    #[test]
    fn keys_are_unique_when_names_hold_the_separator_r13(
        (policy, message, channel, trigger, booking) in (
            "[A-Za-z]{1,4}",
            "[a-z]{1,4}",
            select(vec!["paper", "inbox", "sms"]),
            select(vec!["at booking", "2 days before", "3 hours before"]),
            booking(),
        )
    ) {
        let rem_text = format!(
            "policy \"{policy}\0\" {{\n    timezone \"Europe/Stockholm\"\n    clinic \"{clinic}\"\n\n    letter \"{message}\" {{\n        send {trigger}\n        via {channel}\n        to patient\n        template \"t\"\n    }}\n}}\n\npolicy \"{policy}\" {{\n    timezone \"Europe/Stockholm\"\n    clinic \"{clinic}\"\n\n    confirmation \"\0{message}\" {{\n        send {trigger}\n        via {channel}\n        to patient\n        template \"t\"\n    }}\n}}\n",
            clinic = booking.clinic,
        );
        let checked = rem::compile(&[PathBuf::from("nul.rem")], |p| crate::only_rem(p, rem_text.as_bytes()));
        prop_assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
        let engine = Engine::new(checked.plan).expect("runs");
        let mut booking = booking;
        booking.patient.inbox_account = true;
        booking.patient.consent_sms = true;
        let keys: Vec<u128> = actions(&evaluate(&engine, &booking, &EventIndex::default())).map(|a| a.key).collect();
        let unique: HashSet<u128> = keys.iter().copied().collect();
        prop_assert_eq!(unique.len(), keys.len(), "a key is shared");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Rule 3 with times to the second (feeds carry RFC 3339 times with seconds): durations in
    /// conditions are exact, so a lead time of 2 hours and 30 seconds is more than `2 hours`.
    #[test]
    fn lead_time_is_compared_exactly_r15(
        (booking, op, hours, seconds) in (booking(), cmp(), 1i64..=48, -59i64..=59)
    ) {
        let mut booking = booking;
        booking.clinic = Cow::Borrowed(CLINICS[0]);
        booking.created = booking.start - Duration::hours(hours) - Duration::seconds(seconds);
        let spec = PolicySpec {
            name: "P0".to_string(),
            timezone: ZONES[0],
            clinics: vec![CLINICS[0]],
            units: None,
            exams: None,
            kinds: None,
            minor_age: None,
            window: None,
            late_booking: None,
            unit_override: None,
            exclusions: vec![Cond::Atom(Atom::LeadTime(op, hours * 60))],
            messages: vec![MessageSpec {
                kind: MessageKind::Confirmation,
                channel: Channel::Paper,
                triggers: vec![Trigger::AtBooking],
                recipients: vec![(To::Patient, None)],
                complements: Vec::new(),
                fallback: None,
                window: None,
                late_booking: None,
            }],
            wins_over: Vec::new(),
            guard: None,
        };
        let program = Program { policies: vec![spec] };
        let engine = engine!(program);
        let lead = booking.start - booking.created;
        let exact = match op {
            Cmp::Eq => lead == Duration::hours(hours),
            Cmp::Ne => lead != Duration::hours(hours),
            Cmp::Lt => lead < Duration::hours(hours),
            Cmp::Le => lead <= Duration::hours(hours),
            Cmp::Gt => lead > Duration::hours(hours),
            Cmp::Ge => lead >= Duration::hours(hours),
        };
        let outcomes = evaluate(&engine, &booking, &EventIndex::default());
        let excluded = outcomes.iter().any(|o| matches!(o, Outcome::Skip(Skip { reason: Reason::Excluded(_), .. })));
        prop_assert_eq!(excluded, exact, "lead time {} s\n{}", lead.num_seconds(), program.text());
    }
}

// ---------------------------------------------------------------------------------------------
// Rows through the CSV feed.

const HEADER: &str = "booking_id,patient_id,clinic,unit,exam,kind,series_id,group_id,source,status,status_at,start,created,reminder,birth_date,id_kind,mobile,email,consent_sms,consent_email,consent_source,inbox_account,inbox_notifications,interpreter,language,guardian1_mobile,guardian1_consent_sms,guardian2_mobile,guardian2_consent_sms,previous_start";

fn csv_field(value: &str) -> String {
    if value.contains([',', '"']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// The booking as a CSV row in the order of [`HEADER`].
fn csv_row(b: &Booking<'_>) -> Vec<String> {
    let time = |t: &Option<DateTime<FixedOffset>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let flag = |v: bool| v.to_string();
    let text = |v: &Option<Cow<'_, str>>| v.as_deref().unwrap_or_default().to_string();
    let guardian = |i: usize| match &b.guardians[i] {
        Some(g) => (text(&g.mobile), flag(g.consent_sms)),
        None => (String::new(), String::new()),
    };
    let (g1_mobile, g1_consent) = guardian(0);
    let (g2_mobile, g2_consent) = guardian(1);
    vec![
        b.id.to_string(),
        b.patient_id.to_string(),
        b.clinic.to_string(),
        b.unit.to_string(),
        b.exam.to_string(),
        b.kind.as_str().to_string(),
        String::new(),
        String::new(),
        b.source.as_str().to_string(),
        b.status.as_str().to_string(),
        time(&b.status_at),
        b.start.to_rfc3339(),
        b.created.to_rfc3339(),
        flag(b.reminder),
        b.patient.birth_date.format("%Y-%m-%d").to_string(),
        b.patient.id_kind.as_str().to_string(),
        text(&b.patient.mobile),
        text(&b.patient.email),
        flag(b.patient.consent_sms),
        flag(b.patient.consent_email),
        b.patient.consent_source.as_str().to_string(),
        flag(b.patient.inbox_account),
        flag(b.patient.inbox_notifications),
        flag(b.patient.interpreter),
        text(&b.patient.language),
        g1_mobile,
        g1_consent,
        g2_mobile,
        g2_consent,
        time(&b.previous_start),
    ]
}

fn column(name: &str) -> usize {
    HEADER
        .split(',')
        .position(|c| c == name)
        .expect("a column of the header")
}

/// Ways to break a row so that the feed must reject it.
#[derive(Debug, Clone, Copy)]
enum Breakage {
    UnclosedQuote,
    MissingField,
    ExtraField,
    BadTime,
    BadKind,
    BadBirthDate,
    NoBookingId,
    CreatedAfterStart,
    CancelledWithoutStatusAt,
    NotUtf8,
}

fn breakage() -> impl Strategy<Value = Breakage> {
    select(vec![
        Breakage::UnclosedQuote,
        Breakage::MissingField,
        Breakage::ExtraField,
        Breakage::BadTime,
        Breakage::BadKind,
        Breakage::BadBirthDate,
        Breakage::NoBookingId,
        Breakage::CreatedAfterStart,
        Breakage::CancelledWithoutStatusAt,
        Breakage::NotUtf8,
    ])
}

fn broken_row(b: &Booking<'_>, breakage: Breakage) -> Vec<u8> {
    let mut fields = csv_row(b);
    match breakage {
        Breakage::UnclosedQuote => fields[column("exam")] = "\"ekg".to_string(),
        Breakage::MissingField => {
            fields.pop();
        }
        Breakage::ExtraField => fields.push("extra".to_string()),
        Breakage::BadTime => fields[column("start")] = "2026-13-01T09:00:00+02:00".to_string(),
        Breakage::BadKind => fields[column("kind")] = "weekly".to_string(),
        Breakage::BadBirthDate => fields[column("birth_date")] = "2012-02-30".to_string(),
        Breakage::NoBookingId => fields[column("booking_id")] = String::new(),
        Breakage::CreatedAfterStart => {
            fields[column("created")] = (b.start + Duration::minutes(5)).to_rfc3339();
        }
        Breakage::CancelledWithoutStatusAt => {
            fields[column("status")] = "cancelled".to_string();
            fields[column("status_at")] = String::new();
        }
        Breakage::NotUtf8 => {
            let mut bytes = Vec::new();
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    bytes.push(b',');
                }
                if i == column("unit") {
                    bytes.extend_from_slice(b"LAK\xff");
                } else {
                    bytes.extend_from_slice(csv_field(f).as_bytes());
                }
            }
            return bytes;
        }
    }
    fields
        .iter()
        .map(|f| {
            if f.starts_with('"') && f.len() == 4 {
                f.clone()
            } else {
                csv_field(f)
            }
        })
        .collect::<Vec<_>>()
        .join(",")
        .into_bytes()
}

#[derive(Debug, Clone)]
enum Line {
    Good(usize),
    Broken(usize, Breakage),
    Blank,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every row is counted once: read = evaluated + rejected = the feed's data rows, every
    /// good row is evaluated as written, and every broken row is rejected (nothing lost).
    #[test]
    fn every_row_is_counted_once_r20(
        (program, bookings, lines, crlf) in (program(false), bookings(8)).prop_flat_map(|(p, b)| {
            let n = b.len();
            let line = prop_oneof![
                4 => (0..n).prop_map(Line::Good),
                2 => (0..n, breakage()).prop_map(|(i, k)| Line::Broken(i, k)),
                1 => Just(Line::Blank),
            ];
            (Just(p), Just(b), prop::collection::vec(line, 0..=12), any::<bool>())
        })
    ) {
        let engine = engine!(program);
        let end = if crlf { "\r\n" } else { "\n" };
        let mut feed: Vec<u8> = format!("{HEADER}{end}").into_bytes();
        let mut data_rows = 0u64;
        let mut broken = 0u64;
        let mut good: Vec<&Booking<'static>> = Vec::new();
        for line in &lines {
            match line {
                Line::Good(i) => {
                    let fields: Vec<String> = csv_row(&bookings[*i]).iter().map(|f| csv_field(f)).collect();
                    feed.extend_from_slice(fields.join(",").as_bytes());
                    data_rows += 1;
                    good.push(&bookings[*i]);
                }
                Line::Broken(i, breakage) => {
                    feed.extend_from_slice(&broken_row(&bookings[*i], *breakage));
                    data_rows += 1;
                    broken += 1;
                }
                Line::Blank => feed.extend_from_slice(b"  "),
            }
            feed.extend_from_slice(end.as_bytes());
        }
        let mut csv = CsvFeed::new(feed.as_slice()).expect("a header");
        let mut tally = Tally::default();
        let mut outcomes = Vec::new();
        let mut parsed: Vec<Booking<'static>> = Vec::new();
        let mut rejects = Vec::new();
        while let Some(row) = csv.next_row() {
            let (_, row) = row.expect("readable input");
            match row {
                Ok(booking) => {
                    outcomes.clear();
                    engine.evaluate(&booking, &EventIndex::default(), &options(), &mut outcomes);
                    tally.count_booking(&outcomes);
                    parsed.push(booking.into_owned());
                }
                Err(reject) => {
                    tally.count_reject();
                    rejects.push(reject);
                }
            }
        }
        prop_assert_eq!(tally.rows_read, data_rows);
        prop_assert_eq!(tally.rows_read, tally.bookings_evaluated + tally.rows_rejected);
        prop_assert_eq!(tally.rows_rejected, broken, "rejects: {:?}", rejects);
        prop_assert_eq!(parsed.len(), good.len());
        for (read, written) in parsed.iter().zip(good) {
            prop_assert_eq!(read, written);
        }
    }
}
