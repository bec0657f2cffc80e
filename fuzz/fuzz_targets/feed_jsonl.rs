//! Any bytes as a JSON Lines booking feed: no panic, one row for each line that is not blank
//! (lines end at LF, CRLF or a bare CR), at that line's number, each a booking or a reject; a
//! reject's reason never repeats the digits of a personal value of its line.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rem::feed::Location;
use serde_json::Value;

/// The personal values of a booking object (`patient_id`, the patient's birth date, mobile and
/// e-mail, the guardians' mobiles) and all its other strings and keys.
fn values(line: &[u8]) -> Option<(Vec<String>, Vec<String>)> {
    let Value::Object(map) = serde_json::from_slice::<Value>(line).ok()? else {
        return None;
    };
    let (mut personal, mut other) = (Vec::new(), Vec::new());
    fn all(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Array(items) => items.iter().for_each(|v| all(v, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| {
                out.push(k.clone());
                all(v, out)
            }),
            other => out.push(
                other
                    .as_str()
                    .map_or_else(|| other.to_string(), str::to_string),
            ),
        }
    }
    for (key, value) in &map {
        other.push(key.clone());
        match key.as_str() {
            "patient_id" => all(value, &mut personal),
            "patient" | "guardians" => {
                // Inside these, the phone numbers, e-mail and birth date are personal.
                fn split(value: &Value, personal: &mut Vec<String>, other: &mut Vec<String>) {
                    match value {
                        Value::Array(items) => items.iter().for_each(|v| split(v, personal, other)),
                        Value::Object(map) => map.iter().for_each(|(k, v)| {
                            other.push(k.clone());
                            if matches!(k.as_str(), "mobile" | "email" | "birth_date") {
                                all(v, personal)
                            } else {
                                split(v, personal, other)
                            }
                        }),
                        v => all(v, other),
                    }
                }
                split(value, &mut personal, &mut other);
            }
            _ => all(value, &mut other),
        }
    }
    Some((personal, other))
}

fuzz_target!(|data: &[u8]| {
    let lines = rem_fuzz::text_lines(data);
    let mut feed = rem::feed::jsonl::JsonlFeed::new(data);
    let mut rows = 0;
    while let Some(row) = feed.next_row() {
        let (location, row) = row.expect("a byte slice cannot fail to read");
        let Some(&(number, line)) = lines.get(rows) else {
            panic!(
                "row {} at {location:?}, but the input has only {} rows",
                rows + 1,
                lines.len()
            );
        };
        rows += 1;
        assert_eq!(location, Location::Line(number), "row {rows}");
        let Err(reject) = row else { continue };
        assert_eq!(reject.location, location);
        let Some((personal, other)) = line.and_then(values) else {
            continue;
        };
        let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
        let other: Vec<&str> = other.iter().map(String::as_str).collect();
        rem_fuzz::assert_no_personal_digits(&reject.reason(), &personal, &other);
    }
    assert_eq!(
        rows,
        lines.len(),
        "rows read against lines that are not blank"
    );
});
