//! `rem diff OLD NEW --feed FILE`: what a policy change does to real bookings.

use std::io::Write;
use std::path::PathBuf;

use rem::diff::{self, Summary};
use rem::engine::{Engine, Mode, Options};
use rem::output::Tally;

use super::eval::{FeedArgs, feed_format, for_each_row, load_events, load_plan};
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
    let (plan, _) = load_plan(std::slice::from_ref(path))?;
    Engine::new(plan).map_err(|e| {
        super::report_error(e);
        UNUSABLE
    })
}

fn diff(args: &DiffArgs) -> Result<u8, u8> {
    let old = engine(&args.old)?;
    let new = engine(&args.new)?;
    let format = feed_format(&args.input.feed, args.input.format).map_err(|message| {
        eprintln!("error: {message}");
        UNUSABLE
    })?;
    let (events, _) = load_events(args.input.events.as_deref(), &mut Tally::default())?;
    let options = Options {
        now: super::now_or_clock(args.input.now),
        since: None,
        mode: Mode::Forecast,
    };
    let mut summary = Summary::default();
    let mut rejected = 0u64;
    let mut changes_json = Vec::new();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let read = for_each_row(&args.input.feed, format, |_, row| {
        match row {
            Ok(booking) => {
                let changes = diff::compare(&old, &new, booking, &events, &options);
                summary.add(&changes);
                match args.output {
                    Format::Human => {
                        for change in &changes {
                            let _ =
                                writeln!(out, "{}: {}", change.booking_id, diff::describe(change));
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
        eprintln!("error in {}:", args.input.feed.display());
        super::report_error(error);
        return Err(UNUSABLE);
    }
    let lines = summary.lines();
    match args.output {
        Format::Human => {
            if summary.bookings_changed == 0 {
                let _ = writeln!(
                    out,
                    "no changes for the {} bookings of the feed",
                    summary.bookings_read
                );
            } else {
                let _ = writeln!(
                    out,
                    "\n{} of {} bookings change:",
                    summary.bookings_changed, summary.bookings_read
                );
                for line in &lines {
                    let _ = writeln!(out, "  {line}");
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
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
    }
    let _ = out.flush();
    if rejected > 0 {
        eprintln!(
            "{rejected} rows of the feed were rejected and not compared; `rem eval` lists them"
        );
    }
    // Like diff(1): 0 no change, 1 changes, 2 trouble.
    Ok(if summary.bookings_changed > 0 {
        FAILED
    } else {
        OK
    })
}
