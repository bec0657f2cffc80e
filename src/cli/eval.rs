//! `rem eval`: policies × booking feed × events → actions, rejects and a summary.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use rem::booking::Booking;
use rem::engine::{Engine, Mode, Options, Outcome as Evaluated};
use rem::events::EventIndex;
use rem::feed::services::Services;
use rem::feed::{Problem, Reject};
use rem::output::{ActionWriter, OutputFormat, RejectWriter, Tally};
use rem::recalls::Booked;
use rem::wasm::host::{BookingError, Host, Limits};

use super::exit::{Exit, Failure, Outcome};
use rem::feed::rules::FeedRules;
use rem::feed::{FeedError, Format};

use super::inputs::{
    FeedArgs, FeedReport, Held, Source, for_each_row_and_warning, load_events, load_plan,
};
use super::parallel;
use super::write::{Named, Output, WriteError, refuse_overwriting_inputs, say_text};

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Policies: .rem files, folders of them, plans compiled with `rem compile` (.json), or a
    /// module built with `rem build --target wasm` (.wasm).
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
    #[command(flatten)]
    pub backend: BackendArgs,
    /// How many threads evaluate the feed (default: every core). A CSV or JSON Lines feed
    /// evaluated by the native engine is cut into chunks evaluated side by side; the output is
    /// byte for byte that of one thread. FHIR, `--services` and the wasm backend use one.
    #[arg(long, value_name = "N")]
    pub threads: Option<std::num::NonZeroUsize>,
}

/// Which engine evaluates the bookings.
#[derive(clap::Args)]
pub struct BackendArgs {
    /// native: the engine in rem; wasm: the policies compiled to WebAssembly, run in wasmtime;
    /// auto: wasm when the policies are one module (.wasm), else native.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,
    /// With the wasm backend: the longest a booking may take, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub wasm_time_limit: u64,
    /// With the wasm backend: count fuel (about one instruction a unit) and let a booking use
    /// at most this much. Deterministic where the time limit is not, but slower.
    #[arg(long, value_name = "UNITS")]
    pub wasm_fuel: Option<u64>,
    /// With the wasm backend: the most memory the module may have, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().memory >> 20)]
    pub wasm_memory: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    Auto,
    Native,
    Wasm,
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

pub fn run(args: &EvalArgs) -> Outcome {
    let mut loaded = load_plan(&args.policies)?;
    let module = loaded.module.take();
    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| default_rejects_path(args));
    refuse_outputs_over_inputs(args, &loaded, &rejects_path)?;
    let engine = Engine::new(loaded.plan).map_err(Failure::report_of)?;
    let backend = Backend::new(&args.backend, &engine, module)?;
    let source = args.input.source()?;
    let options = Options {
        now: super::now_or_clock(args.input.now),
        since: args.since,
        mode: match args.mode {
            ModeArg::Forecast => Mode::Forecast,
            ModeArg::Due => Mode::Due,
        },
    };
    let (events, event_rejects) = load_events(args.input.events.as_deref(), options.now)?;
    let mut run = Run {
        engine: &engine,
        backend,
        events: &events,
        options,
        tally: Tally::default(),
        rejects: Rejects {
            path: rejects_path,
            writer: None,
            count: 0,
            warnings: 0,
        },
    };
    run.tally.event_rows_read = (events.len() + event_rejects.len()) as u64;
    run.tally.event_rows_rejected = event_rejects.len() as u64;
    if let Some(events_path) = &args.input.events {
        let name = events_path.display().to_string();
        for reject in &event_rejects {
            run.rejects.write(&name, reject)?;
        }
    }
    run.evaluate(args, &source)
}

/// Refuses `-o` and the rejects file where they name an input or each other.
fn refuse_outputs_over_inputs(
    args: &EvalArgs,
    loaded: &super::inputs::Loaded,
    rejects_path: &Path,
) -> Result<(), Failure> {
    let mut inputs = args.input.named();
    inputs.extend(loaded.named());
    let mut outputs = Vec::new();
    if let Some(out) = &args.out {
        outputs.push(Named {
            role: "-o",
            path: out,
        });
    }
    outputs.push(Named {
        role: if args.rejects.is_some() {
            "--rejects"
        } else {
            "the rejects file"
        },
        path: rejects_path,
    });
    refuse_overwriting_inputs(&inputs, &outputs).map_err(Failure::Message)
}

/// One evaluation of a feed: what it reads, and what it counts and rejects.
struct Run<'e> {
    engine: &'e Engine,
    backend: Backend,
    events: &'e rem::events::EventIndex,
    options: Options,
    tally: Tally,
    rejects: Rejects,
}

impl Run<'_> {
    /// Evaluates the feed on one thread or, where it can be cut into chunks, on several.
    fn evaluate(self, args: &EvalArgs, source: &Source) -> Outcome {
        match self.threads(args, source) {
            Some(threads) => self.evaluate_in_chunks(args, source, threads),
            None => self.evaluate_feed(args, source),
        }
    }

    /// How many threads evaluate the feed in chunks, where it can be cut into chunks and the
    /// engine is rem's own; `None` where it is read row by row. One thread reads in chunks
    /// too: the ids of a chunk are remembered together, faster than one by one.
    fn threads(&self, args: &EvalArgs, source: &Source) -> Option<usize> {
        let wanted = args.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            std::num::NonZeroUsize::get,
        );
        let chunked = matches!(source.format, Format::Csv | Format::Jsonl)
            && source.paths.len() == 1
            && matches!(self.backend, Backend::Native)
            && args.input.services.is_none();
        chunked.then_some(wanted)
    }

    /// Evaluates a CSV or JSON Lines feed in chunks on `threads` threads (`cli::parallel`).
    fn evaluate_in_chunks(mut self, args: &EvalArgs, source: &Source, threads: usize) -> Outcome {
        let (mut writer, out_name, output_format) = open_output(args)?;
        let write_failed = |e| WriteError::new(out_name.as_str(), e);
        let feed_name = source.name();
        let unreadable = |e: FeedError| Failure::about(source.name(), e);
        let path = source.paths.first().map_or(Path::new(""), PathBuf::as_path);
        let input = std::fs::File::open(path)
            .map(|f| std::io::BufReader::with_capacity(1 << 20, f))
            .map_err(|e| unreadable(FeedError::Io(e.to_string())))?;
        let rows = parallel::Rows::open(source.format, input).map_err(unreadable)?;
        let options = self.options;
        let shared = parallel::Shared {
            buffers: std::sync::Mutex::new(Vec::new()),
            engine: self.engine,
            events: self.events,
            options: &options,
            explain: args.explain,
            output: output_format,
            format: source.format,
            read: &source.options,
        };
        let mut rules = FeedRules::default();
        let mut held = Held::default();
        let evaluated = parallel::evaluate(&shared, threads, rows, &mut rules, &mut held, |part| {
            writer.write_lines(&part.out).map_err(write_failed)?;
            for reject in &part.rejects {
                self.rejects.write(&feed_name, reject)?;
            }
            self.tally.merge(&part.tally);
            Ok::<(), WriteError>(())
        });
        match evaluated {
            Ok(()) => {}
            Err(parallel::Stop::Feed(error)) => return Err(unreadable(error)),
            Err(parallel::Stop::Take(error)) => return Err(error.into()),
        }
        // The group bookings held to the end, each with its group's flag.
        let mut outcomes = Vec::new();
        let mut failure = None;
        held.replay(&rules, &mut |_, row| {
            let Ok(booking) = row else { return true };
            let written = parallel::evaluate_booking(
                &shared,
                booking,
                &mut outcomes,
                &mut writer,
                &mut self.tally,
            );
            written.map_err(|e| failure = Some(e)).is_ok()
        })
        .map_err(unreadable)?;
        if let Some(error) = failure {
            return Err(write_failed(error).into());
        }
        let report = FeedReport {
            conflicts: rules.conflicts(),
            fhir: Default::default(),
        };
        self.finish(writer, &out_name, &report)
    }

    /// Streams the feed through the engine into the output; the files are moved into place
    /// only when every row is done.
    fn evaluate_feed(mut self, args: &EvalArgs, source: &Source) -> Outcome {
        let (mut writer, out_name, _) = open_output(args)?;
        let write_failed = |e| WriteError::new(out_name.as_str(), e);
        let feed_name = source.name();
        let mut outcomes: Vec<Evaluated> = Vec::new();
        // The rows and the warnings both write to the rejects file.
        let failure: RefCell<Option<WriteError>> = RefCell::new(None);
        let rejects = RefCell::new(&mut self.rejects);
        let services = args.input.load_services()?;
        let mut booked = Booked::new(self.engine);
        let warn = |_, warning: &Reject| {
            let written = rejects.borrow_mut().write(&feed_name, warning);
            written.map_err(|e| *failure.borrow_mut() = Some(e)).is_ok()
        };
        let read = for_each_row_and_warning(
            source,
            |location, row| {
                let written = match row {
                    Ok(booking) => {
                        if services.is_some() {
                            booked.note(booking);
                        }
                        outcomes.clear();
                        match self.backend.evaluate(
                            self.engine,
                            booking,
                            self.events,
                            &self.options,
                            &mut outcomes,
                        ) {
                            Ok(()) => {
                                self.tally.count_booking(&outcomes);
                                outcomes
                                    .iter()
                                    .try_for_each(|outcome| {
                                        writer.write(self.engine, booking, outcome)
                                    })
                                    .map_err(write_failed)
                            }
                            Err(problem) => {
                                self.tally.count_reject();
                                let id = Some(booking.id.to_string());
                                let reject = Reject::line(location, problem);
                                let reject = Reject {
                                    booking_id: id,
                                    ..reject
                                };
                                rejects.borrow_mut().write(&feed_name, &reject)
                            }
                        }
                    }
                    // A row left out (entered in error) is counted, not listed.
                    Err(reject) if self.tally.count_unevaluated(reject.problem) => {
                        rejects.borrow_mut().write(&feed_name, reject)
                    }
                    Err(_) => Ok(()),
                };
                written.map_err(|e| *failure.borrow_mut() = Some(e)).is_ok()
            },
            warn,
        );
        let report = read.map_err(|e| Failure::about(source.name(), e))?;
        if let Some(error) = failure.into_inner() {
            return Err(error.into());
        }
        if let (Some(services), Some(path)) = (services, &args.input.services) {
            self.evaluate_recalls(services, &booked, path, &mut writer)
                .map_err(|e| e.into_write_error(&out_name))?;
        }
        self.finish(writer, &out_name, &report)
    }

    /// Moves the output and the rejects file into place, each complete before either moves,
    /// and says the summary.
    fn finish(
        mut self,
        writer: ActionWriter<Output>,
        out_name: &str,
        report: &FeedReport,
    ) -> Outcome {
        let out = writer.finish().map_err(|e| WriteError::new(out_name, e))?;
        let rejects_output = self.rejects.flush()?;
        out.finish()?;
        Rejects::commit(&self.rejects.path, rejects_output)?;
        super::inputs::warn_group_conflicts(&report.conflicts);
        super::inputs::warn_pages_missing(&report.fhir);
        self.tally.repeated = report.fhir.repeated;
        self.tally.warnings = self.rejects.warnings;
        say_text(&summary(
            self.engine,
            &self.tally,
            &self.rejects.path,
            report.conflicts.len(),
        ));
        Ok(if self.rejects.count > 0 {
            Exit::Rejected
        } else {
            Exit::Ok
        })
    }
}

/// The actions' output (`-o` or standard output), its name for messages, and its format.
fn open_output(args: &EvalArgs) -> Result<(ActionWriter<Output>, String, OutputFormat), Failure> {
    let format = match args.output {
        OutputArg::Jsonl => OutputFormat::Jsonl,
        OutputArg::Csv => OutputFormat::Csv,
    };
    let out = Output::to(args.out.as_deref())?;
    let name = out.name().to_string();
    let writer = ActionWriter::new(out, format, args.explain)
        .map_err(|e| WriteError::new(name.as_str(), e))?;
    Ok((writer, name, format))
}

/// Why evaluating the recalls stopped: the output or the rejects file could not be written.
enum RecallError {
    Write(std::io::Error),
    Rejects(WriteError),
}

impl RecallError {
    fn into_write_error(self, output: &str) -> WriteError {
        match self {
            RecallError::Write(e) => WriteError::new(output, e),
            RecallError::Rejects(e) => e,
        }
    }
}

impl Run<'_> {
    /// Evaluates the services feed's recall records after the bookings, each marked booked when
    /// the booking feed had a visit for it (R8).
    fn evaluate_recalls(
        &mut self,
        services: Services,
        booked: &Booked,
        path: &Path,
        writer: &mut ActionWriter<Output>,
    ) -> Result<(), RecallError> {
        let name = path.display().to_string();
        self.tally.superseded += services.superseded;
        self.tally.service_rows_read += services.rows();
        for reject in &services.rejects {
            self.tally.service_rows_rejected += 1;
            self.rejects
                .write(&name, reject)
                .map_err(RecallError::Rejects)?;
        }
        let mut outcomes = Vec::new();
        for (n, mut record) in services.records.into_iter().enumerate() {
            booked.mark(self.engine, &mut record);
            outcomes.clear();
            match self.backend.evaluate(
                self.engine,
                &record,
                self.events,
                &self.options,
                &mut outcomes,
            ) {
                Ok(()) => {
                    self.tally.count_recall(&outcomes);
                    for outcome in &outcomes {
                        writer
                            .write(self.engine, &record, outcome)
                            .map_err(RecallError::Write)?;
                    }
                }
                Err(problem) => {
                    self.tally.service_rows_rejected += 1;
                    let reject = Reject {
                        location: rem::feed::Location::Entry(n),
                        booking_id: None,
                        field: None,
                        problem,
                        severity: Default::default(),
                        input: None,
                    };
                    self.rejects
                        .write(&name, &reject)
                        .map_err(RecallError::Rejects)?;
                }
            }
        }
        Ok(())
    }
}

/// The engine that evaluates the bookings: rem's own, or a WebAssembly module in wasmtime.
enum Backend {
    Native,
    Wasm(Box<Host>),
}

impl Backend {
    /// The backend asked for; `module` is the module the policies were given as, if they were
    /// one (else the plan is built into one when wasm is asked for).
    fn new(
        args: &BackendArgs,
        engine: &Engine,
        module: Option<(String, Vec<u8>)>,
    ) -> Result<Backend, Failure> {
        let limits = Limits {
            time: std::time::Duration::from_millis(args.wasm_time_limit),
            fuel: args.wasm_fuel,
            memory: args.wasm_memory.saturating_mul(1 << 20),
        };
        let wasm = match (args.backend, module) {
            (BackendArg::Native, _) | (BackendArg::Auto, None) => return Ok(Backend::Native),
            (_, Some(module)) => module,
            (BackendArg::Wasm, None) => {
                let bytes = rem::wasm::build(engine).map_err(Failure::report_of)?;
                ("the policies built to WebAssembly".to_string(), bytes)
            }
        };
        let host = Host::new(&wasm.0, &wasm.1, limits).map_err(Failure::report_of)?;
        Ok(Backend::Wasm(Box::new(host)))
    }

    /// One booking's outcomes, or why the module could not give them.
    fn evaluate(
        &mut self,
        engine: &Engine,
        booking: &Booking<'_>,
        events: &EventIndex,
        options: &Options,
        out: &mut Vec<Evaluated>,
    ) -> Result<(), Problem> {
        match self {
            Backend::Native => {
                engine.evaluate(booking, events, options, out);
                Ok(())
            }
            Backend::Wasm(host) => host
                .evaluate(booking, events, options, out)
                .map_err(|error| match error {
                    BookingError::OutOfFuel(_) => Problem::ModuleOutOfFuel,
                    BookingError::OutOfTime(_) => Problem::ModuleOutOfTime,
                    BookingError::OutOfMemory(_) => Problem::ModuleOutOfMemory,
                    BookingError::Trap(_) | BookingError::BadOutcome(_) => Problem::ModuleFailed,
                }),
        }
    }
}

/// `NAME.rejects.csv` beside the output, or beside the feed when the output is standard output.
fn default_rejects_path(args: &EvalArgs) -> PathBuf {
    let first = args.input.first().to_path_buf();
    let beside = args.out.as_ref().unwrap_or(&first);
    let name = beside
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let stem = name.split('.').next().unwrap_or("rem").to_string();
    beside.with_file_name(format!("{stem}.rejects.csv"))
}

/// The rejects file: opened at the first reject or warning, moved into place when the run is
/// done.
struct Rejects {
    path: PathBuf,
    writer: Option<RejectWriter<Output>>,
    /// Rows rejected (the exit status is 3 when there are any).
    count: u64,
    /// Fields that cost their messages, not their rows.
    warnings: u64,
}

impl Rejects {
    fn write(&mut self, input: &str, reject: &Reject) -> Result<(), WriteError> {
        let failed = |e| WriteError::new(self.path.display().to_string(), e);
        let writer = match &mut self.writer {
            Some(writer) => writer,
            None => {
                let output = Output::file(&self.path)?;
                self.writer
                    .insert(RejectWriter::new(output).map_err(failed)?)
            }
        };
        match reject.severity {
            rem::feed::Severity::Reject => self.count += 1,
            rem::feed::Severity::Warning => self.warnings += 1,
        }
        writer
            .write(reject.input.as_deref().unwrap_or(input), reject)
            .map_err(failed)
    }

    /// Flushes the file; it is moved into place by [`Rejects::commit`].
    fn flush(&mut self) -> Result<Option<Output>, WriteError> {
        let name = self.path.display().to_string();
        self.writer
            .take()
            .map(|w| w.finish().map_err(|e| WriteError::new(name, e)))
            .transpose()
    }

    /// Moves the file into place, or, when this run rejected nothing, removes the rejects
    /// file an earlier run left, so that it is not taken for this run's.
    fn commit(path: &Path, output: Option<Output>) -> Result<(), WriteError> {
        match output {
            Some(output) => output.finish(),
            None => match std::fs::metadata(path) {
                Ok(meta) if meta.is_file() => std::fs::remove_file(path)
                    .map_err(|e| WriteError::new(path.display().to_string(), e)),
                _ => Ok(()),
            },
        }
    }
}

/// The run summary for stderr: counts only, never personal data.
pub fn summary(engine: &Engine, tally: &Tally, rejects_path: &Path, conflicts: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "rows read: {} ({} evaluated, {} rejected{})",
        tally.rows_read,
        tally.bookings_evaluated,
        tally.rows_rejected,
        if tally.left_out > 0 {
            format!(", {} left out as entered in error", tally.left_out)
        } else {
            String::new()
        }
    );
    if tally.repeated > 0 {
        let _ = writeln!(
            s,
            "appointments given again (the same on two pages), evaluated once: {}",
            tally.repeated
        );
    }
    if tally.warnings > 0 {
        let _ = writeln!(
            s,
            "fields that cannot be used (their messages are skipped, the bookings evaluated): {}",
            tally.warnings
        );
    }
    let _ = writeln!(s, "bookings in scope: {}", tally.bookings_in_scope);
    let _ = writeln!(
        s,
        "actions: {} ({} conditional)",
        tally.actions, tally.conditional
    );
    for (channel, count) in &tally.actions_by_channel() {
        let _ = writeln!(s, "  via {channel}: {count}");
    }
    for ((policy, message), count) in &tally.actions_by_message() {
        let policy = engine.policy(*policy);
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
    if tally.service_rows_read > 0 {
        let _ = writeln!(
            s,
            "service rows read: {} ({} recalls evaluated, {} replaced by a later performance, {} rejected)",
            tally.service_rows_read,
            tally.recalls_evaluated,
            tally.superseded,
            tally.service_rows_rejected
        );
    }
    if tally.event_rows_read > 0 {
        let _ = writeln!(
            s,
            "event rows read: {} ({} rejected)",
            tally.event_rows_read, tally.event_rows_rejected
        );
    }
    if conflicts > 0 {
        let _ = writeln!(
            s,
            "group bookings whose rows disagree on the reminder flag: {conflicts}"
        );
    }
    if tally.rows_rejected + tally.event_rows_rejected + tally.service_rows_rejected > 0 {
        let _ = writeln!(s, "rejected rows are listed in {}", rejects_path.display());
    } else if tally.warnings > 0 {
        let _ = writeln!(s, "the fields are listed in {}", rejects_path.display());
    }
    s
}
