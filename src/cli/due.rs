//! `rem due`: the staff's list of every patient's services that are due again (R8, R9), with
//! their status (past due red, due soon yellow, due later black; booked grey), as a table in
//! the terminal, CSV, or a self-contained HTML page.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use rem::engine::Engine;
use rem::feed::Reject;
use rem::feed::services::Services;
use rem::output::RejectWriter;
use rem::recalls::{Booked, due_list};
use rem::report::{self, Report};

use super::exit::{Exit, Failure, Outcome};
use super::inputs::{FeedFormat, Source, feed_format, for_each_row, load_plan, load_services};
use super::write::{Named, Output, WriteError, refuse_overwriting_inputs, say_text};

#[derive(clap::Args)]
pub struct DueArgs {
    /// Policies with `recall` blocks: .rem files, folders of them, or plans (.json).
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    /// Services performed: CSV or JSON Lines (.jsonl), as in docs/feed-format.md.
    #[arg(long, value_name = "FILE")]
    pub services: PathBuf,
    /// The booking feed, so that a service with a visit booked for it shows as booked.
    #[arg(long, value_name = "FILE")]
    pub feed: Option<PathBuf>,
    /// The booking feed's format, when its file name does not tell.
    #[arg(long = "feed-format", value_enum)]
    pub feed_format: Option<FeedFormat>,
    /// The time the list is for, RFC 3339 (default: the current time).
    #[arg(long, value_name = "TIME", value_parser = super::parse_time)]
    pub now: Option<DateTime<Utc>>,
    /// table: aligned text; csv: one row a service; html: a page to open in a browser;
    /// json: the list for programs (docs/output-format.md).
    #[arg(long, value_enum, default_value_t = DueFormat::Table)]
    pub output: DueFormat,
    /// Only these statuses (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub status: Vec<StatusArg>,
    /// Write the list to this file instead of standard output.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Where rejected rows go (default: beside the services feed).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DueFormat {
    Table,
    Csv,
    Html,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusArg {
    Overdue,
    DueSoon,
    Later,
    Booked,
}

impl StatusArg {
    fn word(self) -> &'static str {
        match self {
            StatusArg::Overdue => "overdue",
            StatusArg::DueSoon => "due_soon",
            StatusArg::Later => "later",
            StatusArg::Booked => "booked",
        }
    }
}

pub fn run(args: &DueArgs) -> Outcome {
    let loaded = load_plan(&args.policies)?;
    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| args.services.with_extension("rejects.csv"));
    refuse_overwrites(args, &rejects_path)?;
    let engine = Engine::new(loaded.plan).map_err(Failure::report_of)?;
    if !engine.plan().policies.iter().any(|p| p.recall.is_some()) {
        return Err(Failure::message(
            "the policies have no `recall`: write one (docs/language.md, \"Recalls\") to list what is due".to_string(),
        ));
    }
    let now = super::now_or_clock(args.now);
    let mut rejects: Vec<(String, Reject)> = Vec::new();
    let booked = booked_by_feed(args, &engine, &mut rejects)?;
    let services = load_services(&args.services)?;
    let name = args.services.display().to_string();
    rejects.extend(services.rejects.iter().map(|r| (name.clone(), r.clone())));
    let (mut lines, uncovered) = due_list(&engine, &booked, &services.records, now);
    let total = lines.len();
    let wanted: Vec<&str> = args.status.iter().map(|s| s.word()).collect();
    lines.retain(|l| wanted.is_empty() || wanted.contains(&l.status.word()));
    let report = report::due::report(&engine, lines, now);
    let text = render(&report, args.output, args.out.is_some());
    write_outputs(args.out.as_deref(), &text, &rejects, &rejects_path)?;
    let listed = report.sections.iter().map(|s| s.rows.len()).sum::<usize>();
    say_text(&summary(
        &services,
        listed,
        total,
        uncovered,
        &rejects,
        &rejects_path,
    ));
    Ok(if rejects.is_empty() {
        Exit::Ok
    } else {
        Exit::Rejected
    })
}

/// Refuses `-o` and the rejects file where they name an input or each other.
fn refuse_overwrites(args: &DueArgs, rejects_path: &Path) -> Result<(), Failure> {
    let mut inputs = vec![Named {
        role: "services feed (--services)",
        path: &args.services,
    }];
    if let Some(feed) = &args.feed {
        inputs.push(Named {
            role: "booking feed (--feed)",
            path: feed,
        });
    }
    let mut outputs = vec![Named {
        role: "rejects file (--rejects)",
        path: rejects_path,
    }];
    if let Some(out) = &args.out {
        outputs.push(Named {
            role: "list (-o)",
            path: out,
        });
    }
    refuse_overwriting_inputs(&inputs, &outputs).map_err(Failure::Message)?;
    Ok(())
}

/// The counts for standard error; never personal data.
fn summary(
    services: &Services,
    listed: usize,
    total: usize,
    uncovered: u64,
    rejects: &[(String, Reject)],
    rejects_path: &Path,
) -> String {
    format!(
        "service rows read: {} ({} patient services, {} replaced by a later performance, {} rejected)\nlisted: {listed} of {total}{}\n{}",
        services.rows(),
        services.records.len(),
        services.superseded,
        services.rejects.len(),
        if uncovered > 0 {
            format!("; services no recall covers: {uncovered}")
        } else {
            String::new()
        },
        if rejects.is_empty() {
            String::new()
        } else {
            format!("rejected rows are listed in {}\n", rejects_path.display())
        }
    )
}

/// The bookings of `--feed` that book a recall's service; its rejected rows are kept.
fn booked_by_feed(
    args: &DueArgs,
    engine: &Engine,
    rejects: &mut Vec<(String, Reject)>,
) -> Result<Booked, Failure> {
    let mut booked = Booked::new(engine);
    let Some(feed) = &args.feed else {
        return Ok(booked);
    };
    let format = feed_format(feed, args.feed_format).map_err(Failure::Message)?;
    let name = feed.display().to_string();
    let source = Source::single(feed, format, super::now_or_clock(args.now));
    for_each_row(&source, |_, row| {
        match row {
            Ok(booking) => booked.note(booking),
            Err(reject) => rejects.push((name.clone(), reject.clone())),
        }
        true
    })
    .map_err(|e| Failure::about(feed.display(), e))?;
    Ok(booked)
}

/// A staff list in the format asked for; colours in the terminal only when it is one and
/// `NO_COLOR` is not set.
pub(super) fn render(report: &Report, output: DueFormat, to_file: bool) -> String {
    match output {
        DueFormat::Table => {
            let colour = !to_file
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            report::terminal(report, colour)
        }
        DueFormat::Csv => report::csv(report),
        DueFormat::Html => report::html(report, "en"),
        DueFormat::Json => report::json(report),
    }
}

/// Writes the rejects file (when rows were rejected), then the list.
pub(super) fn write_outputs(
    out: Option<&Path>,
    text: &str,
    rejects: &[(String, Reject)],
    rejects_path: &Path,
) -> Result<(), WriteError> {
    if !rejects.is_empty() {
        let failed = |e| WriteError::new(rejects_path.display().to_string(), e);
        let mut writer = RejectWriter::new(Output::file(rejects_path)?).map_err(failed)?;
        for (input, reject) in rejects {
            writer.write(input, reject).map_err(failed)?;
        }
        writer.finish().map_err(failed)?.finish()?;
    }
    let mut out = Output::to(out)?;
    let name = out.name().to_string();
    std::io::Write::write_all(&mut out, text.as_bytes()).map_err(|e| WriteError::new(name, e))?;
    out.finish()
}
