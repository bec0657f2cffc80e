//! Services feeds (R8): which service each patient had performed, and when, with the
//! patient's details as a booking feed gives them. CSV with a header, or JSON Lines (one flat
//! object a line, with the CSV's column names as keys). Each row becomes a recall record: a
//! [`Booking`] with `recall` set, `exam` the service and `start` the time it was performed
//! (documented in `docs/feed-format.md`, "Services feeds"). Like every feed, a bad row is
//! rejected alone with its line and field, and never quoted.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::lines::{Line, LineReader};
use super::validate::RawBooking;
use super::{FeedError, Location, Problem, Reject};
use crate::booking::{Booking, Recalled};
use crate::schema::{Column, JsonPlace};

/// The column that names the service.
pub const SERVICE: &str = "service";
/// The column that says when the service was performed, RFC 3339.
pub const PERFORMED_AT: &str = "performed_at";

/// A services feed's column: the service, when it was performed, or a booking feed's column
/// about the patient (where the clinic and unit are, how to reach the patient).
pub fn column(name: &str) -> Option<Column> {
    match name {
        SERVICE => Some(Column::Exam),
        PERFORMED_AT => Some(Column::Start),
        _ => Column::named(name).filter(|c| is_patient_column(*c)),
    }
}

/// The booking feed's columns a services feed shares: who, where, and how to reach them.
pub fn is_patient_column(column: Column) -> bool {
    matches!(column, Column::PatientId | Column::Clinic | Column::Unit)
        || matches!(
            column.info().json,
            JsonPlace::Patient | JsonPlace::Guardian(..)
        )
}

/// The name of a column in a services feed, for a reject.
fn name_of(column: Column) -> &'static str {
    match column {
        Column::Exam => SERVICE,
        Column::Start | Column::Created => PERFORMED_AT,
        other => other.name(),
    }
}

/// A services row's values, made into a recall record; else the field at fault (by its name in
/// a services feed) and why.
pub fn record(mut raw: RawBooking<'static>) -> Result<Booking<'static>, (&'static str, Problem)> {
    let patient = raw.values[Column::PatientId as usize].clone();
    let service = raw.values[Column::Exam as usize].clone();
    if let (Some(patient), Some(service)) = (&patient, &service) {
        raw.set(Column::BookingId, format!("{patient}/{service}"));
    }
    if let Some(performed) = raw.values[Column::Start as usize].clone() {
        raw.set(Column::Created, performed);
    }
    raw.set(Column::Kind, "single");
    raw.set(Column::Source, "staff");
    raw.set(Column::Status, "booked");
    match raw.validate() {
        Ok(mut booking) if !booking.exam.is_empty() => {
            booking.recall = Some(Recalled { booked_at: None });
            Ok(booking)
        }
        Ok(_) => Err((SERVICE, Problem::Missing)),
        Err((column, problem)) => Err((name_of(column), problem)),
    }
}

/// What a services feed holds: one record for each patient and service, the latest
/// performance of it, in the order each first appears.
#[derive(Debug, Default)]
pub struct Services {
    pub records: Vec<Booking<'static>>,
    /// Rows about a patient's service that a later performance of it replaced.
    pub superseded: u64,
    pub rejects: Vec<Reject>,
    /// Where each patient's service is in `records`.
    index: BTreeMap<(String, String), usize>,
}

impl Services {
    /// Every row read: records, superseded rows and rejects.
    pub fn rows(&self) -> u64 {
        self.records.len() as u64 + self.superseded + self.rejects.len() as u64
    }
}

/// Reads a services feed whole: a service performed again replaces its earlier performance,
/// so its due date moves (R8).
pub fn read(input: impl std::io::BufRead, csv: bool) -> Result<Services, FeedError> {
    let mut services = Services::default();
    let mut lines = LineReader::new(input);
    let mut bytes = Vec::new();
    let mut header: Option<Vec<Option<Column>>> = None;
    loop {
        let read = lines
            .next_line(&mut bytes)
            .map_err(|e| FeedError::Io(e.to_string()))?;
        let location = Location::Line(lines.number());
        if csv && header.is_none() && read != Line::End {
            if read == Line::TooLong {
                return Err(FeedError::NoHeader);
            }
            let names = super::events::csv_cells(&String::from_utf8_lossy(&bytes))
                .ok_or(FeedError::NoHeader)?;
            header = Some(names.iter().map(|n| column(n.trim())).collect());
            continue;
        }
        let raw = match (read, std::str::from_utf8(&bytes)) {
            (Line::End, _) => break,
            (Line::TooLong, _) => Err((None, Problem::LineTooLong)),
            (Line::Text, Err(_)) => Err((None, Problem::NotUtf8)),
            (Line::Text, Ok(line)) => match &header {
                Some(columns) => csv_row(columns, line).map_err(|p| (None, p)),
                None => json_row(line),
            },
        };
        match raw.and_then(|raw| record(raw).map_err(|(f, p)| (Some(f), p))) {
            Ok(record) => services.add(record),
            Err((field, problem)) => services.rejects.push(Reject {
                location,
                // A record's id names the patient: never in a reject.
                booking_id: None,
                field,
                problem,
                severity: Default::default(),
                input: None,
            }),
        }
    }
    Ok(services)
}

impl Services {
    /// Adds a record: a later performance of a patient's service replaces the earlier one
    /// (which is counted), an earlier one is counted and dropped.
    pub fn add(&mut self, record: Booking<'static>) {
        let key = (record.patient_id.to_string(), record.exam.to_string());
        self.superseded += u64::from(self.index.contains_key(&key));
        match self.index.get(&key) {
            Some(&at) if self.records[at].start < record.start => self.records[at] = record,
            Some(_) => {}
            None => {
                self.index.insert(key, self.records.len());
                self.records.push(record);
            }
        }
    }
}

fn csv_row(columns: &[Option<Column>], line: &str) -> Result<RawBooking<'static>, Problem> {
    let values = super::events::csv_cells(line).ok_or(Problem::NotCsv)?;
    if values.len() != columns.len() {
        return Err(Problem::FieldCount {
            found: values.len(),
            expected: columns.len(),
        });
    }
    let mut raw = RawBooking::default();
    for (column, value) in columns.iter().zip(values) {
        if let Some(column) = column {
            raw.set(*column, Cow::Owned(value));
        }
    }
    Ok(raw)
}

type RowError = (Option<&'static str>, Problem);

fn json_row(line: &str) -> Result<RawBooking<'static>, RowError> {
    let map: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(line).map_err(|e| (None, Problem::NotJson { column: e.column() }))?;
    let mut raw = RawBooking::default();
    for (name, value) in map {
        let Some(column) = column(&name) else {
            continue;
        };
        let text = match value {
            serde_json::Value::Null => continue,
            serde_json::Value::String(s) => s,
            serde_json::Value::Bool(b) => b.to_string(),
            _ => return Err((Some(name_of(column)), Problem::WrongJsonType)),
        };
        raw.set(column, Cow::Owned(text));
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "patient_id,service,performed_at,clinic,unit,birth_date,id_kind,mobile,consent_sms\n";

    fn read_csv(rows: &str) -> Services {
        read(format!("{HEADER}{rows}").as_bytes(), true).expect("a feed")
    }

    #[test]
    fn r08_the_latest_performance_of_a_service_is_kept() {
        let services = read_csv(concat!(
            "P1,rabies,2025-06-10T14:00:00+02:00,K,U,2019-01-01,personal,+46701234561,true\n",
            "P1,rabies,2024-06-10T14:00:00+02:00,K,U,2019-01-01,personal,+46701234561,true\n",
            "P1,inr,2026-01-05T09:00:00+01:00,K,U,2019-01-01,personal,+46701234561,true\n",
            "P1,rabies,2026-06-11T14:00:00+02:00,K,U,2019-01-01,personal,+46701234561,true\n",
        ));
        let ids: Vec<&str> = services.records.iter().map(|r| r.id.as_ref()).collect();
        assert_eq!(ids, ["P1/rabies", "P1/inr"]);
        assert_eq!(
            services.records[0].start.to_rfc3339(),
            "2026-06-11T14:00:00+02:00"
        );
        assert_eq!(services.superseded, 2);
        assert_eq!(services.rows(), 4);
        assert!(services.records.iter().all(|r| r.recall.is_some()));
    }

    #[test]
    fn a_bad_row_is_rejected_by_its_services_field_name_and_never_by_its_id() {
        let services = read_csv(concat!(
            "P1,rabies,yesterday,K,U,2019-01-01,personal,+46701234561,true\n",
            "P2,,2025-06-10T14:00:00+02:00,K,U,2019-01-01,personal,+46701234562,true\n",
            "P3,rabies,2025-06-10T14:00:00+02:00,K,U,2019-13-01,personal,+46701234563,true\n",
            "P4,rabies,2025-06-10T14:00:00+02:00,K,U,2019-01-01,personal,0701234564,true\n",
        ));
        let fields: Vec<Option<&str>> = services.rejects.iter().map(|r| r.field).collect();
        assert_eq!(
            fields,
            [Some(PERFORMED_AT), Some(SERVICE), Some("birth_date")]
        );
        assert!(services.rejects.iter().all(|r| r.booking_id.is_none()));
        assert_eq!(services.rows(), 4);
        // A number that cannot be used costs the SMS, not the recall.
        assert_eq!(services.records.len(), 1);
        assert!(services.records[0].patient.mobile_invalid);
    }

    #[test]
    fn json_lines_hold_the_same_columns() {
        let line = r#"{"patient_id":"P1","service":"rabies","performed_at":"2025-06-10T14:00:00+02:00","clinic":"K","unit":"U","birth_date":"2019-01-01","id_kind":"personal","consent_sms":true,"email":null}"#;
        let services =
            read(format!("{line}\n{{\"patient_id\":3}}\n").as_bytes(), false).expect("a feed");
        assert_eq!(services.records.len(), 1);
        assert!(services.records[0].patient.consent_sms);
        assert_eq!(services.rejects[0].field, Some("patient_id"));
    }
}
