//! Stage 3's output: the versioned JSON schedule plan.
//!
//! A plan holds policies with every setting resolved (defaults and `extends` applied,
//! durations normalised, conditions typed, enum values resolved) and the source location of
//! each step, so that the engine can explain which line made a booking get what it got. The
//! format is documented in `docs/plan-format.md`; [`FORMAT_VERSION`] changes whenever a
//! field changes meaning or is removed. Maps are `BTreeMap`s so the output is byte-identical
//! for the same input.

use std::collections::BTreeMap;

use chrono::NaiveTime;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

pub use crate::ast::CompareOp;
pub use crate::schema::{
    Channel, Consent, EnumType, EventKind, Kind, MessageKind, Outcome, Recipient, Type, Weekday,
};

/// The `format` field of every plan.
pub const FORMAT: &str = "rem-plan";
/// Raised when a field changes meaning or disappears; adding a field keeps the version.
pub const FORMAT_VERSION: u32 = 1;
/// The longest offset or fallback delay a plan may hold: ten years, so that every send time
/// stays well inside the calendar.
pub const MAX_OFFSET_DAYS: u64 = 3660;
/// The most repetitions one `every` may have: a year of days.
pub const MAX_REPETITIONS: u64 = 366;
/// The longest recall interval in months: ten years.
pub const MAX_INTERVAL_MONTHS: u64 = 120;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub format: String,
    pub format_version: u32,
    pub policies: Vec<Policy>,
}

impl Offset {
    /// Whole days: minutes are rounded down.
    pub fn days(self) -> u64 {
        match self {
            Offset::Days(d) => d,
            Offset::Minutes(m) => m / (24 * 60),
        }
    }

    /// Whether the offset is within [`MAX_OFFSET_DAYS`].
    pub fn in_range(self) -> bool {
        match self {
            Offset::Days(d) => d <= MAX_OFFSET_DAYS,
            Offset::Minutes(m) => m <= MAX_OFFSET_DAYS * 24 * 60,
        }
    }
}

impl Plan {
    pub fn new(policies: Vec<Policy>) -> Self {
        Plan {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            policies,
        }
    }

    /// The plan as pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        // Serialising these types cannot fail: every map key is a string.
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }
}

/// Where a step was written: the file as it was named on the command line, 1-based line and
/// column, and the byte range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub name: String,
    pub source: Source,
    /// An IANA zone such as `Europe/Stockholm` (its name in the JSON).
    pub timezone: Tz,
    pub scope: Scope,
    /// The settings of every unit without an override.
    pub settings: Settings,
    /// Complete settings for each unit with an override (R4).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unit_settings: BTreeMap<String, Settings>,
    /// Policies this one takes precedence over where their scopes overlap.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wins_over: Vec<String>,
    pub exclusions: Vec<Exclusion>,
    pub messages: Vec<Message>,
    /// Set for a `recall`: the policy evaluates the services feed's records, not bookings, and
    /// its messages are timed from the date the service is due again (R8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recall: Option<Recall>,
}

/// `recall "NAME" { due 1 year after "rabies-vaccine" ... }` (R8, R9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recall {
    /// The service as the services feed names it; the policy's `scope.exams` is this one.
    pub service: String,
    /// How long after the service was last performed it is due again.
    pub interval: Interval,
    /// The exams of a booking that books the service: the service itself unless `booked_by`
    /// says otherwise. A patient with such a booking gets no more recall messages.
    pub booked_by: Vec<String>,
    /// From how many days before the due date the service is "due soon" on the staff list.
    pub due_soon_days: u64,
    pub source: Source,
}

/// A recall interval: calendar days (weeks are 7 days) or calendar months (a year is 12); a
/// day of the month that the later month lacks becomes its last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    Days(u64),
    Months(u64),
}

/// Which bookings a policy applies to; an absent list means "all".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    pub clinics: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exams: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<Kind>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub minor_age: u64,
    /// Absent: messages may be sent at any time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    pub late_booking: LateBooking,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
}

/// What to do with an offset whose send time is before the booking was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LateBooking {
    Skip,
    SendNow,
}

/// Local times of day (from inclusive, until exclusive) on the listed weekdays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub from: TimeOfDay,
    pub until: TimeOfDay,
    /// Three-letter English day names in the JSON, Monday first.
    pub days: Vec<Weekday>,
}

/// A local time of day, whole minutes; `HH:MM` in the JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(pub NaiveTime);

impl TimeOfDay {
    /// `None` for an hour over 23 or a minute over 59.
    pub fn new(hour: u32, minute: u32) -> Option<TimeOfDay> {
        NaiveTime::from_hms_opt(hour, minute, 0).map(TimeOfDay)
    }
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        let time = NaiveTime::parse_from_str(&text, "%H:%M")
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a time HH:MM")))?;
        Ok(TimeOfDay(time))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// The reason reported for every booking it excludes.
    pub name: String,
    pub condition: Expr,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub name: String,
    pub kind: MessageKind,
    pub channel: Channel,
    pub triggers: Vec<Trigger>,
    pub recipients: Vec<RecipientRule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub complements: Vec<Complement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Fallback>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The texts of the message's template file by language (R19), when the template has a
    /// file beside the policy: the patient's language, else the fallback language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localized: Option<Localized>,
    /// Settings written in the message itself; they take precedence over the unit's and the
    /// policy's (effective = message, else unit override, else policy).
    #[serde(default, skip_serializing_if = "MessageSettings::is_empty")]
    pub settings: MessageSettings,
    pub source: Source,
}

impl Message {
    /// What the message's own actions and complements say, or, with `fallback`, what its
    /// fallback's say: the fallback's own wording when it names one, else the message's.
    pub fn wording(&self, fallback: bool) -> Wording<'_> {
        match &self.fallback {
            Some(f) if fallback && f.has_own_wording() => Wording {
                template: f.template.as_deref(),
                text: f.text.as_deref(),
                localized: f.localized.as_ref(),
            },
            _ => Wording {
                template: self.template.as_deref(),
                text: self.text.as_deref(),
                localized: self.localized.as_ref(),
            },
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_booking: Option<LateBooking>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
}

/// A template's texts by ISO 639-1 language, and the language used when the patient's has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub fallback_language: String,
    pub texts: BTreeMap<String, String>,
}

impl Localized {
    /// The language a patient gets: their own when the template has it, else the fallback.
    pub fn language_for<'a>(&'a self, patient: Option<&'a str>) -> &'a str {
        match patient {
            Some(language) if self.texts.contains_key(language) => language,
            _ => &self.fallback_language,
        }
    }

    /// The text in that language.
    pub fn text_for(&self, patient: Option<&str>) -> &str {
        self.texts
            .get(self.language_for(patient))
            .map_or("", String::as_str)
    }
}

impl Message {
    /// Whether two messages would tell one person the same thing: the same kind, on the same
    /// channel, to a person both name. A policy that `wins_over` another replaces such a
    /// message of the other's.
    pub fn overlaps(&self, other: &Message) -> bool {
        self.kind == other.kind
            && self.channel == other.channel
            && self.recipients.iter().any(|a| {
                other
                    .recipients
                    .iter()
                    .any(|b| a.recipient.overlaps(b.recipient))
            })
    }
}

impl MessageSettings {
    pub fn is_empty(&self) -> bool {
        self.window.is_none() && self.late_booking.is_none() && self.sender.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    #[serde(flatten)]
    pub when: When,
    pub source: Source,
}

/// When a message is sent. Day offsets are calendar days in the policy's time zone; minute
/// offsets are exact durations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "trigger", rename_all = "snake_case")]
pub enum When {
    AtBooking,
    OnCancellation,
    OnRescheduling,
    /// When the event feed reports the event about the booking (`results_ready`, ...).
    OnEvent {
        event: EventKind,
    },
    /// When the patient answers a message of the booking with one of these words (compared
    /// by their first word, ignoring case): the booking is to be cancelled, and its later
    /// messages are void.
    OnReply {
        words: Vec<String>,
    },
    /// `times` repetitions, `step` apart, at the first `at` (else the time of day of `from`)
    /// after `from`.
    Every {
        step: Step,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<TimeOfDay>,
        times: u64,
        from: Anchor,
    },
    Before {
        #[serde(flatten)]
        offset: Offset,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<TimeOfDay>,
    },
    After {
        #[serde(flatten)]
        offset: Offset,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<TimeOfDay>,
    },
}

/// How far apart the repetitions of `every` are: a number of calendar days, or every week on
/// one weekday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Days(u64),
    Weekday(Weekday),
}

/// What a repetition counts from: the visit (a recall's due date), when the booking was made
/// (when a recall's service was performed), or an event about the booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Anchor {
    Start,
    Booking,
    Event(EventKind),
}

impl Anchor {
    /// The anchor's word in the plan: `start`, `booking`, or the event's.
    pub fn word(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Booking => "booking",
            Anchor::Event(e) => e.as_str(),
        }
    }

    pub fn parse(word: &str) -> Option<Anchor> {
        match word {
            "start" => Some(Anchor::Start),
            "booking" => Some(Anchor::Booking),
            _ => EventKind::parse(word)
                .filter(|e| e.is_about_booking())
                .map(Anchor::Event),
        }
    }
}

impl Serialize for Anchor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.word())
    }
}

impl<'de> Deserialize<'de> for Anchor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Anchor::parse(&word).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{word}` is not `start`, `booking` or an event about the booking"
            ))
        })
    }
}

/// A normalised duration: weeks become days, hours become minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Offset {
    Days(u64),
    Minutes(u64),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientRule {
    pub recipient: Recipient,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Expr>,
    /// The consent the recipient needs for the channel (R1). The engine checks the consent the
    /// channel needs, whatever this says; it is here for people reading the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
    pub source: Source,
}

/// `also paper when ...`: the same message on a second channel (R11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Complement {
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Expr>,
    pub source: Source,
}

/// `fallback paper after 3 days unopened` (R12, R13).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fallback {
    pub channel: Channel,
    pub after: Offset,
    pub waits_for: Outcome,
    /// `with template "ID"`: the fallback sends this template, not the message's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// `with text "..."`: the fallback sends this text, not the message's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The texts of the fallback's template file by language, as a message's `localized`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localized: Option<Localized>,
    pub source: Source,
}

impl Fallback {
    /// Whether the fallback names its own wording (`with template` or `with text`).
    pub fn has_own_wording(&self) -> bool {
        self.template.is_some() || self.text.is_some()
    }
}

/// What one part of a message says: its template's name, its inline text, its template's texts.
#[derive(Debug, Clone, Copy)]
pub struct Wording<'a> {
    pub template: Option<&'a str>,
    pub text: Option<&'a str>,
    pub localized: Option<&'a Localized>,
}

/// A typed condition. Fields carry their type; enum values are resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Expr {
    Or {
        args: Vec<Expr>,
    },
    And {
        args: Vec<Expr>,
    },
    Not {
        arg: Box<Expr>,
    },
    Compare {
        cmp: CompareOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    In {
        value: Box<Expr>,
        list: Vec<Expr>,
    },
    Field {
        path: String,
        #[serde(rename = "type")]
        ty: Type,
    },
    Bool {
        value: bool,
    },
    Number {
        value: u64,
    },
    /// Durations in conditions are exact: `2 days` is 2880 minutes.
    Duration {
        minutes: u64,
    },
    String {
        value: String,
    },
    Enum {
        #[serde(rename = "enum")]
        of: EnumType,
        value: String,
    },
}
