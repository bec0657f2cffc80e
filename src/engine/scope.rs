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
    let listed = |list: &Option<Vec<String>>, value: &str| {
        list.as_ref().is_none_or(|l| l.iter().any(|x| x == value))
    };
    scope.clinics.iter().any(|c| c == booking.clinic.as_ref())
        && listed(&scope.units, &booking.unit)
        && listed(&scope.exams, &booking.exam)
        && engine.rules[id.0]
            .kinds
            .as_ref()
            .is_none_or(|k| k.contains(&booking.kind))
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
