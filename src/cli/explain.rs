//! `rem explain`: why one booking gets what it gets, step by step, each step pointing at the
//! policy line responsible.

use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat};
use miette::{Diagnostic, LabeledSpan, NamedSource, Severity};

use rem::booking::{Booking, Recalled};
use rem::engine::{Engine, Mode, Options, Origin, Outcome};
use rem::recalls::Booked;

use super::exit::{Exit, Failure, Outcome as Ended};
use super::inputs::{FeedArgs, for_each_row, load_events, load_plan, load_services};
use super::write::say;

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// The booking to explain, or a recall as `PATIENT_ID/SERVICE` (with --services).
    pub booking_id: String,
    /// Policies: .rem files, folders of them, or compiled plans (.json).
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    #[command(flatten)]
    pub input: FeedArgs,
}

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

pub fn run(args: &ExplainArgs) -> Ended {
    let loaded = load_plan(&args.policies)?;
    let program = loaded.program;
    let engine = Engine::new(loaded.plan).map_err(Failure::report_of)?;
    let source = args.input.source()?;
    let options = Options {
        now: super::now_or_clock(args.input.now),
        since: None,
        mode: Mode::Forecast,
    };
    let (events, _) = load_events(args.input.events.as_deref(), options.now)?;
    // The text of each policy file, for snippets: from the compiled program, else from disk.
    let source_text = |file: &str| -> Option<String> {
        program
            .as_ref()
            .and_then(|p| {
                p.files
                    .iter()
                    .find(|f| f.path == file)
                    .map(|f| f.text.clone())
            })
            .or_else(|| super::read::policy_text(std::path::Path::new(file)))
    };

    let mut report = None;
    let mut rejected = None;
    if let Some(path) = &args.input.services {
        // A recall record (`PATIENT_ID/SERVICE`), marked booked by the booking feed's visits.
        let services = load_services(path)?;
        let mut booked = Booked::new(&engine);
        for_each_row(&source, |_, row| {
            if let Ok(booking) = row {
                booked.note(booking);
            }
            true
        })
        .map_err(|e| Failure::about(source.name(), e))?;
        if let Some(mut record) = services
            .records
            .into_iter()
            .find(|r| r.id == args.booking_id)
        {
            booked.mark(&engine, &mut record);
            report = Some(explain(&engine, &record, &events, &options, &source_text));
        }
    }
    for_each_row(&source, |location, row| match row {
        _ if report.is_some() => false,
        Ok(booking) if booking.id == args.booking_id => {
            report = Some(explain(&engine, booking, &events, &options, &source_text));
            false
        }
        Err(reject) if reject.booking_id.as_deref() == Some(args.booking_id.as_str()) => {
            rejected = Some(format!(
                "{location}: {} {}",
                reject.field.unwrap_or("the row"),
                reject.reason()
            ));
            false
        }
        _ => true,
    })
    .map_err(|e| Failure::about(source.name(), e))?;
    match (report, rejected) {
        (Some(text), _) => {
            super::write::print(&text)?;
            Ok(Exit::Ok)
        }
        (None, Some(why)) => {
            say!(
                "error: booking `{}` is in {} but was rejected, {why}",
                args.booking_id,
                args.input.first().display()
            );
            Ok(Exit::Failed)
        }
        (None, None) => Err(Failure::message(format!(
            "no booking `{}` in {}",
            args.booking_id,
            args.input.first().display()
        ))),
    }
}

/// The first line about a booking: its id, place, time and kind, never phone numbers or ids.
fn booking_header(booking: &Booking<'_>) -> String {
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
fn recall_header(engine: &Engine, record: &Booking<'_>, recall: Recalled) -> String {
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
fn sent_title(engine: &Engine, a: &rem::engine::Action) -> String {
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
fn skip_title(engine: &Engine, booking: &Booking<'_>, s: &rem::engine::Skip) -> String {
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

fn explain(
    engine: &Engine,
    booking: &Booking<'_>,
    events: &rem::events::EventIndex,
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
        let (title, sent) = match outcome {
            Outcome::Action(a) => (sent_title(engine, a), true),
            Outcome::Skip(s) => (skip_title(engine, booking, s), false),
        };
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
        out.push_str(&rem::diagnostic::render::report(
            &step,
            rem::diagnostic::render::Colour::Plain,
        ));
    }
    if outcomes.is_empty() {
        out.push_str("no message applies to this booking\n");
    }
    out
}
