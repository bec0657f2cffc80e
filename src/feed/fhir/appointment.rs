//! One Appointment: what rem keeps of it while the rest of the input is read ([`Appointment`]),
//! and the bookings it becomes (one a Patient participant) once every resource is indexed.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};

use super::config::{
    ConsentChannel, ConsentFrom, ExamElement, FeedConfig, NOT_EXAM_SYSTEMS, UnitFrom,
};
use super::index::{self, Index, PATIENT_EXTENSIONS, text};
use super::resource::{Resource, key_type, reference_key};
use crate::feed::{Bad, Column, Problem, RawBooking};

/// This project's extensions on an Appointment, and their columns.
const EXTENSIONS: [(&str, Column); 7] = [
    ("booking-kind", Column::Kind),
    ("booking-source", Column::Source),
    ("booking-reminder", Column::Reminder),
    ("booking-series", Column::SeriesId),
    ("booking-group", Column::GroupId),
    ("status-at", Column::StatusAt),
    ("previous-start", Column::PreviousStart),
];

/// A participant, by what its actor is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Participant {
    /// The actor's reference key (`Patient/12`, a URN, `SCOPE#id`), or `SYSTEM|VALUE` of an
    /// identifier-only reference.
    key: Box<str>,
    identifier_only: bool,
    declined: bool,
}

/// What rem keeps of an Appointment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Appointment {
    /// `Appointment/id`, or the entry's fullUrl: for counting one appointment on two pages once.
    pub key: Option<Box<str>>,
    booking_id: Option<Box<str>>,
    status: Option<Box<str>>,
    start: Option<Box<str>>,
    created: Option<Box<str>>,
    last_updated: Option<Box<str>>,
    exam: Option<Box<str>>,
    extensions: Vec<(Column, Box<str>)>,
    participants: Vec<Participant>,
}

/// The exam: the first code of the configured systems in the configured elements; its
/// mapping when the configuration has one.
fn exam(resource: &Resource, config: &FeedConfig) -> Option<Box<str>> {
    let concepts = |element: ExamElement| -> Vec<&super::resource::CodeableConcept> {
        match element {
            ExamElement::ServiceType => resource.service_type.iter().collect(),
            ExamElement::AppointmentType => resource.appointment_type.iter().collect(),
            ExamElement::ServiceCategory => resource.service_category.iter().collect(),
            ExamElement::Specialty => resource.specialty.iter().collect(),
        }
    };
    let codes = || {
        config
            .exam
            .from
            .iter()
            .flat_map(move |e| concepts(*e))
            .flat_map(|c| c.codes())
    };
    let (system, code) = if config.exam.systems.is_empty() {
        codes().find(|(system, _)| !NOT_EXAM_SYSTEMS.contains(system))?
    } else {
        config
            .exam
            .systems
            .iter()
            .find_map(|wanted| codes().find(|(system, _)| system == wanted))?
    };
    let mapped = config
        .exam
        .codes
        .get(&format!("{system}|{code}"))
        .or_else(|| config.exam.codes.get(code));
    Some(mapped.map_or(code, String::as_str).into())
}

impl Appointment {
    /// Keeps what rem reads of an Appointment; its contained resources go to the index under
    /// `SCOPE#id`.
    pub fn read<'r>(
        resource: Resource<'r>,
        full_url: Option<&str>,
        scope: &str,
        config: &FeedConfig,
    ) -> (Appointment, Vec<Resource<'r>>) {
        let key = resource
            .id
            .as_deref()
            .map(|id| Box::<str>::from(format!("Appointment/{id}")))
            .or_else(|| full_url.and_then(reference_key).map(Into::into));
        let booking_id = resource
            .identifier
            .iter()
            .find_map(|i| i.value.as_deref())
            .or(resource.id.as_deref())
            .map(Into::into);
        let extensions = EXTENSIONS
            .iter()
            .filter_map(|(name, column)| {
                index::extension(&resource.extension, name).map(|v| (*column, v))
            })
            .collect();
        let participants = resource
            .participant
            .iter()
            .filter_map(|p| {
                let actor = p.actor.as_ref()?;
                let declined = p.status.as_deref() == Some("declined");
                if let Some(reference) = actor.reference.as_deref() {
                    let key = reference_key(reference)?;
                    let key = if key.starts_with('#') {
                        format!("{scope}{key}")
                    } else {
                        key
                    };
                    return Some(Participant {
                        key: key.into(),
                        identifier_only: false,
                        declined,
                    });
                }
                let id = actor.identifier.as_ref()?;
                Some(Participant {
                    key: format!(
                        "{}|{}",
                        id.system.as_deref().unwrap_or(""),
                        id.value.as_deref().unwrap_or("")
                    )
                    .into(),
                    identifier_only: true,
                    declined,
                })
            })
            .collect();
        let appointment = Appointment {
            key,
            booking_id,
            status: text(resource.status.as_ref()),
            start: text(resource.start.as_ref()),
            created: text(resource.created.as_ref()),
            last_updated: resource
                .meta
                .as_ref()
                .and_then(|m| text(m.last_updated.as_ref())),
            exam: exam(&resource, config),
            extensions,
            participants,
        };
        (appointment, resource.contained)
    }

    pub fn booking_id(&self) -> Option<String> {
        self.booking_id.as_deref().map(str::to_string)
    }

    /// The participants that are patients (by reference type, or found as Patients), with
    /// their number among all participants (from 1).
    fn patients<'a>(&'a self, index: &'a Index) -> Vec<(usize, &'a Participant)> {
        self.participants
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                if p.identifier_only {
                    return false;
                }
                match key_type(&p.key) {
                    Some(kind) => kind == "Patient",
                    None => index.patient(&p.key).is_some(),
                }
            })
            .map(|(n, p)| (n + 1, p))
            .collect()
    }

    /// The bookings of the appointment: one a patient participant, each a raw booking or why
    /// it cannot be one. An appointment that names its patient by an identifier only, or
    /// names none, is one reject.
    pub fn bookings(
        &self,
        index: &Index,
        config: &FeedConfig,
        now: DateTime<Utc>,
    ) -> Vec<Result<RawBooking<'static>, Bad>> {
        // What is wrong with the appointment itself is said once, whoever its patients are.
        let base = match self.booking_columns(index, config, now) {
            Ok(base) => base,
            Err(bad) => return vec![Err(bad)],
        };
        let patients = self.patients(index);
        if patients.is_empty() {
            let problem = match self.participants.iter().position(|p| p.identifier_only) {
                Some(n) => Problem::IdentifierOnlyReference { participant: n + 1 },
                None => Problem::NoPatient,
            };
            return vec![Err((Column::PatientId, problem))];
        }
        let group = patients.len() > 1;
        patients
            .iter()
            .map(|(number, participant)| {
                let (p, record) = index.patient(&participant.key).ok_or((
                    Column::PatientId,
                    Problem::PatientNotInBundle {
                        participant: *number,
                    },
                ))?;
                let mut raw = base.clone();
                if group {
                    let id = self.booking_id.as_deref().unwrap_or("");
                    raw.set(Column::BookingId, format!("{id}/{number}"));
                    if !raw.has(Column::GroupId) {
                        raw.set(Column::GroupId, id.to_string());
                    }
                    if !raw.has(Column::Kind) {
                        raw.set(Column::Kind, "group");
                    }
                }
                if participant.declined {
                    raw.set(Column::Status, "declined");
                }
                patient_columns(&mut raw, index, p, record, config);
                Ok(raw)
            })
            .collect()
    }

    fn booking_columns(
        &self,
        index: &Index,
        config: &FeedConfig,
        now: DateTime<Utc>,
    ) -> Result<RawBooking<'static>, Bad> {
        let mut raw = RawBooking {
            region: config.phone_region.map(|r| r.0),
            ..RawBooking::default()
        };
        raw.values[Column::BookingId as usize] = owned(&self.booking_id);
        raw.values[Column::Exam as usize] = owned(&self.exam);
        for (column, value) in &self.extensions {
            if !raw.has(*column) {
                raw.set(*column, value.to_string());
            }
        }
        for (column, default) in [(Column::Kind, "single"), (Column::Source, "staff")] {
            if !raw.has(column) {
                raw.set(column, default);
            }
        }
        let status = match self.status.as_deref() {
            None => return Err((Column::Status, Problem::Missing)),
            Some("booked" | "arrived" | "checked-in" | "fulfilled" | "noshow") => "booked",
            Some("proposed" | "pending" | "waitlist") => "pending",
            Some("cancelled") => "cancelled",
            Some("entered-in-error") => return Err((Column::Status, Problem::EnteredInError)),
            Some(_) => return Err((Column::Status, Problem::NotOneOf(STATUSES))),
        };
        raw.set(Column::Status, status);
        if status == "cancelled" && !raw.has(Column::StatusAt) {
            raw.values[Column::StatusAt as usize] = owned(&self.last_updated);
        }
        // A visit proposed or on a waiting list may have no time yet: it is evaluated at `now`,
        // and gets nothing but the reason `not_booked_yet`.
        let now_text = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (start, given_created) = match self.start.as_deref() {
            Some(start) => (start, self.created.as_deref()),
            None if status == "pending" => (now_text.as_str(), None),
            None => return Err((Column::Start, Problem::Missing)),
        };
        raw.set(Column::Start, start.to_string());
        if let Some(created) = created(given_created, start, now) {
            raw.set(Column::Created, created);
        }
        let (clinic, unit) = self.clinic_and_unit(index, config);
        raw.set(
            Column::Clinic,
            clinic.ok_or((Column::Clinic, Problem::NoClinic))?,
        );
        raw.set(Column::Unit, unit.ok_or((Column::Unit, Problem::NoUnit))?);
        Ok(raw)
    }

    /// The clinic and the unit, from the participants that are places (see
    /// `docs/feed-format.md`).
    fn clinic_and_unit(
        &self,
        index: &Index,
        config: &FeedConfig,
    ) -> (Option<String>, Option<String>) {
        let of_kind = |kind: &'static str| -> Vec<&Participant> {
            self.participants
                .iter()
                .filter(|p| {
                    !p.identifier_only
                        && (key_type(&p.key) == Some(kind)
                            || index
                                .place(&p.key)
                                .is_some_and(|place| &*place.kind == kind))
                })
                .collect()
        };
        let order = match config.unit_from {
            UnitFrom::HealthcareService => ["HealthcareService", "Location"],
            UnitFrom::Location => ["Location", "HealthcareService"],
        };
        let places: Vec<&Participant> = order.iter().flat_map(|k| of_kind(k)).collect();
        let unit = places.first().map(|p| {
            let place = index.place(&p.key);
            let names = names_of(&p.key, place);
            names
                .iter()
                .find_map(|n| config.units.get(n.as_str()).cloned())
                .or_else(|| {
                    place
                        .map(|pl| pl.id.to_string())
                        .filter(|id| !id.is_empty())
                })
                .unwrap_or_else(|| id_of(&p.key).to_string())
        });
        // The clinic: a mapped place or organization, else the organization that manages the
        // unit's place, else an Organization participant, else the configured default.
        let organizations: Vec<&Participant> = of_kind("Organization");
        let mut candidates: Vec<String> = Vec::new();
        for p in places.iter().chain(&organizations) {
            let place = index.place(&p.key);
            candidates.extend(names_of(&p.key, place));
            if let Some(org) = place.and_then(|pl| pl.organization.as_deref()) {
                candidates.push(org.to_string());
                candidates.extend(names_of(org, index.place(org)));
            }
        }
        let mapped = candidates
            .iter()
            .find_map(|n| config.clinics.get(n.as_str()).cloned());
        let managing = places.iter().find_map(|p| {
            let org = index.place(&p.key)?.organization.as_deref()?;
            Some(match index.place(org) {
                Some(o) if !o.id.is_empty() => o.id.to_string(),
                _ => id_of(org).to_string(),
            })
        });
        let participant = organizations.first().map(|p| id_of(&p.key).to_string());
        let clinic = mapped
            .or(managing)
            .or(participant)
            .or_else(|| config.clinic.clone());
        (clinic, unit.or_else(|| config.unit.clone()))
    }
}

/// A kept value as a raw booking's value.
fn owned(value: &Option<Box<str>>) -> Option<Cow<'static, str>> {
    value.as_deref().map(|v| Cow::Owned(v.to_string()))
}

const STATUSES: &[&str] = &[
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
];

/// Every name a place may be mapped by: its reference key, identifiers and type codings.
fn names_of(key: &str, place: Option<&index::Place>) -> Vec<String> {
    let mut names = vec![key.to_string()];
    if let Some(place) = place {
        names.extend(place.identifiers.iter().map(|i| i.to_string()));
        names.extend(place.codes.iter().map(|c| c.to_string()));
    }
    names
}

/// The id part of a reference key (`12` of `Location/12`, the value of `SYSTEM|VALUE`).
fn id_of(key: &str) -> &str {
    key.rsplit(['/', '|', '#', ':']).next().unwrap_or(key)
}

/// `created` as an RFC 3339 time: a bare date is its start in the visit's offset; an absent
/// one is `now` (or the visit, if that came first). `None`: leave it to validation.
fn created(created: Option<&str>, start: &str, now: DateTime<Utc>) -> Option<String> {
    let start = DateTime::parse_from_rfc3339(start).ok();
    match (created, start) {
        (Some(c), _) if c.len() > 10 => Some(c.to_string()),
        (Some(date), Some(start)) => {
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
            let at = date
                .and_hms_opt(0, 0, 0)?
                .and_local_timezone(*start.offset())
                .single()?;
            Some(at.to_rfc3339())
        }
        (Some(c), None) => Some(c.to_string()),
        (None, Some(start)) => {
            let now: DateTime<FixedOffset> = now.with_timezone(start.offset());
            Some(now.min(start).to_rfc3339())
        }
        (None, None) => None,
    }
}

/// A birth date as `YYYY-MM-DD`: a year or a year and month is the last day it may be (the
/// latest possible birthday: a patient is never taken for older than they may be).
fn birth_date(text: &str) -> String {
    let last_day = |year: i32, month: u32| {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        };
        next.and_then(|d| d.pred_opt())
    };
    let parts: Vec<&str> = text.split('-').collect();
    let date = match parts.as_slice() {
        [y] if y.len() == 4 => y.parse().ok().and_then(|y| last_day(y, 12)),
        [y, m] if y.len() == 4 && m.len() == 2 => match (y.parse(), m.parse()) {
            (Ok(y), Ok(m)) => last_day(y, m),
            _ => None,
        },
        _ => None,
    };
    match date {
        Some(d) => format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        None => text.get(..10).unwrap_or(text).to_string(),
    }
}

fn patient_columns(
    raw: &mut RawBooking<'static>,
    index: &Index,
    p: u32,
    record: &index::PatientRecord,
    config: &FeedConfig,
) {
    raw.set(Column::PatientId, record.id.to_string());
    raw.values[Column::BirthDate as usize] =
        record.birth_date.as_deref().map(|b| birth_date(b).into());
    raw.set(Column::IdKind, record.id_kind.as_str());
    let region = config.phone_region.map(|r| r.0);
    let number = |mobile: &index::Mobile| mobile.get(region).map(|m| Cow::Owned(m.to_string()));
    raw.values[Column::Mobile as usize] = number(&record.mobile);
    raw.values[Column::Email as usize] = owned(&record.email);
    raw.values[Column::Language as usize] = owned(&record.language);
    raw.set(Column::PatientStatus, record.status.as_str());
    if let Some(interpreter) = record.interpreter {
        raw.set(
            Column::Interpreter,
            if interpreter { "true" } else { "false" },
        );
    }
    let columns = [
        Column::ConsentSms,
        Column::ConsentEmail,
        Column::ConsentSource,
        Column::InboxAccount,
        Column::InboxNotifications,
    ];
    debug_assert_eq!(columns.len(), PATIENT_EXTENSIONS.len());
    for (column, value) in columns.iter().zip(&record.extensions) {
        raw.values[*column as usize] = owned(value);
    }
    consent(raw, index, p, config);
    let guardians = index.guardians(p);
    let columns = [
        (Column::Guardian1Mobile, Column::Guardian1ConsentSms),
        (Column::Guardian2Mobile, Column::Guardian2ConsentSms),
    ];
    for (guardian, (mobile, consent)) in guardians.into_iter().zip(columns) {
        raw.values[mobile as usize] = number(&guardian.mobile);
        raw.set(
            consent,
            guardian
                .consent_sms
                .as_deref()
                .unwrap_or("false")
                .to_string(),
        );
    }
}

/// Consent (R1) as the configuration says: from Consent resources (else the extensions), the
/// extensions alone, or a national registry.
fn consent(raw: &mut RawBooking<'static>, index: &Index, p: u32, config: &FeedConfig) {
    match config.consent.from {
        ConsentFrom::Extensions => {}
        ConsentFrom::Registry => {
            for channel in &config.consent.channels {
                let column = match channel {
                    ConsentChannel::Sms => Column::ConsentSms,
                    ConsentChannel::Email => Column::ConsentEmail,
                };
                raw.set(column, "true");
            }
            raw.set(Column::ConsentSource, "registry");
        }
        ConsentFrom::Resources => {
            let Some(consents) = index.consents(p) else {
                return;
            };
            for (column, given) in [
                (Column::ConsentSms, &consents.sms),
                (Column::ConsentEmail, &consents.email),
            ] {
                if let Some((permit, _)) = given {
                    raw.set(column, if *permit { "true" } else { "false" });
                }
            }
            if !raw.has(Column::ConsentSource) {
                raw.set(Column::ConsentSource, "clinic");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_birth_dates_are_the_latest_possible_birthday() {
        assert_eq!(birth_date("1980"), "1980-12-31");
        assert_eq!(birth_date("1980-02"), "1980-02-29");
        assert_eq!(birth_date("1981-02"), "1981-02-28");
        assert_eq!(birth_date("1980-05-04"), "1980-05-04");
    }

    #[test]
    fn a_bare_created_date_is_its_start_and_an_absent_one_is_now() {
        let now = DateTime::parse_from_rfc3339("2026-03-20T10:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let start = "2026-03-30T09:00:00+02:00";
        assert_eq!(
            created(Some("2026-03-02"), start, now).as_deref(),
            Some("2026-03-02T00:00:00+02:00")
        );
        assert_eq!(
            created(None, start, now).as_deref(),
            Some("2026-03-20T12:00:00+02:00")
        );
        assert_eq!(
            created(None, "2026-03-10T09:00:00+01:00", now).as_deref(),
            Some("2026-03-10T09:00:00+01:00")
        );
    }
}
