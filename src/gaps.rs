//! Who gets nothing (R20): the bookings for which no message reaches the patient or a
//! guardian, grouped by the reasons their messages were not sent and, within each reason, by
//! profile (unit, exam, age group, SMS consent, inbox account). `rem gaps` prints it and
//! writes it as JSON; the workbench shows it.
//!
//! A booking's reasons are the distinct reasons of its skips, leaving out those that only say
//! a message had nothing to do (no cancellation to notify, a fallback not needed) when other
//! reasons are there; a reason about a guardian names the guardian.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::booking::Booking;
use crate::engine::{Engine, Outcome, Reason};
use crate::schema::Who;

/// Reasons that say a message had nothing to do rather than why the booking got nothing; they
/// count only when a booking has no other.
fn secondary(reason: Reason) -> bool {
    matches!(
        reason,
        Reason::NotCancelled
            | Reason::NotRescheduled
            | Reason::NotReported(_)
            | Reason::NoReply
            | Reason::ComplementConditionFalse
            | Reason::AlreadyComplement(_)
            | Reason::FallbackAfterVisit
            | Reason::FallbackAnswered(_)
            | Reason::ReplacedBy(_)
            | Reason::ConditionFalse
    )
}

/// The profiles of a group the text shows; JSON has them all.
const SHOWN_PROFILES: usize = 8;

/// A booking's age group on the visit's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum AgeGroup {
    #[serde(rename = "under_18")]
    Under18,
    #[serde(rename = "18_to_64")]
    From18To64,
    #[serde(rename = "65_or_over")]
    From65,
}

impl AgeGroup {
    fn of(booking: &Booking<'_>) -> AgeGroup {
        let age = booking
            .start
            .date_naive()
            .years_since(booking.patient.birth_date)
            .unwrap_or(0);
        match age {
            0..18 => AgeGroup::Under18,
            18..65 => AgeGroup::From18To64,
            _ => AgeGroup::From65,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            AgeGroup::Under18 => "under 18",
            AgeGroup::From18To64 => "18 to 64",
            AgeGroup::From65 => "65 or over",
        }
    }
}

/// Who a group of bookings is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Profile {
    pub unit: String,
    pub exam: String,
    pub age: AgeGroup,
    pub consent_sms: bool,
    pub inbox_account: bool,
}

impl Profile {
    fn of(booking: &Booking<'_>) -> Profile {
        Profile {
            unit: booking.unit.to_string(),
            exam: booking.exam.to_string(),
            age: AgeGroup::of(booking),
            consent_sms: booking.patient.consent_sms,
            inbox_account: booking.patient.inbox_account,
        }
    }

    /// `unit DSK, exam ekko, under 18, no SMS consent, inbox account`.
    pub fn words(&self) -> String {
        format!(
            "unit {}, exam {}, {}, {}, {}",
            if self.unit.is_empty() {
                "(none)"
            } else {
                &self.unit
            },
            if self.exam.is_empty() {
                "(none)"
            } else {
                &self.exam
            },
            self.age.words(),
            if self.consent_sms {
                "SMS consent"
            } else {
                "no SMS consent"
            },
            if self.inbox_account {
                "inbox account"
            } else {
                "no inbox account"
            },
        )
    }
}

/// One reason a message was not sent: its code, and the person it was about when that was not
/// the patient.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Cause {
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient: Option<&'static str>,
    pub words: String,
}

/// The bookings that share their reasons.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Group {
    pub causes: Vec<Cause>,
    pub count: u64,
    /// By profile, the largest first.
    pub profiles: Vec<ProfileCount>,
    #[serde(skip)]
    by_profile: BTreeMap<Profile, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProfileCount {
    #[serde(flatten)]
    pub profile: Profile,
    pub count: u64,
}

/// Who gets nothing, over a feed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Gaps {
    /// Bookings evaluated.
    pub bookings: u64,
    /// Bookings some message reaches (the patient or a guardian).
    pub reached: u64,
    /// Bookings no message reaches.
    pub nothing: u64,
    /// Rows rejected before evaluation (`rem eval` writes them to its rejects file).
    pub rejected: u64,
    /// The groups, the largest first.
    pub groups: Vec<Group>,
    #[serde(skip)]
    by_causes: BTreeMap<Vec<Cause>, Group>,
}

impl Gaps {
    /// Counts one booking by what the engine gave it.
    pub fn add(&mut self, engine: &Engine, booking: &Booking<'_>, outcomes: &[Outcome]) {
        self.bookings += 1;
        let reached = outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Action(a) if a.recipient != Who::Staff));
        if reached {
            self.reached += 1;
            return;
        }
        self.nothing += 1;
        let skips: Vec<_> = outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Skip(s) => Some(s),
                Outcome::Action(_) => None,
            })
            .collect();
        let main = skips.iter().any(|s| !secondary(s.reason));
        let mut causes: Vec<Cause> = skips
            .iter()
            .filter(|s| !main || !secondary(s.reason))
            .map(|s| Cause {
                code: engine.reason_code(s.policy, s.reason).to_string(),
                recipient: s.recipient.filter(|w| *w != Who::Patient).map(Who::as_str),
                words: engine.describe(s.policy, s.reason),
            })
            .collect();
        causes.sort();
        causes.dedup();
        let group = self.by_causes.entry(causes.clone()).or_default();
        group.causes = causes;
        group.count += 1;
        *group.by_profile.entry(Profile::of(booking)).or_default() += 1;
    }

    /// Counts a row that was rejected before evaluation.
    pub fn reject(&mut self) {
        self.rejected += 1;
    }

    /// The groups in order, the largest first (then by their reasons), each with its profiles
    /// the largest first.
    pub fn finish(mut self) -> Gaps {
        let mut groups: Vec<Group> = std::mem::take(&mut self.by_causes)
            .into_values()
            .map(|mut g| {
                let mut profiles: Vec<ProfileCount> = std::mem::take(&mut g.by_profile)
                    .into_iter()
                    .map(|(profile, count)| ProfileCount { profile, count })
                    .collect();
                profiles.sort_by(|a, b| b.count.cmp(&a.count).then(a.profile.cmp(&b.profile)));
                g.profiles = profiles;
                g
            })
            .collect();
        groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.causes.cmp(&b.causes)));
        self.groups = groups;
        self
    }

    /// The report in words, for the terminal.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{} bookings evaluated: {} reach the patient or a guardian, {} get nothing",
            self.bookings, self.reached, self.nothing
        );
        if self.rejected > 0 {
            out.push_str(&format!(
                "; {} rows rejected and not evaluated (`rem eval` lists them)",
                self.rejected
            ));
        }
        out.push('\n');
        for group in &self.groups {
            let causes: Vec<String> = group
                .causes
                .iter()
                .map(|c| match c.recipient {
                    Some(who) => format!("{} ({who})", c.words),
                    None => c.words.clone(),
                })
                .collect();
            out.push_str(&format!(
                "\n{} {}: {}\n",
                group.count,
                if group.count == 1 {
                    "booking"
                } else {
                    "bookings"
                },
                causes.join("; ")
            ));
            for p in group.profiles.iter().take(SHOWN_PROFILES) {
                out.push_str(&format!("  {:>6}  {}\n", p.count, p.profile.words()));
            }
            let rest = &group.profiles[group.profiles.len().min(SHOWN_PROFILES)..];
            if !rest.is_empty() {
                let count: u64 = rest.iter().map(|p| p.count).sum();
                out.push_str(&format!(
                    "  {count:>6}  in {} other profiles (`--output json` lists every one)\n",
                    rest.len()
                ));
            }
        }
        out
    }
}
