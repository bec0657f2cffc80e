//! The inputs `eval`, `explain`, `diff` and `test` share: policies or plans, the booking feed,
//! the delivery events, and the evaluation time.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use rem::booking::Booking;
use rem::engine::{PlanError, PlanOverlap};
use rem::events::EventIndex;
use rem::feed::fhir::FeedConfig;
use rem::feed::rules::{Admit, FeedRules, GroupConflict};
use rem::feed::{self, Feed, FeedError, Format, Location, ReadOptions, Reject};
use rem::plan::{self, Plan};
use rem::source::Program;

use super::exit::{Exit, Failure};
use super::write::{Named, say};
use super::{compile, policy_files, print_diagnostics};

/// The inputs `eval`, `explain` and `diff` share: the bookings, the events, the time.
#[derive(clap::Args)]
pub struct FeedArgs {
    /// The booking feed: CSV, JSON Lines (.jsonl), a FHIR R4 Bundle or resource (.json), or a
    /// folder of FHIR Bulk Data NDJSON files. Give it again for more pages of a FHIR search.
    #[arg(long, value_name = "FILE", required = true)]
    pub feed: Vec<PathBuf>,
    /// How the feed's codes map to the policies' words (FHIR clinics, units, exams, phone
    /// region, identifier systems, guardians, consent): a TOML file, see docs/feed-format.md.
    #[arg(long, value_name = "FILE.toml")]
    pub feed_config: Option<PathBuf>,
    /// The feed's format, when its file name does not tell.
    #[arg(long, value_enum)]
    pub format: Option<FeedFormat>,
    /// Delivery events (JSON Lines, or CSV by extension): sent, delivered, failed, opened.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// Services performed (R8), for `recall` policies: CSV or JSON Lines (.jsonl) of
    /// patient_id, service, performed_at and the patient's details, as in docs/feed-format.md.
    #[arg(long, value_name = "FILE")]
    pub services: Option<PathBuf>,
    /// The evaluation time, RFC 3339 (default: the current time).
    #[arg(long, value_name = "TIME", value_parser = super::parse_time)]
    pub now: Option<DateTime<Utc>>,
}

impl FeedArgs {
    /// The services feed (`--services`), read whole, if one was given.
    pub fn load_services(&self) -> Result<Option<feed::services::Services>, Failure> {
        self.services.as_deref().map(load_services).transpose()
    }

    /// Refuses `--services` for a command about the booking feed's bookings alone, rather than
    /// leave the recalls out without a word.
    pub fn bookings_only(&self, command: &str) -> Result<(), Failure> {
        match self.services {
            Some(_) => Err(Failure::message(format!(
                "`rem {command}` looks at the booking feed's bookings, not at recalls: leave out `--services` (`rem due --services` lists the recalls due, `rem eval --services` their messages)"
            ))),
            None => Ok(()),
        }
    }

    /// The files read, for refusing outputs that would overwrite them.
    pub fn named(&self) -> Vec<Named<'_>> {
        let mut named: Vec<Named<'_>> = self
            .feed
            .iter()
            .map(|path| Named {
                role: "booking feed (--feed)",
                path,
            })
            .collect();
        if let Some(config) = &self.feed_config {
            named.push(Named {
                role: "feed configuration (--feed-config)",
                path: config,
            });
        }
        if let Some(events) = &self.events {
            named.push(Named {
                role: "event feed (--events)",
                path: events,
            });
        }
        if let Some(services) = &self.services {
            named.push(Named {
                role: "services feed (--services)",
                path: services,
            });
        }
        named
    }
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FeedFormat {
    Csv,
    Jsonl,
    Fhir,
}

/// Policies ready to run, and where they came from.
pub struct Loaded {
    pub plan: Plan,
    /// The compiled `.rem` files, when any were given (for snippets in explanations).
    pub program: Option<Program>,
    /// Every file read: plans, policies and the files they `use`.
    pub files: Vec<PathBuf>,
    /// The WebAssembly module, when the policies are one module (`rem build --target wasm`):
    /// its name and bytes.
    pub module: Option<(String, Vec<u8>)>,
}

impl Loaded {
    pub fn named(&self) -> Vec<Named<'_>> {
        self.files
            .iter()
            .map(|path| Named {
                role: "policy input",
                path,
            })
            .collect()
    }
}

/// What every plan file starts with, read before the rest so that a plan of another version
/// is refused as such, not as a list of fields this version does not know.
#[derive(Deserialize)]
struct PlanHeader {
    format: Option<String>,
    format_version: Option<u32>,
}

/// Reads plans and compiles `.rem` files into one plan; prints diagnostics on failure.
///
/// A policy given twice (a plan and its own source, say) is refused, and so are policies from
/// different inputs that would send the same message to the same person: compiling them
/// separately bypassed the checker's overlap check.
pub fn load_plan(paths: &[PathBuf]) -> Result<Loaded, Failure> {
    let has = |p: &PathBuf, extension: &str| p.extension().is_some_and(|e| e == extension);
    let (wasm, rest): (Vec<&PathBuf>, Vec<&PathBuf>) = paths.iter().partition(|p| has(p, "wasm"));
    let (json, rem): (Vec<&PathBuf>, Vec<&PathBuf>) =
        rest.into_iter().partition(|p| has(p, "json"));
    // Each policy and the input it came from.
    let mut policies: Vec<(plan::Policy, String)> = Vec::new();
    let mut files = Vec::new();
    let mut modules = read_modules(&wasm, &mut policies, &mut files)?;
    for path in json {
        let text = super::read_text(path).map_err(Failure::Message)?;
        files.push(path.clone());
        let not_a_plan =
            |why: String| Failure::message(format!("{} is not a rem plan: {why}", path.display()));
        let header: PlanHeader =
            serde_json::from_str(&text).map_err(|e| not_a_plan(e.to_string()))?;
        if header.format.as_deref() != Some(plan::FORMAT) {
            return Err(not_a_plan(format!(
                "its `format` is not `{}`",
                plan::FORMAT
            )));
        }
        if header.format_version != Some(plan::FORMAT_VERSION) {
            return Err(Failure::about(
                path.display(),
                PlanError::Version {
                    found: header.format_version.unwrap_or_default(),
                    expected: plan::FORMAT_VERSION,
                },
            ));
        }
        let plan: Plan = serde_json::from_str(&text).map_err(|e| not_a_plan(e.to_string()))?;
        let input = path.display().to_string();
        policies.extend(plan.policies.into_iter().map(|p| (p, input.clone())));
    }
    let mut program = None;
    if !rem.is_empty() {
        let owned: Vec<PathBuf> = rem.into_iter().cloned().collect();
        let found = policy_files(&owned).map_err(Failure::Message)?;
        let checked = compile(&found);
        print_diagnostics(&checked, super::Format::Human)?;
        if checked.has_errors() || checked.unreadable() {
            return Err(Failure::Reported(Exit::Failed));
        }
        let loaded = checked.program;
        files.extend(loaded.files.iter().map(|f| PathBuf::from(&f.path)));
        for policy in checked.plan.policies {
            let input = policy.source.file.clone();
            policies.push((policy, input));
        }
        program = Some(loaded);
    }
    refuse_doubles(&policies)?;
    // A module is used as it is only when it is all the policies there are.
    let module = match (modules.len(), program.is_some() || files.len() > 1) {
        (1, false) => modules.pop(),
        _ => None,
    };
    Ok(Loaded {
        plan: Plan::new(policies.into_iter().map(|(p, _)| p).collect()),
        program,
        files,
        module,
    })
}

/// Reads policy modules (`rem build --target wasm`): their plans' policies, and their bytes.
fn read_modules(
    paths: &[&PathBuf],
    policies: &mut Vec<(plan::Policy, String)>,
    files: &mut Vec<PathBuf>,
) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let mut modules = Vec::new();
    for &path in paths {
        let bytes = super::read::module_file(path).map_err(Failure::Message)?;
        let plan = rem::wasm::plan_of(&bytes).ok_or_else(|| {
            Failure::message(format!(
                "{} is not a rem policy module: it carries no plan (build it with `rem build --target wasm`)",
                path.display()
            ))
        })?;
        if plan.format_version != plan::FORMAT_VERSION {
            return Err(Failure::about(
                path.display(),
                PlanError::Version {
                    found: plan.format_version,
                    expected: plan::FORMAT_VERSION,
                },
            ));
        }
        files.push(path.clone());
        let input = path.display().to_string();
        policies.extend(plan.policies.into_iter().map(|p| (p, input.clone())));
        modules.push((input, bytes));
    }
    Ok(modules)
}

/// Refuses a policy given twice, and overlapping policies from inputs checked apart.
fn refuse_doubles(policies: &[(plan::Policy, String)]) -> Result<(), Failure> {
    for (j, (later, second)) in policies.iter().enumerate() {
        if let Some((_, first)) = policies[..j].iter().find(|(p, _)| p.name == later.name) {
            return Err(Failure::report_of(PlanError::Twice {
                policy: later.name.clone(),
                first: first.clone(),
                second: second.clone(),
            }));
        }
    }
    let plans: Vec<&plan::Policy> = policies.iter().map(|(p, _)| p).collect();
    // The checker already compared policies compiled together; here only inputs checked
    // apart are compared: two plans, or a plan and .rem files.
    let apart = |i: usize, j: usize| {
        let json = |input: &str| input.ends_with(".json") || input.ends_with(".wasm");
        policies[i].1 != policies[j].1 && (json(&policies[i].1) || json(&policies[j].1))
    };
    if let Some(clash) = rem::check::clashes(&plans)
        .into_iter()
        .find(|c| apart(c.earlier, c.later))
    {
        let (earlier, earlier_input) = &policies[clash.earlier];
        let (later, later_input) = &policies[clash.later];
        let message = &later.messages[clash.later_message];
        return Err(Failure::report_of(PlanError::Overlap(Box::new(
            PlanOverlap {
                earlier: earlier.name.clone(),
                earlier_input: earlier_input.clone(),
                later: later.name.clone(),
                later_input: later_input.clone(),
                kind: message.kind.as_str().to_string(),
                channel: message.channel.as_str().to_string(),
                recipient: clash.recipient.as_str().to_string(),
            },
        ))));
    }
    Ok(())
}

impl FeedArgs {
    /// The first feed file, for naming files beside it.
    pub fn first(&self) -> &Path {
        self.feed
            .first()
            .map_or(Path::new("feed"), PathBuf::as_path)
    }

    /// The feed to read: its files, format and configuration.
    pub fn source(&self) -> Result<Source, Failure> {
        let options = ReadOptions {
            config: match &self.feed_config {
                Some(path) => read_feed_config(path)?,
                None => FeedConfig::default(),
            },
            now: super::now_or_clock(self.now),
        };
        let format = if self.feed.len() > 1 || self.feed.iter().any(|p| p.is_dir()) {
            if !matches!(self.format, None | Some(FeedFormat::Fhir)) {
                return Err(Failure::Message(
                    "several feed files, or a folder, are read only as FHIR (the pages of a search, a bulk export); give one CSV or JSON Lines file".to_string(),
                ));
            }
            Format::Fhir
        } else {
            feed_format(self.first(), self.format).map_err(Failure::Message)?
        };
        Ok(Source {
            paths: self.feed.clone(),
            format,
            options,
        })
    }
}

/// Reads the feed configuration, reporting a mistake at its line.
fn read_feed_config(path: &Path) -> Result<FeedConfig, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Message(format!("cannot read {}: {e}", path.display())))?;
    FeedConfig::from_toml(&path.display().to_string(), &text).map_err(Failure::report_of)
}

/// A booking feed to read: one file or, for FHIR, several files and folders.
pub struct Source {
    pub paths: Vec<PathBuf>,
    pub format: Format,
    pub options: ReadOptions,
}

impl Source {
    /// One file, with the default configuration.
    pub fn single(path: &Path, format: Format, now: DateTime<Utc>) -> Source {
        Source {
            paths: vec![path.to_path_buf()],
            format,
            options: ReadOptions::at(now),
        }
    }

    /// The feed's name in messages and the rejects file.
    pub fn name(&self) -> String {
        let names: Vec<String> = self.paths.iter().map(|p| p.display().to_string()).collect();
        names.join(", ")
    }
}

/// What reading a feed found beyond its rows.
#[derive(Default)]
pub struct FeedReport {
    /// Group bookings whose rows disagree on the reminder flag.
    pub conflicts: Vec<GroupConflict>,
    /// FHIR: appointments repeated across pages, and pages not given.
    pub fhir: rem::feed::fhir::Report,
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

/// Calls `each` for every row of the feed: a booking, or a reject; `each` returns false to
/// stop. The feed's whole-feed rules apply (`rem::feed::rules`): a booking id used twice is a
/// reject, and the rows of group bookings come last, each with its group's reminder flag.
/// Those rows wait in an anonymous temporary file, not in memory. Returns the groups whose rows
/// disagreed on the flag.
pub fn for_each_row(
    source: &Source,
    each: impl FnMut(Location, Result<&Booking<'_>, &Reject>) -> bool,
) -> Result<FeedReport, FeedError> {
    for_each_row_and_warning(source, each, |_, _| true)
}

/// [`for_each_row`], and `warn` for every field that cost its messages, not its row (a
/// mobile number that cannot be made E.164, an unusable e-mail address): a reject of severity
/// `warning`, given before its booking.
pub fn for_each_row_and_warning(
    source: &Source,
    mut each: impl FnMut(Location, Result<&Booking<'_>, &Reject>) -> bool,
    mut warn: impl FnMut(Location, &Reject) -> bool,
) -> Result<FeedReport, FeedError> {
    let mut rules = FeedRules::default();
    let mut held = Held::default();
    // The FHIR reader says its warnings itself, each with its input file.
    let own_warnings = source.format != Format::Fhir;
    let mut visit = |location: Location, row: Result<&Booking<'_>, &Reject>| match row {
        Err(reject) if reject.severity == feed::Severity::Warning => warn(location, reject),
        Ok(booking) => {
            if own_warnings {
                for warning in feed::warnings(location, booking) {
                    if !warn(location, &warning) {
                        return false;
                    }
                }
            }
            admit(&mut rules, &mut held, &mut each, location, booking)
        }
        Err(reject) => each(location, Err(reject)),
    };
    let (fhir, finished) = read_rows(source, &mut visit)?;
    if let Some(error) = held.error.take() {
        return Err(FeedError::Io(format!(
            "cannot hold the rows of group bookings in a temporary file: {error}"
        )));
    }
    if !finished {
        return Ok(FeedReport::default());
    }
    held.replay(&rules, &mut each)?;
    Ok(FeedReport {
        conflicts: rules.conflicts(),
        fhir,
    })
}

/// A booking by the feed's whole-feed rules: evaluated now, held back (a group's), or
/// rejected (an id used before).
fn admit(
    rules: &mut FeedRules,
    held: &mut Held,
    each: &mut impl FnMut(Location, Result<&Booking<'_>, &Reject>) -> bool,
    location: Location,
    booking: &Booking<'_>,
) -> bool {
    match rules.admit(location, booking) {
        Admit::Now => each(location, Ok(booking)),
        Admit::Hold => match held.push(location, booking) {
            Ok(()) => true,
            Err(error) => {
                held.error = Some(error);
                false
            }
        },
        Admit::Duplicate(reject) => each(location, Err(&reject)),
    }
}

/// Rows held back until the end of the feed, as canonical CSV in a temporary file.
#[derive(Default)]
pub(super) struct Held {
    file: Option<std::io::BufWriter<File>>,
    locations: Vec<Location>,
    line: Vec<u8>,
    error: Option<std::io::Error>,
}

impl Held {
    pub(super) fn push(
        &mut self,
        location: Location,
        booking: &Booking<'_>,
    ) -> std::io::Result<()> {
        use std::io::Write as _;
        self.line.clear();
        let file = match &mut self.file {
            Some(file) => file,
            None => {
                feed::csv::write_header(&mut self.line);
                self.file
                    .insert(std::io::BufWriter::new(tempfile::tempfile()?))
            }
        };
        feed::csv::write_booking(&mut self.line, booking);
        file.write_all(&self.line)?;
        self.locations.push(location);
        Ok(())
    }

    /// Reads the held rows back, each with its group's flag.
    pub(super) fn replay(
        self,
        rules: &FeedRules,
        each: &mut impl FnMut(Location, Result<&Booking<'_>, &Reject>) -> bool,
    ) -> Result<(), FeedError> {
        use std::io::Seek as _;
        let Some(file) = self.file else {
            return Ok(());
        };
        let io = |e: std::io::Error| FeedError::Io(format!("cannot read held rows back: {e}"));
        let mut file = file.into_inner().map_err(|e| io(e.into_error()))?;
        file.rewind().map_err(io)?;
        let mut rows = feed::csv::CsvFeed::new(BufReader::new(file))?;
        for location in self.locations {
            let Some(row) = rows.next_row() else {
                return Err(io(std::io::Error::other("fewer rows than were held")));
            };
            // The rows were valid bookings when written; read back, they are again.
            let (_, row) = row?;
            match row {
                Ok(mut booking) => {
                    booking.reminder = rules.group_flag(&booking);
                    if !each(location, Ok(&booking)) {
                        return Ok(());
                    }
                }
                Err(reject) => {
                    return Err(io(std::io::Error::other(format!(
                        "a held row no longer reads: {}",
                        reject.reason()
                    ))));
                }
            }
        }
        Ok(())
    }
}

/// Every row of the feed as it is read; false when `each` asked to stop.
fn read_rows(
    source: &Source,
    each: &mut impl FnMut(Location, Result<&Booking<'_>, &Reject>) -> bool,
) -> Result<(rem::feed::fhir::Report, bool), FeedError> {
    if source.format == Format::Fhir {
        let options = &source.options;
        return rem::feed::fhir::read(&source.paths, &options.config, options.now, each);
    }
    let path = source.paths.first().map_or(Path::new(""), PathBuf::as_path);
    let input = File::open(path)
        .map(|f| BufReader::with_capacity(1 << 20, f))
        .map_err(|e| FeedError::Io(e.to_string()))?;
    let mut feed = Feed::open(source.format, input, &source.options)?;
    while let Some(row) = feed.next_row() {
        let (location, row) = row?;
        if !each(location, row.as_ref()) {
            return Ok((Default::default(), false));
        }
    }
    Ok((Default::default(), true))
}

/// The delivery events, indexed, and the rejected event rows. Events after `now` are
/// rejected: nothing can have been reported before it happened.
pub fn load_events(
    path: Option<&Path>,
    now: DateTime<Utc>,
) -> Result<(EventIndex, Vec<Reject>), Failure> {
    let Some(path) = path else {
        return Ok((EventIndex::default(), Vec::new()));
    };
    let failed = |error: FeedError| Failure::about(path.display(), error);
    let file = File::open(path).map_err(|e| failed(FeedError::Io(e.to_string())))?;
    let csv = path.extension().is_some_and(|e| e == "csv");
    feed::events::read(BufReader::with_capacity(1 << 20, file), csv, now).map_err(failed)
}

/// Reads a services feed (`--services`), JSON Lines unless its name ends in `.csv`.
pub fn load_services(path: &Path) -> Result<feed::services::Services, Failure> {
    let failed = |error: FeedError| Failure::about(path.display(), error);
    let file = File::open(path).map_err(|e| failed(FeedError::Io(e.to_string())))?;
    let csv = path.extension().is_some_and(|e| e == "csv");
    feed::services::read(BufReader::with_capacity(1 << 20, file), csv).map_err(failed)
}

/// Says, on standard error, which bundles link to a next page that was not given: the search
/// has more results than were evaluated.
pub fn warn_pages_missing(report: &rem::feed::fhir::Report) {
    for name in &report.pages_missing {
        say!(
            "warning: {name} links to a next page of its search that was not given: give every page with --feed, or the bookings on the missing pages are not evaluated"
        );
    }
}

/// Says, on standard error, which group bookings had rows that disagreed on the flag (R17).
pub fn warn_group_conflicts(conflicts: &[GroupConflict]) {
    const SHOWN: usize = 10;
    for conflict in conflicts.iter().take(SHOWN) {
        say!(
            "warning: group booking `{}` at `{}`: {} row{} with the reminder on, {} off; a group has one flag (R17), so no member is reminded",
            conflict.group_id,
            conflict.clinic,
            conflict.on,
            if conflict.on == 1 { "" } else { "s" },
            conflict.off
        );
    }
    if conflicts.len() > SHOWN {
        say!(
            "warning: {} more group bookings whose rows disagree on the reminder flag",
            conflicts.len() - SHOWN
        );
    }
}
