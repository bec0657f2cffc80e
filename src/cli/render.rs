//! `rem render`: the text of each action, as the patient will read it (R19): in the patient's
//! language or the template's fallback, placeholders filled, with the SMS segments it costs.
//! Addresses are never shown: the recipient's role is enough to read a text.

use std::path::PathBuf;

use chrono::SecondsFormat;

use rem::booking::Booking;
use rem::check::sms_segments;
use rem::engine::{Action, Engine, Mode, Options, Outcome as Evaluated};
use rem::recalls::Booked;
use rem::schema::Channel;

use super::exit::{Exit, Failure, Outcome};
use super::inputs::{FeedArgs, for_each_row, load_events, load_plan, load_services};
use super::write::{print, say_text};

#[derive(clap::Args)]
pub struct RenderArgs {
    /// Policies: .rem files, folders of them, or plans (.json).
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    #[command(flatten)]
    pub input: FeedArgs,
    /// Only these bookings (or recalls, `PATIENT_ID/SERVICE`); default: all.
    #[arg(long = "booking", value_name = "ID")]
    pub bookings: Vec<String>,
    /// text: a block for each action; json: one object a line.
    #[arg(long, value_enum, default_value_t = RenderOutput::Text)]
    pub output: RenderOutput,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RenderOutput {
    Text,
    Json,
}

pub fn run(args: &RenderArgs) -> Outcome {
    let engine = Engine::new(load_plan(&args.policies)?.plan).map_err(Failure::report_of)?;
    let options = Options {
        now: super::now_or_clock(args.input.now),
        since: None,
        mode: Mode::Forecast,
    };
    let (events, _) = load_events(args.input.events.as_deref(), options.now)?;
    let source = args.input.source()?;
    let wanted = |id: &str| args.bookings.is_empty() || args.bookings.iter().any(|b| b == id);
    let mut out = String::new();
    let (mut rows, mut rejected, mut shown) = (0u64, 0u64, 0u64);
    let mut booked = Booked::new(&engine);
    let mut outcomes = Vec::new();
    let mut render = |booking: &Booking<'_>, out: &mut String| {
        outcomes.clear();
        engine.evaluate(booking, &events, &options, &mut outcomes);
        for outcome in &outcomes {
            if let Evaluated::Action(a) = outcome {
                shown += 1;
                out.push_str(&block(&engine, booking, a, args.output));
            }
        }
    };
    for_each_row(&source, |_, row| {
        rows += 1;
        match row {
            Ok(booking) => {
                booked.note(booking);
                if wanted(&booking.id) {
                    render(booking, &mut out);
                }
            }
            Err(_) => rejected += 1,
        }
        true
    })
    .map_err(|e| Failure::about(source.name(), e))?;
    if let Some(path) = &args.input.services {
        let services = load_services(path)?;
        rejected += services.rejects.len() as u64;
        for mut record in services.records {
            if wanted(&record.id) {
                booked.mark(&engine, &mut record);
                render(&record, &mut out);
            }
        }
    }
    print(&out)?;
    say_text(&format!(
        "booking rows read: {rows}; rows rejected: {rejected} (rem eval lists them); actions shown: {shown}\n"
    ));
    Ok(if rejected > 0 {
        Exit::Rejected
    } else {
        Exit::Ok
    })
}

/// One action's text, with what a reader of it needs: whose, when, in which language, and what
/// it costs as SMS.
fn block(engine: &Engine, booking: &Booking<'_>, a: &Action, output: RenderOutput) -> String {
    let policy = engine.policy(a.policy);
    let message = &policy.messages[a.message];
    let language = message.localized.as_ref().map(|l| {
        l.language_for(booking.patient.language.as_deref())
            .to_string()
    });
    let sms = (a.channel == Channel::Sms)
        .then(|| a.text.as_deref().map(sms_segments))
        .flatten();
    let at = a.send_at.to_rfc3339_opts(SecondsFormat::Secs, true);
    if output == RenderOutput::Json {
        let mut line = serde_json::json!({
            "booking_id": booking.id,
            "policy": policy.name,
            "message": message.name,
            "channel": a.channel.as_str(),
            "recipient": a.recipient.as_str(),
            "send_at": at,
            "language": language,
            "template": message.template,
            "text": a.text,
        });
        if let Some((segments, length, encoding)) = sms {
            line["sms"] = serde_json::json!({
                "segments": segments,
                "length": length,
                "encoding": encoding.name(),
            });
        }
        return format!("{line}\n");
    }
    let mut head = format!(
        "{} · {} / {} · {} to {} · {at}",
        booking.id, policy.name, message.name, a.channel, a.recipient
    );
    if let Some(language) = &language {
        head.push_str(&format!(" · language {language}"));
    }
    if let Some(template) = &message.template {
        head.push_str(&format!(" · template {template}"));
    }
    let text = match &a.text {
        Some(text) => text.clone(),
        None => "(no text here: the sending system fills in its template)".to_string(),
    };
    let cost = sms
        .map(|(segments, length, encoding)| {
            let plural = if segments == 1 { "" } else { "s" };
            format!("\n    ({segments} SMS{plural}, {length} characters in {encoding})")
        })
        .unwrap_or_default();
    format!("{head}\n    {}{cost}\n\n", text.replace('\n', "\n    "))
}
