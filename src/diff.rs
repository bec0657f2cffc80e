//! Stage 7: the effect of a policy change on real bookings. Two engines (old and new policy)
//! evaluate the same booking; [`compare`] lists the actions added, removed and moved in time,
//! and [`Summary`] counts the bookings each kind of change touches.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::booking::Booking;
use crate::engine::{Engine, Options, Origin, Outcome};
use crate::events::EventIndex;

/// What identifies an action across two versions of a policy: the message by name, the
/// channel, the recipient and whether it is the message itself, a complement or a fallback.
/// Policy names are left out, so moving a message to another policy is no change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Identity {
    pub kind: String,
    pub message: String,
    pub channel: String,
    pub recipient: String,
    pub part: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Moved,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub booking_id: String,
    pub change: ChangeKind,
    #[serde(flatten)]
    pub identity: Identity,
    /// The old send time (removed, moved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The new send time (added, moved).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Send times of one identity, in one version.
type Times = Vec<DateTime<FixedOffset>>;

fn sent(engine: &Engine, outcomes: &[Outcome]) -> Vec<(Identity, DateTime<FixedOffset>)> {
    let mut out: Vec<(Identity, DateTime<FixedOffset>)> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Action(a) => {
                let message = &engine.policy(a.policy).messages[a.message];
                Some((
                    Identity {
                        kind: message.kind.as_str().to_string(),
                        message: message.name.clone(),
                        channel: a.channel.as_str().to_string(),
                        recipient: a.recipient.as_str().to_string(),
                        part: match a.origin {
                            Origin::Trigger(_) => "message",
                            Origin::Complement { .. } => "complement",
                            Origin::Fallback(_) => "fallback",
                        },
                    },
                    a.send_at,
                ))
            }
            Outcome::Skip(_) => None,
        })
        .collect();
    out.sort();
    out
}

fn time(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339()
}

/// The changes for one booking, in identity and time order. Actions of the same identity are
/// paired in time order (the first old offset with the first new one), so a changed offset
/// shows as a move.
pub fn compare(
    old: &Engine,
    new: &Engine,
    booking: &Booking<'_>,
    events: &EventIndex,
    options: &Options,
) -> Vec<Change> {
    let mut outcomes = Vec::new();
    old.evaluate(booking, events, options, &mut outcomes);
    let before = sent(old, &outcomes);
    outcomes.clear();
    new.evaluate(booking, events, options, &mut outcomes);
    let after = sent(new, &outcomes);

    let mut by_identity: BTreeMap<&Identity, (Times, Times)> = BTreeMap::new();
    for (identity, at) in &before {
        by_identity.entry(identity).or_default().0.push(*at);
    }
    for (identity, at) in &after {
        by_identity.entry(identity).or_default().1.push(*at);
    }
    let mut changes = Vec::new();
    for (identity, (old_times, new_times)) in by_identity {
        let change = |change,
                      from: Option<DateTime<FixedOffset>>,
                      to: Option<DateTime<FixedOffset>>| Change {
            booking_id: booking.id.to_string(),
            change,
            identity: identity.clone(),
            from: from.map(time),
            to: to.map(time),
        };
        // Equal times on both sides are no change; pair the rest in time order.
        let old_only: Vec<_> = old_times
            .iter()
            .filter(|t| !new_times.contains(t))
            .copied()
            .collect();
        let new_only: Vec<_> = new_times
            .iter()
            .filter(|t| !old_times.contains(t))
            .copied()
            .collect();
        let paired = old_only.len().min(new_only.len());
        for i in 0..paired {
            changes.push(change(
                ChangeKind::Moved,
                Some(old_only[i]),
                Some(new_only[i]),
            ));
        }
        for &t in &old_only[paired..] {
            changes.push(change(ChangeKind::Removed, Some(t), None));
        }
        for &t in &new_only[paired..] {
            changes.push(change(ChangeKind::Added, None, Some(t)));
        }
    }
    changes
}

/// Bookings touched, by kind of change and message.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    bookings: BTreeMap<(ChangeKind, Identity), std::collections::BTreeSet<String>>,
    pub bookings_read: u64,
    pub bookings_changed: u64,
}

impl Summary {
    pub fn add(&mut self, changes: &[Change]) {
        self.bookings_read += 1;
        if !changes.is_empty() {
            self.bookings_changed += 1;
        }
        for c in changes {
            self.bookings
                .entry((c.change, c.identity.clone()))
                .or_default()
                .insert(c.booking_id.clone());
        }
    }

    /// Sentences such as "412 bookings gain the paper complement of letter `kallelse`".
    pub fn lines(&self) -> Vec<String> {
        self.bookings
            .iter()
            .map(|((change, id), bookings)| {
                let n = bookings.len();
                let verb = match (change, n == 1) {
                    (ChangeKind::Added, true) => "gains",
                    (ChangeKind::Added, false) => "gain",
                    (ChangeKind::Removed, true) => "loses",
                    (ChangeKind::Removed, false) => "lose",
                    (ChangeKind::Moved, true) => "has moved",
                    (ChangeKind::Moved, false) => "have moved",
                };
                let what = match id.part {
                    "message" => what(id),
                    _ => format!("the {}", what(id)),
                };
                format!("{n} booking{} {verb} {what}", if n == 1 { "" } else { "s" })
            })
            .collect()
    }
}

/// An identity in words: "reminder `x` via sms to patient", "paper complement of letter `y` to
/// patient".
fn what(id: &Identity) -> String {
    match id.part {
        "message" => format!(
            "{} `{}` via {} to {}",
            id.kind, id.message, id.channel, id.recipient
        ),
        part => format!(
            "{} {part} of {} `{}` to {}",
            id.channel, id.kind, id.message, id.recipient
        ),
    }
}

/// A change in words, for the per-booking listing.
pub fn describe(change: &Change) -> String {
    let what = what(&change.identity);
    match change.change {
        ChangeKind::Added => format!("+ {what} at {}", change.to.as_deref().unwrap_or("")),
        ChangeKind::Removed => format!("- {what} at {}", change.from.as_deref().unwrap_or("")),
        ChangeKind::Moved => format!(
            "~ {what}: {} → {}",
            change.from.as_deref().unwrap_or(""),
            change.to.as_deref().unwrap_or("")
        ),
    }
}
