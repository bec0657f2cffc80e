//! `rem eval`: policies × booking feed × events → actions, rejects and a summary.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use rem::booking::Booking;
use rem::engine::{Engine, Mode, Options, Outcome};
use rem::events::{self, EventIndex};
use rem::feed::{self, FeedError, Format, Location, Reject, csv::CsvFeed, jsonl::JsonlFeed};
use rem::output::{ActionWriter, OutputFormat, RejectWriter, Tally};
use rem::plan::Plan;
use rem::source::Program;

use super::{FAILED, OK, UNUSABLE, load_and_check, policy_files, print_diagnostics};

/// Exit status: the run finished, but some rows were rejected (see the rejects file).
pub const REJECTED: u8 = 3;

/// The inputs `eval`, `explain` and `diff` share: the bookings, the events, the time.
#[derive(clap::Args)]
pub struct FeedArgs {
    /// The booking feed: CSV, JSON Lines (.jsonl) or a FHIR R4 Bundle (.json).
    #[arg(long, value_name = "FILE")]
    pub feed: PathBuf,
    /// The feed's format, when its file name does not tell.
    #[arg(long, value_enum)]
    pub format: Option<FeedFormat>,
    /// Delivery events (JSON Lines, or CSV by extension): sent, delivered, failed, opened.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// The evaluation time, RFC 3339 (default: the current time).
    #[arg(long, value_name = "TIME", value_parser = super::parse_time)]
    pub now: Option<DateTime<Utc>>,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Policies: .rem files, folders of them, or plans compiled with `rem compile` (.json).
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    #[command(flatten)]
    pub input: FeedArgs,
    /// With `--mode due`: only actions after this time, RFC 3339.
    #[arg(long, value_name = "TIME", value_parser = super::parse_time)]
    pub since: Option<DateTime<Utc>>,
    /// forecast: every planned action; due: the actions to send now, in (since, now].
    #[arg(long, value_enum, default_value_t = ModeArg::Forecast)]
    pub mode: ModeArg,
    /// The format of the actions written.
    #[arg(long, value_enum, default_value_t = OutputArg::Jsonl)]
    pub output: OutputArg,
    /// Write the actions to this file instead of standard output.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Where rejected rows go (default: beside the output, or beside the feed).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Also write a line for every message not sent, with the reason.
    #[arg(long)]
    pub explain: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FeedFormat {
    Csv,
    Jsonl,
    Fhir,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    Forecast,
    Due,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputArg {
    Jsonl,
    Csv,
}

/// Reads plans and compiles `.rem` files into one plan; prints diagnostics on failure.
pub fn load_plan(paths: &[PathBuf]) -> Result<(Plan, Option<Program>), u8> {
    let (json, rem): (Vec<&PathBuf>, Vec<&PathBuf>) = paths
        .iter()
        .partition(|p| p.extension().is_some_and(|e| e == "json"));
    let mut policies = Vec::new();
    for path in json {
        let text = super::read_text(path).map_err(|message| {
            eprintln!("error: {message}");
            UNUSABLE
        })?;
        let plan: Plan = serde_json::from_str(&text).map_err(|e| {
            eprintln!("error: {} is not a rem plan: {e}", path.display());
            UNUSABLE
        })?;
        if plan.format != rem::plan::FORMAT {
            eprintln!(
                "error: {} is not a rem plan (format `{}`)",
                path.display(),
                plan.format
            );
            return Err(UNUSABLE);
        }
        policies.extend(plan.policies);
    }
    let mut program = None;
    if !rem.is_empty() {
        let owned: Vec<PathBuf> = rem.into_iter().cloned().collect();
        let files = policy_files(&owned).map_err(|message| {
            eprintln!("error: {message}");
            UNUSABLE
        })?;
        let (loaded, checked) = load_and_check(&files);
        if checked.has_errors() || checked.diagnostics.iter().any(|d| d.file.is_none()) {
            print_diagnostics(&checked.diagnostics, &loaded, super::Format::Human);
            return Err(FAILED);
        }
        print_diagnostics(&checked.diagnostics, &loaded, super::Format::Human);
        policies.extend(checked.plan.policies);
        program = Some(loaded);
    }
    Ok((Plan::new(policies), program))
}

pub fn feed_format(path: &Path, given: Option<FeedFormat>) -> Result<Format, String> {
    match given {
        Some(FeedFormat::Csv) => Ok(Format::Csv),
        Some(FeedFormat::Jsonl) => Ok(Format::Jsonl),
        Some(FeedFormat::Fhir) => Ok(Format::Fhir),
        None => Format::from_path(&path.to_string_lossy()).ok_or_else(|| {
            format!(
                "cannot tell the format of {} from its name; give --format csv, jsonl or fhir",
                path.display()
            )
        }),
    }
}

/// Calls `each` for every row of the feed, in order: a booking, or a reject.
pub fn for_each_row(
    path: &Path,
    format: Format,
    mut each: impl FnMut(Location, Result<&Booking<'_>, &Reject>) -> bool,
) -> Result<(), FeedError> {
    let open = || {
        File::open(path)
            .map(|f| BufReader::with_capacity(1 << 20, f))
            .map_err(|e| FeedError::Io(e.to_string()))
    };
    match format {
        Format::Csv => {
            let mut feed = CsvFeed::new(open()?)?;
            while let Some(row) = feed.next_row() {
                let (location, row) = row?;
                if !each(location, row.as_ref()) {
                    break;
                }
            }
        }
        Format::Jsonl => {
            let mut feed = JsonlFeed::new(open()?);
            while let Some(row) = feed.next_row() {
                let (location, row) = row?;
                if !each(location, row.as_ref()) {
                    break;
                }
            }
        }
        Format::Fhir => {
            let text = std::fs::read_to_string(path).map_err(|e| FeedError::Io(e.to_string()))?;
            for (location, row) in feed::fhir::read_bundle(&text)? {
                if !each(location, row.as_ref()) {
                    break;
                }
            }
        }
    }
    Ok(())
}

pub fn load_events(
    path: Option<&Path>,
    tally: &mut Tally,
) -> Result<(EventIndex, Vec<Reject>), u8> {
    let Some(path) = path else {
        return Ok((EventIndex::default(), Vec::new()));
    };
    let text = super::read_text(path).map_err(|message| {
        eprintln!("error: {message}");
        UNUSABLE
    })?;
    let csv = path.extension().is_some_and(|e| e == "csv");
    let (index, rejects) = events::read(&text, csv);
    tally.event_rows_read = (index.len() + rejects.len()) as u64;
    tally.event_rows_rejected = rejects.len() as u64;
    Ok((index, rejects))
}

pub fn run(args: &EvalArgs) -> u8 {
    match eval(args) {
        Ok(status) | Err(status) => status,
    }
}

fn eval(args: &EvalArgs) -> Result<u8, u8> {
    let (plan, _) = load_plan(&args.policies)?;
    let engine = Engine::new(plan).map_err(|e| {
        super::report_error(e);
        UNUSABLE
    })?;
    let format = feed_format(&args.input.feed, args.input.format).map_err(|message| {
        eprintln!("error: {message}");
        UNUSABLE
    })?;
    let mut tally = Tally::default();
    let (events, event_rejects) = load_events(args.input.events.as_deref(), &mut tally)?;
    let options = Options {
        now: super::now_or_clock(args.input.now),
        since: args.since,
        mode: match args.mode {
            ModeArg::Forecast => Mode::Forecast,
            ModeArg::Due => Mode::Due,
        },
    };
    let output_format = match args.output {
        OutputArg::Jsonl => OutputFormat::Jsonl,
        OutputArg::Csv => OutputFormat::Csv,
    };

    let out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(BufWriter::with_capacity(
            1 << 20,
            File::create(path).map_err(|e| cannot_write(path, &e))?,
        )),
        None => Box::new(BufWriter::with_capacity(1 << 20, std::io::stdout().lock())),
    };
    let mut writer =
        ActionWriter::new(out, output_format, args.explain).map_err(|e| io_failed(&e))?;
    let rejects_path = args.rejects.clone().unwrap_or_else(|| {
        let beside = args.out.as_ref().unwrap_or(&args.input.feed);
        let stem = beside
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let stem = stem.split('.').next().unwrap_or("rem").to_string();
        beside.with_file_name(format!("{stem}.rejects.csv"))
    });
    // The rejects file is written only when there is something to say.
    let mut rejects: Option<RejectWriter<BufWriter<File>>> = None;
    let mut write_reject = |input: &str, reject: &Reject| -> Result<(), u8> {
        if rejects.is_none() {
            let file = File::create(&rejects_path).map_err(|e| cannot_write(&rejects_path, &e))?;
            rejects = Some(RejectWriter::new(BufWriter::new(file)).map_err(|e| io_failed(&e))?);
        }
        match &mut rejects {
            Some(w) => w.write(input, reject).map_err(|e| io_failed(&e)),
            None => Ok(()),
        }
    };
    let events_name = args
        .input
        .events
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    for reject in &event_rejects {
        write_reject(&events_name, reject)?;
    }

    let feed_name = args.input.feed.display().to_string();
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut failure: Option<u8> = None;
    let read = for_each_row(&args.input.feed, format, |_, row| {
        match row {
            Ok(booking) => {
                outcomes.clear();
                engine.evaluate(booking, &events, &options, &mut outcomes);
                tally.count_booking(&outcomes);
                for outcome in &outcomes {
                    if let Err(e) = writer.write(&engine, booking, outcome) {
                        failure = Some(io_failed(&e));
                        return false;
                    }
                }
            }
            Err(reject) => {
                tally.count_reject();
                if let Err(status) = write_reject(&feed_name, reject) {
                    failure = Some(status);
                    return false;
                }
            }
        }
        true
    });
    if let Err(error) = read {
        eprintln!("error in {}:", args.input.feed.display());
        super::report_error(error);
        return Err(UNUSABLE);
    }
    if let Some(status) = failure {
        return Err(status);
    }
    writer.finish().map_err(|e| io_failed(&e))?;
    if let Some(w) = rejects {
        w.finish().map_err(|e| io_failed(&e))?;
    }
    eprint!("{}", summary(&engine, &tally, &rejects_path));
    Ok(
        if tally.rows_rejected > 0 || tally.event_rows_rejected > 0 {
            REJECTED
        } else {
            OK
        },
    )
}

fn cannot_write(path: &Path, error: &std::io::Error) -> u8 {
    eprintln!("error: cannot write {}: {error}", path.display());
    UNUSABLE
}

fn io_failed(error: &std::io::Error) -> u8 {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return OK;
    }
    eprintln!("error: cannot write the output: {error}");
    UNUSABLE
}

/// The run summary for stderr: counts only, never personal data.
pub fn summary(engine: &Engine, tally: &Tally, rejects_path: &Path) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "rows read: {} ({} evaluated, {} rejected)",
        tally.rows_read, tally.bookings_evaluated, tally.rows_rejected
    );
    let _ = writeln!(s, "bookings in scope: {}", tally.bookings_in_scope);
    let _ = writeln!(
        s,
        "actions: {} ({} conditional)",
        tally.actions, tally.conditional
    );
    for (channel, count) in &tally.actions_by_channel {
        let _ = writeln!(s, "  via {channel}: {count}");
    }
    for ((policy, message), count) in &tally.actions_by_message {
        let policy = &engine.plan().policies[*policy];
        let _ = writeln!(
            s,
            "  {} / {}: {count}",
            policy.name, policy.messages[*message].name
        );
    }
    let skips = tally.skips_by_reason(engine);
    let skipped: u64 = skips.values().sum();
    let _ = writeln!(s, "not sent: {skipped}");
    for (reason, count) in &skips {
        let _ = writeln!(s, "  {reason}: {count}");
    }
    if tally.event_rows_read > 0 {
        let _ = writeln!(
            s,
            "event rows read: {} ({} rejected)",
            tally.event_rows_read, tally.event_rows_rejected
        );
    }
    if tally.rows_rejected + tally.event_rows_rejected > 0 {
        let _ = writeln!(s, "rejected rows are listed in {}", rejects_path.display());
    }
    s
}
