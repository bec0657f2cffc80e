//! Why one booking gets what it gets, step by step, each step pointing at the policy line
//! responsible: `rem explain`'s text, and the titles the workbench shows beside its own
//! pointers. The engine gives the outcomes and the lines behind them (`engine/why.rs`); this
//! is their rendering, in one place for both.

use chrono::{DateTime, SecondsFormat};
use miette::{Diagnostic, LabeledSpan, NamedSource, Severity};

use crate::booking::{Booking, Recalled};
use crate::engine::{Action, Engine, Options, Origin, Outcome, Skip};
use crate::events::EventIndex;

/// One step of the explanation as a miette report: a title, and labels on the policy source.
#[derive(Debug, thiserror::Error)]
#[error("{title}")]
struct Step {
    title: String,
    sent: bool,
    code: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
}

impl Diagnostic for Step {
    fn severity(&self) -> Option<Severity> {
        Some(if self.sent {
            Severity::Advice
        } else {
            Severity::Warning
        })
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.code.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

/// The first line about a booking: its id, place, time and kind, never phone numbers or ids.
pub fn booking_header(booking: &Booking<'_>) -> String {
    format!(
        "booking {} at {} / {}, exam `{}`, {} {} booking by {}, visit {}\n\n",
        booking.id,
        booking.clinic,
        booking.unit,
        booking.exam,
        booking.status.as_str(),
        booking.kind.as_str(),
        booking.source.as_str(),
        time(booking.start)
    )
}

/// The first line about a recall: the service, when it was performed, when it is due under
/// each recall policy, and whether a visit for it is booked.
pub fn recall_header(engine: &Engine, record: &Booking<'_>, recall: Recalled) -> String {
    let due: Vec<String> = engine
        .recall_due(record)
        .into_iter()
        .map(|(id, due)| {
            format!(
                "due {} by recall `{}`",
                time(due.fixed_offset()),
                engine.policy(id).name
            )
        })
        .collect();
    let booked = recall
        .booked_at
        .map_or("no visit for it is booked".to_string(), |at| {
            format!("a visit for it was booked {}", time(at))
        });
    format!(
        "recall {} at {} / {}, service `{}` last performed {}, {}; {booked}\n\n",
        record.id,
        record.clinic,
        record.unit,
        record.exam,
        time(record.start),
        if due.is_empty() {
            "no recall covers it".to_string()
        } else {
            due.join(", ")
        },
    )
}

fn time(t: DateTime<chrono::FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `sent: reminder `dagen före` of policy `X` via sms to patient at TIME`.
pub fn sent_title(engine: &Engine, a: &Action) -> String {
    let policy = engine.policy(a.policy);
    let message = &policy.messages[a.message];
    let condition = a
        .unless
        .map(|u| format!(", unless {} by {}", u.event.as_str(), time(u.by)))
        .unwrap_or_default();
    format!(
        "sent: {} `{}` of policy `{}` via {} to {} at {}{condition}",
        message.kind.as_str(),
        message.name,
        policy.name,
        a.channel.as_str(),
        a.recipient.as_str(),
        time(a.send_at)
    )
}

/// `not sent: the paper fallback of letter `kallelse` of policy `X` to patient: WHY`.
pub fn skip_title(engine: &Engine, booking: &Booking<'_>, s: &Skip) -> String {
    let what = match (s.policy, s.message) {
        (Some(p), Some(m)) => {
            let policy = engine.policy(p);
            let message = &policy.messages[m];
            let part = match s.origin {
                Some(Origin::Complement { complement: c, .. }) => format!(
                    "the {} complement of ",
                    message.complements[c].channel.as_str()
                ),
                Some(Origin::Fallback(_)) => message
                    .fallback
                    .as_ref()
                    .map(|f| format!("the {} fallback of ", f.channel.as_str()))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            format!(
                "{part}{} `{}` of policy `{}`",
                message.kind.as_str(),
                message.name,
                policy.name
            )
        }
        _ => "any message".to_string(),
    };
    let to = s
        .recipient
        .map(|r| format!(" to {}", r.as_str()))
        .unwrap_or_default();
    format!(
        "not sent: {what}{to}: {}",
        engine.describe_for(booking, s.policy, s.reason)
    )
}

/// The title of one outcome: `sent: ...` or `not sent: ...: WHY`.
pub fn title(engine: &Engine, booking: &Booking<'_>, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Action(a) => sent_title(engine, a),
        Outcome::Skip(s) => skip_title(engine, booking, s),
    }
}

/// `rem explain`'s text for one booking (or recall record): its header, then each outcome with
/// the policy lines behind it, shown from `source_text` (a file's text by its name).
pub fn text(
    engine: &Engine,
    booking: &Booking<'_>,
    events: &EventIndex,
    options: &Options,
    source_text: &dyn Fn(&str) -> Option<String>,
) -> String {
    let mut outcomes = Vec::new();
    engine.evaluate(booking, events, options, &mut outcomes);
    // Nothing personal: the booking's id, place, time and kind, never phone numbers or ids.
    let mut out = match booking.recall {
        Some(recall) => recall_header(engine, booking, recall),
        None => booking_header(booking),
    };
    for outcome in &outcomes {
        let (title, sent) = (
            title(engine, booking, outcome),
            matches!(outcome, Outcome::Action(_)),
        );
        let places = engine.responsible(outcome);
        let file = places.first().map(|(source, _)| source.file.clone());
        let source = file
            .as_deref()
            .and_then(|f| source_text(f).map(|text| NamedSource::new(f, text)));
        let labels = if source.is_some() {
            places
                .iter()
                .filter(|(s, _)| Some(&s.file) == file.as_ref())
                .map(|(s, label)| LabeledSpan::new(Some(label.clone()), s.start, s.end - s.start))
                .collect()
        } else {
            Vec::new()
        };
        let step = Step {
            title,
            sent,
            code: source,
            labels,
        };
        out.push_str(&crate::diagnostic::render::report(
            &step,
            crate::diagnostic::render::Colour::Plain,
        ));
    }
    if outcomes.is_empty() {
        out.push_str("no message applies to this booking\n");
    }
    out
}
