//! Synthetic booking feeds (`rem gen`): N bookings with the mix a region's export has, and the
//! delivery events that go with them, for benchmarks and for trying policies on volume.
//!
//! The bookings fall in the scopes of the policies given (their clinics, units and exams), and
//! a share in no policy's scope. The mix: adults and minors with one or two guardians, consent
//! and inbox rates, personal, coordination and reserve numbers, interpreter need, portal and
//! quick-book bookings, series, team and group visits, lead times from the same day to
//! months, visits on the days clocks change, cancellations and moved visits, and a few mobile
//! numbers no gateway can use. Phone numbers come only from ranges reserved for fiction and
//! tests (Sweden's PTS: 070-17 406 05 to 99), e-mail addresses only from `example.org`.
//!
//! Deterministic: the same seed, count, policies and `now` give the same bookings, byte for
//! byte. Nothing here reads the clock or a file; [`crate::cli`] writes what it returns.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::booking::{
    Booking, ConsentSource, Guardian, IdKind, Kind, Patient, PatientStatus, Source, Status,
};
use crate::plan::{Plan, When};
use crate::schema::{Channel, EventKind, Who};

pub mod fhir;

/// Where generated bookings go: one policy's clinic, units, exams and time zone.
#[derive(Debug, Clone)]
pub struct Place {
    pub clinic: String,
    pub units: Vec<String>,
    pub exams: Vec<String>,
    pub timezone: Tz,
    /// The messages sent at booking (letters, confirmations): the events are about them.
    pub at_booking: Vec<(String, Channel)>,
}

/// The places of a plan: one a policy that evaluates bookings (recalls are left out).
pub fn places(plan: &Plan) -> Vec<Place> {
    // A policy for every unit (or exam) of its clinic books at the units that the clinic's
    // other policies name, as a clinic's bookings do.
    let named = |clinic: &String, field: fn(&crate::plan::Scope) -> &Option<Vec<String>>| {
        let mut names: Vec<String> = plan
            .policies
            .iter()
            .filter(|p| p.scope.clinics.contains(clinic))
            .filter_map(|p| field(&p.scope).clone())
            .flatten()
            .collect();
        names.sort();
        names.dedup();
        names
    };
    plan.policies
        .iter()
        .filter(|p| p.recall.is_none())
        .flat_map(|policy| {
            let clinic = policy.scope.clinics.first();
            let or_clinics = |own: &Option<Vec<String>>, field, default: &str| match own {
                Some(names) => names.clone(),
                None => {
                    let names = clinic.map(|c| named(c, field)).unwrap_or_default();
                    if names.is_empty() {
                        vec![default.to_string()]
                    } else {
                        names
                    }
                }
            };
            let units = or_clinics(&policy.scope.units, |s| &s.units, "MOTT");
            let exams = or_clinics(&policy.scope.exams, |s| &s.exams, "besok");
            let at_booking: Vec<(String, Channel)> = policy
                .messages
                .iter()
                .filter(|m| m.triggers.iter().any(|t| t.when == When::AtBooking))
                .map(|m| (m.name.clone(), m.channel))
                .collect();
            policy.scope.clinics.iter().map(move |clinic| Place {
                clinic: clinic.clone(),
                units: units.clone(),
                exams: exams.clone(),
                timezone: policy.timezone,
                at_booking: at_booking.clone(),
            })
        })
        .collect()
}

/// One event of the generated event feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenEvent {
    pub booking_id: String,
    pub message: String,
    pub channel: Channel,
    pub recipient: Who,
    pub kind: EventKind,
    pub at: DateTime<FixedOffset>,
}

impl GenEvent {
    /// The event as a line of a JSON Lines event feed (`docs/feed-format.md`).
    pub fn write_jsonl(&self, out: &mut Vec<u8>) {
        let line = serde_json::json!({
            "booking_id": self.booking_id,
            "message": self.message,
            "channel": self.channel.as_str(),
            "recipient": self.recipient.as_str(),
            "event": self.kind.as_str(),
            "at": self.at.to_rfc3339(),
        });
        // Writing a JSON value into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, &line);
        out.push(b'\n');
    }
}

/// A group visit whose members are being made: they follow each other, as a booking system
/// exports them, and share the place, the start and (nearly always) the reminder flag.
struct Group {
    id: String,
    place: usize,
    start: DateTime<FixedOffset>,
    reminder: bool,
    left: u32,
}

/// Mobile numbers reserved for fiction and tests (PTS, Sweden): +46 70 174 06 05 to 99.
const MOBILES: std::ops::RangeInclusive<u32> = 5..=99;
/// Shares, in per mille, of the realistic mix.
const OUT_OF_SCOPE: u32 = 50;
const MINORS: u32 = 180;
const LANGUAGES: [(&str, u32); 6] = [
    ("sv", 860),
    ("en", 40),
    ("ar", 35),
    ("fi", 25),
    ("so", 20),
    ("", 20),
];

/// The generator: a seeded random source and where the bookings go.
pub struct Generator {
    rng: fastrand::Rng,
    places: Vec<Place>,
    now: DateTime<Utc>,
    /// Bookings made so far: numbers the ids.
    made: u64,
    /// The group visit being filled.
    group: Option<Group>,
}

impl Generator {
    pub fn new(seed: u64, places: Vec<Place>, now: DateTime<Utc>) -> Generator {
        Generator {
            rng: fastrand::Rng::with_seed(seed),
            places,
            now,
            made: 0,
            group: None,
        }
    }

    fn chance(&mut self, per_mille: u32) -> bool {
        self.rng.u32(0..1000) < per_mille
    }

    fn pick<'p, T>(&mut self, items: &'p [T]) -> &'p T {
        &items[self.rng.usize(0..items.len())]
    }

    fn mobile(&mut self) -> String {
        // One in two hundred numbers is a slip no gateway can use (too short).
        if self.chance(5) {
            return format!("070-17{}", self.rng.u32(0..10));
        }
        format!("+467017406{:02}", self.rng.u32(MOBILES))
    }

    /// The next booking and the events reported about it so far (by `now`).
    pub fn next_booking(&mut self) -> (Booking<'static>, Vec<GenEvent>) {
        self.made += 1;
        let n = self.made;
        let (place, group) = self.place_and_group();
        let reminder = match &group {
            // One group in a hundred has a member whose flag staff switched off alone (R17).
            Some(group) if !self.chance(10) => group.reminder,
            _ => !self.chance(30),
        };
        let (clinic, unit, exam, zone) = match place {
            Some(i) => {
                let place = &self.places[i];
                let unit = place.units[self.rng.usize(0..place.units.len())].clone();
                let exam = place.exams[self.rng.usize(0..place.exams.len())].clone();
                (place.clinic.clone(), unit, exam, place.timezone)
            }
            None => (
                "Annan klinik".to_string(),
                "MOTT".to_string(),
                "besok".to_string(),
                chrono_tz::Europe::Stockholm,
            ),
        };
        let start = match &group {
            Some(group) => group.start,
            None => self.start(zone),
        };
        let created = self.created(start, zone);
        let (kind, series_id, group_id) = match group {
            Some(group) => (Kind::Group, None, Some(Cow::Owned(group.id))),
            None => match self.rng.u32(0..1000) {
                0..80 => (Kind::Series, Some(Cow::Owned(format!("S{}", n / 4))), None),
                80..120 => (Kind::Team, None, None),
                _ => (Kind::Single, None, None),
            },
        };
        let source = match self.rng.u32(0..1000) {
            0..200 => Source::Portal,
            200..300 => Source::QuickBook,
            _ => Source::Staff,
        };
        let (status, status_at, previous_start) = match self.rng.u32(0..1000) {
            0..40 => {
                let at = created + (self.now.fixed_offset() - created) / 2;
                (Status::Cancelled, Some(at), None)
            }
            40..70 => {
                let earlier = start - Duration::days(i64::from(self.rng.u32(1..15)));
                let at = created + (self.now.fixed_offset() - created) / 2;
                (Status::Booked, Some(at), Some(earlier))
            }
            _ => (Status::Booked, None, None),
        };
        let patient = self.patient(n, start.date_naive());
        let guardians = if self.is_minor(patient.birth_date, start.date_naive()) {
            self.guardians()
        } else {
            [None, None]
        };
        let booking = Booking {
            id: Cow::Owned(format!("G{n}")),
            patient_id: Cow::Owned(format!("P{n}")),
            clinic: Cow::Owned(clinic),
            unit: Cow::Owned(unit),
            exam: Cow::Owned(exam),
            kind,
            series_id,
            group_id,
            source,
            status,
            status_at,
            start,
            created,
            previous_start,
            reminder,
            patient,
            guardians,
            recall: None,
        };
        let events = self.events(&booking, place);
        (booking, events)
    }

    /// The place of the next booking (`None`: no policy's), and its group visit, if any.
    fn place_and_group(&mut self) -> (Option<usize>, Option<Group>) {
        if let Some(group) = self.group.take() {
            let member = Group {
                id: group.id.clone(),
                left: 0,
                ..group
            };
            if group.left > 1 {
                self.group = Some(Group {
                    left: group.left - 1,
                    ..group
                });
            }
            return (Some(member.place), Some(member));
        }
        if self.places.is_empty() || self.chance(OUT_OF_SCOPE) {
            return (None, None);
        }
        let place = self.rng.usize(0..self.places.len());
        if self.chance(10) {
            let group = Group {
                id: format!("GR{}", self.made),
                place,
                start: self.start(self.places[place].timezone),
                reminder: !self.chance(30),
                left: self.rng.u32(2..6),
            };
            let member = Group {
                id: group.id.clone(),
                left: 0,
                ..group
            };
            self.group = Some(group);
            return (Some(place), Some(member));
        }
        (Some(place), None)
    }

    /// A visit from later today to four months ahead, on the quarter hour between 07:00 and
    /// 17:45 local time; one in fifty on a day the clocks change.
    fn start(&mut self, zone: Tz) -> DateTime<FixedOffset> {
        let today = self.now.with_timezone(&zone).date_naive();
        let days = if self.chance(20) {
            // The next day the clocks change (the last Sunday of March or October).
            next_change(today) - today
        } else {
            match self.rng.u32(0..100) {
                0..5 => Duration::zero(),
                5..40 => Duration::days(i64::from(self.rng.u32(1..8))),
                40..80 => Duration::days(i64::from(self.rng.u32(8..43))),
                _ => Duration::days(i64::from(self.rng.u32(43..121))),
            }
        };
        let date = today + days;
        let minutes = 7 * 60 + 15 * self.rng.u32(0..44);
        let local = date
            .and_hms_opt(minutes / 60, minutes % 60, 0)
            .unwrap_or_default();
        let at = zone
            .from_local_datetime(&local)
            .earliest()
            .unwrap_or_else(|| zone.from_utc_datetime(&local));
        let at = at.fixed_offset();
        // A visit earlier today is already over: the same day's visits are later than now.
        if at < self.now {
            (self.now + Duration::hours(2))
                .with_timezone(&zone)
                .fixed_offset()
        } else {
            at
        }
    }

    /// When the booking was made: minutes to months before the visit, never after `now`, to
    /// the minute, in the zone's offset of that moment.
    fn created(&mut self, start: DateTime<FixedOffset>, zone: Tz) -> DateTime<FixedOffset> {
        let before = match self.rng.u32(0..100) {
            0..10 => Duration::minutes(i64::from(self.rng.u32(30..600))),
            10..50 => Duration::days(i64::from(self.rng.u32(1..15))),
            _ => Duration::days(i64::from(self.rng.u32(15..120))),
        };
        let now = self.now.with_timezone(start.offset());
        let made = (start - before).min(now - Duration::minutes(i64::from(self.rng.u32(1..600))));
        let made = made - Duration::seconds(made.timestamp().rem_euclid(60));
        made.with_timezone(&zone).fixed_offset()
    }

    fn is_minor(&self, birth: NaiveDate, on: NaiveDate) -> bool {
        on.years_since(birth).is_none_or(|age| age < 18)
    }

    fn patient(&mut self, n: u64, visit: NaiveDate) -> Patient<'static> {
        let age = if self.chance(MINORS) {
            self.rng.i32(0..18)
        } else {
            self.rng.i32(18..96)
        };
        let birth = NaiveDate::from_ymd_opt(visit.year() - age - 1, 1, 1).unwrap_or_default()
            + Duration::days(i64::from(self.rng.u32(1..365)));
        let id_kind = match self.rng.u32(0..1000) {
            0..40 => IdKind::Coordination,
            40..60 => IdKind::Reserve,
            _ => IdKind::Personal,
        };
        let mobile = (age >= 13 || self.chance(150))
            .then(|| self.chance(900))
            .filter(|&has| has)
            .map(|_| Cow::Owned(self.mobile()));
        let email = self
            .chance(400)
            .then(|| Cow::Owned(format!("patient{n}@example.org")));
        let inbox_account = id_kind == IdKind::Personal && self.chance(750);
        let mut language = self.rng.u32(0..1000);
        let language = LANGUAGES
            .iter()
            .find(|(_, share)| {
                let found = language < *share;
                language = language.saturating_sub(*share);
                found
            })
            .map_or("sv", |(code, _)| code);
        Patient {
            birth_date: birth,
            id_kind,
            mobile,
            mobile_invalid: false,
            consent_email: email.is_some() && self.chance(600),
            email,
            email_invalid: false,
            consent_sms: self.chance(850),
            consent_source: *self.pick(&[
                ConsentSource::Clinic,
                ConsentSource::Clinic,
                ConsentSource::Portal,
                ConsentSource::Registry,
            ]),
            inbox_account,
            inbox_notifications: inbox_account && self.chance(800),
            interpreter: language != "sv" && self.chance(400),
            language: (!language.is_empty()).then_some(Cow::Borrowed(language)),
            status: if self.chance(2) {
                PatientStatus::Deceased
            } else {
                PatientStatus::Active
            },
        }
    }

    /// A minor's guardians: two in most families, one in some, none registered in a few.
    fn guardians(&mut self) -> [Option<Guardian<'static>>; 2] {
        let count = match self.rng.u32(0..100) {
            0..5 => 0,
            5..40 => 1,
            _ => 2,
        };
        [0, 1].map(|i| {
            (i < count).then(|| Guardian {
                mobile: self.chance(950).then(|| Cow::Owned(self.mobile())),
                mobile_invalid: false,
                consent_sms: self.chance(900),
            })
        })
    }

    /// What the sending systems reported by `now` about the booking's messages sent at
    /// booking: most delivered, some opened within days, a few failed.
    fn events(&mut self, booking: &Booking<'_>, place: Option<usize>) -> Vec<GenEvent> {
        let Some(place) = place else {
            return Vec::new();
        };
        let mut events = Vec::new();
        let now = self.now.fixed_offset();
        for (message, channel) in self.places[place].at_booking.clone() {
            let sent = booking.created;
            let mut report = |kind, after: Duration| {
                let at = sent + after;
                if at <= now {
                    events.push(GenEvent {
                        booking_id: booking.id.to_string(),
                        message: message.clone(),
                        channel,
                        recipient: Who::Patient,
                        kind,
                        at,
                    });
                }
            };
            if self.rng.u32(0..100) < 3 {
                report(EventKind::Failed, Duration::minutes(2));
                continue;
            }
            report(EventKind::Delivered, Duration::seconds(40));
            if matches!(channel, Channel::Inbox | Channel::Email) && self.chance(600) {
                let hours = i64::from(self.rng.u32(1..120));
                report(EventKind::Opened, Duration::hours(hours));
            }
        }
        events
    }
}

/// The next day on or after `from` when the clocks change in Europe: the last Sunday of March
/// or of October.
fn next_change(from: NaiveDate) -> NaiveDate {
    let last_sunday = |year: i32, month: u32| {
        let last =
            NaiveDate::from_ymd_opt(year, month + 1, 1).unwrap_or_default() - Duration::days(1);
        last - Duration::days(i64::from(last.weekday().num_days_from_sunday()))
    };
    [
        last_sunday(from.year(), 3),
        last_sunday(from.year(), 10),
        last_sunday(from.year() + 1, 3),
    ]
    .into_iter()
    .find(|d| *d >= from)
    .unwrap_or(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> Place {
        Place {
            clinic: "Vårdcentral Exempel".into(),
            units: vec!["LAK".into(), "DSK".into()],
            exams: vec!["besok".into()],
            timezone: chrono_tz::Europe::Stockholm,
            at_booking: vec![("kallelse".into(), Channel::Inbox)],
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-24T12:00:00+01:00")
            .map(|t| t.to_utc())
            .unwrap_or_default()
    }

    #[test]
    fn the_same_seed_gives_the_same_bookings_and_another_seed_others() {
        let make = |seed| {
            let mut g = Generator::new(seed, vec![place()], now());
            (0..200).map(|_| g.next_booking()).collect::<Vec<_>>()
        };
        assert_eq!(make(7), make(7));
        assert_ne!(make(7), make(8));
    }

    #[test]
    fn bookings_are_made_before_now_for_visits_after_it_and_events_are_not_in_the_future() {
        let mut g = Generator::new(1, vec![place()], now());
        for _ in 0..5000 {
            let (b, events) = g.next_booking();
            assert!(b.created <= now(), "{} created {}", b.id, b.created);
            assert!(b.start >= now(), "{} starts {}", b.id, b.start);
            assert!(b.created <= b.start);
            assert!(events.iter().all(|e| e.at <= now()));
            let numbers = [b.patient.mobile.as_deref()].into_iter().chain(
                b.guardians
                    .iter()
                    .map(|g| g.as_ref().and_then(|g| g.mobile.as_deref())),
            );
            for number in numbers.flatten() {
                assert!(number.starts_with("+467017406") || number.starts_with("070-17"));
            }
        }
    }

    #[test]
    fn clocks_change_on_the_last_sundays_of_march_and_october() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        assert_eq!(next_change(day(2026, 3, 24)), day(2026, 3, 29));
        assert_eq!(next_change(day(2026, 3, 30)), day(2026, 10, 25));
        assert_eq!(next_change(day(2026, 11, 1)), day(2027, 3, 28));
    }
}
