//! What an action says: the inline text of its message with the placeholders the engine knows
//! filled in (`{links.*}` are left for the sending system). The sender alias is chosen when the
//! plan is prepared (`MessageRules::sender_for`).

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Timelike};
use chrono_tz::Tz;

use crate::booking::Booking;

/// `text` with `{booking.*}` and `{sender}` filled for this booking, the visit in `visit`'s zone.
pub(super) fn render(
    text: &str,
    booking: &Booking<'_>,
    visit: DateTime<Tz>,
    sender: Option<&str>,
) -> String {
    let language = booking.patient.language.as_deref().unwrap_or("en");
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + len];
        match name {
            "booking.date" => {
                let _ = write!(
                    out,
                    "{:04}-{:02}-{:02}",
                    visit.year(),
                    visit.month(),
                    visit.day()
                );
            }
            "booking.time" => {
                let _ = write!(out, "{:02}:{:02}", visit.hour(), visit.minute());
            }
            "booking.weekday" => {
                out.push_str(weekday(language, visit.weekday().num_days_from_monday()))
            }
            "booking.unit" => out.push_str(&booking.unit),
            "booking.clinic" => out.push_str(&booking.clinic),
            "booking.exam" => out.push_str(&booking.exam),
            "sender" => out.push_str(sender.unwrap_or("")),
            _ => out.push_str(&rest[open..=open + len]),
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out
}

/// The languages with weekday names; any other gets English.
pub const WEEKDAY_LANGUAGES: &[&str] = &["sv", "da", "no", "nb", "nn", "it", "de", "fi", "en"];

fn weekday(language: &str, day: u32) -> &'static str {
    const SV: [&str; 7] = [
        "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag",
    ];
    const DA: [&str; 7] = [
        "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
    ];
    const NO: [&str; 7] = [
        "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
    ];
    const IT: [&str; 7] = [
        "lunedì",
        "martedì",
        "mercoledì",
        "giovedì",
        "venerdì",
        "sabato",
        "domenica",
    ];
    const DE: [&str; 7] = [
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
        "Sonntag",
    ];
    const FI: [&str; 7] = [
        "maanantai",
        "tiistai",
        "keskiviikko",
        "torstai",
        "perjantai",
        "lauantai",
        "sunnuntai",
    ];
    const EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let names = match language {
        "sv" => SV,
        "da" => DA,
        "no" | "nb" | "nn" => NO,
        "it" => IT,
        "de" => DE,
        "fi" => FI,
        _ => EN,
    };
    names[day as usize % 7]
}
