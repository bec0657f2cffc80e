//! HL7 FHIR R4: a Bundle of Appointment, Patient and RelatedPerson resources. Each
//! Appointment is one booking; its patient and the patient's related persons (guardians) are
//! found through references. What FHIR has no element for comes from extensions under
//! [`EXTENSION_BASE`]. The mapping is documented in `docs/feed-format.md`. A bundle is read
//! whole: FHIR bundles are batches, not streams.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

use super::{Bad, Column, FeedError, Location, Problem, RawBooking, Row, reject};

/// The extensions of this project: `{EXTENSION_BASE}booking-source` and so on.
pub const EXTENSION_BASE: &str = "https://rem-policies.org/fhir/StructureDefinition/";
/// The standard extension for an interpreter need.
pub const INTERPRETER_EXTENSION: &str =
    "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired";

/// Reads a bundle; one entry in the result per Appointment, in bundle order.
pub fn read_bundle(text: &str) -> Result<Vec<Row<'static>>, FeedError> {
    let bundle: Value = serde_json::from_str(text).map_err(|e| FeedError::NotABundle {
        reason: format!("not valid JSON (line {}, column {})", e.line(), e.column()),
    })?;
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(FeedError::NotABundle {
            reason: "its resourceType is not Bundle".to_string(),
        });
    }
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    // Resources by every name a reference may use: `Type/id` and the entry's fullUrl. Two
    // different resources under one name are refused: which one is the patient's? (The same
    // resource twice, as a server may include it, is harmless.)
    let mut by_reference: HashMap<String, &Value> = HashMap::new();
    let mut entry_of: HashMap<String, usize> = HashMap::new();
    let mut related: Vec<&Value> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let Some(resource) = entry.get("resource") else {
            continue;
        };
        // Appointments are the rows, not something referred to: two with one id are two rows
        // with one booking id, rejected row by row.
        if text_at(resource, "resourceType") == Some("Appointment") {
            continue;
        }
        let mut names = Vec::new();
        if let (Some(kind), Some(id)) = (text_at(resource, "resourceType"), text_at(resource, "id"))
        {
            names.push(format!("{kind}/{id}"));
        }
        if let Some(full_url) = text_at(entry, "fullUrl") {
            names.push(full_url.to_string());
        }
        let mut repeated = false;
        for name in names {
            if let Some(earlier) = by_reference.get(&name) {
                if *earlier != resource {
                    // The id is not shown: a Patient's id may be personal.
                    return Err(FeedError::DuplicateResource {
                        kind: text_at(resource, "resourceType")
                            .unwrap_or("resource")
                            .to_string(),
                        first: entry_of.get(&name).copied().unwrap_or_default(),
                        second: index,
                    });
                }
                repeated = true;
                continue;
            }
            entry_of.insert(name.clone(), index);
            by_reference.insert(name, resource);
        }
        if repeated {
            continue;
        }
        if text_at(resource, "resourceType") == Some("RelatedPerson") {
            related.push(resource);
        }
    }
    let mut rows = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let Some(resource) = entry.get("resource") else {
            continue;
        };
        if text_at(resource, "resourceType") != Some("Appointment") {
            continue;
        }
        let location = Location::Entry(index);
        let raw = appointment(resource, &by_reference, &related);
        let booking_id = appointment_id(resource).map(str::to_string);
        rows.push((
            location,
            raw.and_then(RawBooking::validate)
                .map_err(|e| reject(location, booking_id, e)),
        ));
    }
    Ok(rows)
}

fn text_at<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

fn owned(text: &str) -> Cow<'static, str> {
    Cow::Owned(text.to_string())
}

/// The value of one of this project's extensions, as text.
fn extension(resource: &Value, name: &str) -> Option<Cow<'static, str>> {
    let url = format!("{EXTENSION_BASE}{name}");
    extension_value(resource, &url)
}

fn extension_value(resource: &Value, url: &str) -> Option<Cow<'static, str>> {
    let ext = resource
        .get("extension")?
        .as_array()?
        .iter()
        .find(|e| text_at(e, "url") == Some(url))?;
    for key in ["valueCode", "valueString", "valueDateTime", "valueDate"] {
        if let Some(text) = text_at(ext, key) {
            return Some(owned(text));
        }
    }
    ext.get("valueBoolean")
        .and_then(Value::as_bool)
        .map(|b| Cow::Borrowed(if b { "true" } else { "false" }))
}

fn first_code(concept: Option<&Value>) -> Option<&str> {
    concept?
        .get("coding")?
        .as_array()?
        .iter()
        .find_map(|c| text_at(c, "code"))
}

/// `(mobile, email)` from a resource's telecom list.
fn telecom(resource: &Value) -> (Option<&str>, Option<&str>) {
    let list = resource
        .get("telecom")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let find = |system: &str, mobile_only: bool| {
        list.iter()
            .find(|t| {
                text_at(t, "system") == Some(system)
                    && (!mobile_only || text_at(t, "use") == Some("mobile"))
            })
            .and_then(|t| text_at(t, "value"))
    };
    (
        find("phone", true).or_else(|| find("sms", false)),
        find("email", false),
    )
}

fn id_kind(patient: &Value) -> &'static str {
    let identifiers = patient
        .get("identifier")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for identifier in identifiers {
        let system = text_at(identifier, "system")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let code = first_code(identifier.get("type")).unwrap_or_default();
        if code == "reserve" || system.contains("reserv") {
            return "reserve";
        }
        if code == "coordination"
            || system.contains("samordningsnummer")
            || system.contains("coordination")
        {
            return "coordination";
        }
    }
    "personal"
}

/// `Appointment.identifier[0].value`, else `Appointment.id`.
fn appointment_id(appointment: &Value) -> Option<&str> {
    appointment
        .get("identifier")
        .and_then(Value::as_array)
        .and_then(|ids| ids.iter().find_map(|i| text_at(i, "value")))
        .or_else(|| text_at(appointment, "id"))
}

fn appointment(
    appointment: &Value,
    by_reference: &HashMap<String, &Value>,
    related: &[&Value],
) -> Result<RawBooking<'static>, Bad> {
    let mut raw = RawBooking::default();
    booking_columns(&mut raw, appointment)?;
    let patient_reference = participants(&mut raw, appointment)?;
    let Some(patient) = by_reference.get(patient_reference) else {
        return Err((Column::PatientId, Problem::PatientNotInBundle));
    };
    patient_columns(&mut raw, patient);
    guardian_columns(&mut raw, patient, patient_reference, related);
    Ok(raw)
}

fn put(raw: &mut RawBooking<'static>, column: Column, value: Option<Cow<'static, str>>) {
    raw.values[column as usize] = value;
}

/// The booking's own columns, from the Appointment and its extensions.
fn booking_columns(raw: &mut RawBooking<'static>, appointment: &Value) -> Result<(), Bad> {
    put(
        raw,
        Column::BookingId,
        appointment_id(appointment).map(owned),
    );
    let status = match text_at(appointment, "status") {
        Some("cancelled") => "cancelled",
        Some("entered-in-error") => return Err((Column::Status, Problem::EnteredInError)),
        _ => "booked",
    };
    put(raw, Column::Status, Some(Cow::Borrowed(status)));
    put(raw, Column::Start, text_at(appointment, "start").map(owned));
    put(
        raw,
        Column::Created,
        text_at(appointment, "created").map(owned),
    );
    let exam = first_code(appointment.get("appointmentType"))
        .or_else(|| first_code(appointment.get("serviceType").and_then(|s| s.get(0))));
    put(raw, Column::Exam, exam.map(owned));
    let kind = extension(appointment, "booking-kind").unwrap_or(Cow::Borrowed("single"));
    put(raw, Column::Kind, Some(kind));
    let source = extension(appointment, "booking-source").unwrap_or(Cow::Borrowed("staff"));
    put(raw, Column::Source, Some(source));
    for (column, name) in [
        (Column::Reminder, "booking-reminder"),
        (Column::SeriesId, "booking-series"),
        (Column::GroupId, "booking-group"),
        (Column::StatusAt, "status-at"),
        (Column::PreviousStart, "previous-start"),
    ] {
        put(raw, column, extension(appointment, name));
    }
    Ok(())
}

/// The clinic and unit from the participants; the reference to the patient.
fn participants<'v>(raw: &mut RawBooking<'static>, appointment: &'v Value) -> Result<&'v str, Bad> {
    let mut patient_reference = None;
    let participants = appointment
        .get("participant")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for participant in participants {
        let Some(reference) = participant
            .get("actor")
            .and_then(|a| text_at(a, "reference"))
        else {
            continue;
        };
        let (kind, id) = reference.split_once('/').unwrap_or(("", reference));
        match kind {
            "Patient" => patient_reference = Some(reference),
            "Organization" => put(raw, Column::Clinic, Some(owned(id))),
            "HealthcareService" | "Location" => put(raw, Column::Unit, Some(owned(id))),
            _ => {}
        }
    }
    patient_reference.ok_or((Column::PatientId, Problem::NoPatient))
}

/// The patient's columns, from the Patient and its extensions.
fn patient_columns(raw: &mut RawBooking<'static>, patient: &Value) {
    put(raw, Column::PatientId, text_at(patient, "id").map(owned));
    put(
        raw,
        Column::BirthDate,
        text_at(patient, "birthDate").map(owned),
    );
    put(raw, Column::IdKind, Some(Cow::Borrowed(id_kind(patient))));
    let (mobile, email) = telecom(patient);
    put(raw, Column::Mobile, mobile.map(owned));
    put(raw, Column::Email, email.map(owned));
    for (column, name) in [
        (Column::ConsentSms, "consent-sms"),
        (Column::ConsentEmail, "consent-email"),
        (Column::ConsentSource, "consent-source"),
        (Column::InboxAccount, "inbox-account"),
        (Column::InboxNotifications, "inbox-notifications"),
    ] {
        put(raw, column, extension(patient, name));
    }
    put(
        raw,
        Column::Interpreter,
        extension_value(patient, INTERPRETER_EXTENSION),
    );
    let language = patient
        .get("communication")
        .and_then(|c| c.get(0))
        .and_then(|c| first_code(c.get("language")));
    put(raw, Column::Language, language.map(owned));
}

/// Guardians: the patient's RelatedPersons in bundle order, else the patient's contacts.
fn guardian_columns(
    raw: &mut RawBooking<'static>,
    patient: &Value,
    patient_reference: &str,
    related: &[&Value],
) {
    let patient_id = text_at(patient, "id").map(|id| format!("Patient/{id}"));
    let mut guardians: Vec<&Value> = related
        .iter()
        .copied()
        .filter(|r| {
            let target = r.get("patient").and_then(|p| text_at(p, "reference"));
            target.is_some()
                && (target == Some(patient_reference) || target == patient_id.as_deref())
        })
        .collect();
    if guardians.is_empty() {
        guardians = patient
            .get("contact")
            .and_then(Value::as_array)
            .map(|c| c.iter().collect())
            .unwrap_or_default();
    }
    let columns = [
        (Column::Guardian1Mobile, Column::Guardian1ConsentSms),
        (Column::Guardian2Mobile, Column::Guardian2ConsentSms),
    ];
    for (guardian, (mobile_column, consent_column)) in guardians.into_iter().zip(columns) {
        put(raw, mobile_column, telecom(guardian).0.map(owned));
        let consent = extension(guardian, "consent-sms").or(Some(Cow::Borrowed("false")));
        put(raw, consent_column, consent);
    }
}
