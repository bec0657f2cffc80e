//! `rem diff OLD NEW --feed FILE`: what a policy change does to real bookings.

use std::io::Write;
use std::path::PathBuf;

use rem::diff::{self, Summary};
use rem::engine::{Engine, Mode, Options};

use super::inputs::{FeedArgs, feed_format, for_each_row, load_events, load_plan};
use super::write::{Output, WriteError, say};
use super::{FAILED, Format, OK, UNUSABLE};

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

pub fn run(args: &DiffArgs) -> u8 {
    match diff(args) {
        Ok(status) | Err(status) => status,
    }
}

fn engine(path: &PathBuf) -> Result<Engine, u8> {
    let loaded = load_plan(std::slice::from_ref(path))?;
    Engine::new(loaded.plan).map_err(|e| {
        super::report_error(e);
        UNUSABLE
    })
}

fn diff(args: &DiffArgs) -> Result<u8, u8> {
    let old = engine(&args.old)?;
    let new = engine(&args.new)?;
    let format = feed_format(&args.input.feed, args.input.format).map_err(|message| {
        say!("error: {message}");
        UNUSABLE
    })?;
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
    let read = for_each_row(&args.input.feed, format, |_, row| {
        match row {
            Ok(booking) => {
                let changes = diff::compare(&old, &new, booking, &events, &options);
                summary.add(&changes);
                match args.output {
                    Format::Human => {
                        for change in &changes {
                            if let Err(e) =
                                writeln!(out, "{}: {}", change.booking_id, diff::describe(change))
                            {
                                failure = Some(e);
                                return false;
                            }
                        }
                    }
                    Format::Json => changes_json.extend(changes),
                }
            }
            Err(_) => rejected += 1,
        }
        true
    });
    if let Err(error) = read {
        say!("error in {}:", args.input.feed.display());
        super::report_error(error);
        return Err(UNUSABLE);
    }
    let failed = |e: std::io::Error| WriteError::new("standard output", e).report();
    if let Some(error) = failure {
        return Err(failed(error));
    }
    let lines = summary.lines();
    match args.output {
        Format::Human => {
            if summary.bookings_changed == 0 {
                writeln!(
                    out,
                    "no changes for the {} bookings of the feed",
                    summary.bookings_read
                )
                .map_err(failed)?;
            } else {
                writeln!(
                    out,
                    "\n{} of {} bookings change:",
                    summary.bookings_changed, summary.bookings_read
                )
                .map_err(failed)?;
                for line in &lines {
                    writeln!(out, "  {line}").map_err(failed)?;
                }
            }
        }
        Format::Json => {
            let report = serde_json::json!({
                "bookings_read": summary.bookings_read,
                "bookings_changed": summary.bookings_changed,
                "rows_rejected": rejected,
                "summary": lines,
                "changes": changes_json,
            });
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            )
            .map_err(failed)?;
        }
    }
    out.finish().map_err(|e| e.report())?;
    if rejected > 0 {
        say!("{rejected} rows of the feed were rejected and not compared; `rem eval` lists them");
    }
    // Like diff(1): 0 no change, 1 changes, 2 trouble.
    Ok(if summary.bookings_changed > 0 {
        FAILED
    } else {
        OK
    })
}
