//! Every resource an appointment may refer to, as a compact record under every name a
//! reference may use (`Type/id`, an entry's `fullUrl`, a contained resource's `#id` within its
//! appointment). Nothing but these records is kept: a bundle's or a bulk export's patients cost
//! a few hundred bytes each, whatever the size of their resources.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;

use super::config::{ConsentFrom, FeedConfig};
use super::resource::{ContactPoint, Period, Reference, Resource, reference_key};
use crate::booking::{IdKind, PatientStatus};

/// This project's extensions on a Patient, in this order.
pub const PATIENT_EXTENSIONS: [&str; 5] = [
    "consent-sms",
    "consent-email",
    "consent-source",
    "inbox-account",
    "inbox-notifications",
];

/// The values rem reads of a Patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientRecord {
    pub id: Box<str>,
    pub birth_date: Option<Box<str>>,
    pub id_kind: IdKind,
    pub mobile: Mobile,
    pub email: Option<Box<str>>,
    pub language: Option<Box<str>>,
    pub interpreter: Option<bool>,
    pub extensions: [Option<Box<str>>; 5],
    pub status: PatientStatus,
    /// `Patient.contact`s that are guardians.
    pub contacts: Vec<GuardianRecord>,
}

/// A guardian: a RelatedPerson or a Patient.contact with a guardian's relationship.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianRecord {
    pub mobile: Mobile,
    pub consent_sms: Option<Box<str>>,
}

/// The number to send SMS to, as given, and made E.164 (or left as given when it cannot be)
/// for the person's first booking and kept for the others: parsing a national number costs
/// microseconds, and a patient or a guardian has many bookings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mobile {
    given: Option<Box<str>>,
    e164: std::cell::OnceCell<Option<Box<str>>>,
}

impl Mobile {
    fn new(given: Option<Box<str>>) -> Mobile {
        Mobile {
            given,
            e164: std::cell::OnceCell::new(),
        }
    }

    /// The number, in E.164 form when it can be made so with `region`.
    pub fn get(&self, region: Option<phonenumber::country::Id>) -> Option<&str> {
        self.e164
            .get_or_init(|| {
                let given = self.given.as_deref()?;
                Some(
                    match crate::feed::phone::e164(Cow::Borrowed(given), region) {
                        Some(number) => number.into_owned().into_boxed_str(),
                        None => given.into(),
                    },
                )
            })
            .as_deref()
    }
}

/// A Location, HealthcareService or Organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub kind: Box<str>,
    pub id: Box<str>,
    /// `SYSTEM|VALUE` of each identifier.
    pub identifiers: Vec<Box<str>>,
    /// `SYSTEM|CODE` of each type coding.
    pub codes: Vec<Box<str>>,
    /// `Location.managingOrganization` or `HealthcareService.providedBy`: its reference key,
    /// or `SYSTEM|VALUE` of an identifier-only reference.
    pub organization: Option<Box<str>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Related {
    patient: Box<str>,
    guardian: GuardianRecord,
}

/// What a Consent says of each channel: permitted or denied, and when it was given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consents {
    pub sms: Option<(bool, Box<str>)>,
    pub email: Option<(bool, Box<str>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Patient(u32),
    Place(u32),
    /// Another resource, or one kept only for its references (RelatedPerson, Consent).
    Other,
}

/// Two different resources under one name.
#[derive(Debug)]
pub struct Conflict {
    pub kind: String,
}

#[derive(Default)]
pub struct Index {
    names: FxHashMap<Box<str>, Slot>,
    patients: Vec<PatientRecord>,
    places: Vec<Place>,
    related: Vec<Related>,
    consents: Vec<(Box<str>, Consents)>,
    /// Filled by [`Index::finish`]: by patient.
    guardians_of: FxHashMap<u32, Vec<u32>>,
    consents_of: FxHashMap<u32, Consents>,
}

pub fn text(value: Option<&Cow<'_, str>>) -> Option<Box<str>> {
    value.map(|v| Box::from(&**v))
}

/// Whether a period ended before `now` (an end given as a date, or a year, counts to its end).
pub fn ended(period: Option<&Period>, now: DateTime<Utc>) -> bool {
    let Some(end) = period.and_then(|p| p.end.as_deref()) else {
        return false;
    };
    match DateTime::parse_from_rfc3339(end) {
        Ok(t) => t < now,
        Err(_) => {
            // `2014`, `2014-05`, `2014-05-04`: before today's date in the same precision.
            let today = now.format("%Y-%m-%d").to_string();
            end.len() <= today.len() && end < &today[..end.len()]
        }
    }
}

/// The contact point to send SMS to: a `use: mobile` phone first, then an `sms` point, each
/// in order of `rank`; points whose period ended or marked `old` are skipped.
pub fn mobile(telecom: &[ContactPoint], now: DateTime<Utc>) -> Option<Box<str>> {
    let usable = |t: &&ContactPoint| {
        t.value.as_deref().is_some_and(|v| !v.trim().is_empty())
            && t.usage.as_deref() != Some("old")
            && !ended(t.period.as_ref(), now)
    };
    let preference = |t: &ContactPoint| match (t.system.as_deref(), t.usage.as_deref()) {
        (Some("phone"), Some("mobile")) => Some(0),
        (Some("sms"), Some("mobile")) => Some(0),
        (Some("sms"), _) => Some(1),
        _ => None,
    };
    telecom
        .iter()
        .filter(usable)
        .filter_map(|t| Some(((preference(t)?, t.rank.unwrap_or(u32::MAX)), t)))
        .min_by_key(|(order, _)| *order)
        .and_then(|(_, t)| text(t.value.as_ref()))
}

/// The e-mail address: by `rank`, skipping ended and `old` ones.
pub fn email(telecom: &[ContactPoint], now: DateTime<Utc>) -> Option<Box<str>> {
    telecom
        .iter()
        .filter(|t| t.system.as_deref() == Some("email") && t.value.is_some())
        .filter(|t| t.usage.as_deref() != Some("old") && !ended(t.period.as_ref(), now))
        .min_by_key(|t| t.rank.unwrap_or(u32::MAX))
        .and_then(|t| text(t.value.as_ref()))
}

/// The value of one of this project's extensions (`consent-sms`, ...).
pub fn extension(
    resource_extensions: &[super::resource::Extension],
    name: &str,
) -> Option<Box<str>> {
    let url_ends = |url: &str| {
        url.strip_prefix(super::EXTENSION_BASE)
            .is_some_and(|rest| rest == name)
    };
    resource_extensions
        .iter()
        .find(|e| e.url.as_deref().is_some_and(url_ends))
        .and_then(|e| e.text().map(Into::into))
}

fn reference_name(reference: Option<&Reference>) -> Option<Box<str>> {
    let reference = reference?;
    if let Some(key) = reference.reference.as_deref().and_then(reference_key) {
        return Some(key.into());
    }
    let id = reference.identifier.as_ref()?;
    Some(
        format!(
            "{}|{}",
            id.system.as_deref().unwrap_or(""),
            id.value.as_deref()?
        )
        .into(),
    )
}

/// The patient's language: the preferred communication, else the first, as an ISO 639-1 code
/// (`sv-SE` is `sv`).
fn language(resource: &Resource) -> Option<Box<str>> {
    let communication = resource
        .communication
        .iter()
        .find(|c| c.preferred == Some(true))
        .or(resource.communication.first())?;
    let (_, code) = communication.language.as_ref()?.codes().next()?;
    let primary = code.split(['-', '_']).next().unwrap_or(code);
    Some(primary.to_ascii_lowercase().into())
}

fn id_kind(resource: &Resource, config: &FeedConfig) -> IdKind {
    let mut found: Option<IdKind> = None;
    for identifier in resource.identifier.iter() {
        let system = identifier.system.as_deref().unwrap_or("");
        let by_type = identifier.kind.as_ref().and_then(|t| {
            t.codes().find_map(|(_, code)| match code {
                "reserve" => Some(IdKind::Reserve),
                "coordination" => Some(IdKind::Coordination),
                _ => None,
            })
        });
        let kind = config.id_kind_of(system).or(by_type);
        // A personal number wins over a coordination number, which wins over a reserve one.
        found = match (found, kind) {
            (None, k) => k,
            (Some(f), Some(k)) => Some(f.min(k)),
            (f, None) => f,
        };
    }
    found.unwrap_or(IdKind::Personal)
}

fn is_guardian(relationships: &[super::resource::CodeableConcept], config: &FeedConfig) -> bool {
    relationships
        .iter()
        .flat_map(|r| r.codes())
        .any(|(_, code)| config.is_guardian_code(code))
}

impl Index {
    /// Adds a resource (not an Appointment) under its names. `scope` is set for a resource
    /// contained in another: its name is then `SCOPE#id`.
    pub fn add(
        &mut self,
        full_url: Option<&str>,
        scope: Option<&str>,
        resource: Resource,
        config: &FeedConfig,
        now: DateTime<Utc>,
    ) -> Result<(), Conflict> {
        let kind = resource.resource_type.as_deref().unwrap_or("").to_string();
        let mut names: Vec<Box<str>> = Vec::with_capacity(2);
        if let Some(id) = &resource.id {
            names.push(match scope {
                Some(scope) => format!("{scope}#{id}").into(),
                None => format!("{kind}/{id}").into(),
            });
        }
        if let Some(key) = full_url.and_then(reference_key) {
            if !names.iter().any(|n| **n == *key) {
                names.push(key.into());
            }
        }
        if names.is_empty() {
            return Ok(());
        }
        let slot = match kind.as_str() {
            "Patient" => {
                let record = patient(&resource, config, now);
                self.place_or_same(&names, Slot::Patient(self.patients.len() as u32), |index, slot| {
                    matches!(slot, Slot::Patient(i) if index.patients[i as usize] == record)
                })
                .map(|fresh| {
                    if fresh {
                        self.patients.push(record);
                    }
                })
            }
            "Location" | "HealthcareService" | "Organization" => {
                let record = place(&kind, &resource);
                self.place_or_same(&names, Slot::Place(self.places.len() as u32), |index, slot| {
                    matches!(slot, Slot::Place(i) if index.places[i as usize] == record)
                })
                .map(|fresh| {
                    if fresh {
                        self.places.push(record);
                    }
                })
            }
            "RelatedPerson" => {
                let fresh = self
                    .place_or_same(&names, Slot::Other, |_, _| true)
                    .map_err(|()| Conflict { kind: kind.clone() })?;
                if fresh {
                    self.add_related(&resource, config, now);
                }
                Ok(())
            }
            "Consent" => {
                let fresh = self
                    .place_or_same(&names, Slot::Other, |_, _| true)
                    .map_err(|()| Conflict { kind: kind.clone() })?;
                if fresh && config.consent.from == ConsentFrom::Resources {
                    self.add_consent(&resource, config, now);
                }
                Ok(())
            }
            _ => Ok(()),
        };
        slot.map_err(|()| Conflict { kind })
    }

    /// Names the new slot; `Ok(false)` when a resource the same as this one is there already,
    /// `Err` when another one is.
    fn place_or_same(
        &mut self,
        names: &[Box<str>],
        slot: Slot,
        same: impl Fn(&Index, Slot) -> bool,
    ) -> Result<bool, ()> {
        for name in names {
            if let Some(&earlier) = self.names.get(name) {
                return if same(self, earlier) {
                    Ok(false)
                } else {
                    Err(())
                };
            }
        }
        for name in names {
            self.names.insert(name.clone(), slot);
        }
        Ok(true)
    }

    fn add_related(&mut self, resource: &Resource, config: &FeedConfig, now: DateTime<Utc>) {
        let Some(patient) = reference_name(resource.patient.as_ref()) else {
            return;
        };
        if resource.active == Some(false)
            || ended(resource.period.as_ref(), now)
            || !is_guardian(&resource.relationship, config)
        {
            return;
        }
        self.related.push(Related {
            patient,
            guardian: GuardianRecord {
                mobile: Mobile::new(mobile(&resource.telecom, now)),
                consent_sms: extension(&resource.extension, "consent-sms"),
            },
        });
    }

    fn add_consent(&mut self, resource: &Resource, config: &FeedConfig, now: DateTime<Utc>) {
        let Some(patient) = reference_name(resource.patient.as_ref()) else {
            return;
        };
        let active = resource.status.as_deref() == Some("active");
        let Some(provision) = &resource.provision else {
            return;
        };
        let mut found = Consents::default();
        let given: Box<str> = resource.date_time.as_deref().unwrap_or("").into();
        walk(provision, None, config, now, &given, &mut found);
        if !active {
            // A consent withdrawn or rejected permits nothing it named.
            for (permit, _) in [&mut found.sms, &mut found.email].into_iter().flatten() {
                *permit = false;
            }
        }
        if found.sms.is_some() || found.email.is_some() {
            self.consents.push((patient, found));
        }
    }

    /// Links RelatedPersons and Consents to their patients, once every resource is in.
    pub fn finish(&mut self) {
        for (n, related) in self.related.iter().enumerate() {
            if let Some(Slot::Patient(p)) = self.names.get(&related.patient) {
                self.guardians_of.entry(*p).or_default().push(n as u32);
            }
        }
        for (patient, consents) in std::mem::take(&mut self.consents) {
            let Some(Slot::Patient(p)) = self.names.get(&patient) else {
                continue;
            };
            let mine = self.consents_of.entry(*p).or_default();
            // The latest consent of each channel counts.
            for (channel, new) in [
                (&mut mine.sms, consents.sms),
                (&mut mine.email, consents.email),
            ] {
                if let Some(new) = new {
                    if channel.as_ref().is_none_or(|old| old.1 <= new.1) {
                        *channel = Some(new);
                    }
                }
            }
        }
    }

    /// The patient of a reference key.
    pub fn patient(&self, key: &str) -> Option<(u32, &PatientRecord)> {
        match self.names.get(key) {
            Some(Slot::Patient(p)) => Some((*p, &self.patients[*p as usize])),
            _ => None,
        }
    }

    pub fn place(&self, key: &str) -> Option<&Place> {
        match self.names.get(key) {
            Some(Slot::Place(p)) => Some(&self.places[*p as usize]),
            _ => None,
        }
    }

    /// The patient's guardians: their RelatedPersons in input order, else their contacts.
    pub fn guardians(&self, patient: u32) -> Vec<&GuardianRecord> {
        match self.guardians_of.get(&patient) {
            Some(related) => related
                .iter()
                .map(|r| &self.related[*r as usize].guardian)
                .collect(),
            None => self.patients[patient as usize].contacts.iter().collect(),
        }
    }

    pub fn consents(&self, patient: u32) -> Option<&Consents> {
        self.consents_of.get(&patient)
    }
}

/// A Consent's provisions: each names channels by its codes and permits or denies them;
/// nested provisions override their parent for the channels they name.
fn walk(
    provision: &super::resource::Provision,
    inherited: Option<bool>,
    config: &FeedConfig,
    now: DateTime<Utc>,
    given: &str,
    found: &mut Consents,
) {
    if ended(provision.period.as_ref(), now) {
        return;
    }
    let permit = match provision.kind.as_deref() {
        Some("permit") => Some(true),
        Some("deny") => Some(false),
        _ => inherited,
    };
    let codes: Vec<(&str, &str)> = provision
        .code
        .iter()
        .chain(provision.action.iter())
        .flat_map(|c| c.codes())
        .chain(
            provision
                .purpose
                .iter()
                .filter_map(|c| Some((c.system.as_deref().unwrap_or(""), c.code.as_deref()?))),
        )
        .collect();
    let names = |listed: &[String]| {
        codes.iter().any(|(system, code)| {
            listed
                .iter()
                .any(|l| l == code || *l == format!("{system}|{code}"))
        })
    };
    if let Some(permit) = permit {
        if names(&config.consent.sms_codes) {
            found.sms = Some((permit, given.into()));
        }
        if names(&config.consent.email_codes) {
            found.email = Some((permit, given.into()));
        }
    }
    for inner in &provision.provision {
        walk(inner, permit, config, now, given, found);
    }
}

fn patient(resource: &Resource, config: &FeedConfig, now: DateTime<Utc>) -> PatientRecord {
    let status = if resource.deceased_boolean == Some(true) || resource.deceased_date_time.is_some()
    {
        PatientStatus::Deceased
    } else if resource.active == Some(false) {
        PatientStatus::Inactive
    } else {
        PatientStatus::Active
    };
    let contacts = resource
        .contact
        .iter()
        .filter(|c| is_guardian(&c.relationship, config) && !ended(c.period.as_ref(), now))
        .map(|c| GuardianRecord {
            mobile: Mobile::new(mobile(&c.telecom, now)),
            consent_sms: extension(&c.extension, "consent-sms"),
        })
        .collect();
    PatientRecord {
        id: resource.id.as_deref().unwrap_or("").into(),
        birth_date: text(resource.birth_date.as_ref()),
        id_kind: id_kind(resource, config),
        mobile: Mobile::new(mobile(&resource.telecom, now)),
        email: email(&resource.telecom, now),
        language: language(resource),
        interpreter: resource
            .extension
            .iter()
            .find(|e| e.url.as_deref() == Some(super::INTERPRETER_EXTENSION))
            .and_then(|e| e.value_boolean),
        extensions: PATIENT_EXTENSIONS.map(|name| extension(&resource.extension, name)),
        status,
        contacts,
    }
}

fn place(kind: &str, resource: &Resource) -> Place {
    let pair = |system: Option<&str>, value: Option<&str>| {
        value.map(|v| Box::<str>::from(format!("{}|{v}", system.unwrap_or(""))))
    };
    Place {
        kind: kind.into(),
        id: resource.id.as_deref().unwrap_or("").into(),
        identifiers: resource
            .identifier
            .iter()
            .filter_map(|i| pair(i.system.as_deref(), i.value.as_deref()))
            .collect(),
        codes: resource
            .kind
            .iter()
            .flat_map(|c| c.codes())
            .filter_map(|(system, code)| pair(Some(system), Some(code)))
            .collect(),
        organization: reference_name(
            resource
                .managing_organization
                .as_ref()
                .or(resource.provided_by.as_ref()),
        ),
    }
}
