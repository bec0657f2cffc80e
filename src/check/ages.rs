//! Conditions that the policy's own settings decide: `patient.minor and patient.age >= 16`
//! under `minor_age 16` never holds (a minor is younger than 16), `patient.age >= 0` always
//! does. Each condition is tried with every minor age the policy has (its own and its units').
//! Conditions constant whatever the settings are reported elsewhere (W103, E-always true).

use super::CheckError;
use super::dates::span;
use super::expr::{constant_truth, constant_truth_with_ages, mentions_minor};
use crate::plan::{self, Expr};

pub(super) fn warnings(policy: &plan::Policy) -> Vec<CheckError> {
    let mut minor_ages: Vec<u64> = std::iter::once(policy.settings.minor_age)
        .chain(policy.unit_settings.values().map(|s| s.minor_age))
        .collect();
    minor_ages.sort_unstable();
    minor_ages.dedup();
    let conditions = policy
        .exclusions
        .iter()
        .map(|e| (&e.condition, &e.source))
        .chain(policy.messages.iter().flat_map(|m| {
            let recipients = m
                .recipients
                .iter()
                .filter_map(|r| Some((r.condition.as_ref()?, &r.source)));
            let complements = m
                .complements
                .iter()
                .filter_map(|c| Some((c.condition.as_ref()?, &c.source)));
            recipients.chain(complements)
        }));
    let mut found = Vec::new();
    for (condition, source) in conditions {
        if constant_truth(condition).is_some() {
            continue;
        }
        let Some(truth) = constant_truth_with_ages(condition, &minor_ages) else {
            continue;
        };
        found.push(CheckError::DecidedBySettings {
            truth: if truth { "always" } else { "never" },
            help: if truth {
                "as written, it decides nothing: remove it, or check its ages against `minor_age`"
            } else {
                "as written, it lets nobody through: check its ages against `minor_age` (a minor is younger than it, an adult that age or older)"
            },
            reason: reason(condition, &minor_ages),
            span: span(source),
        });
    }
    found
}

/// What decides it: the minor age, when the condition speaks of minors, else that ages start
/// at 0.
fn reason(condition: &Expr, minor_ages: &[u64]) -> String {
    if mentions_minor(condition) {
        let ages: Vec<String> = minor_ages.iter().map(u64::to_string).collect();
        format!(
            "a minor is a patient younger than the `minor_age` ({})",
            ages.join(" or ")
        )
    } else {
        "a patient's age is a whole number of years from 0".to_string()
    }
}
