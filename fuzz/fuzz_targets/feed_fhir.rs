//! Any UTF-8 text as a FHIR bundle or resource: no panic; every row is a booking or a reject, located at an
//! entry of the bundle; a reject's reason never repeats the digits of a patient's phone
//! number, birth date or id.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rem::feed::Location;
use serde_json::Value;

/// Strings under `telecom` (phone numbers, e-mail addresses), `birthDate` and a Patient's `id`
/// are personal; every other string of the bundle is not.
fn strings<'a>(value: &'a Value, personal: bool, out: &mut (Vec<&'a str>, Vec<&'a str>)) {
    match value {
        Value::String(s) => {
            if personal {
                out.0.push(s)
            } else {
                out.1.push(s)
            }
        }
        Value::Array(items) => items.iter().for_each(|v| strings(v, personal, out)),
        Value::Object(map) => {
            let patient = map.get("resourceType").and_then(Value::as_str) == Some("Patient");
            for (key, v) in map {
                let personal =
                    personal || key == "telecom" || key == "birthDate" || (patient && key == "id");
                strings(v, personal, out);
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = chrono::DateTime::UNIX_EPOCH;
    let config = rem::feed::fhir::FeedConfig::default();
    let Ok(rows) = rem::feed::fhir::read_one(text.as_bytes(), &config, now) else {
        return;
    };
    let json: Option<Value> = serde_json::from_str(text).ok();
    let mut values = (Vec::new(), Vec::new());
    if let Some(json) = &json {
        strings(json, false, &mut values);
    }
    for (location, row) in &rows {
        assert!(matches!(location, Location::Entry(_)), "{location:?}");
        if let Err(reject) = row {
            assert_eq!(reject.location, *location);
            rem_fuzz::assert_no_personal_digits(&reject.reason(), &values.0, &values.1);
        }
    }
});
