//! Stage 6: policy tests. A test file (`NAME.test.toml`, beside `NAME.rem`) holds cases
//! written by policy authors: a fixed `now`, a few bookings, optional delivery events, and
//! what must (and must not) be sent. [`parse_suite`] reads it with spans; [`run_case`]
//! evaluates one case with the engine and compares; [`Coverage`] records which parts of the
//! policies the cases exercised. The format is documented in `docs/testing.md`.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::Deserialize;
use toml::Spanned;

use crate::booking::Booking;
use crate::check::suggest;
use crate::engine::{Action, Engine, Mode, Options, Outcome, Skip};
use crate::events::EventIndex;
use crate::feed::{Column, RawBooking};
use crate::plan::{self, Channel};
use crate::schema::Who;

mod coverage;
mod error;

pub use coverage::{Coverage, Item};
pub use error::TestError;

/// A parsed test file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// The policy files under test, relative to the test file; default: `NAME.rem` beside
    /// `NAME.test.toml`.
    #[serde(default)]
    pub policies: Vec<Spanned<String>>,
    /// Booking fields shared by every case of the file.
    #[serde(default)]
    pub defaults: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(rename = "test", default)]
    pub cases: Vec<Spanned<Case>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: Spanned<String>,
    pub now: Spanned<String>,
    #[serde(default)]
    pub mode: Option<Spanned<String>>,
    #[serde(default)]
    pub since: Option<Spanned<String>>,
    #[serde(default)]
    pub bookings: Vec<Spanned<BTreeMap<String, Spanned<toml::Value>>>>,
    /// A feed file (CSV, JSON Lines, FHIR) relative to the test file, read by the caller.
    #[serde(default)]
    pub feed: Option<Spanned<String>>,
    #[serde(default)]
    pub events: Vec<Spanned<BTreeMap<String, Spanned<toml::Value>>>>,
    /// Rows of a services feed (R8): each a recall record, evaluated after the bookings.
    #[serde(default)]
    pub services: Vec<Spanned<BTreeMap<String, Spanned<toml::Value>>>>,
    /// `exactly` (default): the actions sent are those listed in `sent`, no more.
    /// `in_order`: exactly those, in the order `rem eval` writes them.
    /// `includes`: those listed are among the actions sent.
    #[serde(default)]
    pub expect: Option<Spanned<String>>,
    /// `includes` (default): the skips listed in `not_sent` are among those reported.
    /// `exactly`: they are every skip reported, each matched once.
    #[serde(default)]
    pub expect_not_sent: Option<Spanned<String>>,
    #[serde(default)]
    pub sent: Vec<Spanned<Expected>>,
    #[serde(default)]
    pub not_sent: Vec<Spanned<ExpectedSkip>>,
    /// Actions that must not be among those sent.
    #[serde(default)]
    pub excludes: Vec<Spanned<Expected>>,
}

/// An action as a test describes it; fields left out match anything.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub booking: Option<String>,
    pub policy: Option<String>,
    pub message: Option<String>,
    pub channel: Option<String>,
    pub to: Option<String>,
    /// The mobile, e-mail address, `inbox:PATIENT`, `postal:PATIENT` or `unit:UNIT`, as
    /// `rem eval` writes it.
    pub address: Option<String>,
    pub at: Option<String>,
    /// `unless opened by TIME`; `""` asks for an action without condition.
    pub condition: Option<String>,
    pub template: Option<String>,
    pub sender: Option<String>,
    /// The text with its placeholders filled, as `rem eval` writes it.
    pub text: Option<String>,
}

/// A message not sent, and why; fields left out match anything.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedSkip {
    pub booking: Option<String>,
    pub policy: Option<String>,
    pub message: Option<String>,
    /// A person, or `""` for a reason about the whole booking or message.
    pub to: Option<String>,
    /// The reason's code (`booked_too_late`, or an exclusion's name), as `--explain` writes it
    /// under `"reason"`.
    pub reason: Option<String>,
    /// The reason's words, as `--explain` writes them under `"skip"`: still matched, with a
    /// warning, since words may be reworded; `reason` is what to write.
    pub because: Option<String>,
}

/// One action as evaluated, in the words of a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actual {
    pub booking: String,
    pub policy: String,
    pub message: String,
    pub channel: Channel,
    pub to: Who,
    pub address: String,
    pub at: DateTime<FixedOffset>,
    pub condition: Option<String>,
    pub template: Option<String>,
    pub sender: Option<String>,
    pub text: Option<String>,
}

impl std::fmt::Display for Actual {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "message `{}` via {} to {} at {} (booking {}, policy `{}`)",
            self.message,
            self.channel.as_str(),
            self.to.as_str(),
            self.at.to_rfc3339(),
            self.booking,
            self.policy
        )?;
        if let Some(c) = &self.condition {
            write!(f, " [{c}]")?;
        }
        Ok(())
    }
}

/// One message not sent, in the words of a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActualSkip {
    pub booking: String,
    pub policy: Option<String>,
    pub message: Option<String>,
    pub to: Option<Who>,
    /// The reason's code.
    pub reason: String,
    /// The reason's words.
    pub because: String,
}

impl std::fmt::Display for ActualSkip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.message {
            Some(m) => write!(f, "message `{m}`")?,
            None => f.write_str("any message")?,
        }
        if let Some(to) = self.to {
            write!(f, " to {}", to.as_str())?;
        }
        // Listed under "not sent:", so the line gives the reason: its code, to write in a
        // test, and its words when they say more (an exclusion's code is its words).
        write!(f, ": `{}`", self.reason)?;
        if self.because != self.reason {
            write!(f, " ({})", self.because)?;
        }
        write!(f, ", booking {}", self.booking)
    }
}

/// Why a case failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An expected action that was not sent; the span of the expectation.
    Missing(Range<usize>, String),
    /// An action sent that `exactly` did not list.
    Unexpected(Actual),
    /// An action that `excludes` forbids, and the span of that line.
    Forbidden(Range<usize>, Actual),
    /// An expected skip that did not happen.
    MissingSkip(Range<usize>, String),
    /// A skip that `expect_not_sent = "exactly"` did not list.
    UnexpectedSkip(ActualSkip),
    /// An expectation of `expect = "in_order"` matched an action sent before the previous
    /// expectation's.
    OutOfOrder(Range<usize>, String),
}

#[derive(Debug, Clone)]
pub struct CaseResult {
    pub name: String,
    pub span: Range<usize>,
    pub failures: Vec<Failure>,
    pub actual: Vec<Actual>,
    pub skipped: Vec<ActualSkip>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Expectations written in a form that still works but will not for long: `because` matches the
/// words of a reason, which may be reworded; `reason` matches its stable code. Each is the
/// expectation's place in the file and the code to write instead, when one reason has those
/// words.
pub fn deprecated_because(
    suite: &Suite,
    engine: &crate::engine::Engine,
) -> Vec<(Range<usize>, Option<String>)> {
    use crate::engine::Reason;
    use crate::schema::{Channel, EventKind};
    let mut known: Vec<(String, String)> = Vec::new();
    let simple = [
        Reason::NoPolicy,
        Reason::Cancelled,
        Reason::NotCancelled,
        Reason::NotRescheduled,
        Reason::BookedTooLate,
        Reason::AfterVisit,
        Reason::WindowPastVisit,
        Reason::ConditionFalse,
        Reason::ComplementConditionFalse,
        Reason::NoGuardian,
        Reason::NoMobile,
        Reason::NoEmail,
        Reason::InvalidEmail,
        Reason::NoInboxAccount,
        Reason::FallbackAfterVisit,
        Reason::FallbackAnswered(EventKind::Opened),
        Reason::FallbackAnswered(EventKind::Delivered),
        Reason::NoReply,
        Reason::CancelledByReply,
        Reason::RecallBooked,
        Reason::InvalidMobile,
        Reason::NotBookedYet,
        Reason::Declined,
        Reason::PatientInactive,
        Reason::PatientDeceased,
    ];
    let with_channel = Channel::ALL
        .iter()
        .flat_map(|&c| [Reason::NoConsent(c), Reason::AlreadyComplement(c)]);
    let replaced = engine.policy_ids().map(Reason::ReplacedBy);
    let events = EventKind::booking_events().map(Reason::NotReported);
    for reason in simple
        .into_iter()
        .chain(with_channel)
        .chain(replaced)
        .chain(events)
    {
        known.push((
            engine.describe(None, reason),
            engine.reason_code(None, reason).to_string(),
        ));
    }
    for id in engine.policy_ids() {
        for exclusion in &engine.policy(id).exclusions {
            known.push((exclusion.name.clone(), exclusion.name.clone()));
        }
    }
    suite
        .cases
        .iter()
        .flat_map(|case| &case.get_ref().not_sent)
        .filter_map(|expected| {
            let words = expected.get_ref().because.as_deref()?;
            let code = known
                .iter()
                .find(|(w, _)| w == words)
                .map(|(_, code)| code.clone());
            Some((expected.span(), code))
        })
        .collect()
}

/// Reads a test file; errors point into its text.
pub fn parse_suite(text: &str) -> Result<Suite, TestError> {
    toml::from_str(text).map_err(|e| TestError::Syntax {
        message: e.message().to_string(),
        span: e.span().unwrap_or(0..0).into(),
    })
}

/// Booking defaults for tests, documented in `docs/testing.md`: an adult with a mobile and SMS
/// consent, booked 30 days before the visit; clinic, unit and exam from the policy's scope.
pub fn default_booking(plan: &plan::Plan) -> Vec<(Column, String)> {
    let first = plan.policies.first();
    let clinic = first
        .and_then(|p| p.scope.clinics.first().cloned())
        .unwrap_or_else(|| "CLINIC".to_string());
    let unit = first
        .and_then(|p| p.scope.units.as_ref().and_then(|u| u.first().cloned()))
        .unwrap_or_else(|| "UNIT".to_string());
    let exam = first
        .and_then(|p| p.scope.exams.as_ref().and_then(|e| e.first().cloned()))
        .unwrap_or_default();
    vec![
        (Column::BookingId, "B1".to_string()),
        (Column::PatientId, "P1".to_string()),
        (Column::Clinic, clinic),
        (Column::Unit, unit),
        (Column::Exam, exam),
        (Column::Kind, "single".to_string()),
        (Column::Source, "staff".to_string()),
        (Column::Status, "booked".to_string()),
        (Column::Reminder, "true".to_string()),
        (Column::BirthDate, "1980-01-01".to_string()),
        (Column::IdKind, "personal".to_string()),
        (Column::Mobile, "+46700000001".to_string()),
        (Column::ConsentSms, "true".to_string()),
        (Column::ConsentSource, "clinic".to_string()),
        (Column::Language, "sv".to_string()),
    ]
}

/// A field's value as a feed cell: text, true/false or a number.
fn cell(name: &str, value: &Spanned<toml::Value>) -> Result<String, TestError> {
    value_text(value.get_ref()).ok_or_else(|| TestError::BadValue {
        field: name.to_string(),
        reason: "must be text, true/false or a number".to_string(),
        span: value.span().into(),
    })
}

fn value_text(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        _ => None,
    }
}

/// Builds the bookings of a case: defaults, then the file's `[defaults]`, then the booking's own
/// fields. `created` defaults to 30 days before `start`.
pub fn case_bookings(
    case: &Case,
    suite: &Suite,
    plan: &plan::Plan,
) -> Result<Vec<Booking<'static>>, TestError> {
    let mut bookings = Vec::new();
    for (index, booking) in case.bookings.iter().enumerate() {
        let mut raw = RawBooking::default();
        for (column, value) in default_booking(plan) {
            raw.set(column, value);
        }
        if case.bookings.len() > 1 {
            raw.set(Column::BookingId, format!("B{}", index + 1));
        }
        for (name, value) in suite.defaults.iter().chain(booking.get_ref().iter()) {
            let column = Column::named(name).ok_or_else(|| TestError::UnknownColumn {
                name: name.clone(),
                span: value.span().into(),
                suggestion: suggest::suggestion(
                    name,
                    crate::feed::Column::ALL.iter().map(|c| c.name()),
                ),
            })?;
            raw.set(column, cell(name, value)?);
        }
        let has_created =
            suite.defaults.contains_key("created") || booking.get_ref().contains_key("created");
        if !has_created {
            if let Some(start) = raw.values[Column::Start as usize]
                .as_ref()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            {
                raw.set(Column::Created, (start - Duration::days(30)).to_rfc3339());
            }
        }
        let booking_span = booking.span();
        let booking = raw.validate().map_err(|(column, problem)| {
            let span = booking
                .get_ref()
                .get(column.name())
                .map_or(booking_span.clone(), Spanned::span);
            TestError::BadValue {
                field: column.name().to_string(),
                reason: problem.to_string(),
                span: span.into(),
            }
        })?;
        bookings.push(booking.into_owned());
    }
    Ok(bookings)
}

/// Builds the recall records of a case's `services` rows (R8): the patient's fields from the
/// defaults and the file's `[defaults]` where a services feed has them, then the row's own; each
/// marked booked by the case's bookings, as `rem eval --services` does. A record's id is
/// `PATIENT_ID/SERVICE`.
pub fn case_records(
    case: &Case,
    suite: &Suite,
    engine: &Engine,
    bookings: &[Booking<'static>],
) -> Result<Vec<Booking<'static>>, TestError> {
    use crate::feed::services;
    let mut booked = crate::recalls::Booked::new(engine);
    bookings.iter().for_each(|b| booked.note(b));
    let mut records = services::Services::default();
    for row in &case.services {
        let mut raw = RawBooking::default();
        for (column, value) in default_booking(engine.plan()) {
            if services::is_patient_column(column) {
                raw.set(column, value);
            }
        }
        let defaults = suite
            .defaults
            .iter()
            .filter(|(name, _)| services::column(name).is_some());
        for (name, value) in defaults.chain(row.get_ref().iter()) {
            let column = services::column(name).ok_or_else(|| TestError::UnknownColumn {
                name: name.clone(),
                span: value.span().into(),
                suggestion: suggest::suggestion(
                    name,
                    [services::SERVICE, services::PERFORMED_AT]
                        .into_iter()
                        .chain(
                            crate::feed::Column::ALL
                                .iter()
                                .filter(|c| services::is_patient_column(**c))
                                .map(|c| c.name()),
                        ),
                ),
            })?;
            raw.set(column, cell(name, value)?);
        }
        let record = services::record(raw).map_err(|(field, problem)| TestError::BadValue {
            field: format!("services.{field}"),
            reason: problem.to_string(),
            span: row
                .get_ref()
                .get(field)
                .map_or(row.span(), Spanned::span)
                .into(),
        })?;
        records.add(record);
    }
    let mut records = records.records;
    for record in &mut records {
        booked.mark(engine, record);
    }
    Ok(records)
}

fn time(value: &Spanned<String>, field: &str) -> Result<DateTime<FixedOffset>, TestError> {
    DateTime::parse_from_rfc3339(value.get_ref()).map_err(|_| TestError::BadValue {
        field: field.to_string(),
        reason: "is not an RFC 3339 time such as 2026-03-30T09:00:00+02:00".to_string(),
        span: value.span().into(),
    })
}

fn events(case: &Case, now: DateTime<Utc>) -> Result<EventIndex, TestError> {
    let mut index = EventIndex::default();
    for event in &case.events {
        let bad = |field: &str, reason: String| TestError::BadValue {
            field: format!("events.{field}"),
            reason,
            span: event.span().into(),
        };
        let mut fields: Vec<(&'static str, String)> = Vec::new();
        for (name, value) in event.get_ref() {
            let known = crate::feed::events::FIELDS
                .iter()
                .find(|f| *f == name)
                .ok_or_else(|| {
                    bad(
                        name,
                        format!(
                            "is not a field of an event; events have {}",
                            crate::feed::events::FIELDS.join(", ")
                        ),
                    )
                })?;
            if let Some(text) = value_text(value.get_ref()) {
                fields.push((known, text));
            }
        }
        let (booking_id, parsed) = crate::feed::events::event(&fields)
            .map_err(|(field, problem)| bad(field, problem.to_string()))?;
        if parsed.at > now {
            return Err(bad(
                "at",
                "is after the test's `now`: an event cannot be reported before it happens"
                    .to_string(),
            ));
        }
        index.insert(&booking_id, parsed);
    }
    Ok(index)
}

/// Checks that expectations name messages and policies of the plan, so a typo in a test is
/// an error, not a test that can never pass.
fn check_names(case: &Case, plan: &plan::Plan) -> Result<(), TestError> {
    check_reasons(case, plan)?;
    let messages: Vec<&str> = plan
        .policies
        .iter()
        .flat_map(|p| p.messages.iter().map(|m| m.name.as_str()))
        .collect();
    let policies: Vec<&str> = plan.policies.iter().map(|p| p.name.as_str()).collect();
    let channels = Channel::WORDS;
    let people = Who::WORDS;
    for named in names_in_expectations(case) {
        let unknown = |what: &str, name: &str, known: &[&str]| TestError::UnknownName {
            what: what.to_string(),
            name: name.to_string(),
            span: named.span.clone().into(),
            known: known.iter().map(|k| k.to_string()).collect(),
            suggestion: suggest::suggestion(name, known.iter().copied()),
        };
        if let Some(m) = named.message.filter(|m| !messages.contains(m)) {
            return Err(unknown("message", m, &messages));
        }
        if let Some(p) = named.policy.filter(|p| !policies.contains(p)) {
            return Err(unknown("policy", p, &policies));
        }
        if let Some(c) = named.channel.filter(|c| !channels.contains(c)) {
            return Err(unknown("channel", c, channels));
        }
        if let Some(t) = named.to.filter(|t| !people.contains(t)) {
            return Err(unknown("recipient", t, people));
        }
    }
    Ok(())
}

/// The names one expectation gives, with where it is written.
struct Named<'a> {
    span: Range<usize>,
    message: Option<&'a str>,
    policy: Option<&'a str>,
    channel: Option<&'a str>,
    to: Option<&'a str>,
}

/// The names of every `sent`, `excludes` and `not_sent` expectation of a case.
fn names_in_expectations(case: &Case) -> impl Iterator<Item = Named<'_>> {
    let sent = case.sent.iter().chain(&case.excludes).map(|e| Named {
        span: e.span(),
        message: e.get_ref().message.as_deref(),
        policy: e.get_ref().policy.as_deref(),
        channel: e.get_ref().channel.as_deref(),
        to: e.get_ref().to.as_deref(),
    });
    let not_sent = case.not_sent.iter().map(|e| Named {
        span: e.span(),
        message: e.get_ref().message.as_deref(),
        policy: e.get_ref().policy.as_deref(),
        channel: None,
        // `to = ""` asks for a reason with no person.
        to: e.get_ref().to.as_deref().filter(|t| !t.is_empty()),
    });
    sent.chain(not_sent)
}

/// Checks that each `not_sent` reason is a reason code or the name of an exclusion.
fn check_reasons(case: &Case, plan: &plan::Plan) -> Result<(), TestError> {
    let mut codes: Vec<&str> = crate::engine::Reason::CODES.to_vec();
    codes.extend(
        plan.policies
            .iter()
            .flat_map(|p| p.exclusions.iter().map(|e| e.name.as_str())),
    );
    for expected in &case.not_sent {
        if let Some(code) = expected
            .get_ref()
            .reason
            .as_deref()
            .filter(|c| !codes.contains(c))
        {
            return Err(TestError::UnknownReason {
                name: code.to_string(),
                span: expected.span().into(),
                suggestion: suggest::suggestion(code, codes.iter().copied()),
            });
        }
    }
    Ok(())
}

fn matches(expected: &Expected, actual: &Actual) -> bool {
    let same = |e: &Option<String>, a: &str| e.as_deref().is_none_or(|e| e == a);
    same(&expected.booking, &actual.booking)
        && same(&expected.policy, &actual.policy)
        && same(&expected.message, &actual.message)
        && same(&expected.channel, actual.channel.as_str())
        && same(&expected.to, actual.to.as_str())
        && same(&expected.address, &actual.address)
        && expected
            .at
            .as_deref()
            .is_none_or(|at| DateTime::parse_from_rfc3339(at).is_ok_and(|t| t == actual.at))
        && match (expected.condition.as_deref(), &actual.condition) {
            (None, _) | (Some(""), None) => true,
            (Some(e), Some(a)) => e == a,
            (Some(_), None) => false,
        }
        && (expected.template.is_none() || expected.template == actual.template)
        && (expected.sender.is_none() || expected.sender == actual.sender)
        && (expected.text.is_none() || expected.text == actual.text)
}

fn matches_skip(expected: &ExpectedSkip, actual: &ActualSkip) -> bool {
    let same = |e: &Option<String>, a: Option<&str>| e.as_deref().is_none_or(|e| Some(e) == a);
    same(&expected.booking, Some(&actual.booking))
        && same(&expected.policy, actual.policy.as_deref())
        && same(&expected.message, actual.message.as_deref())
        && same(&expected.to, Some(actual.to.map_or("", Who::as_str)))
        && same(&expected.reason, Some(&actual.reason))
        && same(&expected.because, Some(&actual.because))
}

fn describe(expected: &Expected) -> String {
    let mut parts = Vec::new();
    if let Some(m) = &expected.message {
        parts.push(format!("message `{m}`"));
    }
    if let Some(c) = &expected.channel {
        parts.push(format!("via {c}"));
    }
    if let Some(t) = &expected.to {
        parts.push(format!("to {t}"));
    }
    if let Some(a) = &expected.address {
        parts.push(format!("at address {a}"));
    }
    if let Some(a) = &expected.at {
        parts.push(format!("at {a}"));
    }
    if let Some(b) = &expected.booking {
        parts.push(format!("(booking {b})"));
    }
    if let Some(c) = &expected.condition {
        parts.push(if c.is_empty() {
            "[no condition]".to_string()
        } else {
            format!("[{c}]")
        });
    }
    if let Some(t) = &expected.template {
        parts.push(format!("template `{t}`"));
    }
    if let Some(s) = &expected.sender {
        parts.push(format!("sender `{s}`"));
    }
    if let Some(t) = &expected.text {
        parts.push(format!("text \"{t}\""));
    }
    if parts.is_empty() {
        "an action".to_string()
    } else {
        parts.join(" ")
    }
}

fn describe_skip(expected: &ExpectedSkip) -> String {
    let mut parts = Vec::new();
    parts.push(
        expected
            .message
            .as_ref()
            .map_or("a message".to_string(), |m| format!("message `{m}`")),
    );
    match expected.to.as_deref() {
        Some("") => parts.push("to no one in particular".to_string()),
        Some(t) => parts.push(format!("to {t}")),
        None => {}
    }
    parts.push("not sent".to_string());
    if let Some(r) = &expected.reason {
        parts.push(format!("for `{r}`"));
    }
    if let Some(b) = &expected.because {
        parts.push(format!("because \"{b}\""));
    }
    if let Some(b) = &expected.booking {
        parts.push(format!("(booking {b})"));
    }
    parts.join(" ")
}

/// Evaluates one case and compares. `bookings` are the case's own and those of its feed.
pub fn run_case(
    case: &Spanned<Case>,
    engine: &Engine,
    bookings: &[Booking<'static>],
    coverage: &mut Coverage,
) -> Result<CaseResult, TestError> {
    let spanned = case;
    let case = case.get_ref();
    check_names(case, engine.plan())?;
    let now = time(&case.now, "now")?.with_timezone(&Utc);
    let since = case
        .since
        .as_ref()
        .map(|s| time(s, "since"))
        .transpose()?
        .map(|t| t.with_timezone(&Utc));
    let mode = mode(case)?;
    let strictness = strictness(case)?;
    let index = events(case, now)?;
    let options = Options { now, since, mode };
    let (actual, skipped) = evaluate(engine, bookings, &index, &options, coverage);
    let mut failures = compare_sent(case, &actual, &strictness);
    failures.extend(compare_not_sent(case, &skipped, strictness.exact_skips));
    Ok(CaseResult {
        name: case.name.get_ref().clone(),
        span: spanned.span(),
        failures,
        actual,
        skipped,
    })
}

/// How strictly a case's expectations are compared with what is sent and not sent.
struct Strictness {
    /// Every action sent must be expected (`expect = "exactly"` or `"in_order"`).
    exact: bool,
    /// The expected actions are sent in the order listed (`expect = "in_order"`).
    in_order: bool,
    /// Every reason for not sending must be expected (`expect_not_sent = "exactly"`).
    exact_skips: bool,
}

/// The case's `mode`: `forecast` unless it says `due`.
fn mode(case: &Case) -> Result<Mode, TestError> {
    match case.mode.as_ref().map(|m| m.get_ref().as_str()) {
        None | Some("forecast") => Ok(Mode::Forecast),
        Some("due") => Ok(Mode::Due),
        Some(other) => Err(TestError::BadValue {
            field: "mode".to_string(),
            reason: format!("`{other}` is not `forecast` or `due`"),
            span: case.mode.as_ref().map_or(0..0, Spanned::span).into(),
        }),
    }
}

/// The case's `expect` and `expect_not_sent`.
fn strictness(case: &Case) -> Result<Strictness, TestError> {
    let (exact, in_order) = match case.expect.as_ref().map(|e| e.get_ref().as_str()) {
        None | Some("exactly") => (true, false),
        Some("in_order") => (true, true),
        Some("includes") => (false, false),
        Some(other) => {
            return Err(TestError::BadValue {
                field: "expect".to_string(),
                reason: format!("`{other}` is not `exactly`, `in_order` or `includes`"),
                span: case.expect.as_ref().map_or(0..0, Spanned::span).into(),
            });
        }
    };
    let exact_skips = match case.expect_not_sent.as_ref().map(|e| e.get_ref().as_str()) {
        None | Some("includes") => false,
        Some("exactly") => true,
        Some(other) => {
            return Err(TestError::BadValue {
                field: "expect_not_sent".to_string(),
                reason: format!("`{other}` is not `includes` or `exactly`"),
                span: case
                    .expect_not_sent
                    .as_ref()
                    .map_or(0..0, Spanned::span)
                    .into(),
            });
        }
    };
    Ok(Strictness {
        exact,
        in_order,
        exact_skips,
    })
}

/// Runs the engine on every booking: the actions sent and the reasons for what is not.
fn evaluate(
    engine: &Engine,
    bookings: &[Booking<'static>],
    index: &EventIndex,
    options: &Options,
    coverage: &mut Coverage,
) -> (Vec<Actual>, Vec<ActualSkip>) {
    let mut actual = Vec::new();
    let mut skipped = Vec::new();
    let mut outcomes = Vec::new();
    for booking in bookings {
        outcomes.clear();
        engine.evaluate(booking, index, options, &mut outcomes);
        coverage.record(engine, &outcomes);
        for outcome in &outcomes {
            match outcome {
                Outcome::Action(a) => actual.push(actual_action(engine, booking, a)),
                Outcome::Skip(s) => skipped.push(actual_skip(engine, booking, s)),
            }
        }
    }
    (actual, skipped)
}

/// An action as a test compares it.
fn actual_action(engine: &Engine, booking: &Booking<'_>, a: &Action) -> Actual {
    let policy = engine.policy(a.policy);
    Actual {
        booking: booking.id.to_string(),
        policy: policy.name.clone(),
        message: policy.messages[a.message].name.clone(),
        channel: a.channel,
        to: a.recipient,
        address: a.address.resolve(booking),
        at: a.send_at,
        condition: a
            .unless
            .map(|u| format!("unless {} by {}", u.event.as_str(), u.by.to_rfc3339())),
        template: policy.messages[a.message]
            .wording(a.origin.is_fallback())
            .template
            .map(str::to_string),
        sender: a.sender.as_deref().map(str::to_string),
        text: a.text.clone(),
    }
}

/// A reason for not sending as a test compares it.
fn actual_skip(engine: &Engine, booking: &Booking<'_>, s: &Skip) -> ActualSkip {
    ActualSkip {
        booking: booking.id.to_string(),
        policy: s.policy.map(|p| engine.policy(p).name.clone()),
        message: s
            .policy
            .zip(s.message)
            .map(|(p, m)| engine.policy(p).messages[m].name.clone()),
        to: s.recipient,
        reason: engine.reason_code(s.policy, s.reason).to_string(),
        because: engine.describe(s.policy, s.reason),
    }
}

/// The case's `sent` and `excludes` against the actions sent.
fn compare_sent(case: &Case, actual: &[Actual], strictness: &Strictness) -> Vec<Failure> {
    let mut failures = Vec::new();
    let mut used = vec![false; actual.len()];
    let mut previous = None;
    for expected in &case.sent {
        // Each expectation takes the first action it matches that no other took.
        match actual
            .iter()
            .enumerate()
            .find(|(i, a)| !used[*i] && matches(expected.get_ref(), a))
        {
            Some((i, _)) => {
                used[i] = true;
                if strictness.in_order && previous.is_some_and(|p| i < p) {
                    failures.push(Failure::OutOfOrder(
                        expected.span(),
                        describe(expected.get_ref()),
                    ));
                }
                previous = Some(i);
            }
            None => failures.push(Failure::Missing(
                expected.span(),
                describe(expected.get_ref()),
            )),
        }
    }
    if strictness.exact {
        for (i, a) in actual.iter().enumerate() {
            if !used[i] {
                failures.push(Failure::Unexpected(a.clone()));
            }
        }
    }
    for forbidden in &case.excludes {
        for a in actual.iter().filter(|a| matches(forbidden.get_ref(), a)) {
            failures.push(Failure::Forbidden(forbidden.span(), a.clone()));
        }
    }
    failures
}

/// The case's `not_sent` against the reasons for not sending.
fn compare_not_sent(case: &Case, skipped: &[ActualSkip], exact_skips: bool) -> Vec<Failure> {
    let mut failures = Vec::new();
    // Under `exactly` each expectation takes a skip of its own, as in `sent`; otherwise one
    // skip may answer several.
    let mut used = vec![false; skipped.len()];
    for expected in &case.not_sent {
        match skipped
            .iter()
            .enumerate()
            .find(|(i, s)| !(exact_skips && used[*i]) && matches_skip(expected.get_ref(), s))
        {
            Some((i, _)) => used[i] = true,
            None => failures.push(Failure::MissingSkip(
                expected.span(),
                describe_skip(expected.get_ref()),
            )),
        }
    }
    if exact_skips {
        for (i, s) in skipped.iter().enumerate() {
            if !used[i] {
                failures.push(Failure::UnexpectedSkip(s.clone()));
            }
        }
    }
    failures
}
