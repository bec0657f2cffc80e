//! Reading the inputs: bundles (searchset pages, transactions, batches), single resources and
//! FHIR Bulk Data NDJSON files, streamed. A bundle's entries are read one at a time from the
//! file; only the index of referenced resources and a compact record of each appointment are
//! kept, and the appointments are evaluated once every input but the appointment files of a
//! bulk export has been read. Those (`Appointment*.ndjson`) are streamed last, a line at a
//! time, so a bulk export's memory is bounded by its patients.

use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rustc_hash::{FxHashMap, FxHasher};
use serde::Deserialize;

use super::appointment::Appointment;
use super::config::FeedConfig;
use super::index::Index;
use super::resource::Resource;
use crate::booking::Booking;
use crate::feed::lines::{BYTE_ORDER_MARK, Line, LineReader};
use crate::feed::{FeedError, Location, Problem, RawBooking, Reject, reject};

/// What was read beyond the rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Appointments given again (the same appointment on two pages): evaluated once.
    pub repeated: u64,
    /// Bundles whose `next` page was not among the inputs: the search has more results.
    pub pages_missing: Vec<String>,
}

/// One input file and how it is read.
struct Input {
    path: PathBuf,
    name: Arc<str>,
    ndjson: bool,
    /// A bulk export's `Appointment*.ndjson`: streamed after everything else.
    appointments: bool,
}

/// The files of the inputs: each file as given, each folder's `.ndjson`, `.jsonl` and
/// `.json` files in name order.
fn inputs(paths: &[PathBuf]) -> Result<Vec<Input>, FeedError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| FeedError::Io(format!("{}: {e}", path.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.extension()
                            .is_some_and(|e| e == "ndjson" || e == "jsonl" || e == "json")
                })
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(FeedError::Io(format!(
                    "{}: the folder has no .ndjson or .json files of FHIR resources",
                    path.display()
                )));
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files
        .into_iter()
        .map(|path| {
            let name = path.display().to_string();
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let ndjson = file_name.ends_with(".ndjson") || file_name.ends_with(".jsonl");
            Input {
                appointments: ndjson && file_name.starts_with("Appointment"),
                name: name.into(),
                path,
                ndjson,
            }
        })
        .collect())
}

fn open(path: &Path) -> Result<BufReader<File>, FeedError> {
    let file = File::open(path).map_err(|e| FeedError::Io(format!("{}: {e}", path.display())))?;
    Ok(BufReader::with_capacity(1 << 20, file))
}

/// An appointment read, waiting for the index to be complete.
struct Held {
    input: usize,
    location: Location,
    appointment: Appointment,
}

/// The reader's state across the inputs.
struct Reader<'c> {
    config: &'c FeedConfig,
    now: DateTime<Utc>,
    index: Index,
    held: Vec<Held>,
    /// Appointments seen, by a hash of their key, with a hash of what they say.
    seen: FxHashMap<u64, u64>,
    report: Report,
    /// Entries that are not resources rem can read, reported before the bookings.
    unreadable: Vec<Reject>,
    /// Each bundle's `self` and `next` links.
    links: Vec<(Arc<str>, Option<String>, Option<String>)>,
}

fn hash(value: &impl Hash) -> u64 {
    let mut hasher = FxHasher::default();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Reads the inputs and calls `each` for every booking or reject, in input order; `each`
/// returns false to stop. Returns what was read beyond the rows, and whether every row was
/// given to `each`.
pub fn read(
    paths: &[PathBuf],
    config: &FeedConfig,
    now: DateTime<Utc>,
    each: &mut dyn FnMut(Location, Result<&Booking<'_>, &Reject>) -> bool,
) -> Result<(Report, bool), FeedError> {
    let inputs = inputs(paths)?;
    let mut reader = Reader::new(config, now);
    for (n, input) in inputs.iter().enumerate() {
        if input.appointments {
            continue;
        }
        let going = if input.ndjson {
            reader.ndjson(n, input, false, each)?
        } else {
            reader.document(n, &input.name, open(&input.path)?)?;
            true
        };
        if !going {
            return Ok((reader.report, false));
        }
    }
    reader.index.finish();
    if !reader.emit_held(&|n| inputs[n].name.clone(), each) {
        return Ok((reader.report, false));
    }
    for (n, input) in inputs.iter().enumerate() {
        if input.appointments && !reader.ndjson(n, input, true, each)? {
            return Ok((reader.report, false));
        }
    }
    reader.report.pages_missing = reader.pages_missing();
    Ok((reader.report, true))
}

impl<'c> Reader<'c> {
    fn new(config: &'c FeedConfig, now: DateTime<Utc>) -> Reader<'c> {
        Reader {
            config,
            now,
            index: Index::default(),
            held: Vec::new(),
            seen: FxHashMap::default(),
            report: Report::default(),
            unreadable: Vec::new(),
            links: Vec::new(),
        }
    }

    /// One resource of the input: an appointment is held (or, `streaming`, evaluated at once),
    /// anything else is indexed.
    fn resource(
        &mut self,
        input: usize,
        location: Location,
        full_url: Option<&str>,
        resource: Resource,
    ) -> Result<Option<Appointment>, FeedError> {
        match resource.resource_type.as_deref() {
            Some("Appointment") => {
                let scope = format!("{input}:{location}");
                let (appointment, contained) =
                    Appointment::read(resource, full_url, &scope, self.config);
                for inner in contained {
                    self.add(location, None, Some(&scope), inner)?;
                }
                Ok(Some(appointment))
            }
            Some(_) => {
                self.add(location, full_url, None, resource)?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    fn add(
        &mut self,
        location: Location,
        full_url: Option<&str>,
        scope: Option<&str>,
        resource: Resource,
    ) -> Result<(), FeedError> {
        self.index
            .add(full_url, scope, resource, self.config, self.now)
            .map_err(|conflict| FeedError::DuplicateResource {
                kind: conflict.kind,
                at: location.to_string(),
            })
    }

    /// A JSON document: a Bundle, streamed entry by entry, or a single resource.
    fn document(
        &mut self,
        n: usize,
        name: &Arc<str>,
        mut reader: impl BufRead,
    ) -> Result<(), FeedError> {
        // A byte-order mark is not JSON.
        let buffer = reader
            .fill_buf()
            .map_err(|e| FeedError::Io(e.to_string()))?;
        if buffer.starts_with(BYTE_ORDER_MARK) {
            reader.consume(BYTE_ORDER_MARK.len());
        }
        let mut failure: Option<FeedError> = None;
        let rest = super::split::split(reader, |entry, bytes| {
            if failure.is_some() {
                return;
            }
            let location = Location::Entry(entry);
            match serde_json::from_slice::<Entry>(bytes) {
                Ok(Entry {
                    full_url,
                    resource: Some(resource),
                }) => match self.resource(n, location, full_url.as_deref(), resource) {
                    Ok(Some(appointment)) => self.held.push(Held {
                        input: n,
                        location,
                        appointment,
                    }),
                    Ok(None) => {}
                    Err(error) => failure = Some(error),
                },
                // A `DELETE` of a transaction: no resource.
                Ok(_) => {}
                Err(e) => {
                    let mut row =
                        Reject::line(location, Problem::NotAResource { column: e.column() });
                    row.input = Some(name.clone());
                    self.unreadable.push(row);
                }
            }
        })
        .map_err(|e| split_error(name, e))?;
        if let Some(error) = failure {
            return Err(error);
        }
        // The rest is a bundle's own elements, or a whole resource.
        let resource: Resource = serde_json::from_slice(&rest).map_err(|e| not_json(&e))?;
        match resource.resource_type.as_deref() {
            Some("Bundle") => {
                let url = |relation: &str| {
                    resource
                        .link
                        .iter()
                        .find(|l| l.relation.as_deref() == Some(relation))
                        .and_then(|l| l.url.as_deref().map(str::to_string))
                };
                self.links.push((name.clone(), url("self"), url("next")));
                Ok(())
            }
            Some(_) => {
                let location = Location::Entry(0);
                if let Some(appointment) = self.resource(n, location, None, resource)? {
                    self.held.push(Held {
                        input: n,
                        location,
                        appointment,
                    });
                }
                Ok(())
            }
            None => Err(FeedError::NotABundle {
                reason: "it has no resourceType".to_string(),
            }),
        }
    }

    /// An NDJSON file, a resource a line. With `appointments`, its appointments are evaluated
    /// as they are read; without, they are held like a bundle's.
    fn ndjson(
        &mut self,
        n: usize,
        input: &Input,
        appointments: bool,
        each: &mut dyn FnMut(Location, Result<&Booking<'_>, &Reject>) -> bool,
    ) -> Result<bool, FeedError> {
        let mut lines = LineReader::new(open(&input.path)?);
        let mut line = Vec::new();
        loop {
            let found = lines
                .next_line(&mut line)
                .map_err(|e| FeedError::Io(format!("{}: {e}", input.name)))?;
            let location = Location::Line(lines.number());
            let problem = match found {
                Line::End => return Ok(true),
                Line::TooLong => Some(Problem::LineTooLong),
                Line::Text => match serde_json::from_slice::<Resource>(&line) {
                    Ok(resource) => {
                        let full_url = None;
                        if let Some(appointment) = self.resource(n, location, full_url, resource)? {
                            if appointments {
                                if !self.emit(&appointment, location, &input.name, each) {
                                    return Ok(false);
                                }
                            } else {
                                self.held.push(Held {
                                    input: n,
                                    location,
                                    appointment,
                                });
                            }
                        }
                        None
                    }
                    Err(e) => Some(Problem::NotAResource { column: e.column() }),
                },
            };
            if let Some(problem) = problem {
                let mut row = Reject::line(location, problem);
                row.input = Some(input.name.clone());
                if !each(location, Err(&row)) {
                    return Ok(false);
                }
            }
        }
    }

    /// What waited for the index: the entries that could not be read, then the held
    /// appointments' bookings, in input order; false when `each` asked to stop.
    fn emit_held(
        &mut self,
        name: &dyn Fn(usize) -> Arc<str>,
        each: &mut dyn FnMut(Location, Result<&Booking<'_>, &Reject>) -> bool,
    ) -> bool {
        for row in std::mem::take(&mut self.unreadable) {
            if !each(row.location, Err(&row)) {
                return false;
            }
        }
        for held in std::mem::take(&mut self.held) {
            if !self.emit(&held.appointment, held.location, &name(held.input), each) {
                return false;
            }
        }
        true
    }

    /// The bookings of one appointment, each given to `each`; an appointment given before
    /// with the same content is counted, not given again.
    fn emit(
        &mut self,
        appointment: &Appointment,
        location: Location,
        input: &Arc<str>,
        each: &mut dyn FnMut(Location, Result<&Booking<'_>, &Reject>) -> bool,
    ) -> bool {
        if let Some(key) = &appointment.key {
            let content = hash(appointment);
            if self.seen.insert(hash(key), content) == Some(content) {
                self.report.repeated += 1;
                return true;
            }
        }
        for raw in appointment.bookings(&self.index, self.config, self.now) {
            let booking_id = match &raw {
                Ok(raw) => raw.booking_id(),
                Err(_) => appointment.booking_id(),
            };
            let row = raw.and_then(RawBooking::validate).map_err(|bad| {
                let mut row = reject(location, booking_id, bad);
                row.input = Some(input.clone());
                row
            });
            // A field that cannot be used is said before its booking, naming its file.
            if let Ok(booking) = &row {
                for mut warning in crate::feed::warnings(location, booking) {
                    warning.input = Some(input.clone());
                    if !each(location, Err(&warning)) {
                        return false;
                    }
                }
            }
            if !each(location, row.as_ref()) {
                return false;
            }
        }
        true
    }

    /// The inputs whose `next` page is not among the inputs.
    fn pages_missing(&self) -> Vec<String> {
        self.links
            .iter()
            .filter_map(|(name, _, next)| {
                let next = next.as_deref()?;
                let given = self
                    .links
                    .iter()
                    .any(|(_, this, _)| this.as_deref() == Some(next));
                (!given).then(|| name.to_string())
            })
            .collect()
    }
}

/// Why a document could not be cut into its entries.
fn split_error(name: &str, error: super::split::SplitError) -> FeedError {
    use super::split::SplitError;
    match error {
        SplitError::Io(e) => FeedError::Io(format!("{name}: {e}")),
        SplitError::Ends => FeedError::NotABundle {
            reason: "its JSON ends inside a string or a bracket".to_string(),
        },
        SplitError::NotAnObject { entry } => FeedError::NotABundle {
            reason: format!("its entry {entry} is not an object"),
        },
    }
}

/// A JSON error without the text of the input (a value may be personal).
fn not_json(error: &serde_json::Error) -> FeedError {
    use serde_json::error::Category;
    let what = match error.classify() {
        Category::Syntax => "not valid JSON",
        Category::Eof => "JSON that ends too early",
        Category::Data => "an element of the wrong type for FHIR R4",
        Category::Io => "unreadable",
    };
    FeedError::NotABundle {
        reason: format!("{what} (line {}, column {})", error.line(), error.column()),
    }
}

/// An entry of a bundle; a `DELETE` of a transaction has no resource.
#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow, rename = "fullUrl")]
    full_url: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    resource: Option<Resource<'a>>,
}

/// Reads one bundle (or resource) from any reader, whole: for tests and callers without
/// files. Rejects name no input file.
pub fn read_one(
    input: impl BufRead,
    config: &FeedConfig,
    now: DateTime<Utc>,
) -> Result<Vec<crate::feed::Row<'static>>, FeedError> {
    let mut reader = Reader::new(config, now);
    let name: Arc<str> = Arc::from("");
    reader.document(0, &name, input)?;
    reader.index.finish();
    let mut rows = Vec::new();
    reader.emit_held(&|_| name.clone(), &mut |location, row| {
        let row = row.map(|b| b.clone().into_owned()).map_err(|r| Reject {
            input: None,
            ..r.clone()
        });
        rows.push((location, row));
        true
    });
    Ok(rows)
}
