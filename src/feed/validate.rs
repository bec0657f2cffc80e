//! One row's values by column, checked against the feed table (`schema::Column`) and made into
//! a [`Booking`]. All three formats read into a [`RawBooking`] first, so the rules for values
//! and the reasons for rejects are the same whatever the format.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};

use super::reject::{Bad, Problem};
use crate::booking::{self, Booking, ConsentSource, Guardian, Patient, Status};
use crate::schema::{Column, Values};

/// One row's values by column, before validation; `None` or empty is "not given".
#[derive(Debug, Clone, Default)]
pub struct RawBooking<'a> {
    pub values: [Option<Cow<'a, str>>; Column::COUNT],
    /// The country of national phone numbers (the feed configuration's `phone_region`).
    pub region: Option<phonenumber::country::Id>,
}

impl<'a> RawBooking<'a> {
    pub fn set(&mut self, column: Column, value: impl Into<Cow<'a, str>>) {
        self.values[column as usize] = Some(value.into());
    }

    /// Whether the row already gives the column.
    pub fn has(&self, column: Column) -> bool {
        self.values[column as usize].is_some()
    }

    fn get(&self, column: Column) -> Option<&Cow<'a, str>> {
        self.values[column as usize]
            .as_ref()
            .filter(|v| !v.is_empty())
    }

    /// The booking id, for naming a rejected row.
    pub fn booking_id(&self) -> Option<String> {
        self.get(Column::BookingId).map(|v| v.to_string())
    }

    fn take(&mut self, column: Column) -> Option<Cow<'a, str>> {
        self.values[column as usize]
            .take()
            .filter(|v| !v.is_empty())
    }

    fn required(&mut self, column: Column) -> Result<Cow<'a, str>, Bad> {
        self.take(column).ok_or((column, Problem::Missing))
    }

    /// A word of the column's enumeration (`staff`, `single`, ...).
    fn word<T>(&mut self, column: Column, parse: fn(&str) -> Option<T>) -> Result<T, Bad> {
        let value = self.required(column)?;
        parse(&value).ok_or((column, Problem::NotValid(column.info().values)))
    }

    fn time(&mut self, column: Column) -> Result<Option<DateTime<FixedOffset>>, Bad> {
        self.take(column).map(|v| time(column, &v)).transpose()
    }

    fn flag(&mut self, column: Column) -> Result<bool, Bad> {
        let Values::Flag(default) = column.info().values else {
            return Err((column, Problem::NotValid(column.info().values)));
        };
        match self.take(column).as_deref() {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(_) => Err((column, Problem::NotValid(Values::Flag(default)))),
        }
    }

    /// A mobile number in E.164 form, and whether one was given that cannot be used: an
    /// unusable number costs the SMS, not the booking.
    fn phone(&mut self, column: Column) -> (Option<Cow<'a, str>>, bool) {
        match self.take(column) {
            Some(v) => match super::phone::e164(v, self.region) {
                Some(number) => (Some(number), false),
                None => (None, true),
            },
            None => (None, false),
        }
    }

    fn guardian(&mut self, mobile: Column, consent: Column) -> Result<Option<Guardian<'a>>, Bad> {
        let given = self.get(consent).is_some();
        let (mobile, mobile_invalid) = self.phone(mobile);
        let consent_sms = self.flag(consent)?;
        Ok(
            (mobile.is_some() || mobile_invalid || given).then_some(Guardian {
                mobile,
                mobile_invalid,
                consent_sms,
            }),
        )
    }

    fn patient(&mut self) -> Result<Patient<'a>, Bad> {
        let birth_date = date(Column::BirthDate, &self.required(Column::BirthDate)?)?;
        let id_kind = self.word(Column::IdKind, booking::IdKind::parse)?;
        let (mobile, mobile_invalid) = self.phone(Column::Mobile);
        // An unusable e-mail address costs the e-mail, not the booking.
        let (email, email_invalid) = match self.take(Column::Email) {
            Some(v) if booking::is_email(&v) => (Some(v), false),
            Some(_) => (None, true),
            None => (None, false),
        };
        let consent_sms = self.flag(Column::ConsentSms)?;
        let consent_email = self.flag(Column::ConsentEmail)?;
        let consent_source = match self.get(Column::ConsentSource) {
            Some(_) => self.word(Column::ConsentSource, ConsentSource::parse)?,
            None => ConsentSource::None,
        };
        Ok(Patient {
            birth_date,
            id_kind,
            mobile,
            mobile_invalid,
            email,
            email_invalid,
            consent_sms,
            consent_email,
            consent_source,
            inbox_account: self.flag(Column::InboxAccount)?,
            inbox_notifications: self.flag(Column::InboxNotifications)?,
            interpreter: self.flag(Column::Interpreter)?,
            language: self.take(Column::Language),
            status: match self.get(Column::PatientStatus) {
                Some(_) => self.word(Column::PatientStatus, booking::PatientStatus::parse)?,
                None => booking::PatientStatus::Active,
            },
        })
    }

    /// Checks every value and builds the booking, or says which field is wrong and why.
    pub fn validate(mut self) -> Result<Booking<'a>, Bad> {
        let id = self.required(Column::BookingId)?;
        let patient_id = self.required(Column::PatientId)?;
        let clinic = self.required(Column::Clinic)?;
        let unit = self.required(Column::Unit)?;
        let exam = self.take(Column::Exam).unwrap_or(Cow::Borrowed(""));
        let kind = self.word(Column::Kind, booking::Kind::parse)?;
        let series_id = self.take(Column::SeriesId);
        let group_id = self.take(Column::GroupId);
        let source = self.word(Column::Source, booking::Source::parse)?;
        let status = self.word(Column::Status, Status::parse)?;
        let status_at = self.time(Column::StatusAt)?;
        let start = time(Column::Start, &self.required(Column::Start)?)?;
        let created = time(Column::Created, &self.required(Column::Created)?)?;
        let previous_start = self.time(Column::PreviousStart)?;
        let reminder = self.flag(Column::Reminder)?;
        let patient = self.patient()?;
        let guardians = [
            self.guardian(Column::Guardian1Mobile, Column::Guardian1ConsentSms)?,
            self.guardian(Column::Guardian2Mobile, Column::Guardian2ConsentSms)?,
        ];
        if status == Status::Cancelled && status_at.is_none() {
            return Err((Column::StatusAt, Problem::CancelledWithoutTime));
        }
        if previous_start.is_some() && status_at.is_none() {
            return Err((Column::StatusAt, Problem::MovedWithoutTime));
        }
        if created > start {
            return Err((Column::Created, Problem::CreatedAfterStart));
        }
        Ok(Booking {
            id,
            patient_id,
            clinic,
            unit,
            exam,
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
        })
    }
}

fn time(column: Column, value: &str) -> Result<DateTime<FixedOffset>, Bad> {
    let time = plain_rfc3339(value)
        .map_or_else(|| DateTime::parse_from_rfc3339(value), Ok)
        .map(super::whole_seconds)
        .map_err(|_| (column, Problem::NotValid(Values::Time)))?;
    if !super::YEARS.contains(&time.year()) {
        return Err((column, Problem::YearOutOfRange));
    }
    Ok(time)
}

/// The form every booking system writes, `2026-03-30T09:30:00+02:00` (25 bytes, no
/// fraction), read without chrono's general parser; `None` for anything else, which that
/// parser reads. A property test holds the two equal.
fn plain_rfc3339(value: &str) -> Option<DateTime<FixedOffset>> {
    let b: &[u8; 25] = value.as_bytes().try_into().ok()?;
    let shape = b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && matches!(b[19], b'+' | b'-')
        && b[22] == b':';
    if !shape {
        return None;
    }
    let digits = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(digits(0, 4)?).ok()?,
        digits(5, 7)?,
        digits(8, 10)?,
    )?;
    // A leap second (`:60`) is left to chrono.
    let time = chrono::NaiveTime::from_hms_opt(digits(11, 13)?, digits(14, 16)?, digits(17, 19)?)?;
    let (hours, minutes) = (digits(20, 22)?, digits(23, 25)?);
    if hours > 23 || minutes > 59 {
        return None;
    }
    let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    let offset = FixedOffset::east_opt(if b[19] == b'-' { -seconds } else { seconds })?;
    chrono::TimeZone::from_local_datetime(&offset, &date.and_time(time)).single()
}

/// `YYYY-MM-DD`, strictly: four, two and two digits.
fn date(column: Column, value: &str) -> Result<NaiveDate, Bad> {
    let b = value.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let number =
        |range: std::ops::Range<usize>| value.get(range).and_then(|s| s.parse::<u32>().ok());
    let parsed = match (shape, number(0..4), number(5..7), number(8..10)) {
        (true, Some(y), Some(m), Some(d)) => i32::try_from(y)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, m, d)),
        _ => None,
    };
    parsed.ok_or((column, Problem::NotValid(Values::Date)))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Issue 12: the fast reading of a time is chrono's, where it reads one at all.
        #[test]
        fn plain_times_are_read_as_chrono_reads_them(
            text in "[0-9]{4}-[0-1][0-9]-[0-3][0-9][Tt ][0-2][0-9]:[0-6][0-9]:[0-6][0-9]([+-][0-2][0-9]:[0-6][0-9]|Z|\\.[0-9]{1,3}[+-]01:00)|[0-9T:+-]{25}"
        ) {
            if let Some(fast) = plain_rfc3339(&text) {
                let slow = DateTime::parse_from_rfc3339(&text).ok();
                proptest::prop_assert_eq!(Some(fast), slow);
                let offset = |t: DateTime<FixedOffset>| t.offset().local_minus_utc();
                proptest::prop_assert_eq!(Some(offset(fast)), slow.map(offset));
            }
        }
    }

    #[test]
    fn a_plain_time_takes_the_fast_path() {
        let fast = plain_rfc3339("2026-03-30T09:30:00+02:00").expect("read");
        assert_eq!(fast.to_rfc3339(), "2026-03-30T09:30:00+02:00");
        assert_eq!(plain_rfc3339("2026-03-30T09:30:00Z"), None);
        assert_eq!(plain_rfc3339("2026-02-30T09:30:00+02:00"), None);
    }

    #[test]
    fn dates_are_strictly_yyyy_mm_dd() {
        assert_eq!(
            date(Column::BirthDate, "1990-02-28").ok(),
            NaiveDate::from_ymd_opt(1990, 2, 28)
        );
        for bad in [
            "1990-02-30",
            "1990-2-28",
            "90-02-28",
            "1990/02/28",
            "+1990-02-2",
            "1990-02-28T00:00",
            "",
        ] {
            assert!(
                date(Column::BirthDate, bad).is_err(),
                "{bad:?} was accepted"
            );
        }
        // A birth date is personal: the reason never repeats it.
        let (_, problem) = date(Column::BirthDate, "1990-02-30").expect_err("rejected");
        assert!(!problem.to_string().contains("1990"));
    }
}
