//! Booking feeds: CSV, JSON Lines and HL7 FHIR R4 bundles, all read into the same
//! [`Booking`]. Every row is either a booking or a [`Reject`] that says where, which field and
//! why; nothing is dropped. Rejects never quote personal data (phone numbers, e-mail
//! addresses, birth dates, patient ids). The formats are documented in `docs/feed-format.md`.

use std::fmt;

use crate::booking::Booking;

pub mod chunks;
pub mod csv;
pub mod events;
pub mod fhir;
pub mod jsonl;
pub mod lines;
pub mod phone;
mod reject;
pub mod rules;
pub mod services;
mod validate;

pub use crate::schema::Column;
pub use reject::{Bad, Problem, Reject, Severity, reject};
pub use validate::RawBooking;

/// The first and last years a booking's times may have: every time the engine derives from
/// them (offsets and fallbacks up to ten years) stays writable as RFC 3339, and a year such
/// as `0026` (a slip for 2026) is caught.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// A time of a feed read to the second: the engine counts in whole seconds (as every sending
/// system does), so a fraction such as `09:00:00.250` is dropped, never rounded up.
pub fn whole_seconds(
    time: chrono::DateTime<chrono::FixedOffset>,
) -> chrono::DateTime<chrono::FixedOffset> {
    use chrono::Timelike;
    time.with_nanosecond(0).unwrap_or(time)
}

/// The feed formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
    Fhir,
}

impl Format {
    /// The format a file name implies: `.csv`, `.jsonl`/`.ndjson`, `.fhir.json`/`.json`.
    pub fn from_path(path: &str) -> Option<Format> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Format::Csv)
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Some(Format::Jsonl)
        } else if lower.ends_with(".json") {
            Some(Format::Fhir)
        } else {
            None
        }
    }
}

/// How a feed is read: the feed configuration (`--feed-config`) and the evaluation time
/// (a FHIR contact point whose period has ended is not used; an appointment without
/// `created` counts as made then).
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub config: fhir::FeedConfig,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl ReadOptions {
    /// The default configuration, at `now`.
    pub fn at(now: chrono::DateTime<chrono::Utc>) -> ReadOptions {
        ReadOptions {
            config: fhir::FeedConfig::default(),
            now,
        }
    }

    fn region(&self) -> Option<phonenumber::country::Id> {
        self.config.phone_region.map(|r| r.0)
    }
}

/// A booking feed of any of the three formats, row by row, from one reader. CSV and JSON
/// Lines stream from the input a line at a time; a FHIR bundle given so is read whole (the
/// CLI streams FHIR files and folders with [`fhir::read`]).
pub enum Feed<R> {
    Csv(Box<csv::CsvFeed<R>>),
    Jsonl(jsonl::JsonlFeed<R>),
    Fhir(std::vec::IntoIter<Row<'static>>),
}

impl<R: std::io::BufRead> Feed<R> {
    /// Opens a feed: reads a CSV header, or a whole FHIR bundle.
    pub fn open(format: Format, input: R, options: &ReadOptions) -> Result<Feed<R>, FeedError> {
        Ok(match format {
            Format::Csv => {
                let mut feed = csv::CsvFeed::new(input)?;
                feed.region = options.region();
                Feed::Csv(Box::new(feed))
            }
            Format::Jsonl => {
                let mut feed = jsonl::JsonlFeed::new(input);
                feed.region = options.region();
                Feed::Jsonl(feed)
            }
            Format::Fhir => {
                Feed::Fhir(fhir::read_one(input, &options.config, options.now)?.into_iter())
            }
        })
    }

    /// The next row, borrowing from the feed's buffer; `None` at the end. An input that
    /// cannot be read any further ends the feed with an error.
    pub fn next_row(&mut self) -> Option<Result<Row<'_>, FeedError>> {
        match self {
            Feed::Csv(feed) => feed.next_row(),
            Feed::Jsonl(feed) => feed.next_row(),
            Feed::Fhir(rows) => rows.next().map(Ok),
        }
    }
}

/// The fields of a booking that were given but cannot be used, as rejects of severity
/// `warning`: each costs its messages (the SMS to that number, the e-mail), not the booking.
pub fn warnings(location: Location, booking: &Booking<'_>) -> Vec<Reject> {
    use crate::schema::Values;
    let patient = [
        (
            booking.patient.mobile_invalid,
            Column::Mobile,
            Values::Phone,
        ),
        (booking.patient.email_invalid, Column::Email, Values::Email),
    ];
    let guardians = [Column::Guardian1Mobile, Column::Guardian2Mobile]
        .into_iter()
        .zip(&booking.guardians)
        .map(|(column, g)| {
            (
                g.as_ref().is_some_and(|g| g.mobile_invalid),
                column,
                Values::Phone,
            )
        });
    patient
        .into_iter()
        .chain(guardians)
        .filter(|(bad, ..)| *bad)
        .map(|(_, column, values)| Reject {
            severity: Severity::Warning,
            ..reject(
                location,
                Some(booking.id.to_string()),
                (column, Problem::NotValid(values)),
            )
        })
        .collect()
}

/// A phone number or e-mail address of a booking as a feed writes it back (`rem gen`, held
/// group rows): a value given but unusable was not kept, so one that can never be valid stands
/// for it, and the booking read back costs the same message the same way.
pub(crate) fn as_given(value: Option<&str>, invalid: bool, column: Column) -> Option<&str> {
    match (value, invalid) {
        (Some(value), _) => Some(value),
        (None, true) if column.info().values == crate::schema::Values::Email => {
            Some("not an address")
        }
        (None, true) => Some("not a number"),
        (None, false) => None,
    }
}

/// One row of a feed: where it is, and the booking or why it was rejected.
pub type Row<'a> = (Location, Result<Booking<'a>, Reject>);

/// Where a rejected row is: a line of a CSV or JSON Lines file, or an entry of a FHIR bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Line(u64),
    Entry(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Entry(n) => write!(f, "entry {n}"),
        }
    }
}

/// A feed that cannot be read at all (no header, a required column missing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum FeedError {
    #[error("the feed has no header line")]
    #[diagnostic(
        code(rem::E090),
        help("the first line of a CSV feed names the columns; see docs/feed-format.md")
    )]
    NoHeader,
    #[error("the feed has no column{} {}", if .missing.len() == 1 { "" } else { "s" }, .missing.join(", "))]
    #[diagnostic(
        code(rem::E091),
        help(
            "export these columns too (they may be empty in rows where they do not apply); see docs/feed-format.md"
        )
    )]
    MissingColumns { missing: Vec<&'static str> },
    #[error("the feed is not a FHIR Bundle: {reason}")]
    #[diagnostic(
        code(rem::E092),
        help(
            "give a Bundle resource whose entries are Appointment, Patient and RelatedPerson resources, or name the format with --format"
        )
    )]
    NotABundle { reason: String },
    #[error("cannot read the feed: {0}")]
    #[diagnostic(code(rem::E093), help("check that the file exists and can be read"))]
    Io(String),
    #[error("the feed names the column `{column}` twice (columns {first} and {second})")]
    #[diagnostic(
        code(rem::E094),
        help(
            "each column may appear once in the header, or rem cannot tell which value to use; remove or rename one of them"
        )
    )]
    DuplicateColumn {
        column: &'static str,
        first: usize,
        second: usize,
    },
    #[error(
        "the input holds two different {kind} resources under one reference (the second at {at})"
    )]
    #[diagnostic(
        code(rem::E095),
        help(
            "a reference must name one resource; export the bundle again, or remove the stale copy"
        )
    )]
    DuplicateResource { kind: String, at: String },
}
