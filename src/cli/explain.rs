//! `rem explain`: why one booking gets what it gets, step by step, each step pointing at the
//! policy line responsible.

use std::path::PathBuf;

use rem::engine::{Engine, Mode, Options};
use rem::explain::text as explain;
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
