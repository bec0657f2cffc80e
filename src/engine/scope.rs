//! Rules 1 and 2: which policies cover a booking, and the settings of the booking's unit.

use super::Engine;
use super::outcome::PolicyId;
use crate::booking::Booking;

/// Whether the policy covers the booking: its clinic is one of the policy's `clinics`, and its
/// unit, exam and kind are in `units`, `exams` and `kinds` where the policy lists them.
pub(super) fn covers(engine: &Engine, id: PolicyId, booking: &Booking<'_>) -> bool {
    let policy = engine.policy(id);
    let scope = &policy.scope;
    // Recalls are evaluated by recall policies only, bookings by the others.
    if policy.recall.is_some() != booking.recall.is_some() {
        return false;
    }
    scope.clinics.iter().any(|c| c == booking.clinic.as_ref())
        && listed(&scope.units, &booking.unit)
        && listed(&scope.exams, &booking.exam)
        && engine.rules[id.0]
            .kinds
            .as_ref()
            .is_none_or(|k| k.contains(&booking.kind))
}

/// Whether `value` is in the list a scope gives, where it gives one.
fn listed(list: &Option<Vec<String>>, value: &str) -> bool {
    list.as_ref().is_none_or(|l| l.iter().any(|x| x == value))
}

/// Why no policy covers the booking, in words: the policy that comes nearest (the most of
/// clinic, unit, exam and kind matching; the first in the plan on a tie) and what keeps it out.
/// `None` when no policy is of the booking's sort (a recall, or a booking).
pub(super) fn nearest_miss(engine: &Engine, booking: &Booking<'_>) -> Option<String> {
    // The values and whether there are several.
    let shown = |values: &mut dyn Iterator<Item = &str>| {
        let values: Vec<String> = values.map(|v| format!("`{v}`")).collect();
        let text = match values.len() {
            0..=3 => values.join(", "),
            n => format!("{}, and {} more", values[..3].join(", "), n - 3),
        };
        (text, values.len() > 1)
    };
    let misses = |id: PolicyId| {
        let policy = engine.policy(id);
        let scope = &policy.scope;
        let mut missed: Vec<(&str, (String, bool), String)> = Vec::new();
        if !scope.clinics.iter().any(|c| c == booking.clinic.as_ref()) {
            let values = shown(&mut scope.clinics.iter().map(String::as_str));
            missed.push(("clinic", values, booking.clinic.to_string()));
        }
        for (field, list, value) in [
            ("unit", &scope.units, &booking.unit),
            ("exam", &scope.exams, &booking.exam),
        ] {
            if let (false, Some(list)) = (listed(list, value), list) {
                let values = shown(&mut list.iter().map(String::as_str));
                missed.push((field, values, value.to_string()));
            }
        }
        if let Some(kinds) = &engine.rules[id.0].kinds {
            if !kinds.contains(&booking.kind) {
                let values = shown(&mut kinds.iter().map(|k| k.as_str()));
                missed.push(("kind", values, booking.kind.as_str().to_string()));
            }
        }
        missed
    };
    let (id, missed) = engine
        .policy_ids()
        .filter(|&id| engine.policy(id).recall.is_some() == booking.recall.is_some())
        .map(|id| (id, misses(id)))
        // A policy of the booking's clinic is nearer than any of another clinic.
        .min_by_key(|(id, missed)| {
            let other_clinic = missed
                .first()
                .is_some_and(|(field, _, _)| *field == "clinic");
            (other_clinic, missed.len(), id.0)
        })?;
    let (field, (values, several), value) = missed.first()?;
    // `unit `LAK``, `units `LAK`, `DSK``.
    let field = if *several {
        format!("{field}s")
    } else {
        (*field).to_string()
    };
    let others: Vec<&str> = missed[1..].iter().map(|(f, _, _)| *f).collect();
    let also = match others.as_slice() {
        [] => String::new(),
        others => format!(" (nor its {})", others.join(", ")),
    };
    Some(format!(
        "no policy covers this booking: the nearest, `{}`, is for {field} {values}, not `{value}`{also}",
        engine.policy(id).name
    ))
}

/// Age in whole years on `date`.
pub(super) fn age_on(birth: chrono::NaiveDate, date: chrono::NaiveDate) -> i64 {
    use chrono::Datelike;
    let mut age = i64::from(date.year()) - i64::from(birth.year());
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}
