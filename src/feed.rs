//! Booking feeds: CSV, JSON Lines and HL7 FHIR R4 bundles, all read into the same
//! [`Booking`]. Every row is either a booking or a [`Reject`] that says where, which field and
//! why; nothing is dropped. Rejects never quote personal data (phone numbers, e-mail
//! addresses, birth dates, patient ids). The formats are documented in `docs/feed-format.md`.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};

use crate::booking::{
    self, Booking, ConsentSource, Guardian, IdKind, Kind, Patient, Source, Status,
};

pub mod csv;
pub mod events;
pub mod fhir;
pub mod jsonl;
pub mod lines;
pub mod rules;

/// The reason given for a line longer than [`lines::MAX_LINE_BYTES`].
pub const LINE_TOO_LONG: &str =
    "the line is longer than 1 MiB; a booking row is a few hundred bytes";

/// The first and last years a booking's times may have: every time the engine derives from
/// them (offsets and fallbacks up to ten years) stays writable as RFC 3339, and a year such
/// as `0026` (a slip for 2026) is caught.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

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

/// A row that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub location: Location,
    /// The booking id, when the row had a readable one (it is not personal data).
    pub booking_id: Option<String>,
    /// The canonical name of the field at fault, if one is.
    pub field: Option<&'static str>,
    pub reason: String,
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
        "the bundle holds two different {kind} resources with one id (entries {first} and {second})"
    )]
    #[diagnostic(
        code(rem::E095),
        help(
            "a reference must name one resource; export the bundle again, or remove the stale copy"
        )
    )]
    DuplicateResource {
        kind: String,
        first: usize,
        second: usize,
    },
}

/// The canonical columns, in the order of the canonical CSV header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Column {
    BookingId,
    PatientId,
    Clinic,
    Unit,
    Exam,
    Kind,
    SeriesId,
    GroupId,
    Source,
    Status,
    StatusAt,
    Start,
    Created,
    Reminder,
    BirthDate,
    IdKind,
    Mobile,
    Email,
    ConsentSms,
    ConsentEmail,
    ConsentSource,
    InboxAccount,
    InboxNotifications,
    Interpreter,
    Language,
    Guardian1Mobile,
    Guardian1ConsentSms,
    Guardian2Mobile,
    Guardian2ConsentSms,
    PreviousStart,
}

pub const COLUMNS: [Column; 30] = [
    Column::BookingId,
    Column::PatientId,
    Column::Clinic,
    Column::Unit,
    Column::Exam,
    Column::Kind,
    Column::SeriesId,
    Column::GroupId,
    Column::Source,
    Column::Status,
    Column::StatusAt,
    Column::Start,
    Column::Created,
    Column::Reminder,
    Column::BirthDate,
    Column::IdKind,
    Column::Mobile,
    Column::Email,
    Column::ConsentSms,
    Column::ConsentEmail,
    Column::ConsentSource,
    Column::InboxAccount,
    Column::InboxNotifications,
    Column::Interpreter,
    Column::Language,
    Column::Guardian1Mobile,
    Column::Guardian1ConsentSms,
    Column::Guardian2Mobile,
    Column::Guardian2ConsentSms,
    Column::PreviousStart,
];

impl Column {
    pub fn name(self) -> &'static str {
        match self {
            Column::BookingId => "booking_id",
            Column::PatientId => "patient_id",
            Column::Clinic => "clinic",
            Column::Unit => "unit",
            Column::Exam => "exam",
            Column::Kind => "kind",
            Column::SeriesId => "series_id",
            Column::GroupId => "group_id",
            Column::Source => "source",
            Column::Status => "status",
            Column::StatusAt => "status_at",
            Column::Start => "start",
            Column::Created => "created",
            Column::Reminder => "reminder",
            Column::BirthDate => "birth_date",
            Column::IdKind => "id_kind",
            Column::Mobile => "mobile",
            Column::Email => "email",
            Column::ConsentSms => "consent_sms",
            Column::ConsentEmail => "consent_email",
            Column::ConsentSource => "consent_source",
            Column::InboxAccount => "inbox_account",
            Column::InboxNotifications => "inbox_notifications",
            Column::Interpreter => "interpreter",
            Column::Language => "language",
            Column::Guardian1Mobile => "guardian1_mobile",
            Column::Guardian1ConsentSms => "guardian1_consent_sms",
            Column::Guardian2Mobile => "guardian2_mobile",
            Column::Guardian2ConsentSms => "guardian2_consent_sms",
            Column::PreviousStart => "previous_start",
        }
    }

    pub fn named(name: &str) -> Option<Column> {
        COLUMNS.into_iter().find(|c| c.name() == name)
    }

    /// Columns every CSV header must have. `previous_start` is an addition: a feed without it
    /// simply has no rescheduled bookings.
    pub fn in_canonical_header(self) -> bool {
        self != Column::PreviousStart
    }

    /// Values of these columns identify a person and are never quoted in a reject.
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            Column::PatientId
                | Column::BirthDate
                | Column::Mobile
                | Column::Email
                | Column::Guardian1Mobile
                | Column::Guardian2Mobile
        )
    }
}

/// One row's values by column, before validation; `None` or empty is "not given".
#[derive(Debug, Clone, Default)]
pub struct RawBooking<'a> {
    pub values: [Option<Cow<'a, str>>; 30],
}

impl<'a> RawBooking<'a> {
    pub fn set(&mut self, column: Column, value: impl Into<Cow<'a, str>>) {
        self.values[column as usize] = Some(value.into());
    }

    fn get(&self, column: Column) -> Option<&Cow<'a, str>> {
        self.values[column as usize]
            .as_ref()
            .filter(|v| !v.is_empty())
    }

    /// The booking id, for naming a rejected row.
    pub fn booking_id(&self) -> Option<String> {
        self.get(Column::BookingId).map(|v| v.to_string())
    }

    /// Checks every value and builds the booking, or says which field is wrong and why.
    pub fn validate(mut self) -> Result<Booking<'a>, (Column, String)> {
        let mut take = |column: Column| {
            self.values[column as usize]
                .take()
                .filter(|v| !v.is_empty())
        };
        let required = |column: Column, value: Option<Cow<'a, str>>| {
            value.ok_or((column, "is missing".to_string()))
        };

        let id = required(Column::BookingId, take(Column::BookingId))?;
        let patient_id = required(Column::PatientId, take(Column::PatientId))?;
        let clinic = required(Column::Clinic, take(Column::Clinic))?;
        let unit = required(Column::Unit, take(Column::Unit))?;
        let exam = take(Column::Exam).unwrap_or(Cow::Borrowed(""));
        let kind = word(
            Column::Kind,
            required(Column::Kind, take(Column::Kind))?,
            Kind::parse,
            "single, series, team, group",
        )?;
        let series_id = take(Column::SeriesId);
        let group_id = take(Column::GroupId);
        let source = word(
            Column::Source,
            required(Column::Source, take(Column::Source))?,
            Source::parse,
            "staff, portal, quick_book",
        )?;
        let status = word(
            Column::Status,
            required(Column::Status, take(Column::Status))?,
            Status::parse,
            "booked, cancelled",
        )?;
        let status_at = take(Column::StatusAt)
            .map(|v| time(Column::StatusAt, &v))
            .transpose()?;
        let start = time(
            Column::Start,
            &required(Column::Start, take(Column::Start))?,
        )?;
        let created = time(
            Column::Created,
            &required(Column::Created, take(Column::Created))?,
        )?;
        let previous_start = take(Column::PreviousStart)
            .map(|v| time(Column::PreviousStart, &v))
            .transpose()?;
        let reminder = flag(Column::Reminder, take(Column::Reminder), true)?;
        let birth_date = date(
            Column::BirthDate,
            &required(Column::BirthDate, take(Column::BirthDate))?,
        )?;
        let id_kind = word(
            Column::IdKind,
            required(Column::IdKind, take(Column::IdKind))?,
            IdKind::parse,
            "personal, coordination, reserve",
        )?;
        let mobile = take(Column::Mobile)
            .map(|v| phone(Column::Mobile, v))
            .transpose()?;
        // An unusable e-mail address costs the e-mail, not the booking.
        let (email, email_invalid) = match take(Column::Email) {
            Some(v) if booking::is_email(&v) => (Some(v), false),
            Some(_) => (None, true),
            None => (None, false),
        };
        let consent_sms = flag(Column::ConsentSms, take(Column::ConsentSms), false)?;
        let consent_email = flag(Column::ConsentEmail, take(Column::ConsentEmail), false)?;
        let consent_source = match take(Column::ConsentSource) {
            Some(v) => word(
                Column::ConsentSource,
                v,
                ConsentSource::parse,
                "none, clinic, portal, registry",
            )?,
            None => ConsentSource::None,
        };
        let inbox_account = flag(Column::InboxAccount, take(Column::InboxAccount), false)?;
        let inbox_notifications = flag(
            Column::InboxNotifications,
            take(Column::InboxNotifications),
            false,
        )?;
        let interpreter = flag(Column::Interpreter, take(Column::Interpreter), false)?;
        let language = take(Column::Language);
        let mut guardian = |mobile_column: Column,
                            consent_column: Column|
         -> Result<Option<Guardian<'a>>, (Column, String)> {
            let mobile = take(mobile_column)
                .map(|v| phone(mobile_column, v))
                .transpose()?;
            let consent = take(consent_column);
            let consent_sms = flag(consent_column, consent.clone(), false)?;
            Ok((mobile.is_some() || consent.is_some()).then_some(Guardian {
                mobile,
                consent_sms,
            }))
        };
        let guardians = [
            guardian(Column::Guardian1Mobile, Column::Guardian1ConsentSms)?,
            guardian(Column::Guardian2Mobile, Column::Guardian2ConsentSms)?,
        ];
        if status == Status::Cancelled && status_at.is_none() {
            return Err((
                Column::StatusAt,
                "is needed for a cancelled booking: when was it cancelled?".to_string(),
            ));
        }
        if previous_start.is_some() && status_at.is_none() {
            return Err((
                Column::StatusAt,
                "is needed for a rescheduled booking: when was it moved?".to_string(),
            ));
        }
        if created > start {
            return Err((
                Column::Created,
                "is after start: a booking is made before the visit".to_string(),
            ));
        }
        Ok(Booking {
            id,
            patient_id,
            clinic,
            unit,
            exam,
            kind,
            series_id,
            group_id,
            source,
            status,
            status_at,
            start,
            created,
            previous_start,
            reminder,
            patient: Patient {
                birth_date,
                id_kind,
                mobile,
                email,
                email_invalid,
                consent_sms,
                consent_email,
                consent_source,
                inbox_account,
                inbox_notifications,
                interpreter,
                language,
            },
            guardians,
        })
    }
}

fn word<T>(
    column: Column,
    value: Cow<'_, str>,
    parse: fn(&str) -> Option<T>,
    expected: &str,
) -> Result<T, (Column, String)> {
    // The value is not repeated: a wrong column may hold a phone number or an id number.
    parse(&value).ok_or_else(|| (column, format!("is not one of {expected}")))
}

fn time(column: Column, value: &str) -> Result<DateTime<FixedOffset>, (Column, String)> {
    let time = DateTime::parse_from_rfc3339(value).map_err(|_| {
        (
            column,
            "is not an RFC 3339 time with offset, such as 2026-03-30T09:00:00+02:00".to_string(),
        )
    })?;
    if !YEARS.contains(&time.year()) {
        return Err((
            column,
            format!(
                "is outside the years {} to {} that a booking's times can have",
                YEARS.start(),
                YEARS.end()
            ),
        ));
    }
    Ok(time)
}

/// `YYYY-MM-DD`, strictly: four, two and two digits.
fn date(column: Column, value: &str) -> Result<NaiveDate, (Column, String)> {
    let b = value.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let number =
        |range: std::ops::Range<usize>| value.get(range).and_then(|s| s.parse::<u32>().ok());
    let parsed = match (shape, number(0..4), number(5..7), number(8..10)) {
        (true, Some(y), Some(m), Some(d)) => i32::try_from(y)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, m, d)),
        _ => None,
    };
    parsed.ok_or_else(|| (column, "is not a date in the form YYYY-MM-DD".to_string()))
}

fn flag(
    column: Column,
    value: Option<Cow<'_, str>>,
    default: bool,
) -> Result<bool, (Column, String)> {
    match value.as_deref() {
        None | Some("") => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err((column, "is not true or false".to_string())),
    }
}

fn phone<'a>(column: Column, value: Cow<'a, str>) -> Result<Cow<'a, str>, (Column, String)> {
    if booking::is_e164(&value) {
        Ok(value)
    } else {
        Err((
            column,
            "is not a phone number in E.164 form (+ and country code, e.g. +46701234567)"
                .to_string(),
        ))
    }
}

/// Turns a validation failure into a reject.
pub fn reject(
    location: Location,
    booking_id: Option<String>,
    (column, reason): (Column, String),
) -> Reject {
    Reject {
        location,
        booking_id,
        field: Some(column.name()),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strictly_yyyy_mm_dd() {
        assert_eq!(
            date(Column::BirthDate, "1990-02-28").ok(),
            NaiveDate::from_ymd_opt(1990, 2, 28)
        );
        for bad in [
            "1990-02-30",
            "1990-2-28",
            "90-02-28",
            "1990/02/28",
            "+1990-02-2",
            "1990-02-28T00:00",
            "",
        ] {
            assert!(
                date(Column::BirthDate, bad).is_err(),
                "{bad:?} was accepted"
            );
        }
        // A birth date is personal: the reason never repeats it.
        let (_, reason) = date(Column::BirthDate, "1990-02-30").expect_err("rejected");
        assert!(!reason.contains("1990"));
    }
}
