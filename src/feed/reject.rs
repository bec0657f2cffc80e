//! Rows that cannot be evaluated, and why: each [`Problem`] has a stable `snake_case` code
//! (the rejects file's `code` column) and plain words (its `reason`). No reason repeats a value
//! from the input: a value in the wrong column may be a phone number or an id number, so a
//! reason names the field and what was expected.

use std::fmt;

use super::Location;
use crate::schema::{Column, Values};

/// Why a row, or one of its fields, cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A required field is empty or absent.
    Missing,
    /// The value is not what the field holds.
    NotValid(Values),
    /// The value is not one of these words.
    NotOneOf(&'static [&'static str]),
    /// A time outside [`super::YEARS`].
    YearOutOfRange,
    /// A cancelled booking without the time it was cancelled.
    CancelledWithoutTime,
    /// A moved booking without the time it was moved.
    MovedWithoutTime,
    /// `created` after `start`.
    CreatedAfterStart,
    /// A line, or a field, that is not UTF-8.
    NotUtf8,
    LineTooLong,
    BrokenQuoting,
    FieldCount {
        found: usize,
        expected: usize,
    },
    NotCsv,
    /// A JSON value of the wrong type (text, true/false, a list, an object).
    WrongJsonType,
    /// The line ends inside a JSON object.
    JsonEnds,
    /// The line is not JSON; the column where it stops being JSON.
    NotJson {
        column: usize,
    },
    /// A JSON object names a field twice.
    DuplicateJsonField,
    TooManyGuardians {
        found: usize,
    },
    /// The booking id of an earlier row.
    DuplicateBookingId,
    /// A FHIR appointment marked `entered-in-error`.
    EnteredInError,
    /// No FHIR participant refers to a Patient.
    NoPatient,
    /// The Patient that participant N (from 1) refers to is not in the input.
    PatientNotInBundle {
        participant: usize,
    },
    /// Participant N refers to its actor by an identifier only, which rem cannot look up.
    IdentifierOnlyReference {
        participant: usize,
    },
    /// The appointment names no clinic, and the feed configuration gives none.
    NoClinic,
    /// The appointment names no unit (no HealthcareService or Location).
    NoUnit,
    /// A line of a FHIR NDJSON file that is not a resource rem can read.
    NotAResource {
        column: usize,
    },
    /// An event dated after the evaluation time.
    EventAfterNow,
    /// An event key that is not an action key.
    NotAnActionKey,
    /// The WebAssembly policy module used all its fuel on the booking.
    ModuleOutOfFuel,
    /// The WebAssembly policy module took longer than its time limit on the booking.
    ModuleOutOfTime,
    /// The WebAssembly policy module needed more memory than its limit.
    ModuleOutOfMemory,
    /// The WebAssembly policy module trapped, or gave an outcome its plan does not have.
    ModuleFailed,
}

impl Problem {
    /// The stable code, for programs reading the rejects file.
    pub fn code(self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::NotValid(values) => match values {
                Values::Text => "not_text",
                Values::Time => "not_a_time",
                Values::Date => "not_a_date",
                Values::Flag(_) => "not_true_or_false",
                Values::Word(_) => "not_one_of",
                Values::Phone => "not_e164",
                Values::Email => "not_an_email",
            },
            Problem::NotOneOf(_) => "not_one_of",
            Problem::YearOutOfRange => "year_out_of_range",
            Problem::CancelledWithoutTime | Problem::MovedWithoutTime => "missing_status_at",
            Problem::CreatedAfterStart => "created_after_start",
            Problem::NotUtf8 => "not_utf8",
            Problem::LineTooLong => "line_too_long",
            Problem::BrokenQuoting => "broken_quoting",
            Problem::FieldCount { .. } => "field_count",
            Problem::NotCsv => "not_csv",
            Problem::WrongJsonType => "wrong_json_type",
            Problem::JsonEnds => "json_ends",
            Problem::NotJson { .. } => "not_json",
            Problem::DuplicateJsonField => "duplicate_field",
            Problem::TooManyGuardians { .. } => "too_many_guardians",
            Problem::DuplicateBookingId => "duplicate_booking_id",
            Problem::EnteredInError => "entered_in_error",
            Problem::NoPatient => "no_patient",
            Problem::PatientNotInBundle { .. } => "patient_not_in_bundle",
            Problem::IdentifierOnlyReference { .. } => "identifier_only_reference",
            Problem::NoClinic => "no_clinic",
            Problem::NoUnit => "no_unit",
            Problem::NotAResource { .. } => "not_a_resource",
            Problem::EventAfterNow => "event_after_now",
            Problem::NotAnActionKey => "not_an_action_key",
            Problem::ModuleOutOfFuel => "module_out_of_fuel",
            Problem::ModuleOutOfTime => "module_out_of_time",
            Problem::ModuleOutOfMemory => "module_out_of_memory",
            Problem::ModuleFailed => "module_failed",
        }
    }

    /// Every code, for the documentation.
    pub const CODES: &'static [&'static str] = &[
        "missing",
        "not_a_time",
        "not_a_date",
        "not_true_or_false",
        "not_one_of",
        "not_e164",
        "not_an_email",
        "year_out_of_range",
        "missing_status_at",
        "created_after_start",
        "not_utf8",
        "line_too_long",
        "broken_quoting",
        "field_count",
        "not_csv",
        "wrong_json_type",
        "json_ends",
        "not_json",
        "duplicate_field",
        "too_many_guardians",
        "duplicate_booking_id",
        "entered_in_error",
        "no_patient",
        "patient_not_in_bundle",
        "identifier_only_reference",
        "no_clinic",
        "no_unit",
        "not_a_resource",
        "event_after_now",
        "not_an_action_key",
        "module_out_of_fuel",
        "module_out_of_time",
        "module_out_of_memory",
        "module_failed",
    ];
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => f.write_str("is missing"),
            Problem::NotValid(values) => write!(f, "is not {}", values.expected()),
            Problem::NotOneOf(words) => write!(f, "is not one of {}", crate::schema::list(words)),
            Problem::YearOutOfRange => write!(
                f,
                "is outside the years {} to {} that a booking's times can have",
                super::YEARS.start(),
                super::YEARS.end()
            ),
            Problem::CancelledWithoutTime => {
                f.write_str("is needed for a cancelled booking: when was it cancelled?")
            }
            Problem::MovedWithoutTime => {
                f.write_str("is needed for a rescheduled booking: when was it moved?")
            }
            Problem::CreatedAfterStart => {
                f.write_str("is after start: a booking is made before the visit")
            }
            Problem::NotUtf8 => f.write_str("is not valid UTF-8"),
            Problem::LineTooLong => f.write_str(
                "the line is longer than 1 MiB; a booking row is a few hundred bytes",
            ),
            Problem::BrokenQuoting => {
                f.write_str("broken quoting: a quote is not closed on this line")
            }
            Problem::FieldCount { found, expected } => {
                write!(f, "the line has {found} fields, the header has {expected}")
            }
            Problem::NotCsv => f.write_str("the line cannot be read as CSV"),
            Problem::WrongJsonType => f.write_str(
                "has the wrong type (text in quotes, true/false, a list or an object as documented)",
            ),
            Problem::JsonEnds => f.write_str("the line ends inside the JSON object"),
            Problem::NotJson { column } => {
                write!(f, "the line is not valid JSON (column {column})")
            }
            Problem::DuplicateJsonField => {
                f.write_str("is given twice in the object: which value counts?")
            }
            Problem::TooManyGuardians { found } => {
                write!(f, "lists {found} guardians; at most two are registered")
            }
            Problem::DuplicateBookingId => f.write_str(
                "is the id of an earlier row too: each booking needs its own id, or its reminders could go to the wrong patient",
            ),
            Problem::EnteredInError
            | Problem::NoPatient
            | Problem::PatientNotInBundle { .. }
            | Problem::IdentifierOnlyReference { .. }
            | Problem::NoClinic
            | Problem::NoUnit
            | Problem::NotAResource { .. } => self.fhir_words(f),
            Problem::EventAfterNow => f.write_str(
                "is after the evaluation time (--now): an event cannot be reported before it happens",
            ),
            Problem::NotAnActionKey => f.write_str(
                "is not an action key (32 hexadecimal digits, as `rem eval` writes it)",
            ),
            Problem::ModuleOutOfFuel => f.write_str(
                "the booking was not evaluated: the policy module used all its fuel on it (raise `--wasm-fuel` for very large policies)",
            ),
            Problem::ModuleOutOfTime => f.write_str(
                "the booking was not evaluated: the policy module took longer than its time limit on it (raise `--wasm-time-limit` for very large policies)",
            ),
            Problem::ModuleOutOfMemory => f.write_str(
                "the booking was not evaluated: the policy module needed more memory than its limit (raise `--wasm-memory`)",
            ),
            Problem::ModuleFailed => f.write_str(
                "the booking was not evaluated: the policy module failed on it; build the module again with `rem build --target wasm`, or run with `--backend native`",
            ),
        }
    }
}

impl Problem {
    /// Whether the row is left out rather than rejected: an appointment `entered-in-error`
    /// was never valid, so it is counted, not reported as a fault of the export.
    pub fn is_left_out(self) -> bool {
        self == Problem::EnteredInError
    }

    /// The words of the problems of FHIR appointments.
    fn fhir_words(self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::EnteredInError => {
                f.write_str("is `entered-in-error`: the appointment was never valid")
            }
            Problem::NoPatient => f.write_str("is missing: no participant refers to a Patient"),
            Problem::PatientNotInBundle { participant } => write!(
                f,
                "participant {participant} refers to a Patient that is not in the input: give the Patient resources too (a search with `_include=Appointment:patient`, or the Patient file of a bulk export)"
            ),
            Problem::IdentifierOnlyReference { participant } => write!(
                f,
                "participant {participant} names its Patient by an identifier only, which rem cannot look up: give a reference to the Patient resource"
            ),
            Problem::NoClinic => f.write_str(
                "is missing: no Location or HealthcareService names an Organization, and the feed configuration gives no `clinic` (see docs/feed-format.md)",
            ),
            Problem::NoUnit => {
                f.write_str("is missing: no participant is a HealthcareService or a Location")
            }
            Problem::NotAResource { column } => write!(
                f,
                "is not a FHIR resource that rem can read: not JSON, or an element of the wrong type (column {column} of the line or entry)"
            ),
            _ => Ok(()),
        }
    }
}

/// Whether a reject cost the row or one of its fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Severity {
    /// The row was not evaluated.
    #[default]
    Reject,
    /// The row was evaluated without the field: the messages that need it are skipped.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Reject => "reject",
            Severity::Warning => "warning",
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
    pub problem: Problem,
    pub severity: Severity,
    /// The input file, when a feed has several (the pages of a search, a bulk export).
    pub input: Option<std::sync::Arc<str>>,
}

impl Reject {
    /// The plain words of the problem.
    pub fn reason(&self) -> String {
        self.problem.to_string()
    }

    /// A problem of a whole line, with no field or booking id.
    pub fn line(location: Location, problem: Problem) -> Reject {
        Reject {
            location,
            booking_id: None,
            field: None,
            problem,
            severity: Severity::Reject,
            input: None,
        }
    }
}

/// A field at fault: which, and what is wrong with it.
pub type Bad = (Column, Problem);

/// Turns a validation failure into a reject.
pub fn reject(location: Location, booking_id: Option<String>, (column, problem): Bad) -> Reject {
    Reject {
        location,
        booking_id,
        field: Some(column.name()),
        problem,
        severity: Severity::Reject,
        input: None,
    }
}
