//! Rules 3 and 4: exclusions, and policies that win over others.

use super::outcome::PolicyId;
use super::{Engine, Evaluation};

/// The first exclusion of the policy that holds for the booking, by number.
pub(super) fn first_holding(ev: &Evaluation<'_, '_>) -> Option<usize> {
    ev.rules
        .exclusions
        .iter()
        .position(|c| c.holds(&ev.context))
}

/// The policy that replaces message `m` of policy `id` for this booking, if any: one that
/// covers the booking too, `wins_over` this one, and has a message of the same kind on the
/// same channel to the same person.
pub(super) fn replaced_by(
    engine: &Engine,
    id: PolicyId,
    m: usize,
    in_scope: &[PolicyId],
) -> Option<PolicyId> {
    let message = &engine.policy(id).messages[m];
    in_scope.iter().copied().find(|&winner| {
        engine.rules[winner.0].wins_over.contains(&id)
            && engine
                .policy(winner)
                .messages
                .iter()
                .any(|other| other.overlaps(message))
    })
}
