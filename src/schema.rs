//! The vocabulary of `rem`, defined once: the words of every enumeration, the columns of a
//! booking feed, and the fields a condition may read. The checker, the plan, the engine, the
//! feed readers, the reject reasons and the language reference all take them from here.
//!
//! - [`words!`] defines an enumeration by its words (`quick_book`, `sms`, ...): the type, its
//!   `ALL` list, `as_str`, `parse` and the serde form (the word).
//! - [`Column`] is one row of the feed table: its name in a CSV header and a JSON Lines object,
//!   where it sits in JSON Lines, what its values are (which also gives the reject hint),
//!   whether it is required and whether it is personal data, and where FHIR carries it.
//! - [`Field`] is one row of the condition table: its path, type, whose it is (booking, patient,
//!   guardian), the columns it is read from, and its line in the language reference.
//!
//! Adding a column or a field is one line here plus its reader: the feed readers and the
//! engine match on these enums exhaustively, so the compiler points at what is left to do.

use std::fmt;

use serde::{Deserialize, Serialize};

pub mod statements;

/// An enumeration spelled by its words. The words are the serde form too, so the plan, the
/// feeds and the language share one spelling.
macro_rules! words {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const WORDS: &'static [&'static str] = &[$($word),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }

            /// The value's number: its place in [`Self::ALL`] (the WebAssembly ABI's code).
            pub fn index(self) -> u8 {
                self as u8
            }

            /// The value of a number given by [`Self::index`].
            pub fn from_index(index: u8) -> Option<$name> {
                Self::ALL.get(usize::from(index)).copied()
            }

            pub fn parse(word: &str) -> Option<$name> {
                match word {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let word = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $name::parse(&word)
                    .ok_or_else(|| serde::de::Error::unknown_variant(&word, $name::WORDS))
            }
        }
    };
}

/// `a, b, c`: words for a reason or a help text.
pub fn list(words: &[&str]) -> String {
    words.join(", ")
}

/// `` `a`, `b`, `c` ``: words for a diagnostic.
pub fn quoted_list(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    quoted.join(", ")
}

words! {
    /// Who made the booking (R15, R16).
    pub enum Source { Staff => "staff", Portal => "portal", QuickBook => "quick_book" }
}
words! {
    /// R17: each visit of a series or a team visit is its own booking; a group has one flag.
    pub enum Kind { Single => "single", Series => "series", Team => "team", Group => "group" }
}
words! {
    /// A booking's status. `pending` is a visit proposed, pending or on a waiting list: not
    /// booked yet. `declined`: the patient declined the (group) visit.
    pub enum Status {
        Booked => "booked",
        Cancelled => "cancelled",
        Pending => "pending",
        Declined => "declined",
    }
}
words! {
    /// Whether the patient's record is in use: an inactive or deceased patient gets nothing.
    pub enum PatientStatus { Active => "active", Inactive => "inactive", Deceased => "deceased" }
}
words! {
    /// The kind of id number (R11, R14).
    pub enum IdKind { Personal => "personal", Coordination => "coordination", Reserve => "reserve" }
}
words! {
    /// Where the patient's consent was given (R1).
    pub enum ConsentSource {
        None => "none",
        Clinic => "clinic",
        Portal => "portal",
        Registry => "registry",
    }
}
words! {
    /// The channels of R10.
    pub enum Channel {
        Sms => "sms",
        Email => "email",
        Inbox => "inbox",
        Paper => "paper",
        Task => "task",
        /// A request to the booking system itself, such as cancelling a booking the patient
        /// cancelled by replying to a reminder.
        BookingSystem => "booking_system",
    }
}
words! {
    /// What a fallback waits for.
    pub enum Outcome { Unopened => "unopened", Undelivered => "undelivered" }
}
words! {
    /// Who a message goes to (R14).
    pub enum Recipient {
        Patient => "patient",
        /// Every registered guardian: guardian 1 and guardian 2.
        Guardians => "guardians",
        Guardian1 => "guardian1",
        Guardian2 => "guardian2",
        /// The unit's staff, for internal tasks.
        Staff => "staff",
    }
}
words! {
    /// Who an action goes to: one person each.
    pub enum Who {
        Patient => "patient",
        Guardian1 => "guardian1",
        Guardian2 => "guardian2",
        Staff => "staff",
    }
}
words! {
    /// What the event feed reports: about an action, from the sending system (R13:
    /// `sent`, `delivered`, `failed`, `opened`); a patient's reply to one (`reply`); or about
    /// the booking, from the booking or journal system (R18: `results_ready`, `invoice_ready`,
    /// `rebooked`, `therapy_started`), which messages can be sent `on`.
    pub enum EventKind {
        Sent => "sent",
        Delivered => "delivered",
        Failed => "failed",
        Opened => "opened",
        Reply => "reply",
        ResultsReady => "results_ready",
        InvoiceReady => "invoice_ready",
        Rebooked => "rebooked",
        TherapyStarted => "therapy_started",
    }
}
words! {
    /// The kinds of message (R18).
    pub enum MessageKind {
        Confirmation => "confirmation",
        Letter => "letter",
        Reminder => "reminder",
        Cancellation => "cancellation",
        Rebooking => "rebooking",
        /// Results are ready (R18).
        Results => "results",
        /// An invoice is ready (R18).
        Invoice => "invoice",
        /// A therapy or medication alert (R18).
        Alert => "alert",
    }
}
words! {
    /// The consent a channel needs (R1).
    pub enum Consent { Sms => "sms", Email => "email" }
}
words! {
    /// Days of a send window, Monday first.
    pub enum Weekday {
        Mon => "mon",
        Tue => "tue",
        Wed => "wed",
        Thu => "thu",
        Fri => "fri",
        Sat => "sat",
        Sun => "sun",
    }
}

impl EventKind {
    /// Whether the event is about the booking rather than about one action: a message can be
    /// sent `on` it.
    pub fn is_about_booking(self) -> bool {
        matches!(
            self,
            EventKind::ResultsReady
                | EventKind::InvoiceReady
                | EventKind::Rebooked
                | EventKind::TherapyStarted
        )
    }

    /// The events a message can be sent `on`.
    pub fn booking_events() -> impl Iterator<Item = EventKind> {
        EventKind::ALL
            .iter()
            .copied()
            .filter(|e| e.is_about_booking())
    }
}

impl Channel {
    /// Whether the channel goes to the clinic rather than to a patient: a staff task, or a
    /// request to the booking system. Such actions go `to staff`, at the unit.
    pub fn is_internal(self) -> bool {
        matches!(self, Channel::Task | Channel::BookingSystem)
    }

    /// Whether the channel reports this outcome. An SMS gateway reports delivery but never
    /// that the text was read; the inbox reports both; paper reports neither.
    pub fn reports(self, outcome: Outcome) -> bool {
        matches!(
            (self, outcome),
            (
                Channel::Sms | Channel::Email | Channel::Inbox,
                Outcome::Undelivered
            ) | (Channel::Inbox, Outcome::Unopened)
        )
    }

    /// The consent a recipient needs before this channel may be used (R1): the engine checks
    /// it for every recipient, whatever the policy's own conditions say.
    pub fn required_consent(self) -> Option<Consent> {
        match self {
            Channel::Sms => Some(Consent::Sms),
            Channel::Email => Some(Consent::Email),
            Channel::Inbox | Channel::Paper | Channel::Task | Channel::BookingSystem => None,
        }
    }
}

impl Outcome {
    /// The delivery event whose arrival cancels the fallback.
    pub fn cancelled_by(self) -> EventKind {
        match self {
            Outcome::Unopened => EventKind::Opened,
            Outcome::Undelivered => EventKind::Delivered,
        }
    }
}

impl Recipient {
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

    /// The people the clause names, in order.
    pub fn people(self) -> &'static [Who] {
        match self {
            Recipient::Patient => &[Who::Patient],
            Recipient::Guardians => &[Who::Guardian1, Who::Guardian2],
            Recipient::Guardian1 => &[Who::Guardian1],
            Recipient::Guardian2 => &[Who::Guardian2],
            Recipient::Staff => &[Who::Staff],
        }
    }

    /// Whether the clause names this person.
    pub fn names(self, who: Who) -> bool {
        self.people().contains(&who)
    }
}

/// The enumerations a condition can compare with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnumType {
    Source,
    Kind,
    Status,
    IdKind,
    ConsentSource,
    PatientStatus,
}

impl EnumType {
    pub fn values(self) -> &'static [&'static str] {
        match self {
            EnumType::Source => Source::WORDS,
            EnumType::Kind => Kind::WORDS,
            EnumType::Status => Status::WORDS,
            EnumType::IdKind => IdKind::WORDS,
            EnumType::ConsentSource => ConsentSource::WORDS,
            EnumType::PatientStatus => PatientStatus::WORDS,
        }
    }

    pub fn values_in_words(self) -> String {
        quoted_list(self.values())
    }
}

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

// ---------------------------------------------------------------------------------------------
// The feed table.

/// Where a column sits in a JSON Lines booking object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonPlace {
    /// A field of the booking object.
    Booking,
    /// A field of the `patient` object.
    Patient,
    /// A field of guardian 1 or 2 (the first or second object of `guardians`), by its name
    /// there (`mobile`, `consent_sms`).
    Guardian(u8, &'static str),
}

/// What a column's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    Text,
    /// RFC 3339 with an offset.
    Time,
    /// `YYYY-MM-DD`.
    Date,
    /// `true` or `false`; empty is the default given.
    Flag(bool),
    Word(EnumType),
    /// E.164.
    Phone,
    Email,
}

impl Values {
    /// What a value of the column must look like: the hint of a reject reason.
    pub fn expected(self) -> String {
        match self {
            Values::Text => "text".to_string(),
            Values::Time => {
                "an RFC 3339 time with offset, such as 2026-03-30T09:00:00+02:00".to_string()
            }
            Values::Date => "a date in the form YYYY-MM-DD".to_string(),
            Values::Flag(_) => "true or false".to_string(),
            Values::Word(of) => format!("one of {}", list(of.values())),
            Values::Phone => {
                "a phone number in E.164 form (+ and country code, e.g. +46701234567), or a national number of the feed configuration's `phone_region`".to_string()
            }
            Values::Email => "an e-mail address".to_string(),
        }
    }
}

/// Whether a row must give a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Every row gives a value.
    Required,
    /// In every CSV header, but may be empty.
    Optional,
    /// An addition: a CSV header may leave it out.
    Extra,
}

/// One column of the feed table.
#[derive(Debug)]
pub struct ColumnInfo {
    /// The name in a CSV header and a JSON Lines object.
    pub name: &'static str,
    pub json: JsonPlace,
    pub values: Values,
    pub need: Need,
    /// Values identify a person: never quoted, never logged.
    pub personal: bool,
    /// Where a FHIR R4 bundle carries it (`docs/feed-format.md`).
    pub fhir: &'static str,
    pub doc: &'static str,
}

macro_rules! columns {
    ($(
        $variant:ident => $name:literal, $json:expr, $values:expr, $need:ident,
        $personal:literal, fhir $fhir:literal, $doc:literal;
    )+) => {
        /// The columns of a booking feed, in the order of the canonical CSV header.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(usize)]
        pub enum Column { $($variant),+ }

        impl Column {
            pub const ALL: &'static [Column] = &[$(Column::$variant),+];

            pub fn info(self) -> &'static ColumnInfo {
                match self {
                    $(Column::$variant => &ColumnInfo {
                        name: $name,
                        json: $json,
                        values: $values,
                        need: Need::$need,
                        personal: $personal,
                        fhir: $fhir,
                        doc: $doc,
                    }),+
                }
            }
        }
    };
}

use JsonPlace::{Booking as B, Guardian as G, Patient as P};

columns! {
    BookingId => "booking_id", B, Values::Text, Required, false,
        fhir "`Appointment.identifier[0].value`, else `Appointment.id`",
        "one booking = one visit of one patient (R17: each visit of a series is its own booking)";
    PatientId => "patient_id", B, Values::Text, Required, true,
        fhir "`Patient.id`",
        "the patient's id; the inbox and the print shop find the patient by it";
    Clinic => "clinic", B, Values::Text, Required, false,
        fhir "see `docs/feed-format.md`: a mapped Organization, Location or HealthcareService; the Organization managing the unit's Location or providing its HealthcareService; the configuration's `clinic`",
        "the clinic's code, matched against a policy's `clinic`";
    Unit => "unit", B, Values::Text, Required, false,
        fhir "the HealthcareService participant, else the Location (mapped by the configuration's `units`)",
        "the unit (reception), matched against `units` (R2)";
    Exam => "exam", B, Values::Text, Optional, false,
        fhir "the first code of the configured systems in `serviceType`, `appointmentType`, `serviceCategory`; never the encounter class",
        "the examination or appointment type, matched against `exams` (R3)";
    Kind => "kind", B, Values::Word(EnumType::Kind), Required, false,
        fhir "extension `booking-kind` (default `single`)",
        "(R17)";
    SeriesId => "series_id", B, Values::Text, Optional, false,
        fhir "extension `booking-series`",
        "the series the booking belongs to";
    GroupId => "group_id", B, Values::Text, Optional, false,
        fhir "extension `booking-group`",
        "the group booking it belongs to; a group has one reminder flag (R17)";
    Source => "source", B, Values::Word(EnumType::Source), Required, false,
        fhir "extension `booking-source` (default `staff`)",
        "who made the booking (R15, R16)";
    Status => "status", B, Values::Word(EnumType::Status), Required, false,
        fhir "`Appointment.status`: `booked`, `arrived`, `checked-in`, `fulfilled`, `noshow` → booked; `proposed`, `pending`, `waitlist` → pending; `cancelled` → cancelled; `entered-in-error` → left out",
        "";
    StatusAt => "status_at", B, Values::Time, Optional, false,
        fhir "extension `status-at`, else `meta.lastUpdated` of a cancelled appointment",
        "when it was cancelled or moved; `on cancellation` / `on rescheduling` messages are sent then";
    Start => "start", B, Values::Time, Required, false,
        fhir "`Appointment.start`",
        "the visit";
    Created => "created", B, Values::Time, Required, false,
        fhir "`Appointment.created`; a bare date is its start, an absent one `--now`",
        "when the booking was made; must not be after `start`";
    Reminder => "reminder", B, Values::Flag(true), Optional, false,
        fhir "extension `booking-reminder` (default `true`)",
        "the booking's reminder flag (R16)";
    BirthDate => "birth_date", P, Values::Date, Required, true,
        fhir "`Patient.birthDate`; a partial date is its latest possible birthday",
        "for the patient's age on the visit's date";
    IdKind => "id_kind", P, Values::Word(EnumType::IdKind), Required, false,
        fhir "`Patient.identifier`: the system of a personal, coordination or reserve number (built-in Swedish OIDs, and the configuration's)",
        "the kind of id number (R11, R14)";
    Mobile => "mobile", P, Values::Phone, Optional, true,
        fhir "`Patient.telecom`: `use` `mobile` first, then `sms`, by `rank`, not ended; made E.164 with `phone_region`",
        "the patient's mobile";
    Email => "email", P, Values::Email, Optional, true,
        fhir "`Patient.telecom` with `system` `email`",
        "one address a mail system can send to; an unusable one costs the e-mail only";
    ConsentSms => "consent_sms", P, Values::Flag(false), Optional, false,
        fhir "a `Consent` naming SMS, else extension `consent-sms`; or the configuration's registry",
        "consent to SMS (R1)";
    ConsentEmail => "consent_email", P, Values::Flag(false), Optional, false,
        fhir "a `Consent` naming e-mail, else extension `consent-email`",
        "consent to e-mail (R1)";
    ConsentSource => "consent_source", P, Values::Word(EnumType::ConsentSource), Optional, false,
        fhir "extension `consent-source` (default `none`)",
        "where the consent was given (R1)";
    InboxAccount => "inbox_account", P, Values::Flag(false), Optional, false,
        fhir "extension `inbox-account` (default `false`)",
        "an account at the national digital inbox (R11)";
    InboxNotifications => "inbox_notifications", P, Values::Flag(false), Optional, false,
        fhir "extension `inbox-notifications` (default `false`)",
        "notifications of new inbox mail switched on (R11)";
    Interpreter => "interpreter", P, Values::Flag(false), Optional, false,
        fhir "extension `http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired`",
        "needs an interpreter (R11)";
    Language => "language", P, Values::Text, Optional, false,
        fhir "the preferred `Patient.communication`'s language, its primary subtag (`sv-SE` → `sv`)",
        "ISO 639-1 code, used for weekday names in texts";
    Guardian1Mobile => "guardian1_mobile", G(1, "mobile"), Values::Phone, Optional, true,
        fhir "the first `RelatedPerson` with a guardian's relationship whose `patient` refers to the patient (else such a `Patient.contact`): `telecom` as for the patient",
        "a minor's guardian 1 (R14)";
    Guardian1ConsentSms => "guardian1_consent_sms", G(1, "consent_sms"), Values::Flag(false), Optional, false,
        fhir "extension `consent-sms` on that RelatedPerson (default `false`)",
        "guardian 1's SMS consent";
    Guardian2Mobile => "guardian2_mobile", G(2, "mobile"), Values::Phone, Optional, true,
        fhir "the second such `RelatedPerson` (or contact)",
        "a minor's guardian 2 (R14)";
    Guardian2ConsentSms => "guardian2_consent_sms", G(2, "consent_sms"), Values::Flag(false), Optional, false,
        fhir "extension `consent-sms` on that RelatedPerson (default `false`)",
        "guardian 2's SMS consent";
    PreviousStart => "previous_start", B, Values::Time, Extra, false,
        fhir "extension `previous-start`",
        "the start before the booking was moved; drives `on rescheduling`";
    PatientStatus => "patient_status", P, Values::Word(EnumType::PatientStatus), Extra, false,
        fhir "`Patient.active` `false` → inactive; `Patient.deceasedBoolean` `true` or a `deceasedDateTime` → deceased",
        "`active` (default), `inactive` or `deceased`: an inactive or deceased patient gets nothing";
}

impl Column {
    /// How many columns there are.
    pub const COUNT: usize = Column::ALL.len();

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn named(name: &str) -> Option<Column> {
        Column::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// Values of these columns identify a person and are never quoted.
    pub fn is_personal(self) -> bool {
        self.info().personal
    }

    /// Whether every CSV header must have the column.
    pub fn in_canonical_header(self) -> bool {
        self.info().need != Need::Extra
    }
}

// ---------------------------------------------------------------------------------------------
// The condition table.

/// Whose a field is; guardian fields are read only in the condition of a guardian recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Booking,
    Patient,
    Guardian,
}

/// One field a condition may read.
#[derive(Debug)]
pub struct FieldInfo {
    pub field: Field,
    pub path: &'static str,
    pub ty: Type,
    pub subject: Subject,
    /// The feed columns it is read from.
    pub columns: &'static [Column],
    pub doc: &'static str,
}

macro_rules! fields {
    ($($variant:ident => $path:literal, $ty:expr, $subject:ident, [$($column:ident),*], $doc:literal;)+) => {
        /// The fields a condition may read.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Field { $($variant),+ }

        /// Every field a condition may read, in the order of the language reference.
        pub const FIELDS: &[FieldInfo] = &[$(FieldInfo {
            field: Field::$variant,
            path: $path,
            ty: $ty,
            subject: Subject::$subject,
            columns: &[$(Column::$column),*],
            doc: $doc,
        }),+];
    };
}

fields! {
    Source => "booking.source", Type::Enum(EnumType::Source), Booking, [Source],
        "who made the booking: `staff`, the patient in the `portal`, or a `quick_book` from the day programme (R15, R16)";
    Kind => "booking.kind", Type::Enum(EnumType::Kind), Booking, [Kind],
        "`single`, `series`, `team` or `group` (R17)";
    Status => "booking.status", Type::Enum(EnumType::Status), Booking, [Status],
        "`booked`, `cancelled`, `pending` (proposed or on a waiting list: not booked yet) or `declined` (the patient declined the visit)";
    Clinic => "booking.clinic", Type::String, Booking, [Clinic],
        "the clinic's code";
    Unit => "booking.unit", Type::String, Booking, [Unit],
        "the unit (reception) the visit is at (R2)";
    Exam => "booking.exam", Type::String, Booking, [Exam],
        "the examination or appointment type (R3)";
    Reminder => "booking.reminder", Type::Bool, Booking, [Reminder],
        "the booking's reminder flag; staff may switch it off for one visit (R16)";
    LeadTime => "booking.lead_time", Type::Duration, Booking, [Start, Created],
        "the time from when the booking was made to the visit";
    Age => "patient.age", Type::Number, Patient, [BirthDate, Start],
        "age in whole years on the visit's local date";
    Minor => "patient.minor", Type::Bool, Patient, [BirthDate, Start],
        "younger than the unit's `minor_age` on the visit's date (R14)";
    IdKind => "patient.id_kind", Type::Enum(EnumType::IdKind), Patient, [IdKind],
        "`personal`, `coordination` or `reserve` id number (R11)";
    HasMobile => "patient.has_mobile", Type::Bool, Patient, [Mobile],
        "a mobile number is registered";
    HasEmail => "patient.has_email", Type::Bool, Patient, [Email],
        "an e-mail address is registered";
    ConsentSms => "patient.consent.sms", Type::Bool, Patient, [ConsentSms],
        "the patient consented to SMS (R1)";
    ConsentEmail => "patient.consent.email", Type::Bool, Patient, [ConsentEmail],
        "the patient consented to e-mail (R1)";
    ConsentSource => "patient.consent.source", Type::Enum(EnumType::ConsentSource), Patient, [ConsentSource],
        "where the consent was given: `clinic`, `portal`, a national `registry` such as NemSMS, or `none` (R1)";
    InboxAccount => "patient.inbox.account", Type::Bool, Patient, [InboxAccount],
        "the patient has an account at the national digital inbox (R11)";
    InboxNotifications => "patient.inbox.notifications", Type::Bool, Patient, [InboxNotifications],
        "the patient switched on notifications of new inbox mail (R11)";
    Interpreter => "patient.interpreter", Type::Bool, Patient, [Interpreter],
        "the patient needs an interpreter (R11)";
    Language => "patient.language", Type::String, Patient, [Language],
        "the patient's language as an ISO 639-1 code, e.g. `\"sv\"`";
    GuardianHasMobile => "guardian.has_mobile", Type::Bool, Guardian, [Guardian1Mobile, Guardian2Mobile],
        "the guardian has a registered mobile number (R14)";
    GuardianConsentSms => "guardian.consent.sms", Type::Bool, Guardian, [Guardian1ConsentSms, Guardian2ConsentSms],
        "the guardian consented to SMS (R14)";
    GuardianNumber => "guardian.number", Type::Number, Guardian, [],
        "1 or 2: which guardian";
}

impl Field {
    pub fn info(self) -> &'static FieldInfo {
        // FIELDS holds every field once, in declaration order.
        &FIELDS[self as usize]
    }

    pub fn path(self) -> &'static str {
        self.info().path
    }

    pub fn named(path: &str) -> Option<Field> {
        field_named(path).map(|f| f.field)
    }
}

pub fn field_named(path: &str) -> Option<&'static FieldInfo> {
    FIELDS.iter().find(|f| f.path == path)
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
    (
        "links.book",
        30,
        "a short link to book a visit, for a recall's reminders (R8)",
    ),
    ("sender", 11, "the sender alias (R19)"),
];

/// The built-in default minor age (R14).
pub const DEFAULT_MINOR_AGE: u64 = 18;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_consistent() {
        for (i, info) in FIELDS.iter().enumerate() {
            assert_eq!(info.field as usize, i, "{} is out of order", info.path);
            assert_eq!(Field::named(info.path), Some(info.field));
            let prefix = match info.subject {
                Subject::Booking => "booking.",
                Subject::Patient => "patient.",
                Subject::Guardian => "guardian.",
            };
            assert!(info.path.starts_with(prefix), "{}", info.path);
        }
        for (i, column) in Column::ALL.iter().enumerate() {
            assert_eq!(*column as usize, i);
            assert_eq!(Column::named(column.name()), Some(*column));
        }
        for word in Kind::WORDS {
            assert_eq!(Kind::parse(word).map(Kind::as_str), Some(*word));
        }
    }
}
