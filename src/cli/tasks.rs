//! `rem tasks`: the staff's task list (R10): every `via task` action of the evaluated feed (and
//! of the recalls of a services feed), per unit and day, as a terminal table, CSV or a
//! self-contained HTML page.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};

use rem::booking::Booking;
use rem::engine::{Action, Engine, Mode, Options, Outcome as Evaluated};
use rem::feed::Reject;
use rem::recalls::Booked;
use rem::report::{Report, Row, Section};
use rem::schema::Channel;

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
    /// table: aligned text; csv: one row a task; html: a page to open in a browser.
    #[arg(long, value_enum, default_value_t = DueFormat::Table)]
    pub output: DueFormat,
    /// Write the list to this file instead of standard output.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Where rejected rows go (default: beside the booking feed).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

/// One task as listed: where, when, and what to do.
struct Task {
    unit: String,
    at: DateTime<FixedOffset>,
    booking: String,
    policy: String,
    message: String,
    text: String,
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
    let (mut tasks, rows) = collect(args, &engine, &options, &events, &mut rejects)?;
    let name = args.input.first().display().to_string();
    let from = args
        .from
        .unwrap_or_else(|| now.with_timezone(&first_zone(&engine)).date_naive());
    tasks.retain(|t| {
        let day = t.at.date_naive();
        day >= from
            && args.to.is_none_or(|to| day <= to)
            && (args.units.is_empty() || args.units.contains(&t.unit))
    });
    let listed = tasks.len();
    let report = report_of(tasks, &engine, now, from, args.to);
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
        for outcome in outcomes.iter() {
            if let Evaluated::Action(a) = outcome {
                if a.channel == Channel::Task {
                    tasks.push(task_of(engine, booking, a));
                }
            }
        }
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

fn first_zone(engine: &Engine) -> chrono_tz::Tz {
    engine
        .plan()
        .policies
        .first()
        .map_or(chrono_tz::UTC, |p| p.timezone)
}

fn task_of(engine: &Engine, booking: &Booking<'_>, a: &Action) -> Task {
    let policy = engine.policy(a.policy);
    Task {
        unit: booking.unit.to_string(),
        at: a.send_at,
        booking: booking.id.to_string(),
        policy: policy.name.clone(),
        message: policy.messages[a.message].name.clone(),
        text: a.text.clone().unwrap_or_default(),
    }
}

/// A section per unit; in each, the tasks by day and time.
fn report_of(
    mut tasks: Vec<Task>,
    engine: &Engine,
    now: DateTime<Utc>,
    from: NaiveDate,
    to: Option<NaiveDate>,
) -> Report {
    tasks.sort_by(|a, b| (&a.unit, a.at, &a.booking).cmp(&(&b.unit, b.at, &b.booking)));
    let mut sections: Vec<Section> = Vec::new();
    for task in tasks {
        let heading = format!("Unit {}", task.unit);
        if sections.last().is_none_or(|s| s.heading != heading) {
            sections.push(Section {
                heading,
                rows: Vec::new(),
            });
        }
        let row = Row {
            cells: vec![
                task.at.date_naive().to_string(),
                task.at.format("%H:%M").to_string(),
                task.booking,
                task.message,
                task.text,
                task.policy,
            ],
            status: None,
        };
        if let Some(section) = sections.last_mut() {
            section.rows.push(row);
        }
    }
    let range = match to {
        Some(to) => format!("from {from} to {to}"),
        None => format!("from {from}"),
    };
    Report {
        title: "Staff tasks".to_string(),
        subtitle: vec![format!(
            "Tasks {range}, as planned at {}.",
            now.with_timezone(&first_zone(engine))
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        )],
        columns: vec!["day", "time", "booking", "task", "what to do", "policy"],
        sections,
        empty: "No staff task in these days.",
    }
}
