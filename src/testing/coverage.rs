//! Which parts of the policies the tests exercised: messages, triggers (offsets), recipients,
//! complements, fallbacks and exclusions, each identified by its place in the source.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{Engine, Origin, Outcome, Reason};
use crate::plan::{self, Offset, When};

/// A part of a policy that a test can exercise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub policy: String,
    /// In words: "trigger `4 days before at 10:00` of reminder `sms`".
    pub what: String,
    pub source: plan::Source,
}

/// Items by place, and which were exercised. Places make items from several test files that
/// compile the same policy file count once.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    items: BTreeMap<(String, usize, usize), Item>,
    exercised: BTreeSet<(String, usize, usize)>,
}

fn place(source: &plan::Source) -> (String, usize, usize) {
    (source.file.clone(), source.start, source.end)
}

fn when_words(when: &When) -> String {
    let amount = |o: &Offset| match o {
        Offset::Days(d) if d % 7 == 0 && *d > 0 => {
            format!("{} week{}", d / 7, if *d == 7 { "" } else { "s" })
        }
        Offset::Days(d) => format!("{d} day{}", if *d == 1 { "" } else { "s" }),
        Offset::Minutes(m) if m % 60 == 0 => {
            format!("{} hour{}", m / 60, if *m == 60 { "" } else { "s" })
        }
        Offset::Minutes(m) => format!("{m} minutes"),
    };
    let at = |a: &Option<crate::plan::TimeOfDay>| a.map(|a| format!(" at {a}")).unwrap_or_default();
    match when {
        When::AtBooking => "at booking".to_string(),
        When::OnCancellation => "on cancellation".to_string(),
        When::OnRescheduling => "on rescheduling".to_string(),
        When::OnEvent { event } => format!("on {event}"),
        When::OnReply { words } => format!("on reply {}", words.join(", ")),
        When::Every {
            step,
            at: a,
            times,
            from,
        } => {
            let step = match step {
                crate::plan::Step::Days(1) => "day".to_string(),
                crate::plan::Step::Days(d) => amount(&Offset::Days(*d)),
                crate::plan::Step::Weekday(w) => w.to_string(),
            };
            format!("every {step}{} {times} times from {}", at(a), from.word())
        }
        When::Before { offset, at: a } => format!("{} before{}", amount(offset), at(a)),
        When::After { offset, at: a } => format!("{} after{}", amount(offset), at(a)),
    }
}

impl Coverage {
    /// Adds every item of the plan's policies (again-added items are kept once).
    pub fn add_plan(&mut self, plan: &plan::Plan) {
        for policy in &plan.policies {
            let mut add = |what: String, source: &plan::Source| {
                self.items.entry(place(source)).or_insert_with(|| Item {
                    policy: policy.name.clone(),
                    what,
                    source: source.clone(),
                });
            };
            for exclusion in &policy.exclusions {
                add(format!("exclusion `{}`", exclusion.name), &exclusion.source);
            }
            for message in &policy.messages {
                let of = format!("{} `{}`", message.kind.as_str(), message.name);
                add(of.clone(), &message.source);
                for trigger in &message.triggers {
                    add(
                        format!("trigger `{}` of {of}", when_words(&trigger.when)),
                        &trigger.source,
                    );
                }
                for recipient in &message.recipients {
                    add(
                        format!("recipient `to {}` of {of}", recipient.recipient.as_str()),
                        &recipient.source,
                    );
                }
                for complement in &message.complements {
                    add(
                        format!("complement `also {}` of {of}", complement.channel.as_str()),
                        &complement.source,
                    );
                }
                if let Some(fallback) = &message.fallback {
                    add(
                        format!("fallback `{}` of {of}", fallback.channel.as_str()),
                        &fallback.source,
                    );
                }
            }
        }
    }

    /// Marks what these outcomes exercised.
    pub fn record(&mut self, engine: &Engine, outcomes: &[Outcome]) {
        for outcome in outcomes {
            match outcome {
                Outcome::Action(action) => {
                    let policy = engine.policy(action.policy);
                    let message = &policy.messages[action.message];
                    self.exercised.insert(place(&message.source));
                    match action.origin {
                        Origin::Trigger(t) => {
                            self.exercised.insert(place(&message.triggers[t].source));
                            if let Some(rule) = action.rule.and_then(|r| message.recipients.get(r))
                            {
                                self.exercised.insert(place(&rule.source));
                            }
                        }
                        Origin::Complement {
                            trigger: t,
                            complement: c,
                        } => {
                            self.exercised.insert(place(&message.triggers[t].source));
                            self.exercised.insert(place(&message.complements[c].source));
                        }
                        Origin::Fallback(_) => {
                            if let Some(f) = &message.fallback {
                                self.exercised.insert(place(&f.source));
                            }
                        }
                    }
                }
                Outcome::Skip(skip) => {
                    let Some(policy) = skip.policy.map(|p| engine.policy(p)) else {
                        continue;
                    };
                    match (skip.reason, skip.message) {
                        (Reason::Excluded(e), _) => {
                            self.exercised.insert(place(&policy.exclusions[e].source));
                        }
                        (Reason::FallbackAnswered(_), Some(m)) => {
                            if let Some(f) = &policy.messages[m].fallback {
                                self.exercised.insert(place(&f.source));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    pub fn total(&self) -> usize {
        self.items.len()
    }

    pub fn covered(&self) -> usize {
        self.items
            .keys()
            .filter(|k| self.exercised.contains(*k))
            .count()
    }

    /// Covered items as a percentage; 100 when there is nothing to cover.
    pub fn percent(&self) -> f64 {
        if self.items.is_empty() {
            100.0
        } else {
            #[expect(
                clippy::cast_precision_loss,
                reason = "counts of policy statements are small"
            )]
            let ratio = self.covered() as f64 / self.total() as f64;
            ratio * 100.0
        }
    }

    /// Items no test exercised, in file and line order.
    pub fn uncovered(&self) -> Vec<&Item> {
        self.items
            .iter()
            .filter(|(k, _)| !self.exercised.contains(*k))
            .map(|(_, item)| item)
            .collect()
    }
}
