//! Recalls (R8, R9) around the engine: which bookings book a recall's service, and the staff's
//! list of every patient's due services with its status. The timing of a recall's messages is
//! the engine's (`Engine::evaluate` of a record of `feed::services`).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

use crate::booking::{Booking, Status};
use crate::engine::{Engine, PolicyId};

/// The bookings that may book a recall's service: by patient and exam, when each was made and
/// when its visit is. Only bookings of an exam some recall is `booked_by` are kept.
#[derive(Debug, Default)]
pub struct Booked {
    exams: BTreeSet<String>,
    by: HashMap<(String, String), Vec<Visit>>,
}

/// A booking that may book a recall: when it was made, and when its visit is.
type Visit = (DateTime<FixedOffset>, DateTime<FixedOffset>);

impl Booked {
    /// An empty index for the recalls of the engine's plan.
    pub fn new(engine: &Engine) -> Booked {
        let exams = engine
            .plan()
            .policies
            .iter()
            .filter_map(|p| p.recall.as_ref())
            .flat_map(|r| r.booked_by.iter().cloned())
            .collect();
        Booked {
            exams,
            by: HashMap::new(),
        }
    }

    /// Notes a booking of the feed, if it is one that may book a recall.
    pub fn note(&mut self, booking: &Booking<'_>) {
        if booking.status == Status::Booked && self.exams.contains(booking.exam.as_ref()) {
            self.by
                .entry((booking.patient_id.to_string(), booking.exam.to_string()))
                .or_default()
                .push((booking.created, booking.start));
        }
    }

    /// Copies of the records, each marked as `mark` does.
    pub fn marked<'s, 'r: 's>(
        &'s self,
        engine: &'s Engine,
        records: &'s [Booking<'r>],
    ) -> impl Iterator<Item = Booking<'r>> + 's {
        records.iter().map(move |record| {
            let mut record = record.clone();
            self.mark(engine, &mut record);
            record
        })
    }

    /// Sets when the record's service was booked: the earliest booking of one of its recalls'
    /// `booked_by` exams, for a visit after the service was last performed.
    pub fn mark(&self, engine: &Engine, record: &mut Booking<'_>) {
        let exams: BTreeSet<&str> = engine
            .recall_due(record)
            .iter()
            .filter_map(|(id, _)| engine.policy(*id).recall.as_ref())
            .flat_map(|r| r.booked_by.iter().map(String::as_str))
            .collect();
        let booked_at = exams
            .into_iter()
            .filter_map(|exam| {
                self.by
                    .get(&(record.patient_id.to_string(), exam.to_string()))
            })
            .flatten()
            .filter(|(_, start)| *start > record.start)
            .map(|(created, _)| *created)
            .min();
        if let Some(recall) = &mut record.recall {
            recall.booked_at = booked_at;
        }
    }
}

/// Where a service stands on the staff list (R9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DueStatus {
    /// Past its due date and not booked: red.
    Overdue,
    /// Due within the recall's `due_soon` days: yellow.
    Soon,
    /// Due later than that: black.
    Later,
    /// A visit for it is booked.
    Booked,
}

impl DueStatus {
    /// The status's word, for CSV and for programs.
    pub fn word(self) -> &'static str {
        match self {
            DueStatus::Overdue => "overdue",
            DueStatus::Soon => "due_soon",
            DueStatus::Later => "later",
            DueStatus::Booked => "booked",
        }
    }

    /// The colour of the source's staff list: red, yellow, black (a booked one is grey).
    pub fn colour(self) -> &'static str {
        match self {
            DueStatus::Overdue => "red",
            DueStatus::Soon => "yellow",
            DueStatus::Later => "black",
            DueStatus::Booked => "grey",
        }
    }

    /// The status in plain words, shown beside the colour.
    pub fn label(self) -> &'static str {
        match self {
            DueStatus::Overdue => "past due",
            DueStatus::Soon => "due soon",
            DueStatus::Later => "due later",
            DueStatus::Booked => "booked",
        }
    }
}

/// One line of the staff list: a patient's service, when it is due, and its status.
#[derive(Debug, Clone)]
pub struct DueLine {
    pub policy: PolicyId,
    pub patient_id: String,
    pub service: String,
    pub clinic: String,
    pub unit: String,
    pub performed: DateTime<Tz>,
    pub due: DateTime<Tz>,
    /// Whole days from `now`'s date to the due date, in the policy's zone (negative: past).
    pub days_left: i64,
    pub booked_at: Option<DateTime<FixedOffset>>,
    pub status: DueStatus,
}

/// The record's lines on the staff list at `now`: one for each recall that covers it.
pub fn due_lines(engine: &Engine, record: &Booking<'_>, now: DateTime<Utc>) -> Vec<DueLine> {
    let booked_at = record
        .recall
        .and_then(|r| r.booked_at)
        .filter(|b| *b <= now);
    engine
        .recall_due(record)
        .into_iter()
        .filter_map(|(id, due)| {
            let policy = engine.policy(id);
            let recall = policy.recall.as_ref()?;
            let today = now.with_timezone(&policy.timezone).date_naive();
            let days_left = (due.date_naive() - today).num_days();
            let soon = i64::try_from(recall.due_soon_days).unwrap_or(i64::MAX);
            let status = match days_left {
                _ if booked_at.is_some() => DueStatus::Booked,
                d if d < 0 => DueStatus::Overdue,
                d if d <= soon => DueStatus::Soon,
                _ => DueStatus::Later,
            };
            Some(DueLine {
                policy: id,
                patient_id: record.patient_id.to_string(),
                service: record.exam.to_string(),
                clinic: record.clinic.to_string(),
                unit: record.unit.to_string(),
                performed: record.start.with_timezone(&policy.timezone),
                due,
                days_left,
                booked_at,
                status,
            })
        })
        .collect()
}

/// The staff list's lines for every record of a services feed at `now`, each marked booked
/// when `booked` has a visit for it; also how many records no recall covers.
pub fn due_list(
    engine: &Engine,
    booked: &Booked,
    records: &[Booking<'_>],
    now: DateTime<Utc>,
) -> (Vec<DueLine>, u64) {
    let (mut lines, mut uncovered) = (Vec::new(), 0u64);
    for record in booked.marked(engine, records) {
        let found = due_lines(engine, &record, now);
        uncovered += u64::from(found.is_empty());
        lines.extend(found);
    }
    (lines, uncovered)
}
