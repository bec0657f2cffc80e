//! Two policies that cover the same bookings and would both send the same kind of message on
//! the same channel to the same person, or two messages of one policy that do so at the same
//! trigger: the patient would get it twice.

use crate::ast::{PolicyItem, Span};
use crate::plan::{Policy, Scope};
use crate::source::FileId;

use super::CheckError;

/// Two policies that would both send a message to the same person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    /// The earlier and the later policy, by number.
    pub earlier: usize,
    pub later: usize,
    /// The messages of each, by number.
    pub earlier_message: usize,
    pub later_message: usize,
    pub recipient: crate::plan::Recipient,
}

/// Every such pair of policies (the later policy's messages in order), unless one policy
/// `wins_over` the other.
pub fn clashes<P: std::borrow::Borrow<Policy>>(policies: &[P]) -> Vec<Clash> {
    let mut found = Vec::new();
    for (j, later) in policies.iter().map(P::borrow).enumerate() {
        for (i, earlier) in policies[..j].iter().map(P::borrow).enumerate() {
            if earlier.wins_over.contains(&later.name) || later.wins_over.contains(&earlier.name) {
                continue;
            }
            // A recall and a booking's policy never see the same record.
            if earlier.recall.is_some() != later.recall.is_some()
                || !scopes_overlap(&earlier.scope, &later.scope)
            {
                continue;
            }
            for (bm, b) in later.messages.iter().enumerate() {
                let clash = earlier.messages.iter().enumerate().find_map(|(am, a)| {
                    if a.kind != b.kind || a.channel != b.channel {
                        return None;
                    }
                    let recipient = b.recipients.iter().find(|rb| {
                        a.recipients
                            .iter()
                            .any(|ra| ra.recipient.overlaps(rb.recipient))
                    })?;
                    Some((am, recipient.recipient))
                });
                if let Some((am, recipient)) = clash {
                    found.push(Clash {
                        earlier: i,
                        later: j,
                        earlier_message: am,
                        later_message: bm,
                        recipient,
                    });
                }
            }
        }
    }
    found
}

/// Every clash as an error at the later policy's message. `items[i]` is the source of
/// `policies[i]`.
pub(super) fn find(
    policies: &[Policy],
    items: &[(FileId, Vec<PolicyItem>)],
) -> Vec<(FileId, CheckError)> {
    clashes(policies)
        .into_iter()
        .map(|clash| {
            let (earlier, later) = (&policies[clash.earlier], &policies[clash.later]);
            let a = &earlier.messages[clash.earlier_message];
            let b = &later.messages[clash.later_message];
            let (i, j) = (clash.earlier, clash.later);
            let (file, span) = (items[j].0, message_span(&items[j].1, &b.name));
            let first = (items[i].0 == file).then(|| message_span(&items[i].1, &a.name).into());
            (
                file,
                CheckError::OverlappingPolicies {
                    policy: later.name.clone(),
                    other: earlier.name.clone(),
                    kind: b.kind.as_str().to_string(),
                    channel: b.channel.as_str().to_string(),
                    recipient: clash.recipient.as_str().to_string(),
                    span: span.into(),
                    first,
                },
            )
        })
        .collect()
}

/// Two messages of one policy that send the same kind of message on the same channel to the
/// same recipient (under the same condition, or none) at the same trigger: an error at the
/// later one. `items[i]` is the source of `policies[i]`.
pub(super) fn twice_in_policy(
    policies: &[Policy],
    items: &[(FileId, Vec<PolicyItem>)],
) -> Vec<(FileId, CheckError)> {
    let mut found = Vec::new();
    for (policy, (file, _)) in policies.iter().zip(items) {
        for (j, b) in policy.messages.iter().enumerate() {
            let twin = policy.messages[..j].iter().find_map(|a| {
                if a.kind != b.kind || a.channel != b.channel {
                    return None;
                }
                let (ta, tb) = a.triggers.iter().find_map(|ta| {
                    let tb = b.triggers.iter().find(|tb| ta.when == tb.when)?;
                    Some((ta, tb))
                })?;
                let recipient = b.recipients.iter().find(|rb| {
                    a.recipients.iter().any(|ra| {
                        ra.recipient.overlaps(rb.recipient) && ra.condition == rb.condition
                    })
                })?;
                Some((a, recipient.recipient, ta, tb))
            });
            let Some((a, recipient, ta, tb)) = twin else {
                continue;
            };
            found.push((
                *file,
                CheckError::TwiceInPolicy {
                    policy: policy.name.clone(),
                    first: a.name.clone(),
                    message: b.name.clone(),
                    kind: b.kind.as_str().to_string(),
                    channel: b.channel.as_str().to_string(),
                    recipient: recipient.as_str().to_string(),
                    span: super::dates::span(&tb.source),
                    first_span: super::dates::span(&ta.source),
                },
            ));
        }
    }
    found
}

fn message_span(items: &[PolicyItem], name: &str) -> Span {
    items
        .iter()
        .find_map(|item| match item {
            PolicyItem::Message(m) if m.name.node == name => Some(m.name.span),
            _ => None,
        })
        .unwrap_or_default()
}

fn lists_overlap<T: PartialEq>(a: &Option<Vec<T>>, b: &Option<Vec<T>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.iter().any(|x| b.contains(x)),
        _ => true,
    }
}

fn scopes_overlap(a: &Scope, b: &Scope) -> bool {
    a.clinics.iter().any(|c| b.clinics.contains(c))
        && lists_overlap(&a.units, &b.units)
        && lists_overlap(&a.exams, &b.exams)
        && lists_overlap(&a.kinds, &b.kinds)
}
