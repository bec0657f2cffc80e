//! Checking one message: its channel, triggers, recipients, complement, fallback and content.

use std::collections::BTreeMap;

use crate::ast::{self, DurationUnit, MessageItemKind, Span};
use crate::plan::{self, MAX_OFFSET_DAYS as MAX_DAYS, Offset};
use crate::schema::{Channel, Outcome, Recipient};
use crate::source::{FileId, SourceFile};

use super::{CheckError, Checker, Place, expr, suggest, text, trigger};

impl Checker<'_> {
    pub(super) fn message(
        &self,
        errors: &mut Vec<CheckError>,
        file: FileId,
        message: &ast::Message,
        recall: bool,
    ) -> Option<plan::Message> {
        let source = self.program.file(file);
        let before = errors.len();
        let content = content(errors, source, message);
        let channel = content.channel;
        let place = trigger::Place {
            kind: message.kind.node,
            channel: channel.map(|c| c.0),
            recall,
        };
        let triggers = self.triggers(errors, file, message, place);
        let recipients = self.recipients(errors, file, message, channel.map(|c| c.0));
        let (complements, fallback) = complements_and_fallback(errors, source, message, channel);
        let settings = self.settings(
            errors,
            message.items.iter().filter_map(|i| match &i.kind {
                MessageItemKind::Setting(s) => Some(s),
                _ => None,
            }),
            Place::Message,
        );

        let failed = errors[before..].iter().any(|e| !super::is_warning(e));
        if failed {
            return None;
        }
        // A template with a file beside the policy (R19): its texts, and its sender alias
        // when the message names none.
        let template = content
            .template
            .as_ref()
            .and_then(|id| self.template(file, id));
        let fallback = fallback.map(|mut f| {
            f.localized = f
                .template
                .as_ref()
                .and_then(|id| self.template(file, id))
                .map(|t| t.localized.clone());
            f
        });
        let sender = settings
            .sender
            .or_else(|| template.and_then(|t| t.sender.clone()));
        Some(plan::Message {
            name: message.name.node.clone(),
            kind: message.kind.node,
            channel: channel?.0,
            triggers,
            recipients,
            complements,
            fallback,
            template: content.template,
            text: content.text.map(|t| t.node.clone()),
            localized: template.map(|t| t.localized.clone()),
            settings: plan::MessageSettings {
                window: settings.window,
                late_booking: settings.late_booking,
                sender,
            },
            source: source.location(message.span),
        })
    }

    /// The checked template file of `template "ID"` in `file`, when it has one.
    fn template(&self, file: FileId, id: &str) -> Option<&super::template::Template> {
        self.program
            .templates
            .get(&(file, id.to_string()))
            .and_then(|f| self.templates.get(f))
            .and_then(Option::as_ref)
    }

    fn triggers(
        &self,
        errors: &mut Vec<CheckError>,
        file: FileId,
        message: &ast::Message,
        place: trigger::Place,
    ) -> Vec<plan::Trigger> {
        let source = self.program.file(file);
        let mut out: Vec<(plan::Trigger, Span)> = Vec::new();
        let mut any = false;
        for item in &message.items {
            let MessageItemKind::Send(triggers) = &item.kind else {
                continue;
            };
            any = true;
            for trigger in triggers {
                let Some(when) = trigger::when(errors, trigger, place) else {
                    continue;
                };
                if let Some((_, first)) = out.iter().find(|(t, _)| t.when == when) {
                    errors.push(CheckError::CoincidingOffsets {
                        span: trigger.span.into(),
                        first: (*first).into(),
                    });
                    continue;
                }
                out.push((
                    plan::Trigger {
                        when,
                        source: source.location(trigger.span),
                    },
                    trigger.span,
                ));
            }
        }
        if !any {
            errors.push(CheckError::MissingTrigger {
                message: message.name.node.clone(),
                span: message.name.span.into(),
            });
        }
        out.into_iter().map(|(t, _)| t).collect()
    }

    fn recipients(
        &self,
        errors: &mut Vec<CheckError>,
        file: FileId,
        message: &ast::Message,
        channel: Option<Channel>,
    ) -> Vec<plan::RecipientRule> {
        let source = self.program.file(file);
        let mut out: Vec<(plan::RecipientRule, Span)> = Vec::new();
        for item in &message.items {
            let MessageItemKind::To {
                recipient,
                condition,
            } = &item.kind
            else {
                continue;
            };
            let Some(who) = Recipient::parse(&recipient.node) else {
                errors.push(CheckError::UnknownRecipient {
                    name: recipient.node.clone(),
                    span: recipient.span.into(),
                    suggestion: suggest::suggestion(
                        &recipient.node,
                        Recipient::WORDS.iter().copied(),
                    ),
                });
                continue;
            };
            match (who, channel) {
                (Recipient::Staff, Some(c)) if !c.is_internal() => {
                    errors.push(CheckError::StaffNotViaTask {
                        channel: c,
                        span: recipient.span.into(),
                    })
                }
                (w, Some(c)) if c.is_internal() && w != Recipient::Staff => {
                    errors.push(CheckError::TaskNotToStaff {
                        recipient: w,
                        span: recipient.span.into(),
                    })
                }
                _ => {}
            }
            if let Some((_, first)) = out.iter().find(|(r, _)| r.recipient.overlaps(who)) {
                errors.push(CheckError::DuplicateRecipient {
                    recipient: recipient.node.clone(),
                    span: recipient.span.into(),
                    first: (*first).into(),
                });
                continue;
            }
            let condition = condition.as_ref().and_then(|c| {
                expr::Typer {
                    errors: &mut *errors,
                    guardian: who.is_guardian(),
                }
                .condition(c)
            });
            out.push((
                plan::RecipientRule {
                    recipient: who,
                    condition,
                    consent: channel.and_then(Channel::required_consent),
                    source: source.location(item.span),
                },
                recipient.span,
            ));
        }
        if out.is_empty()
            && !message
                .items
                .iter()
                .any(|i| matches!(i.kind, MessageItemKind::To { .. }))
        {
            errors.push(CheckError::MissingRecipient {
                message: message.name.node.clone(),
                span: message.name.span.into(),
            });
        }
        out.into_iter().map(|(r, _)| r).collect()
    }
}

/// How a message is sent and what it says.
struct Content<'a> {
    /// The channel, and where it is named.
    channel: Option<(Channel, Span)>,
    template: Option<String>,
    text: Option<&'a ast::Name>,
}

/// The statements a message has at most once, with where each was first written.
#[derive(Default)]
struct Once(BTreeMap<&'static str, Span>);

impl Once {
    /// Whether this is the first `statement` of the message; reports it if not.
    fn first(&mut self, statement: &'static str, span: Span, errors: &mut Vec<CheckError>) -> bool {
        let Some(&first) = self.0.get(statement) else {
            self.0.insert(statement, span);
            return true;
        };
        errors.push(if statement == "via" {
            CheckError::DuplicateChannel {
                span: span.into(),
                first: first.into(),
            }
        } else {
            CheckError::DuplicateStatement {
                statement: statement.to_string(),
                span: span.into(),
                first: first.into(),
            }
        });
        false
    }
}

/// The channel (`via`) and content (`template`, `text`) of a message, each written once, and
/// its `send` written once; an inline SMS text is checked for its length.
fn content<'a>(
    errors: &mut Vec<CheckError>,
    source: &SourceFile,
    message: &'a ast::Message,
) -> Content<'a> {
    let mut once = Once::default();
    let mut content = Content {
        channel: None,
        template: None,
        text: None,
    };
    for item in &message.items {
        match &item.kind {
            MessageItemKind::Via(via) if once.first("via", item.span, errors) => {
                content.channel = self::channel(errors, via).map(|c| (c, via.span));
            }
            MessageItemKind::Template(t) if once.first("template", item.span, errors) => {
                content.template = Some(t.node.clone())
            }
            MessageItemKind::Text(t) if once.first("text", item.span, errors) => {
                text::check_placeholders(errors, t, &source.text);
                content.text = Some(t);
            }
            MessageItemKind::Send(_) => {
                once.first("send", item.span, errors);
            }
            _ => {}
        }
    }
    let has_via = message
        .items
        .iter()
        .any(|i| matches!(i.kind, MessageItemKind::Via(_)));
    if !has_via {
        errors.push(CheckError::MissingChannel {
            message: message.name.node.clone(),
            span: message.name.span.into(),
        });
    }
    if content.template.is_none() && content.text.is_none() {
        errors.push(CheckError::MissingContent {
            message: message.name.node.clone(),
            span: message.name.span.into(),
        });
    }
    // A complement or a fallback by SMS sends the same text as an SMS.
    let sms_too = message.items.iter().any(|i| match &i.kind {
        MessageItemKind::Also { channel, .. }
        | MessageItemKind::Fallback {
            channel,
            wording: None,
            ..
        } => channel.node == Channel::Sms.as_str(),
        _ => false,
    });
    let by_sms = matches!(content.channel, Some((Channel::Sms, _))) || sms_too;
    if let (Some(t), true) = (content.text, by_sms) {
        text::check_sms_length(errors, t);
    }
    content
}

/// The complements (`also`) and the fallback of a message, in the order written.
fn complements_and_fallback(
    errors: &mut Vec<CheckError>,
    source: &SourceFile,
    message: &ast::Message,
    channel: Option<(Channel, Span)>,
) -> (Vec<plan::Complement>, Option<plan::Fallback>) {
    let mut complements: Vec<plan::Complement> = Vec::new();
    let mut complement_spans: BTreeMap<Channel, Span> = BTreeMap::new();
    let mut fallback: Option<(plan::Fallback, Span)> = None;
    for item in &message.items {
        match &item.kind {
            MessageItemKind::Also {
                channel: also,
                condition,
            } => {
                let own = channel.map(|c| c.0);
                let Some(also_channel) =
                    complement_channel(errors, also, own, &mut complement_spans)
                else {
                    continue;
                };
                let condition = condition.as_ref().and_then(|c| {
                    expr::Typer {
                        errors: &mut *errors,
                        guardian: false,
                    }
                    .condition(c)
                });
                complements.push(plan::Complement {
                    channel: also_channel,
                    condition,
                    source: source.location(item.span),
                });
            }
            MessageItemKind::Fallback {
                channel: to,
                after,
                waits_for,
                wording,
            } => {
                if let Some((_, first)) = &fallback {
                    errors.push(CheckError::DuplicateFallback {
                        span: item.span.into(),
                        first: (*first).into(),
                    });
                    continue;
                }
                if let Some(ast::Wording::Text(t)) = wording {
                    text::check_placeholders(errors, t, &source.text);
                    if to.node == Channel::Sms.as_str() {
                        text::check_sms_length(errors, t);
                    }
                }
                let written = Written {
                    to,
                    after,
                    waits_for,
                    wording: wording.as_ref(),
                    source: source.location(item.span),
                };
                if let Some(f) = self::fallback(errors, written, channel) {
                    fallback = Some((f, item.span));
                }
            }
            _ => {}
        }
    }
    (complements, fallback.map(|(f, _)| f))
}

/// The channel of a complement, if it is known, another than the message's own, not a task,
/// and not named before.
fn complement_channel(
    errors: &mut Vec<CheckError>,
    also: &ast::Name,
    own: Option<Channel>,
    seen: &mut BTreeMap<Channel, Span>,
) -> Option<Channel> {
    let also_channel = self::channel(errors, also)?;
    if Some(also_channel) == own {
        errors.push(CheckError::ComplementSameChannel {
            channel: also.node.clone(),
            span: also.span.into(),
        });
        return None;
    }
    if also_channel.is_internal() {
        errors.push(CheckError::ComplementIsTask {
            span: also.span.into(),
        });
        return None;
    }
    if let Some(first) = seen.insert(also_channel, also.span) {
        errors.push(CheckError::DuplicateComplement {
            channel: also.node.clone(),
            span: also.span.into(),
            first: first.into(),
        });
        return None;
    }
    Some(also_channel)
}

/// A `fallback` statement as written.
struct Written<'a> {
    to: &'a ast::Name,
    after: &'a ast::Spanned<ast::Duration>,
    waits_for: &'a ast::Name,
    wording: Option<&'a ast::Wording>,
    source: plan::Source,
}

/// A fallback, checked against the message's channel `via`.
fn fallback(
    errors: &mut Vec<CheckError>,
    written: Written<'_>,
    via: Option<(Channel, Span)>,
) -> Option<plan::Fallback> {
    let Written {
        to,
        after,
        waits_for,
        wording,
        source,
    } = written;
    let to_channel = self::channel(errors, to);
    let outcome = Outcome::parse(&waits_for.node);
    if outcome.is_none() {
        errors.push(CheckError::UnknownOutcome {
            name: waits_for.node.clone(),
            span: waits_for.span.into(),
            suggestion: suggest::suggestion(&waits_for.node, ["unopened", "undelivered"]),
        });
    }
    if too_long(errors, after) {
        return None;
    }
    if after.node.value == 0 {
        errors.push(CheckError::ZeroDuration {
            unit: after.node.unit.word(0).to_string(),
            span: after.span.into(),
        });
    }
    let (to_channel, outcome) = (to_channel?, outcome?);
    if Some(to_channel) == via.map(|c| c.0) {
        errors.push(CheckError::FallbackSameChannel {
            channel: to.node.clone(),
            span: to.span.into(),
        });
        return None;
    }
    if let Some((from, via_span)) = via {
        if !from.reports(outcome) {
            errors.push(CheckError::FallbackCannotReport {
                channel: from,
                outcome,
                span: waits_for.span.into(),
                via: via_span.into(),
            });
            return None;
        }
    }
    Some(plan::Fallback {
        channel: to_channel,
        after: offset(after.node),
        waits_for: outcome,
        template: match wording {
            Some(ast::Wording::Template(t)) => Some(t.node.clone()),
            _ => None,
        },
        text: match wording {
            Some(ast::Wording::Text(t)) => Some(t.node.clone()),
            _ => None,
        },
        // Filled from the template file, when it has one, with the message's.
        localized: None,
        source,
    })
}

fn channel(errors: &mut Vec<CheckError>, name: &ast::Name) -> Option<Channel> {
    let found = Channel::parse(&name.node);
    if found.is_none() {
        errors.push(CheckError::UnknownChannel {
            name: name.node.clone(),
            span: name.span.into(),
            suggestion: suggest::suggestion(&name.node, Channel::WORDS.iter().copied()),
        });
    }
    found
}

/// Reports a duration longer than the plan allows.
pub(super) fn too_long(
    errors: &mut Vec<CheckError>,
    duration: &ast::Spanned<ast::Duration>,
) -> bool {
    let minutes = super::expr::exact_minutes(duration.node);
    if minutes > MAX_DAYS * 24 * 60 {
        errors.push(CheckError::DurationTooLong {
            amount: duration.node.to_string(),
            limit: MAX_DAYS,
            span: duration.span.into(),
        });
        return true;
    }
    false
}

/// Weeks become days; hours become minutes.
pub(super) fn offset(d: ast::Duration) -> Offset {
    match d.unit {
        DurationUnit::Minutes => Offset::Minutes(d.value),
        DurationUnit::Hours => Offset::Minutes(d.value.saturating_mul(60)),
        DurationUnit::Days => Offset::Days(d.value),
        DurationUnit::Weeks => Offset::Days(d.value.saturating_mul(7)),
        // Refused before they get here (E123); a recall's interval is lowered on its own.
        DurationUnit::Months => Offset::Days(d.value.saturating_mul(30)),
        DurationUnit::Years => Offset::Days(d.value.saturating_mul(365)),
    }
}
