//! Generated bookings as a FHIR R4 searchset bundle, as a regional server returns a search
//! with `_include`: each Appointment followed by its Patient and the patient's guardians as
//! RelatedPersons, the booking fields FHIR has no element for in this project's extensions
//! (`docs/feed-format.md`).

use serde_json::{Value, json};

use crate::booking::Booking;

const EXT: &str = "https://rem-policies.org/fhir/StructureDefinition/";

/// The bundle's opening, before the first entry.
pub fn write_start(out: &mut Vec<u8>) {
    out.extend_from_slice(br#"{"resourceType":"Bundle","type":"searchset","entry":["#);
    out.push(b'\n');
}

/// The bundle's closing, after the last entry.
pub fn write_end(out: &mut Vec<u8>) {
    out.extend_from_slice(b"]}\n");
}

fn ext(name: &str, value: Value) -> Value {
    let (key, value) = match value {
        Value::Bool(b) => ("valueBoolean", Value::Bool(b)),
        other => ("valueCode", other),
    };
    json!({ "url": format!("{EXT}{name}"), key: value })
}

fn entry(out: &mut Vec<u8>, first: &mut bool, resource: &Value) {
    if !*first {
        out.extend_from_slice(b",\n");
    }
    *first = false;
    let kind = resource["resourceType"].as_str().unwrap_or_default();
    let id = resource["id"].as_str().unwrap_or_default();
    let entry = json!({
        "fullUrl": format!("https://fhir.region.example/r4/{kind}/{id}"),
        "resource": resource,
    });
    // Writing a JSON value into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &entry);
}

/// One booking's entries: its Appointment, its Patient and the patient's guardians. `first`
/// says whether an entry was written yet, for the commas between entries.
pub fn write_booking(out: &mut Vec<u8>, booking: &Booking<'_>, first: &mut bool) {
    entry(out, first, &appointment(booking));
    entry(out, first, &patient(booking));
    for (n, guardian) in booking.guardians.iter().enumerate() {
        let Some(guardian) = guardian else { continue };
        let telecom: Vec<Value> = guardian
            .mobile
            .iter()
            .map(|m| json!({ "system": "phone", "use": "mobile", "value": m }))
            .collect();
        let related = json!({
            "resourceType": "RelatedPerson",
            "id": format!("{}-g{}", booking.patient_id, n + 1),
            "patient": { "reference": format!("Patient/{}", booking.patient_id) },
            "relationship": [{ "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                "code": "GUARD",
            }] }],
            "telecom": telecom,
            "extension": [ext("consent-sms", json!(guardian.consent_sms))],
        });
        entry(out, first, &related);
    }
}

fn appointment(booking: &Booking<'_>) -> Value {
    let time = |t: &chrono::DateTime<chrono::FixedOffset>| t.to_rfc3339();
    let mut extensions = vec![
        ext("booking-kind", json!(booking.kind.as_str())),
        ext("booking-source", json!(booking.source.as_str())),
        ext("booking-reminder", json!(booking.reminder)),
    ];
    let strings = [
        ("booking-series", booking.series_id.as_deref()),
        ("booking-group", booking.group_id.as_deref()),
    ];
    for (name, value) in strings {
        if let Some(value) = value {
            extensions.push(json!({ "url": format!("{EXT}{name}"), "valueString": value }));
        }
    }
    let times = [
        ("status-at", booking.status_at.as_ref()),
        ("previous-start", booking.previous_start.as_ref()),
    ];
    for (name, value) in times {
        if let Some(value) = value {
            extensions.push(json!({ "url": format!("{EXT}{name}"), "valueDateTime": time(value) }));
        }
    }
    let status = match booking.status {
        crate::booking::Status::Booked => "booked",
        crate::booking::Status::Cancelled => "cancelled",
        crate::booking::Status::Pending => "pending",
        // The patient declined a visit that goes on: the participant says so.
        crate::booking::Status::Declined => "booked",
    };
    let participant = if booking.status == crate::booking::Status::Declined {
        "declined"
    } else {
        "accepted"
    };
    json!({
        "resourceType": "Appointment",
        "id": booking.id.replace(['/', '_'], "-"),
        "identifier": [{ "system": "urn:example:booking", "value": booking.id }],
        "status": status,
        "appointmentType": { "coding": [{ "code": booking.exam }] },
        "start": time(&booking.start),
        "created": time(&booking.created),
        "extension": extensions,
        "participant": [
            { "actor": { "reference": format!("Patient/{}", booking.patient_id) }, "status": participant },
            { "actor": { "reference": format!("Organization/{}", booking.clinic) }, "status": "accepted" },
            { "actor": { "reference": format!("HealthcareService/{}", booking.unit) }, "status": "accepted" },
        ],
    })
}

fn patient(booking: &Booking<'_>) -> Value {
    let patient = &booking.patient;
    let mut telecom = Vec::new();
    if let Some(mobile) = &patient.mobile {
        telecom.push(json!({ "system": "phone", "use": "mobile", "value": mobile }));
    }
    if let Some(email) = &patient.email {
        telecom.push(json!({ "system": "email", "value": email }));
    }
    let id_system = match patient.id_kind {
        crate::booking::IdKind::Personal => "urn:oid:1.2.752.129.2.1.3.1",
        crate::booking::IdKind::Coordination => "urn:oid:1.2.752.129.2.1.3.3",
        crate::booking::IdKind::Reserve => "urn:example:reservnummer",
    };
    let mut resource = json!({
        "resourceType": "Patient",
        "id": booking.patient_id,
        "identifier": [{ "system": id_system, "value": format!("{}-id", booking.patient_id) }],
        "birthDate": patient.birth_date.format("%Y-%m-%d").to_string(),
        "telecom": telecom,
        "extension": [
            ext("consent-sms", json!(patient.consent_sms)),
            ext("consent-email", json!(patient.consent_email)),
            ext("consent-source", json!(patient.consent_source.as_str())),
            ext("inbox-account", json!(patient.inbox_account)),
            ext("inbox-notifications", json!(patient.inbox_notifications)),
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired",
                "valueBoolean": patient.interpreter,
            },
        ],
    });
    if let Some(language) = &patient.language {
        resource["communication"] = json!([{ "language": { "coding": [{ "system": "urn:ietf:bcp:47", "code": language }] } }]);
    }
    if patient.status == crate::booking::PatientStatus::Deceased {
        resource["deceasedBoolean"] = json!(true);
    }
    resource
}
