//! Warnings that need to reason about time: an offset whose time of day lies outside the send
//! window, a fallback that always lands after the visit, a message that reaches no minor.

use crate::plan::{self, Channel, Expr, Offset, Recipient, When};

use super::CheckError;

pub(super) fn span(source: &plan::Source) -> miette::SourceSpan {
    (source.start, source.end - source.start).into()
}

fn minutes(offset: Offset) -> u64 {
    match offset {
        Offset::Days(d) => d.saturating_mul(24 * 60),
        Offset::Minutes(m) => m,
    }
}

fn words(offset: Offset) -> String {
    match offset {
        Offset::Days(d) => format!("{d} day{}", if d == 1 { "" } else { "s" }),
        Offset::Minutes(m) if m % 60 == 0 => {
            format!("{} hour{}", m / 60, if m == 60 { "" } else { "s" })
        }
        Offset::Minutes(m) => format!("{m} minutes"),
    }
}

/// Whether the condition can only hold for patients who are not minors: `not patient.minor`,
/// alone or in an `and`.
fn excludes_minors(expr: &Expr) -> bool {
    match expr {
        Expr::Not { arg } => {
            matches!(arg.as_ref(), Expr::Field { path, .. } if path == "patient.minor")
        }
        Expr::And { args } => args.iter().any(excludes_minors),
        Expr::Compare {
            cmp: plan::CompareOp::Eq,
            left,
            right,
        } => {
            matches!((left.as_ref(), right.as_ref()), (Expr::Field { path, .. }, Expr::Bool { value: false }) if path == "patient.minor")
        }
        _ => false,
    }
}

pub(super) fn warnings(policy: &plan::Policy) -> Vec<CheckError> {
    let mut found = Vec::new();
    for message in &policy.messages {
        // The windows a message can meet: its own, else the policy's and each unit's.
        let windows: Vec<&plan::Window> = match &message.settings.window {
            Some(w) => vec![w],
            None => policy
                .settings
                .window
                .iter()
                .chain(
                    policy
                        .unit_settings
                        .values()
                        .filter_map(|s| s.window.as_ref()),
                )
                .collect(),
        };
        for trigger in &message.triggers {
            let (When::Before { at: Some(at), .. } | When::After { at: Some(at), .. }) =
                &trigger.when
            else {
                continue;
            };
            if let Some(w) = windows.iter().find(|w| *at < w.from || *at >= w.until) {
                found.push(CheckError::OffsetOutsideWindow {
                    at: at.to_string(),
                    from: w.from.to_string(),
                    until: w.until.to_string(),
                    span: span(&trigger.source),
                });
            }
        }
        if let Some(fallback) = &message.fallback {
            for trigger in &message.triggers {
                let When::Before { offset, .. } = trigger.when else {
                    continue;
                };
                if minutes(fallback.after) >= minutes(offset) {
                    found.push(CheckError::FallbackAfterVisit {
                        after: words(fallback.after),
                        before: words(offset),
                        trigger: span(&trigger.source),
                        span: span(&fallback.source),
                    });
                }
            }
        }
        found.extend(recipient_warnings(message));
    }
    found
}

/// W110 and W107: guardians a message's channel cannot reach, and minors nobody is sent to.
fn recipient_warnings(message: &plan::Message) -> Vec<CheckError> {
    let mut found = Vec::new();
    // The feeds give guardians a mobile number only: no e-mail address, no inbox.
    let guardians_reachable = !matches!(message.channel, Channel::Email | Channel::Inbox);
    let to_guardians = message
        .recipients
        .iter()
        .filter(|r| r.recipient.is_guardian());
    for rule in to_guardians.clone().filter(|_| !guardians_reachable) {
        found.push(CheckError::GuardiansUnreachable {
            channel: if message.channel == Channel::Email {
                "by e-mail".to_string()
            } else {
                "through the inbox".to_string()
            },
            span: span(&rule.source),
        });
    }
    let reaches_guardians = guardians_reachable && to_guardians.count() > 0;
    let to_patient = message
        .recipients
        .iter()
        .filter(|r| r.recipient == Recipient::Patient);
    for rule in to_patient {
        if !reaches_guardians && rule.condition.as_ref().is_some_and(excludes_minors) {
            let help = if guardians_reachable {
                "add `to guardians when patient.minor` (R14), or say with an exclusion that minors get no message".to_string()
            } else {
                format!(
                    "guardians have no {} in any feed: send minors' guardians a message of their own `via sms` or `via paper` `to guardians when patient.minor` (R14), or say with an exclusion that minors get no message",
                    if message.channel == Channel::Email {
                        "e-mail address"
                    } else {
                        "inbox"
                    }
                )
            };
            found.push(CheckError::MinorsWithoutGuardians {
                help,
                span: span(&rule.source),
            });
        }
    }
    found
}
