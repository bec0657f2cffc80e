//! `rem diff OLD NEW --feed FILE`: what a policy change does to real bookings.

use std::io::Write;
use std::path::PathBuf;

use rem::diff::{self, Summary};
use rem::engine::{Engine, Mode, Options};

use super::Format;
use super::exit::{Exit, Failure, Outcome};
use super::inputs::{FeedArgs, for_each_row, load_events, load_plan};
use super::write::{Output, WriteError, say};

#[derive(clap::Args)]
pub struct DiffArgs {
    /// The policies as they are: a .rem file, a folder, or a compiled plan.
    pub old: PathBuf,
    /// The policies as changed.
    pub new: PathBuf,
    #[command(flatten)]
    pub input: FeedArgs,
    /// text for people, json for CI.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub output: Format,
}

pub fn run(args: &DiffArgs) -> Outcome {
    args.input.bookings_only("diff")?;
    let old = engine(&args.old)?;
    let new = engine(&args.new)?;
    let source = args.input.source()?;
    let options = Options {
        now: super::now_or_clock(args.input.now),
        since: None,
        mode: Mode::Forecast,
    };
    let (events, _) = load_events(args.input.events.as_deref(), options.now)?;
    let mut summary = Summary::default();
    let mut rejected = 0u64;
    let mut changes_json = Vec::new();
    let mut out = Output::stdout();
    let mut failure = None;
    let read = for_each_row(&source, |_, row| {
        let Ok(booking) = row else {
            rejected += 1;
            return true;
        };
        let changes = diff::compare(&old, &new, booking, &events, &options);
        summary.add(&changes);
        if args.output == Format::Json {
            changes_json.extend(changes);
            return true;
        }
        changes
            .iter()
            .try_for_each(|c| writeln!(out, "{}: {}", c.booking_id, diff::describe(c)))
            .map_err(|e| failure = Some(e))
            .is_ok()
    });
    read.map_err(|e| Failure::about(source.name(), e))?;
    let failed = |e: std::io::Error| WriteError::new("standard output", e);
    if let Some(error) = failure {
        return Err(failed(error).into());
    }
    write_summary(&mut out, args.output, &summary, rejected, changes_json).map_err(failed)?;
    out.finish()?;
    if rejected > 0 {
        say!("{rejected} rows of the feed were rejected and not compared; `rem eval` lists them");
    }
    // Like diff(1): 0 no change, 1 changes, 2 trouble.
    Ok(if summary.bookings_changed > 0 {
        Exit::Failed
    } else {
        Exit::Ok
    })
}

fn engine(path: &PathBuf) -> Result<Engine, Failure> {
    let loaded = load_plan(std::slice::from_ref(path))?;
    Engine::new(loaded.plan).map_err(Failure::report_of)
}

/// The summary sentences, or the whole JSON report.
fn write_summary(
    out: &mut Output,
    format: Format,
    summary: &Summary,
    rejected: u64,
    changes: Vec<diff::Change>,
) -> std::io::Result<()> {
    let lines = summary.lines();
    match format {
        Format::Human if summary.bookings_changed == 0 => writeln!(
            out,
            "no changes for the {} bookings of the feed",
            summary.bookings_read
        ),
        Format::Human => {
            writeln!(
                out,
                "\n{} of {} bookings change:",
                summary.bookings_changed, summary.bookings_read
            )?;
            lines.iter().try_for_each(|line| writeln!(out, "  {line}"))
        }
        Format::Json => {
            let report = serde_json::json!({
                "bookings_read": summary.bookings_read,
                "bookings_changed": summary.bookings_changed,
                "rows_rejected": rejected,
                "summary": lines,
                "changes": changes,
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            )
        }
    }
}
