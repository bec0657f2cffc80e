//! One booking as the engine sees it, whatever feed it came from (CSV, JSON Lines, FHIR).
//!
//! Strings borrow from the feed's buffer where they can (`Cow`), so reading a row allocates
//! little. The canonical field names and values are documented in `docs/feed-format.md`.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, NaiveDate};

pub use crate::schema::{ConsentSource, IdKind, Kind, PatientStatus, Source, Status};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking<'a> {
    pub id: Cow<'a, str>,
    pub patient_id: Cow<'a, str>,
    pub clinic: Cow<'a, str>,
    pub unit: Cow<'a, str>,
    pub exam: Cow<'a, str>,
    pub kind: Kind,
    pub series_id: Option<Cow<'a, str>>,
    pub group_id: Option<Cow<'a, str>>,
    pub source: Source,
    pub status: Status,
    /// When the status last changed: the moment of cancellation or rescheduling.
    pub status_at: Option<DateTime<FixedOffset>>,
    pub start: DateTime<FixedOffset>,
    pub created: DateTime<FixedOffset>,
    /// The start before the booking was moved, if it was (drives `on rescheduling`).
    pub previous_start: Option<DateTime<FixedOffset>>,
    /// The booking's reminder flag (R16).
    pub reminder: bool,
    pub patient: Patient<'a>,
    pub guardians: [Option<Guardian<'a>>; 2],
    /// Set when this is no booking but a recall (R8): a service that was performed and will be
    /// due again. Then `start` and `created` are when it was last performed, `exam` is the
    /// service and `id` is `PATIENT_ID/SERVICE`; only `recall` policies evaluate it.
    pub recall: Option<Recalled>,
}

/// What is known of a recall beyond the service's last performance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recalled {
    /// When a visit for the service was booked (the earliest booking made after the service
    /// was last performed), if one was: no recall message is sent from then on.
    pub booked_at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient<'a> {
    pub birth_date: NaiveDate,
    pub id_kind: IdKind,
    /// E.164, e.g. `+46701234567`.
    pub mobile: Option<Cow<'a, str>>,
    /// A mobile number was given but cannot be used: the SMS is skipped with a reason, the
    /// rest of the booking is evaluated.
    pub mobile_invalid: bool,
    /// A usable e-mail address; `None` when none was given or it was unusable.
    pub email: Option<Cow<'a, str>>,
    /// An e-mail address was given but cannot be used: the e-mail is skipped with a reason,
    /// the rest of the booking is evaluated.
    pub email_invalid: bool,
    pub consent_sms: bool,
    pub consent_email: bool,
    pub consent_source: ConsentSource,
    pub inbox_account: bool,
    pub inbox_notifications: bool,
    pub interpreter: bool,
    /// ISO 639-1, e.g. `sv`.
    pub language: Option<Cow<'a, str>>,
    /// An inactive or deceased patient gets nothing.
    pub status: PatientStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardian<'a> {
    pub mobile: Option<Cow<'a, str>>,
    /// A mobile number was given but cannot be used.
    pub mobile_invalid: bool,
    pub consent_sms: bool,
}

/// How a booking id is remembered where millions are (the feed's one-id-a-booking rule, the
/// event index): a 64-bit xxh3 hash, 8 bytes whatever the id's length.
pub fn id_hash(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

/// Whether `text` is a phone number in E.164 form: `+`, then 8 to 15 digits, the first not 0.
pub fn is_e164(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"): cells that
/// start so are neutralised in CSV output (`output::neutral`), and e-mail addresses that start
/// so are refused, so that an address never needs it.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `text` is one e-mail address a mail system can send to: valid by RFC 5322 (checked
/// by the `email_address` crate), without display text or an IP address for a domain, with a
/// dot in the domain, and not starting with a character that a spreadsheet reads as a formula
/// (the address is written into CSV files; see `docs/output-format.md`). Lists such as
/// `a@example.se,b@example.se` and control characters are refused.
pub fn is_email(text: &str) -> bool {
    plain_email(text) || rfc_email(text)
}

/// The common address (`anna.berg+kallelse@mail.example.se`: letters, digits and `._+-`
/// before the `@`, a domain of two or more labels of letters, digits and inner hyphens),
/// recognised without the parser's allocation. It accepts a subset of what [`rfc_email`]
/// accepts (a property test holds it so); everything else is left to it.
fn plain_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = (1..=64).contains(&local.len())
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-'))
        && !local.starts_with(['.', '+', '-'])
        && !local.ends_with('.')
        && !local.contains("..");
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    local_ok && domain.len() <= 253 && domain.contains('.') && domain.split('.').all(label_ok)
}

fn rfc_email(text: &str) -> bool {
    let options = email_address::Options::default()
        .without_display_text()
        .without_domain_literal();
    let Ok(address) = email_address::EmailAddress::parse_with_options(text, options) else {
        return false;
    };
    address.as_str() == text
        && address.domain().contains('.')
        && !address.domain().ends_with('.')
        && !text.starts_with(FORMULA_STARTS)
        && !text.starts_with('"')
        && !text.chars().any(|c| c.is_control() || c.is_whitespace())
}

fn owned(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

impl Booking<'_> {
    /// The booking with every string owned, to keep it beyond the feed's buffer.
    pub fn into_owned(self) -> Booking<'static> {
        Booking {
            id: owned(self.id),
            patient_id: owned(self.patient_id),
            clinic: owned(self.clinic),
            unit: owned(self.unit),
            exam: owned(self.exam),
            kind: self.kind,
            series_id: self.series_id.map(owned),
            group_id: self.group_id.map(owned),
            source: self.source,
            status: self.status,
            status_at: self.status_at,
            start: self.start,
            created: self.created,
            previous_start: self.previous_start,
            reminder: self.reminder,
            patient: Patient {
                birth_date: self.patient.birth_date,
                id_kind: self.patient.id_kind,
                mobile: self.patient.mobile.map(owned),
                mobile_invalid: self.patient.mobile_invalid,
                email: self.patient.email.map(owned),
                email_invalid: self.patient.email_invalid,
                consent_sms: self.patient.consent_sms,
                consent_email: self.patient.consent_email,
                consent_source: self.patient.consent_source,
                inbox_account: self.patient.inbox_account,
                inbox_notifications: self.patient.inbox_notifications,
                interpreter: self.patient.interpreter,
                language: self.patient.language.map(owned),
                status: self.patient.status,
            },
            guardians: self.guardians.map(|g| {
                g.map(|g| Guardian {
                    mobile: g.mobile.map(owned),
                    mobile_invalid: g.mobile_invalid,
                    consent_sms: g.consent_sms,
                })
            }),
            recall: self.recall,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Issue 12: the fast path accepts no address the RFC parser refuses.
        #[test]
        fn a_plain_address_is_one_the_rfc_parser_accepts(
            text in "[a-zA-Z0-9._+\\-]{0,70}@[a-zA-Z0-9.\\-]{0,70}|[a-z.@\\-]{0,12}|\\PC{0,20}"
        ) {
            proptest::prop_assert!(!plain_email(&text) || rfc_email(&text), "{:?}", text);
        }
    }

    #[test]
    fn common_addresses_take_the_fast_path() {
        for plain in [
            "anna@example.se",
            "anna.karlsson+kf@mail.example.se",
            "a-b_c@x-1.example.org",
        ] {
            assert!(plain_email(plain), "{plain}");
        }
        // Valid, but left to the parser.
        assert!(!plain_email("o'neil@example.ie") && is_email("o'neil@example.ie"));
    }

    #[test]
    fn e_mail_addresses_are_one_address_each() {
        for good in [
            "anna@example.se",
            "anna.karlsson+kf@mail.example.se",
            "o'neil@example.ie",
        ] {
            assert!(is_email(good), "{good} was refused");
        }
        for bad in [
            "anna@example.se,eve@evil.example",
            "anna@example.se;eve@evil.example",
            "anna@example.se eve@evil.example",
            "Anna <anna@example.se>",
            "anna@example.se\r\nBcc: eve@evil.example",
            "anna\u{0}@example.se",
            "anna@localhost",
            "anna@[192.0.2.1]",
            "=HYPERLINK(\"x\")@example.se",
            "anna",
            "@example.se",
            "",
        ] {
            assert!(!is_email(bad), "{bad:?} was accepted");
        }
    }
}
