//! `rem tasks`: the staff's task list (R10): every `via task` action of the evaluated feed (and
//! of the recalls of a services feed), per unit and day, as a terminal table, CSV or a
//! self-contained HTML page.

use std::path::PathBuf;

use chrono::NaiveDate;

use rem::booking::Booking;
use rem::engine::{Engine, Mode, Options, Outcome as Evaluated};
use rem::feed::Reject;
use rem::recalls::Booked;
use rem::report::tasks::{self, Range, Task};

use super::due::{DueFormat, render, write_outputs};
use super::exit::{Exit, Failure, Outcome};
use super::inputs::{FeedArgs, for_each_row, load_events, load_plan, load_services};
use super::write::{Named, refuse_overwriting_inputs, say_text};

#[derive(clap::Args)]
pub struct TasksArgs {
    /// Policies: .rem files, folders of them, or plans (.json).
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    #[command(flatten)]
    pub input: FeedArgs,
    /// The first day listed, YYYY-MM-DD (default: the day of --now).
    #[arg(long, value_name = "DATE")]
    pub from: Option<NaiveDate>,
    /// The last day listed, YYYY-MM-DD (default: no end).
    #[arg(long, value_name = "DATE")]
    pub to: Option<NaiveDate>,
    /// Only these units (default: all).
    #[arg(long = "unit", value_name = "UNIT")]
    pub units: Vec<String>,
    /// table: aligned text; csv: one row a task; html: a page to open in a browser;
    /// json: the list for programs (docs/output-format.md).
    #[arg(long, value_enum, default_value_t = DueFormat::Table)]
    pub output: DueFormat,
    /// Write the list to this file instead of standard output.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Where rejected rows go (default: beside the booking feed).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

pub fn run(args: &TasksArgs) -> Outcome {
    let loaded = load_plan(&args.policies)?;
    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| args.input.first().with_extension("rejects.csv"));
    let mut outputs = vec![Named {
        role: "rejects file (--rejects)",
        path: &rejects_path,
    }];
    if let Some(out) = &args.out {
        outputs.push(Named {
            role: "list (-o)",
            path: out,
        });
    }
    refuse_overwriting_inputs(&args.input.named(), &outputs).map_err(Failure::Message)?;
    let engine = Engine::new(loaded.plan).map_err(Failure::report_of)?;
    let now = super::now_or_clock(args.input.now);
    let options = Options {
        now,
        since: None,
        mode: Mode::Forecast,
    };
    let (events, event_rejects) = load_events(args.input.events.as_deref(), now)?;
    let mut rejects: Vec<(String, Reject)> = event_rejects
        .into_iter()
        .map(|r| {
            (
                args.input
                    .events
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                r,
            )
        })
        .collect();
    let (tasks, rows) = collect(args, &engine, &options, &events, &mut rejects)?;
    let name = args.input.first().display().to_string();
    let range = Range {
        from: args.from,
        to: args.to,
        units: args.units.clone(),
    };
    let report = tasks::report(tasks, &engine, now, &range);
    let listed = report.sections.iter().map(|s| s.rows.len()).sum::<usize>();
    let text = render(&report, args.output, args.out.is_some());
    write_outputs(args.out.as_deref(), &text, &rejects, &rejects_path)?;
    say_text(&format!(
        "booking rows read: {rows} ({} rejected)\ntasks listed: {listed}\n{}",
        rejects.iter().filter(|(n, _)| *n == name).count(),
        if rejects.is_empty() {
            String::new()
        } else {
            format!("rejected rows are listed in {}\n", rejects_path.display())
        }
    ));
    Ok(if rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
}

/// Every task of the feed's bookings and of the services feed's recalls; rejected rows are
/// kept in `rejects`. Also the number of booking rows read.
fn collect(
    args: &TasksArgs,
    engine: &Engine,
    options: &Options,
    events: &rem::events::EventIndex,
    rejects: &mut Vec<(String, Reject)>,
) -> Result<(Vec<Task>, u64), Failure> {
    let mut tasks = Vec::new();
    let mut outcomes = Vec::new();
    let mut collect = |booking: &Booking<'_>, outcomes: &mut Vec<Evaluated>| {
        outcomes.clear();
        engine.evaluate(booking, events, options, outcomes);
        tasks.extend(tasks::tasks_of(engine, booking, outcomes));
    };
    let source = args.input.source()?;
    let name = source.name();
    let mut booked = Booked::new(engine);
    let mut rows = 0u64;
    for_each_row(&source, |_, row| {
        rows += 1;
        match row {
            Ok(booking) => {
                booked.note(booking);
                collect(booking, &mut outcomes);
            }
            Err(reject) => rejects.push((name.clone(), reject.clone())),
        }
        true
    })
    .map_err(|e| Failure::about(source.name(), e))?;
    if let Some(path) = &args.input.services {
        let services = load_services(path)?;
        let name = path.display().to_string();
        rejects.extend(services.rejects.iter().map(|r| (name.clone(), r.clone())));
        for mut record in services.records {
            booked.mark(engine, &mut record);
            collect(&record, &mut outcomes);
        }
    }
    Ok((tasks, rows))
}
