//! Checking one trigger of `send`: what it is, whether it fits the message's kind and channel,
//! and whether it fits where the message is (a policy's booking, or a recall's due date).

use crate::ast::{self, Direction, DurationUnit, Limit, MessageKind, Step, TriggerKind};
use crate::plan::{self, Anchor, MAX_OFFSET_DAYS as MAX_DAYS, Offset, When};
use crate::schema::{Channel, EventKind, Weekday};

use super::{CheckError, suggest};

use crate::plan::MAX_REPETITIONS;

/// What the trigger's message is and where it is written.
#[derive(Clone, Copy)]
pub(super) struct Place {
    pub kind: MessageKind,
    pub channel: Option<Channel>,
    /// The message is in a `recall`.
    pub recall: bool,
}

impl Place {
    /// Whether the message may go out after the visit: staff tasks and requests, notices that
    /// follow a visit (results, invoices, alerts), and every message of a recall.
    fn may_follow_visit(self) -> bool {
        self.recall
            || self.channel.is_some_and(Channel::is_internal)
            || matches!(
                self.kind,
                MessageKind::Results | MessageKind::Invoice | MessageKind::Alert
            )
    }
}

/// The plan's trigger for one written trigger, or `None` after reporting why there is none.
pub(super) fn when(
    errors: &mut Vec<CheckError>,
    trigger: &ast::Trigger,
    place: Place,
) -> Option<When> {
    let when = match &trigger.kind {
        TriggerKind::AtBooking if place.recall => {
            return not_in_recall(errors, "`at booking`", trigger.span);
        }
        TriggerKind::AtBooking => When::AtBooking,
        TriggerKind::On { event, words, at } => on(errors, event, words, at.as_ref(), place)?,
        TriggerKind::Offset {
            amount,
            direction,
            anchor,
            at,
        } => offset(
            errors,
            trigger,
            amount,
            *direction,
            anchor.as_ref(),
            at.as_ref(),
            place,
        )?,
        TriggerKind::Every {
            step,
            at,
            limit,
            from,
        } => every(errors, step, at.as_ref(), limit, from.as_ref(), place)?,
    };
    if !fits(place.kind, &when) {
        errors.push(CheckError::TriggerNotForKind {
            kind: place.kind,
            when,
            span: trigger.span.into(),
        });
        return None;
    }
    Some(when)
}

/// Whether a message of this kind may be sent so: cancellation and rebooking notices on their
/// events, everything else on anything else.
fn fits(kind: MessageKind, when: &When) -> bool {
    let rebooked = matches!(
        when,
        When::OnRescheduling
            | When::OnEvent {
                event: EventKind::Rebooked
            }
    );
    match kind {
        MessageKind::Cancellation => matches!(when, When::OnCancellation | When::OnReply { .. }),
        MessageKind::Rebooking => rebooked,
        _ => !rebooked && !matches!(when, When::OnCancellation | When::OnReply { .. }),
    }
}

fn not_in_recall(errors: &mut Vec<CheckError>, what: &str, span: ast::Span) -> Option<When> {
    errors.push(CheckError::NotInRecall {
        what: what.to_string(),
        help: "a recall's messages are timed from the due date: write `30 days before due`, `on due at 09:00`, `14 days after due` or `every 1 week at 09:00 6 times`",
        span: span.into(),
    });
    None
}

fn only_in_recall(errors: &mut Vec<CheckError>, what: &str, span: ast::Span) -> Option<When> {
    errors.push(CheckError::OnlyInRecall {
        what: what.to_string(),
        help: "a policy's messages are timed from the visit; to remind of a service that is due again, write a `recall` (see docs/language.md, \"Recalls\")",
        span: span.into(),
    });
    None
}

/// `on cancellation`, `on results_ready`, `on reply "AVBOKA"`, `on due at 09:00`.
fn on(
    errors: &mut Vec<CheckError>,
    event: &ast::Name,
    words: &[ast::Name],
    at: Option<&ast::Spanned<ast::TimeOfDay>>,
    place: Place,
) -> Option<When> {
    let name = event.node.as_str();
    if name != "reply" {
        if let Some(word) = words.first() {
            errors.push(CheckError::BadEventTrigger {
                problem: format!("`on {name}` takes no words"),
                help: "only `on reply \"AVBOKA\", \"CANCEL\"` lists words: the replies that cancel the booking",
                span: word.span.into(),
            });
            return None;
        }
    }
    if name != "due" {
        if let Some(at) = at {
            errors.push(CheckError::BadEventTrigger {
                problem: format!("`on {name}` has no time of day"),
                help: "a message on an event goes out when the event is reported (inside the send window); only `on due` takes `at`",
                span: at.span.into(),
            });
            return None;
        }
    }
    let booking_event = EventKind::parse(name).filter(|e| e.is_about_booking());
    match (name, place.recall) {
        ("due", true) => {
            let at = match at {
                Some(at) => Some(super::time_of_day(errors, at)?),
                None => None,
            };
            Some(When::After {
                offset: Offset::Days(0),
                at,
            })
        }
        ("due", false) => only_in_recall(errors, "`on due`", event.span),
        ("cancellation" | "rescheduling" | "reply", true) => {
            not_in_recall(errors, &format!("`on {name}`"), event.span)
        }
        (_, true) if booking_event.is_some() => {
            not_in_recall(errors, &format!("`on {name}`"), event.span)
        }
        ("cancellation", false) => Some(When::OnCancellation),
        ("rescheduling", false) => Some(When::OnRescheduling),
        ("reply", false) => reply(errors, event, words),
        _ => match booking_event {
            Some(event) => Some(When::OnEvent { event }),
            None => {
                let known = ["cancellation", "rescheduling", "reply", "due"]
                    .into_iter()
                    .chain(EventKind::booking_events().map(EventKind::as_str));
                errors.push(CheckError::UnknownEvent {
                    name: name.to_string(),
                    span: event.span.into(),
                    suggestion: suggest::suggestion(name, known),
                    recall: place.recall,
                });
                None
            }
        },
    }
}

/// `on reply "AVBOKA", "ANNULLA"`: one word each, at least one.
fn reply(errors: &mut Vec<CheckError>, event: &ast::Name, words: &[ast::Name]) -> Option<When> {
    if words.is_empty() {
        errors.push(CheckError::BadEventTrigger {
            problem: "`on reply` does not say which replies cancel".to_string(),
            help: "list the words, e.g. `on reply \"AVBOKA\", \"CANCEL\"`: a reply whose first word is one of them (in any case) cancels the booking",
            span: event.span.into(),
        });
        return None;
    }
    for word in words {
        let w = word.node.trim();
        if w.is_empty() || w.contains(char::is_whitespace) {
            errors.push(CheckError::BadEventTrigger {
                problem: format!("`\"{}\"` is not one word", word.node),
                help: "a reply is matched by its first word: write each word alone, e.g. `\"AVBOKA\"`",
                span: word.span.into(),
            });
            return None;
        }
    }
    Some(When::OnReply {
        words: words.iter().map(|w| w.node.trim().to_string()).collect(),
    })
}

fn offset(
    errors: &mut Vec<CheckError>,
    trigger: &ast::Trigger,
    amount: &ast::Spanned<ast::Duration>,
    direction: Direction,
    anchor: Option<&ast::Name>,
    at: Option<&ast::Spanned<ast::TimeOfDay>>,
    place: Place,
) -> Option<When> {
    match (anchor.map(|a| a.node.as_str()), place.recall) {
        (Some("due"), false) => return only_in_recall(errors, "`due`", trigger.span),
        (Some("visit"), true) => return not_in_recall(errors, "`visit`", trigger.span),
        _ => {}
    }
    if direction == Direction::After && !place.may_follow_visit() {
        errors.push(CheckError::AfterOnlyForTasks {
            span: trigger.span.into(),
        });
        return None;
    }
    if calendar(errors, amount) {
        return None;
    }
    let at = match at {
        Some(at)
            if matches!(
                amount.node.unit,
                DurationUnit::Minutes | DurationUnit::Hours
            ) =>
        {
            errors.push(CheckError::TimeOfDayNeedsDays {
                span: at.span.into(),
            });
            return None;
        }
        Some(at) => Some(super::time_of_day(errors, at)?),
        None => None,
    };
    if super::message::too_long(errors, amount) {
        return None;
    }
    let offset = super::message::offset(amount.node);
    Some(match direction {
        Direction::Before => When::Before { offset, at },
        Direction::After => When::After { offset, at },
    })
}

/// Reports months or years outside a recall's `due`.
fn calendar(errors: &mut Vec<CheckError>, amount: &ast::Spanned<ast::Duration>) -> bool {
    if amount.node.unit.is_calendar() {
        errors.push(CheckError::CalendarUnitNotHere {
            amount: amount.node.to_string(),
            span: amount.span.into(),
        });
        return true;
    }
    false
}

/// `every day at 08:00 for 10 days from therapy_started`.
fn every(
    errors: &mut Vec<CheckError>,
    step: &ast::Spanned<Step>,
    at: Option<&ast::Spanned<ast::TimeOfDay>>,
    limit: &ast::Spanned<Limit>,
    from: Option<&ast::Name>,
    place: Place,
) -> Option<When> {
    let plan_step = repetition_step(errors, step)?;
    let step_days = match plan_step {
        plan::Step::Days(d) => d,
        plan::Step::Weekday(_) => 7,
    };
    let times = match limit.node {
        Limit::Times(n) => n,
        Limit::For(d) if d.unit.is_calendar() || d.unit < DurationUnit::Days => {
            return bad_repetition(
                errors,
                format!("`for {d}`: a repetition lasts days or weeks"),
                "write `for 10 days` or `for 6 weeks`, or count the times: `10 times`",
                limit.span,
            );
        }
        Limit::For(d) if super::message::offset(d).days() < step_days => {
            return bad_repetition(
                errors,
                format!("`for {d}` is shorter than one step"),
                "repeat for at least one step (`every week for 6 weeks`), or count the times: `3 times`",
                limit.span,
            );
        }
        Limit::For(d) => super::message::offset(d).days().div_ceil(step_days),
    };
    if times == 0 || times > MAX_REPETITIONS {
        return bad_repetition(
            errors,
            format!("{times} repetitions"),
            "repeat at least once and at most 366 times",
            limit.span,
        );
    }
    let from = anchor(errors, from, place)?;
    let at = match at {
        Some(at) => Some(super::time_of_day(errors, at)?),
        None => None,
    };
    Some(When::Every {
        step: plan_step,
        at,
        times,
        from,
    })
}

fn bad_repetition(
    errors: &mut Vec<CheckError>,
    problem: String,
    help: &'static str,
    span: ast::Span,
) -> Option<When> {
    errors.push(CheckError::BadRepetition {
        problem,
        help,
        span: span.into(),
    });
    None
}

fn repetition_step(errors: &mut Vec<CheckError>, step: &ast::Spanned<Step>) -> Option<plan::Step> {
    let weekday = |w: &str| {
        Weekday::ALL
            .iter()
            .copied()
            .find(|d| w.starts_with(d.as_str()))
    };
    let bad = |errors: &mut Vec<CheckError>, what: String| {
        bad_repetition(
            errors,
            format!("`every {what}`: a message repeats every so many days or weeks"),
            "write `every day`, `every 2 days`, `every week` or `every monday`",
            step.span,
        );
        None
    };
    match &step.node {
        Step::Word(w) if w == "day" => Some(plan::Step::Days(1)),
        Step::Word(w) if w == "week" => Some(plan::Step::Days(7)),
        Step::Word(w) => weekday(w).map(plan::Step::Weekday),
        Step::Duration(d) if d.unit.is_calendar() || d.unit < DurationUnit::Days => {
            bad(errors, d.to_string())
        }
        Step::Duration(d) if d.value == 0 || super::message::offset(*d).days() > MAX_DAYS => {
            bad(errors, d.to_string())
        }
        Step::Duration(d) => Some(plan::Step::Days(super::message::offset(*d).days())),
    }
}

/// What `from` names: the visit (a recall's due date) unless it says otherwise.
fn anchor(errors: &mut Vec<CheckError>, from: Option<&ast::Name>, place: Place) -> Option<Anchor> {
    let Some(name) = from else {
        return Some(Anchor::Start);
    };
    let word = name.node.as_str();
    match (word, place.recall) {
        ("due", true) | ("visit", false) => Some(Anchor::Start),
        ("due", false) => only_in_recall(errors, "`from due`", name.span).map(|_| Anchor::Start),
        (_, true) => {
            not_in_recall(errors, &format!("`from {word}`"), name.span).map(|_| Anchor::Start)
        }
        ("booking", false) => Some(Anchor::Booking),
        _ => match EventKind::parse(word).filter(|e| e.is_about_booking()) {
            Some(event) => Some(Anchor::Event(event)),
            None => {
                let known = ["visit", "booking"]
                    .into_iter()
                    .chain(EventKind::booking_events().map(EventKind::as_str));
                errors.push(CheckError::UnknownEvent {
                    name: word.to_string(),
                    span: name.span.into(),
                    suggestion: suggest::suggestion(word, known),
                    recall: false,
                });
                None
            }
        },
    }
}
