//! The statement table: every statement and keyword of the language, where it may be written,
//! its form and what it does, once. The parser's "did you mean" picks from the statements of
//! the block it stopped in, and the language server completes and explains from the same rows;
//! the words of channels, recipients and message kinds are explained here too.

use super::{Channel, MessageKind, Recipient};

/// A block a statement may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// The top of a file.
    File,
    /// `defaults "NAME" { ... }`
    Defaults,
    /// `policy "NAME" { ... }`
    Policy,
    /// `recall "NAME" { ... }`: a policy's statements, and the recall's own.
    Recall,
    /// `unit "X" { ... }` inside a policy or defaults.
    Unit,
    /// `reminder "NAME" { ... }` and the other kinds.
    Message,
}

impl Block {
    /// The block in the words of a policy author: "a message".
    pub fn describe(self) -> &'static str {
        match self {
            Block::File => "the top of a file",
            Block::Defaults => "a `defaults` block",
            Block::Policy => "a policy",
            Block::Recall => "a recall",
            Block::Unit => "a unit override",
            Block::Message => "a message",
        }
    }
}

/// One statement or keyword.
#[derive(Debug)]
pub struct Word {
    pub word: &'static str,
    /// How it is written, with its parts in capitals.
    pub form: &'static str,
    pub doc: &'static str,
    /// The blocks it starts a statement in; none for a keyword within a statement.
    pub blocks: &'static [Block],
}

use Block::{Defaults, File, Message, Policy, Recall, Unit};

/// Where the settings may be written.
const SETTING: &[Block] = &[Defaults, Policy, Recall, Unit, Message];

/// Every statement, then every keyword within a statement, in the order of the language
/// reference.
pub const WORDS: &[Word] = &[
    Word {
        word: "use",
        form: "use \"FILE.rem\"",
        doc: "makes the `defaults` blocks of another file available to this one; the path is relative to this file's folder",
        blocks: &[File],
    },
    Word {
        word: "defaults",
        form: "defaults \"NAME\" { ... }",
        doc: "settings shared by several policies, taken with `extends \"NAME\"`",
        blocks: &[File],
    },
    Word {
        word: "policy",
        form: "policy \"NAME\" [extends \"DEFAULTS\"] { ... }",
        doc: "one policy: which bookings it covers and which messages they get",
        blocks: &[File],
    },
    Word {
        word: "recall",
        form: "recall \"NAME\" [extends \"DEFAULTS\"] { ... }",
        doc: "a service due again an interval after it was last performed, and the messages that invite the patient to book it (R8, R9)",
        blocks: &[File],
    },
    Word {
        word: "timezone",
        form: "timezone \"IANA/Zone\"",
        doc: "the time zone the policy's times of day and dates are in, such as `\"Europe/Stockholm\"`; required, or from `extends`",
        blocks: &[Defaults, Policy, Recall],
    },
    Word {
        word: "clinic",
        form: "clinic \"X\"",
        doc: "the clinic whose bookings the policy covers; required, or from `extends`",
        blocks: &[Defaults, Policy, Recall],
    },
    Word {
        word: "clinics",
        form: "clinics \"A\", \"B\"",
        doc: "the clinics whose bookings the policy covers",
        blocks: &[Defaults, Policy, Recall],
    },
    Word {
        word: "units",
        form: "units \"A\", \"B\"",
        doc: "only the bookings at these units (R2); without it, every unit of the clinic",
        blocks: &[Policy, Recall],
    },
    Word {
        word: "exams",
        form: "exams \"a\", \"b\"",
        doc: "only the bookings of these examinations or appointment types (R3)",
        blocks: &[Policy, Recall],
    },
    Word {
        word: "kinds",
        form: "kinds single, series, team, group",
        doc: "only the bookings of these kinds (R17); without it, every kind",
        blocks: &[Policy, Recall],
    },
    Word {
        word: "minor_age",
        form: "minor_age N",
        doc: "below this age a patient is a minor, whose messages go to the guardians (R14); 18 unless set",
        blocks: &[Defaults, Policy, Recall, Unit],
    },
    Word {
        word: "window",
        form: "window HH:MM..HH:MM [weekdays | weekends | daily | mon, tue, ...]",
        doc: "the hours (and days) messages may go out; one due outside waits for the next opening (R5)",
        blocks: SETTING,
    },
    Word {
        word: "late_booking",
        form: "late_booking skip | send_now",
        doc: "what happens to a reminder whose time had passed when the booking was made: skipped with a reason, or sent at once, once (R20)",
        blocks: SETTING,
    },
    Word {
        word: "sender",
        form: "sender \"ALIAS\"",
        doc: "the sender the patient sees: an SMS alias of at most 11 letters, digits and spaces, or a number",
        blocks: &[Defaults, Policy, Recall, Message],
    },
    Word {
        word: "unit",
        form: "unit \"X\" { minor_age | window | late_booking }",
        doc: "settings for the bookings at one unit, over the policy's",
        blocks: &[Defaults, Policy, Recall],
    },
    Word {
        word: "wins_over",
        form: "wins_over \"OTHER POLICY\"",
        doc: "where both policies cover a booking, this policy's messages replace the other's of the same kind (R3)",
        blocks: &[Policy, Recall],
    },
    Word {
        word: "exclude",
        form: "exclude \"REASON\" when CONDITION",
        doc: "the bookings for which the condition holds get nothing from this policy; the reason is what `rem explain` says (R15, R16)",
        blocks: &[Policy, Recall],
    },
    Word {
        word: "due",
        form: "due DURATION after \"SERVICE\"",
        doc: "the recall's service is due again this long after it was last performed (R8)",
        blocks: &[Recall],
    },
    Word {
        word: "booked_by",
        form: "booked_by \"EXAM\", ...",
        doc: "a booking of one of these examinations books the recalled service, and stops its messages (R8)",
        blocks: &[Recall],
    },
    Word {
        word: "due_soon",
        form: "due_soon DURATION",
        doc: "how long before the due date the service counts as due soon (R9)",
        blocks: &[Recall],
    },
    Word {
        word: "send",
        form: "send TRIGGER, ...",
        doc: "when the message is sent: `at booking`, `N days before [at HH:MM]`, `on EVENT`, `every ...`",
        blocks: &[Message],
    },
    Word {
        word: "via",
        form: "via CHANNEL",
        doc: "the channel: `sms`, `email`, `inbox`, `paper`, `task` or `booking_system`",
        blocks: &[Message],
    },
    Word {
        word: "to",
        form: "to RECIPIENT [when CONDITION]",
        doc: "who gets the message: `patient`, `guardians`, `guardian1`, `guardian2` or `staff`",
        blocks: &[Message],
    },
    Word {
        word: "also",
        form: "also CHANNEL [when CONDITION]",
        doc: "a complement: the same message on a second channel too, for those the condition holds for (R11)",
        blocks: &[Message],
    },
    Word {
        word: "fallback",
        form: "fallback CHANNEL after DURATION unopened | undelivered [with template \"ID\" | with text \"...\"]",
        doc: "another channel when the first was not opened or not delivered in time (R12, R13), with the message's wording or its own",
        blocks: &[Message],
    },
    Word {
        word: "template",
        form: "template \"ID\"",
        doc: "the wording: the template file `templates/ID.toml` beside the policy, or a template the sending system keeps (R19)",
        blocks: &[Message],
    },
    Word {
        word: "text",
        form: "text \"...\"",
        doc: "the wording, written here with `{placeholders}` (R19)",
        blocks: &[Message],
    },
    Word {
        word: "extends",
        form: "policy \"NAME\" extends \"DEFAULTS\"",
        doc: "takes the settings of a `defaults` block; the policy's own settings win",
        blocks: &[],
    },
    Word {
        word: "at",
        form: "at booking | at HH:MM",
        doc: "`at booking`: when the booking is made (R7); `at HH:MM`: at that local time of day",
        blocks: &[],
    },
    Word {
        word: "booking",
        form: "at booking",
        doc: "when the booking is made (R7)",
        blocks: &[],
    },
    Word {
        word: "before",
        form: "N days before [at HH:MM]",
        doc: "that many calendar days before the visit's date (hours and minutes: exactly that long before)",
        blocks: &[],
    },
    Word {
        word: "after",
        form: "N days after [at HH:MM]",
        doc: "that long after the visit (tasks, results, invoices, alerts, recalls); in a fallback, how long to wait",
        blocks: &[],
    },
    Word {
        word: "on",
        form: "on EVENT [at HH:MM]",
        doc: "when an event about the booking arrives: `cancellation`, `rescheduling`, `results_ready`, `invoice_ready`, `rebooked`, `therapy_started`, `reply \"WORD\"`, or a recall's `due`",
        blocks: &[],
    },
    Word {
        word: "every",
        form: "every day | week | monday ... [at HH:MM] (for DURATION | N times) [from EVENT]",
        doc: "a message repeated on a schedule (R18)",
        blocks: &[],
    },
    Word {
        word: "for",
        form: "every ... for DURATION",
        doc: "how long a repetition goes on",
        blocks: &[],
    },
    Word {
        word: "times",
        form: "every ... N times",
        doc: "how many times a repetition is sent",
        blocks: &[],
    },
    Word {
        word: "from",
        form: "every ... from EVENT",
        doc: "the event a repetition starts from",
        blocks: &[],
    },
    Word {
        word: "with",
        form: "fallback ... with template \"ID\" | with text \"...\"",
        doc: "the fallback's own wording, instead of the message's",
        blocks: &[],
    },
    Word {
        word: "when",
        form: "... when CONDITION",
        doc: "the condition under which the exclusion, recipient or complement applies",
        blocks: &[],
    },
    Word {
        word: "and",
        form: "A and B",
        doc: "both conditions hold",
        blocks: &[],
    },
    Word {
        word: "or",
        form: "A or B",
        doc: "at least one of the conditions holds",
        blocks: &[],
    },
    Word {
        word: "not",
        form: "not A",
        doc: "the condition does not hold",
        blocks: &[],
    },
    Word {
        word: "in",
        form: "FIELD in [A, B]",
        doc: "the field has one of the values listed",
        blocks: &[],
    },
    Word {
        word: "unopened",
        form: "fallback CHANNEL after DURATION unopened",
        doc: "the fallback is sent unless the message was opened in time; only `via inbox` reports opening (R12)",
        blocks: &[],
    },
    Word {
        word: "undelivered",
        form: "fallback CHANNEL after DURATION undelivered",
        doc: "the fallback is sent unless the message was delivered in time (R13)",
        blocks: &[],
    },
    Word {
        word: "skip",
        form: "late_booking skip",
        doc: "a reminder whose time had passed at booking is not sent; `rem explain` says so (R20)",
        blocks: &[],
    },
    Word {
        word: "send_now",
        form: "late_booking send_now",
        doc: "a reminder whose time had passed at booking is sent at once, once (R20)",
        blocks: &[],
    },
];

/// The row of a statement or keyword.
pub fn word(word: &str) -> Option<&'static Word> {
    WORDS.iter().find(|w| w.word == word)
}

/// The words that start a statement in `block`, messages' kinds included.
pub fn statements_in(block: Block) -> impl Iterator<Item = &'static str> {
    let kinds: &'static [&'static str] = match block {
        Policy | Recall => MessageKind::WORDS,
        _ => &[],
    };
    WORDS
        .iter()
        .filter(move |w| w.blocks.contains(&block))
        .map(|w| w.word)
        .chain(kinds.iter().copied())
}

impl MessageKind {
    /// What a message of this kind is, for a policy author.
    pub fn doc(self) -> &'static str {
        match self {
            MessageKind::Confirmation => "confirms a booking, usually right when it is made (R7)",
            MessageKind::Letter => "the appointment letter itself (R7)",
            MessageKind::Reminder => "reminds of a coming visit (R5, R6)",
            MessageKind::Cancellation => {
                "tells the patient the visit was cancelled (`send on cancellation`), or asks the booking system to cancel it (`send on reply \"WORD\"`)"
            }
            MessageKind::Rebooking => {
                "tells the patient the visit was moved (`send on rescheduling` or `send on rebooked`)"
            }
            MessageKind::Results => "results are ready (R18), usually `send on results_ready`",
            MessageKind::Invoice => "an invoice is ready (R18), usually `send on invoice_ready`",
            MessageKind::Alert => "a therapy or medication alert (R18), usually `send every ...`",
        }
    }
}

impl Channel {
    /// What the channel is, the consent it needs and what it reports, for a policy author.
    pub fn doc(self) -> &'static str {
        match self {
            Channel::Sms => {
                "a text message to a mobile; needs SMS consent (R1); reports delivery, so a fallback can wait for `undelivered`"
            }
            Channel::Email => {
                "an e-mail; needs e-mail consent (R1); reports delivery (not reading), so a fallback can wait for `undelivered`"
            }
            Channel::Inbox => {
                "the national digital inbox (1177 Inkorg, e-Boks); needs no consent; reports delivery and opening, so a fallback can wait for `undelivered` or `unopened`"
            }
            Channel::Paper => "a printed letter by post; needs no consent; reports nothing",
            Channel::Task => "an internal task for the unit's staff; `to staff` only",
            Channel::BookingSystem => {
                "a request to the booking system itself, such as cancelling a booking the patient cancelled by a reply; `to staff` only"
            }
        }
    }
}

impl Recipient {
    /// Who the recipient is, for a policy author.
    pub fn doc(self) -> &'static str {
        match self {
            Recipient::Patient => "the patient (in a veterinary clinic, the animal's owner)",
            Recipient::Guardians => {
                "each registered guardian of a minor patient: guardian 1 and guardian 2 (R14)"
            }
            Recipient::Guardian1 => "guardian 1 only (R14)",
            Recipient::Guardian2 => "guardian 2 only (R14)",
            Recipient::Staff => "the unit's staff; only with `via task` or `via booking_system`",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_is_listed_once() {
        for (i, w) in WORDS.iter().enumerate() {
            assert!(
                WORDS[..i].iter().all(|v| v.word != w.word),
                "`{}` twice",
                w.word
            );
        }
    }
}
