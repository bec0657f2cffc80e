//! What an action says: the inline text of its message with the placeholders the engine knows
//! filled in (`{links.*}` are left for the sending system). The sender alias is chosen when the
//! plan is prepared (`MessageRules::sender_for`).

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Timelike};
use chrono_tz::Tz;

use crate::booking::Booking;

/// A piece of a message's text: words as written, or a placeholder the engine fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text as written, including placeholders the engine does not know (`{links.*}`).
    Text(&'a str),
    Date,
    Time,
    Weekday,
    Unit,
    Clinic,
    Exam,
    Sender,
}

/// The pieces of a text, in order. A `{` without its `}` is text like the rest.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        if open > 0 {
            pieces.push(Piece::Text(&rest[..open]));
        }
        pieces.push(match &rest[open + 1..open + len] {
            "booking.date" => Piece::Date,
            "booking.time" => Piece::Time,
            "booking.weekday" => Piece::Weekday,
            "booking.unit" => Piece::Unit,
            "booking.clinic" => Piece::Clinic,
            "booking.exam" => Piece::Exam,
            "sender" => Piece::Sender,
            _ => Piece::Text(&rest[open..=open + len]),
        });
        rest = &rest[open + len + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    pieces
}

/// `text` with `{booking.*}` and `{sender}` filled for this booking, the visit in `visit`'s zone;
/// weekday names in `language` (a template's text's), else the patient's.
pub(super) fn render(
    text: &str,
    booking: &Booking<'_>,
    visit: DateTime<Tz>,
    sender: Option<&str>,
    language: Option<&str>,
) -> String {
    let language = language
        .or(booking.patient.language.as_deref())
        .unwrap_or("en");
    let mut out = String::with_capacity(text.len() + 32);
    for piece in pieces(text) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Date => {
                let _ = write!(
                    out,
                    "{:04}-{:02}-{:02}",
                    visit.year(),
                    visit.month(),
                    visit.day()
                );
            }
            Piece::Time => {
                let _ = write!(out, "{:02}:{:02}", visit.hour(), visit.minute());
            }
            Piece::Weekday => out
                .push_str(weekday_names(language)[visit.weekday().num_days_from_monday() as usize]),
            Piece::Unit => out.push_str(&booking.unit),
            Piece::Clinic => out.push_str(&booking.clinic),
            Piece::Exam => out.push_str(&booking.exam),
            Piece::Sender => out.push_str(sender.unwrap_or("")),
        }
    }
    out
}

/// The languages with weekday names; any other gets English.
pub const WEEKDAY_LANGUAGES: &[&str] = &["sv", "da", "no", "nb", "nn", "it", "de", "fi", "en"];

/// The names of the days in a language, Monday first; English for a language without them.
pub fn weekday_names(language: &str) -> [&'static str; 7] {
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
    match language {
        "sv" => SV,
        "da" => DA,
        "no" | "nb" | "nn" => NO,
        "it" => IT,
        "de" => DE,
        "fi" => FI,
        _ => EN,
    }
}
