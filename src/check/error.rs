//! Everything the checker can say about a policy. Each variant holds the facts its message and
//! help need (the name found, a near name, the types compared, where a first definition is);
//! the words are written here, next to the variant, and nowhere else. `help` texts say what to
//! write instead. Codes are documented in `docs/errors.md`.

use std::fmt;

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use crate::plan::When;
use crate::schema::{self, Channel, EnumType, MessageKind, Outcome, Recipient, Type};

use super::deceptive;
use super::suggest::{did_you_mean, quoted};
use super::text::Encoding;

#[derive(Debug, Clone, Error, Diagnostic, PartialEq)]
pub enum CheckError {
    // ---- conditions
    #[error("unknown field `{field}`")]
    #[diagnostic(
        code(rem::E010),
        help(
            "{}",
            did_you_mean(
                .suggestion,
                "the fields are listed in docs/language.md, e.g. `patient.age`, `booking.source`"
            )
        )
    )]
    UnknownField {
        field: String,
        #[label("not a field")]
        span: SourceSpan,
        /// The field whose name is closest, if one is close enough to be a likely typo.
        suggestion: Option<String>,
    },

    #[error(
        "`{field}` is a guardian's field and can only be used in `to guardians`, `to guardian1` or `to guardian2`"
    )]
    #[diagnostic(
        code(rem::E011),
        help("move this condition to a guardian recipient, or use a `patient.` field here")
    )]
    GuardianFieldOutsideGuardian {
        field: String,
        #[label("no guardian here")]
        span: SourceSpan,
    },

    #[error(
        "cannot compare {} with {}",
        .left_type.describe(),
        .right_type.describe()
    )]
    #[diagnostic(code(rem::E012), help("{}", type_mismatch_help(*.left_type, *.right_type)))]
    TypeMismatch {
        /// The type of the left side, which the right side should have had.
        left_type: Type,
        right_type: Type,
        #[label("{}", .left_type.describe())]
        left: SourceSpan,
        #[label("{}", .right_type.describe())]
        right: SourceSpan,
    },

    #[error("`{value}` is not a value of `{field}`")]
    #[diagnostic(
        code(rem::E013),
        help(
            "{}",
            did_you_mean(.suggestion, format!("write one of {}", .of.values_in_words()))
        )
    )]
    UnknownEnumValue {
        value: String,
        field: String,
        /// The enumeration the value should be one of.
        of: EnumType,
        #[label("unknown value")]
        span: SourceSpan,
        suggestion: Option<String>,
    },

    #[error("this is {found}, not a yes/no condition")]
    #[diagnostic(
        code(rem::E014),
        help("compare it with something, e.g. `patient.age < 18` or `booking.source == portal`")
    )]
    NotACondition {
        found: String,
        #[label("needs a comparison")]
        span: SourceSpan,
    },

    #[error("`{op}` cannot order {ty}")]
    #[diagnostic(
        code(rem::E015),
        help(
            "only numbers and durations can be compared with `<`, `<=`, `>`, `>=`; use `==` or `!=` here"
        )
    )]
    NotOrdered {
        op: String,
        ty: String,
        #[label("not ordered")]
        span: SourceSpan,
    },

    /// A bare word where a condition is expected.
    #[error("unknown name `{word}`")]
    #[diagnostic(
        code(rem::E016),
        help(
            "{}",
            did_you_mean(
                .suggestion,
                "a condition reads fields such as `patient.minor`; text is written in double quotes"
            )
        )
    )]
    UnknownWord {
        word: String,
        #[label("not a field or a value here")]
        span: SourceSpan,
        /// The field whose last part is closest to the word.
        suggestion: Option<String>,
    },

    /// A bare word compared with a field that has no named values.
    #[error("unknown name `{word}`")]
    #[diagnostic(
        code(rem::E016),
        help("{}", word_not_a_value_help(.word, .field, *.expected))
    )]
    WordNotAValue {
        word: String,
        /// The other side of the comparison: a field, or "the other side".
        field: String,
        expected: Type,
        #[label("not a field or a value here")]
        span: SourceSpan,
    },

    #[error("the list is empty, so the condition can never be true")]
    #[diagnostic(
        code(rem::E017),
        help("list at least one value, e.g. `patient.id_kind in [coordination, reserve]`")
    )]
    EmptyList {
        #[label("empty list")]
        span: SourceSpan,
    },

    // ---- settings
    #[error("unknown time zone `{name}`")]
    #[diagnostic(
        code(rem::E020),
        help(
            "{}",
            did_you_mean(
                .suggestion,
                "write an IANA zone name such as `Europe/Stockholm`, `Europe/Copenhagen` or `Europe/Rome`"
            )
        )
    )]
    UnknownTimezone {
        name: String,
        #[label("not an IANA time zone")]
        span: SourceSpan,
        suggestion: Option<String>,
    },

    #[error("`{time}` is not a time of day")]
    #[diagnostic(
        code(rem::E021),
        help("write hours 00 to 23 and minutes 00 to 59, e.g. `09:30`")
    )]
    InvalidTime {
        time: String,
        #[label("invalid time")]
        span: SourceSpan,
    },

    #[error("the window closes at {until}, before it opens at {from}")]
    #[diagnostic(
        code(rem::E022),
        help(
            "write the opening time first, e.g. `window 08:00..20:00`; a window cannot span midnight"
        )
    )]
    EmptyWindow {
        from: String,
        until: String,
        #[label("empty window")]
        span: SourceSpan,
    },

    #[error("a minor age of {age} is not plausible")]
    #[diagnostic(
        code(rem::E023),
        help("write an age between 1 and 25; the usual limit is 18")
    )]
    MinorAgeOutOfRange {
        age: u64,
        #[label("out of range")]
        span: SourceSpan,
    },

    #[error("unknown late-booking rule `{value}`")]
    #[diagnostic(
        code(rem::E024),
        help(
            "{}",
            did_you_mean(.suggestion, "write `late_booking skip` or `late_booking send_now`")
        )
    )]
    UnknownLateBooking {
        value: String,
        #[label("expected `skip` or `send_now`")]
        span: SourceSpan,
        suggestion: Option<String>,
    },

    #[error("`{setting}` is set twice")]
    #[diagnostic(code(rem::E025), help("keep one of them"))]
    DuplicateSetting {
        setting: String,
        #[label("set again here")]
        span: SourceSpan,
        #[label("first set here")]
        first: SourceSpan,
    },

    #[error("`{setting}` cannot be set {place}")]
    #[diagnostic(code(rem::E026), help("{}", where_to_set(.setting)))]
    SettingNotAllowedHere {
        /// The setting's keyword.
        setting: String,
        /// "per unit" or "in a message".
        place: String,
        #[label("not allowed here")]
        span: SourceSpan,
    },

    #[error("policy `{policy}` has no time zone")]
    #[diagnostic(
        code(rem::E027),
        help(
            "add `timezone \"Europe/Stockholm\"` (or your zone) to the policy or to the defaults it extends"
        )
    )]
    MissingTimezone {
        policy: String,
        #[label("needs `timezone`")]
        span: SourceSpan,
    },

    #[error("policy `{policy}` does not say which clinic it is for")]
    #[diagnostic(
        code(rem::E028),
        help(
            "add `clinic \"NAME\"` (or `clinics \"A\", \"B\"`) to the policy or to the defaults it extends"
        )
    )]
    MissingClinic {
        policy: String,
        #[label("needs `clinic`")]
        span: SourceSpan,
    },

    #[error("unknown booking kind `{value}`")]
    #[diagnostic(
        code(rem::E029),
        help(
            "{}",
            did_you_mean(
                .suggestion,
                format!("write one of {}", EnumType::Kind.values_in_words())
            )
        )
    )]
    UnknownKind {
        value: String,
        #[label("not a booking kind")]
        span: SourceSpan,
        suggestion: Option<String>,
    },

    // ---- names
    #[error("there are two policies named `{name}`")]
    #[diagnostic(
        code(rem::E030),
        help("{}give each policy its own name", first_is_in(.elsewhere))
    )]
    DuplicatePolicy {
        name: String,
        #[label("second policy")]
        span: SourceSpan,
        /// The first policy, when it is in the same file.
        #[label("first policy")]
        first: Option<SourceSpan>,
        /// The first policy, when it is in another file.
        elsewhere: Option<FileLine>,
    },

    #[error("the policy has two messages named `{name}`")]
    #[diagnostic(
        code(rem::E031),
        help("give each message its own name; the name is how reports refer to it")
    )]
    DuplicateMessage {
        name: String,
        #[label("second message")]
        span: SourceSpan,
        #[label("first message")]
        first: SourceSpan,
    },

    #[error("the policy has two exclusions named `{name}`")]
    #[diagnostic(
        code(rem::E032),
        help("give each exclusion its own name, or join the conditions with `or`")
    )]
    DuplicateExclusion {
        name: String,
        #[label("second exclusion")]
        span: SourceSpan,
        #[label("first exclusion")]
        first: SourceSpan,
    },

    #[error("there are two defaults named `{name}`")]
    #[diagnostic(code(rem::E033), help("give each defaults block its own name"))]
    DuplicateDefaults {
        name: String,
        #[label("second defaults")]
        span: SourceSpan,
    },

    #[error("no defaults named `{name}`")]
    #[diagnostic(
        code(rem::E034),
        help(
            "{}",
            did_you_mean(
                .suggestion,
                "define `defaults \"NAME\" { ... }` in this file, or `use` the file that defines it"
            )
        )
    )]
    UnknownDefaults {
        name: String,
        #[label("not found")]
        span: SourceSpan,
        suggestion: Option<String>,
    },

    #[error("`{name}` is listed twice")]
    #[diagnostic(code(rem::E035), help("remove the second one"))]
    DuplicateListEntry {
        name: String,
        #[label("listed again")]
        span: SourceSpan,
        #[label("first listed here")]
        first: SourceSpan,
    },

    #[error("unit `{unit}` is not one of the policy's units")]
    #[diagnostic(
        code(rem::E036),
        help(
            "{}",
            did_you_mean(
                .suggestion,
                format!(
                    "add it to `units`, or remove the override; the units are {}",
                    quoted(.units)
                )
            )
        )
    )]
    UnitOverrideOutsideScope {
        unit: String,
        #[label("not in `units`")]
        span: SourceSpan,
        /// The policy's units.
        units: Vec<String>,
        suggestion: Option<String>,
    },

    #[error("unit `{unit}` has two overrides")]
    #[diagnostic(
        code(rem::E037),
        help("put all of the unit's settings in one `unit` block")
    )]
    DuplicateUnitOverride {
        unit: String,
        #[label("second override")]
        span: SourceSpan,
        #[label("first override")]
        first: SourceSpan,
    },

    #[error("no policy named `{name}`")]
    #[diagnostic(
        code(rem::E038),
        help(
            "{}",
            did_you_mean(.suggestion, "name a policy of the files being checked")
        )
    )]
    UnknownWinsOver {
        name: String,
        #[label("not found")]
        span: SourceSpan,
        suggestion: Option<String>,
    },

    #[error("a policy cannot win over itself")]
    #[diagnostic(
        code(rem::E039),
        help("name the other policy whose messages this one replaces")
    )]
    WinsOverSelf {
        #[label("this policy")]
        span: SourceSpan,
    },

    #[error("exclusion `{name}` is always true, so no booking would ever get a message")]
    #[diagnostic(
        code(rem::E040),
        help(
            "check the condition: an `or` of a yes/no field and its `not` holds for every booking"
        )
    )]
    AlwaysTrueExclusion {
        name: String,
        #[label("always true")]
        span: SourceSpan,
    },

    // ---- messages
    #[error("unknown channel `{name}`")]
    #[diagnostic(
        code(rem::E041),
        help(
            "{}",
            did_you_mean(
                .suggestion,
                format!("the channels are {}", schema::quoted_list(Channel::WORDS))
            )
        )
    )]
    UnknownChannel {
        name: String,
        #[label("not a channel")]
        span: SourceSpan,
        suggestion: Option<String>,
    },

    #[error("message `{message}` does not say how it is sent")]
    #[diagnostic(
        code(rem::E042),
        help("add `via sms` (or `email`, `inbox`, `paper`, `task`)")
    )]
    MissingChannel {
        message: String,
        #[label("needs `via`")]
        span: SourceSpan,
    },

    #[error("a message is sent on one channel")]
    #[diagnostic(
        code(rem::E043),
        help(
            "write a second message for the second channel, or use `also CHANNEL` for a complement"
        )
    )]
    DuplicateChannel {
        #[label("second `via`")]
        span: SourceSpan,
        #[label("first `via`")]
        first: SourceSpan,
    },

    #[error("message `{message}` does not say when it is sent")]
    #[diagnostic(
        code(rem::E044),
        help("add `send 1 day before at 10:00`, `send at booking` or `send on cancellation`")
    )]
    MissingTrigger {
        message: String,
        #[label("needs `send`")]
        span: SourceSpan,
    },

    #[error("unknown event `{name}`")]
    #[diagnostic(code(rem::E045), help("{}", did_you_mean(.suggestion, events_in_words(*.recall))))]
    UnknownEvent {
        name: String,
        #[label("not an event a message can be sent on")]
        span: SourceSpan,
        suggestion: Option<String>,
        /// Whether the message is in a recall.
        recall: bool,
    },

    // ---- template files (R19)
    #[error("the template file cannot be read: {problem}")]
    #[diagnostic(
        code(rem::E126),
        help(
            "a template file has `fallback_language = \"sv\"`, an optional `sender`, and a `[text]` table with one text per language (docs/language.md, \"Templates\")"
        )
    )]
    TemplateFile {
        problem: String,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("{problem}")]
    #[diagnostic(code(rem::E127), help("{help}"))]
    TemplateLanguage {
        problem: String,
        help: String,
        #[label("here")]
        span: SourceSpan,
    },

    // ---- recalls and repetitions (R8, R18)
    #[error("recall `{recall}` does not say when the service is due")]
    #[diagnostic(
        code(rem::E120),
        help(
            "write `due 1 year after \"SERVICE\"`: the service as the services feed names it, and how long after it was last performed it is due again"
        )
    )]
    RecallWithoutDue {
        recall: String,
        #[label("needs `due ... after \"SERVICE\"`")]
        span: SourceSpan,
    },

    #[error("{what} is only for a recall")]
    #[diagnostic(code(rem::E121), help("{help}"))]
    OnlyInRecall {
        what: String,
        help: &'static str,
        #[label("not in a recall")]
        span: SourceSpan,
    },

    #[error("{what} is not for a recall")]
    #[diagnostic(code(rem::E122), help("{help}"))]
    NotInRecall {
        what: String,
        help: &'static str,
        #[label("a recall has no booking")]
        span: SourceSpan,
    },

    #[error("`{amount}`: months and years only say when a recall is due")]
    #[diagnostic(
        code(rem::E123),
        help(
            "write the time in days or weeks (`30 days`, `6 weeks`); months and years belong in a recall's `due 1 year after \"SERVICE\"`"
        )
    )]
    CalendarUnitNotHere {
        amount: String,
        #[label("months or years")]
        span: SourceSpan,
    },

    #[error("{problem}")]
    #[diagnostic(code(rem::E124), help("{help}"))]
    BadRepetition {
        problem: String,
        help: &'static str,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("{problem}")]
    #[diagnostic(code(rem::E125), help("{help}"))]
    BadEventTrigger {
        problem: String,
        help: &'static str,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("a {kind} message cannot be sent {}", trigger_words(.when))]
    #[diagnostic(code(rem::E046), help("{}", trigger_for_kind(*.kind, .when)))]
    TriggerNotForKind {
        kind: MessageKind,
        /// When the message would be sent.
        when: When,
        #[label("not for a {kind}")]
        span: SourceSpan,
    },

    #[error("only staff tasks can be sent after the visit")]
    #[diagnostic(
        code(rem::E047),
        help("write `before`; a message to the patient after the visit start is never sent")
    )]
    AfterOnlyForTasks {
        #[label("after the visit")]
        span: SourceSpan,
    },

    #[error("a time of day only goes with an offset in days or weeks")]
    #[diagnostic(
        code(rem::E048),
        help(
            "write `1 day before at 10:00`, or drop `at` to send exactly that many hours or minutes before"
        )
    )]
    TimeOfDayNeedsDays {
        #[label("hours or minutes with a time of day")]
        span: SourceSpan,
    },

    #[error("unknown recipient `{name}`")]
    #[diagnostic(
        code(rem::E049),
        help(
            "{}",
            did_you_mean(
                .suggestion,
                "write `patient`, `guardians`, `guardian1`, `guardian2`, or `staff` for tasks"
            )
        )
    )]
    UnknownRecipient {
        name: String,
        #[label("not a recipient")]
        span: SourceSpan,
        suggestion: Option<String>,
    },

    #[error("message `{message}` has no recipients")]
    #[diagnostic(
        code(rem::E050),
        help(
            "add `to patient` (or `to guardians`, `to guardian1`, `to guardian2`, `to staff` for tasks)"
        )
    )]
    MissingRecipient {
        message: String,
        #[label("needs `to`")]
        span: SourceSpan,
    },

    #[error("`{recipient}` already gets this message")]
    #[diagnostic(
        code(rem::E051),
        help("join the conditions with `or` in one `to` line")
    )]
    DuplicateRecipient {
        recipient: String,
        #[label("again")]
        span: SourceSpan,
        #[label("first here")]
        first: SourceSpan,
    },

    #[error("staff are reached through tasks, not via {channel}")]
    #[diagnostic(
        code(rem::E052),
        help("write `via task` for a staff task, or send to `patient`")
    )]
    StaffNotViaTask {
        channel: Channel,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("a task goes to the unit's staff, not to the {recipient}")]
    #[diagnostic(code(rem::E052), help("write `to staff`"))]
    TaskNotToStaff {
        recipient: Recipient,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("the complement goes on the message's own channel `{channel}`")]
    #[diagnostic(
        code(rem::E053),
        help(
            "a complement (`also`) names a second channel, e.g. `also paper when patient.interpreter`"
        )
    )]
    ComplementSameChannel {
        channel: String,
        #[label("same channel as `via`")]
        span: SourceSpan,
    },

    #[error("`{channel}` is named twice as a complement")]
    #[diagnostic(
        code(rem::E054),
        help("join the conditions with `or` in one `also` line")
    )]
    DuplicateComplement {
        channel: String,
        #[label("again")]
        span: SourceSpan,
        #[label("first here")]
        first: SourceSpan,
    },

    #[error(
        "{channel} never reports whether a message was {}, so this fallback could never be decided",
        .outcome.cancelled_by()
    )]
    #[diagnostic(
        code(rem::E055),
        help("{}", fallback_cannot_report_help(*.channel, *.outcome))
    )]
    FallbackCannotReport {
        /// The channel of the first message.
        channel: Channel,
        /// What the fallback waits for.
        outcome: Outcome,
        #[label(primary, "waits for `{}`", .outcome.cancelled_by())]
        span: SourceSpan,
        #[label("sent via {channel}")]
        via: SourceSpan,
    },

    #[error("unknown fallback condition `{name}`")]
    #[diagnostic(
        code(rem::E056),
        help(
            "{}",
            did_you_mean(.suggestion, "write `unopened` or `undelivered`")
        )
    )]
    UnknownOutcome {
        name: String,
        #[label("expected `unopened` or `undelivered`")]
        span: SourceSpan,
        suggestion: Option<String>,
    },

    #[error("the fallback uses the message's own channel `{channel}`")]
    #[diagnostic(
        code(rem::E057),
        help("a fallback sends on another channel, e.g. `fallback paper after 3 days unopened`")
    )]
    FallbackSameChannel {
        channel: String,
        #[label("same channel as `via`")]
        span: SourceSpan,
    },

    #[error("a message has at most one fallback")]
    #[diagnostic(code(rem::E058), help("keep one `fallback` line"))]
    DuplicateFallback {
        #[label("second fallback")]
        span: SourceSpan,
        #[label("first fallback")]
        first: SourceSpan,
    },

    #[error("a fallback after 0 {unit} would always be sent")]
    #[diagnostic(
        code(rem::E059),
        help("give the recipient time to open the message, e.g. `after 3 days`")
    )]
    ZeroDuration {
        unit: String,
        #[label("zero")]
        span: SourceSpan,
    },

    #[error("unknown placeholder `{{{name}}}`")]
    #[diagnostic(
        code(rem::E060),
        help(
            "{}",
            did_you_mean(
                .suggestion,
                format!("the placeholders are {}", placeholders_in_words())
            )
        )
    )]
    UnknownPlaceholder {
        name: String,
        #[label("not a placeholder")]
        span: SourceSpan,
        suggestion: Option<String>,
    },

    #[error("a placeholder is not closed")]
    #[diagnostic(code(rem::E061), help("close it with `}}`, e.g. `{{booking.date}}`"))]
    UnclosedPlaceholder {
        #[label("opened here")]
        span: SourceSpan,
    },

    #[error("`{statement}` is written twice in the message")]
    #[diagnostic(code(rem::E062), help("keep one of them"))]
    DuplicateStatement {
        statement: String,
        #[label("again")]
        span: SourceSpan,
        #[label("first here")]
        first: SourceSpan,
    },

    #[error("message `{message}` has no content")]
    #[diagnostic(
        code(rem::E063),
        help(
            "add `template \"ID\"` naming the template in the sending system, or an inline `text \"...\"`"
        )
    )]
    MissingContent {
        message: String,
        #[label("needs `template` or `text`")]
        span: SourceSpan,
    },

    #[error(
        "policies `{other}` and `{policy}` both send a {kind} via {channel} to {recipient} for the same bookings"
    )]
    #[diagnostic(
        code(rem::E064),
        help(
            "narrow the scopes (`units`, `exams`, `kinds`) so they do not overlap, or write `wins_over \"{other}\"` in policy `{policy}` if its message replaces the other's"
        )
    )]
    OverlappingPolicies {
        /// The later policy, whose message is reported.
        policy: String,
        /// The earlier policy.
        other: String,
        kind: String,
        channel: String,
        recipient: String,
        #[label(primary, "the patient would get this twice")]
        span: SourceSpan,
        #[label("also sent by this policy")]
        first: Option<SourceSpan>,
    },

    #[error(
        "messages `{first}` and `{message}` of policy `{policy}` both send a {kind} via {channel} to {recipient} at the same time"
    )]
    #[diagnostic(
        code(rem::E067),
        help(
            "remove one of them, or give them different `send` times; if each is for different patients, say so with `to {recipient} when ...` in each"
        )
    )]
    TwiceInPolicy {
        policy: String,
        first: String,
        message: String,
        kind: String,
        channel: String,
        recipient: String,
        #[label(primary, "`{message}` sends it here")]
        span: SourceSpan,
        #[label("and `{first}` sends it here: the patient gets two")]
        first_span: SourceSpan,
    },

    #[error("the sender alias `{alias}` {problem}")]
    #[diagnostic(
        code(rem::E068),
        help(
            "write at most 11 characters of A-Z, a-z, digits and spaces (`Vardcentral`, `VC Alingsas`), or a phone number; gateways refuse the others, and the SMS is not sent"
        )
    )]
    BadSender {
        alias: String,
        problem: String,
        #[label("refused by SMS gateways")]
        span: SourceSpan,
    },

    #[error("a complement cannot be a staff task")]
    #[diagnostic(
        code(rem::E065),
        help("write a separate `reminder` with `via task` and `to staff`")
    )]
    ComplementIsTask {
        #[label("task")]
        span: SourceSpan,
    },

    #[error("{amount} is longer than a policy can plan ahead")]
    #[diagnostic(code(rem::E066), help("write at most {limit} days (ten years)"))]
    DurationTooLong {
        amount: String,
        limit: u64,
        #[label("too long")]
        span: SourceSpan,
    },

    // ---- warnings
    #[error("this SMS text needs {segments} messages ({length} characters in {encoding})")]
    #[diagnostic(
        code(rem::W101),
        severity(Warning),
        help("{}", sms_text_too_long_help(*.outside_gsm))
    )]
    SmsTextTooLong {
        segments: usize,
        length: usize,
        encoding: Encoding,
        /// The first character outside the GSM-7 alphabet, when it made the text UCS-2.
        outside_gsm: Option<char>,
        #[label("{segments} SMS segments")]
        span: SourceSpan,
    },

    #[error("two offsets of this message fall at the same time")]
    #[diagnostic(
        code(rem::W102),
        severity(Warning),
        help("remove one of them; the patient would get the message twice")
    )]
    CoincidingOffsets {
        #[label("same as before")]
        span: SourceSpan,
        #[label("first here")]
        first: SourceSpan,
    },

    #[error("exclusion `{name}` can never be true, so it excludes nothing")]
    #[diagnostic(
        code(rem::W103),
        severity(Warning),
        help("check the condition, or remove the exclusion")
    )]
    NeverTrueExclusion {
        name: String,
        #[label("never true")]
        span: SourceSpan,
    },

    #[error("this offset sends at {at}, outside the send window {from}..{until}")]
    #[diagnostic(
        code(rem::W105),
        severity(Warning),
        help(
            "every message of this offset would wait for the window to open; choose a time within {from}..{until}"
        )
    )]
    OffsetOutsideWindow {
        at: String,
        from: String,
        until: String,
        #[label("never sent at {at}")]
        span: SourceSpan,
    },

    #[error(
        "the fallback after {after} always lands after the visit for a message sent {before} before it"
    )]
    #[diagnostic(
        code(rem::W106),
        severity(Warning),
        help("shorten the fallback's delay below {before}, or send the first message earlier")
    )]
    FallbackAfterVisit {
        after: String,
        before: String,
        #[label("sent {before} before the visit")]
        trigger: SourceSpan,
        #[label(primary, "after {after}")]
        span: SourceSpan,
    },

    #[error(
        "minors get nothing from this message: its recipients leave out minors, and no guardian is a recipient"
    )]
    #[diagnostic(code(rem::W107), severity(Warning), help("{help}"))]
    MinorsWithoutGuardians {
        /// What to write: a guardian recipient where the channel reaches guardians, else a
        /// message of their own on a channel that does.
        help: String,
        #[label("excludes minors")]
        span: SourceSpan,
    },

    #[error("guardians cannot be reached {channel}: the feeds give them a mobile number only")]
    #[diagnostic(
        code(rem::W110),
        severity(Warning),
        help(
            "send guardians a message of their own `via sms` (or `via paper`, to the patient's address), e.g. `to guardians when patient.minor`; as written, every guardian is skipped"
        )
    )]
    GuardiansUnreachable {
        /// `by e-mail` or `in the inbox`.
        channel: String,
        #[label("never reached")]
        span: SourceSpan,
    },

    #[error("this condition is {truth} true: {reason}")]
    #[diagnostic(code(rem::W111), severity(Warning), help("{help}"))]
    DecidedBySettings {
        /// `always` or `never`.
        truth: &'static str,
        help: &'static str,
        reason: String,
        #[label("{truth} true")]
        span: SourceSpan,
    },

    #[error("rem has no weekday names in `{language}`: this text says the day in English")]
    #[diagnostic(
        code(rem::W112),
        severity(Warning),
        help(
            "rem names weekdays in {languages}; write the day out of this text, or use the date alone (`{{booking.date}}`)"
        )
    )]
    WeekdayLanguage {
        language: String,
        languages: String,
        #[label("in English for `{language}`")]
        span: SourceSpan,
    },

    #[error("the policies in this file are not compiled, since it is only reached through `use`")]
    #[diagnostic(
        code(rem::W104),
        severity(Warning),
        help("name the file on the command line too, or keep only `defaults` blocks in it")
    )]
    PolicyInUsedFile {
        #[label("not compiled")]
        span: SourceSpan,
    },

    #[error(
        "`{code_point}` ({name}) is an invisible character that changes how the text around it is shown"
    )]
    #[diagnostic(
        code(rem::W108),
        severity(Warning),
        help(
            "delete it and retype the text around it: an editor may show this line in another order, or with a gap, than what rem reads"
        )
    )]
    InvisibleCharacter {
        code_point: String,
        name: &'static str,
        #[label("{code_point} here")]
        span: SourceSpan,
    },

    #[error("`{name}` mixes letters of {} and {}", .main, .others.join(" and "))]
    #[diagnostic(
        code(rem::W109),
        severity(Warning),
        help(
            "retype the name in {main} letters only: {} {} not {main}{}",
            deceptive::describe_all(.suspects),
            if .suspects.len() == 1 { "is" } else { "are" },
            looks_like_but(.looks_like)
        )
    )]
    MixedScriptName {
        name: String,
        /// The script most of the letters are in, taken as meant.
        main: String,
        /// The other scripts.
        others: Vec<String>,
        /// The letters in the other scripts.
        suspects: Vec<char>,
        /// Another name of the program that this one looks like.
        looks_like: Option<String>,
        #[label("mixed letters")]
        span: SourceSpan,
    },

    #[error("`{name}` looks like `{other}` but is a different name")]
    #[diagnostic(
        code(rem::W109),
        severity(Warning),
        help(
            "these are two names, written with {}{}; if they are meant to be one, retype this one; otherwise give them names that look different",
            deceptive::differences(.name, .other),
            other_is_in(.other, .elsewhere)
        )
    )]
    ConfusableName {
        name: String,
        other: String,
        #[label("looks like `{other}`")]
        span: SourceSpan,
        /// The other name, when it is in the same file.
        #[label("`{other}` is here")]
        first: Option<SourceSpan>,
        /// The other name, when it is in another file.
        elsewhere: Option<FileLine>,
    },
}

/// A place in another file than the one a diagnostic is about, which a label cannot point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLine {
    pub path: String,
    pub line: usize,
}

impl fmt::Display for FileLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at line {}", self.path, self.line)
    }
}

// ---- helps that depend on the facts of their variant

fn type_mismatch_help(left: Type, right: Type) -> String {
    match (left, right) {
        (Type::Number, Type::String) => {
            "write the number without quotes, e.g. `patient.age < 18`".to_string()
        }
        (Type::Duration, Type::Number) => "add a unit to the number, e.g. `2 days`".to_string(),
        (Type::Bool, _) => {
            "a yes/no field is a condition by itself: write `patient.minor` or `not patient.minor`"
                .to_string()
        }
        _ => format!("compare it with {}", left.describe()),
    }
}

fn word_not_a_value_help(word: &str, field: &str, expected: Type) -> String {
    match expected {
        Type::String => format!("`{field}` is text: write it in double quotes, `\"{word}\"`"),
        other => format!("`{field}` is {}", other.describe()),
    }
}

fn where_to_set(setting: &str) -> &'static str {
    match setting {
        "sender" => "set the sender in the policy or in a message",
        "minor_age" => {
            "set `minor_age` in the policy, or per unit with `unit \"NAME\" { minor_age 16 }`"
        }
        // `timezone`, the one other setting that is refused somewhere.
        _ => "a policy has one time zone; set it in the policy",
    }
}

fn first_is_in(elsewhere: &Option<FileLine>) -> String {
    elsewhere
        .as_ref()
        .map(|at| format!("the first is in {at}; "))
        .unwrap_or_default()
}

fn trigger_words(when: &When) -> &'static str {
    match when {
        When::AtBooking => "at booking",
        When::OnCancellation => "on cancellation",
        When::OnRescheduling => "on rescheduling",
        When::OnEvent { .. } => "on an event about the booking",
        When::OnReply { .. } => "on a reply",
        When::Every { .. } => "repeatedly",
        When::Before { .. } => "before the visit",
        When::After { .. } => "after the visit",
    }
}

fn events_in_words(recall: bool) -> String {
    if recall {
        return "a recall's messages are sent `on due`, or at offsets from it (`30 days before due`)"
            .to_string();
    }
    let events: Vec<String> = ["cancellation", "rescheduling", "reply"]
        .into_iter()
        .map(str::to_string)
        .chain(schema::EventKind::booking_events().map(|e| e.to_string()))
        .collect();
    let events: Vec<&str> = events.iter().map(String::as_str).collect();
    format!("the events are {}", schema::quoted_list(&events))
}

fn trigger_for_kind(kind: MessageKind, when: &When) -> String {
    match (kind, when) {
        (MessageKind::Cancellation, _) => {
            "a cancellation notice is sent `on cancellation`, or `on reply \"WORD\"` when the patient cancels by replying".to_string()
        }
        (MessageKind::Rebooking, _) => {
            "a rebooking notice is sent `on rescheduling`, or `on rebooked` when the event feed reports it".to_string()
        }
        (_, When::OnRescheduling | When::OnEvent { .. }) => {
            "use a `rebooking` message for what is sent when the booking is moved".to_string()
        }
        (_, When::OnReply { .. }) => {
            "what is sent on a reply that cancels is a `cancellation` message (a request `via booking_system to staff`, or a notice to the patient)".to_string()
        }
        _ => "use a `cancellation` message for what is sent on cancellation".to_string(),
    }
}

fn fallback_cannot_report_help(channel: Channel, outcome: Outcome) -> String {
    match (channel, outcome) {
        (Channel::Sms, Outcome::Unopened) => "an SMS reports delivery but never reading: write `undelivered`, or send the first message `via inbox`, which reports when it is opened".to_string(),
        (Channel::Email, Outcome::Unopened) => "e-mail reading is not reported reliably: write `undelivered`, or send the first message `via inbox`".to_string(),
        (other, _) => format!(
            "{other} reports neither delivery nor opening, so nothing can trigger a fallback; send the first message `via inbox` or `via sms`"
        ),
    }
}

fn placeholders_in_words() -> String {
    schema::PLACEHOLDERS
        .iter()
        .map(|(p, _, _)| format!("`{{{p}}}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn sms_text_too_long_help(outside_gsm: Option<char>) -> String {
    match outside_gsm {
        Some(c) => format!(
            "`{c}` is not in the GSM-7 alphabet, so the whole text is sent as UCS-2 with 70 characters a message; replace it, or shorten the text"
        ),
        None => "shorten the text to 160 characters (placeholders count at their usual width), or send a letter instead".to_string(),
    }
}

fn looks_like_but(looks_like: &Option<String>) -> String {
    looks_like
        .as_ref()
        .map(|other| format!("; as it is, it looks like `{other}` but does not match it"))
        .unwrap_or_default()
}

fn other_is_in(other: &str, elsewhere: &Option<FileLine>) -> String {
    elsewhere
        .as_ref()
        .map(|at| format!(" (`{other}` is in {at})"))
        .unwrap_or_default()
}
