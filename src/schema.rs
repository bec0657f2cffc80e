//! The fixed vocabulary of the language: the fields a condition may read, their types, the
//! enum values, the channels and what each can report, the recipients, and the placeholders
//! of inline texts. The checker, the plan, the engine and the language reference all read it
//! from here, so there is one list.

use serde::{Deserialize, Serialize};

/// The type of a field or a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "of")]
pub enum Type {
    Bool,
    Number,
    Duration,
    String,
    Enum(EnumType),
}

impl Type {
    /// The type in the words of a policy author.
    pub fn describe(self) -> String {
        match self {
            Type::Bool => "yes/no (`true` or `false`)".to_string(),
            Type::Number => "a number".to_string(),
            Type::Duration => "a duration such as `2 days`".to_string(),
            Type::String => "text in double quotes".to_string(),
            Type::Enum(e) => format!("one of {}", e.values_in_words()),
        }
    }

    pub fn is_ordered(self) -> bool {
        matches!(self, Type::Number | Type::Duration)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnumType {
    Source,
    Kind,
    Status,
    IdKind,
    ConsentSource,
}

impl EnumType {
    pub fn values(self) -> &'static [&'static str] {
        match self {
            EnumType::Source => &["staff", "portal", "quick_book"],
            EnumType::Kind => &["single", "series", "team", "group"],
            EnumType::Status => &["booked", "cancelled"],
            EnumType::IdKind => &["personal", "coordination", "reserve"],
            EnumType::ConsentSource => &["none", "clinic", "portal", "registry"],
        }
    }

    pub fn values_in_words(self) -> String {
        let values: Vec<String> = self.values().iter().map(|v| format!("`{v}`")).collect();
        values.join(", ")
    }
}

/// Where a field may be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Anywhere: exclusions, recipients, complements.
    Booking,
    /// Only in the condition of `to guardians`, `to guardian1`, `to guardian2`.
    Guardian,
}

pub struct Field {
    pub path: &'static str,
    pub ty: Type,
    pub context: Context,
    pub doc: &'static str,
}

const fn field(path: &'static str, ty: Type, doc: &'static str) -> Field {
    Field {
        path,
        ty,
        context: Context::Booking,
        doc,
    }
}

/// Every field a condition may read, with the feed column it comes from.
pub const FIELDS: &[Field] = &[
    field(
        "booking.source",
        Type::Enum(EnumType::Source),
        "who made the booking: `staff`, the patient in the `portal`, or a `quick_book` from the day programme (R15, R16)",
    ),
    field(
        "booking.kind",
        Type::Enum(EnumType::Kind),
        "`single`, `series`, `team` or `group` (R17)",
    ),
    field(
        "booking.status",
        Type::Enum(EnumType::Status),
        "`booked` or `cancelled`",
    ),
    field("booking.clinic", Type::String, "the clinic's code"),
    field(
        "booking.unit",
        Type::String,
        "the unit (reception) the visit is at (R2)",
    ),
    field(
        "booking.exam",
        Type::String,
        "the examination or appointment type (R3)",
    ),
    field(
        "booking.reminder",
        Type::Bool,
        "the booking's reminder flag; staff may switch it off for one visit (R16)",
    ),
    field(
        "booking.lead_time",
        Type::Duration,
        "the time from when the booking was made to the visit",
    ),
    field(
        "patient.age",
        Type::Number,
        "age in whole years on the visit's local date",
    ),
    field(
        "patient.minor",
        Type::Bool,
        "younger than the unit's `minor_age` on the visit's date (R14)",
    ),
    field(
        "patient.id_kind",
        Type::Enum(EnumType::IdKind),
        "`personal`, `coordination` or `reserve` id number (R11)",
    ),
    field(
        "patient.has_mobile",
        Type::Bool,
        "a mobile number is registered",
    ),
    field(
        "patient.has_email",
        Type::Bool,
        "an e-mail address is registered",
    ),
    field(
        "patient.consent.sms",
        Type::Bool,
        "the patient consented to SMS (R1)",
    ),
    field(
        "patient.consent.email",
        Type::Bool,
        "the patient consented to e-mail (R1)",
    ),
    field(
        "patient.consent.source",
        Type::Enum(EnumType::ConsentSource),
        "where the consent was given: `clinic`, `portal`, a national `registry` such as NemSMS, or `none` (R1)",
    ),
    field(
        "patient.inbox.account",
        Type::Bool,
        "the patient has an account at the national digital inbox (R11)",
    ),
    field(
        "patient.inbox.notifications",
        Type::Bool,
        "the patient switched on notifications of new inbox mail (R11)",
    ),
    field(
        "patient.interpreter",
        Type::Bool,
        "the patient needs an interpreter (R11)",
    ),
    field(
        "patient.language",
        Type::String,
        "the patient's language as an ISO 639-1 code, e.g. `\"sv\"`",
    ),
    Field {
        path: "guardian.has_mobile",
        ty: Type::Bool,
        context: Context::Guardian,
        doc: "the guardian has a registered mobile number (R14)",
    },
    Field {
        path: "guardian.consent.sms",
        ty: Type::Bool,
        context: Context::Guardian,
        doc: "the guardian consented to SMS (R14)",
    },
    Field {
        path: "guardian.number",
        ty: Type::Number,
        context: Context::Guardian,
        doc: "1 or 2: which guardian",
    },
];

pub fn field_named(path: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.path == path)
}

/// The channels of R10 and what each can tell the sender afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Email,
    Inbox,
    Paper,
    Task,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Sms,
        Channel::Email,
        Channel::Inbox,
        Channel::Paper,
        Channel::Task,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::Inbox => "inbox",
            Channel::Paper => "paper",
            Channel::Task => "task",
        }
    }

    pub fn named(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// Whether the channel reports this outcome. An SMS gateway reports delivery but never
    /// that the text was read; the inbox reports both; paper reports neither.
    pub fn reports(self, outcome: Outcome) -> bool {
        match (self, outcome) {
            (Channel::Sms | Channel::Email | Channel::Inbox, Outcome::Undelivered) => true,
            (Channel::Inbox, Outcome::Unopened) => true,
            (Channel::Email, Outcome::Unopened) => false,
            _ => false,
        }
    }

    /// The consent a recipient needs before this channel may be used (R1): the engine checks
    /// it for every recipient, whatever the policy's own conditions say.
    pub fn required_consent(self) -> Option<&'static str> {
        match self {
            Channel::Sms => Some("sms"),
            Channel::Email => Some("email"),
            Channel::Inbox | Channel::Paper | Channel::Task => None,
        }
    }
}

/// What a fallback waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Unopened,
    Undelivered,
}

impl Outcome {
    pub fn named(name: &str) -> Option<Outcome> {
        match name {
            "unopened" => Some(Outcome::Unopened),
            "undelivered" => Some(Outcome::Undelivered),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Unopened => "unopened",
            Outcome::Undelivered => "undelivered",
        }
    }

    /// The delivery event whose arrival cancels the fallback.
    pub fn cancelled_by(self) -> &'static str {
        match self {
            Outcome::Unopened => "opened",
            Outcome::Undelivered => "delivered",
        }
    }
}

/// Who a message goes to (R14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    Patient,
    /// Every registered guardian: guardian 1 and guardian 2.
    Guardians,
    Guardian1,
    Guardian2,
    /// The unit's staff, for internal tasks.
    Staff,
}

impl Recipient {
    pub const ALL: [Recipient; 5] = [
        Recipient::Patient,
        Recipient::Guardians,
        Recipient::Guardian1,
        Recipient::Guardian2,
        Recipient::Staff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Recipient::Patient => "patient",
            Recipient::Guardians => "guardians",
            Recipient::Guardian1 => "guardian1",
            Recipient::Guardian2 => "guardian2",
            Recipient::Staff => "staff",
        }
    }

    pub fn named(name: &str) -> Option<Recipient> {
        Recipient::ALL.into_iter().find(|r| r.as_str() == name)
    }

    pub fn is_guardian(self) -> bool {
        matches!(
            self,
            Recipient::Guardians | Recipient::Guardian1 | Recipient::Guardian2
        )
    }

    /// Whether two recipient clauses can reach the same person.
    pub fn overlaps(self, other: Recipient) -> bool {
        self == other
            || (self == Recipient::Guardians && other.is_guardian())
            || (other == Recipient::Guardians && self.is_guardian())
    }
}

/// Placeholders an inline text may use, with the width assumed when counting SMS segments.
pub const PLACEHOLDERS: &[(&str, usize, &str)] = &[
    ("booking.date", 10, "the visit's local date, `2026-03-30`"),
    ("booking.time", 5, "the visit's local time, `09:30`"),
    (
        "booking.weekday",
        9,
        "the visit's weekday in the patient's language",
    ),
    ("booking.unit", 20, "the unit's name"),
    ("booking.clinic", 20, "the clinic's name"),
    ("booking.exam", 20, "the examination's name"),
    ("links.rebook", 30, "a short link to rebook the visit (R18)"),
    ("links.cancel", 30, "a short link to cancel the visit (R18)"),
    ("sender", 11, "the sender alias (R19)"),
];

/// The built-in default minor age (R14).
pub const DEFAULT_MINOR_AGE: u64 = 18;
